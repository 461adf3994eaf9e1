/*
 * rate - per-sender rate limits over several windows
 * SYNOPSIS	pd_rate_spec_parse("100 msg/1h, 1000 rcpt/1d", &spec, &why);
 *		idx = pd_rate_apply(state, &spec, rcpts, now, dry, &wait);
 * DESCRIPTION	A limit "N unit/window" allows at most N messages (msg)
 *		or recipients (rcpt) in any `window` seconds. Each limit
 *		keeps a sliding-window counter: the counts of the current
 *		and of the previous fixed window, the previous one weighted
 *		by the share of it still inside the sliding window. That
 *		is three numbers per limit, exact at the window edges to
 *		within the rounding of one message, and it tells exactly
 *		when a full window frees up again (pd_rate_wait), which is
 *		what the reply and the log promise the sender.
 *
 *		A message is counted against every limit or none: when
 *		one limit is full the message is refused and counts
 *		nowhere, so a sender that keeps retrying into a deferral
 *		does not dig itself deeper.
 *
 *		The daemon keeps states in memory (pd_rate_store) and
 *		writes the changed ones to LMDB once a second and at exit;
 *		outpostctl reads them there. "outpostctl ratelimit reset"
 *		leaves a request in DB_RESET that the daemon applies at
 *		its next flush.
 * LIMITS	RATE_LIMITS_MAX limits per list; windows from 1s to 366d.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "addr.h"
#include "cfg.h"
#include "htable.h"
#include "keysort.h"
#include "list.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "parse.h"
#include "rate.h"

#define PD_RATE_WINDOW_MAX	(366 * 86400)

const char *const pd_rate_type_names[PD_RATE_TYPES] = {
	"sasl_username", "sender", "sender_domain", "client_address",
};

/* pd_rate_action_parse - "defer", "reject" or "hold"; -1 otherwise */
int
pd_rate_action_parse(const char *s, enum pd_rate_action *a)
{
	static const char *names[] = {"defer", "reject", "hold"};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*a = (enum pd_rate_action)i;
			return (0);
		}
	return (-1);
}

const char *
pd_rate_action_name(enum pd_rate_action a)
{
	return (a == PD_RATE_REJECT ? "reject" : a == PD_RATE_HOLD ? "hold" :
	    "defer");
}

/* pd_rate_parse_one - "N/window", "N msg/window" or "N rcpt/window" */
static int
pd_rate_parse_one(const char *num, const char *rest, struct pd_rate_limit *l,
    const char **why)
{
	const char *slash = strchr(rest, '/');
	uint64_t n, w;
	char	 unit[8];
	size_t	 ulen;

	if (slash == NULL) {
		*why = "expected count unit/window, e.g. 100 msg/1h";
		return (-1);
	}
	if (parse_uint(num, 1, UINT32_MAX, &n, why) < 0)
		return (-1);
	ulen = (size_t)(slash - rest);
	if (ulen >= sizeof(unit)) {
		*why = "unknown unit (use msg or rcpt)";
		return (-1);
	}
	memcpy(unit, rest, ulen);
	unit[ulen] = 0;
	if (ulen == 0 || strcmp(unit, "msg") == 0)
		l->unit = PD_RATE_MSG;
	else if (strcmp(unit, "rcpt") == 0)
		l->unit = PD_RATE_RCPT;
	else {
		*why = "unknown unit (use msg or rcpt)";
		return (-1);
	}
	if (parse_time(slash + 1, 1, PD_RATE_WINDOW_MAX, &w, why) < 0)
		return (-1);
	l->count = (uint32_t)n;
	l->window = (uint32_t)w;
	return (0);
}

int
pd_rate_spec_parse(const char *text, struct pd_rate_spec *spec,
    const char **why)
{
	char	 copy[1024], *cp = copy, *tok, *num = NULL;

	memset(spec, 0, sizeof(*spec));
	if (strlen(text) >= sizeof(copy)) {
		*why = "limit list longer than 1023 bytes";
		return (-1);
	}
	strcpy(copy, text);
	while ((tok = strsep(&cp, ", \t")) != NULL) {
		if (*tok == 0)
			continue;
		if (num == NULL && strncmp(tok, "action=", 7) == 0) {
			if (pd_rate_action_parse(tok + 7, &spec->action) < 0) {
				*why = "bad action (use defer, reject or hold)";
				return (-1);
			}
			spec->has_action = 1;
		} else if (num == NULL && strcmp(tok, "unlimited") == 0) {
			spec->unlimited = 1;
		} else if (num == NULL && isdigit((unsigned char)*tok)
		    && strchr(tok, '/') == NULL) {
			num = tok;		/* "100" "msg/1h" */
		} else {
			char	 numbuf[16], *rest = tok;

			if (num == NULL) {	/* "100/1h" */
				size_t	 digits = strspn(tok, "0123456789");

				if (digits == 0 || digits >= sizeof(numbuf)
				    || tok[digits] != '/') {
					*why = "expected count unit/window, "
					    "e.g. 100 msg/1h";
					return (-1);
				}
				memcpy(numbuf, tok, digits);
				numbuf[digits] = 0;
				num = numbuf;
				rest = tok + digits;
			}
			if (spec->n == RATE_LIMITS_MAX) {
				*why = "more than 8 limits in one list";
				return (-1);
			}
			if (pd_rate_parse_one(num, rest, &spec->lim[spec->n],
			    why) < 0)
				return (-1);
			spec->n++;
			num = NULL;
		}
	}
	if (num != NULL) {
		*why = "count without unit/window";
		return (-1);
	}
	if (spec->unlimited && spec->n > 0) {
		*why = "\"unlimited\" together with limits";
		return (-1);
	}
	return (0);
}

char *
pd_rate_limit_format(const struct pd_rate_limit *l, char *out, size_t len)
{
	char	 w[32];
	uint32_t s = l->window;

	if (s % 604800 == 0)
		snprintf(w, sizeof(w), "%uw", s / 604800);
	else if (s % 86400 == 0)
		snprintf(w, sizeof(w), "%ud", s / 86400);
	else if (s % 3600 == 0)
		snprintf(w, sizeof(w), "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(w, sizeof(w), "%um", s / 60);
	else
		snprintf(w, sizeof(w), "%us", s);
	snprintf(out, len, "%u %s/%s", l->count,
	    l->unit == PD_RATE_RCPT ? "rcpt" : "msg", w);
	return (out);
}

/* pd_rate_advance - move the counter's fixed window up to now */
static void
pd_rate_advance(struct pd_rate_counter *c, uint64_t now)
{
	uint64_t w = c->window;

	if (now < c->start)		/* clock went back: keep counts */
		return;
	if (c->start == 0 || now >= c->start + 2 * w) {
		c->prev = (c->start != 0 && now < c->start + 2 * w) ? c->cur : 0;
		c->cur = 0;
		c->start = now - now % w;
	} else if (now >= c->start + w) {
		c->prev = c->cur;
		c->cur = 0;
		c->start += w;
	}
}

double
pd_rate_usage(const struct pd_rate_counter *orig, uint64_t now)
{
	struct pd_rate_counter c = *orig;
	double	 left;

	pd_rate_advance(&c, now);
	left = (double)((uint64_t)c.start + c.window
	    - (now < c.start ? c.start : now)) / c.window;
	return (c.prev * left + c.cur);
}

uint64_t
pd_rate_wait(const struct pd_rate_counter *orig, const struct pd_rate_limit *l,
    uint32_t cost, uint64_t now)
{
	struct pd_rate_counter c = *orig;
	double	 share;
	uint64_t at;

	if (cost > l->count)
		return (l->window);	/* never fits: retry makes no sense
					 * sooner than a window */
	pd_rate_advance(&c, now);
	if (pd_rate_usage(&c, now) + cost <= l->count + 1e-9)
		return (0);
	if ((uint64_t)c.cur + cost <= l->count) {
		/* Wait until enough of the previous window has slid out. */
		share = 1.0 - (double)(l->count - c.cur - cost) / c.prev;
		at = c.start + (uint64_t)ceil(share * c.window);
	} else {
		/* Wait into the next window, for this one to slide out. */
		share = 1.0 - (double)(l->count - cost) / c.cur;
		at = (uint64_t)c.start + c.window
		    + (uint64_t)ceil(share * c.window);
	}
	return (at > now ? at - now : 1);
}

void
pd_rate_add(struct pd_rate_counter *c, uint32_t cost, uint64_t now)
{
	pd_rate_advance(c, now);
	c->cur = (c->cur > UINT32_MAX - cost) ? UINT32_MAX : c->cur + cost;
}

/* pd_rate_match - c: one counter per limit of spec, in its order, with
 * the counts of the one of old[0..nold) of the same window and unit */
static void
pd_rate_match(struct pd_rate_counter *c, const struct pd_rate_counter *old,
    uint32_t nold, const struct pd_rate_spec *spec)
{
	uint32_t i, j;

	for (i = 0; i < (uint32_t)spec->n; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].window = spec->lim[i].window;
		c[i].unit = spec->lim[i].unit;
		for (j = 0; j < nold; j++)
			if (old[j].window == c[i].window
			    && old[j].unit == c[i].unit) {
				c[i] = old[j];
				break;
			}
	}
}

void
pd_rate_sync(struct pd_rate_state *st, const struct pd_rate_spec *spec)
{
	struct pd_rate_state old = *st;

	st->version = PD_RATE_VERSION;
	st->n = (uint32_t)spec->n;
	pd_rate_match(st->c, old.c, old.n < RATE_LIMITS_MAX ? old.n :
	    RATE_LIMITS_MAX, spec);
}

/* pd_rate_decide - pd_rate_apply() on counters already synced to spec */
static int
pd_rate_decide(struct pd_rate_counter *c, const struct pd_rate_spec *spec,
    uint32_t rcpts, uint64_t now, int dry, uint64_t *wait)
{
	int	 i, worst = -1;
	uint64_t w, max = 0;

	for (i = 0; i < spec->n; i++) {
		uint32_t cost = spec->lim[i].unit == PD_RATE_MSG ? 1 : rcpts;

		if ((w = pd_rate_wait(&c[i], &spec->lim[i], cost, now)) > max) {
			max = w;
			worst = i;
		}
	}
	if (worst >= 0) {
		*wait = max;
		return (worst);
	}
	if (!dry)
		for (i = 0; i < spec->n; i++)
			pd_rate_add(&c[i], spec->lim[i].unit == PD_RATE_MSG
			    ? 1 : rcpts, now);
	return (-1);
}

int
pd_rate_apply(struct pd_rate_state *st, const struct pd_rate_spec *spec,
    uint32_t rcpts, uint64_t now, int dry, uint64_t *wait)
{
	pd_rate_sync(st, spec);
	return (pd_rate_decide(st->c, spec, rcpts, now, dry, wait));
}

size_t
pd_rate_state_size(const struct pd_rate_state *st)
{
	return (offsetof(struct pd_rate_state, c)
	    + st->n * sizeof(struct pd_rate_counter));
}

/* The counter of version 1 records. */
struct pd_rate_counter_v1 {
	uint32_t window;
	uint32_t unit;
	uint64_t start;
	uint32_t prev;
	uint32_t cur;
};

int
pd_rate_state_decode(const void *data, size_t len, struct pd_rate_state *st)
{
	size_t	 head = offsetof(struct pd_rate_state, c);
	const char *body = (const char *)data + head;
	struct pd_rate_counter_v1 v1;
	uint32_t i;

	if (len < head)
		return (-1);
	memcpy(st, data, head);
	if (st->n > RATE_LIMITS_MAX)
		return (-1);
	if (st->version == PD_RATE_VERSION && len == pd_rate_state_size(st))
		memcpy(st->c, body, len - head);
	else if (st->version == 1 && len == head + st->n * sizeof(v1)) {
		for (i = 0; i < st->n; i++) {
			memcpy(&v1, body + i * sizeof(v1), sizeof(v1));
			if (v1.window > PD_RATE_WINDOW_MAX
			    || v1.unit > PD_RATE_RCPT || v1.start > UINT32_MAX)
				return (-1);
			st->c[i].window = v1.window;
			st->c[i].unit = v1.unit;
			st->c[i].start = (uint32_t)v1.start;
			st->c[i].prev = v1.prev;
			st->c[i].cur = v1.cur;
		}
		st->version = PD_RATE_VERSION;
	} else
		return (-1);
	/* No record written has a window outside 1 s to 366 days: this one
	 * is damaged. (Stored counters are matched to the configured
	 * limits before any arithmetic; this bounds the format.) */
	for (i = 0; i < st->n; i++)
		if (st->c[i].window == 0 || st->c[i].window > PD_RATE_WINDOW_MAX)
			return (-1);
	return (0);
}

int
pd_rate_lookup_spec(const char *key, struct pd_rate_spec *spec)
{
	const char *value = strchr(key, ':'), *why;
	struct buf val;
	enum table_status st;
	int	 ret = -1;

	if (value == NULL)
		msg_panic("pd_rate_lookup_spec: key without type: %s", key);
	value++;
	/* No table: the default, parsed once per configuration. */
	if (var_rate_limit_maps == NULL) {
		static struct pd_rate_spec def;
		static unsigned gen;
		static int def_ok;

		if (gen != cfg_generation() || !def_ok) {
			gen = cfg_generation();
			if (!(def_ok = pd_rate_spec_parse(var_rate_limit_default,
			    &def, &why) == 0))
				msg_warn("rate_limit_default = %s: %s",
				    var_rate_limit_default, why);
		}
		*spec = def;
		return (def_ok ? 0 : -1);
	}
	buf_init(&val, 1024);
	if (strncmp(key, "sender:", 7) == 0)
		st = addr_lookup(var_rate_limit_maps, value,
		    var_recipient_delimiter, 0, &val, NULL);
	else
		st = table_lookup(var_rate_limit_maps, value, &val);
	switch (st) {
	case TABLE_FOUND:
		if ((ret = pd_rate_spec_parse(buf_str(&val), spec, &why)) < 0)
			msg_warn("%s: bad entry for %.100s: \"%.100s\": %s",
			    table_name(var_rate_limit_maps), value,
			    buf_str(&val), why);
		break;
	case TABLE_NOTFOUND:
		if ((ret = pd_rate_spec_parse(var_rate_limit_default, spec,
		    &why)) < 0)
			msg_warn("rate_limit_default = %s: %s",
			    var_rate_limit_default, why);
		break;
	case TABLE_ERROR:
		msg_warn("%s: lookup error for %.100s",
		    table_name(var_rate_limit_maps), value);
		break;
	}
	buf_fini(&val);
	return (ret);
}

/*
 * pd_rate_key - "type:value", lower case, a sender without its address
 * extension: Bob+1@Example.COM and bob@example.com are one sender, as
 * they are one key in rate_limit_maps. -1 when it does not fit.
 */
int
pd_rate_key(char *key, size_t len, const char *type, const char *value)
{
	char	 base[ADDR_MAX + 1];
	size_t	 tlen = strlen(type), vlen, i;

	if (strcmp(type, "sender") == 0) {
		if (addr_strip_ext(value, var_recipient_delimiter, base,
		    sizeof(base)) < 0)
			return (-1);
		value = base;
	}
	/* On every request: no printf. */
	if ((vlen = strlen(value)) + tlen + 2 > len)
		return (-1);
	memcpy(key, type, tlen);
	key[tlen] = ':';
	for (i = 0; i <= vlen; i++)
		key[tlen + 1 + i] = (char)tolower((unsigned char)value[i]);
	return (0);
}

/* The daemon's store. */

/*
 * One key in memory: only the counters its limits need (usually 1-3 of
 * RATE_LIMITS_MAX), in one allocation of exactly that size. When the
 * limits of a key change to another number of windows, the item is
 * reallocated to fit and so may move. Hence the one pointer to an item is
 * the value of its hash-table entry (updated when it moves), and what
 * refers to a key elsewhere holds the entry, which never moves: the
 * dirty list is a vector of entries, and callers name keys, not items.
 */
struct pd_rate_item {
	int	 dirty;			/* its entry is in the dirty vector */
	uint32_t n;			/* counters */
	struct pd_rate_counter c[];
};

/*
 * The writer: a thread that writes a batch of states to LMDB, so that the
 * event loop never waits for a write transaction or its fsync. The loop
 * hands over a batch (records "u16 key length, key, u32 state length,
 * state") only when the writer is idle; what changes meanwhile stays
 * dirty for the next batch.
 */
struct pd_rate_writer {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct db *db;
	struct buf batch;		/* being written; the loop's own is
					 * in the store */
	int	 busy;			/* batch handed over, not written */
	int	 failed;		/* batch not written: see why */
	int	 stop;
	char	 why[128];
};

#define PD_RATE_BATCH_MAX	((size_t)1 << 30)

struct pd_rate_store {
	struct htable keys;		/* key -> struct pd_rate_item */
	struct htable gone;		/* evicted keys: their records are
					 * deleted at the next flush */
	struct htable_entry **dirty;	/* keys to write at the next flush */
	size_t	 ndirty;
	size_t	 dirty_size;		/* room in dirty */
	struct buf batch;		/* the next batch, being filled */
	int	 filling;		/* batch started, not handed over */
	size_t	 filled;		/* dirty[0..filled) are in batch */
	struct pd_rate_writer *writer;	/* NULL: flush in the caller */
};

struct pd_rate_store *
pd_rate_store_create(void)
{
	struct pd_rate_store *s = xcalloc(1, sizeof(*s));

	htable_init(&s->keys, 1024);
	htable_init(&s->gone, 64);
	buf_init(&s->batch, PD_RATE_BATCH_MAX);
	return (s);
}

static void pd_rate_redirty(struct pd_rate_store *, struct buf *);

/* pd_rate_batch_add - one batch record (an empty state deletes the key),
 * in one append: a batch that cannot grow never holds half of one */
static int
pd_rate_batch_add(struct buf *b, const char *key, const void *state,
    uint32_t slen)
{
	char	 rec[sizeof(uint16_t) + TABLE_KEY_MAX + sizeof(uint32_t)
		    + sizeof(struct pd_rate_state)];
	uint16_t klen = (uint16_t)strlen(key);

	memcpy(rec, &klen, sizeof(klen));
	memcpy(rec + sizeof(klen), key, klen);
	memcpy(rec + sizeof(klen) + klen, &slen, sizeof(slen));
	if (slen > 0)
		memcpy(rec + sizeof(klen) + klen + sizeof(slen), state, slen);
	return (buf_append(b, rec, sizeof(klen) + klen + sizeof(slen) + slen));
}

/* pd_rate_batch_next - the record of a batch at *off, which moves past
 * it: its key (not terminated) and its state as r's data; 0 at the end */
static int
pd_rate_batch_next(const struct buf *b, size_t *off, struct keysort_item *r)
{
	uint16_t klen;

	if (*off >= b->len)
		return (0);
	memcpy(&klen, b->data + *off, sizeof(klen));
	r->klen = klen;
	r->key = (const unsigned char *)b->data + *off + sizeof(klen);
	memcpy(&r->dlen, r->key + r->klen, sizeof(r->dlen));
	r->data = r->key + r->klen + sizeof(r->dlen);
	*off += sizeof(klen) + r->klen + sizeof(r->dlen) + r->dlen;
	return (1);
}

/* The sorted batch: a record's key, and its state as the item's data. */
struct pd_rate_put {
	struct keysort_item *rec;
	struct keysort_item *tmp;	/* keysort's second array, kept
					 * from batch to batch like rec */
	size_t	 n;
	size_t	 from, to;		/* the records of this transaction */
	uint64_t yield_until;		/* monotonic ns: PD_RATE_YIELD_STEP */
};

/*
 * A batch is written in transactions of at most this many records, each
 * a run of neighbouring keys: LMDB copies every page that a transaction
 * changes into memory of its own and keeps those copies for the next
 * one, so the size of the largest transaction is memory the daemon
 * keeps. About 84,000 dirty keys in one transaction kept 23 MB.
 */
#define PD_RATE_TXN_RECORDS	8192
#define PD_RATE_WRITER_NICE	10	/* the writer's nice(1) value */

/*
 * A nice value decides the writer's share of a busy core, not how long it
 * keeps one once it has it: a run of puts kept the core for milliseconds,
 * and every request waiting behind it waited as long. So the writer gives
 * the core away every PD_RATE_YIELD_STEP records (about 100 microseconds
 * of work), for the first PD_RATE_YIELD_MS of a batch; a batch that is
 * still not written by then goes on without yielding, so that counters
 * still reach LMDB within about a second when the cores are saturated.
 */
#define PD_RATE_YIELD_STEP	128
#define PD_RATE_YIELD_MS	500

/* pd_rate_monotonic - now, in nanoseconds of CLOCK_MONOTONIC */
static uint64_t
pd_rate_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

/* pd_rate_writer_yield - let others have the core, while the batch has
 * time to spare */
static void
pd_rate_writer_yield(const struct pd_rate_put *p)
{
	if (pd_rate_monotonic() < p->yield_until)
		sched_yield();
}

/* pd_rate_writer_put - write records [from, to) of a sorted batch in one
 * transaction; an empty state deletes the record */
static int
pd_rate_writer_put(struct db_txn *txn, void *ctx, const char **why)
{
	struct pd_rate_put *p = ctx;
	size_t	 i;

	for (i = p->from; i < p->to; i++) {
		if (i > p->from && (i - p->from) % PD_RATE_YIELD_STEP == 0)
			pd_rate_writer_yield(p);
		if ((p->rec[i].dlen == 0 ? db_del(txn, DB_RATE, p->rec[i].key,
		    p->rec[i].klen) : db_put(txn, DB_RATE, p->rec[i].key,
		    p->rec[i].klen, p->rec[i].data, p->rec[i].dlen)) < 0) {
			*why = db_strerror(txn);
			return (-1);
		}
	}
	return (0);
}

/* pd_rate_writer_sort - index a batch by key: LMDB then writes each page
 * of its tree once, not once per record */
static void
pd_rate_writer_sort(const struct buf *b, struct pd_rate_put *p, size_t *size)
{
	struct keysort_item r;
	size_t	 off = 0, i, j;

	p->n = 0;
	while (pd_rate_batch_next(b, &off, &r)) {
		if (p->n == *size) {
			*size = *size ? 2 * *size : 1024;
			p->rec = xrealloc(p->rec, *size * sizeof(*p->rec));
			p->tmp = xrealloc(p->tmp, *size * sizeof(*p->tmp));
		}
		p->rec[p->n++] = r;
	}
	keysort_with(p->rec, p->tmp, p->n);
	/* A key changed again while its batch was filled is in it twice,
	 * next to each other now: the record later in the batch (at the
	 * higher address) is the newer state. */
	for (i = j = 0; i < p->n; i++) {
		if (j > 0 && keysort_cmp(&p->rec[j - 1], &p->rec[i]) == 0) {
			if (p->rec[i].key > p->rec[j - 1].key)
				p->rec[j - 1] = p->rec[i];
			continue;
		}
		p->rec[j++] = p->rec[i];
	}
	p->n = j;
}

/* pd_rate_writer_main - the writer thread */
static void *
pd_rate_writer_main(void *arg)
{
	struct pd_rate_writer *w = arg;
	struct pd_rate_put put = {.rec = NULL};
	size_t	 size = 0;
	const char *why;

	/* Answers come first: when the cores are busy, this thread, which
	 * has a second to do its work, yields to the loop. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), PD_RATE_WRITER_NICE) < 0)
		msg_warn("rate-limit writer: setpriority: %m");
	pthread_setname_np(pthread_self(), "rate writer");

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->lock);
		why = NULL;
		put.yield_until = pd_rate_monotonic()
		    + (uint64_t)PD_RATE_YIELD_MS * 1000000;
		pd_rate_writer_sort(&w->batch, &put, &size);
		for (put.from = 0; put.from < put.n && why == NULL;
		    put.from = put.to) {
			put.to = put.n - put.from > PD_RATE_TXN_RECORDS ?
			    put.from + PD_RATE_TXN_RECORDS : put.n;
			if (db_update_nogrow(w->db, pd_rate_writer_put, &put,
			    &why) < 0 && why == NULL)
				why = "write failed";
		}
		/* A batch that failed part way is written again whole. */
		if (why != NULL) {
			pthread_mutex_lock(&w->lock);
			w->failed = 1;
			snprintf(w->why, sizeof(w->why), "%s", why);
		} else {
			pthread_mutex_lock(&w->lock);
			buf_reset(&w->batch);
		}
		w->busy = 0;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	xfree(put.rec);
	xfree(put.tmp);
	return (NULL);
}

void
pd_rate_store_writer(struct pd_rate_store *s, struct db *db)
{
	struct pd_rate_writer *w = xcalloc(1, sizeof(*w));

	w->db = db;
	buf_init(&w->batch, PD_RATE_BATCH_MAX);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((errno = pthread_create(&w->tid, NULL, pd_rate_writer_main, w))
	    != 0)
		msg_fatal("pthread_create: %m");
	s->writer = w;
}

/* pd_rate_writer_stop - finish the batch in hand, end the thread; a
 * batch that failed goes back to the store as dirty */
static void
pd_rate_writer_stop(struct pd_rate_store *s)
{
	struct pd_rate_writer *w = s->writer;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->tid, NULL);
	if (w->failed)
		pd_rate_redirty(s, &w->batch);
	buf_fini(&w->batch);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	s->writer = xfree(w);
}

struct pd_rate_store *
pd_rate_store_free(struct pd_rate_store *s)
{
	if (s == NULL)
		return (NULL);
	pd_rate_writer_stop(s);
	htable_fini(&s->keys, free);
	htable_fini(&s->gone, NULL);
	xfree(s->dirty);
	buf_fini(&s->batch);
	return (xfree(s));
}

/* pd_rate_item_size - the bytes of an item with n counters */
static size_t
pd_rate_item_size(uint32_t n)
{
	return (offsetof(struct pd_rate_item, c)
	    + n * sizeof(struct pd_rate_counter));
}

/* pd_rate_item_state - the stored form of an item into st; its size */
static size_t
pd_rate_item_state(const struct pd_rate_item *it, struct pd_rate_state *st)
{
	st->version = PD_RATE_VERSION;
	st->n = it->n;
	memcpy(st->c, it->c, it->n * sizeof(it->c[0]));
	return (pd_rate_state_size(st));
}

/* pd_rate_item_sync - pd_rate_sync() for the item of entry e: it is
 * reallocated when the number of counters changes, and e follows it */
static struct pd_rate_item *
pd_rate_item_sync(struct htable_entry *e, const struct pd_rate_spec *spec)
{
	struct pd_rate_item *it = e->value;
	struct pd_rate_counter old[RATE_LIMITS_MAX];
	uint32_t nold = it->n;

	memcpy(old, it->c, nold * sizeof(old[0]));
	if ((uint32_t)spec->n != nold)
		e->value = it = xrealloc(it, pd_rate_item_size(spec->n));
	it->n = (uint32_t)spec->n;
	pd_rate_match(it->c, old, nold, spec);
	return (it);
}

/* pd_rate_mark - queue the key of entry e for the next flush */
static void
pd_rate_mark(struct pd_rate_store *s, struct htable_entry *e)
{
	struct pd_rate_item *it = e->value;

	if (it->dirty)
		return;
	if (s->ndirty == s->dirty_size) {
		s->dirty_size = s->dirty_size ? 2 * s->dirty_size : 1024;
		s->dirty = xrealloc(s->dirty, s->dirty_size * sizeof(*s->dirty));
	}
	s->dirty[s->ndirty++] = e;
	it->dirty = 1;
}

/* pd_rate_store_entry - the entry of key, its state loaded from txn (may
 * be NULL) on first use */
static struct htable_entry *
pd_rate_store_entry(struct pd_rate_store *s, struct db_txn *txn,
    const char *key)
{
	struct htable_entry *e;
	struct pd_rate_item *it;
	struct pd_rate_state st;
	const void *data;
	size_t	 len;

	if ((e = htable_locate(&s->keys, key)) != NULL)
		return (e);
	st.n = 0;
	if (txn && db_get(txn, DB_RATE, key, strlen(key), &data, &len) == 1
	    && pd_rate_state_decode(data, len, &st) < 0) {
		msg_warn("rate-limit state for %.100s: unknown format,"
		    " starting from zero", key);
		st.n = 0;
	}
	it = xmalloc(pd_rate_item_size(st.n));
	it->dirty = 0;
	it->n = st.n;
	memcpy(it->c, st.c, st.n * sizeof(st.c[0]));
	e = htable_enter(&s->keys, key, it);
	htable_delete(&s->gone, key);	/* back: keep its record */
	return (e);
}

void
pd_rate_store_get(struct pd_rate_store *s, struct db_txn *txn,
    const char *key, struct pd_rate_state *st)
{
	pd_rate_item_state(pd_rate_store_entry(s, txn, key)->value, st);
}

/* A struct pd_rate_ref is the key's hash entry: it never moves. */
void
pd_rate_store_refs(struct pd_rate_store *s, struct db_txn *txn,
    const char *const *keys, int n, struct pd_rate_ref **refs)
{
	struct htable_entry *e[HTABLE_EACH_MAX];
	int	 i;

	htable_locate_each(&s->keys, keys, n, e);
	for (i = 0; i < n; i++)
		refs[i] = (struct pd_rate_ref *)(void *)(e[i] ? e[i] :
		    pd_rate_store_entry(s, txn, keys[i]));
}

int
pd_rate_ref_apply(struct pd_rate_store *s, struct pd_rate_ref *ref,
    const struct pd_rate_spec *spec, uint32_t rcpts, uint64_t now, int dry,
    uint64_t *wait)
{
	struct htable_entry *e = (struct htable_entry *)(void *)ref;
	struct pd_rate_item *it = pd_rate_item_sync(e, spec);
	int	 idx = pd_rate_decide(it->c, spec, rcpts, now, dry, wait);

	if (!dry)
		pd_rate_mark(s, e);
	return (idx);
}

int
pd_rate_store_apply(struct pd_rate_store *s, struct db_txn *txn,
    const char *key, const struct pd_rate_spec *spec, uint32_t rcpts,
    uint64_t now, int dry, uint64_t *wait)
{
	struct pd_rate_ref *ref;

	pd_rate_store_refs(s, txn, &key, 1, &ref);
	return (pd_rate_ref_apply(s, ref, spec, rcpts, now, dry, wait));
}

struct pd_rate_flush_ctx {
	struct pd_rate_store *s;
	struct db_txn *txn;
	char	 key[TABLE_KEY_MAX + 1];
	int	 resets;
	int	 failed;
};

/* pd_rate_flush_gone - delete the record of one evicted key */
static void
pd_rate_flush_gone(struct htable_entry *e, void *ctx)
{
	struct pd_rate_flush_ctx *f = ctx;

	if (!f->failed && db_del(f->txn, DB_RATE, e->key, strlen(e->key)) < 0)
		f->failed = 1;
}

/* pd_rate_forget_gone - the evicted keys' records are deleted */
static void
pd_rate_forget_gone(struct pd_rate_store *s)
{
	htable_fini(&s->gone, NULL);
	htable_init(&s->gone, 64);
}

/* pd_rate_batch_gone - an evicted key into a batch, as an empty state */
static void
pd_rate_batch_gone(struct htable_entry *e, void *ctx)
{
	struct pd_rate_flush_ctx *f = ctx;

	if (pd_rate_batch_add(&f->s->batch, e->key, NULL, 0) < 0)
		f->failed = 1;
}

/* pd_rate_flush_reset - one reset request: zero the key in memory */
static int
pd_rate_flush_reset(const void *k, size_t kl, const void *v, size_t vl,
    void *ctx)
{
	struct pd_rate_flush_ctx *f = ctx;
	struct htable_entry *e;

	(void)v;
	(void)vl;
	if (kl > TABLE_KEY_MAX)
		return (0);
	memcpy(f->key, k, kl);
	f->key[kl] = 0;
	if ((e = htable_locate(&f->s->keys, f->key)) != NULL) {
		struct pd_rate_item *it = e->value;
		uint32_t i;

		for (i = 0; i < it->n; i++)
			it->c[i].prev = it->c[i].cur = 0;
		pd_rate_mark(f->s, e);
		msg_info("rate-limit counters for %.100s reset", f->key);
	}
	f->resets++;
	return (0);
}

/* pd_rate_flush_txn - write every dirty state, then clear resets */
static int
pd_rate_flush_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct pd_rate_flush_ctx *f = ctx;
	struct pd_rate_state st;
	size_t	 i;

	f->resets = 0;
	if (db_walk(txn, DB_RESET, NULL, 0, pd_rate_flush_reset, f) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	if (f->resets > 0 && db_clear(txn, DB_RESET) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	for (i = 0; i < f->s->ndirty; i++) {
		struct htable_entry *e = f->s->dirty[i];
		size_t	 slen = pd_rate_item_state(e->value, &st);

		if (db_put(txn, DB_RATE, e->key, strlen(e->key), &st,
		    slen) < 0) {
			*why = db_strerror(txn);
			return (-1);
		}
	}
	f->txn = txn;
	f->failed = 0;
	htable_walk(&f->s->gone, pd_rate_flush_gone, f);
	if (f->failed) {
		*why = db_strerror(txn);
		return (-1);
	}
	return (0);
}

/* pd_rate_resets_pending - does outpostctl wait for a reset? */
static int
pd_rate_resets_pending(struct db *db)
{
	struct db_txn *txn = NULL;
	const char *why;
	size_t	 n;

	if (db_read_begin(db, &txn, &why) < 0)
		return (1);		/* let the write transaction tell */
	n = db_count(txn, DB_RESET);
	db_txn_free(txn);
	return (n > 0);
}

/* pd_rate_clean - nothing is dirty any more */
static void
pd_rate_clean(struct pd_rate_store *s)
{
	size_t	 i;

	for (i = 0; i < s->ndirty; i++)
		((struct pd_rate_item *)s->dirty[i]->value)->dirty = 0;
	s->ndirty = 0;
}

/* pd_rate_redirty - the keys of a batch that was not written: dirty
 * again (those evicted meanwhile are not: they were saved before) */
static void
pd_rate_redirty(struct pd_rate_store *s, struct buf *b)
{
	char	 key[TABLE_KEY_MAX + 1];
	struct keysort_item r;
	size_t	 off = 0;

	while (pd_rate_batch_next(b, &off, &r)) {
		struct htable_entry *e;

		memcpy(key, r.key, r.klen);
		key[r.klen] = 0;
		if (r.dlen == 0 && htable_find(&s->keys, key) == NULL)
			htable_enter(&s->gone, key, NULL);	/* still to go */
		else if (r.dlen > 0 && (e = htable_locate(&s->keys, key)) != NULL)
			pd_rate_mark(s, e);
	}
	buf_reset(b);
}

/* pd_rate_flush_sync - write dirty states and apply resets, here */
static int
pd_rate_flush_sync(struct pd_rate_store *s, struct db *db, const char **why)
{
	struct pd_rate_flush_ctx f;

	memset(&f, 0, sizeof(f));
	f.s = s;
	if (db_update(db, pd_rate_flush_txn, &f, why) < 0)
		return (-1);
	pd_rate_clean(s);
	pd_rate_forget_gone(s);
	return (0);
}

/* pd_rate_fill_abandon - a batch being filled goes back to dirty: for
 * the synchronous path, which writes what is dirty */
static void
pd_rate_fill_abandon(struct pd_rate_store *s)
{
	if (!s->filling)
		return;
	/* dirty[0..filled) may have been evicted since: never touch them;
	 * the batch names their keys. */
	memmove(s->dirty, s->dirty + s->filled, (s->ndirty - s->filled)
	    * sizeof(*s->dirty));
	s->ndirty -= s->filled;
	s->filled = 0;
	s->filling = 0;
	pd_rate_redirty(s, &s->batch);
}

/*
 * pd_rate_fill - copy up to PD_RATE_FILL_STEP dirty states into the batch
 * being filled; once none is left, hand the batch to the writer. A state
 * copied is clean again, and is copied again if it changes before the
 * hand-over (the writer keeps the later record). 1 handed over, 0 not
 * yet, -1 when the batch cannot grow (the caller saves synchronously).
 */
#define PD_RATE_FILL_STEP	1024	/* about 100 microseconds */
#define PD_RATE_FILL_AHEAD	8	/* keys fetched ahead of the copy */

static int
pd_rate_fill(struct pd_rate_store *s)
{
	struct pd_rate_writer *w = s->writer;
	struct pd_rate_flush_ctx f;
	struct pd_rate_state st;
	struct buf tmp;
	size_t	 end = s->filled + PD_RATE_FILL_STEP;

	for (; s->filled < s->ndirty && s->filled < end; s->filled++) {
		struct htable_entry *e = s->dirty[s->filled];
		struct pd_rate_item *it = e->value;

		/* Entries and items lie all over the heap, and a copy
		 * that waits for each in turn takes twice as long: ask
		 * for an entry two steps ahead and for its item one step
		 * ahead (dirty[filled..] are dirty, so none has been
		 * evicted). */
		if (s->filled + 2 * PD_RATE_FILL_AHEAD < s->ndirty)
			__builtin_prefetch(s->dirty[s->filled
			    + 2 * PD_RATE_FILL_AHEAD]);
		if (s->filled + PD_RATE_FILL_AHEAD < s->ndirty)
			__builtin_prefetch(s->dirty[s->filled
			    + PD_RATE_FILL_AHEAD]->value);
		if (pd_rate_batch_add(&s->batch, e->key, &st,
		    (uint32_t)pd_rate_item_state(it, &st)) < 0)
			return (-1);
		it->dirty = 0;
	}
	if (s->filled < s->ndirty)
		return (0);
	memset(&f, 0, sizeof(f));
	f.s = s;
	htable_walk(&s->gone, pd_rate_batch_gone, &f);
	if (f.failed)
		return (-1);
	pd_rate_forget_gone(s);
	s->ndirty = s->filled = 0;
	s->filling = 0;
	pthread_mutex_lock(&w->lock);
	tmp = w->batch;			/* swap: no copy, no allocation */
	w->batch = s->batch;
	s->batch = tmp;
	w->busy = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return (1);
}

int
pd_rate_store_flush(struct pd_rate_store *s, struct db *db, const char **why)
{
	struct pd_rate_writer *w = s->writer;
	int	 resets = pd_rate_resets_pending(db), failed = 0;

	/* Idle: no write transaction (and no fsync) unless a reset waits. */
	if (w == NULL)
		return (s->ndirty || s->gone.used || resets ?
		    pd_rate_flush_sync(s, db, why) : 0);
	pthread_mutex_lock(&w->lock);
	if (w->busy) {			/* next time: changes stay dirty */
		pthread_mutex_unlock(&w->lock);
		return (0);
	}
	if (w->failed) {
		msg_warn("saving rate-limit counters in the background: %s; "
		    "saving them now", w->why);
		w->failed = 0;
		failed = 1;
	}
	pthread_mutex_unlock(&w->lock);
	/* The writer is idle: its batch and ours are the loop's alone. */
	if (failed || resets) {		/* the synchronous path: it can grow */
		pd_rate_fill_abandon(s);
		if (failed)
			pd_rate_redirty(s, &w->batch);
		return (pd_rate_flush_sync(s, db, why));
	}
	if (!s->filling) {
		if (s->ndirty == 0 && s->gone.used == 0)
			return (0);
		buf_reset(&s->batch);
		s->filling = 1;
		s->filled = 0;
	}
	return (pd_rate_store_fill(s, db, why));
}

int
pd_rate_store_fill(struct pd_rate_store *s, struct db *db, const char **why)
{
	if (!s->filling)
		return (0);
	if (pd_rate_fill(s) >= 0)
		return (0);
	pd_rate_fill_abandon(s);
	return (pd_rate_flush_sync(s, db, why));
}

int
pd_rate_store_filling(const struct pd_rate_store *s)
{
	return (s->filling);
}

int
pd_rate_store_sync(struct pd_rate_store *s, struct db *db, const char **why)
{
	pd_rate_writer_stop(s);
	pd_rate_fill_abandon(s);
	if (s->ndirty == 0 && s->gone.used == 0 && !pd_rate_resets_pending(db))
		return (0);
	return (pd_rate_flush_sync(s, db, why));
}

struct pd_rate_evict_ctx {
	struct pd_rate_store *s;
	uint64_t now;
};

/* pd_rate_idle - saved, and nothing counted in any window any more: out
 * of memory, and its record out of LMDB at the next flush */
static int
pd_rate_idle(struct htable_entry *e, void *ctx)
{
	const struct pd_rate_item *it = e->value;
	struct pd_rate_evict_ctx *x = ctx;
	uint32_t i;

	if (it->dirty)
		return (0);
	for (i = 0; i < it->n; i++)
		if (pd_rate_usage(&it->c[i], x->now) > 0)
			return (0);
	htable_enter(&x->s->gone, e->key, NULL);
	return (1);
}

size_t
pd_rate_store_evict(struct pd_rate_store *s, uint64_t now)
{
	struct pd_rate_evict_ctx x = {s, now};

	return (htable_delete_if(&s->keys, pd_rate_idle, &x, free));
}

/* pd_rate_reset_txn - forget the stored state, leave a request */
static int
pd_rate_reset_txn(struct db_txn *txn, void *ctx, const char **why)
{
	const char *key = ctx;

	if (db_del(txn, DB_RATE, key, strlen(key)) < 0
	    || db_put(txn, DB_RESET, key, strlen(key), "", 0) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	return (0);
}

int
pd_rate_reset(struct db *db, const char *key, const char **why)
{
	return (db_update(db, pd_rate_reset_txn, (void *)key, why));
}

/* pd_rate_check_spec - rate_limit_default: a limit list */
static int
pd_rate_check_spec(const char *value, const char **why)
{
	struct pd_rate_spec spec;

	return (pd_rate_spec_parse(value, &spec, why));
}

/* pd_rate_check_action - rate_limit_action: defer, reject or hold */
static int
pd_rate_check_action(const char *value, const char **why)
{
	enum pd_rate_action a;

	if (pd_rate_action_parse(value, &a) < 0) {
		*why = "use defer, reject or hold";
		return (-1);
	}
	return (0);
}

/* pd_rate_check_keys - rate_limit_keys: known identities only */
static int
pd_rate_check_keys(const char *value, const char **why)
{
	if (list_words(value, pd_rate_type_names, PD_RATE_TYPES, NULL, 0) < 0) {
		*why = "unknown key (use sasl_username, sender, "
		    "sender_domain, client_address)";
		return (-1);
	}
	return (0);
}

void
pd_rate_register_checks(void)
{
	cfg_check_register("rate_limit_default", pd_rate_check_spec);
	cfg_check_register("rate_limit_action", pd_rate_check_action);
	cfg_check_register("rate_limit_keys", pd_rate_check_keys);
}
