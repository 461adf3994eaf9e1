/*
 * checks - run the policy checks and turn the verdict into a reply
 * DESCRIPTION	The request loop only walks pd_checks[]: the first check
 *		that has an opinion decides. This is the one place where a
 *		check_result becomes an "action=" line, and the one place
 *		where report_only turns a refusal into DUNNO, so every
 *		decision is logged the same way: queue ID first, then the
 *		verdict ("reject", or "would reject" in report_only), then
 *		the facts the check gave.
 */
#include <ctype.h>
#include <string.h>

#include "checks.h"
#include "msg.h"
#include "params.h"

struct pd_check {
	const char *name;
	int	 stages;
	enum check_result (*fn)(struct pd_ctx *);
};

static const struct pd_check pd_checks[] = {
	/* name		stage			function */
	{"blocklist", PD_RCPT, pd_block_check},
	{"rate_limit", PD_RCPT | PD_DATA, pd_rate_check},
};

/* pd_stage - the request's protocol state as a stage bit, or 0 */
static int
pd_stage(const struct pd_request *req)
{
	if (strcmp(req->protocol_state, "RCPT") == 0)
		return (PD_RCPT);
	if (strcmp(req->protocol_state, "DATA") == 0)
		return (PD_DATA);
	return (0);
}

/* pd_has_code - does text start with a three-digit SMTP code? */
static int
pd_has_code(const char *s)
{
	return (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])
	    && isdigit((unsigned char)s[2]) && s[3] == ' ');
}

void
pd_checks_run(struct pd_ctx *ctx, struct buf *out)
{
	enum check_result r = CHECK_DUNNO;
	int	 stage = pd_stage(ctx->req);
	size_t	 i;
	const char *text, *qid;

	buf_reset(out);
	if (strcmp(ctx->req->request, "smtpd_access_policy") != 0) {
		msg_warn("unknown request type \"%.32s\": answering DUNNO",
		    ctx->req->request);
		buf_puts(out, "action=DUNNO\n\n");
		return;
	}
	for (i = 0; stage && i < sizeof(pd_checks) / sizeof(pd_checks[0]); i++) {
		if ((pd_checks[i].stages & stage) == 0)
			continue;
		buf_reset(&ctx->reply);
		buf_reset(&ctx->log);
		if ((r = pd_checks[i].fn(ctx)) != CHECK_DUNNO)
			break;
	}
	text = buf_str(&ctx->reply);
	qid = ctx->req->queue_id[0] ? ctx->req->queue_id : "NOQUEUE";
	if (r != CHECK_DUNNO && r != CHECK_OK)
		msg_info("%s: %s%s: %s", qid, var_report_only ? "would " : "",
		    check_name(r), buf_str(&ctx->log));
	if (var_report_only && r != CHECK_TEMPFAIL)
		r = CHECK_DUNNO;
	switch (r) {
	case CHECK_DUNNO:
	case CHECK_OK:
		buf_puts(out, "action=DUNNO\n\n");
		break;
	case CHECK_REJECT:
		buf_printf(out, "action=%s%s\n\n", pd_has_code(text) ? "" :
		    "550 ", text);
		break;
	case CHECK_DEFER:
		buf_printf(out, "action=DEFER_IF_PERMIT %s\n\n", text);
		break;
	case CHECK_HOLD:
		buf_printf(out, "action=HOLD %s\n\n", text);
		break;
	case CHECK_TEMPFAIL:
		buf_printf(out, "action=DEFER_IF_PERMIT %s\n\n", *text ? text :
		    "4.3.0 policy service temporary failure");
		break;
	}
}
