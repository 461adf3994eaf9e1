/*
 * spf_test - SPF results through libspf2 on a test zone: each result,
 * the mechanism named, includes, IPv6, broken records, bad input
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "spf.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static const struct {
	const char *name, *type, *data;
} zone[] = {
	{"good.test", "TXT", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"},
	{"soft.test", "TXT", "v=spf1 ip4:198.51.100.1 ~all"},
	{"neutral.test", "TXT", "v=spf1 ?all"},
	{"inc.test", "TXT", "v=spf1 include:good.test -all"},
	{"mx.test", "TXT", "v=spf1 a:out.mx.test -all"},
	{"out.mx.test", "A", "203.0.113.7"},
	{"bad.test", "TXT", "v=spf1 ip4:999.0.0.1 -all"},
	{"fail2.test", "TXT", "v=spf1 -ip4:192.0.2.25 ip4:192.0.2.0/24 -all"},
	{"amb.test", "TXT", "v=spf1 -a -ip4:192.0.2.99 -all"},
	{"amb.test", "A", "198.51.100.9"},
};

static void
test_results(void **state)
{
	static const struct {
		const char *domain, *ip, *want, *detail;
	} rows[] = {
		{"good.test", "192.0.2.25", "pass",
		    "decided by ip4:192.0.2.0/24 (domain of good.test designates"},
		{"good.test", "2001:db8::25", "pass", "ip6:2001:db8::/32"},
		{"good.test", "203.0.113.7", "fail", "decided by -all"},
		{"soft.test", "192.0.2.25", "softfail", "decided by ~all"},
		{"neutral.test", "192.0.2.25", "neutral", "decided by ?all"},
		{"inc.test", "192.0.2.25", "pass", "include:good.test"},
		{"inc.test", "203.0.113.8", "fail", "-all"},
		{"mx.test", "203.0.113.7", "pass", "a:out.mx.test"},
		{"mx.test", "192.0.2.25", "fail", "-all"},
		{"fail2.test", "192.0.2.25", "fail", "decided by -ip4:192.0.2.25"},
		{"fail2.test", "192.0.2.26", "pass", "decided by ip4:192.0.2.0/24"},
		{"fail2.test", "192.0.3.1", "fail", "decided by -all"},
		{"amb.test", "192.0.2.25", "fail", "decided by one of -a -all"},
		{"nosuch.test", "192.0.2.25", "none", ""},
		{"bad.test", "192.0.2.25", "permerror", "Failed to compile"},
		{"good.test", "not-an-ip", "permerror", "not an IP address"},
	};
	struct pd_spf *spf = pd_spf_create(1);
	struct buf detail;
	const char *got;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	assert_non_null(spf);
	for (i = 0; i < ROWS(zone); i++)
		assert_int_equal(pd_spf_zone_add(spf, zone[i].name, zone[i].type,
		    zone[i].data), 0);
	buf_init(&detail, 2048);
	for (i = 0; i < ROWS(rows); i++) {
		got = pd_spf_check(spf, rows[i].domain, rows[i].ip, &detail);
		if (strcmp(got, rows[i].want) != 0
		    || strstr(buf_str(&detail), rows[i].detail) == NULL)
			BAD("pd_spf_check(%s, %s): got %s \"%s\", want %s \"%s\"",
			    rows[i].domain, rows[i].ip, got, buf_str(&detail),
			    rows[i].want, rows[i].detail);
	}
	buf_fini(&detail);
	pd_spf_free(spf);
	if (bad)
		fail_msg("pd_spf_check: %d rows failed", bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
