/*
 * ctl_rate - outpostctl ratelimit: counters of the rate limiter
 * SYNOPSIS	outpostctl ratelimit show KEY
 *		outpostctl ratelimit reset KEY
 *		outpostctl ratelimit top [N]
 * DESCRIPTION	KEY is "type:value" as outpost-policyd counts it, type one
 *		of sasl_username, sender, sender_domain or client_address
 *		("sender:bob@example.com"); a KEY without one of these
 *		prefixes is tried under every type. The value is compared
 *		as the daemon saw it in the request, case included.
 *
 *		"show" prints each limit that applies to the key (from
 *		rate_limit_maps or rate_limit_default) with the estimated
 *		use over its window now, and for a full one when it frees
 *		up. "reset" forgets the counters and asks the daemon to
 *		do the same. "top" lists the N keys (default 10) closest
 *		to a limit, by the highest share of a limit in use.
 *
 *		The daemon keeps counters in memory and writes them to the
 *		state once a second, so what this shows may lag the daemon
 *		by up to 1s, and a reset takes effect within 1s.
 * DIAGNOSTICS	Exit 1 when nothing is stored for the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "ctl.h"
#include "msg.h"
#include "mymalloc.h"
#include "parse.h"
#include "rate.h"

#define CTL_RATE_TYPES	4
#define CTL_TOP_DEFAULT	10
#define CTL_TOP_MAX	100000
#define CTL_LAG_NOTE	"(may lag the daemon by up to 1s)"

static const char *ctl_rate_types[CTL_RATE_TYPES] = {
	"sasl_username", "sender", "sender_domain", "client_address",
};

static const char ctl_rate_usage_text[] =
"usage: outpostctl ratelimit show KEY\n"
"       outpostctl ratelimit reset KEY\n"
"       outpostctl ratelimit top [N]\n"
"KEY is type:value, type one of sasl_username, sender, sender_domain,\n"
"client_address; a value without a type is tried under every type.\n";

/* ctl_rate_usage - the ratelimit forms, exit status for usage */
static int
ctl_rate_usage(void)
{
	fputs(ctl_rate_usage_text, stderr);
	return (CTL_EX_USAGE);
}

/* ctl_rate_keys - the keys that arg names; how many, -1 when too long.
 * *typed says whether arg had a type prefix. */
static int
ctl_rate_keys(const char *arg, char keys[][TABLE_KEY_MAX + 1], int *typed)
{
	int	 i, n = 0;

	*typed = 0;
	for (i = 0; i < CTL_RATE_TYPES; i++) {
		size_t	 len = strlen(ctl_rate_types[i]);

		if (strncmp(arg, ctl_rate_types[i], len) == 0 && arg[len] == ':'
		    && arg[len + 1] != 0) {
			*typed = 1;
			if (strlen(arg) > TABLE_KEY_MAX)
				return (-1);
			memcpy(keys[0], arg, strlen(arg) + 1);
			return (1);
		}
	}
	for (i = 0; i < CTL_RATE_TYPES; i++) {
		if ((size_t)snprintf(keys[n], TABLE_KEY_MAX + 1, "%s:%s",
		    ctl_rate_types[i], arg) > TABLE_KEY_MAX)
			return (-1);
		n++;
	}
	return (n);
}

/* ctl_rate_get - the stored state of key: 1, 0 (none), -1 (reported) */
static int
ctl_rate_get(struct db_txn *txn, const char *key, struct pd_rate_state *st)
{
	const void *val;
	size_t	 len;
	int	 rc;

	memset(st, 0, sizeof(*st));
	st->version = PD_RATE_VERSION;
	if ((rc = db_get(txn, DB_RATE, key, strlen(key), &val, &len)) < 0) {
		ctl_error("ratelimit: %s: %s", key, db_strerror(txn));
		return (-1);
	}
	if (rc == 1 && pd_rate_state_decode(val, len, st) < 0) {
		msg_warn("ratelimit: %s: stored counters of an unknown format",
		    key);
		memset(st, 0, sizeof(*st));
		st->version = PD_RATE_VERSION;
	}
	return (rc);
}

/* ctl_rate_print - the limits of one key and their use at now */
static int
ctl_rate_print(const char *key, struct pd_rate_state *st, int stored,
    uint64_t now)
{
	struct pd_rate_spec spec;
	char	 lim[64], frees[32], safe[TABLE_KEY_MAX + 1];
	int	 i;

	if (pd_rate_lookup_spec(key, &spec) < 0)
		return (-1);		/* logged */
	printf("%s %s\n", msg_safe(safe, sizeof(safe), key), CTL_LAG_NOTE);
	if (spec.unlimited || spec.n == 0)
		printf("  unlimited\n");
	pd_rate_sync(st, &spec);
	for (i = 0; i < spec.n; i++) {
		const struct pd_rate_counter *c = &st->c[i];
		uint64_t wait = pd_rate_wait(c, &spec.lim[i], 1, now);

		pd_rate_limit_format(&spec.lim[i], lim, sizeof(lim));
		printf("  %s: used %.1f of %u", lim, pd_rate_usage(c, now),
		    spec.lim[i].count);
		if (wait > 0)
			printf(", full: frees in %s", format_duration(frees,
			    sizeof(frees), wait));
		printf("\n");
	}
	if (spec.has_action)
		printf("  action: %s\n", pd_rate_action_name(spec.action));
	if (!stored)
		printf("  (no counters stored)\n");
	return (0);
}

/* ctl_rate_show - ratelimit show KEY */
static int
ctl_rate_show(struct db *db, const char *arg)
{
	char	 keys[CTL_RATE_TYPES][TABLE_KEY_MAX + 1];
	struct pd_rate_state st;
	struct db_txn *txn = NULL;
	const char *why;
	uint64_t now = (uint64_t)time(NULL);
	int	 i, n, typed, rc, found = 0, status = CTL_EX_OK;

	if ((n = ctl_rate_keys(arg, keys, &typed)) < 0) {
		ctl_error("ratelimit show: key longer than %d bytes",
		    TABLE_KEY_MAX);
		return (CTL_EX_USAGE);
	}
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("ratelimit show: %s", why);
		return (CTL_EX_TEMPFAIL);
	}
	for (i = 0; i < n && status == CTL_EX_OK; i++) {
		if ((rc = ctl_rate_get(txn, keys[i], &st)) < 0)
			status = CTL_EX_TEMPFAIL;
		else if ((rc == 1 || typed)
		    && ctl_rate_print(keys[i], &st, rc, now) < 0)
			status = CTL_EX_CONFIG;
		found += rc == 1;
	}
	db_read_end(txn);
	db_txn_free(txn);
	if (status == CTL_EX_OK && found == 0) {
		if (!typed)
			ctl_error("ratelimit show: no counters stored for %s "
			    "under any type", arg);
		status = CTL_EX_NOTFOUND;
	}
	return (status);
}

/* ctl_rate_reset - ratelimit reset KEY */
static int
ctl_rate_reset(struct db *db, const char *arg)
{
	char	 keys[CTL_RATE_TYPES][TABLE_KEY_MAX + 1];
	char	 safe[TABLE_KEY_MAX + 1];
	int	 stored[CTL_RATE_TYPES];
	struct pd_rate_state st;
	struct db_txn *txn = NULL;
	const char *why;
	int	 i, n, typed, found = 0;

	if ((n = ctl_rate_keys(arg, keys, &typed)) < 0) {
		ctl_error("ratelimit reset: key longer than %d bytes",
		    TABLE_KEY_MAX);
		return (CTL_EX_USAGE);
	}
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("ratelimit reset: %s", why);
		return (CTL_EX_TEMPFAIL);
	}
	for (i = 0; i < n; i++)
		found += (stored[i] = ctl_rate_get(txn, keys[i], &st)) == 1;
	db_read_end(txn);
	db_txn_free(txn);
	if (!typed && found == 0) {
		ctl_error("ratelimit reset: no counters stored for %s under "
		    "any type", arg);
		return (CTL_EX_NOTFOUND);
	}
	/* A typed key is reset even when nothing is stored yet: the
	 * daemon may hold counters it has not written. */
	for (i = 0; i < n; i++) {
		if (!typed && stored[i] != 1)
			continue;
		if (pd_rate_reset(db, keys[i], &why) < 0) {
			ctl_error("ratelimit reset %s: %s", keys[i], why);
			return (CTL_EX_TEMPFAIL);
		}
		printf("%s: counters reset (the daemon applies it within 1s)\n",
		    msg_safe(safe, sizeof(safe), keys[i]));
	}
	return (CTL_EX_OK);
}

struct ctl_top_item {
	char	*key;
	struct pd_rate_state st;
	double	 ratio;			/* highest use / limit */
	int	 worst;			/* that limit's index */
	struct pd_rate_spec spec;
};

struct ctl_top {
	struct ctl_top_item *item;
	size_t	 n, size;
};

/* ctl_top_collect - db_walk callback: keep every decodable state */
static int
ctl_top_collect(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
	struct ctl_top *t = ctx;
	struct ctl_top_item *it;

	if (kl > TABLE_KEY_MAX || memchr(k, ':', kl) == NULL
	    || memchr(k, 0, kl) != NULL)
		return (0);
	if (t->n == t->size) {
		t->size = t->size ? 2 * t->size : 64;
		t->item = xrealloc(t->item, t->size * sizeof(*t->item));
	}
	it = &t->item[t->n];
	if (pd_rate_state_decode(v, vl, &it->st) < 0)
		return (0);
	it->key = xstrndup(k, kl);
	t->n++;
	return (0);
}

/* ctl_top_order - qsort: highest ratio first, then by key */
static int
ctl_top_order(const void *a, const void *b)
{
	const struct ctl_top_item *x = a, *y = b;

	if (x->ratio != y->ratio)
		return (x->ratio < y->ratio ? 1 : -1);
	return (strcmp(x->key, y->key));
}

/* ctl_rate_top - ratelimit top [N] */
static int
ctl_rate_top(struct db *db, uint64_t want)
{
	struct ctl_top t;
	struct db_txn *txn = NULL;
	const char *why;
	char	 lim[64], frees[32], safe[TABLE_KEY_MAX + 1];
	uint64_t now = (uint64_t)time(NULL);
	size_t	 i, shown = 0;
	int	 j, rc;

	memset(&t, 0, sizeof(t));
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("ratelimit top: %s", why);
		return (CTL_EX_TEMPFAIL);
	}
	if ((rc = db_walk(txn, DB_RATE, NULL, 0, ctl_top_collect, &t)) < 0)
		ctl_error("ratelimit top: %s", db_strerror(txn));
	db_read_end(txn);
	db_txn_free(txn);
	for (i = 0; i < t.n; i++) {
		struct ctl_top_item *it = &t.item[i];

		it->ratio = 0;
		it->worst = -1;
		if (pd_rate_lookup_spec(it->key, &it->spec) < 0)
			continue;	/* logged */
		pd_rate_sync(&it->st, &it->spec);
		for (j = 0; j < it->spec.n; j++) {
			double	 r = pd_rate_usage(&it->st.c[j], now)
			    / it->spec.lim[j].count;

			if (r > it->ratio) {
				it->ratio = r;
				it->worst = j;
			}
		}
	}
	if (t.n > 0)
		qsort(t.item, t.n, sizeof(*t.item), ctl_top_order);
	printf("keys closest to a limit %s\n", CTL_LAG_NOTE);
	for (i = 0; i < t.n && shown < want; i++) {
		struct ctl_top_item *it = &t.item[i];
		uint64_t wait;

		if (it->worst < 0)
			continue;	/* nothing counted now */
		shown++;
		pd_rate_limit_format(&it->spec.lim[it->worst], lim,
		    sizeof(lim));
		wait = pd_rate_wait(&it->st.c[it->worst],
		    &it->spec.lim[it->worst], 1, now);
		printf("%6.1f%%  %s  used %.1f of %s%s%s\n", 100 * it->ratio,
		    msg_safe(safe, sizeof(safe), it->key),
		    pd_rate_usage(&it->st.c[it->worst], now), lim,
		    wait ? ", full: frees in " : "",
		    wait ? format_duration(frees, sizeof(frees), wait) : "");
	}
	for (i = 0; i < t.n; i++)
		xfree(t.item[i].key);
	xfree(t.item);
	return (rc < 0 ? CTL_EX_TEMPFAIL : CTL_EX_OK);
}

int
ctl_ratelimit(int argc, char **argv)
{
	struct db *db;
	uint64_t want = CTL_TOP_DEFAULT;
	const char *why;
	int	 status = CTL_EX_OK;

	if (argc < 2)
		return (ctl_rate_usage());
	if (strcmp(argv[1], "top") == 0) {
		if (argc > 3)
			return (ctl_rate_usage());
		if (argc == 3 && parse_uint(argv[2], 1, CTL_TOP_MAX, &want,
		    &why) < 0) {
			ctl_error("ratelimit top: %s: %s", argv[2], why);
			return (CTL_EX_USAGE);
		}
	} else if (strcmp(argv[1], "show") == 0
	    || strcmp(argv[1], "reset") == 0) {
		if (argc != 3 || argv[2][0] == 0)
			return (ctl_rate_usage());
	} else {
		ctl_error("ratelimit: unknown command \"%.100s\"", argv[1]);
		return (ctl_rate_usage());
	}
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (strcmp(argv[1], "top") == 0)
		status = ctl_rate_top(db, want);
	else if (strcmp(argv[1], "show") == 0)
		status = ctl_rate_show(db, argv[2]);
	else
		status = ctl_rate_reset(db, argv[2]);
	db_close(db);
	return (status);
}
