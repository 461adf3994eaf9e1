/*
 * dmarc_test - DMARC records: policy, alignment, percentages, refusals
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "dmarc.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

struct row {
	const char *txt;
	int	 want;
	const char *p, *sp;
	char	 adkim, aspf;
	int	 pct, rua;
	const char *why;
};

static void
test_parse(void **state)
{
	static const struct row rows[] = {
		{"v=DMARC1; p=reject", 0, "reject", "", 'r', 'r', 100, 0, 0},
		{"v=DMARC1;p=none;rua=mailto:d@example.org", 0, "none", "", 'r',
		    'r', 100, 1, 0},
		{" v = DMARC1 ; p = Quarantine ; sp=reject; adkim=s; aspf=S; "
		    "pct=0 ;", 0, "quarantine", "reject", 's', 's', 0, 0, 0},
		{"v=DMARC1; p=reject; pct=100; fo=1; x_new=1", 0, "reject", "",
		    'r', 'r', 100, 0, 0},
		{"v=DMARC1; p=none; pct=101", -1, 0, 0, 0, 0, 0, 0,
		    "pct= is not a number"},
		{"v=DMARC1; p=none; pct=", -1, 0, 0, 0, 0, 0, 0, "pct="},
		{"v=DMARC1; p=none; pct=99999999999", -1, 0, 0, 0, 0, 0, 0,
		    "pct="},
		{"v=DMARC1; p=maybe", -1, 0, 0, 0, 0, 0, 0,
		    "not none, quarantine or reject"},
		{"v=DMARC1; rua=mailto:d@example.org", -1, 0, 0, 0, 0, 0, 0,
		    "no p= tag"},
		{"v=DMARC1; p=none; p=reject", -1, 0, 0, 0, 0, 0, 0,
		    "p= appears twice"},
		{"v=DMARC1; p=none; adkim=x", -1, 0, 0, 0, 0, 0, 0,
		    "adkim= is not r or s"},
		{"v=DMARC1; p=none; garbage", -1, 0, 0, 0, 0, 0, 0,
		    "does not parse"},
		{"p=reject; v=DMARC1", -1, 0, 0, 0, 0, 0, 0, "v=DMARC1"},
		{"v=DMARC10; p=reject", -1, 0, 0, 0, 0, 0, 0, "v=DMARC1"},
		{"v=spf1 -all", -1, 0, 0, 0, 0, 0, 0, "v=DMARC1"},
		{"", -1, 0, 0, 0, 0, 0, 0, "v=DMARC1"},
	};
	struct pd_dmarc d;
	struct buf why;
	size_t	 i;
	int	 bad = 0, got;

	(void)state;
	buf_init(&why, 1024);
	for (i = 0; i < ROWS(rows); i++) {
		const struct row *r = &rows[i];

		got = pd_dmarc_parse(r->txt, &d, &why);
		if (got != r->want)
			BAD("pd_dmarc_parse(\"%s\"): got %d (%s), want %d",
			    r->txt, got, buf_str(&why), r->want);
		else if (got < 0 && strstr(buf_str(&why), r->why) == NULL)
			BAD("pd_dmarc_parse(\"%s\"): reason \"%s\", want \"%s\"",
			    r->txt, buf_str(&why), r->why);
		else if (got == 0 && (strcmp(d.p, r->p) || strcmp(d.sp, r->sp)
		    || d.adkim != r->adkim || d.aspf != r->aspf
		    || d.pct != r->pct || d.rua != r->rua))
			BAD("pd_dmarc_parse(\"%s\"): got p=%s sp=%s adkim=%c "
			    "aspf=%c pct=%d rua=%d", r->txt, d.p, d.sp, d.adkim,
			    d.aspf, d.pct, d.rua);
	}
	buf_fini(&why);
	if (bad)
		fail_msg("pd_dmarc_parse: %d rows failed", bad);
}

static void
test_record(void **state)
{
	(void)state;
	assert_true(pd_dmarc_record("v=DMARC1; p=none"));
	assert_true(pd_dmarc_record("v = DMARC1"));
	assert_false(pd_dmarc_record("v=DMARC1x; p=none"));
	assert_false(pd_dmarc_record("v=spf1 -all"));
	assert_false(pd_dmarc_record("google-site-verification=abc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_record),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
