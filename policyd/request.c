/*
 * request - one Postfix policy delegation request
 * DESCRIPTION	The protocol of SMTPD_POLICY_README: "name=value" lines,
 *		an empty line ends the request. Attributes are copied into
 *		fixed fields as the lines arrive, so parsing allocates
 *		nothing; unknown names are skipped, so a newer Postfix
 *		with more attributes still works.
 * DIAGNOSTICS	A line outside the protocol is an error for the whole
 *		request: the caller logs it and closes the connection, and
 *		Postfix's smtpd then answers its client with a tempfail.
 * LIMITS	POLICY_ATTR_MAX lines per request; each kept attribute
 *		has its field's size (ADDR_MAX for addresses). The line
 *		bound, POLICY_LINE_MAX, is enforced by the reader.
 */
#include <stddef.h>
#include <string.h>

#include "parse.h"
#include "request.h"

struct pd_attr {
	const char *name;
	size_t	 namelen;
	size_t	 offset;
	size_t	 size;
};

#define PD_ATTR(n)	{#n, sizeof(#n) - 1, offsetof(struct pd_request, n), \
			 sizeof(((struct pd_request *)0)->n)}

static const struct pd_attr pd_attrs[] = {
	PD_ATTR(request),
	PD_ATTR(protocol_state),
	PD_ATTR(queue_id),
	PD_ATTR(instance),
	PD_ATTR(sender),
	PD_ATTR(recipient),
	PD_ATTR(sasl_username),
	PD_ATTR(client_address),
	{"recipient_count", 15,
		offsetof(struct pd_request, recipient_count_text),
	sizeof(((struct pd_request *)0)->recipient_count_text)},
};

void
pd_request_reset(struct pd_request *r)
{
	size_t	 i;

	for (i = 0; i < sizeof(pd_attrs) / sizeof(pd_attrs[0]); i++)
		((char *)r + pd_attrs[i].offset)[0] = 0;
	r->recipient_count = 0;
	r->nattr = 0;
}

int
pd_request_line(struct pd_request *r, const char *line, size_t len,
    const char **why)
{
	const char *eq;
	size_t	 i, nlen;

	if (len == 0) {
		if (r->recipient_count_text[0]) {
			uint64_t n;

			if (parse_uint(r->recipient_count_text, 0, UINT32_MAX,
			    &n, why) < 0) {
				*why = "bad recipient_count";
				return (-1);
			}
			r->recipient_count = (uint32_t)n;
		}
		return (1);
	}
	if (memchr(line, 0, len) != NULL) {
		*why = "NUL byte in request";
		return (-1);
	}
	if ((eq = memchr(line, '=', len)) == NULL || eq == line) {
		*why = "expected name=value";
		return (-1);
	}
	if (++r->nattr > POLICY_ATTR_MAX) {
		*why = "too many attributes (POLICY_ATTR_MAX)";
		return (-1);
	}
	nlen = (size_t)(eq - line);
	for (i = 0; i < sizeof(pd_attrs) / sizeof(pd_attrs[0]); i++) {
		const struct pd_attr *a = &pd_attrs[i];
		size_t	 vlen = len - nlen - 1;

		if (a->namelen != nlen || memcmp(a->name, line, nlen) != 0)
			continue;
		if (vlen >= a->size) {
			*why = "attribute value longer than its bound";
			return (-1);
		}
		memcpy((char *)r + a->offset, eq + 1, vlen);
		((char *)r + a->offset)[vlen] = 0;
		return (0);
	}
	return (0);
}
