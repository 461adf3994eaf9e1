/* htable.h - string-keyed hash table, chained, seeded against flooding */
#ifndef HTABLE_H
#define HTABLE_H
#include <stddef.h>

/*
 * One allocation per entry, the key inside it. An entry stays at its
 * address from htable_enter() until it is deleted (growing the table
 * relinks entries, it never moves them).
 */
struct htable_entry {
	struct htable_entry *next;
	void	*value;			/* owned by the caller */
	unsigned long long hash;	/* of key: compared before the key,
					 * reused when the table grows */
	char	 key[];			/* owned by the table */
};

struct htable {
	struct htable_entry **slot;
	size_t	 size;			/* slots, a power of two */
	size_t	 used;			/* entries */
	unsigned long long seed;
};

void	 htable_init(struct htable *, size_t hint);
/* htable_enter() returns NULL when the key is present already */
struct htable_entry *htable_enter(struct htable *, const char *key, void *value);
void	*htable_find(const struct htable *, const char *key);
struct htable_entry *htable_locate(const struct htable *, const char *key);
/* htable_locate_each() - htable_locate() for n keys (at most
 * HTABLE_EACH_MAX) at once, their memory fetched together so that their
 * cache misses overlap: out[i] is the entry of keys[i], or NULL */
#define HTABLE_EACH_MAX	8
void	 htable_locate_each(const struct htable *, const char *const *keys,
		    int n, struct htable_entry **out);
/* htable_delete() returns the value of the removed entry, or NULL */
void	*htable_delete(struct htable *, const char *key);
/* htable_walk() calls fn for each entry; fn must not change the table */
void	 htable_walk(const struct htable *, void (*fn)(struct htable_entry *,
		    void *), void *ctx);
/* htable_delete_if() - remove the entries for which pred says yes, calling
 * free_value on their values; returns how many went */
size_t	 htable_delete_if(struct htable *, int (*pred)(struct htable_entry *,
		    void *), void *ctx, void (*free_value)(void *));
/* htable_fini() frees entries and calls free_value (may be NULL) on values */
void	 htable_fini(struct htable *, void (*free_value)(void *));

#endif /* HTABLE_H */
