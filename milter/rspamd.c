/*
 * rspamd - one message scored by Rspamd over its HTTP API
 * SYNOPSIS	rs = mf_rspamd_create();
 *		if (mf_rspamd_check(rs, &query, &spool, &result) < 0)
 *			... result.error says why
 * DESCRIPTION	A POST of the message to Rspamd's /checkv2, with the
 *		request headers an MTA sends (Queue-Id, IP, Helo,
 *		Hostname, From, one Rcpt per recipient, User, and
 *		Settings-ID when the postmaster picked one). libcurl
 *		speaks HTTP: one easy handle per milter connection, so
 *		its connection to Rspamd is kept alive from message to
 *		message. The body goes from memory, or is read from the
 *		spool's file as libcurl sends it, never copied whole.
 *
 *		jansson reads the reply: the action, the score, the top
 *		symbols for the log, Rspamd's SMTP message, and the
 *		header edits of its "milter" object (and the older
 *		top-level "dkim-signature").
 * DIAGNOSTICS	Every way scoring can fail (no connection, timeout, an
 *		HTTP error, a reply that is not Rspamd's) returns -1 and
 *		one line of text that names the cause; the caller applies
 *		rspamd_failure_action.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "msg.h"
#include "mymalloc.h"
#include "rspamd.h"

#define RSPAMD_REPLY_MAX	(1 << 20)	/* bytes of JSON we read */
#define RSPAMD_RCPT_MAX		1000	/* Rcpt headers in one request */
#define RSPAMD_HEADERS_MAX	64	/* header edits taken from a reply */
#define RSPAMD_HEADER_MAX	16384	/* one header value Rspamd adds */
#define RSPAMD_NAME_MAX		128	/* one header name */
#define RSPAMD_MESSAGE_MAX	200	/* Rspamd's SMTP message, quoted */
#define RSPAMD_TOP_SYMBOLS	5	/* symbols named in the log */
#define RSPAMD_FIELD_MAX	512	/* one request header line */

struct mf_rspamd {
	CURL	*curl;
	struct buf reply;
	struct mf_spool *spool;		/* being sent */
	off_t	 offset;
	int	 too_long;		/* the reply passed RSPAMD_REPLY_MAX */
	char	 errbuf[CURL_ERROR_SIZE];
};

static const char *const mf_rspamd_actions[] = {
	[MF_RSPAMD_NO_ACTION] = "no action",
	[MF_RSPAMD_GREYLIST] = "greylist",
	[MF_RSPAMD_ADD_HEADER] = "add header",
	[MF_RSPAMD_REWRITE_SUBJECT] = "rewrite subject",
	[MF_RSPAMD_SOFT_REJECT] = "soft reject",
	[MF_RSPAMD_REJECT] = "reject",
};

#define MF_RSPAMD_ACTIONS \
	(sizeof(mf_rspamd_actions) / sizeof(mf_rspamd_actions[0]))

const char *
mf_rspamd_action_name(enum mf_rspamd_action a)
{
	return ((size_t)a < MF_RSPAMD_ACTIONS ? mf_rspamd_actions[a] : "?");
}

void
mf_rspamd_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		msg_fatal("curl_global_init failed");
}

static size_t mf_rspamd_write(char *, size_t, size_t, void *);
static size_t mf_rspamd_read(char *, size_t, size_t, void *);

/* mf_rspamd_create - a handle with what every request has in common */
struct mf_rspamd *
mf_rspamd_create(void)
{
	struct mf_rspamd *rs = xcalloc(1, sizeof(*rs));

	if ((rs->curl = curl_easy_init()) == NULL)
		msg_fatal("curl_easy_init failed");
	buf_init(&rs->reply, RSPAMD_REPLY_MAX);
	curl_easy_setopt(rs->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(rs->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rs->curl, CURLOPT_ERRORBUFFER, rs->errbuf);
	curl_easy_setopt(rs->curl, CURLOPT_WRITEFUNCTION, mf_rspamd_write);
	curl_easy_setopt(rs->curl, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(rs->curl, CURLOPT_READFUNCTION, mf_rspamd_read);
	curl_easy_setopt(rs->curl, CURLOPT_READDATA, rs);
	curl_easy_setopt(rs->curl, CURLOPT_POST, 1L);
	return (rs);
}

void
mf_rspamd_free(struct mf_rspamd *rs)
{
	if (rs == NULL)
		return;
	curl_easy_cleanup(rs->curl);
	buf_fini(&rs->reply);
	xfree(rs);
}

void
mf_rspamd_result_init(struct mf_rspamd_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->message, RSPAMD_MESSAGE_MAX);
	buf_init(&r->symbols, 1024);
	buf_init(&r->error, 1024);
}

void
mf_rspamd_result_fini(struct mf_rspamd_result *r)
{
	size_t	 i;

	for (i = 0; i < r->nheaders; i++) {
		xfree(r->headers[i].name);
		xfree(r->headers[i].value);
	}
	xfree(r->headers);
	buf_fini(&r->message);
	buf_fini(&r->symbols);
	buf_fini(&r->error);
	r->headers = NULL;
	r->nheaders = 0;
}

/* mf_rspamd_fail - -1 with the cause in result->error */
static int PRINTFLIKE(2, 3)
mf_rspamd_fail(struct mf_rspamd_result *r, const char *fmt, ...)
{
	char	 text[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_set(&r->error, text);
	return (-1);
}

/*
 * Parsing the reply.
 */

void
mf_rspamd_header_add(struct mf_rspamd_result *r, const char *name,
    const char *value, int index)
{
	struct mf_rspamd_header *h;
	const char *p;
	char	*v, *q;

	if (r->nheaders >= RSPAMD_HEADERS_MAX) {
		msg_warn("rspamd: more than %d header edits; \"%s\" ignored",
		    RSPAMD_HEADERS_MAX, name);
		return;
	}
	for (p = name; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			break;
	if (*p || p == name || p - name > RSPAMD_NAME_MAX) {
		msg_warn("rspamd: bad header name in reply; edit ignored");
		return;
	}
	if (value && strlen(value) > RSPAMD_HEADER_MAX) {
		msg_warn("rspamd: %s value longer than %d bytes; not added",
		    name, RSPAMD_HEADER_MAX);
		return;
	}
	if (r->headers == NULL)
		r->headers = xcalloc(RSPAMD_HEADERS_MAX, sizeof(*r->headers));
	h = r->headers + r->nheaders++;
	h->name = xstrdup(name);
	h->index = index;
	h->value = NULL;
	if (value == NULL)
		return;
	/* The milter protocol folds with a bare LF, and the MTA puts the
	 * space after the colon. */
	while (*value == ' ' || *value == '\t')
		value++;
	v = q = xstrdup(value);
	for (p = value; *p; p++)
		if (*p != '\r')
			*q++ = *p;
	*q = 0;
	h->value = v;
}

/* mf_rspamd_add_one - "add_headers" member: a string or {value, order} */
static void
mf_rspamd_add_one(struct mf_rspamd_result *r, const char *name, json_t *v)
{
	json_t	*order;

	if (json_is_string(v)) {
		mf_rspamd_header_add(r, name, json_string_value(v), -1);
	} else if (json_is_object(v)
	    && json_is_string(json_object_get(v, "value"))) {
		order = json_object_get(v, "order");
		mf_rspamd_header_add(r, name,
		    json_string_value(json_object_get(v, "value")),
		    json_is_integer(order) && json_integer_value(order) >= 0
		    && json_integer_value(order) < 1000 ?
		    (int)json_integer_value(order) : -1);
	}
}

/* mf_rspamd_milter - the reply's "milter" object: header edits */
static void
mf_rspamd_milter(struct mf_rspamd_result *r, json_t *root)
{
	json_t	*milter = json_object_get(root, "milter"), *obj, *v, *e;
	const char *name;
	size_t	 i;
	json_int_t n;

	if (json_is_object(milter)
	    && json_is_object(obj = json_object_get(milter, "remove_headers")))
		json_object_foreach(obj, name, v) {
			n = json_is_integer(v) ? json_integer_value(v) : 0;
			mf_rspamd_header_add(r, name, NULL,
			    n > -1000 && n < 1000 ? (int)n : 0);
		}
	if (json_is_object(milter)
	    && json_is_object(obj = json_object_get(milter, "add_headers")))
		json_object_foreach(obj, name, v) {
			if (json_is_array(v))
				json_array_foreach(v, i, e)
					mf_rspamd_add_one(r, name, e);
			else
				mf_rspamd_add_one(r, name, v);
		}
	/* Older Rspamd: the signature beside the "milter" object. */
	v = json_object_get(root, "dkim-signature");
	if (json_is_string(v))
		mf_rspamd_header_add(r, "DKIM-Signature", json_string_value(v),
		    0);
	else if (json_is_array(v))
		json_array_foreach(v, i, e)
			if (json_is_string(e))
				mf_rspamd_header_add(r, "DKIM-Signature",
				    json_string_value(e), 0);
}

/* mf_rspamd_symbols - the symbols that weigh most, "NAME(score),..." */
static void
mf_rspamd_symbols(struct mf_rspamd_result *r, json_t *symbols)
{
	const char *top[RSPAMD_TOP_SYMBOLS], *name;
	double	 score[RSPAMD_TOP_SYMBOLS], s;
	int	 n = 0, i, j;
	json_t	*v;

	if (!json_is_object(symbols))
		return;
	json_object_foreach(symbols, name, v) {
		s = json_number_value(json_object_get(v, "score"));
		for (i = 0; i < n && fabs(score[i]) >= fabs(s); i++)
			 /* void */ ;
		if (i >= RSPAMD_TOP_SYMBOLS)
			continue;
		if (n < RSPAMD_TOP_SYMBOLS)
			n++;
		for (j = n - 1; j > i; j--) {
			top[j] = top[j - 1];
			score[j] = score[j - 1];
		}
		top[i] = name;
		score[i] = s;
	}
	for (i = 0; i < n; i++)
		buf_printf(&r->symbols, "%s%s(%.2f)", i ? "," : "", top[i],
		    score[i]);
}

/* mf_rspamd_message - Rspamd's SMTP message, printable ASCII, bounded */
static void
mf_rspamd_message(struct mf_rspamd_result *r, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p
	    && r->message.len < RSPAMD_MESSAGE_MAX; p++)
		buf_putc(&r->message, *p >= 0x20 && *p < 0x7f ? *p : '?');
}

int
mf_rspamd_parse(const char *json, size_t len, struct mf_rspamd_result *r)
{
	json_error_t jerr;
	json_t	*root, *v, *messages;
	const char *action;
	size_t	 a;
	int	 ret = 0;

	if ((root = json_loadb(json, len, 0, &jerr)) == NULL)
		return (mf_rspamd_fail(r, "reply is not JSON: %s, at byte %d",
		    jerr.text, jerr.position));
	if (!json_is_object(root)) {
		ret = mf_rspamd_fail(r, "reply is not a JSON object");
		goto done;
	}
	if (!json_is_string(v = json_object_get(root, "action"))) {
		ret = mf_rspamd_fail(r, "reply has no action");
		goto done;
	}
	action = json_string_value(v);
	for (a = 0; a < MF_RSPAMD_ACTIONS; a++)
		if (strcmp(action, mf_rspamd_actions[a]) == 0)
			break;
	if (a == MF_RSPAMD_ACTIONS) {
		ret = mf_rspamd_fail(r, "unknown action \"%.40s\"", action);
		goto done;
	}
	r->action = (enum mf_rspamd_action)a;
	r->score = json_number_value(json_object_get(root, "score"));
	r->required = json_number_value(json_object_get(root,
	    "required_score"));
	messages = json_object_get(root, "messages");
	if (json_is_string(v = json_object_get(messages, "smtp_message")))
		mf_rspamd_message(r, json_string_value(v));
	mf_rspamd_symbols(r, json_object_get(root, "symbols"));
	mf_rspamd_milter(r, root);
done:
	json_decref(root);
	return (ret);
}

/*
 * The request.
 */

static size_t
mf_rspamd_write(char *data, size_t size, size_t n, void *ctx)
{
	struct mf_rspamd *rs = ctx;

	if (buf_append(&rs->reply, data, size * n) < 0) {
		rs->too_long = 1;
		return (0);		/* libcurl stops the transfer */
	}
	return (size * n);
}

static size_t
mf_rspamd_read(char *out, size_t size, size_t n, void *ctx)
{
	struct mf_rspamd *rs = ctx;
	ssize_t	 got;

	if ((got = mf_spool_read(rs->spool, rs->offset, out, size * n)) < 0)
		return (CURL_READFUNC_ABORT);
	rs->offset += got;
	return ((size_t)got);
}

/* mf_rspamd_field - "Name: value" with no line breaks in the value */
static struct curl_slist *
mf_rspamd_field(struct curl_slist *list, const char *name, const char *value)
{
	char	 line[RSPAMD_FIELD_MAX], *p;
	struct curl_slist *l;

	if (value == NULL || *value == 0)
		return (list);
	snprintf(line, sizeof(line), "%s: %s", name, value);
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if ((l = curl_slist_append(list, line)) == NULL)
		msg_fatal("out of memory");
	return (l);
}

int
mf_rspamd_check(struct mf_rspamd *rs, const struct mf_rspamd_query *q,
    struct mf_spool *spool, struct mf_rspamd_result *r)
{
	struct curl_slist *h = NULL;
	char	 url[2048];
	const char *rcpt, *end;
	size_t	 ulen = strlen(q->url);
	unsigned nrcpt = 0;
	long	 status = 0;
	CURLcode rc;
	int	 ret;

	while (ulen > 0 && q->url[ulen - 1] == '/')
		ulen--;
	snprintf(url, sizeof(url), "%.*s/checkv2", (int)ulen, q->url);

	h = mf_rspamd_field(h, "Queue-Id", q->queue_id);
	h = mf_rspamd_field(h, "IP", q->ip);
	h = mf_rspamd_field(h, "Helo", q->helo);
	h = mf_rspamd_field(h, "Hostname", q->hostname);
	h = mf_rspamd_field(h, "From", *q->from ? q->from : "<>");
	for (rcpt = q->rcpts, end = q->rcpts + q->rcpts_len; rcpt < end;
	    rcpt += strlen(rcpt) + 1)
		if (nrcpt++ < RSPAMD_RCPT_MAX)
			h = mf_rspamd_field(h, "Rcpt", rcpt);
	h = mf_rspamd_field(h, "User", q->user);
	h = mf_rspamd_field(h, "Settings-ID", q->settings_id);
	/* No "100 continue" round trip, no form content type. */
	if ((h = curl_slist_append(h, "Expect:")) == NULL
	    || (h = curl_slist_append(h, "Content-Type:")) == NULL)
		msg_fatal("out of memory");

	buf_reset(&rs->reply);
	rs->too_long = 0;
	rs->spool = spool;
	rs->offset = 0;
	rs->errbuf[0] = 0;
	curl_easy_setopt(rs->curl, CURLOPT_URL, url);
	curl_easy_setopt(rs->curl, CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
	curl_easy_setopt(rs->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)q->timeout_ms);
	curl_easy_setopt(rs->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(rs->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)spool->size);
	/* In memory: libcurl sends from our buffer, no copy; from a file:
	 * the read callback, as libcurl sends. */
	curl_easy_setopt(rs->curl, CURLOPT_POSTFIELDS, spool->fd >= 0 ? NULL :
	    spool->mem.data ? spool->mem.data : "");
	rc = curl_easy_perform(rs->curl);
	curl_easy_setopt(rs->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	rs->spool = NULL;

	if (rc == CURLE_OPERATION_TIMEDOUT)
		return (mf_rspamd_fail(r, "no reply from %s within %u ms", url,
		    q->timeout_ms));
	if (rc == CURLE_WRITE_ERROR && rs->too_long)
		return (mf_rspamd_fail(r, "reply from %s longer than %d bytes",
		    url, RSPAMD_REPLY_MAX));
	if (rc != CURLE_OK)
		return (mf_rspamd_fail(r, "%s: %s", url, rs->errbuf[0] ?
		    rs->errbuf : curl_easy_strerror(rc)));
	curl_easy_getinfo(rs->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return (mf_rspamd_fail(r, "%s: HTTP status %ld", url, status));
	if (nrcpt > RSPAMD_RCPT_MAX)
		msg_info("%s: rspamd: %u recipients, the first %d sent",
		    q->queue_id, nrcpt, RSPAMD_RCPT_MAX);
	if ((ret = mf_rspamd_parse(rs->reply.data ? rs->reply.data : "",
	    rs->reply.len, r)) < 0) {
		char	 why[1400];

		snprintf(why, sizeof(why), "%.300s: %.1023s", url,
		    buf_str(&r->error));
		buf_set(&r->error, why);
	}
	return (ret);
}
