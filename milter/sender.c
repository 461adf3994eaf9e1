/*
 * sender - who may send as whom
 * DESCRIPTION	An authenticated client may use only the addresses that
 *		sender_login_maps gives its login: the envelope sender,
 *		every mailbox of From: and Sender:, and any address that a
 *		display name pretends to be ("ceo@bank.example"
 *		<alice@corp.example>). The table has the shape of Postfix's
 *		smtpd_sender_login_maps (address or @domain -> logins) and
 *		is searched in access(5) order, so an existing table works
 *		unchanged. The null sender is allowed, as in Postfix.
 *
 *		A client without SASL is accepted only from a network in
 *		trusted_networks (a cidr: table), and only for the sender
 *		domains that the table's value lists ("any" for all).
 *
 *		Then, with sender_domain_policy = verified, the From:
 *		domain must be a verified sending domain (domain.c).
 * DIAGNOSTICS	A table error is a tempfail, never a pass or a reject.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "list.h"
#include "addrlist.h"
#include "cfg.h"
#include "domain.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "sender.h"

#define MF_HEADER_MAILBOXES	64	/* mailboxes in one From: or Sender: */

/* mf_sender_owned - 1 when login owns addr, 0 when not, -1 on error */
static int
mf_sender_owned(const char *login, const char *addr)
{
	struct buf val;
	int	 ret;

	buf_init(&val, TABLE_VALUE_MAX);
	switch (addr_lookup(var_sender_login_maps, addr,
	    var_recipient_delimiter, 0, &val, NULL)) {
	case TABLE_FOUND:
		ret = list_has(buf_str(&val), login, strlen(login));
		break;
	case TABLE_NOTFOUND:
		ret = 0;
		break;
	default:
		msg_warn("%s: lookup error for %.100s",
		    table_name(var_sender_login_maps), addr);
		ret = -1;
		break;
	}
	buf_fini(&val);
	return (ret);
}

/* mf_trusted - may an unauthenticated client use this sender domain?
 * 1 yes, 0 no (verdict set), -1 error (verdict set) */
static int
mf_trusted(const struct mf_sender_ctx *ctx, const char *addr, const char *what,
    struct mf_verdict *v)
{
	struct buf val;
	const char *domain = addr_domain(addr);
	char	 safe[ADDR_MAX + 1];
	int	 ret = 0;

	buf_init(&val, TABLE_VALUE_MAX);
	msg_safe(safe, sizeof(safe), addr);
	switch (table_lookup(var_trusted_networks, ctx->client_addr, &val)) {
	case TABLE_FOUND:
		if (*addr == 0 || list_has(buf_str(&val), "any", 3)
		    || (domain && list_has(buf_str(&val), domain,
		    strlen(domain))))
			ret = 1;
		else
			mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 <%s>: %s "
			    "domain not allowed for unauthenticated client %s",
			    safe, what, ctx->client_addr);
		break;
	case TABLE_NOTFOUND:
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 client %s did not "
		    "authenticate and is not in trusted_networks",
		    ctx->client_addr);
		break;
	default:
		msg_warn("%s: lookup error for %s",
		    table_name(var_trusted_networks), ctx->client_addr);
		mf_verdict_set(v, CHECK_TEMPFAIL, "451", "4.3.0 trusted_networks "
		    "lookup failed; try again later");
		ret = -1;
		break;
	}
	buf_fini(&val);
	return (ret);
}

/* mf_sender_one - one address for a login, or for a trusted network */
static enum check_result
mf_sender_one(const struct mf_sender_ctx *ctx, const char *addr,
    const char *what, struct mf_verdict *v)
{
	char	 safe[ADDR_MAX + 1], login[TEXT_REPLY_MAX + 1];

	if (ctx->login == NULL || *ctx->login == 0) {
		mf_trusted(ctx, addr, what, v);
		return (v->result);
	}
	if (*addr == 0)
		return (CHECK_DUNNO);	/* null sender, as in Postfix */
	switch (mf_sender_owned(ctx->login, addr)) {
	case 1:
		return (CHECK_DUNNO);
	case 0:
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 <%s>: %s not owned "
		    "by login %s", msg_safe(safe, sizeof(safe), addr), what,
		    msg_safe(login, sizeof(login), ctx->login));
		return (CHECK_REJECT);
	default:
		mf_verdict_set(v, CHECK_TEMPFAIL, "451", "4.3.0 sender_login_maps "
		    "lookup failed; try again later");
		return (CHECK_TEMPFAIL);
	}
}

enum check_result
mf_sender_envelope(const struct mf_sender_ctx *ctx, const char *sender,
    struct mf_verdict *v)
{
	if (ctx->login && *ctx->login
	    && !list_has(var_sender_login_check, "envelope", 8))
		return (CHECK_DUNNO);
	return (mf_sender_one(ctx, sender, "envelope sender", v));
}

/* mf_sender_header_login - the header's mailboxes for the login */
static enum check_result
mf_sender_header_login(const struct mf_sender_ctx *ctx, const char *hname,
    const char *value, struct mf_verdict *v)
{
	struct mf_addr *list;
	char	 what[64], fake[ADDR_MAX + 1], safe[ADDR_MAX + 1];
	const char *why;
	int	 n, i, k;

	if (ctx->login && *ctx->login
	    && !list_has(var_sender_login_check, "header", 6))
		return (CHECK_DUNNO);
	list = xcalloc(MF_HEADER_MAILBOXES, sizeof(*list));
	if (mf_addrlist_parse(value, list, MF_HEADER_MAILBOXES, &n, &why) < 0)
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 header %.20s: "
		    "cannot be parsed (%s)", hname, why);
	else if (n == 0 && strcasecmp(hname, "From") == 0)
		/* RFC 5322: From: holds at least one mailbox. */
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 header From: "
		    "names no mailbox");
	for (i = 0; i < n && v->result == CHECK_DUNNO; i++) {
		snprintf(what, sizeof(what), "header %s", hname);
		if (mf_sender_one(ctx, list[i].addr, what, v) != CHECK_DUNNO)
			break;
		/* Display names (or comments) that pretend to be another
		 * address: every one of them must be owned too. */
		snprintf(what, sizeof(what), "display name in header %s", hname);
		for (k = 0; mf_addrlist_display_addr_n(&list[i], k, fake,
		    sizeof(fake)) == 1; k++)
			if (mf_sender_one(ctx, fake, what, v) != CHECK_DUNNO) {
				msg_safe(safe, sizeof(safe), list[i].addr);
				buf_printf(&v->log, " (address <%s>)", safe);
				break;
			}
	}
	xfree(list);
	return (v->result);
}

enum check_result
mf_sender_header(const struct mf_sender_ctx *ctx, const char *hname,
    const char *value, struct mf_verdict *v)
{
	if (mf_sender_header_login(ctx, hname, value, v) != CHECK_DUNNO)
		return (v->result);
	/* Whose the address is first, then whether its domain may send. */
	if (strcasecmp(hname, "From") == 0)
		return (mf_domain_header(value, v));
	return (CHECK_DUNNO);
}

/* mf_sender_check_words - sender_login_check: envelope and/or header */
static int
mf_sender_check_words(const char *value, const char **why)
{
	static const char *const known[] = {"envelope", "header"};

	switch (list_words(value, known, 2, NULL, 0)) {
	case -1:
		*why = "use envelope, header, or both";
		return (-1);
	case 0:
		*why = "empty: use envelope, header, or both";
		return (-1);
	default:
		return (0);
	}
}

void
mf_sender_register_checks(void)
{
	cfg_check_register("sender_login_check", mf_sender_check_words);
	cfg_check_register("sender_domain_policy", mf_domain_policy_valid);
}
