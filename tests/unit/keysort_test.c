/*
 * keysort_test - keysort() against qsort(3) with keysort_cmp(), over key
 * sets shaped like the ones it sorts and like the ones that break
 * quicksorts: shared beginnings, keys that begin others, repeats, bytes
 * 0 and 255 (also where keysort's 7-byte words meet), input already in
 * order or in reverse, all keys equal, and pivots chosen to be bad until
 * keysort gives up and calls qsort(3)
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

/* keys_shuffle - the items in random order; each keeps its key */
static void
keys_shuffle(struct keys *k)
{
	size_t	 i;

	for (i = k->n; i > 1; i--) {
		size_t	 j = rnd() % i;
		struct keysort_item t = k->v[i - 1];

		k->v[i - 1] = k->v[j];
		k->v[j] = t;
	}
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
		struct keysort_item a = {
		    .key = (const unsigned char *)rows[i].a,
		    .klen = (uint32_t)strlen(rows[i].a)};
		struct keysort_item b = {
		    .key = (const unsigned char *)rows[i].b,
		    .klen = (uint32_t)strlen(rows[i].b)};
		int	 c = keysort_cmp(&a, &b);

		if ((c > 0) - (c < 0) != rows[i].want)
			fail_msg("\"%s\" vs \"%s\": %d", rows[i].a, rows[i].b, c);
	}
	/* bytes compare unsigned, and 0 is a byte like any other */
	{
		struct keysort_item z = {.key = (const unsigned char *)"a\0",
		    .klen = 2};
		struct keysort_item a = {.key = (const unsigned char *)"a",
		    .klen = 1};
		struct keysort_item hi = {.key = (const unsigned char *)"\xff",
		    .klen = 1};

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

/* Every key of 0 to 12 bytes that are 0 or 255, each twice: keys that
 * differ only in trailing 0 bytes ("\xff" and "\xff\0"), and 0 and 255
 * on each side of the end of keysort's first word (byte 7). */
static void
test_word_ends(void **state)
{
	struct keys k;
	size_t	 len, bits, i = 0;

	(void)state;
	keys_init(&k, 2 * ((1 << 13) - 1));
	for (len = 0; len <= 12; len++)
		for (bits = 0; bits < (size_t)1 << len; bits++) {
			unsigned char key[KEYLEN];
			size_t	 j;

			for (j = 0; j < len; j++)
				key[j] = bits >> j & 1 ? 255 : 0;
			keys_set(&k, i++, key, len);
			keys_set(&k, i++, key, len);
		}
	assert_int_equal(i, k.n);
	keys_shuffle(&k);
	check(&k);
	keys_free(&k);
}

/* Keys of 4 to 20 bytes, a shared beginning of 0 to 13 bytes and then
 * bytes 0, 1, 254 and 255, so that the ends of the first two words
 * (bytes 7 and 14) fall inside the beginning, at its end, and past it. */
static void
test_word_bytes(void **state)
{
	static const unsigned char odd[] = {0, 1, 254, 255};
	struct keys k;
	size_t	 pre, i, j;

	(void)state;
	for (pre = 0; pre <= 13; pre++) {
		keys_init(&k, 3000);
		for (i = 0; i < k.n; i++) {
			unsigned char key[KEYLEN];
			size_t	 len = pre + rnd() % (21 - pre);

			if (len < 4)
				len = 4;
			for (j = 0; j < len; j++)
				key[j] = j < pre ? "sasl_username:"[j] :
				    odd[rnd() % 4];
			keys_set(&k, i, key, len);
		}
		check(&k);
		keys_free(&k);
	}
}

/* prefixes_case - the first 0 to 20 bytes of key, each length 1, 3 or
 * 20 times: every key begins all the longer ones */
static void
prefixes_case(const void *key)
{
	static const size_t times[] = {1, 3, 20};
	size_t	 t, len, i, j;

	for (t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
		struct keys k;

		keys_init(&k, 21 * times[t]);
		for (i = len = 0; len <= 20; len++)
			for (j = 0; j < times[t]; j++)
				keys_set(&k, i++, key, len);
		keys_shuffle(&k);
		check(&k);
		keys_free(&k);
	}
}

static void
test_prefixes(void **state)
{
	static const char *const rows[] = {	/* 20 bytes each */
		"sasl_username:user12",
		"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		"\0\xff\0\xff\0\xff\0\xff\0\xff\0\xff\0\xff\0\xff\0\xff\0\xff",
		"abcdef\0\0ghijklm\xff\0\0\0\xff",
	};
	unsigned char ff[20];
	size_t	 r;

	(void)state;
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		prefixes_case(rows[r]);
	memset(ff, 255, sizeof(ff));
	prefixes_case(ff);
}

static unsigned
log2_floor(size_t n)
{
	unsigned l = 0;

	while (n >>= 1)
		l++;
	return (l);
}

/*
 * Keys that make keysort() give up on partitions, so that qsort(3) sorts
 * the rest. keysort_from() takes as its pivot the ninther of nine items
 * spread over the part, at e/2 + k e for k = 0..8 and e = n/9 (the
 * median of the medians of items 0-2, 3-5 and 6-8), and a partition
 * keeps each of its three parts in the order it had. The keys can thus
 * be handed out as the sort goes: in each round items 0, 1, 3 and 4 of
 * the nine get the four least keys left, in that order, so that item 4
 * is the pivot. Those four go to parts of their own and the rest stay
 * one part, in order, for the next round. keysort allows a part of m
 * items 2 log2(m) + 1 such partitions on one word; at the next it hands
 * the part to qsort(3). Its keys are handed out from the greatest down,
 * so that a fallback that does not sort them leaves them out of order.
 *
 * The keys are "sasl_username:" and 4 bytes, big-endian, so the pivot is
 * an equal key and its part ends at once. With lead keys "sasl_u" in
 * front (not among the nine), a first partition puts those apart, so
 * that the rest are in keysort's second array rather than in the
 * caller's when qsort(3) gets them.
 *
 * This mirrors keysort_from()'s choice of pivot and its partition:
 * change it with them, or it stops reaching the fallback.
 */
static void
fallback_case(size_t n, size_t lead)
{
	static const char prefix[] = "sasl_username:";
	static const size_t least[] = {4, 3, 1, 0};	/* of the nine */
	size_t	 m = n - lead, *part = xcalloc(m, sizeof(*part));
	uint32_t *rank = xcalloc(n, sizeof(*rank));
	unsigned round, rounds = 2 * log2_floor(m) + 2;
	uint32_t next = 0;
	struct keys k;
	size_t	 i, j;

	assert_true(n / 9 / 2 >= lead);	/* the lead is not sampled */
	for (i = 0; i < m; i++)
		part[i] = lead + i;
	for (round = 0; round < rounds; round++) {
		size_t	 e = m / 9;

		assert_true(e >= 2);
		/* from the last of the four: removing it moves no other */
		for (j = 0; j < 4; j++) {
			size_t	 at = e / 2 + least[j] * e;

			rank[part[at]] = next + 3 - (uint32_t)j;
			memmove(part + at, part + at + 1,
			    (m - at - 1) * sizeof(*part));
			m--;
		}
		next += 4;
	}
	for (i = 0; i < m; i++)
		rank[part[i]] = (uint32_t)(n - lead - 1 - i);
	keys_init(&k, n);
	for (i = 0; i < n; i++) {
		unsigned char key[KEYLEN];

		memcpy(key, prefix, sizeof(prefix) - 1);
		key[14] = (unsigned char)(rank[i] >> 24);
		key[15] = (unsigned char)(rank[i] >> 16);
		key[16] = (unsigned char)(rank[i] >> 8);
		key[17] = (unsigned char)rank[i];
		keys_set(&k, i, key, i < lead ? 6 : 18);
	}
	check(&k);
	keys_free(&k);
	xfree(part);
	xfree(rank);
}

static void
test_fallback(void **state)
{
	(void)state;
	fallback_case(1000, 0);
	fallback_case(1003, 3);
	fallback_case(20000, 0);
	fallback_case(20003, 3);
}

/* keysort_with(): the caller's second array, used again and again */
static void
test_with(void **state)
{
	static const size_t sizes[] = {0, 1, 24, 25, 1000, 20000};
	struct keysort_item *tmp = xcalloc(20000, sizeof(*tmp));
	size_t	 s, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct keys k;
		struct keysort_item *want;

		keys_init(&k, sizes[s]);
		for (i = 0; i < k.n; i++) {
			char	 key[KEYLEN];
			uint64_t r = rnd();
			int	 len = snprintf(key, sizeof(key), "%s:user%u",
			    r & 1 ? "sender" : "sasl_username",
			    (unsigned)(r >> 8) % 3000);

			keys_set(&k, i, key, (size_t)len);
		}
		want = xcalloc(k.n ? k.n : 1, sizeof(*want));
		memcpy(want, k.v, k.n * sizeof(*want));
		qsort(want, k.n, sizeof(*want), by_cmp);
		keysort_with(k.v, tmp, k.n);
		for (i = 0; i < k.n; i++)
			if (keysort_cmp(&k.v[i], &want[i]) != 0)
				fail_msg("n=%zu: item %zu is out of order", k.n, i);
		xfree(want);
		keys_free(&k);
	}
	xfree(tmp);
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
		cmocka_unit_test(test_word_ends),
		cmocka_unit_test(test_word_bytes),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_with),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
