/* rspamd.h - one message scored by Rspamd over its HTTP API */
#ifndef RSPAMD_H
#define RSPAMD_H

#include <stddef.h>

#include "buf.h"
#include "spool.h"

enum mf_rspamd_action {
	MF_RSPAMD_NO_ACTION,
	MF_RSPAMD_GREYLIST,
	MF_RSPAMD_ADD_HEADER,
	MF_RSPAMD_REWRITE_SUBJECT,
	MF_RSPAMD_SOFT_REJECT,
	MF_RSPAMD_REJECT,
};

/* What the milter knows of the message, as Rspamd's request headers. */
struct mf_rspamd_query {
	const char *url;		/* rspamd_url, without /checkv2 */
	unsigned timeout_ms;
	const char *queue_id;
	const char *ip;
	const char *helo;		/* may be NULL */
	const char *hostname;		/* may be NULL */
	const char *from;		/* envelope sender, "" for <> */
	const char *rcpts;		/* NUL-separated, rcpts_len bytes */
	size_t	 rcpts_len;
	const char *user;		/* SASL login, or NULL */
	const char *settings_id;	/* or NULL */
};

/* A header edit Rspamd asks for (its reply's "milter" object). */
struct mf_rspamd_header {
	char	*name;
	char	*value;			/* NULL: remove */
	int	 index;			/* add: insert position, -1 append;
					 * remove: occurrence, 0 all,
					 * negative from the last */
};

struct mf_rspamd_result {
	enum mf_rspamd_action action;
	double	 score;
	double	 required;
	struct buf message;		/* Rspamd's SMTP message, or empty */
	struct buf symbols;		/* the top symbols, for the log */
	struct mf_rspamd_header *headers;
	size_t	 nheaders;
	struct buf error;		/* why scoring failed */
};

struct mf_rspamd;			/* one HTTP client, kept alive */

/* mf_rspamd_global_init() - once, before any thread starts */
void	 mf_rspamd_global_init(void);
struct mf_rspamd *mf_rspamd_create(void);
void	 mf_rspamd_free(struct mf_rspamd *);

void	 mf_rspamd_result_init(struct mf_rspamd_result *);
void	 mf_rspamd_result_fini(struct mf_rspamd_result *);

/* mf_rspamd_check() - 0 with the result, or -1 with result->error */
int	 mf_rspamd_check(struct mf_rspamd *, const struct mf_rspamd_query *,
		    struct mf_spool *, struct mf_rspamd_result *);

/* mf_rspamd_parse() - Rspamd's JSON reply into a result; 0 or -1 */
int	 mf_rspamd_parse(const char *json, size_t len,
		    struct mf_rspamd_result *);

/* mf_rspamd_header_add() - one more edit (value NULL: a removal), within
 * the bound; a bad name or an overlong value is logged and dropped */
void	 mf_rspamd_header_add(struct mf_rspamd_result *, const char *name,
		    const char *value, int index);

const char *mf_rspamd_action_name(enum mf_rspamd_action);

#endif /* RSPAMD_H */
