/* keysort.h - sort byte-string keys in LMDB's order */
#ifndef KEYSORT_H
#define KEYSORT_H
#include <stddef.h>
#include <stdint.h>

/* One key and what goes with it; keysort() moves items, never bytes. */
struct keysort_item {
	const unsigned char *key;
	const void *data;
	uint32_t klen;
	uint32_t dlen;
	uint64_t word;		/* keysort()'s scratch: set it or not, its
				 * value on return means nothing */
};

/* keysort_cmp() - memcmp(3) order, a key before the longer keys it
 * begins: LMDB's default order */
int	 keysort_cmp(const struct keysort_item *, const struct keysort_item *);
/* keysort() - sort by key; equal keys end up next to each other, in no
 * defined order. While it runs it holds a copy of the items' array
 * (xmalloc(): out of memory is fatal). */
void	 keysort(struct keysort_item *, size_t n);
/* keysort_with() - keysort() with the caller's second array: room for n
 * items, which it overwrites */
void	 keysort_with(struct keysort_item *, struct keysort_item *, size_t n);

#endif /* KEYSORT_H */
