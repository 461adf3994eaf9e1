/* mymalloc.h - memory allocation that never returns NULL */
#ifndef MYMALLOC_H
#define MYMALLOC_H
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xfree(void *);			/* returns NULL */

#endif /* MYMALLOC_H */
