/*
 * dnstxt_test - TXT answers: strings joined, several records, CNAMEs
 * on the way, and every bound (record bytes, strings, records) at and
 * past its limit; broken messages
 *
 * The answers are DNS messages built here byte by byte, as a server
 * would send them; dnstxt_parse() is what dnstxt_lookup() runs on the
 * resolver's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "dnstxt.h"

#define MSG_MAX	70000

struct msg {
	unsigned char b[MSG_MAX];
	size_t	 len;
	int	 an;			/* answer records */
};

/* msg_start - header and the question "x.test TXT IN" */
static void
msg_start(struct msg *m)
{
	static const unsigned char head[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
		1, 'x', 4, 't', 'e', 's', 't', 0, 0, 16, 0, 1,
	};

	memcpy(m->b, head, sizeof(head));
	m->len = sizeof(head);
	m->an = 0;
}

/* msg_rr - one answer record of type (16 TXT, 5 CNAME), name pointer to
 * the question, with rdata */
static void
msg_rr(struct msg *m, int type, const unsigned char *rd, size_t rdlen)
{
	unsigned char *p = m->b + m->len;

	p[0] = 0xc0;
	p[1] = 12;			/* the question's name */
	p[2] = 0;
	p[3] = (unsigned char)type;
	p[4] = 0;
	p[5] = 1;			/* IN */
	p[6] = p[7] = p[8] = 0;
	p[9] = 60;			/* TTL */
	p[10] = (unsigned char)(rdlen >> 8);
	p[11] = (unsigned char)rdlen;
	memcpy(p + 12, rd, rdlen);
	m->len += 12 + rdlen;
	m->an++;
	m->b[6] = (unsigned char)(m->an >> 8);
	m->b[7] = (unsigned char)m->an;
}

/* txt_rdata - nstr strings of slen bytes each (letters), into rd */
static size_t
txt_rdata(unsigned char *rd, int nstr, size_t slen, char fill)
{
	size_t	 len = 0;
	int	 i;

	for (i = 0; i < nstr; i++) {
		rd[len++] = (unsigned char)slen;
		memset(rd + len, fill, slen);
		len += slen;
	}
	return (len);
}

static void
test_join(void **state)
{
	static const unsigned char rd[] = "\x0bv=DKIM1; p=\x04" "ABCD\x03" "EF=";
	static const unsigned char cname[] = "\x01y\x04test";
	struct msg *m = test_malloc(sizeof(*m));
	struct dnstxt txt;
	struct buf why;

	(void)state;
	buf_init(&why, 256);
	msg_start(m);
	msg_rr(m, 5, cname, sizeof(cname));	/* skipped: not TXT */
	msg_rr(m, 16, rd, sizeof(rd) - 1);
	msg_rr(m, 16, (const unsigned char *)"\x03" "a\0b", 4);
	assert_int_equal(dnstxt_parse(m->b, m->len, &txt, &why), DNSTXT_FOUND);
	assert_int_equal(txt.n, 2);
	assert_string_equal(txt.rec[0], "v=DKIM1; p=ABCDEF=");
	assert_int_equal(txt.nul[0], 0);
	assert_int_equal(txt.nul[1], 1);	/* "a\0b": told, not hidden */
	dnstxt_fini(&txt);
	/* No TXT at all. */
	msg_start(m);
	msg_rr(m, 5, cname, sizeof(cname));
	assert_int_equal(dnstxt_parse(m->b, m->len, &txt, &why), DNSTXT_NONE);
	test_free(m);
	buf_fini(&why);
}

static void
test_bounds(void **state)
{
	static const struct {
		int	 nstr;
		size_t	 slen;
		int	 nrec;
		enum dnstxt_status want;
		const char *why;
	} rows[] = {
		/* 4096 bytes in one record: 16 x 256 is not possible (255
		 * max), so 32 strings of 128 = 4096, at both bounds */
		{32, 128, 1, DNSTXT_FOUND, ""},
		{32, 129, 1, DNSTXT_BAD, "TXT record longer than 4096 bytes"},
		{33, 10, 1, DNSTXT_BAD, "more than 32 strings"},
		{17, 255, 1, DNSTXT_BAD, "longer than 4096 bytes"},	/* 4 KB+ */
		{1, 10, 16, DNSTXT_FOUND, ""},
		{1, 10, 17, DNSTXT_BAD, "more than 16 TXT records"},
		{0, 0, 1, DNSTXT_FOUND, ""},	/* an empty record */
	};
	struct msg *m = test_malloc(sizeof(*m));
	unsigned char rd[65536];
	struct dnstxt txt;
	struct buf why;
	size_t	 i, len;
	int	 k;

	(void)state;
	buf_init(&why, 256);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		msg_start(m);
		len = txt_rdata(rd, rows[i].nstr, rows[i].slen, 'A');
		for (k = 0; k < rows[i].nrec; k++)
			msg_rr(m, 16, rd, len);
		if (dnstxt_parse(m->b, m->len, &txt, &why) != rows[i].want
		    || strstr(buf_str(&why), rows[i].why) == NULL)
			fail_msg("row %zu: got \"%s\", want %d \"%s\"", i,
			    buf_str(&why), rows[i].want, rows[i].why);
		if (rows[i].want == DNSTXT_FOUND) {
			assert_int_equal(txt.n, rows[i].nrec);
			assert_int_equal(strlen(txt.rec[0]),
			    rows[i].nstr * rows[i].slen);
		} else
			assert_int_equal(txt.n, 0);
		dnstxt_fini(&txt);
	}
	test_free(m);
	buf_fini(&why);
}

static void
test_broken(void **state)
{
	struct msg *m = test_malloc(sizeof(*m));
	unsigned char rd[16];
	struct dnstxt txt;
	struct buf why;

	(void)state;
	buf_init(&why, 256);
	/* A string length that runs past the record. */
	msg_start(m);
	rd[0] = 10;
	memcpy(rd + 1, "abc", 3);
	msg_rr(m, 16, rd, 4);
	assert_int_equal(dnstxt_parse(m->b, m->len, &txt, &why), DNSTXT_BAD);
	assert_non_null(strstr(buf_str(&why), "runs past the record"));
	/* A message cut in the middle of a record. */
	msg_start(m);
	msg_rr(m, 16, (const unsigned char *)"\x03" "abc", 4);
	assert_int_equal(dnstxt_parse(m->b, m->len - 2, &txt, &why),
	    DNSTXT_BAD);
	/* Shorter than a header. */
	assert_int_equal(dnstxt_parse(m->b, 5, &txt, &why), DNSTXT_BAD);
	test_free(m);
	buf_fini(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_broken),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
