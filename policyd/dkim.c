/*
 * dkim - DKIM key records and the relay's signing keys
 * SYNOPSIS	pd_dkim_parse(txt, &rec, &why);
 *		pd_dkim_key_match(&rec, "/etc/dkim/example.org.key", &why)
 * DESCRIPTION	The record is a tag list (RFC 6376 section 3.2): tags
 *		separated by ";", white space (also folded) around tags,
 *		"=" and values, and inside the base64 of p=. Tags we do
 *		not know are ignored, as the RFC says; v= must come first
 *		and be DKIM1; k= is rsa (default) or ed25519 (RFC 8463);
 *		an empty p= means the key was revoked.
 *
 *		The comparison is done with OpenSSL on what DNS carries:
 *		for RSA the DER SubjectPublicKeyInfo of the private key's
 *		public half, for Ed25519 the raw 32-byte public key.
 * DIAGNOSTICS	Every refusal says what was wrong; input past a bound
 *		(DKIM_KEY_MAX, DKIM_KEYFILE_MAX) is refused, never cut.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dkim.h"
#include "mymalloc.h"

#define DKIM_TAGS_MAX		64	/* tags in one record */
#define DKIM_WSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

const char *
pd_dkim_type_name(enum pd_dkim_type t)
{
	return (t == PD_DKIM_ED25519 ? "ed25519" : "rsa");
}

/* dkim_base64 - p= without white space, decoded into rec; -1, why set */
static int
dkim_base64(const char *val, size_t vlen, struct pd_dkim_rec *rec,
    struct buf *why)
{
	char	*clean = xmalloc(vlen + 1);
	unsigned char *out;
	size_t	 n = 0, i, pad = 0;
	int	 len, rc = -1;

	for (i = 0; i < vlen; i++) {
		char	 c = val[i];

		if (DKIM_WSP(c))
			continue;
		if (pad && c != '=') {
			buf_set(why, "p= is not valid base64 (data after "
			    "\"=\")");
			goto out;
		}
		if (c == '=')
			pad++;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		    || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			buf_printf(why, "p= is not valid base64 (character "
			    "0x%02x)", (unsigned char)c);
			goto out;
		}
		clean[n++] = c;
	}
	clean[n] = 0;
	rec->keylen = 0;
	rec->revoked = n == 0;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (n % 4 != 0 || pad > 2) {
		buf_set(why, "p= is not valid base64 (length or padding)");
		goto out;
	}
	if (n / 4 * 3 - pad > DKIM_KEY_MAX) {
		buf_printf(why, "p= longer than %d bytes decoded", DKIM_KEY_MAX);
		goto out;
	}
	out = xmalloc(n / 4 * 3 + 1);
	if ((len = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n)) < 0
	    || (size_t)len < pad) {
		buf_set(why, "p= is not valid base64");
		xfree(out);
		goto out;
	}
	rec->keylen = (size_t)len - pad;
	memcpy(rec->key, out, rec->keylen);
	xfree(out);
	rc = 0;
out:
	xfree(clean);
	return (rc);
}

/* dkim_tag_value - apply one tag; -1 with why set */
static int
dkim_tag_value(const char *tag, size_t tlen, const char *val, size_t vlen,
    int first, struct pd_dkim_rec *rec, struct buf *why)
{
	if (tlen == 1 && *tag == 'v') {
		if (!first || vlen != 5 || strncmp(val, "DKIM1", 5) != 0) {
			buf_set(why, first ? "v= is not DKIM1" :
			    "v= is not the first tag");
			return (-1);
		}
	} else if (tlen == 1 && *tag == 'k') {
		if (vlen == 3 && strncmp(val, "rsa", 3) == 0)
			rec->type = PD_DKIM_RSA;
		else if (vlen == 7 && strncmp(val, "ed25519", 7) == 0)
			rec->type = PD_DKIM_ED25519;
		else {
			buf_printf(why, "unknown key type k=%.*s",
			    (int)(vlen > 20 ? 20 : vlen), val);
			return (-1);
		}
	} else if (tlen == 1 && *tag == 't') {
		const char *f = val, *end = val + vlen;

		while (f < end) {	/* "y:s", flags we do not know ignored */
			size_t	 fl = strcspn(f, ":");

			if (fl > (size_t)(end - f))
				fl = (size_t)(end - f);
			while (fl && DKIM_WSP(f[fl - 1]))
				fl--;
			if (fl == 1 && *f == 'y')
				rec->testing = 1;
			else if (fl == 1 && *f == 's')
				rec->strict = 1;
			f += strcspn(f, ":");
			if (f < end)
				f++;
			while (f < end && DKIM_WSP(*f))
				f++;
		}
	} else if (tlen == 1 && *tag == 'p')
		return (dkim_base64(val, vlen, rec, why));
	return (0);
}

int
pd_dkim_parse(const char *txt, struct pd_dkim_rec *rec, struct buf *why)
{
	const char *s = txt, *tag, *val;
	char	 seen[DKIM_TAGS_MAX][16];
	size_t	 tlen, vlen, i;
	int	 ntags = 0, have_p = 0;

	memset(rec, 0, sizeof(*rec));
	buf_reset(why);
	for (;;) {
		while (DKIM_WSP(*s))
			s++;
		if (*s == 0)
			break;
		if (*s == ';') {	/* an empty tag-spec: allowed */
			s++;
			continue;
		}
		tag = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
		    || (*s >= '0' && *s <= '9') || *s == '_')
			s++;
		tlen = (size_t)(s - tag);
		while (DKIM_WSP(*s))
			s++;
		if (tlen == 0 || *s != '=' || !((*tag >= 'a' && *tag <= 'z')
		    || (*tag >= 'A' && *tag <= 'Z'))) {
			buf_printf(why, "tag list does not parse at \"%.20s\"",
			    tag);
			return (-1);
		}
		if (ntags == DKIM_TAGS_MAX || tlen >= sizeof(seen[0])) {
			buf_printf(why, ntags == DKIM_TAGS_MAX ? "more than %d "
			    "tags" : "tag name longer than 15 bytes",
			    DKIM_TAGS_MAX);
			return (-1);
		}
		for (i = 0; i < (size_t)ntags; i++)
			if (strlen(seen[i]) == tlen
			    && strncmp(seen[i], tag, tlen) == 0) {
				buf_printf(why, "tag %.*s= appears twice",
				    (int)tlen, tag);
				return (-1);
			}
		memcpy(seen[ntags], tag, tlen);
		seen[ntags][tlen] = 0;
		s++;
		while (DKIM_WSP(*s))
			s++;
		val = s;
		s += strcspn(s, ";");
		vlen = (size_t)(s - val);
		while (vlen && DKIM_WSP(val[vlen - 1]))
			vlen--;
		for (i = 0; i < vlen; i++)
			if (!DKIM_WSP(val[i]) && ((unsigned char)val[i] < 0x21
			    || (unsigned char)val[i] > 0x7e)) {
				buf_printf(why, "tag %.*s= holds byte 0x%02x",
				    (int)tlen, tag, (unsigned char)val[i]);
				return (-1);
			}
		if (dkim_tag_value(tag, tlen, val, vlen, ntags == 0, rec,
		    why) < 0)
			return (-1);
		have_p |= tlen == 1 && *tag == 'p';
		ntags++;
		if (*s == ';')
			s++;
	}
	if (!have_p) {
		buf_set(why, ntags ? "no p= tag" : "empty record");
		return (-1);
	}
	return (0);
}

/* dkim_no_passphrase - PEM callback: an encrypted key is not usable */
static int
dkim_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return (0);
}

/* dkim_load - the private key in a PEM file; NULL with detail set */
static EVP_PKEY *
dkim_load(const char *keyfile, struct buf *detail)
{
	struct stat st;
	EVP_PKEY *pkey = NULL;
	BIO	*bio;

	if ((bio = BIO_new_file(keyfile, "r")) == NULL) {
		buf_printf(detail, "cannot open key file %s: %m", keyfile);
		return (NULL);
	}
	if (stat(keyfile, &st) == 0 && st.st_size > DKIM_KEYFILE_MAX)
		buf_printf(detail, "key file %s larger than %d bytes", keyfile,
		    DKIM_KEYFILE_MAX);
	else if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, dkim_no_passphrase,
	    NULL)) == NULL)
		buf_printf(detail, "key file %s holds no PEM private key (or "
		    "one with a passphrase)", keyfile);
	BIO_free(bio);
	return (pkey);
}

/* dkim_describe - what p= holds when it is not our key */
static void
dkim_describe(const struct pd_dkim_rec *rec, struct buf *detail)
{
	const unsigned char *p = rec->key;
	EVP_PKEY *other;

	if (rec->type == PD_DKIM_ED25519) {
		buf_printf(detail, rec->keylen == 32 ? "p= holds another "
		    "ed25519 key" : "p= is not an ed25519 key (%zu bytes, "
		    "not 32)", rec->keylen);
		return;
	}
	if ((other = d2i_PUBKEY(NULL, &p, (long)rec->keylen)) != NULL
	    && p == rec->key + rec->keylen) {
		buf_printf(detail, "p= holds another key (%s %d bits)",
		    EVP_PKEY_get_base_id(other) == EVP_PKEY_RSA ? "rsa" :
		    "not rsa,", EVP_PKEY_get_bits(other));
	} else
		buf_set(detail, "p= is not a public key (no "
		    "SubjectPublicKeyInfo)");
	EVP_PKEY_free(other);
}

int
pd_dkim_key_match(const struct pd_dkim_rec *rec, const char *keyfile,
    struct buf *detail)
{
	EVP_PKEY *pkey;
	unsigned char *der = NULL, raw[64];
	size_t	 rawlen = sizeof(raw);
	int	 id, bits, len, ret = 0;

	buf_reset(detail);
	if ((pkey = dkim_load(keyfile, detail)) == NULL)
		return (-1);
	id = EVP_PKEY_get_base_id(pkey);
	bits = EVP_PKEY_get_bits(pkey);
	if (rec->revoked)
		buf_set(detail, "key revoked (empty p=)");
	else if (id == EVP_PKEY_RSA && rec->type != PD_DKIM_RSA)
		buf_printf(detail, "record is k=%s, key file holds an rsa key",
		    pd_dkim_type_name(rec->type));
	else if (id == EVP_PKEY_ED25519 && rec->type != PD_DKIM_ED25519)
		buf_set(detail, "record is k=rsa, key file holds an ed25519 "
		    "key");
	else if (id == EVP_PKEY_RSA && (bits < DKIM_RSA_BITS_MIN
	    || bits > DKIM_RSA_BITS_MAX)) {
		buf_printf(detail, "rsa key of %d bits (use %d to %d)", bits,
		    DKIM_RSA_BITS_MIN, DKIM_RSA_BITS_MAX);
	} else if (id == EVP_PKEY_RSA) {
		/* SubjectPublicKeyInfo, as RFC 6376 publishes it ... */
		if ((len = i2d_PUBKEY(pkey, &der)) > 0 && (size_t)len
		    == rec->keylen && memcmp(der, rec->key, rec->keylen) == 0)
			ret = 1;
		OPENSSL_free(der);
		der = NULL;
		/* ... or a bare RSAPublicKey, which verifiers accept too. */
		if (ret == 0 && (len = i2d_PublicKey(pkey, &der)) > 0
		    && (size_t)len == rec->keylen
		    && memcmp(der, rec->key, rec->keylen) == 0)
			ret = 1;
		OPENSSL_free(der);
		if (ret)
			buf_printf(detail, "rsa %d bits, matches %s", bits,
			    keyfile);
		else
			dkim_describe(rec, detail);
	} else if (id == EVP_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) == 1
		    && rawlen == rec->keylen
		    && memcmp(raw, rec->key, rawlen) == 0) {
			ret = 1;
			buf_printf(detail, "ed25519, matches %s", keyfile);
		} else
			dkim_describe(rec, detail);
	} else {
		buf_printf(detail, "key file %s holds neither an rsa nor an "
		    "ed25519 key", keyfile);
		ret = -1;
	}
	EVP_PKEY_free(pkey);
	return (ret);
}
