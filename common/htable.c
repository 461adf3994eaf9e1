/*
 * htable - string-keyed hash table
 * DESCRIPTION	Chained buckets, doubled when the load passes 1. Keys come
 *		from the network (sender addresses), so the hash is seeded
 *		per table from the kernel's random source: an attacker who
 *		cannot guess the seed cannot aim every key at one bucket.
 *		An entry is one allocation that holds its key and the key's
 *		hash: a lookup compares the hash before the string, so it
 *		reads a key only when it is very likely the one sought, and
 *		growing the table hashes no string again.
 */
#include <string.h>

#include "hash.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"

/* htable_hash - the table's seeded hash of s */
static unsigned long long
htable_hash(const struct htable *t, const char *s)
{
	return (hash_bytes(t->seed, s, strlen(s)));
}

void
htable_init(struct htable *t, size_t hint)
{
	size_t	 size = 16;

	while (size < hint)
		size *= 2;
	t->slot = xcalloc(size, sizeof(*t->slot));
	t->size = size;
	t->used = 0;
	t->seed = hash_seed();
}

/* htable_grow - double the slots and relink, by the stored hashes */
static void
htable_grow(struct htable *t)
{
	size_t	 size = t->size * 2, i;
	struct htable_entry **slot = xcalloc(size, sizeof(*slot));

	for (i = 0; i < t->size; i++) {
		struct htable_entry *e, *next;

		for (e = t->slot[i]; e; e = next) {
			size_t	 n = e->hash & (size - 1);

			next = e->next;
			e->next = slot[n];
			slot[n] = e;
		}
	}
	xfree(t->slot);
	t->slot = slot;
	t->size = size;
}

/* htable_chain - the entry of key, whose hash is h, or NULL */
static struct htable_entry *
htable_chain(const struct htable *t, const char *key, unsigned long long h)
{
	struct htable_entry *e;

	for (e = t->slot[h & (t->size - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return (e);
	return (NULL);
}

struct htable_entry *
htable_locate(const struct htable *t, const char *key)
{
	return (htable_chain(t, key, htable_hash(t, key)));
}

void
htable_locate_each(const struct htable *t, const char *const *keys, int n,
    struct htable_entry **out)
{
	unsigned long long h[HTABLE_EACH_MAX];
	int	 i;

	if (n > HTABLE_EACH_MAX)
		msg_panic("htable_locate_each: %d keys", n);
	/* Slots, then the first entry of each chain, then the values: each
	 * round asks for all its lines before it waits for any. */
	for (i = 0; i < n; i++) {
		h[i] = htable_hash(t, keys[i]);
		__builtin_prefetch(&t->slot[h[i] & (t->size - 1)]);
	}
	for (i = 0; i < n; i++)
		if ((out[i] = t->slot[h[i] & (t->size - 1)]) != NULL)
			__builtin_prefetch(out[i]);
	for (i = 0; i < n; i++)
		if ((out[i] = htable_chain(t, keys[i], h[i])) != NULL)
			__builtin_prefetch(out[i]->value);
}

void *
htable_find(const struct htable *t, const char *key)
{
	struct htable_entry *e = htable_locate(t, key);

	return (e ? e->value : NULL);
}

struct htable_entry *
htable_enter(struct htable *t, const char *key, void *value)
{
	unsigned long long h = htable_hash(t, key);
	size_t	 len = strlen(key), n;
	struct htable_entry *e;

	if (htable_chain(t, key, h))
		return (NULL);
	if (t->used >= t->size)
		htable_grow(t);
	e = xmalloc(offsetof(struct htable_entry, key) + len + 1);
	memcpy(e->key, key, len + 1);
	e->value = value;
	e->hash = h;
	n = h & (t->size - 1);
	e->next = t->slot[n];
	t->slot[n] = e;
	t->used++;
	return (e);
}

void *
htable_delete(struct htable *t, const char *key)
{
	unsigned long long h = htable_hash(t, key);
	struct htable_entry **ep, *e;
	void	*value;

	for (ep = &t->slot[h & (t->size - 1)]; (e = *ep); ep = &e->next) {
		if (e->hash == h && strcmp(e->key, key) == 0) {
			*ep = e->next;
			value = e->value;
			xfree(e);
			t->used--;
			return (value);
		}
	}
	return (NULL);
}

void
htable_walk(const struct htable *t, void (*fn)(struct htable_entry *, void *),
    void *ctx)
{
	size_t	 i;
	struct htable_entry *e, *next;

	for (i = 0; i < t->size; i++)
		for (e = t->slot[i]; e; e = next) {
			next = e->next;
			fn(e, ctx);
		}
}

size_t
htable_delete_if(struct htable *t, int (*pred)(struct htable_entry *, void *),
    void *ctx, void (*free_value)(void *))
{
	struct htable_entry **ep, *e;
	size_t	 i, n = 0;

	for (i = 0; i < t->size; i++)
		for (ep = &t->slot[i]; (e = *ep) != NULL; ) {
			if (!pred(e, ctx)) {
				ep = &e->next;
				continue;
			}
			*ep = e->next;
			if (free_value)
				free_value(e->value);
			xfree(e);
			t->used--;
			n++;
		}
	return (n);
}

void
htable_fini(struct htable *t, void (*free_value)(void *))
{
	size_t	 i;
	struct htable_entry *e, *next;

	for (i = 0; i < t->size; i++)
		for (e = t->slot[i]; e; e = next) {
			next = e->next;
			if (free_value)
				free_value(e->value);
			xfree(e);
		}
	t->slot = xfree(t->slot);
	t->size = t->used = 0;
}
