/*
 * mime_parse - libFuzzer entry for the streaming MIME parser
 * SYNOPSIS	clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *		    -Icommon -Imilter tests/fuzz/mime_parse.c milter/mime.c \
 *		    milter/codec.c common/buf.c common/mymalloc.c \
 *		    common/msg.c -o tests/fuzz/mime_parse
 *		tests/fuzz/mime_parse -max_total_time=120 CORPUS_DIR \
 *		    tests/data/mime
 * DESCRIPTION	Each input is parsed twice: fed whole, then in pieces whose
 *		sizes come from the input itself. Besides what the
 *		sanitizers catch, the two parses must agree on the status,
 *		the error text and every leaf the callback saw (a split
 *		that changes the answer would be an evasion). Small limits
 *		are used for one input in four, so the fuzzer reaches the
 *		bounds without megabyte inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#include "mime.h"

#define FZ_OUT_MAX	(1 << 20)

/* fz_leaf - record one leaf: every field, so that splits compare */
static int
fz_leaf(void *ctx, const struct mf_mime_leaf *leaf)
{
	struct buf *out = ctx;

	if (leaf->name && strlen(leaf->name) == 0)
		abort();			/* empty names are no names */
	if (leaf->content_type == NULL || *leaf->content_type == 0)
		abort();
	(void)buf_printf(out, "%d/%u/%u/%s/%s|", (int)leaf->source,
	    leaf->depth, leaf->index, leaf->content_type,
	    leaf->name ? leaf->name : "-");
	return (0);
}

/* fz_parse - one parse; split != 0 feeds pieces sized by the data */
static void
fz_parse(const uint8_t *data, size_t size, const struct mf_mime_limits *lim,
    int split, struct buf *out)
{
	struct mf_mime *m = mf_mime_create(lim, fz_leaf, out);
	enum mf_mime_status st = MF_MIME_OK;
	size_t	 off = 0, k, i = 0;

	while (off < size && st == MF_MIME_OK) {
		k = size - off;
		if (split) {			/* 1 .. 64, from the input */
			k = 1 + (data[i++ % size] & 63);
			if (k > size - off)
				k = size - off;
		}
		st = mf_mime_feed(m, (const char *)data + off, k);
		off += k;
	}
	if (st == MF_MIME_OK)
		st = mf_mime_finish(m);
	(void)buf_printf(out, "status %d %s", (int)st, mf_mime_error(m));
	if (st == MF_MIME_BOUND && *mf_mime_error(m) == 0)
		abort();			/* a bound must say which */
	mf_mime_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mf_mime_limits lim, *limp = NULL;
	struct buf whole, split;

	if (size > 0 && (data[0] & 3) == 0) {	/* small limits */
		lim.depth = data[0] >> 5;
		lim.header = 64 + (data[0] & 0x1c) * 8;
		lim.parts = 2 + (data[0] >> 4);
		lim.filename = 8 + (data[0] >> 3);
		limp = &lim;
	}
	buf_init(&whole, FZ_OUT_MAX);
	buf_init(&split, FZ_OUT_MAX);
	fz_parse(data, size, limp, 0, &whole);
	fz_parse(data, size, limp, 1, &split);
	if (whole.len != split.len
	    || memcmp(buf_str(&whole), buf_str(&split), whole.len) != 0) {
		fprintf(stderr, "whole: %.2000s\nsplit: %.2000s\n",
		    buf_str(&whole), buf_str(&split));
		abort();
	}
	buf_fini(&whole);
	buf_fini(&split);
	return (0);
}
