/*
 * bounce_msg - what a bounce or complaint message says
 * SYNOPSIS	m = xcalloc(1, sizeof(*m));
 *		pd_bmsg_parse(data, len, truncated, maps, m);
 * DESCRIPTION	Finds, in one message, the recipients that bounced and
 *		why, and classifies each (bounce.c):
 *
 *		RFC 3464 reports: the message/delivery-status part of a
 *		multipart/report, at any depth; one recipient per
 *		Final-Recipient block with its Action, Status and
 *		Diagnostic-Code. Action "delayed" is soft, "delivered",
 *		"relayed" and "expanded" are none. A Status of X.0.0 gives
 *		way to a more precise one in the Diagnostic-Code.
 *
 *		RFC 5965 feedback reports (ARF): the recipient is the
 *		Original-Rcpt-To field or else the To: of the returned
 *		message; the sender domain complained about is
 *		Reported-Domain, else the domain of the returned From:,
 *		else of Original-Mail-From.
 *
 *		Non-standard bounces (from MAILER-DAEMON or postmaster, or
 *		a subject such as "Undelivered Mail", "failure notice",
 *		"Mail delivery failed"): the first text part is read line
 *		by line for the shapes of Postfix and qmail ("<a@b>:"
 *		followed by the reply), Exim and Sendmail (a list of
 *		addresses after "failed:" or "fatal errors", the reply
 *		indented under each), Exchange ("Remote Server returned
 *		'...'"), Gmail ("wasn't delivered to a@b", "The response
 *		was:") and Yahoo.
 *
 *		Auto-replies (Auto-Submitted other than "no", X-Autoreply,
 *		X-Autorespond, Precedence: auto_reply, out-of-office
 *		subjects) that are none of the above are ignored.
 *
 *		Base64 and quoted-printable parts are decoded. The
 *		original sender, for the report, is the DSN's
 *		X-Postfix-Sender, else the returned message's Return-Path
 *		or From.
 * DIAGNOSTICS	Never fails: a message that cannot be read is "none" with
 *		the reason in why ("header block over 65536 bytes",
 *		"delivery-status report without a recipient").
 * LIMITS	BOUNCE_HEADER_MAX per header block, BOUNCE_DEPTH_MAX of
 *		multipart nesting, BOUNCE_PARTS_MAX parts, BOUNCE_RCPT_MAX
 *		recipients (the rest are not taken, and why says so).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bounce_msg.h"
#include "buf.h"
#include "codec.h"
#include "msg.h"
#include "mymalloc.h"

#define BM_FIELD_MAX	4096		/* one unfolded DSN/ARF field */

struct bm_ctx {
	struct pd_bmsg *m;
	struct table *maps;
	int	 parts;
	int	 over;			/* a bound was hit: the reason */
	const char *over_why;
	int	 is_report_dsn;		/* multipart/report delivery-status */
	int	 is_report_arf;		/* multipart/report feedback-report */
	int	 arf_seen;		/* a feedback-report part */
	struct buf text;		/* first text/plain part, decoded */
	int	 have_text;
	/* ARF fields and the returned message's headers */
	char	 arf_rcpt[ADDR_MAX + 1];
	char	 arf_mail_from[ADDR_MAX + 1];
	char	 arf_domain[ADDR_MAX + 1];
	char	 arf_type[32];
	char	 orig_from[ADDR_MAX + 1];
	char	 orig_to[ADDR_MAX + 1];
	char	 orig_return[ADDR_MAX + 1];
	char	 dsn_sender[ADDR_MAX + 1];
};

static const char *bm_kinds[] = {
	"none", "dsn", "text", "arf", "autoreply",
};

const char *
pd_bmsg_kind_name(enum pd_bmsg_kind k)
{
	return ((size_t)k < sizeof(bm_kinds) / sizeof(bm_kinds[0]) ?
	    bm_kinds[k] : "none");
}

/* Header blocks. */

/* bm_header_end - length of the header block of data (up to and with
 * the empty line); *body set after it; -1 over BOUNCE_HEADER_MAX */
static ssize_t
bm_header_end(const char *data, size_t len, const char **body)
{
	size_t	 i = 0;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t	 end = nl ? (size_t)(nl - data) + 1 : len;
		size_t	 ll = end - i;

		if (ll == 1 || (ll == 2 && data[i] == '\r')) {
			*body = data + end;
			return ((ssize_t)i);
		}
		if (end > BOUNCE_HEADER_MAX)
			return (-1);
		i = end;
	}
	*body = data + len;
	return ((ssize_t)len);
}

/*
 * bm_field - the unfolded value of the first field `name` in a header
 * block into out (white space runs folded, trimmed); 1 found, 0 not.
 * A value over out's bound is cut: these are looked at, not stored.
 */
static int
bm_field(const char *h, size_t hlen, const char *name, struct buf *out)
{
	size_t	 nlen = strlen(name), i = 0;

	buf_reset(out);
	while (i < hlen) {
		const char *nl = memchr(h + i, '\n', hlen - i);
		size_t	 end = nl ? (size_t)(nl - h) + 1 : hlen;

		if (end - i > nlen && strncasecmp(h + i, name, nlen) == 0
		    && h[i + nlen] == ':') {
			size_t	 j = i + nlen + 1;
			int	 sp = 0;

			for (;;) {
				for (; j < hlen && h[j] != '\n'; j++) {
					unsigned char c = (unsigned char)h[j];

					if (isspace(c)) {
						sp = out->len > 0;
						continue;
					}
					if (sp && buf_putc(out, ' ') < 0)
						return (1);
					sp = 0;
					if (buf_putc(out, c < 0x20 ? '?' : c) < 0)
						return (1);
				}
				/* continuation line? */
				if (j + 1 < hlen && (h[j + 1] == ' '
				    || h[j + 1] == '\t')) {
					j++;
					sp = out->len > 0;
					continue;
				}
				break;
			}
			return (1);
		}
		i = end;
	}
	return (0);
}

/* bm_addr_from - the address in a header value ("Name <a@b>", "a@b",
 * "rfc822; a@b") into out[ADDR_MAX + 1], lower case; 0, or -1 */
static int
bm_addr_from(const char *v, char *out)
{
	struct pd_bounce_rcpt r;
	const char *lt = strrchr(v, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')) != NULL) {
		if (pd_bounce_set_address(&r, lt + 1, (size_t)(gt - lt - 1)) < 0)
			return (-1);
	} else {
		size_t	 n;

		if (strncasecmp(v, "rfc822;", 7) == 0)
			v += 7;
		v += strspn(v, " \t");
		n = strcspn(v, " \t,;");
		if (pd_bounce_set_address(&r, v, n) < 0)
			return (-1);
	}
	memcpy(out, r.address, strlen(r.address) + 1);
	return (0);
}

/* Decoding a leaf's body. */

/* bm_decode - body of a part, per Content-Transfer-Encoding, into out;
 * -1 over its bound */
static int
bm_decode(const char *hdr, size_t hlen, const char *body, size_t blen,
    struct buf *out)
{
	struct buf cte;
	int	 rc;

	buf_init(&cte, 64);
	buf_reset(out);
	(void)bm_field(hdr, hlen, "Content-Transfer-Encoding", &cte);
	if (strcasecmp(buf_str(&cte), "base64") == 0) {
		struct mf_b64 b;

		mf_b64_init(&b);
		rc = mf_b64_decode(&b, body, blen, out);
	} else if (strcasecmp(buf_str(&cte), "quoted-printable") == 0) {
		struct mf_qp q;

		mf_qp_init(&q);
		rc = mf_qp_decode(&q, body, blen, out);
		if (rc == 0)
			rc = mf_qp_finish(&q, out);
	} else
		rc = buf_append(out, body, blen);
	buf_fini(&cte);
	return (rc < 0 ? -1 : 0);
}

/* DSN and ARF fields. */

/*
 * bm_fields - call fn(name, value, ctx) for each field of a block of
 * "Name: value" lines, unfolded; fn(NULL, NULL, ctx) at each empty line
 * that ends a block, and once at the end.
 */
static void
bm_fields(const char *t, size_t len, void (*fn)(const char *, const char *,
    void *), void *ctx)
{
	struct buf name, val;
	size_t	 i = 0;
	int	 have = 0;

	buf_init(&name, 128);
	buf_init(&val, BM_FIELD_MAX);
	while (i <= len) {
		const char *nl = i < len ? memchr(t + i, '\n', len - i) : NULL;
		size_t	 end = nl ? (size_t)(nl - t) : len;
		size_t	 ll = end - i, k;

		if (ll > 0 && t[end - 1] == '\r')
			ll--;
		if (ll > 0 && (t[i] == ' ' || t[i] == '\t') && have) {
			(void)buf_putc(&val, ' ');
			for (k = i; k < i + ll && (t[k] == ' ' || t[k] == '\t');
			    k++)
				;
			(void)buf_append(&val, t + k, i + ll - k);
		} else {
			if (have)
				fn(buf_str(&name), buf_str(&val), ctx);
			have = 0;
			if (ll == 0) {
				fn(NULL, NULL, ctx);
			} else {
				const char *colon = memchr(t + i, ':', ll);

				if (colon && colon > t + i && (size_t)(colon
				    - (t + i)) < 100) {
					buf_reset(&name);
					buf_reset(&val);
					(void)buf_append(&name, t + i,
					    (size_t)(colon - (t + i)));
					k = (size_t)(colon - t) + 1;
					while (k < i + ll && (t[k] == ' '
					    || t[k] == '\t'))
						k++;
					(void)buf_append(&val, t + k, i + ll - k);
					have = 1;
				}
			}
		}
		if (nl == NULL)
			break;
		i = end + 1;
	}
	if (have)
		fn(buf_str(&name), buf_str(&val), ctx);
	fn(NULL, NULL, ctx);
	buf_fini(&name);
	buf_fini(&val);
}

struct bm_dsn {
	struct bm_ctx *c;
	int	 block;			/* 0: the per-message block */
	int	 have_rcpt;
	int	 have_final;		/* Final-Recipient seen */
	int	 have_fields;		/* Action, Status or Diagnostic-Code */
	struct pd_bounce_rcpt r;
	char	 action[32];
	char	 diag[BOUNCE_REPLY_MAX];
	char	 status[PD_BOUNCE_STATUS_MAX];
};

/* bm_add - classify r and keep it; 0, or -1 when the list is full */
static int
bm_add(struct bm_ctx *c, struct pd_bounce_rcpt *r)
{
	size_t	 i;

	for (i = 0; i < c->m->n; i++)
		if (strcmp(c->m->rcpt[i].address, r->address) == 0) {
			/* Said twice: the time with a status says more. */
			if (c->m->rcpt[i].status[0] == 0 && r->status[0])
				c->m->rcpt[i] = *r;
			return (0);
		}
	if (c->m->n == BOUNCE_RCPT_MAX) {
		c->over = 1;
		c->over_why = "more than 100 recipients: the rest not taken";
		return (-1);
	}
	c->m->rcpt[c->m->n++] = *r;
	return (0);
}

/* bm_dsn_end - a recipient block is complete */
static void
bm_dsn_end(struct bm_dsn *d)
{
	struct pd_bounce_rcpt *r = &d->r;
	char	 more[PD_BOUNCE_STATUS_MAX];
	const char *diag = d->diag;

	/* A block cut off before its Action and Status says nothing. */
	if (d->have_rcpt && r->address[0] && d->have_fields) {
		if (strncasecmp(diag, "smtp;", 5) == 0)
			diag += 5;
		pd_bounce_set_reply(r, diag, strlen(diag));
		if (pd_bounce_status_valid(d->status))
			memcpy(r->status, d->status, sizeof(r->status));
		/* "5.0.0" says little; the remote reply may say more. */
		if ((r->status[0] == 0 || strcmp(r->status + 1, ".0.0") == 0)
		    && pd_bounce_status_find(r->reply, more)
		    && (r->status[0] == 0 || more[0] == r->status[0]))
			memcpy(r->status, more, sizeof(r->status));
		if (strcasecmp(d->action, "delayed") == 0) {
			r->class = PD_BOUNCE_SOFT;
			snprintf(r->rule, sizeof(r->rule), "dsn-delayed");
		} else if (strcasecmp(d->action, "delivered") == 0
		    || strcasecmp(d->action, "relayed") == 0
		    || strcasecmp(d->action, "expanded") == 0) {
			r->class = PD_BOUNCE_NONE;
			snprintf(r->rule, sizeof(r->rule), "dsn-%s",
			    d->action[0] == 'd' || d->action[0] == 'D' ?
			    "delivered" : d->action[0] == 'r'
			    || d->action[0] == 'R' ? "relayed" : "expanded");
		} else if (pd_bounce_classify(d->c->maps, r) < 0)
			d->c->m->map_error = 1;
		(void)bm_add(d->c, r);
	}
	memset(&d->r, 0, sizeof(d->r));
	d->have_rcpt = d->have_final = d->have_fields = 0;
	d->action[0] = d->diag[0] = d->status[0] = 0;
}

/* bm_dsn_field - bm_fields callback for message/delivery-status */
static void
bm_dsn_field(const char *name, const char *val, void *ctx)
{
	struct bm_dsn *d = ctx;

	if (name == NULL) {
		if (d->block > 0)
			bm_dsn_end(d);
		d->block++;
		return;
	}
	if (d->block == 0) {
		if (strcasecmp(name, "X-Postfix-Sender") == 0)
			(void)bm_addr_from(val, d->c->dsn_sender);
		/* a report without the empty line after its first block */
		if (strcasecmp(name, "Final-Recipient") != 0
		    && strcasecmp(name, "Original-Recipient") != 0)
			return;
		d->block = 1;
	}
	if (strcasecmp(name, "Final-Recipient") == 0) {
		if (d->have_final)
			bm_dsn_end(d);	/* two blocks run together */
		d->have_final = 1;
		d->have_rcpt = bm_addr_from(val, d->r.address) == 0;
		return;
	}
	if (strcasecmp(name, "Original-Recipient") == 0) {
		if (!d->have_final)
			d->have_rcpt = bm_addr_from(val, d->r.address) == 0;
		return;
	}
	d->have_fields = 1;
	if (strcasecmp(name, "Action") == 0)
		snprintf(d->action, sizeof(d->action), "%.*s",
		    (int)strcspn(val, " \t("), val);
	else if (strcasecmp(name, "Status") == 0)
		snprintf(d->status, sizeof(d->status), "%.*s",
		    (int)strcspn(val, " \t("), val);
	else if (strcasecmp(name, "Diagnostic-Code") == 0)
		snprintf(d->diag, sizeof(d->diag), "%s", val);
}

/* bm_arf_field - bm_fields callback for message/feedback-report */
static void
bm_arf_field(const char *name, const char *val, void *ctx)
{
	struct bm_ctx *c = ctx;

	if (name == NULL)
		return;
	if (strcasecmp(name, "Feedback-Type") == 0)
		snprintf(c->arf_type, sizeof(c->arf_type), "%.*s",
		    (int)strcspn(val, " \t;"), val);
	else if (strcasecmp(name, "Original-Rcpt-To") == 0 && !c->arf_rcpt[0])
		(void)bm_addr_from(val, c->arf_rcpt);
	else if (strcasecmp(name, "Original-Mail-From") == 0)
		(void)bm_addr_from(val, c->arf_mail_from);
	else if (strcasecmp(name, "Reported-Domain") == 0 && !c->arf_domain[0])
		snprintf(c->arf_domain, sizeof(c->arf_domain), "%.*s",
		    (int)strcspn(val, " \t;,"), val);
}

/* bm_orig_headers - the returned message's header: From, To, Return-Path */
static void
bm_orig_headers(struct bm_ctx *c, const char *data, size_t len)
{
	struct buf v;
	const char *body;
	ssize_t	 hlen;

	if ((hlen = bm_header_end(data, len, &body)) < 0)
		hlen = BOUNCE_HEADER_MAX;
	buf_init(&v, BM_FIELD_MAX);
	if (!c->orig_from[0] && bm_field(data, (size_t)hlen, "From", &v))
		(void)bm_addr_from(buf_str(&v), c->orig_from);
	if (!c->orig_to[0] && bm_field(data, (size_t)hlen, "To", &v))
		(void)bm_addr_from(buf_str(&v), c->orig_to);
	if (!c->orig_return[0] && bm_field(data, (size_t)hlen, "Return-Path",
	    &v))
		(void)bm_addr_from(buf_str(&v), c->orig_return);
	buf_fini(&v);
}

/* The MIME walk. */

static void bm_walk(struct bm_ctx *, const char *, size_t, int);

/* bm_multipart - each part between "--boundary" lines */
static void
bm_multipart(struct bm_ctx *c, const char *body, size_t len,
    const char *boundary, int depth)
{
	size_t	 blen = strlen(boundary), i = 0;
	const char *start = NULL;

	while (i < len) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t	 end = nl ? (size_t)(nl - body) + 1 : len;

		if (end - i >= blen + 2 && body[i] == '-' && body[i + 1] == '-'
		    && memcmp(body + i + 2, boundary, blen) == 0) {
			int	 last = end - i >= blen + 4
			    && body[i + 2 + blen] == '-'
			    && body[i + 3 + blen] == '-';

			if (start != NULL) {
				size_t	 plen = (size_t)(body + i - start);

				bm_walk(c, start, plen, depth + 1);
			}
			if (last || c->over)
				return;
			start = body + end;
		}
		i = end;
	}
	if (start != NULL)		/* truncated: no closing boundary */
		bm_walk(c, start, (size_t)(body + len - start), depth + 1);
}

/* bm_walk - one MIME entity */
static void
bm_walk(struct bm_ctx *c, const char *data, size_t len, int depth)
{
	struct buf ct, param, dec;
	const char *body, *semi;
	ssize_t	 hlen;
	char	 type[64];
	size_t	 n;

	if (c->over)
		return;
	if (depth > BOUNCE_DEPTH_MAX || ++c->parts > BOUNCE_PARTS_MAX) {
		c->over = 1;
		c->over_why = depth > BOUNCE_DEPTH_MAX ? "MIME nesting over 8 "
		    "levels" : "more than 64 MIME parts";
		return;
	}
	if ((hlen = bm_header_end(data, len, &body)) < 0) {
		c->over = 1;
		c->over_why = "header block over 65536 bytes";
		return;
	}
	buf_init(&ct, BM_FIELD_MAX);
	buf_init(&param, 1024);
	if (!bm_field(data, (size_t)hlen, "Content-Type", &ct))
		buf_set(&ct, "text/plain");
	n = strcspn(buf_str(&ct), "; \t");
	snprintf(type, sizeof(type), "%.*s", (int)(n < sizeof(type) ? n :
	    sizeof(type) - 1), buf_str(&ct));
	for (n = 0; type[n]; n++)
		type[n] = (char)tolower((unsigned char)type[n]);
	semi = strchr(buf_str(&ct), ';');
	if (strncmp(type, "multipart/", 10) == 0) {
		if (semi && mf_rfc2231_param(semi + 1, "boundary", &param) == 1
		    && param.len > 0) {
			if (depth == 0 && strcmp(type, "multipart/report") == 0) {
				struct buf rt;

				buf_init(&rt, 128);
				if (mf_rfc2231_param(semi + 1, "report-type",
				    &rt) == 1) {
					if (strcasecmp(buf_str(&rt),
					    "delivery-status") == 0)
						c->is_report_dsn = 1;
					else if (strcasecmp(buf_str(&rt),
					    "feedback-report") == 0)
						c->is_report_arf = 1;
				}
				buf_fini(&rt);
			}
			bm_multipart(c, body, (size_t)(data + len - body),
			    buf_str(&param), depth);
		}
		buf_fini(&ct);
		buf_fini(&param);
		return;
	}
	buf_init(&dec, BOUNCE_MSG_MAX);
	if (strcmp(type, "message/rfc822") == 0
	    || strcmp(type, "text/rfc822-headers") == 0
	    || strcmp(type, "message/rfc822-headers") == 0)
		bm_orig_headers(c, body, (size_t)(data + len - body));
	else if (bm_decode(data, (size_t)hlen, body,
	    (size_t)(data + len - body), &dec) < 0) {
		c->over = 1;
		c->over_why = "decoded part over its bound";
	} else if (strcmp(type, "message/delivery-status") == 0
	    || strcmp(type, "message/global-delivery-status") == 0) {
		struct bm_dsn d;

		memset(&d, 0, sizeof(d));
		d.c = c;
		bm_fields(dec.data ? dec.data : "", dec.len, bm_dsn_field, &d);
	} else if (strcmp(type, "message/feedback-report") == 0) {
		c->arf_seen = 1;
		bm_fields(dec.data ? dec.data : "", dec.len, bm_arf_field, c);
	} else if (strcmp(type, "text/plain") == 0 && !c->have_text) {
		c->have_text = 1;
		(void)buf_append(&c->text, dec.data ? dec.data : "", dec.len);
	}
	buf_fini(&dec);
	buf_fini(&ct);
	buf_fini(&param);
}

/* Non-standard bounces. */

/* bm_line_addr - an address alone on a line (with <>, a trailing ":"
 * or " (a@b)"); its length in line with *start set, or 0 */
static size_t
bm_line_addr(const char *s, size_t len, const char **start, const char **rest)
{
	size_t	 i = 0, j;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && s[i] == '<') {
		for (j = i + 1; j < len && s[j] != '>' && s[j] != ' '; j++)
			;
		if (j == len || s[j] != '>' || memchr(s + i, '@', j - i) == NULL)
			return (0);
		*start = s + i + 1;
		*rest = s + j + 1;
		if (*rest < s + len && **rest == ':')
			(*rest)++;
		return (j - i - 1);
	}
	for (j = i; j < len && s[j] != ' ' && s[j] != '\t' && s[j] != ':'; j++)
		;
	if (j == i || memchr(s + i, '@', j - i) == NULL)
		return (0);
	*start = s + i;
	*rest = s + j;
	if (j < len && s[j] == ':')
		(*rest)++;
	else if (j < len && memchr(s + j, '(', len - j) == NULL
	    && memchr(s + j, '<', len - j) == NULL)
		return (0);		/* "a@b some prose": not a list item */
	return (j - i);
}

struct bm_text {
	struct bm_ctx *c;
	struct pd_bounce_rcpt r;
	struct buf reply;
	int	 open;			/* collecting r's reply */
	int	 listing;		/* after "failed:" and kin */
	int	 want_response;		/* after "The response was:" */
};

/* bm_text_end - the current recipient's reply is complete */
static void
bm_text_end(struct bm_text *t)
{
	const char *reply = buf_str(&t->reply), *said;

	if (!t->open)
		return;
	t->open = 0;
	if ((said = strstr(reply, "said: ")) != NULL)
		reply = said + 6;
	else if ((said = strstr(reply, "returned '")) != NULL)
		reply = said + 10;
	pd_bounce_set_reply(&t->r, reply, strlen(reply));
	if (t->r.reply[0] && t->r.reply[strlen(t->r.reply) - 1] == '\'')
		t->r.reply[strlen(t->r.reply) - 1] = 0;
	(void)pd_bounce_status_find(t->r.reply, t->r.status);
	if (pd_bounce_classify(t->c->maps, &t->r) < 0)
		t->c->m->map_error = 1;
	(void)bm_add(t->c, &t->r);
	buf_reset(&t->reply);
}

/* bm_text_line - one line of a non-standard bounce */
static void
bm_text_line(struct bm_text *t, const char *s, size_t len)
{
	const char *a, *rest, *p;
	size_t	 n, k;
	char	 low[256];

	for (k = 0; k < len && k < sizeof(low) - 1; k++)
		low[k] = (char)tolower((unsigned char)s[k]);
	low[k] = 0;
	if (len == 0 || strspn(low, " \t") == k) {
		if (t->open && t->reply.len > 0)
			bm_text_end(t);
		return;
	}
	if (t->want_response && t->open) {
		(void)buf_putc(&t->reply, ' ');
		(void)buf_append(&t->reply, s, len);
		t->want_response = 0;
		bm_text_end(t);
		return;
	}
	if (strstr(low, "failed:") || strstr(low, "following address")
	    || strstr(low, "following recipient") || strstr(low, "fatal error")
	    || strstr(low, "recipients or groups:")
	    || strstr(low, "could not be delivered to:")) {
		if (t->open)
			bm_text_end(t);
		t->listing = 1;
		return;
	}
	if ((p = strstr(low, "delivered to ")) != NULL && strstr(low, "wasn't")) {
		p = s + (p - low) + 13;
		n = strcspn(p, " \t\r");
		if (p + n > s + len)
			n = (size_t)(s + len - p);
		if (t->open)
			bm_text_end(t);
		memset(&t->r, 0, sizeof(t->r));
		if (pd_bounce_set_address(&t->r, p, n) == 0) {
			t->open = 1;
			buf_reset(&t->reply);
		}
		return;
	}
	if (strstr(low, "the response") && low[k - 1] == ':') {
		t->want_response = 1;
		return;
	}
	if (t->open && (p = strstr(low, "remote server returned")) != NULL) {
		(void)buf_putc(&t->reply, ' ');
		(void)buf_append(&t->reply, s + (p - low), len - (size_t)(p
		    - low));
		return;
	}
	n = bm_line_addr(s, len, &a, &rest);
	if (n > 0 && (t->listing || (s[0] == '<' && rest > a + n
	    && rest[-1] == ':'))) {
		if (t->open)
			bm_text_end(t);
		memset(&t->r, 0, sizeof(t->r));
		if (pd_bounce_set_address(&t->r, a, n) == 0) {
			t->open = 1;
			buf_reset(&t->reply);
			if (rest < s + len && memchr(rest, '(', (size_t)(s + len
			    - rest)) == NULL)
				(void)buf_append(&t->reply, rest,
				    (size_t)(s + len - rest));
		}
		return;
	}
	if (t->open) {
		if (strncmp(low + strspn(low, " \t"), "(reason:", 8) == 0) {
			p = s + strspn(low, " \t") + 8;
			(void)buf_append(&t->reply, p, (size_t)(s + len - p));
			if (t->reply.len && t->reply.data[t->reply.len - 1] == ')')
				t->reply.data[--t->reply.len] = 0;
			return;
		}
		(void)buf_putc(&t->reply, ' ');
		(void)buf_append(&t->reply, s, len);
	}
}

/* bm_text - a non-standard bounce's text, line by line */
static void
bm_text(struct bm_ctx *c, const char *s, size_t len)
{
	struct bm_text t;
	size_t	 i = 0;

	memset(&t, 0, sizeof(t));
	t.c = c;
	buf_init(&t.reply, 4 * BOUNCE_REPLY_MAX);
	while (i < len && !c->over) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t	 end = nl ? (size_t)(nl - s) : len;
		size_t	 ll = end - i;

		if (ll > 0 && s[end - 1] == '\r')
			ll--;
		bm_text_line(&t, s + i, ll);
		i = end + 1;
	}
	bm_text_end(&t);
	buf_fini(&t.reply);
}

/* Putting it together. */

/* bm_is_bounce - does the top header look like a bounce? */
static int
bm_is_bounce(const char *from, const char *subject)
{
	static const char *subjects[] = {
		"undeliver", "delivery status notification", "failure notice",
		"mail delivery failed", "delivery failure", "returned mail",
		"delivery has failed", "mail delivery system",
		"non remis", "unzustellbar", "failed delivery",
	};
	char	 low[256];
	size_t	 i;

	for (i = 0; from[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)from[i]);
	low[i] = 0;
	if (strstr(low, "mailer-daemon") || strstr(low, "postmaster@")
	    || strstr(low, "mail delivery"))
		return (1);
	for (i = 0; subject[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)subject[i]);
	low[i] = 0;
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (strstr(low, subjects[i]))
			return (1);
	return (0);
}

/* bm_is_autoreply - RFC 3834 and the usual out-of-office marks */
static int
bm_is_autoreply(const char *h, size_t hlen, const char *subject)
{
	static const char *subjects[] = {
		"out of office", "out of the office", "automatic reply",
		"auto:", "autoreply", "auto-reply", "auto reply",
		"abwesenheit", "réponse automatique", "vacation",
	};
	struct buf v;
	char	 low[256];
	size_t	 i;
	int	 yes = 0;

	buf_init(&v, 256);
	if (bm_field(h, hlen, "Auto-Submitted", &v)
	    && strncasecmp(buf_str(&v), "no", 2) != 0)
		yes = 1;
	if (bm_field(h, hlen, "X-Autoreply", &v)
	    || bm_field(h, hlen, "X-Autorespond", &v)
	    || (bm_field(h, hlen, "Precedence", &v)
	    && strcasecmp(buf_str(&v), "auto_reply") == 0))
		yes = 1;
	buf_fini(&v);
	for (i = 0; subject[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)subject[i]);
	low[i] = 0;
	for (i = 0; !yes && i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (strstr(low, subjects[i]))
			yes = 1;
	return (yes);
}

/* bm_arf - a complaint from what the walk found */
static void
bm_arf(struct bm_ctx *c)
{
	struct pd_bmsg *m = c->m;
	struct pd_bounce_rcpt r;
	const char *dom = NULL;

	memset(&r, 0, sizeof(r));
	if (c->arf_rcpt[0])
		memcpy(r.address, c->arf_rcpt, sizeof(r.address));
	else if (c->orig_to[0])
		memcpy(r.address, c->orig_to, sizeof(r.address));
	if (c->arf_domain[0])
		dom = c->arf_domain;
	else if (c->orig_from[0])
		dom = addr_domain(c->orig_from);
	else if (c->arf_mail_from[0])
		dom = addr_domain(c->arf_mail_from);
	if (r.address[0] == 0 || dom == NULL || *dom == 0) {
		m->kind = PD_BMSG_NONE;
		snprintf(m->why, sizeof(m->why), "feedback report without %s",
		    r.address[0] ? "a sender domain" : "a recipient");
		return;
	}
	snprintf(m->sender, sizeof(m->sender), "%s", dom);
	for (char *p = m->sender; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	r.class = PD_BOUNCE_COMPLAINT;
	snprintf(r.rule, sizeof(r.rule), "arf");
	snprintf(r.reply, sizeof(r.reply), "feedback-type %s",
	    c->arf_type[0] ? c->arf_type : "(none)");
	m->kind = PD_BMSG_ARF;
	m->n = 1;
	m->rcpt[0] = r;
	snprintf(m->why, sizeof(m->why), "complaint (%s) about %.60s",
	    c->arf_type[0] ? c->arf_type : "no type", dom);
}

void
pd_bmsg_parse(const char *data, size_t len, int truncated,
    struct table *maps, struct pd_bmsg *m)
{
	struct bm_ctx c;
	struct buf from, subject;
	const char *body;
	ssize_t	 hlen;
	int	 bounce;

	memset(m, 0, sizeof(*m));
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.maps = maps;
	if ((hlen = bm_header_end(data, len, &body)) < 0) {
		snprintf(m->why, sizeof(m->why), "header block over %d bytes",
		    BOUNCE_HEADER_MAX);
		return;
	}
	if (hlen == 0 || memchr(data, ':', (size_t)hlen) == NULL) {
		snprintf(m->why, sizeof(m->why), "no message header");
		return;
	}
	buf_init(&c.text, BOUNCE_MSG_MAX);
	buf_init(&from, 1024);
	buf_init(&subject, 1024);
	(void)bm_field(data, (size_t)hlen, "From", &from);
	(void)bm_field(data, (size_t)hlen, "Subject", &subject);
	bm_walk(&c, data, len, 0);
	bounce = c.is_report_dsn || bm_is_bounce(buf_str(&from),
	    buf_str(&subject));
	if (c.is_report_arf || c.arf_seen) {
		bm_arf(&c);
	} else if (m->n > 0) {
		m->kind = PD_BMSG_DSN;
	} else if (!bounce && bm_is_autoreply(data, (size_t)hlen,
	    buf_str(&subject))) {
		m->kind = PD_BMSG_AUTOREPLY;
		snprintf(m->why, sizeof(m->why), "auto-reply: ignored");
	} else if (bounce && c.have_text) {
		bm_text(&c, c.text.data ? c.text.data : "", c.text.len);
		if (m->n > 0)
			m->kind = PD_BMSG_TEXT;
	}
	if (m->kind == PD_BMSG_DSN || m->kind == PD_BMSG_TEXT) {
		const char *s = c.dsn_sender[0] ? c.dsn_sender :
		    c.orig_return[0] ? c.orig_return : c.orig_from;

		memcpy(m->sender, s, strlen(s) + 1);
		snprintf(m->why, sizeof(m->why), "%s bounce, %zu recipient%s",
		    m->kind == PD_BMSG_DSN ? "delivery-status" : "non-standard",
		    m->n, m->n == 1 ? "" : "s");
	} else if (m->kind == PD_BMSG_NONE && m->why[0] == 0)
		snprintf(m->why, sizeof(m->why), "%s", c.over ? c.over_why :
		    c.is_report_dsn ? "delivery-status report without a "
		    "recipient" : bounce ? "bounce without a recipient found" :
		    "not a bounce");
	if (c.over && m->kind != PD_BMSG_NONE)
		snprintf(m->why + strlen(m->why), sizeof(m->why)
		    - strlen(m->why), "; %s", c.over_why);
	if (truncated && strlen(m->why) + 40 < sizeof(m->why))
		snprintf(m->why + strlen(m->why), sizeof(m->why)
		    - strlen(m->why), "; only the first %d bytes read",
		    BOUNCE_MSG_MAX);
	buf_fini(&c.text);
	buf_fini(&from);
	buf_fini(&subject);
}
