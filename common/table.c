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
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include "bounds.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"

static const struct table_ops *table_types[] = {
	&table_texthash_ops,
	&table_cidr_ops,
	&table_lmdb_ops,
	&table_regexp_ops,
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
		    "\"%.*s\" (use texthash, cidr, lmdb or regexp)", spec,
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

/* table_utf8_locale - a UTF-8 LC_CTYPE for towlower_l(), made once */
static locale_t table_locale;
static pthread_once_t table_locale_once = PTHREAD_ONCE_INIT;

static void
table_utf8_locale(void)
{
	table_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* table_utf8_next - one code point of s (n bytes left); its length, or
 * 0 when s is not valid UTF-8 there */
static size_t
table_utf8_next(const unsigned char *s, size_t n, wint_t *cp)
{
	size_t	 len, i;
	wint_t	 c;

	if (s[0] < 0x80)
		return (*cp = s[0], 1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)))
	    || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return (0);		/* overlong or surrogate */
	*cp = c;
	return (len);
}

/* table_utf8_put - encode cp at out[*o], within TABLE_KEY_MAX */
static int
table_utf8_put(wint_t c, char *out, size_t *o)
{
	unsigned char b[4];
	size_t	 len, i;

	if (c < 0x80)
		b[0] = (unsigned char)c, len = 1;
	else if (c < 0x800)
		b[0] = 0xc0 | (c >> 6), b[1] = 0x80 | (c & 0x3f), len = 2;
	else if (c < 0x10000)
		b[0] = 0xe0 | (c >> 12), b[1] = 0x80 | ((c >> 6) & 0x3f),
		    b[2] = 0x80 | (c & 0x3f), len = 3;
	else
		b[0] = 0xf0 | (c >> 18), b[1] = 0x80 | ((c >> 12) & 0x3f),
		    b[2] = 0x80 | ((c >> 6) & 0x3f), b[3] = 0x80 | (c & 0x3f),
		    len = 4;
	if (*o + len > TABLE_KEY_MAX)
		return (-1);
	for (i = 0; i < len; i++)
		out[(*o)++] = (char)b[i];
	return (0);
}

int
table_fold(const char *key, char *out)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t	 n = strlen(key), i = 0, o = 0, len;
	wint_t	 c;

	/*
	 * As Postfix with smtputf8_enable = yes: ASCII and UTF-8 keys fold
	 * to lower case; a key that is not UTF-8 cannot be in a table.
	 */
	while (i < n) {
		if (s[i] < 0x80) {
			if (o >= TABLE_KEY_MAX)
				return (TABLE_FOLD_LONG);
			out[o++] = (char)tolower(s[i++]);
			continue;
		}
		if ((len = table_utf8_next(s + i, n - i, &c)) == 0)
			return (TABLE_FOLD_NOTUTF8);
		pthread_once(&table_locale_once, table_utf8_locale);
		if (table_locale != (locale_t)0)
			c = towlower_l(c, table_locale);
		if (table_utf8_put(c, out, &o) < 0)
			return (TABLE_FOLD_LONG);
		i += len;
	}
	out[o] = 0;
	return (0);
}
