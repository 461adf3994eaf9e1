/*
 * htable_test - enter, find, delete, grow, walk
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "htable.h"
#include "mymalloc.h"

#define ROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD(...) do { print_error(__VA_ARGS__); print_error("\n"); \
	bad++; } while (0)

static int v1 = 1, v2 = 2, v3 = 3;

/* One operation per row, run in order on one table. */
static void
test_ops(void **state)
{
	static const struct {
		char	 op;		/* Enter, Find, Delete */
		const char *key;
		int	*value;		/* to enter */
		int	*want;		/* the value; NULL: refused, none */
		size_t	 used;		/* entries after */
	} rows[] = {
		{'F', "a", 0, 0, 0},			/* empty table */
		{'D', "a", 0, 0, 0},
		{'E', "a", &v1, &v1, 1},
		{'F', "a", 0, &v1, 1},
		{'F', "A", 0, 0, 1},			/* case matters */
		{'F', "a ", 0, 0, 1},
		{'E', "a", &v2, 0, 1},			/* present: refused */
		{'F', "a", 0, &v1, 1},			/* first one stays */
		{'E', "b", &v2, &v2, 2},
		{'E', "", &v3, &v3, 3},			/* empty key */
		{'F', "", 0, &v3, 3},
		{'E', "c", &v1, &v1, 4},		/* values may repeat */
		{'D', "a", 0, &v1, 3},
		{'F', "a", 0, 0, 3},
		{'D', "a", 0, 0, 3},			/* already gone */
		{'F', "b", 0, &v2, 3},
		{'E', "a", &v3, &v3, 4},		/* back again */
		{'F', "a", 0, &v3, 4},
		{'D', "", 0, &v3, 3},
		{'D', "b", 0, &v2, 2},
	};
	struct htable t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	htable_init(&t, 0);
	for (i = 0; i < ROWS(rows); i++) {
		void	*got = NULL;

		switch (rows[i].op) {
		case 'E': {
			struct htable_entry *e = htable_enter(&t, rows[i].key,
			    rows[i].value);

			if (e && (strcmp(e->key, rows[i].key) != 0
			    || e->value != rows[i].value))
				BAD("htable_enter(\"%s\"): wrong entry",
				    rows[i].key);
			got = e ? e->value : NULL;
			break;
		}
		case 'F':
			got = htable_find(&t, rows[i].key);
			if ((htable_locate(&t, rows[i].key) != NULL)
			    != (got != NULL))
				BAD("htable_locate(\"%s\") and htable_find "
				    "disagree", rows[i].key);
			break;
		case 'D':
			got = htable_delete(&t, rows[i].key);
			break;
		}
		if (got != rows[i].want || t.used != rows[i].used)
			BAD("row %zu: %c \"%s\": got %d/used %zu, want %d/used "
			    "%zu", i, rows[i].op, rows[i].key, got ? *(int *)got
			    : 0, t.used, rows[i].want ? *rows[i].want : 0,
			    rows[i].used);
	}
	htable_fini(&t, NULL);
	assert_null(t.slot);
	assert_int_equal(t.used, 0);
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* htable_init: the hint rounds up to a power of two, at least 16. */
static void
test_init(void **state)
{
	static const struct {
		size_t	 hint, size;
	} rows[] = {
		{0, 16}, {1, 16}, {16, 16}, {17, 32}, {100, 128}, {128, 128},
		{129, 256},
	};
	struct htable t;
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		htable_init(&t, rows[i].hint);
		if (t.size != rows[i].size || t.used != 0)
			BAD("htable_init(%zu): got size %zu, want %zu",
			    rows[i].hint, t.size, rows[i].size);
		htable_fini(&t, NULL);
	}
	if (bad)
		fail_msg("%d of %zu rows failed", bad, ROWS(rows));
}

/* Growth: full at size entries, doubled by the next; all still found. */
static void
test_grow(void **state)
{
	enum { N = 5000 };
	struct htable t;
	char	 key[32];
	int	 i, bad = 0;
	static int vals[N];

	(void)state;
	htable_init(&t, 16);
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		vals[i] = i;
		assert_non_null(htable_enter(&t, key, &vals[i]));
	}
	assert_int_equal(t.size, 16);		/* at the load bound */
	snprintf(key, sizeof(key), "k%d", 16);
	vals[16] = 16;
	assert_non_null(htable_enter(&t, key, &vals[16]));
	assert_int_equal(t.size, 32);		/* over it: doubled */
	for (i = 17; i < N; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		vals[i] = i;
		assert_non_null(htable_enter(&t, key, &vals[i]));
	}
	assert_int_equal(t.used, N);
	assert_true(t.size >= N);
	assert_int_equal(t.size & (t.size - 1), 0);	/* a power of two */
	for (i = 0; i < N; i++) {
		int	*v;

		snprintf(key, sizeof(key), "k%d", i);
		if ((v = htable_find(&t, key)) == NULL || *v != i)
			BAD("htable_find(\"%s\") after growth: got %d", key,
			    v ? *v : -1);
	}
	/* Delete every other one; the rest are still there. */
	for (i = 0; i < N; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		if (htable_delete(&t, key) != &vals[i])
			BAD("htable_delete(\"%s\")", key);
	}
	assert_int_equal(t.used, N / 2);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if ((htable_find(&t, key) != NULL) != (i % 2 == 1))
			BAD("htable_find(\"%s\") after deletes", key);
	}
	htable_fini(&t, NULL);
	if (bad)
		fail_msg("%d lookups failed", bad);
}

struct walk_ctx {
	int	 calls;
	long	 sum;
	char	 seen[64];
};

static void
walk_fn(struct htable_entry *e, void *ctx)
{
	struct walk_ctx *w = ctx;
	int	 n = atoi(e->key + 1);

	w->calls++;
	w->sum += *(int *)e->value;
	if (n >= 0 && n < (int)sizeof(w->seen))
		w->seen[n]++;
}

static int freed;

static void
count_free(void *p)
{
	freed++;
	free(p);
}

/* Walk visits each entry once; fini frees keys and calls free_value. */
static void
test_walk_fini(void **state)
{
	struct htable t;
	struct walk_ctx w;
	char	 key[16];
	int	 i;

	(void)state;
	htable_init(&t, 0);
	memset(&w, 0, sizeof(w));
	htable_walk(&t, walk_fn, &w);			/* empty */
	assert_int_equal(w.calls, 0);
	for (i = 0; i < 40; i++) {
		int	*v = xmalloc(sizeof(*v));

		*v = i;
		snprintf(key, sizeof(key), "k%d", i);
		assert_non_null(htable_enter(&t, key, v));
	}
	htable_walk(&t, walk_fn, &w);
	assert_int_equal(w.calls, 40);
	assert_int_equal(w.sum, 40 * 39 / 2);
	for (i = 0; i < 40; i++)
		assert_int_equal(w.seen[i], 1);
	freed = 0;
	htable_fini(&t, count_free);
	assert_int_equal(freed, 40);
	assert_null(t.slot);
}

/* Two tables do not share a seed (keys from the network). */
static void
test_seed(void **state)
{
	struct htable a, b;

	(void)state;
	htable_init(&a, 0);
	htable_init(&b, 0);
	assert_true(a.seed != b.seed);
	htable_fini(&a, NULL);
	htable_fini(&b, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_walk_fini),
		cmocka_unit_test(test_seed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
