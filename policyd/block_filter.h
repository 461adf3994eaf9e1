/* block_filter.h - the blocklist's keys in a Bloom filter, in memory */
#ifndef BLOCK_FILTER_H
#define BLOCK_FILTER_H
#include <stddef.h>
#include <stdint.h>
#include "db.h"

struct pd_block_filter;

/* The daemon's side. */

/* pd_block_filter_build() - a filter of every key in DB_BLOCK as txn
 * sees it, and of the journal position it reflects; NULL (logged) on a
 * database error */
struct pd_block_filter *pd_block_filter_build(struct db_txn *);
/*
 * pd_block_filter_update() - add the keys that writers journaled since
 * the filter was built or last updated, as txn sees them. 0: up to date;
 * 1: only a rebuild will do (an import, a journal that no longer reaches
 * back, a filter past what it was sized for); -1 on a database error.
 */
int	 pd_block_filter_update(struct pd_block_filter *, struct db_txn *);
/* pd_block_filter_maybe() - 0: key is not in the blocklist; 1: it may be,
 * look it up. A NULL filter says 1. */
int	 pd_block_filter_maybe(const struct pd_block_filter *, const char *key,
		    size_t len);
/* pd_block_filter_maybe_each() - the same for n keys at once (at most
 * PD_BLOCK_FILTER_EACH), their memory fetched together: bit i of the
 * result is the answer for keys[i] */
#define PD_BLOCK_FILTER_EACH	8
unsigned pd_block_filter_maybe_each(const struct pd_block_filter *,
		    const char *const *keys, const size_t *lens, int n);
size_t	 pd_block_filter_keys(const struct pd_block_filter *);
size_t	 pd_block_filter_bytes(const struct pd_block_filter *);
struct pd_block_filter *pd_block_filter_free(struct pd_block_filter *);

/* The writers' side, inside their write transaction (block.c). */

/* pd_block_journal_add() - key is new in DB_BLOCK */
int	 pd_block_journal_add(struct db_txn *, const char *key, size_t len);
/* pd_block_journal_renew() - many keys at once (an import): every
 * daemon rebuilds its filter instead of reading them one by one */
int	 pd_block_journal_renew(struct db_txn *);
/* pd_block_journal_epoch() - how many renewals so far: the daemon waits
 * for this to hold still before it rebuilds; -1 on a database error */
int	 pd_block_journal_epoch(struct db_txn *, uint64_t *epoch);

#endif /* BLOCK_FILTER_H */
