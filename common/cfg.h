/* cfg.h - outpost.conf, in Postfix main.cf syntax, and typed parameters */
#ifndef CFG_H
#define CFG_H
#include <stdint.h>
#include <stdio.h>
#include "buf.h"

enum cfg_type {
	CFG_STR,			/* char ** */
	CFG_INT,			/* uint64_t *, min..max */
	CFG_TIME,			/* uint64_t * seconds, "1h" etc. */
	CFG_BOOL,			/* int *, yes/no */
	CFG_TABLE			/* struct table ** (NULL when empty) */
};

/* Which programs use a parameter: they apply and validate it. */
#define CFG_PD		(1<<0)		/* outpost-policyd */
#define CFG_MF		(1<<1)		/* outpost-milter */
#define CFG_CTL		(1<<2)		/* outpostctl */
#define CFG_ALL		(CFG_PD | CFG_MF | CFG_CTL)

struct cfg_param {
	const char *name;
	enum cfg_type type;
	const char *def;		/* text, $names allowed */
	uint64_t min, max;		/* CFG_INT, CFG_TIME */
	void	*var;
	int	 users;			/* CFG_PD | ... */
};

#define CFG_DEFAULT_PATH	"/etc/outpost/outpost.conf"

/*
 * cfg_load() reads path (a missing file is an error unless it is the
 * default path, which then means "all defaults") and sets every
 * parameter used by `users`: values are checked and tables opened
 * first, then all variables are replaced at once, so a failed reload
 * leaves the old configuration in force. It returns -1 with err set
 * ("file, line N: ..."). Unknown names are warned about. table_flags
 * goes to table_open (TABLE_STRICT for a config check).
 */
int	 cfg_load(const char *path, const struct cfg_param *params, int users,
		    int table_flags, struct buf *err);
/*
 * cfg_check_register() - a check of a text parameter's value beyond its
 * type (a rate-limit list, a word list), run by cfg_load() before it
 * commits anything: a value that fails it fails the load. The check
 * returns 0, or -1 with *why set.
 */
void	 cfg_check_register(const char *name, int (*check)(const char *value,
		    const char **why));
/*
 * cfg_commit_hooks() - called around the moment cfg_load() replaces the
 * variables, and only then: a threaded program takes its write lock
 * there, so that readers wait for the swap, not for the file and tables.
 */
void	 cfg_commit_hooks(void (*lock)(void), void (*unlock)(void));
/* cfg_print() - "name = value" for each parameter (expanded); with
 * nondefault only those set in the file, like postconf -n */
void	 cfg_print(FILE *, const struct cfg_param *, int nondefault);
/* cfg_generation() - changes with every successful cfg_load(): a cache of
 * something derived from the configuration compares it to know it is
 * stale (read it under the same lock as the variables) */
unsigned cfg_generation(void);
/* cfg_value() - the raw text of a parameter, as last loaded */
const char *cfg_value(const char *name);
void	 cfg_free(const struct cfg_param *);	/* at exit, for leak checks */

#endif /* CFG_H */
