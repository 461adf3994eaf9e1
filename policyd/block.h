/* block.h - the hard-bounce blocklist and its audit trail, in LMDB */
#ifndef BLOCK_H
#define BLOCK_H
#include <stdint.h>
#include "bounds.h"
#include "buf.h"
#include "db.h"

struct pd_block_filter;

enum pd_block_source {
	PD_BLOCK_MANUAL,		/* outpostctl blocklist add */
	PD_BLOCK_IMPORT,		/* outpostctl blocklist import */
	PD_BLOCK_LOG,			/* Postfix log, status=bounced */
	PD_BLOCK_DSN,			/* a delivery status notification */
	PD_BLOCK_ARF			/* a feedback-loop complaint */
};

struct pd_block_entry {
	char	 address[ADDR_MAX + 1];	/* lower case; "@domain" for a domain;
					 * "rcpt>sender.domain" for a complaint:
					 * rcpt only for that sender domain */
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
 * the address without its extension (delim), "@domain", then, unless
 * sender_domain is NULL, what pd_block_lookup_sender() tries; a key that
 * filter (block_filter.h; may be NULL) rules out is not looked up.
 * Entries past their expiry, or last seen longer than expiry seconds ago
 * when expiry is not 0, do not count. Returns 1 with *e filled, 0, or -1.
 */
int	 pd_block_lookup(struct db_txn *, const struct pd_block_filter *,
		    const char *rcpt, const char *sender_domain,
		    const char *delim, uint64_t expiry, int64_t now,
		    struct pd_block_entry *e);
/*
 * pd_block_lookup_sender() - is rcpt blocked for mail from
 * sender_domain (a complaint: "rcpt>sender_domain", then without the
 * extension)? As pd_block_lookup() otherwise.
 */
int	 pd_block_lookup_sender(struct db_txn *,
		    const struct pd_block_filter *, const char *rcpt,
		    const char *sender_domain, const char *delim,
		    uint64_t expiry, int64_t now, struct pd_block_entry *e);
/* pd_block_reply() - "550 5.1.1 recipient hard-bounced on DATE (STATUS
 * TEXT); see outpostctl(8)" into out; Postfix puts "<rcpt>: Recipient
 * address rejected: " before the text */
void	 pd_block_reply(const struct pd_block_entry *, struct buf *out);
/* pd_block_add() - insert or update (first_seen kept, count + 1) and
 * write an audit record naming who and why. */
int	 pd_block_add(struct db *, const struct pd_block_entry *,
		    const char *who, const char *why, const char **err);
/* pd_block_add_txn() - pd_block_add() inside the caller's write
 * transaction (several changes committed at once); now is the current
 * time */
int	 pd_block_add_txn(struct db_txn *, const struct pd_block_entry *,
		    const char *who, const char *why, int64_t now,
		    const char **err);
/* pd_block_remove() - 1 removed, 0 absent, -1 error; audited */
int	 pd_block_remove(struct db *, const char *address, const char *who,
		    const char *why, const char **err);
const char *pd_block_source_name(enum pd_block_source);

/* What an audit record says happened. */
enum pd_block_action {
	PD_BLOCK_ADDED,			/* a new entry */
	PD_BLOCK_UPDATED,		/* an entry seen again */
	PD_BLOCK_REMOVED,		/* outpostctl blocklist remove */
	PD_BLOCK_EXPIRED,		/* removed by pd_block_expire() */
	PD_BLOCK_IMPORTED		/* outpostctl blocklist import */
};

/* One audit record (DB_AUDIT); the trail outlives the entry. */
struct pd_block_audit {
	int64_t	 time;			/* seconds since the epoch */
	uint32_t seq;			/* orders records of the same second */
	enum pd_block_action action;
	enum pd_block_source source;
	char	 status[16];		/* the entry's status and text then */
	char	 text[BLOCK_TEXT_MAX];
	char	 who[BLOCK_WHO_MAX];
	char	 why[BLOCK_TEXT_MAX];
};

#define PD_BLOCK_VALUE_MAX	1024	/* an encoded entry, with room */
#define PD_BLOCK_BATCH		50000	/* entries per write transaction in
					 * pd_block_import() */

/*
 * Notes on pd_block_add() and pd_block_import(): the time of the event
 * is e->last_seen, or the current time when that is 0. A new entry takes
 * first_seen from e (else the event time) and count from e (else 1); an
 * existing one keeps its first_seen and counts one more. source, status,
 * text and expires are replaced; who is the who argument (e->who when it
 * is NULL). first_seen and last_seen only ever widen, so events may come
 * out of order. The address is stored in lower case.
 */

/* pd_block_import() - pd_block_add() for n entries, PD_BLOCK_BATCH per
 * write transaction, audited as "import"; -1 with *err set (the batches
 * before the failing one stay committed). Each batch is sorted by
 * address; a caller with more than one batch should sort the whole
 * input first, so that each commit writes few pages (outpostctl does). */
int	 pd_block_import(struct db *, const struct pd_block_entry *, size_t n,
		    const char *who, const char *why, const char **err);
/* pd_block_expire() - remove the entries that pd_block_lookup() would no
 * longer count at now, audited as "expire"; *removed counts them */
int	 pd_block_expire(struct db *, uint64_t expiry, int64_t now,
		    size_t *removed, const char **err);
/* pd_block_expired() - is e past its expiry at now? */
int	 pd_block_expired(const struct pd_block_entry *, uint64_t expiry,
		    int64_t now);

/* pd_block_get() - the entry stored under address itself (no extension
 * or domain fallback): 1 with *e filled, 0, or -1 */
int	 pd_block_get(struct db_txn *, const char *address,
		    struct pd_block_entry *e);
/* pd_block_walk() - every entry in address order; stops when fn returns
 * non-zero (returned); -1 on a database error. Records that do not
 * decode are warned about and skipped. */
int	 pd_block_walk(struct db_txn *,
		    int (*fn)(const struct pd_block_entry *, void *),
		    void *ctx);
/* pd_block_audit_walk() - the audit trail of one address, oldest first,
 * with the same conventions */
int	 pd_block_audit_walk(struct db_txn *, const char *address,
		    int (*fn)(const struct pd_block_audit *, void *),
		    void *ctx);

/* Stored form of an entry (the address is the key, not part of it).
 * pd_block_encode() returns the length, 0 when e does not fit in len;
 * pd_block_decode() returns 0, or -1 for another version or a damaged
 * record, and leaves e->address alone. Neither allocates. */
size_t	 pd_block_encode(const struct pd_block_entry *, unsigned char *out,
		    size_t len);
int	 pd_block_decode(const void *, size_t, struct pd_block_entry *);

/* pd_block_address_valid() - a mailbox (addr_valid), "@domain", or
 * "mailbox>domain" (a complaint's per-sender-domain entry) */
int	 pd_block_address_valid(const char *);
/* pd_block_status_valid() - a permanent DSN status: "5.X.Y", X and Y of
 * one to three digits */
int	 pd_block_status_valid(const char *);
/* pd_block_source_parse() - the inverse of pd_block_source_name; -1 */
int	 pd_block_source_parse(const char *, enum pd_block_source *);
const char *pd_block_action_name(enum pd_block_action);

#endif /* BLOCK_H */
