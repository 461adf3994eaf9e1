/*
 * mime_test - the streaming MIME parser: the corpus, every bound, bad input
 * DESCRIPTION	The corpus: every file named in tests/data/mime/EXPECTED
 *		(or $OUTPOST_MIME_CORPUS/EXPECTED) is parsed with the
 *		default limits, fed whole, one byte at a time, and in
 *		random chunks (fixed seed), and again with every LF turned
 *		into CRLF; all must give the EXPECTED line. Then rows built
 *		in memory: each bound at the bound and one over, hostile
 *		input (10 MB of header, 1,000-deep multipart, 100,000
 *		parts, NULs, binary garbage), the fields of each leaf, and
 *		the API's sticky statuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* mn_parse(), mn_escape(), mn_read(), mn_one_byte() */
#define MIME_NAMES_NO_MAIN
#include "mime_names.c"

#define MT_SEED		20250303u	/* random chunk sizes, fixed */
#define MT_BIG		(32u << 20)	/* bound of a built message */

/* mt_rand - a small LCG, so the chunks are the same everywhere */
static uint32_t
mt_rand(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return (*state >> 8);
}

/* mt_chunk - random chunk sizes, mostly small, sometimes large */
static size_t
mt_chunk(void *arg, size_t left)
{
	uint32_t r = mt_rand(arg);

	(void)left;
	switch (r % 4) {
	case 0:
		return (1 + r % 3);
	case 1:
		return (1 + r % 80);
	case 2:
		return (1 + r % 1000);
	default:
		return (1 + r % 70000);
	}
}

/* mt_crlf - every bare LF of in as CRLF, into out */
static void
mt_crlf(const char *in, size_t len, struct buf *out)
{
	size_t	 i;

	buf_reset(out);
	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			assert_int_equal(buf_putc(out, '\r'), 0);
		assert_int_equal(buf_putc(out, in[i]), 0);
	}
}

/* mt_corpus_dir - where the corpus lives */
static const char *
mt_corpus_dir(void)
{
	const char *dir = getenv("OUTPOST_MIME_CORPUS");

	return (dir && *dir ? dir : "tests/data/mime");
}

/*
 * mt_all_ways - parse data whole, a byte at a time and in random chunks;
 * the number of ways whose result differs from want (each printed).
 */
static int
mt_all_ways(const char *what, const char *data, size_t len,
    const struct mf_mime_limits *lim, const char *want, int bytewise)
{
	static const char *way[] = {"whole", "byte at a time", "random chunks"};
	struct buf got;
	uint32_t seed = MT_SEED;
	int	 i, bad = 0;

	buf_init(&got, MN_LINE_MAX);
	for (i = 0; i < 3; i++) {
		if (i == 1 && !bytewise)
			continue;
		mn_parse(data, len, i == 0 ? NULL : i == 1 ? mn_one_byte :
		    mt_chunk, &seed, lim, &got);
		if (strcmp(buf_str(&got), want) != 0) {
			print_error("%s (%s): got \"%.300s\", want \"%.300s\"\n",
			    what, way[i], buf_str(&got), want);
			bad++;
		}
	}
	buf_fini(&got);
	return (bad);
}

/* The corpus, three ways, LF and CRLF. */
static void
test_corpus(void **state)
{
	struct buf path, want, crlf;
	FILE	*fp;
	char	 line[8192], *sep, *data, *nl;
	size_t	 len = 0;
	int	 files = 0, bad = 0;

	(void)state;
	buf_init(&path, 4096);
	buf_init(&want, sizeof(line));
	buf_init(&crlf, MT_BIG);
	buf_printf(&path, "%s/EXPECTED", mt_corpus_dir());
	if ((fp = fopen(buf_str(&path), "r")) == NULL)
		fail_msg("%s: %s (run from the top of the tree, or set "
		    "OUTPOST_MIME_CORPUS)", buf_str(&path), strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		if ((sep = strstr(line, ": ")) == NULL)
			fail_msg("EXPECTED: bad line \"%s\"", line);
		*sep = 0;
		buf_set(&want, sep + 2);
		buf_reset(&path);
		buf_printf(&path, "%s/%s", mt_corpus_dir(), line);
		if ((data = mn_read(buf_str(&path), &len)) == NULL)
			fail_msg("%s: %s", buf_str(&path), strerror(errno));
		bad += mt_all_ways(line, data, len, NULL, buf_str(&want), 1);
		mt_crlf(data, len, &crlf);
		buf_reset(&path);
		buf_printf(&path, "%s as CRLF", line);
		bad += mt_all_ways(buf_str(&path), crlf.data, crlf.len, NULL,
		    buf_str(&want), 0);
		free(data);
		files++;
	}
	fclose(fp);
	buf_fini(&path);
	buf_fini(&want);
	buf_fini(&crlf);
	if (files < 40)
		fail_msg("EXPECTED: %d files, want at least 40", files);
	if (bad)
		fail_msg("%d corpus results differ (above)", bad);
	print_message("corpus: %d files, 6 ways each\n", files);
}

/* Message builders: each appends to b. */
#define MT_HDR	"From: a@example.com\nSubject: t\nMIME-Version: 1.0\n"
#define MT_EXE	"Content-Type: application/octet-stream\n" \
		"Content-Disposition: attachment; filename=\"%s\"\n" \
		"Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n"

/* mt_nest - n multiparts around one named leaf; rfc822: the innermost
 * multipart is a message/rfc822 instead */
static void
mt_nest(struct buf *b, int n, int rfc822, const char *name)
{
	int	 i;

	buf_puts(b, MT_HDR);
	for (i = 0; i < n; i++) {
		if (rfc822 && i == n - 1)
			buf_puts(b, "Content-Type: message/rfc822\n\n" MT_HDR);
		else
			buf_printf(b, "Content-Type: multipart/mixed; "
			    "boundary=\"d%d\"\n\n--d%d\n", i, i);
	}
	buf_printf(b, MT_EXE, name);
	for (i = n - 1 - rfc822; i >= 0; i--)
		buf_printf(b, "--d%d--\n", i);
}

/* mt_header - a top-level header block of exactly n counted bytes, with
 * a named part, and LF or CRLF line ends */
static void
mt_header(struct buf *b, size_t n, const char *eol)
{
	static const char ct[] =
	    "Content-Type: application/octet-stream; name=\"h.exe\"";
	size_t	 fixed = strlen("X-Pad: ") + 1 + strlen(ct) + 1, i;

	assert_true(n >= fixed);
	buf_puts(b, "X-Pad: ");
	for (i = 0; i < n - fixed; i++)
		buf_putc(b, 'p');
	buf_printf(b, "%s%s%s%s\nAAAA\n", eol, ct, eol, eol);
}

/* mt_parts - one multipart with n parts, each named p<i>.txt */
static void
mt_parts(struct buf *b, unsigned n)
{
	unsigned i;

	buf_puts(b, MT_HDR "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < n; i++)
		buf_puts(b, "--b\nContent-Type: text/plain\n\nx\n");
	buf_puts(b, "--b--\n");
}

/* mt_filename - a part whose name has n bytes: raw, RFC 2231 %xx, or
 * a uuencode begin line */
static void
mt_filename(struct buf *b, size_t n, int how)
{
	size_t	 i;

	buf_puts(b, MT_HDR "Content-Type: multipart/mixed; boundary=b\n\n--b\n");
	if (how == 0)
		buf_puts(b, "Content-Disposition: attachment; filename=\"");
	else if (how == 1)
		buf_puts(b, "Content-Disposition: attachment; "
		    "filename*=utf-8''");
	else
		buf_puts(b, "Content-Type: text/plain\n\nbegin 644 ");
	for (i = 0; i < n; i++)
		buf_puts(b, how == 1 ? "%41" : "A");
	buf_puts(b, how == 0 ? "\"\n\n" : how == 1 ? "\n\n" : "\n");
	buf_puts(b, "--b--\n");
}

/* mt_boundary - a multipart whose boundary has n bytes */
static void
mt_boundary(struct buf *b, size_t n)
{
	struct buf bd;
	size_t	 i;

	buf_init(&bd, n + 1);
	for (i = 0; i < n; i++)
		buf_putc(&bd, 'a' + (int)(i % 26));
	buf_printf(b, MT_HDR "Content-Type: multipart/mixed;\n "
	    "boundary=\"%s\"\n\n--%s\n" MT_EXE "--%s--\n", buf_str(&bd),
	    buf_str(&bd), "b.exe", buf_str(&bd));
	buf_fini(&bd);
}

/* mt_bounds - a multipart with n boundary= parameters; the parts use
 * the last, as a reader that takes the last one would */
static void
mt_bounds(struct buf *b, size_t n)
{
	size_t	 i;

	buf_puts(b, MT_HDR "Content-Type: multipart/mixed");
	for (i = 0; i < n; i++)
		buf_printf(b, ";\n boundary=\"bd%zu\"", i);
	buf_printf(b, "\n\n--bd%zu\n" MT_EXE "--bd%zu--\n", n - 1, "b.exe",
	    n - 1);
}

/* mt_repeat - n copies of the byte c after a header */
static void
mt_fill(struct buf *b, const char *head, int c, size_t n)
{
	size_t	 i;

	buf_puts(b, head);
	for (i = 0; i < n; i++)
		buf_putc(b, c);
}

/* mt_garbage - n pseudo-random bytes, fixed seed; with - boundaries
 * and headers sprinkled in, so the parser goes somewhere */
static void
mt_garbage(struct buf *b, size_t n, int sprinkle)
{
	static const char *bits[] = {"\n--g\n", "\nContent-Type: multipart/"
	    "mixed; boundary=g\n", "\n\n", "\nContent-Type: message/rfc822\n\n",
	    "\nbegin 644 x.exe\n", "\r\n--g--\r\n", "\nContent-Transfer-"
	    "Encoding: base64\n", "filename*0*=utf-8''%41;"};
	uint32_t seed = MT_SEED;
	size_t	 i;

	if (sprinkle)
		buf_puts(b, "Content-Type: multipart/mixed; boundary=g\n\n");
	for (i = 0; i < n; i++) {
		uint32_t r = mt_rand(&seed);

		if (sprinkle && r % 97 == 0)
			buf_puts(b, bits[(r >> 8) % 8]);
		else
			buf_putc(b, (int)(r & 0xff));
	}
}

/* One row: a message built in memory, limits, the expected result. */
enum mt_kind {
	MT_NEST, MT_NEST822, MT_HEADER, MT_HEADER_CRLF, MT_PARTS, MT_NAME,
	MT_NAME2231, MT_NAMEUU, MT_BOUNDARY, MT_BOUNDS, MT_NULS, MT_NULS_MP, MT_GARBAGE,
	MT_GARBAGE_MP
};

struct mt_row {
	const char *what;
	enum mt_kind kind;
	size_t	 n;
	struct mf_mime_limits lim;	/* zero: the defaults */
	const char *want;		/* the EXPECTED-style line */
	int	 bytewise;		/* also one byte at a time */
};

#define D	{0, 0, 0, 0}
#define A255	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const struct mt_row mt_rows[] = {
	/* depth: the leaf inside n multiparts is at depth n */
	{"depth 16", MT_NEST, 16, D, "n.exe", 1},
	{"depth 17", MT_NEST, 17, D,
	    "BOUND (MIME nesting deeper than 16 levels)", 1},
	{"depth 16 via rfc822", MT_NEST822, 16, D, "n.exe", 1},
	{"depth 17 via rfc822", MT_NEST822, 17, D,
	    "BOUND (MIME nesting deeper than 16 levels)", 1},
	{"depth 1000", MT_NEST, 1000, D,
	    "BOUND (MIME nesting deeper than 16 levels)", 0},
	{"depth 3, limit 3", MT_NEST, 3, {3, 65536, 1000, 255}, "n.exe", 1},
	{"depth 4, limit 3", MT_NEST, 4, {3, 65536, 1000, 255},
	    "BOUND (MIME nesting deeper than 3 levels)", 1},
	{"depth 1, limit 0", MT_NEST, 1, {0, 65536, 1000, 255},
	    "BOUND (MIME nesting deeper than 0 levels)", 1},
	/* header bytes, line ends counted as one */
	{"header 65536", MT_HEADER, 65536, D, "h.exe", 1},
	{"header 65537", MT_HEADER, 65537, D,
	    "BOUND (MIME part header larger than 65536 bytes)", 1},
	{"header 65536 CRLF", MT_HEADER_CRLF, 65536, D, "h.exe", 1},
	{"header 65537 CRLF", MT_HEADER_CRLF, 65537, D,
	    "BOUND (MIME part header larger than 65536 bytes)", 1},
	{"header 10 MB", MT_HEADER, 10u << 20, D,
	    "BOUND (MIME part header larger than 65536 bytes)", 0},
	{"header 100, limit 100", MT_HEADER, 100, {16, 100, 1000, 255},
	    "h.exe", 1},
	{"header 101, limit 100", MT_HEADER, 101, {16, 100, 1000, 255},
	    "BOUND (MIME part header larger than 100 bytes)", 1},
	/* parts: the message itself is not counted */
	{"1000 parts", MT_PARTS, 1000, D, "-", 0},
	{"1001 parts", MT_PARTS, 1001, D, "BOUND (more than 1000 MIME parts)",
	    0},
	{"100000 parts", MT_PARTS, 100000, D,
	    "BOUND (more than 1000 MIME parts)", 0},
	{"2 parts, limit 2", MT_PARTS, 2, {16, 65536, 2, 255}, "-", 1},
	{"3 parts, limit 2", MT_PARTS, 3, {16, 65536, 2, 255},
	    "BOUND (more than 2 MIME parts)", 1},
	/* file name bytes, after decoding */
	{"filename 255", MT_NAME, 255, D, A255, 1},
	{"filename 256", MT_NAME, 256, D,
	    "BOUND (attachment file name longer than 255 bytes)", 1},
	{"filename* 255 decoded", MT_NAME2231, 255, D, A255, 1},
	{"filename* 256 decoded", MT_NAME2231, 256, D,
	    "BOUND (attachment file name longer than 255 bytes)", 1},
	{"uuencode name 255", MT_NAMEUU, 255, D, A255, 1},
	{"uuencode name 256", MT_NAMEUU, 256, D,
	    "BOUND (attachment file name longer than 255 bytes)", 1},
	{"uuencode name 10000", MT_NAMEUU, 10000, D,
	    "BOUND (attachment file name longer than 255 bytes)", 1},
	{"filename 5, limit 5", MT_NAME, 5, {16, 65536, 1000, 5}, "AAAAA", 1},
	{"filename 6, limit 5", MT_NAME, 6, {16, 65536, 1000, 5},
	    "BOUND (attachment file name longer than 5 bytes)", 1},
	/* boundary length */
	{"boundary 998", MT_BOUNDARY, 998, D, "b.exe", 1},
	{"boundary 999", MT_BOUNDARY, 999, D,
	    "BOUND (MIME boundary longer than 998 bytes)", 1},
	{"boundary 1", MT_BOUNDARY, 1, D, "b.exe", 1},
	{"4 boundary= parameters", MT_BOUNDS, 4, D, "b.exe", 1},
	{"5 boundary= parameters", MT_BOUNDS, 5, D,
	    "BOUND (more than 4 boundaries for one multipart)", 1},
	/* hostile bodies: defined results, no crash */
	{"1 MB of NULs", MT_NULS, 1u << 20, D, "-", 0},
	{"1 MB of NULs in a part", MT_NULS_MP, 1u << 20, D,
	    "[application/x-msdownload]", 0},
	{"header of NULs", MT_NULS, 0, D, "-", 1},
};

/* mt_build - the message of a row */
static void
mt_build(const struct mt_row *r, struct buf *b)
{
	buf_reset(b);
	switch (r->kind) {
	case MT_NEST:
	case MT_NEST822:
		mt_nest(b, (int)r->n, r->kind == MT_NEST822, "n.exe");
		break;
	case MT_HEADER:
	case MT_HEADER_CRLF:
		mt_header(b, r->n, r->kind == MT_HEADER ? "\n" : "\r\n");
		break;
	case MT_PARTS:
		mt_parts(b, (unsigned)r->n);
		break;
	case MT_NAME:
	case MT_NAME2231:
	case MT_NAMEUU:
		mt_filename(b, r->n, r->kind - MT_NAME);
		break;
	case MT_BOUNDARY:
		mt_boundary(b, r->n);
		break;
	case MT_BOUNDS:
		mt_bounds(b, r->n);
		break;
	case MT_NULS:
		if (r->n == 0)			/* NULs where a header is */
			mt_fill(b, "", 0, 100000);
		else
			mt_fill(b, MT_HDR "\n", 0, r->n);
		break;
	case MT_NULS_MP:
		mt_fill(b, MT_HDR "Content-Type: multipart/mixed; boundary=b\n"
		    "\n--b\nContent-Type: application/x-msdownload\n\n", 0, r->n);
		buf_puts(b, "\n--b--\n");
		break;
	case MT_GARBAGE:
	case MT_GARBAGE_MP:
		mt_garbage(b, r->n, r->kind == MT_GARBAGE_MP);
		break;
	}
}

/* Every bound at the bound and one over; hostile input. */
static void
test_bounds(void **state)
{
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&b, MT_BIG);
	for (i = 0; i < sizeof(mt_rows) / sizeof(mt_rows[0]); i++) {
		const struct mt_row *r = &mt_rows[i];

		mt_build(r, &b);
		bad += mt_all_ways(r->what, b.data, b.len, r->lim.depth
		    || r->lim.header ? &r->lim : NULL, r->want, r->bytewise);
	}
	buf_fini(&b);
	if (bad)
		fail_msg("%d bound results differ (above)", bad);
}

/* Binary garbage: whatever it means, every split means the same. */
static void
test_garbage(void **state)
{
	static const struct {
		const char *what;
		enum mt_kind kind;
		size_t	 n;
	} rows[] = {
		{"1 MB of garbage", MT_GARBAGE, 1u << 20},
		{"1 MB of garbage with MIME in it", MT_GARBAGE_MP, 1u << 20},
		{"64 KB of garbage with MIME in it", MT_GARBAGE_MP, 65536},
	};
	struct mt_row r;
	struct buf b, first;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&b, MT_BIG);
	buf_init(&first, MN_LINE_MAX);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r.kind = rows[i].kind;
		r.n = rows[i].n;
		mt_build(&r, &b);
		mn_parse(b.data, b.len, NULL, NULL, NULL, &first);
		bad += mt_all_ways(rows[i].what, b.data, b.len, NULL,
		    buf_str(&first), rows[i].n <= 65536);
	}
	buf_fini(&b);
	buf_fini(&first);
	if (bad)
		fail_msg("%d garbage results depend on the split", bad);
}

/* What the callback sees of each leaf. */
struct mt_leaf {
	const char *name;		/* NULL: MF_MIME_NONE */
	enum mf_mime_source source;
	const char *ctype;
	unsigned depth, index;
};

struct mt_leaves {
	struct mt_leaf got[16];
	char	 names[16][64];
	char	 types[16][64];
	int	 n;
	int	 stop_after;		/* -1 from the callback after this many */
};

/* mt_collect - a callback that keeps what it sees */
static int
mt_collect(void *ctx, const struct mf_mime_leaf *leaf)
{
	struct mt_leaves *l = ctx;
	struct mt_leaf *g;

	if (l->n == 16)
		fail_msg("more than 16 leaves");
	g = &l->got[l->n];
	g->name = NULL;
	if (leaf->name) {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", leaf->name);
		g->name = l->names[l->n];
	}
	snprintf(l->types[l->n], sizeof(l->types[0]), "%s", leaf->content_type);
	g->ctype = l->types[l->n];
	g->source = leaf->source;
	g->depth = leaf->depth;
	g->index = leaf->index;
	l->n++;
	return (l->stop_after && l->n >= l->stop_after ? -1 : 0);
}

static const char mt_fields_msg[] =
    "Content-Type: multipart/mixed; boundary=o\n\n"
    "--o\n"						/* part 2 */
    "Content-Type: text/plain\n\nbegin 644 uu.exe\n\n"
    "--o\n"						/* part 3 */
    "Content-Type: application/pdf; name=\"n.pdf\"\n"
    "Content-Disposition: attachment; filename=\"f.pdf\"\n\n"
    "--o\n"						/* part 4 */
    "Content-Type: message/rfc822\n\n"
    "Subject: inner\n"					/* part 5 */
    "Content-Type: application/x-msdownload\n\n"
    "--o\n"						/* part 6 */
    "Content-Type: Application/X-Ms-Installer; name=\"=?utf-8?q?q.msi?=\"\n\n"
    "--o--\n";

/* Name, source, content type, depth and index of each leaf. */
static void
test_leaf_fields(void **state)
{
	static const struct mt_leaf want[] = {
		{"uu.exe", MF_MIME_UUENCODE, "text/plain", 1, 2},
		{"f.pdf", MF_MIME_DISPOSITION, "application/pdf", 1, 3},
		{"n.pdf", MF_MIME_CTYPE, "application/pdf", 1, 3},
		{NULL, MF_MIME_NONE, "application/x-msdownload", 2, 5},
		{"q.msi", MF_MIME_CTYPE, "application/x-ms-installer", 1, 6},
	};
	struct mt_leaves l;
	struct mf_mime *m;
	size_t	 i;

	(void)state;
	memset(&l, 0, sizeof(l));
	m = mf_mime_create(NULL, mt_collect, &l);
	assert_string_equal(mf_mime_error(m), "");
	assert_int_equal(mf_mime_feed(m, mt_fields_msg, strlen(mt_fields_msg)),
	    MF_MIME_OK);
	assert_int_equal(mf_mime_finish(m), MF_MIME_OK);
	mf_mime_free(m);
	if (l.n != (int)(sizeof(want) / sizeof(want[0])))
		fail_msg("leaves: got %d, want %zu", l.n,
		    sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct mt_leaf *g = &l.got[i], *w = &want[i];

		if ((g->name == NULL) != (w->name == NULL)
		    || (g->name && strcmp(g->name, w->name) != 0)
		    || g->source != w->source || strcmp(g->ctype, w->ctype) != 0
		    || g->depth != w->depth || g->index != w->index)
			fail_msg("leaf %zu: got %s/%d/%s/depth %u/index %u, want "
			    "%s/%d/%s/depth %u/index %u", i, g->name ? g->name :
			    "(none)", g->source, g->ctype, g->depth, g->index,
			    w->name ? w->name : "(none)", w->source, w->ctype,
			    w->depth, w->index);
	}
}

/* STOP and BOUND are sticky; finish is idempotent; NULL is freed. */
static void
test_api(void **state)
{
	static const char over[] = "Content-Type: multipart/mixed; boundary=b"
	    "\n\n--b\nContent-Type: multipart/mixed; boundary=c\n\n--c\n";
	struct mf_mime_limits lim;
	struct mt_leaves l;
	struct mf_mime *m;

	(void)state;
	mf_mime_limits_init(&lim);
	assert_int_equal(lim.depth, 16);
	assert_int_equal(lim.header, 65536);
	assert_int_equal(lim.parts, 1000);
	assert_int_equal(lim.filename, 255);

	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	m = mf_mime_create(&lim, mt_collect, &l);
	assert_int_equal(mf_mime_feed(m, mt_fields_msg, strlen(mt_fields_msg)),
	    MF_MIME_STOP);
	assert_int_equal(l.n, 2);
	assert_int_equal(mf_mime_feed(m, "x\n", 2), MF_MIME_STOP);
	assert_int_equal(mf_mime_finish(m), MF_MIME_STOP);
	assert_int_equal(l.n, 2);
	mf_mime_free(m);

	lim.depth = 1;
	memset(&l, 0, sizeof(l));
	m = mf_mime_create(&lim, mt_collect, &l);
	assert_int_equal(mf_mime_feed(m, over, sizeof(over) - 1),
	    MF_MIME_BOUND);
	assert_string_equal(mf_mime_error(m),
	    "MIME nesting deeper than 1 levels");
	assert_int_equal(mf_mime_feed(m, over, sizeof(over) - 1),
	    MF_MIME_BOUND);
	assert_int_equal(mf_mime_finish(m), MF_MIME_BOUND);
	assert_int_equal(mf_mime_finish(m), MF_MIME_BOUND);
	mf_mime_free(m);

	m = mf_mime_create(NULL, NULL, NULL);	/* no callback, no input */
	assert_int_equal(mf_mime_finish(m), MF_MIME_OK);
	assert_int_equal(mf_mime_feed(m, "x", 1), MF_MIME_OK);
	assert_null(mf_mime_free(m));
	assert_null(mf_mime_free(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_leaf_fields),
		cmocka_unit_test(test_api),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
