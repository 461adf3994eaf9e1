/* bounce_msg.h - what a bounce or complaint message says */
#ifndef BOUNCE_MSG_H
#define BOUNCE_MSG_H
#include <stddef.h>
#include "bounce.h"
#include "table.h"

enum pd_bmsg_kind {
	PD_BMSG_NONE,			/* not a bounce; why says what it was */
	PD_BMSG_DSN,			/* RFC 3464 multipart/report */
	PD_BMSG_TEXT,			/* a non-standard bounce (Exim, qmail..) */
	PD_BMSG_ARF,			/* RFC 5965 feedback report */
	PD_BMSG_AUTOREPLY		/* RFC 3834 or out-of-office: ignored */
};

struct pd_bmsg {
	enum pd_bmsg_kind kind;
	char	 why[128];		/* a one-line account of the outcome */
	char	 sender[ADDR_MAX + 1];	/* original sender, or empty; for a
					 * complaint the sender domain */
	size_t	 n;			/* recipients */
	struct pd_bounce_rcpt rcpt[BOUNCE_RCPT_MAX];
	int	 map_error;		/* bounce_classifier_maps failed */
};

/*
 * pd_bmsg_parse() - examine one message of len bytes (at most
 * BOUNCE_MSG_MAX: the caller reads no more, and says so with
 * truncated) and classify each recipient found with maps. It never
 * fails: anything it cannot read is kind PD_BMSG_NONE with why set.
 * m is the caller's (large: allocate it).
 */
void	 pd_bmsg_parse(const char *data, size_t len, int truncated,
		    struct table *maps, struct pd_bmsg *m);
const char *pd_bmsg_kind_name(enum pd_bmsg_kind);

#endif /* BOUNCE_MSG_H */
