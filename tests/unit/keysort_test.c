/*
 * keysort_test - keysort() against qsort(3) with keysort_cmp(), over key
 * sets shaped like the ones it sorts and like the ones that break
 * quicksorts: shared beginnings, keys that begin others, repeats, bytes
 * 0 and 255, input already in order or in reverse, all keys equal
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keysort.h"
#include "mymalloc.h"

#define KEYLEN	40

/* A set of n keys in one block of n * KEYLEN bytes. */
struct keys {
	unsigned char *bytes;
	struct keysort_item *v;
	size_t	 n;
};

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (rnd_state);
}

static void
keys_init(struct keys *k, size_t n)
{
	k->bytes = xcalloc(n ? n : 1, KEYLEN);
	k->v = xcalloc(n ? n : 1, sizeof(*k->v));
	k->n = n;
}

static void
keys_set(struct keys *k, size_t i, const void *key, size_t len)
{
	assert_true(len <= KEYLEN);
	memcpy(k->bytes + i * KEYLEN, key, len);
	k->v[i].key = k->bytes + i * KEYLEN;
	k->v[i].klen = (uint32_t)len;
	k->v[i].data = NULL;
	k->v[i].dlen = (uint32_t)i;	/* where it started, to follow it */
}

static void
keys_free(struct keys *k)
{
	xfree(k->bytes);
	xfree(k->v);
}

static int
by_cmp(const void *a, const void *b)
{
	return (keysort_cmp(a, b));
}

/* check - keysort() gives qsort()'s order, and moves each item whole */
static void
check(struct keys *k)
{
	struct keysort_item *want = xcalloc(k->n ? k->n : 1, sizeof(*want));
	size_t	 i;

	memcpy(want, k->v, k->n * sizeof(*want));
	qsort(want, k->n, sizeof(*want), by_cmp);
	keysort(k->v, k->n);
	for (i = 0; i < k->n; i++) {
		if (keysort_cmp(&k->v[i], &want[i]) != 0)
			fail_msg("n=%zu: item %zu is out of order", k->n, i);
		/* the item's data and length still belong to its key */
		assert_ptr_equal(k->v[i].key,
		    k->bytes + (size_t)k->v[i].dlen * KEYLEN);
	}
	xfree(want);
}

static void
test_cmp(void **state)
{
	static const struct {
		const char *a, *b;
		int	 want;
	} rows[] = {
		{"", "", 0},
		{"", "a", -1},
		{"a", "", 1},
		{"ab", "abc", -1},
		{"abc", "abd", -1},
		{"b", "abc", 1},
		{"sender:a", "sasl_username:a", 1},
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct keysort_item a = {(const unsigned char *)rows[i].a,
		    NULL, (uint32_t)strlen(rows[i].a), 0};
		struct keysort_item b = {(const unsigned char *)rows[i].b,
		    NULL, (uint32_t)strlen(rows[i].b), 0};
		int	 c = keysort_cmp(&a, &b);

		if ((c > 0) - (c < 0) != rows[i].want)
			fail_msg("\"%s\" vs \"%s\": %d", rows[i].a, rows[i].b, c);
	}
	/* bytes compare unsigned, and 0 is a byte like any other */
	{
		struct keysort_item z = {(const unsigned char *)"a\0", NULL, 2, 0};
		struct keysort_item a = {(const unsigned char *)"a", NULL, 1, 0};
		struct keysort_item hi = {(const unsigned char *)"\xff", NULL, 1, 0};

		assert_true(keysort_cmp(&a, &z) < 0);
		assert_true(keysort_cmp(&z, &hi) < 0);
	}
}

/* Rate-limit keys: long shared beginnings, two kinds, some repeated. */
static void
test_rate_keys(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 12, 13, 100, 20000};
	size_t	 s, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct keys k;

		keys_init(&k, sizes[s]);
		for (i = 0; i < k.n; i++) {
			char	 key[KEYLEN];
			uint64_t r = rnd();
			int	 len = r & 1 ?
			    snprintf(key, sizeof(key), "sasl_username:user%u",
			    (unsigned)(r >> 8) % 5000) :
			    snprintf(key, sizeof(key), "sender:user%u@example.org",
			    (unsigned)(r >> 8) % 5000);

			keys_set(&k, i, key, (size_t)len);
		}
		check(&k);
		keys_free(&k);
	}
}

/* Random bytes, 0 and 255 among them, and keys that begin others. */
static void
test_bytes(void **state)
{
	struct keys k;
	size_t	 i, j;

	(void)state;
	keys_init(&k, 30000);
	for (i = 0; i < k.n; i++) {
		unsigned char key[KEYLEN];
		size_t	 len = rnd() % 6;

		for (j = 0; j < len; j++) {
			uint64_t r = rnd() % 4;

			key[j] = r == 0 ? 0 : r == 1 ? 255 : (unsigned char)rnd();
		}
		keys_set(&k, i, key, len);
	}
	check(&k);
	keys_free(&k);
}

/* Orders that a naive pivot takes badly, and a set of one key. */
static void
test_orders(void **state)
{
	struct keys k;
	size_t	 i, n = 10000;
	int	 shape;

	(void)state;
	for (shape = 0; shape < 4; shape++) {
		keys_init(&k, n);
		for (i = 0; i < n; i++) {
			char	 key[KEYLEN];
			size_t	 v = shape == 0 ? i : shape == 1 ? n - i :
			    shape == 2 ? (i % 2 ? i : n - i) : 7;
			int	 len = snprintf(key, sizeof(key), "k%08zu", v);

			keys_set(&k, i, key, (size_t)len);
		}
		check(&k);
		keys_free(&k);
	}
}

/* Every byte value at one position, so that partitions on that byte
 * take many rounds: each leaves out only the keys at its pivot. */
static void
test_spread(void **state)
{
	struct keys k;
	size_t	 i;

	(void)state;
	keys_init(&k, 256 * 40);
	for (i = 0; i < k.n; i++) {
		unsigned char key[3] = {'x', (unsigned char)(i % 256),
		    (unsigned char)(i / 256)};

		keys_set(&k, i, key, sizeof(key));
	}
	check(&k);
	keys_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_rate_keys),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_spread),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
