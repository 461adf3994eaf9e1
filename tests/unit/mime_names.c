/*
 * mime_names - print the names the MIME parser finds, one line per file
 * SYNOPSIS	tests/unit/mime_names [-1] FILE...
 * DESCRIPTION	For each FILE, one line in the format of
 *		tests/data/mime/EXPECTED, with the default limits:
 *
 *		    base.eml: name1 | name2 | [application/x-msdownload]
 *		    base.eml: -
 *		    base.eml: BOUND (MIME nesting deeper than 16 levels)
 *
 *		Names in the order the callback saw them; a leaf without a
 *		name as its [content/type]; "-" when the callback saw
 *		nothing. In a name, a backslash is written "\\"; "|", C0
 *		controls, DEL and bytes that are not UTF-8 as "\xNN"; a
 *		space at either end as "\x20"; invisible or bidirectional
 *		format characters (U+200B, U+202E, ...) as "\u{XXXX}". The
 *		file stays readable, and tests/integration/test_mime_python.py
 *		writes Python's names the same way.
 *
 *		-1 feeds the parser one byte at a time.
 *
 *		The unit test (mime_test.c) includes this file with
 *		MIME_NAMES_NO_MAIN defined, for mn_parse() and mn_escape().
 * DIAGNOSTICS	Exit 1 if a file cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mymalloc.h"

#include "mime.h"

#define MN_LINE_MAX	(1 << 20)	/* one formatted result */

/* mn_invisible - the code points written as \u{XXXX} */
static int
mn_invisible(unsigned long cp)
{
	return ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e)
	    || (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069)
	    || cp == 0x061c || cp == 0x180e || cp == 0xfeff || cp == 0x00ad);
}

/* mn_utf8 - length of a valid UTF-8 sequence at s (n bytes left), or 0 */
static size_t
mn_utf8(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t	 len, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return (0);
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return (0);
	*cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000
	    || *cp > 0x10ffff)) || (*cp >= 0xd800 && *cp <= 0xdfff))
		return (0);
	return (len);
}

/* mn_escape - one name, written as EXPECTED writes it */
static void
mn_escape(struct buf *out, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t	 n = strlen(name), i, k;
	unsigned long cp;

	for (i = 0; i < n; i += k) {
		k = 1;
		if (s[i] == '\\')
			buf_puts(out, "\\\\");
		else if (s[i] == '|' || s[i] < 0x20 || s[i] == 0x7f
		    || (s[i] == ' ' && (i == 0 || i == n - 1)))
			buf_printf(out, "\\x%02x", s[i]);
		else if (s[i] < 0x80)
			buf_putc(out, s[i]);
		else if ((k = mn_utf8(s + i, n - i, &cp)) == 0) {
			k = 1;
			buf_printf(out, "\\x%02x", s[i]);
		} else if (mn_invisible(cp))
			buf_printf(out, "\\u{%04lx}", cp);
		else
			buf_append(out, s + i, k);
	}
}

/* mn_leaf - the parser's callback: append one leaf to the result */
static int
mn_leaf(void *ctx, const struct mf_mime_leaf *leaf)
{
	struct buf *out = ctx;

	if (out->len > 0)
		buf_puts(out, " | ");
	if (leaf->name)
		mn_escape(out, leaf->name);
	else
		buf_printf(out, "[%s]", leaf->content_type);
	return (0);
}

/*
 * mn_parse - parse data, fed in the chunks chunk() chooses (NULL: all at
 * once), with lim (NULL: the defaults); the EXPECTED text into out.
 * Returns the parser's final status.
 */
static enum mf_mime_status
mn_parse(const char *data, size_t len, size_t (*chunk)(void *, size_t),
    void *arg, const struct mf_mime_limits *lim, struct buf *out)
{
	struct mf_mime *m;
	enum mf_mime_status st = MF_MIME_OK;
	size_t	 off = 0, k;

	buf_reset(out);
	m = mf_mime_create(lim, mn_leaf, out);
	while (off < len && st == MF_MIME_OK) {
		k = chunk ? chunk(arg, len - off) : len - off;
		if (k == 0 || k > len - off)
			k = len - off;
		st = mf_mime_feed(m, data + off, k);
		off += k;
	}
	if (st == MF_MIME_OK)
		st = mf_mime_finish(m);
	if (st == MF_MIME_BOUND) {
		buf_reset(out);
		buf_printf(out, "BOUND (%s)", mf_mime_error(m));
	} else if (out->len == 0)
		buf_puts(out, "-");
	mf_mime_free(m);
	return (st);
}

/* mn_read - a whole file into memory; NULL with errno set */
static char *
mn_read(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*data = NULL;
	size_t	 len = 0, size = 0, n;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	do {
		if (len == size) {
			size = size ? 2 * size : 65536;
			data = xrealloc(data, size);
		}
		n = fread(data + len, 1, size - len, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		fclose(fp);
		free(data);
		errno = EIO;
		return (NULL);
	}
	fclose(fp);
	*lenp = len;
	return (data);
}

/* mn_one_byte - a chunk() that feeds one byte at a time */
static size_t
mn_one_byte(void *arg, size_t left)
{
	(void)arg;
	(void)left;
	return (1);
}

#ifndef MIME_NAMES_NO_MAIN
int
main(int argc, char **argv)
{
	struct buf out;
	const char *base;
	char	*data;
	size_t	 len;
	int	 i = 1, ret = 0, bytewise = 0;

	if (argc > 1 && strcmp(argv[1], "-1") == 0) {
		bytewise = 1;
		i++;
	}
	buf_init(&out, MN_LINE_MAX);
	for (; i < argc; i++) {
		if ((data = mn_read(argv[i], &len)) == NULL) {
			fprintf(stderr, "mime_names: %s: %s\n", argv[i],
			    strerror(errno));
			ret = 1;
			continue;
		}
		mn_parse(data, len, bytewise ? mn_one_byte : NULL, NULL, NULL,
		    &out);
		base = strrchr(argv[i], '/');
		printf("%s: %s\n", base ? base + 1 : argv[i], buf_str(&out));
		free(data);
	}
	buf_fini(&out);
	return (ret);
}
#endif
