/*
 * daemon - what every Outpost daemon does before it serves
 * DESCRIPTION	The same options, log and configuration steps for
 *		outpost-policyd and outpost-milter: "-c FILE" names the
 *		configuration (default /etc/outpost/outpost.conf), "-f"
 *		keeps the log on stderr for a supervisor or a test, "-v"
 *		is more verbose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "daemon.h"
#include "msg.h"
#include "params.h"

const char *
daemon_init(int argc, char **argv, const char *progname, int users)
{
	const char *config = CFG_DEFAULT_PATH;
	int	 ch, foreground = 0;
	struct buf err;

	while ((ch = getopt(argc, argv, "c:fv")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			msg_verbose++;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	msg_open(progname, foreground ? MSG_STDERR : MSG_SYSLOG);
	buf_init(&err, 4096);
	if (cfg_load(config, outpost_params, users, 0, &err) < 0)
		msg_fatal("%s", buf_str(&err));
	buf_fini(&err);
	return (config);
usage:
	fprintf(stderr, "usage: %s [-c config_file] [-f] [-v]\n", progname);
	exit(64);
}
