/*
 * dmarc - DMARC policy records (RFC 7489)
 * SYNOPSIS	pd_dmarc_parse("v=DMARC1; p=reject; adkim=s", &d, &why)
 * DESCRIPTION	The record is a tag list like DKIM's: "v=DMARC1" first,
 *		then p= (required here: a record without a policy asks
 *		for nothing), and the optional sp=, adkim=, aspf=, pct=,
 *		rua=. Tags we do not know are ignored, as the RFC says; a
 *		tag given twice or a value outside its set is refused.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"

#define DMARC_WSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

int
pd_dmarc_record(const char *txt)
{
	while (DMARC_WSP(*txt))
		txt++;
	if (strncmp(txt, "v", 1) != 0)
		return (0);
	for (txt++; DMARC_WSP(*txt); txt++)
		 /* void */ ;
	if (*txt++ != '=')
		return (0);
	while (DMARC_WSP(*txt))
		txt++;
	return (strncmp(txt, "DMARC1", 6) == 0 && (txt[6] == 0 || txt[6] == ';'
	    || DMARC_WSP(txt[6])));
}

/* dmarc_policy - "none", "quarantine" or "reject" into out[12] */
static int
dmarc_policy(const char *val, size_t vlen, char *out)
{
	static const char *const words[] = {"none", "quarantine", "reject"};
	size_t	 i;

	for (i = 0; i < 3; i++)
		if (strlen(words[i]) == vlen
		    && strncasecmp(val, words[i], vlen) == 0) {
			memcpy(out, words[i], vlen + 1);
			return (0);
		}
	return (-1);
}

/* dmarc_tag - apply one tag; -1 with why set */
static int
dmarc_tag(const char *tag, size_t tlen, const char *val, size_t vlen,
    struct pd_dmarc *d, struct buf *why)
{
#define IS(name)	(tlen == strlen(name) && strncasecmp(tag, name, tlen) == 0)
	size_t	 i;

	if (IS("p") || IS("sp")) {
		if (dmarc_policy(val, vlen, IS("p") ? d->p : d->sp) < 0) {
			buf_printf(why, "%.*s=%.*s is not none, quarantine or "
			    "reject", (int)tlen, tag, (int)(vlen > 20 ? 20 :
			    vlen), val);
			return (-1);
		}
	} else if (IS("adkim") || IS("aspf")) {
		if (vlen != 1 || (*val != 'r' && *val != 's'
		    && *val != 'R' && *val != 'S')) {
			buf_printf(why, "%.*s= is not r or s", (int)tlen, tag);
			return (-1);
		}
		*(IS("adkim") ? &d->adkim : &d->aspf) = (char)(*val | 0x20);
	} else if (IS("pct")) {
		d->pct = 0;
		for (i = 0; i < vlen && val[i] >= '0' && val[i] <= '9'
		    && d->pct <= 100; i++)
			d->pct = d->pct * 10 + (val[i] - '0');
		if (vlen == 0 || i != vlen || d->pct > 100) {
			buf_set(why, "pct= is not a number from 0 to 100");
			return (-1);
		}
	} else if (IS("rua"))
		d->rua = vlen > 0;
	return (0);
#undef IS
}

int
pd_dmarc_parse(const char *txt, struct pd_dmarc *d, struct buf *why)
{
	const char *s = txt, *tag, *val;
	size_t	 tlen, vlen;
	char	 seen[256] = "";	/* " p sp adkim " */
	char	 word[24];
	int	 ntags = 0;

	memset(d, 0, sizeof(*d));
	d->adkim = d->aspf = 'r';
	d->pct = 100;
	buf_reset(why);
	if (!pd_dmarc_record(txt)) {
		buf_set(why, "does not start with v=DMARC1");
		return (-1);
	}
	for (;;) {
		while (DMARC_WSP(*s) || *s == ';')
			s++;
		if (*s == 0)
			break;
		tag = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
		    || (*s >= '0' && *s <= '9') || *s == '_')
			s++;
		tlen = (size_t)(s - tag);
		while (DMARC_WSP(*s))
			s++;
		if (tlen == 0 || tlen > 20 || *s != '=') {
			buf_printf(why, "tag list does not parse at \"%.20s\"",
			    tag);
			return (-1);
		}
		snprintf(word, sizeof(word), " %.*s ", (int)tlen, tag);
		if (strcasestr(seen, word) != NULL) {
			buf_printf(why, "tag %.*s= appears twice", (int)tlen,
			    tag);
			return (-1);
		}
		if (++ntags <= 10)
			strncat(seen, word + (*seen ? 1 : 0), sizeof(seen)
			    - strlen(seen) - 1);
		for (s++; DMARC_WSP(*s); s++)
			 /* void */ ;
		val = s;
		s += strcspn(s, ";");
		vlen = (size_t)(s - val);
		while (vlen && DMARC_WSP(val[vlen - 1]))
			vlen--;
		if (dmarc_tag(tag, tlen, val, vlen, d, why) < 0)
			return (-1);
	}
	if (*d->p == 0) {
		buf_set(why, "no p= tag");
		return (-1);
	}
	return (0);
}
