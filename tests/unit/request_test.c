/*
 * request_test - the policy request parser, line by line
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "request.h"

/* One line at a time: what it returns, and a field it sets. */
static void
test_lines(void **state)
{
	static char big[ADDR_MAX + 16], atmax[ADDR_MAX + 16];
	static const char nul[] = "sender=a\0b@example.com";
	struct {
		const char *line;
		size_t	 len;		/* 0: strlen */
		int	 want;
	} rows[] = {
		{"request=smtpd_access_policy", 0, 0},
		{"sender=bob@example.com", 0, 0},
		{"x_unknown_attribute=whatever", 0, 0},	/* skipped */
		{"=value", 0, -1},				/* empty name */
		{"no equals sign", 0, -1},
		{nul, sizeof(nul) - 1, -1},			/* NUL byte */
		{big, 0, -1},					/* over bound */
		{atmax, 0, 0},					/* at bound */
		{"recipient=", 0, 0},				/* empty value */
	};
	struct pd_request r;
	const char *why;
	size_t	 i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "sender=", 7);
	memset(atmax, 'a', sizeof(atmax) - 1);
	memcpy(atmax, "sender=", 7);
	atmax[7 + ADDR_MAX] = 0;		/* ADDR_MAX bytes of value */
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int	 got;

		pd_request_reset(&r);
		why = "";
		got = pd_request_line(&r, rows[i].line, rows[i].len ?
		    rows[i].len : strlen(rows[i].line), &why);
		if (got != rows[i].want)
			fail_msg("pd_request_line(\"%.40s\"): got %d (%s), want "
			    "%d", rows[i].line, got, why, rows[i].want);
	}
}

/* A whole request: fields, recipient_count, the end. */
static void
test_request(void **state)
{
	static const char *lines[] = {
		"request=smtpd_access_policy", "protocol_state=DATA",
		"sender=bob@example.com", "sasl_username=bob",
		"client_address=192.0.2.1", "recipient_count=42",
		"queue_id=4Xk2pT1c9Lz",
	};
	struct pd_request r;
	const char *why;
	size_t	 i;

	(void)state;
	pd_request_reset(&r);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(pd_request_line(&r, lines[i], strlen(lines[i]),
		    &why), 0);
	assert_int_equal(pd_request_line(&r, "", 0, &why), 1);
	assert_string_equal(r.protocol_state, "DATA");
	assert_string_equal(r.sender, "bob@example.com");
	assert_string_equal(r.sasl_username, "bob");
	assert_string_equal(r.queue_id, "4Xk2pT1c9Lz");
	assert_int_equal(r.recipient_count, 42);

	pd_request_reset(&r);
	assert_string_equal(r.sender, "");
	assert_int_equal(pd_request_line(&r, "recipient_count=x", 17, &why), 0);
	assert_int_equal(pd_request_line(&r, "", 0, &why), -1);
}

/* POLICY_ATTR_MAX lines are fine, one more is not. */
static void
test_attr_bound(void **state)
{
	struct pd_request r;
	const char *why;
	int	 i;

	(void)state;
	pd_request_reset(&r);
	for (i = 0; i < POLICY_ATTR_MAX; i++)
		assert_int_equal(pd_request_line(&r, "x=y", 3, &why), 0);
	assert_int_equal(pd_request_line(&r, "x=y", 3, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_attr_bound),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
