/*
 * check_block - refuse recipients on the hard-bounce blocklist
 * DESCRIPTION	At RCPT: a recipient on the blocklist (the address, the
 *		address without extension, or its @domain) is refused with
 *		550 5.1.1, the date and the reason of the bounce that put
 *		it there. Other recipients of the same transaction are not
 *		affected: the refusal is per RCPT TO. A recipient that
 *		complained (ARF) about mail from a sender domain is
 *		refused with 550 5.7.1 for senders of that domain only.
 */
#include <string.h>
#include <time.h>

#include "addr.h"
#include "block.h"
#include "checks.h"
#include "msg.h"
#include "params.h"

enum check_result
pd_block_check(struct pd_ctx *ctx)
{
	struct pd_block_entry e;
	char	 safe[ADDR_MAX + 1], sender[ADDR_MAX + 1], date[32];
	struct tm tm;
	time_t	 since;
	const char *domain;
	int	 rc;

	if (ctx->req->recipient[0] == 0 || ctx->txn == NULL)
		return (ctx->txn ? CHECK_DUNNO : CHECK_TEMPFAIL);
	memset(&e, 0, sizeof(e));
	/* A complaint blocks the recipient for one sender domain only. */
	domain = addr_domain(ctx->req->sender);
	rc = pd_block_lookup(ctx->txn, ctx->filter, ctx->req->recipient,
	    domain, var_recipient_delimiter, var_blocklist_expiry, ctx->now,
	    &e);
	switch (rc) {
	case 1:
		pd_block_reply(&e, &ctx->reply);
		since = (time_t)e.first_seen;
		strftime(date, sizeof(date), "%Y-%m-%d", gmtime_r(&since, &tm));
		buf_printf(&ctx->log, "recipient %s on the blocklist as %s "
		    "(%s, %s, since %s); sender=<%s>", msg_safe(safe,
		    sizeof(safe), ctx->req->recipient), e.address, e.status,
		    pd_block_source_name(e.source), date, msg_safe(sender,
		    sizeof(sender), ctx->req->sender));
		return (CHECK_REJECT);
	case 0:
		return (CHECK_DUNNO);
	default:
		msg_warn("%s: blocklist lookup error for %s",
		    ctx->req->queue_id[0] ? ctx->req->queue_id : "NOQUEUE",
		    msg_safe(safe, sizeof(safe), ctx->req->recipient));
		buf_puts(&ctx->reply, "4.3.0 blocklist temporarily unavailable");
		buf_puts(&ctx->log, "blocklist lookup error");
		return (CHECK_TEMPFAIL);
	}
}
