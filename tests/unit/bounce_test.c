/*
 * bounce_test - bounce classification and ingestion into the state
 *
 * The corpus: every message named in tests/data/bounces/expected and
 * every line of tests/data/bounces/maillog (expected classes in
 * maillog.expected), run from the top directory (OUTPOST_BOUNCES names
 * another corpus directory). Then the bounds of the message parser, the
 * classifier's rules and bounce_classifier_maps, and what
 * pd_ingest_apply() writes: blocks only for hard bounces, complaints per
 * sender domain, soft promotion, all or nothing per batch.
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
#include "bounce.h"
#include "bounce_log.h"
#include "bounce_msg.h"
#include "bounds.h"
#include "buf.h"
#include "db.h"
#include "ingest.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

#define T0	1714564800		/* 2024-05-01T12:00:00Z */
#define DAY	86400

/* corpus_dir - where the corpus is */
static const char *
corpus_dir(void)
{
	const char *dir = getenv("OUTPOST_BOUNCES");

	return (dir && *dir ? dir : "tests/data/bounces");
}

/* slurp - a whole file into *len bytes (xfree it) */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*data;
	long	 n;

	if (fp == NULL)
		fail_msg("open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = xmalloc((size_t)n + 1);
	if (n > 0 && fread(data, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("read %s", path);
	data[n] = 0;
	fclose(fp);
	*len = (size_t)n;
	return (data);
}

/* The message corpus: each recipient, class and status as expected. */
static void
test_message_corpus(void **state)
{
	char	 path[1024], line[1024], file[256], addr[512], cls[32], st[32];
	char	 cur[256] = "";
	struct pd_bmsg *m = xcalloc(1, sizeof(*m));
	FILE	*fp;
	size_t	 len, i = 0, files = 0;
	int	 bad = 0;
	char	*data;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected", corpus_dir());
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || sscanf(line, "%255s %511s %31s %31s",
		    file, addr, cls, st) != 4)
			continue;
		if (strcmp(file, cur) != 0) {
			if (cur[0] && i != m->n)
				BAD("%s: got %zu recipients, want %zu", cur,
				    m->n, i);
			snprintf(cur, sizeof(cur), "%s", file);
			snprintf(path, sizeof(path), "%s/%s", corpus_dir(),
			    file);
			data = slurp(path, &len);
			pd_bmsg_parse(data, len, 0, NULL, m);
			xfree(data);
			files++;
			i = 0;
		}
		if (strcmp(addr, "-") == 0)
			continue;
		if (i >= m->n) {
			BAD("%s: recipient %s %s not found (%s)", file, addr,
			    cls, m->why);
			i++;
			continue;
		}
		if (strcmp(m->rcpt[i].address, addr) != 0
		    || strcmp(pd_bounce_class_name(m->rcpt[i].class), cls) != 0
		    || strcmp(m->rcpt[i].status[0] ? m->rcpt[i].status : "-",
		    st) != 0)
			BAD("%s: recipient %zu: got %s %s %s (%s), want %s %s "
			    "%s", file, i, m->rcpt[i].address,
			    pd_bounce_class_name(m->rcpt[i].class),
			    m->rcpt[i].status, m->rcpt[i].rule, addr, cls, st);
		i++;
	}
	if (cur[0] && i != m->n)
		BAD("%s: got %zu recipients, want %zu", cur, m->n, i);
	fclose(fp);
	xfree(m);
	if (files < 60)
		BAD("only %zu messages in the corpus", files);
	if (bad)
		fail_msg("%d corpus mismatches", bad);
}

/* The log corpus: each line's recipient, class and status. */
static void
test_log_corpus(void **state)
{
	char	 path[1024], want[1024], addr[512], cls[32], st[32];
	struct pd_blog l;
	FILE	*fp;
	size_t	 len, n = 0, off = 0;
	int	 bad = 0, lineno;
	char	*data;

	(void)state;
	snprintf(path, sizeof(path), "%s/maillog", corpus_dir());
	data = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/maillog.expected", corpus_dir());
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("open %s", path);
	while (fgets(want, sizeof(want), fp) != NULL) {
		const char *got_addr = "-", *got_cls = "none", *got_st = "-";
		char	*nl = NULL;

		if (want[0] == '#' || sscanf(want, "%d %511s %31s %31s",
		    &lineno, addr, cls, st) != 4)
			continue;
		if (off >= len || (nl = memchr(data + off, '\n', len - off))
		    == NULL)
			fail_msg("maillog: no line %d", lineno);
		switch (pd_blog_parse(data + off, (size_t)(nl - (data + off)),
		    T0, NULL, &l)) {
		case PD_BLOG_RCPT:
			got_addr = l.rcpt.address;
			got_cls = pd_bounce_class_name(l.rcpt.class);
			got_st = l.rcpt.status[0] ? l.rcpt.status : "-";
			break;
		case PD_BLOG_EXPIRED:
			got_cls = "soft";
			break;
		default:
			break;
		}
		if (strcmp(got_addr, addr) || strcmp(got_cls, cls)
		    || strcmp(got_st, st))
			BAD("maillog line %d: got %s %s %s (%s), want %s %s %s",
			    lineno, got_addr, got_cls, got_st, l.rcpt.rule, addr,
			    cls, st);
		off = (size_t)(nl - data) + 1;
		n++;
	}
	fclose(fp);
	xfree(data);
	if (n < 50)
		BAD("only %zu log lines in the corpus", n);
	if (bad)
		fail_msg("%d log corpus mismatches", bad);
}

/* Log lines: time stamps, fields, the reply without Postfix's words. */
static void
test_log_fields(void **state)
{
	struct pd_blog l;
	const char *a = "2026-11-23T10:01:02.5+01:00 h postfix/smtp[1]: "
	    "ABC: to=<a@b.example>, relay=x, dsn=5.1.1, status=bounced "
	    "(host x[1.2.3.4] said: 550 5.1.1 gone (in reply to RCPT TO "
	    "command))";
	const char *b = "May  1 11:00:00 h postfix/qmgr[1]: DEF: "
	    "from=<S@X.example>, size=1, nrcpt=1 (queue active)";

	(void)state;
	assert_int_equal(pd_blog_parse(a, strlen(a), T0, NULL, &l),
	    PD_BLOG_RCPT);
	assert_string_equal(l.queue_id, "ABC");
	assert_string_equal(l.rcpt.reply, "550 5.1.1 gone");
	assert_string_equal(l.word, "bounced");
	assert_int_equal(l.time, 1795424462);	/* 09:01:02Z */
	assert_int_equal(pd_blog_parse(b, strlen(b), T0, NULL, &l),
	    PD_BLOG_FROM);
	assert_string_equal(l.sender, "s@x.example");
	/* syslog time: the year of now (T0 is 2024-05-01T12:00:00Z) */
	assert_int_equal(l.time, T0 - 3600);
	/* a line cut anywhere is OTHER or a smaller RCPT, never a crash */
	for (size_t n = 0; n <= strlen(a); n++)
		(void)pd_blog_parse(a, n, T0, NULL, &l);
}

/* The classifier's rules, and bounce_classifier_maps first. */
static void
test_classify(void **state)
{
	static const struct {
		const char *status, *reply, *cls, *rule;
	} rows[] = {
		{"5.1.1", "", "hard", "status-5.1.1"},
		{"5.1.10", "", "hard", "status-5.1.10"},
		{"5.1.1", "550 5.1.1 listed at spamhaus", "policy",
		    "text-listed-at"},
		{"4.1.1", "450 4.1.1 user unknown", "soft", "status-4"},
		{"", "550 no such user", "hard", "text-no-such-user"},
		{"", "450 no such user", "soft", "status-4"},
		{"5.2.2", "552 mailbox full", "soft", "text-mailbox-full"},
		{"5.7.9", "", "policy", "status-5.7"},
		{"5.0.0", "", "soft", "status-5-other"},
		{"", "", "soft", "default"},
		{"2.0.0", "", "none", "status-2"},
		{"5.4.1", "550 5.4.1 Recipient address rejected: Access "
		    "denied. AS(201806281)", "hard", "o365-access-denied"},
		/* the maps win over every built-in rule */
		{"5.1.1", "550 5.1.1 retired mailbox", "soft", "maps:mine"},
		{"5.7.1", "550 5.7.1 address gone for good", "hard", "maps"},
	};
	struct pd_bounce_rcpt r;
	struct table *maps;
	struct buf err;
	char	 name[] = "/tmp/bounce_test.XXXXXX";
	const char *src = "/retired mailbox/ soft mine\n"
	    "/gone for good/ hard\n/bogus-class/ sometimes\n";
	size_t	 i;
	int	 bad = 0, fd;

	(void)state;
	if ((fd = mkstemp(name)) < 0)
		fail_msg("mkstemp");
	close(fd);
	tu_write_file(name, src, strlen(src), 0644);
	buf_init(&err, 1024);
	{
		char	 spec[64];

		snprintf(spec, sizeof(spec), "regexp:%s", name);
		if ((maps = table_open(spec, 0, &err)) == NULL)
			fail_msg("table_open: %s", buf_str(&err));
	}
	for (i = 0; i < ROWS(rows); i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.status, sizeof(r.status), "%s", rows[i].status);
		snprintf(r.reply, sizeof(r.reply), "%s", rows[i].reply);
		assert_int_equal(pd_bounce_classify(maps, &r), 0);
		if (strcmp(pd_bounce_class_name(r.class), rows[i].cls)
		    || strcmp(r.rule, rows[i].rule))
			BAD("classify(%s, \"%s\"): got %s/%s, want %s/%s",
			    rows[i].status, rows[i].reply,
			    pd_bounce_class_name(r.class), r.rule, rows[i].cls,
			    rows[i].rule);
	}
	/* a bad class in the maps is warned about; built-in rules decide */
	memset(&r, 0, sizeof(r));
	snprintf(r.reply, sizeof(r.reply), "550 5.1.1 bogus-class");
	snprintf(r.status, sizeof(r.status), "5.1.1");
	tu_capture_begin();
	assert_int_equal(pd_bounce_classify(maps, &r), 0);
	tu_capture_end(&err);
	assert_non_null(strstr(buf_str(&err), "bad class \"sometimes\""));
	assert_string_equal(r.rule, "status-5.1.1");
	table_close(maps);
	buf_fini(&err);
	unlink(name);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* dsn_with - a DSN whose header block has hdr_pad bytes of padding and
 * nrcpt recipients (xfree it) */
static char *
dsn_with(size_t hdr_pad, int nrcpt, int depth, size_t *len)
{
	struct buf b;
	int	 i;

	buf_init(&b, 64 << 20);
	buf_puts(&b, "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n");
	if (hdr_pad > 0) {
		buf_puts(&b, "X-Pad: ");
		for (i = 0; (size_t)i < hdr_pad; i++)
			buf_putc(&b, 'p');
		buf_puts(&b, "\n");
	}
	for (i = 0; i < depth; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_puts(&b, "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; x\n\n");
	for (i = 0; i < nrcpt; i++)
		buf_printf(&b, "Final-Recipient: rfc822; r%d@d.example\n"
		    "Action: failed\nStatus: 5.1.1\n\n", i);
	*len = b.len;
	return (b.data);
}

/* Every bound of the message parser, at the bound and past it. */
static void
test_message_bounds(void **state)
{
	struct pd_bmsg *m = xcalloc(1, sizeof(*m));
	char	*d;
	size_t	 len, hdr = strlen("From: MAILER-DAEMON@x.example\n"
	    "Subject: Undelivered\nX-Pad: \n");

	(void)state;
	/* header block of exactly BOUNCE_HEADER_MAX bytes, then one more */
	d = dsn_with(BOUNCE_HEADER_MAX - hdr - strlen("Content-Type: "
	    "message/delivery-status\n"), 1, 0, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_DSN);
	xfree(d);
	d = dsn_with(BOUNCE_HEADER_MAX - hdr - strlen("Content-Type: "
	    "message/delivery-status\n") + 1, 1, 0, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_NONE);
	assert_string_equal(m->why, "header block over 65536 bytes");
	xfree(d);
	/* BOUNCE_RCPT_MAX recipients, then one more: the rest not taken */
	d = dsn_with(0, BOUNCE_RCPT_MAX, 0, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->n, BOUNCE_RCPT_MAX);
	assert_null(strstr(m->why, "not taken"));
	xfree(d);
	d = dsn_with(0, BOUNCE_RCPT_MAX + 1, 0, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->n, BOUNCE_RCPT_MAX);
	assert_non_null(strstr(m->why, "more than 100 recipients"));
	xfree(d);
	/* nesting: BOUNCE_DEPTH_MAX levels work, one more does not */
	d = dsn_with(0, 1, BOUNCE_DEPTH_MAX, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_DSN);
	xfree(d);
	d = dsn_with(0, 1, BOUNCE_DEPTH_MAX + 1, &len);
	pd_bmsg_parse(d, len, 0, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_NONE);
	assert_string_equal(m->why, "MIME nesting over 8 levels");
	xfree(d);
	/* BOUNCE_MSG_MAX bytes of a report followed by junk: read, and
	 * the caller's truncation said */
	d = dsn_with(0, 1, 0, &len);
	d = xrealloc(d, BOUNCE_MSG_MAX + 1);
	memset(d + len, 'j', BOUNCE_MSG_MAX - len);
	pd_bmsg_parse(d, BOUNCE_MSG_MAX, 1, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_DSN);
	assert_non_null(strstr(m->why, "only the first"));
	/* binary garbage of the same size */
	for (len = 0; len < BOUNCE_MSG_MAX; len++)
		d[len] = (char)((len * 7919 + 13) & 0xff);
	pd_bmsg_parse(d, BOUNCE_MSG_MAX, 0, NULL, m);
	assert_int_equal(m->kind, PD_BMSG_NONE);
	assert_int_equal(m->n, 0);
	xfree(d);
	xfree(m);
}

/* The state side. */

struct fixture {
	char	 dir[64];
	struct db *db;
	struct db_txn *txn;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/bounce_test.XXXXXX");
	f->db = tu_db_open(f->dir);
	*state = f;
	return (f->db ? 0 : -1);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_txn_free(f->txn);
	tu_db_remove(f->db, f->dir);
	free(f);
	return (0);
}

/* ev - an event */
static struct pd_ingest_event
ev(const char *addr, enum pd_bounce_class c, const char *status,
    const char *sender, int64_t when)
{
	struct pd_ingest_event e;

	memset(&e, 0, sizeof(e));
	snprintf(e.r.address, sizeof(e.r.address), "%s", addr);
	e.r.class = c;
	snprintf(e.r.status, sizeof(e.r.status), "%s", status);
	snprintf(e.r.reply, sizeof(e.r.reply), "550 %s reply", status);
	snprintf(e.r.rule, sizeof(e.r.rule), "test");
	snprintf(e.sender, sizeof(e.sender), "%s", sender);
	e.source = c == PD_BOUNCE_COMPLAINT ? PD_BLOCK_ARF : PD_BLOCK_LOG;
	e.time = when;
	return (e);
}

/* blocked - pd_block_lookup (or _sender) at now */
static int
blocked(struct fixture *f, const char *rcpt, const char *sender_domain,
    int64_t now)
{
	struct pd_block_entry e;
	const char *why;
	int	 rc;

	if (db_read_begin(f->db, &f->txn, &why) < 0)
		fail_msg("db_read_begin: %s", why);
	rc = sender_domain ? pd_block_lookup_sender(f->txn, NULL, rcpt,
	    sender_domain, "+", 0, now, &e) : pd_block_lookup(f->txn, NULL,
	    rcpt, NULL, "+", 0, now, &e);
	db_read_end(f->txn);
	return (rc);
}

static const struct pd_ingest_opts opts7 = {7 * DAY, 0, T0};

/* Only hard bounces block; complaints per sender domain; policy never. */
static void
test_ingest_classes(void **state)
{
	struct fixture *f = *state;
	struct pd_ingest_event v[4];
	const char *why;
	size_t	 added;

	v[0] = ev("hard@d.example", PD_BOUNCE_HARD, "5.1.1", "s@x.example",
	    T0);
	v[1] = ev("pol@d.example", PD_BOUNCE_POLICY, "5.7.1", "s@x.example",
	    T0);
	v[2] = ev("angry@d.example", PD_BOUNCE_COMPLAINT, "", "x.example",
	    T0);
	v[3] = ev("soft@d.example", PD_BOUNCE_SOFT, "4.2.2", "s@x.example",
	    T0);
	assert_int_equal(pd_ingest_apply(f->db, v, 4, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(added, 2);
	assert_int_equal(blocked(f, "hard@d.example", NULL, T0), 1);
	assert_int_equal(blocked(f, "hard+tag@d.example", NULL, T0), 1);
	assert_int_equal(blocked(f, "pol@d.example", NULL, T0), 0);
	assert_int_equal(blocked(f, "soft@d.example", NULL, T0), 0);
	/* the complaint: for x.example only */
	assert_int_equal(blocked(f, "angry@d.example", NULL, T0), 0);
	assert_int_equal(blocked(f, "angry@d.example", "x.example", T0), 1);
	assert_int_equal(blocked(f, "angry@d.example", "other.example", T0),
	    0);
	/* the same events again change nothing */
	assert_int_equal(pd_ingest_apply(f->db, v, 4, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(added, 0);
}

/* Soft bounces over soft_bounce_promote_after become a block; a
 * delivery in between forgets them. */
static void
test_ingest_soft(void **state)
{
	struct fixture *f = *state;
	struct pd_ingest_event v[2];
	struct pd_block_entry e;
	const char *why;
	size_t	 added;

	v[0] = ev("s@d.example", PD_BOUNCE_SOFT, "4.2.2", "", T0);
	v[1] = ev("s@d.example", PD_BOUNCE_SOFT, "4.2.2", "", T0 + 7 * DAY
	    - 1);
	assert_int_equal(pd_ingest_apply(f->db, v, 2, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(blocked(f, "s@d.example", NULL, T0 + 7 * DAY), 0);
	/* a delivery forgets the history: 7 days later is not enough */
	v[0] = ev("s@d.example", PD_BOUNCE_NONE, "2.0.0", "", T0 + 7 * DAY);
	v[0].delivered = 1;
	v[1] = ev("s@d.example", PD_BOUNCE_SOFT, "4.2.2", "", T0 + 8 * DAY);
	assert_int_equal(pd_ingest_apply(f->db, v, 2, NULL, &opts7, &added,
	    &why), 0);
	v[0] = ev("s@d.example", PD_BOUNCE_SOFT, "4.2.2", "", T0 + 14 * DAY);
	assert_int_equal(pd_ingest_apply(f->db, v, 1, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(added, 0);
	/* at exactly 7 days since the first: blocked, status permanent */
	v[0] = ev("s@d.example", PD_BOUNCE_SOFT, "4.2.2", "", T0 + 15 * DAY);
	assert_int_equal(pd_ingest_apply(f->db, v, 1, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(added, 1);
	if (db_read_begin(f->db, &f->txn, &why) < 0)
		fail_msg("%s", why);
	assert_int_equal(pd_block_get(f->txn, "s@d.example", &e), 1);
	assert_string_equal(e.status, "5.2.2");
	db_read_end(f->txn);
}

/* audit_one - collect the actions of an address's trail */
static int
audit_one(const struct pd_block_audit *a, void *ctx)
{
	struct buf *b = ctx;

	buf_printf(b, "%s/%s ", pd_block_action_name(a->action), a->who);
	return (0);
}

/* Removed by hand and bouncing again: back on the list, both audited. */
static void
test_ingest_readd(void **state)
{
	struct fixture *f = *state;
	/* The trail is in time order: events around the removal's now. */
	int64_t	 now = (int64_t)time(NULL);
	struct pd_ingest_event v = ev("r@d.example", PD_BOUNCE_HARD, "5.1.1",
	    "", now - 10);
	struct buf trail;
	const char *why;
	size_t	 added;

	assert_int_equal(pd_ingest_apply(f->db, &v, 1, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(pd_block_remove(f->db, "r@d.example", "alice",
	    "customer says it works", &why), 1);
	assert_int_equal(blocked(f, "r@d.example", NULL, now), 0);
	v.time = now + 10;
	assert_int_equal(pd_ingest_apply(f->db, &v, 1, NULL, &opts7, &added,
	    &why), 0);
	assert_int_equal(added, 1);
	assert_int_equal(blocked(f, "r@d.example", NULL, now + 10), 1);
	buf_init(&trail, 4096);
	if (db_read_begin(f->db, &f->txn, &why) < 0)
		fail_msg("%s", why);
	assert_int_equal(pd_block_audit_walk(f->txn, "r@d.example", audit_one,
	    &trail), 0);
	db_read_end(f->txn);
	assert_string_equal(buf_str(&trail), "add/ingest remove/alice "
	    "add/ingest ");
	buf_fini(&trail);
}

/* All or nothing: a batch with one bad event writes nothing, not even
 * the position; a good one saves it. */
static void
test_ingest_atomic(void **state)
{
	struct fixture *f = *state;
	struct pd_ingest_event v[2];
	struct pd_ingest_pos pos = {"maillog", 42, 1000};
	uint64_t ino = 0, off = 0;
	const char *why;
	size_t	 added = 99;

	v[0] = ev("good@d.example", PD_BOUNCE_HARD, "5.1.1", "", T0);
	v[1] = ev("bad address@d.example", PD_BOUNCE_HARD, "5.1.1", "", T0);
	assert_int_equal(pd_ingest_apply(f->db, v, 2, &pos, &opts7, &added,
	    &why), -1);
	assert_string_equal(why, "not a valid address or @domain");
	assert_int_equal(added, 0);
	assert_int_equal(blocked(f, "good@d.example", NULL, T0), 0);
	assert_int_equal(pd_ingest_pos_get(f->db, "maillog", &ino, &off, &why),
	    0);
	assert_int_equal(pd_ingest_apply(f->db, v, 1, &pos, &opts7, &added,
	    &why), 0);
	assert_int_equal(pd_ingest_pos_get(f->db, "maillog", &ino, &off, &why),
	    1);
	assert_int_equal(ino, 42);
	assert_int_equal(off, 1000);
	assert_int_equal(blocked(f, "good@d.example", NULL, T0), 1);
}

struct counts {
	uint64_t policy_dest, hard_sender, complaint, hard;
};

/* count_one - pd_ingest_counters callback */
static void
count_one(int kind, const char *name, uint64_t n, void *ctx)
{
	struct counts *c = ctx;

	if (kind == PD_INGEST_POLICY_DOMAIN && strcmp(name, "d.example") == 0)
		c->policy_dest += n;
	else if (kind == PD_INGEST_HARD_SENDER && strcmp(name, "s@x.example")
	    == 0)
		c->hard_sender += n;
	else if (kind == PD_INGEST_COMPLAINT && strcmp(name, "x.example") == 0)
		c->complaint += n;
	else if (kind == PD_INGEST_CLASS && strcmp(name, "hard") == 0)
		c->hard += n;
}

/* Report counters, by hour; --since leaves older hours out. */
static void
test_ingest_counters(void **state)
{
	struct fixture *f = *state;
	struct pd_ingest_event v[4];
	struct counts c;
	const char *why;

	v[0] = ev("p1@d.example", PD_BOUNCE_POLICY, "5.7.1", "s@x.example",
	    T0);
	v[1] = ev("p2@d.example", PD_BOUNCE_POLICY, "5.7.1", "s@x.example",
	    T0 - 2 * DAY);
	v[2] = ev("h@d.example", PD_BOUNCE_HARD, "5.1.1", "s@x.example", T0);
	v[3] = ev("c@d.example", PD_BOUNCE_COMPLAINT, "", "x.example", T0);
	assert_int_equal(pd_ingest_apply(f->db, v, 4, NULL, &opts7, NULL,
	    &why), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pd_ingest_counters(f->db, T0 - DAY, count_one, &c,
	    &why), 0);
	assert_int_equal(c.policy_dest, 1);
	assert_int_equal(c.hard_sender, 1);
	assert_int_equal(c.complaint, 1);
	assert_int_equal(c.hard, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pd_ingest_counters(f->db, 0, count_one, &c, &why), 0);
	assert_int_equal(c.policy_dest, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_corpus),
		cmocka_unit_test(test_log_corpus),
		cmocka_unit_test(test_log_fields),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_message_bounds),
		cmocka_unit_test_setup_teardown(test_ingest_classes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ingest_soft, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ingest_readd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ingest_atomic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ingest_counters, setup,
		    teardown),
	};

	msg_open("bounce_test", MSG_STDERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
