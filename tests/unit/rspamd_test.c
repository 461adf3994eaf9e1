/*
 * rspamd_test - Rspamd's JSON reply into a result; the message spool
 *
 * Reply rows give the JSON and what the result must hold: the action,
 * the score, the SMTP message, the symbols named in the log, and the
 * header edits in order ("-Name:index" for a removal, "+Name:index=value"
 * for an addition), or the error text for a reply that is not Rspamd's.
 * The spool is written across its threshold in every split and read
 * back at every offset.
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

#include "buf.h"
#include "mymalloc.h"
#include "rspamd.h"
#include "spool.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))

struct reply_row {
	const char *json;
	int	 ret;
	enum mf_rspamd_action action;
	double	 score;
	const char *message;
	const char *symbols;
	const char *edits;		/* ";"-joined, see above */
	const char *error;		/* ret -1: a substring of the error */
};

static const struct reply_row reply_rows[] = {
	{"{\"action\": \"no action\", \"score\": 1.5, \"required_score\": 15}",
	0, MF_RSPAMD_NO_ACTION, 1.5, "", "", "", NULL},
	{"{\"action\": \"reject\", \"score\": 15, \"messages\": "
	"{\"smtp_message\": \"Gtube pattern\"}, \"symbols\": {\"GTUBE\": "
	"{\"score\": 0}}}",
	0, MF_RSPAMD_REJECT, 15, "Gtube pattern", "GTUBE(0.00)", "", NULL},
	{"{\"action\": \"soft reject\"}", 0, MF_RSPAMD_SOFT_REJECT, 0, "", "",
	"", NULL},
	/* The message goes into an SMTP reply: printable ASCII only. */
	{"{\"action\": \"soft reject\", \"messages\": {\"smtp_message\": "
	"\"Zu viele Nachrichten \\u00fcber\\r\\nLimit\"}}",
	0, MF_RSPAMD_SOFT_REJECT, 0, "Zu viele Nachrichten ??ber??Limit", "",
	"", NULL},
	{"{\"action\": \"greylist\"}", 0, MF_RSPAMD_GREYLIST, 0, "", "", "",
	NULL},
	{"{\"action\": \"rewrite subject\"}", 0, MF_RSPAMD_REWRITE_SUBJECT, 0,
	"", "", "", NULL},
	/* The heaviest five by absolute score, heaviest first. */
	{"{\"action\": \"add header\", \"score\": 7, \"symbols\": {"
	"\"A\": {\"score\": 0.5}, \"B\": {\"score\": -3}, \"C\": {\"score\": 4},"
	"\"D\": {\"score\": 0.1}, \"E\": {\"score\": 2}, \"F\": {\"score\": 1},"
	"\"G\": {}}}",
	0, MF_RSPAMD_ADD_HEADER, 7, "", "C(4.00),B(-3.00),E(2.00),F(1.00),"
	"A(0.50)", "", NULL},
	/* Header edits: every shape Rspamd writes, removals kept in order. */
	{"{\"action\": \"no action\", \"milter\": {\"remove_headers\": "
	"{\"X-Spam\": 0, \"X-Old\": -1}, \"add_headers\": {\"X-A\": \"one\", "
	"\"X-B\": {\"value\": \"two\", \"order\": 0}, \"X-C\": [{\"value\": "
	"\"three\"}, {\"value\": \"four\", \"order\": 2}]}}}",
	0, MF_RSPAMD_NO_ACTION, 0, "", "", "-X-Spam:0;-X-Old:-1;+X-A:-1=one;"
	"+X-B:0=two;+X-C:-1=three;+X-C:2=four", NULL},
	/* The older top-level signature; CRs dropped, folding kept. */
	{"{\"action\": \"no action\", \"dkim-signature\": \"v=1; a=rsa-sha256;"
	"\\r\\n\\tb=abc\"}",
	0, MF_RSPAMD_NO_ACTION, 0, "", "", "+DKIM-Signature:0=v=1; "
	"a=rsa-sha256;\n\tb=abc", NULL},
	{"{\"action\": \"no action\", \"dkim-signature\": [\"v=1; d=a\", "
	"\"v=1; d=b\", 7]}",
	0, MF_RSPAMD_NO_ACTION, 0, "", "", "+DKIM-Signature:0=v=1; d=a;"
	"+DKIM-Signature:0=v=1; d=b", NULL},
	/* A bad header name is dropped, the rest kept. */
	{"{\"action\": \"no action\", \"milter\": {\"add_headers\": {"
	"\"Bad Name\": \"x\", \"Bad:Name\": \"x\", \"\": \"x\", \"Ok\": 5, "
	"\"Good\": \"y\"}}}",
	0, MF_RSPAMD_NO_ACTION, 0, "", "", "+Good:-1=y", NULL},
	/* Not Rspamd's reply. */
	{"", -1, 0, 0, "", "", "", "reply is not JSON"},
	{"<html>502 Bad Gateway</html>", -1, 0, 0, "", "", "",
	"reply is not JSON"},
	{"[\"action\", \"reject\"]", -1, 0, 0, "", "", "",
	"reply is not a JSON object"},
	{"{\"score\": 3}", -1, 0, 0, "", "", "", "reply has no action"},
	{"{\"action\": 7}", -1, 0, 0, "", "", "", "reply has no action"},
	{"{\"action\": \"discard\"}", -1, 0, 0, "", "", "",
	"unknown action \"discard\""},
	{"{\"action\": \"reject\"", -1, 0, 0, "", "", "", "reply is not JSON"},
};

/* edits - the result's header edits in the rows' notation */
static void
edits(const struct mf_rspamd_result *r, struct buf *out)
{
	size_t	 i;

	buf_reset(out);
	for (i = 0; i < r->nheaders; i++) {
		const struct mf_rspamd_header *h = r->headers + i;

		if (h->value)
			buf_printf(out, "%s+%s:%d=%s", i ? ";" : "", h->name,
			    h->index, h->value);
		else
			buf_printf(out, "%s-%s:%d", i ? ";" : "", h->name,
			    h->index);
	}
}

static void
test_reply(void **state)
{
	struct mf_rspamd_result r;
	struct buf got, warn;
	size_t	 i;
	int	 bad = 0, ret;

	(void)state;
	buf_init(&got, 1 << 16);
	buf_init(&warn, 1 << 16);
	for (i = 0; i < ROWS(reply_rows); i++) {
		const struct reply_row *row = reply_rows + i;

		mf_rspamd_result_init(&r);
		tu_capture_begin();
		ret = mf_rspamd_parse(row->json, strlen(row->json), &r);
		tu_capture_end(&warn);
		edits(&r, &got);
		if (ret != row->ret) {
			print_error("row %zu: returned %d, want %d (%s)\n", i,
			    ret, row->ret, buf_str(&r.error));
			bad++;
		} else if (ret < 0) {
			if (strstr(buf_str(&r.error), row->error) == NULL) {
				print_error("row %zu: error \"%s\", want "
				    "\"%s\"\n", i, buf_str(&r.error),
				    row->error);
				bad++;
			}
		} else if (r.action != row->action || r.score != row->score
		    || strcmp(buf_str(&r.message), row->message) != 0
		    || strcmp(buf_str(&r.symbols), row->symbols) != 0
		    || strcmp(buf_str(&got), row->edits) != 0) {
			print_error("row %zu: action %s score %g message \"%s\" "
			    "symbols \"%s\" edits \"%s\"\n", i,
			    mf_rspamd_action_name(r.action), r.score,
			    buf_str(&r.message), buf_str(&r.symbols),
			    buf_str(&got));
			bad++;
		}
		mf_rspamd_result_fini(&r);
	}
	buf_fini(&got);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d rows failed", bad);
}

/* Bounds: header edits, one value, and the SMTP message quoted. */
static void
test_reply_bounds(void **state)
{
	struct mf_rspamd_result r;
	struct buf json, warn;
	int	 i, j;

	(void)state;
	buf_init(&json, 1 << 20);
	buf_init(&warn, 1 << 16);

	/* 64 edits are taken, the 65th is logged and dropped. */
	buf_puts(&json, "{\"action\": \"no action\", \"milter\": "
	    "{\"add_headers\": {");
	for (i = 0; i < 65; i++)
		buf_printf(&json, "%s\"X-H%d\": \"v\"", i ? ", " : "", i);
	buf_puts(&json, "}}}");
	mf_rspamd_result_init(&r);
	tu_capture_begin();
	assert_int_equal(mf_rspamd_parse(json.data, json.len, &r), 0);
	tu_capture_end(&warn);
	assert_int_equal(r.nheaders, 64);
	assert_string_equal(r.headers[63].name, "X-H63");
	assert_non_null(strstr(buf_str(&warn), "more than 64 header edits"));
	mf_rspamd_result_fini(&r);

	/* A value of 16384 bytes is added; one more byte and it is not. */
	for (i = 16384; i <= 16385; i++) {
		buf_reset(&json);
		buf_puts(&json, "{\"action\": \"no action\", \"milter\": "
		    "{\"add_headers\": {\"X-Big\": \"");
		for (j = 0; j < i; j++)
			buf_putc(&json, 'a');
		buf_puts(&json, "\"}}}");
		mf_rspamd_result_init(&r);
		tu_capture_begin();
		assert_int_equal(mf_rspamd_parse(json.data, json.len, &r), 0);
		tu_capture_end(&warn);
		assert_int_equal(r.nheaders, i == 16384 ? 1 : 0);
		if (i == 16384)
			assert_int_equal(strlen(r.headers[0].value), 16384);
		else
			assert_non_null(strstr(buf_str(&warn),
			    "longer than 16384 bytes"));
		mf_rspamd_result_fini(&r);
	}

	/* Rspamd's SMTP message is quoted up to 200 bytes. */
	buf_reset(&json);
	buf_puts(&json, "{\"action\": \"reject\", \"messages\": "
	    "{\"smtp_message\": \"");
	for (i = 0; i < 300; i++)
		buf_putc(&json, 'm');
	buf_puts(&json, "\"}}");
	mf_rspamd_result_init(&r);
	assert_int_equal(mf_rspamd_parse(json.data, json.len, &r), 0);
	assert_int_equal(r.message.len, 200);
	mf_rspamd_result_fini(&r);
	buf_fini(&json);
	buf_fini(&warn);
}

/* The spool: every split of a write across the threshold, read back. */
static void
test_spool(void **state)
{
	char	 data[5000], back[5000], dir[] = "/tmp/spool_test.XXXXXX";
	struct mf_spool s;
	size_t	 cut, off;
	ssize_t	 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (off = 0; off < sizeof(data); off++)
		data[off] = (char)(off * 7 + 3);
	for (cut = 0; cut <= sizeof(data); cut += 250) {
		mf_spool_init(&s, 1000, sizeof(data), dir);
		assert_int_equal(mf_spool_write(&s, data, cut), 0);
		assert_int_equal(s.fd >= 0, cut > 1000);
		assert_int_equal(mf_spool_write(&s, data + cut,
		    sizeof(data) - cut), 0);
		assert_true(s.fd >= 0);
		assert_int_equal(s.size, sizeof(data));
		for (off = 0; off < sizeof(data); off += 333) {
			n = mf_spool_read(&s, (off_t)off, back, sizeof(back));
			assert_int_equal(n, sizeof(data) - off);
			assert_memory_equal(back, data + off, (size_t)n);
		}
		assert_int_equal(mf_spool_read(&s, sizeof(data), back, 10), 0);
		/* At max: one byte more is refused and remembered. */
		assert_int_equal(mf_spool_write(&s, "x", 1), -1);
		assert_true(s.over);
		mf_spool_fini(&s);
	}
	/* Exactly the threshold stays in memory. */
	mf_spool_init(&s, 1000, 2000, dir);
	assert_int_equal(mf_spool_write(&s, data, 1000), 0);
	assert_int_equal(s.fd, -1);
	assert_int_equal(mf_spool_write(&s, data, 1), 0);
	assert_true(s.fd >= 0);
	mf_spool_fini(&s);
	/* A directory that is not there: the error, no crash. */
	mf_spool_init(&s, 10, 2000, "/nonexistent/spool");
	assert_int_equal(mf_spool_write(&s, data, 11), -1);
	assert_int_not_equal(s.error, 0);
	assert_int_equal(mf_spool_write(&s, data, 1), -1);
	mf_spool_fini(&s);
	/* Nothing left behind: the files had no name. */
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_bounds),
		cmocka_unit_test(test_spool),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
