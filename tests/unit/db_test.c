/*
 * db_test - the LMDB state environment: put, get, del, walk, update
 *
 * Every case works in one environment under a private mkdtemp(3)
 * directory. Map growth past the initial 1 GB is not exercised (too
 * slow for a unit test); a few thousand records and a read-only reopen
 * are.
 */
#include <errno.h>
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

#include "buf.h"
#include "db.h"
#include "msg.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static char tmpdir[] = "/tmp/db_test.XXXXXX";
static char statedir[sizeof(tmpdir) + 16];
static struct db *db;

struct kv {
	enum db_name db;
	const char *key, *val;
};

/* put_rows - db_update callback: put every row of a NULL-ended list */
static int
put_rows(struct db_txn *t, void *ctx, const char **why)
{
	const struct kv *kv;

	for (kv = ctx; kv->key; kv++)
		if (db_put(t, kv->db, kv->key, strlen(kv->key), kv->val,
		    strlen(kv->val) + 1) < 0) {
			*why = db_strerror(t);
			return (-1);
		}
	return (0);
}

/* get_str - one read transaction, one key; the value or NULL */
static const char *
get_str(enum db_name n, const char *key, struct buf *out)
{
	struct db_txn *t = NULL;
	const char *why;
	const void *v;
	size_t	 vl;
	int	 st;

	if (db_read_begin(db, &t, &why) < 0)
		fail_msg("db_read_begin: %s", why);
	st = db_get(t, n, key, strlen(key), &v, &vl);
	if (st == 1)
		buf_set(out, v);
	db_read_end(t);
	db_txn_free(t);
	if (st < 0)
		fail_msg("db_get(\"%s\"): error", key);
	return (st == 1 ? buf_str(out) : NULL);
}

/* Put and get, per named database. */
static void
test_put_get(void **state)
{
	static const struct kv puts[] = {
		{DB_BLOCK, "bob@example.com", "blocked"},
		{DB_RATE, "sender:bob@example.com", "3/1h"},
		{DB_META, "ingest", "offset 42"},
		{DB_BLOCK, "carol@example.com", "first"},
		{DB_BLOCK, "carol@example.com", "second"},	/* replaced */
		{0, 0, 0},
	};
	static const struct {
		enum db_name db;
		const char *key, *want;
	} rows[] = {
		{DB_BLOCK, "bob@example.com", "blocked"},
		{DB_RATE, "sender:bob@example.com", "3/1h"},
		{DB_META, "ingest", "offset 42"},
		{DB_BLOCK, "carol@example.com", "second"},
		{DB_RATE, "bob@example.com", NULL},	/* other database */
		{DB_AUDIT, "ingest", NULL},
		{DB_BLOCK, "BOB@example.com", NULL},	/* bytes, not folded */
		{DB_BLOCK, "nobody", NULL},
	};
	struct buf out;
	const char *why = NULL;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&out, 4096);
	assert_int_equal(db_update(db, put_rows, (void *)puts, &why), 0);
	for (i = 0; i < ROWS(rows); i++) {
		const char *got = get_str(rows[i].db, rows[i].key, &out);

		if ((got == NULL) != (rows[i].want == NULL) || (got
		    && strcmp(got, rows[i].want) != 0))
			BAD("db_get(%d, \"%s\"): got \"%s\", want \"%s\"",
			    rows[i].db, rows[i].key, got ? got : "(none)",
			    rows[i].want ? rows[i].want : "(none)");
	}
	buf_fini(&out);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* del_key - db_update callback: delete the key in ctx from DB_BLOCK */
static int
del_key(struct db_txn *t, void *ctx, const char **why)
{
	if (db_del(t, DB_BLOCK, ctx, strlen(ctx)) < 0) {
		*why = db_strerror(t);
		return (-1);
	}
	return (0);
}

/* Delete: present, then absent (not an error). */
static void
test_del(void **state)
{
	static const struct kv puts[] = {
		{DB_BLOCK, "gone@example.com", "x"},
		{0, 0, 0},
	};
	struct buf out;
	const char *why;

	(void)state;
	buf_init(&out, 100);
	assert_int_equal(db_update(db, put_rows, (void *)puts, &why), 0);
	assert_non_null(get_str(DB_BLOCK, "gone@example.com", &out));
	assert_int_equal(db_update(db, del_key, "gone@example.com", &why), 0);
	assert_null(get_str(DB_BLOCK, "gone@example.com", &out));
	assert_int_equal(db_update(db, del_key, "gone@example.com", &why), 0);
	assert_int_equal(db_update(db, del_key, "never@example.com", &why), 0);
	buf_fini(&out);
}

/* read_key - 1 when key is in DB_BLOCK as txn sees it */
static int
read_key(struct db_txn *txn, const char *key)
{
	const void *val;
	size_t	 len;

	return (db_get(txn, DB_BLOCK, key, strlen(key), &val, &len));
}

/* A reused read transaction takes its snapshot at its first read: a
 * write between db_read_begin() and that read is seen, one after it is
 * not (until the next transaction), and the snapshot's ID tells. */
static void
test_read_snapshot(void **state)
{
	static const struct kv one[] = {
		{DB_BLOCK, "one@snap.example", "x"}, {0, 0, 0},
	}, two[] = {
		{DB_BLOCK, "two@snap.example", "x"}, {0, 0, 0},
	};
	struct db_txn *txn = NULL;
	const char *why;
	unsigned long id;

	(void)state;
	assert_int_equal(db_read_begin(db, &txn, &why), 0);	/* new */
	db_read_end(txn);
	assert_int_equal(db_read_begin(db, &txn, &why), 0);	/* reused */
	assert_int_equal(db_update(db, put_rows, (void *)one, &why), 0);
	assert_int_equal(read_key(txn, "one@snap.example"), 1);
	id = db_txn_id(txn);
	assert_int_equal(id, db_last_txn_id(db));
	assert_int_equal(db_update(db, put_rows, (void *)two, &why), 0);
	assert_int_equal(read_key(txn, "two@snap.example"), 0);
	assert_int_equal(db_txn_id(txn), id);
	assert_true(db_last_txn_id(db) > id);
	db_read_end(txn);
	db_read_end(txn);				/* twice: harmless */
	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	assert_int_equal(read_key(txn, "two@snap.example"), 1);
	assert_int_equal(db_txn_id(txn), db_last_txn_id(db));
	db_read_end(txn);
	db_txn_free(txn);
}

struct walk_ctx {
	struct buf keys;
	int	 calls, stop_after;
};

static int
walk_fn(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
	struct walk_ctx *w = ctx;

	(void)v;
	(void)vl;
	buf_printf(&w->keys, "%s%.*s", w->keys.len ? "," : "", (int)kl,
	    (const char *)k);
	if (++w->calls == w->stop_after)
		return (7);
	return (0);
}

/* Walk: prefix, key order, an early stop, no match. */
static void
test_walk(void **state)
{
	static const struct kv puts[] = {
		{DB_AUDIT, "b:1", "x"}, {DB_AUDIT, "a:2", "x"},
		{DB_AUDIT, "ab", "x"}, {DB_AUDIT, "a:1", "x"},
		{DB_AUDIT, "a:3", "x"}, {DB_AUDIT, "a", "x"},
		{DB_AUDIT, "c", "x"},
		{0, 0, 0},
	};
	static const struct {
		const char *prefix;
		int	 stop_after, want;
		const char *keys;
	} rows[] = {
		{"", 0, 0, "a,a:1,a:2,a:3,ab,b:1,c"},	/* all, in order */
		{"a:", 0, 0, "a:1,a:2,a:3"},
		{"a", 0, 0, "a,a:1,a:2,a:3,ab"},
		{"b:1", 0, 0, "b:1"},			/* the whole key */
		{"b:10", 0, 0, ""},			/* longer than keys */
		{"a:4", 0, 0, ""},			/* between keys */
		{"z", 0, 0, ""},			/* past the end */
		{"0", 0, 0, ""},			/* before the start */
		{"a:", 2, 7, "a:1,a:2"},		/* fn stops it */
		{"", 1, 7, "a"},
	};
	struct walk_ctx w;
	struct db_txn *t = NULL;
	const char *why;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	assert_int_equal(db_update(db, put_rows, (void *)puts, &why), 0);
	buf_init(&w.keys, 4096);
	assert_int_equal(db_read_begin(db, &t, &why), 0);
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		buf_reset(&w.keys);
		w.calls = 0;
		w.stop_after = rows[i].stop_after;
		got = db_walk(t, DB_AUDIT, rows[i].prefix,
		    strlen(rows[i].prefix), walk_fn, &w);
		if (got != rows[i].want || strcmp(buf_str(&w.keys),
		    rows[i].keys) != 0)
			BAD("db_walk(\"%s\", stop %d): got %d \"%s\", want %d "
			    "\"%s\"", rows[i].prefix, rows[i].stop_after, got,
			    buf_str(&w.keys), rows[i].want, rows[i].keys);
	}
	assert_int_equal(db_count(t, DB_AUDIT), 7);
	db_read_end(t);
	db_txn_free(t);
	buf_fini(&w.keys);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* put_then_abort - db_update callback: a put, then -1 with a reason */
static int
put_then_abort(struct db_txn *t, void *ctx, const char **why)
{
	(void)ctx;
	if (db_put(t, DB_BLOCK, "aborted", 7, "x", 2) < 0)
		return (-1);
	*why = "aborted by the test";
	return (-1);
}

/* db_update: an aborted transaction leaves nothing behind. */
static void
test_update_abort(void **state)
{
	static const struct kv bad_key[] = {
		{DB_BLOCK, "kept", "x"},
		{DB_BLOCK, "", "empty key"},		/* MDB_BAD_VALSIZE */
		{0, 0, 0},
	};
	struct buf out;
	const char *why = NULL;

	(void)state;
	buf_init(&out, 100);
	assert_int_equal(db_update(db, put_then_abort, NULL, &why), -1);
	assert_string_equal(why, "aborted by the test");
	assert_null(get_str(DB_BLOCK, "aborted", &out));

	/* A failed put: fn's -1, and why names the LMDB error. */
	why = NULL;
	assert_int_equal(db_update(db, put_rows, (void *)bad_key, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "MDB_BAD_VALSIZE"));
	assert_null(get_str(DB_BLOCK, "kept", &out));	/* all or nothing */
	buf_fini(&out);
}

/* put_len - db_update callback: a key of *ctx bytes into DB_META */
static int
put_len(struct db_txn *t, void *ctx, const char **why)
{
	static char key[1024];
	size_t	 len = *(size_t *)ctx;

	memset(key, 'k', sizeof(key));
	if (db_put(t, DB_META, key, len, "v", 2) < 0) {
		*why = db_strerror(t);
		return (-1);
	}
	return (0);
}

/* Key sizes: LMDB's 511 bytes store, 512 do not; get of either is safe. */
static void
test_key_bound(void **state)
{
	static const struct {
		size_t	 klen;
		int	 want_put, want_get;
	} rows[] = {
		{1, 0, 1},
		{511, 0, 1},				/* at the LMDB bound */
		{512, -1, 0},				/* over it */
		{1000, -1, 0},
	};
	static char key[1024];
	struct db_txn *t = NULL;
	const char *why;
	const void *v;
	size_t	 i, vl;
	int	 bad = 0;

	(void)state;
	memset(key, 'k', sizeof(key));
	for (i = 0; i < ROWS(rows); i++) {
		int	 put, get;

		put = db_update(db, put_len, (void *)&rows[i].klen, &why);
		assert_int_equal(db_read_begin(db, &t, &why), 0);
		get = db_get(t, DB_META, key, rows[i].klen, &v, &vl);
		db_read_end(t);
		if (put != rows[i].want_put || get != rows[i].want_get)
			BAD("key of %zu bytes: got put %d get %d, want put %d "
			    "get %d", rows[i].klen, put, get, rows[i].want_put,
			    rows[i].want_get);
	}
	assert_int_equal(db_read_begin(db, &t, &why), 0);
	assert_int_equal(db_get(t, DB_META, key, 0, &v, &vl), 0);
	db_read_end(t);
	db_txn_free(t);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

struct many {
	int	 from, to;
};

/* put_many - db_update callback: keys n000from .. n000to-1 */
static int
put_many(struct db_txn *t, void *ctx, const char **why)
{
	struct many *m = ctx;
	char	 key[32], val[64];
	int	 i;

	for (i = m->from; i < m->to; i++) {
		snprintf(key, sizeof(key), "n%06d", i);
		snprintf(val, sizeof(val), "value %d", i);
		if (db_put(t, DB_RESET, key, strlen(key), val,
		    strlen(val) + 1) < 0) {
			*why = db_strerror(t);
			return (-1);
		}
	}
	return (0);
}

static int
clear_reset(struct db_txn *t, void *ctx, const char **why)
{
	(void)ctx;
	if (db_clear(t, DB_RESET) < 0) {
		*why = db_strerror(t);
		return (-1);
	}
	return (0);
}

/* Thousands of records, a reused read cache, a read-only reopen. */
static void
test_many_reopen(void **state)
{
	struct many m = {0, 4000};
	struct db_txn *cache = NULL, *first;
	struct buf err, out;
	const char *why;
	const void *v;
	size_t	 vl;
	int	 i;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&out, 100);
	assert_int_equal(db_update(db, put_many, &m, &why), 0);
	for (i = 0; i < 100; i++) {		/* many short transactions */
		m.from = 4000 + 10 * i;
		m.to = m.from + 10;
		assert_int_equal(db_update(db, put_many, &m, &why), 0);
	}
	/* The read cache is reused, and sees each new commit. */
	assert_int_equal(db_read_begin(db, &cache, &why), 0);
	first = cache;
	assert_int_equal(db_count(cache, DB_RESET), 5000);
	db_read_end(cache);
	m.from = 5000;
	m.to = 5001;
	assert_int_equal(db_update(db, put_many, &m, &why), 0);
	assert_int_equal(db_read_begin(db, &cache, &why), 0);
	assert_ptr_equal(cache, first);
	assert_int_equal(db_count(cache, DB_RESET), 5001);
	assert_int_equal(db_get(cache, DB_RESET, "n004999", 7, &v, &vl), 1);
	assert_string_equal(v, "value 4999");
	db_read_end(cache);
	cache = db_txn_free(cache);
	assert_null(cache);

	/* Read-only reopen: the same answers; writes refused. */
	db = db_close(db);
	assert_null(db);
	db = db_open(statedir, DB_RDONLY, &err);
	assert_non_null(db);
	assert_int_equal(db_read_begin(db, &cache, &why), 0);
	assert_int_equal(db_count(cache, DB_RESET), 5001);
	assert_int_equal(db_get(cache, DB_RESET, "n000000", 7, &v, &vl), 1);
	assert_string_equal(v, "value 0");
	assert_int_equal(db_get(cache, DB_RESET, "n005001", 7, &v, &vl), 0);
	db_read_end(cache);
	cache = db_txn_free(cache);
	m.from = 9000;
	m.to = 9001;
	assert_int_equal(db_update(db, put_many, &m, &why), -1);
	db = db_close(db);

	/* Read-write again: clear one database, the others stay. */
	db = db_open(statedir, 0, &err);
	assert_non_null(db);
	assert_int_equal(db_update(db, clear_reset, NULL, &why), 0);
	assert_int_equal(db_read_begin(db, &cache, &why), 0);
	assert_int_equal(db_count(cache, DB_RESET), 0);
	db_read_end(cache);
	cache = db_txn_free(cache);
	assert_string_equal(get_str(DB_BLOCK, "bob@example.com", &out),
	    "blocked");

	/* Meta pages synced late (the daemon's way): the commits are all
	 * there for the next opener. */
	db = db_close(db);
	db = db_open(statedir, DB_LAZYMETA, &err);
	assert_non_null(db);
	m.from = 6000;
	m.to = 6010;
	assert_int_equal(db_update(db, put_many, &m, &why), 0);
	m.from = 6010;
	m.to = 6012;
	assert_int_equal(db_update(db, put_many, &m, &why), 0);
	db = db_close(db);
	db = db_open(statedir, DB_RDONLY, &err);
	assert_non_null(db);
	assert_int_equal(db_read_begin(db, &cache, &why), 0);
	assert_int_equal(db_count(cache, DB_RESET), 12);
	assert_int_equal(db_get(cache, DB_RESET, "n006011", 7, &v, &vl), 1);
	db_read_end(cache);
	cache = db_txn_free(cache);
	db = db_close(db);
	db = db_open(statedir, 0, &err);
	assert_non_null(db);
	buf_fini(&err);
	buf_fini(&out);
}

/* db_open errors: the directory in the message, and the reason. */
static void
test_open_errors(void **state)
{
	static const struct {
		const char *sub;	/* under tmpdir */
		int	 flags;
		const char *want;	/* %s: the directory */
	} rows[] = {
		{"nosuch", DB_RDONLY, "open state directory %s: No such file "
		    "or directory"},
		{"no/such", 0, "create state directory %s: No such file or "
		    "directory"},
	};
	struct buf dir, err, want;
	struct db *d;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&dir, 4096);
	buf_init(&err, 4096);
	buf_init(&want, 4096);
	for (i = 0; i < ROWS(rows); i++) {
		buf_reset(&dir);
		buf_printf(&dir, "%s/%s", tmpdir, rows[i].sub);
		buf_reset(&want);
		buf_printf(&want, rows[i].want, buf_str(&dir));
		d = db_open(buf_str(&dir), rows[i].flags, &err);
		if (d != NULL || strcmp(buf_str(&err), buf_str(&want)) != 0)
			BAD("db_open(\"%s\", %d): got %s \"%s\", want NULL "
			    "\"%s\"", buf_str(&dir), rows[i].flags, d ? "a db" :
			    "NULL", buf_str(&err), buf_str(&want));
		db_close(d);
	}
	buf_fini(&dir);
	buf_fini(&err);
	buf_fini(&want);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

static int
setup(void **state)
{
	struct buf err;

	(void)state;
	msg_open("db_test", MSG_STDERR);
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(statedir, sizeof(statedir), "%s/state", tmpdir);
	buf_init(&err, 4096);
	db = db_open(statedir, 0, &err);
	if (db == NULL)
		print_error("db_open: %s\n", buf_str(&err));
	buf_fini(&err);
	return (db ? 0 : -1);
}

static int
teardown(void **state)
{
	char	 path[sizeof(statedir) + 16];

	(void)state;
	db = db_close(db);
	snprintf(path, sizeof(path), "%s/data.mdb", statedir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", statedir);
	unlink(path);
	if (rmdir(statedir) < 0 || rmdir(tmpdir) < 0)
		return (-1);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_read_snapshot),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_update_abort),
		cmocka_unit_test(test_key_bound),
		cmocka_unit_test(test_many_reopen),
		cmocka_unit_test(test_open_errors),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
