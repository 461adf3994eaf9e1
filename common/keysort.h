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
};

/* keysort_cmp() - memcmp(3) order, a key before the longer keys it
 * begins: LMDB's default order */
int	 keysort_cmp(const struct keysort_item *, const struct keysort_item *);
/* keysort() - sort by key; equal keys end up next to each other, in no
 * defined order */
void	 keysort(struct keysort_item *, size_t n);

#endif /* KEYSORT_H */
