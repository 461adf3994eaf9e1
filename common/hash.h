/* hash.h - a seeded 64-bit hash of bytes, for in-memory tables */
#ifndef HASH_H
#define HASH_H
#include <stddef.h>
#include <stdint.h>

/* hash_bytes() - FNV-1a from seed, then a final avalanche: every input
 * bit moves about half of the output bits, high and low alike */
uint64_t hash_bytes(uint64_t seed, const void *, size_t);
/* hash_seed() - a seed from the kernel's random source (the time when
 * there is none yet): keys that come from the network cannot be aimed
 * at one bucket by someone who does not know it */
uint64_t hash_seed(void);

#endif /* HASH_H */
