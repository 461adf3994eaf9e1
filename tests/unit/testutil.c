/*
 * testutil - what the unit tests share: files and captured warnings
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "testutil.h"

void
tu_write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	int	 fd;

	unlink(name);
	if ((fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		fail_msg("create %s: %s", name, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len)
		fail_msg("write %s: %s", name, strerror(errno));
	close(fd);
	if (chmod(name, mode) < 0)
		fail_msg("chmod %s: %s", name, strerror(errno));
}

static int tu_saved = -1;
static FILE *tu_fp;

void
tu_capture_begin(void)
{
	fflush(stderr);
	if ((tu_fp = tmpfile()) == NULL || (tu_saved = dup(STDERR_FILENO)) < 0
	    || dup2(fileno(tu_fp), STDERR_FILENO) < 0)
		fail_msg("capture: %s", strerror(errno));
}

void
tu_capture_end(struct buf *out)
{
	char	 chunk[4096];
	size_t	 n;

	fflush(stderr);
	dup2(tu_saved, STDERR_FILENO);
	close(tu_saved);
	rewind(tu_fp);
	buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), tu_fp)) > 0)
		buf_append(out, chunk, n);
	fclose(tu_fp);
}

struct db *
tu_db_open(char *dir)
{
	struct db *db;
	struct buf err;

	if (mkdtemp(dir) == NULL) {
		print_error("mkdtemp %s: %s\n", dir, strerror(errno));
		return (NULL);
	}
	buf_init(&err, 1024);
	if ((db = db_open(dir, 0, &err)) == NULL)
		print_error("db_open: %s\n", buf_str(&err));
	buf_fini(&err);
	return (db);
}

void
tu_db_remove(struct db *db, const char *dir)
{
	char	 path[512];
	DIR	*dp;
	struct dirent *de;

	if (db)
		db_close(db);
	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir,
				    de->d_name);
				unlink(path);
			}
		closedir(dp);
	}
	rmdir(dir);
}
