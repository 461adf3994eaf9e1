/*
 * dnstxt - TXT records from DNS, bounded
 * SYNOPSIS	dnstxt_lookup("s1._domainkey.example.org", 5, &txt, &why)
 * DESCRIPTION	One query through the system resolver (res_nquery(3),
 *		resolv.conf), with our own timeout and two tries, and a
 *		parse of the answer with ns_parserr(3). The character-
 *		strings of one record are joined without a separator, as
 *		RFC 6376 (DKIM) and RFC 7208 (SPF) join them. Answers that
 *		do not fit arrive over TCP, as the resolver retries a
 *		truncated one.
 * DIAGNOSTICS	NXDOMAIN and an empty answer are DNSTXT_NONE; SERVFAIL and
 *		a timeout are DNSTXT_TEMP, told apart in why; an answer
 *		beyond a bound (DNSTXT_RECORD_MAX bytes in a record,
 *		DNSTXT_STRINGS_MAX strings, DNSTXT_RECORDS_MAX records) is
 *		DNSTXT_BAD naming the bound, never cut.
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>
#include <string.h>

#include "dnstxt.h"
#include "mymalloc.h"

void
dnstxt_fini(struct dnstxt *txt)
{
	int	 i;

	for (i = 0; i < txt->n; i++)
		txt->rec[i] = xfree(txt->rec[i]);
	txt->n = 0;
}

/* dnstxt_record - one TXT RDATA: its strings joined; -1 with why set */
static int
dnstxt_record(const unsigned char *rd, size_t rdlen, struct dnstxt *txt,
    struct buf *why)
{
	char	 rec[DNSTXT_RECORD_MAX + 1];
	size_t	 off = 0, len = 0, slen;
	int	 strings = 0;

	while (off < rdlen) {
		slen = rd[off++];
		if (slen > rdlen - off) {
			buf_set(why, "TXT record: character-string runs past "
			    "the record");
			return (-1);
		}
		if (++strings > DNSTXT_STRINGS_MAX) {
			buf_printf(why, "TXT record of more than %d strings",
			    DNSTXT_STRINGS_MAX);
			return (-1);
		}
		if (len + slen > DNSTXT_RECORD_MAX) {
			buf_printf(why, "TXT record longer than %d bytes",
			    DNSTXT_RECORD_MAX);
			return (-1);
		}
		memcpy(rec + len, rd + off, slen);
		len += slen;
		off += slen;
	}
	if (txt->n == DNSTXT_RECORDS_MAX) {
		buf_printf(why, "more than %d TXT records at one name",
		    DNSTXT_RECORDS_MAX);
		return (-1);
	}
	rec[len] = 0;
	txt->nul[txt->n] = memchr(rec, 0, len) != NULL;
	txt->rec[txt->n++] = xstrndup(rec, len);
	return (0);
}

enum dnstxt_status
dnstxt_parse(const unsigned char *msg, size_t len, struct dnstxt *txt,
    struct buf *why)
{
	ns_msg	 h;
	ns_rr	 rr;
	int	 i, count;

	buf_reset(why);
	txt->n = 0;
	if (ns_initparse(msg, (int)len, &h) < 0) {
		buf_set(why, "DNS answer does not parse");
		return (DNSTXT_BAD);
	}
	count = ns_msg_count(h, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0) {
			buf_set(why, "DNS answer record does not parse");
			dnstxt_fini(txt);
			return (DNSTXT_BAD);
		}
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
			continue;	/* a CNAME on the way */
		if (dnstxt_record(ns_rr_rdata(rr), ns_rr_rdlen(rr), txt,
		    why) < 0) {
			dnstxt_fini(txt);
			return (DNSTXT_BAD);
		}
	}
	if (txt->n == 0) {
		buf_set(why, "no TXT record");
		return (DNSTXT_NONE);
	}
	return (DNSTXT_FOUND);
}

enum dnstxt_status
dnstxt_lookup(const char *name, int timeout, struct dnstxt *txt,
    struct buf *why)
{
	struct __res_state res;
	unsigned char *answer = xcalloc(1, DNSTXT_ANSWER_MAX);
	HEADER	*hp = (HEADER *)answer;
	enum dnstxt_status st;
	int	 n;

	txt->n = 0;
	buf_reset(why);
	memset(&res, 0, sizeof(res));
	if (res_ninit(&res) < 0) {
		buf_set(why, "cannot initialize the resolver");
		xfree(answer);
		return (DNSTXT_TEMP);
	}
	res.retrans = timeout;
	res.retry = 2;
	n = res_nquery(&res, name, ns_c_in, ns_t_txt, answer,
	    DNSTXT_ANSWER_MAX);
	if (n >= 0)
		st = dnstxt_parse(answer, (size_t)n, txt, why);
	else {
		switch (res.res_h_errno) {
		case HOST_NOT_FOUND:
			buf_set(why, "NXDOMAIN");
			st = DNSTXT_NONE;
			break;
		case NO_DATA:
			buf_set(why, "no TXT record");
			st = DNSTXT_NONE;
			break;
		case TRY_AGAIN:
			/* The answer's header is there when one came. */
			if (hp->qr && hp->rcode == SERVFAIL)
				buf_set(why, "DNS server failure (SERVFAIL)");
			else
				buf_printf(why, "no DNS answer within %ds "
				    "(timeout)", 2 * timeout);
			st = DNSTXT_TEMP;
			break;
		default:
			if (hp->qr && hp->rcode == REFUSED)
				buf_set(why, "DNS lookup refused (REFUSED)");
			else
				buf_printf(why, "DNS lookup failed (rcode %d)",
				    hp->qr ? (int)hp->rcode : -1);
			st = DNSTXT_TEMP;
			break;
		}
	}
	res_nclose(&res);
	xfree(answer);
	return (st);
}
