/*
 * block - the hard-bounce blocklist and its audit trail, in LMDB
 * SYNOPSIS	switch (pd_block_lookup(txn, filter, rcpt, sender_domain,
 *		    delim, expiry, now, &e)) ...
 *		pd_block_add(db, &e, who, why, &err);
 * DESCRIPTION	DB_BLOCK maps a lower-case address ("user@domain",
 *		"user+ext@domain" or "@domain") to one entry. The value is
 *		a small versioned binary record, integers big-endian and
 *		strings length-prefixed, so that a lookup decodes it into
 *		the caller's struct without allocating: the lookup is on
 *		the policy daemon's hot path.
 *
 *		Every change writes an audit record in the same write
 *		transaction. DB_AUDIT keys are the address, a NUL, the
 *		time as 8 bytes and a sequence number as 4 bytes, both
 *		big-endian, so that walking the prefix "address\0" lists
 *		an address's history in order. The trail is never
 *		deleted: it outlives removal and expiry, which is what
 *		"outpostctl blocklist show" reports.
 *
 *		A lookup tries the address, the address without its
 *		extension (recipient_delimiter), "@domain", then the
 *		complaint keys "address>sender-domain" (with and without the
 *		extension). The daemon's filter of the keys (block_filter.c)
 *		rules out most of them before LMDB is asked. An entry
 *		whose expires time has come, or that was last seen
 *		blocklist_expiry seconds ago or more, does not count, and
 *		the search goes on to the next key.
 * LIMITS	ADDR_MAX bytes of address, BLOCK_TEXT_MAX of text and
 *		reason, BLOCK_WHO_MAX of who; longer input is an error,
 *		never cut. Replies quote TEXT_REPLY_MAX bytes of text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "block.h"
#include "block_filter.h"
#include "msg.h"
#include "mymalloc.h"

#define BLOCK_VERSION		1	/* DB_BLOCK record format */
#define AUDIT_VERSION		1	/* DB_AUDIT record format */
#define AUDIT_KEY_MAX		(ADDR_MAX + 1 + 8 + 4)
#define AUDIT_VALUE_MAX		(4 + 16 + 2 * BLOCK_TEXT_MAX + BLOCK_WHO_MAX \
				 + 8)

static const char *block_sources[] = {
	"manual", "import", "log", "dsn", "arf",
};
static const char *block_actions[] = {
	"add", "update", "remove", "expire", "import",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Writing and reading the stored form. */

struct block_wr {
	unsigned char *p;
	size_t	 len, off;
	int	 bad;			/* did not fit */
};

struct block_rd {
	const unsigned char *p;
	size_t	 len, off;
	int	 bad;			/* short or damaged */
};

/* wr_bytes - append n bytes, or mark the record bad */
static void
wr_bytes(struct block_wr *w, const void *data, size_t n)
{
	if (w->bad || n > w->len - w->off) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->off, data, n);
	w->off += n;
}

/* wr_uint - an n-byte big-endian unsigned integer */
static void
wr_uint(struct block_wr *w, uint64_t v, int n)
{
	unsigned char b[8];
	int	 i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)(v & 0xff);
	wr_bytes(w, b, (size_t)n);
}

/* wr_str - a string with an n-byte length prefix */
static void
wr_str(struct block_wr *w, const char *s, int n)
{
	size_t	 len = strlen(s);

	if (len >= ((size_t)1 << (8 * n))) {
		w->bad = 1;
		return;
	}
	wr_uint(w, len, n);
	wr_bytes(w, s, len);
}

/* rd_uint - an n-byte big-endian unsigned integer; 0 when short */
static uint64_t
rd_uint(struct block_rd *r, int n)
{
	uint64_t v = 0;
	int	 i;

	if (r->bad || (size_t)n > r->len - r->off) {
		r->bad = 1;
		return (0);
	}
	for (i = 0; i < n; i++)
		v = (v << 8) | r->p[r->off++];
	return (v);
}

/* rd_str - a length-prefixed string into out[size]; bad if it does not
 * fit or holds a NUL */
static void
rd_str(struct block_rd *r, int n, char *out, size_t size)
{
	size_t	 len = (size_t)rd_uint(r, n);

	if (r->bad || len >= size || len > r->len - r->off
	    || memchr(r->p + r->off, 0, len) != NULL) {
		r->bad = 1;
		out[0] = 0;
		return;
	}
	memcpy(out, r->p + r->off, len);
	out[len] = 0;
	r->off += len;
}

size_t
pd_block_encode(const struct pd_block_entry *e, unsigned char *out,
    size_t len)
{
	struct block_wr w = {out, len, 0, 0};

	if (strnlen(e->status, sizeof(e->status)) == sizeof(e->status)
	    || strnlen(e->text, sizeof(e->text)) == sizeof(e->text)
	    || strnlen(e->who, sizeof(e->who)) == sizeof(e->who))
		return (0);		/* not terminated */
	wr_uint(&w, BLOCK_VERSION, 1);
	wr_uint(&w, (uint64_t)e->source, 1);
	wr_uint(&w, (uint64_t)e->first_seen, 8);
	wr_uint(&w, (uint64_t)e->last_seen, 8);
	wr_uint(&w, (uint64_t)e->expires, 8);
	wr_uint(&w, e->count, 4);
	wr_str(&w, e->status, 1);
	wr_str(&w, e->text, 2);
	wr_str(&w, e->who, 1);
	return (w.bad ? 0 : w.off);
}

int
pd_block_decode(const void *data, size_t len, struct pd_block_entry *e)
{
	struct block_rd r = {data, len, 0, 0};
	uint64_t source;

	if (rd_uint(&r, 1) != BLOCK_VERSION)
		return (-1);
	source = rd_uint(&r, 1);
	e->first_seen = (int64_t)rd_uint(&r, 8);
	e->last_seen = (int64_t)rd_uint(&r, 8);
	e->expires = (int64_t)rd_uint(&r, 8);
	e->count = (uint32_t)rd_uint(&r, 4);
	rd_str(&r, 1, e->status, sizeof(e->status));
	rd_str(&r, 2, e->text, sizeof(e->text));
	rd_str(&r, 1, e->who, sizeof(e->who));
	if (r.bad || r.off != len || source >= NELEM(block_sources))
		return (-1);
	e->source = (enum pd_block_source)source;
	return (0);
}

/* audit_encode - the stored form of an audit record; 0 if too long */
static size_t
audit_encode(const struct pd_block_audit *a, unsigned char *out, size_t len)
{
	struct block_wr w = {out, len, 0, 0};

	wr_uint(&w, AUDIT_VERSION, 1);
	wr_uint(&w, (uint64_t)a->action, 1);
	wr_uint(&w, (uint64_t)a->source, 1);
	wr_str(&w, a->status, 1);
	wr_str(&w, a->text, 2);
	wr_str(&w, a->who, 1);
	wr_str(&w, a->why, 2);
	return (w.bad ? 0 : w.off);
}

/* audit_decode - the inverse; -1 for another version or damage */
static int
audit_decode(const void *data, size_t len, struct pd_block_audit *a)
{
	struct block_rd r = {data, len, 0, 0};
	uint64_t action, source;

	if (rd_uint(&r, 1) != AUDIT_VERSION)
		return (-1);
	action = rd_uint(&r, 1);
	source = rd_uint(&r, 1);
	rd_str(&r, 1, a->status, sizeof(a->status));
	rd_str(&r, 2, a->text, sizeof(a->text));
	rd_str(&r, 1, a->who, sizeof(a->who));
	rd_str(&r, 2, a->why, sizeof(a->why));
	if (r.bad || r.off != len || action >= NELEM(block_actions)
	    || source >= NELEM(block_sources))
		return (-1);
	a->action = (enum pd_block_action)action;
	a->source = (enum pd_block_source)source;
	return (0);
}

/* Names and predicates. */

const char *
pd_block_source_name(enum pd_block_source s)
{
	return ((size_t)s < NELEM(block_sources) ? block_sources[s] :
	    "unknown");
}

int
pd_block_source_parse(const char *name, enum pd_block_source *s)
{
	size_t	 i;

	for (i = 0; i < NELEM(block_sources); i++)
		if (strcmp(name, block_sources[i]) == 0) {
			*s = (enum pd_block_source)i;
			return (0);
		}
	return (-1);
}

const char *
pd_block_action_name(enum pd_block_action a)
{
	return ((size_t)a < NELEM(block_actions) ? block_actions[a] :
	    "unknown");
}

/* block_domain_valid - a domain: no @, white space, control, <> */
static int
block_domain_valid(const char *s)
{
	if (*s == 0)
		return (0);
	for (; *s; s++)
		if (*s == '@' || isspace((unsigned char)*s)
		    || iscntrl((unsigned char)*s) || *s == '<' || *s == '>')
			return (0);
	return (1);
}

int
pd_block_address_valid(const char *addr)
{
	char	 mbox[ADDR_MAX + 1];
	const char *gt;

	if (strlen(addr) > ADDR_MAX)
		return (0);
	if (addr[0] == '@')
		return (block_domain_valid(addr + 1));
	/* "rcpt>sender.domain": addr_valid() refuses ">" in a mailbox. */
	if ((gt = strchr(addr, '>')) != NULL) {
		memcpy(mbox, addr, (size_t)(gt - addr));
		mbox[gt - addr] = 0;
		return (addr_valid(mbox) && block_domain_valid(gt + 1));
	}
	return (addr_valid(addr));
}

/* block_digits - 1 to 3 digits at *sp, then the terminator */
static int
block_digits(const char **sp, int term)
{
	const char *s = *sp;
	int	 n = 0;

	while (isdigit((unsigned char)*s) && n < 4) {
		s++;
		n++;
	}
	if (n < 1 || n > 3 || *s != term)
		return (0);
	*sp = s + (term != 0);
	return (1);
}

int
pd_block_status_valid(const char *s)
{
	if (s[0] != '5' || s[1] != '.')
		return (0);
	s += 2;
	return (block_digits(&s, '.') && block_digits(&s, 0));
}

int
pd_block_expired(const struct pd_block_entry *e, uint64_t expiry, int64_t now)
{
	if (e->expires != 0 && e->expires <= now)
		return (1);
	if (expiry != 0 && e->last_seen <= now - (int64_t)expiry)
		return (1);
	return (0);
}

/* block_fold - lower-case copy of addr into out[ADDR_MAX + 1]; its
 * length, or -1 when empty or too long to be a key */
static int
block_fold(const char *addr, char *out)
{
	size_t	 i;

	for (i = 0; addr[i]; i++) {
		if (i == ADDR_MAX)
			return (-1);
		out[i] = (char)tolower((unsigned char)addr[i]);
	}
	out[i] = 0;
	return (i ? (int)i : -1);
}

/* Lookups. */

/* The keys one recipient may be listed under, in the order they count. */
struct block_keys {
	const char *key[PD_BLOCK_FILTER_EACH];
	size_t	 len[PD_BLOCK_FILTER_EACH];
	char	 buf[PD_BLOCK_FILTER_EACH][ADDR_MAX + 1];
	int	 n;
};

/* block_keys_add - one more key: a, then sep and b unless b is NULL, in
 * lower case; left out when it is empty or longer than ADDR_MAX */
static void
block_keys_add(struct block_keys *k, const char *a, int sep, const char *b)
{
	char	*out = k->buf[k->n];
	size_t	 i = 0;

	for (; *a; a++, i++) {
		if (i == ADDR_MAX)
			return;
		out[i] = (char)tolower((unsigned char)*a);
	}
	for (; b && sep; sep = 0, i++) {
		if (i == ADDR_MAX)
			return;
		out[i] = (char)sep;
	}
	for (; b && *b; b++, i++) {
		if (i == ADDR_MAX)
			return;
		out[i] = (char)tolower((unsigned char)*b);
	}
	if (i == 0)
		return;
	out[i] = 0;
	k->key[k->n] = out;
	k->len[k->n++] = i;
}

/* block_keys_rcpt - the address, without its extension, "@domain" */
static void
block_keys_rcpt(struct block_keys *k, const char *rcpt, const char *delim)
{
	const char *domain;
	int	 first = k->n;

	block_keys_add(k, rcpt, 0, NULL);
	if (k->n == first)
		return;			/* cannot be a key: see ADDR_MAX */
	if (addr_strip_ext(k->key[first], delim, k->buf[k->n],
	    sizeof(k->buf[k->n])) == 1)		/* folded already: in place */
		block_keys_add(k, k->buf[k->n], 0, NULL);
	if (k->key[first][0] != '@'
	    && (domain = addr_domain(k->key[first])) != NULL && *domain)
		block_keys_add(k, "@", 0, domain);
}

/* block_keys_complaint - "rcpt>sender_domain", without the extension */
static void
block_keys_complaint(struct block_keys *k, const char *rcpt,
    const char *sender_domain, const char *delim)
{
	char	 alt[ADDR_MAX + 1];

	if (*rcpt == 0 || sender_domain == NULL || *sender_domain == 0)
		return;
	block_keys_add(k, rcpt, '>', sender_domain);
	if (addr_strip_ext(rcpt, delim, alt, sizeof(alt)) == 1)
		block_keys_add(k, alt, '>', sender_domain);
}

/* block_try - one key: 1 when it holds an entry in force, 0, -1 */
static int
block_try(struct db_txn *txn, const char *key, size_t klen, uint64_t expiry,
    int64_t now, struct pd_block_entry *e)
{
	const void *val;
	size_t	 vlen;
	int	 rc;

	if ((rc = db_get(txn, DB_BLOCK, key, klen, &val, &vlen)) <= 0)
		return (rc);
	if (pd_block_decode(val, vlen, e) < 0) {
		msg_warn("blocklist entry for %s: unknown format, ignored",
		    key);
		return (0);
	}
	if (pd_block_expired(e, expiry, now))
		return (0);
	memcpy(e->address, key, klen + 1);
	return (1);
}

/* block_search - the first of the keys that holds an entry in force; the
 * filter rules most of them out at once, and the rest are looked up */
static int
block_search(struct db_txn *txn, const struct pd_block_filter *filter,
    const struct block_keys *k, uint64_t expiry, int64_t now,
    struct pd_block_entry *e)
{
	unsigned maybe = pd_block_filter_maybe_each(filter, k->key, k->len,
	    k->n);
	int	 i, rc;

	for (i = 0; i < k->n; i++)
		if ((maybe & 1U << i) && (rc = block_try(txn, k->key[i],
		    k->len[i], expiry, now, e)) != 0)
			return (rc);
	return (0);
}

int
pd_block_lookup(struct db_txn *txn, const struct pd_block_filter *filter,
    const char *rcpt, const char *sender_domain, const char *delim,
    uint64_t expiry, int64_t now, struct pd_block_entry *e)
{
	struct block_keys k;

	k.n = 0;
	block_keys_rcpt(&k, rcpt, delim);
	if (k.n > 0)
		block_keys_complaint(&k, rcpt, sender_domain, delim);
	return (block_search(txn, filter, &k, expiry, now, e));
}

int
pd_block_lookup_sender(struct db_txn *txn,
    const struct pd_block_filter *filter, const char *rcpt,
    const char *sender_domain, const char *delim, uint64_t expiry,
    int64_t now, struct pd_block_entry *e)
{
	struct block_keys k;

	k.n = 0;
	block_keys_complaint(&k, rcpt, sender_domain, delim);
	return (block_search(txn, filter, &k, expiry, now, e));
}

int
pd_block_get(struct db_txn *txn, const char *address, struct pd_block_entry *e)
{
	char	 key[ADDR_MAX + 1];
	const void *val;
	size_t	 vlen;
	int	 rc;

	if (block_fold(address, key) < 0)
		return (0);
	if ((rc = db_get(txn, DB_BLOCK, key, strlen(key), &val, &vlen)) <= 0)
		return (rc);
	if (pd_block_decode(val, vlen, e) < 0) {
		msg_warn("blocklist entry for %s: unknown format, ignored",
		    key);
		return (0);
	}
	memcpy(e->address, key, strlen(key) + 1);
	return (1);
}

void
pd_block_reply(const struct pd_block_entry *e, struct buf *out)
{
	char	 status[sizeof(e->status)];
	char	 text[TEXT_REPLY_MAX + 1], date[32];
	time_t	 when = (time_t)e->last_seen;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL
	    || strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
		snprintf(date, sizeof(date), "(unknown date)");
	msg_safe(status, sizeof(status), e->status);
	msg_safe(text, sizeof(text), e->text);
	buf_reset(out);
	/* Postfix puts "<rcpt>: Recipient address rejected: " in front. */
	if (strchr(e->address, '>') != NULL)
		buf_printf(out, "550 5.7.1 recipient complained about mail "
		    "from %.100s on %s; see outpostctl(8)",
		    strchr(e->address, '>') + 1, date);
	else
		buf_printf(out, "550 5.1.1 recipient hard-bounced on %s "
		    "(%s%s%s); see outpostctl(8)", date, status, *text ? " " :
		    "", text);
}

/* Changes, each with its audit record. */

struct audit_count {
	uint32_t n;
};

/* audit_count_one - db_walk callback: one more record this second */
static int
audit_count_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
	struct audit_count *c = ctx;

	(void)k;
	(void)kl;
	(void)v;
	(void)vl;
	c->n++;
	return (0);
}

/* audit_put - append a record to key's trail; -1 with *why set */
static int
audit_put(struct db_txn *txn, const char *key, const struct pd_block_audit *a,
    const char **why)
{
	unsigned char k[AUDIT_KEY_MAX], v[AUDIT_VALUE_MAX];
	struct block_wr w = {k, sizeof(k), 0, 0};
	struct audit_count c = {0};
	size_t	 vlen;

	wr_bytes(&w, key, strlen(key) + 1);
	wr_uint(&w, (uint64_t)a->time, 8);
	if (w.bad || (vlen = audit_encode(a, v, sizeof(v))) == 0) {
		*why = "audit record too long";
		return (-1);
	}
	/* Records of the same second are numbered in order of arrival. */
	if (db_walk(txn, DB_AUDIT, k, w.off, audit_count_one, &c) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	wr_uint(&w, c.n, 4);
	if (db_put(txn, DB_AUDIT, k, w.off, v, vlen) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	return (0);
}

/* audit_fill - an audit record describing e */
static void
audit_fill(struct pd_block_audit *a, const struct pd_block_entry *e,
    enum pd_block_action action, int64_t when, const char *who,
    const char *why)
{
	memset(a, 0, sizeof(*a));
	a->time = when;
	a->action = action;
	a->source = e->source;
	memcpy(a->status, e->status, sizeof(a->status));
	memcpy(a->text, e->text, sizeof(a->text));
	snprintf(a->who, sizeof(a->who), "%s", who ? who : "");
	snprintf(a->why, sizeof(a->why), "%s", why ? why : "");
}

/* block_upsert - insert or update one entry; -1 with *why set */
static int
block_upsert(struct db_txn *txn, const struct pd_block_entry *in,
    const char *who, const char *reason, int import, int64_t now,
    const char **why)
{
	struct pd_block_entry e;
	struct pd_block_audit a;
	char	 key[ADDR_MAX + 1];
	unsigned char val[PD_BLOCK_VALUE_MAX];
	const void *old;
	size_t	 olen, vlen;
	int64_t	 when = in->last_seen ? in->last_seen : now;
	int	 found;

	if (who == NULL)
		who = in->who;
	if (strnlen(in->address, sizeof(in->address)) == sizeof(in->address)
	    || block_fold(in->address, key) < 0
	    || !pd_block_address_valid(key)) {
		*why = "not a valid address or @domain";
		return (-1);
	}
	if (strnlen(who, BLOCK_WHO_MAX) == BLOCK_WHO_MAX || (reason
	    && strnlen(reason, BLOCK_TEXT_MAX) == BLOCK_TEXT_MAX)) {
		*why = "who or reason too long";
		return (-1);
	}
	if (strnlen(in->status, sizeof(in->status)) == sizeof(in->status)
	    || !pd_block_status_valid(in->status)) {
		*why = "not a permanent DSN status (5.X.Y)";
		return (-1);
	}
	if ((found = db_get(txn, DB_BLOCK, key, strlen(key), &old,
	    &olen)) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	if (found && pd_block_decode(old, olen, &e) < 0) {
		msg_warn("blocklist entry for %s: unknown format, replaced",
		    key);
		found = 0;
	}
	/* Times only widen: log lines may be ingested out of order. */
	if (found) {
		if (e.count < UINT32_MAX)
			e.count++;
		if (e.first_seen > (in->first_seen ? in->first_seen : when))
			e.first_seen = in->first_seen ? in->first_seen : when;
		if (e.last_seen < when)
			e.last_seen = when;
	} else {
		e.first_seen = in->first_seen ? in->first_seen : when;
		e.last_seen = when;
		e.count = in->count ? in->count : 1;
	}
	memcpy(e.address, key, strlen(key) + 1);
	e.source = in->source;
	e.expires = in->expires;
	memcpy(e.status, in->status, sizeof(e.status));
	memcpy(e.text, in->text, sizeof(e.text));
	snprintf(e.who, sizeof(e.who), "%s", who);
	if ((vlen = pd_block_encode(&e, val, sizeof(val))) == 0) {
		*why = "blocklist entry too long";
		return (-1);
	}
	/* A new key is journaled for the daemons' filters; an import
	 * renews them all instead (block_batch_txn). */
	if (db_put(txn, DB_BLOCK, key, strlen(key), val, vlen) < 0
	    || (!found && !import && pd_block_journal_add(txn, key,
	    strlen(key)) < 0)) {
		*why = db_strerror(txn);
		return (-1);
	}
	audit_fill(&a, &e, import ? PD_BLOCK_IMPORTED : found ?
	    PD_BLOCK_UPDATED : PD_BLOCK_ADDED, when, who, reason);
	return (audit_put(txn, key, &a, why));
}

struct block_batch {
	const struct pd_block_entry *v;
	const struct pd_block_entry **sorted;	/* import: v in key order */
	size_t	 n;
	const char *who;
	const char *why;
	int	 import;
	int64_t	 now;
};

/* block_batch_txn - db_update body: upsert every entry of the batch */
static int
block_batch_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct block_batch *b = ctx;
	size_t	 i;

	if (b->import && pd_block_journal_renew(txn) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	for (i = 0; i < b->n; i++)
		if (block_upsert(txn, b->sorted ? b->sorted[i] : &b->v[i],
		    b->who, b->why, b->import, b->now, why) < 0)
			return (-1);
	return (0);
}

/* block_order - qsort: by folded address, then input order, so that the
 * last of duplicate lines still wins */
static int
block_order(const void *a, const void *b)
{
	const struct pd_block_entry *const *xp = a, *const *yp = b;
	const struct pd_block_entry *x = *xp, *y = *yp;
	int	 rc = strcasecmp(x->address, y->address);

	return (rc ? rc : (x > y) - (x < y));
}

int
pd_block_add(struct db *db, const struct pd_block_entry *e, const char *who,
    const char *why, const char **err)
{
	struct block_batch b = {e, NULL, 1, who, why, 0, (int64_t)time(NULL)};

	return (db_update(db, block_batch_txn, &b, err));
}

int
pd_block_add_txn(struct db_txn *txn, const struct pd_block_entry *e,
    const char *who, const char *why, int64_t now, const char **err)
{
	return (block_upsert(txn, e, who, why, 0, now, err));
}

int
pd_block_import(struct db *db, const struct pd_block_entry *v, size_t n,
    const char *who, const char *why, const char **err)
{
	struct block_batch b;
	size_t	 i, j;
	int	 rc = 0;

	/*
	 * In key order, a batch touches each B-tree page once instead of
	 * dirtying pages all over the tree: several times faster.
	 */
	b.sorted = xmalloc((n < PD_BLOCK_BATCH ? n : PD_BLOCK_BATCH)
	    * sizeof(*b.sorted) + 1);
	for (i = 0; i < n && rc == 0; i += PD_BLOCK_BATCH) {
		b.v = v + i;
		b.n = n - i < PD_BLOCK_BATCH ? n - i : PD_BLOCK_BATCH;
		for (j = 0; j < b.n; j++)
			b.sorted[j] = &b.v[j];
		qsort(b.sorted, b.n, sizeof(*b.sorted), block_order);
		b.who = who;
		b.why = why;
		b.import = 1;
		b.now = (int64_t)time(NULL);
		rc = db_update(db, block_batch_txn, &b, err);
	}
	xfree(b.sorted);
	return (rc);
}

struct block_remove {
	char	 key[ADDR_MAX + 1];
	const char *who;
	const char *why;
	enum pd_block_action action;
	int64_t	 now;
	int	 found;
};

/* block_remove_key - delete one entry and audit it; 1, 0 absent, -1 */
static int
block_remove_key(struct db_txn *txn, struct block_remove *r, const char **why)
{
	struct pd_block_entry e;
	struct pd_block_audit a;
	const void *val;
	size_t	 vlen;
	int	 rc;

	if ((rc = db_get(txn, DB_BLOCK, r->key, strlen(r->key), &val,
	    &vlen)) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	if (rc == 0)
		return (0);
	if (pd_block_decode(val, vlen, &e) < 0)
		memset(&e, 0, sizeof(e));	/* still removable */
	if (db_del(txn, DB_BLOCK, r->key, strlen(r->key)) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	audit_fill(&a, &e, r->action, r->now, r->who, r->why);
	return (audit_put(txn, r->key, &a, why) < 0 ? -1 : 1);
}

/* block_remove_txn - db_update body of pd_block_remove */
static int
block_remove_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct block_remove *r = ctx;

	return ((r->found = block_remove_key(txn, r, why)) < 0 ? -1 : 0);
}

int
pd_block_remove(struct db *db, const char *address, const char *who,
    const char *why, const char **err)
{
	struct block_remove r;

	memset(&r, 0, sizeof(r));
	if (block_fold(address, r.key) < 0)
		return (0);
	if ((who && strlen(who) >= BLOCK_WHO_MAX)
	    || (why && strlen(why) >= BLOCK_TEXT_MAX)) {
		*err = "who or reason too long";
		return (-1);
	}
	r.who = who;
	r.why = why;
	r.action = PD_BLOCK_REMOVED;
	r.now = (int64_t)time(NULL);
	if (db_update(db, block_remove_txn, &r, err) < 0)
		return (-1);
	return (r.found);
}

struct block_expire {
	uint64_t expiry;
	int64_t	 now;
	char	(*keys)[ADDR_MAX + 1];	/* the expired ones */
	size_t	 n, size;
};

/* block_expire_one - db_walk callback: note an expired entry */
static int
block_expire_one(const void *k, size_t kl, const void *v, size_t vl,
    void *ctx)
{
	struct block_expire *x = ctx;
	struct pd_block_entry e;

	if (kl > ADDR_MAX || pd_block_decode(v, vl, &e) < 0
	    || !pd_block_expired(&e, x->expiry, x->now))
		return (0);
	if (x->n == x->size) {
		x->size = x->size ? 2 * x->size : 64;
		x->keys = xrealloc(x->keys, x->size * sizeof(*x->keys));
	}
	memcpy(x->keys[x->n], k, kl);
	x->keys[x->n++][kl] = 0;
	return (0);
}

/* block_expire_txn - db_update body: find, then remove (not while the
 * walk's cursor is open) */
static int
block_expire_txn(struct db_txn *txn, void *ctx, const char **why)
{
	struct block_expire *x = ctx;
	struct block_remove r;
	size_t	 i;

	x->n = 0;			/* run again after the map grew */
	if (db_walk(txn, DB_BLOCK, NULL, 0, block_expire_one, x) < 0) {
		*why = db_strerror(txn);
		return (-1);
	}
	memset(&r, 0, sizeof(r));
	r.who = "expiry";
	r.why = "";
	r.action = PD_BLOCK_EXPIRED;
	r.now = x->now;
	for (i = 0; i < x->n; i++) {
		memcpy(r.key, x->keys[i], sizeof(r.key));
		if (block_remove_key(txn, &r, why) < 0)
			return (-1);
	}
	return (0);
}

int
pd_block_expire(struct db *db, uint64_t expiry, int64_t now, size_t *removed,
    const char **err)
{
	struct block_expire x;
	int	 rc;

	memset(&x, 0, sizeof(x));
	x.expiry = expiry;
	x.now = now;
	rc = db_update(db, block_expire_txn, &x, err);
	*removed = rc == 0 ? x.n : 0;
	xfree(x.keys);
	return (rc);
}

/* Walks. */

struct block_walk {
	int	 (*fn)(const struct pd_block_entry *, void *);
	int	 (*afn)(const struct pd_block_audit *, void *);
	void	*ctx;
	size_t	 plen;			/* audit: the "address\0" prefix */
	struct pd_block_entry e;
	struct pd_block_audit a;
};

/* block_walk_one - db_walk callback: decode an entry, call fn */
static int
block_walk_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
	struct block_walk *w = ctx;

	if (kl > ADDR_MAX || pd_block_decode(v, vl, &w->e) < 0) {
		msg_warn("blocklist: record for %.*s: unknown format, skipped",
		    (int)(kl > ADDR_MAX ? ADDR_MAX : kl), (const char *)k);
		return (0);
	}
	memcpy(w->e.address, k, kl);
	w->e.address[kl] = 0;
	return (w->fn(&w->e, w->ctx));
}

int
pd_block_walk(struct db_txn *txn,
    int (*fn)(const struct pd_block_entry *, void *), void *ctx)
{
	struct block_walk w;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.ctx = ctx;
	return (db_walk(txn, DB_BLOCK, NULL, 0, block_walk_one, &w));
}

/* audit_walk_one - db_walk callback: decode a record, call fn */
static int
audit_walk_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
	struct block_walk *w = ctx;
	struct block_rd r = {k, kl, w->plen, 0};

	w->a.time = (int64_t)rd_uint(&r, 8);
	w->a.seq = (uint32_t)rd_uint(&r, 4);
	if (r.bad || r.off != kl || audit_decode(v, vl, &w->a) < 0) {
		msg_warn("blocklist audit: record for %s: unknown format, "
		    "skipped", (const char *)k);
		return (0);
	}
	return (w->afn(&w->a, w->ctx));
}

int
pd_block_audit_walk(struct db_txn *txn, const char *address,
    int (*fn)(const struct pd_block_audit *, void *), void *ctx)
{
	char	 key[ADDR_MAX + 1];
	struct block_walk w;
	int	 len;

	if ((len = block_fold(address, key)) < 0)
		return (0);
	memset(&w, 0, sizeof(w));
	w.afn = fn;
	w.ctx = ctx;
	w.plen = (size_t)len + 1;	/* with the NUL */
	return (db_walk(txn, DB_AUDIT, key, w.plen, audit_walk_one, &w));
}
