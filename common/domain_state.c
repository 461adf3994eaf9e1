/*
 * domain_state - a sending domain's verification state, in LMDB
 * DESCRIPTION	One record per domain in the state environment's
 *		"domain" database, written by "outpostctl domain verify"
 *		and read by outpost-milter (sender_domain_policy =
 *		verified), so that both use one format and one piece of
 *		code. The key is the domain in lower case; the value is
 *		text, one field per line: "verified" or "unverified", the
 *		time of the check (seconds since the epoch), the DKIM
 *		selector and key file used (so that "verify --all" checks
 *		the same key again), then the evidence, a short line per
 *		check.
 * DIAGNOSTICS	A record that does not parse counts as a database error:
 *		the milter then tempfails, it never takes it as verified.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "domain_state.h"
#include "mymalloc.h"
#include "parse.h"

#define DOMAIN_STATE_VALUE_MAX	(DOMAIN_EVIDENCE_MAX + DOMAIN_PATH_MAX + 128)

char   *
domain_state_name(const char *in, char *out, const char **why)
{
	size_t	 len = strlen(in), i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > DOMAIN_NAME_MAX) {
		*why = len ? "domain name longer than 253 bytes" :
		    "empty domain name";
		return (NULL);
	}
	for (i = 0; i < len; i++) {
		char	 c = in[i];

		if (c == '.') {
			if (label == 0) {
				*why = "empty label in domain name";
				return (NULL);
			}
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		    || c == '-') {
			label++;
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c + 32);
			label++;
		} else {
			*why = "domain name holds a character other than "
			    "letters, digits, '-' and '.'";
			return (NULL);
		}
		if (label > 63) {
			*why = "label longer than 63 bytes in domain name";
			return (NULL);
		}
		out[i] = c;
	}
	if (label == 0) {
		*why = "empty label in domain name";
		return (NULL);
	}
	out[len] = 0;
	return (out);
}

/* domain_state_field - copy the next line of [*s, end) into out[len];
 * -1 when there is no newline or the line does not fit */
static int
domain_state_field(const char **s, const char *end, char *out, size_t len)
{
	const char *nl = memchr(*s, '\n', (size_t)(end - *s));

	if (nl == NULL || (size_t)(nl - *s) >= len)
		return (-1);
	memcpy(out, *s, (size_t)(nl - *s));
	out[nl - *s] = 0;
	*s = nl + 1;
	return (0);
}

/* domain_state_parse - a stored value into st; -1 when it is damaged */
static int
domain_state_parse(const char *val, size_t vlen, struct domain_state *st)
{
	const char *s = val, *end = val + vlen, *why;
	char	 word[32];
	uint64_t t;

	if (domain_state_field(&s, end, word, sizeof(word)) < 0)
		return (-1);
	if (strcmp(word, "verified") == 0)
		st->verified = 1;
	else if (strcmp(word, "unverified") == 0)
		st->verified = 0;
	else
		return (-1);
	if (domain_state_field(&s, end, word, sizeof(word)) < 0
	    || parse_uint(word, 0, INT64_MAX, &t, &why) < 0)
		return (-1);
	st->checked = (int64_t)t;
	if (domain_state_field(&s, end, st->selector, sizeof(st->selector)) < 0
	    || domain_state_field(&s, end, st->key, sizeof(st->key)) < 0
	    || (size_t)(end - s) >= sizeof(st->evidence)
	    || memchr(s, 0, (size_t)(end - s)) != NULL)
		return (-1);
	memcpy(st->evidence, s, (size_t)(end - s));
	st->evidence[end - s] = 0;
	return (0);
}

int
domain_state_get(struct db_txn *txn, const char *domain,
    struct domain_state *st)
{
	const void *val;
	size_t	 vlen;
	int	 rc;

	memset(st, 0, sizeof(*st));
	if ((rc = db_get(txn, DB_DOMAIN, domain, strlen(domain), &val,
	    &vlen)) != 1)
		return (rc);
	if (strlen(domain) > DOMAIN_NAME_MAX
	    || domain_state_parse(val, vlen, st) < 0)
		return (-1);
	memcpy(st->domain, domain, strlen(domain) + 1);
	return (1);
}

/* domain_state_store - db_update callback: put one record */
static int
domain_state_store(struct db_txn *txn, void *ctx, const char **why)
{
	const struct domain_state *st = ctx;
	struct buf val;
	int	 rc = 0;

	buf_init(&val, DOMAIN_STATE_VALUE_MAX);
	if (strchr(st->selector, '\n') || strchr(st->key, '\n')
	    || buf_printf(&val, "%s\n%lld\n%s\n%s\n%s", st->verified ?
	    "verified" : "unverified", (long long)st->checked, st->selector,
	    st->key, st->evidence) < 0) {
		*why = "domain state record too long or has a newline in a "
		    "field";
		rc = -1;
	} else if (db_put(txn, DB_DOMAIN, st->domain, strlen(st->domain),
	    val.data, val.len) < 0) {
		*why = db_strerror(txn);
		rc = -1;
	}
	buf_fini(&val);
	return (rc);
}

int
domain_state_put(struct db *db, const struct domain_state *st,
    const char **why)
{
	if (*st->domain == 0) {
		*why = "empty domain name";
		return (-1);
	}
	return (db_update(db, domain_state_store, (void *)st, why));
}

struct domain_state_del_ctx {
	const char *domain;
	int	 found;
};

/* domain_state_remove - db_update callback: delete one record */
static int
domain_state_remove(struct db_txn *txn, void *ctx, const char **why)
{
	struct domain_state_del_ctx *d = ctx;
	const void *val;
	size_t	 vlen;

	if ((d->found = db_get(txn, DB_DOMAIN, d->domain, strlen(d->domain),
	    &val, &vlen)) < 0
	    || (d->found && db_del(txn, DB_DOMAIN, d->domain,
	    strlen(d->domain)) < 0)) {
		*why = db_strerror(txn);
		return (-1);
	}
	return (0);
}

int
domain_state_del(struct db *db, const char *domain, const char **why)
{
	struct domain_state_del_ctx d = {domain, 0};

	if (db_update(db, domain_state_remove, &d, why) < 0)
		return (-1);
	return (d.found);
}

struct domain_state_walk_ctx {
	int	 (*fn)(const struct domain_state *, void *);
	void	*ctx;
	struct domain_state st;
};

/* domain_state_each - db_walk callback: parse, hand on */
static int
domain_state_each(const void *k, size_t kl, const void *v, size_t vl,
    void *ctx)
{
	struct domain_state_walk_ctx *w = ctx;

	memset(&w->st, 0, sizeof(w->st));
	if (kl > DOMAIN_NAME_MAX || domain_state_parse(v, vl, &w->st) < 0) {
		/* Damaged: shown unverified, so that verify --all redoes it. */
		memset(&w->st, 0, sizeof(w->st));
		snprintf(w->st.evidence, sizeof(w->st.evidence),
		    "state record damaged");
		if (kl > DOMAIN_NAME_MAX)
			kl = DOMAIN_NAME_MAX;
	}
	memcpy(w->st.domain, k, kl);
	w->st.domain[kl] = 0;
	return (w->fn(&w->st, w->ctx));
}

int
domain_state_walk(struct db_txn *txn, int (*fn)(const struct domain_state *,
    void *), void *ctx)
{
	struct domain_state_walk_ctx *w = xcalloc(1, sizeof(*w));
	int	 rc;

	w->fn = fn;
	w->ctx = ctx;
	rc = db_walk(txn, DB_DOMAIN, "", 0, domain_state_each, w);
	xfree(w);
	return (rc);
}
