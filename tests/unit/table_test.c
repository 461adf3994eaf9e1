/*
 * table_test - texthash, cidr and lmdb tables, lists, and open errors
 *
 * Each table source is written to a private directory under a short
 * name, so warnings ("t1, line 2: ...") are stable. A row is a key and
 * the answer: status and value. The lmdb cases build their file with
 * Postfix's own postmap(1) and are skipped when it is not installed.
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bounds.h"
#include "buf.h"
#include "msg.h"
#include "table.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)
#define W(text)	"table_test: warning: " text "\n"

static const char *const status_name[] = {
	[TABLE_FOUND] = "FOUND",
	[TABLE_NOTFOUND] = "NOTFOUND",
	[TABLE_ERROR] = "ERROR",
};

static char tmpdir[] = "/tmp/table_test.XXXXXX";
static char olddir[4096];

/* Keys at and past TABLE_KEY_MAX, filled in by setup(). */
static char k511[TABLE_KEY_MAX + 1], K511[TABLE_KEY_MAX + 1];
static char l512[TABLE_KEY_MAX + 2];

/* write_file - name gets the text, then mode */
static void
write_file(const char *name, const char *text, mode_t mode)
{
	tu_write_file(name, text, strlen(text), mode);
}

/* open_quiet - table_open with warnings captured into warn */
static struct table *
open_quiet(const char *spec, int flags, struct buf *err, struct buf *warn)
{
	struct table *t;

	tu_capture_begin();
	t = table_open(spec, flags, err);
	tu_capture_end(warn);
	return (t);
}

struct row {
	const char *key;
	enum table_status want;
	const char *val;		/* on TABLE_FOUND */
};

/* lookup_rows - each row against t; failures counted */
static int
lookup_rows(struct table *t, const struct row *rows, size_t n)
{
	struct buf val, warn;
	size_t	 i;
	int	 bad = 0;

	buf_init(&val, TABLE_VALUE_MAX);
	buf_init(&warn, 4096);
	for (i = 0; i < n; i++) {
		enum table_status got;

		tu_capture_begin();
		got = table_lookup(t, rows[i].key, &val);
		tu_capture_end(&warn);
		if (got != rows[i].want || (got == TABLE_FOUND
		    && strcmp(buf_str(&val), rows[i].val) != 0))
			BAD("table_lookup(%s, \"%.60s\"): got %s \"%s\", want "
			    "%s \"%s\"%s%s", table_name(t), rows[i].key,
			    status_name[got], got == TABLE_FOUND ?
			    buf_str(&val) : "", status_name[rows[i].want],
			    rows[i].val ? rows[i].val : "", warn.len ?
			    "; logged: " : "", buf_str(&warn));
	}
	buf_fini(&val);
	buf_fini(&warn);
	return (bad);
}

/* texthash: folding, first duplicate wins, warnings, key bound. */
static void
test_texthash(void **state)
{
	static const struct row rows[] = {
		{"alice@example.com", TABLE_FOUND, "alice-first"},
		{"ALICE@EXAMPLE.COM", TABLE_FOUND, "alice-first"},
		{"Alice@example.Com", TABLE_FOUND, "alice-first"},
		{"bob@example.com", TABLE_FOUND, "Mixed Case  Value"},
		{"@example.net", TABLE_FOUND, "domain"},
		{"example.net", TABLE_NOTFOUND, 0},
		{"novalue", TABLE_NOTFOUND, 0},		/* skipped line */
		{"dave@example.com", TABLE_FOUND, "continued"},
		{"tab@example.com", TABLE_FOUND, "tab\tinside"},
		{"\"quoted\"", TABLE_FOUND, "quotes are plain text"},
		{k511, TABLE_FOUND, "at-key-bound"},	/* at TABLE_KEY_MAX */
		{K511, TABLE_FOUND, "at-key-bound"},
		{l512, TABLE_NOTFOUND, 0},		/* over: skipped */
		{"nobody@example.com", TABLE_NOTFOUND, 0},
		{"", TABLE_NOTFOUND, 0},
	};
	struct buf src, err, warn;
	struct table *t;
	int	 bad;

	(void)state;
	buf_init(&src, 65536);
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	buf_printf(&src,
	    "# texthash test\n"
	    "Alice@Example.COM\talice-first\n"		/* line 2 */
	    "alice@example.com\talice-second\n"		/* 3: duplicate */
	    "bob@example.com   Mixed Case  Value   \n"	/* 4 */
	    "novalue\n"					/* 5: no value */
	    "@example.net domain\n"			/* 6 */
	    "%s at-key-bound\n"				/* 7 */
	    "%s over-key-bound\n"			/* 8: key too long */
	    "dave@example.com\n"			/* 9 */
	    " continued\n"
	    "tab@example.com tab\tinside\n"		/* 11 */
	    "\"quoted\" quotes are plain text\n"	/* 12 */
	    "ALICE@EXAMPLE.COM\talice-third\n",		/* 13: duplicate */
	    K511, l512);
	write_file("t1", buf_str(&src), 0644);
	t = open_quiet("texthash:t1", 0, &err, &warn);
	assert_non_null(t);
	assert_string_equal(table_name(t), "texthash:t1");
	assert_string_equal(buf_str(&warn),
	    W("t1, line 3: duplicate key, the first one wins: skipping this "
	    "entry")
	    W("t1, line 5: expected \"key value\": skipping this entry")
	    W("t1, line 8: key longer than 511 bytes (the LMDB key limit): "
	    "skipping this entry")
	    W("t1, line 13: duplicate key, the first one wins: skipping "
	    "this entry"));
	bad = lookup_rows(t, rows, ROWS(rows));
	table_close(t);

	/* TABLE_STRICT: the first problem fails the open. */
	t = open_quiet("texthash:t1", TABLE_STRICT, &err, &warn);
	assert_null(t);
	assert_string_equal(buf_str(&err), "t1, line 3: duplicate key, the "
	    "first one wins");
	assert_string_equal(buf_str(&warn), "");

	/* An empty file is an empty table. */
	write_file("t0", "# nothing\n", 0644);
	t = open_quiet("texthash:t0", TABLE_STRICT, &err, &warn);
	assert_non_null(t);
	bad += lookup_rows(t, rows + ROWS(rows) - 2, 2);
	table_close(t);

	/* A first line that starts with white space fails the open. */
	write_file("t2", " a b\nc d\n", 0644);
	assert_null(open_quiet("texthash:t2", 0, &err, &warn));
	assert_string_equal(buf_str(&err), "t2, line 1: continuation line "
	    "without a preceding line");
	buf_fini(&src);
	buf_fini(&err);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d rows failed", bad);
}

/* TABLE_LINE_MAX: a source line at the bound is read, one past it fails. */
static void
test_line_bound(void **state)
{
	static const struct {
		const char *spec;
		size_t	 len;		/* of the line, without its newline */
		const char *err;
	} rows[] = {
		{"texthash:tl", TABLE_LINE_MAX, ""},
		{"texthash:tl", TABLE_LINE_MAX + 1,
		    "tl, line 1: line longer than 65536 bytes"},
		{"cidr:tl", TABLE_LINE_MAX, ""},
		{"cidr:tl", TABLE_LINE_MAX + 1,
		    "tl, line 1: line longer than 65536 bytes"},
	};
	struct buf src, err, warn, val;
	struct table *t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&src, 2 * TABLE_LINE_MAX);
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	buf_init(&val, TABLE_VALUE_MAX);
	for (i = 0; i < ROWS(rows); i++) {
		/* "10.0.0.0/8 xxx...": a key for either type */
		buf_set(&src, "10.0.0.0/8 ");
		while (src.len < rows[i].len)
			buf_putc(&src, 'x');
		buf_putc(&src, '\n');
		write_file("tl", buf_str(&src), 0644);
		t = open_quiet(rows[i].spec, TABLE_STRICT, &err, &warn);
		if ((t == NULL) != (*rows[i].err != 0)
		    || strcmp(buf_str(&err), rows[i].err) != 0)
			BAD("table_open(%s, a %zu-byte line): got \"%s\", want "
			    "\"%s\"", rows[i].spec, rows[i].len, buf_str(&err),
			    rows[i].err);
		if (t && (table_lookup(t, strncmp(rows[i].spec, "cidr", 4)
		    ? "10.0.0.0/8" : "10.1.1.1", &val) != TABLE_FOUND
		    || val.len != rows[i].len - 11))
			BAD("table_lookup(%s, a %zu-byte line): value of %zu "
			    "bytes", rows[i].spec, rows[i].len, val.len);
		table_close(t);
	}
	unlink("tl");
	buf_fini(&src);
	buf_fini(&err);
	buf_fini(&warn);
	buf_fini(&val);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* cidr: v4 and v6, first match, host bits, prefix bounds, mapped v4. */
static void
test_cidr(void **state)
{
	static const struct row rows[] = {
		{"10.1.2.3", TABLE_FOUND, "ten"},	/* first match wins */
		{"10.255.255.255", TABLE_FOUND, "ten"},
		{"11.0.0.0", TABLE_NOTFOUND, 0},
		{"9.255.255.255", TABLE_NOTFOUND, 0},
		{"192.168.1.1", TABLE_FOUND, "host"},	/* bare address */
		{"192.168.1.2", TABLE_FOUND, "net"},
		{"192.168.2.1", TABLE_NOTFOUND, 0},	/* host bits: skipped */
		{"192.168.3.1", TABLE_NOTFOUND, 0},	/* /33: skipped */
		{"192.168.5.5", TABLE_FOUND, "exact32"},	/* /32 */
		{"192.168.5.6", TABLE_NOTFOUND, 0},
		{"172.16.0.1", TABLE_FOUND, "rfc1918"},	/* /12: part byte */
		{"172.31.255.255", TABLE_FOUND, "rfc1918"},
		{"172.32.0.0", TABLE_NOTFOUND, 0},
		{"172.15.255.255", TABLE_NOTFOUND, 0},
		{"2001:db8::1", TABLE_FOUND, "v6"},	/* [..] pattern */
		{"2001:DB8:1::1", TABLE_FOUND, "v6"},
		{"2001:db9::", TABLE_NOTFOUND, 0},
		{"2001:db8:ffff::1", TABLE_FOUND, "v6"},
		{"fe80::1", TABLE_FOUND, "link   local"},
		{"fe80::1%eth0", TABLE_NOTFOUND, 0},	/* no zone ids */
		{"::1", TABLE_FOUND, "exact128"},		/* /128 */
		{"::2", TABLE_NOTFOUND, 0},
		/* documented: ::ffff:a.b.c.d also matches IPv4 rules */
		{"::ffff:10.1.2.3", TABLE_FOUND, "ten"},
		{"::FFFF:192.168.1.1", TABLE_FOUND, "host"},
		{"::ffff:11.0.0.1", TABLE_NOTFOUND, 0},
		{"garbage", TABLE_NOTFOUND, 0},
		{"", TABLE_NOTFOUND, 0},
		{"10.1.2.3 ", TABLE_NOTFOUND, 0},
		{"[10.1.2.3]", TABLE_NOTFOUND, 0},
		{"10.1.2.3/32", TABLE_NOTFOUND, 0},
		{"010.1.2.3", TABLE_NOTFOUND, 0},
		{"10.1.2", TABLE_NOTFOUND, 0},
	};
	static const struct row any[] = {
		{"1.2.3.4", TABLE_FOUND, "any4"},
		{"255.255.255.255", TABLE_FOUND, "any4"},
		{"::", TABLE_FOUND, "any6"},
		{"2001:db8::1", TABLE_FOUND, "any6"},
		{"::ffff:1.2.3.4", TABLE_FOUND, "any4"},	/* v4 first */
	};
	struct buf err, warn;
	struct table *t;
	int	 bad;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	write_file("c1",
	    "10.0.0.0/8\tten\n"				/* 1 */
	    "10.1.0.0/16\tten-one-never\n"		/* 2: shadowed */
	    "192.168.1.1\thost\n"			/* 3 */
	    "192.168.1.0/24\tnet\n"			/* 4 */
	    "192.168.2.1/24\thostbits\n"		/* 5 */
	    "192.168.3.0/33\tbadprefix\n"		/* 6 */
	    "192.168.4.0/x\tbadprefix2\n"		/* 7 */
	    "300.1.1.1/32\tbadaddr\n"			/* 8 */
	    "[2001:db8::]/32\tv6\n"			/* 9 */
	    "2001:db8:1::/48\tv6-never\n"		/* 10 */
	    "2001:db8:ffff::1/64 v6hostbits\n"		/* 11 */
	    "172.16.0.0/12\n"				/* 12: no value */
	    "172.16.0.0/12 rfc1918\n"			/* 13 */
	    "# comment\n"				/* 14 */
	    "fe80::/10\tlink   local   \n"		/* 15 */
	    "192.168.5.5/32 exact32\n"			/* 16 */
	    "::1/128 exact128\n"			/* 17 */
	    "::/129 badprefix6\n"			/* 18 */
	    "10.0.0.0/-1 negative\n"			/* 19 */
	    "10.0.0.0/ empty\n"				/* 20 */
	    "!192.0.2.0/24 negation\n",			/* 21 */
	    0644);
	t = open_quiet("cidr:c1", 0, &err, &warn);
	assert_non_null(t);
	assert_string_equal(buf_str(&warn),
	    W("c1, line 5: non-null host address bits, use the network "
	    "address: skipping this rule")
	    W("c1, line 6: bad network prefix length: skipping this rule")
	    W("c1, line 7: bad network prefix length: skipping this rule")
	    W("c1, line 8: bad network address: skipping this rule")
	    W("c1, line 11: non-null host address bits, use the network "
	    "address: skipping this rule")
	    W("c1, line 12: expected \"network/prefix value\": skipping this "
	    "rule")
	    W("c1, line 18: bad network prefix length: skipping this rule")
	    W("c1, line 19: bad network prefix length: skipping this rule")
	    W("c1, line 20: bad network prefix length: skipping this rule")
	    W("c1, line 21: bad network address: skipping this rule"));
	bad = lookup_rows(t, rows, ROWS(rows));
	table_close(t);

	/* TABLE_STRICT: the first bad rule fails the open. */
	assert_null(open_quiet("cidr:c1", TABLE_STRICT, &err, &warn));
	assert_string_equal(buf_str(&err), "c1, line 5: non-null host "
	    "address bits, use the network address");

	/* /0 for both families. */
	write_file("c2", "0.0.0.0/0 any4\n::/0 any6\n", 0644);
	t = open_quiet("cidr:c2", TABLE_STRICT, &err, &warn);
	assert_non_null(t);
	bad += lookup_rows(t, any, ROWS(any));
	table_close(t);
	buf_fini(&err);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d rows failed", bad);
}

/* Lists: searched in order, first hit wins, an error is not a miss. */
static void
test_list(void **state)
{
	static const struct {
		const char *spec;
		struct row row;
	} rows[] = {
		{"texthash:ta, texthash:tb", {"shared", TABLE_FOUND, "a"}},
		{"texthash:tb, texthash:ta", {"shared", TABLE_FOUND, "b"}},
		{"texthash:ta, texthash:tb", {"only-b", TABLE_FOUND, "b-only"}},
		{"texthash:ta, texthash:tb", {"only-a", TABLE_FOUND, "a-only"}},
		{"texthash:ta, texthash:tb", {"none", TABLE_NOTFOUND, 0}},
		{"texthash:ta, cidr:cb", {"10.1.1.1", TABLE_FOUND, "b-ten"}},
		{"texthash:ta,cidr:cb", {"10.1.1.1", TABLE_FOUND, "b-ten"}},
		{"texthash:ta cidr:cb", {"10.1.1.1", TABLE_FOUND, "b-ten"}},
		{" texthash:ta ,, cidr:cb ,",
		    {"only-a", TABLE_FOUND, "a-only"}},
		{"texthash:ta\tcidr:cb", {"10.1.1.1", TABLE_FOUND, "b-ten"}},
		{"cidr:cb, texthash:ta", {"shared", TABLE_FOUND, "a"}},
	};
	struct buf err, warn, val;
	struct table *t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	write_file("ta", "shared a\nonly-a a-only\nlong 0123456789\n", 0644);
	write_file("tb", "shared b\nonly-b b-only\nlong x\n", 0644);
	write_file("cb", "10.0.0.0/8 b-ten\n", 0644);
	for (i = 0; i < ROWS(rows); i++) {
		if ((t = open_quiet(rows[i].spec, 0, &err, &warn)) == NULL) {
			BAD("table_open(\"%s\"): %s", rows[i].spec,
			    buf_str(&err));
			continue;
		}
		if (strcmp(table_name(t), rows[i].spec) != 0)
			BAD("table_name(\"%s\"): got \"%s\"", rows[i].spec,
			    table_name(t));
		bad += lookup_rows(t, &rows[i].row, 1);
		table_close(t);
	}

	/* A value too long for the caller: an error, not the next table. */
	buf_init(&val, 4);
	t = open_quiet("texthash:ta, texthash:tb", 0, &err, &warn);
	assert_non_null(t);
	assert_int_equal(table_lookup(t, "long", &val), TABLE_ERROR);
	assert_int_equal(table_lookup(t, "shared", &val), TABLE_FOUND);
	assert_string_equal(buf_str(&val), "a");
	table_close(t);

	/* No table at all: nothing is found, and that is not an error. */
	assert_int_equal(table_lookup(NULL, "shared", &val), TABLE_NOTFOUND);
	assert_string_equal(table_name(NULL), "(none)");
	assert_null(table_close(NULL));
	buf_fini(&val);
	buf_fini(&err);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d rows failed", bad);
}

/* Specs that cannot be opened, with the reason. */
static void
test_open_errors(void **state)
{
	static const struct {
		const char *spec, *err;
	} rows[] = {
		{"", ""},				/* "no table" */
		{" , ", ""},
		{"nocolon", "table \"nocolon\": expected type:name"},
		{":ta", "table \":ta\": expected type:name"},
		{"texthash:", "table \"texthash:\": expected type:name"},
		{"hash:/etc/postfix/access", "table \"hash:/etc/postfix/"
		    "access\": unsupported table type \"hash\" (use texthash, "
		    "cidr, lmdb or regexp)"},
		{"TEXTHASH:ta", "table \"TEXTHASH:ta\": unsupported table type "
		    "\"TEXTHASH\" (use texthash, cidr, lmdb or regexp)"},
		{"texthash:ta, hash:x", "table \"hash:x\": unsupported table "
		    "type \"hash\" (use texthash, cidr, lmdb or regexp)"},
		{"texthash:ta, texthash:nosuch",
		    "open nosuch: No such file or directory"},
		{"cidr:nosuch", "open nosuch: No such file or directory"},
		{"lmdb:nosuch", "open nosuch.lmdb: No such file or directory"},
		{"texthash:tw", "tw: file is writable by group or other; "
		    "refusing to use it"},
		{"texthash:to", "to: file is writable by group or other; "
		    "refusing to use it"},
		{"cidr:tw", "tw: file is writable by group or other; refusing "
		    "to use it"},
		{"cidr:ta, texthash:ta", "ta, line 1: bad network address"},
	};
	struct buf err, warn, spec, want;
	struct table *t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	buf_init(&spec, 4096);
	buf_init(&want, 4096);
	write_file("ta", "shared a\n", 0644);
	write_file("cb", "10.0.0.0/8 b-ten\n", 0644);
	write_file("tw", "shared a\n", 0664);		/* group writable */
	write_file("to", "shared a\n", 0646);		/* world writable */
	for (i = 0; i < ROWS(rows); i++) {
		t = open_quiet(rows[i].spec, TABLE_STRICT, &err, &warn);
		if (t != NULL || strcmp(buf_str(&err), rows[i].err) != 0)
			BAD("table_open(\"%s\"): got %s \"%s\", want NULL "
			    "\"%s\"", rows[i].spec, t ? "a table" : "NULL",
			    buf_str(&err), rows[i].err);
		table_close(t);
	}
	/* TABLE_LIST_MAX (16) tables are fine, one more is not. */
	t = open_quiet("texthash:ta texthash:ta texthash:ta texthash:ta "
	    "texthash:ta texthash:ta texthash:ta texthash:ta texthash:ta "
	    "texthash:ta texthash:ta texthash:ta texthash:ta texthash:ta "
	    "texthash:ta texthash:ta", 0, &err, &warn);
	assert_non_null(t);
	table_close(t);
	buf_set(&spec, "cidr:cb");
	for (i = 0; i < 16; i++)
		buf_puts(&spec, ",texthash:ta");
	buf_printf(&want, "more than 16 tables in \"%.100s\"", buf_str(&spec));
	assert_null(open_quiet(buf_str(&spec), 0, &err, &warn));
	assert_string_equal(buf_str(&err), buf_str(&want));
	assert_int_equal(table_type_valid("texthash"), 1);
	assert_int_equal(table_type_valid("cidr"), 1);
	assert_int_equal(table_type_valid("lmdb"), 1);
	assert_int_equal(table_type_valid("hash"), 0);
	assert_int_equal(table_type_valid("texthas"), 0);
	assert_int_equal(table_type_valid(""), 0);
	buf_fini(&err);
	buf_fini(&warn);
	buf_fini(&spec);
	buf_fini(&want);
	if (bad)
		fail_msg("%d rows failed", bad);
}

/* table_fold: lower case (UTF-8 too, as Postfix with SMTPUTF8), refusing
 * what is not UTF-8, TABLE_KEY_MAX bytes at most. */
static void
test_fold(void **state)
{
	static const struct {
		const char *key;
		int	 want;
		const char *out;
	} rows[] = {
		{"", 0, ""},
		{"Alice@Example.COM", 0, "alice@example.com"},
		{"@EXAMPLE.NET", 0, "@example.net"},
		{"10.0.0.1", 0, "10.0.0.1"},
		{"\xc3\x84rger", 0, "\xc3\xa4rger"},	/* U+00C4 -> U+00E4 */
		{"CAF\xc3\x89", 0, "caf\xc3\xa9"},		/* U+00C9 -> U+00E9 */
		{"bad\xff@x", TABLE_FOLD_NOTUTF8, 0},		/* not UTF-8 */
		{"\xc3", TABLE_FOLD_NOTUTF8, 0},		/* cut sequence */
		{"\xc0\xaf", TABLE_FOLD_NOTUTF8, 0},		/* overlong */
		{"\xed\xa0\x80", TABLE_FOLD_NOTUTF8, 0},	/* surrogate */
		{K511, 0, k511},			/* at TABLE_KEY_MAX */
		{l512, -1, 0},				/* over it */
	};
	char	 out[TABLE_KEY_MAX + 1];
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		int	 got = table_fold(rows[i].key, out);

		if (got != rows[i].want || (got == 0
		    && strcmp(out, rows[i].out) != 0))
			BAD("table_fold(\"%.40s\"): got %d \"%.40s\", want %d "
			    "\"%.40s\"", rows[i].key, got, got == 0 ? out : "",
			    rows[i].want, rows[i].out ? rows[i].out : "");
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* postmap - run Postfix's postmap(1) with one argument; its exit status */
static int
postmap(const char *arg)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		int	 fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execlp("postmap", "postmap", arg, (char *)NULL);
		execl("/usr/sbin/postmap", "postmap", arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail_msg("waitpid: %s", strerror(errno));
	return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* lmdb: the file postmap builds, rebuilt under us, and odd keys. */
static void
test_lmdb(void **state)
{
	static const struct row rows[] = {
		{"alice@example.com", TABLE_FOUND, "one"},	/* first wins */
		{"ALICE@EXAMPLE.COM", TABLE_FOUND, "one"},
		/* continuation lines as postmap joined them */
		{"bob@example.com", TABLE_FOUND, "b1   more"},
		{"nobody@example.com", TABLE_NOTFOUND, 0},
		{k511, TABLE_NOTFOUND, 0},		/* at TABLE_KEY_MAX */
		{l512, TABLE_NOTFOUND, 0},		/* over it */
		/* the null sender: an empty key is not an error */
		{"", TABLE_NOTFOUND, 0},
	};
	static const struct row rebuilt[] = {
		{"alice@example.com", TABLE_FOUND, "three"},
		{"bob@example.com", TABLE_NOTFOUND, 0},
	};
	struct buf err, warn, val;
	struct table *t;
	int	 bad;

	(void)state;
	if (postmap("-?") == 127)
		skip();
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	write_file("l1", "Alice@Example.COM one\nalice@example.com two\n"
	    "bob@example.com b1\n   more\n", 0644);
	assert_int_equal(postmap("lmdb:l1"), 0);
	t = open_quiet("lmdb:l1", 0, &err, &warn);
	assert_non_null(t);
	bad = lookup_rows(t, rows, ROWS(rows));

	/* A value too long for the caller is an error. */
	buf_init(&val, 2);
	tu_capture_begin();
	assert_int_equal(table_lookup(t, "alice@example.com", &val),
	    TABLE_ERROR);
	tu_capture_end(&warn);
	assert_string_equal(buf_str(&warn), W("l1.lmdb: value for "
	    "\"alice@example.com\" longer than 2 bytes"));
	buf_fini(&val);

	/* postmap rebuilds the file: the next lookup sees the new one. */
	write_file("l1", "alice@example.com three\n", 0644);
	assert_int_equal(postmap("lmdb:l1"), 0);
	bad += lookup_rows(t, rebuilt, ROWS(rebuilt));

	/* The file goes away: what was open keeps answering. */
	unlink("l1.lmdb");
	bad += lookup_rows(t, rebuilt, ROWS(rebuilt));
	table_close(t);

	/* Not an LMDB file; group writable. */
	write_file("g.lmdb", "not an lmdb file\n", 0644);
	assert_null(open_quiet("lmdb:g", 0, &err, &warn));
	if (strncmp(buf_str(&err), "open g.lmdb: ", 13) != 0
	    || strstr(buf_str(&err), "(not a file built by postmap lmdb:?)")
	    == NULL)
		BAD("table_open(\"lmdb:g\"): got \"%s\"", buf_str(&err));
	assert_int_equal(postmap("lmdb:l1"), 0);
	chmod("l1.lmdb", 0664);
	assert_null(open_quiet("lmdb:l1", 0, &err, &warn));
	assert_string_equal(buf_str(&err), "l1.lmdb: file is writable by "
	    "group or other; refusing to use it");
	unlink("l1.lmdb");
	unlink("g.lmdb");
	buf_fini(&err);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d rows failed", bad);
}

static int
setup(void **state)
{
	(void)state;
	msg_open("table_test", MSG_STDERR);
	umask(022);			/* postmap's files must not be 0664 */
	memset(k511, 'k', TABLE_KEY_MAX);
	memset(K511, 'K', TABLE_KEY_MAX);
	memset(l512, 'l', TABLE_KEY_MAX + 1);
	if (getcwd(olddir, sizeof(olddir)) == NULL
	    || mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	static const char *const files[] = {
		"t0", "t1", "t2", "c1", "c2", "ta", "tb", "cb", "tw", "to",
		"l1", "l1.lmdb", "g.lmdb", "tl",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < ROWS(files); i++)
		unlink(files[i]);
	if (chdir(olddir) < 0 || rmdir(tmpdir) < 0)
		return (-1);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texthash),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_lmdb),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
