/* lineread.h - logical lines of main.cf-style and table source files */
#ifndef LINEREAD_H
#define LINEREAD_H
#include <stdio.h>
#include "buf.h"

struct lineread {
	FILE	*fp;
	const char *path;		/* borrowed from the caller */
	int	 lineno;		/* first physical line of the last
					 * logical line */
	int	 next_lineno;
	struct buf pending;		/* lookahead: the next physical line */
	int	 have_pending;
};

#define LINEREAD_SECURE	(1<<0)		/* refuse a group/world writable file */

/* lineread_open() returns -1 with err set ("path: reason") */
int	 lineread_open(struct lineread *, const char *path, int flags,
		    struct buf *err);
/*
 * lineread_next() puts the next logical line in line: comment and blank
 * lines skipped, continuation lines (starting with white space) appended
 * as they are, as Postfix does (the newline goes), trailing white
 * space removed. It returns 1, 0 at end of
 * file, -1 with err set ("path, line N: ...") for a line over the
 * line's bound or one holding a NUL byte.
 */
int	 lineread_next(struct lineread *, struct buf *line, struct buf *err);
void	 lineread_close(struct lineread *);

#endif /* LINEREAD_H */
