/*
 * score - Rspamd's verdict on a message, as the milter applies it
 * DESCRIPTION	The message has passed the other checks; Rspamd's action
 *		decides the rest:
 *
 *		reject			550 5.7.1, with Rspamd's SMTP message
 *					when it gives one
 *		soft reject, greylist	451 4.7.1
 *		add header,		spam_header_action: hold (Postfix's
 *		rewrite subject		hold queue, for review) or accept with
 *					X-Spam-Score and X-Spam-Symbols
 *		no action		accept
 *
 *		The header edits Rspamd asks for (a DKIM-Signature, say)
 *		go with any message that is not refused.
 *
 *		rspamd_settings_maps picks Rspamd's Settings-ID by SASL
 *		login, then by sender address or @domain, then domain.
 * DIAGNOSTICS	A message over rspamd_max_size is not scored, logged and
 *		counted. Rspamd unreachable, slow, or answering something
 *		else than its JSON: rspamd_failure_action (tempfail or
 *		accept), logged with the cause and counted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "bounds.h"
#include "cfg.h"
#include "list.h"
#include "msg.h"
#include "params.h"
#include "score.h"
#include "table.h"

#define SCORE_SETTINGS_MAX	64	/* a Settings-ID */

static atomic_ulong score_scored;
static atomic_ulong score_failed;
static atomic_ulong score_too_big;

void
mf_score_stats(unsigned long *scored, unsigned long *failed,
    unsigned long *too_big)
{
	*scored = atomic_load(&score_scored);
	*failed = atomic_load(&score_failed);
	*too_big = atomic_load(&score_too_big);
}

/* mf_score_settings_valid - what Rspamd takes as a settings id */
static int
mf_score_settings_valid(const char *id)
{
	const char *p;

	for (p = id; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'
		    || *p == '.'))
			return (0);
	return (p > id && p - id <= SCORE_SETTINGS_MAX);
}

/* mf_score_settings - the Settings-ID for this login or sender, or NULL */
static const char *
mf_score_settings(const struct mf_score_msg *sm, struct buf *val)
{
	enum table_status st = TABLE_NOTFOUND;
	const char *domain;

	if (var_rspamd_settings_maps == NULL)
		return (NULL);
	if (sm->login)
		st = table_lookup(var_rspamd_settings_maps, sm->login, val);
	if (st == TABLE_NOTFOUND && *sm->sender)
		st = addr_lookup(var_rspamd_settings_maps, sm->sender,
		    var_recipient_delimiter, 0, val, NULL);
	if (st == TABLE_NOTFOUND && *sm->sender
	    && (domain = addr_domain(sm->sender)) != NULL)
		st = table_lookup(var_rspamd_settings_maps, domain, val);
	switch (st) {
	case TABLE_FOUND:
		if (mf_score_settings_valid(buf_str(val)))
			return (buf_str(val));
		msg_warn("%s: %s: \"%.64s\" is not a settings id; Rspamd's "
		    "defaults apply", sm->queue_id,
		    table_name(var_rspamd_settings_maps), buf_str(val));
		return (NULL);
	case TABLE_NOTFOUND:
		return (NULL);
	default:
		msg_warn("%s: %s: lookup error; Rspamd's defaults apply",
		    sm->queue_id, table_name(var_rspamd_settings_maps));
		return (NULL);
	}
}

/* mf_score_failed - not scored: rspamd_failure_action decides */
static int
mf_score_failed(const struct mf_score_msg *sm, const char *why,
    struct mf_verdict *v)
{
	unsigned long n = atomic_fetch_add(&score_failed, 1) + 1;
	int	 accept = strcmp(var_rspamd_failure_action, "accept") == 0;

	msg_warn("%s: rspamd: not scored: %s; %s (%lu failures since start)",
	    sm->queue_id, why, accept ? "accepted unscored" : "tempfail", n);
	if (!accept)
		mf_verdict_set(v, CHECK_TEMPFAIL, "451", "4.7.1 message could "
		    "not be scanned for spam, try again later");
	return (0);
}

int
mf_score(struct mf_rspamd *rs, const struct mf_score_msg *sm,
    struct mf_spool *spool, struct mf_rspamd_result *r,
    struct mf_verdict *v)
{
	struct mf_rspamd_query q;
	struct buf settings;
	char	 login[TEXT_REPLY_MAX + 1], why[256], score[64];
	const char *text;

	if (spool->over) {
		atomic_fetch_add(&score_too_big, 1);
		msg_info("%s: rspamd: not scored: message larger than "
		    "rspamd_max_size (%llu bytes)", sm->queue_id,
		    (unsigned long long)var_rspamd_max_size);
		return (0);
	}
	if (spool->error) {
		snprintf(why, sizeof(why), "cannot spool the message in %s: "
		    "%s", var_state_directory, strerror(spool->error));
		return (mf_score_failed(sm, why, v));
	}
	buf_init(&settings, TABLE_VALUE_MAX);
	memset(&q, 0, sizeof(q));
	q.url = var_rspamd_url;
	q.timeout_ms = (unsigned)(var_rspamd_timeout * 1000);
	q.queue_id = sm->queue_id;
	q.ip = sm->client_addr;
	q.helo = sm->helo;
	q.hostname = sm->hostname;
	q.from = sm->sender;
	q.rcpts = sm->rcpts;
	q.rcpts_len = sm->rcpts_len;
	q.user = sm->login;
	q.settings_id = mf_score_settings(sm, &settings);
	if (mf_rspamd_check(rs, &q, spool, r) < 0) {
		buf_fini(&settings);
		return (mf_score_failed(sm, buf_str(&r->error), v));
	}
	buf_fini(&settings);
	atomic_fetch_add(&score_scored, 1);
	msg_info("%s: rspamd: action=%s score=%.2f/%.2f login=%s "
	    "symbols=%s", sm->queue_id, mf_rspamd_action_name(r->action),
	    r->score, r->required, sm->login ? msg_safe(login, sizeof(login),
	    sm->login) : "-", r->symbols.len ? buf_str(&r->symbols) : "-");

	text = buf_str(&r->message);
	switch (r->action) {
	case MF_RSPAMD_REJECT:
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 %s", *text ? text :
		    "message refused as spam");
		break;
	case MF_RSPAMD_SOFT_REJECT:
	case MF_RSPAMD_GREYLIST:
		mf_verdict_set(v, CHECK_DEFER, "451", "4.7.1 %s", *text ? text :
		    "message deferred by the spam filter, try again later");
		break;
	case MF_RSPAMD_ADD_HEADER:
	case MF_RSPAMD_REWRITE_SUBJECT:
		if (strcmp(var_spam_header_action, "hold") == 0) {
			mf_verdict_set(v, CHECK_HOLD, "250", "spam score %.2f, "
			    "held for review", r->score);
			break;
		}
		/* accept: say so in headers the client cannot forge. */
		snprintf(score, sizeof(score), "%.2f / %.2f", r->score,
		    r->required);
		mf_rspamd_header_add(r, "X-Spam-Score", NULL, 0);
		mf_rspamd_header_add(r, "X-Spam-Symbols", NULL, 0);
		mf_rspamd_header_add(r, "X-Spam-Score", score, -1);
		if (r->symbols.len)
			mf_rspamd_header_add(r, "X-Spam-Symbols",
			    buf_str(&r->symbols), -1);
		break;
	case MF_RSPAMD_NO_ACTION:
		break;
	}
	return (1);
}

/* mf_score_check_url - empty, or an http(s) URL */
static int
mf_score_check_url(const char *value, const char **why)
{
	if (*value == 0 || strncmp(value, "http://", 7) == 0
	    || strncmp(value, "https://", 8) == 0)
		return (0);
	*why = "use an http:// or https:// URL, or nothing to turn "
	    "scoring off";
	return (-1);
}

/* mf_score_check_word - value is one of two words; else why says so */
static int
mf_score_check_word(const char *value, const char *const known[2],
    const char *usage, const char **why)
{
	if (list_words(value, known, 2, NULL, 0) == 1)
		return (0);
	*why = usage;
	return (-1);
}

static int
mf_score_check_failure(const char *value, const char **why)
{
	static const char *const known[] = {"tempfail", "accept"};

	return (mf_score_check_word(value, known, "use tempfail or accept",
	    why));
}

static int
mf_score_check_header_action(const char *value, const char **why)
{
	static const char *const known[] = {"hold", "accept"};

	return (mf_score_check_word(value, known, "use hold or accept", why));
}

void
mf_score_register_checks(void)
{
	cfg_check_register("rspamd_url", mf_score_check_url);
	cfg_check_register("rspamd_failure_action", mf_score_check_failure);
	cfg_check_register("spam_header_action", mf_score_check_header_action);
}
