/*
 * cfg - outpost.conf in Postfix main.cf syntax, and typed parameters
 * SYNOPSIS	if (cfg_load(path, outpost_params, CFG_PD, 0, &err) < 0)
 *			msg_fatal("%s", buf_str(&err));
 * DESCRIPTION	"name = value" lines; a line that starts with white space
 *		continues the previous one; "#" starts a comment line.
 *		Values may name other parameters as $name, ${name} or
 *		$(name), expanded when used; "$$" is a literal "$". A name
 *		set twice takes the last value, as in main.cf.
 *
 *		Each program declares its parameters once, as rows of
 *		struct cfg_param (common/params.c), and applies the rows
 *		it uses. Loading is all or nothing: every value is checked
 *		and every table opened before any variable changes, which
 *		is what lets SIGHUP keep the old tables when a new one is
 *		broken.
 * DIAGNOSTICS	"file, line N: ..." for syntax, range and table errors;
 *		unknown names are warned about, not fatal.
 * LIMITS	CFG_LINE_MAX bytes per logical line, CFG_PARAM_MAX names,
 *		CFG_EXPAND_DEPTH levels of $name.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cfg.h"
#include "lineread.h"
#include "msg.h"
#include "mymalloc.h"
#include "parse.h"
#include "table.h"

struct cfg_entry {
	char	*name;
	char	*value;
	int	 lineno;
};

struct cfg_file {
	char	*path;
	struct cfg_entry entry[CFG_PARAM_MAX];
	int	 count;
};

/* The configuration in force, and the expanded text of each parameter. */
static struct cfg_file cfg_current;
static char *cfg_expanded[CFG_PARAM_MAX];

/* Checks beyond the type, and the commit hooks. */
#define CFG_CHECKS_MAX	16
static struct {
	const char *name;
	int	 (*check)(const char *, const char **);
} cfg_checks[CFG_CHECKS_MAX];
static int cfg_nchecks;
static unsigned cfg_gen;
static void (*cfg_lock)(void);
static void (*cfg_unlock)(void);

void
cfg_check_register(const char *name, int (*check)(const char *,
    const char **))
{
	if (cfg_nchecks == CFG_CHECKS_MAX)
		msg_panic("cfg_check_register: more than %d checks",
		    CFG_CHECKS_MAX);
	cfg_checks[cfg_nchecks].name = name;
	cfg_checks[cfg_nchecks++].check = check;
}

void
cfg_commit_hooks(void (*lock)(void), void (*unlock)(void))
{
	cfg_lock = lock;
	cfg_unlock = unlock;
}

/* cfg_run_checks - the registered checks of one parameter; -1 with why */
static int
cfg_run_checks(const char *name, const char *value, struct buf *why)
{
	const char *reason;
	int	 i;

	for (i = 0; i < cfg_nchecks; i++)
		if (strcmp(cfg_checks[i].name, name) == 0
		    && cfg_checks[i].check(value, &reason) < 0) {
			buf_puts(why, reason);
			return (-1);
		}
	return (0);
}

/* cfg_file_free - release a parsed file */
static void
cfg_file_free(struct cfg_file *f)
{
	int	 i;

	for (i = 0; i < f->count; i++) {
		xfree(f->entry[i].name);
		xfree(f->entry[i].value);
	}
	f->path = xfree(f->path);
	f->count = 0;
}

/* cfg_file_find - last setting of name in the file */
static struct cfg_entry *
cfg_file_find(struct cfg_file *f, const char *name, size_t len)
{
	int	 i;

	for (i = f->count - 1; i >= 0; i--)
		if (strlen(f->entry[i].name) == len
		    && strncmp(f->entry[i].name, name, len) == 0)
			return (&f->entry[i]);
	return (NULL);
}

/* cfg_parse_line - "name = value" into the file; -1 with err set */
static int
cfg_parse_line(struct cfg_file *f, char *line, int lineno, struct buf *err)
{
	char	*name = line, *eq, *value, *end;
	struct cfg_entry *e;

	for (end = name; isalnum((unsigned char)*end) || *end == '_'; end++)
		 /* void */ ;
	eq = end + strspn(end, " \t");
	if (end == name || *eq != '=') {
		buf_printf(err, "%s, line %d: expected \"name = value\"",
		    f->path, lineno);
		return (-1);
	}
	*end = 0;
	value = eq + 1 + strspn(eq + 1, " \t");
	if ((e = cfg_file_find(f, name, strlen(name))) == NULL) {
		if (f->count == CFG_PARAM_MAX) {
			buf_printf(err, "%s, line %d: more than %d parameters",
			    f->path, lineno, CFG_PARAM_MAX);
			return (-1);
		}
		e = &f->entry[f->count++];
		e->name = xstrdup(name);
	} else
		xfree(e->value);
	e->value = xstrdup(value);
	e->lineno = lineno;
	return (0);
}

/* cfg_read - parse path into f; -1 with err set */
static int
cfg_read(struct cfg_file *f, const char *path, struct buf *err)
{
	struct lineread lr;
	struct buf line;
	int	 st;

	f->path = xstrdup(path);
	if (lineread_open(&lr, path, 0, err) < 0) {
		if (errno == ENOENT && strcmp(path, CFG_DEFAULT_PATH) == 0) {
			buf_reset(err);
			return (0);	/* no file: every default applies */
		}
		return (-1);
	}
	buf_init(&line, CFG_LINE_MAX);
	while ((st = lineread_next(&lr, &line, err)) > 0)
		if (cfg_parse_line(f, line.data, lr.lineno, err) < 0) {
			st = -1;
			break;
		}
	lineread_close(&lr);
	buf_fini(&line);
	return (st);
}

/* cfg_find_param - the row of a name, or NULL */
static const struct cfg_param *
cfg_find_param(const struct cfg_param *params, const char *name, size_t len)
{
	for (; params->name; params++)
		if (strlen(params->name) == len
		    && strncmp(params->name, name, len) == 0)
			return (params);
	return (NULL);
}

/* cfg_expand - $name expansion of text into out; -1 with why set */
static int
cfg_expand(struct cfg_file *f, const struct cfg_param *params,
    const char *text, struct buf *out, int depth, struct buf *why)
{
	const char *s, *name;
	size_t	 len;

	if (depth > CFG_EXPAND_DEPTH) {
		buf_printf(why, "$name expansion deeper than %d levels "
		    "(a loop?)", CFG_EXPAND_DEPTH);
		return (-1);
	}
	for (s = text; *s; s++) {
		const struct cfg_entry *e;
		const struct cfg_param *p;
		char	 close = 0;

		if (*s != '$') {
			if (buf_putc(out, *s) < 0)
				goto toolong;
			continue;
		}
		if (s[1] == '$') {
			s++;
			if (buf_putc(out, '$') < 0)
				goto toolong;
			continue;
		}
		if (s[1] == '{' || s[1] == '(')
			close = s[1] == '{' ? '}' : ')';
		name = s + 1 + (close != 0);
		for (len = 0; isalnum((unsigned char)name[len])
		    || name[len] == '_'; len++)
			 /* void */ ;
		if (len == 0 || (close && name[len] != close)) {
			buf_printf(why, "bad $name syntax");
			return (-1);
		}
		s = name + len - 1 + (close != 0);
		if ((e = cfg_file_find(f, name, len)) != NULL) {
			if (cfg_expand(f, params, e->value, out, depth + 1,
			    why) < 0)
				return (-1);
		} else if ((p = cfg_find_param(params, name, len)) != NULL) {
			if (cfg_expand(f, params, p->def, out, depth + 1,
			    why) < 0)
				return (-1);
		} else {
			buf_printf(why, "undefined parameter $%.*s",
			    (int)len, name);
			return (-1);
		}
	}
	return (0);
toolong:
	buf_printf(why, "value longer than %d bytes after expansion",
	    CFG_LINE_MAX);
	return (-1);
}

union cfg_value {
	char	*str;
	uint64_t num;
	int	 flag;
	struct table *table;
};

/* cfg_convert - text to typed value; -1 with why set */
static int
cfg_convert(const struct cfg_param *p, const char *text, int table_flags,
    union cfg_value *v, struct buf *why)
{
	const char *reason;
	int	 ok;

	switch (p->type) {
	case CFG_STR:
		v->str = xstrdup(text);
		return (0);
	case CFG_INT:
		ok = parse_uint(text, p->min, p->max, &v->num, &reason);
		break;
	case CFG_TIME:
		ok = parse_time(text, p->min, p->max, &v->num, &reason);
		break;
	case CFG_BOOL:
		ok = parse_bool(text, &v->flag, &reason);
		break;
	case CFG_TABLE:
		v->table = NULL;
		if (*text == 0)
			return (0);
		if ((v->table = table_open(text, table_flags, why)) == NULL)
			return (-1);
		return (0);
	default:
		msg_panic("cfg_convert: bad type %d", p->type);
	}
	if (ok < 0 && p->type == CFG_BOOL) {
		buf_printf(why, "%s", reason);
		return (-1);
	}
	if (ok < 0) {
		buf_printf(why, "%s (range %llu..%llu)", reason,
		    (unsigned long long)p->min, (unsigned long long)p->max);
		return (-1);
	}
	return (0);
}

/* cfg_release - free one typed value */
static void
cfg_release(const struct cfg_param *p, union cfg_value *v)
{
	if (p->type == CFG_STR)
		v->str = xfree(v->str);
	else if (p->type == CFG_TABLE)
		v->table = table_close(v->table);
}

/* cfg_store - replace the variable, freeing what it held */
static void
cfg_store(const struct cfg_param *p, union cfg_value *v)
{
	switch (p->type) {
	case CFG_STR:
		xfree(*(char **)p->var);
		*(char **)p->var = v->str;
		break;
	case CFG_INT:
	case CFG_TIME:
		*(uint64_t *)p->var = v->num;
		break;
	case CFG_BOOL:
		*(int *)p->var = v->flag;
		break;
	case CFG_TABLE:
		table_close(*(struct table **)p->var);
		*(struct table **)p->var = v->table;
		break;
	}
}

int
cfg_load(const char *path, const struct cfg_param *params, int users,
    int table_flags, struct buf *err)
{
	struct cfg_file f;
	union cfg_value val[CFG_PARAM_MAX];
	char	*text[CFG_PARAM_MAX];
	struct buf exp, why;
	int	 i, n, ret = -1;

	memset(&f, 0, sizeof(f));
	memset(text, 0, sizeof(text));
	buf_reset(err);
	if (cfg_read(&f, path, err) < 0) {
		cfg_file_free(&f);
		return (-1);
	}
	buf_init(&exp, CFG_LINE_MAX);
	buf_init(&why, 1024);
	for (n = 0; params[n].name; n++) {
		const struct cfg_param *p = &params[n];
		struct cfg_entry *e = cfg_file_find(&f, p->name, strlen(p->name));

		if (n >= CFG_PARAM_MAX)
			msg_panic("cfg_load: more than %d parameters",
			    CFG_PARAM_MAX);
		buf_reset(&exp);
		buf_reset(&why);
		if (cfg_expand(&f, params, e ? e->value : p->def, &exp, 0,
		    &why) == 0)
			text[n] = xstrdup(buf_str(&exp));
		if (text[n] == NULL || ((p->users & users)
		    && (cfg_run_checks(p->name, text[n], &why) < 0
		    || cfg_convert(p, text[n], table_flags, &val[n], &why) < 0))) {
			if (e)
				buf_printf(err, "%s, line %d: %s = %.100s: %s",
				    f.path, e->lineno, p->name, e->value,
				    buf_str(&why));
			else
				buf_printf(err, "default %s = %s: %s", p->name,
				    p->def, buf_str(&why));
			goto done;
		}
	}
	for (i = 0; i < f.count; i++)
		if (cfg_find_param(params, f.entry[i].name,
		    strlen(f.entry[i].name)) == NULL)
			msg_warn("%s, line %d: unknown parameter %s", f.path,
			    f.entry[i].lineno, f.entry[i].name);
	/* Everything checked: commit. */
	if (cfg_lock)
		cfg_lock();
	for (i = 0; i < n; i++) {
		if (params[i].users & users)
			cfg_store(&params[i], &val[i]);
		xfree(cfg_expanded[i]);
		cfg_expanded[i] = text[i];
		text[i] = NULL;
	}
	cfg_file_free(&cfg_current);
	cfg_current = f;
	memset(&f, 0, sizeof(f));
	cfg_gen++;
	if (cfg_unlock)
		cfg_unlock();
	ret = 0;
done:
	if (ret < 0)
		for (i = 0; i < n; i++)
			if (text[i] && (params[i].users & users))
				cfg_release(&params[i], &val[i]);
	for (i = 0; params[i].name && i < CFG_PARAM_MAX; i++)
		xfree(text[i]);
	cfg_file_free(&f);
	buf_fini(&exp);
	buf_fini(&why);
	return (ret);
}

unsigned
cfg_generation(void)
{
	return (cfg_gen);
}

const char *
cfg_value(const char *name)
{
	struct cfg_entry *e = cfg_file_find(&cfg_current, name, strlen(name));

	return (e ? e->value : NULL);
}

void
cfg_print(FILE *fp, const struct cfg_param *params, int nondefault)
{
	int	 i;

	for (i = 0; params[i].name; i++) {
		if (nondefault && cfg_value(params[i].name) == NULL)
			continue;
		fprintf(fp, "%s = %s\n", params[i].name,
		    nondefault ? cfg_value(params[i].name) :
		    (cfg_expanded[i] ? cfg_expanded[i] : params[i].def));
	}
}

void
cfg_free(const struct cfg_param *params)
{
	int	 i;

	for (i = 0; params[i].name; i++) {
		union cfg_value v;

		memset(&v, 0, sizeof(v));
		if (params[i].type == CFG_STR || params[i].type == CFG_TABLE)
			cfg_store(&params[i], &v);
		cfg_expanded[i] = xfree(cfg_expanded[i]);
	}
	cfg_file_free(&cfg_current);
}
