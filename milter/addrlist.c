/*
 * addrlist - RFC 5322 address lists: From:, Sender:, Reply-To:
 * SYNOPSIS	struct mf_addr list[64];
 *		if (mf_addrlist_parse(value, list, 64, &n, &why) < 0) ...
 *		if (mf_addrlist_display_addr(&list[i], fake, sizeof(fake)) == 1)
 * DESCRIPTION	The sender-login check must see every mailbox that a
 *		reader sees, and only those. So the parser follows RFC 5322
 *		with its obsolete forms (route addresses, white space and
 *		comments between the dots, empty list members), skips
 *		comments wherever they are (a "<x@y>" or "@" in a comment or
 *		in a quoted display name is text, not an address), and
 *		refuses what it cannot read rather than guess.
 *
 *		Display names are decoded (RFC 2047, inside quoted strings
 *		too, as readers do) because a name that reads as an address
 *		is how a sender pretends to be someone else;
 *		mf_addrlist_display_addr() finds such text. Without a
 *		phrase, the comments are the display name: "a@b (Name)" is
 *		shown so by many readers.
 *
 *		An address keeps its local part as written (quotes only
 *		where needed, as Postfix writes it, so table keys match) and
 *		gets its domain in lower case.
 * DIAGNOSTICS	None logged: -1 and a static *why.
 * LIMITS	ADDR_MAX per address, MF_DISPLAY_MAX per display name, max
 *		mailboxes: over any is an error, never a truncation.
 */
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "buf.h"

#include "addrlist.h"
#include "codec.h"

#define AL_STR(x)	#x
#define AL_XSTR(x)	AL_STR(x)
#define AL_TOO_LONG	"address longer than " AL_XSTR(ADDR_MAX) " bytes"

enum al_type {
	AL_END, AL_ATOM, AL_QUOTED, AL_DLIT, AL_SPECIAL, AL_ERROR
};

struct al_token {
	enum al_type type;
	int	 c;			/* AL_SPECIAL: which */
	const char *s;			/* as written, quotes included */
	size_t	 len;
	int	 space;			/* white space or comment before */
};

struct al_parse {
	const char *s;			/* the header value */
	size_t	 pos;
	struct buf cmt;			/* comments of this mailbox */
	struct buf phrase;		/* display name as written */
	struct buf text;		/* display name decoded */
	struct buf local, domain, addr;
	struct mf_addr *out;
	int	 max, n, groups;
	const char *why;
};

/* al_atext - RFC 5322 atext, and UTF-8 (RFC 6532) */
static int
al_atext(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c >= 0x80
	    || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* al_lower - ASCII letters to lower case; UTF-8 stays */
static void
al_lower(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* al_comment - the comment at p->pos, its text added to p->cmt */
static int
al_comment(struct al_parse *p)
{
	const char *s = p->s;
	size_t	 i, depth = 0;

	if (p->cmt.len > 0)
		(void)buf_putc(&p->cmt, ' ');
	for (i = p->pos;; i++) {
		int	 c = (unsigned char)s[i];

		if (c == 0) {
			p->why = "unbalanced comment";
			return (-1);
		}
		if (c == '\\' && s[i + 1]) {
			c = (unsigned char)s[++i];
		} else {
			if (c == '(' && depth++ == 0)
				continue;
			if (c == ')' && --depth == 0)
				break;
		}
		if (c == '\r' || c == '\n')
			continue;
		/* Cannot fail: cmt is as big as the value. */
		(void)buf_putc(&p->cmt, c);
	}
	p->pos = i + 1;
	return (0);
}

/* al_cfws - skip white space and comments; 1 when there were some, 0
 * when not, -1 for an unclosed comment */
static int
al_cfws(struct al_parse *p)
{
	int	 any = 0;

	for (;;) {
		int	 c = p->s[p->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->pos++;
		} else if (c == '(') {
			if (al_comment(p) < 0)
				return (-1);
		} else {
			return (any);
		}
		any = 1;
	}
}

/* al_next - the next token, after white space and comments */
static enum al_type
al_next(struct al_parse *p, struct al_token *t)
{
	const char *s = p->s;
	size_t	 i;
	int	 r, c;

	if ((r = al_cfws(p)) < 0)
		return (t->type = AL_ERROR);
	t->space = r;
	i = p->pos;
	t->s = s + i;
	c = (unsigned char)s[i];
	if (c == 0) {
		t->type = AL_END;
	} else if (al_atext(c)) {
		while (al_atext((unsigned char)s[i]))
			i++;
		t->type = AL_ATOM;
	} else if (c == '"') {
		for (i++; s[i] && s[i] != '"'; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		if (s[i] == 0) {
			p->why = "unbalanced quote";
			return (t->type = AL_ERROR);
		}
		i++;
		t->type = AL_QUOTED;
	} else if (c == '[') {
		for (i++; s[i] && s[i] != ']' && s[i] != '['; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		if (s[i] != ']') {
			p->why = "unbalanced domain literal";
			return (t->type = AL_ERROR);
		}
		i++;
		t->type = AL_DLIT;
	} else if (strchr("<>@,:;.", c) != NULL) {
		i++;
		t->type = AL_SPECIAL;
		t->c = c;
	} else {
		p->why = "unexpected character";
		return (t->type = AL_ERROR);
	}
	t->len = i - p->pos;
	p->pos = i;
	return (t->type);
}

/* al_peek - the next token, without taking it */
static enum al_type
al_peek(struct al_parse *p, struct al_token *t)
{
	size_t	 pos = p->pos, cmtlen = p->cmt.len;

	(void)al_next(p, t);
	p->pos = pos;
	if (p->cmt.data) {			/* comments are read again */
		p->cmt.len = cmtlen;
		p->cmt.data[cmtlen] = 0;
	}
	return (t->type);
}

/* al_special - is t the special character c? */
static int
al_special(const struct al_token *t, int c)
{
	return (t->type == AL_SPECIAL && t->c == c);
}

/* al_unquote - a quoted string's or domain literal's text into b, without
 * quoting and folding (a literal keeps its brackets, loses its spaces);
 * -1 past the bound of b */
static int
al_unquote(const struct al_token *t, struct buf *b)
{
	size_t	 i, end = t->len - 1;
	int	 lit = t->type == AL_DLIT;

	if (lit && buf_putc(b, '[') < 0)
		return (-1);
	for (i = 1; i < end; i++) {
		int	 c = (unsigned char)t->s[i];

		if (c == '\r' || c == '\n' || (lit && (c == ' ' || c == '\t')))
			continue;
		if (c == '\\' && i + 1 < end)
			c = (unsigned char)t->s[++i];
		if (buf_putc(b, c) < 0)
			return (-1);
	}
	return (lit ? buf_putc(b, ']') : 0);
}

/* al_local - the local part up to and including "@", unquoted into
 * p->local */
static int
al_local(struct al_parse *p)
{
	struct al_token t;
	int	 last = 0;		/* 1 after a word, 2 after a dot */

	buf_reset(&p->local);
	for (;;) {
		if (al_next(p, &t) == AL_ERROR)
			return (-1);
		if (t.type == AL_ATOM || t.type == AL_QUOTED) {
			if (last == 1) {
				p->why = "two words in a local part";
				return (-1);
			}
			if ((t.type == AL_QUOTED ? al_unquote(&t, &p->local)
			    : buf_append(&p->local, t.s, t.len)) < 0) {
				p->why = AL_TOO_LONG;
				return (-1);
			}
			last = 1;
		} else if (al_special(&t, '.')) {
			if (buf_putc(&p->local, '.') < 0) {
				p->why = AL_TOO_LONG;
				return (-1);
			}
			last = 2;
		} else if (al_special(&t, '@')) {
			break;
		} else {
			p->why = t.type == AL_END ? "address without @domain"
			    : "unexpected character in address";
			return (-1);
		}
	}
	if (last == 0) {
		p->why = "empty local part";
		return (-1);
	}
	return (0);
}

/* al_domain - a domain (dot-atom, obsolete CFWS between the dots, or a
 * literal) into p->domain, in lower case */
static int
al_domain(struct al_parse *p)
{
	struct al_token t;

	buf_reset(&p->domain);
	if (al_next(p, &t) == AL_ERROR)
		return (-1);
	if (t.type == AL_DLIT) {
		size_t	 i;

		/* Obsolete quoted-pairs and controls: refused, as Postfix
		 * would not route to them and they do not read back. */
		for (i = 1; i + 1 < t.len; i++) {
			unsigned char c = (unsigned char)t.s[i];

			if (c == '\\' || c == 0x7f || (c < ' ' && c != '\t'
			    && c != '\r' && c != '\n')) {
				p->why = "bad domain literal";
				return (-1);
			}
		}
		if (al_unquote(&t, &p->domain) < 0)
			goto long_;
	} else if (t.type == AL_ATOM) {
		if (buf_append(&p->domain, t.s, t.len) < 0)
			goto long_;
		while (al_peek(p, &t) == AL_SPECIAL && t.c == '.') {
			(void)al_next(p, &t);
			if (al_next(p, &t) != AL_ATOM) {
				if (t.type != AL_ERROR)
					p->why = "bad domain";
				return (-1);
			}
			if (buf_putc(&p->domain, '.') < 0
			    || buf_append(&p->domain, t.s, t.len) < 0)
				goto long_;
		}
	} else {
		if (t.type != AL_ERROR)
			p->why = "missing domain";
		return (-1);
	}
	al_lower(p->domain.data, p->domain.len);
	return (0);
long_:
	p->why = AL_TOO_LONG;
	return (-1);
}

/* al_addrspec - local@domain into p->addr, quoted only where needed */
static int
al_addrspec(struct al_parse *p)
{
	size_t	 i;
	int	 quote, r = 0;

	if (al_local(p) < 0 || al_domain(p) < 0)
		return (-1);
	quote = p->local.len == 0;
	for (i = 0; i < p->local.len; i++) {
		unsigned char c = (unsigned char)p->local.data[i];

		/* From a quoted-pair: no key, no reader, wants them. */
		if ((c < ' ' && c != '\t') || c == 0x7f) {
			p->why = "control character in address";
			return (-1);
		}
		if (!al_atext(c) && c != '.')
			quote = 1;
	}
	buf_reset(&p->addr);
	if (quote) {
		r |= buf_putc(&p->addr, '"');
		for (i = 0; i < p->local.len; i++) {
			char	 c = p->local.data[i];

			if (c == '"' || c == '\\')
				r |= buf_putc(&p->addr, '\\');
			r |= buf_putc(&p->addr, c);
		}
		r |= buf_putc(&p->addr, '"');
	} else {
		r |= buf_append(&p->addr, p->local.data, p->local.len);
	}
	r |= buf_putc(&p->addr, '@');
	r |= buf_append(&p->addr, p->domain.data, p->domain.len);
	if (r < 0) {
		p->why = AL_TOO_LONG;
		return (-1);
	}
	return (0);
}

/* al_clean - control characters (also NUL from =00) to spaces, trimmed;
 * the result stays in b */
static const char *
al_clean(struct buf *b)
{
	size_t	 i, start = 0, end = b->len;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < ' ' || b->data[i] == 0x7f)
			b->data[i] = ' ';
	while (start < end && b->data[start] == ' ')
		start++;
	while (end > start && b->data[end - 1] == ' ')
		end--;
	if (b->len > 0) {
		memmove(b->data, b->data + start, end - start);
		b->len = end - start;
		b->data[b->len] = 0;
	}
	return (buf_str(b));
}

/* al_fold - what a reader sees, for finding addresses: fullwidth and
 * small "@" and "." as ASCII, invisible characters gone, Unicode spaces
 * as spaces; out has room for strlen(in) + 1 */
static void
al_fold(const char *in, char *out)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t	 o = 0;

	while (*u) {
		int	 c = -1;		/* -1: copy, 0: drop */
		size_t	 n = 3;

		if (u[0] == 0xef && u[1] == 0xbc && u[2] == 0xa0)
			c = '@';		/* U+FF20 fullwidth */
		else if (u[0] == 0xef && u[1] == 0xb9 && u[2] == 0xab)
			c = '@';		/* U+FE6B small */
		else if (u[0] == 0xef && u[1] == 0xbc && u[2] == 0x8e)
			c = '.';		/* U+FF0E fullwidth */
		else if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x82)
			c = '.';		/* U+3002 ideographic */
		else if (u[0] == 0xef && u[1] == 0xbd && u[2] == 0xa1)
			c = '.';		/* U+FF61 halfwidth */
		else if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
			c = ' ';		/* U+3000 */
		else if (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
			c = 0;			/* U+FEFF */
		else if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x80) {
			if (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9
			    || u[2] == 0xaf)
				c = ' ';	/* U+2000..200A, 2028, 9, 2F */
			else if (u[2] <= 0x8f || (u[2] >= 0xaa && u[2] <= 0xae))
				c = 0;		/* U+200B..200F, 202A..202E */
		} else if (u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0x80) {
			if (u[2] == 0x9f)
				c = ' ';	/* U+205F */
			else if (u[2] >= 0xa0 && u[2] <= 0xaf && u[2] != 0xa5)
				c = 0;		/* U+2060..2064, 2066..206F */
		} else if (u[0] == 0xc2 && (u[1] == 0xa0 || u[1] == 0xad)) {
			c = u[1] == 0xa0 ? ' ' : 0;	/* NBSP, soft hyphen */
			n = 2;
		}
		if (c < 0) {
			out[o++] = (char)*u++;
			continue;
		}
		if (c > 0)
			out[o++] = (char)c;
		u += n;
	}
	out[o] = 0;
}

/* al_lchar, al_dchar - may be in the local part, the domain, of an
 * address-looking text */
static int
al_lchar(int c)
{
	return (al_atext(c) || c == '.');
}

static int
al_dchar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
	    || c >= 0x80);
}

/* al_find - the idx-th address-looking text of display that is not addr;
 * 1 (into out), 0 none, -1 it does not fit in len */
static int
al_find(const char *display, const char *addr, int idx, char *out,
    size_t len)
{
	char	 nd[MF_DISPLAY_MAX + 1];
	size_t	 k, j, r, clen, alen = strlen(addr);
	int	 count = 0;

	if (strlen(display) > MF_DISPLAY_MAX)
		return (-1);			/* not from mf_addrlist_parse */
	al_fold(display, nd);
	for (k = 0; nd[k]; k++) {
		if (nd[k] != '@')
			continue;
		for (j = k; j > 0 && al_lchar((unsigned char)nd[j - 1]); j--)
			;
		while (j < k && nd[j] == '.')
			j++;
		for (r = k + 1; al_dchar((unsigned char)nd[r]); r++)
			;
		while (r > k + 1 && nd[r - 1] == '.')
			r--;
		if (j == k || r == k + 1 || nd[k + 1] == '.'
		    || memchr(nd + k + 1, '.', r - k - 1) == NULL)
			continue;
		clen = r - j;
		if (clen == alen && strncasecmp(addr, nd + j, clen) == 0)
			continue;
		if (count++ < idx)
			continue;
		if (clen >= len)
			return (-1);
		memcpy(out, nd + j, clen);
		out[clen] = 0;
		al_lower(out + (k - j), clen - (k - j));
		return (1);
	}
	return (0);
}

/* al_store - the mailbox in p->addr with its display name as written */
static int
al_store(struct al_parse *p, const struct buf *name)
{
	struct mf_addr *m;
	char	 fake[ADDR_MAX + 1];
	int	 i, r;

	if (p->n >= p->max) {
		p->why = "too many mailboxes";
		return (-1);
	}
	m = p->out + p->n;
	buf_reset(&p->text);
	if (mf_rfc2047_decode(name->data ? name->data : "", name->len,
	    &p->text) < 0) {
		p->why = "display name longer than " AL_XSTR(MF_DISPLAY_MAX)
		    " bytes";
		return (-1);
	}
	memcpy(m->display, al_clean(&p->text), p->text.len + 1);
	memcpy(m->addr, p->addr.data, p->addr.len + 1);
	for (i = 0; (r = al_find(m->display, m->addr, i, fake,
	    sizeof(fake))) != 0; i++) {
		if (r < 0) {
			p->why = "address in display name longer than "
			    AL_XSTR(ADDR_MAX) " bytes";
			return (-1);
		}
	}
	p->n++;
	return (0);
}

/* al_route - the obsolete "@a,@b:" before an address; the "@" is next */
static int
al_route(struct al_parse *p)
{
	struct al_token t, ahead;

	for (;;) {
		if (al_next(p, &t) == AL_ERROR)
			return (-1);
		if (!al_special(&t, '@'))
			break;
		if (al_domain(p) < 0)
			return (-1);
		do {				/* "@a,,@b": empty members */
			if (al_next(p, &t) == AL_ERROR)
				return (-1);
		} while (al_special(&t, ',') && al_peek(p, &ahead) == AL_SPECIAL
		    && ahead.c == ',');
		if (al_special(&t, ':'))
			return (0);
		if (!al_special(&t, ','))
			break;
	}
	if (t.type != AL_ERROR)
		p->why = "bad route in address";
	return (-1);
}

/* al_angle - "<addr>" after the display name (has_phrase) or none */
static int
al_angle(struct al_parse *p, int has_phrase)
{
	struct al_token t;

	if (al_peek(p, &t) == AL_ERROR)
		return (-1);
	if (al_special(&t, '>')) {
		p->why = "empty address <>";
		return (-1);
	}
	if (al_special(&t, '@') && al_route(p) < 0)
		return (-1);
	if (al_addrspec(p) < 0 || al_next(p, &t) == AL_ERROR)
		return (-1);
	if (!al_special(&t, '>')) {
		p->why = "missing >";
		return (-1);
	}
	if (al_cfws(p) < 0)
		return (-1);
	return (al_store(p, has_phrase ? &p->phrase : &p->cmt));
}

static int al_list(struct al_parse *, int);

/* al_group - after "name:", the group's mailboxes up to ";" */
static int
al_group(struct al_parse *p, int in_group)
{
	char	 fake[ADDR_MAX + 1];

	if (in_group) {
		p->why = "group inside a group";
		return (-1);
	}
	buf_reset(&p->text);
	if (mf_rfc2047_decode(p->phrase.data ? p->phrase.data : "",
	    p->phrase.len, &p->text) < 0) {
		p->why = "group name longer than " AL_XSTR(MF_DISPLAY_MAX)
		    " bytes";
		return (-1);
	}
	if (al_find(al_clean(&p->text), "", 0, fake, sizeof(fake)) != 0) {
		p->why = "group name looks like an address";
		return (-1);
	}
	p->groups++;
	return (al_list(p, 1));
}

/* al_element - one mailbox or group */
static int
al_element(struct al_parse *p, int in_group)
{
	struct al_token t;
	size_t	 mark = p->pos;
	int	 words = 0;

	buf_reset(&p->cmt);
	buf_reset(&p->phrase);
	/* The phrase is only a guess until "<" or ":" says it was one. */
	for (;;) {
		if (al_next(p, &t) == AL_ERROR)
			return (-1);
		if (t.type != AL_ATOM && t.type != AL_QUOTED
		    && !al_special(&t, '.'))
			break;
		/* Cannot fail: phrase is as big as the value. */
		if (t.space && p->phrase.len > 0)
			(void)buf_putc(&p->phrase, ' ');
		if (t.type == AL_QUOTED)
			(void)al_unquote(&t, &p->phrase);
		else
			(void)buf_append(&p->phrase, t.s, t.len);
		words++;
	}
	if (al_special(&t, '<'))
		return (al_angle(p, words > 0));
	if (al_special(&t, ':'))
		return (al_group(p, in_group));
	if (al_special(&t, '@')) {
		p->pos = mark;
		buf_reset(&p->cmt);
		if (al_addrspec(p) < 0 || al_cfws(p) < 0)
			return (-1);
		return (al_store(p, &p->cmt));
	}
	p->why = words > 0 ? "address without @domain" : "unexpected character";
	return (-1);
}

/* al_list - elements separated by ",", up to the end or (in a group)
 * ";"; empty elements are allowed (RFC 5322 obs-addr-list) */
static int
al_list(struct al_parse *p, int in_group)
{
	struct al_token t;

	for (;;) {
		if (al_peek(p, &t) == AL_ERROR)
			return (-1);
		if (t.type == AL_END)		/* a group may lack its ";" */
			return (0);
		if (al_special(&t, ',')) {
			(void)al_next(p, &t);
			continue;
		}
		if (al_special(&t, ';')) {
			if (!in_group) {
				p->why = "unexpected ;";
				return (-1);
			}
			(void)al_next(p, &t);
			return (0);
		}
		if (al_element(p, in_group) < 0)
			return (-1);
		if (al_peek(p, &t) == AL_ERROR)
			return (-1);
		if (t.type != AL_END && !al_special(&t, ',')
		    && !(in_group && al_special(&t, ';'))) {
			p->why = "expected , between addresses";
			return (-1);
		}
	}
}

int
mf_addrlist_parse(const char *value, struct mf_addr *out, int max, int *n,
    const char **why)
{
	struct al_parse p;
	size_t	 len = strlen(value);
	int	 r;

	p.s = value;
	p.pos = 0;
	p.out = out;
	p.max = max;
	p.n = p.groups = 0;
	p.why = "malformed address list";
	buf_init(&p.cmt, len + 1);
	buf_init(&p.phrase, len + 1);
	buf_init(&p.text, MF_DISPLAY_MAX);
	buf_init(&p.local, ADDR_MAX);
	buf_init(&p.domain, ADDR_MAX);
	buf_init(&p.addr, ADDR_MAX);
	r = al_list(&p, 0);
	if (r == 0 && p.n == 0 && p.groups == 0) {
		p.why = "no address";
		r = -1;
	}
	buf_fini(&p.cmt);
	buf_fini(&p.phrase);
	buf_fini(&p.text);
	buf_fini(&p.local);
	buf_fini(&p.domain);
	buf_fini(&p.addr);
	*n = r < 0 ? 0 : p.n;
	if (r < 0)
		*why = p.why;
	return (r);
}

int
mf_addrlist_display_addr_n(const struct mf_addr *m, int i, char *out,
    size_t len)
{
	if (i < 0)
		return (0);
	return (al_find(m->display, m->addr, i, out, len));
}

int
mf_addrlist_display_addr(const struct mf_addr *m, char *out, size_t len)
{
	return (al_find(m->display, m->addr, 0, out, len));
}
