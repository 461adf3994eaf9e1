/*
 * check_rate - per-sender rate limits
 * DESCRIPTION	Each identity named in rate_limit_keys (sasl_username,
 *		sender, sender_domain, client_address) has its own limits,
 *		from rate_limit_maps or rate_limit_default. Messages and
 *		recipients are counted at DATA, from recipient_count, so
 *		recipients that were refused and messages that never got
 *		to DATA are not counted. At RCPT the limits are only
 *		tested: a sender with no room for one more message is
 *		deferred early, and nothing is counted.
 *
 *		Every key is tested before any is counted: a message that
 *		one limit refuses counts against none.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "cfg.h"
#include "list.h"
#include "checks.h"
#include "msg.h"
#include "params.h"
#include "parse.h"

#define PD_RATE_KEYS	4

struct pd_rate_key {
	char	 key[TABLE_KEY_MAX + 1];	/* "sender:bob@example.com" */
	struct pd_rate_spec spec;
};

/* pd_rate_types_now - rate_limit_keys as types, parsed once per load */
static int
pd_rate_types_now(int *types)
{
	static int cached[PD_RATE_KEYS];
	static int ncached = -1;
	static unsigned gen;

	if (ncached < 0 || gen != cfg_generation()) {
		gen = cfg_generation();
		/* Checked at load (pd_rate_register_checks): -1 cannot be. */
		ncached = list_words(var_rate_limit_keys, pd_rate_type_names,
		    PD_RATE_TYPES, cached, PD_RATE_KEYS);
		if (ncached > PD_RATE_KEYS)
			ncached = PD_RATE_KEYS;
		if (ncached < 0)
			ncached = 0;
	}
	memcpy(types, cached, sizeof(cached));
	return (ncached);
}

/* pd_rate_keys - the keys of this request; -1 on a lookup error */
static int
pd_rate_keys(struct pd_ctx *ctx, struct pd_rate_key *keys, int *n)
{
	const struct pd_request *req = ctx->req;
	int	 types[PD_RATE_KEYS];
	const char *value;
	int	 ntypes = pd_rate_types_now(types), t;

	*n = 0;
	for (t = 0; t < ntypes; t++) {
		struct pd_rate_key *k = &keys[*n];

		switch (types[t]) {
		case PD_SASL:
			value = req->sasl_username;
			break;
		case PD_SENDER:
			value = req->sender;
			break;
		case PD_SENDER_DOMAIN:
			value = (value = addr_domain(req->sender)) ? value : "";
			break;
		default:
			value = req->client_address;
			break;
		}
		if (*value == 0)
			continue;		/* no login, null sender, ... */
		if (pd_rate_key(k->key, sizeof(k->key),
		    pd_rate_type_names[types[t]], value) < 0)
			continue;		/* cannot be a key: no limits */
		if (pd_rate_lookup_spec(k->key, &k->spec) < 0)
			return (-1);
		if (k->spec.unlimited || k->spec.n == 0)
			continue;
		(*n)++;
	}
	return (0);
}

enum check_result
pd_rate_check(struct pd_ctx *ctx)
{
	struct pd_rate_key keys[PD_RATE_KEYS];
	struct pd_rate_ref *refs[PD_RATE_KEYS];
	const char *names[PD_RATE_KEYS];
	int	 n, i, idx, at_data = strcmp(ctx->req->protocol_state, "DATA") == 0;
	uint32_t rcpts = at_data ? ctx->req->recipient_count : 1;
	uint64_t wait;
	enum pd_rate_action action;
	char	 lim[64], frees[32], safe[TABLE_KEY_MAX + 1];

	if (pd_rate_keys(ctx, keys, &n) < 0) {
		buf_puts(&ctx->reply, "4.3.0 rate limit lookup failed");
		buf_puts(&ctx->log, "rate limit lookup failed");
		return (CHECK_TEMPFAIL);
	}
	if (rcpts == 0)
		rcpts = 1;
	for (i = 0; i < n; i++)
		names[i] = keys[i].key;
	pd_rate_store_refs(ctx->rates, ctx->txn, names, n, refs);
	for (i = 0; i < n; i++) {
		if ((idx = pd_rate_ref_apply(ctx->rates, refs[i],
		    &keys[i].spec, rcpts, (uint64_t)ctx->now, 1, &wait)) < 0)
			continue;
		pd_rate_limit_format(&keys[i].spec.lim[idx], lim, sizeof(lim));
		format_duration(frees, sizeof(frees), wait);
		msg_safe(safe, sizeof(safe), keys[i].key);
		if (keys[i].spec.lim[idx].unit == PD_RATE_RCPT
		    && rcpts > keys[i].spec.lim[idx].count) {
			/* Waiting would not help: refuse for good. */
			buf_printf(&ctx->reply, "5.7.1 message has %u "
			    "recipients, more than rate limit %s allows",
			    rcpts, lim);
			buf_printf(&ctx->log, "message has %u recipients, more "
			    "than rate limit %s for %s allows", rcpts, lim,
			    safe);
			return (CHECK_REJECT);
		}
		*strchr(safe, ':') = ' ';
		buf_printf(&ctx->reply, "4.7.1 rate limit %s for %s reached; "
		    "try again in %s", lim, safe, frees);
		*strchr(safe, ' ') = '=';
		buf_printf(&ctx->log, "rate limit %s for %s reached, frees in "
		    "%s; %u recipient%s", lim, safe, frees, rcpts,
		    rcpts == 1 ? "" : "s");
		if (keys[i].spec.has_action)
			action = keys[i].spec.action;
		else if (pd_rate_action_parse(var_rate_limit_action, &action) < 0)
			action = PD_RATE_DEFER;
		switch (action) {
		case PD_RATE_REJECT:
			ctx->reply.data[0] = '5';	/* 5.7.1 */
			return (CHECK_REJECT);
		case PD_RATE_HOLD:
			return (CHECK_HOLD);
		default:
			return (CHECK_DEFER);
		}
	}
	if (at_data)
		for (i = 0; i < n; i++)
			pd_rate_ref_apply(ctx->rates, refs[i],
			    &keys[i].spec, rcpts, (uint64_t)ctx->now, 0, &wait);
	return (CHECK_DUNNO);
}
