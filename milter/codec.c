/*
 * codec - header and body encodings: RFC 2047, RFC 2231, base64, QP
 * SYNOPSIS	#include "codec.h"
 *		mf_rfc2047_decode(text, len, &out);
 *		mf_rfc2231_param(value, "filename", &out);
 *		mf_b64_init(&st); mf_b64_decode(&st, data, len, &out); ...
 *		mf_qp_init(&st); mf_qp_decode(&st, ...);
 *		mf_qp_finish(&st, &out);
 * DESCRIPTION	The decoders that the MIME parser and the address-list
 *		parser share. Every result is appended to the caller's
 *		bounded buf; charsets are converted to UTF-8 by iconv(3).
 *
 *		RFC 2047: encoded words are found anywhere in the text, not
 *		only between white space, because that is what readers
 *		show. White space between adjacent words is dropped, and the
 *		bytes of adjacent words in one charset are converted
 *		together (mailers split a UTF-8 character across words). A
 *		word that does not decode (bad base64 or Q, an unknown
 *		charset, bytes invalid in its charset) stays as written, so
 *		that a check sees the raw text rather than a guess.
 *
 *		RFC 2231: the parameter list is read with quoted strings,
 *		backslash escapes and (nested) comments, so that a name
 *		inside another parameter's quoted value or a comment is not
 *		taken, and names match whole and in any case ("xname" is
 *		not "name"). Continuations are joined in numeric order,
 *		missing sections skipped; the charset of section 0 applies
 *		to all. Bytes that are not valid in their charset become
 *		U+FFFD, so a name's ASCII (its extension) always shows.
 *		A parameter that is there twice, or both as name= and name*,
 *		has several readings: mf_rfc2231_param_n() gives each.
 *
 *		Base64 and quoted-printable decode as a stream: the state
 *		between calls is all there is, so any split of the input
 *		gives the same output.
 * DIAGNOSTICS	None logged: the results say what happened. On -1 the
 *		header decoders leave out as it was.
 * LIMITS	out->max. MF_RFC2231_SECTIONS continuations, and as many
 *		name= and name*= duplicates, per parameter.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mymalloc.h"

#include "codec.h"

#define CODEC_CHARSET_MAX	63	/* longest charset name tried */
#define CODEC_CHUNK		512	/* output step of the decoders */

static const char codec_fffd[] = "\xef\xbf\xbd";	/* U+FFFD */

/* codec_hex - value of a hex digit, or -1 */
static int
codec_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* codec_b64 - value of a base64 character, or -1 */
static int
codec_b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* codec_wsp - white space, folding included */
static int
codec_wsp(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* codec_undo - take back what this call appended to out */
static void
codec_undo(struct buf *out, size_t len)
{
	/* buf.h cannot shorten a buffer; len is at most out->len. */
	if (out->data) {
		out->len = len;
		out->data[len] = 0;
	}
}

/* codec_put - append what fits; -1 when some of it did not */
static int
codec_put(struct buf *out, const void *p, size_t n)
{
	size_t	 room = out->max - out->len;

	if (n <= room)
		return (buf_append(out, p, n));
	(void)buf_append(out, p, room);
	return (-1);
}

/* codec_charset - charset name without an RFC 2231 "*lang" into cs; -1
 * when it cannot be a name (then it is unknown) */
static int
codec_charset(const char *in, size_t len, char *cs, size_t cslen)
{
	const char *star = memchr(in, '*', len);
	size_t	 i;

	if (star)
		len = (size_t)(star - in);
	if (len == 0 || len >= cslen)
		return (-1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		/* No "/": "UTF-8//IGNORE" would change iconv's behaviour. */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '_'
		    || c == '.' || c == ':' || c == '+'))
			return (-1);
		cs[i] = (char)c;
	}
	cs[len] = 0;
	return (0);
}

/*
 * codec_convert - bytes in charset cs into UTF-8, appended to out.
 * strict: an unknown charset or an invalid sequence appends nothing and
 * returns 1. Otherwise an unknown charset (or none, cs NULL) is read as
 * UTF-8, and each invalid byte becomes U+FFFD. -1 over the bound.
 */
static int
codec_convert(const char *cs, const char *in, size_t len, struct buf *out,
    int strict)
{
	size_t	 start = out->len, il = len, ol;
	char	 chunk[CODEC_CHUNK], *ip = (char *)in, *op;
	iconv_t	 cd = (iconv_t)-1;
	int	 ret = 0, flushed = 0;

	if (cs)
		cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) {
		if (strict)
			return (1);
		if ((cd = iconv_open("UTF-8", "UTF-8")) == (iconv_t)-1)
			return (1);
	}
	for (;;) {
		size_t	 r;
		int	 err;

		op = chunk;
		ol = sizeof(chunk);
		if (il > 0) {
			r = iconv(cd, &ip, &il, &op, &ol);
		} else {
			/* End of input: the shift state's bytes. */
			r = iconv(cd, NULL, NULL, &op, &ol);
			flushed = 1;
		}
		err = r == (size_t)-1 ? errno : 0;
		if (buf_append(out, chunk, (size_t)(op - chunk)) < 0) {
			ret = -1;
			break;
		}
		if (err == E2BIG) {
			flushed = 0;
			continue;
		}
		if ((err == EILSEQ || err == EINVAL) && il > 0) {
			if (strict) {
				ret = 1;
				break;
			}
			if (buf_append(out, codec_fffd, 3) < 0) {
				ret = -1;
				break;
			}
			ip++;
			il--;
			(void)iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		if (err) {
			ret = 1;
			break;
		}
		if (flushed)
			break;
	}
	iconv_close(cd);
	if (ret)
		codec_undo(out, start);
	return (ret);
}

/* An encoded word "=?charset?e?text?=", as found in the input. */
struct codec_word {
	const char *cs;			/* charset, maybe with "*lang" */
	size_t	 cslen;
	int	 enc;			/* 'B' or 'Q' */
	const char *text;
	size_t	 textlen;
	size_t	 end;			/* index after "?=" */
};

/* codec_word - the encoded word that starts at in[i] ("=?"); 0 or -1 */
static int
codec_word(const char *in, size_t len, size_t i, struct codec_word *w)
{
	size_t	 k, t;

	for (k = i + 2; k < len && in[k] != '?'; k++)
		if ((unsigned char)in[k] <= ' ' || in[k] == 0x7f)
			return (-1);
	if (k == i + 2 || k + 2 >= len || in[k + 2] != '?')
		return (-1);
	w->cs = in + i + 2;
	w->cslen = k - (i + 2);
	switch (in[k + 1]) {
	case 'B':
	case 'b':
		w->enc = 'B';
		break;
	case 'Q':
	case 'q':
		w->enc = 'Q';
		break;
	default:
		return (-1);
	}
	for (t = k + 3; t < len && in[t] != '?'; t++)
		if ((unsigned char)in[t] <= ' ' || in[t] == 0x7f)
			return (-1);
	if (t + 1 >= len || in[t + 1] != '=')
		return (-1);
	w->text = in + k + 3;
	w->textlen = t - (k + 3);
	w->end = t + 2;
	return (0);
}

/* codec_payload - the bytes of a word's text appended to raw (when not
 * NULL); -1 when the text is not valid B or Q */
static int
codec_payload(const struct codec_word *w, struct buf *raw)
{
	const unsigned char *s = (const unsigned char *)w->text;
	size_t	 i, n = 0, pad = 0, start = raw ? raw->len : 0;
	unsigned int bits = 0;
	int	 nbits = 0, h1, h2;

	for (i = 0; i < w->textlen; i++) {
		int	 c = s[i], v;

		if (w->enc == 'Q') {
			if (c == '_') {
				c = ' ';
			} else if (c == '=') {
				if (i + 2 >= w->textlen
				    || (h1 = codec_hex(s[i + 1])) < 0
				    || (h2 = codec_hex(s[i + 2])) < 0)
					goto bad;
				c = h1 * 16 + h2;
				i += 2;
			}
			if (raw && buf_putc(raw, c) < 0)
				goto bad;
			continue;
		}
		if (c == '=') {
			pad++;
			continue;
		}
		if ((v = codec_b64(c)) < 0 || pad > 0)
			goto bad;
		n++;
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (raw && buf_putc(raw, (int)(bits >> nbits) & 0xff)
			    < 0)
				goto bad;
			bits &= (1u << nbits) - 1;
		}
	}
	/* A lone sixth of a byte is not base64; missing "=" is forgiven. */
	if (w->enc == 'B' && (n % 4 == 1 || pad > 2
	    || (pad > 0 && (n + pad) % 4 != 0)))
		goto bad;
	return (0);
bad:
	if (raw)
		codec_undo(raw, start);
	return (-1);
}

/* codec_lwsp - in[0..len) is all white space */
static int
codec_lwsp(const char *in, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!codec_wsp((unsigned char)in[i]))
			return (0);
	return (1);
}

/* codec_same_cs - two words in one charset (any case, "*lang" ignored) */
static int
codec_same_cs(const struct codec_word *a, const struct codec_word *b)
{
	char	 x[CODEC_CHARSET_MAX + 1], y[CODEC_CHARSET_MAX + 1];

	if (codec_charset(a->cs, a->cslen, x, sizeof(x)) < 0
	    || codec_charset(b->cs, b->cslen, y, sizeof(y)) < 0)
		return (0);
	return (strcasecmp(x, y) == 0);
}

/* A run of adjacent encoded words in one charset, not yet converted. */
struct codec_run {
	struct codec_word first;	/* its charset */
	size_t	 start, end;		/* where it is in the input */
	struct buf raw;			/* the decoded bytes */
	int	 active;
};

/* codec_flush - convert the run into out, or copy it as written; 1 when
 * it stayed as written, -1 over the bound */
static int
codec_flush(const char *in, struct codec_run *run, struct buf *out)
{
	char	 cs[CODEC_CHARSET_MAX + 1];
	int	 r = 1;

	if (!run->active)
		return (0);
	run->active = 0;
	if (codec_charset(run->first.cs, run->first.cslen, cs, sizeof(cs)) == 0)
		r = codec_convert(cs, buf_str(&run->raw), run->raw.len, out, 1);
	buf_reset(&run->raw);
	if (r == 1 && buf_append(out, in + run->start,
	    run->end - run->start) < 0)
		return (-1);
	return (r);
}

int
mf_rfc2047_decode(const char *in, size_t len, struct buf *out)
{
	struct codec_run run;
	struct codec_word w;
	size_t	 start = out->len, done = 0, i = 0;
	int	 partial = 0, adjacent_ok = 0, r;
	const char *p;

	run.active = 0;
	buf_init(&run.raw, len);
	while (i + 1 < len && (p = memmem(in + i, len - i, "=?", 2)) != NULL) {
		size_t	 at = (size_t)(p - in);
		int	 adjacent;

		if (codec_word(in, len, at, &w) < 0) {
			i = at + 1;
			continue;
		}
		adjacent = adjacent_ok && codec_lwsp(in + done, at - done);
		if (codec_payload(&w, NULL) < 0) {
			/* Malformed: text as written, and not adjacent. */
			if ((r = codec_flush(in, &run, out)) < 0
			    || buf_append(out, in + done, w.end - done) < 0)
				goto bound;
			partial = 1;
			adjacent_ok = 0;
			done = i = w.end;
			continue;
		}
		if (run.active
		    && !(adjacent && codec_same_cs(&run.first, &w))) {
			if ((r = codec_flush(in, &run, out)) < 0)
				goto bound;
			if (r == 1) {	/* left as written: so is the gap */
				partial = 1;
				adjacent = 0;
			}
		}
		if (!adjacent && buf_append(out, in + done, at - done) < 0)
			goto bound;
		if (!run.active) {
			run.first = w;
			run.start = at;
			run.active = 1;
		}
		(void)codec_payload(&w, &run.raw);	/* len bounds it */
		run.end = done = i = w.end;
		adjacent_ok = 1;
	}
	if ((r = codec_flush(in, &run, out)) < 0
	    || buf_append(out, in + done, len - done) < 0)
		goto bound;
	if (r == 1)
		partial = 1;
	buf_fini(&run.raw);
	return (partial);
bound:
	buf_fini(&run.raw);
	codec_undo(out, start);
	return (-1);
}

/* codec_skip_cfws - past white space and (nested) comments; NULL when a
 * comment is not closed */
static const char *
codec_skip_cfws(const char *s)
{
	size_t	 depth;

	for (;;) {
		while (codec_wsp((unsigned char)*s))
			s++;
		if (*s != '(')
			return (s);
		for (depth = 0; *s; s++) {
			if (*s == '\\' && s[1]) {
				s++;
			} else if (*s == '(') {
				depth++;
			} else if (*s == ')' && --depth == 0) {
				break;
			}
		}
		if (*s == 0)
			return (NULL);
		s++;
	}
}

/* codec_quote_end - the closing quote for the one at s, or NULL */
static const char *
codec_quote_end(const char *s)
{
	for (s++; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			return (s);
	}
	return (NULL);
}

/* codec_skip_item - to the next ";" outside quotes and comments, or NULL
 * when a quote or comment is not closed */
static const char *
codec_skip_item(const char *s)
{
	while (*s && *s != ';') {
		if (*s == '"') {
			if ((s = codec_quote_end(s)) == NULL)
				return (NULL);
			s++;
		} else if (*s == '(') {
			if ((s = codec_skip_cfws(s)) == NULL)
				return (NULL);
		} else {
			s++;
		}
	}
	return (s);
}

/* codec_tchar - RFC 2045 token character */
static int
codec_tchar(int c)
{
	return (c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL);
}

/* A parameter value as written. */
struct codec_span {
	const char *s;
	size_t	 len;
	int	 quoted;		/* s .. s + len is inside quotes */
	int	 ext;			/* RFC 2231 extended: %xx, charset */
};

/* What the scan found for one parameter name. */
struct codec_params {
	const char *name;
	size_t	 namelen;
	struct codec_span sect[MF_RFC2231_SECTIONS];
	unsigned char have[MF_RFC2231_SECTIONS];
	int	 nsect;
	struct codec_span ext[MF_RFC2231_SECTIONS];	/* name*= */
	int	 next;
	struct codec_span plain[MF_RFC2231_SECTIONS];	/* name= */
	int	 nplain;
};

/* codec_match - file a parameter under ps if it is ours: 1 ours, 0 not,
 * -1 a section number or duplicate past the bounds */
static int
codec_match(struct codec_params *ps, const char *a, size_t alen,
    const struct codec_span *v)
{
	const char *rest = a + ps->namelen;
	size_t	 rlen, j, num = 0;
	struct codec_span sp = *v;

	if (alen < ps->namelen || strncasecmp(a, ps->name, ps->namelen) != 0)
		return (0);
	rlen = alen - ps->namelen;
	if (rlen == 0) {
		if (ps->nplain >= MF_RFC2231_SECTIONS)
			return (-1);
		ps->plain[ps->nplain++] = sp;
		return (1);
	}
	if (rest[0] != '*')
		return (0);
	if (rlen == 1) {
		if (ps->next >= MF_RFC2231_SECTIONS)
			return (-1);
		sp.ext = 1;
		ps->ext[ps->next++] = sp;
		return (1);
	}
	for (j = 1; j < rlen && rest[j] >= '0' && rest[j] <= '9'; j++) {
		num = num * 10 + (size_t)(rest[j] - '0');
		if (num >= MF_RFC2231_SECTIONS)
			return (-1);
	}
	if (j == 1)
		return (0);			/* "name*x": another name */
	if (j < rlen) {
		if (rest[j] != '*' || j + 1 != rlen)
			return (0);
		sp.ext = 1;
	}
	if (ps->have[num])
		return (-1);			/* two sections N: ambiguous */
	ps->have[num] = 1;
	ps->sect[num] = sp;
	ps->nsect++;
	return (1);
}

/* codec_scan - every parameter of value that is named ps->name; 0, or -1
 * when the list is malformed (an unclosed quote or comment, junk after
 * our parameter's value) or past the bounds */
static int
codec_scan(const char *value, struct codec_params *ps)
{
	const char *s = value, *a, *e;
	struct codec_span v;
	size_t	 alen;
	int	 junk, r;

	for (;;) {
		if ((s = codec_skip_cfws(s)) == NULL)
			return (-1);
		if (*s == 0)
			return (0);
		if (*s == ';') {
			s++;
			continue;
		}
		for (a = s; codec_tchar((unsigned char)*s); s++)
			;
		alen = (size_t)(s - a);
		if ((s = codec_skip_cfws(s)) == NULL)
			return (-1);
		if (alen == 0 || *s != '=') {	/* "attachment", "text/plain" */
			if ((s = codec_skip_item(s)) == NULL)
				return (-1);
			continue;
		}
		if ((s = codec_skip_cfws(s + 1)) == NULL)
			return (-1);
		v.ext = 0;
		if (*s == '"') {
			if ((e = codec_quote_end(s)) == NULL)
				return (-1);
			v.s = s + 1;
			v.len = (size_t)(e - v.s);
			v.quoted = 1;
			s = e + 1;
		} else {
			for (v.s = s; *s && *s != ';' && *s != '('
			    && *s != '"'; s++)
				;
			for (e = s; e > v.s
			    && codec_wsp((unsigned char)e[-1]); e--)
				;
			v.len = (size_t)(e - v.s);
			v.quoted = 0;
		}
		if ((s = codec_skip_cfws(s)) == NULL)
			return (-1);
		junk = *s && *s != ';';
		if ((r = codec_match(ps, a, alen, &v)) < 0 || (r == 1 && junk))
			return (-1);
		if (junk && (s = codec_skip_item(s)) == NULL)
			return (-1);
	}
}

/* codec_unquote - a value's text into b, without quoting and folding */
static void
codec_unquote(const struct codec_span *v, struct buf *b)
{
	size_t	 i;

	for (i = 0; i < v->len; i++) {
		char	 c = v->s[i];

		if (c == '\r' || c == '\n')
			continue;
		if (v->quoted && c == '\\' && i + 1 < v->len)
			c = v->s[++i];
		(void)buf_putc(b, c);		/* b is as big as the value */
	}
}

/* codec_percent - text[0..len) with %xx decoded, appended to raw */
static void
codec_percent(const char *text, size_t len, struct buf *raw)
{
	size_t	 i;
	int	 h1, h2;

	for (i = 0; i < len; i++) {
		if (text[i] == '%' && i + 2 < len
		    && (h1 = codec_hex((unsigned char)text[i + 1])) >= 0
		    && (h2 = codec_hex((unsigned char)text[i + 2])) >= 0) {
			(void)buf_putc(raw, h1 * 16 + h2);
			i += 2;
		} else {
			(void)buf_putc(raw, text[i]);
		}
	}
}

/* codec_ext - an extended value into raw bytes; with a prefix,
 * "charset'lang'" goes into cs ("" when none) */
static void
codec_ext(const char *text, size_t len, int prefix, char *cs, size_t cslen,
    struct buf *raw)
{
	const char *q1, *q2;

	if (prefix && (q1 = memchr(text, '\'', len)) != NULL
	    && (q2 = memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - text)))
	    != NULL) {
		if (codec_charset(text, (size_t)(q1 - text), cs, cslen) < 0)
			cs[0] = 0;
		len -= (size_t)(q2 + 1 - text);
		text = q2 + 1;
	}
	codec_percent(text, len, raw);
}

/* codec_sections - the continuations joined, converted into out */
static int
codec_sections(const struct codec_params *ps, struct buf *tmp,
    struct buf *raw, struct buf *out)
{
	char	 cs[CODEC_CHARSET_MAX + 1] = "";
	int	 k, anyext = 0;

	for (k = 0; k < MF_RFC2231_SECTIONS; k++) {
		if (!ps->have[k])
			continue;
		buf_reset(tmp);
		codec_unquote(&ps->sect[k], tmp);
		if (ps->sect[k].ext) {
			/* Only section 0 names the charset (RFC 2231 4.1) */
			codec_ext(buf_str(tmp), tmp->len, k == 0, cs,
			    sizeof(cs), raw);
			anyext = 1;
		} else {
			(void)buf_append(raw, tmp->data, tmp->len);
		}
	}
	if (anyext)
		return (codec_convert(*cs ? cs : NULL, buf_str(raw), raw->len,
		    out, 0));
	return (mf_rfc2047_decode(buf_str(raw), raw->len, out) < 0 ? -1 : 0);
}

int
mf_rfc2231_param_n(const char *value, const char *name, int n,
    struct buf *out)
{
	struct codec_params *ps;
	struct buf tmp, raw;
	char	 cs[CODEC_CHARSET_MAX + 1] = "";
	size_t	 start = out->len, vlen = strlen(value);
	int	 ret = 1;

	if (n < 0 || *name == 0)
		return (0);
	/* About 4.5 KB: on the heap, milter threads have small stacks. */
	ps = xcalloc(1, sizeof(*ps));
	ps->name = name;
	ps->namelen = strlen(name);
	if (codec_scan(value, ps) < 0) {
		xfree(ps);
		return (-1);
	}
	buf_init(&tmp, vlen);
	buf_init(&raw, vlen);
	if (ps->nsect > 0 && n-- == 0) {
		if (codec_sections(ps, &tmp, &raw, out) < 0)
			ret = -1;
	} else if (n < ps->next) {
		codec_unquote(&ps->ext[n], &tmp);
		codec_ext(buf_str(&tmp), tmp.len, 1, cs, sizeof(cs), &raw);
		if (codec_convert(*cs ? cs : NULL, buf_str(&raw), raw.len, out,
		    0) < 0)
			ret = -1;
	} else if ((n -= ps->next) < ps->nplain) {
		codec_unquote(&ps->plain[n], &tmp);
		if (mf_rfc2047_decode(buf_str(&tmp), tmp.len, out) < 0)
			ret = -1;
	} else {
		ret = 0;
	}
	if (ret < 0)
		codec_undo(out, start);
	buf_fini(&tmp);
	buf_fini(&raw);
	xfree(ps);
	return (ret);
}

int
mf_rfc2231_param(const char *value, const char *name, struct buf *out)
{
	return (mf_rfc2231_param_n(value, name, 0, out));
}

void
mf_b64_init(struct mf_b64 *st)
{
	st->bits = 0;
	st->nbits = 0;
}

int
mf_b64_decode(struct mf_b64 *st, const char *in, size_t len,
    struct buf *out)
{
	unsigned char chunk[CODEC_CHUNK];
	unsigned int bits = st->bits;
	int	 nbits = st->nbits, ret = 0;
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		int	 v = codec_b64((unsigned char)in[i]);

		if (v < 0) {
			if (in[i] == '=') {	/* padding: the quantum ends */
				bits = 0;
				nbits = 0;
			}
			continue;
		}
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			chunk[n++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
			if (n == sizeof(chunk)) {
				if ((ret = codec_put(out, chunk, n)) < 0)
					break;
				n = 0;
			}
		}
	}
	if (ret == 0 && n > 0)
		ret = codec_put(out, chunk, n);
	st->bits = bits;
	st->nbits = nbits;
	return (ret);
}

void
mf_qp_init(struct mf_qp *st)
{
	memset(st->pending, 0, sizeof(st->pending));
	st->npending = 0;
}

int
mf_qp_decode(struct mf_qp *st, const char *in, size_t len, struct buf *out)
{
	unsigned char chunk[CODEC_CHUNK + 2];
	size_t	 i = 0, n = 0;

	while (i < len) {
		int	 c = (unsigned char)in[i], consumed = 1;

		switch (st->npending) {
		case 0:
			if (c == '=') {
				st->pending[0] = '=';
				st->npending = 1;
			} else {
				chunk[n++] = (unsigned char)c;
			}
			break;
		case 1:
			if (c == '\n') {		/* soft line break */
				st->npending = 0;
			} else if (c == '\r' || codec_hex(c) >= 0) {
				st->pending[1] = (char)c;
				st->npending = 2;
			} else {			/* "=" as written */
				chunk[n++] = '=';
				st->npending = 0;
				consumed = 0;
			}
			break;
		default:
			st->npending = 0;
			if (st->pending[1] == '\r') {	/* "=\r" breaks too */
				consumed = c == '\n';
			} else if (codec_hex(c) >= 0) {
				chunk[n++] = (unsigned char)(codec_hex(
				    (unsigned char)st->pending[1]) * 16
				    + codec_hex(c));
			} else {
				chunk[n++] = '=';
				chunk[n++] = (unsigned char)st->pending[1];
				consumed = 0;
			}
			break;
		}
		i += (size_t)consumed;
		if (n >= CODEC_CHUNK) {
			if (codec_put(out, chunk, n) < 0)
				return (-1);
			n = 0;
		}
	}
	return (n > 0 ? codec_put(out, chunk, n) : 0);
}

int
mf_qp_finish(struct mf_qp *st, struct buf *out)
{
	char	 tail[2];
	size_t	 n = 0;

	if (st->npending >= 1)
		tail[n++] = '=';
	if (st->npending == 2) {
		if (st->pending[1] == '\r')	/* a soft break at the end */
			n = 0;
		else
			tail[n++] = st->pending[1];
	}
	st->npending = 0;
	return (n > 0 ? codec_put(out, tail, n) : 0);
}
