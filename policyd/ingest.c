/*
 * ingest - bounces and complaints into the state
 * SYNOPSIS	pd_ingest_apply(db, events, n, &pos, &opts, &added, &why);
 * DESCRIPTION	What each class does:
 *
 *		hard: the recipient goes on the blocklist (source log or
 *		dsn, the DSN status, the reply as text), audited as by
 *		"ingest". An entry in force that was last seen at or after
 *		the event is left alone, so that re-reading a log changes
 *		nothing; an address removed by hand and bouncing again is
 *		added again, and its audit trail shows both.
 *
 *		complaint: "rcpt>sender.domain" goes on the blocklist
 *		(source arf, status 5.7.1): outpost-policyd refuses the
 *		recipient for mail from that domain only.
 *
 *		soft: DB_BOUNCE "s" + address keeps the first and last
 *		soft bounce and their count; when they span promote_after
 *		(soft_bounce_promote_after) the recipient is blocked with
 *		the status made permanent (4.2.2 becomes 5.2.2) and the
 *		history is dropped. A delivery (status=sent), or a hard
 *		bounce, drops it too.
 *
 *		policy: never blocks; counted per destination domain.
 *
 *		Report counters, DB_BOUNCE "c" + hour (8 hex digits) + kind
 *		+ name, count events per class, policy bounces per
 *		destination domain, hard bounces per envelope sender and
 *		complaints per sender domain. A batch is summed in memory
 *		first: one read and write per counter per batch.
 *
 *		Everything of one call, with the log position, is one
 *		write transaction: a crash leaves the batch wholly done or
 *		not at all, and a reader resumes where the state says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "htable.h"
#include "ingest.h"
#include "msg.h"
#include "mymalloc.h"

#define INGEST_WHO	"ingest"
#define SOFT_VALUE_LEN	(8 + 8 + 4 + PD_BOUNCE_STATUS_MAX)
#define POS_PREFIX	"ingest:"
#define KEY_MAX		(1 + 8 + 1 + ADDR_MAX + 1)

/* put_u64, get_u64 - big-endian integers */
static void
put_u64(unsigned char *p, uint64_t v, int n)
{
	int	 i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
get_u64(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return (v);
}

struct ingest_run {
	const struct pd_ingest_event *ev;
	size_t	 n;
	const struct pd_ingest_pos *pos;
	const struct pd_ingest_opts *opts;
	struct htable *counters;	/* key -> uint64_t * */
	size_t	 added;
	const char *why;
	struct db_txn *txn;
	int	 failed;
};

/* ingest_count - one more for a counter of the batch */
static void
ingest_count(struct htable *h, int64_t when, int kind, const char *name)
{
	char	 key[KEY_MAX];
	uint64_t *v;

	if (*name == 0)
		return;
	snprintf(key, sizeof(key), "c%08" PRIx64 "%c%s",
	    (uint64_t)(when < 0 ? 0 : when) / 3600, kind, name);
	if ((v = htable_find(h, key)) == NULL) {
		v = xcalloc(1, sizeof(*v));
		htable_enter(h, key, v);
	}
	(*v)++;
}

/* ingest_counter_put - htable_walk callback: add to the stored count */
static void
ingest_counter_put(struct htable_entry *he, void *ctx)
{
	struct ingest_run *run = ctx;
	unsigned char val[8];
	const void *old;
	size_t	 olen;
	uint64_t v = *(uint64_t *)he->value;
	int	 rc;

	if (run->failed)
		return;
	if ((rc = db_get(run->txn, DB_BOUNCE, he->key, strlen(he->key), &old,
	    &olen)) < 0) {
		run->failed = 1;
		return;
	}
	if (rc == 1 && olen == 8)
		v += get_u64(old, 8);
	put_u64(val, v, 8);
	if (db_put(run->txn, DB_BOUNCE, he->key, strlen(he->key), val, 8) < 0)
		run->failed = 1;
}

/* ingest_block - put e on the blocklist unless an entry in force has
 * seen this event already; 1 written, 0 left alone, -1 */
static int
ingest_block(struct ingest_run *run, const struct pd_block_entry *e,
    const char *why)
{
	struct pd_block_entry old;
	int	 rc;

	if ((rc = pd_block_get(run->txn, e->address, &old)) < 0) {
		run->why = db_strerror(run->txn);
		return (-1);
	}
	if (rc == 1 && !pd_block_expired(&old, run->opts->expiry,
	    run->opts->now) && old.last_seen >= e->last_seen)
		return (0);
	if (pd_block_add_txn(run->txn, e, INGEST_WHO, why, run->opts->now,
	    &run->why) < 0)
		return (-1);
	run->added++;
	return (1);
}

/* ingest_entry - a blocklist entry for event ev */
static void
ingest_entry(const struct pd_ingest_event *ev, struct pd_block_entry *e,
    const char *status)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->address, sizeof(e->address), "%s", ev->r.address);
	e->source = ev->source;
	e->last_seen = ev->time;
	snprintf(e->status, sizeof(e->status), "%s", status);
	snprintf(e->text, sizeof(e->text), "%s", ev->r.reply);
}

/* ingest_soft - remember a soft bounce; promote it when it is old */
static int
ingest_soft(struct ingest_run *run, const struct pd_ingest_event *ev)
{
	unsigned char key[1 + ADDR_MAX], val[SOFT_VALUE_LEN];
	struct pd_block_entry e;
	const void *old;
	size_t	 olen, klen = 1 + strlen(ev->r.address);
	uint64_t first = (uint64_t)ev->time, last = (uint64_t)ev->time;
	uint32_t count = 1;
	char	 status[PD_BOUNCE_STATUS_MAX], why[BLOCK_TEXT_MAX], date[32];
	time_t	 since;
	struct tm tm;
	int	 rc;

	key[0] = 's';
	memcpy(key + 1, ev->r.address, klen - 1);
	if ((rc = db_get(run->txn, DB_BOUNCE, key, klen, &old, &olen)) < 0) {
		run->why = db_strerror(run->txn);
		return (-1);
	}
	if (rc == 1 && olen == SOFT_VALUE_LEN) {
		first = get_u64(old, 8);
		last = get_u64((const unsigned char *)old + 8, 8);
		count = (uint32_t)get_u64((const unsigned char *)old + 16, 4);
		if ((uint64_t)ev->time < first)
			first = (uint64_t)ev->time;
		if ((uint64_t)ev->time > last)
			last = (uint64_t)ev->time;
		if (count < UINT32_MAX)
			count++;
	}
	if (run->opts->promote_after > 0
	    && last - first >= run->opts->promote_after) {
		/* Permanent now: 4.2.2 becomes 5.2.2; without one, 5.0.0. */
		if (pd_bounce_status_valid(ev->r.status))
			snprintf(status, sizeof(status), "5%s",
			    ev->r.status + 1);
		else
			snprintf(status, sizeof(status), "5.0.0");
		ingest_entry(ev, &e, status);
		since = (time_t)first;
		strftime(date, sizeof(date), "%Y-%m-%d", gmtime_r(&since, &tm));
		snprintf(why, sizeof(why), "%" PRIu32 " soft bounces since %s "
		    "(%s)", count, date, ev->r.rule);
		if (ingest_block(run, &e, why) < 0)
			return (-1);
		if (db_del(run->txn, DB_BOUNCE, key, klen) < 0) {
			run->why = db_strerror(run->txn);
			return (-1);
		}
		return (0);
	}
	put_u64(val, first, 8);
	put_u64(val + 8, last, 8);
	put_u64(val + 16, count, 4);
	memset(val + 20, 0, PD_BOUNCE_STATUS_MAX);
	memcpy(val + 20, ev->r.status, strnlen(ev->r.status,
	    PD_BOUNCE_STATUS_MAX - 1));
	if (db_put(run->txn, DB_BOUNCE, key, klen, val, sizeof(val)) < 0) {
		run->why = db_strerror(run->txn);
		return (-1);
	}
	return (0);
}

/* ingest_forget - drop a recipient's soft-bounce history */
static int
ingest_forget(struct ingest_run *run, const char *address)
{
	unsigned char key[1 + ADDR_MAX];
	size_t	 klen = 1 + strlen(address);

	key[0] = 's';
	memcpy(key + 1, address, klen - 1);
	if (db_del(run->txn, DB_BOUNCE, key, klen) < 0) {
		run->why = db_strerror(run->txn);
		return (-1);
	}
	return (0);
}

/* ingest_one - what one event does */
static int
ingest_one(struct ingest_run *run, const struct pd_ingest_event *ev)
{
	struct pd_block_entry e;
	char	 why[BLOCK_TEXT_MAX];
	int	 n;

	if (ev->r.address[0] == 0)
		return (0);
	if (ev->delivered)
		return (ingest_forget(run, ev->r.address));
	switch (ev->r.class) {
	case PD_BOUNCE_HARD:
		ingest_entry(ev, &e, pd_block_status_valid(ev->r.status) ?
		    ev->r.status : "5.0.0");
		snprintf(why, sizeof(why), "hard bounce (%s)%s%.200s",
		    ev->r.rule, ev->sender[0] ? ", sender " : "", ev->sender);
		if (ingest_block(run, &e, why) < 0)
			return (-1);
		return (ingest_forget(run, ev->r.address));
	case PD_BOUNCE_COMPLAINT:
		ingest_entry(ev, &e, "5.7.1");
		n = snprintf(e.address, sizeof(e.address), "%s>%s",
		    ev->r.address, ev->sender);
		if (n < 0 || (size_t)n >= sizeof(e.address) || !ev->sender[0])
			return (0);	/* too long to be a key: counted only */
		snprintf(why, sizeof(why), "complaint about mail from %.200s",
		    ev->sender);
		return (ingest_block(run, &e, why) < 0 ? -1 : 0);
	case PD_BOUNCE_SOFT:
		return (ingest_soft(run, ev));
	default:
		return (0);
	}
}

/* ingest_txn - db_update body: the events, the counters, the position */
static int
ingest_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct ingest_run *run = ctx;
	unsigned char key[sizeof(POS_PREFIX) + 4096], val[16];
	size_t	 i, nlen;

	run->txn = txn;
	run->added = 0;			/* run again after the map grew */
	run->failed = 0;
	for (i = 0; i < run->n; i++)
		if (ingest_one(run, &run->ev[i]) < 0) {
			*why = run->why;
			return (-1);
		}
	htable_walk(run->counters, ingest_counter_put, run);
	if (run->failed) {
		*why = db_strerror(txn);
		return (-1);
	}
	if (run->pos != NULL) {
		nlen = strlen(run->pos->name);
		if (nlen > sizeof(key) - sizeof(POS_PREFIX)) {
			*why = "log file name too long";
			return (-1);
		}
		memcpy(key, POS_PREFIX, sizeof(POS_PREFIX) - 1);
		memcpy(key + sizeof(POS_PREFIX) - 1, run->pos->name, nlen);
		put_u64(val, run->pos->ino, 8);
		put_u64(val + 8, run->pos->off, 8);
		if (db_put(txn, DB_META, key, sizeof(POS_PREFIX) - 1 + nlen,
		    val, sizeof(val)) < 0) {
			*why = db_strerror(txn);
			return (-1);
		}
	}
	return (0);
}

int
pd_ingest_apply(struct db *db, const struct pd_ingest_event *ev, size_t n,
    const struct pd_ingest_pos *pos, const struct pd_ingest_opts *opts,
    size_t *added, const char **why)
{
	struct ingest_run run;
	struct htable counters;
	const char *dom;
	size_t	 i;
	int	 rc;

	memset(&run, 0, sizeof(run));
	run.ev = ev;
	run.n = n;
	run.pos = pos;
	run.opts = opts;
	run.counters = &counters;
	htable_init(&counters, 64);
	for (i = 0; i < n; i++) {
		if (ev[i].delivered)
			continue;
		ingest_count(&counters, ev[i].time, PD_INGEST_CLASS,
		    pd_bounce_class_name(ev[i].r.class));
		if (ev[i].r.class == PD_BOUNCE_POLICY
		    && (dom = addr_domain(ev[i].r.address)) != NULL)
			ingest_count(&counters, ev[i].time,
			    PD_INGEST_POLICY_DOMAIN, dom);
		else if (ev[i].r.class == PD_BOUNCE_HARD)
			ingest_count(&counters, ev[i].time,
			    PD_INGEST_HARD_SENDER, ev[i].sender[0] ?
			    ev[i].sender : "<>");
		else if (ev[i].r.class == PD_BOUNCE_COMPLAINT)
			ingest_count(&counters, ev[i].time,
			    PD_INGEST_COMPLAINT, ev[i].sender);
	}
	rc = db_update(db, ingest_txn, &run, why);
	htable_fini(&counters, free);
	if (added)
		*added = rc == 0 ? run.added : 0;
	return (rc);
}

int
pd_ingest_pos_get(struct db *db, const char *name, uint64_t *ino,
    uint64_t *off, const char **why)
{
	struct db_txn *txn = NULL;
	unsigned char key[sizeof(POS_PREFIX) + 4096];
	const void *val;
	size_t	 vlen, nlen = strlen(name);
	int	 rc;

	if (nlen > sizeof(key) - sizeof(POS_PREFIX)) {
		*why = "log file name too long";
		return (-1);
	}
	memcpy(key, POS_PREFIX, sizeof(POS_PREFIX) - 1);
	memcpy(key + sizeof(POS_PREFIX) - 1, name, nlen);
	if (db_read_begin(db, &txn, why) < 0) {
		db_txn_free(txn);
		return (-1);
	}
	rc = db_get(txn, DB_META, key, sizeof(POS_PREFIX) - 1 + nlen, &val,
	    &vlen);
	if (rc < 0)
		*why = db_strerror(txn);
	else if (rc == 1 && vlen == 16) {
		*ino = get_u64(val, 8);
		*off = get_u64((const unsigned char *)val + 8, 8);
	} else
		rc = 0;
	db_read_end(txn);
	db_txn_free(txn);
	return (rc);
}

struct ingest_walk {
	uint64_t since_hour;
	void	 (*fn)(int, const char *, uint64_t, void *);
	void	*ctx;
};

/* ingest_counter_one - db_walk callback: one counter in the window */
static int
ingest_counter_one(const void *k, size_t kl, const void *v, size_t vl,
    void *ctx)
{
	struct ingest_walk *w = ctx;
	char	 key[KEY_MAX], hex[9];

	if (kl < 11 || kl >= sizeof(key) || vl != 8)
		return (0);
	memcpy(key, k, kl);
	key[kl] = 0;
	memcpy(hex, key + 1, 8);
	hex[8] = 0;
	if (strtoull(hex, NULL, 16) < w->since_hour)
		return (0);
	w->fn(key[9], key + 10, get_u64(v, 8), w->ctx);
	return (0);
}

int
pd_ingest_counters(struct db *db, int64_t since,
    void (*fn)(int, const char *, uint64_t, void *), void *ctx,
    const char **why)
{
	struct db_txn *txn = NULL;
	struct ingest_walk w;
	int	 rc;

	w.since_hour = (uint64_t)(since < 0 ? 0 : since) / 3600;
	w.fn = fn;
	w.ctx = ctx;
	if (db_read_begin(db, &txn, why) < 0) {
		db_txn_free(txn);
		return (-1);
	}
	if ((rc = db_walk(txn, DB_BOUNCE, "c", 1, ingest_counter_one, &w)) < 0)
		*why = db_strerror(txn);
	db_read_end(txn);
	db_txn_free(txn);
	return (rc < 0 ? -1 : 0);
}
