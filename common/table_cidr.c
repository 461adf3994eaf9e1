/*
 * table_cidr - CIDR-pattern lookup table
 * SYNOPSIS	table_open("cidr:/etc/outpost/trusted_networks", flags, &err)
 * DESCRIPTION	One rule per logical line, "network/prefix  value", or a
 *		bare address; IPv4 and IPv6; first match wins. The source
 *		format of cidr_table(5). Keys looked up are IP addresses
 *		in text form; an IPv4-mapped IPv6 key matches IPv4 rules.
 * DIAGNOSTICS	A bad rule is logged as "file, line N: reason: skipping
 *		this rule" and ignored, or with TABLE_STRICT fails the
 *		open. A network with host bits set is refused, as Postfix
 *		does, because it nearly always means a typo.
 * LIMITS	TABLE_LINE_MAX bytes per logical line.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "lineread.h"
#include "msg.h"
#include "mymalloc.h"
#include "parse.h"
#include "table.h"

struct cidr_rule {
	int	 family;		/* AF_INET or AF_INET6 */
	unsigned char net[16];
	unsigned prefix;
	char	*value;
};

struct cidr_table {
	struct cidr_rule *rule;
	size_t	 count;
	size_t	 size;
};

/* cidr_match - does addr (family-sized bytes) fall in the rule? */
static int
cidr_match(const struct cidr_rule *r, const unsigned char *addr)
{
	unsigned full = r->prefix / 8, rest = r->prefix % 8;

	if (memcmp(r->net, addr, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((r->net[full] ^ addr[full]) & (0xff << (8 - rest)) & 0xff) == 0);
}

/* cidr_parse_rule - parse "net/len value"; 0, or -1 with *why set */
static int
cidr_parse_rule(char *line, struct cidr_rule *rule, const char **why)
{
	char	*pat = line, *value = line + strcspn(line, " \t"), *slash;
	unsigned bits, i;
	uint64_t len;

	if (*value)
		*value++ = 0;
	value += strspn(value, " \t");
	if (*value == 0) {
		*why = "expected \"network/prefix value\"";
		return (-1);
	}
	if ((slash = strchr(pat, '/')) != NULL)
		*slash++ = 0;
	if (pat[0] == '[' && pat[strlen(pat) - 1] == ']') {
		pat[strlen(pat) - 1] = 0;	/* [::1] as Postfix allows */
		pat++;
	}
	if (inet_pton(AF_INET, pat, rule->net) == 1) {
		rule->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, pat, rule->net) == 1) {
		rule->family = AF_INET6;
		bits = 128;
	} else {
		*why = "bad network address";
		return (-1);
	}
	len = bits;
	if (slash && parse_uint(slash, 0, bits, &len, why) < 0) {
		*why = "bad network prefix length";
		return (-1);
	}
	rule->prefix = (unsigned)len;
	for (i = rule->prefix; i < bits; i++)
		if (rule->net[i / 8] & (0x80 >> (i % 8))) {
			*why = "non-null host address bits, use the network "
			    "address";
			return (-1);
		}
	rule->value = xstrdup(value);
	return (0);
}

static void
cidr_close(void *handle)
{
	struct cidr_table *t = handle;
	size_t	 i;

	for (i = 0; i < t->count; i++)
		xfree(t->rule[i].value);
	xfree(t->rule);
	xfree(t);
}

static void *
cidr_open(const char *path, int flags, struct buf *err)
{
	struct cidr_table *t = xcalloc(1, sizeof(*t));
	struct lineread lr;
	struct buf line;
	int	 st;

	if (lineread_open(&lr, path, LINEREAD_SECURE, err) < 0)
		return (xfree(t));
	buf_init(&line, TABLE_LINE_MAX);
	while ((st = lineread_next(&lr, &line, err)) > 0) {
		struct cidr_rule rule;
		const char *why;

		memset(&rule, 0, sizeof(rule));
		if (cidr_parse_rule(line.data, &rule, &why) < 0) {
			if (flags & TABLE_STRICT) {
				buf_printf(err, "%s, line %d: %s", path,
				    lr.lineno, why);
				st = -1;
				break;
			}
			msg_warn("%s, line %d: %s: skipping this rule", path,
			    lr.lineno, why);
			continue;
		}
		if (t->count == t->size) {
			t->size = t->size ? 2 * t->size : 16;
			t->rule = xrealloc(t->rule, t->size * sizeof(*t->rule));
		}
		t->rule[t->count++] = rule;
	}
	lineread_close(&lr);
	buf_fini(&line);
	if (st < 0) {
		cidr_close(t);
		return (NULL);
	}
	return (t);
}

static enum table_status
cidr_lookup(void *handle, const char *key, struct buf *val)
{
	struct cidr_table *t = handle;
	unsigned char addr[16], v4[4];
	int	 family, mapped = 0;
	size_t	 i;

	if (inet_pton(AF_INET, key, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, key, addr) == 1) {
		family = AF_INET6;
		/* ::ffff:a.b.c.d also matches IPv4 rules */
		static const unsigned char prefix[12] =
		    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		if (memcmp(addr, prefix, 12) == 0) {
			memcpy(v4, addr + 12, 4);
			mapped = 1;
		}
	} else
		return (TABLE_NOTFOUND);
	for (i = 0; i < t->count; i++) {
		const struct cidr_rule *r = &t->rule[i];

		if ((r->family == family && cidr_match(r, addr))
		    || (mapped && r->family == AF_INET && cidr_match(r, v4)))
			return (buf_set(val, r->value) < 0 ?
			    TABLE_ERROR : TABLE_FOUND);
	}
	return (TABLE_NOTFOUND);
}

const struct table_ops table_cidr_ops = {
	.type = "cidr",
	.open = cidr_open,
	.lookup = cidr_lookup,
	.close = cidr_close,
};
