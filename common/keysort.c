/*
 * keysort - sort byte-string keys in LMDB's order
 * SYNOPSIS	keysort(items, n);
 *		keysort_with(items, scratch, n);
 * DESCRIPTION	LMDB orders keys as memcmp(3) does, a key before the
 *		longer keys it begins. A batch written in that order
 *		changes each page of the tree once, and its writes find
 *		their place from the page of the one before.
 *
 *		Keys of one kind share long beginnings ("sasl_username:",
 *		a common domain), which a comparison sort reads again at
 *		every comparison. This is a multikey quicksort (Bentley
 *		and Sedgewick, "Fast algorithms for sorting and searching
 *		strings", 1997) whose characters are words of seven key
 *		bytes: it partitions on the word at position d, and moves
 *		to the word at d + 7 only within the part that shares
 *		this one.
 *
 *		The keys lie where the caller put them, in no order
 *		related to the items', so reading a byte of one is a
 *		cache miss. Each item therefore holds its word at the
 *		current position (its word field): a partition reads only
 *		items, in order, and a key is read when the sort starts
 *		and again each time its part moves on by seven bytes, not
 *		once per byte and partition. Small parts are finished by
 *		insertion, comparing words before bytes.
 *
 *		Which side of a pivot an item falls on is as good as
 *		random, so a partition that branches on it mispredicts
 *		about every other item. A partition here counts its three
 *		parts first, then copies each item to its part in the
 *		other of two arrays, the caller's and one of the same
 *		size, without a branch; the next partition of a part
 *		copies it back, and so on. A part that is done (by
 *		insertion, qsort(3), or as equal keys) is copied to the
 *		caller's array if it is not there. Items move whole; key
 *		bytes never do.
 *
 *		A partition keeps the items of each part in the order
 *		they had, so an order in the input (keys rising, then
 *		falling) outlives it, and pivots taken from the same
 *		places (first, middle, last) would be as bad in each
 *		round. A pivot is therefore the median of the medians of
 *		three threes of words spread over the whole part (Tukey's
 *		ninther).
 * LIMITS	It recurses only into the two smaller parts of a
 *		partition, each at most half of it, so the stack holds at
 *		most log2(n) frames. A part that still needs more than
 *		2 log2(n) + 1 partitions on the same word has met pivots
 *		bad enough to be made on purpose, and qsort(3) finishes
 *		it instead. The second array comes from xmalloc() (out
 *		of memory is fatal) and is freed before keysort()
 *		returns; KEYSORT_SMALL items or fewer need none. A caller
 *		that sorts often passes its own to keysort_with(), and
 *		spares itself the allocation (and, for large arrays, the
 *		fresh pages) at every sort.
 */
#include <stdlib.h>
#include <string.h>

#include "keysort.h"
#include "mymalloc.h"

/* Parts this small are finished by insertion. */
#define KEYSORT_SMALL	24

/*
 * The word of a key at position d: key bytes d to d + 6, big-endian, in
 * the top 56 bits, 0 for those past the key's end, and in the low 8 bits
 * how many of the seven the key has (0 to 7). Keys that share their
 * first d bytes compare as their words do, as unsigned integers:
 *
 * - Where the two keys differ in a byte that both have among the seven,
 *   the first such byte decides both: the bytes before it are equal, and
 *   a word holds earlier bytes in higher bits.
 * - Otherwise, if one has fewer of the seven (c against c' > c), it ends
 *   at d + c and begins the other: it is the smaller. Its word has 0 in
 *   bytes c to c' - 1, where the other has its own. If one of those is
 *   not 0 the other's word is greater in the top bits; if all are 0 (as
 *   "a" against "a\0\0"), the top bits are equal and the counts, c < c',
 *   decide. Either way the shorter key has the smaller word.
 * - Otherwise both have the same count and the same bytes, so equal
 *   words. With a count below 7, both keys end at the same place: they
 *   are equal. With 7, they are equal so far, and the bytes from d + 7
 *   on decide.
 *
 * So the end of a key counts as a byte below all others, 0 too, as in a
 * byte-wise multikey sort; a part of equal words with a count below 7 is
 * sorted, and one with a count of 7 goes on with the words at d + 7.
 */
#define KEYSORT_STEP		7	/* key bytes in a word */
#define KEYSORT_ENDS(w)		(((w) & 0xff) < KEYSORT_STEP)

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

/* keysort_word - the word at p, of a key that has left bytes from p */
static inline uint64_t
keysort_word(const unsigned char *p, size_t left)
{
	uint64_t w = 0;
	size_t	 i;

	if (left > KEYSORT_STEP) {
		/* Spelled out, without a loop (gcc makes it one load and
		 * a byte swap): a loop here let the processor wait for far
		 * fewer of these cache misses at a time. */
		w = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
		    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
		    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
		    (uint64_t)p[6] << 8 | p[7];
		return ((w & ~(uint64_t)0xff) | KEYSORT_STEP);
	}
	for (i = 0; i < left; i++)
		w |= (uint64_t)p[i] << (56 - 8 * i);
	return (w | left);
}

/* keysort_words - the words at d of v[0..n), which all reach d */
static void
keysort_words(struct keysort_item *v, size_t n, size_t d)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		v[i].word = keysort_word(v[i].key + d, v[i].klen - d);
}

/* keysort_after - whether a goes after b; keys that share their first d
 * bytes, their words at d */
static inline int
keysort_after(const struct keysort_item *a, const struct keysort_item *b,
    size_t d)
{
	size_t	 m;
	int	 c;

	if (a->word != b->word)
		return (a->word > b->word);
	if (KEYSORT_ENDS(a->word))
		return (0);			/* equal keys */
	d += KEYSORT_STEP;
	m = (a->klen < b->klen ? a->klen : b->klen) - d;
	c = memcmp(a->key + d, b->key + d, m);
	return (c > 0 || (c == 0 && a->klen > b->klen));
}

/* keysort_small - insertion sort of v[0..n), keys that share their
 * first d bytes, their words at d */
static void
keysort_small(struct keysort_item *v, size_t n, size_t d)
{
	size_t	 i, j;

	for (i = 1; i < n; i++) {
		struct keysort_item t = v[i];

		for (j = i; j > 0 && keysort_after(&v[j - 1], &t, d); j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static uint64_t
keysort_median(uint64_t a, uint64_t b, uint64_t c)
{
	if (a < b)
		return (b < c ? b : a < c ? c : a);
	return (a < c ? a : b < c ? c : b);
}

/* keysort_pivot - Tukey's ninther of the words of v[0..n), n >= 9: the
 * median of the medians of three threes, spread evenly over the part */
static uint64_t
keysort_pivot(const struct keysort_item *v, size_t n)
{
	size_t	 e = n / 9;
	const struct keysort_item *p = v + e / 2;

	return (keysort_median(
	    keysort_median(p[0].word, p[e].word, p[2 * e].word),
	    keysort_median(p[3 * e].word, p[4 * e].word, p[5 * e].word),
	    keysort_median(p[6 * e].word, p[7 * e].word, p[8 * e].word)));
}

static unsigned
keysort_log2(size_t n)
{
	unsigned l = 0;

	while (n >>= 1)
		l++;
	return (l);
}

/* keysort_split - copy v[0..n) to o[0..n): first the nl items whose
 * word is below the pivot, then those at it, then the ng above it, each
 * part in the order of v */
static void
keysort_split(const struct keysort_item *v, struct keysort_item *o,
    size_t n, uint64_t pivot, size_t nl, size_t ng)
{
	struct keysort_item *to[3];
	size_t	 i;

	to[0] = o;
	to[1] = o + nl;
	to[2] = o + n - ng;
	for (i = 0; i < n; i++) {
		uint64_t w = v[i].word;

		*to[(w > pivot) - (w < pivot) + 1]++ = v[i];
	}
}

/* keysort_done - v[0..n) is sorted: it stays if home (v is in the
 * caller's array), or goes to o, its place there */
static void
keysort_done(const struct keysort_item *v, struct keysort_item *o,
    size_t n, int home)
{
	if (!home && n > 0)
		memcpy(o, v, n * sizeof(*v));
}

/*
 * keysort_from - sort v[0..n), keys that share their first d bytes,
 * their words at d, into the caller's array. Of v and o, one is a
 * stretch of the caller's array, the other the same stretch of the
 * second array; home says which v is.
 */
static void
keysort_from(struct keysort_item *v, struct keysort_item *o, size_t n,
    size_t d, int home)
{
	unsigned budget = 2 * keysort_log2(n) + 1;

	while (n > KEYSORT_SMALL) {
		uint64_t pivot = keysort_pivot(v, n);
		size_t	 nl = 0, ne, ng = 0, gt, i;

		for (i = 0; i < n; i++) {
			nl += v[i].word < pivot;
			ng += v[i].word > pivot;
		}
		if (nl + ng > 0) {		/* else all at the pivot: stay */
			struct keysort_item *t = o;

			keysort_split(v, o, n, pivot, nl, ng);
			o = v;
			v = t;
			home = !home;
		}
		/* [0, nl) below the pivot, [nl, gt) at it, [gt, n) above */
		gt = n - ng;
		ne = gt - nl;
		if (KEYSORT_ENDS(pivot)) {	/* equal keys */
			keysort_done(v + nl, o + nl, ne, home);
			ne = 0;
		}
		if (ne >= nl && ne >= ng) {	/* go on with the next word */
			keysort_from(v, o, nl, d, home);
			keysort_from(v + gt, o + gt, ng, d, home);
			v += nl;
			o += nl;
			n = ne;
			d += KEYSORT_STEP;
			keysort_words(v, n, d);
			budget = 2 * keysort_log2(n) + 1;
			continue;
		}
		if (budget-- == 0) {
			qsort(v, n, sizeof(*v), keysort_qsort_cmp);
			keysort_done(v, o, n, home);
			return;
		}
		if (ne > 0) {
			size_t	 next = d + KEYSORT_STEP;

			keysort_words(v + nl, ne, next);
			keysort_from(v + nl, o + nl, ne, next, home);
		}
		if (nl >= ng) {
			keysort_from(v + gt, o + gt, ng, d, home);
			n = nl;
		} else {
			keysort_from(v, o, nl, d, home);
			v += gt;
			o += gt;
			n = ng;
		}
	}
	keysort_small(v, n, d);
	keysort_done(v, o, n, home);
}

void
keysort_with(struct keysort_item *v, struct keysort_item *o, size_t n)
{
	keysort_words(v, n, 0);
	if (n <= KEYSORT_SMALL)
		keysort_small(v, n, 0);
	else
		keysort_from(v, o, n, 0, 1);
}

void
keysort(struct keysort_item *v, size_t n)
{
	struct keysort_item *o;

	if (n <= KEYSORT_SMALL) {
		keysort_with(v, NULL, n);
		return;
	}
	o = xmalloc(n * sizeof(*o));
	keysort_with(v, o, n);
	xfree(o);
}
