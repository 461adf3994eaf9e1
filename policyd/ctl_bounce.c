/*
 * ctl_bounce - outpostctl bounce classify: try the classifier, change nothing
 * SYNOPSIS	outpostctl bounce classify [--json] FILE...
 * DESCRIPTION	For each FILE ("-" is standard input), one message: what
 *		kind it is, then each recipient found with its class, DSN
 *		status, the rule that decided and the remote reply. With
 *		--json, one object per line per file:
 *		{"file": F, "recipients": [{"address": A, "class": C,
 *		"status": S, "reply": TEXT, "rule": NAME}]}, the list empty
 *		when the message is not a bounce. The state is not opened.
 * DIAGNOSTICS	66 when a file cannot be read (the others are still
 *		shown); 75 when bounce_classifier_maps failed.
 */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bounce_msg.h"
#include "ctl.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"

static const char ctl_bounce_usage_text[] =
"usage: outpostctl bounce classify [--json] FILE...\n";

/* ctl_bounce_usage - the bounce forms, exit status for usage */
static int
ctl_bounce_usage(void)
{
	fputs(ctl_bounce_usage_text, stderr);
	return (CTL_EX_USAGE);
}

/* ctl_bounce_json - one line of JSON for one file */
static void
ctl_bounce_json(const char *file, const struct pd_bmsg *m)
{
	json_t	*o = json_object(), *a = json_array();
	char	*dump;
	size_t	 i;

	for (i = 0; i < m->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "address", m->rcpt[i].address,
		    "class", pd_bounce_class_name(m->rcpt[i].class),
		    "status", m->rcpt[i].status,
		    "reply", m->rcpt[i].reply,
		    "rule", m->rcpt[i].rule));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "recipients", a);
	if ((dump = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) != NULL) {
		printf("%s\n", dump);
		free(dump);
	}
	json_decref(o);
}

/* ctl_bounce_text - the human form */
static void
ctl_bounce_text(const char *file, const struct pd_bmsg *m)
{
	char	 safe[BOUNCE_REPLY_MAX];
	size_t	 i;

	printf("%s: %s: %s\n", file, pd_bmsg_kind_name(m->kind), m->why);
	for (i = 0; i < m->n; i++)
		printf("  %s %s %s rule=%s reply=%s\n", m->rcpt[i].address,
		    pd_bounce_class_name(m->rcpt[i].class),
		    m->rcpt[i].status[0] ? m->rcpt[i].status : "-",
		    m->rcpt[i].rule, msg_safe(safe, sizeof(safe),
		    m->rcpt[i].reply));
}

/* ctl_bounce_classify - bounce classify [--json] FILE... */
static int
ctl_bounce_classify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct pd_bmsg *m;
	char	*data;
	size_t	 total;
	ssize_t	 len;
	int	 ch, json = 0, fd, status = CTL_EX_OK, i;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch != 'j') {
			ctl_getopt_error("bounce classify", ch, argv);
			return (ctl_bounce_usage());
		}
		json = 1;
	}
	if (optind == argc)
		return (ctl_bounce_usage());
	m = xcalloc(1, sizeof(*m));
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			fd = 0;
		else if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0) {
			ctl_error("bounce classify: open %s: %m", argv[i]);
			status = CTL_EX_NOINPUT;
			continue;
		}
		len = ctl_ingest_read(fd, &data, &total);
		if (fd != 0)
			close(fd);
		if (len < 0) {
			ctl_error("bounce classify: read %s: %m", argv[i]);
			xfree(data);
			status = CTL_EX_NOINPUT;
			continue;
		}
		pd_bmsg_parse(data, (size_t)len, total > (size_t)len,
		    var_bounce_classifier_maps, m);
		xfree(data);
		if (m->map_error && status == CTL_EX_OK)
			status = CTL_EX_TEMPFAIL;
		if (json)
			ctl_bounce_json(argv[i], m);
		else
			ctl_bounce_text(argv[i], m);
	}
	xfree(m);
	return (status);
}

int
ctl_bounce(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "classify") == 0)
		return (ctl_bounce_classify(argc - 1, argv + 1));
	if (argc >= 2)
		ctl_error("bounce: unknown command \"%.100s\"", argv[1]);
	return (ctl_bounce_usage());
}
