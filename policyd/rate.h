/* rate.h - per-sender rate limits over several windows */
#ifndef RATE_H
#define RATE_H
#include <stddef.h>
#include <stdint.h>
#include "bounds.h"
#include "buf.h"
#include "db.h"

enum pd_rate_unit { PD_RATE_MSG, PD_RATE_RCPT };

/* The identities rate_limit_keys may name, and their names. */
enum pd_rate_type { PD_SASL, PD_SENDER, PD_SENDER_DOMAIN, PD_CLIENT,
	PD_RATE_TYPES };
extern const char *const pd_rate_type_names[PD_RATE_TYPES];
enum pd_rate_action { PD_RATE_DEFER, PD_RATE_REJECT, PD_RATE_HOLD };

struct pd_rate_limit {
	uint32_t count;			/* at most this many ... */
	uint32_t window;		/* ... in any this many seconds */
	enum pd_rate_unit unit;
};

/* A parsed limit list: "100 msg/1h, 1000 rcpt/1d action=reject" */
struct pd_rate_spec {
	int	 n;
	struct pd_rate_limit lim[RATE_LIMITS_MAX];
	int	 unlimited;		/* "unlimited": no limit at all */
	int	 has_action;
	enum pd_rate_action action;
};

int	 pd_rate_spec_parse(const char *, struct pd_rate_spec *, const char **why);
/* "100 msg/1h" */
char	*pd_rate_limit_format(const struct pd_rate_limit *, char *, size_t);
int	 pd_rate_action_parse(const char *, enum pd_rate_action *);
const char *pd_rate_action_name(enum pd_rate_action);

/*
 * One sliding-window counter: the count in the current fixed window and
 * in the one before it; the estimate for the last `window` seconds is
 * prev * (unexpired share of the previous window) + cur. Sixteen bytes:
 * the daemon keeps one per limit of every key it has seen, and writes
 * the changed ones every second.
 */
struct pd_rate_counter {
	unsigned window:31;		/* seconds, up to 366 days */
	unsigned unit:1;		/* enum pd_rate_unit */
	uint32_t start;			/* start of the current fixed window,
					 * in seconds since 1970 (to 2106) */
	uint32_t prev;
	uint32_t cur;
};

/* The state of one key, as stored in LMDB (DB_RATE): only the first n
 * counters are stored. (The daemon's store keeps just those n.) */
struct pd_rate_state {
	uint32_t version;		/* PD_RATE_VERSION */
	uint32_t n;
	struct pd_rate_counter c[RATE_LIMITS_MAX];
};

/* 2: counters of 16 bytes. Version 1 (24 bytes, a 64-bit start) is
 * still read, and written as 2 when the key next changes. */
#define PD_RATE_VERSION	2

/* pd_rate_usage() - estimated count in the last window seconds at now */
double	 pd_rate_usage(const struct pd_rate_counter *, uint64_t now);
/* pd_rate_wait() - 0 when cost more fits under limit at now, else the
 * seconds until it will */
uint64_t pd_rate_wait(const struct pd_rate_counter *,
		    const struct pd_rate_limit *, uint32_t cost, uint64_t now);
void	 pd_rate_add(struct pd_rate_counter *, uint32_t cost, uint64_t now);
/* pd_rate_sync() - make state hold one counter per limit of spec, in its
 * order, keeping counts of the limits it had already */
void	 pd_rate_sync(struct pd_rate_state *, const struct pd_rate_spec *);

/*
 * pd_rate_apply() - the decision for one key: when every limit has room
 * for this message (1 msg, rcpts recipients) count it (unless dry) and
 * return -1; else return the index of the limit with the longest wait
 * and set *wait.
 */
int	 pd_rate_apply(struct pd_rate_state *, const struct pd_rate_spec *,
		    uint32_t rcpts, uint64_t now, int dry, uint64_t *wait);

/* Stored form; -1 for a record of another size or version. */
int	 pd_rate_state_decode(const void *, size_t, struct pd_rate_state *);
size_t	 pd_rate_state_size(const struct pd_rate_state *);

/* pd_rate_register_checks() - make cfg_load() refuse a bad
 * rate_limit_default, rate_limit_action or rate_limit_keys; call it before
 * the first load */
void	 pd_rate_register_checks(void);
/* pd_rate_key() - the counter key of an identity: "type:value" in lower
 * case, a sender without its address extension; -1 when over len */
int	 pd_rate_key(char *key, size_t len, const char *type, const char *value);
/* pd_rate_lookup_spec() - the limits of "type:value" from rate_limit_maps
 * or rate_limit_default; -1 (logged) on a table error or bad entry. */
int	 pd_rate_lookup_spec(const char *key, struct pd_rate_spec *);

/* The daemon's in-memory store, flushed to LMDB in batches. */
struct pd_rate_store;
struct pd_rate_store *pd_rate_store_create(void);
struct pd_rate_store *pd_rate_store_free(struct pd_rate_store *);
/* pd_rate_store_apply() - pd_rate_apply() on the state of key, loaded
 * from txn on first use (txn may be NULL); unless dry, the state is saved
 * at the next flush */
int	 pd_rate_store_apply(struct pd_rate_store *, struct db_txn *,
		    const char *key, const struct pd_rate_spec *,
		    uint32_t rcpts, uint64_t now, int dry, uint64_t *wait);
/* pd_rate_store_refs() - n keys of the store (at most 8), loaded from
 * txn on first use as above and found together, for pd_rate_ref_apply():
 * a request that tests its keys and then counts them finds each once.
 * Valid until the next pd_rate_store_evict() or pd_rate_store_free(). */
struct pd_rate_ref;
void	 pd_rate_store_refs(struct pd_rate_store *, struct db_txn *,
		    const char *const *keys, int n, struct pd_rate_ref **refs);
int	 pd_rate_ref_apply(struct pd_rate_store *, struct pd_rate_ref *,
		    const struct pd_rate_spec *, uint32_t rcpts, uint64_t now,
		    int dry, uint64_t *wait);
/* pd_rate_store_get() - a copy of the state of key in st, loaded from
 * txn on first use as above */
void	 pd_rate_store_get(struct pd_rate_store *, struct db_txn *,
		    const char *key, struct pd_rate_state *st);
/* pd_rate_store_writer() - write batches in a thread of their own from
 * now on (the daemon); without it, flushes write in the caller */
void	 pd_rate_store_writer(struct pd_rate_store *, struct db *);
/* pd_rate_store_flush() - save dirty states (handed to the writer when
 * there is one and it is idle), apply "ratelimit reset" requests from
 * DB_RESET (here); -1 with *why set (states stay dirty). With a writer,
 * the batch is copied a slice at a time: pd_rate_store_fill() copies
 * the next slice, and hands the batch over after the last. */
int	 pd_rate_store_flush(struct pd_rate_store *, struct db *,
		    const char **why);
int	 pd_rate_store_fill(struct pd_rate_store *, struct db *,
		    const char **why);
/* pd_rate_store_filling() - is a batch being copied? Its caller must call
 * pd_rate_store_fill() again soon, traffic or not: the batch is written
 * only once it is complete. */
int	 pd_rate_store_filling(const struct pd_rate_store *);
/* pd_rate_store_sync() - stop the writer after its batch, then save what
 * is left here: at exit, nothing is lost */
int	 pd_rate_store_sync(struct pd_rate_store *, struct db *,
		    const char **why);
/* pd_rate_store_evict() - forget, in memory, the states that are saved and
 * whose every window has passed; returns how many */
size_t	 pd_rate_store_evict(struct pd_rate_store *, uint64_t now);
/* pd_rate_reset() - outpostctl: forget key now and ask the daemon to */
int	 pd_rate_reset(struct db *, const char *key, const char **why);

#endif /* RATE_H */
