/*
 * list - parameter values that are lists of words
 * DESCRIPTION	"pdf, png jpg" and "alice, bob": members are separated by
 *		commas and white space, as in Postfix parameter lists and
 *		table values, and compared without regard to case.
 */
#include <strings.h>
#include <string.h>

#include "list.h"

int
list_has(const char *list, const char *word, size_t len)
{
	const char *s = list;

	while (*s) {
		size_t	 n;

		s += strspn(s, ", \t\r\n");
		n = strcspn(s, ", \t\r\n");
		if (n == len && n > 0 && strncasecmp(s, word, n) == 0)
			return (1);
		s += n;
	}
	return (0);
}

int
list_words(const char *list, const char *const *known, int nknown, int *out,
    int max)
{
	const char *s = list;
	size_t	 n;
	int	 i, words = 0;

	for (; *s; s += n) {
		s += strspn(s, ", \t\r\n");
		if ((n = strcspn(s, ", \t\r\n")) == 0)
			break;
		for (i = 0; i < nknown; i++)
			if (strlen(known[i]) == n && strncmp(s, known[i], n) == 0)
				break;
		if (i == nknown)
			return (-1);
		if (out && words < max)
			out[words] = i;
		words++;
	}
	return (words);
}
