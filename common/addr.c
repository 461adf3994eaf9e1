/*
 * addr - mail addresses: parts, and lookups in access(5) order
 * DESCRIPTION	Every table keyed by address (sender_login_maps, the
 *		blocklist, rate_limit_maps) is searched in the order that
 *		Postfix's access(5) documents, so a table written for
 *		Postfix answers the same here. The address extension
 *		follows recipient_delimiter, as in Postfix: "user+ext"
 *		is tried first, then "user".
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bounds.h"

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return (at ? at + 1 : NULL);
}

int
addr_strip_ext(const char *addr, const char *delim, char *out, size_t outlen)
{
	const char *at = strrchr(addr, '@');
	size_t	 local = at ? (size_t)(at - addr) : strlen(addr);
	size_t	 cut;

	if (strlen(addr) >= outlen)
		return (-1);
	cut = (delim && *delim) ? strcspn(addr, delim) : local;
	/* As Postfix's split_addr(): these are never split. */
	if ((local == 10 && strncasecmp(addr, "postmaster", 10) == 0)
	    || (local == 13 && strncasecmp(addr, "MAILER-DAEMON", 13) == 0)
	    || (delim && strchr(delim, '-') && ((local > 6
	    && strncasecmp(addr, "owner-", 6) == 0) || (local > 8
	    && strncasecmp(addr + local - 8, "-request", 8) == 0))))
		cut = local;
	/* A delimiter at the start is part of the name, as in Postfix. */
	if (cut >= local || cut == 0) {
		strcpy(out, addr);
		return (0);
	}
	memcpy(out, addr, cut);
	strcpy(out + cut, addr + local);
	return (1);
}

/* addr_try - one key; FOUND/ERROR end the search */
static enum table_status
addr_try(struct table *t, const char *key, struct buf *val,
    struct buf *matched)
{
	enum table_status st = table_lookup(t, key, val);

	if (st == TABLE_FOUND && matched)
		buf_set(matched, key);
	return (st);
}

enum table_status
addr_lookup(struct table *t, const char *addr, const char *delim, int flags,
    struct buf *val, struct buf *matched)
{
	char	 key[ADDR_MAX + 2];
	const char *domain = addr_domain(addr), *d;
	enum table_status st;

	if (strlen(addr) > ADDR_MAX)
		return (TABLE_NOTFOUND);	/* never a key: see addr_valid */
	if ((st = addr_try(t, addr, val, matched)) != TABLE_NOTFOUND)
		return (st);
	if (addr_strip_ext(addr, delim, key, sizeof(key)) == 1
	    && (st = addr_try(t, key, val, matched)) != TABLE_NOTFOUND)
		return (st);
	if (domain == NULL)
		return (TABLE_NOTFOUND);
	if (flags & ADDR_LOCALPART) {
		char	 base[ADDR_MAX + 2];	/* "user@" without extension */

		addr_strip_ext(addr, delim, base, sizeof(base));
		base[addr_domain(base) - base] = 0;
		if ((st = addr_try(t, base, val, matched)) != TABLE_NOTFOUND)
			return (st);
	}
	for (d = domain; d && *d; d = (flags & ADDR_PARENT) ? strchr(d + 1, '.')
	    : NULL) {
		if (*d == '.')
			d++;
		if (*d == 0)		/* "example.org.": no empty domain */
			break;
		key[0] = '@';
		strcpy(key + 1, d);
		if ((st = addr_try(t, key, val, matched)) != TABLE_NOTFOUND)
			return (st);
	}
	return (TABLE_NOTFOUND);
}

int
addr_valid(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *s;

	if (at == NULL || at == addr || at[1] == 0 || strlen(addr) > ADDR_MAX)
		return (0);
	for (s = addr; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s)
		    || *s == '<' || *s == '>')
			return (0);
	return (1);
}
