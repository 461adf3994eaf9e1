/* checks.h - the policy checks, and the context they run in */
#ifndef CHECKS_H
#define CHECKS_H
#include <stdint.h>
#include "buf.h"
#include "check.h"
#include "block_filter.h"
#include "db.h"
#include "rate.h"
#include "request.h"

#define PD_RCPT		(1<<0)
#define PD_DATA		(1<<1)

struct pd_ctx {
	struct pd_request *req;
	struct db *db;
	struct db_txn *txn;		/* the request's read transaction */
	struct pd_block_filter *filter;	/* blocklist keys; NULL: none yet */
	struct pd_rate_store *rates;
	int64_t	 now;
	struct buf reply;		/* "X.Y.Z text", or "5NN X.Y.Z text" */
	struct buf log;			/* the facts, for the log line */
};

/* pd_checks_run() - run every check for the request's stage and put the
 * whole reply ("action=...\n\n") in out */
void	 pd_checks_run(struct pd_ctx *, struct buf *out);

enum check_result pd_block_check(struct pd_ctx *);
enum check_result pd_rate_check(struct pd_ctx *);

#endif /* CHECKS_H */
