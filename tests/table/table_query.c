/*
 * table_query - look keys up in an Outpost table, for tests/table/run.sh
 * SYNOPSIS	table_query [-s] type:name < keys
 * DESCRIPTION	Opens the table (with TABLE_STRICT under -s), then reads
 *		one key per line from standard input and prints one line
 *		per key: "key: FOUND value", "key: NOTFOUND" or "key: ERROR".
 *		Warnings from common/ (msg_warn) go to standard output too,
 *		in the order they happen, so a .ref file holds them.
 * DIAGNOSTICS	A table that cannot be opened prints "open SPEC: reason"
 *		on standard output and exits 1.
 * BUILD	make tests/table/table_query; a build line without make is in
 *		the header of tests/table/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "buf.h"
#include "msg.h"
#include "table.h"

static const char *const table_query_status[] = {
	[TABLE_FOUND] = "FOUND",
	[TABLE_NOTFOUND] = "NOTFOUND",
	[TABLE_ERROR] = "ERROR",
};

int
main(int argc, char **argv)
{
	struct table *t;
	struct buf err, val;
	char	*key = NULL;
	size_t	 keysize = 0;
	ssize_t	 n;
	int	 flags = 0, ch;

	/* Warnings land between the answers, in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0) {
		perror("dup2");
		return (1);
	}
	msg_open("table_query", MSG_STDERR);
	while ((ch = getopt(argc, argv, "s")) != -1) {
		switch (ch) {
		case 's':
			flags |= TABLE_STRICT;
			break;
		default:
			fprintf(stdout, "usage: table_query [-s] type:name "
			    "< keys\n");
			return (2);
		}
	}
	if (optind + 1 != argc) {
		fprintf(stdout, "usage: table_query [-s] type:name < keys\n");
		return (2);
	}
	buf_init(&err, 4096);
	buf_init(&val, TABLE_VALUE_MAX);
	if ((t = table_open(argv[optind], flags, &err)) == NULL) {
		/* An empty spec is "no table", with no reason. */
		printf("open %s: %s\n", argv[optind], err.len ? buf_str(&err)
		    : "no table");
		buf_fini(&err);
		return (1);
	}
	while ((n = getline(&key, &keysize, stdin)) >= 0) {
		enum table_status st;

		if (n > 0 && key[n - 1] == '\n')
			key[--n] = 0;
		st = table_lookup(t, key, &val);
		if (st == TABLE_FOUND)
			printf("%s: FOUND %s\n", key, buf_str(&val));
		else
			printf("%s: %s\n", key, table_query_status[st]);
	}
	free(key);
	table_close(t);
	buf_fini(&val);
	buf_fini(&err);
	return (0);
}
