/* spool.h - a message's bytes, in memory up to a threshold, then on disk */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct mf_spool {
	struct buf mem;			/* the bytes while size <= threshold */
	size_t	 size;			/* bytes written so far */
	size_t	 threshold;		/* past this, the bytes go to fd */
	size_t	 max;			/* past this, nothing more is kept */
	int	 fd;			/* unnamed file, or -1 */
	char	*dir;			/* where that file goes */
	int	 over;			/* more than max bytes were offered */
	int	 error;			/* errno of a failed write, or 0 */
};

/* mf_spool_init() - an empty spool; its file, if any, goes in dir */
void	 mf_spool_init(struct mf_spool *, size_t threshold, size_t max,
		    const char *dir);
void	 mf_spool_fini(struct mf_spool *);

/* mf_spool_write() - append; 0, or -1 once over max or a write failed */
int	 mf_spool_write(struct mf_spool *, const void *, size_t);

/* mf_spool_read() - up to len bytes from offset; bytes read, or -1 */
ssize_t	 mf_spool_read(struct mf_spool *, off_t offset, void *, size_t len);

#endif /* SPOOL_H */
