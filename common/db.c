/*
 * db - the only file that speaks LMDB
 * DESCRIPTION	Two uses. The state environment under state_directory
 *		holds the blocklist, its audit trail and the rate-limit
 *		counters; the daemons and outpostctl share it through
 *		LMDB's own multi-process locking. Write transactions are
 *		short; a full map is grown here and the transaction run
 *		again, so callers never see MDB_MAP_FULL. A map grown by
 *		another process is picked up (MDB_MAP_RESIZED) here too.
 *
 *		And read-only access to the FILE.lmdb that Postfix's
 *		postmap(1) builds: keys are lower case and stored with
 *		their terminating NUL, values too. postmap rewrites the
 *		file under an exclusive flock(2), so a lookup takes a
 *		shared one, and reopens the file when postmap replaced or
 *		rebuilt it since the last lookup.
 * SECURITY	No MDB_env is carried across fork(): open after forking.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "msg.h"
#include "mymalloc.h"

#define DB_MAPSIZE_INITIAL	((size_t)1 << 30)	/* address space, not disk:
						 * the file grows with its
						 * data; the map on demand */
#define DB_GROW_TRIES		8

static const char *db_names[DB_NAMES] = {
	"blocklist", "audit", "ratelimit", "reset", "meta", "bounce",
	"domain",
};

struct db {
	MDB_env	*env;
	MDB_dbi	 dbi[DB_NAMES];
	int	 rdonly;
	int	 lazymeta;		/* MDB_NOMETASYNC: sync at close */
};

struct db_txn {
	struct db *db;
	MDB_txn	*txn;
	int	 rc;			/* last LMDB error */
	int	 reset;			/* a reused read transaction, not
					 * renewed yet: see db_live() */
	MDB_cursor *put[DB_NAMES];	/* a write transaction's cursors for
					 * db_put() and db_del(), opened at
					 * first use: see db_cursor() */
};

struct db *
db_open(const char *dir, int flags, struct buf *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	MDB_txn	*txn;
	int	 rc, dead, i;
	unsigned env_flags = MDB_NOTLS;

	buf_reset(err);
	db->rdonly = (flags & DB_RDONLY) != 0;
	if (!db->rdonly && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(err, "create state directory %s: %m", dir);
		return (xfree(db));
	}
	if (db->rdonly)
		env_flags |= MDB_RDONLY;
	else if ((db->lazymeta = (flags & DB_LAZYMETA) != 0))
		env_flags |= MDB_NOMETASYNC;
	if ((rc = mdb_env_create(&db->env)) != 0
	    || (rc = mdb_env_set_maxdbs(db->env, DB_NAMES)) != 0
	    || (rc = mdb_env_set_maxreaders(db->env, 512)) != 0
	    || (rc = mdb_env_set_mapsize(db->env, DB_MAPSIZE_INITIAL)) != 0
	    || (rc = mdb_env_open(db->env, dir, env_flags, 0600)) != 0) {
		buf_printf(err, "open state directory %s: %s", dir,
		    mdb_strerror(rc));
		goto fail;
	}
	/* Readers left behind by a process that died (kill -9). */
	if (mdb_reader_check(db->env, &dead) == 0 && dead > 0)
		msg_info("%s: cleared %d stale reader slots", dir, dead);
	/* A map made larger by another process is adopted with size 0. */
	mdb_env_set_mapsize(db->env, 0);
	if ((rc = mdb_txn_begin(db->env, NULL, db->rdonly ? MDB_RDONLY : 0,
	    &txn)) != 0) {
		buf_printf(err, "%s: begin transaction: %s", dir,
		    mdb_strerror(rc));
		goto fail;
	}
	for (i = 0; i < DB_NAMES; i++) {
		if ((rc = mdb_dbi_open(txn, db_names[i],
		    db->rdonly ? 0 : MDB_CREATE, &db->dbi[i])) != 0) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				buf_printf(err, "%s: no state yet (run the "
				    "daemon or an outpostctl command that "
				    "writes first)", dir);
			else
				buf_printf(err, "%s: open database %s: %s", dir,
				    db_names[i], mdb_strerror(rc));
			goto fail;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		buf_printf(err, "%s: commit: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	return (db);
fail:
	if (db->env)
		mdb_env_close(db->env);
	return (xfree(db));
}

struct db *
db_close(struct db *db)
{
	int	 rc;

	if (db == NULL)
		return (NULL);
	/* The last meta page, if a commit left it to the next one. */
	if (db->lazymeta && (rc = mdb_env_sync(db->env, 1)) != 0)
		msg_warn("state directory: sync: %s", mdb_strerror(rc));
	mdb_env_close(db->env);
	return (xfree(db));
}

/* db_begin - mdb_txn_begin that adopts a map grown elsewhere */
static int
db_begin(struct db *db, unsigned flags, MDB_txn **txn)
{
	int	 rc;

	if ((rc = mdb_txn_begin(db->env, NULL, flags, txn)) == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(db->env, 0);
		rc = mdb_txn_begin(db->env, NULL, flags, txn);
	}
	return (rc);
}

int
db_read_begin(struct db *db, struct db_txn **cache, const char **why)
{
	struct db_txn *t = *cache;
	int	 rc;

	if (t && t->txn)
		return (0);		/* renewed when first used */
	if (t == NULL) {
		t = *cache = xcalloc(1, sizeof(*t));
		t->db = db;
	}
	t->reset = 0;
	if ((rc = db_begin(db, MDB_RDONLY, &t->txn)) != 0) {
		t->txn = NULL;
		*why = mdb_strerror(rc);
		return (-1);
	}
	return (0);
}

/*
 * db_live - renew a reused read transaction at its first use, so that a
 * request that reads nothing (the policy daemon's usual request, answered
 * from memory) costs no renewal; 0, or -1 with t->rc set
 */
static int
db_live(struct db_txn *t)
{
	int	 rc;

	if (t->txn == NULL)		/* renewal failed: see t->rc */
		return (-1);
	if (!t->reset)
		return (0);
	t->reset = 0;
	if ((rc = mdb_txn_renew(t->txn)) == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(t->db->env, 0);
		rc = mdb_txn_renew(t->txn);
	}
	if (rc == 0)
		return (0);
	mdb_txn_abort(t->txn);		/* a fresh one, then */
	if ((rc = db_begin(t->db, MDB_RDONLY, &t->txn)) == 0)
		return (0);
	t->txn = NULL;			/* db_read_begin() starts over */
	t->rc = rc;
	return (-1);
}

void
db_read_end(struct db_txn *t)
{
	if (t && t->txn && !t->reset) {
		mdb_txn_reset(t->txn);
		t->reset = 1;
	}
}

unsigned long
db_txn_id(struct db_txn *t)
{
	if (t == NULL || t->txn == NULL || db_live(t) < 0)
		return (0);
	return ((unsigned long)mdb_txn_id(t->txn));
}

unsigned long
db_last_txn_id(struct db *db)
{
	MDB_envinfo info;

	if (mdb_env_info(db->env, &info) != 0)
		return (0);
	return ((unsigned long)info.me_last_txnid);
}

struct db_txn *
db_txn_free(struct db_txn *t)
{
	if (t == NULL)
		return (NULL);
	if (t->txn)
		mdb_txn_abort(t->txn);
	return (xfree(t));
}

/* db_grow - double the map after MDB_MAP_FULL */
static int
db_grow(struct db *db)
{
	MDB_envinfo info;

	if (mdb_env_info(db->env, &info) != 0)
		return (-1);
	msg_info("state map full at %zu MB, growing to %zu MB",
	    info.me_mapsize >> 20, (info.me_mapsize * 2) >> 20);
	return (mdb_env_set_mapsize(db->env, info.me_mapsize * 2) == 0 ? 0 : -1);
}

/* db_update_run - a write transaction, growing the map when allowed */
static int
db_update_run(struct db *db, int (*fn)(struct db_txn *, void *,
    const char **), void *ctx, const char **why, int grow)
{
	struct db_txn t;
	int	 tries, rc;

	t.db = db;
	t.reset = 0;
	for (tries = 0; tries < DB_GROW_TRIES; tries++) {
		t.rc = 0;
		/* LMDB closes a write transaction's cursors when it ends. */
		memset(t.put, 0, sizeof(t.put));
		if ((rc = db_begin(db, 0, &t.txn)) != 0) {
			*why = mdb_strerror(rc);
			return (-1);
		}
		if (fn(&t, ctx, why) < 0) {
			mdb_txn_abort(t.txn);
			if (t.rc == MDB_MAP_FULL && grow && db_grow(db) == 0)
				continue;
			if (t.rc != 0)
				*why = mdb_strerror(t.rc);
			return (-1);
		}
		if ((rc = mdb_txn_commit(t.txn)) == 0)
			return (0);
		if (rc == MDB_MAP_FULL && grow && db_grow(db) == 0)
			continue;
		*why = mdb_strerror(rc);
		return (-1);
	}
	*why = "state map could not grow";
	return (-1);
}

int
db_update(struct db *db, int (*fn)(struct db_txn *, void *, const char **),
    void *ctx, const char **why)
{
	return (db_update_run(db, fn, ctx, why, 1));
}

int
db_update_nogrow(struct db *db, int (*fn)(struct db_txn *, void *,
    const char **), void *ctx, const char **why)
{
	return (db_update_run(db, fn, ctx, why, 0));
}

int
db_get(struct db_txn *t, enum db_name n, const void *key, size_t klen,
    const void **val, size_t *vlen)
{
	MDB_val	 k = {klen, (void *)key}, v;
	int	 rc;

	if (klen == 0 || klen > (size_t)mdb_env_get_maxkeysize(t->db->env))
		return (0);		/* cannot be stored, so not found */
	if (db_live(t) < 0)
		return (-1);
	if ((rc = mdb_get(t->txn, t->db->dbi[n], &k, &v)) == MDB_NOTFOUND)
		return (0);
	if (rc != 0) {
		t->rc = rc;
		return (-1);
	}
	*val = v.mv_data;
	*vlen = v.mv_size;
	return (1);
}

/*
 * db_cursor - the cursor that writes to database n. Writes go through one
 * cursor rather than mdb_put(), which searches from the root each time:
 * a cursor first looks on the page it is on, so writes in key order
 * (pd_rate's batches, imports) find their place without a descent.
 */
static MDB_cursor *
db_cursor(struct db_txn *t, enum db_name n)
{
	int	 rc;

	if (t->put[n] == NULL
	    && (rc = mdb_cursor_open(t->txn, t->db->dbi[n], &t->put[n])) != 0) {
		t->rc = rc;
		t->put[n] = NULL;
	}
	return (t->put[n]);
}

int
db_put(struct db_txn *t, enum db_name n, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val	 k = {klen, (void *)key}, v = {vlen, (void *)val};
	MDB_cursor *c;
	int	 rc;

	if ((c = db_cursor(t, n)) == NULL)
		return (-1);
	if ((rc = mdb_cursor_put(c, &k, &v, 0)) != 0) {
		t->rc = rc;
		return (-1);
	}
	return (0);
}

int
db_del(struct db_txn *t, enum db_name n, const void *key, size_t klen)
{
	MDB_val	 k = {klen, (void *)key}, v;
	MDB_cursor *c;
	int	 rc;

	if ((c = db_cursor(t, n)) == NULL)
		return (-1);
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) == 0)
		rc = mdb_cursor_del(c, 0);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		t->rc = rc;
		return (-1);
	}
	return (0);
}

int
db_walk(struct db_txn *t, enum db_name n, const void *prefix, size_t plen,
    int (*fn)(const void *, size_t, const void *, size_t, void *), void *ctx)
{
	MDB_cursor *c;
	MDB_val	 k = {plen, (void *)prefix}, v;
	MDB_cursor_op op = plen ? MDB_SET_RANGE : MDB_FIRST;
	int	 rc, ret = 0;

	if (db_live(t) < 0)
		return (-1);
	if ((rc = mdb_cursor_open(t->txn, t->db->dbi[n], &c)) != 0) {
		t->rc = rc;
		return (-1);
	}
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (plen && (k.mv_size < plen
		    || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((ret = fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size,
		    ctx)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		t->rc = rc;
		return (-1);
	}
	return (ret);
}

int
db_clear(struct db_txn *t, enum db_name n)
{
	int	 rc;

	if ((rc = mdb_drop(t->txn, t->db->dbi[n], 0)) != 0) {
		t->rc = rc;
		return (-1);
	}
	return (0);
}

size_t
db_count(struct db_txn *t, enum db_name n)
{
	MDB_stat st;

	if (db_live(t) < 0 || mdb_stat(t->txn, t->db->dbi[n], &st) != 0)
		return (0);
	return (st.ms_entries);
}

const char *
db_strerror(struct db_txn *t)
{
	return (mdb_strerror(t->rc));
}

/* Postfix lmdb files */

struct db_map {
	char	*path;			/* FILE.lmdb */
	int	 fd;			/* for flock(2), as postmap locks */
	MDB_env	*env;
	MDB_dbi	 dbi;
	struct stat st;			/* what we opened */
	pthread_mutex_t lock;		/* lookups may come from threads */
};

/* db_map_load - (re)open the environment; -1 with err set */
static int
db_map_load(struct db_map *m, struct buf *err)
{
	MDB_txn	*txn;
	int	 rc;

	if (m->env)
		mdb_env_close(m->env);
	m->env = NULL;
	if (m->fd >= 0)
		close(m->fd);
	if ((m->fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0
	    || fstat(m->fd, &m->st) < 0) {
		buf_printf(err, "open %s: %m", m->path);
		return (-1);
	}
	if (m->st.st_mode & (S_IWGRP | S_IWOTH)) {
		buf_printf(err, "%s: file is writable by group or other; "
		    "refusing to use it", m->path);
		return (-1);
	}
	flock(m->fd, LOCK_SH);
	if ((rc = mdb_env_create(&m->env)) != 0
	    || (rc = mdb_env_set_mapsize(m->env, 0)) != 0
	    || (rc = mdb_env_open(m->env, m->path, MDB_RDONLY | MDB_NOSUBDIR
	    | MDB_NOLOCK | MDB_NOTLS, 0)) != 0
	    || (rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0) {
		flock(m->fd, LOCK_UN);
		buf_printf(err, "open %s: %s (not a file built by postmap "
		    "lmdb:?)", m->path, mdb_strerror(rc));
		if (m->env)
			mdb_env_close(m->env);
		m->env = NULL;
		return (-1);
	}
	rc = mdb_dbi_open(txn, NULL, 0, &m->dbi);
	mdb_txn_abort(txn);
	flock(m->fd, LOCK_UN);
	if (rc != 0) {
		buf_printf(err, "open %s: %s", m->path, mdb_strerror(rc));
		mdb_env_close(m->env);
		m->env = NULL;
		return (-1);
	}
	return (0);
}

struct db_map *
db_map_open(const char *path, struct buf *err)
{
	struct db_map *m = xcalloc(1, sizeof(*m));
	size_t	 len = strlen(path);

	m->fd = -1;
	m->path = xmalloc(len + sizeof(".lmdb"));
	memcpy(m->path, path, len);
	memcpy(m->path + len, ".lmdb", sizeof(".lmdb"));
	pthread_mutex_init(&m->lock, NULL);
	if (db_map_load(m, err) < 0)
		return (db_map_close(m));
	return (m);
}

/* db_map_changed - did postmap replace or rewrite the file? */
static int
db_map_changed(const struct db_map *m)
{
	struct stat st;

	if (stat(m->path, &st) < 0)
		return (0);		/* gone: keep serving what we have */
	return (st.st_ino != m->st.st_ino || st.st_dev != m->st.st_dev
	    || st.st_mtim.tv_sec != m->st.st_mtim.tv_sec
	    || st.st_mtim.tv_nsec != m->st.st_mtim.tv_nsec
	    || st.st_size != m->st.st_size);
}

/* db_map_try - one lookup with or without the trailing NUL */
static int
db_map_try(struct db_map *m, MDB_txn *txn, const char *key, size_t klen,
    struct buf *val)
{
	MDB_val	 k = {klen, (void *)key}, v;
	size_t	 vlen;
	int	 rc;

	if (klen == 0)			/* "" (the null sender): no such key */
		return (0);
	if ((rc = mdb_get(txn, m->dbi, &k, &v)) == MDB_NOTFOUND)
		return (0);
	if (rc != 0) {
		msg_warn("%s: lookup: %s", m->path, mdb_strerror(rc));
		return (-1);
	}
	vlen = v.mv_size;
	if (vlen > 0 && ((char *)v.mv_data)[vlen - 1] == 0)
		vlen--;
	buf_reset(val);
	if (buf_append(val, v.mv_data, vlen) < 0) {
		msg_warn("%s: value for \"%.100s\" longer than %zu bytes",
		    m->path, key, val->max);
		return (-1);
	}
	return (1);
}

int
db_map_get(struct db_map *m, const char *key, struct buf *val)
{
	MDB_txn	*txn;
	int	 rc, found = -1;

	pthread_mutex_lock(&m->lock);
	if (m->env == NULL || db_map_changed(m)) {
		struct buf err;

		buf_init(&err, 1024);
		if (db_map_load(m, &err) < 0)
			msg_warn("%s", buf_str(&err));
		buf_fini(&err);
	}
	if (m->env == NULL)
		goto out;
	flock(m->fd, LOCK_SH);
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0) {
		msg_warn("%s: begin: %s", m->path, mdb_strerror(rc));
		flock(m->fd, LOCK_UN);
		goto out;
	}
	/* postmap stores the NUL; try that first, then without. */
	if ((found = db_map_try(m, txn, key, strlen(key) + 1, val)) == 0)
		found = db_map_try(m, txn, key, strlen(key), val);
	mdb_txn_abort(txn);
	flock(m->fd, LOCK_UN);
out:
	pthread_mutex_unlock(&m->lock);
	return (found);
}

struct db_map *
db_map_close(struct db_map *m)
{
	if (m == NULL)
		return (NULL);
	if (m->env)
		mdb_env_close(m->env);
	if (m->fd >= 0)
		close(m->fd);
	pthread_mutex_destroy(&m->lock);
	xfree(m->path);
	return (xfree(m));
}
