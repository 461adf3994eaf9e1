/*
 * mymalloc - allocation that never returns NULL
 * DESCRIPTION	Out of memory is fatal: a daemon that cannot allocate
 *		cannot make a safe decision either, and Postfix's
 *		milter_default_action / policy timeout take over.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL)
		msg_fatal("out of memory (%zu bytes)", n);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		msg_fatal("out of memory (%zu x %zu bytes)", n, size);
	return (p);
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		msg_fatal("out of memory (%zu bytes)", n);
	return (p);
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = 0;
	return (p);
}

void *
xfree(void *p)
{
	free(p);
	return (NULL);
}
