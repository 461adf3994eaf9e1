/* bounce.h - bounce classification: classes, rules, parsed results */
#ifndef BOUNCE_H
#define BOUNCE_H
#include <stdint.h>
#include "bounds.h"
#include "table.h"

enum pd_bounce_class {
	PD_BOUNCE_NONE,			/* not a bounce (or an auto-reply) */
	PD_BOUNCE_HARD,			/* the address or domain is dead */
	PD_BOUNCE_SOFT,			/* temporary, or not the address */
	PD_BOUNCE_POLICY,		/* the remote end blames the sender */
	PD_BOUNCE_COMPLAINT,		/* an ARF feedback-loop report */
	PD_BOUNCE_CLASSES
};

#define PD_BOUNCE_RULE_MAX	64	/* a rule's name */
#define PD_BOUNCE_STATUS_MAX	16	/* "5.1.10" */

/* One recipient of a bounce or one log line, as classified. */
struct pd_bounce_rcpt {
	char	 address[ADDR_MAX + 1];	/* lower case; may be empty */
	enum pd_bounce_class class;
	char	 status[PD_BOUNCE_STATUS_MAX];	/* DSN status, or empty */
	char	 reply[BOUNCE_REPLY_MAX];	/* remote reply, printable */
	char	 rule[PD_BOUNCE_RULE_MAX];	/* what decided */
};

const char *pd_bounce_class_name(enum pd_bounce_class);
/* pd_bounce_class_parse() - the inverse; -1 for an unknown name */
int	 pd_bounce_class_parse(const char *, enum pd_bounce_class *);

/*
 * pd_bounce_classify() - set r->class and r->rule from r->status and
 * r->reply: first maps (bounce_classifier_maps, may be NULL) with the
 * reply text as key and "CLASS [NAME]" as value, then the built-in
 * rules. Returns 0, or -1 when a map lookup failed (r->class is then
 * the built-in answer, and the caller decides whether to go on).
 */
int	 pd_bounce_classify(struct table *maps, struct pd_bounce_rcpt *r);

/* pd_bounce_status_find() - the first "D.D{1,3}.D{1,3}" status in text
 * (D of 2, 4 or 5) into out[PD_BOUNCE_STATUS_MAX]; 1 found, 0 not */
int	 pd_bounce_status_find(const char *text, char *out);
/* pd_bounce_status_valid() - "2.X.Y", "4.X.Y" or "5.X.Y" */
int	 pd_bounce_status_valid(const char *);
/* pd_bounce_set_reply() - printable, single-line copy of text (len
 * bytes) into r->reply, white space runs folded; longer text is cut at
 * BOUNCE_REPLY_MAX - 1 bytes (the reply is informative only) */
void	 pd_bounce_set_reply(struct pd_bounce_rcpt *, const char *text,
		    size_t len);
/* pd_bounce_set_address() - lower-case copy of an address, without
 * <> and an "rfc822;" type; 0, or -1 when it is not a plausible
 * mailbox (address left empty) */
int	 pd_bounce_set_address(struct pd_bounce_rcpt *, const char *addr,
		    size_t len);

#endif /* BOUNCE_H */
