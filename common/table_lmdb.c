/*
 * table_lmdb - the FILE.lmdb that Postfix's "postmap lmdb:FILE" builds
 * SYNOPSIS	table_open("lmdb:/etc/outpost/sender_login", flags, &err)
 * DESCRIPTION	Outpost reads Postfix's own format rather than inventing
 *		one: build and update the table with postmap(1), and both
 *		Postfix and Outpost see the same answers. Keys are folded
 *		to lower case as postmap does. A rebuilt file is picked up
 *		at the next lookup.
 * DIAGNOSTICS	A file that is not an LMDB database fails the open; a
 *		lookup error is TABLE_ERROR, never "not found".
 */
#include "bounds.h"
#include "db.h"
#include "table.h"

static void *
lmdb_open(const char *path, int flags, struct buf *err)
{
	(void)flags;
	return (db_map_open(path, err));
}

static enum table_status
lmdb_lookup(void *handle, const char *key, struct buf *val)
{
	char	 folded[TABLE_KEY_MAX + 1];

	if (table_fold(key, folded) < 0)
		return (TABLE_NOTFOUND);	/* cannot be a key here */
	switch (db_map_get(handle, folded, val)) {
	case 1:
		return (TABLE_FOUND);
	case 0:
		return (TABLE_NOTFOUND);
	default:
		return (TABLE_ERROR);
	}
}

static void
lmdb_close(void *handle)
{
	db_map_close(handle);
}

const struct table_ops table_lmdb_ops = {
	.type = "lmdb",
	.open = lmdb_open,
	.lookup = lmdb_lookup,
	.close = lmdb_close,
};
