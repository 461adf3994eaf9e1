/*
 * htable_test - enter, find, delete, grow, walk; keys of any length
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

/* len_key - key i of the length test: i, then a letter repeated up to a
 * length of 1 to about 600 that depends on i */
static void
len_key(char *key, size_t size, int i)
{
	size_t	 len = (size_t)snprintf(key, size, "%d", i);
	size_t	 want = len + (size_t)(i * 37) % 600;

	while (len < want && len < size - 1)
		key[len++] = (char)('a' + i % 26);
	key[len] = 0;
}

struct len_pred_ctx {
	size_t	 calls;
};

/* len_long - htable_delete_if predicate: keys longer than 300 */
static int
len_long(struct htable_entry *e, void *ctx)
{
	struct len_pred_ctx *p = ctx;

	p->calls++;
	return (strlen(e->key) > 300);
}

/*
 * Keys of many lengths, some prefixes of others, in a table grown from
 * 16 slots: each is found as entered, the entry stays at its address
 * through growth (the rate store relies on it), deletes and re-entries
 * in between leave the others alone.
 */
static void
test_key_lengths(void **state)
{
	enum { N = 3000, P = 300 };
	static struct htable_entry *ent[N + P];
	static int vals[N + P];
	struct htable t;
	struct len_pred_ctx pc = {0};
	char	 key[700];
	size_t	 longer = 0, gone;
	int	 i, bad = 0;

	(void)state;
	htable_init(&t, 0);
	for (i = 0; i < N + P; i++) {
		if (i < N)
			len_key(key, sizeof(key), i);
		else {			/* "p", "pp", ... */
			memset(key, 'p', (size_t)(i - N + 1));
			key[i - N + 1] = 0;
		}
		vals[i] = i;
		if ((ent[i] = htable_enter(&t, key, &vals[i])) == NULL
		    || strcmp(ent[i]->key, key) != 0
		    || ent[i]->value != &vals[i])
			BAD("htable_enter(key %d, length %zu): bad entry", i,
			    strlen(key));
		if (htable_enter(&t, key, &vals[0]) != NULL)
			BAD("htable_enter(key %d) twice: not refused", i);
	}
	assert_int_equal(t.used, N + P);
	assert_true(t.size >= N + P);
	for (i = 0; i < N + P; i++) {
		if (i < N)
			len_key(key, sizeof(key), i);
		else {
			memset(key, 'p', (size_t)(i - N + 1));
			key[i - N + 1] = 0;
		}
		if (htable_locate(&t, key) != ent[i])
			BAD("htable_locate(key %d, length %zu): moved or lost",
			    i, strlen(key));
		longer += strlen(key) > 300;
		/* One letter more or less is another key. */
		if (i >= N && i < N + P - 1) {
			key[i - N + 1] = 'p';
			key[i - N + 2] = 0;
			if (htable_locate(&t, key) != ent[i + 1])
				BAD("htable_locate(%zu p's)", strlen(key));
		}
	}
	/* Every third one out, then back with another value. */
	for (i = 0; i < N; i += 3) {
		len_key(key, sizeof(key), i);
		if (htable_delete(&t, key) != &vals[i])
			BAD("htable_delete(key %d)", i);
	}
	assert_int_equal(t.used, N + P - (N + 2) / 3);
	for (i = 0; i < N; i++) {
		len_key(key, sizeof(key), i);
		if ((htable_locate(&t, key) == ent[i]) != (i % 3 != 0))
			BAD("htable_locate(key %d) after deletes", i);
	}
	for (i = 0; i < N; i += 3) {
		len_key(key, sizeof(key), i);
		if (htable_enter(&t, key, &vals[N - 1 - i]) == NULL)
			BAD("htable_enter(key %d) again: refused", i);
	}
	assert_int_equal(t.used, N + P);
	for (i = 0; i < N; i++) {
		int	*v;

		len_key(key, sizeof(key), i);
		v = htable_find(&t, key);
		if (v == NULL || *v != (i % 3 == 0 ? N - 1 - i : i))
			BAD("htable_find(key %d) after re-entry: got %d", i,
			    v ? *v : -1);
	}
	/* The long ones out at once; the short ones stay. */
	gone = htable_delete_if(&t, len_long, &pc, NULL);
	assert_int_equal(pc.calls, N + P);
	assert_true(longer > 0 && longer < N + P);
	assert_int_equal(gone, longer);
	assert_int_equal(t.used, N + P - longer);
	for (i = 0; i < N; i++) {
		len_key(key, sizeof(key), i);
		if ((htable_find(&t, key) != NULL) != (strlen(key) <= 300))
			BAD("htable_find(key %d, length %zu) after delete_if",
			    i, strlen(key));
	}
	htable_fini(&t, NULL);
	if (bad)
		fail_msg("%d checks failed", bad);
}

/*
 * The stored hash filters, the string decides. A collision of the full
 * hash is made by hand: an entry gets the hash of another key that falls
 * in the same slot. That key is still not found, and can be entered;
 * the entry itself is not found under its own key any more, as a lookup
 * compares hashes first.
 */
static void
test_collision(void **state)
{
	struct htable t;
	struct htable_entry *a, *b = NULL;
	char	 key[16];
	int	 i;

	(void)state;
	htable_init(&t, 0);
	assert_non_null(a = htable_enter(&t, "a", &v1));
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "b%d", i);
		assert_non_null(b = htable_enter(&t, key, &v2));
		if ((b->hash & (t.size - 1)) == (a->hash & (t.size - 1))
		    && b->hash != a->hash)
			break;
		assert_ptr_equal(htable_delete(&t, key), &v2);
		b = NULL;
	}
	assert_non_null(b);
	a->hash = b->hash;
	assert_ptr_equal(htable_delete(&t, key), &v2);
	assert_int_equal(t.size, 16);
	assert_null(htable_find(&t, key));
	assert_null(htable_delete(&t, key));
	assert_non_null(htable_enter(&t, key, &v3));
	assert_ptr_equal(htable_find(&t, key), &v3);
	assert_null(htable_find(&t, "a"));
	assert_int_equal(t.used, 2);
	htable_fini(&t, NULL);
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

/* Several keys at once: the same entries as one by one, present or not,
 * in a table that has grown, and none at all. */
static void
test_locate_each(void **state)
{
	struct htable t;
	struct htable_entry *out[HTABLE_EACH_MAX];
	const char *keys[HTABLE_EACH_MAX];
	char	 names[HTABLE_EACH_MAX][32];
	int	 i, round;
	long	 v;

	(void)state;
	htable_init(&t, 4);
	for (v = 0; v < 5000; v += 2) {		/* the even ones */
		char	 key[32];

		snprintf(key, sizeof(key), "key%ld", v);
		assert_non_null(htable_enter(&t, key, (void *)(v + 1)));
	}
	for (round = 0; round < 100; round++) {
		for (i = 0; i < HTABLE_EACH_MAX; i++) {
			snprintf(names[i], sizeof(names[i]), "key%d",
			    (round * 37 + i * 11) % 5001);
			keys[i] = names[i];
		}
		htable_locate_each(&t, keys, HTABLE_EACH_MAX, out);
		for (i = 0; i < HTABLE_EACH_MAX; i++) {
			v = strtol(names[i] + 3, NULL, 10);
			assert_ptr_equal(out[i], htable_locate(&t, keys[i]));
			if (v % 2 == 0 && v < 5000)
				assert_ptr_equal(out[i]->value, (void *)(v + 1));
			else
				assert_null(out[i]);
		}
	}
	out[0] = (struct htable_entry *)&t;
	htable_locate_each(&t, keys, 0, out);		/* touches nothing */
	assert_ptr_equal(out[0], (struct htable_entry *)&t);
	htable_fini(&t, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_locate_each),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_key_lengths),
		cmocka_unit_test(test_collision),
		cmocka_unit_test(test_walk_fini),
		cmocka_unit_test(test_seed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
