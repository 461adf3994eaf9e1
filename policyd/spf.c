/*
 * spf - SPF policy evaluation with libspf2 (RFC 7208)
 * SYNOPSIS	spf = pd_spf_create(0);
 *		pd_spf_check(spf, "example.org", "192.0.2.25", &detail)
 * DESCRIPTION	libspf2 evaluates the policy of the domain for mail from
 *		the address, as a receiver would for MAIL FROM
 *		postmaster@domain. libspf2 says why (a mechanism, the
 *		default, an error) but not which mechanism: for a result
 *		decided by a mechanism, the mechanisms of the domain's own
 *		record that carry the result's qualifier are named ("-all",
 *		or "one of ..."), with libspf2's comment.
 *
 *		The resolver layer is libspf2's, with its cache: it follows
 *		resolv.conf, its timeout and attempts options included.
 * DIAGNOSTICS	A DNS failure is temperror, a broken record permerror, as
 *		RFC 7208 names them; never pass.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "mymalloc.h"
#include "spf.h"

#define SPF_DETAIL_MAX	400		/* record text quoted in a detail */

struct pd_spf {
	SPF_server_t *server;
	SPF_dns_server_t *zone;		/* test zone, or NULL */
};

struct pd_spf *
pd_spf_create(int zone)
{
	struct pd_spf *s = xcalloc(1, sizeof(*s));

	if (zone) {
		s->zone = SPF_dns_zone_new(NULL, "outpost-test", 0);
		s->server = s->zone ? SPF_server_new_dns(s->zone, 0) : NULL;
	} else
		s->server = SPF_server_new(SPF_DNS_CACHE, 0);
	if (s->server == NULL)
		return (pd_spf_free(s));
	return (s);
}

int
pd_spf_zone_add(struct pd_spf *s, const char *name, const char *type,
    const char *data)
{
	ns_type	 t = strcmp(type, "TXT") == 0 ? ns_t_txt :
	    strcmp(type, "A") == 0 ? ns_t_a : strcmp(type, "AAAA") == 0 ?
	    ns_t_aaaa : ns_t_invalid;

	if (s->zone == NULL || t == ns_t_invalid)
		return (-1);
	return (SPF_dns_zone_add_str(s->zone, name, t, NETDB_SUCCESS, data)
	    == SPF_E_SUCCESS ? 0 : -1);
}

struct pd_spf *
pd_spf_free(struct pd_spf *s)
{
	if (s == NULL)
		return (NULL);
	if (s->server)
		SPF_server_free(s->server);
	if (s->zone)
		SPF_dns_free(s->zone);
	return (xfree(s));
}

/* spf_qualifier - the qualifier a mechanism needs to give result */
static int
spf_qualifier(SPF_result_t result)
{
	switch (result) {
	case SPF_RESULT_PASS:
		return ('+');
	case SPF_RESULT_FAIL:
		return ('-');
	case SPF_RESULT_SOFTFAIL:
		return ('~');
	case SPF_RESULT_NEUTRAL:
		return ('?');
	default:
		return (0);
	}
}

/* spf_contains - does the ip4:/ip6: mechanism m cover addr? 1, 0,
 * or -1 when m is another mechanism */
static int
spf_contains(const char *m, const char *addr)
{
	unsigned char net[16], ip[16];
	char	 text[64];
	const char *slash;
	int	 af, bits, len, i;

	if (strncmp(m, "ip4:", 4) == 0)
		af = AF_INET;
	else if (strncmp(m, "ip6:", 4) == 0)
		af = AF_INET6;
	else
		return (-1);
	len = af == AF_INET ? 4 : 16;
	m += 4;
	slash = strchr(m, '/');
	snprintf(text, sizeof(text), "%.*s", slash ? (int)(slash - m) :
	    (int)strlen(m), m);
	bits = slash ? atoi(slash + 1) : len * 8;
	if (inet_pton(af, text, net) != 1 || inet_pton(af, addr, ip) != 1)
		return (0);		/* the other family never matches */
	if (bits < 0 || bits > len * 8)
		return (0);
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - bits));

		if ((net[i] & mask) != (ip[i] & mask))
			return (0);
	}
	return (1);
}

/*
 * spf_mechanisms - name the mechanism that decided, into detail.
 * Mechanisms are tried in order and the first match decides, so of the
 * record's mechanisms with the result's qualifier the first that
 * matched did: ip4:/ip6: ones we can test ourselves, "all" always
 * matches; of the others (a, mx, include, ...) we cannot tell, and
 * then the candidates up to the decisive one are named.
 */
static void
spf_mechanisms(struct pd_spf *s, SPF_request_t *req, SPF_result_t result,
    const char *addr, struct buf *detail)
{
	SPF_response_t *resp = SPF_response_new(req);
	SPF_record_t *rec = NULL;
	char	*text = NULL, *w, *save, *mech[32];
	size_t	 len = 0;
	int	 q = spf_qualifier(result), n = 0, i, hit = 0;

	if (resp == NULL)
		return;
	if (q && SPF_server_get_record(s->server, req, resp, &rec)
	    == SPF_E_SUCCESS && rec != NULL
	    && SPF_record_stringify(rec, &text, &len) == SPF_E_SUCCESS && text) {
		for (w = strtok_r(text, " ", &save); w && n < 32 && !hit;
		    w = strtok_r(NULL, " ", &save)) {
			int	 wq = strchr("+-~?", *w) ? *w : '+';
			const char *m = strchr("+-~?", *w) ? w + 1 : w;

			if (strncmp(w, "v=", 2) == 0 || strchr(w, '=') != NULL
			    || wq != q)
				continue;	/* version, modifiers, others */
			switch (spf_contains(m, addr)) {
			case 0:
				continue;	/* did not match */
			case 1:
				hit = 1;	/* matched: decisive */
				break;
			default:
				hit = strcmp(m, "all") == 0;
				break;
			}
			mech[n++] = w;
		}
		if (n == 1)
			buf_printf(detail, "decided by %.*s", SPF_DETAIL_MAX,
			    mech[0]);
		else if (n > 1) {
			buf_puts(detail, "decided by one of");
			for (i = 0; i < n; i++)
				buf_printf(detail, " %.*s", SPF_DETAIL_MAX / 4,
				    mech[i]);
		}
	}
	free(text);
	if (rec)
		SPF_record_free(rec);
	SPF_response_free(resp);
}

const char *
pd_spf_check(struct pd_spf *s, const char *domain, const char *ip,
    struct buf *detail)
{
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	SPF_result_t result;
	SPF_reason_t reason;
	const char *comment;
	char	 sender[300];
	struct in6_addr a6;
	struct in_addr a4;
	SPF_errcode_t err;
	int	 i, rc, nerr;

	buf_reset(detail);
	snprintf(sender, sizeof(sender), "postmaster@%s", domain);
	if ((req = SPF_request_new(s->server)) == NULL) {
		buf_set(detail, "libspf2: out of memory");
		return ("temperror");
	}
	if (inet_pton(AF_INET, ip, &a4) == 1)
		rc = SPF_request_set_ipv4(req, a4);
	else if (inet_pton(AF_INET6, ip, &a6) == 1)
		rc = SPF_request_set_ipv6(req, a6);
	else
		rc = SPF_E_INVALID_IP4;
	if (rc != SPF_E_SUCCESS || SPF_request_set_env_from(req, sender) != 0) {
		buf_printf(detail, "%.60s: not an IP address, or %.260s not a "
		    "sender address", ip, sender);
		SPF_request_free(req);
		return ("permerror");
	}
	SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL) {
		buf_set(detail, "libspf2 gave no answer");
		SPF_request_free(req);
		return ("temperror");
	}
	result = SPF_response_result(resp);
	reason = SPF_response_reason(resp);
	/* Without a result, a DNS error anywhere makes it temporary. */
	err = resp->err;
	nerr = SPF_response_errors(resp);
	for (i = 0; i < SPF_response_messages(resp); i++)
		if (SPF_error_code(SPF_response_message(resp, i))
		    == SPF_E_DNS_ERROR)
			err = SPF_E_DNS_ERROR;
	if (reason == SPF_REASON_MECH)
		spf_mechanisms(s, req, result, ip, detail);
	else if (reason == SPF_REASON_DEFAULT)
		buf_puts(detail, "no mechanism matched (default)");
	for (i = 0; i < SPF_response_messages(resp) && i < 4; i++) {
		const char *m = SPF_error_message(SPF_response_message(resp, i));

		if (m && *m)
			buf_printf(detail, "%s%.200s", detail->len ? "; " : "",
			    m);
	}
	/* "host: domain of x designates ...": the host part is ours. */
	if ((comment = SPF_response_get_header_comment(resp)) != NULL
	    && strstr(comment, ": ") != NULL)
		comment = strstr(comment, ": ") + 2;
	if (comment && *comment)
		buf_printf(detail, "%s(%.200s)", detail->len ? " " : "",
		    comment);
	SPF_response_free(resp);
	SPF_request_free(req);
	/* Our own names, stable whatever the library version spells. */
	switch (result) {
	case SPF_RESULT_PASS:
		return ("pass");
	case SPF_RESULT_FAIL:
		return ("fail");
	case SPF_RESULT_SOFTFAIL:
		return ("softfail");
	case SPF_RESULT_NEUTRAL:
		return ("neutral");
	case SPF_RESULT_NONE:
		return ("none");
	case SPF_RESULT_PERMERROR:
		return ("permerror");
	case SPF_RESULT_INVALID:
		/* No result: a record that does not compile is permanent. */
		return (err == SPF_E_DNS_ERROR || nerr == 0 ? "temperror" :
		    "permerror");
	default:
		return ("temperror");
	}
}
