/*
 * spool - a message's bytes, in memory up to a threshold, then on disk
 * SYNOPSIS	mf_spool_init(&s, 1 << 20, 50 << 20, "/var/lib/outpost");
 *		mf_spool_write(&s, data, len) ...
 *		mf_spool_read(&s, offset, buf, sizeof(buf))
 * DESCRIPTION	The milter sees a message in pieces and must hand it
 *		whole to the scanner. Small messages stay in memory; the
 *		first write past the threshold moves the bytes to an
 *		unnamed file (O_TMPFILE, so nothing is left behind by a
 *		crash), and from then on they stream through the file.
 *		Past max nothing more is kept and the spool says so: the
 *		caller decides what an oversized message means.
 * DIAGNOSTICS	A failed file operation is kept in error (errno) and
 *		logged by the caller with the message it belongs to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mymalloc.h"
#include "spool.h"

void
mf_spool_init(struct mf_spool *s, size_t threshold, size_t max,
    const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->threshold = threshold < max ? threshold : max;
	s->max = max;
	s->fd = -1;
	s->dir = xstrdup(dir);
	buf_init(&s->mem, s->threshold);
}

void
mf_spool_fini(struct mf_spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	buf_fini(&s->mem);
	xfree(s->dir);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* mf_spool_full_write - all of it, or -1 */
static int
mf_spool_full_write(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* mf_spool_to_file - move the bytes so far to an unnamed file */
static int
mf_spool_to_file(struct mf_spool *s)
{
	char	 path[4096];
	int	 fd;

	if ((fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0) {
		/* A file system without O_TMPFILE: a name, gone at once. */
		snprintf(path, sizeof(path), "%s/spool.XXXXXX", s->dir);
		if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
			return (-1);
		unlink(path);
	}
	if (mf_spool_full_write(fd, s->mem.data, s->mem.len) < 0) {
		close(fd);
		return (-1);
	}
	s->fd = fd;
	buf_fini(&s->mem);
	return (0);
}

int
mf_spool_write(struct mf_spool *s, const void *data, size_t len)
{
	if (s->over || s->error)
		return (-1);
	if (len > s->max - s->size) {
		s->over = 1;
		return (-1);
	}
	if (s->fd < 0 && s->size + len > s->threshold
	    && mf_spool_to_file(s) < 0) {
		s->error = errno;
		return (-1);
	}
	if (s->fd >= 0) {
		if (mf_spool_full_write(s->fd, data, len) < 0) {
			s->error = errno;
			return (-1);
		}
	} else if (buf_append(&s->mem, data, len) < 0) {
		s->error = ENOMEM;	/* not reached: threshold checked */
		return (-1);
	}
	s->size += len;
	return (0);
}

ssize_t
mf_spool_read(struct mf_spool *s, off_t offset, void *out, size_t len)
{
	ssize_t	 n;

	if (offset < 0 || (size_t)offset >= s->size)
		return (0);
	if (len > s->size - (size_t)offset)
		len = s->size - (size_t)offset;
	if (s->fd < 0) {
		memcpy(out, s->mem.data + offset, len);
		return ((ssize_t)len);
	}
	while ((n = pread(s->fd, out, len, offset)) < 0 && errno == EINTR)
		 /* void */ ;
	return (n);
}
