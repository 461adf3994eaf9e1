/*
 * hash - a seeded 64-bit hash of bytes
 * DESCRIPTION	The hash tables and the blocklist filter hash short keys
 *		(addresses) that come from the network, so the basis is a
 *		random seed, and the result goes through a final mix so
 *		that both halves can be used as independent bits.
 */
#include <sys/random.h>
#include <time.h>

#include "hash.h"

uint64_t
hash_bytes(uint64_t seed, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h = seed ^ 0xcbf29ce484222325ULL;

	for (; p < end; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h);
}

uint64_t
hash_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
	return (seed);
}
