/* table.h - lookup tables named "type:name", as in Postfix */
#ifndef TABLE_H
#define TABLE_H
#include "buf.h"

enum table_status {
	TABLE_FOUND,
	TABLE_NOTFOUND,
	TABLE_ERROR			/* temporary: the caller tempfails */
};

#define TABLE_STRICT	(1<<0)		/* a bad source line is an error, not
					 * a warning (outpostctl config check) */

/* One table type: the registry in table.c lists them. */
struct table_ops {
	const char *type;		/* "cidr" */
	void	*(*open)(const char *path, int flags, struct buf *err);
	enum table_status (*lookup)(void *, const char *key, struct buf *val);
	void	 (*close)(void *);
};

struct table;

/*
 * table_open() takes one table or a list ("texthash:/a, lmdb:/b"),
 * searched in order, first hit wins. It returns NULL with the reason in
 * err ("file, line N: ...") on error; it never exits. An empty spec
 * gives NULL with an empty err: "no table".
 */
struct table *table_open(const char *spec, int flags, struct buf *err);
/* Keys are looked up as given; string tables fold to lower case as
 * postmap(1) does. val holds the result on TABLE_FOUND. */
enum table_status table_lookup(struct table *, const char *key,
		    struct buf *val);
const char *table_name(const struct table *);	/* the spec */
struct table *table_close(struct table *);	/* returns NULL */
int	 table_type_valid(const char *type);
/* table_fold() - lower-case copy into out[TABLE_KEY_MAX + 1], as postmap
 * folds keys (UTF-8 too); TABLE_FOLD_LONG when the key is too long to be
 * in any table, TABLE_FOLD_NOTUTF8 when it is not valid UTF-8. */
#define TABLE_FOLD_LONG		(-1)
#define TABLE_FOLD_NOTUTF8	(-2)
int	 table_fold(const char *key, char *out);

extern const struct table_ops table_texthash_ops;
extern const struct table_ops table_cidr_ops;
extern const struct table_ops table_lmdb_ops;
extern const struct table_ops table_regexp_ops;

#endif /* TABLE_H */
