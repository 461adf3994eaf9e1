/* request.h - one Postfix policy delegation request */
#ifndef REQUEST_H
#define REQUEST_H
#include <stdint.h>
#include "bounds.h"

/* The attributes Outpost uses; others are counted and ignored. */
struct pd_request {
	char	 request[32];		/* smtpd_access_policy */
	char	 protocol_state[32];	/* RCPT, DATA, END-OF-MESSAGE */
	char	 queue_id[64];
	char	 instance[64];
	char	 sender[ADDR_MAX + 1];
	char	 recipient[ADDR_MAX + 1];
	char	 sasl_username[ADDR_MAX + 1];
	char	 client_address[64];
	char	 recipient_count_text[16];
	uint32_t recipient_count;
	int	 nattr;			/* lines seen, known or not */
};

/* pd_request_reset() - ready for the next request */
void	 pd_request_reset(struct pd_request *);
/*
 * pd_request_line() takes one line without its newline: it returns 0 for
 * an attribute, 1 for the empty line that ends the request, -1 with *why
 * set for a line the protocol does not allow (no "=", an empty name, a
 * NUL byte, a known attribute too long for its field, too many
 * attributes, a bad recipient_count).
 */
int	 pd_request_line(struct pd_request *, const char *line, size_t len,
		    const char **why);

#endif /* REQUEST_H */
