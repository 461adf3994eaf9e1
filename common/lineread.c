/*
 * lineread - logical lines of main.cf-style and table source files
 * DESCRIPTION	The shape shared by outpost.conf and postmap(1) source
 *		files: a logical line starts with non-white text; a line
 *		that starts with white space continues it; lines whose
 *		first non-white character is "#" are comments, and so are
 *		empty lines. Comment lines do not end a logical line, as
 *		in main.cf.
 * LIMITS	The caller's buffer bound limits one logical line; past it
 *		the whole file is refused rather than a line cut short.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineread.h"
#include "msg.h"

int
lineread_open(struct lineread *lr, const char *path, int flags,
    struct buf *err)
{
	struct stat st;
	int	 fd;

	memset(lr, 0, sizeof(*lr));
	buf_reset(err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(err, "open %s: %m", path);
		return (-1);
	}
	if (fstat(fd, &st) < 0) {
		buf_printf(err, "fstat %s: %m", path);
		close(fd);
		return (-1);
	}
	if ((flags & LINEREAD_SECURE) && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		buf_printf(err, "%s: file is writable by group or other; "
		    "refusing to use it", path);
		close(fd);
		return (-1);
	}
	if ((lr->fp = fdopen(fd, "r")) == NULL) {
		buf_printf(err, "fdopen %s: %m", path);
		close(fd);
		return (-1);
	}
	lr->path = path;
	buf_init(&lr->pending, 0);	/* max set per call */
	return (0);
}

/* lineread_physical - next physical line without its newline; 1, 0, -1 */
static int
lineread_physical(struct lineread *lr, struct buf *line, size_t max,
    struct buf *err)
{
	int	 c;

	buf_reset(line);
	if ((c = getc(lr->fp)) == EOF)
		return (ferror(lr->fp) ? (buf_printf(err, "read %s: %m",
		    lr->path), -1) : 0);
	lr->next_lineno++;
	for (; c != EOF && c != '\n'; c = getc(lr->fp)) {
		if (c == 0) {
			buf_printf(err, "%s, line %d: NUL byte in line",
			    lr->path, lr->next_lineno);
			return (-1);
		}
		if (line->len >= max || buf_putc(line, c) < 0) {
			buf_printf(err, "%s, line %d: line longer than %zu "
			    "bytes", lr->path, lr->next_lineno, max);
			return (-1);
		}
	}
	return (1);
}

/* lineread_is_comment - blank, or first non-white character is # */
static int
lineread_is_comment(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (*s == 0 || *s == '#');
}

int
lineread_next(struct lineread *lr, struct buf *line, struct buf *err)
{
	size_t	 max = line->max;
	int	 st;

	buf_reset(err);
	buf_reset(line);
	/* Find the start of the next logical line. */
	for (;;) {
		if (lr->have_pending) {
			lr->have_pending = 0;
			if (buf_set(line, buf_str(&lr->pending)) < 0)
				return (-1);
		} else if ((st = lineread_physical(lr, line, max, err)) <= 0)
			return (st);
		if (!lineread_is_comment(buf_str(line)))
			break;
	}
	lr->lineno = lr->next_lineno;
	if (isspace((unsigned char)line->data[0])) {
		buf_printf(err, "%s, line %d: continuation line without a "
		    "preceding line", lr->path, lr->lineno);
		return (-1);
	}
	/* Join continuation lines, skipping comments among them. */
	lr->pending.max = max;
	for (;;) {
		const char *s;

		if ((st = lineread_physical(lr, &lr->pending, max, err)) < 0)
			return (-1);
		if (st == 0)
			break;
		s = buf_str(&lr->pending);
		if (lineread_is_comment(s))
			continue;
		if (!isspace((unsigned char)*s)) {
			lr->have_pending = 1;
			break;
		}
		/* As Postfix: the newline goes, the line stays as it is. */
		if (buf_puts(line, s) < 0) {
			buf_printf(err, "%s, line %d: logical line longer "
			    "than %zu bytes", lr->path, lr->lineno, max);
			return (-1);
		}
	}
	while (line->len > 0 && isspace((unsigned char)line->data[line->len - 1]))
		line->data[--line->len] = 0;
	return (1);
}

void
lineread_close(struct lineread *lr)
{
	if (lr->fp)
		fclose(lr->fp);
	lr->fp = NULL;
	buf_fini(&lr->pending);
}
