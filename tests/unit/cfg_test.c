/*
 * cfg_test - outpost.conf: syntax, $name expansion, ranges, reloads
 *
 * A private parameter table, one row per type. Each case loads a good
 * baseline file first and then the row's file, and compares what
 * cfg_load() returned, its error text, the warnings it printed, and the
 * variables after: shown as the "name=value" pairs that differ from the
 * defaults. A failed load must leave the baseline in force.
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

#include "bounds.h"
#include "buf.h"
#include "cfg.h"
#include "testutil.h"
#include "msg.h"
#include "table.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static char *var_greeting, *var_base, *var_dir;
static uint64_t var_count, var_idle, var_pd;
static int var_flag;
static struct table *var_maps;

static const struct cfg_param params[] = {
	/* name, type, default, min, max, variable, users */
	{"greeting", CFG_STR, "hello", 0, 0, &var_greeting, CFG_ALL},
	{"base", CFG_STR, "/var/lib", 0, 0, &var_base, CFG_ALL},
	{"dir", CFG_STR, "$base/outpost", 0, 0, &var_dir, CFG_ALL},
	{"count", CFG_INT, "10", 1, 100, &var_count, CFG_ALL},
	{"idle", CFG_TIME, "300s", 1, 3600, &var_idle, CFG_ALL},
	{"flag", CFG_BOOL, "no", 0, 0, &var_flag, CFG_ALL},
	{"maps", CFG_TABLE, "", 0, 0, &var_maps, CFG_ALL},
	{"pd", CFG_INT, "5", 1, 10, &var_pd, CFG_PD},	/* one program */
	{0},
};

#define BASELINE	"count = 42\ngreeting = base\nmaps = texthash:t1\n" \
			"pd = 7\n"
#define BASELINE_STATE	"greeting=base count=42 maps=texthash:t1 pd=7"

static char tmpdir[] = "/tmp/cfg_test.XXXXXX";
static char olddir[4096];

/* write_text - name gets the text, mode 0644 */
static void
write_text(const char *name, const char *text)
{
	tu_write_file(name, text, strlen(text), 0644);
}

/* vars - the variables that differ from the defaults, "name=value ..." */
static const char *
vars(struct buf *b)
{
	char	 num[32];

	buf_reset(b);
#define PAIR(name, val, def) do { if (strcmp((val), (def)) != 0) \
	buf_printf(b, "%s%s=%s", b->len ? " " : "", (name), (val)); } while (0)
	PAIR("greeting", var_greeting ? var_greeting : "(null)", "hello");
	PAIR("base", var_base ? var_base : "(null)", "/var/lib");
	PAIR("dir", var_dir ? var_dir : "(null)", "/var/lib/outpost");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)var_count);
	PAIR("count", num, "10");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)var_idle);
	PAIR("idle", num, "300");
	snprintf(num, sizeof(num), "%d", var_flag);
	PAIR("flag", num, "0");
	PAIR("maps", table_name(var_maps), "(none)");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)var_pd);
	PAIR("pd", num, "5");
#undef PAIR
	return (buf_str(b));
}

struct row {
	const char *conf;		/* the file */
	int	 users;			/* 0: CFG_ALL */
	int	 want;
	const char *err;		/* cfg_load's err */
	const char *state;		/* after; NULL: the baseline's */
	const char *warn;		/* stderr; NULL: none */
};

/* run_rows - baseline, then each row; failures counted */
static int
run_rows(const struct row *rows, size_t n)
{
	struct buf err, got_state, warn;
	size_t	 i;
	int	 bad = 0;

	buf_init(&err, 4096);
	buf_init(&got_state, 4096);
	buf_init(&warn, 65536);
	for (i = 0; i < n; i++) {
		const char *want_state = rows[i].state ? rows[i].state :
		    BASELINE_STATE;
		int	 got;

		write_text("base.conf", BASELINE);
		if (cfg_load("base.conf", params, CFG_ALL, 0, &err) < 0
		    || strcmp(vars(&got_state), BASELINE_STATE) != 0)
			fail_msg("baseline: %s / %s", buf_str(&err),
			    buf_str(&got_state));
		write_text("f", rows[i].conf);
		tu_capture_begin();
		got = cfg_load("f", params, rows[i].users ? rows[i].users :
		    CFG_ALL, 0, &err);
		tu_capture_end(&warn);
		vars(&got_state);
		if (got != rows[i].want || strcmp(buf_str(&err), rows[i].err)
		    != 0 || strcmp(buf_str(&got_state), want_state) != 0
		    || strcmp(buf_str(&warn), rows[i].warn ? rows[i].warn : "")
		    != 0)
			BAD("cfg_load(\"%s\"): got %d \"%s\" [%s] {%s}, want "
			    "%d \"%s\" [%s] {%s}", rows[i].conf, got,
			    buf_str(&err), buf_str(&got_state), buf_str(&warn),
			    rows[i].want, rows[i].err, want_state,
			    rows[i].warn ? rows[i].warn : "");
	}
	buf_fini(&err);
	buf_fini(&got_state);
	buf_fini(&warn);
	return (bad);
}

#define W(text)	"cfg_test: warning: " text "\n"

/* Syntax, continuation lines, defaults, last setting wins. */
static void
test_syntax(void **state)
{
	static const struct row rows[] = {
		{"", 0, 0, "", "", 0},			/* all defaults */
		{"# only a comment\n", 0, 0, "", "", 0},
		{"greeting = hi there\n", 0, 0, "", "greeting=hi there", 0},
		{"greeting=hi\n", 0, 0, "", "greeting=hi", 0},
		{"greeting \t= \thi\n", 0, 0, "", "greeting=hi", 0},
		{"greeting =\n", 0, 0, "", "greeting=", 0},	/* empty */
		{"greeting = hi   \n", 0, 0, "", "greeting=hi", 0},
		{"greeting = a = b\n", 0, 0, "", "greeting=a = b", 0},
		{"greeting = a\n b\n", 0, 0, "", "greeting=a b", 0},
		{"greeting = a\n# c\n b\n", 0, 0, "", "greeting=a b", 0},
		{"greeting =\n hi\n", 0, 0, "", "greeting=hi", 0},
		{"count = 5\ncount = 6\n", 0, 0, "", "count=6", 0},
		{"greeting hi\n", 0, -1, "f, line 1: expected \"name = "
		    "value\"", 0, 0},
		{"= hi\n", 0, -1, "f, line 1: expected \"name = value\"", 0,
		    0},
		{"greeting: hi\n", 0, -1, "f, line 1: expected \"name = "
		    "value\"", 0, 0},
		{"gr-eeting = hi\n", 0, -1, "f, line 1: expected \"name = "
		    "value\"", 0, 0},
		{"# c\n\ngreeting = a\n b\nbad line\n", 0, -1, "f, line 5: "
		    "expected \"name = value\"", 0, 0},
		{" greeting = hi\n", 0, -1, "f, line 1: continuation line "
		    "without a preceding line", 0, 0},
		/* a failed reload changes nothing, not even earlier lines */
		{"greeting = new\nmaps = cidr:c1\ncount = 0\n", 0, -1,
		    "f, line 3: count = 0: value below minimum (range 1..100)",
		    0, 0},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/* $name, ${name}, $(name), $$, undefined names, loops. */
static void
test_expand(void **state)
{
	static const struct row rows[] = {
		{"base = /srv\n", 0, 0, "", "base=/srv dir=/srv/outpost", 0},
		{"greeting = $base\n", 0, 0, "", "greeting=/var/lib", 0},
		{"greeting = ${base}x\n", 0, 0, "", "greeting=/var/libx", 0},
		{"greeting = $(base)/y\n", 0, 0, "", "greeting=/var/lib/y", 0},
		{"greeting = $base.x\n", 0, 0, "", "greeting=/var/lib.x", 0},
		{"greeting = $dir!\n", 0, 0, "", "greeting=/var/lib/outpost!",
		    0},			/* a default that expands */
		{"greeting = $dir\nbase = /b\n", 0, 0, "",
		    "greeting=/b/outpost base=/b dir=/b/outpost", 0},
		{"greeting = cost $$5\n", 0, 0, "", "greeting=cost $5", 0},
		{"greeting = $$base\n", 0, 0, "", "greeting=$base", 0},
		{"greeting = $$$base\n", 0, 0, "", "greeting=$/var/lib", 0},
		{"greeting = $$$$\n", 0, 0, "", "greeting=$$", 0},
		{"greeting = $other\nother = x\n", 0, 0, "", "greeting=x",
		    W("f, line 2: unknown parameter other")},
		{"greeting = $nosuch\n", 0, -1, "f, line 1: greeting = "
		    "$nosuch: undefined parameter $nosuch", 0, 0},
		{"greeting = ${nosuch}\n", 0, -1, "f, line 1: greeting = "
		    "${nosuch}: undefined parameter $nosuch", 0, 0},
		{"greeting = $greeting\n", 0, -1, "f, line 1: greeting = "
		    "$greeting: $name expansion deeper than 20 levels (a "
		    "loop?)", 0, 0},
		{"greeting = $other\nother = $greeting\n", 0, -1, "f, line 1: "
		    "greeting = $other: $name expansion deeper than 20 levels "
		    "(a loop?)", 0, 0},
		{"base = $dir\n", 0, -1, "f, line 1: base = $dir: $name "
		    "expansion deeper than 20 levels (a loop?)", 0, 0},
		{"greeting = ${base\n", 0, -1, "f, line 1: greeting = ${base: "
		    "bad $name syntax", 0, 0},
		{"greeting = ${base)\n", 0, -1, "f, line 1: greeting = "
		    "${base): bad $name syntax", 0, 0},
		{"greeting = $(base}\n", 0, -1, "f, line 1: greeting = "
		    "$(base}: bad $name syntax", 0, 0},
		{"greeting = ${}\n", 0, -1, "f, line 1: greeting = ${}: bad "
		    "$name syntax", 0, 0},
		{"greeting = a$\n", 0, -1, "f, line 1: greeting = a$: bad "
		    "$name syntax", 0, 0},
		{"greeting = $-x\n", 0, -1, "f, line 1: greeting = $-x: bad "
		    "$name syntax", 0, 0},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/* Typed values: ranges at and past each bound, tables, unknown names. */
static void
test_types(void **state)
{
	static const struct row rows[] = {
		{"count = 1\n", 0, 0, "", "count=1", 0},	/* at min */
		{"count = 100\n", 0, 0, "", "count=100", 0},	/* at max */
		{"count = 0\n", 0, -1, "f, line 1: count = 0: value below "
		    "minimum (range 1..100)", 0, 0},
		{"count = 101\n", 0, -1, "f, line 1: count = 101: value above "
		    "maximum (range 1..100)", 0, 0},
		{"count = ten\n", 0, -1, "f, line 1: count = ten: not a number "
		    "(range 1..100)", 0, 0},
		{"count =\n", 0, -1, "f, line 1: count = : not a number "
		    "(range 1..100)", 0, 0},
		{"count = 99999999999999999999999\n", 0, -1, "f, line 1: count "
		    "= 99999999999999999999999: number too large (range "
		    "1..100)", 0, 0},
		{"# c\n\ncount = 0\n", 0, -1, "f, line 3: count = 0: value "
		    "below minimum (range 1..100)", 0, 0},
		{"greeting = a\ncount =\n 0\n", 0, -1, "f, line 2: count = 0: "
		    "value below minimum (range 1..100)", 0, 0},
		{"idle = 1\n", 0, 0, "", "idle=1", 0},		/* at min */
		{"idle = 60m\n", 0, 0, "", "idle=3600", 0},	/* at max */
		{"idle = 1h\n", 0, 0, "", "idle=3600", 0},
		{"idle = 0\n", 0, -1, "f, line 1: idle = 0: value below "
		    "minimum (range 1..3600)", 0, 0},
		{"idle = 3601s\n", 0, -1, "f, line 1: idle = 3601s: value "
		    "above maximum (range 1..3600)", 0, 0},
		{"idle = 61m\n", 0, -1, "f, line 1: idle = 61m: value above "
		    "maximum (range 1..3600)", 0, 0},
		{"idle = 5x\n", 0, -1, "f, line 1: idle = 5x: bad time unit "
		    "(use s, m, h, d or w) (range 1..3600)", 0, 0},
		{"flag = yes\n", 0, 0, "", "flag=1", 0},
		{"flag = On\n", 0, 0, "", "flag=1", 0},
		{"flag = no\n", 0, 0, "", "", 0},
		/* a boolean has no range to show */
		{"flag = maybe\n", 0, -1, "f, line 1: flag = maybe: not a "
		    "boolean (use yes or no)", 0, 0},
		{"maps = cidr:c1\n", 0, 0, "", "maps=cidr:c1", 0},
		{"maps = texthash:t1, cidr:c1\n", 0, 0, "",
		    "maps=texthash:t1, cidr:c1", 0},
		{"tname = t1\nmaps = texthash:$tname\n", 0, 0, "",
		    "maps=texthash:t1",
		    W("f, line 1: unknown parameter tname")},
		{"maps = texthash:nosuch\n", 0, -1, "f, line 1: maps = "
		    "texthash:nosuch: open nosuch: No such file or directory",
		    0, 0},
		{"maps = hash:t1\n", 0, -1, "f, line 1: maps = hash:t1: table "
		    "\"hash:t1\": unsupported table type \"hash\" (use "
		    "texthash, cidr, lmdb or regexp)", 0, 0},
		/* the table opened for maps is closed again (valgrind) */
		{"maps = cidr:c1\nflag = maybe\n", 0, -1, "f, line 2: flag = "
		    "maybe: not a boolean (use yes or no)", 0, 0},
		{"bogus = 1\n", 0, 0, "", "",
		    W("f, line 1: unknown parameter bogus")},
		{"bogus = 1\nbogus = 2\nother = 3\n", 0, 0, "", "",
		    W("f, line 2: unknown parameter bogus")
		    W("f, line 3: unknown parameter other")},
		/* unknown names are not checked, even when broken */
		{"bogus = $nosuch\n", 0, 0, "", "",
		    W("f, line 1: unknown parameter bogus")},
		/* a program applies only its own rows */
		{"pd = 3\n", CFG_PD, 0, "", "pd=3", 0},
		{"pd = 10\n", CFG_PD, 0, "", "pd=10", 0},	/* at max */
		{"pd = 11\n", CFG_PD, -1, "f, line 1: pd = 11: value above "
		    "maximum (range 1..10)", 0, 0},
		{"pd = 11\n", CFG_MF, 0, "", "pd=7", 0},	/* not ours */
		{"count = 0\n", CFG_PD, -1, "f, line 1: count = 0: value below "
		    "minimum (range 1..100)", 0, 0},
	};

	(void)state;
	if (run_rows(rows, ROWS(rows)))
		fail_msg("some rows failed");
}

/* CFG_EXPAND_DEPTH levels of $name are fine, one more is a loop. */
static void
test_expand_depth(void **state)
{
	static const struct {
		int	 levels, want;
	} rows[] = {
		{CFG_EXPAND_DEPTH, 0},			/* at the bound */
		{CFG_EXPAND_DEPTH + 1, -1},		/* over it */
	};
	struct buf conf, err, warn;
	size_t	 i;
	int	 k, bad = 0;

	(void)state;
	buf_init(&conf, 65536);
	buf_init(&err, 4096);
	buf_init(&warn, 65536);
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		/* greeting = $a1, a1 = $a2, ..., aN = end */
		buf_set(&conf, "greeting = $a1\n");
		for (k = 1; k < rows[i].levels; k++)
			buf_printf(&conf, "a%d = $a%d\n", k, k + 1);
		buf_printf(&conf, "a%d = end\n", rows[i].levels);
		write_text("f", buf_str(&conf));
		tu_capture_begin();
		got = cfg_load("f", params, CFG_ALL, 0, &err);
		tu_capture_end(&warn);
		if (got != rows[i].want || (got == 0
		    && strcmp(var_greeting, "end") != 0))
			BAD("cfg_load(%d levels of $name): got %d \"%s\", want "
			    "%d", rows[i].levels, got, buf_str(&err),
			    rows[i].want);
	}
	buf_fini(&conf);
	buf_fini(&err);
	buf_fini(&warn);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* CFG_LINE_MAX for a line and for a value after expansion. */
static void
test_line_bound(void **state)
{
	static const struct {
		const char *name;
		size_t	 pad;		/* x's */
		const char *tail;
		int	 want;
		const char *err;
	} rows[] = {
		/* "greeting = " is 11 bytes: a logical line at the bound */
		{"line at max", CFG_LINE_MAX - 11, "", 0, ""},
		{"line over max", CFG_LINE_MAX - 10, "", -1,
		    "f, line 1: line longer than 65536 bytes"},
		/* base is pad x's; greeting = $base$base */
		{"value at max", CFG_LINE_MAX / 2, "$base$base", 0, ""},
		{"value over max", CFG_LINE_MAX / 2 + 1, "$base$base", -1,
		    "f, line 2: greeting = $base$base: value longer than 65536 "
		    "bytes after expansion"},
	};
	struct buf conf, err;
	size_t	 i, k;
	int	 bad = 0;

	(void)state;
	buf_init(&conf, 4 * CFG_LINE_MAX);
	buf_init(&err, 4096);
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		if (*rows[i].tail) {
			buf_set(&conf, "base = ");
			for (k = 0; k < rows[i].pad; k++)
				buf_putc(&conf, 'x');
			buf_printf(&conf, "\ngreeting = %s\n", rows[i].tail);
		} else {
			buf_set(&conf, "greeting = ");
			for (k = 0; k < rows[i].pad; k++)
				buf_putc(&conf, 'x');
			buf_putc(&conf, '\n');
		}
		write_text("f", buf_str(&conf));
		got = cfg_load("f", params, CFG_ALL, 0, &err);
		if (got != rows[i].want || strcmp(buf_str(&err), rows[i].err))
			BAD("cfg_load(%s): got %d \"%s\", want %d \"%s\"",
			    rows[i].name, got, buf_str(&err), rows[i].want,
			    rows[i].err);
		if (got == 0 && strlen(var_greeting) != (*rows[i].tail ?
		    2 * rows[i].pad : rows[i].pad))
			BAD("cfg_load(%s): greeting is %zu bytes", rows[i].name,
			    strlen(var_greeting));
	}
	buf_fini(&conf);
	buf_fini(&err);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* CFG_PARAM_MAX names in a file are fine, one more is not. */
static void
test_param_bound(void **state)
{
	static const struct {
		int	 names, want;
	} rows[] = {
		{CFG_PARAM_MAX, 0},			/* at the bound */
		{CFG_PARAM_MAX + 1, -1},		/* over it */
	};
	struct buf conf, err, warn, want_err;
	size_t	 i;
	int	 k, bad = 0;

	(void)state;
	buf_init(&conf, 65536);
	buf_init(&err, 4096);
	buf_init(&warn, 65536);
	buf_init(&want_err, 4096);
	for (i = 0; i < ROWS(rows); i++) {
		int	 got;

		buf_reset(&conf);
		for (k = 0; k < rows[i].names; k++)
			buf_printf(&conf, "p%d = %d\n", k, k);
		write_text("f", buf_str(&conf));
		buf_reset(&want_err);
		if (rows[i].want < 0)
			buf_printf(&want_err, "f, line %d: more than %d "
			    "parameters", CFG_PARAM_MAX + 1, CFG_PARAM_MAX);
		tu_capture_begin();
		got = cfg_load("f", params, CFG_ALL, 0, &err);
		tu_capture_end(&warn);
		if (got != rows[i].want || strcmp(buf_str(&err),
		    buf_str(&want_err)) != 0)
			BAD("cfg_load(%d names): got %d \"%s\", want %d \"%s\"",
			    rows[i].names, got, buf_str(&err), rows[i].want,
			    buf_str(&want_err));
	}
	buf_fini(&conf);
	buf_fini(&err);
	buf_fini(&warn);
	buf_fini(&want_err);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* A broken default names the default, not a file line. */
static void
test_bad_default(void **state)
{
	static uint64_t x;
	static char *y;
	static const struct cfg_param bad_int[] = {
		{"x", CFG_INT, "abc", 0, 10, &x, CFG_ALL},
		{0},
	}, bad_ref[] = {
		{"y", CFG_STR, "$nosuch", 0, 0, &y, CFG_ALL},
		{0},
	};
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	write_text("f", "");
	assert_int_equal(cfg_load("f", bad_int, CFG_ALL, 0, &err), -1);
	assert_string_equal(buf_str(&err), "default x = abc: not a number "
	    "(range 0..10)");
	assert_int_equal(cfg_load("f", bad_ref, CFG_ALL, 0, &err), -1);
	assert_string_equal(buf_str(&err), "default y = $nosuch: undefined "
	    "parameter $nosuch");
	assert_null(y);
	buf_fini(&err);
}

/* A missing file is an error, except at the default path. */
static void
test_missing_file(void **state)
{
	struct buf err, st;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&st, 4096);
	write_text("base.conf", BASELINE);
	assert_int_equal(cfg_load("base.conf", params, CFG_ALL, 0, &err), 0);
	assert_int_equal(cfg_load("nosuch.conf", params, CFG_ALL, 0, &err), -1);
	assert_string_equal(buf_str(&err),
	    "open nosuch.conf: No such file or directory");
	assert_string_equal(vars(&st), BASELINE_STATE);
	if (access(CFG_DEFAULT_PATH, F_OK) < 0 && errno == ENOENT) {
		assert_int_equal(cfg_load(CFG_DEFAULT_PATH, params, CFG_ALL, 0,
		    &err), 0);
		assert_string_equal(buf_str(&err), "");
		assert_string_equal(vars(&st), "");	/* all defaults */
	}
	buf_fini(&err);
	buf_fini(&st);
}

/* print_to - cfg_print into a buf */
static const char *
print_to(struct buf *out, int nondefault)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&text, &len);

	if (fp == NULL)
		fail_msg("open_memstream: %s", strerror(errno));
	cfg_print(fp, params, nondefault);
	fclose(fp);
	buf_set(out, text);
	free(text);
	return (buf_str(out));
}

/* cfg_print: -n shows what the file set, as written; else all, expanded. */
static void
test_print(void **state)
{
	struct buf out, err, warn;

	(void)state;
	buf_init(&out, 65536);
	buf_init(&err, 4096);
	buf_init(&warn, 4096);
	write_text("f", "count = 42\ngreeting = $base/x\nbogus = 1\n");
	tu_capture_begin();
	assert_int_equal(cfg_load("f", params, CFG_ALL, 0, &err), 0);
	tu_capture_end(&warn);
	assert_string_equal(print_to(&out, 1),
	    "greeting = $base/x\n"
	    "count = 42\n");
	assert_string_equal(print_to(&out, 0),
	    "greeting = /var/lib/x\n"
	    "base = /var/lib\n"
	    "dir = /var/lib/outpost\n"
	    "count = 42\n"
	    "idle = 300s\n"
	    "flag = no\n"
	    "maps = \n"
	    "pd = 5\n");
	assert_string_equal(cfg_value("count"), "42");
	assert_string_equal(cfg_value("bogus"), "1");
	assert_null(cfg_value("idle"));

	/* A failed reload: what is printed stays as it was. */
	write_text("f", "count = 43\nidle = 2h\n");
	assert_int_equal(cfg_load("f", params, CFG_ALL, 0, &err), -1);
	assert_string_equal(print_to(&out, 1),
	    "greeting = $base/x\n"
	    "count = 42\n");
	assert_string_equal(cfg_value("count"), "42");
	assert_null(cfg_value("idle"));

	/* A good one replaces it all. */
	write_text("f", "idle = 1h\n");
	assert_int_equal(cfg_load("f", params, CFG_ALL, 0, &err), 0);
	assert_string_equal(print_to(&out, 1), "idle = 1h\n");
	assert_null(cfg_value("count"));
	buf_fini(&out);
	buf_fini(&err);
	buf_fini(&warn);
}

static int
setup(void **state)
{
	(void)state;
	msg_open("cfg_test", MSG_STDERR);
	if (getcwd(olddir, sizeof(olddir)) == NULL
	    || mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0)
		return (-1);
	write_text("t1", "k v\n");
	write_text("c1", "10.0.0.0/8 ten\n");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	cfg_free(params);
	unlink("t1");
	unlink("c1");
	unlink("f");
	unlink("base.conf");
	if (chdir(olddir) < 0 || rmdir(tmpdir) < 0)
		return (-1);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_expand_depth),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_param_bound),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_print),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
