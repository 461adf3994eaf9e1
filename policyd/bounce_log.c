/*
 * bounce_log - one line of Postfix's mail log, as bounce ingestion needs it
 * SYNOPSIS	switch (pd_blog_parse(line, len, now, maps, &l)) ...
 * DESCRIPTION	The lines that matter, after "host postfix/smtp[pid]: ":
 *
 *		QID: to=<a@b>, relay=.., delay=.., dsn=5.1.1, status=bounced
 *		    (host mx[1.2.3.4] said: 550 5.1.1 <a@b>: User unknown
 *		    (in reply to RCPT TO command))
 *		QID: from=<s@x>, size=123, nrcpt=1 (queue active)
 *		QID: from=<s@x>, status=expired, returned to sender
 *		QID: removed
 *
 *		The remote reply is the text in parentheses after the
 *		status word, from "said: " on when the remote server said
 *		it, without Postfix's "(in reply to ... command)". The DSN
 *		status is the dsn= field.
 * LIMITS	The caller bounds the line (BOUNCE_LINE_MAX); addresses are
 *		ADDR_MAX bytes, replies BOUNCE_REPLY_MAX (cut: informative).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bounce_log.h"

static const char bl_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* bl_num - n digits at s, or -1 */
static int
bl_num(const char *s, int n)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}

/* bl_time - the line's time stamp; its length in *skip, or -1 */
static int64_t
bl_time(const char *s, size_t len, int64_t now, size_t *skip)
{
	struct tm tm;
	const char *m;
	int64_t	 t;
	time_t	 nt = (time_t)now;

	memset(&tm, 0, sizeof(tm));
	if (len >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T') {
		/* 2026-11-23T14:25:24.123456+00:00 */
		size_t	 i = 19;
		int	 off = 0;

		if ((tm.tm_year = bl_num(s, 4) - 1900) < 0
		    || (tm.tm_mon = bl_num(s + 5, 2) - 1) < 0
		    || (tm.tm_mday = bl_num(s + 8, 2)) < 0
		    || (tm.tm_hour = bl_num(s + 11, 2)) < 0
		    || (tm.tm_min = bl_num(s + 14, 2)) < 0
		    || (tm.tm_sec = bl_num(s + 17, 2)) < 0)
			return (-1);
		if (i < len && s[i] == '.')
			for (i++; i < len && isdigit((unsigned char)s[i]); i++)
				;
		if (i + 6 <= len && (s[i] == '+' || s[i] == '-')
		    && s[i + 3] == ':') {
			int	 h = bl_num(s + i + 1, 2), mi = bl_num(s + i + 4,
			    2);

			if (h < 0 || mi < 0)
				return (-1);
			off = (h * 60 + mi) * 60 * (s[i] == '-' ? -1 : 1);
			i += 6;
		} else if (i < len && s[i] == 'Z')
			i++;
		*skip = i;
		return ((int64_t)timegm(&tm) - off);
	}
	/* Nov 23 14:25:24: the year is this one, or the last. */
	if (len < 15 || s[3] != ' ')
		return (-1);
	for (m = bl_months; *m && strncmp(m, s, 3) != 0; m += 3)
		;
	if (*m == 0)
		return (-1);
	tm.tm_mon = (int)(m - bl_months) / 3;
	tm.tm_mday = s[4] == ' ' ? bl_num(s + 5, 1) : bl_num(s + 4, 2);
	if (tm.tm_mday < 0 || s[6] != ' ' || s[9] != ':' || s[12] != ':'
	    || (tm.tm_hour = bl_num(s + 7, 2)) < 0
	    || (tm.tm_min = bl_num(s + 10, 2)) < 0
	    || (tm.tm_sec = bl_num(s + 13, 2)) < 0)
		return (-1);
	{
		struct tm nowtm;

		gmtime_r(&nt, &nowtm);
		tm.tm_year = nowtm.tm_year;
	}
	t = (int64_t)timegm(&tm);
	if (t > now + 86400) {
		tm.tm_year--;
		t = (int64_t)timegm(&tm);
	}
	*skip = 15;
	return (t);
}

/* bl_find - memmem within the line */
static const char *
bl_find(const char *s, const char *end, const char *what)
{
	return (memmem(s, (size_t)(end - s), what, strlen(what)));
}

/* bl_addr - "<...>" at s into out (lower case, may be empty); the byte
 * after ">", or NULL */
static const char *
bl_addr(const char *s, const char *end, char *out)
{
	const char *gt;
	size_t	 n, i;

	if (s >= end || *s != '<' || (gt = memchr(s, '>', (size_t)(end - s)))
	    == NULL || (n = (size_t)(gt - s - 1)) > ADDR_MAX)
		return (NULL);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[1 + i]);
	out[n] = 0;
	return (gt + 1);
}

/* bl_reply - the remote reply inside the parentheses at s..end */
static void
bl_reply(struct pd_bounce_rcpt *r, const char *s, const char *end)
{
	const char *said, *in;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || *s != '(' || end[-1] != ')') {
		r->reply[0] = 0;
		return;
	}
	s++;
	end--;
	if ((said = bl_find(s, end, " said: ")) != NULL)
		s = said + 7;
	if ((in = bl_find(s, end, " (in reply to ")) != NULL
	    && end[-1] == ')')
		end = in;
	pd_bounce_set_reply(r, s, (size_t)(end - s));
}

enum pd_blog_kind
pd_blog_parse(const char *line, size_t len, int64_t now, struct table *maps,
    struct pd_blog *l)
{
	const char *end = line + len, *p, *q, *st;
	size_t	 skip = 0, n;

	l->kind = PD_BLOG_OTHER;
	l->queue_id[0] = l->word[0] = l->sender[0] = 0;
	l->map_error = 0;
	/* Cheap test first: most lines are neither. */
	if ((p = bl_find(line, end, "]: ")) == NULL)
		return (PD_BLOG_OTHER);
	if ((l->time = bl_time(line, len, now, &skip)) < 0)
		l->time = now;
	p += 3;
	for (q = p; q < end && isalnum((unsigned char)*q); q++)
		;
	n = (size_t)(q - p);
	if (n == 0 || n >= PD_BLOG_QID_MAX || end - q < 2 || q[0] != ':'
	    || q[1] != ' ')
		return (PD_BLOG_OTHER);
	memcpy(l->queue_id, p, n);
	l->queue_id[n] = 0;
	p = q + 2;
	if (end - p == 7 && memcmp(p, "removed", 7) == 0)
		return (l->kind = PD_BLOG_REMOVED);
	if (end - p > 6 && memcmp(p, "from=<", 6) == 0) {
		if (bl_addr(p + 5, end, l->sender) == NULL)
			return (PD_BLOG_OTHER);
		if (bl_find(p, end, ", status=expired") != NULL) {
			memset(&l->rcpt, 0, sizeof(l->rcpt));
			snprintf(l->word, sizeof(l->word), "expired");
			l->rcpt.class = PD_BOUNCE_SOFT;
			snprintf(l->rcpt.rule, sizeof(l->rcpt.rule),
			    "status-expired");
			snprintf(l->rcpt.reply, sizeof(l->rcpt.reply),
			    "expired, returned to sender");
			return (l->kind = PD_BLOG_EXPIRED);
		}
		return (l->kind = PD_BLOG_FROM);
	}
	if (end - p < 4 || memcmp(p, "to=<", 4) != 0
	    || (st = bl_find(p, end, ", status=")) == NULL)
		return (PD_BLOG_OTHER);
	memset(&l->rcpt, 0, sizeof(l->rcpt));
	if (bl_addr(p + 3, end, l->rcpt.address) == NULL)
		return (PD_BLOG_OTHER);
	if ((q = bl_find(p, st, ", dsn=")) != NULL) {
		q += 6;
		n = strcspn(q, ",");
		if (q + n > st)
			n = (size_t)(st - q);
		if (n < sizeof(l->rcpt.status)) {
			memcpy(l->rcpt.status, q, n);
			l->rcpt.status[n] = 0;
			if (!pd_bounce_status_valid(l->rcpt.status))
				l->rcpt.status[0] = 0;
		}
	}
	st += 9;
	for (q = st; q < end && isalpha((unsigned char)*q); q++)
		;
	n = (size_t)(q - st);
	if (n == 0 || n >= sizeof(l->word))
		return (PD_BLOG_OTHER);
	memcpy(l->word, st, n);
	l->word[n] = 0;
	bl_reply(&l->rcpt, q, end);
	if (strcmp(l->word, "sent") == 0) {
		l->rcpt.class = PD_BOUNCE_NONE;
		snprintf(l->rcpt.rule, sizeof(l->rcpt.rule), "status-sent");
	} else if (strcmp(l->word, "bounced") == 0
	    || strcmp(l->word, "deferred") == 0
	    || strcmp(l->word, "expired") == 0) {
		if (pd_bounce_classify(maps, &l->rcpt) < 0)
			l->map_error = 1;
		/* A deferral is temporary whatever the text says. */
		if (l->word[0] != 'b' && l->rcpt.class == PD_BOUNCE_HARD) {
			l->rcpt.class = PD_BOUNCE_SOFT;
			snprintf(l->rcpt.rule, sizeof(l->rcpt.rule),
			    "status-%s", l->word);
		}
	} else {
		l->rcpt.class = PD_BOUNCE_NONE;
		snprintf(l->rcpt.rule, sizeof(l->rcpt.rule), "status-%s",
		    l->word);
	}
	return (l->kind = PD_BLOG_RCPT);
}
