/* sender.h - who may send as whom: sender_login_maps, trusted_networks */
#ifndef SENDER_H
#define SENDER_H
#include "verdict.h"

struct mf_sender_ctx {
	const char *login;		/* {auth_authen}, or NULL/"" */
	const char *client_addr;	/* "192.0.2.1" */
};

/* The envelope sender (MAIL FROM, without <>); "" is the null sender. */
enum check_result mf_sender_envelope(const struct mf_sender_ctx *,
		    const char *sender, struct mf_verdict *);
/* One From: or Sender: header (hname as sent, value unfolded or not). */
enum check_result mf_sender_header(const struct mf_sender_ctx *,
		    const char *hname, const char *value, struct mf_verdict *);

/* mf_sender_register_checks() - make cfg_load() refuse a
 * sender_login_check that is not "envelope", "header" or both */
void	 mf_sender_register_checks(void);

#endif /* SENDER_H */
