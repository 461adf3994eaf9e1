/* db.h - LMDB: the shared state environment, and postmap(1) lmdb files */
#ifndef DB_H
#define DB_H
#include <stddef.h>
#include "buf.h"

/* The named databases inside the state environment. */
enum db_name {
	DB_BLOCK,			/* address -> blocklist entry */
	DB_AUDIT,			/* address, time, seq -> audit record */
	DB_RATE,			/* "type:key" -> rate-limit counters */
	DB_RESET,			/* "type:key" -> reset request */
	DB_META,			/* ingest positions and other bookkeeping */
	DB_BOUNCE,			/* soft-bounce history, report counters */
	DB_DOMAIN,			/* sending domain -> verification state */
	DB_NAMES
};

#define DB_RDONLY	(1<<0)		/* open the environment read-only */
/* DB_LAZYMETA: a commit's meta page reaches the disk with the next
 * commit's data, one fsync instead of two (MDB_NOMETASYNC): a crash of
 * the operating system may undo the last transaction, one of the
 * process loses nothing; db_close() syncs. */
#define DB_LAZYMETA	(1<<1)

struct db;
struct db_txn;

/* db_open() returns NULL with err set; it clears stale readers. */
struct db *db_open(const char *dir, int flags, struct buf *err);
struct db *db_close(struct db *);		/* returns NULL */

/*
 * Read transactions: db_read_begin() starts one, reusing *cache (which
 * starts as NULL) so that a request costs no allocation; db_read_end()
 * ends it; db_txn_free() releases the cache. All return -1 with *why set.
 * A reused transaction takes its snapshot when it is first read, not at
 * db_read_begin(): an error then comes from that read.
 */
int	 db_read_begin(struct db *, struct db_txn **cache, const char **why);
void	 db_read_end(struct db_txn *);
/* db_txn_id() - the snapshot a read transaction sees: it changes when
 * any process has committed a write since; 0 on an error */
unsigned long db_txn_id(struct db_txn *);
/* db_last_txn_id() - the newest snapshot, without a transaction */
unsigned long db_last_txn_id(struct db *);
struct db_txn *db_txn_free(struct db_txn *);

/*
 * db_update() runs fn inside one write transaction and commits it. When
 * the map is full it grows the map and runs fn again from the start, so
 * fn must not keep side effects outside the transaction. fn returns 0 to
 * commit or -1 to abort (db_update then returns -1 and *why is fn's).
 */
int	 db_update(struct db *, int (*fn)(struct db_txn *, void *, const char **),
		    void *ctx, const char **why);

/* db_update_nogrow() - the same, for a thread other than the one that
 * reads: growing the map needs every transaction of the process closed,
 * so a full map is an error here ("state map full"), for the caller to
 * retry with db_update() from the reading thread. */
int	 db_update_nogrow(struct db *, int (*fn)(struct db_txn *, void *,
		    const char **), void *ctx, const char **why);

/* db_get() returns 1 (found; *val valid until the transaction ends),
 * 0 (not found) or -1. */
int	 db_get(struct db_txn *, enum db_name, const void *key, size_t klen,
		    const void **val, size_t *vlen);
int	 db_put(struct db_txn *, enum db_name, const void *key, size_t klen,
		    const void *val, size_t vlen);
int	 db_del(struct db_txn *, enum db_name, const void *key, size_t klen);
/*
 * db_walk() calls fn for every record whose key starts with prefix (all
 * records when plen is 0), in key order, until fn returns non-zero
 * (which db_walk returns); -1 on a database error.
 */
int	 db_walk(struct db_txn *, enum db_name, const void *prefix, size_t plen,
		    int (*fn)(const void *k, size_t kl, const void *v, size_t vl,
		    void *ctx), void *ctx);
/* db_clear() - delete every record of one database */
int	 db_clear(struct db_txn *, enum db_name);
const char *db_strerror(struct db_txn *);	/* last error on this txn */
size_t	 db_count(struct db_txn *, enum db_name);

/* A file made by Postfix's "postmap lmdb:FILE" (FILE.lmdb). */
struct db_map;
struct db_map *db_map_open(const char *path, struct buf *err);
/* db_map_get() returns 1 with val set, 0, or -1 (logged). */
int	 db_map_get(struct db_map *, const char *key, struct buf *val);
struct db_map *db_map_close(struct db_map *);

#endif /* DB_H */
