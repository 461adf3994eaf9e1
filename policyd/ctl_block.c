/*
 * ctl_block - outpostctl blocklist: the postmaster's view of the blocklist
 * SYNOPSIS	outpostctl blocklist add ADDRESS [--reason TEXT]
 *		    [--status X.Y.Z] [--expires DURATION]
 *		outpostctl blocklist remove ADDRESS [--reason TEXT]
 *		outpostctl blocklist show ADDRESS
 *		outpostctl blocklist list [--json]
 *		outpostctl blocklist import FILE
 *		outpostctl blocklist export [--json]
 *		outpostctl blocklist expire
 * DESCRIPTION	ADDRESS is a mailbox or "@domain", kept in lower case.
 *		Every change is audited under the invoking user's name;
 *		"show" prints an entry and its whole history, which stays
 *		after the entry is removed.
 *
 *		"list" prints one line per entry: address, status, source,
 *		first seen, last seen, count, expires ("never" or a UTC
 *		time) and text. With --json, one JSON object per line with
 *		every field, times in seconds since the epoch (expires 0 is
 *		never); "export --json" prints the same.
 *
 *		"import" reads one address per line, optionally followed by
 *		a DSN status and text ("dead@example.com 5.1.1 user
 *		unknown"); "-" is standard input; empty lines and "#"
 *		comments are ignored; a line that starts with "{" is a JSON
 *		object as "export --json" writes it. Bad lines are reported
 *		with their line number and skipped. The input is sorted
 *		before it is written, in large transactions: a million
 *		addresses take seconds. "export" writes the format that
 *		"import" reads.
 *
 *		"expire" removes entries past their expiry (expires, or
 *		blocklist_expiry since last seen), audited as "expire";
 *		they no longer count anyway.
 * DIAGNOSTICS	Exit status as in outpostctl.c; "show" and "remove" exit 1
 *		for an unknown address, "import" 65 when lines were skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "block.h"
#include "bounds.h"
#include "ctl.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "parse.h"

#define CTL_IMPORT_LINE_MAX	8192	/* one import line: a JSON object
					 * with 511 bytes of escaped text */
#define CTL_EXPIRES_MAX		(3650 * 86400ULL)	/* --expires 10y */
#define CTL_DEFAULT_STATUS	"5.1.1"

static const char ctl_block_usage_text[] =
"usage: outpostctl blocklist add ADDRESS [--reason TEXT] [--status X.Y.Z]\n"
"           [--expires DURATION]\n"
"       outpostctl blocklist remove ADDRESS [--reason TEXT]\n"
"       outpostctl blocklist show ADDRESS\n"
"       outpostctl blocklist list [--json]\n"
"       outpostctl blocklist import FILE|-\n"
"       outpostctl blocklist export [--json]\n"
"       outpostctl blocklist expire\n";

/* ctl_block_usage - the blocklist forms, exit status for usage */
static int
ctl_block_usage(void)
{
	fputs(ctl_block_usage_text, stderr);
	return (CTL_EX_USAGE);
}

/* ctl_block_address - validate and fold an address argument into
 * out[ADDR_MAX + 1]; "<a@b>" is taken as "a@b"; NULL with *why set */
static char *
ctl_block_address(const char *arg, char *out, const char **why)
{
	size_t	 len = strlen(arg), i;

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	if (len == 0 || len > ADDR_MAX) {
		*why = len ? "address longer than 256 bytes" : "empty address";
		return (NULL);
	}
	for (i = 0; i < len; i++)
		out[i] = (char)((arg[i] >= 'A' && arg[i] <= 'Z') ? arg[i] + 32 :
		    arg[i]);
	out[len] = 0;
	if (!pd_block_address_valid(out)) {
		*why = "not a mail address or @domain";
		return (NULL);
	}
	return (out);
}

struct ctl_block_opts {
	const char *reason;
	const char *status;
	const char *expires;
	int	 json;
};

/* ctl_block_parse_opts - the options that `allowed` lists; the
 * command's positional arguments are left at argv[optind..] */
static int
ctl_block_parse_opts(const char *cmd, int argc, char **argv,
    const char *allowed, struct ctl_block_opts *o)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"status", required_argument, NULL, 's'},
		{"expires", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	char	 label[32];
	int	 ch;

	snprintf(label, sizeof(label), "blocklist %s", cmd);
	memset(o, 0, sizeof(*o));
	optind = 0;			/* full reset, GNU getopt */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == '?' || ch == ':' || strchr(allowed, ch) == NULL) {
			if (ch != '?' && ch != ':')
				ctl_error("%s: option %s is not used here",
				    label, argv[optind - 1]);
			else
				ctl_getopt_error(label, ch, argv);
			return (-1);
		}
		switch (ch) {
		case 'r':
			o->reason = optarg;
			break;
		case 's':
			o->status = optarg;
			break;
		case 'e':
			o->expires = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		}
	}
	return (0);
}

/* ctl_block_add - blocklist add ADDRESS [--reason] [--status] [--expires] */
static int
ctl_block_add(int argc, char **argv)
{
	struct ctl_block_opts o;
	struct pd_block_entry e, old;
	struct db_txn *txn = NULL;
	struct db *db;
	const char *why;
	uint64_t secs;
	int	 status = CTL_EX_OK, existed = 0;

	if (ctl_block_parse_opts("add", argc, argv, "rse", &o) < 0
	    || argc - optind != 1)
		return (ctl_block_usage());
	memset(&e, 0, sizeof(e));
	if (ctl_block_address(argv[optind], e.address, &why) == NULL) {
		ctl_error("blocklist add: %s: %s", argv[optind], why);
		return (CTL_EX_USAGE);
	}
	if (o.status == NULL)
		o.status = CTL_DEFAULT_STATUS;
	if (strlen(o.status) >= sizeof(e.status)
	    || !pd_block_status_valid(o.status)) {
		ctl_error("blocklist add: --status %s: not a permanent DSN "
		    "status (5.X.Y)", o.status);
		return (CTL_EX_USAGE);
	}
	snprintf(e.status, sizeof(e.status), "%s", o.status);
	if (o.reason && strlen(o.reason) >= sizeof(e.text)) {
		ctl_error("blocklist add: --reason longer than %d bytes",
		    BLOCK_TEXT_MAX - 1);
		return (CTL_EX_USAGE);
	}
	snprintf(e.text, sizeof(e.text), "%s", o.reason ? o.reason : "");
	if (o.expires) {
		if (parse_time(o.expires, 1, CTL_EXPIRES_MAX, &secs,
		    &why) < 0) {
			ctl_error("blocklist add: --expires %s: %s", o.expires,
			    why);
			return (CTL_EX_USAGE);
		}
		e.expires = (int64_t)time(NULL) + (int64_t)secs;
	}
	e.source = PD_BLOCK_MANUAL;
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (db_read_begin(db, &txn, &why) == 0) {
		existed = pd_block_get(txn, e.address, &old) == 1;
		db_read_end(txn);
	}
	db_txn_free(txn);
	if (pd_block_add(db, &e, ctl_who(), e.text, &why) < 0) {
		ctl_error("blocklist add %s: %s", e.address, why);
		status = CTL_EX_TEMPFAIL;
	} else
		printf("%s: %s (%s%s%s)\n", e.address, existed ? "updated" :
		    "added", e.status, *e.text ? " " : "", e.text);
	db_close(db);
	return (status);
}

/* ctl_block_remove - blocklist remove ADDRESS [--reason TEXT] */
static int
ctl_block_remove(int argc, char **argv)
{
	struct ctl_block_opts o;
	char	 addr[ADDR_MAX + 1];
	struct db *db;
	const char *why;
	int	 status = CTL_EX_OK;

	if (ctl_block_parse_opts("remove", argc, argv, "r", &o) < 0
	    || argc - optind != 1)
		return (ctl_block_usage());
	if (ctl_block_address(argv[optind], addr, &why) == NULL) {
		ctl_error("blocklist remove: %s: %s", argv[optind], why);
		return (CTL_EX_USAGE);
	}
	if (o.reason && strlen(o.reason) >= BLOCK_TEXT_MAX) {
		ctl_error("blocklist remove: --reason longer than %d bytes",
		    BLOCK_TEXT_MAX - 1);
		return (CTL_EX_USAGE);
	}
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	switch (pd_block_remove(db, addr, ctl_who(), o.reason ? o.reason : "",
	    &why)) {
	case 1:
		printf("%s: removed\n", addr);
		break;
	case 0:
		ctl_error("blocklist remove: %s: not on the blocklist", addr);
		status = CTL_EX_NOTFOUND;
		break;
	default:
		ctl_error("blocklist remove %s: %s", addr, why);
		status = CTL_EX_TEMPFAIL;
		break;
	}
	db_close(db);
	return (status);
}

/* ctl_safe - printable copy of stored text, for a terminal */
static const char *
ctl_safe(char *out, size_t len, const char *in)
{
	return (msg_safe(out, len, in));
}

struct ctl_show {
	const char *addr;
	int	 found;			/* the entry exists */
	int	 n;			/* history lines printed */
};

/* ctl_block_print_audit - one history line of "show"; the reason is
 * left out when it only repeats the text */
static int
ctl_block_print_audit(const struct pd_block_audit *a, void *ctx)
{
	char	 when[32], who[BLOCK_WHO_MAX], why[BLOCK_TEXT_MAX];
	char	 text[BLOCK_TEXT_MAX], status[sizeof(a->status)];
	struct ctl_show *sh = ctx;
	int	 show_why = *a->why && strcmp(a->why, a->text) != 0;

	if (sh->n++ == 0) {
		if (!sh->found)
			printf("address:    %s (not on the blocklist)\n",
			    sh->addr);
		printf("history:\n");
	}
	printf("  %s %-6s by %s (%s, %s%s%s)%s%s\n",
	    ctl_time(when, sizeof(when), a->time),
	    pd_block_action_name(a->action),
	    *a->who ? ctl_safe(who, sizeof(who), a->who) : "-",
	    pd_block_source_name(a->source),
	    ctl_safe(status, sizeof(status), a->status), *a->text ? " " : "",
	    ctl_safe(text, sizeof(text), a->text), show_why ? ": " : "",
	    show_why ? ctl_safe(why, sizeof(why), a->why) : "");
	return (0);
}

/* ctl_block_show - blocklist show ADDRESS: the entry and its history */
static int
ctl_block_show(int argc, char **argv)
{
	struct ctl_block_opts o;
	struct pd_block_entry e;
	struct db_txn *txn = NULL;
	char	 addr[ADDR_MAX + 1], t1[32], t2[32], t3[32];
	char	 text[BLOCK_TEXT_MAX], who[BLOCK_WHO_MAX];
	struct db *db;
	const char *why;
	struct ctl_show sh;
	int	 status = CTL_EX_OK, found;
	int64_t	 now = (int64_t)time(NULL);

	if (ctl_block_parse_opts("show", argc, argv, "", &o) < 0
	    || argc - optind != 1)
		return (ctl_block_usage());
	if (ctl_block_address(argv[optind], addr, &why) == NULL) {
		ctl_error("blocklist show: %s: %s", argv[optind], why);
		return (CTL_EX_USAGE);
	}
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("blocklist show: %s", why);
		db_close(db);
		return (CTL_EX_TEMPFAIL);
	}
	if ((found = pd_block_get(txn, addr, &e)) == 1) {
		printf("address:    %s\n", e.address);
		printf("status:     %s\n", ctl_safe(t1, sizeof(t1), e.status));
		printf("text:       %s\n", ctl_safe(text, sizeof(text),
		    e.text));
		printf("source:     %s\n", pd_block_source_name(e.source));
		printf("first seen: %s\n", ctl_time(t1, sizeof(t1),
		    e.first_seen));
		printf("last seen:  %s\n", ctl_time(t2, sizeof(t2),
		    e.last_seen));
		printf("count:      %u\n", e.count);
		printf("expires:    %s\n", e.expires ? ctl_time(t3, sizeof(t3),
		    e.expires) : "never");
		printf("changed by: %s\n", *e.who ? ctl_safe(who, sizeof(who),
		    e.who) : "-");
		printf("in force:   %s\n", pd_block_expired(&e,
		    var_blocklist_expiry, now) ? "no (expired)" : "yes");
	}
	sh.addr = addr;
	sh.found = found;
	sh.n = 0;
	if (found < 0 || pd_block_audit_walk(txn, addr, ctl_block_print_audit,
	    &sh) < 0) {
		ctl_error("blocklist show %s: %s", addr, db_strerror(txn));
		status = CTL_EX_TEMPFAIL;
	} else if (found == 0 && sh.n == 0) {
		ctl_error("blocklist show: %s: not on the blocklist and no "
		    "history", addr);
		status = CTL_EX_NOTFOUND;
	}
	db_read_end(txn);
	db_txn_free(txn);
	db_close(db);
	return (status);
}

/* ctl_json_str - a JSON string; text that is not UTF-8 is made printable
 * ASCII first */
static json_t *
ctl_json_str(const char *s)
{
	char	 safe[BLOCK_TEXT_MAX];
	json_t	*j;

	if ((j = json_string(s)) != NULL)
		return (j);
	return (json_string(msg_safe(safe, sizeof(safe), s)));
}

/* ctl_block_json - one entry as a JSON object (caller decrefs) */
static json_t *
ctl_block_json(const struct pd_block_entry *e)
{
	json_t	*o = json_object();

	json_object_set_new(o, "address", ctl_json_str(e->address));
	json_object_set_new(o, "status", ctl_json_str(e->status));
	json_object_set_new(o, "text", ctl_json_str(e->text));
	json_object_set_new(o, "source",
	    json_string(pd_block_source_name(e->source)));
	json_object_set_new(o, "first_seen", json_integer(e->first_seen));
	json_object_set_new(o, "last_seen", json_integer(e->last_seen));
	json_object_set_new(o, "count", json_integer(e->count));
	json_object_set_new(o, "expires", json_integer(e->expires));
	json_object_set_new(o, "who", ctl_json_str(e->who));
	return (o);
}

struct ctl_block_out {
	int	 json;
	int	 export;		/* the import format */
	size_t	 n;
};

/* ctl_block_print - pd_block_walk callback: one line of list/export */
static int
ctl_block_print(const struct pd_block_entry *e, void *ctx)
{
	struct ctl_block_out *out = ctx;
	char	 t1[32], t2[32], t3[32], text[BLOCK_TEXT_MAX], status[16];

	out->n++;
	if (out->json) {
		json_t	*o = ctl_block_json(e);
		char	*s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else if (out->export) {
		ctl_safe(text, sizeof(text), e->text);
		printf("%s %s%s%s\n", e->address, ctl_safe(status,
		    sizeof(status), e->status), *text ? " " : "", text);
	} else
		printf("%s %s %s %s %s %u %s%s%s\n", e->address,
		    ctl_safe(status, sizeof(status), e->status),
		    pd_block_source_name(e->source),
		    ctl_time(t1, sizeof(t1), e->first_seen),
		    ctl_time(t2, sizeof(t2), e->last_seen), e->count,
		    e->expires ? ctl_time(t3, sizeof(t3), e->expires) : "never",
		    *e->text ? " " : "", ctl_safe(text, sizeof(text), e->text));
	return (ferror(stdout) ? -2 : 0);
}

/* ctl_block_list - blocklist list/export [--json] */
static int
ctl_block_list(int argc, char **argv, int export)
{
	struct ctl_block_opts o;
	struct ctl_block_out out;
	struct db_txn *txn = NULL;
	struct db *db;
	const char *why;
	char	 now[32];
	int	 status = CTL_EX_OK, rc;

	if (ctl_block_parse_opts(argv[0], argc, argv, "j", &o) < 0
	    || argc != optind)
		return (ctl_block_usage());
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (db_read_begin(db, &txn, &why) < 0) {
		ctl_error("blocklist %s: %s", argv[0], why);
		db_close(db);
		return (CTL_EX_TEMPFAIL);
	}
	memset(&out, 0, sizeof(out));
	out.json = o.json;
	out.export = export;
	if (export && !o.json)
		printf("# outpostctl blocklist export, %s; read back with "
		    "\"outpostctl blocklist import FILE\"\n",
		    ctl_time(now, sizeof(now), (int64_t)time(NULL)));
	if ((rc = pd_block_walk(txn, ctl_block_print, &out)) == -1) {
		ctl_error("blocklist %s: %s", argv[0], db_strerror(txn));
		status = CTL_EX_TEMPFAIL;
	}
	db_read_end(txn);
	db_txn_free(txn);
	db_close(db);
	if (fflush(stdout) != 0 || rc == -2) {
		ctl_error("blocklist %s: write error: %m", argv[0]);
		status = CTL_EX_OSERR;
	}
	return (status);
}

/* Import. */

struct ctl_rec {			/* one good input line, compact */
	char	*s;			/* "address\0status\0text" */
	uint32_t line;
	uint32_t count;
	int64_t	 first_seen, last_seen, expires;
	enum pd_block_source source;
};

struct ctl_import {
	const char *name;		/* file name for messages */
	struct ctl_rec *rec;
	size_t	 n, size;
	size_t	 bad;
};

/* ctl_import_keep - store one parsed line */
static void
ctl_import_keep(struct ctl_import *im, const struct pd_block_entry *e,
    uint32_t line)
{
	size_t	 al = strlen(e->address), sl = strlen(e->status);
	size_t	 tl = strlen(e->text);
	struct ctl_rec *r;

	if (im->n == im->size) {
		im->size = im->size ? 2 * im->size : 1024;
		im->rec = xrealloc(im->rec, im->size * sizeof(*im->rec));
	}
	r = &im->rec[im->n++];
	r->s = xmalloc(al + sl + tl + 3);
	memcpy(r->s, e->address, al + 1);
	memcpy(r->s + al + 1, e->status, sl + 1);
	memcpy(r->s + al + sl + 2, e->text, tl + 1);
	r->line = line;
	r->count = e->count;
	r->first_seen = e->first_seen;
	r->last_seen = e->last_seen;
	r->expires = e->expires;
	r->source = e->source;
}

/* ctl_import_int - an optional non-negative JSON integer member */
static int
ctl_import_int(json_t *o, const char *name, int64_t max, int64_t *v)
{
	json_t	*j = json_object_get(o, name);

	if (j == NULL || json_is_null(j)) {
		*v = 0;
		return (0);
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0
	    || json_integer_value(j) > max)
		return (-1);
	*v = (int64_t)json_integer_value(j);
	return (0);
}

/* ctl_import_str - an optional JSON string member into out[len] */
static int
ctl_import_str(json_t *o, const char *name, char *out, size_t len)
{
	json_t	*j = json_object_get(o, name);

	out[0] = 0;
	if (j == NULL || json_is_null(j))
		return (0);
	if (!json_is_string(j) || json_string_length(j) >= len
	    || strlen(json_string_value(j)) != json_string_length(j))
		return (-1);
	memcpy(out, json_string_value(j), json_string_length(j) + 1);
	return (0);
}

/* ctl_import_json - a line in "export --json" form; -1 with *why set */
static int
ctl_import_json(const char *line, struct pd_block_entry *e, const char **why)
{
	char	 addr[ADDR_MAX + 3], source[16];
	json_t	*o;
	int64_t	 count;
	int	 rc = -1;

	if ((o = json_loads(line, JSON_REJECT_DUPLICATES, NULL)) == NULL
	    || !json_is_object(o)) {
		*why = "not a JSON object";
		goto out;
	}
	if (ctl_import_str(o, "address", addr, sizeof(addr)) < 0 || !*addr) {
		*why = "no \"address\" string, or one over 256 bytes";
		goto out;
	}
	if (ctl_block_address(addr, e->address, why) == NULL)
		goto out;
	if (ctl_import_str(o, "status", e->status, sizeof(e->status)) < 0
	    || ctl_import_str(o, "text", e->text, sizeof(e->text)) < 0
	    || ctl_import_str(o, "source", source, sizeof(source)) < 0) {
		*why = "\"status\", \"text\" or \"source\" is not a string of "
		    "the right length";
		goto out;
	}
	if (*source == 0)
		e->source = PD_BLOCK_IMPORT;
	else if (pd_block_source_parse(source, &e->source) < 0) {
		*why = "unknown \"source\"";
		goto out;
	}
	if (ctl_import_int(o, "first_seen", INT64_MAX, &e->first_seen) < 0
	    || ctl_import_int(o, "last_seen", INT64_MAX, &e->last_seen) < 0
	    || ctl_import_int(o, "expires", INT64_MAX, &e->expires) < 0
	    || ctl_import_int(o, "count", UINT32_MAX, &count) < 0) {
		*why = "a time or count is not a non-negative integer";
		goto out;
	}
	e->count = (uint32_t)count;
	rc = 0;
out:
	json_decref(o);
	return (rc);
}

/* ctl_import_line - "address [status [text]]" or JSON into e; -1, *why */
static int
ctl_import_line(char *line, struct pd_block_entry *e, const char **why)
{
	char	*addr, *status, *text;

	memset(e, 0, sizeof(*e));
	if (*line == '{') {
		if (ctl_import_json(line, e, why) < 0)
			return (-1);
	} else {
		addr = line;
		status = addr + strcspn(addr, " \t");
		if (*status) {
			*status++ = 0;
			status += strspn(status, " \t");
		}
		text = status + strcspn(status, " \t");
		if (*text) {
			*text++ = 0;
			text += strspn(text, " \t");
		}
		if (ctl_block_address(addr, e->address, why) == NULL)
			return (-1);
		if (strlen(status) >= sizeof(e->status)) {
			*why = "not a permanent DSN status (5.X.Y) after the "
			    "address";
			return (-1);
		}
		memcpy(e->status, status, strlen(status) + 1);
		if (strlen(text) >= sizeof(e->text)) {
			*why = "text longer than 511 bytes";
			return (-1);
		}
		memcpy(e->text, text, strlen(text) + 1);
		e->source = PD_BLOCK_IMPORT;
	}
	if (*e->status == 0)
		memcpy(e->status, CTL_DEFAULT_STATUS,
		    sizeof(CTL_DEFAULT_STATUS));
	if (!pd_block_status_valid(e->status)) {
		*why = "not a permanent DSN status (5.X.Y) after the address";
		return (-1);
	}
	return (0);
}

/* ctl_import_read - every good line of fp; bad ones are reported */
static int
ctl_import_read(struct ctl_import *im, FILE *fp)
{
	struct pd_block_entry e;
	char	*line = NULL, *s;
	size_t	 size = 0;
	ssize_t	 len;
	uint32_t lineno = 0;
	const char *why;

	while ((len = getline(&line, &size, fp)) >= 0) {
		lineno++;
		while (len > 0 && line[len - 1] != 0
		    && strchr("\n\r \t", line[len - 1]) != NULL)
			line[--len] = 0;
		s = line + strspn(line, " \t");
		if (*s == 0 || *s == '#')
			continue;
		if ((size_t)len > CTL_IMPORT_LINE_MAX)
			why = "line longer than 8192 bytes";
		else if (strlen(line) != (size_t)len)
			why = "line holds a NUL byte";
		else if (ctl_import_line(s, &e, &why) == 0) {
			ctl_import_keep(im, &e, lineno);
			continue;
		}
		msg_warn("%s, line %u: %s: skipping this line", im->name,
		    lineno, why);
		im->bad++;
	}
	free(line);
	if (ferror(fp)) {
		ctl_error("blocklist import: read %s: %m", im->name);
		return (-1);
	}
	return (0);
}

/* ctl_import_order - qsort: by address, then line, as the daemon's
 * B-tree wants it (see pd_block_import) */
static int
ctl_import_order(const void *a, const void *b)
{
	const struct ctl_rec *x = a, *y = b;
	int	 rc = strcmp(x->s, y->s);	/* already lower case */

	return (rc ? rc : (x->line > y->line) - (x->line < y->line));
}

/* ctl_import_write - the sorted records, PD_BLOCK_BATCH at a time */
static int
ctl_import_write(struct ctl_import *im, struct db *db)
{
	struct pd_block_entry *v = xcalloc(PD_BLOCK_BATCH, sizeof(*v));
	char	 why[BLOCK_TEXT_MAX];
	const char *err;
	size_t	 i, j, k;
	int	 rc = 0;

	snprintf(why, sizeof(why), "import %.400s", im->name);
	for (i = 0; i < im->n && rc == 0; i += k) {
		k = im->n - i < PD_BLOCK_BATCH ? im->n - i : PD_BLOCK_BATCH;
		for (j = 0; j < k; j++) {
			const struct ctl_rec *r = &im->rec[i + j];
			const char *status = r->s + strlen(r->s) + 1;
			const char *text = status + strlen(status) + 1;

			snprintf(v[j].address, sizeof(v[j].address), "%s",
			    r->s);
			snprintf(v[j].status, sizeof(v[j].status), "%s",
			    status);
			snprintf(v[j].text, sizeof(v[j].text), "%s", text);
			v[j].source = r->source;
			v[j].first_seen = r->first_seen;
			v[j].last_seen = r->last_seen;
			v[j].expires = r->expires;
			v[j].count = r->count;
		}
		if ((rc = pd_block_import(db, v, k, ctl_who(), why, &err)) < 0)
			ctl_error("blocklist import: %s: %s (%zu of %zu "
			    "addresses imported)", im->name, err, i, im->n);
	}
	xfree(v);
	return (rc);
}

/* ctl_block_import - blocklist import FILE|- */
static int
ctl_block_import(int argc, char **argv)
{
	struct ctl_block_opts o;
	struct ctl_import im;
	struct db *db = NULL;
	FILE	*fp;
	size_t	 i;
	int	 status = CTL_EX_OK;

	if (ctl_block_parse_opts("import", argc, argv, "", &o) < 0
	    || argc - optind != 1)
		return (ctl_block_usage());
	memset(&im, 0, sizeof(im));
	im.name = argv[optind];
	/* Opened before ctl_state_open() may give up root. */
	if (strcmp(im.name, "-") == 0) {
		fp = stdin;
		im.name = "stdin";
	} else if ((fp = fopen(im.name, "r")) == NULL) {
		ctl_error("blocklist import: %s: %m", im.name);
		return (CTL_EX_NOINPUT);
	}
	if (ctl_import_read(&im, fp) < 0)
		status = CTL_EX_NOINPUT;
	if (fp != stdin)
		fclose(fp);
	if (status == CTL_EX_OK && im.n > 0) {
		qsort(im.rec, im.n, sizeof(*im.rec), ctl_import_order);
		if ((db = ctl_state_open(&status)) != NULL
		    && ctl_import_write(&im, db) < 0)
			status = CTL_EX_TEMPFAIL;
	}
	if (status == CTL_EX_OK) {
		printf("%s: imported %zu address%s", im.name, im.n,
		    im.n == 1 ? "" : "es");
		if (im.bad)
			printf(", skipped %zu bad line%s", im.bad,
			    im.bad == 1 ? "" : "s");
		printf("\n");
		if (im.bad)
			status = CTL_EX_DATAERR;
	}
	for (i = 0; i < im.n; i++)
		xfree(im.rec[i].s);
	xfree(im.rec);
	db_close(db);
	return (status);
}

/* ctl_block_expire - blocklist expire */
static int
ctl_block_expire(int argc, char **argv)
{
	struct ctl_block_opts o;
	struct db *db;
	const char *why;
	size_t	 n;
	int	 status = CTL_EX_OK;

	if (ctl_block_parse_opts("expire", argc, argv, "", &o) < 0
	    || argc != optind)
		return (ctl_block_usage());
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	if (pd_block_expire(db, var_blocklist_expiry, (int64_t)time(NULL), &n,
	    &why) < 0) {
		ctl_error("blocklist expire: %s", why);
		status = CTL_EX_TEMPFAIL;
	} else
		printf("removed %zu expired entr%s\n", n, n == 1 ? "y" : "ies");
	db_close(db);
	return (status);
}

int
ctl_blocklist(int argc, char **argv)
{
	static const struct {
		const char *name;
		int	 (*fn)(int, char **);
	} cmds[] = {
		{"add", ctl_block_add},
		{"remove", ctl_block_remove},
		{"show", ctl_block_show},
		{"import", ctl_block_import},
		{"expire", ctl_block_expire},
	};
	size_t	 i;

	if (argc < 2)
		return (ctl_block_usage());
	if (strcmp(argv[1], "list") == 0)
		return (ctl_block_list(argc - 1, argv + 1, 0));
	if (strcmp(argv[1], "export") == 0)
		return (ctl_block_list(argc - 1, argv + 1, 1));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return (cmds[i].fn(argc - 1, argv + 1));
	ctl_error("blocklist: unknown command \"%.100s\"", argv[1]);
	return (ctl_block_usage());
}
