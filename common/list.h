/* list.h - parameter values that are lists of words */
#ifndef LIST_H
#define LIST_H
#include <stddef.h>

/* list_has() - is the word (len bytes) in the comma/white-space separated
 * list? Case-insensitive, as Postfix compares list members. */
int	 list_has(const char *list, const char *word, size_t len);

/* list_words() - each word of the list as its index in known[] (nknown
 * keywords, compared exactly), stored in out[] while fewer than max (out
 * may be NULL); returns the number of words, or -1 when one is not a
 * keyword. */
int	 list_words(const char *list, const char *const *known, int nknown,
		    int *out, int max);

#endif /* LIST_H */
