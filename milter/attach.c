/*
 * attach - the attachment allowlist
 * DESCRIPTION	An allowlist, not a denylist: a file name passes only when
 *		its extension is on the sender's list (a sender address or
 *		domain in attachment_extension_maps, else the global
 *		attachment_allowed_extensions; "any" allows all). The
 *		extension that counts is the last one, in any case, after
 *		trailing dots, white space and NULs are trimmed, because
 *		that is what Windows does with "invoice.pdf.exe. ". "none"
 *		in a list allows names without an extension.
 *
 *		Some names are refused whatever their extension: those
 *		holding bidirectional or invisible format characters
 *		(U+202E RIGHT-TO-LEFT OVERRIDE shows "invoice<RLO>fdp.exe"
 *		as "invoiceexe.pdf"), and parts whose Content-Type is in
 *		attachment_blocked_types, named or not.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "list.h"
#include "attach.h"
#include "msg.h"
#include "params.h"

/* mf_attach_policy_init - the list for sender (attachment_extension_maps,
 * else attachment_allowed_extensions); -1 on a table error (logged) */
static int
mf_attach_policy_init(struct mf_attach_policy *p, const char *sender)
{
	int	 ret = 0;

	buf_init(&p->allowed, TABLE_VALUE_MAX);
	if (*sender)
		msg_safe(p->sender, sizeof(p->sender), sender);
	else
		snprintf(p->sender, sizeof(p->sender), "<>");
	switch (addr_lookup(var_attachment_extension_maps, sender,
	    var_recipient_delimiter, 0, &p->allowed, NULL)) {
	case TABLE_FOUND:
		break;
	case TABLE_NOTFOUND:
		buf_set(&p->allowed, var_attachment_allowed_extensions);
		break;
	default:
		msg_warn("%s: lookup error for %.100s",
		    table_name(var_attachment_extension_maps), sender);
		buf_set(&p->allowed, var_attachment_allowed_extensions);
		ret = -1;
		break;
	}
	return (ret);
}

struct mf_mime *
mf_attach_begin(struct mf_attach_policy *p, const char *sender, mf_mime_cb cb,
    void *ctx, struct mf_verdict *v)
{
	struct mf_mime_limits lim;

	if (mf_attach_policy_init(p, sender) < 0 && v->result == CHECK_DUNNO)
		mf_verdict_set(v, CHECK_TEMPFAIL, "451", "4.3.0 "
		    "attachment_extension_maps lookup failed; try again later");
	lim.depth = (unsigned)var_mime_max_depth;
	lim.header = (size_t)var_mime_max_header_size;
	lim.parts = (unsigned)var_mime_max_parts;
	lim.filename = (size_t)var_mime_max_filename_length;
	return (mf_mime_create(&lim, cb, ctx));
}

void
mf_attach_policy_fini(struct mf_attach_policy *p)
{
	buf_fini(&p->allowed);
}

void
mf_attach_extension(const char *name, char *ext)
{
	size_t	 end = strlen(name), dot;

	while (end > 0 && (name[end - 1] == '.' || isspace((unsigned char)
	    name[end - 1])))
		end--;
	for (dot = end; dot > 0 && name[dot - 1] != '.'; dot--)
		 /* void */ ;
	if (dot == 0 || end - dot > MF_EXT_MAX) {
		ext[0] = 0;
		if (dot > 0)		/* too long to be an extension we list */
			memcpy(ext, "?", 2);
		return;
	}
	for (size_t i = 0; dot + i < end; i++)
		ext[i] = (char)tolower((unsigned char)name[dot + i]);
	ext[end - dot] = 0;
}

/* mf_utf8_next - decode one UTF-8 sequence; its code point, or -1 */
static long
mf_utf8_next(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	long	 cp;
	int	 n, i;

	if (s[0] < 0x80) {
		*sp = s + 1;
		return (s[0]);
	}
	if ((s[0] & 0xe0) == 0xc0)
		cp = s[0] & 0x1f, n = 1;
	else if ((s[0] & 0xf0) == 0xe0)
		cp = s[0] & 0x0f, n = 2;
	else if ((s[0] & 0xf8) == 0xf0)
		cp = s[0] & 0x07, n = 3;
	else {
		*sp = s + 1;
		return (-1);
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*sp = s + i;
			return (-1);
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*sp = s + n + 1;
	return (cp);
}

int
mf_attach_name_valid(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;

	while (*s) {
		long	 cp = mf_utf8_next(&s);

		if ((cp >= 0 && cp < 0x20) || cp == 0x7f
		    || (cp >= 0x200b && cp <= 0x200f)	/* ZW space, joiners, LRM, RLM */
		    || (cp >= 0x202a && cp <= 0x202e)	/* embeddings, overrides */
		    || (cp >= 0x2060 && cp <= 0x2064)	/* word joiner, invisibles */
		    || (cp >= 0x2066 && cp <= 0x2069)	/* isolates */
		    || cp == 0x061c || cp == 0x180e || cp == 0xfeff
		    || cp == 0x00ad)			/* soft hyphen */
			return (0);
	}
	return (1);
}

int
mf_attach_allowed(const struct mf_attach_policy *p, const char *ext)
{
	const char *list = p->allowed.data ? p->allowed.data : "";

	if (list_has(list, "any", 3))
		return (1);
	if (*ext == 0)
		return (list_has(list, "none", 4));
	return (list_has(list, ext, strlen(ext)));
}

enum check_result
mf_attach_check(const struct mf_attach_policy *p,
    const struct mf_mime_leaf *leaf, struct mf_verdict *v)
{
	char	 ext[MF_EXT_MAX + 1], safe[TEXT_REPLY_MAX + 1];
	const char *ct = leaf->content_type ? leaf->content_type : "";

	if (*ct && list_has(var_attachment_blocked_types, ct, strlen(ct))) {
		if (leaf->name)
			mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 attachment "
			    "\"%s\": content type %.100s not allowed for sender "
			    "%s", msg_safe(safe, sizeof(safe), leaf->name), ct,
			    p->sender);
		else
			mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 attachment "
			    "of content type %.100s not allowed for sender %s",
			    ct, p->sender);
		return (CHECK_REJECT);
	}
	if (leaf->name == NULL)
		return (CHECK_DUNNO);
	msg_safe(safe, sizeof(safe), leaf->name);
	if (!mf_attach_name_valid(leaf->name)) {
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 attachment \"%s\": "
		    "name contains bidirectional or invisible control "
		    "characters", safe);
		return (CHECK_REJECT);
	}
	mf_attach_extension(leaf->name, ext);
	if (mf_attach_allowed(p, ext))
		return (CHECK_DUNNO);
	if (*ext == 0)
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 attachment \"%s\": "
		    "no extension, not allowed for sender %s", safe, p->sender);
	else
		mf_verdict_set(v, CHECK_REJECT, "550", "5.7.1 attachment \"%s\": "
		    "extension %s not allowed for sender %s", safe,
		    ext[0] == '?' ? "(too long)" : ext, p->sender);
	return (CHECK_REJECT);
}
