/*
 * table_regexp - POSIX regular expression table, as regexp_table(5)
 * SYNOPSIS	table_open("regexp:/etc/outpost/bounce_classes", flags, &err)
 * DESCRIPTION	One rule per logical line, tried in order, first match
 *		wins, the syntax of Postfix's regexp_table(5):
 *
 *		/pattern/flags result	the result when the key matches
 *		!/pattern/flags result	the result when it does not
 *		if /pattern/flags	the rules up to the matching
 *		endif			endif count only when the key
 *		if !/pattern/flags	matches (or, with !, does not)
 *
 *		The delimiter is the first character after the optional
 *		"!" (usually "/"). Patterns are POSIX extended regular
 *		expressions, case-insensitive: flag "i" toggles case, "x"
 *		extended syntax, "m" multi-line mode, as in Postfix. In a
 *		result, $1 .. $9 (or ${1}) stand for what the parenthesised
 *		groups matched and $$ for a "$". Keys are matched as given,
 *		not folded.
 * DIAGNOSTICS	"file, line N: reason: skipping this rule" for a rule that
 *		does not parse or compile, an endif without if, an if
 *		without endif (at the end); with TABLE_STRICT the open
 *		fails instead. After open, lookups fail only when a result
 *		does not fit its buffer.
 * LIMITS	TABLE_LINE_MAX bytes per logical line, REGEXP_RULES_MAX
 *		rules, REGEXP_IF_DEPTH_MAX nested ifs.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "lineread.h"
#include "msg.h"
#include "mymalloc.h"
#include "table.h"

enum regexp_kind {
	REGEXP_MATCH,			/* pattern and result */
	REGEXP_IF,			/* if: skip to endif when false */
	REGEXP_ENDIF
};

struct regexp_rule {
	enum regexp_kind kind;
	regex_t	 re;
	int	 negate;
	char	*result;		/* REGEXP_MATCH */
	size_t	 endif;			/* REGEXP_IF: index of its endif */
};

struct regexp_table {
	struct regexp_rule *rule;
	size_t	 n, size;
};

/* regexp_problem - warn and skip, or fail under TABLE_STRICT */
static int
regexp_problem(struct lineread *lr, int flags, struct buf *err,
    const char *why)
{
	if (flags & TABLE_STRICT) {
		buf_printf(err, "%s, line %d: %s", lr->path, lr->lineno, why);
		return (-1);
	}
	msg_warn("%s, line %d: %s: skipping this rule", lr->path, lr->lineno,
	    why);
	return (0);
}

/*
 * regexp_parse - "[!]/pattern/flags" at *sp, compiled into r; *sp is
 * moved past it. NULL, or the reason it is bad.
 */
static const char *
regexp_parse(char **sp, struct regexp_rule *r)
{
	static char why[160];
	char	*s = *sp, *pat, *end;
	int	 cflags = REG_EXTENDED | REG_ICASE, rc;
	char	 delim;

	r->negate = 0;
	if (*s == '!') {
		r->negate = 1;
		s++;
	}
	delim = *s;
	if (delim == 0 || delim == ' ' || delim == '\t'
	    || (delim >= 'a' && delim <= 'z') || (delim >= 'A' && delim <= 'Z')
	    || (delim >= '0' && delim <= '9') || delim == '\\')
		return ("expected /pattern/");
	pat = ++s;
	for (end = pat; *end && *end != delim; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end != delim)
		return ("missing closing delimiter");
	*end++ = 0;
	for (; *end && *end != ' ' && *end != '\t'; end++) {
		switch (*end) {
		case 'i':
			cflags ^= REG_ICASE;
			break;
		case 'x':
			cflags ^= REG_EXTENDED;
			break;
		case 'm':
			cflags ^= REG_NEWLINE;
			break;
		default:
			return ("unknown regexp flag");
		}
	}
	if ((rc = regcomp(&r->re, pat, cflags)) != 0) {
		char	 msg[120];

		regerror(rc, &r->re, msg, sizeof(msg));
		snprintf(why, sizeof(why), "bad regular expression: %s", msg);
		return (why);
	}
	*sp = end + strspn(end, " \t");
	return (NULL);
}

/* regexp_add - room for one more rule */
static struct regexp_rule *
regexp_add(struct regexp_table *t)
{
	if (t->n == t->size) {
		t->size = t->size ? 2 * t->size : 16;
		t->rule = xrealloc(t->rule, t->size * sizeof(*t->rule));
	}
	memset(&t->rule[t->n], 0, sizeof(t->rule[0]));
	return (&t->rule[t->n]);
}

/* regexp_free - the rules and the table */
static void
regexp_free(struct regexp_table *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		if (t->rule[i].kind != REGEXP_ENDIF)
			regfree(&t->rule[i].re);
		xfree(t->rule[i].result);
	}
	xfree(t->rule);
	xfree(t);
}

static void *
regexp_open(const char *path, int flags, struct buf *err)
{
	struct regexp_table *t = xcalloc(1, sizeof(*t));
	struct lineread lr;
	struct buf line;
	size_t	 open_if[REGEXP_IF_DEPTH_MAX];
	int	 depth = 0, st;

	if (lineread_open(&lr, path, LINEREAD_SECURE, err) < 0)
		return (xfree(t));
	buf_init(&line, TABLE_LINE_MAX);
	while ((st = lineread_next(&lr, &line, err)) > 0) {
		struct regexp_rule *r;
		char	*s = line.data;
		const char *why = NULL;

		if (t->n >= REGEXP_RULES_MAX) {
			why = "more than 10000 rules";
			if (regexp_problem(&lr, flags, err, why) < 0) {
				st = -1;
				break;
			}
			continue;
		}
		r = regexp_add(t);
		if (strcasecmp(s, "endif") == 0) {
			if (depth == 0)
				why = "endif without if";
			else {
				r->kind = REGEXP_ENDIF;
				t->rule[open_if[--depth]].endif = t->n++;
				continue;
			}
		} else if (strncasecmp(s, "if", 2) == 0 && (s[2] == ' '
		    || s[2] == '\t')) {
			s += 2 + strspn(s + 2, " \t");
			if (depth == REGEXP_IF_DEPTH_MAX)
				why = "if nested more than 32 deep";
			else if ((why = regexp_parse(&s, r)) == NULL && *s) {
				regfree(&r->re);
				why = "text after if /pattern/";
			}
			if (why == NULL) {
				r->kind = REGEXP_IF;
				open_if[depth++] = t->n++;
				continue;
			}
		} else if ((why = regexp_parse(&s, r)) == NULL) {
			if (*s == 0) {
				regfree(&r->re);
				why = "expected \"/pattern/ result\"";
			} else {
				r->kind = REGEXP_MATCH;
				r->result = xstrdup(s);
				t->n++;
				continue;
			}
		}
		if (regexp_problem(&lr, flags, err, why) < 0) {
			st = -1;
			break;
		}
	}
	if (st == 0 && depth > 0) {
		/* An if without endif reaches to the end, as in Postfix. */
		lr.lineno = lr.next_lineno - 1;
		if (regexp_problem(&lr, flags, err, "if without endif") < 0)
			st = -1;
		while (depth > 0) {
			regexp_add(t)->kind = REGEXP_ENDIF;
			t->rule[open_if[--depth]].endif = t->n++;
		}
	}
	lineread_close(&lr);
	buf_fini(&line);
	if (st < 0) {
		regexp_free(t);
		return (NULL);
	}
	return (t);
}

/* regexp_expand - result with $N replaced into val; -1 over its bound */
static int
regexp_expand(const char *res, const char *key, const regmatch_t *m,
    struct buf *val)
{
	const char *s;
	int	 n;

	buf_reset(val);
	for (s = res; *s; s++) {
		if (*s != '$') {
			if (buf_putc(val, *s) < 0)
				return (-1);
			continue;
		}
		if (s[1] == '$') {
			s++;
			if (buf_putc(val, '$') < 0)
				return (-1);
			continue;
		}
		if (s[1] >= '1' && s[1] <= '9') {
			n = s[1] - '0';
			s++;
		} else if (s[1] == '{' && s[2] >= '1' && s[2] <= '9'
		    && s[3] == '}') {
			n = s[2] - '0';
			s += 3;
		} else {
			if (buf_putc(val, '$') < 0)
				return (-1);
			continue;
		}
		if (m[n].rm_so >= 0 && buf_append(val, key + m[n].rm_so,
		    (size_t)(m[n].rm_eo - m[n].rm_so)) < 0)
			return (-1);
	}
	return (0);
}

static enum table_status
regexp_lookup(void *handle, const char *key, struct buf *val)
{
	struct regexp_table *t = handle;
	regmatch_t m[10];
	size_t	 i = 0;
	int	 hit;

	while (i < t->n) {
		struct regexp_rule *r = &t->rule[i];

		if (r->kind == REGEXP_ENDIF) {
			i++;
			continue;
		}
		hit = regexec(&r->re, key, 10, m, 0) == 0;
		if (r->negate)
			hit = !hit;
		if (r->kind == REGEXP_IF) {
			i = hit ? i + 1 : r->endif + 1;
			continue;
		}
		if (hit) {
			if (r->negate)
				for (int k = 0; k < 10; k++)
					m[k].rm_so = m[k].rm_eo = -1;
			return (regexp_expand(r->result, key, m, val) < 0 ?
			    TABLE_ERROR : TABLE_FOUND);
		}
		i++;
	}
	return (TABLE_NOTFOUND);
}

static void
regexp_close(void *handle)
{
	regexp_free(handle);
}

const struct table_ops table_regexp_ops = {
	.type = "regexp",
	.open = regexp_open,
	.lookup = regexp_lookup,
	.close = regexp_close,
};
