/*
 * bounce - classify a bounce by its DSN status and remote reply
 * SYNOPSIS	pd_bounce_classify(var_bounce_classifier_maps, &r);
 * DESCRIPTION	The classes: hard (the address or its domain does not
 *		exist: 5.1.1, 5.1.2, 5.1.6, 5.1.10, a disabled mailbox),
 *		soft (4.x.x, mailbox full, quota, other failures that are
 *		not the address's fault), policy (5.7.x and replies that
 *		blame the sender: blocklisted IP, spam, DMARC, rate
 *		limits), complaint (ARF reports; never from text) and
 *		none.
 *
 *		The rules are data. bounce_classifier_maps comes first:
 *		its key is the remote reply text ("550 5.1.1 <a@b>: User
 *		unknown"), its value "CLASS" or "CLASS NAME", so that a
 *		regexp: table written by the postmaster overrides any
 *		built-in rule; the rule reported is then "maps:NAME" (or
 *		"maps"). Then the built-in rules below, first match wins:
 *		each has an optional status pattern ("5.1.1" exact, "5.7."
 *		a prefix, "5" any permanent, "4" any temporary) and an
 *		optional substring of the lower-cased reply. Substrings,
 *		not regular expressions: a log replay classifies hundreds
 *		of thousands of lines per second.
 * LIMITS	BOUNCE_REPLY_MAX bytes of reply are kept and examined.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bounce.h"
#include "buf.h"
#include "msg.h"

static const char *bounce_classes[PD_BOUNCE_CLASSES] = {
	"none", "hard", "soft", "policy", "complaint",
};

struct bounce_rule {
	const char *name;
	const char *status;		/* NULL: any status, or none */
	const char *text;		/* NULL: any text; lower case */
	enum pd_bounce_class class;
};

/*
 * Order matters: replies that blame the sender first (a 5.1.1 that says
 * "listed at spamhaus" is about the relay, not the address), then the
 * text of dead addresses (only permanent: a 4.1.1 is Postfix's
 * soft_bounce or a greylist), then full mailboxes, then the status.
 */
static const struct bounce_rule bounce_rules[] = {
	/* Office 365 directory-based edge blocking: the address is gone. */
	{"o365-access-denied", "5.4.1", "recipient address rejected: access "
	"denied", PD_BOUNCE_HARD},
	{"text-blocklist", NULL, "blocklist", PD_BOUNCE_POLICY},
	{"text-blacklist", NULL, "blacklist", PD_BOUNCE_POLICY},
	{"text-block-list", NULL, "block list", PD_BOUNCE_POLICY},
	{"text-listed-at", NULL, "listed at", PD_BOUNCE_POLICY},
	{"text-listed-in", NULL, "listed in", PD_BOUNCE_POLICY},
	{"text-listed-on", NULL, "listed on", PD_BOUNCE_POLICY},
	{"text-blocked-using", NULL, "blocked using", PD_BOUNCE_POLICY},
	{"text-spamhaus", NULL, "spamhaus", PD_BOUNCE_POLICY},
	{"text-spamcop", NULL, "spamcop", PD_BOUNCE_POLICY},
	{"text-dnsbl", NULL, "dnsbl", PD_BOUNCE_POLICY},
	{"text-reputation", NULL, "reputation", PD_BOUNCE_POLICY},
	{"text-spam", NULL, "spam", PD_BOUNCE_POLICY},
	{"text-unsolicited", NULL, "unsolicited", PD_BOUNCE_POLICY},
	{"text-dmarc", NULL, "dmarc", PD_BOUNCE_POLICY},
	{"text-spf", NULL, "spf", PD_BOUNCE_POLICY},
	{"text-dkim", NULL, "dkim", PD_BOUNCE_POLICY},
	{"text-rate-limit", NULL, "rate limit", PD_BOUNCE_POLICY},
	{"text-rate-limited", NULL, "rate-limit", PD_BOUNCE_POLICY},
	{"text-ratelimit", NULL, "ratelimit", PD_BOUNCE_POLICY},
	{"text-unusual-rate", NULL, "unusual rate", PD_BOUNCE_POLICY},
	{"text-too-many", NULL, "too many messages", PD_BOUNCE_POLICY},
	{"text-too-many-conn", NULL, "too many connections",
	PD_BOUNCE_POLICY},
	{"text-volume", NULL, "unexpected volume", PD_BOUNCE_POLICY},
	{"text-complaints", NULL, "complaints", PD_BOUNCE_POLICY},
	{"text-relay-denied", NULL, "relay access denied", PD_BOUNCE_POLICY},
	{"text-relaying-denied", NULL, "relaying denied", PD_BOUNCE_POLICY},
	{"text-policy", NULL, "policy", PD_BOUNCE_POLICY},

	{"text-user-unknown", "5", "user unknown", PD_BOUNCE_HARD},
	{"text-unknown-user", "5", "unknown user", PD_BOUNCE_HARD},
	{"text-unknown-recipient", "5", "unknown recipient", PD_BOUNCE_HARD},
	{"text-recipient-unknown", "5", "recipient unknown", PD_BOUNCE_HARD},
	{"text-no-such-user", "5", "no such user", PD_BOUNCE_HARD},
	{"text-no-such-mailbox", "5", "no such mailbox", PD_BOUNCE_HARD},
	{"text-no-such-recipient", "5", "no such recipient", PD_BOUNCE_HARD},
	{"text-does-not-exist", "5", "does not exist", PD_BOUNCE_HARD},
	{"text-doesnt-exist", "5", "doesn't exist", PD_BOUNCE_HARD},
	{"text-doesnt-have", "5", "doesn't have a", PD_BOUNCE_HARD},
	{"text-not-found", "5", "recipient not found", PD_BOUNCE_HARD},
	{"text-mailbox-not-found", "5", "mailbox not found", PD_BOUNCE_HARD},
	{"text-invalid-recipient", "5", "invalid recipient", PD_BOUNCE_HARD},
	{"text-invalid-mailbox", "5", "invalid mailbox", PD_BOUNCE_HARD},
	{"text-unrouteable", "5", "unrouteable address", PD_BOUNCE_HARD},
	{"text-no-mailbox-here", "5", "no mailbox here", PD_BOUNCE_HARD},
	{"text-mailbox-unavailable", "5", "mailbox unavailable",
	PD_BOUNCE_HARD},
	{"text-mailbox-disabled", "5", "mailbox disabled", PD_BOUNCE_HARD},
	{"text-mailbox-is-disabled", "5", "mailbox is disabled",
	PD_BOUNCE_HARD},
	{"text-account-disabled", "5", "account disabled", PD_BOUNCE_HARD},
	{"text-account-has-been-disabled", "5", "account has been disabled",
	PD_BOUNCE_HARD},
	{"text-account-is-disabled", "5", "account is disabled",
	PD_BOUNCE_HARD},
	{"text-null-mx", "5", "null mx", PD_BOUNCE_HARD},
	{"text-does-not-accept-mail", "5", "does not accept mail",
	PD_BOUNCE_HARD},
	{"text-host-not-found", "5", "host or domain name not found",
	PD_BOUNCE_HARD},
	{"text-domain-not-found", "5", "domain not found", PD_BOUNCE_HARD},
	{"text-has-moved", "5", "has moved", PD_BOUNCE_HARD},

	{"text-mailbox-full", NULL, "mailbox full", PD_BOUNCE_SOFT},
	{"text-mailbox-is-full", NULL, "mailbox is full", PD_BOUNCE_SOFT},
	{"text-quota", NULL, "quota", PD_BOUNCE_SOFT},
	{"text-insufficient-storage", NULL, "insufficient system storage",
	PD_BOUNCE_SOFT},

	{"status-5.1.1", "5.1.1", NULL, PD_BOUNCE_HARD},
	{"status-5.1.2", "5.1.2", NULL, PD_BOUNCE_HARD},
	{"status-5.1.3", "5.1.3", NULL, PD_BOUNCE_HARD},
	{"status-5.1.6", "5.1.6", NULL, PD_BOUNCE_HARD},
	{"status-5.1.10", "5.1.10", NULL, PD_BOUNCE_HARD},
	{"status-5.2.1", "5.2.1", NULL, PD_BOUNCE_HARD},
	{"status-5.2.2", "5.2.2", NULL, PD_BOUNCE_SOFT},
	{"status-5.7", "5.7.", NULL, PD_BOUNCE_POLICY},
	{"status-4", "4", NULL, PD_BOUNCE_SOFT},
	{"status-5-other", "5", NULL, PD_BOUNCE_SOFT},
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const char *
pd_bounce_class_name(enum pd_bounce_class c)
{
	return ((size_t)c < PD_BOUNCE_CLASSES ? bounce_classes[c] : "none");
}

int
pd_bounce_class_parse(const char *name, enum pd_bounce_class *c)
{
	size_t	 i;

	for (i = 0; i < PD_BOUNCE_CLASSES; i++)
		if (strcasecmp(name, bounce_classes[i]) == 0) {
			*c = (enum pd_bounce_class)i;
			return (0);
		}
	return (-1);
}

/* bounce_digits - 1..max digits at *sp; 0 when none or too many */
static int
bounce_digits(const char **sp, int max)
{
	const char *s = *sp;
	int	 n = 0;

	while (isdigit((unsigned char)*s)) {
		s++;
		if (++n > max)
			return (0);
	}
	*sp = s;
	return (n > 0);
}

/* bounce_status_at - is there a status at s? its length, or 0 */
static size_t
bounce_status_at(const char *s)
{
	const char *p = s;

	if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
		return (0);
	p += 2;
	if (!bounce_digits(&p, 3) || *p != '.')
		return (0);
	p++;
	if (!bounce_digits(&p, 3))
		return (0);
	return ((size_t)(p - s));
}

int
pd_bounce_status_valid(const char *s)
{
	size_t	 n = bounce_status_at(s);

	return (n > 0 && s[n] == 0);
}

int
pd_bounce_status_find(const char *text, char *out)
{
	const char *s;
	size_t	 n;

	for (s = text; *s; s++) {
		if (s > text && (isalnum((unsigned char)s[-1]) || s[-1] == '.'))
			continue;
		if ((n = bounce_status_at(s)) > 0 && n < PD_BOUNCE_STATUS_MAX
		    && !isalnum((unsigned char)s[n])
		    && !(s[n] == '.' && isdigit((unsigned char)s[n + 1]))) {
			memcpy(out, s, n);
			out[n] = 0;
			return (1);
		}
	}
	return (0);
}

void
pd_bounce_set_reply(struct pd_bounce_rcpt *r, const char *text, size_t len)
{
	size_t	 i, o = 0;
	int	 space = 0;

	for (i = 0; i < len && o < sizeof(r->reply) - 1; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = o > 0;
			continue;
		}
		if (space && o < sizeof(r->reply) - 2)
			r->reply[o++] = ' ';
		space = 0;
		r->reply[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	r->reply[o] = 0;
}

int
pd_bounce_set_address(struct pd_bounce_rcpt *r, const char *addr, size_t len)
{
	size_t	 i;

	r->address[0] = 0;
	while (len > 0 && isspace((unsigned char)*addr)) {
		addr++;
		len--;
	}
	if (len >= 7 && strncasecmp(addr, "rfc822;", 7) == 0) {
		addr += 7;
		len -= 7;
	}
	while (len > 0 && isspace((unsigned char)*addr)) {
		addr++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)addr[len - 1]))
		len--;
	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
		addr++;
		len -= 2;
	}
	if (len == 0 || len > ADDR_MAX)
		return (-1);
	for (i = 0; i < len; i++)
		r->address[i] = (char)tolower((unsigned char)addr[i]);
	r->address[len] = 0;
	if (memchr(addr, 0, len) != NULL || !addr_valid(r->address)) {
		r->address[0] = 0;
		return (-1);
	}
	return (0);
}

/* bounce_status_match - does status s fit pattern p (see above)? */
static int
bounce_status_match(const char *p, const char *s)
{
	size_t	 plen = strlen(p);

	if (plen == 1)			/* "4", "5": the class digit */
		return (s[0] == p[0]);
	if (p[plen - 1] == '.')
		return (strncmp(s, p, plen) == 0);
	return (strcmp(s, p) == 0);
}

/* bounce_reply_class - the reply's own SMTP code when there is no
 * status: "550 ..." counts as "5", "450 ..." as "4" */
static char
bounce_reply_class(const struct pd_bounce_rcpt *r)
{
	if (r->status[0])
		return (r->status[0]);
	if ((r->reply[0] == '4' || r->reply[0] == '5')
	    && isdigit((unsigned char)r->reply[1])
	    && isdigit((unsigned char)r->reply[2]))
		return (r->reply[0]);
	return (0);
}

/* bounce_maps - bounce_classifier_maps: 1 decided, 0 not, -1 error */
static int
bounce_maps(struct table *maps, struct pd_bounce_rcpt *r)
{
	struct buf val;
	char	 cls[16];
	const char *v, *name;
	size_t	 n;
	int	 rc = 0;

	buf_init(&val, TABLE_VALUE_MAX);
	switch (table_lookup(maps, r->reply[0] ? r->reply : r->status, &val)) {
	case TABLE_FOUND:
		v = buf_str(&val);
		n = strcspn(v, " \t");
		name = v + n + strspn(v + n, " \t");
		if (n >= sizeof(cls)) {
			msg_warn("%s: bad class \"%.20s\" for \"%.60s\": ignored",
			    table_name(maps), v, r->reply);
			break;
		}
		memcpy(cls, v, n);
		cls[n] = 0;
		if (pd_bounce_class_parse(cls, &r->class) < 0) {
			msg_warn("%s: bad class \"%s\" for \"%.60s\": ignored",
			    table_name(maps), cls, r->reply);
			break;
		}
		snprintf(r->rule, sizeof(r->rule), "maps%s%.*s", *name ? ":" :
		    "", (int)(sizeof(r->rule) - 6), name);
		rc = 1;
		break;
	case TABLE_NOTFOUND:
		break;
	case TABLE_ERROR:
		msg_warn("%s: lookup error for \"%.60s\"", table_name(maps),
		    r->reply);
		rc = -1;
		break;
	}
	buf_fini(&val);
	return (rc);
}

int
pd_bounce_classify(struct table *maps, struct pd_bounce_rcpt *r)
{
	char	 low[BOUNCE_REPLY_MAX], st[2] = {0, 0};
	const struct bounce_rule *br;
	const char *status;
	size_t	 i;
	int	 rc = 0;

	if (maps != NULL && (rc = bounce_maps(maps, r)) == 1)
		return (0);
	for (i = 0; r->reply[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)r->reply[i]);
	low[i] = 0;
	/* Without a status, a rule on "5" or "4" sees the reply's code. */
	status = r->status;
	if (*status == 0 && (st[0] = bounce_reply_class(r)) != 0)
		status = st;
	for (br = bounce_rules; br < bounce_rules + NELEM(bounce_rules); br++) {
		if (br->status && (*status == 0
		    || !bounce_status_match(br->status, status)))
			continue;
		if (br->text && strstr(low, br->text) == NULL)
			continue;
		r->class = br->class;
		snprintf(r->rule, sizeof(r->rule), "%s", br->name);
		return (rc);
	}
	/* A failure without a status or code: not enough to act on. */
	r->class = status[0] == '2' ? PD_BOUNCE_NONE : PD_BOUNCE_SOFT;
	snprintf(r->rule, sizeof(r->rule), "%s", status[0] == '2' ?
	    "status-2" : "default");
	return (rc);
}
