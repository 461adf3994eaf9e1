/*
 * dkim_test - DKIM key records (tag list, split strings, k=, t=, p=) and
 * the comparison of p= with the relay's private keys (RSA, Ed25519)
 *
 * The keys are PEM files in tests/data/dkim (OUTPOST_DKIM_DATA
 * overrides); the p= values below are their public halves as
 * "openssl pkey -pubout -outform DER | base64" prints them (Ed25519: the
 * last 32 bytes, RFC 8463).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "dkim.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

#define RSA2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjMZhMiQBxvukeleC" \
	"i/+25qFGX3LA7dtT8RaQsMe3EfPGbnJMmsFyWXNuKKHOmqBWLt6KW9RA8joLvM5gk/K" \
	"az7j3CR5YiHs+qJEOLFH1v/NijAxpHHTT1C2MTPrR0JUJ2EEJy4sqlAdqLaV9cLfYUx" \
	"H7ZmSnD6Yh/ZXW/tQFOxIjqTlLFIwQLSm1ymbBoqqOslCGFwWI/08qi3j7p8W2/8RKm" \
	"L/93QZsIFc+yB5nq9H78oWLpiciwrU65gz6wfau4F8u+Gs2zDQ9yG68TUvCRHiqPtsp" \
	"sVSl5UeYD7sSJBrmVcCZ25h0nsEpBLnJksE7KcQKjTDvPgLRzl1K7Y6cvQIDAQAB"
/* The same key as a bare RSAPublicKey (PKCS#1), as some publish it. */
#define RSA2048_PKCS1 "MIIBCgKCAQEAjMZhMiQBxvukeleCi/+25qFGX3LA7dtT8RaQsMe3EfP" \
	"GbnJMmsFyWXNuKKHOmqBWLt6KW9RA8joLvM5gk/Kaz7j3CR5YiHs+qJEOLFH1v/NijA" \
	"xpHHTT1C2MTPrR0JUJ2EEJy4sqlAdqLaV9cLfYUxH7ZmSnD6Yh/ZXW/tQFOxIjqTlLF" \
	"IwQLSm1ymbBoqqOslCGFwWI/08qi3j7p8W2/8RKmL/93QZsIFc+yB5nq9H78oWLpici" \
	"wrU65gz6wfau4F8u+Gs2zDQ9yG68TUvCRHiqPtspsVSl5UeYD7sSJBrmVcCZ25h0nsE" \
	"pBLnJksE7KcQKjTDvPgLRzl1K7Y6cvQIDAQAB"
#define RSA1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDYRGn7kKjdvFFJD4R5HEI5" \
	"T2o7PPVlx32y6/GqpKxayblWq0+ix/T+I37yF9GnTFyRXIr/Zojf1JY5X7phZsuXBuO" \
	"zOLjHoCR03xFuxE+75aRulqogbMcHHc8cp48I3mlLsPDru3NHkDqNUnPjYjrOOk/USs" \
	"Pk6Tt4dWEGJRp/CQIDAQAB"
#define RSA512 "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAM8WHOwc8lKOOmhy4z4qFCPNYyEwce" \
	"YxKacZ0ZRQfHgqR3aTTbpI7LoXrIx5C3XJFAavb7MZ1Gd8nNo/KJmI7IMCAwEAAQ=="
#define ED_A	"MbPZP4PLlEFOeFaQQZ/q47H37H5NeoZkGRmSoEmIt/8="
#define ED_B	"+lhiMKSP+miRp8uda7MtFsZ/0Ped2sJODzNZIizs2Hw="

struct parse_row {
	const char *txt;
	int	 want;			/* 0 or -1 */
	enum pd_dkim_type type;
	int	 testing, strict, revoked;
	size_t	 keylen;
	const char *why;		/* substring of the reason, on -1 */
};

static void
test_parse(void **state)
{
	static const struct parse_row rows[] = {
		{"v=DKIM1; k=rsa; p=" RSA2048, 0, PD_DKIM_RSA, 0, 0, 0, 294, 0},
		/* strings joined, as DNS splits a long key */
		{"v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjMZhMiQB"
		    "xvukeleCi/+25qFGX3LA7dtT8RaQsMe3EfPGbnJMmsFyWXNuKKHOmq"
		    "BWLt6KW9RA8joLvM5gk/Kaz7j3CR5YiHs+qJEOLFH1v/NijAxpHHTT1"
		    "C2MTPrR0JUJ2EEJy4sqlAdqLaV9cLfYUxH7ZmSnD6Yh/ZXW/tQFOxIj"
		    "qTlLFIwQLSm1ymbBoqqOslCGFwWI/08qi3j7p8W2/8RKmL/93QZsIFc+"
		    "yB5nq9H78oWLpiciwrU65gz6wfau4F8u+Gs2zDQ9yG68TUvCRHiqPts"
		    "psVSl5UeYD7sSJBrmVcCZ25h0nsEpBLnJksE7KcQKjTDvPgLRzl1K7Y6"
		    "cvQIDAQAB", 0, PD_DKIM_RSA, 0, 0, 0, 294, 0},
		/* folding white space everywhere, inside p= too */
		{"  v = DKIM1 ;\r\n\tk = rsa ;  p = MIGfMA0GCSqGSIb3DQEBAQUAA4GNAD"
		    "CBiQKBgQDYRGn7kKjdvFFJD4R5HEI5T2o7PPVlx32y6/GqpKxayblWq0+ix/"
		    "T+I37yF9GnTFyRXIr/Zojf1JY5X7phZsuXBuOzOLjHoCR03xFuxE+75aRulq"
		    "ogbMcHHc8cp48I3mlLsPDru3NHkDqNUnPjYjrOOk/USsPk6Tt4d \r\n WEGJ"
		    "Rp/CQIDAQAB ; ", 0, PD_DKIM_RSA, 0, 0, 0, 162, 0},
		/* unknown tags are ignored, v= is optional */
		{"x_foo=bar; n=a note; h=sha256; s=email; p=" RSA1024, 0,
		    PD_DKIM_RSA, 0, 0, 0, 162, 0},
		{"v=DKIM1; k=ed25519; p=" ED_A, 0, PD_DKIM_ED25519, 0, 0, 0, 32,
		    0},
		{"v=DKIM1; t=y; p=" ED_A "; k=ed25519", 0, PD_DKIM_ED25519, 1,
		    0, 0, 32, 0},
		{"v=DKIM1; t=y:s:x; p=" RSA512, 0, PD_DKIM_RSA, 1, 1, 0, 94, 0},
		{"v=DKIM1; t = s ; p=" RSA512, 0, PD_DKIM_RSA, 0, 1, 0, 94, 0},
		/* revoked */
		{"v=DKIM1; k=rsa; p=", 0, PD_DKIM_RSA, 0, 0, 1, 0, 0},
		{"v=DKIM1; p= ;", 0, PD_DKIM_RSA, 0, 0, 1, 0, 0},
		/* refused */
		{"", -1, 0, 0, 0, 0, 0, "empty record"},
		{"v=DKIM1; k=rsa", -1, 0, 0, 0, 0, 0, "no p= tag"},
		{"v=DKIM2; p=" RSA512, -1, 0, 0, 0, 0, 0, "not DKIM1"},
		{"k=rsa; v=DKIM1; p=" RSA512, -1, 0, 0, 0, 0, 0, "not the first"},
		{"v=DKIM1; k=dsa; p=" RSA512, -1, 0, 0, 0, 0, 0,
		    "unknown key type k=dsa"},
		{"v=DKIM1; p=" RSA512 "; p=" RSA512, -1, 0, 0, 0, 0, 0,
		    "p= appears twice"},
		{"v=DKIM1; p=MFww!!", -1, 0, 0, 0, 0, 0, "not valid base64"},
		{"v=DKIM1; p=MFwwD", -1, 0, 0, 0, 0, 0, "length or padding"},
		{"v=DKIM1; p=MF=wDQ==", -1, 0, 0, 0, 0, 0, "data after"},
		{"v=DKIM1; p=M===", -1, 0, 0, 0, 0, 0, "length or padding"},
		{"v=DKIM1; p", -1, 0, 0, 0, 0, 0, "does not parse"},
		{"v=DKIM1; =x; p=", -1, 0, 0, 0, 0, 0, "does not parse"},
		{"v=DKIM1; 9a=x; p=", -1, 0, 0, 0, 0, 0, "does not parse"},
		{"v=DKIM1; x-foo=x; p=", -1, 0, 0, 0, 0, 0, "does not parse"},
		{"v=DKIM1; n=caf\xc3\xa9; p=", -1, 0, 0, 0, 0, 0, "byte 0xc3"},
	};
	struct pd_dkim_rec rec;
	struct buf why;
	size_t	 i;
	int	 bad = 0, got;

	(void)state;
	buf_init(&why, 1024);
	for (i = 0; i < ROWS(rows); i++) {
		const struct parse_row *r = &rows[i];

		got = pd_dkim_parse(r->txt, &rec, &why);
		if (got != r->want)
			BAD("pd_dkim_parse(row %zu \"%.40s\"): got %d (%s), "
			    "want %d", i, r->txt, got, buf_str(&why), r->want);
		else if (got < 0 && strstr(buf_str(&why), r->why) == NULL)
			BAD("pd_dkim_parse(row %zu): reason \"%s\", want \"%s\"",
			    i, buf_str(&why), r->why);
		else if (got == 0 && (rec.type != r->type
		    || rec.testing != r->testing || rec.strict != r->strict
		    || rec.revoked != r->revoked || rec.keylen != r->keylen))
			BAD("pd_dkim_parse(row %zu): got type %d t=y %d t=s %d "
			    "revoked %d keylen %zu, want %d %d %d %d %zu", i,
			    rec.type, rec.testing, rec.strict, rec.revoked,
			    rec.keylen, r->type, r->testing, r->strict,
			    r->revoked, r->keylen);
	}
	buf_fini(&why);
	if (bad)
		fail_msg("pd_dkim_parse: %d rows failed", bad);
}

/* test_bounds - p= at and past DKIM_KEY_MAX decoded bytes */
static void
test_bounds(void **state)
{
	struct pd_dkim_rec rec;
	struct buf why;
	char	*txt = malloc(DKIM_KEY_MAX * 2);

	(void)state;
	buf_init(&why, 1024);
	/* DKIM_KEY_MAX = 2048 bytes = 682 groups of 3, and 2 more: 2731
	 * base64 characters and one "=" ... */
	strcpy(txt, "p=");
	memset(txt + 2, 'A', 2731);
	strcpy(txt + 2 + 2731, "=");
	assert_int_equal(pd_dkim_parse(txt, &rec, &why), 0);
	assert_int_equal(rec.keylen, DKIM_KEY_MAX);
	/* ... and one byte more (683 full groups) is refused, not cut */
	memset(txt + 2, 'A', 2732);
	txt[2 + 2732] = 0;
	assert_int_equal(pd_dkim_parse(txt, &rec, &why), -1);
	assert_non_null(strstr(buf_str(&why), "longer than 2048 bytes"));
	free(txt);
	buf_fini(&why);
}

struct match_row {
	const char *txt;
	const char *key;		/* file under the data directory */
	int	 want;
	const char *detail;		/* substring */
};

static void
test_match(void **state)
{
	static const struct match_row rows[] = {
		{"p=" RSA2048, "rsa2048.pem", 1, "rsa 2048 bits, matches"},
		{"k=rsa; p=" RSA2048_PKCS1, "rsa2048.pem", 1, "matches"},
		{"p=" RSA1024, "rsa1024.pem", 1, "rsa 1024 bits"},
		{"p=" RSA1024, "rsa2048.pem", 0,
		    "p= holds another key (rsa 1024 bits)"},
		{"p=" RSA2048, "rsa1024.pem", 0, "another key (rsa 2048"},
		{"p=" RSA512, "rsa512.pem", 0, "rsa key of 512 bits"},
		{"k=ed25519; p=" ED_A, "ed25519-a.pem", 1, "ed25519, matches"},
		{"k=ed25519; p=" ED_B, "ed25519-a.pem", 0,
		    "another ed25519 key"},
		{"k=ed25519; p=" RSA512, "ed25519-a.pem", 0,
		    "not an ed25519 key (94 bytes"},
		{"k=ed25519; p=" ED_A, "rsa2048.pem", 0,
		    "record is k=ed25519, key file holds an rsa key"},
		{"p=" ED_A, "ed25519-a.pem", 0,
		    "record is k=rsa, key file holds an ed25519"},
		{"p=", "rsa2048.pem", 0, "revoked"},
		/* base64 that decodes, but to no key at all */
		{"p=Z2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2U=", "rsa2048.pem", 0,
		    "not a public key"},
		/* a key with garbage after it is no key either */
		{"p=" RSA1024 "AAAA", "rsa2048.pem", 0, "not a public key"},
		{"p=" RSA2048, "nosuch.pem", -1, "cannot open key file"},
		{"p=" RSA2048, "../../../tests/unit/dkim_test.c", -1,
		    "holds no PEM private key"},
	};
	const char *dir = getenv("OUTPOST_DKIM_DATA");
	struct pd_dkim_rec rec;
	struct buf why;
	char	 path[512];
	size_t	 i;
	int	 bad = 0, got;

	(void)state;
	if (dir == NULL || *dir == 0)
		dir = "tests/data/dkim";
	buf_init(&why, 1024);
	for (i = 0; i < ROWS(rows); i++) {
		const struct match_row *r = &rows[i];

		if (pd_dkim_parse(r->txt, &rec, &why) < 0) {
			BAD("row %zu: does not parse: %s", i, buf_str(&why));
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, r->key);
		got = pd_dkim_key_match(&rec, path, &why);
		if (got != r->want || strstr(buf_str(&why), r->detail) == NULL)
			BAD("pd_dkim_key_match(row %zu, %s): got %d \"%s\", "
			    "want %d \"%s\"", i, r->key, got, buf_str(&why),
			    r->want, r->detail);
	}
	buf_fini(&why);
	if (bad)
		fail_msg("pd_dkim_key_match: %d rows failed", bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
