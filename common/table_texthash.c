/*
 * table_texthash - postmap(1) source file, read directly
 * SYNOPSIS	table_open("texthash:/etc/outpost/sender_login", flags, &err)
 * DESCRIPTION	One "key value" per logical line, the format postmap(1)
 *		reads: white space separates key from value, lines that
 *		start with white space continue the previous one, # starts
 *		a comment line. Keys are folded to lower case, as postmap
 *		does by default. The first of duplicate keys wins, as with
 *		postmap, and the others are warned about.
 * DIAGNOSTICS	"file, line N: reason" for a line without a value or an
 *		over-long key; the line is skipped, or with TABLE_STRICT
 *		the open fails. After open, lookups cannot fail.
 * LIMITS	TABLE_LINE_MAX bytes per logical line, TABLE_KEY_MAX per key.
 */
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "htable.h"
#include "lineread.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"

/* texthash_problem - warn and skip, or fail under TABLE_STRICT */
static int
texthash_problem(struct lineread *lr, int flags, struct buf *err,
    const char *why)
{
	if (flags & TABLE_STRICT) {
		buf_printf(err, "%s, line %d: %s", lr->path, lr->lineno, why);
		return (-1);
	}
	msg_warn("%s, line %d: %s: skipping this entry", lr->path, lr->lineno,
	    why);
	return (0);
}

/*
 * texthash_key_end - where a key ends, as postmap(1) splits it since
 * Postfix 3.2: white space inside "..." or after a backslash does not end
 * it, and the quotes and backslashes stay in the key. NULL: a quote is
 * not closed.
 */
static char *
texthash_key_end(char *s)
{
	int	 quoted = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (*s == ' ' || *s == '\t' || *s == '\r'))
			break;
	}
	return (quoted ? NULL : s);
}

static void *
texthash_open(const char *path, int flags, struct buf *err)
{
	struct htable *h = xmalloc(sizeof(*h));
	struct lineread lr;
	struct buf line;
	char	 key[TABLE_KEY_MAX + 1];
	int	 fold;
	int	 st;

	htable_init(h, 64);
	if (lineread_open(&lr, path, LINEREAD_SECURE, err) < 0) {
		xfree(h->slot);
		return (xfree(h));
	}
	buf_init(&line, TABLE_LINE_MAX);
	while ((st = lineread_next(&lr, &line, err)) > 0) {
		char	*k = line.data, *v = texthash_key_end(k);
		const char *why = NULL;

		if (v == NULL)
			why = "unbalanced '\"' in key";
		else {
			if (*v)
				*v++ = 0;
			v += strspn(v, " \t\r");
		}
		if (why)
			/* void */ ;
		else if (*v == 0)
			why = "expected \"key value\"";
		else if ((fold = table_fold(k, key)) == TABLE_FOLD_NOTUTF8)
			why = "key is not valid UTF-8";
		else if (fold < 0)
			why = "key longer than 511 bytes (the LMDB key limit)";
		else if (htable_find(h, key))
			why = "duplicate key, the first one wins";
		if (why) {
			if (texthash_problem(&lr, flags, err, why) < 0) {
				st = -1;
				break;
			}
			continue;
		}
		htable_enter(h, key, xstrdup(v));
	}
	lineread_close(&lr);
	buf_fini(&line);
	if (st < 0) {
		htable_fini(h, free);
		return (xfree(h));
	}
	return (h);
}

static enum table_status
texthash_lookup(void *handle, const char *key, struct buf *val)
{
	char	 folded[TABLE_KEY_MAX + 1];
	const char *v;

	if (table_fold(key, folded) < 0)
		return (TABLE_NOTFOUND);	/* cannot be a key here */
	if ((v = htable_find(handle, folded)) == NULL)
		return (TABLE_NOTFOUND);
	return (buf_set(val, v) < 0 ? TABLE_ERROR : TABLE_FOUND);
}

static void
texthash_close(void *handle)
{
	htable_fini(handle, free);
	xfree(handle);
}

const struct table_ops table_texthash_ops = {
	.type = "texthash",
	.open = texthash_open,
	.lookup = texthash_lookup,
	.close = texthash_close,
};
