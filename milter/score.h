/* score.h - Rspamd's verdict on a message, as the milter applies it */
#ifndef SCORE_H
#define SCORE_H

#include <stddef.h>

#include "rspamd.h"
#include "spool.h"
#include "verdict.h"

/* What the milter knows of the message. */
struct mf_score_msg {
	const char *queue_id;
	const char *client_addr;
	const char *helo;		/* may be NULL */
	const char *hostname;		/* may be NULL */
	const char *sender;		/* "" for the null sender */
	const char *login;		/* or NULL */
	const char *rcpts;		/* NUL-separated */
	size_t	 rcpts_len;
};

/*
 * mf_score() - score the spooled message (rspamd_url must be set): the
 * verdict gets Rspamd's refusal or hold, or the failure action; the
 * result gets the header edits to make if the message goes on. Returns 1
 * when Rspamd answered, 0 when the message was not scored.
 */
int	 mf_score(struct mf_rspamd *, const struct mf_score_msg *,
		    struct mf_spool *, struct mf_rspamd_result *,
		    struct mf_verdict *);

void	 mf_score_register_checks(void);
/* mf_score_stats() - scored, failed and oversized messages so far */
void	 mf_score_stats(unsigned long *scored, unsigned long *failed,
		    unsigned long *too_big);

#endif /* SCORE_H */
