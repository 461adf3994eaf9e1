/*
 * keysort - sort byte-string keys in LMDB's order
 * SYNOPSIS	keysort(items, n);
 * DESCRIPTION	LMDB orders keys as memcmp(3) does, a key before the
 *		longer keys it begins. A batch written in that order
 *		changes each page of the tree once, and its writes find
 *		their place from the page of the one before.
 *
 *		Keys of one kind share long beginnings ("sasl_username:",
 *		a common domain), which a comparison sort reads again at
 *		every comparison. This is a multikey quicksort (Bentley
 *		and Sedgewick, "Fast algorithms for sorting and searching
 *		strings", 1997): it partitions on one byte at a time, the
 *		keys' end counting as a byte below all others, and moves
 *		to the next byte only within the part that shares this
 *		one, so a shared beginning is read once per partition.
 * LIMITS	It recurses only into the two smaller parts of a
 *		partition, each at most half of it, so the stack holds at
 *		most log2(n) frames. Pivots are medians of three; a part
 *		that still needs more than 2 log2(n) partitions on the same
 *		byte has met pivots bad enough to be made on purpose, and
 *		qsort(3) finishes it instead.
 */
#include <stdlib.h>
#include <string.h>

#include "keysort.h"

/* Parts this small are finished by insertion. */
#define KEYSORT_SMALL	12

int
keysort_cmp(const struct keysort_item *a, const struct keysort_item *b)
{
	int	 c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);

	return (c ? c : (a->klen > b->klen) - (a->klen < b->klen));
}

static int
keysort_qsort_cmp(const void *a, const void *b)
{
	return (keysort_cmp(a, b));
}

/* keysort_byte - byte d of a key, -1 past its end */
static inline int
keysort_byte(const struct keysort_item *it, size_t d)
{
	return (d < it->klen ? it->key[d] : -1);
}

static inline void
keysort_swap(struct keysort_item *a, struct keysort_item *b)
{
	struct keysort_item t = *a;

	*a = *b;
	*b = t;
}

/* keysort_small - insertion sort of keys that share their first d bytes */
static void
keysort_small(struct keysort_item *v, size_t n, size_t d)
{
	size_t	 i, j;

	for (i = 1; i < n; i++) {
		struct keysort_item t = v[i];

		for (j = i; j > 0; j--) {
			const struct keysort_item *p = &v[j - 1];
			size_t	 m = (p->klen < t.klen ? p->klen : t.klen) - d;
			int	 c = memcmp(p->key + d, t.key + d, m);

			if (c < 0 || (c == 0 && p->klen <= t.klen))
				break;
			v[j] = v[j - 1];
		}
		v[j] = t;
	}
}

static int
keysort_median(int a, int b, int c)
{
	if (a < b)
		return (b < c ? b : a < c ? c : a);
	return (a < c ? a : b < c ? c : b);
}

static unsigned
keysort_log2(size_t n)
{
	unsigned l = 0;

	while (n >>= 1)
		l++;
	return (l);
}

/* keysort_common - how many bytes v[0..n), which share their first d,
 * share in all: one pass over the keys rather than one a byte */
static size_t
keysort_common(const struct keysort_item *v, size_t n, size_t d)
{
	size_t	 lcp = v[0].klen, i, j;

	for (i = 1; i < n && lcp > d; i++) {
		if (v[i].klen < lcp)
			lcp = v[i].klen;
		for (j = d; j < lcp && v[i].key[j] == v[0].key[j]; j++)
			;
		lcp = j;
	}
	return (lcp);
}

/* keysort_from - sort v[0..n), keys that share their first d bytes */
static void
keysort_from(struct keysort_item *v, size_t n, size_t d)
{
	unsigned budget = 2 * keysort_log2(n) + 1;

	while (n > KEYSORT_SMALL) {
		int	 pivot = keysort_median(keysort_byte(&v[0], d),
		    keysort_byte(&v[n / 2], d), keysort_byte(&v[n - 1], d));
		size_t	 lt = 0, i = 0, gt = n, nl, ne, ng;

		/* [0, lt) below the pivot, [lt, i) at it, [gt, n) above */
		while (i < gt) {
			int	 c = keysort_byte(&v[i], d);

			if (c < pivot)
				keysort_swap(&v[lt++], &v[i++]);
			else if (c > pivot)
				keysort_swap(&v[i], &v[--gt]);
			else
				i++;
		}
		nl = lt;
		ne = pivot < 0 ? 0 : gt - lt;	/* ended keys are equal */
		ng = n - gt;
		if (ne >= nl && ne >= ng) {	/* go on with the next byte */
			keysort_from(v, nl, d);
			keysort_from(v + gt, ng, d);
			v += lt;
			/* All alike at d: skip what they all share. */
			d = ne == n ? keysort_common(v, ne, d + 1) : d + 1;
			n = ne;
			budget = 2 * keysort_log2(n) + 1;
			continue;
		}
		if (budget-- == 0) {
			qsort(v, n, sizeof(*v), keysort_qsort_cmp);
			return;
		}
		if (ne > 0)
			keysort_from(v + lt, ne, d + 1);
		if (nl >= ng) {
			keysort_from(v + gt, ng, d);
			n = nl;
		} else {
			keysort_from(v, nl, d);
			v += gt;
			n = ng;
		}
	}
	if (n > 1)
		keysort_small(v, n, d);
}

void
keysort(struct keysort_item *v, size_t n)
{
	keysort_from(v, n, 0);
}
