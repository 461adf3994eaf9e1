/* block.h - the hard-bounce blocklist and its audit trail, in LMDB */
#ifndef BLOCK_H
#define BLOCK_H
#include <stdint.h>
#include "bounds.h"
#include "buf.h"
#include "db.h"

enum pd_block_source {
	PD_BLOCK_MANUAL,		/* outpostctl blocklist add */
	PD_BLOCK_IMPORT,		/* outpostctl blocklist import */
	PD_BLOCK_LOG,			/* Postfix log, status=bounced */
	PD_BLOCK_DSN,			/* a delivery status notification */
	PD_BLOCK_ARF			/* a feedback-loop complaint */
};

struct pd_block_entry {
	char	 address[ADDR_MAX + 1];	/* lower case; "@domain" for a domain */
	enum pd_block_source source;
	int64_t	 first_seen;		/* seconds since the epoch */
	int64_t	 last_seen;
	int64_t	 expires;		/* 0: never (blocklist_expiry may
					 * still apply) */
	uint32_t count;			/* times added or bounced */
	char	 status[16];		/* DSN status, "5.1.1" */
	char	 text[BLOCK_TEXT_MAX];	/* remote reply or reason */
	char	 who[BLOCK_WHO_MAX];	/* who made the last manual change */
};

/*
 * pd_block_lookup() - is rcpt blocked at time now? Tries the address,
 * the address without its extension (delim), then "@domain". Entries
 * past their expiry, or last seen longer than expiry seconds ago when
 * expiry is not 0, do not count. Returns 1 with *e filled, 0, or -1.
 */
int	 pd_block_lookup(struct db_txn *, const char *rcpt, const char *delim,
		    uint64_t expiry, int64_t now, struct pd_block_entry *e);
/* pd_block_reply() - "550 5.1.1 <rcpt>: recipient hard-bounced on DATE
 * (STATUS TEXT); see outpostctl(8)" into out */
void	 pd_block_reply(const struct pd_block_entry *, const char *rcpt,
		    struct buf *out);
/* pd_block_add() - insert or update (first_seen kept, count + 1) and
 * write an audit record naming who and why. */
int	 pd_block_add(struct db *, const struct pd_block_entry *,
		    const char *who, const char *why, const char **err);
/* pd_block_remove() - 1 removed, 0 absent, -1 error; audited */
int	 pd_block_remove(struct db *, const char *address, const char *who,
		    const char *why, const char **err);
const char *pd_block_source_name(enum pd_block_source);

#endif /* BLOCK_H */
