/*
 * addr_test - address parts, extensions, and lookups in access(5) order
 *
 * A lookup row carries its own small texthash table (the keys, each
 * mapping to itself) and the key that must match first, so a row pins
 * the order: put two candidates in, see which one wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr.h"
#include "bounds.h"
#include "buf.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static const char *const status_name[] = {
	[TABLE_FOUND] = "FOUND",
	[TABLE_NOTFOUND] = "NOTFOUND",
	[TABLE_ERROR] = "ERROR",
};

static char tmpdir[] = "/tmp/addr_test.XXXXXX";
static char olddir[4096];

/* Addresses of ADDR_MAX and ADDR_MAX + 1 bytes, made by setup(). */
static char at_max[ADDR_MAX + 1], over_max[ADDR_MAX + 2];

#define LP	ADDR_LOCALPART
#define PA	ADDR_PARENT

/* addr_lookup: which key matches first. */
static void
test_lookup_order(void **state)
{
	static const struct {
		const char *keys;	/* the table: each key maps to itself */
		const char *addr, *delim;
		int	 flags;
		size_t	 valmax;	/* 0: TABLE_VALUE_MAX */
		enum table_status want;
		const char *matched;
	} rows[] = {
		/* user+ext@domain, user@domain, user@, @domain */
		{"user+ext@example.com user@example.com user@ @example.com",
		    "user+ext@example.com", "+", LP, 0, TABLE_FOUND,
		    "user+ext@example.com"},
		{"user@example.com user@ @example.com",
		    "user+ext@example.com", "+", LP, 0, TABLE_FOUND,
		    "user@example.com"},
		{"user@ @example.com", "user+ext@example.com", "+", LP, 0,
		    TABLE_FOUND, "user@"},
		{"user@ @example.com", "user+ext@example.com", "+", 0, 0,
		    TABLE_FOUND, "@example.com"},	/* user@ only with LP */
		{"@example.com", "user+ext@example.com", "+", LP, 0,
		    TABLE_FOUND, "@example.com"},
		{"user@", "user@example.com", "+", LP, 0, TABLE_FOUND,
		    "user@"},
		/* only "user@" is tried, without the extension */
		{"user+ext@", "user+ext@example.com", "+", LP, 0,
		    TABLE_NOTFOUND, 0},
		{"user@example.com", "user@example.net", "+", LP, 0,
		    TABLE_NOTFOUND, 0},
		/* the address as given; texthash folds */
		{"user@example.com", "USER@Example.COM", "+", 0, 0,
		    TABLE_FOUND, "USER@Example.COM"},
		/* recipient_delimiter: none, several, leading */
		{"user@example.com", "user+ext@example.com", "", 0, 0,
		    TABLE_NOTFOUND, 0},
		{"user@example.com", "user+ext@example.com", NULL, 0, 0,
		    TABLE_NOTFOUND, 0},
		{"user@example.com", "user-ext@example.com", "+-", 0, 0,
		    TABLE_FOUND, "user@example.com"},
		{"user@example.com", "user+a-b@example.com", "-+", 0, 0,
		    TABLE_FOUND, "user@example.com"},
		{"user@example.com @example.com", "+user@example.com", "+", 0,
		    0, TABLE_FOUND, "@example.com"},
		{"user@example.com", "user+@example.com", "+", 0, 0,
		    TABLE_FOUND, "user@example.com"},
		{"user", "user+ext", "+", LP, 0, TABLE_FOUND, "user"},
		{"@example.com", "user", "+", LP | PA, 0, TABLE_NOTFOUND, 0},
		/* parent domains, nearest first, only with ADDR_PARENT */
		{"@example.org", "x@a.b.example.org", "+", PA, 0, TABLE_FOUND,
		    "@example.org"},
		{"@example.org", "x@a.b.example.org", "+", 0, 0,
		    TABLE_NOTFOUND, 0},
		{"@example.org @b.example.org", "x@a.b.example.org", "+", PA,
		    0, TABLE_FOUND, "@b.example.org"},
		{"@example.org", "x@example.org", "+", 0, 0, TABLE_FOUND,
		    "@example.org"},
		{"@org", "x@example.org", "+", PA, 0, TABLE_FOUND, "@org"},
		{"@example.org", "x@Example.ORG", "+", PA, 0, TABLE_FOUND,
		    "@Example.ORG"},
		/* a trailing dot: an empty domain is never a key */
		{"@", "x@example.org.", "+", PA, 0, TABLE_NOTFOUND, 0},
		{"@", "x@.", "+", PA, 0, TABLE_NOTFOUND, 0},
		{"@org.", "x@example.org.", "+", PA, 0, TABLE_FOUND, "@org."},
		{"@x", "x@example.org.", "+", PA, 0, TABLE_NOTFOUND, 0},
		{"@x", "x@.", "+", PA, 0, TABLE_NOTFOUND, 0},
		/* an error ends the search: it is never "not found" */
		{"user@example.com @example.com", "user+ext@example.com", "+",
		    LP | PA, 4, TABLE_ERROR, 0},
		/* ADDR_MAX: at it and over it */
		{"@example.com", at_max, "+", 0, 0, TABLE_FOUND,
		    "@example.com"},
		{"@example.com", over_max, "+", 0, 0, TABLE_NOTFOUND, 0},
	};
	struct buf src, val, matched, err;
	struct table *t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&src, 4096);
	buf_init(&matched, ADDR_MAX + 2);
	buf_init(&err, 4096);
	for (i = 0; i < ROWS(rows); i++) {
		enum table_status got;
		char	*keys = xstrdup(rows[i].keys), *cp = keys, *k;
		char	*addr = xstrdup(rows[i].addr);	/* exact size, heap */
		int	 fd;

		buf_reset(&src);
		while ((k = strsep(&cp, " ")) != NULL)
			buf_printf(&src, "%s %s\n", k, k);
		xfree(keys);
		if ((fd = open("t", O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0
		    || write(fd, src.data, src.len) != (ssize_t)src.len)
			fail_msg("write t: %s", strerror(errno));
		close(fd);
		if ((t = table_open("texthash:t", TABLE_STRICT, &err)) == NULL)
			fail_msg("table_open: %s", buf_str(&err));
		buf_init(&val, rows[i].valmax ? rows[i].valmax :
		    TABLE_VALUE_MAX);
		buf_set(&matched, "(none)");
		got = addr_lookup(t, addr, rows[i].delim, rows[i].flags, &val,
		    &matched);
		if (got != rows[i].want || (got == TABLE_FOUND
		    && strcmp(buf_str(&matched), rows[i].matched) != 0))
			BAD("addr_lookup([%s], \"%.60s\", \"%s\", %d): got %s "
			    "%s, want %s %s", rows[i].keys, addr,
			    rows[i].delim ? rows[i].delim : "(null)",
			    rows[i].flags, status_name[got], buf_str(&matched),
			    status_name[rows[i].want], rows[i].matched ?
			    rows[i].matched : "");
		/* matched is NULL: no key wanted back */
		if (addr_lookup(t, addr, rows[i].delim, rows[i].flags, &val,
		    NULL) != got)
			BAD("addr_lookup(\"%.60s\", matched NULL): another "
			    "answer", addr);
		xfree(addr);
		buf_fini(&val);
		table_close(t);
	}
	/* No table: not found. */
	buf_init(&val, 100);
	assert_int_equal(addr_lookup(NULL, "user@example.com", "+", LP | PA,
	    &val, &matched), TABLE_NOTFOUND);
	buf_fini(&val);
	buf_fini(&src);
	buf_fini(&matched);
	buf_fini(&err);
	unlink("t");
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* addr_strip_ext: multiple delimiters, a leading one, the out bound. */
static void
test_strip_ext(void **state)
{
	static const struct {
		const char *addr, *delim;
		size_t	 outlen;		/* 0: ADDR_MAX + 2 */
		int	 want;
		const char *out;
	} rows[] = {
		{"user+ext@example.com", "+", 0, 1, "user@example.com"},
		{"user@example.com", "+", 0, 0, "user@example.com"},
		{"user+a+b@example.com", "+", 0, 1, "user@example.com"},
		{"user++x@example.com", "+", 0, 1, "user@example.com"},
		{"user+@example.com", "+", 0, 1, "user@example.com"},
		{"user-a+b@example.com", "+-", 0, 1, "user@example.com"},
		{"user+a-b@example.com", "+-", 0, 1, "user@example.com"},
		{"user-a@example.com", "+", 0, 0, "user-a@example.com"},
		{"+user@example.com", "+", 0, 0, "+user@example.com"},
		{"-user+x@example.com", "+-", 0, 0, "-user+x@example.com"},
		{"user@ex+ample.com", "+", 0, 0, "user@ex+ample.com"},
		{"user+ext", "+", 0, 1, "user"},		/* no domain */
		{"user+ext@example.com", "", 0, 0, "user+ext@example.com"},
		{"user+ext@example.com", NULL, 0, 0, "user+ext@example.com"},
		{"a+b@c", "+", 6, 1, "a@c"},		/* fits: 5 + NUL */
		{"a+b@c", "+", 5, -1, 0},		/* does not fit */
		{"a@c", "+", 4, 0, "a@c"},
		{"a@c", "+", 3, -1, 0},
		/* as Postfix: with "-" a delimiter, owner-x and x-request
		 * stay whole (split_addr.c), and so does MAILER-DAEMON */
		{"owner-list@example.com", "-", 0, 0, "owner-list@example.com"},
		{"list-request@example.com", "-", 0, 0,
		    "list-request@example.com"},
		{"MAILER-DAEMON@example.com", "-", 0, 0,
		    "MAILER-DAEMON@example.com"},
		{"owner-list@example.com", "+", 0, 0, "owner-list@example.com"},
		{"list-x@example.com", "-", 0, 1, "list@example.com"},
	};
	char	 out[ADDR_MAX + 2];
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		size_t	 outlen = rows[i].outlen ? rows[i].outlen : sizeof(out);
		int	 got;

		strcpy(out, "(unset)");
		got = addr_strip_ext(rows[i].addr, rows[i].delim, out, outlen);
		if (got != rows[i].want || (got >= 0
		    && strcmp(out, rows[i].out) != 0))
			BAD("addr_strip_ext(\"%s\", \"%s\", %zu): got "
			    "%d/\"%s\", want %d/\"%s\"", rows[i].addr,
			    rows[i].delim ? rows[i].delim : "(null)", outlen,
			    got, got >= 0 ? out : "", rows[i].want,
			    rows[i].out ? rows[i].out : "");
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* addr_valid and addr_domain. */
static void
test_valid(void **state)
{
	static const struct {
		const char *addr;
		int	 want;
	} rows[] = {
		{"a@b", 1},
		{"user+ext@example.com", 1},
		{"a@b@c", 1},			/* the last @ splits */
		{"@b", 0},			/* empty local part */
		{"a@", 0},			/* empty domain */
		{"@", 0},
		{"ab", 0},			/* no @ */
		{"", 0},
		{"a b@c", 0},			/* white space */
		{"a@b c", 0},
		{"a\t@b", 0},
		{"a@b\r", 0},			/* control characters */
		{"a\x01@b", 0},
		{"a@b\x7f", 0},
		{"<a@b>", 0},			/* brackets */
		{"a<@b", 0},
		{"\"a b\"@c", 0},		/* quoted space: refused too */
		{"\xc3\xa4@b", 1},		/* UTF-8 local part */
		{at_max, 1},			/* ADDR_MAX bytes */
		{over_max, 0},			/* ADDR_MAX + 1 */
	};
	static const struct {
		const char *addr, *domain;
	} dom[] = {
		{"a@b", "b"},
		{"a@b@c", "c"},
		{"a@", ""},
		{"@b", "b"},
		{"ab", NULL},
		{"", NULL},
	};
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 got = addr_valid(rows[i].addr);

		if (got != rows[i].want)
			BAD("addr_valid(\"%.60s\"): got %d, want %d",
			    rows[i].addr, got, rows[i].want);
	}
	for (i = 0; i < ROWS(dom); i++) {
		const char *got = addr_domain(dom[i].addr);

		if ((got == NULL) != (dom[i].domain == NULL) || (got
		    && strcmp(got, dom[i].domain) != 0))
			BAD("addr_domain(\"%s\"): got \"%s\", want \"%s\"",
			    dom[i].addr, got ? got : "(null)", dom[i].domain ?
			    dom[i].domain : "(null)");
	}
	if (bad)
		fail_msg("%d rows failed", bad);
}

static int
setup(void **state)
{
	static const char dom[] = "@example.com";

	(void)state;
	msg_open("addr_test", MSG_STDERR);
	memset(at_max, 'a', ADDR_MAX - strlen(dom));
	strcat(at_max, dom);
	memset(over_max, 'a', ADDR_MAX + 1 - strlen(dom));
	strcat(over_max, dom);
	if (strlen(at_max) != ADDR_MAX || strlen(over_max) != ADDR_MAX + 1)
		return (-1);
	if (getcwd(olddir, sizeof(olddir)) == NULL
	    || mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink("t");
	if (chdir(olddir) < 0 || rmdir(tmpdir) < 0)
		return (-1);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_strip_ext),
		cmocka_unit_test(test_valid),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
