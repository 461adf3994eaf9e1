/*
 * table - registry of "type:name" lookup tables
 * SYNOPSIS	t = table_open("texthash:/etc/outpost/login, lmdb:/x", 0, &err);
 *		switch (table_lookup(t, "alice@example.com", &val)) ...
 * DESCRIPTION	A table spec names one table or a comma/space separated
 *		list; lookups walk the list in order and the first hit
 *		wins, as Postfix does for "maps" parameters. An error in
 *		one table is an error for the lookup, never "not found".
 *		Adding a type is one row in table_types[].
 */
#include <ctype.h>
#include <string.h>

#include "bounds.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"

static const struct table_ops *table_types[] = {
	&table_texthash_ops,
	&table_cidr_ops,
	&table_lmdb_ops,
};

#define TABLE_TYPES	(sizeof(table_types) / sizeof(table_types[0]))
#define TABLE_LIST_MAX	16		/* tables in one list */

struct table_one {
	const struct table_ops *ops;
	void	*handle;
};

struct table {
	char	*spec;
	int	 count;
	struct table_one one[TABLE_LIST_MAX];
};

/* table_find_ops - the type registry */
static const struct table_ops *
table_find_ops(const char *type, size_t len)
{
	size_t	 i;

	for (i = 0; i < TABLE_TYPES; i++)
		if (strlen(table_types[i]->type) == len
		    && strncmp(table_types[i]->type, type, len) == 0)
			return (table_types[i]);
	return (NULL);
}

int
table_type_valid(const char *type)
{
	return (table_find_ops(type, strlen(type)) != NULL);
}

/* table_open_one - open "type:path" into *one; -1 with err set */
static int
table_open_one(const char *spec, int flags, struct table_one *one,
    struct buf *err)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL || colon == spec || colon[1] == 0) {
		buf_reset(err);
		buf_printf(err, "table \"%.100s\": expected type:name", spec);
		return (-1);
	}
	if ((one->ops = table_find_ops(spec, (size_t)(colon - spec))) == NULL) {
		buf_reset(err);
		buf_printf(err, "table \"%.100s\": unsupported table type "
		    "\"%.*s\" (use texthash, cidr or lmdb)", spec,
		    (int)(colon - spec), spec);
		return (-1);
	}
	buf_reset(err);
	one->handle = one->ops->open(colon + 1, flags, err);
	return (one->handle ? 0 : -1);
}

struct table *
table_open(const char *spec, int flags, struct buf *err)
{
	struct table *t;
	char	*copy, *cp, *name;

	buf_reset(err);
	t = xcalloc(1, sizeof(*t));
	t->spec = xstrdup(spec);
	cp = copy = xstrdup(spec);
	while ((name = strsep(&cp, ", \t\r\n")) != NULL) {
		if (*name == 0)
			continue;
		if (t->count == TABLE_LIST_MAX) {
			buf_printf(err, "more than %d tables in \"%.100s\"",
			    TABLE_LIST_MAX, spec);
			goto fail;
		}
		if (table_open_one(name, flags, &t->one[t->count], err) < 0)
			goto fail;
		t->count++;
	}
	copy = xfree(copy);
	if (t->count == 0)
		return (table_close(t));
	return (t);
fail:
	xfree(copy);
	return (table_close(t));
}

enum table_status
table_lookup(struct table *t, const char *key, struct buf *val)
{
	int	 i;

	if (t == NULL)
		return (TABLE_NOTFOUND);
	for (i = 0; i < t->count; i++) {
		enum table_status st;

		st = t->one[i].ops->lookup(t->one[i].handle, key, val);
		if (st != TABLE_NOTFOUND)
			return (st);
	}
	return (TABLE_NOTFOUND);
}

const char *
table_name(const struct table *t)
{
	return (t ? t->spec : "(none)");
}

struct table *
table_close(struct table *t)
{
	int	 i;

	if (t == NULL)
		return (NULL);
	for (i = 0; i < t->count; i++)
		t->one[i].ops->close(t->one[i].handle);
	xfree(t->spec);
	return (xfree(t));
}

int
table_fold(const char *key, char *out)
{
	size_t	 i;

	for (i = 0; key[i]; i++) {
		if (i >= TABLE_KEY_MAX)
			return (-1);
		out[i] = (char)tolower((unsigned char)key[i]);
	}
	out[i] = 0;
	return (0);
}
