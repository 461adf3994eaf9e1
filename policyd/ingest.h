/* ingest.h - bounces and complaints into the state: blocklist, soft
 * bounce history, report counters, log positions */
#ifndef INGEST_H
#define INGEST_H
#include <stddef.h>
#include <stdint.h>
#include "block.h"
#include "bounce.h"
#include "db.h"

/* One classified event: a log line or one recipient of a message. */
struct pd_ingest_event {
	struct pd_bounce_rcpt r;
	char	 sender[ADDR_MAX + 1];	/* envelope sender of the bounced
					 * mail; for a complaint, the sender
					 * domain complained about */
	enum pd_block_source source;	/* PD_BLOCK_LOG, _DSN or _ARF */
	int64_t	 time;			/* when it happened */
	int	 delivered;		/* status=sent: forget soft bounces */
};

/* Where a log reader stands, saved with the events it read. */
struct pd_ingest_pos {
	const char *name;		/* the log's path as given */
	uint64_t ino;			/* the file's inode */
	uint64_t off;			/* bytes consumed */
};

struct pd_ingest_opts {
	uint64_t promote_after;		/* soft_bounce_promote_after; 0 off */
	uint64_t expiry;		/* blocklist_expiry */
	int64_t	 now;
};

/*
 * pd_ingest_apply() - apply n events and, when pos is not NULL, save
 * the position, in one write transaction: all or nothing. Hard bounces
 * blocklist the recipient (an entry already in force and seen at or
 * after the event is left alone), complaints block "rcpt>domain", soft
 * bounces are remembered per recipient and become a block once they
 * span promote_after, a delivery forgets them, policy bounces only
 * count. Every event counts in the report counters of its hour.
 * *added counts new or renewed blocks. -1 with *why set.
 */
int	 pd_ingest_apply(struct db *, const struct pd_ingest_event *, size_t n,
		    const struct pd_ingest_pos *pos,
		    const struct pd_ingest_opts *, size_t *added,
		    const char **why);
/* pd_ingest_pos_get() - the saved position of a log: 1 found, 0, -1 */
int	 pd_ingest_pos_get(struct db *, const char *name, uint64_t *ino,
		    uint64_t *off, const char **why);

/* Report counters: kind is one of these. */
#define PD_INGEST_CLASS		'k'	/* name: a class */
#define PD_INGEST_POLICY_DOMAIN	'p'	/* name: destination domain */
#define PD_INGEST_HARD_SENDER	'h'	/* name: envelope sender */
#define PD_INGEST_COMPLAINT	'a'	/* name: sender domain */

/* pd_ingest_counters() - call fn(kind, name, count) for every counter
 * of the hours since `since`; -1 with *why set */
int	 pd_ingest_counters(struct db *, int64_t since,
		    void (*fn)(int kind, const char *name, uint64_t count,
		    void *), void *ctx, const char **why);

#endif /* INGEST_H */
