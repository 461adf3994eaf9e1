/*
 * block_filter_test - the blocklist filter and the journal it follows
 *
 * Each test gets a fresh state environment in a mkdtemp(3) directory.
 * Keys are added as the writers add them (pd_block_add_txn, one write
 * transaction for many, and pd_block_import), and the filter is checked
 * against what is really in DB_BLOCK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "block.h"
#include "block_filter.h"
#include "bounds.h"
#include "db.h"
#include "mymalloc.h"
#include "testutil.h"

#define T0	1714564800		/* 2024-05-01T12:00:00Z */

struct fixture {
	char	 dir[64];
	struct db *db;
	struct db_txn *txn;		/* read transaction cache */
	struct pd_block_filter *f;
};

/* setup - a fresh state environment */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/block_filter_test.XXXXXX");
	f->db = tu_db_open(f->dir);
	*state = f;
	return (f->db ? 0 : -1);
}

/* teardown - close and remove the environment */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	pd_block_filter_free(f->f);
	db_txn_free(f->txn);
	tu_db_remove(f->db, f->dir);
	free(f);
	return (0);
}

/* addr - the i-th test address of a series */
static const char *
addr(char *buf, size_t len, const char *series, unsigned i)
{
	snprintf(buf, len, "%s%u@dest%u.example", series, i, i % 97);
	return (buf);
}

struct adds {
	const char *series;
	unsigned from, to;
};

/* adds_txn - db_update body: add series[from..to) one by one, as the
 * ingest service does (each one journaled) */
static int
adds_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct adds *a = ctx;
	struct pd_block_entry e;
	unsigned i;

	for (i = a->from; i < a->to; i++) {
		memset(&e, 0, sizeof(e));
		addr(e.address, sizeof(e.address), a->series, i);
		snprintf(e.status, sizeof(e.status), "5.1.1");
		e.last_seen = T0;
		if (pd_block_add_txn(txn, &e, "test", "test", T0, why) < 0)
			return (-1);
	}
	return (0);
}

/* add_many - series[from..to), each a new, journaled key */
static void
add_many(struct fixture *f, const char *series, unsigned from, unsigned to)
{
	struct adds a = {series, from, to};
	const char *why;

	if (db_update(f->db, adds_txn, &a, &why) < 0)
		fail_msg("db_update: %s", why);
}

/* import_many - series[0..n) through pd_block_import */
static void
import_many(struct fixture *f, const char *series, unsigned n)
{
	struct pd_block_entry *v = xcalloc(n, sizeof(*v));
	const char *why;
	unsigned i;

	for (i = 0; i < n; i++) {
		addr(v[i].address, sizeof(v[i].address), series, i);
		snprintf(v[i].status, sizeof(v[i].status), "5.1.1");
		v[i].last_seen = T0;
	}
	if (pd_block_import(f->db, v, n, "test", "test", &why) < 0)
		fail_msg("pd_block_import: %s", why);
	free(v);
}

/* rd - start a read transaction */
static struct db_txn *
rd(struct fixture *f)
{
	const char *why;

	if (db_read_begin(f->db, &f->txn, &why) < 0)
		fail_msg("db_read_begin: %s", why);
	return (f->txn);
}

/* build - a new filter from the state as it is */
static void
build(struct fixture *f)
{
	pd_block_filter_free(f->f);
	f->f = pd_block_filter_build(rd(f));
	db_read_end(f->txn);
	assert_non_null(f->f);
}

/* update - pd_block_filter_update on the state as it is */
static int
update(struct fixture *f)
{
	int	 rc = pd_block_filter_update(f->f, rd(f));

	db_read_end(f->txn);
	return (rc);
}

/* maybe - the filter's answer for series[i] */
static int
maybe(struct fixture *f, const char *series, unsigned i)
{
	char	 a[ADDR_MAX + 1];

	addr(a, sizeof(a), series, i);
	return (pd_block_filter_maybe(f->f, a, strlen(a)));
}

/* Every key that is in says "maybe"; few keys that are not do. */
static void
test_no_false_negatives(void **state)
{
	struct fixture *f = *state;
	unsigned i, misses = 0, hits = 0;
	double	 rate;

	import_many(f, "in", 20000);
	build(f);
	assert_int_equal(pd_block_filter_keys(f->f), 20000);
	for (i = 0; i < 20000; i++)
		if (!maybe(f, "in", i))
			misses++;
	assert_int_equal(misses, 0);
	for (i = 0; i < 200000; i++)
		hits += maybe(f, "out", i);
	rate = hits / 200000.0;
	print_message("false positives: %u of 200000 (%.3f%%), %zu bytes for "
	    "20000 keys\n", hits, 100 * rate, pd_block_filter_bytes(f->f));
	/* 12 bits a key in a filter sized for 1.5 times its keys. */
	assert_true(rate < 0.005);
	assert_true(pd_block_filter_bytes(f->f) <= (20000 * 3 / 2 + 1024)
	    * 12 / 8 + 32);
	/* A NULL filter rules nothing out. */
	assert_int_equal(pd_block_filter_maybe(NULL, "x@y.example", 11), 1);
}

/* Keys added one by one (journaled) are taken in by update. */
static void
test_journal_catch_up(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry e;
	unsigned i, before = 0;

	import_many(f, "in", 1000);
	build(f);
	assert_int_equal(update(f), 0);		/* nothing new */
	for (i = 0; i < 100; i++)
		before += maybe(f, "new", i);
	assert_true(before < 5);
	add_many(f, "new", 0, 100);
	assert_int_equal(update(f), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(maybe(f, "new", i), 1);
	assert_int_equal(pd_block_filter_keys(f->f), 1100);
	/* Seen again: no new key, nothing journaled. */
	add_many(f, "new", 0, 10);
	assert_int_equal(update(f), 0);
	assert_int_equal(pd_block_filter_keys(f->f), 1100);
	/* And a lookup through the filter finds a journaled key. */
	assert_int_equal(pd_block_lookup(rd(f), f->f, "NEW7@dest7.example",
	    NULL, "+", 0, T0, &e), 1);
	assert_string_equal(e.address, "new7@dest7.example");
	assert_int_equal(pd_block_lookup(f->txn, f->f, "none@dest7.example",
	    NULL, "+", 0, T0, &e), 0);
	db_read_end(f->txn);
}

/* A domain and a complaint entry pass the filter like any key. */
static void
test_lookup_kinds(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry e, in;
	const char *why;

	build(f);
	memset(&in, 0, sizeof(in));
	snprintf(in.status, sizeof(in.status), "5.1.1");
	snprintf(in.address, sizeof(in.address), "@gone.example");
	assert_int_equal(pd_block_add(f->db, &in, "t", "t", &why), 0);
	snprintf(in.address, sizeof(in.address), "r@h.example>s.example");
	snprintf(in.status, sizeof(in.status), "5.7.1");
	assert_int_equal(pd_block_add(f->db, &in, "t", "t", &why), 0);
	assert_int_equal(update(f), 0);
	assert_int_equal(pd_block_lookup(rd(f), f->f, "a+b@gone.example",
	    NULL, "+", 0, T0, &e), 1);
	assert_string_equal(e.address, "@gone.example");
	assert_int_equal(pd_block_lookup_sender(f->txn, f->f, "r+x@h.example",
	    "s.example", "+", 0, T0, &e), 1);
	assert_string_equal(e.address, "r@h.example>s.example");
	assert_int_equal(pd_block_lookup_sender(f->txn, f->f, "r@h.example",
	    "other.example", "+", 0, T0, &e), 0);
	/* One lookup for both: the complaint counts for its sender domain
	 * only, after the address's own keys. */
	assert_int_equal(pd_block_lookup(f->txn, f->f, "R+x@H.example",
	    "s.example", "+", 0, T0, &e), 1);
	assert_string_equal(e.address, "r@h.example>s.example");
	assert_int_equal(pd_block_lookup(f->txn, f->f, "r@h.example",
	    "other.example", "+", 0, T0, &e), 0);
	assert_int_equal(pd_block_lookup(f->txn, f->f, "r@h.example", NULL,
	    "+", 0, T0, &e), 0);
	assert_int_equal(pd_block_lookup(f->txn, f->f, "r@gone.example",
	    "s.example", "+", 0, T0, &e), 1);
	assert_string_equal(e.address, "@gone.example");
	db_read_end(f->txn);
}

/* A complaint key past ADDR_MAX is not tried, never cut to fit: the
 * address fits, with ">domain" it would not. */
static void
test_complaint_key_bound(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry e, in;
	char	 rcpt[ADDR_MAX + 1];
	const char *why;

	memset(rcpt, 'a', ADDR_MAX - 12);
	memcpy(rcpt + ADDR_MAX - 12, "@h.example", 11);	/* 254 bytes */
	memset(&in, 0, sizeof(in));
	snprintf(in.status, sizeof(in.status), "5.7.1");
	/* What a cut "rcpt>s.example" would be: its first 256 bytes. */
	memcpy(in.address, rcpt, 254);
	memcpy(in.address + 254, ">s", 3);
	assert_int_equal(strlen(in.address), ADDR_MAX);
	assert_int_equal(pd_block_add(f->db, &in, "t", "t", &why), 0);
	build(f);
	assert_int_equal(pd_block_lookup(rd(f), f->f, rcpt, "s.example", "+",
	    0, T0, &e), 0);
	assert_int_equal(pd_block_lookup(f->txn, f->f, rcpt, "s", "+", 0, T0,
	    &e), 1);
	db_read_end(f->txn);
}

/* An import renews the epoch: only a rebuild will do. */
static void
test_import_renews(void **state)
{
	struct fixture *f = *state;
	uint64_t e0, e1;

	build(f);
	assert_int_equal(pd_block_journal_epoch(rd(f), &e0), 0);
	db_read_end(f->txn);
	import_many(f, "bulk", 10);
	assert_int_equal(pd_block_journal_epoch(rd(f), &e1), 0);
	db_read_end(f->txn);
	assert_true(e1 > e0);
	assert_int_equal(update(f), 1);
	build(f);
	assert_int_equal(update(f), 0);
	assert_int_equal(maybe(f, "bulk", 3), 1);
}

/* The journal reaches back BLOCK_JOURNAL_MAX keys, and no further. */
static void
test_journal_bound(void **state)
{
	struct fixture *f = *state;
	unsigned i;

	import_many(f, "in", 2 * BLOCK_JOURNAL_MAX);	/* room for more */
	build(f);
	add_many(f, "a", 0, BLOCK_JOURNAL_MAX);		/* exactly the bound */
	assert_int_equal(update(f), 0);
	for (i = 0; i < BLOCK_JOURNAL_MAX; i += 97)
		assert_int_equal(maybe(f, "a", i), 1);
	add_many(f, "b", 0, BLOCK_JOURNAL_MAX + 1);	/* one past it */
	assert_int_equal(update(f), 1);
}

/* A filter past the keys it was sized for asks to be rebuilt. */
static void
test_capacity(void **state)
{
	struct fixture *f = *state;

	build(f);				/* empty: room for 1024 */
	add_many(f, "c", 0, 1024);
	assert_int_equal(update(f), 0);
	add_many(f, "d", 0, 1);
	assert_int_equal(update(f), 1);
	build(f);
	assert_int_equal(pd_block_filter_keys(f->f), 1025);
	assert_int_equal(maybe(f, "d", 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_false_negatives, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_catch_up, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup_kinds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_complaint_key_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_renews, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
