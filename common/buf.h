/* buf.h - growable byte buffer with a hard upper bound */
#ifndef BUF_H
#define BUF_H
#include <stddef.h>
#include "sys_defs.h"

struct buf {
	char	*data;
	size_t	 len;			/* bytes used, excluding the NUL */
	size_t	 size;			/* bytes allocated */
	size_t	 max;			/* hard limit for len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_fini(struct buf *);
void	 buf_reset(struct buf *);
/* The appenders return -1, leaving the buffer unchanged, past max. */
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, int);
int	 buf_printf(struct buf *, const char *, ...) PRINTFLIKE(2, 3);
int	 buf_set(struct buf *, const char *);	/* reset + puts */
const char *buf_str(struct buf *);	/* NUL-terminated, valid until the
					 * next change */

#endif /* BUF_H */
