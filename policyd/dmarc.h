/* dmarc.h - DMARC policy records (RFC 7489) */
#ifndef DMARC_H
#define DMARC_H
#include "buf.h"

struct pd_dmarc {
	char	 p[12];			/* none, quarantine, reject */
	char	 sp[12];		/* subdomains; "" = same as p */
	char	 adkim;			/* 'r' relaxed (default), 's' strict */
	char	 aspf;			/* 'r', 's' */
	int	 pct;			/* 0..100, default 100 */
	int	 rua;			/* aggregate reports requested */
};

/* pd_dmarc_record() - is this TXT record a DMARC record at all (it
 * starts "v=DMARC1", RFC 7489 section 6.6.3)? */
int	 pd_dmarc_record(const char *txt);
/* pd_dmarc_parse() - one record into d; 0, or -1 with why set */
int	 pd_dmarc_parse(const char *txt, struct pd_dmarc *d, struct buf *why);

#endif /* DMARC_H */
