/*
 * buf - growable byte buffer with a hard upper bound
 * SYNOPSIS	struct buf b; buf_init(&b, ADDR_MAX);
 *		if (buf_append(&b, data, len) < 0) ... over the bound ...
 * DESCRIPTION	Network and file text goes into a buf whose bound is set
 *		at init. Appending past the bound fails and leaves the
 *		buffer as it was: it never truncates, because a cut
 *		address can match the wrong rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "mymalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->size = 0;
	b->max = max;
}

void
buf_fini(struct buf *b)
{
	b->data = xfree(b->data);
	b->len = b->size = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

/* buf_space - make room for n more bytes and a NUL; -1 past max */
static int
buf_space(struct buf *b, size_t n)
{
	size_t	 need;

	if (n > b->max || b->len > b->max - n)
		return (-1);
	need = b->len + n + 1;
	if (need > b->size) {
		size_t	 size = b->size ? b->size : 64;

		while (size < need)
			size *= 2;
		b->data = xrealloc(b->data, size);
		b->size = size;
	}
	return (0);
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_space(b, n) < 0)
		return (-1);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return (0);
}

int
buf_puts(struct buf *b, const char *s)
{
	return (buf_append(b, s, strlen(s)));
}

int
buf_putc(struct buf *b, int c)
{
	char	 ch = (char)c;

	return (buf_append(b, &ch, 1));
}

int
buf_set(struct buf *b, const char *s)
{
	buf_reset(b);
	return (buf_puts(b, s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_space(b, (size_t)n) < 0)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return (0);
}

const char *
buf_str(struct buf *b)
{
	if (b->data == NULL)
		return ("");
	return (b->data);
}
