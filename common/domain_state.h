/* domain_state.h - a sending domain's verification state, in LMDB */
#ifndef DOMAIN_STATE_H
#define DOMAIN_STATE_H
#include <stdint.h>
#include "db.h"

#define DOMAIN_NAME_MAX		253	/* RFC 1035, without the root dot */
#define DOMAIN_SELECTOR_MAX	63	/* one DNS label */
#define DOMAIN_PATH_MAX		1024	/* a key file name kept for --all */
#define DOMAIN_EVIDENCE_MAX	2048	/* one short line per check */

struct domain_state {
	char	 domain[DOMAIN_NAME_MAX + 1];	/* lower case, no final dot */
	int	 verified;			/* 1: every check passed */
	int64_t	 checked;			/* when, seconds since epoch */
	char	 selector[DOMAIN_SELECTOR_MAX + 1];	/* "" if none */
	char	 key[DOMAIN_PATH_MAX + 1];	/* key file, "" if none */
	char	 evidence[DOMAIN_EVIDENCE_MAX];	/* "dkim: pass: ...\n..." */
};

/*
 * domain_state_name() - validate and fold a domain name into
 * out[DOMAIN_NAME_MAX + 1]: LDH labels of 1..63 bytes, a final dot
 * dropped, lower case. Returns out, or NULL with *why set.
 */
char	*domain_state_name(const char *in, char *out, const char **why);
/* domain_state_get() - 1 found (st filled), 0 not found, -1 error
 * (db_strerror(txn); a record that does not parse is an error too) */
int	 domain_state_get(struct db_txn *, const char *domain,
		    struct domain_state *st);
/* domain_state_put() - store one record in its own write transaction;
 * -1 with *why set */
int	 domain_state_put(struct db *, const struct domain_state *,
		    const char **why);
/* domain_state_del() - 1 removed, 0 unknown, -1 with *why set */
int	 domain_state_del(struct db *, const char *domain, const char **why);
/* domain_state_walk() - fn for every record in domain order until it
 * returns non-zero (returned); -1 on a database error */
int	 domain_state_walk(struct db_txn *, int (*fn)(const struct
		    domain_state *, void *), void *ctx);

#endif /* DOMAIN_STATE_H */
