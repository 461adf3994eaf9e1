/*
 * domain_state_test - sending-domain verification records: names,
 * round trip, walk order, removal, and a damaged record never read as
 * verified
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "db.h"
#include "domain_state.h"
#include "testutil.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))

struct fixture {
	char	 dir[64];
	struct db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/domain_state_test.XXXXXX");
	f->db = tu_db_open(f->dir);
	*state = f;
	return (f->db ? 0 : -1);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_db_remove(f->db, f->dir);
	free(f);
	return (0);
}

static void
test_name(void **state)
{
	static const struct {
		const char *in, *want;	/* want NULL: refused */
	} rows[] = {
		{"Example.ORG", "example.org"},
		{"example.org.", "example.org"},	/* final dot */
		{"a-b.example", "a-b.example"},
		{"", NULL},
		{".", NULL},
		{"a..b", NULL},
		{".a", NULL},
		{"a b.example", NULL},
		{"a_b.example", NULL},
		{"caf\xc3\xa9.example", NULL},
		{"x@example.org", NULL},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		    "org", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaa.org"},		/* 63: at the bound */
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ".org", NULL},		/* 64 */
	};
	char	 out[DOMAIN_NAME_MAX + 1], name[300];
	const char *why;
	size_t	 i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		const char *got = domain_state_name(rows[i].in, out, &why);

		if (rows[i].want == NULL && got != NULL)
			fail_msg("domain_state_name(\"%s\"): got \"%s\", want "
			    "refusal", rows[i].in, got);
		if (rows[i].want && (got == NULL || strcmp(got, rows[i].want)))
			fail_msg("domain_state_name(\"%s\"): got %s, want %s",
			    rows[i].in, got ? got : why, rows[i].want);
	}
	/* 253 bytes is the bound, 254 is past it */
	memset(name, 'a', 253);
	for (i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = 0;
	assert_non_null(domain_state_name(name, out, &why));
	name[253] = 'a';
	name[254] = 0;
	assert_null(domain_state_name(name, out, &why));
}

static int
collect(const struct domain_state *st, void *ctx)
{
	struct buf *b = ctx;

	buf_printf(b, "%s=%d;", st->domain, st->verified);
	return (0);
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct domain_state *st = calloc(1, sizeof(*st)), *got = calloc(1,
	    sizeof(*got));
	struct db_txn *txn = NULL;
	const char *why;
	struct buf b;

	snprintf(st->domain, sizeof(st->domain), "example.org");
	st->verified = 1;
	st->checked = 1714564800;
	snprintf(st->selector, sizeof(st->selector), "s1");
	snprintf(st->key, sizeof(st->key), "/keys/example.org.pem");
	snprintf(st->evidence, sizeof(st->evidence), "dkim: pass: x\n"
	    "spf: pass: y");
	assert_int_equal(domain_state_put(f->db, st, &why), 0);
	snprintf(st->domain, sizeof(st->domain), "b.example");
	st->verified = 0;
	st->selector[0] = st->key[0] = st->evidence[0] = 0;
	assert_int_equal(domain_state_put(f->db, st, &why), 0);
	/* a field with a newline would shift the others: refused */
	snprintf(st->selector, sizeof(st->selector), "a\nb");
	assert_int_equal(domain_state_put(f->db, st, &why), -1);

	assert_int_equal(db_read_begin(f->db, &txn, &why), 0);
	assert_int_equal(domain_state_get(txn, "example.org", got), 1);
	assert_int_equal(got->verified, 1);
	assert_int_equal(got->checked, 1714564800);
	assert_string_equal(got->selector, "s1");
	assert_string_equal(got->key, "/keys/example.org.pem");
	assert_string_equal(got->evidence, "dkim: pass: x\nspf: pass: y");
	assert_int_equal(domain_state_get(txn, "b.example", got), 1);
	assert_int_equal(got->verified, 0);
	assert_string_equal(got->evidence, "");
	assert_int_equal(domain_state_get(txn, "nosuch.example", got), 0);
	buf_init(&b, 1024);
	assert_int_equal(domain_state_walk(txn, collect, &b), 0);
	assert_string_equal(buf_str(&b), "b.example=0;example.org=1;");
	db_read_end(txn);

	assert_int_equal(domain_state_del(f->db, "b.example", &why), 1);
	assert_int_equal(domain_state_del(f->db, "b.example", &why), 0);
	assert_int_equal(db_read_begin(f->db, &txn, &why), 0);
	buf_reset(&b);
	assert_int_equal(domain_state_walk(txn, collect, &b), 0);
	assert_string_equal(buf_str(&b), "example.org=1;");
	db_read_end(txn);
	db_txn_free(txn);
	buf_fini(&b);
	free(st);
	free(got);
}

/* put_raw - db_update callback: a value as given */
static int
put_raw(struct db_txn *txn, void *ctx, const char **why)
{
	const char *v = ctx;

	(void)why;
	return (db_put(txn, DB_DOMAIN, "bad.example", 11, v, strlen(v)));
}

static void
test_damaged(void **state)
{
	static const char *const values[] = {
		"verified",			/* fields missing */
		"verified\n",
		"verified\nsoon\ns1\nkey\n",	/* time not a number */
		"yes\n1\ns1\nkey\n",		/* not a state word */
		"",
	};
	struct fixture *f = *state;
	struct domain_state *got = calloc(1, sizeof(*got));
	struct db_txn *txn = NULL;
	const char *why;
	struct buf b;
	size_t	 i;

	buf_init(&b, 1024);
	for (i = 0; i < ROWS(values); i++) {
		assert_int_equal(db_update(f->db, put_raw, (void *)values[i],
		    &why), 0);
		assert_int_equal(db_read_begin(f->db, &txn, &why), 0);
		if (domain_state_get(txn, "bad.example", got) != -1)
			fail_msg("value \"%s\": not refused", values[i]);
		/* the walk shows it, unverified */
		buf_reset(&b);
		assert_int_equal(domain_state_walk(txn, collect, &b), 0);
		assert_string_equal(buf_str(&b), "bad.example=0;");
		db_read_end(txn);
	}
	db_txn_free(txn);
	buf_fini(&b);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
