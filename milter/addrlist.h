/* addrlist.h - RFC 5322 address lists: From:, Sender:, Reply-To: */
#ifndef ADDRLIST_H
#define ADDRLIST_H
#include <stddef.h>
#include "bounds.h"

#define MF_DISPLAY_MAX	512		/* one decoded display name, bytes:
					 * longer is refused, as a cut name
					 * could hide an address */

struct mf_addr {
	char	 addr[ADDR_MAX + 1];	/* local@domain: the local part as
					 * written, in quotes only when it
					 * needs them; the domain in lower
					 * case (domain literals kept [..]) */
	char	 display[MF_DISPLAY_MAX + 1];	/* display name, RFC 2047
					 * decoded, UTF-8, control characters
					 * made spaces; without a phrase, the
					 * text of the mailbox's comments
					 * ("a@b (Name)"); "" when neither */
};

/*
 * mf_addrlist_parse() - the mailboxes of an address-list header value
 * (folded or not) into out[0 .. *n - 1], in order. Members of a group
 * ("undisclosed: a@b, c@d;") are mailboxes; a group name is not, but one
 * that looks like an address is refused, since no mailbox would carry it.
 * Returns 0, or -1 with *why set (a static string) and *n = 0: malformed
 * (unbalanced quote, comment, <> or [], missing @ or domain, stray
 * characters), no address and no group at all, an empty <>, more than
 * max mailboxes, an address over ADDR_MAX bytes (also in a display
 * name), a display name over MF_DISPLAY_MAX. Never truncates. 0 with
 * *n == 0 means empty groups only ("undisclosed-recipients:;").
 */
int	 mf_addrlist_parse(const char *value, struct mf_addr *out, int max,
		    int *n, const char **why);

/*
 * mf_addrlist_display_addr() - 1 when the mailbox's display name holds
 * text that looks like an address (x@y.z; fullwidth "@" and "." count,
 * invisible characters are ignored) other than the mailbox's own (in any
 * case): that text goes to out, its domain in lower case. 0 when there
 * is none; -1 when it does not fit in len (ADDR_MAX + 1 always fits after
 * mf_addrlist_parse()).
 */
int	 mf_addrlist_display_addr(const struct mf_addr *, char *out,
		    size_t len);
/* mf_addrlist_display_addr_n() - the same for the i-th such text (from
 * 0): a display name may hold several, and a check must see them all */
int	 mf_addrlist_display_addr_n(const struct mf_addr *, int i, char *out,
		    size_t len);

#endif /* ADDRLIST_H */
