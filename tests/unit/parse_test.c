/*
 * parse_test - numbers, durations and flags: ranges, overflow, garbage
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

#define UNSET	777			/* *v must keep this on error */
#define MAX64	UINT64_MAX

struct num_row {
	const char *s;
	uint64_t min, max;
	int	 want;
	uint64_t v;			/* the value, or UNSET on error */
};

/* num_rows - run parse_uint or parse_time over rows; failures counted */
static int
num_rows(const char *name, int (*fn)(const char *, uint64_t, uint64_t,
    uint64_t *, const char **), const struct num_row *rows, size_t n)
{
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < n; i++) {
		uint64_t v = UNSET;
		const char *why = NULL;
		int	 got;

		got = fn(rows[i].s, rows[i].min, rows[i].max, &v, &why);
		if (got != rows[i].want || v != rows[i].v)
			BAD("%s(\"%s\", %llu, %llu): got %llu/%d, want %llu/%d",
			    name, rows[i].s, (unsigned long long)rows[i].min,
			    (unsigned long long)rows[i].max,
			    (unsigned long long)v, got,
			    (unsigned long long)rows[i].v, rows[i].want);
		if (got < 0 && (why == NULL || *why == 0))
			BAD("%s(\"%s\"): no reason given", name, rows[i].s);
	}
	return (bad);
}

static void
test_parse_uint(void **state)
{
	static const struct num_row rows[] = {
		{"0", 0, 10, 0, 0},
		{"10", 0, 10, 0, 10},			/* at max */
		{"11", 0, 10, -1, UNSET},		/* over max */
		{"86400", 0, 86400, 0, 86400},		/* at max */
		{"86401", 0, 86400, -1, UNSET},		/* over max */
		{"5", 5, 10, 0, 5},			/* at min */
		{"4", 5, 10, -1, UNSET},		/* below min */
		{"0", 1, 10, -1, UNSET},		/* below min */
		{"007", 0, 10, 0, 7},			/* leading zeros */
		{"18446744073709551615", 0, MAX64, 0, MAX64},	/* UINT64_MAX */
		{"18446744073709551616", 0, MAX64, -1, UNSET},	/* overflow */
		{"18446744073709551620", 0, MAX64, -1, UNSET},	/* overflow */
		{"99999999999999999999999", 0, MAX64, -1, UNSET},
		{"00000000000000000000001", 0, MAX64, 0, 1},	/* long */
		{"", 0, 10, -1, UNSET},			/* empty */
		{"abc", 0, 10, -1, UNSET},
		{"12abc", 0, 100, -1, UNSET},		/* trailing garbage */
		{"1 ", 0, 10, -1, UNSET},		/* trailing space */
		{" 1", 0, 10, -1, UNSET},		/* leading space */
		{"-1", 0, 10, -1, UNSET},		/* no sign */
		{"+1", 0, 10, -1, UNSET},
		{"0x10", 0, 100, -1, UNSET},		/* decimal only */
		{"1e3", 0, 10000, -1, UNSET},
		{"1.0", 0, 10, -1, UNSET},
		{"1s", 0, 10, -1, UNSET},		/* no units here */
	};

	(void)state;
	if (num_rows("parse_uint", parse_uint, rows, ROWS(rows)))
		fail_msg("parse_uint: some rows failed");
}

static void
test_parse_time(void **state)
{
	static const struct num_row rows[] = {
		{"90", 0, 3600, 0, 90},			/* bare: seconds */
		{"90s", 0, 3600, 0, 90},
		{"15m", 0, 3600, 0, 900},
		{"1h", 0, 86400, 0, 3600},
		{"1d", 0, 86400, 0, 86400},
		{"1w", 0, MAX64, 0, 604800},
		{"0", 0, 10, 0, 0},
		{"0", 1, 10, -1, UNSET},		/* below min */
		{"1s", 1, 10, 0, 1},			/* at min */
		{"60m", 1, 3600, 0, 3600},		/* at max, via unit */
		{"3600", 1, 3600, 0, 3600},		/* at max */
		{"3601", 1, 3600, -1, UNSET},		/* over max */
		{"61m", 1, 3600, -1, UNSET},		/* over max, via unit */
		{"2h", 1, 3600, -1, UNSET},
		{"1x", 0, 3600, -1, UNSET},		/* bad unit */
		{"1H", 0, 86400, -1, UNSET},		/* lower case only */
		{"1hh", 0, 86400, -1, UNSET},		/* garbage after unit */
		{"1h30m", 0, 86400, -1, UNSET},		/* one unit only */
		{"1h ", 0, 86400, -1, UNSET},
		{"1 h", 0, 86400, -1, UNSET},
		{"1.5h", 0, 86400, -1, UNSET},
		{"h", 0, 86400, -1, UNSET},		/* no number */
		{"", 0, 86400, -1, UNSET},
		{"-1s", 0, 86400, -1, UNSET},
		{"18446744073709551615", 0, MAX64, 0, MAX64},	/* max, s */
		{"18446744073709551616", 0, MAX64, -1, UNSET},	/* overflow */
		{"307445734561825860m", 0, MAX64, 0,
		    307445734561825860ULL * 60},
		{"307445734561825861m", 0, MAX64, -1, UNSET},	/* overflow */
		{"5124095576030431h", 0, MAX64, 0, 5124095576030431ULL * 3600},
		{"5124095576030432h", 0, MAX64, -1, UNSET},	/* overflow */
		{"213503982334601d", 0, MAX64, 0, 213503982334601ULL * 86400},
		{"213503982334602d", 0, MAX64, -1, UNSET},	/* overflow */
		{"30500568904943w", 0, MAX64, 0, 30500568904943ULL * 604800},
		{"30500568904944w", 0, MAX64, -1, UNSET},	/* overflow */
	};

	(void)state;
	if (num_rows("parse_time", parse_time, rows, ROWS(rows)))
		fail_msg("parse_time: some rows failed");
}

static void
test_parse_bool(void **state)
{
	static const struct {
		const char *s;
		int	 want, v;
	} rows[] = {
		{"yes", 0, 1}, {"no", 0, 0},
		{"true", 0, 1}, {"false", 0, 0},
		{"on", 0, 1}, {"off", 0, 0},
		{"1", 0, 1}, {"0", 0, 0},
		{"YES", 0, 1}, {"No", 0, 0},		/* any case */
		{"TRUE", 0, 1}, {"Off", 0, 0},
		{"y", -1, UNSET}, {"n", -1, UNSET},	/* no abbreviations */
		{"", -1, UNSET},
		{"yes ", -1, UNSET}, {" yes", -1, UNSET},
		{"2", -1, UNSET}, {"01", -1, UNSET},
		{"yess", -1, UNSET}, {"ye", -1, UNSET},
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 v = UNSET;
		const char *why = NULL;
		int	 got = parse_bool(rows[i].s, &v, &why);

		if (got != rows[i].want || v != rows[i].v)
			BAD("parse_bool(\"%s\"): got %d/%d, want %d/%d",
			    rows[i].s, v, got, rows[i].v, rows[i].want);
		if (got < 0 && why == NULL)
			BAD("parse_bool(\"%s\"): no reason given", rows[i].s);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/*
 * format_duration rounds up ("frees in ..." must not promise too early),
 * and a value that rounds up to the next unit is shown in that unit:
 * never "60m", "23h60m" or "1d24h".
 */
static void
test_format_duration(void **state)
{
	static const struct {
		uint64_t secs;
		const char *want;
	} rows[] = {
		{0, "0s"},
		{59, "59s"},
		{60, "1m"},
		{61, "2m"},			/* rounds up */
		{3540, "59m"},
		{3541, "1h00m"},		/* 59m01s: next unit */
		{3599, "1h00m"},
		{3600, "1h00m"},
		{3601, "1h01m"},
		{5400, "1h30m"},
		{86340, "23h59m"},
		{86399, "1d00h"},		/* not "23h60m" */
		{86400, "1d00h"},
		{86401, "1d01h"},
		{172799, "2d00h"},		/* not "1d24h" */
		{172800, "2d00h"},
	};
	char	 out[32];
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		format_duration(out, sizeof(out), rows[i].secs);
		if (strcmp(out, rows[i].want) != 0)
			BAD("format_duration(%llu): got \"%s\", want \"%s\"",
			    (unsigned long long)rows[i].secs, out,
			    rows[i].want);
	}
	/* A short buffer is cut, but terminated. */
	format_duration(out, 3, 5400);
	assert_string_equal(out, "1h");
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_format_duration),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
