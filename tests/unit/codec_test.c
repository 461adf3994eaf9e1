/*
 * codec_test - RFC 2047 words, RFC 2231 parameters, streaming base64/QP
 *
 * Header rows give the input, out's bound (and what out held before),
 * and the result and text wanted; a -1 row also checks that out was left
 * as it was. Streaming rows are fed whole, split at every position, and
 * one byte at a time: every way must give the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "codec.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)
#define BIN(s)	s, sizeof(s) - 1		/* bytes that may hold NUL */
#define BIG	4096		/* out bound when not the point */

/* show - bytes for a failure message: non-printables as \xNN */
static const char *
show(char *out, size_t size, const char *s, size_t len)
{
	size_t	 i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= ' ' && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = 0;
	return (out);
}

/* mf_rfc2047_decode: charsets, joining, malformed words, bounds. */
static void
test_rfc2047(void **state)
{
	static const struct {
		const char *in;
		size_t	 max;		/* 0: BIG */
		const char *before;	/* already in out */
		int	 want;
		const char *out;	/* all of out after the call */
	} rows[] = {
		{"=?utf-8?q?caf=C3=A9?=", 0, "", 0, "café"},
		{"=?ISO-8859-1?Q?Andr=E9?= Pirard", 0, "", 0, "André Pirard"},
		{"=?iso-8859-1?b?QW5kcuk=?=", 0, "", 0, "André"},  /* ?b? */
		{"=?windows-1252?Q?=80_5?=", 0, "", 0, "€ 5"},	   /* _ is SP */
		{"=?koi8-r?b?8NLJ18XU?=", 0, "", 0, "Привет"},
		{"=?iso-2022-jp?b?GyRCJUYlOSVIGyhC?=", 0, "", 0, "テスト"},
		{"=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", 0, "", 0, "éé"},
		/* folded */
		{"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", 0, "", 0, "ab"},
		{"=?utf-8?q?a?= b =?utf-8?q?c?=", 0, "", 0, "a b c"},
		{"=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", 0, "", 0, "€"}, /* split
								   * char */
		{"=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", 0, "", 0, "aé"},
		/* inside a word */
		{"x=?utf-8?q?=2Eexe?=", 0, "", 0, "x.exe"},
		/* RFC 2231 lang */
		{"=?utf-8*en?q?hi?=", 0, "", 0, "hi"},
		{"=?utf-8?q?ceo=40bank.example?=", 0, "", 0,
		    "ceo@bank.example"},
		/* empty word; ?\? not a trigraph */
		{"=?utf-8?b?QQ?=", 0, "", 0, "A"},		/* no padding */
		{"=?utf-8?q?\?=", 0, "", 0, ""},
		{"", 0, "", 0, ""},
		{"no words here", 0, "", 0, "no words here"},
		{"=?utf-8?x?abc?=", 0, "", 0, "=?utf-8?x?abc?="}, /* no word */
		{"=?utf-8?q?a b?=", 0, "", 0, "=?utf-8?q?a b?="}, /* no word */
		{"=?utf-8?q?abc", 0, "", 0, "=?utf-8?q?abc"},	/* unclosed */
		{"=?x-unknown?q?abc?= def", 0, "", 1,
		    "=?x-unknown?q?abc?= def"},
		{"=?x-unknown?q?a?= =?utf-8?q?b?=", 0, "", 1,
		    "=?x-unknown?q?a?= b"},
		{"=?utf-8//TRANSLIT?q?a?=", 0, "", 1,
		    "=?utf-8//TRANSLIT?q?a?="},
		/* bad b64 */
		{"=?utf-8?b?!!!!?=", 0, "", 1, "=?utf-8?b?!!!!?="},
		{"=?utf-8?b?QUJD=QQ?=", 0, "", 1, "=?utf-8?b?QUJD=QQ?="},
		{"=?utf-8?b?Q?=", 0, "", 1, "=?utf-8?b?Q?="},	/* 6 bits */
		/* not UTF-8 */
		{"=?utf-8?q?a=4?=", 0, "", 1, "=?utf-8?q?a=4?="},  /* bad Q */
		{"=?utf-8?q?=FF?=", 0, "", 1, "=?utf-8?q?=FF?="},
		{"=?utf-8?q?a?= =?utf-8?b?!!?= =?utf-8?q?c?=", 0, "", 1,
		    "a =?utf-8?b?!!?= c"},
		{"=?utf-8?q?caf=C3=A9?=", 5, "", 0, "café"},	/* at max */
		{"=?utf-8?q?caf=C3=A9?=", 4, "", -1, ""},	/* over max */
		{"=?utf-8?q?caf=C3=A9?=", 7, "ab", 0, "abcafé"},  /* at max */
		/* verbatim over */
		{"=?utf-8?q?caf=C3=A9?=", 6, "ab", -1, "ab"},	/* unchanged */
		{"abc =?x-unknown?q?a?=", 10, "", -1, ""},
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		char	 s1[512];
		int	 got;

		buf_init(&b, rows[i].max ? rows[i].max : BIG);
		if (buf_puts(&b, rows[i].before) < 0)
			BAD("row %zu: setup failed", i);
		got = mf_rfc2047_decode(rows[i].in, strlen(rows[i].in), &b);
		if (got != rows[i].want || strcmp(buf_str(&b), rows[i].out) != 0
		    || b.len != strlen(rows[i].out))
			BAD("mf_rfc2047_decode(\"%s\", max %zu): got "
			    "%d/\"%s\", want %d/\"%s\"", rows[i].in,
			    rows[i].max, got, show(s1, sizeof(s1),
			    buf_str(&b), b.len), rows[i].want, rows[i].out);
		buf_fini(&b);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* A NUL from Q "=00" is a byte of the result, not its end. */
static void
test_rfc2047_nul(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, BIG);
	assert_int_equal(mf_rfc2047_decode("=?utf-8?q?a=00b?=", 17, &b), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 3);
	buf_fini(&b);
}

/* mf_rfc2231_param: syntax traps, charsets, continuations, bounds. */
static void
test_rfc2231(void **state)
{
	static const struct {
		const char *value, *name;
		size_t	 max;		/* 0: BIG */
		int	 want;
		const char *out;
	} rows[] = {
		{"attachment; filename=\"report.pdf\"", "filename", 0, 1,
		    "report.pdf"},
		{"attachment; filename=report.pdf", "filename", 0, 1,
		    "report.pdf"},				/* token */
		{"attachment; FileName=\"a.pdf\"", "filename", 0, 1, "a.pdf"},
		{"text/plain; charset=us-ascii; name=a.txt", "NAME", 0, 1,
		    "a.txt"},
		/* no type */
		{"filename=first.pdf", "filename", 0, 1, "first.pdf"},
		{"attachment; xfilename=evil.exe; filename=ok.pdf", "filename",
		    0, 1, "ok.pdf"},				/* suffix */
		{"attachment; xfilename=evil.exe", "filename", 0, 0, ""},
		{"text/plain; filename=a.exe", "name", 0, 0, ""},  /* prefix */
		{"attachment; x=\"a; filename=evil.exe\"", "filename", 0, 0,
		    ""},
		{"attachment; x=\"a; filename=evil.exe\"; filename=ok.pdf",
		    "filename", 0, 1, "ok.pdf"},		/* in quotes */
		{"attachment (filename=evil.exe); filename=ok.pdf", "filename",
		    0, 1, "ok.pdf"},				/* in comment */
		{"attachment; (a (nested) comment) filename = (c) \"ok.pdf\" "
		    "(c2)", "filename", 0, 1, "ok.pdf"},
		{"attachment; filename=\"a\\\"b\\\\c.pdf\"", "filename", 0, 1,
		    "a\"b\\c.pdf"},				/* escapes */
		{"attachment;\r\n filename=\"a\r\n b.pdf\"", "filename", 0, 1,
		    "a b.pdf"},					/* folded */
		{"attachment; filename=\"\"", "filename", 0, 1, ""},
		{"text/plain; name=foo bar.exe ; x=y", "name", 0, 1,
		    "foo bar.exe"},			/* token with a space */
		{"attachment; filename*=utf-8''%E2%82%AC.pdf", "filename", 0, 1,
		    "€.pdf"},
		{"attachment; filename*=iso-8859-1'fr'caf%E9.pdf", "filename",
		    0, 1, "café.pdf"},
		{"attachment; filename*=windows-1252''%80.txt", "filename",
		    0, 1, "€.txt"},
		{"attachment; filename*=x-unknown''a%E9.exe", "filename", 0, 1,
		    "a\xef\xbf\xbd.exe"},		/* unknown: U+FFFD */
		{"attachment; filename*=''%41.pdf", "filename", 0, 1, "A.pdf"},
		{"text/plain; name*=\"utf-8''a%20b.txt\"", "name", 0, 1,
		    "a b.txt"},				/* quoted, extended */
		{"attachment; filename*0=\"inv\"; filename*1=\"oice.pdf\"",
		    "filename", 0, 1, "invoice.pdf"},
		{"attachment; filename*0*=utf-8''%E2%82%AC; filename*1*=%2Eexe",
		    "filename", 0, 1, "€.exe"},
		/* out of order */
		{"attachment; filename*1*=%2Eexe; filename*0*=iso-8859-1'en'"
		    "caf%E9; filename*2=\".txt\"", "filename", 0, 1,
		    "café.exe.txt"},
		/* 1 missing */
		{"attachment; filename*0=\"a\"; filename*2=\".exe\"",
		    "filename", 0, 1, "a.exe"},
		/* bound */
		{"attachment; filename*63=x", "filename", 0, 1, "x"},
		{"attachment; filename*64=x", "filename", 0, -1, ""}, /* over */
		{"attachment; filename*0=x; filename*00=y", "filename", 0, -1,
		    ""},					/* twice */
		{"attachment; filename=\"a.pdf\"; filename*=utf-8''b.exe",
		    "filename", 0, 1, "b.exe"},			/* 2231 first */
		/* 2047 in 2231 */
		{"attachment; filename=\"=?utf-8?q?na=C3=AFve.pdf?=\"",
		    "filename", 0, 1, "naïve.pdf"},
		{"attachment; filename==?utf-8?b?ZXZpbC5leGU=?=", "filename", 0,
		    1, "evil.exe"},				/* unquoted */
		{"attachment; filename=\"abc", "filename", 0, -1, ""},
		{"attachment; x=\"abc; filename=ok.pdf", "filename", 0, -1, ""},
		{"attachment (abc; filename=ok.pdf", "filename", 0, -1, ""},
		{"attachment; filename=\"a.pdf\"x.exe", "filename", 0, -1, ""},
		{"attachment; x=\"1\"junk; filename=ok.pdf", "filename", 0, 1,
		    "ok.pdf"},			/* junk, but not in ours */
		{"attachment; filename=\"12345678\"", "filename", 8, 1,
		    "12345678"},				/* at max */
		{"attachment; filename=\"12345678\"", "filename", 7, -1, ""},
		{"attachment; filename*=utf-8''%E2%82%AC", "filename", 3, 1,
		    "€"},					/* at max */
		{"attachment; filename*=utf-8''%E2%82%AC", "filename", 2, -1,
		    ""},					/* over */
		{"attachment", "filename", 0, 0, ""},
		{"", "filename", 0, 0, ""},
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		char	 s1[512];
		int	 got;

		buf_init(&b, rows[i].max ? rows[i].max : BIG);
		got = mf_rfc2231_param(rows[i].value, rows[i].name, &b);
		if (got != rows[i].want
		    || strcmp(buf_str(&b), rows[i].out) != 0)
			BAD("mf_rfc2231_param(\"%s\", \"%s\", max %zu): got "
			    "%d/\"%s\", want %d/\"%s\"", rows[i].value,
			    rows[i].name, rows[i].max, got, show(s1, sizeof(s1),
			    buf_str(&b), b.len), rows[i].want, rows[i].out);
		buf_fini(&b);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* mf_rfc2231_param_n: every reading, in order. */
static void
test_rfc2231_readings(void **state)
{
	static const struct {
		const char *value;
		int	 n;
		int	 want;
		const char *out;
	} rows[] = {
#define BOTH	"attachment; filename=\"a.exe\"; filename*=utf-8''a.pdf"
		{BOTH, 0, 1, "a.pdf"},
		/* what a 2231-blind reader sees */
		{BOTH, 1, 1, "a.exe"},
		{BOTH, 2, 0, ""},
		{BOTH, -1, 0, ""},
#define TWICE	"attachment; filename=one.pdf; filename=two.exe"
		{TWICE, 0, 1, "one.pdf"},
		{TWICE, 1, 1, "two.exe"},
#define ALL	"attachment; filename*0=x; filename*1=.exe; " \
		"filename*=utf-8''y.pdf; filename=z.doc"
		{ALL, 0, 1, "x.exe"},
		{ALL, 1, 1, "y.pdf"},
		{ALL, 2, 1, "z.doc"},
		{ALL, 3, 0, ""},
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		buf_init(&b, BIG);
		got = mf_rfc2231_param_n(rows[i].value, "filename", rows[i].n,
		    &b);
		if (got != rows[i].want
		    || strcmp(buf_str(&b), rows[i].out) != 0)
			BAD("mf_rfc2231_param_n(\"%s\", %d): got %d/\"%s\", "
			    "want %d/\"%s\"", rows[i].value, rows[i].n, got,
			    buf_str(&b), rows[i].want, rows[i].out);
		buf_fini(&b);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* A streaming row: input, output, out's bound, and the result wanted. */
struct stream_row {
	const char *in;
	size_t	 inlen;
	const char *out;
	size_t	 outlen;
	size_t	 max;			/* 0: BIG */
	int	 want;
};

/* One way to feed a decoder: pieces of the input, in order. */
typedef int (*stream_fn)(const char *, size_t, const size_t *, size_t,
		    struct buf *);

/* b64_feed, qp_feed - decode the pieces; -1 when a call said so */
static int
b64_feed(const char *in, size_t len, const size_t *cuts, size_t ncuts,
    struct buf *out)
{
	struct mf_b64 st;
	size_t	 i, at = 0;
	int	 ret = 0;

	mf_b64_init(&st);
	for (i = 0; i <= ncuts; i++) {
		size_t	 end = i < ncuts ? cuts[i] : len;

		if (mf_b64_decode(&st, in + at, end - at, out) < 0)
			ret = -1;
		at = end;
	}
	return (ret);
}

static int
qp_feed(const char *in, size_t len, const size_t *cuts, size_t ncuts,
    struct buf *out)
{
	struct mf_qp st;
	size_t	 i, at = 0;
	int	 ret = 0;

	mf_qp_init(&st);
	for (i = 0; i <= ncuts; i++) {
		size_t	 end = i < ncuts ? cuts[i] : len;

		if (mf_qp_decode(&st, in + at, end - at, out) < 0)
			ret = -1;
		at = end;
	}
	if (mf_qp_finish(&st, out) < 0)
		ret = -1;
	return (ret);
}

/* stream_check - one row fed whole, split at each position, and byte by
 * byte; the number of ways that went wrong */
static int
stream_check(const char *what, stream_fn feed, const struct stream_row *r)
{
	size_t	 cut, k, cuts[8192];
	int	 bad = 0;

	assert_true(r->inlen < ROWS(cuts));
	/* cut == inlen + 1 stands for "one byte at a time" */
	for (cut = 0; cut <= r->inlen + 1; cut++) {
		struct buf b;
		char	 s1[1024], s2[1024], s3[1024];
		size_t	 ncuts = 1;
		int	 got;

		if (cut <= r->inlen) {
			cuts[0] = cut;
		} else {
			for (k = 0; k + 1 < r->inlen; k++)
				cuts[k] = k + 1;
			ncuts = r->inlen ? r->inlen - 1 : 0;
		}
		buf_init(&b, r->max ? r->max : BIG);
		got = feed(r->in, r->inlen, cuts, ncuts, &b);
		if ((got != r->want || b.len != r->outlen
		    || (b.len && memcmp(b.data, r->out, b.len) != 0))
		    && bad++ < 3) {		/* one row, three messages */
			print_error("%s(\"%.200s\" %s): got %d/\"%.200s\", "
			    "want %d/\"%.200s\"\n", what,
			    show(s1, sizeof(s1), r->in, r->inlen),
			    cut <= r->inlen ? "split" : "byte by byte", got,
			    show(s2, sizeof(s2), buf_str(&b), b.len), r->want,
			    show(s3, sizeof(s3), r->out, r->outlen));
			if (cut <= r->inlen)
				print_error("  (split at %zu)\n", cut);
		}
		buf_fini(&b);
	}
	return (bad);
}

/* mf_b64_decode: white space and junk skipped, padding, bounds. */
static void
test_b64(void **state)
{
	static const struct stream_row rows[] = {
		{BIN("aGVsbG8gd29ybGQ="), BIN("hello world"), 0, 0},
		{BIN("aGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n"), BIN("hello world"), 0,
		    0},					/* line breaks */
		{BIN("Zm9vYmFy"), BIN("foobar"), 0, 0},
		/* padding ends a quantum */
		{BIN("Zm9v!!Ym\tFy"), BIN("foobar"), 0, 0},	/* junk */
		{BIN("QQ==QQ=="), BIN("AA"), 0, 0},
		{BIN("QUI="), BIN("AB"), 0, 0},
		{BIN("QUJD"), BIN("ABC"), 0, 0},
		{BIN("/+/+"), BIN("\xff\xef\xfe"), 0, 0},
		{BIN("AAEC"), BIN("\x00\x01\x02"), 0, 0},	/* NUL bytes */
		{BIN("Q"), BIN(""), 0, 0},		/* 6 bits: no byte */
		{BIN(""), BIN(""), 0, 0},
		/* at max */
		{BIN("aGVsbG8gd29ybGQ="), BIN("hello world"), 11, 0},
		{BIN("aGVsbG8gd29ybGQ="), BIN("hello"), 5, -1},	/* over */
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++)
		bad += stream_check("mf_b64_decode", b64_feed, &rows[i]);
	if (bad)
		fail_msg("%d splits failed", bad);
}

/* mf_qp_decode: soft breaks, escapes, "=" as written, bounds. */
static void
test_qp(void **state)
{
	static const struct stream_row rows[] = {
		{BIN("caf=C3=A9"), BIN("café"), 0, 0},
		{BIN("caf=c3=a9"), BIN("café"), 0, 0},	/* lower case hex */
		{BIN("soft=\r\nbreak"), BIN("softbreak"), 0, 0},
		{BIN("soft=\nbreak"), BIN("softbreak"), 0, 0},
		{BIN("x=\r y"), BIN("x y"), 0, 0},		/* bare CR */
		{BIN("a=3Db"), BIN("a=b"), 0, 0},
		{BIN("line\r\nnext\r\n"), BIN("line\r\nnext\r\n"), 0, 0},
		{BIN("a=Zb"), BIN("a=Zb"), 0, 0},		/* not hex */
		{BIN("a=4Zb"), BIN("a=4Zb"), 0, 0},
		{BIN("==41"), BIN("=A"), 0, 0},
		{BIN("a="), BIN("a="), 0, 0},			/* at the end */
		{BIN("a=4"), BIN("a=4"), 0, 0},
		{BIN("a=\r"), BIN("a"), 0, 0},
		{BIN("=00="), BIN("\x00="), 0, 0},
		{BIN(""), BIN(""), 0, 0},
		{BIN("abcdef"), BIN("abcdef"), 6, 0},		/* at max */
		{BIN("abcdef"), BIN("abc"), 3, -1},		/* over */
		{BIN("ab=3D=3D"), BIN("ab="), 3, -1},
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++)
		bad += stream_check("mf_qp_decode", qp_feed, &rows[i]);
	if (bad)
		fail_msg("%d splits failed", bad);
}

/* Longer than the decoders' output step: every byte value, encoded. */
static void
test_stream_long(void **state)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static char raw[1500], b64[2100], qp[4800];
	struct stream_row r;
	size_t	 i, n = 0, q = 0;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (char)(i * 7 + i / 256);
	for (i = 0; i < sizeof(raw); i += 3) {
		unsigned v = (unsigned char)raw[i] << 16
		    | (unsigned char)raw[i + 1] << 8
		    | (unsigned char)raw[i + 2];

		b64[n++] = alpha[v >> 18];
		b64[n++] = alpha[(v >> 12) & 63];
		b64[n++] = alpha[(v >> 6) & 63];
		b64[n++] = alpha[v & 63];
		if (i % 57 == 54) {
			b64[n++] = '\r';
			b64[n++] = '\n';
		}
	}
	for (i = 0; i < sizeof(raw); i++) {
		q += (size_t)snprintf(qp + q, sizeof(qp) - q, "=%02X",
		    (unsigned char)raw[i]);
		if (i % 25 == 24)
			q += (size_t)snprintf(qp + q, sizeof(qp) - q, "=\r\n");
	}
	r = (struct stream_row){ b64, n, raw, sizeof(raw), 0, 0 };
	bad += stream_check("mf_b64_decode", b64_feed, &r);
	r = (struct stream_row){ qp, q, raw, sizeof(raw), 0, 0 };
	bad += stream_check("mf_qp_decode", qp_feed, &r);
	r = (struct stream_row){ b64, n, raw, 1000, 1000, -1 };	/* over */
	bad += stream_check("mf_b64_decode", b64_feed, &r);
	if (bad)
		fail_msg("%d splits failed", bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_rfc2047_nul),
		cmocka_unit_test(test_rfc2231),
		cmocka_unit_test(test_rfc2231_readings),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_stream_long),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
