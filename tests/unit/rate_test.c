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
#include "rate.h"

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

/* rate_stored - is there a record for key in LMDB? */
static int
rate_stored(struct db *db, const char *key)
{
	struct db_txn *txn = NULL;
	const void *data;
	size_t	 len;
	const char *why;
	int	 found;

	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	found = db_get(txn, DB_RATE, key, strlen(key), &data, &len);
	db_txn_free(txn);
	return (found);
}

/* The store: states survive a flush and a reopen; idle ones are evicted
 * from memory only once saved and past every window. */
static void
test_store(void **state)
{
	char	 dir[] = "/tmp/rate_test.XXXXXX", path[64];
	struct pd_rate_spec s = spec("5 msg/10s");
	struct pd_rate_store *store;
	struct pd_rate_state *st;
	struct db_txn *txn = NULL;
	struct db *db;
	struct buf err;
	const char *why;
	uint64_t wait, t = 1000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	buf_init(&err, 1024);
	assert_non_null(db = db_open(dir, 0, &err));
	store = pd_rate_store_create();
	st = pd_rate_store_get(store, NULL, "sender:a@b.example");
	assert_int_equal(pd_rate_apply(st, &s, 1, t, 0, &wait), -1);
	pd_rate_store_dirty(store, st);
	assert_int_equal(pd_rate_store_evict(store, t), 0);	/* dirty */
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(pd_rate_store_evict(store, t + 19), 0); /* in use */
	assert_int_equal(pd_rate_store_evict(store, t + 20), 1); /* idle */
	store = pd_rate_store_free(store);

	/* A new store (a restart) reads the saved state. */
	store = pd_rate_store_create();
	assert_int_equal(db_read_begin(db, &txn, &why), 0);
	st = pd_rate_store_get(store, txn, "sender:a@b.example");
	db_read_end(txn);
	assert_int_equal(st->n, 1);
	assert_int_equal(st->c[0].cur, 1);
	/* A reset request from outpostctl zeroes it at the next flush. */
	assert_int_equal(pd_rate_reset(db, "sender:a@b.example", &why), 0);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(st->c[0].cur, 0);
	txn = db_txn_free(txn);

	/* Idle and evicted: its record goes at the next flush, unless the
	 * key came back first. */
	st = pd_rate_store_get(store, NULL, "sender:c@d.example");
	assert_int_equal(pd_rate_apply(st, &s, 1, t, 0, &wait), -1);
	pd_rate_store_dirty(store, st);
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_stored(db, "sender:a@b.example"), 1);
	assert_int_equal(rate_stored(db, "sender:c@d.example"), 1);
	assert_int_equal(pd_rate_store_evict(store, t + 20), 2);
	st = pd_rate_store_get(store, NULL, "sender:c@d.example");
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	assert_int_equal(rate_stored(db, "sender:a@b.example"), 0);
	assert_int_equal(rate_stored(db, "sender:c@d.example"), 1);
	/* Nothing left to do: no write. */
	assert_int_equal(pd_rate_store_flush(store, db, &why), 0);
	pd_rate_store_free(store);
	db_close(db);
	buf_fini(&err);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_several_windows),
		cmocka_unit_test(test_msg_vs_rcpt),
		cmocka_unit_test(test_dry),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_store),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
