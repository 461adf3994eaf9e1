/*
 * mime_bench - MIME scanning speed on one core
 * SYNOPSIS	tests/bench/mime_bench [SECONDS]
 * DESCRIPTION	Builds four messages in memory (10 KB and 1 MB, with 0
 *		and 3 base64 attachments; the rest is a text/plain body
 *		scanned for uuencode lines), then parses each over and over
 *		for SECONDS (default 2) per message, fed in 64 KB chunks as
 *		the milter's body callback gets them, and prints MB/s and
 *		microseconds per message. Figures only: never pass or fail.
 *
 *		The attachments are not decoded (only boundaries are looked
 *		for); the text parts are. "0 attachments" is therefore the
 *		slow case: every line of it is looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

#include "mime.h"

#define MB_CHUNK	65536		/* bytes per feed */

static unsigned mb_leaves;

/* mb_leaf - count leaves, so the work cannot be skipped */
static int
mb_leaf(void *ctx, const struct mf_mime_leaf *leaf)
{
	(void)ctx;
	(void)leaf;
	mb_leaves++;
	return (0);
}

/* mb_now - monotonic seconds */
static double
mb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* mb_text - n bytes of plain text lines */
static void
mb_text(struct buf *b, size_t n)
{
	static const char line[] = "The quick brown fox jumps over the lazy "
	    "dog, and the report is attached as promised.\n";
	size_t	 start = b->len;

	while (b->len - start + sizeof(line) - 1 <= n)
		buf_puts(b, line);
	while (b->len - start < n)
		buf_putc(b, 'x');
}

/* mb_base64 - n bytes of base64 lines (76 columns) */
static void
mb_base64(struct buf *b, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t	 i = 0;

	while (i < n) {
		buf_putc(b, i % 77 == 76 ? '\n' : a[(i * 7) % 64]);
		i++;
	}
	buf_putc(b, '\n');
}

/* mb_message - about size bytes, with natt base64 attachments */
static void
mb_message(struct buf *b, size_t size, int natt)
{
	size_t	 text = natt ? size / 20 : size, each;
	int	 i;

	buf_reset(b);
	buf_puts(b, "From: Alice <alice@example.com>\nTo: bob@example.net\n"
	    "Subject: benchmark\nMIME-Version: 1.0\nMessage-ID: <b@e>\n"
	    "Content-Type: multipart/mixed; boundary=\"=_bench_0123456789\"\n"
	    "\nThis is a MIME message.\n\n--=_bench_0123456789\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n");
	mb_text(b, text);
	each = natt ? (size - b->len) / (size_t)natt : 0;
	for (i = 0; i < natt; i++) {
		buf_printf(b, "\n--=_bench_0123456789\nContent-Type: "
		    "application/pdf; name=\"file%d.pdf\"\nContent-Disposition: "
		    "attachment; filename=\"file%d.pdf\"\n"
		    "Content-Transfer-Encoding: base64\n\n", i, i);
		mb_base64(b, each > 300 ? each - 300 : 1);
	}
	buf_puts(b, "\n--=_bench_0123456789--\n");
}

/* mb_parse - one message, in MB_CHUNK feeds */
static void
mb_parse(const struct buf *b)
{
	struct mf_mime *m = mf_mime_create(NULL, mb_leaf, NULL);
	size_t	 off, k;

	for (off = 0; off < b->len; off += k) {
		k = b->len - off < MB_CHUNK ? b->len - off : MB_CHUNK;
		if (mf_mime_feed(m, b->data + off, k) != MF_MIME_OK) {
			fprintf(stderr, "mime_bench: parse failed: %s\n",
			    mf_mime_error(m));
			exit(1);
		}
	}
	if (mf_mime_finish(m) != MF_MIME_OK)
		exit(1);
	mf_mime_free(m);
}

int
main(int argc, char **argv)
{
	static const struct {
		size_t	 size;
		int	 natt;
	} rows[] = {
		{10 * 1024, 0}, {10 * 1024, 3},
		{1024 * 1024, 0}, {1024 * 1024, 3},
	};
	double	 secs = argc > 1 ? strtod(argv[1], NULL) : 2.0;
	struct buf b;
	size_t	 i;

	if (secs <= 0)
		secs = 2.0;
	buf_init(&b, 8u << 20);
	printf("%-10s %-12s %12s %12s %10s\n", "message", "attachments",
	    "MB/s", "us/message", "messages");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned long n = 0;
		double	 t0, t;

		mb_message(&b, rows[i].size, rows[i].natt);
		mb_leaves = 0;
		mb_parse(&b);			/* warm up, and check */
		if (mb_leaves != (unsigned)rows[i].natt) {
			fprintf(stderr, "mime_bench: %u leaves, want %d\n",
			    mb_leaves, rows[i].natt);
			return (1);
		}
		t0 = mb_now();
		do {
			mb_parse(&b);
			n++;
		} while ((t = mb_now() - t0) < secs);
		printf("%-10s %-12d %12.0f %12.2f %10lu\n", rows[i].size >= 1024
		    * 1024 ? "1 MB" : "10 KB", rows[i].natt,
		    (double)b.len * n / t / 1e6, t / n * 1e6, n);
	}
	buf_fini(&b);
	return (0);
}
