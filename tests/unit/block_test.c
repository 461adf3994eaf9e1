/*
 * block_test - the blocklist: stored form, lookup order, expiry, audit
 *
 * Each test gets a fresh state environment in a mkdtemp(3) directory.
 * Times are given explicitly (pd_block_add takes the event time from
 * e->last_seen), so every row is deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "block.h"
#include "bounds.h"
#include "buf.h"
#include "db.h"
#include "msg.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

#define T0	1714564800		/* 2024-05-01T12:00:00Z */
#define DAY	86400

struct fixture {
	char	 dir[64];
	struct db *db;
	struct db_txn *txn;		/* read transaction cache */
};

/* setup - a fresh state environment */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/block_test.XXXXXX");
	f->db = tu_db_open(f->dir);
	*state = f;
	return (f->db ? 0 : -1);
}

/* teardown - close and remove the environment */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_txn_free(f->txn);
	tu_db_remove(f->db, f->dir);
	free(f);
	return (0);
}

/* rd - start a read transaction on the fixture */
static struct db_txn *
rd(struct fixture *f)
{
	const char *why;

	if (db_read_begin(f->db, &f->txn, &why) < 0)
		fail_msg("db_read_begin: %s", why);
	return (f->txn);
}

/* entry - fill an entry */
static void
entry(struct pd_block_entry *e, const char *addr, const char *status,
    const char *text, int64_t last_seen, int64_t expires)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->address, sizeof(e->address), "%s", addr);
	snprintf(e->status, sizeof(e->status), "%s", status);
	snprintf(e->text, sizeof(e->text), "%s", text);
	e->source = PD_BLOCK_MANUAL;
	e->last_seen = last_seen;
	e->expires = expires;
}

/* add - pd_block_add that must succeed */
static void
add(struct fixture *f, const char *addr, const char *text, int64_t when,
    int64_t expires)
{
	struct pd_block_entry e;
	const char *why = "";

	entry(&e, addr, "5.1.1", text, when, expires);
	if (pd_block_add(f->db, &e, "tester", "unit test", &why) < 0)
		fail_msg("pd_block_add(%s): %s", addr, why);
}

/* The stored form: every field back as it went in. */
static void
test_roundtrip(void **state)
{
	static char longtext[BLOCK_TEXT_MAX], longwho[BLOCK_WHO_MAX];
	struct {
		enum pd_block_source source;
		int64_t	 first, last, expires;
		uint32_t count;
		const char *status, *text, *who;
	} rows[] = {
		{PD_BLOCK_MANUAL, T0, T0, 0, 1, "5.1.1", "", ""},
		{PD_BLOCK_IMPORT, 1, 2, 3, 4, "5.1.10", "user unknown", "root"},
		{PD_BLOCK_LOG, T0, T0 + DAY, T0 + 2 * DAY, UINT32_MAX, "5.2.1",
		    "mailbox disabled", "alice"},
		{PD_BLOCK_DSN, INT64_MAX, INT64_MAX, INT64_MAX, 0, "5.123.456",
		    "x", "y"},
		{PD_BLOCK_ARF, 0, 0, 0, 0, "5.7.1", "\001\377 bytes kept", "z"},
		{PD_BLOCK_LOG, T0, T0, 0, 1, "5.1.1", longtext, longwho},
	};
	unsigned char buf[PD_BLOCK_VALUE_MAX];
	struct pd_block_entry e, got;
	size_t	 i, len;
	int	 bad = 0;

	(void)state;
	memset(longtext, 't', sizeof(longtext) - 1);	/* at the bound */
	memset(longwho, 'w', sizeof(longwho) - 1);
	for (i = 0; i < ROWS(rows); i++) {
		memset(&e, 0, sizeof(e));
		e.source = rows[i].source;
		e.first_seen = rows[i].first;
		e.last_seen = rows[i].last;
		e.expires = rows[i].expires;
		e.count = rows[i].count;
		snprintf(e.status, sizeof(e.status), "%s", rows[i].status);
		snprintf(e.text, sizeof(e.text), "%s", rows[i].text);
		snprintf(e.who, sizeof(e.who), "%s", rows[i].who);
		if ((len = pd_block_encode(&e, buf, sizeof(buf))) == 0) {
			BAD("row %zu: pd_block_encode: got 0", i);
			continue;
		}
		memset(&got, 0x55, sizeof(got));
		if (pd_block_decode(buf, len, &got) < 0) {
			BAD("row %zu: pd_block_decode: got -1", i);
			continue;
		}
		if (got.source != e.source || got.first_seen != e.first_seen
		    || got.last_seen != e.last_seen || got.expires != e.expires
		    || got.count != e.count || strcmp(got.status, e.status)
		    || strcmp(got.text, e.text) || strcmp(got.who, e.who))
			BAD("row %zu: got %d %lld %lld %lld %u \"%s\" "
			    "\"%.20s\" \"%.20s\"", i, got.source,
			    (long long)got.first_seen,
			    (long long)got.last_seen, (long long)got.expires,
			    got.count, got.status, got.text, got.who);
		/* One byte short, or one too many: refused. */
		if (pd_block_decode(buf, len - 1, &got) != -1)
			BAD("row %zu: decode of %zu bytes: got 0, want -1", i,
			    len - 1);
		buf[len] = 0;
		if (pd_block_decode(buf, len + 1, &got) != -1)
			BAD("row %zu: decode with a trailing byte: got 0", i);
		/* Too small an output buffer: 0, not a cut record. */
		if (pd_block_encode(&e, buf, len - 1) != 0)
			BAD("row %zu: encode into %zu bytes: want 0", i,
			    len - 1);
	}
	if (bad)
		fail_msg("%d failures", bad);
}

/* Damaged and foreign records do not decode. */
static void
test_decode_bad(void **state)
{
	unsigned char buf[PD_BLOCK_VALUE_MAX];
	struct pd_block_entry e;
	size_t	 len;

	(void)state;
	entry(&e, "a@b.example", "5.1.1", "text", T0, 0);
	len = pd_block_encode(&e, buf, sizeof(buf));
	assert_true(len > 0);
	buf[0] = 2;				/* another version */
	assert_int_equal(pd_block_decode(buf, len, &e), -1);
	buf[0] = 1;
	buf[1] = 5;				/* no such source */
	assert_int_equal(pd_block_decode(buf, len, &e), -1);
	buf[1] = 0;
	buf[30] = 16;				/* status past its field */
	assert_int_equal(pd_block_decode(buf, len, &e), -1);
	assert_int_equal(pd_block_decode(buf, 0, &e), -1);
	assert_int_equal(pd_block_decode("", 1, &e), -1);
}

/* Lookup order: the address, without extension, then @domain. */
static void
test_lookup_order(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *rcpt, *delim;
		int	 want;
		const char *matched;
	} rows[] = {
		{"exact@a.example", "+", 1, "exact@a.example"},
		{"EXACT@A.Example", "+", 1, "exact@a.example"},	/* folded */
		{"other@a.example", "+", 0, NULL},
		{"user@b.example", "+", 1, "user@b.example"},
		{"user+tag@b.example", "+", 1, "user@b.example"}, /* strip */
		{"user+tag@b.example", "", 0, NULL},		/* no delim */
		{"user-tag@b.example", "+-", 1, "user@b.example"},
		{"user+tag@b.example", "-", 0, NULL},
		{"x+y@d.example", "+", 1, "x+y@d.example"},	/* exact 1st */
		{"x+z@d.example", "+", 1, "x@d.example"},
		{"+y@d.example", "+", 0, NULL},		/* leading delimiter */
		{"anyone@c.example", "+", 1, "@c.example"},	/* domain */
		{"a+b@c.example", "+", 1, "@c.example"},
		{"exact@sub.c.example", "+", 0, NULL},		/* no parents */
		{"@c.example", "+", 1, "@c.example"},
		{"c.example", "+", 0, NULL},
		{"nobody", "+", 0, NULL},
		{"", "+", 0, NULL},
	};
	struct pd_block_entry e;
	struct db_txn *txn;
	char	 toolong[ADDR_MAX + 16];
	size_t	 i;
	int	 bad = 0, got;

	add(f, "exact@a.example", "", T0, 0);
	add(f, "user@b.example", "", T0, 0);
	add(f, "@c.example", "", T0, 0);
	add(f, "x+y@d.example", "", T0, 0);
	add(f, "x@d.example", "", T0, 0);
	txn = rd(f);
	for (i = 0; i < ROWS(rows); i++) {
		memset(&e, 0, sizeof(e));
		got = pd_block_lookup(txn, NULL, rows[i].rcpt, NULL,
		    rows[i].delim, 0, T0, &e);
		if (got != rows[i].want || (got == 1
		    && strcmp(e.address, rows[i].matched) != 0))
			BAD("pd_block_lookup(\"%s\", \"%s\"): got %d %s, want "
			    "%d %s", rows[i].rcpt, rows[i].delim, got,
			    got == 1 ? e.address : "-", rows[i].want,
			    rows[i].matched ? rows[i].matched : "-");
	}
	/* Longer than any key: not found, never a cut match. */
	memset(toolong, 'a', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = 0;
	memcpy(toolong + sizeof(toolong) - 1 - 10, "@c.example", 10);
	if ((got = pd_block_lookup(txn, NULL, toolong, NULL, "+", 0, T0,
	    &e)) != 0)
		BAD("pd_block_lookup(%zu bytes): got %d, want 0",
		    strlen(toolong), got);
	db_read_end(txn);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* Expiry: explicit, from blocklist_expiry, and exactly at now. */
static void
test_expiry(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int64_t	 last_seen, expires;
		uint64_t expiry;
		int64_t	 now;
		int	 want;
	} rows[] = {
		{T0, 0, 0, T0 + 3650 * DAY, 1},		/* never */
		{T0, T0 + DAY, 0, T0 + DAY - 1, 1},	/* a second before */
		{T0, T0 + DAY, 0, T0 + DAY, 0},		/* exactly now */
		{T0, T0 + DAY, 0, T0 + DAY + 1, 0},
		{T0, 0, DAY, T0 + DAY - 1, 1},		/* blocklist_expiry */
		{T0, 0, DAY, T0 + DAY, 0},		/* exactly now */
		{T0, 0, DAY, T0 + 2 * DAY, 0},
		{T0, T0 + 10 * DAY, DAY, T0 + DAY, 0},	/* the sooner wins */
		{T0, T0 + DAY, 10 * DAY, T0 + DAY, 0},
		{T0, T0 + 10 * DAY, 10 * DAY, T0 + DAY, 1},
	};
	struct pd_block_entry e;
	struct db_txn *txn;
	size_t	 i;
	int	 bad = 0, got;

	for (i = 0; i < ROWS(rows); i++) {
		char	 addr[64];

		snprintf(addr, sizeof(addr), "row%zu@e.example", i);
		add(f, addr, "", rows[i].last_seen, rows[i].expires);
		txn = rd(f);
		got = pd_block_lookup(txn, NULL, addr, NULL, "", rows[i].expiry,
		    rows[i].now, &e);
		db_read_end(txn);
		if (got != rows[i].want)
			BAD("row %zu: last_seen T0, expires %+lld, expiry "
			    "%llu, now T0%+lld: got %d, want %d", i,
			    (long long)(rows[i].expires ? rows[i].expires - T0 :
			    0), (unsigned long long)rows[i].expiry,
			    (long long)(rows[i].now - T0), got, rows[i].want);
		if (got == 1 && pd_block_expired(&e, rows[i].expiry,
		    rows[i].now))
			BAD("row %zu: pd_block_expired disagrees", i);
	}
	/* An expired address entry gives way to its domain's entry. */
	add(f, "gone@f.example", "address", T0, T0 + DAY);
	add(f, "@f.example", "domain", T0, 0);
	txn = rd(f);
	got = pd_block_lookup(txn, NULL, "gone@f.example", NULL, "", 0,
	    T0 + DAY, &e);
	db_read_end(txn);
	if (got != 1 || strcmp(e.address, "@f.example") != 0)
		BAD("expired address: got %d %s, want 1 @f.example", got,
		    got == 1 ? e.address : "-");
	if (bad)
		fail_msg("%d failures", bad);
}

struct trail {
	int	 n;
	enum pd_block_action action[16];
	char	 who[16][BLOCK_WHO_MAX];
	char	 why[16][BLOCK_TEXT_MAX];
	int64_t	 time[16];
	uint32_t seq[16];
};

/* collect - pd_block_audit_walk callback */
static int
collect(const struct pd_block_audit *a, void *ctx)
{
	struct trail *t = ctx;

	if (t->n < 16) {
		t->action[t->n] = a->action;
		snprintf(t->who[t->n], sizeof(t->who[0]), "%s", a->who);
		snprintf(t->why[t->n], sizeof(t->why[0]), "%s", a->why);
		t->time[t->n] = a->time;
		t->seq[t->n] = a->seq;
	}
	t->n++;
	return (0);
}

/* trail_of - the audit trail of addr, as "add,update,..." */
static const char *
trail_of(struct fixture *f, const char *addr, struct trail *t, char *out,
    size_t len)
{
	struct db_txn *txn = rd(f);
	size_t	 off = 0;
	int	 i;

	memset(t, 0, sizeof(*t));
	if (pd_block_audit_walk(txn, addr, collect, t) < 0)
		fail_msg("pd_block_audit_walk(%s): error", addr);
	db_read_end(txn);
	out[0] = 0;
	for (i = 0; i < t->n && i < 16; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," :
		    "", pd_block_action_name(t->action[i]));
	return (out);
}

/* An update keeps first_seen and counts; both are audited. */
static void
test_update(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry e;
	struct trail t;
	char	 s[256];

	add(f, "u@g.example", "first", T0, 0);
	add(f, "U@G.example", "second", T0 + DAY, 0);
	assert_int_equal(pd_block_get(rd(f), "u@g.example", &e), 1);
	db_read_end(f->txn);
	assert_int_equal(e.first_seen, T0);
	assert_int_equal(e.last_seen, T0 + DAY);
	assert_int_equal(e.count, 2);
	assert_string_equal(e.text, "second");
	assert_string_equal(e.who, "tester");
	assert_string_equal(trail_of(f, "u@g.example", &t, s, sizeof(s)),
	    "add,update");
	assert_int_equal(t.time[0], T0);
	assert_int_equal(t.time[1], T0 + DAY);
	/* The same second: numbered in order. */
	add(f, "u@g.example", "third", T0 + DAY, 0);
	assert_string_equal(trail_of(f, "u@g.example", &t, s, sizeof(s)),
	    "add,update,update");
	assert_int_equal(t.seq[1], 0);
	assert_int_equal(t.seq[2], 1);
	/* An older event (a log read late) does not move times back. */
	add(f, "u@g.example", "late", T0 - DAY, 0);
	assert_int_equal(pd_block_get(rd(f), "u@g.example", &e), 1);
	db_read_end(f->txn);
	assert_int_equal(e.first_seen, T0 - DAY);
	assert_int_equal(e.last_seen, T0 + DAY);
	assert_int_equal(e.count, 4);
}

/* The audit trail survives removal; a re-add starts a new entry. */
static void
test_audit_remove(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry e;
	struct trail t;
	const char *why = "";
	char	 s[256];
	int64_t	 before;

	add(f, "r@h.example", "bounced", T0, 0);
	add(f, "r@h.example", "bounced again", T0 + 1, 0);
	assert_int_equal(pd_block_remove(f->db, "R@h.example", "admin",
	    "mailbox fixed", &why), 1);
	assert_int_equal(pd_block_get(rd(f), "r@h.example", &e), 0);
	assert_int_equal(pd_block_lookup(f->txn, NULL, "r@h.example", NULL,
	    "", 0, T0 + 2, &e), 0);
	db_read_end(f->txn);
	assert_string_equal(trail_of(f, "r@h.example", &t, s, sizeof(s)),
	    "add,update,remove");
	assert_string_equal(t.who[2], "admin");
	assert_string_equal(t.why[2], "mailbox fixed");
	/* Absent: 0, and nothing audited. */
	assert_int_equal(pd_block_remove(f->db, "r@h.example", "admin", "",
	    &why), 0);
	assert_int_equal(pd_block_remove(f->db, "never@h.example", "admin",
	    "", &why), 0);
	assert_string_equal(trail_of(f, "never@h.example", &t, s, sizeof(s)),
	    "");
	/* Re-added: a new entry (count 1, new first_seen), one more record.
	 * Removal is stamped with the clock, so the re-add is too (0). */
	before = (int64_t)time(NULL);
	add(f, "r@h.example", "back", 0, 0);
	assert_int_equal(pd_block_get(rd(f), "r@h.example", &e), 1);
	db_read_end(f->txn);
	assert_int_equal(e.count, 1);
	assert_true(e.first_seen >= before && e.first_seen <= before + 5);
	assert_string_equal(trail_of(f, "r@h.example", &t, s, sizeof(s)),
	    "add,update,remove,add");
	/* A longer address with the same start has its own trail. */
	add(f, "r@h.example.org", "", T0, 0);
	assert_int_equal(trail_of(f, "r@h.example", &t, s, sizeof(s)) != NULL
	    && t.n == 4, 1);
}

/* The reply, exactly. */
static void
test_reply(void **state)
{
	static char longtext[300];
	static const char want_long[] = "550 5.1.1 recipient "
	    "hard-bounced on 2024-05-01 (5.1.1 "
	    "tttttttttttttttttttttttttttttttttttttttttttttttttt"
	    "tttttttttttttttttttttttttttttttttttttttttttttttttt"
	    "); see outpostctl(8)";
	struct {
		const char *rcpt, *status, *text;
		int64_t	 last_seen;
		const char *want;
	} rows[] = {
		{"a@b.example", "5.1.1", "user unknown", T0,
		    "550 5.1.1 recipient hard-bounced on "
		    "2024-05-01 (5.1.1 user unknown); see outpostctl(8)"},
		{"a@b.example", "5.2.1", "", T0 + DAY / 2 - 1,	/* 23:59:59 */
		    "550 5.1.1 recipient hard-bounced on "
		    "2024-05-01 (5.2.1); see outpostctl(8)"},
		{"A+x@B.example", "5.1.1", "x", T0 + DAY / 2,
		    "550 5.1.1 recipient hard-bounced on "
		    "2024-05-02 (5.1.1 x); see outpostctl(8)"},
		{"a\r\n@b.example", "5.1.1", "bad\r\ntext\177\xc3\xa9", T0,
		    "550 5.1.1 recipient hard-bounced on "
		    "2024-05-01 (5.1.1 bad?" "?text?" "?" "?); "
		    "see outpostctl(8)"},
		{"a@b.example", "5.1.1", longtext, T0, want_long},
	};
	struct pd_block_entry e;
	struct buf out;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	memset(longtext, 't', sizeof(longtext) - 1);	/* capped at 100 */
	buf_init(&out, 1024);
	for (i = 0; i < ROWS(rows); i++) {
		entry(&e, "x@y.example", rows[i].status, rows[i].text,
		    rows[i].last_seen, 0);
		buf_set(&out, "old text is replaced");
		(void)rows[i].rcpt;
		pd_block_reply(&e, &out);
		if (strcmp(buf_str(&out), rows[i].want) != 0)
			BAD("row %zu: got \"%s\", want \"%s\"", i,
			    buf_str(&out), rows[i].want);
	}
	buf_fini(&out);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

struct names {
	int	 n;
	char	 list[512];
};

/* names - pd_block_walk callback: "addr=count:text" list */
static int
names(const struct pd_block_entry *e, void *ctx)
{
	struct names *nm = ctx;
	size_t	 off = strlen(nm->list);

	snprintf(nm->list + off, sizeof(nm->list) - off, "%s%s=%u:%s",
	    nm->n++ ? " " : "", e->address, e->count, e->text);
	return (0);
}

/* Import: in bulk, duplicates counted, the last line wins, audited. */
static void
test_import(void **state)
{
	struct fixture *f = *state;
	struct pd_block_entry v[5];
	struct names nm;
	struct trail t;
	const char *why = "";
	char	 s[256];

	entry(&v[0], "Z@i.example", "5.1.1", "z", T0, 0);
	entry(&v[1], "a@i.example", "5.1.1", "a1", T0, 0);
	entry(&v[2], "@i.example", "5.1.2", "domain", T0, 0);
	entry(&v[3], "A@i.example", "5.1.1", "a2", T0, 0);	/* dup */
	entry(&v[4], "m@i.example", "5.1.1", "m", T0, 0);
	v[4].count = 9;
	v[4].first_seen = T0 - DAY;
	assert_int_equal(pd_block_import(f->db, v, 5, "tester", "import t",
	    &why), 0);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(pd_block_walk(rd(f), names, &nm), 0);
	db_read_end(f->txn);
	assert_string_equal(nm.list, "@i.example=1:domain a@i.example=2:a2 "
	    "m@i.example=9:m z@i.example=1:z");
	assert_string_equal(trail_of(f, "a@i.example", &t, s, sizeof(s)),
	    "import,import");
	assert_string_equal(t.why[0], "import t");
	/* A bad entry fails its batch, with a reason. */
	entry(&v[0], "no address", "5.1.1", "", T0, 0);
	assert_int_equal(pd_block_import(f->db, v, 1, "tester", "", &why), -1);
	assert_true(*why != 0);
	entry(&v[0], "ok@i.example", "4.1.1", "", T0, 0);
	assert_int_equal(pd_block_import(f->db, v, 1, "tester", "", &why), -1);
	assert_int_equal(pd_block_import(f->db, v, 0, "tester", "", &why), 0);
}

/* pd_block_expire: removes what no longer counts, audited. */
static void
test_expire(void **state)
{
	struct fixture *f = *state;
	struct names nm;
	struct trail t;
	const char *why = "";
	char	 s[256];
	size_t	 n = 99;

	add(f, "old@j.example", "", T0, 0);
	add(f, "due@j.example", "", T0 + 5 * DAY, T0 + 6 * DAY);
	add(f, "new@j.example", "", T0 + 9 * DAY, 0);
	assert_int_equal(pd_block_expire(f->db, 2 * DAY, T0 + 10 * DAY, &n,
	    &why), 0);
	assert_int_equal(n, 2);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(pd_block_walk(rd(f), names, &nm), 0);
	db_read_end(f->txn);
	assert_string_equal(nm.list, "new@j.example=1:");
	assert_string_equal(trail_of(f, "due@j.example", &t, s, sizeof(s)),
	    "add,expire");
	assert_int_equal(pd_block_expire(f->db, 2 * DAY, T0 + 10 * DAY, &n,
	    &why), 0);
	assert_int_equal(n, 0);
}

/* What an address and a status may be. */
static void
test_valid(void **state)
{
	static const struct {
		const char *s;
		int	 addr, status;
	} rows[] = {
		{"user@example.com", 1, 0},
		{"@example.com", 1, 0},
		{"@", 0, 0},
		{"@a@b", 0, 0},
		{"user", 0, 0},
		{"user@", 0, 0},
		{"@exa mple.com", 0, 0},
		{"<user@example.com>", 0, 0},
		{"", 0, 0},
		{"5.1.1", 0, 1},
		{"5.0.0", 0, 1},
		{"5.123.456", 0, 1},
		{"5.1234.1", 0, 0},
		{"5.1.1234", 0, 0},
		{"4.1.1", 0, 0},		/* not permanent */
		{"2.0.0", 0, 0},
		{"5.1", 0, 0},
		{"5.1.", 0, 0},
		{"5..1", 0, 0},
		{"5.1.1 ", 0, 0},
		{"5.1.1.1", 0, 0},
		{"5.a.1", 0, 0},
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		if (pd_block_address_valid(rows[i].s) != rows[i].addr)
			BAD("pd_block_address_valid(\"%s\"): want %d",
			    rows[i].s, rows[i].addr);
		if (pd_block_status_valid(rows[i].s) != rows[i].status)
			BAD("pd_block_status_valid(\"%s\"): want %d", rows[i].s,
			    rows[i].status);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test_setup_teardown(test_lookup_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_remove, setup,
		    teardown),
		cmocka_unit_test(test_reply),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test(test_valid),
	};

	msg_open("block_test", MSG_STDERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
