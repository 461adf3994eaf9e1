/*
 * buf_test - the bounded buffer: at the bound, over it, printf
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

#define D10	"0123456789"
#define D70	D10 D10 D10 D10 D10 D10 D10	/* more than 64 bytes */
#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))

/* A failing row is printed and counted; the test fails once at the end. */
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

/* buf_append: what is there, what comes, what is there after. */
static void
test_append(void **state)
{
	static const struct {
		size_t	 max;
		const char *before, *add;
		int	 want;
		const char *after;
	} rows[] = {
		{8, "", "abcdefgh", 0, "abcdefgh"},	/* exactly at max */
		{8, "", "abcdefghi", -1, ""},		/* over max */
		{8, "abcd", "efgh", 0, "abcdefgh"},	/* fills to max */
		{8, "abcd", "efghi", -1, "abcd"},	/* over: unchanged */
		{8, "abcdefgh", "", 0, "abcdefgh"},	/* nothing, at max */
		{8, "abcdefgh", "i", -1, "abcdefgh"},	/* one past max */
		{0, "", "", 0, ""},			/* max 0, nothing */
		{0, "", "a", -1, ""},			/* max 0, one byte */
		{1, "", "a", 0, "a"},			/* max 1 */
		{200, "", D70, 0, D70},		/* past the first allocation */
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		buf_init(&b, rows[i].max);
		if (buf_puts(&b, rows[i].before) < 0)
			BAD("row %zu: setup failed", i);
		got = buf_append(&b, rows[i].add, strlen(rows[i].add));
		if (got != rows[i].want || strcmp(buf_str(&b), rows[i].after)
		    != 0 || b.len != strlen(rows[i].after))
			BAD("buf_append(max %zu, \"%s\" + \"%s\"): got "
			    "%d/\"%s\" (len %zu), want %d/\"%s\"",
			    rows[i].max, rows[i].before, rows[i].add, got,
			    buf_str(&b), b.len, rows[i].want, rows[i].after);
		if (b.data && b.data[b.len] != 0)
			BAD("row %zu: not NUL-terminated", i);
		if (b.data && b.size <= b.len)
			BAD("row %zu: size %zu <= len %zu", i, b.size, b.len);
		buf_fini(&b);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* buf_putc, one byte at a time up to and past max. */
static void
test_putc(void **state)
{
	struct buf b;
	int	 i;

	(void)state;
	buf_init(&b, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(buf_putc(&b, 'a' + i), 0);
	assert_int_equal(buf_putc(&b, 'x'), -1);	/* over max */
	assert_string_equal(buf_str(&b), "abc");
	assert_int_equal(b.len, 3);
	buf_fini(&b);
}

/* Bytes, not strings: a NUL inside counts toward len and max. */
static void
test_binary(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	assert_int_equal(buf_append(&b, "\0\0", 2), -1);	/* 5 > 4 */
	assert_int_equal(b.len, 3);
	buf_fini(&b);
}

/* buf_printf: the formatted length is what counts against max. */
static void
test_printf(void **state)
{
	static const struct {
		size_t	 max;
		const char *before;
		long	 n;
		int	 want;
		const char *after;
	} rows[] = {
		{5, "", 12345, 0, "12345"},		/* at max */
		{5, "", 123456, -1, ""},		/* over max */
		{5, "12", 345, 0, "12345"},		/* appends, to max */
		{5, "12", 3456, -1, "12"},		/* over: unchanged */
		{5, "", -1234, 0, "-1234"},		/* sign counts */
		{100, "x=", 42, 0, "x=42"},
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		buf_init(&b, rows[i].max);
		buf_puts(&b, rows[i].before);
		got = buf_printf(&b, "%ld", rows[i].n);
		if (got != rows[i].want || strcmp(buf_str(&b), rows[i].after)
		    != 0 || b.len != strlen(rows[i].after))
			BAD("buf_printf(max %zu, \"%s\" + %ld): got %d/\"%s\", "
			    "want %d/\"%s\"", rows[i].max, rows[i].before,
			    rows[i].n, got, buf_str(&b), rows[i].want,
			    rows[i].after);
		buf_fini(&b);
	}
	/* An empty format and a %s that grows the buffer. */
	buf_init(&b, 1000);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_printf(&b, "%0*d", 300, 7), 0);
	assert_int_equal(b.len, 300);
	assert_int_equal(b.data[299], '7');
	assert_int_equal(b.data[300], 0);
	buf_fini(&b);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* buf_set is reset + puts: past max it fails and leaves it empty. */
static void
test_set_reset(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_string_equal(buf_str(&b), "");	/* before any allocation */
	buf_reset(&b);				/* no allocation yet */
	assert_int_equal(buf_set(&b, "abcd"), 0);
	assert_string_equal(buf_str(&b), "abcd");
	assert_int_equal(buf_set(&b, "xy"), 0);
	assert_string_equal(buf_str(&b), "xy");
	assert_int_equal(buf_set(&b, "abcde"), -1);	/* over max */
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_fini(&b);
	assert_null(b.data);
	assert_string_equal(buf_str(&b), "");
	/* After buf_fini the buffer can be used again, same max. */
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_int_equal(buf_puts(&b, "e"), -1);
	buf_fini(&b);
}

/* A length near SIZE_MAX must fail the bound check, not wrap around. */
static void
test_huge(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(buf_puts(&b, "a"), 0);
	assert_int_equal(buf_append(&b, "", SIZE_MAX), -1);
	assert_int_equal(buf_append(&b, "", SIZE_MAX - 1), -1);
	assert_string_equal(buf_str(&b), "a");
	buf_fini(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_putc),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_set_reset),
		cmocka_unit_test(test_huge),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
