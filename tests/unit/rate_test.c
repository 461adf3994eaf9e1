/*
 * rate_test - the rate limiter, with an injected clock
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "params.h"
#include "rate.h"
#include "testutil.h"

/* Limit lists: text in, limits or an error out. */
static void
test_spec_parse(void **state)
{
	static const struct {
		const char *text;
		int	 ret;
		int	 n;
		uint32_t count0, window0, unit0;
		int	 unlimited, has_action;
	} rows[] = {
		{"200 msg/1h, 2000 msg/1d, 5000 rcpt/1d", 0, 3, 200, 3600, PD_RATE_MSG, 0, 0},
		{"100/1h", 0, 1, 100, 3600, PD_RATE_MSG, 0, 0},
		{"10 rcpt/30s action=reject", 0, 1, 10, 30, PD_RATE_RCPT, 0, 1},
		{"action=hold 5 msg/1m", 0, 1, 5, 60, PD_RATE_MSG, 0, 1},
		{"unlimited", 0, 0, 0, 0, 0, 1, 0},
		{"", 0, 0, 0, 0, 0, 0, 0},			/* no limits */
		{"1 msg/366d", 0, 1, 1, 366 * 86400, PD_RATE_MSG, 0, 0}, /* at max */
		{"1 msg/367d", -1, 0, 0, 0, 0, 0, 0},		/* over max */
		{"0 msg/1h", -1, 0, 0, 0, 0, 0, 0},		/* zero */
		{"100 mails/1h", -1, 0, 0, 0, 0, 0, 0},		/* bad unit */
		{"100 msg", -1, 0, 0, 0, 0, 0, 0},		/* no window */
		{"100", -1, 0, 0, 0, 0, 0, 0},			/* dangling */
		{"100 msg/1h action=drop", -1, 0, 0, 0, 0, 0, 0},
		{"unlimited 5 msg/1h", -1, 0, 0, 0, 0, 0, 0},
		{"1/1s 2/2s 3/3s 4/4s 5/5s 6/6s 7/7s 8/8s", 0, 8, 1, 1, PD_RATE_MSG, 0, 0},
		{"1/1s 2/2s 3/3s 4/4s 5/5s 6/6s 7/7s 8/8s 9/9s", -1, 0, 0, 0, 0, 0, 0},
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pd_rate_spec spec;
		const char *why = "";
		int	 ret = pd_rate_spec_parse(rows[i].text, &spec, &why);

		if (ret != rows[i].ret)
			fail_msg("pd_rate_spec_parse(\"%s\"): got %d (%s), "
			    "want %d", rows[i].text, ret, why, rows[i].ret);
		if (ret < 0)
			continue;
		if (spec.n != rows[i].n || spec.unlimited != rows[i].unlimited
		    || spec.has_action != rows[i].has_action)
			fail_msg("pd_rate_spec_parse(\"%s\"): got n=%d "
			    "unlimited=%d action=%d", rows[i].text, spec.n,
			    spec.unlimited, spec.has_action);
		if (spec.n > 0 && (spec.lim[0].count != rows[i].count0
		    || spec.lim[0].window != rows[i].window0
		    || spec.lim[0].unit != rows[i].unit0))
			fail_msg("pd_rate_spec_parse(\"%s\"): got %u/%u unit "
			    "%d", rows[i].text, spec.lim[0].count,
			    spec.lim[0].window, spec.lim[0].unit);
	}
}

/* spec - parse or fail */
static struct pd_rate_spec
spec(const char *text)
{
	struct pd_rate_spec s;
	const char *why;

	if (pd_rate_spec_parse(text, &s, &why) < 0)
		fail_msg("spec \"%s\": %s", text, why);
	return (s);
}

/* N messages fit in a window; the N+1st waits until the window slides. */
static void
test_window_edges(void **state)
{
	struct pd_rate_spec s = spec("3 msg/100s");
	struct pd_rate_state st;
	uint64_t wait = 0, t0 = 1000000;	/* a window boundary */
	int	 i;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 3; i++)
		assert_int_equal(pd_rate_apply(&st, &s, 1, t0 + (uint64_t)i, 0,
		    &wait), -1);
	/* The 4th is refused and not counted. */
	assert_int_equal(pd_rate_apply(&st, &s, 1, t0 + 3, 0, &wait), 0);
	assert_int_equal(st.c[0].cur, 3);
	/* All three fell in [t0, t0+100): the whole window must pass. */
	assert_true(wait > 0);
	assert_int_equal(t0 + 3 + wait, t0 + 100 + 34);
	/* One second before that: still refused; at that time: fits. */
	assert_int_equal(pd_rate_apply(&st, &s, 1, t0 + 3 + wait - 1, 1,
	    &wait), 0);
	assert_int_equal(pd_rate_apply(&st, &s, 1, t0 + 134, 1, &wait), -1);
	/* Two full windows later everything is forgotten. */
	assert_int_equal(pd_rate_usage(&st.c[0], t0 + 200), 0);
}

/* Every window must have room; the longest wait is reported. */
static void
test_several_windows(void **state)
{
	struct pd_rate_spec s = spec("5 msg/10s, 8 msg/1000s");
	struct pd_rate_state st;
	uint64_t wait, t = 5000;
	int	 i, sent = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 100; i++, t += 3)
		if (pd_rate_apply(&st, &s, 1, t, 0, &wait) < 0)
			sent++;
	/* 300 seconds: the hourly-ish window caps it at 8. */
	assert_int_equal(sent, 8);
	assert_int_equal(pd_rate_apply(&st, &s, 1, t, 0, &wait), 1);
}

/* Recipients are counted separately from messages. */
static void
test_msg_vs_rcpt(void **state)
{
	struct pd_rate_spec s = spec("10 msg/1h, 20 rcpt/1h");
	struct pd_rate_state st;
	uint64_t wait, t = 7200;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(pd_rate_apply(&st, &s, 15, t, 0, &wait), -1);
	assert_int_equal(st.c[0].cur, 1);
	assert_int_equal(st.c[1].cur, 15);
	/* 6 more recipients would make 21: refused by the rcpt limit. */
	assert_int_equal(pd_rate_apply(&st, &s, 6, t, 0, &wait), 1);
	/* 5 fit exactly (at the bound). */
	assert_int_equal(pd_rate_apply(&st, &s, 5, t, 0, &wait), -1);
	assert_int_equal(st.c[1].cur, 20);
	/* A message with more recipients than the limit never fits. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(pd_rate_apply(&st, &s, 21, t, 0, &wait), 1);
	assert_int_equal(wait, 3600);
}

/* A dry run decides but counts nothing. */
static void
test_dry(void **state)
{
	struct pd_rate_spec s = spec("1 msg/1h");
	struct pd_rate_state st;
	uint64_t wait;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(pd_rate_apply(&st, &s, 1, 3600, 1, &wait), -1);
	assert_int_equal(pd_rate_apply(&st, &s, 1, 3600, 1, &wait), -1);
	assert_int_equal(pd_rate_apply(&st, &s, 1, 3600, 0, &wait), -1);
	assert_int_equal(pd_rate_apply(&st, &s, 1, 3600, 1, &wait), 0);
}

/* Changing the limits keeps the counts of windows that stay. */
static void
test_sync(void **state)
{
	struct pd_rate_spec a = spec("5 msg/1h"), b = spec("3 msg/1m, 5 msg/1h");
	struct pd_rate_state st;
	uint64_t wait;

	(void)state;
	memset(&st, 0, sizeof(st));
	pd_rate_apply(&st, &a, 1, 36000, 0, &wait);
	pd_rate_apply(&st, &a, 1, 36000, 0, &wait);
	pd_rate_sync(&st, &b);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.c[0].cur, 0);
	assert_int_equal(st.c[1].cur, 2);
}

/* The stored form round-trips; a foreign record is refused. */
static void
test_encode(void **state)
{
	struct pd_rate_spec s = spec("5 msg/1h, 9 rcpt/1d");
	struct pd_rate_state st, back;
	uint64_t wait;
	char	 junk[7] = "garbage";

	(void)state;
	memset(&st, 0, sizeof(st));
	pd_rate_apply(&st, &s, 4, 99999, 0, &wait);
	assert_int_equal(pd_rate_state_decode(&st, pd_rate_state_size(&st),
	    &back), 0);
	assert_memory_equal(&st, &back, pd_rate_state_size(&st));
	assert_int_equal(pd_rate_state_decode(&st, pd_rate_state_size(&st) - 1,
	    &back), -1);
	assert_int_equal(pd_rate_state_decode(junk, sizeof(junk), &back), -1);
	/* A window of 0 is no record the daemon writes: refused. */
	back = st;
	back.c[1].window = 0;
	assert_int_equal(pd_rate_state_decode(&back, pd_rate_state_size(&back),
	    &st), -1);
}

static void
test_format(void **state)
{
	struct pd_rate_spec s = spec("100 msg/1h, 7 rcpt/90s, 2/2d, 1/1w");
	char	 out[64];

	(void)state;
	assert_string_equal(pd_rate_limit_format(&s.lim[0], out, sizeof(out)),
	    "100 msg/1h");
	assert_string_equal(pd_rate_limit_format(&s.lim[1], out, sizeof(out)),
	    "7 rcpt/90s");
	assert_string_equal(pd_rate_limit_format(&s.lim[2], out, sizeof(out)),
	    "2 msg/2d");
	assert_string_equal(pd_rate_limit_format(&s.lim[3], out, sizeof(out)),
	    "1 msg/1w");
}

/* rate_get - the stored state of key into st and its size into *size: 1,
 * or 0 when there is none; a record that does not decode fails the test */
static int
rate_get(struct db *db, const char *key, struct pd_rate_state *st,
    size_t *size)
{
	struct db_txn *txn = NULL;
	const void *data;
	size_t	 len = 0;
	const char *why;
	int	 found;

	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	found = db_get(txn, DB_RATE, key, strlen(key), &data, &len);
	if (found == 1 && pd_rate_state_decode(data, len, st) < 0)
		fail_msg("record of %s: %zu bytes that do not decode", key, len);
	db_txn_free(txn);
	*size = len;
	return (found);
}

/* rate_record - the stored state of key into st: 1, or 0 */
static int
rate_record(struct db *db, const char *key, struct pd_rate_state *st)
{
	size_t	 size;

	return (rate_get(db, key, st, &size));
}

/* rate_record_len - the size of the record of key, which must exist */
static size_t
rate_record_len(struct db *db, const char *key)
{
	struct pd_rate_state st;
	size_t	 size;

	assert_int_equal(rate_get(db, key, &st, &size), 1);
	return (size);
}

/* rate_stored - is there a record for key in LMDB? */
static int
rate_stored(struct db *db, const char *key)
{
	struct pd_rate_state st;

	return (rate_record(db, key, &st));
}

/* rate_records - how many records DB_RATE holds */
static size_t
rate_records(struct db *db)
{
	struct db_txn *txn = NULL;
	const char *why;
	size_t	 n;

	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	n = db_count(txn, DB_RATE);
	db_txn_free(txn);
	return (n);
}

/* The store: states survive a flush and a reopen; idle ones are evicted
 * from memory only once saved and past every window. */
static void
test_store(void **state)
{
	char	 dir[] = "/tmp/rate_test.XXXXXX";
	struct pd_rate_spec s = spec("5 msg/10s");
	struct pd_rate_store *store;
	struct pd_rate_state st;
	struct db_txn *txn = NULL;
	struct db *db;
	const char *why;
	uint64_t wait, t = 1000;

	(void)state;
	assert_non_null(db = tu_db_open(dir));
	store = pd_rate_store_create();
	assert_int_equal(pd_rate_store_apply(store, NULL, "sender:a@b.example",
	    &s, 1, t, 0, &wait), -1);
	assert_int_equal(pd_rate_store_evict(store, t), 0);	/* dirty */
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(pd_rate_store_evict(store, t + 19), 0); /* in use */
	assert_int_equal(pd_rate_store_evict(store, t + 20), 1); /* idle */
	store = pd_rate_store_free(store);

	/* A new store (a restart) reads the saved state. */
	store = pd_rate_store_create();
	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	pd_rate_store_get(store, txn, "sender:a@b.example", &st);
	db_read_end(txn);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.c[0].cur, 1);
	/* A reset request from outpostctl zeroes it at the next flush. */
	assert_int_equal(pd_rate_reset(db, "sender:a@b.example", &why), 0);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	pd_rate_store_get(store, NULL, "sender:a@b.example", &st);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.c[0].cur, 0);
	txn = db_txn_free(txn);

	/* Idle and evicted: its record goes at the next flush, unless the
	 * key came back first. */
	assert_int_equal(pd_rate_store_apply(store, NULL, "sender:c@d.example",
	    &s, 1, t, 0, &wait), -1);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_stored(db, "sender:a@b.example"), 1);
	assert_int_equal(rate_stored(db, "sender:c@d.example"), 1);
	assert_int_equal(pd_rate_store_evict(store, t + 20), 2);
	pd_rate_store_get(store, NULL, "sender:c@d.example", &st);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_stored(db, "sender:a@b.example"), 0);
	assert_int_equal(rate_stored(db, "sender:c@d.example"), 1);
	/* Nothing left to do: no write. */
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	pd_rate_store_free(store);
	tu_db_remove(db, dir);
}

/* A key whose limits grow from 1 to 3 windows keeps its count, and is
 * saved grown when it grew while waiting for a flush (by the caller or by
 * the writer); a dry run counts and saves nothing. */
static void
test_store_grow(void **state)
{
	static const char key[] = "sasl_username:alice";
	char	 dir[] = "/tmp/rate_test.XXXXXX";
	struct pd_rate_spec one = spec("100 msg/1h"),
	    three = spec("10 msg/1m, 100 msg/1h, 50 rcpt/1d");
	struct pd_rate_store *store;
	struct pd_rate_state st;
	struct db *db;
	const char *why;
	uint64_t wait, t = 100 * 86400;
	int	 i;

	(void)state;
	assert_non_null(db = tu_db_open(dir));
	store = pd_rate_store_create();
	for (i = 0; i < 3; i++)
		assert_int_equal(pd_rate_store_apply(store, NULL, key, &one, 1,
		    t, 0, &wait), -1);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_record(db, key, &st), 1);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.c[0].cur, 3);

	/* Dirty with one counter, then grown to three: saved with three. */
	assert_int_equal(pd_rate_store_apply(store, NULL, key, &one, 1, t, 0,
	    &wait), -1);
	assert_int_equal(pd_rate_store_apply(store, NULL, key, &three, 2, t, 0,
	    &wait), -1);
	pd_rate_store_get(store, NULL, key, &st);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.c[0].window, 60);
	assert_int_equal(st.c[0].cur, 1);
	assert_int_equal(st.c[1].window, 3600);
	assert_int_equal(st.c[1].cur, 5);	/* 4 before, kept, + 1 */
	assert_int_equal(st.c[2].unit, PD_RATE_RCPT);
	assert_int_equal(st.c[2].cur, 2);
	assert_int_equal(pd_rate_store_evict(store, t + 3 * 86400), 0);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(rate_record(db, key, &st), 1);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.c[0].cur, 1);
	assert_int_equal(st.c[1].cur, 5);
	assert_int_equal(st.c[2].cur, 2);

	/* A dry run under one limit: tested, back to one counter in
	 * memory, not saved. */
	assert_int_equal(pd_rate_store_apply(store, NULL, key, &one, 1, t, 1,
	    &wait), -1);
	pd_rate_store_get(store, NULL, key, &st);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.c[0].cur, 5);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_record(db, key, &st), 1);
	assert_int_equal(st.n, 3);

	/* Through the writer: grown again while dirty, saved grown. */
	pd_rate_store_writer(store, db);
	assert_int_equal(pd_rate_store_apply(store, NULL, key, &one, 1, t, 0,
	    &wait), -1);
	assert_int_equal(pd_rate_store_apply(store, NULL, key, &three, 1, t, 0,
	    &wait), -1);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(pd_rate_store_sync(store, db, &why), 0);
	assert_int_equal(rate_record(db, key, &st), 1);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.c[0].cur, 1);	/* dropped by the dry run */
	assert_int_equal(st.c[1].cur, 7);
	assert_int_equal(st.c[2].cur, 1);

	/* Idle once its longest window has passed: evicted, record gone. */
	assert_int_equal(pd_rate_store_evict(store, t + 86400), 0);
	assert_int_equal(pd_rate_store_evict(store, t + 2 * 86400), 1);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_stored(db, key), 0);
	pd_rate_store_free(store);
	tu_db_remove(db, dir);
}

#define MANY	20000	/* the writer's half: more than one transaction */

/* many_key - key i of test_store_many, 16 to about 270 bytes long */
static void
many_key(char *key, size_t size, int i)
{
	size_t	 len = (size_t)snprintf(key, size, "sender:u%d@d%d.example", i,
	    i);
	size_t	 want = len + (size_t)(i * 7) % 250;

	while (len < want && len < size - 1)
		key[len++] = (char)('a' + i % 26);
	key[len] = 0;
}

/* many_check - every record as the reference states say */
static void
many_check(struct db *db, const struct pd_rate_state *ref)
{
	struct pd_rate_state st;
	char	 key[300];
	int	 i, bad = 0;

	for (i = 0; i < MANY; i++) {
		many_key(key, sizeof(key), i);
		if (rate_record(db, key, &st) != 1
		    || pd_rate_state_size(&st) != pd_rate_state_size(&ref[i])
		    || memcmp(&st, &ref[i], pd_rate_state_size(&st)) != 0) {
			print_error("record %d (%s): got n=%u, want n=%u\n", i,
			    key, st.n, ref[i].n);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %d records differ", bad, MANY);
}

/*
 * Many keys of many lengths with 1, 2 or 3 limits, counted as
 * pd_rate_apply() counts a state of its own (the reference), half of
 * them grown to 3 windows while waiting for a flush: each record is the
 * reference's, by the caller's flush and by the writer's; all are
 * evicted when idle, and their records go.
 */
static void
test_store_many(void **state)
{
	static struct pd_rate_state ref[MANY];
	char	 dir[] = "/tmp/rate_test.XXXXXX", key[300];
	struct pd_rate_spec specs[3] = {
		spec("1000 msg/1h"),
		spec("1000 msg/1h, 1000 rcpt/1d"),
		spec("1000 msg/1m, 1000 msg/1h, 1000 rcpt/1d"),
	};
	struct pd_rate_store *store;
	struct pd_rate_state st;
	struct db *db;
	const char *why;
	uint64_t wait, w2, t = 200 * 86400;
	int	 i, k, bad = 0;

	(void)state;
	assert_non_null(db = tu_db_open(dir));
	memset(ref, 0, sizeof(ref));
	store = pd_rate_store_create();
	for (i = 0; i < MANY; i++) {
		many_key(key, sizeof(key), i);
		for (k = 0; k <= i % 5; k++)
			if (pd_rate_store_apply(store, NULL, key, &specs[i % 3],
			    2, t, 0, &wait) != pd_rate_apply(&ref[i],
			    &specs[i % 3], 2, t, 0, &w2))
				bad++;
	}
	/* Grow (or keep) the even ones to 3 windows before the flush. */
	for (i = 0; i < MANY; i += 2) {
		many_key(key, sizeof(key), i);
		if (pd_rate_store_apply(store, NULL, key, &specs[2], 3, t, 0,
		    &wait) != pd_rate_apply(&ref[i], &specs[2], 3, t, 0, &w2))
			bad++;
	}
	for (i = 0; i < MANY; i++) {
		many_key(key, sizeof(key), i);
		pd_rate_store_get(store, NULL, key, &st);
		if (memcmp(&st, &ref[i], pd_rate_state_size(&ref[i])) != 0)
			bad++;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	many_check(db, ref);

	/* The odd ones, through the writer; the even ones are clean. */
	pd_rate_store_writer(store, db);
	for (i = 1; i < MANY; i += 2) {
		many_key(key, sizeof(key), i);
		if (pd_rate_store_apply(store, NULL, key, &specs[2], 1, t + 60,
		    0, &wait) != pd_rate_apply(&ref[i], &specs[2], 1, t + 60, 0,
		    &w2))
			bad++;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(pd_rate_store_sync(store, db, &why), 0);
	many_check(db, ref);
	assert_int_equal(rate_records(db), MANY);

	/* All idle two days on: out of memory, and their records go. */
	assert_int_equal(pd_rate_store_evict(store, t + 86400), 0);
	assert_int_equal(pd_rate_store_evict(store, t + 2 * 86400 + 60), MANY);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_records(db), 0);
	pd_rate_store_free(store);
	tu_db_remove(db, dir);
}

/* Through the writer, a batch is copied a slice at a time: a key that
 * changes again after its first copy is copied again, and the writer
 * keeps its later state. No synchronous save is involved: the records
 * appear while the store runs. */
static void
test_store_fill(void **state)
{
	char	 dir[] = "/tmp/rate_test.XXXXXX", key[300];
	struct pd_rate_spec s = spec("1000 msg/1h");
	struct pd_rate_store *store;
	struct pd_rate_state st;
	struct db *db;
	const char *why;
	uint64_t wait, t = 300 * 86400;
	int	 i, tries, n = 10000;

	(void)state;
	assert_non_null(db = tu_db_open(dir));
	store = pd_rate_store_create();
	pd_rate_store_writer(store, db);
	for (i = 0; i < n; i++) {
		many_key(key, sizeof(key), i);
		assert_int_equal(pd_rate_store_apply(store, NULL, key, &s, 1, t,
		    0, &wait), -1);
	}
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	/* The first slice is copied: change some of its keys again. */
	for (i = 0; i < 100; i++) {
		many_key(key, sizeof(key), i);
		assert_int_equal(pd_rate_store_apply(store, NULL, key, &s, 1, t,
		    0, &wait), -1);
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(pd_rate_store_fill(store, db, &why), 0);
	for (tries = 0; tries < 500 && rate_records(db) < (size_t)n; tries++)
		usleep(10000);
	assert_int_equal(rate_records(db), n);
	for (i = 0; i < n; i += 7) {
		many_key(key, sizeof(key), i);
		assert_int_equal(rate_record(db, key, &st), 1);
		assert_int_equal(st.n, 1);
		assert_int_equal(st.c[0].cur, i < 100 ? 2 : 1);
	}
	for (i = 1; i < 100; i += 7) {
		many_key(key, sizeof(key), i);
		assert_int_equal(rate_record(db, key, &st), 1);
		assert_int_equal(st.c[0].cur, 2);
	}
	assert_int_equal(pd_rate_store_sync(store, db, &why), 0);
	pd_rate_store_free(store);
	tu_db_remove(db, dir);
}

/* A record written before this store existed, byte by byte as the format
 * is (u32 version, u32 n, then n times u32 window, u32 unit, u64 start,
 * u32 prev, u32 cur), loads and goes on counting; a foreign one is
 * warned about and starts from zero. */
struct rate_raw {
	const char *key;
	const unsigned char *data;
	size_t	 len;
};

/* rate_put_raw - rate_raw into DB_RATE */
static int
rate_put_raw(struct db_txn *txn, void *ctx, const char **why)
{
	const struct rate_raw *r = ctx;

	if (db_put(txn, DB_RATE, r->key, strlen(r->key), r->data, r->len) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	return (0);
}

/* raw_u32, raw_u64 - append a number in host order */
static size_t
raw_u32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
	return (off + sizeof(v));
}

static size_t
raw_u64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
	return (off + sizeof(v));
}

static void
test_store_format(void **state)
{
	char	 dir[] = "/tmp/rate_test.XXXXXX";
	unsigned char rec[64];
	struct rate_raw raw = {"sender:old@example.com", rec, 0};
	struct pd_rate_spec s = spec("10 msg/1h, 20 rcpt/1d");
	struct pd_rate_store *store;
	struct pd_rate_state st;
	struct db_txn *txn = NULL;
	struct db *db;
	struct buf log;
	const char *why;
	uint64_t wait, t = 1000 * 86400;
	size_t	 off = 0;

	(void)state;
	assert_non_null(db = tu_db_open(dir));
	/* Version 1, as earlier releases wrote it: 24-byte counters. */
	off = raw_u32(rec, off, 1);
	off = raw_u32(rec, off, 2);
	off = raw_u32(rec, off, 3600);
	off = raw_u32(rec, off, PD_RATE_MSG);
	off = raw_u64(rec, off, t - t % 3600);
	off = raw_u32(rec, off, 0);
	off = raw_u32(rec, off, 4);
	off = raw_u32(rec, off, 86400);
	off = raw_u32(rec, off, PD_RATE_RCPT);
	off = raw_u64(rec, off, t - t % 86400);
	off = raw_u32(rec, off, 0);
	off = raw_u32(rec, off, 9);
	raw.len = off;
	assert_int_equal(raw.len, 56);
	assert_int_equal(db_update(db, rate_put_raw, &raw, &why), 0);

	store = pd_rate_store_create();
	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	pd_rate_store_get(store, txn, raw.key, &st);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.c[0].window, 3600);
	assert_int_equal(st.c[0].cur, 4);
	assert_int_equal(st.c[1].unit, PD_RATE_RCPT);
	assert_int_equal(st.c[1].cur, 9);
	assert_int_equal(pd_rate_store_apply(store, txn, raw.key, &s, 2, t, 0,
	    &wait), -1);
	db_read_end(txn);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_record(db, raw.key, &st), 1);
	/* Written back as version 2: 8 bytes and 2 counters of 16. */
	assert_int_equal(st.version, PD_RATE_VERSION);
	assert_int_equal(rate_record_len(db, raw.key), 40);
	assert_int_equal(st.c[0].window, 3600);
	assert_int_equal(st.c[0].start, t - t % 3600);
	assert_int_equal(st.c[0].cur, 5);
	assert_int_equal(st.c[1].unit, PD_RATE_RCPT);
	assert_int_equal(st.c[1].start, t - t % 86400);
	assert_int_equal(st.c[1].cur, 11);
	store = pd_rate_store_free(store);

	/* One byte short: another format. */
	raw.len = 55;
	assert_int_equal(db_update(db, rate_put_raw, &raw, &why), 0);
	store = pd_rate_store_create();
	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	buf_init(&log, 4096);
	tu_capture_begin();
	pd_rate_store_get(store, txn, raw.key, &st);
	tu_capture_end(&log);
	db_read_end(txn);
	assert_non_null(strstr(buf_str(&log), "sender:old@example.com: "
	    "unknown format"));
	assert_int_equal(st.n, 0);
	buf_fini(&log);
	txn = db_txn_free(txn);
	pd_rate_store_free(store);
	tu_db_remove(db, dir);
}

/* Counter keys: type, a colon, the value in lower case; a sender
 * without its extension; what does not fit in len is refused. */
static void
test_key(void **state)
{
	static const struct {
		const char *type, *value;
		size_t	 len;
		int	 ret;
		const char *want;
	} rows[] = {
		{"sasl_username", "Alice", 64, 0, "sasl_username:alice"},
		{"sender", "Bob+News@Example.COM", 64, 0,
		    "sender:bob@example.com"},
		{"sender", "+tag@example.com", 64, 0, "sender:+tag@example.com"},
		{"sender_domain", "Example.COM", 64, 0,
		    "sender_domain:example.com"},
		{"client_address", "2001:DB8::1", 64, 0,
		    "client_address:2001:db8::1"},
		/* "sasl_username:abcd" is 18 bytes and its NUL one more. */
		{"sasl_username", "abcd", 19, 0, "sasl_username:abcd"},
		{"sasl_username", "abcde", 19, -1, NULL},
		{"sasl_username", "", 15, 0, "sasl_username:"},
	};
	char	 key[64];
	size_t	 i;

	(void)state;
	var_recipient_delimiter = "+";
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(key, 'x', sizeof(key));
		assert_int_equal(pd_rate_key(key, rows[i].len, rows[i].type,
		    rows[i].value), rows[i].ret);
		if (rows[i].want)
			assert_string_equal(key, rows[i].want);
		else		/* nothing written past len */
			assert_int_equal(key[rows[i].len], 'x');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_several_windows),
		cmocka_unit_test(test_msg_vs_rcpt),
		cmocka_unit_test(test_dry),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_grow),
		cmocka_unit_test(test_store_many),
		cmocka_unit_test(test_store_fill),
		cmocka_unit_test(test_store_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
