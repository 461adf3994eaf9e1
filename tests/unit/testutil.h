/* testutil.h - what the unit tests share: files and captured warnings */
#ifndef TESTUTIL_H
#define TESTUTIL_H
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"

/* tu_write_file() - name holds exactly len bytes of data, then has mode;
 * fails the test on an error */
void	 tu_write_file(const char *name, const void *data, size_t len,
		    mode_t mode);
/* tu_capture_begin(), tu_capture_end() - what msg_warn() and friends
 * print to stderr in between, into out */
void	 tu_capture_begin(void);
void	 tu_capture_end(struct buf *out);

/* tu_db_open() - a fresh LMDB state in a new directory made from dir, a
 * mkdtemp(3) template; NULL after printing why */
struct db;
struct db *tu_db_open(char *dir);
/* tu_db_remove() - close the state, remove its files and directory */
void	 tu_db_remove(struct db *, const char *dir);

#endif /* TESTUTIL_H */
