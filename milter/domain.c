/*
 * domain - sender_domain_policy: only verified sending domains
 * DESCRIPTION	With sender_domain_policy = verified, a message whose
 *		header From: domain was not verified by "outpostctl domain
 *		verify" (DKIM key, SPF and DMARC in DNS) is refused. The
 *		verdict comes from the state environment only: mail never
 *		waits on DNS here. The environment is opened read-only at
 *		the first lookup (after privileges are dropped, never
 *		before a fork) and again when state_directory changes.
 *		Lookups take one lock: each is one LMDB read, short.
 * DIAGNOSTICS	A state that cannot be opened or read is a tempfail and a
 *		warning, never a pass or a reject.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "addrlist.h"
#include "bounds.h"
#include "db.h"
#include "domain.h"
#include "domain_state.h"
#include "list.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"

#define MF_DOMAIN_MAILBOXES	64	/* in one From:, as sender.c takes */

static pthread_mutex_t mf_domain_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *mf_domain_db;
static char *mf_domain_dir;		/* what mf_domain_db is */

int
mf_domain_policy_valid(const char *value, const char **why)
{
	static const char *const known[] = {"any", "verified"};

	if (list_words(value, known, 2, NULL, 0) != 1) {
		*why = "use any or verified";
		return (-1);
	}
	return (0);
}

/* mf_domain_verified - 1 verified, 0 not, -1 state error (logged);
 * with mf_domain_lock held */
static int
mf_domain_verified(const char *domain)
{
	struct domain_state *st;
	struct db_txn *txn = NULL;
	struct buf err;
	const char *why;
	int	 rc;

	if (mf_domain_db == NULL || mf_domain_dir == NULL
	    || strcmp(mf_domain_dir, var_state_directory) != 0) {
		mf_domain_db = db_close(mf_domain_db);
		mf_domain_dir = xfree(mf_domain_dir);
		buf_init(&err, 1024);
		mf_domain_db = db_open(var_state_directory, DB_RDONLY, &err);
		if (mf_domain_db == NULL)
			msg_warn("sender_domain_policy: %s", buf_str(&err));
		else
			mf_domain_dir = xstrdup(var_state_directory);
		buf_fini(&err);
		if (mf_domain_db == NULL)
			return (-1);
	}
	if (db_read_begin(mf_domain_db, &txn, &why) < 0) {
		msg_warn("sender_domain_policy: %s: %s", var_state_directory,
		    why);
		db_txn_free(txn);
		return (-1);
	}
	st = xmalloc(sizeof(*st));
	if ((rc = domain_state_get(txn, domain, st)) < 0)
		msg_warn("sender_domain_policy: %s: domain %s: damaged record "
		    "or %s", var_state_directory, domain, db_strerror(txn));
	else if (rc == 1)
		rc = st->verified;
	xfree(st);
	db_read_end(txn);
	db_txn_free(txn);
	return (rc);
}

enum check_result
mf_domain_header(const char *value, struct mf_verdict *v)
{
	struct mf_addr *list;
	char	 domain[DOMAIN_NAME_MAX + 1], safe[ADDR_MAX + 1];
	const char *why, *d;
	int	 n, i, rc = 1;

	if (!list_has(var_sender_domain_policy, "verified", 8))
		return (CHECK_DUNNO);
	list = xcalloc(MF_DOMAIN_MAILBOXES, sizeof(*list));
	if (mf_addrlist_parse(value, list, MF_DOMAIN_MAILBOXES, &n, &why) < 0
	    || n == 0)
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 header From: "
		    "names no sender domain");
	for (i = 0; i < n && v->result == CHECK_DUNNO; i++) {
		if ((d = addr_domain(list[i].addr)) == NULL
		    || domain_state_name(d, domain, &why) == NULL) {
			mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 sender "
			    "<%s> has no domain that can be verified",
			    msg_safe(safe, sizeof(safe), list[i].addr));
			break;
		}
		pthread_mutex_lock(&mf_domain_lock);
		rc = mf_domain_verified(domain);
		pthread_mutex_unlock(&mf_domain_lock);
		if (rc == 0)
			mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 sender "
			    "domain %s is not verified for this relay "
			    "(outpostctl domain verify)", domain);
		else if (rc < 0)
			mf_verdict_set(v, CHECK_TEMPFAIL, "451", "4.3.0 sender "
			    "domain state lookup failed; try again later");
	}
	xfree(list);
	return (v->result);
}

void
mf_domain_close(void)
{
	pthread_mutex_lock(&mf_domain_lock);
	mf_domain_db = db_close(mf_domain_db);
	mf_domain_dir = xfree(mf_domain_dir);
	pthread_mutex_unlock(&mf_domain_lock);
}
