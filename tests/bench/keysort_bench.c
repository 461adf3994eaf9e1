/*
 * keysort_bench - keysort() against qsort(3) on rate-limit keys
 * SYNOPSIS	tests/bench/keysort_bench [-n keys] [-r repetitions]
 *		(built by "make tests/bench/keysort_bench" at the top)
 * DESCRIPTION	Builds n keys (default 100000) shaped like the writer's
 *		batch: half "sasl_username:userK@domJ.example", half
 *		"sender:userK@domJ.example", one of each for n/2 users
 *		(K below 100000, J below 1000, at random).
 *		Each key is a record in one buffer, as in a batch (key
 *		length, key, state length, 16 bytes of state), and the
 *		items are shuffled afterwards, so that the order of the
 *		items says nothing about where their keys are.
 *
 *		Each repetition (default 9) sorts a fresh copy of the
 *		shuffled items, once with keysort() and once with qsort(3)
 *		and keysort_cmp(); the median of each is printed, as ns
 *		per key and ms for all. A sort whose result is out of
 *		order stops the run. Figures only: never pass or fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keysort.h"
#include "mymalloc.h"
#include "parse.h"

#define KB_STATE	16		/* bytes of state per record */
#define KB_REPS_MAX	101

static uint64_t kb_state = 88172645463325252ULL;

/* kb_rnd - xorshift64: the same keys on every run */
static uint64_t
kb_rnd(void)
{
	kb_state ^= kb_state << 13;
	kb_state ^= kb_state >> 7;
	kb_state ^= kb_state << 17;
	return (kb_state);
}

/* kb_now - monotonic seconds */
static double
kb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* kb_keys - n items, their keys in *buf (the caller frees both) */
static struct keysort_item *
kb_keys(size_t n, unsigned char **buf)
{
	struct keysort_item *v = xcalloc(n, sizeof(*v));
	unsigned char *p = *buf = xmalloc(n * (64 + KB_STATE));
	unsigned long user = 0, dom = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		char	 key[64];
		uint16_t klen;
		uint32_t slen = KB_STATE;

		if (i % 2 == 0) {
			user = kb_rnd() % 100000;
			dom = kb_rnd() % 1000;
		}
		klen = (uint16_t)snprintf(key, sizeof(key), "%s:user%lu@dom%lu"
		    ".example", i % 2 ? "sender" : "sasl_username", user, dom);
		memcpy(p, &klen, sizeof(klen));
		p += sizeof(klen);
		v[i].key = p;
		v[i].klen = klen;
		memcpy(p, key, klen);
		p += klen;
		memcpy(p, &slen, sizeof(slen));
		p += sizeof(slen);
		v[i].data = p;
		v[i].dlen = slen;
		memset(p, 0x5a, slen);
		p += slen;
	}
	for (i = n; i > 1; i--) {		/* Fisher-Yates */
		size_t	 j = kb_rnd() % i;
		struct keysort_item t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
	return (v);
}

static int
kb_qsort_cmp(const void *a, const void *b)
{
	return (keysort_cmp(a, b));
}

static int
kb_double_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* kb_option - the number of option -opt, in [min, max], or exit */
static uint64_t
kb_option(int opt, const char *s, uint64_t min, uint64_t max)
{
	const char *why;
	uint64_t v;

	if (parse_uint(s, min, max, &v, &why) < 0) {
		fprintf(stderr, "keysort_bench: -%c %s: %s\n", opt, s, why);
		exit(2);
	}
	return (v);
}

/* kb_check - v[0..n) in order, or exit */
static void
kb_check(const char *what, const struct keysort_item *v, size_t n)
{
	size_t	 i;

	for (i = 1; i < n; i++)
		if (keysort_cmp(&v[i - 1], &v[i]) > 0) {
			fprintf(stderr, "keysort_bench: %s: item %zu out of "
			    "order\n", what, i);
			exit(1);
		}
}

/* kb_run - the median seconds of reps sorts of a copy of v */
static double
kb_run(const char *what, int use_qsort, const struct keysort_item *v,
    size_t n, int reps)
{
	struct keysort_item *w = xcalloc(n, sizeof(*w));
	double	 t[KB_REPS_MAX], med;
	int	 r;

	for (r = 0; r < reps; r++) {
		double	 t0;

		memcpy(w, v, n * sizeof(*w));
		t0 = kb_now();
		if (use_qsort)
			qsort(w, n, sizeof(*w), kb_qsort_cmp);
		else
			keysort(w, n);
		t[r] = kb_now() - t0;
		kb_check(what, w, n);
	}
	qsort(t, (size_t)reps, sizeof(t[0]), kb_double_cmp);
	med = t[reps / 2];
	printf("%-10s %10zu %10.1f %10.2f\n", what, n, med / n * 1e9,
	    med * 1e3);
	xfree(w);
	return (med);
}

int
main(int argc, char **argv)
{
	struct keysort_item *v;
	unsigned char *buf;
	size_t	 n = 100000;
	int	 reps = 9, ch;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			n = (size_t)kb_option(ch, optarg, 2, 100000000);
			break;
		case 'r':
			reps = (int)kb_option(ch, optarg, 1, KB_REPS_MAX);
			break;
		default:
			fprintf(stderr, "usage: keysort_bench [-n keys] "
			    "[-r repetitions]\n");
			return (2);
		}
	}
	v = kb_keys(n, &buf);
	printf("%-10s %10s %10s %10s\n", "sort", "keys", "ns/key", "ms");
	kb_run("keysort", 0, v, n, reps);
	kb_run("qsort", 1, v, n, reps);
	xfree(v);
	xfree(buf);
	return (0);
}
