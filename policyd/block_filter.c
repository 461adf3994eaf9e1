/*
 * block_filter - the blocklist's keys in a Bloom filter, in memory
 * SYNOPSIS	f = pd_block_filter_build(txn);
 *		if (pd_block_filter_maybe(f, key, len)) db_get(...);
 * DESCRIPTION	Most recipients are not on the blocklist, and each RCPT
 *		asks for up to five keys (the address, without its
 *		extension, @domain, and the complaint keys). The filter
 *		answers "certainly not" for almost all of them from a few
 *		bytes per key of the daemon's memory, so that only listed
 *		keys and a few in a thousand others are looked up in the
 *		1,000,000-key B-tree.
 *
 *		It is a split-block Bloom filter: a key's eight bits lie
 *		in one 32-byte block (aligned: within one cache line), one
 *		bit in each of its eight words. 12 bits per key give about
 *		one false positive in 200 when the filter is full. Nothing
 *		is ever removed: a removed key costs a lookup until the
 *		next rebuild.
 *
 *		Other processes (outpostctl, the ingest service) add
 *		entries while the daemon runs, so every writer also
 *		journals each new key in DB_META in the same transaction:
 *		"blocklist-gen" holds an epoch and the last sequence number,
 *		"blocklist-new:" and a sequence number (8 bytes, big-endian)
 *		the key. The daemon reads the keys past its own position.
 *		An import renews the epoch instead of journaling a million
 *		keys, and the daemon rebuilds. The journal keeps the last
 *		BLOCK_JOURNAL_MAX keys; a daemon further behind rebuilds.
 * LIMITS	A filter holds one and a half times the keys it was built
 *		from (and at least 1024 more); past that, a rebuild.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block_filter.h"
#include "bounds.h"
#include "hash.h"
#include "msg.h"
#include "mymalloc.h"

#define BLOCK_FILTER_BITS	12	/* per key: about 0.5% false hits */
#define BLOCK_JOURNAL_GEN	"blocklist-gen"
#define BLOCK_JOURNAL_NEW	"blocklist-new:"

struct pd_block_filter {
	uint32_t *words;		/* nblocks blocks of 8 words */
	uint64_t nblocks;
	uint64_t seed;
	size_t	 keys;			/* added, duplicates included */
	size_t	 capacity;		/* keys it was sized for */
	uint64_t epoch;			/* the journal position it reflects */
	uint64_t seq;
};

/* One odd multiplier per word of a block, to pick a bit in each. */
static const uint32_t block_filter_salt[8] = {
	0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
	0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U,
};

/* block_filter_block - the block of hash h: high bits, scaled, not
 * masked, so any number of blocks works */
static uint32_t *
block_filter_block(const struct pd_block_filter *f, uint64_t h)
{
	return (f->words + 8 * (((h >> 32) * f->nblocks) >> 32));
}

/* block_filter_bit - the bit of hash x in word i of its block */
static uint32_t
block_filter_bit(uint32_t x, int i)
{
	return (1U << ((x * block_filter_salt[i]) >> 27));
}

/* block_filter_add - one key */
static void
block_filter_add(struct pd_block_filter *f, const void *key, size_t len)
{
	uint64_t h = hash_bytes(f->seed, key, len);
	uint32_t *b = block_filter_block(f, h), x = (uint32_t)h;
	int	 i;

	for (i = 0; i < 8; i++)
		b[i] |= block_filter_bit(x, i);
	f->keys++;
}

int
pd_block_filter_maybe(const struct pd_block_filter *f, const char *key,
    size_t len)
{
	return ((int)pd_block_filter_maybe_each(f, &key, &len, 1));
}

unsigned
pd_block_filter_maybe_each(const struct pd_block_filter *f,
    const char *const *keys, const size_t *lens, int n)
{
	uint64_t h[PD_BLOCK_FILTER_EACH];
	unsigned maybe = 0;
	int	 i, j;

	if (n > PD_BLOCK_FILTER_EACH)
		msg_panic("pd_block_filter_maybe_each: %d keys", n);
	if (f == NULL)
		return ((1U << n) - 1);
	/* The blocks are far apart: ask for all of them before the first
	 * is needed, so that their cache misses overlap. */
	for (i = 0; i < n; i++) {
		h[i] = hash_bytes(f->seed, keys[i], lens[i]);
		__builtin_prefetch(block_filter_block(f, h[i]));
	}
	for (i = 0; i < n; i++) {
		const uint32_t *b = block_filter_block(f, h[i]);
		uint32_t x = (uint32_t)h[i];

		for (j = 0; j < 8; j++)
			if ((b[j] & block_filter_bit(x, j)) == 0)
				break;
		if (j == 8)
			maybe |= 1U << i;
	}
	return (maybe);
}

/* The journal. */

/* block_journal_key - "blocklist-new:" and seq, big-endian; its length */
static size_t
block_journal_key(char *key, uint64_t seq)
{
	size_t	 n = sizeof(BLOCK_JOURNAL_NEW) - 1;
	int	 i;

	memcpy(key, BLOCK_JOURNAL_NEW, n);
	for (i = 7; i >= 0; i--, seq >>= 8)
		key[n + (size_t)i] = (char)(seq & 0xff);
	return (n + 8);
}

/* block_journal_get - the epoch and last sequence number; 0, or -1 */
static int
block_journal_get(struct db_txn *txn, uint64_t *epoch, uint64_t *seq)
{
	const unsigned char *p;
	const void *val;
	size_t	 len;
	int	 rc, i;

	*epoch = *seq = 0;
	rc = db_get(txn, DB_META, BLOCK_JOURNAL_GEN,
	    sizeof(BLOCK_JOURNAL_GEN) - 1, &val, &len);
	if (rc <= 0 || len != 16)
		return (rc < 0 ? -1 : 0);
	for (p = val, i = 0; i < 8; i++) {
		*epoch = *epoch << 8 | p[i];
		*seq = *seq << 8 | p[8 + i];
	}
	return (0);
}

/* block_journal_put - store the epoch and last sequence number */
static int
block_journal_put(struct db_txn *txn, uint64_t epoch, uint64_t seq)
{
	unsigned char v[16];
	int	 i;

	for (i = 7; i >= 0; i--, epoch >>= 8, seq >>= 8) {
		v[i] = (unsigned char)(epoch & 0xff);
		v[8 + i] = (unsigned char)(seq & 0xff);
	}
	return (db_put(txn, DB_META, BLOCK_JOURNAL_GEN,
	    sizeof(BLOCK_JOURNAL_GEN) - 1, v, sizeof(v)));
}

int
pd_block_journal_add(struct db_txn *txn, const char *key, size_t len)
{
	char	 jkey[sizeof(BLOCK_JOURNAL_NEW) + 8];
	uint64_t epoch, seq;

	if (block_journal_get(txn, &epoch, &seq) < 0)
		return (-1);
	seq++;
	if (db_put(txn, DB_META, jkey, block_journal_key(jkey, seq), key,
	    len) < 0)
		return (-1);
	if (seq > BLOCK_JOURNAL_MAX && db_del(txn, DB_META, jkey,
	    block_journal_key(jkey, seq - BLOCK_JOURNAL_MAX)) < 0)
		return (-1);
	return (block_journal_put(txn, epoch, seq));
}

int
pd_block_journal_renew(struct db_txn *txn)
{
	uint64_t epoch, seq;

	if (block_journal_get(txn, &epoch, &seq) < 0)
		return (-1);
	return (block_journal_put(txn, epoch + 1, seq));
}

int
pd_block_journal_epoch(struct db_txn *txn, uint64_t *epoch)
{
	uint64_t seq;

	return (block_journal_get(txn, epoch, &seq));
}

/* The filter's life. */

/* block_filter_one - db_walk: add one blocklist key */
static int
block_filter_one(const void *k, size_t kl, const void *v, size_t vl,
    void *ctx)
{
	(void)v;
	(void)vl;
	block_filter_add(ctx, k, kl);
	return (0);
}

struct pd_block_filter *
pd_block_filter_build(struct db_txn *txn)
{
	struct pd_block_filter *f = xcalloc(1, sizeof(*f));
	size_t	 n = db_count(txn, DB_BLOCK);

	f->capacity = n + n / 2 + 1024;
	f->nblocks = (f->capacity * BLOCK_FILTER_BITS + 255) / 256;
	/* Blocks on 64-byte boundaries: none straddles two cache lines. */
	if ((f->words = aligned_alloc(64, (f->nblocks * 32 + 63) / 64 * 64))
	    == NULL)
		msg_fatal("out of memory (blocklist filter, %llu blocks)",
		    (unsigned long long)f->nblocks);
	memset(f->words, 0, f->nblocks * 32);
	f->seed = hash_seed();
	if (block_journal_get(txn, &f->epoch, &f->seq) < 0
	    || db_walk(txn, DB_BLOCK, NULL, 0, block_filter_one, f) < 0) {
		msg_warn("blocklist filter: %s: looking every recipient up",
		    db_strerror(txn));
		return (pd_block_filter_free(f));
	}
	return (f);
}

int
pd_block_filter_update(struct pd_block_filter *f, struct db_txn *txn)
{
	char	 jkey[sizeof(BLOCK_JOURNAL_NEW) + 8];
	uint64_t epoch, seq, s;
	const void *val;
	size_t	 len;
	int	 rc;

	if (block_journal_get(txn, &epoch, &seq) < 0)
		return (-1);
	if (epoch == f->epoch && seq == f->seq)
		return (0);
	if (epoch != f->epoch || seq < f->seq
	    || seq - f->seq > BLOCK_JOURNAL_MAX
	    || f->keys + (seq - f->seq) > f->capacity)
		return (1);
	for (s = f->seq + 1; s <= seq; s++) {
		rc = db_get(txn, DB_META, jkey, block_journal_key(jkey, s),
		    &val, &len);
		if (rc <= 0)
			return (rc < 0 ? -1 : 1);
		block_filter_add(f, val, len);
	}
	f->seq = seq;
	return (0);
}

size_t
pd_block_filter_keys(const struct pd_block_filter *f)
{
	return (f ? f->keys : 0);
}

size_t
pd_block_filter_bytes(const struct pd_block_filter *f)
{
	return (f ? f->nblocks * 8 * sizeof(*f->words) : 0);
}

struct pd_block_filter *
pd_block_filter_free(struct pd_block_filter *f)
{
	if (f == NULL)
		return (NULL);
	xfree(f->words);
	return (xfree(f));
}
