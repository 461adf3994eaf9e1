/* list.h - parameter values that are lists of words */
#ifndef LIST_H
#define LIST_H
#include <stddef.h>

/* list_has() - is the word (len bytes) in the comma/white-space separated
 * list? Case-insensitive, as Postfix compares list members. */
int	 list_has(const char *list, const char *word, size_t len);

#endif /* LIST_H */
