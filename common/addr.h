/* addr.h - mail addresses: parts, and lookups in access(5) order */
#ifndef ADDR_H
#define ADDR_H
#include "buf.h"
#include "table.h"

#define ADDR_PARENT	(1<<0)		/* @example.org matches subdomains */
#define ADDR_LOCALPART	(1<<1)		/* try "user@" after the domain */

/* addr_domain() - the text after the last @, or NULL */
const char *addr_domain(const char *addr);
/* addr_strip_ext() - copy of addr without its extension into out;
 * 1 when an extension was removed, 0 when there was none, -1 when the
 * result does not fit (outlen). delim is recipient_delimiter ("" = none). */
int	 addr_strip_ext(const char *addr, const char *delim, char *out,
		    size_t outlen);
/*
 * addr_lookup() - look addr up as Postfix's access(5) does:
 * user+ext@domain, user@domain, (user@ with ADDR_LOCALPART), @domain,
 * then @parent.domain ... with ADDR_PARENT. The key that matched goes to
 * matched when it is not NULL. An error stops the search: it is never
 * "not found".
 */
enum table_status addr_lookup(struct table *, const char *addr,
		    const char *delim, int flags, struct buf *val,
		    struct buf *matched);
/* addr_valid() - a plausible mailbox: one @, nothing empty, no white space
 * or control characters, within ADDR_MAX */
int	 addr_valid(const char *addr);

#endif /* ADDR_H */
