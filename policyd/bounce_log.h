/* bounce_log.h - one line of Postfix's mail log, as bounce ingestion
 * needs it */
#ifndef BOUNCE_LOG_H
#define BOUNCE_LOG_H
#include <stddef.h>
#include <stdint.h>
#include "bounce.h"
#include "table.h"

enum pd_blog_kind {
	PD_BLOG_OTHER,			/* nothing for us */
	PD_BLOG_RCPT,			/* "QID: to=<..>, ..., status=WORD (..)" */
	PD_BLOG_FROM,			/* "QID: from=<..>, size=.." */
	PD_BLOG_EXPIRED,		/* "QID: from=<..>, status=expired, .." */
	PD_BLOG_REMOVED			/* "QID: removed" */
};

#define PD_BLOG_QID_MAX		32	/* long queue IDs are 12-16 bytes */

struct pd_blog {
	enum pd_blog_kind kind;
	int64_t	 time;			/* from the line's time stamp */
	char	 queue_id[PD_BLOG_QID_MAX];
	char	 word[16];		/* sent, bounced, deferred, expired */
	char	 sender[ADDR_MAX + 1];	/* PD_BLOG_FROM, PD_BLOG_EXPIRED */
	struct pd_bounce_rcpt rcpt;	/* PD_BLOG_RCPT: classified */
	int	 map_error;		/* bounce_classifier_maps failed */
};

/*
 * pd_blog_parse() - parse one line (len bytes, no newline) of a mail log
 * in syslog's "Mon DD HH:MM:SS" or RFC 3339 time format, classifying a
 * recipient with maps: status=sent is none, bounced and deferred as
 * pd_bounce_classify() says (deferred never hard), expired soft. now
 * dates a line without a year. Returns l->kind; a line it cannot read
 * is PD_BLOG_OTHER.
 */
enum pd_blog_kind pd_blog_parse(const char *line, size_t len, int64_t now,
		    struct table *maps, struct pd_blog *l);

#endif /* BOUNCE_LOG_H */
