/* dkim.h - DKIM key records (RFC 6376, RFC 8463) and the relay's keys */
#ifndef DKIM_H
#define DKIM_H
#include <stddef.h>
#include "buf.h"

#define DKIM_KEY_MAX		2048	/* decoded p=: RSA-8192 SPKI is 1062 */
#define DKIM_KEYFILE_MAX	65536	/* a PEM private key file */
#define DKIM_RSA_BITS_MIN	1024	/* RFC 8301: smaller must not verify */
#define DKIM_RSA_BITS_MAX	8192

enum pd_dkim_type {
	PD_DKIM_RSA,			/* k=rsa, the default */
	PD_DKIM_ED25519			/* k=ed25519 (RFC 8463) */
};

struct pd_dkim_rec {
	enum pd_dkim_type type;
	int	 testing;		/* t=y */
	int	 strict;		/* t=s */
	int	 revoked;		/* p= empty */
	unsigned char key[DKIM_KEY_MAX];	/* p=, base64-decoded */
	size_t	 keylen;
};

/*
 * pd_dkim_parse() - a DKIM key record (the TXT strings already joined)
 * into rec: tag=value list with folding white space, unknown tags
 * ignored, duplicates, a v= other than DKIM1 or not first, an unknown
 * k=, a missing p= and broken base64 refused. 0, or -1 with why set.
 */
int	 pd_dkim_parse(const char *txt, struct pd_dkim_rec *rec,
		    struct buf *why);
/* pd_dkim_type_name() - "rsa", "ed25519" */
const char *pd_dkim_type_name(enum pd_dkim_type);

/*
 * pd_dkim_key_match() - is rec's key the public half of the PEM
 * private key in keyfile? RSA: the DER SubjectPublicKeyInfo compared
 * (a bare RSAPublicKey is accepted too); Ed25519: the raw 32 bytes.
 * 1 yes, 0 no, -1 the key file cannot be used; detail says what was
 * compared or why not ("rsa 2048 bits", "p= holds another key").
 */
int	 pd_dkim_key_match(const struct pd_dkim_rec *rec, const char *keyfile,
		    struct buf *detail);

#endif /* DKIM_H */
