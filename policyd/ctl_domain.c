/*
 * ctl_domain - outpostctl domain: sending domains and their DNS
 * SYNOPSIS	outpostctl domain verify DOMAIN [--selector S] [--key FILE]
 *		    [--json]
 *		outpostctl domain verify --all [--json]
 *		outpostctl domain list [--json]
 *		outpostctl domain remove DOMAIN
 * DESCRIPTION	"verify" checks that DNS vouches for this relay sending
 *		as DOMAIN, and records the verdict, its time and the
 *		evidence in the state, where outpost-milter reads it
 *		(sender_domain_policy = verified):
 *
 *		DKIM: the TXT record at S._domainkey.DOMAIN parses and its
 *		p= is the public half of the private key in FILE; S and
 *		FILE come from dkim_key_maps (DOMAIN -> "selector:file",
 *		or an OpenDKIM key table value "domain:selector:file")
 *		unless the options give them.
 *		SPF: libspf2 evaluates DOMAIN's policy, and bounce_domain's
 *		when set, for every address of outbound_addresses; each
 *		must pass.
 *		DMARC: _dmarc.DOMAIN holds one record that parses; a
 *		missing one is a warning only.
 *
 *		"verify --all" checks every domain of the state again with
 *		the selector and key it was verified with; one whose DNS
 *		broke falls back to unverified, and that is logged. "list"
 *		shows each domain, its state and when it was checked.
 *		DNS and key files are read before the state is opened, as
 *		root if run as root (key files are often root-only).
 * DIAGNOSTICS	Exit 0 when every domain checked is verified, 1 when one
 *		is not, 75 when a DNS lookup failed for the time being (or
 *		the state could not be written), 64 on usage errors.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "buf.h"
#include "ctl.h"
#include "dkim.h"
#include "dmarc.h"
#include "dnstxt.h"
#include "domain_state.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "spf.h"
#include "table.h"

#define CTL_DOMAIN_CHECKS	64	/* results shown for one domain */
#define CTL_DOMAIN_ADDRS	16	/* outbound_addresses checked */
#define CTL_DOMAIN_DETAIL	300	/* one check's detail */
#define CTL_DOMAIN_ALL_MAX	10000	/* domains of one "verify --all" */

static const char ctl_domain_usage_text[] =
"usage: outpostctl domain verify DOMAIN [--selector S] [--key FILE] [--json]\n"
"       outpostctl domain verify --all [--json]\n"
"       outpostctl domain list [--json]\n"
"       outpostctl domain remove DOMAIN\n";

enum ctl_result {
	CTL_PASS,			/* in order of severity */
	CTL_WARN,
	CTL_TEMP,
	CTL_FAIL
};

static const char *const ctl_result_names[] = {
	"pass", "warn", "temperror", "fail",
};

struct ctl_check {
	const char *name;		/* "dkim", "spf", "dmarc" */
	enum ctl_result result;
	char	 detail[CTL_DOMAIN_DETAIL];
};

struct ctl_domain {
	struct domain_state st;		/* domain, selector, key, verdict */
	struct ctl_check check[CTL_DOMAIN_CHECKS];
	int	 n;
	enum ctl_result worst;
	int	 was_verified;		/* before this check (verify --all) */
};

/* ctl_domain_usage - the domain forms, exit status for usage */
static int
ctl_domain_usage(void)
{
	fputs(ctl_domain_usage_text, stderr);
	return (CTL_EX_USAGE);
}

/* ctl_domain_add - one check result, printf-style detail */
static void PRINTFLIKE(4, 5)
ctl_domain_add(struct ctl_domain *d, const char *name, enum ctl_result r,
    const char *fmt, ...)
{
	struct ctl_check *c;
	va_list	 ap;

	if (d->n == CTL_DOMAIN_CHECKS)
		c = &d->check[d->n - 1];	/* the last one says so */
	else
		c = &d->check[d->n++];
	c->name = name;
	c->result = r;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (r > d->worst)
		d->worst = r;
}

/* ctl_domain_keyspec - dkim_key_maps value "selector:file" or
 * "domain:selector:file" into the state's selector and key, where the
 * options did not set them */
static void
ctl_domain_keyspec(struct ctl_domain *d)
{
	struct buf val;
	char	*v, *c1, *c2, *sel, *file;

	if (var_dkim_key_maps == NULL || (*d->st.selector && *d->st.key))
		return;
	buf_init(&val, TABLE_VALUE_MAX);
	switch (table_lookup(var_dkim_key_maps, d->st.domain, &val)) {
	case TABLE_FOUND:
		v = val.data + strspn(val.data, " \t");
		v[strcspn(v, " \t")] = 0;
		if ((c1 = strchr(v, ':')) == NULL)
			break;
		*c1 = 0;
		if ((c2 = strchr(c1 + 1, ':')) != NULL && c2[1] == '/') {
			*c2 = 0;	/* OpenDKIM: domain:selector:file */
			sel = c1 + 1;
			file = c2 + 1;
		} else {
			sel = v;
			file = c1 + 1;
		}
		if (*d->st.selector == 0)
			snprintf(d->st.selector, sizeof(d->st.selector), "%s",
			    sel);
		if (*d->st.key == 0)
			snprintf(d->st.key, sizeof(d->st.key), "%s", file);
		break;
	case TABLE_NOTFOUND:
		break;
	case TABLE_ERROR:
		msg_warn("%s: lookup error for %s", table_name(var_dkim_key_maps),
		    d->st.domain);
		break;
	}
	buf_fini(&val);
}

/* ctl_domain_dkim - the selector's record against the signing key */
static void
ctl_domain_dkim(struct ctl_domain *d)
{
	char	 name[DOMAIN_NAME_MAX + DOMAIN_SELECTOR_MAX + 20], safe[200];
	struct pd_dkim_rec *rec;
	struct dnstxt txt;
	struct buf why;

	ctl_domain_keyspec(d);
	if (*d->st.selector == 0) {
		ctl_domain_add(d, "dkim", CTL_FAIL, "no selector: dkim_key_maps "
		    "has no entry for %s and --selector was not given",
		    d->st.domain);
		return;
	}
	snprintf(name, sizeof(name), "%s._domainkey.%s", d->st.selector,
	    d->st.domain);
	buf_init(&why, 1024);
	rec = xmalloc(sizeof(*rec));
	switch (dnstxt_lookup(name, (int)var_domain_dns_timeout, &txt, &why)) {
	case DNSTXT_NONE:
		ctl_domain_add(d, "dkim", CTL_FAIL, "no DKIM record at %s (%s)",
		    name, buf_str(&why));
		break;
	case DNSTXT_TEMP:
		ctl_domain_add(d, "dkim", CTL_TEMP, "%s: %s", name,
		    buf_str(&why));
		break;
	case DNSTXT_BAD:
		ctl_domain_add(d, "dkim", CTL_FAIL, "%s: %s", name,
		    buf_str(&why));
		break;
	case DNSTXT_FOUND:
		if (txt.n > 1)
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: %d TXT records "
			    "(one expected)", name, txt.n);
		else if (txt.nul[0])
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: record holds a "
			    "NUL byte", name);
		else if (pd_dkim_parse(txt.rec[0], rec, &why) < 0)
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: %s", name,
			    msg_safe(safe, sizeof(safe), buf_str(&why)));
		else if (rec->revoked)
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: key revoked "
			    "(empty p=)", name);
		else if (*d->st.key == 0)
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: k=%s record "
			    "parses, but there is no key file to compare it "
			    "with (dkim_key_maps, --key)", name,
			    pd_dkim_type_name(rec->type));
		else if (pd_dkim_key_match(rec, d->st.key, &why) == 1)
			ctl_domain_add(d, "dkim", CTL_PASS, "%s: %s%s", name,
			    buf_str(&why), rec->testing ? " (t=y: testing)" :
			    "");
		else
			ctl_domain_add(d, "dkim", CTL_FAIL, "%s: %s", name,
			    buf_str(&why));
		dnstxt_fini(&txt);
		break;
	}
	xfree(rec);
	buf_fini(&why);
}

/* ctl_domain_spf - every outbound address against one domain's SPF */
static void
ctl_domain_spf(struct ctl_domain *d, struct pd_spf *spf, const char *domain)
{
	char	*list = xstrdup(var_outbound_addresses), *ip, *save;
	const char *result;
	struct buf detail;
	int	 n = 0;

	buf_init(&detail, 2048);
	for (ip = strtok_r(list, ", \t", &save); ip;
	    ip = strtok_r(NULL, ", \t", &save)) {
		if (++n > CTL_DOMAIN_ADDRS) {
			ctl_domain_add(d, "spf", CTL_FAIL, "outbound_addresses "
			    "lists more than %d addresses", CTL_DOMAIN_ADDRS);
			break;
		}
		result = pd_spf_check(spf, domain, ip, &detail);
		ctl_domain_add(d, "spf", strcmp(result, "pass") == 0 ? CTL_PASS :
		    strcmp(result, "temperror") == 0 ? CTL_TEMP : CTL_FAIL,
		    "%s for %.60s: %s%s%s", domain, ip, result,
		    detail.len ? ", " : "", buf_str(&detail));
	}
	if (n == 0)
		ctl_domain_add(d, "spf", CTL_FAIL, "outbound_addresses is empty: "
		    "the relay's sending addresses are not known");
	buf_fini(&detail);
	xfree(list);
}

/* ctl_domain_dmarc - the domain's DMARC record, if any */
static void
ctl_domain_dmarc(struct ctl_domain *d)
{
	char	 name[DOMAIN_NAME_MAX + 10], safe[200];
	struct pd_dmarc dm;
	struct dnstxt txt;
	struct buf why;
	int	 i, found = -1, n = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", d->st.domain);
	buf_init(&why, 1024);
	switch (dnstxt_lookup(name, (int)var_domain_dns_timeout, &txt, &why)) {
	case DNSTXT_NONE:
		ctl_domain_add(d, "dmarc", CTL_WARN, "no DMARC record at %s",
		    name);
		break;
	case DNSTXT_TEMP:
		ctl_domain_add(d, "dmarc", CTL_TEMP, "%s: %s", name,
		    buf_str(&why));
		break;
	case DNSTXT_BAD:
		ctl_domain_add(d, "dmarc", CTL_FAIL, "%s: %s", name,
		    buf_str(&why));
		break;
	case DNSTXT_FOUND:
		for (i = 0; i < txt.n; i++)
			if (pd_dmarc_record(txt.rec[i]) && n++ == 0)
				found = i;
		if (n == 0)
			ctl_domain_add(d, "dmarc", CTL_WARN, "no DMARC record at "
			    "%s (TXT records there do not start v=DMARC1)",
			    name);
		else if (n > 1)
			ctl_domain_add(d, "dmarc", CTL_FAIL, "%s: %d DMARC "
			    "records (receivers ignore them all)", name, n);
		else if (pd_dmarc_parse(txt.rec[found], &dm, &why) < 0)
			ctl_domain_add(d, "dmarc", CTL_FAIL, "%s: %s", name,
			    msg_safe(safe, sizeof(safe), buf_str(&why)));
		else
			ctl_domain_add(d, "dmarc", CTL_PASS, "p=%s sp=%s "
			    "adkim=%c aspf=%c pct=%d%s", dm.p, *dm.sp ? dm.sp :
			    dm.p, dm.adkim, dm.aspf, dm.pct, dm.aspf == 's'
			    && *var_bounce_domain && strcmp(var_bounce_domain,
			    d->st.domain) ? " (aspf=s: SPF of bounce_domain "
			    "does not align)" : "");
		dnstxt_fini(&txt);
		break;
	}
	buf_fini(&why);
}

/* ctl_domain_check - every check for d->st.domain; the verdict */
static void
ctl_domain_check(struct ctl_domain *d, struct pd_spf *spf)
{
	struct buf ev;
	int	 i;

	d->n = 0;
	d->worst = CTL_PASS;
	ctl_domain_dkim(d);
	ctl_domain_spf(d, spf, d->st.domain);
	if (*var_bounce_domain && strcmp(var_bounce_domain, d->st.domain))
		ctl_domain_spf(d, spf, var_bounce_domain);
	ctl_domain_dmarc(d);
	d->st.verified = d->worst <= CTL_WARN;
	d->st.checked = (int64_t)time(NULL);
	/* The evidence: one line per check, as many as fit. */
	buf_init(&ev, sizeof(d->st.evidence) - 1);
	for (i = 0; i < d->n; i++)
		if (buf_printf(&ev, "%s%s: %s: %s", i ? "\n" : "",
		    d->check[i].name, ctl_result_names[d->check[i].result],
		    d->check[i].detail) < 0)
			break;
	snprintf(d->st.evidence, sizeof(d->st.evidence), "%s", buf_str(&ev));
	buf_fini(&ev);
}

/* ctl_domain_print - the report for one domain */
static void
ctl_domain_print(const struct ctl_domain *d, int json)
{
	char	 when[32], safe[CTL_DOMAIN_DETAIL];
	int	 i;

	if (json) {
		json_t	*o = json_object(), *a = json_array();
		char	*s;

		for (i = 0; i < d->n; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
			    "check", d->check[i].name, "result",
			    ctl_result_names[d->check[i].result], "detail",
			    msg_safe(safe, sizeof(safe), d->check[i].detail)));
		json_object_set_new(o, "domain", json_string(d->st.domain));
		json_object_set_new(o, "verified", json_boolean(d->st.verified));
		json_object_set_new(o, "state", json_string(d->st.verified ?
		    "verified" : "unverified"));
		json_object_set_new(o, "checked", json_integer(d->st.checked));
		json_object_set_new(o, "selector", json_string(d->st.selector));
		json_object_set_new(o, "checks", a);
		if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))
		    != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	printf("%s: %s (checked %s)\n", d->st.domain, d->st.verified ?
	    "verified" : d->worst == CTL_TEMP ? "unverified, DNS failed for "
	    "now: try again" : "unverified", ctl_time(when, sizeof(when),
	    d->st.checked));
	for (i = 0; i < d->n; i++)
		printf("  %-6s %-9s %s\n", d->check[i].name,
		    ctl_result_names[d->check[i].result],
		    msg_safe(safe, sizeof(safe), d->check[i].detail));
}

/* ctl_domain_status - exit status for a set of results */
static int
ctl_domain_status(const struct ctl_domain *d, int n)
{
	int	 i, status = CTL_EX_OK;

	for (i = 0; i < n; i++)
		if (d[i].worst == CTL_FAIL)
			status = CTL_EX_NOTFOUND;
		else if (d[i].worst == CTL_TEMP && status == CTL_EX_OK)
			status = CTL_EX_TEMPFAIL;
	return (status);
}

/* ctl_domain_store - record the verdicts; log what changed */
static int
ctl_domain_store(struct ctl_domain *d, int n)
{
	struct db *db;
	const char *why;
	int	 i, status = CTL_EX_OK;

	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	for (i = 0; i < n; i++) {
		if (d[i].was_verified && !d[i].st.verified)
			msg_warn("domain %s: was verified, now unverified: %s",
			    d[i].st.domain, d[i].st.evidence);
		if (domain_state_put(db, &d[i].st, &why) < 0) {
			ctl_error("domain verify %s: %s", d[i].st.domain, why);
			status = CTL_EX_TEMPFAIL;
		}
	}
	db_close(db);
	return (status);
}

struct ctl_domain_list {
	struct ctl_domain *d;
	int	 n;
};

/* ctl_domain_collect - domain_state_walk callback for verify --all */
static int
ctl_domain_collect(const struct domain_state *st, void *ctx)
{
	struct ctl_domain_list *l = ctx;
	struct ctl_domain *d;

	if (l->n == CTL_DOMAIN_ALL_MAX)
		return (1);
	l->d = xrealloc(l->d, (size_t)(l->n + 1) * sizeof(*l->d));
	d = &l->d[l->n++];
	memset(d, 0, sizeof(*d));
	memcpy(d->st.domain, st->domain, sizeof(d->st.domain));
	memcpy(d->st.selector, st->selector, sizeof(d->st.selector));
	memcpy(d->st.key, st->key, sizeof(d->st.key));
	d->was_verified = st->verified;
	return (0);
}

/* ctl_domain_known - every domain of the state, read-only (we may still
 * be root: nothing may be created); -1 reported */
static int
ctl_domain_known(struct ctl_domain_list *l)
{
	struct db_txn *txn = NULL;
	struct buf err;
	struct db *db;
	const char *why;
	int	 rc = 0;

	buf_init(&err, 1024);
	if ((db = db_open(var_state_directory, DB_RDONLY, &err)) == NULL) {
		ctl_error("domain verify --all: %s", buf_str(&err));
		buf_fini(&err);
		return (-1);
	}
	buf_fini(&err);
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("domain verify --all: %s", why);
		rc = -1;
	} else {
		if ((rc = domain_state_walk(txn, ctl_domain_collect, l)) < 0)
			ctl_error("domain verify --all: %s", db_strerror(txn));
		else if (rc == 1)
			ctl_error("domain verify --all: more than %d domains; "
			    "checking the first ones", CTL_DOMAIN_ALL_MAX);
		rc = rc < 0 ? -1 : 0;
		db_read_end(txn);
	}
	db_txn_free(txn);
	db_close(db);
	return (rc);
}

/* ctl_domain_verify - verify DOMAIN [--selector S] [--key F] | --all */
static int
ctl_domain_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"selector", required_argument, NULL, 's'},
		{"key", required_argument, NULL, 'k'},
		{"all", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_domain_list l = {NULL, 0};
	const char *selector = "", *key = "", *why;
	char	 label[DOMAIN_NAME_MAX + 1];
	struct pd_spf *spf;
	int	 ch, all = 0, json = 0, i, status, st2;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			selector = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			ctl_getopt_error("domain verify", ch, argv);
			return (ctl_domain_usage());
		}
	}
	if (all ? (argc != optind || *selector || *key) : argc - optind != 1)
		return (ctl_domain_usage());
	if (!all) {
		l.d = xcalloc(1, sizeof(*l.d));
		l.n = 1;
		if (domain_state_name(argv[optind], l.d->st.domain, &why)
		    == NULL) {
			ctl_error("domain verify: %s: %s", argv[optind], why);
			xfree(l.d);
			return (CTL_EX_USAGE);
		}
		if (*selector && (strchr(selector, '.') != NULL
		    || domain_state_name(selector, label, &why) == NULL
		    || strlen(label) > DOMAIN_SELECTOR_MAX)) {
			ctl_error("domain verify: --selector %s: not one DNS "
			    "label", selector);
			xfree(l.d);
			return (CTL_EX_USAGE);
		}
		if (strlen(key) >= sizeof(l.d->st.key)
		    || strchr(key, '\n') != NULL) {
			ctl_error("domain verify: --key: file name longer than "
			    "%d bytes or with a newline", DOMAIN_PATH_MAX - 1);
			xfree(l.d);
			return (CTL_EX_USAGE);
		}
		snprintf(l.d->st.key, sizeof(l.d->st.key), "%s", key);
		if (*selector)		/* one label: checked to fit above */
			memcpy(l.d->st.selector, label, strlen(label) + 1);
	} else if (ctl_domain_known(&l) < 0)
		return (CTL_EX_TEMPFAIL);
	if ((spf = pd_spf_create(0)) == NULL) {
		ctl_error("domain verify: libspf2 cannot start");
		xfree(l.d);
		return (CTL_EX_OSERR);
	}
	for (i = 0; i < l.n; i++) {
		ctl_domain_check(&l.d[i], spf);
		ctl_domain_print(&l.d[i], json);
	}
	pd_spf_free(spf);
	status = ctl_domain_status(l.d, l.n);
	if (l.n > 0 && (st2 = ctl_domain_store(l.d, l.n)) != CTL_EX_OK)
		status = st2;
	xfree(l.d);
	return (status);
}

/* ctl_domain_print_state - domain_state_walk callback for list */
static int
ctl_domain_print_state(const struct domain_state *st, void *ctx)
{
	char	 when[32], safe[DOMAIN_EVIDENCE_MAX];
	int	*json = ctx;

	if (*json) {
		json_t	*o = json_object();
		char	*s;

		json_object_set_new(o, "domain", json_string(st->domain));
		json_object_set_new(o, "state", json_string(st->verified ?
		    "verified" : "unverified"));
		json_object_set_new(o, "checked", json_integer(st->checked));
		json_object_set_new(o, "selector", json_string(msg_safe(safe,
		    sizeof(safe), st->selector)));
		json_object_set_new(o, "evidence", json_string(msg_safe(safe,
		    sizeof(safe), st->evidence)));
		if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))
		    != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else
		printf("%s %s %s\n", st->domain, st->verified ? "verified" :
		    "unverified", st->checked ? ctl_time(when, sizeof(when),
		    st->checked) : "-");
	return (ferror(stdout) ? -2 : 0);
}

/* ctl_domain_list - list [--json] */
static int
ctl_domain_list(int argc, char **argv)
{
	struct db_txn *txn = NULL;
	struct db *db;
	const char *why;
	int	 status = CTL_EX_OK, json = 0, rc;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return (ctl_domain_usage());
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("domain list: %s", why);
		db_close(db);
		return (CTL_EX_TEMPFAIL);
	}
	if ((rc = domain_state_walk(txn, ctl_domain_print_state, &json)) == -1) {
		ctl_error("domain list: %s", db_strerror(txn));
		status = CTL_EX_TEMPFAIL;
	} else if (rc == -2) {
		ctl_error("domain list: write error: %m");
		status = CTL_EX_OSERR;
	}
	db_read_end(txn);
	db_txn_free(txn);
	db_close(db);
	return (status);
}

/* ctl_domain_remove - remove DOMAIN: forget it (the milter then refuses
 * it under sender_domain_policy = verified) */
static int
ctl_domain_remove(int argc, char **argv)
{
	char	 domain[DOMAIN_NAME_MAX + 1];
	const char *why;
	struct db *db;
	int	 status = CTL_EX_OK;

	if (argc != 2)
		return (ctl_domain_usage());
	if (domain_state_name(argv[1], domain, &why) == NULL) {
		ctl_error("domain remove: %s: %s", argv[1], why);
		return (CTL_EX_USAGE);
	}
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	switch (domain_state_del(db, domain, &why)) {
	case 1:
		printf("%s: removed\n", domain);
		break;
	case 0:
		ctl_error("domain remove: %s: not a known domain", domain);
		status = CTL_EX_NOTFOUND;
		break;
	default:
		ctl_error("domain remove %s: %s", domain, why);
		status = CTL_EX_TEMPFAIL;
		break;
	}
	db_close(db);
	return (status);
}

int
ctl_domain(int argc, char **argv)
{
	if (argc < 2)
		return (ctl_domain_usage());
	if (strcmp(argv[1], "verify") == 0)
		return (ctl_domain_verify(argc - 1, argv + 1));
	if (strcmp(argv[1], "list") == 0)
		return (ctl_domain_list(argc - 1, argv + 1));
	if (strcmp(argv[1], "remove") == 0)
		return (ctl_domain_remove(argc - 1, argv + 1));
	ctl_error("domain: unknown command \"%.100s\"", argv[1]);
	return (ctl_domain_usage());
}
