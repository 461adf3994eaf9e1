/*
 * lineread_test - logical lines: continuations, comments, bounds, errors
 *
 * Each row is a file's bytes and the transcript of reading it: one
 * "lineno:text|" per logical line, then "EOF" or "ERR:message". Files are
 * written to a private directory, and named "f" so messages are stable.
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

#include "buf.h"
#include "lineread.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static char tmpdir[] = "/tmp/lineread_test.XXXXXX";
static char olddir[4096];

/* transcript - read path to the end or an error, as one string */
static int
transcript(const char *path, size_t max, int flags, struct buf *out)
{
	struct lineread lr;
	struct buf line, err;
	int	 st;

	buf_init(&line, max);
	buf_init(&err, 1024);
	buf_reset(out);
	if (lineread_open(&lr, path, flags, &err) < 0) {
		buf_printf(out, "OPEN:%s", buf_str(&err));
		buf_fini(&line);
		buf_fini(&err);
		return (-1);
	}
	while ((st = lineread_next(&lr, &line, &err)) > 0)
		buf_printf(out, "%d:%s|", lr.lineno, buf_str(&line));
	if (st == 0)
		buf_puts(out, "EOF");
	else
		buf_printf(out, "ERR:%s", buf_str(&err));
	lineread_close(&lr);
	buf_fini(&line);
	buf_fini(&err);
	return (st);
}

struct row {
	const char *data;
	size_t	 len;			/* 0: strlen(data) */
	size_t	 max;			/* 0: 1024 */
	const char *want;
};

/* esc - printable copy of len bytes (\n, \t, \r, \0 spelled out) */
static const char *
esc(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	buf_reset(b);
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case 0:
			buf_puts(b, "\\0");
			break;
		default:
			buf_putc(b, s[i]);
		}
	}
	return (buf_str(b));
}

/* run_rows - each row's transcript; failures counted */
static int
run_rows(const struct row *rows, size_t n)
{
	struct buf out, e1, e2, e3;
	size_t	 i;
	int	 bad = 0;

	buf_init(&out, 65536);
	buf_init(&e1, 65536);
	buf_init(&e2, 65536);
	buf_init(&e3, 65536);
	for (i = 0; i < n; i++) {
		size_t	 len = rows[i].len ? rows[i].len : strlen(rows[i].data);

		tu_write_file("f", rows[i].data, len, 0644);
		transcript("f", rows[i].max ? rows[i].max : 1024, 0, &out);
		if (strcmp(buf_str(&out), rows[i].want) != 0)
			BAD("lineread(\"%s\"): got \"%s\", want \"%s\"",
			    esc(&e1, rows[i].data, len),
			    esc(&e2, out.data, out.len),
			    esc(&e3, rows[i].want, strlen(rows[i].want)));
	}
	buf_fini(&out);
	buf_fini(&e1);
	buf_fini(&e2);
	buf_fini(&e3);
	return (bad);
}

/* Logical lines, comments, blank lines and line numbers. */
static void
test_lines(void **state)
{
	static const struct row rows[] = {
		{"", 0, 0, "EOF"},				/* empty file */
		{"a\nb\n", 0, 0, "1:a|2:b|EOF"},
		{"a\nb", 0, 0, "1:a|2:b|EOF"},		/* no final newline */
		{"\n\na\n\n", 0, 0, "3:a|EOF"},		/* blank lines */
		{"# c\na\n#\nb\n", 0, 0, "2:a|4:b|EOF"},	/* comments */
		{"  # indented comment\na\n", 0, 0, "2:a|EOF"},
		{"a # not a comment\n", 0, 0, "1:a # not a comment|EOF"},
		{"a  \t \n", 0, 0, "1:a|EOF"},		/* trailing space */
		{" \t \na\n", 0, 0, "2:a|EOF"},		/* white-space line */
		{"a\n\n# c\nb\n c\n\nd", 0, 0, "1:a|4:b c|7:d|EOF"},
		{"# only\n# comments\n", 0, 0, "EOF"},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/*
 * Continuation lines. The rows indented by one space read the same
 * whichever way lines are joined. The others pin what postmap(1) and
 * Postfix's readllines() do: the newline goes, the continuation line is
 * kept as it is, leading white space included, and trailing white space
 * is trimmed only at the end of the logical line. A texthash or cidr
 * value must read the same here as in Postfix (tests/table/texthash_join
 * and cidr_join).
 */
static void
test_continuation(void **state)
{
	static const struct row rows[] = {
		{"a\n b\n", 0, 0, "1:a b|EOF"},
		{"a\n b\n c\nd\n", 0, 0, "1:a b c|4:d|EOF"},
		{"a\n# c\n b\n", 0, 0, "1:a b|EOF"},	/* comment between */
		{"a\n  # c\n b\n", 0, 0, "1:a b|EOF"},	/* indented comment */
		{"a\n\n b\n", 0, 0, "1:a b|EOF"},	/* blank line between */
		{"a\n \t \n b\n", 0, 0, "1:a b|EOF"},	/* white-space line */
		{"a\n b\n# c\nd\n", 0, 0, "1:a b|4:d|EOF"},
		{"a\n b", 0, 0, "1:a b|EOF"},		/* no final newline */
		/* as Postfix: leading white space of the continuation kept */
		{"a\n\tb\n", 0, 0, "1:a\tb|EOF"},
		{"a\n    b\n", 0, 0, "1:a    b|EOF"},
		{"k v1\n \t v2\n", 0, 0, "1:k v1 \t v2|EOF"},
		/* as Postfix: trailing white space trimmed at the end only */
		{"a  \n b\n", 0, 0, "1:a   b|EOF"},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/*
 * CRLF files: a CR at the end of a line is white space and trimmed, so a
 * CRLF file without continuation lines reads as the LF file does. A CR
 * in the middle of a joined logical line stays, as in Postfix.
 */
static void
test_crlf(void **state)
{
	static const struct row rows[] = {
		{"a\r\nb\r\n", 0, 0, "1:a|2:b|EOF"},
		{"k v\r\n", 0, 0, "1:k v|EOF"},
		{"\r\na\r\n", 0, 0, "2:a|EOF"},		/* a CR alone: blank */
		{"#c\r\na\r\n", 0, 0, "2:a|EOF"},
		{"a\r\n b\r\n", 0, 0, "1:a\r b|EOF"},	/* as Postfix */
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/* Errors: NUL bytes, lines past the bound, leading white space. */
static void
test_errors(void **state)
{
	static const struct row rows[] = {
		/* NUL byte anywhere refuses the line */
		{"a\nb\0c\n", 5, 0, "ERR:f, line 2: NUL byte in line"},
		{"a\nb\n\0\n", 6, 0, "1:a|ERR:f, line 3: NUL byte in line"},
		{"\0\n", 2, 0, "ERR:f, line 1: NUL byte in line"},
		{"a\n \0\n", 5, 0, "ERR:f, line 2: NUL byte in line"},
		/* physical line at and over the bound (max 8) */
		{"12345678\n", 0, 8, "1:12345678|EOF"},
		{"12345678", 0, 8, "1:12345678|EOF"},
		{"123456789\n", 0, 8,
		    "ERR:f, line 1: line longer than 8 bytes"},
		{"a\n123456789\n", 0, 8,
		    "ERR:f, line 2: line longer than 8 bytes"},
		/* logical line at and over the bound (max 8) */
		{"abc\n defg\n", 0, 8, "1:abc defg|EOF"},
		{"abc\n defgh\n", 0, 8,
		    "ERR:f, line 1: logical line longer than 8 bytes"},
		{"x\nabc\n defgh\n", 0, 8,
		    "1:x|ERR:f, line 2: logical line longer than 8 bytes"},
		/* a first line that starts with white space */
		{" a\nb\n", 0, 0, "ERR:f, line 1: continuation line without "
		    "a preceding line"},
		{"\ta\n", 0, 0, "ERR:f, line 1: continuation line without "
		    "a preceding line"},
		{"# c\n\n  a\n", 0, 0, "ERR:f, line 3: continuation line "
		    "without a preceding line"},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/* lineread_open: a missing file, and LINEREAD_SECURE on file modes. */
static void
test_open(void **state)
{
	static const struct {
		mode_t	 mode;
		int	 flags, want;
	} rows[] = {
		{0644, LINEREAD_SECURE, 0},
		{0600, LINEREAD_SECURE, 0},
		{0444, LINEREAD_SECURE, 0},
		{0664, LINEREAD_SECURE, -1},		/* group writable */
		{0620, LINEREAD_SECURE, -1},
		{0646, LINEREAD_SECURE, -1},		/* world writable */
		{0666, LINEREAD_SECURE, -1},
		{0666, 0, 0},				/* not asked to check */
	};
	struct buf out;
	size_t	 i;
	int	 bad = 0, got;

	(void)state;
	buf_init(&out, 4096);
	for (i = 0; i < ROWS(rows); i++) {
		tu_write_file("m", "a\n", 2, rows[i].mode);
		got = transcript("m", 1024, rows[i].flags, &out);
		if ((got < 0) != (rows[i].want < 0))
			BAD("lineread_open(mode %04o, flags %d): got \"%s\", "
			    "want %d", (unsigned)rows[i].mode, rows[i].flags,
			    buf_str(&out), rows[i].want);
	}
	tu_write_file("m", "a\n", 2, 0664);
	transcript("m", 1024, LINEREAD_SECURE, &out);
	assert_string_equal(buf_str(&out), "OPEN:m: file is writable by "
	    "group or other; refusing to use it");
	unlink("m");
	transcript("nosuch", 1024, 0, &out);
	assert_string_equal(buf_str(&out),
	    "OPEN:open nosuch: No such file or directory");
	buf_fini(&out);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* A buffer reused across lines of different lengths. */
static void
test_long_then_short(void **state)
{
	static char data[3000];
	struct buf out;

	(void)state;
	memset(data, 'x', 2000);
	memcpy(data + 2000, "\n y\nz\n", 7);
	tu_write_file("f", data, strlen(data), 0644);
	buf_init(&out, 8192);
	transcript("f", 4096, 0, &out);
	assert_int_equal(out.len, strlen("1:") + 2000 + strlen(" y|3:z|EOF"));
	assert_string_equal(buf_str(&out) + 2 + 2000, " y|3:z|EOF");
	buf_fini(&out);
}

static int
setup(void **state)
{
	(void)state;
	if (getcwd(olddir, sizeof(olddir)) == NULL
	    || mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink("f");
	unlink("m");
	if (chdir(olddir) < 0 || rmdir(tmpdir) < 0)
		return (-1);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_long_then_short),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
