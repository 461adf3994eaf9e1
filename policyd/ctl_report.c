/*
 * ctl_report - outpostctl report: the morning view of bounces
 * SYNOPSIS	outpostctl report [--since DURATION]
 * DESCRIPTION	From the counters that "outpostctl ingest" keeps per hour
 *		(default: the last 1d, rounded down to the hour): events
 *		by class, the destination domains with the most
 *		policy/reputation bounces (a sign that the relay's
 *		reputation suffers there), the envelope senders with the
 *		most hard bounces and the sender domains with the most
 *		complaints, REPORT_TOP of each.
 * DIAGNOSTICS	75 when the state cannot be read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
#include "ctl.h"
#include "htable.h"
#include "ingest.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "parse.h"

#define REPORT_TOP	10
#define REPORT_SINCE_MAX (3650 * 86400ULL)

struct report {
	struct htable by[4];		/* class, policy, hard, complaint */
};

/* report_slot - which table a counter kind goes to */
static int
report_slot(int kind)
{
	switch (kind) {
	case PD_INGEST_CLASS:
		return (0);
	case PD_INGEST_POLICY_DOMAIN:
		return (1);
	case PD_INGEST_HARD_SENDER:
		return (2);
	case PD_INGEST_COMPLAINT:
		return (3);
	}
	return (-1);
}

/* report_add - pd_ingest_counters callback: sum over the hours */
static void
report_add(int kind, const char *name, uint64_t count, void *ctx)
{
	struct report *r = ctx;
	uint64_t *v;
	int	 s;

	if ((s = report_slot(kind)) < 0)
		return;
	if ((v = htable_find(&r->by[s], name)) == NULL) {
		v = xcalloc(1, sizeof(*v));
		htable_enter(&r->by[s], name, v);
	}
	*v += count;
}

struct report_row {
	const char *name;
	uint64_t count;
};

struct report_rows {
	struct report_row *v;
	size_t	 n;
};

/* report_collect - htable_walk callback: gather rows */
static void
report_collect(struct htable_entry *he, void *ctx)
{
	struct report_rows *rows = ctx;

	rows->v[rows->n].name = he->key;
	rows->v[rows->n++].count = *(uint64_t *)he->value;
}

/* report_order - most first, then by name */
static int
report_order(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	if (x->count != y->count)
		return (x->count < y->count ? 1 : -1);
	return (strcmp(x->name, y->name));
}

/* report_top - a heading and the top rows of one table */
static void
report_top(const char *title, struct htable *h)
{
	struct report_rows rows;
	size_t	 i;

	rows.v = xcalloc(h->used + 1, sizeof(*rows.v));
	rows.n = 0;
	htable_walk(h, report_collect, &rows);
	qsort(rows.v, rows.n, sizeof(*rows.v), report_order);
	printf("%s:\n", title);
	if (rows.n == 0)
		printf("  (none)\n");
	for (i = 0; i < rows.n && i < REPORT_TOP; i++)
		printf("  %8llu  %s\n", (unsigned long long)rows.v[i].count,
		    rows.v[i].name);
	xfree(rows.v);
}

int
ctl_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct report r;
	struct db *db;
	const char *why;
	uint64_t since = 86400, *v;
	int64_t	 from;
	char	 when[32];
	int	 ch, status = CTL_EX_OK, i;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch != 's') {
			ctl_getopt_error("report", ch, argv);
			fputs("usage: outpostctl report [--since DURATION]\n",
			    stderr);
			return (CTL_EX_USAGE);
		}
		if (parse_time(optarg, 1, REPORT_SINCE_MAX, &since, &why) < 0) {
			ctl_error("report: --since %.100s: %s", optarg, why);
			return (CTL_EX_USAGE);
		}
	}
	if (optind != argc) {
		fputs("usage: outpostctl report [--since DURATION]\n", stderr);
		return (CTL_EX_USAGE);
	}
	if ((db = ctl_state_open(&status)) == NULL)
		return (status);
	for (i = 0; i < 4; i++)
		htable_init(&r.by[i], 64);
	from = ((int64_t)time(NULL) - (int64_t)since) / 3600 * 3600;
	if (pd_ingest_counters(db, from, report_add, &r, &why) < 0) {
		ctl_error("report: %s", why);
		status = CTL_EX_TEMPFAIL;
	} else {
		printf("bounces since %s:\n ", ctl_time(when, sizeof(when),
		    from));
		for (i = PD_BOUNCE_HARD; i < PD_BOUNCE_CLASSES; i++) {
			v = htable_find(&r.by[0], pd_bounce_class_name(i));
			printf(" %s %llu", pd_bounce_class_name(i),
			    (unsigned long long)(v ? *v : 0));
		}
		printf("\n");
		report_top("destination domains by policy/reputation bounces",
		    &r.by[1]);
		report_top("senders by hard bounces", &r.by[2]);
		report_top("sender domains by complaints", &r.by[3]);
	}
	for (i = 0; i < 4; i++)
		htable_fini(&r.by[i], free);
	db_close(db);
	return (status);
}
