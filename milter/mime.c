/*
 * mime - streaming MIME parser that reports every named leaf
 * SYNOPSIS	m = mf_mime_create(&limits, leaf_cb, ctx);
 *		while (...) st = mf_mime_feed(m, data, len);
 *		st = mf_mime_finish(m); m = mf_mime_free(m);
 * DESCRIPTION	One pass over the message (header and body) as it streams
 *		in, split anywhere, with LF or CRLF line ends. A state
 *		machine over lines: a part's header block, then its body,
 *		which is skipped (preamble, epilogue, non-text leaves: only
 *		boundary lines matter), scanned for uuencode "begin" lines
 *		(text leaves, decoded from base64 or quoted-printable), or
 *		decoded into a child parser (a multipart or message/rfc822
 *		part sent with a base64 or quoted-printable body).
 *
 *		Lines are looked at from their start: a line that does not
 *		end within MF_MIME_LINE_MAX bytes is handed on in pieces,
 *		and boundaries are only recognised at line starts. Bodies
 *		that are skipped are not copied: memchr() finds the next
 *		line that starts with "-".
 *
 *		Boundaries (RFC 2046): a line "--" boundary, optionally
 *		"--" (close), then white space. A line that is exactly the
 *		delimiter of some open multipart wins, innermost first;
 *		else a line that starts with one counts, innermost first,
 *		as in Postfix's mime_state.c. A delimiter of an outer
 *		multipart closes the inner ones (missing inner close).
 *
 *		Headers: names case-insensitive, continuation lines
 *		unfolded, raw NUL bytes read as DEL. Every Content-Type
 *		and Content-Disposition header gives names; see mime.h for
 *		duplicates. No Content-Type means text/plain (message/rfc822
 *		in multipart/digest); a malformed one means text/plain, as
 *		RFC 2045 and Python say. Content-Length is ignored.
 * DIAGNOSTICS	Input beyond a bound: MF_MIME_BOUND, the text from
 *		mf_mime_error(). Nothing is logged here; the caller knows
 *		the queue ID and the consequence.
 * LIMITS	struct mf_mime_limits; MF_MIME_LINE_MAX, MF_MIME_BOUNDARY_MAX.
 *		Memory per parser is about MF_MIME_LINE_MAX plus a few
 *		times the header bound, per nesting level of encoded
 *		multiparts (rare).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mymalloc.h"

#include "codec.h"
#include "mime.h"

enum mime_state {
	MIME_HEADER,			/* a part's header block */
	MIME_SKIP,			/* boundary lines only */
	MIME_TEXT,			/* text leaf: uuencode begin lines */
	MIME_NESTED			/* encoded body into a child parser */
};

/* Transfer encodings, as a set: duplicated headers may name several. */
#define ENC_IDENT	1		/* 7bit, 8bit, binary, unknown */
#define ENC_B64		2
#define ENC_QP		4
#define ENC_UU		8		/* x-uuencode: scan any leaf */

/* Content-Type classes: what the body holds. */
enum mime_class {
	CLASS_LEAF,
	CLASS_OPAQUE,			/* multipart without a boundary */
	CLASS_MULTIPART,
	CLASS_MESSAGE			/* message/rfc822, message/global */
};

#define PIECE_FIRST	1		/* the piece starts a line */
#define PIECE_LAST	2		/* the piece ends a line */

#define MIME_LEVEL_BOUNDS 4		/* boundaries of one multipart */
#define MIME_DEDUPE_MAX	65536		/* bytes of names kept to dedupe */
#define MIME_SLICE	3072		/* raw bytes decoded at a time */

struct mime_level {			/* one open multipart */
	char	*bound[MIME_LEVEL_BOUNDS];
	size_t	 blen[MIME_LEVEL_BOUNDS];
	int	 nbound;
	unsigned child_depth;
	int	 digest;		/* parts default to message/rfc822 */
};

struct mime_sniff {			/* line starts of decoded text */
	char	*line;			/* cap bytes, or NULL */
	size_t	 len;
	int	 bol;
};

struct mf_mime {
	struct mf_mime_limits lim;
	mf_mime_cb cb;
	void	*ctx;
	struct mf_mime *root;		/* owns the part counter */
	unsigned nparts;		/* root: parts counted */
	unsigned nindex;		/* root: last index given */
	enum mf_mime_status status;
	int	 finished;
	struct buf error;

	/* Line assembly: a line start that straddles two feeds. */
	char	*carry;
	size_t	 clen, cap;
	int	 bol;			/* the next byte starts a line */
	int	 in_bline;		/* rest of a long boundary line */

	struct mime_level *lv;		/* open multiparts, outermost first */
	unsigned nlv, lvsize;

	/* The current part. */
	enum mime_state state;
	unsigned depth, index;
	int	 digest_default;
	int	 first_line;		/* top level: "From " line allowed */
	int	 quiet;			/* child top: parent reported it */
	int	 enc;			/* ENC_* of a text leaf */
	size_t	 hline;			/* where the header line began */
	struct buf hdr;			/* header block, LF line ends */
	struct buf ctype;		/* for the callback */
	struct buf names;		/* names reported, NUL-separated */
	unsigned nreported;
	struct buf nm;			/* the name handed to the callback */
	struct mf_b64 b64;
	struct mf_qp qp;
	struct mime_sniff sn_b64, sn_qp;
	struct mf_mime *child;
	int	 child_enc;

	struct buf val;			/* an unfolded header value */
	struct buf tmp;			/* a decoded parameter */
	struct buf types;		/* other non-text types, NUL-sep. */
	struct buf bounds;		/* boundaries of a header, NUL-sep. */
	int	 nbounds;
	struct buf scratch;		/* decoded body bytes */
};

static void mime_piece(struct mf_mime *, const char *, size_t, int);
static struct mf_mime *mime_new(const struct mf_mime_limits *, mf_mime_cb,
		    void *, struct mf_mime *);

/* mime_add - a + b, saturated: bounds come from configuration */
static size_t
mime_add(size_t a, size_t b)
{
	return (a > SIZE_MAX - b ? SIZE_MAX : a + b);
}

/* mime_bound - stop with MF_MIME_BOUND and the reason */
static void PRINTFLIKE(2, 3)
mime_bound(struct mf_mime *m, const char *fmt, ...)
{
	char	 text[256];
	va_list	 ap;

	if (m->status != MF_MIME_OK)
		return;
	m->status = MF_MIME_BOUND;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_set(&m->error, text);
}

/* mime_absorb - take over a child's status and error text */
static void
mime_absorb(struct mf_mime *m, struct mf_mime *child, enum mf_mime_status st)
{
	if (st == MF_MIME_OK || m->status != MF_MIME_OK)
		return;
	m->status = st;
	if (st == MF_MIME_BOUND)
		buf_set(&m->error, buf_str(&child->error));
}

void
mf_mime_limits_init(struct mf_mime_limits *lim)
{
	lim->depth = MF_MIME_DEFAULT_DEPTH;
	lim->header = MF_MIME_DEFAULT_HEADER;
	lim->parts = MF_MIME_DEFAULT_PARTS;
	lim->filename = MF_MIME_DEFAULT_FILENAME;
}

/* mime_new - a parser; a child shares the root's part counter */
static struct mf_mime *
mime_new(const struct mf_mime_limits *lim, mf_mime_cb cb, void *ctx,
    struct mf_mime *root)
{
	struct mf_mime *m = xcalloc(1, sizeof(*m));
	size_t	 hmax;

	if (lim)
		m->lim = *lim;
	else
		mf_mime_limits_init(&m->lim);
	m->cb = cb;
	m->ctx = ctx;
	m->root = root ? root : m;
	m->status = MF_MIME_OK;
	buf_init(&m->error, 256);
	/* A uuencode begin line, or a boundary line, must fit one look. */
	m->cap = MF_MIME_LINE_MAX;
	if (m->cap < mime_add(m->lim.filename, 64))
		m->cap = mime_add(m->lim.filename, 64);
	m->carry = xmalloc(m->cap);
	m->bol = 1;
	m->state = MIME_HEADER;
	m->first_line = (root == NULL);
	if (root == NULL)
		m->index = m->nindex = 1;
	hmax = mime_add(m->lim.header, 1);	/* + the CR of a CRLF */
	buf_init(&m->hdr, hmax);
	buf_init(&m->val, hmax);
	buf_init(&m->ctype, hmax);
	buf_init(&m->types, mime_add(mime_add(hmax, hmax), 16));
	buf_init(&m->bounds, mime_add(mime_add(hmax, hmax), 16));
	/* Decoding may grow a name (latin-1 to UTF-8, UTF-16 ...). */
	buf_init(&m->tmp, mime_add(hmax, mime_add(hmax, mime_add(hmax,
	    mime_add(hmax, 256)))));
	buf_init(&m->names, MIME_DEDUPE_MAX);
	buf_init(&m->nm, mime_add(m->lim.filename, 1));
	buf_init(&m->scratch, MIME_SLICE + 16);
	return (m);
}

struct mf_mime *
mf_mime_create(const struct mf_mime_limits *lim, mf_mime_cb cb, void *ctx)
{
	return (mime_new(lim, cb, ctx, NULL));
}

/* mime_pop - close the innermost open multipart */
static void
mime_pop(struct mf_mime *m)
{
	struct mime_level *l = &m->lv[--m->nlv];
	int	 i;

	for (i = 0; i < l->nbound; i++)
		l->bound[i] = xfree(l->bound[i]);
	l->nbound = 0;
}

struct mf_mime *
mf_mime_free(struct mf_mime *m)
{
	if (m == NULL)
		return (NULL);
	while (m->nlv > 0)
		mime_pop(m);
	m->lv = xfree(m->lv);
	m->child = mf_mime_free(m->child);
	m->carry = xfree(m->carry);
	m->sn_b64.line = xfree(m->sn_b64.line);
	m->sn_qp.line = xfree(m->sn_qp.line);
	buf_fini(&m->error);
	buf_fini(&m->hdr);
	buf_fini(&m->ctype);
	buf_fini(&m->names);
	buf_fini(&m->nm);
	buf_fini(&m->val);
	buf_fini(&m->tmp);
	buf_fini(&m->types);
	buf_fini(&m->bounds);
	buf_fini(&m->scratch);
	return (xfree(m));
}

const char *
mf_mime_error(const struct mf_mime *m)
{
	return (m->error.data ? m->error.data : "");
}

/* mime_new_part - count one more part; -1 past the bound */
static int
mime_new_part(struct mf_mime *m)
{
	struct mf_mime *r = m->root;

	if (r->nparts >= m->lim.parts) {
		mime_bound(m, "more than %u MIME parts", m->lim.parts);
		return (-1);
	}
	r->nparts++;
	m->index = ++r->nindex;
	return (0);
}

/* mime_report - hand one name (or none) to the callback, once per part */
static void
mime_report(struct mf_mime *m, const char *name, size_t len,
    enum mf_mime_source src, const char *ctype)
{
	struct mf_mime_leaf leaf;
	size_t	 i;

	if (m->status != MF_MIME_OK)
		return;
	leaf.name = NULL;
	if (name) {
		if (len == 0)
			return;
		if (len > m->lim.filename) {
			mime_bound(m, "attachment file name longer than %zu "
			    "bytes", m->lim.filename);
			return;
		}
		buf_reset(&m->nm);
		if (buf_append(&m->nm, name, len) < 0)
			return;			/* not reached: len checked */
		for (i = 0; i < len; i++)	/* see mime.h: NUL is DEL */
			if (m->nm.data[i] == 0)
				m->nm.data[i] = 0x7f;
		for (i = 0; i < m->names.len; i += strlen(m->names.data + i) + 1)
			if (strcmp(m->names.data + i, m->nm.data) == 0)
				return;
		(void)buf_append(&m->names, m->nm.data, len + 1);
		leaf.name = m->nm.data;
		m->nreported++;
	}
	leaf.source = src;
	leaf.content_type = ctype;
	leaf.depth = m->depth;
	leaf.index = m->index;
	if (m->cb && m->cb(m->ctx, &leaf) < 0)
		m->status = MF_MIME_STOP;
}

/* mime_uu_line - a line start of text: report "begin NNN name" */
static void
mime_uu_line(struct mf_mime *m, const char *p, size_t n)
{
	size_t	 i = 5, j, k, end;

	if (n < 6 || p[0] != 'b' || memcmp(p, "begin", 5) != 0)
		return;
	if (n - i >= 7 && memcmp(p + i, "-base64", 7) == 0)
		i += 7;
	for (j = i; j < n && (p[j] == ' ' || p[j] == '\t'); j++)
		 /* void */ ;
	if (j == i)
		return;
	for (k = j; k < n && p[k] >= '0' && p[k] <= '7'; k++)
		 /* void */ ;
	if (k - j < 3 || k - j > 4)
		return;
	for (i = k; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		 /* void */ ;
	if (i == k)
		return;
	/* The name is the rest of the line; a cut-off line is longer
	 * than any name we allow (cap > filename bound + 64). */
	end = n;
	if (end > i && p[end - 1] == '\n')
		end--;
	if (end > i && p[end - 1] == '\r')
		end--;
	if (end > i)
		mime_report(m, p + i, end - i, MF_MIME_UUENCODE,
		    buf_str(&m->ctype));
}

/* mime_sniff_feed - find the line starts in decoded text */
static void
mime_sniff_feed(struct mf_mime *m, struct mime_sniff *sn, const char *p,
    size_t n)
{
	const char *nl;
	size_t	 k;

	while (n > 0 && m->status == MF_MIME_OK) {
		if (!sn->bol) {			/* the rest of a long line */
			if ((nl = memchr(p, '\n', n)) == NULL)
				return;
			n -= (size_t)(nl + 1 - p);
			p = nl + 1;
			sn->bol = 1;
		} else if (sn->len > 0) {	/* a line start held back */
			k = m->cap - sn->len;
			if (k > n)
				k = n;
			if ((nl = memchr(p, '\n', k)) != NULL)
				k = (size_t)(nl + 1 - p);
			memcpy(sn->line + sn->len, p, k);
			sn->len += k;
			p += k;
			n -= k;
			if (nl || sn->len == m->cap) {
				sn->bol = (nl != NULL);
				k = sn->len;
				sn->len = 0;
				mime_uu_line(m, sn->line, k);
			}
		} else if ((nl = memchr(p, '\n', n)) != NULL) {
			mime_uu_line(m, p, (size_t)(nl + 1 - p));
			n -= (size_t)(nl + 1 - p);
			p = nl + 1;
		} else if (n >= m->cap) {
			mime_uu_line(m, p, n);
			sn->bol = 0;
			return;
		} else {
			if (sn->line == NULL)
				sn->line = xmalloc(m->cap);
			memcpy(sn->line, p, n);
			sn->len = n;
			return;
		}
	}
}

/* mime_sniff_flush - the last decoded line, without a line end */
static void
mime_sniff_flush(struct mf_mime *m, struct mime_sniff *sn)
{
	size_t	 len = sn->len;

	sn->len = 0;
	sn->bol = 1;
	if (len > 0)
		mime_uu_line(m, sn->line, len);
}

/* mime_decode - raw body bytes through one decoder, to text or a child */
static void
mime_decode(struct mf_mime *m, int enc, const char *p, size_t n)
{
	enum mf_mime_status st;
	size_t	 k;

	while (n > 0 && m->status == MF_MIME_OK) {
		k = n < MIME_SLICE ? n : MIME_SLICE;
		buf_reset(&m->scratch);
		/* out holds MIME_SLICE + 16: base64 shrinks, QP adds at most
		 * its 3 pending bytes, so neither can fail. */
		if (enc == ENC_B64)
			(void)mf_b64_decode(&m->b64, p, k, &m->scratch);
		else
			(void)mf_qp_decode(&m->qp, p, k, &m->scratch);
		p += k;
		n -= k;
		if (m->scratch.len == 0)
			continue;
		if (m->state == MIME_NESTED) {
			st = mf_mime_feed(m->child, m->scratch.data,
			    m->scratch.len);
			mime_absorb(m, m->child, st);
		} else {
			mime_sniff_feed(m, enc == ENC_B64 ? &m->sn_b64 :
			    &m->sn_qp, m->scratch.data, m->scratch.len);
		}
	}
}

/* mime_qp_finish - what the QP decoder still holds, to text or child */
static void
mime_qp_finish(struct mf_mime *m)
{
	enum mf_mime_status st;

	buf_reset(&m->scratch);
	(void)mf_qp_finish(&m->qp, &m->scratch);
	if (m->scratch.len == 0 || m->status != MF_MIME_OK)
		return;
	if (m->state == MIME_NESTED) {
		st = mf_mime_feed(m->child, m->scratch.data, m->scratch.len);
		mime_absorb(m, m->child, st);
	} else {
		mime_sniff_feed(m, &m->sn_qp, m->scratch.data, m->scratch.len);
	}
}

/* mime_skip_cfws - skip white space and (nested (comments)) */
static const char *
mime_skip_cfws(const char *s)
{
	int	 depth;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s != '(')
			return (s);
		for (depth = 0; *s; s++) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
}

/* mime_tspecial - not a token character (RFC 2045) */
static int
mime_tspecial(int c)
{
	return (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c));
}

/* mime_token - a token at s, lower-cased into out; returns its end */
static const char *
mime_token(const char *s, struct buf *out)
{
	const char *t = s;

	while (*t && !mime_tspecial((unsigned char)*t))
		t++;
	(void)buf_append(out, s, (size_t)(t - s));
	return (t);
}

/* mime_lower - lower-case buf contents in place */
static void
mime_lower(struct buf *b)
{
	size_t	 i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z')
			b->data[i] += 'a' - 'A';
}

/* mime_params - where the parameters begin, after the first word(s) */
static const char *
mime_params(const char *s)
{
	s = mime_skip_cfws(s);
	if (*s == ';')
		s++;
	return (s);
}

/* mime_ctype_parse - "type/subtype" lower case into out; the rest */
static const char *
mime_ctype_parse(const char *v, struct buf *out)
{
	const char *s = mime_skip_cfws(v), *t;

	buf_reset(out);
	t = mime_token(s, out);
	if (t > s && *(s = mime_skip_cfws(t)) == '/') {
		(void)buf_putc(out, '/');
		s = mime_skip_cfws(s + 1);
		t = mime_token(s, out);
		if (t > s) {
			mime_lower(out);
			return (mime_params(t));
		}
	}
	/* RFC 2045 5.2: a syntax error means text/plain. */
	buf_set(out, "text/plain");
	t = strchr(v, ';');
	return (t ? t + 1 : v + strlen(v));
}

/* mime_raw_params - every plain (not RFC 2231) occurrence of a parameter,
 * raw, NUL-separated into out; lenient: for boundaries, which readers
 * take raw, and for lists the codec finds malformed */
static void
mime_raw_params(const char *s, const char *name, struct buf *out)
{
	size_t	 nlen = strlen(name);
	const char *a, *ae;
	int	 match;

	buf_reset(out);
	while (*s) {
		s = mime_skip_cfws(s);
		a = s;
		while (*s && *s != '=' && *s != ';' && *s != '(' && *s != ' '
		    && *s != '\t' && *s != '\r' && *s != '\n' && *s != '"')
			s++;
		ae = s;
		s = mime_skip_cfws(s);
		match = 0;
		if (*s == '=') {
			s = mime_skip_cfws(s + 1);
			match = ((size_t)(ae - a) == nlen
			    && strncasecmp(a, name, nlen) == 0);
		}
		if (*s == '"') {		/* a quoted value, or junk */
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				if (match)
					(void)buf_putc(out, *s);
			}
			if (*s == '"')
				s++;
		} else if (match) {
			while (*s && *s != ';' && *s != ' ' && *s != '\t'
			    && *s != '\r' && *s != '\n' && *s != '(')
				(void)buf_putc(out, *s++);
		}
		if (match)
			(void)buf_putc(out, 0);
		/* On to the next ";", past comments and stray quotes. */
		while (*s && *s != ';') {
			if (*s == '(')
				s = mime_skip_cfws(s);
			else if (*s == '"') {
				for (s++; *s && *s != '"'; s++)
					if (*s == '\\' && s[1])
						s++;
				if (*s)
					s++;
			} else
				s++;
		}
		if (*s == ';')
			s++;
	}
}

/* mime_field - the next header field from *pos: name, value into val */
static int
mime_field(struct mf_mime *m, size_t *pos, const char **name, size_t *nlen)
{
	const char *h = m->hdr.data, *e, *colon, *v;
	size_t	 len = m->hdr.len, i = *pos, k;

	buf_reset(&m->val);
	while (i < len) {
		e = memchr(h + i, '\n', len - i);	/* every line has one */
		if (h[i] == ' ' || h[i] == '\t'
		    || (colon = memchr(h + i, ':', (size_t)(e - h - i))) == NULL) {
			i = (size_t)(e - h) + 1;	/* orphan, "From " */
			continue;
		}
		*name = h + i;
		for (k = (size_t)(colon - h) - i; k > 0 && ((*name)[k - 1] == ' '
		    || (*name)[k - 1] == '\t'); k--)
			 /* void */ ;
		*nlen = k;
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			 /* void */ ;
		for (;;) {			/* unfold: drop the line ends */
			(void)buf_append(&m->val, v, (size_t)(e - v));
			i = (size_t)(e - h) + 1;
			if (i >= len || (h[i] != ' ' && h[i] != '\t'))
				break;
			v = h + i;
			e = memchr(v, '\n', len - i);
		}
		for (k = 0; k < m->val.len; k++)	/* see mime.h */
			if (m->val.data[k] == 0)
				m->val.data[k] = 0x7f;
		*pos = i;
		return (1);
	}
	*pos = i;
	return (0);
}

/* mime_is - is the field name (len bytes) this one? */
static int
mime_is(const char *name, size_t len, const char *want)
{
	return (len == strlen(want) && strncasecmp(name, want, len) == 0);
}

/* mime_names - report parameter `param` of every header `hname` */
static void
mime_names(struct mf_mime *m, const char *hname, const char *param,
    enum mf_mime_source src)
{
	const char *name, *params;
	size_t	 pos = 0, nlen, i;
	struct buf scratch;
	int	 n, r;

	buf_init(&scratch, m->ctype.max);
	while (m->status == MF_MIME_OK && mime_field(m, &pos, &name, &nlen)) {
		if (!mime_is(name, nlen, hname))
			continue;
		if (src == MF_MIME_CTYPE) {
			params = mime_ctype_parse(m->val.data, &scratch);
		} else {			/* skip the disposition type */
			params = mime_skip_cfws(m->val.data);
			while (*params && !mime_tspecial((unsigned char)*params))
				params++;
			params = mime_params(params);
		}
		/* Every reading: RFC 2231 and plain, each duplicate. */
		for (n = 0, r = 1; r > 0 && m->status == MF_MIME_OK; n++) {
			buf_reset(&m->tmp);
			if ((r = mf_rfc2231_param_n(params, param, n,
			    &m->tmp)) > 0)
				mime_report(m, buf_str(&m->tmp), m->tmp.len,
				    src, buf_str(&m->ctype));
		}
		if (r == 0)
			continue;
		/* A list the codec calls malformed (an unclosed quote ...)
		 * is still read by someone: take each name= leniently, or
		 * the whole text, which the allowlist will not pass. */
		mime_raw_params(params, param, &scratch);
		if (scratch.len == 0)
			mime_report(m, params, strlen(params), src,
			    buf_str(&m->ctype));
		for (i = 0; i < scratch.len && m->status == MF_MIME_OK;
		    i += strlen(scratch.data + i) + 1) {
			buf_reset(&m->tmp);
			if (mf_rfc2047_decode(scratch.data + i,
			    strlen(scratch.data + i), &m->tmp) < 0)
				buf_set(&m->tmp, scratch.data + i);
			mime_report(m, buf_str(&m->tmp), m->tmp.len, src,
			    buf_str(&m->ctype));
		}
	}
	buf_fini(&scratch);
}

/* mime_add_word - add a word to a NUL-separated set; 1 if new */
static int
mime_add_word(struct buf *set, const char *w, size_t len)
{
	size_t	 i;

	for (i = 0; i < set->len; i += strlen(set->data + i) + 1)
		if (strlen(set->data + i) == len
		    && memcmp(set->data + i, w, len) == 0)
			return (0);
	(void)buf_append(set, w, len);
	(void)buf_putc(set, 0);
	return (1);
}

/* mime_boundaries - the boundary values of one Content-Type, into
 * m->bounds: as decoded by the codec and raw (a boundary that looks like
 * an RFC 2047 word is used raw by readers), trailing white space
 * stripped as Python does; -1 past MF_MIME_BOUNDARY_MAX */
static int
mime_boundaries(struct mf_mime *m, const char *params)
{
	struct buf raw;
	size_t	 i, len, start;
	int	 n, ret = 0;

	buf_init(&raw, m->ctype.max);
	buf_reset(&m->tmp);
	for (n = 0; n < 2 * MF_RFC2231_SECTIONS + 1; n++) {
		start = m->tmp.len;
		if (mf_rfc2231_param_n(params, "boundary", n, &m->tmp) <= 0
		    || memchr(m->tmp.data + start, 0, m->tmp.len - start)
		    || buf_putc(&m->tmp, 0) < 0) {
			m->tmp.len = start;	/* none, or unusable */
			break;
		}
	}
	mime_raw_params(params, "boundary", &raw);
	(void)buf_append(&m->tmp, raw.data, raw.len);
	for (i = 0; i < m->tmp.len; i += strlen(m->tmp.data + i) + 1) {
		len = strlen(m->tmp.data + i);
		while (len > 0 && (m->tmp.data[i + len - 1] == ' '
		    || m->tmp.data[i + len - 1] == '\t'))
			len--;
		if (len > MF_MIME_BOUNDARY_MAX) {
			mime_bound(m, "MIME boundary longer than %d bytes",
			    MF_MIME_BOUNDARY_MAX);
			ret = -1;
			break;
		}
		if (len > 0 && mime_add_word(&m->bounds, m->tmp.data + i, len)
		    && ++m->nbounds > MIME_LEVEL_BOUNDS) {
			/* Each reader takes one; we cannot follow them all. */
			mime_bound(m, "more than %d boundaries for one "
			    "multipart", MIME_LEVEL_BOUNDS);
			ret = -1;
			break;
		}
	}
	buf_fini(&raw);
	return (ret);
}

/* mime_class_of - what a lower-case type holds */
static enum mime_class
mime_class_of(const char *type, int has_boundary)
{
	if (strncmp(type, "multipart/", 10) == 0)
		return (has_boundary ? CLASS_MULTIPART : CLASS_OPAQUE);
	if (strcmp(type, "message/rfc822") == 0
	    || strcmp(type, "message/global") == 0)
		return (CLASS_MESSAGE);
	return (CLASS_LEAF);
}

/* mime_plain_type - text, multipart and message types need no report */
static int
mime_plain_type(const char *type)
{
	return (strncmp(type, "text/", 5) == 0
	    || strncmp(type, "multipart/", 10) == 0
	    || strncmp(type, "message/", 8) == 0);
}

/* mime_cte - one Content-Transfer-Encoding value as ENC_* */
static int
mime_cte(const char *v)
{
	struct buf w;
	int	 enc = ENC_IDENT;

	buf_init(&w, 64);
	(void)mime_token(mime_skip_cfws(v), &w);
	mime_lower(&w);
	if (strcmp(buf_str(&w), "base64") == 0)
		enc = ENC_B64;
	else if (strcmp(buf_str(&w), "quoted-printable") == 0)
		enc = ENC_QP;
	else if (strcmp(buf_str(&w), "x-uuencode") == 0
	    || strcmp(buf_str(&w), "uuencode") == 0
	    || strcmp(buf_str(&w), "x-uue") == 0)
		enc = ENC_IDENT | ENC_UU;
	buf_fini(&w);
	return (enc);
}

/* mime_push - open a multipart with the boundaries in m->bounds */
static void
mime_push(struct mf_mime *m, int digest)
{
	struct mime_level *l;
	size_t	 i, len;

	if (m->depth + 1 > m->lim.depth) {
		mime_bound(m, "MIME nesting deeper than %u levels",
		    m->lim.depth);
		return;
	}
	if (m->nlv == m->lvsize) {
		m->lvsize = m->lvsize ? 2 * m->lvsize : 4;
		m->lv = xrealloc(m->lv, m->lvsize * sizeof(*m->lv));
	}
	l = &m->lv[m->nlv++];
	l->nbound = 0;
	l->child_depth = m->depth + 1;
	l->digest = digest;
	for (i = 0; i < m->bounds.len && l->nbound < MIME_LEVEL_BOUNDS;
	    i += len + 1) {
		len = strlen(m->bounds.data + i);
		l->bound[l->nbound] = xstrndup(m->bounds.data + i, len);
		l->blen[l->nbound++] = len;
	}
}

/* mime_child - parse an encoded multipart or message body on its own */
static void
mime_child(struct mf_mime *m, enum mime_class cls, int enc)
{
	struct mf_mime *c;
	enum mf_mime_status st;

	if (cls == CLASS_MESSAGE && m->depth + 1 > m->lim.depth) {
		mime_bound(m, "MIME nesting deeper than %u levels",
		    m->lim.depth);
		return;
	}
	c = m->child = mime_new(&m->lim, m->cb, m->ctx, m->root);
	c->depth = m->depth;
	c->index = m->index;
	if (cls == CLASS_MESSAGE) {
		c->depth = m->depth + 1;
		if (mime_new_part(c) < 0) {
			mime_absorb(m, c, c->status);
			return;
		}
	} else {
		/* The child reads this header again, names already told. */
		c->quiet = 1;
		c->enc = -1;			/* ignore its encoding */
		st = mf_mime_feed(c, m->hdr.data, m->hdr.len);
		if (st == MF_MIME_OK)
			st = mf_mime_feed(c, "\n", 1);
		mime_absorb(m, c, st);
	}
	m->child_enc = enc;
	mf_b64_init(&m->b64);
	mf_qp_init(&m->qp);
	m->state = MIME_NESTED;
}

/* mime_header_end - a part's header is complete: report, choose the body */
static void
mime_header_end(struct mf_mime *m)
{
	const char *name, *params;
	size_t	 pos = 0, nlen, i;
	int	 nct = 0, conflict = 0, enc = 0, ignore_enc = (m->enc == -1);
	int	 any_text = 0;
	enum mime_class cls = CLASS_LEAF, c;

	buf_reset(&m->types);
	buf_reset(&m->bounds);
	m->nbounds = 0;
	buf_reset(&m->names);
	m->nreported = 0;
	while (m->status == MF_MIME_OK && mime_field(m, &pos, &name, &nlen)) {
		if (mime_is(name, nlen, "content-transfer-encoding")) {
			enc |= mime_cte(m->val.data);
			continue;
		}
		if (!mime_is(name, nlen, "content-type"))
			continue;
		params = mime_ctype_parse(m->val.data, &m->ctype);
		i = m->bounds.len;
		if (strncmp(m->ctype.data, "multipart/", 10) == 0
		    && mime_boundaries(m, params) < 0)
			return;
		c = mime_class_of(m->ctype.data, m->bounds.len > i);
		if (strncmp(m->ctype.data, "text/", 5) == 0)
			any_text = 1;
		/* A multipart without boundary beside one with is that one;
		 * a leaf beside one is a leaf. Any other mix: conflict. */
		if (nct++ == 0 || c == cls)
			cls = c;
		else if (cls == CLASS_OPAQUE && c != CLASS_MESSAGE)
			cls = c;
		else if (c == CLASS_OPAQUE && cls != CLASS_MESSAGE)
			 /* keep cls */ ;
		else
			conflict = 1;
		if (!mime_plain_type(m->ctype.data))
			(void)mime_add_word(&m->types, m->ctype.data,
			    m->ctype.len);
	}
	if (m->status != MF_MIME_OK)
		return;
	if (conflict) {
		mime_bound(m, "conflicting Content-Type headers in one MIME "
		    "part");
		return;
	}
	if (nct == 0) {
		buf_set(&m->ctype, m->digest_default ? "message/rfc822" :
		    "text/plain");
		cls = m->digest_default ? CLASS_MESSAGE : CLASS_LEAF;
		any_text = !m->digest_default;
	}
	if (ignore_enc || enc == 0)
		enc = ENC_IDENT;

	if (!m->quiet) {
		mime_names(m, "content-disposition", "filename",
		    MF_MIME_DISPOSITION);
		mime_names(m, "content-type", "name", MF_MIME_CTYPE);
		/* Non-text types: the last one went with the names. */
		for (i = 0; i < m->types.len && m->status == MF_MIME_OK;
		    i += strlen(m->types.data + i) + 1)
			if (m->nreported == 0
			    || strcmp(m->types.data + i, m->ctype.data) != 0)
				mime_report(m, NULL, 0, MF_MIME_NONE,
				    m->types.data + i);
	}
	m->quiet = 0;
	m->enc = 0;
	if (m->status != MF_MIME_OK)
		return;

	if (cls == CLASS_MULTIPART || cls == CLASS_MESSAGE) {
		int	 e = enc & ~ENC_UU;

		if (e == ENC_IDENT && cls == CLASS_MULTIPART) {
			mime_push(m, strcmp(m->ctype.data, "multipart/digest")
			    == 0);
			m->state = MIME_SKIP;
		} else if (e == ENC_IDENT) {	/* the message's own header */
			if (m->depth + 1 > m->lim.depth) {
				mime_bound(m, "MIME nesting deeper than %u "
				    "levels", m->lim.depth);
				return;
			}
			m->depth++;
			if (mime_new_part(m) < 0)
				return;
			m->digest_default = 0;
			m->state = MIME_HEADER;
		} else if (e == ENC_B64 || e == ENC_QP) {
			mime_child(m, cls, e);
		} else {
			mime_bound(m, "conflicting Content-Transfer-Encoding "
			    "headers in one MIME part");
		}
		return;
	}
	if (cls == CLASS_LEAF && (any_text || (enc & ENC_UU))) {
		m->enc = enc;
		mf_b64_init(&m->b64);
		mf_qp_init(&m->qp);
		m->sn_b64.bol = m->sn_qp.bol = 1;
		m->sn_b64.len = m->sn_qp.len = 0;
		m->state = MIME_TEXT;
		return;
	}
	m->state = MIME_SKIP;
}

/* mime_part_end - the current part ends (boundary or end of input) */
static void
mime_part_end(struct mf_mime *m)
{
	enum mf_mime_status st;

	while (m->state == MIME_HEADER && m->status == MF_MIME_OK) {
		mime_header_end(m);		/* a part without a body */
		buf_reset(&m->hdr);
	}
	if (m->state == MIME_TEXT) {
		if (m->enc & ENC_B64)
			mime_sniff_flush(m, &m->sn_b64);
		if (m->enc & ENC_QP) {
			mime_qp_finish(m);
			mime_sniff_flush(m, &m->sn_qp);
		}
	} else if (m->state == MIME_NESTED && m->child) {
		if (m->child_enc == ENC_QP)
			mime_qp_finish(m);
		st = mf_mime_finish(m->child);
		mime_absorb(m, m->child, st);
		m->child = mf_mime_free(m->child);
	}
	m->state = MIME_SKIP;
}

/* mime_exact - is s (a whole line after "--") exactly this delimiter? */
static int
mime_exact(const char *s, size_t n, const char *b, size_t blen, int *close)
{
	size_t	 i;

	if (n < blen || memcmp(s, b, blen) != 0)
		return (0);
	i = blen;
	*close = (n - i >= 2 && s[i] == '-' && s[i + 1] == '-');
	if (*close)
		i += 2;
	for (; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return (0);
	return (1);
}

/* mime_boundary - act on a delimiter line; 0 if it is none */
static int
mime_boundary(struct mf_mime *m, const char *p, size_t n, int whole)
{
	const char *s = p + 2;
	size_t	 sn = n - 2;
	struct mime_level *l;
	int	 found = -1, close = 0, i, b;

	for (i = (int)m->nlv - 1; whole && found < 0 && i >= 0; i--)
		for (l = &m->lv[i], b = 0; b < l->nbound; b++)
			if (mime_exact(s, sn, l->bound[b], l->blen[b], &close)) {
				found = i;
				break;
			}
	for (i = (int)m->nlv - 1; found < 0 && i >= 0; i--)
		for (l = &m->lv[i], b = 0; b < l->nbound; b++)
			if (sn >= l->blen[b]
			    && memcmp(s, l->bound[b], l->blen[b]) == 0) {
				found = i;
				close = sn >= l->blen[b] + 2
				    && s[l->blen[b]] == '-'
				    && s[l->blen[b] + 1] == '-';
				break;
			}
	if (found < 0)
		return (0);
	mime_part_end(m);
	while ((int)m->nlv > found + 1)		/* outer closes inner */
		mime_pop(m);
	if (m->status != MF_MIME_OK)
		return (1);
	if (close) {
		mime_pop(m);
		m->state = MIME_SKIP;		/* the epilogue */
		return (1);
	}
	l = &m->lv[found];
	m->depth = l->child_depth;
	m->digest_default = l->digest;
	m->quiet = 0;
	m->enc = 0;
	if (mime_new_part(m) < 0)
		return (1);
	buf_reset(&m->hdr);
	m->state = MIME_HEADER;
	return (1);
}

/* mime_header_name - does the line start "name:" (white space allowed
 * before the colon, as Postfix allows)? */
static int
mime_header_name(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && p[i] > ' ' && p[i] < 0x7f && p[i] != ':'; i++)
		 /* void */ ;
	if (i == 0)
		return (0);
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return (i < n && p[i] == ':');
}

/* mime_header_piece - a piece of a header line */
static void
mime_header_piece(struct mf_mime *m, const char *p, size_t n, int flags)
{
	if (flags & PIECE_FIRST) {
		int	 from = m->first_line && n >= 5
			    && memcmp(p, "From ", 5) == 0;

		m->first_line = 0;
		if ((flags & PIECE_LAST) && (n == 0 || (n == 1 && p[0] == '\n')
		    || (n == 2 && p[0] == '\r' && p[1] == '\n'))) {
			mime_header_end(m);	/* the empty line */
			buf_reset(&m->hdr);
			return;
		}
		if (p[0] != ' ' && p[0] != '\t' && !from
		    && !mime_header_name(p, n)) {
			/* Not a header: the body starts without an empty
			 * line (Python and Postfix agree). */
			mime_header_end(m);
			buf_reset(&m->hdr);
			if (m->status == MF_MIME_OK)
				mime_piece(m, p, n, flags);
			return;
		}
		m->hline = m->hdr.len;
	}
	if (buf_append(&m->hdr, p, n) < 0) {
		mime_bound(m, "MIME part header larger than %zu bytes",
		    m->lim.header);
		return;
	}
	if (flags & PIECE_LAST) {		/* count a line end as one */
		if (m->hdr.len > m->hline && m->hdr.data[m->hdr.len - 1] == '\n')
			m->hdr.len--;
		if (m->hdr.len > m->hline && m->hdr.data[m->hdr.len - 1] == '\r')
			m->hdr.len--;
		m->hdr.data[m->hdr.len] = 0;
		if (buf_putc(&m->hdr, '\n') < 0 || m->hdr.len > m->lim.header)
			mime_bound(m, "MIME part header larger than %zu bytes",
			    m->lim.header);
	}
}

/* mime_piece - one piece of a line, in whatever state we are */
static void
mime_piece(struct mf_mime *m, const char *p, size_t n, int flags)
{
	if (flags & PIECE_FIRST) {
		m->in_bline = 0;
		if (m->nlv > 0 && n >= 2 && p[0] == '-' && p[1] == '-'
		    && mime_boundary(m, p, n, flags & PIECE_LAST)) {
			m->in_bline = !(flags & PIECE_LAST);
			return;
		}
	} else if (m->in_bline) {
		if (flags & PIECE_LAST)
			m->in_bline = 0;
		return;
	}
	switch (m->state) {
	case MIME_HEADER:
		mime_header_piece(m, p, n, flags);
		break;
	case MIME_SKIP:
		break;
	case MIME_TEXT:
		if ((m->enc & ENC_IDENT) && (flags & PIECE_FIRST))
			mime_uu_line(m, p, n);
		if (m->enc & ENC_B64)
			mime_decode(m, ENC_B64, p, n);
		if (m->enc & ENC_QP)
			mime_decode(m, ENC_QP, p, n);
		break;
	case MIME_NESTED:
		mime_decode(m, m->child_enc, p, n);
		break;
	}
}

/* mime_skip_scan - from a line start, the next line start with "-" */
static const char *
mime_skip_scan(const char *p, const char *end, int *bol)
{
	const char *q = p;

	if (*p == '-')
		return (p);
	for (;;) {
		q = memchr(q + 1, '-', (size_t)(end - q - 1));
		if (q == NULL) {
			*bol = (end[-1] == '\n');
			return (end);
		}
		if (q[-1] == '\n')
			return (q);
	}
}

enum mf_mime_status
mf_mime_feed(struct mf_mime *m, const char *p, size_t len)
{
	const char *end = p + len, *nl;
	size_t	 n, k;

	if (m->finished)
		return (m->status);
	while (p < end && m->status == MF_MIME_OK) {
		n = (size_t)(end - p);
		if (m->clen > 0) {		/* complete a held line start */
			k = m->cap - m->clen;
			if (k > n)
				k = n;
			if ((nl = memchr(p, '\n', k)) != NULL)
				k = (size_t)(nl + 1 - p);
			memcpy(m->carry + m->clen, p, k);
			m->clen += k;
			p += k;
			if (nl || m->clen == m->cap) {
				k = m->clen;
				m->clen = 0;
				m->bol = (nl != NULL);
				mime_piece(m, m->carry, k, PIECE_FIRST
				    | (nl ? PIECE_LAST : 0));
			}
		} else if (!m->bol) {		/* the rest of a long line */
			nl = memchr(p, '\n', n);
			k = nl ? (size_t)(nl + 1 - p) : n;
			m->bol = (nl != NULL);
			mime_piece(m, p, k, nl ? PIECE_LAST : 0);
			p += k;
		} else if (m->state == MIME_SKIP && m->nlv == 0) {
			break;			/* nothing can follow */
		} else if (m->state == MIME_SKIP
		    && (p = mime_skip_scan(p, end, &m->bol)) == end) {
			break;			/* no line starts with "-" */
		} else if ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL
		    && (size_t)(nl - p) < m->cap) {
			k = (size_t)(nl + 1 - p);
			mime_piece(m, p, k, PIECE_FIRST | PIECE_LAST);
			p += k;
		} else if ((size_t)(end - p) >= m->cap) {
			/* A long line: its first cap bytes, as if it had come
			 * through the carry, so that splits cannot matter. */
			m->bol = 0;
			mime_piece(m, p, m->cap, PIECE_FIRST);
			p += m->cap;
		} else {
			m->clen = (size_t)(end - p);
			memcpy(m->carry, p, m->clen);
			p = end;
		}
	}
	return (m->status);
}

enum mf_mime_status
mf_mime_finish(struct mf_mime *m)
{
	size_t	 k;

	if (m->finished)
		return (m->status);
	if (m->status == MF_MIME_OK && m->clen > 0) {
		k = m->clen;
		m->clen = 0;
		mime_piece(m, m->carry, k, PIECE_FIRST | PIECE_LAST);
	} else if (m->status == MF_MIME_OK && !m->bol) {
		mime_piece(m, "", 0, PIECE_LAST);
	}
	m->bol = 1;
	if (m->status == MF_MIME_OK)
		mime_part_end(m);
	m->finished = 1;
	return (m->status);
}
