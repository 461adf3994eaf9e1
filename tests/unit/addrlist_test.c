/*
 * addrlist_test - RFC 5322 address lists and display names that pose as
 * addresses
 *
 * A parse row gives the header value and what must come out, written as
 * the test prints it: each mailbox as <addr> "display", joined by ", ";
 * or "!" and the reason for a value that must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bounds.h"
#include "buf.h"
#include "addrlist.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)
#define LIST_MAX	8

/* result - what mf_addrlist_parse() made of value, as rows write it */
static const char *
result(struct buf *b, const char *value, int max)
{
	struct mf_addr list[LIST_MAX];
	const char *why = "(unset)";
	int	 n = -1, i, r;

	assert_true(max <= LIST_MAX);
	buf_reset(b);
	r = mf_addrlist_parse(value, list, max, &n, &why);
	if (r < 0) {
		if (n != 0)
			buf_printf(b, "(n %d after error) ", n);
		buf_printf(b, "!%s", why);
		return (buf_str(b));
	}
	if (r != 0)
		buf_printf(b, "(returned %d) ", r);
	for (i = 0; i < n; i++)
		buf_printf(b, "%s<%s> \"%s\"", i ? ", " : "", list[i].addr,
		    list[i].display);
	return (buf_str(b));
}

/* mf_addrlist_parse: the forms of RFC 5322, and what must be refused. */
static void
test_parse(void **state)
{
	static const struct {
		const char *value;
		int	 max;		/* 0: LIST_MAX */
		const char *want;
	} rows[] = {
		/* mailboxes */
		{"alice@example.com", 0, "<alice@example.com> \"\""},
		{"Alice <alice@example.com>", 0,
		    "<alice@example.com> \"Alice\""},
		{"JOHN@EXAMPLE.COM", 0, "<JOHN@example.com> \"\""},
		{"\"Doe, John\" <john@Example.COM>", 0,
		    "<john@example.com> \"Doe, John\""},
		{"a@b.example, c@d.example", 0,
		    "<a@b.example> \"\", <c@d.example> \"\""},
		{"Alice <a@x.example>, Bob <b@y.example>, c@z.example", 0,
		    "<a@x.example> \"Alice\", <b@y.example> \"Bob\", "
		    "<c@z.example> \"\""},
		{"<alice@x.example>", 0, "<alice@x.example> \"\""},
		{"John Q. Public <jqp@x.example>", 0,
		    "<jqp@x.example> \"John Q. Public\""},	/* obs-phrase */
		{"J\xc3\xb6rg <joerg@x.example>", 0,
		    "<joerg@x.example> \"J\xc3\xb6rg\""},	/* UTF-8 */
		/* empty members */
		{", a@x.example,,", 0, "<a@x.example> \"\""},
		/* groups */
		{"undisclosed: a@b.example, c@d.example;", 0,
		    "<a@b.example> \"\", <c@d.example> \"\""},
		/* empty group */
		{"x:;", 0, ""},
		{"undisclosed-recipients:;, bob@x.example", 0,
		    "<bob@x.example> \"\""},
		{"team: Al <a@x.example>; , b@y.example", 0,
		    "<a@x.example> \"Al\", <b@y.example> \"\""},
		/* comments */
		{"team: a@x.example", 0, "<a@x.example> \"\""},	/* no ";" */
		{"alice@corp.example (Alice Smith)", 0,
		    "<alice@corp.example> \"Alice Smith\""},
		{"(a (<fake@x.example>) b) alice@corp.example", 0,
		    "<alice@corp.example> \"a (<fake@x.example>) b\""},
		{"alice(@evil.example)@corp.example", 0,
		    "<alice@corp.example> \"@evil.example\""},
		{"Alice (ceo@bank.example) <alice@corp.example> (x)", 0,
		    "<alice@corp.example> \"Alice\""},	/* the phrase wins */
		{"<alice@x.example> (Alice)", 0,
		    "<alice@x.example> \"Alice\""},
		{"a(1)@(2)b.example(3), c@d.example", 0,
		    "<a@b.example> \"1 2 3\", <c@d.example> \"\""},
		/* quoted strings */
		{"\"<ceo@bank.example>, x\" <alice@corp.example>", 0,
		    "<alice@corp.example> \"<ceo@bank.example>, x\""},
		{"\"a \\\"quoted\\\" name\" <a@x.example>", 0,
		    "<a@x.example> \"a \"quoted\" name\""},
		{"\"john doe\"@example.com", 0,
		    "<\"john doe\"@example.com> \"\""},
		{"\"john\"@example.com", 0, "<john@example.com> \"\""},
		{"\"a\\\"b\"@x.example", 0, "<\"a\\\"b\"@x.example> \"\""},
		{"\"\"@x.example", 0, "<\"\"@x.example> \"\""},
		/* obsolete forms, folding, literals */
		{"john . doe @ Example . COM", 0,
		    "<john.doe@example.com> \"\""},
		{"<@route1.example,@route2.example:user@Host.example>", 0,
		    "<user@host.example> \"\""},
		{"Bob <@r.example,,@s.example:bob@b.example>", 0,
		    "<bob@b.example> \"Bob\""},
		{"Alice\r\n <alice@x.example>,\r\n\tbob@y.example", 0,
		    "<alice@x.example> \"Alice\", <bob@y.example> \"\""},
		{"user@[192.0.2.1]", 0, "<user@[192.0.2.1]> \"\""},
		{"X <u@[IPv6:2001:DB8::1]>", 0, "<u@[ipv6:2001:db8::1]> \"X\""},
		/* encoded words */
		{"=?utf-8?q?ceo=40bank.example?= <alice@corp.example>", 0,
		    "<alice@corp.example> \"ceo@bank.example\""},
		{"=?ISO-8859-1?Q?Andr=E9?= Pirard <andre@x.example>", 0,
		    "<andre@x.example> \"Andr\xc3\xa9 Pirard\""},
		{"\"=?utf-8?b?Q0VP?=\" <a@x.example>", 0,
		    "<a@x.example> \"CEO\""},		/* in a quoted string */
		{"=?utf-8?q?a=00b?= <a@x.example>", 0,
		    "<a@x.example> \"a b\""},		/* NUL is no end */
		{"a@x.example (=?utf-8?q?Zo=C3=AB?=)", 0,
		    "<a@x.example> \"Zo\xc3\xab\""},	/* in a comment */
		/* bounds on the count */
		{"a@x.example, b@y.example", 2,
		    "<a@x.example> \"\", <b@y.example> \"\""},	/* at max */
		{"a@x.example, b@y.example, c@z.example", 2,
		    "!too many mailboxes"},			/* over */
		{"g: a@x.example, b@y.example, c@z.example;", 2,
		    "!too many mailboxes"},
		/* refused */
		{"", 0, "!no address"},
		{" (just a comment) ", 0, "!no address"},
		{"alice", 0, "!address without @domain"},
		{"Alice Smith", 0, "!address without @domain"},
		{"alice@", 0, "!missing domain"},
		{"@example.com", 0, "!empty local part"},
		{"Alice <alice@x.example", 0, "!missing >"},
		{"<>", 0, "!empty address <>"},
		{"Alice <>", 0, "!empty address <>"},
		{"\"unterminated <a@x.example>", 0, "!unbalanced quote"},
		{"a@x.example (unclosed", 0, "!unbalanced comment"},
		{"a@x.example (a (b)", 0, "!unbalanced comment"},
		{"a@[192.0.2.1", 0, "!unbalanced domain literal"},
		{"a@b.example c@d.example", 0, "!expected , between addresses"},
		{"Bob <bob@x.example> <c@d.example>", 0,
		    "!expected , between addresses"},
		{"a@b.example>", 0, "!expected , between addresses"},
		{"a b@c.example", 0, "!two words in a local part"},
		{"a@b..example", 0, "!bad domain"},
		{"a@b.example.", 0, "!bad domain"},
		{"<@r.example user@x.example>", 0, "!bad route in address"},
		{"g1: g2: a@b.example;;", 0, "!group inside a group"},
		{"\"ceo@bank.example\":;", 0,
		    "!group name looks like an address"},
		{"a@b.example;", 0, "!expected , between addresses"},
		{"; a@b.example", 0, "!unexpected ;"},
		{"a\x01@b.example", 0, "!unexpected character"},
		{"\"a\\\rb\"@x.example", 0, "!control character in address"},
		{"u@[1.2\\.3.4]", 0, "!bad domain literal"},
		{"u@[1.2.3.4\x01]", 0, "!bad domain literal"},
		{"a@b.example\\", 0, "!unexpected character"},
	};
	struct buf b;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&b, 65536);
	for (i = 0; i < ROWS(rows); i++) {
		const char *got = result(&b, rows[i].value,
		    rows[i].max ? rows[i].max : LIST_MAX);

		if (strcmp(got, rows[i].want) != 0)
			BAD("mf_addrlist_parse(\"%s\"): got %s, want %s",
			    rows[i].value, got, rows[i].want);
	}
	buf_fini(&b);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* fill - n copies of c, NUL-terminated, into a static-free caller array */
static char *
fill(char *out, size_t n, int c)
{
	memset(out, c, n);
	out[n] = 0;
	return (out);
}

/* Addresses and display names at their bounds and one byte over. */
static void
test_bounds(void **state)
{
	/* "@x.example" is 10 bytes: a local part of 246 makes ADDR_MAX. */
	static const struct {
		size_t	 local;		/* bytes of local part */
		size_t	 name;		/* bytes of display name */
		size_t	 fake;		/* local part of an address in it */
		const char *want;	/* "" for success, or "!why" */
	} rows[] = {
		{ADDR_MAX - 10, 0, 0, ""},			/* at max */
		{ADDR_MAX - 9, 0, 0, "!address longer than 256 bytes"},
		{5, MF_DISPLAY_MAX, 0, ""},			/* at max */
		{5, MF_DISPLAY_MAX + 1, 0,
		    "!display name longer than 512 bytes"},
		{5, 0, ADDR_MAX - 10, ""},	/* an address in it, at max */
		{5, 0, ADDR_MAX - 9,
		    "!address in display name longer than 256 bytes"},
	};
	struct buf b, v;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&b, 65536);
	buf_init(&v, 65536);
	for (i = 0; i < ROWS(rows); i++) {
		char	 local[1024], name[1024], fake[1024];
		const char *got;

		buf_reset(&v);
		if (rows[i].name)
			buf_printf(&v, "\"%s\" ", fill(name, rows[i].name,
			    'n'));
		if (rows[i].fake)
			buf_printf(&v, "\"%s@y.example\" ", fill(fake,
			    rows[i].fake, 'f'));
		buf_printf(&v, "<%s@x.example>", fill(local, rows[i].local,
		    'l'));
		got = result(&b, buf_str(&v), LIST_MAX);
		if (*rows[i].want ? strcmp(got, rows[i].want) != 0
		    : *got != '<' || strstr(got, local) == NULL)
			BAD("mf_addrlist_parse(local %zu, name %zu, fake %zu): "
			    "got %.80s, want %s", rows[i].local, rows[i].name,
			    rows[i].fake, got, *rows[i].want ? rows[i].want
			    : "the address");
	}
	buf_fini(&b);
	buf_fini(&v);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* max mailboxes exactly, and one more: the caller's array, not ours. */
static void
test_many(void **state)
{
	struct mf_addr list[64];
	struct buf v;
	const char *why = NULL;
	int	 i, n = -1;

	(void)state;
	buf_init(&v, 65536);
	for (i = 0; i < 64; i++)
		buf_printf(&v, "%su%d@x.example", i ? ", " : "", i);
	assert_int_equal(mf_addrlist_parse(buf_str(&v), list, 64, &n, &why), 0);
	assert_int_equal(n, 64);
	assert_string_equal(list[63].addr, "u63@x.example");
	buf_puts(&v, ", one@more.example");
	assert_int_equal(mf_addrlist_parse(buf_str(&v), list, 64, &n, &why),
	    -1);
	assert_int_equal(n, 0);
	assert_string_equal(why, "too many mailboxes");
	buf_fini(&v);
}

/* mf_addrlist_display_addr(_n): display names that pose as addresses. */
static void
test_display_addr(void **state)
{
	static const struct {
		const char *value;	/* one mailbox */
		int	 i;		/* which such text */
		size_t	 len;		/* 0: ADDR_MAX + 1 */
		int	 want;
		const char *out;
	} rows[] = {
		{"=?utf-8?q?ceo=40bank.example?= <alice@corp.example>", 0, 0, 1,
		    "ceo@bank.example"},
		{"\"CEO ceo@Bank.Example\" <alice@corp.example>", 0, 0, 1,
		    "ceo@bank.example"},		/* domain lower-cased */
		{"\"alice@corp.example\" <alice@corp.example>", 0, 0, 0, ""},
		{"\"ALICE@Corp.Example\" <alice@corp.example>", 0, 0, 0, ""},
		{"Alice Smith <alice@corp.example>", 0, 0, 0, ""},
		{"\"ceo\xef\xbc\xa0" "bank\xef\xbc\x8e" "example\" "
		    "<alice@corp.example>", 0, 0, 1,
		    "ceo@bank.example"},		/* fullwidth @ and . */
		{"\"ceo@ba\xe2\x80\x8bnk.example\" <alice@corp.example>", 0, 0,
		    1, "ceo@bank.example"},		/* zero-width space */
		/* NBSP: no local part */
		{"\"ceo\xc2\xa0@bank.example\" <alice@corp.example>", 0, 0, 0,
		    ""},
		{"\"ceo@localhost\" <alice@corp.example>", 0, 0, 0, ""},
		{"\"@bank.example\" <alice@corp.example>", 0, 0, 0, ""},
		{"\"mailto:ceo@bank.example.\" <alice@corp.example>", 0, 0, 1,
		    "ceo@bank.example"},
		/* a comment as the name */
		{"alice@corp.example (ceo@bank.example)", 0, 0, 1,
		    "ceo@bank.example"},
		/* own address skipped */
		{"\"alice@corp.example, ceo@bank.example\" "
		    "<alice@corp.example>",
		    0, 0, 1, "ceo@bank.example"},
		{"\"a@x.example b@y.example\" <c@z.example>", 1, 0, 1,
		    "b@y.example"},
		{"\"a@x.example b@y.example\" <c@z.example>", 2, 0, 0, ""},
		{"\"ceo@bank.example\" <alice@corp.example>", 0, 17, 1,
		    "ceo@bank.example"},		/* fits exactly */
		{"\"ceo@bank.example\" <alice@corp.example>", 0, 16, -1, ""},
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		struct mf_addr list[1];
		char	 out[ADDR_MAX + 1] = "";
		const char *why = NULL;
		int	 n = 0, got;

		if (mf_addrlist_parse(rows[i].value, list, 1, &n, &why) < 0
		    || n != 1) {
			BAD("row %zu: \"%s\" does not parse: %s", i,
			    rows[i].value, why ? why : "");
			continue;
		}
		got = rows[i].i == 0 && rows[i].len == 0
		    ? mf_addrlist_display_addr(list, out, sizeof(out))
		    : mf_addrlist_display_addr_n(list, rows[i].i, out,
		    rows[i].len ? rows[i].len : sizeof(out));
		if (got != rows[i].want || (got == 1
		    && strcmp(out, rows[i].out) != 0))
			BAD("mf_addrlist_display_addr_n(\"%s\", %d, len %zu): "
			    "got %d/\"%s\", want %d/\"%s\"", rows[i].value,
			    rows[i].i, rows[i].len, got, got == 1 ? out : "",
			    rows[i].want, rows[i].out);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_display_addr),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
