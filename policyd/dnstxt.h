/* dnstxt.h - TXT records from DNS, bounded */
#ifndef DNSTXT_H
#define DNSTXT_H
#include <stddef.h>
#include "buf.h"

#define DNSTXT_RECORD_MAX	4096	/* one TXT record, strings joined: a
					 * DKIM RSA-4096 key needs ~800 */
#define DNSTXT_STRINGS_MAX	32	/* character-strings in one record */
#define DNSTXT_RECORDS_MAX	16	/* TXT records at one name */
#define DNSTXT_ANSWER_MAX	65536	/* a DNS message over TCP */

enum dnstxt_status {
	DNSTXT_FOUND,			/* n >= 1 records */
	DNSTXT_NONE,			/* NXDOMAIN, or no TXT at the name */
	DNSTXT_TEMP,			/* SERVFAIL, timeout: try again */
	DNSTXT_BAD			/* an answer past a bound, or broken */
};

struct dnstxt {
	int	 n;			/* records */
	char	*rec[DNSTXT_RECORDS_MAX];	/* each NUL-terminated, its
					 * strings joined as RFC 6376 and
					 * RFC 7208 join them */
	int	 nul[DNSTXT_RECORDS_MAX];	/* record holds a NUL byte */
};

/*
 * dnstxt_lookup() - the TXT records at name, with the system resolver
 * (resolv.conf); timeout is the seconds per try, two tries. Every
 * status but DNSTXT_FOUND sets why (DNSTXT_NONE too: "NXDOMAIN" or
 * "no TXT record"). The caller frees txt with dnstxt_fini().
 */
enum dnstxt_status dnstxt_lookup(const char *name, int timeout,
		    struct dnstxt *txt, struct buf *why);
/* dnstxt_parse() - the TXT records of a DNS answer message; the
 * network part of dnstxt_lookup(), apart for the tests */
enum dnstxt_status dnstxt_parse(const unsigned char *msg, size_t len,
		    struct dnstxt *txt, struct buf *why);
void	 dnstxt_fini(struct dnstxt *);

#endif /* DNSTXT_H */
