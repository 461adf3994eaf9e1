/*
 * outpostctl - the postmaster's tool: blocklist, rate limits, config
 * SYNOPSIS	outpostctl [-c FILE] COMMAND [ARGUMENTS]
 * DESCRIPTION	Commands (each prints its own usage when called wrongly):
 *		    blocklist add|remove|show|list|import|export|expire
 *		    ratelimit show|reset|top
 *		    config [-n], config check
 *		    test-message
 *		    ingest log|message, bounce classify, report
 *		    domain verify|list|remove
 *		-c FILE reads FILE instead of /etc/outpost/outpost.conf; a
 *		missing default file means every default applies.
 *
 *		Run as root, commands that open the state become
 *		outpost_user first (see ctl_common.c), so that the state
 *		stays the daemons'. Messages go to standard error.
 * EXIT STATUS	0	done (domain verify: every domain is verified)
 *		1	not found (blocklist show/remove, ratelimit show and
 *			reset of an unknown key); config check found an error;
 *			domain verify: a domain is not verified
 *		64	usage: bad command, option or argument (also -h and
 *			no command at all)
 *		65	blocklist import: some lines were bad and skipped
 *			(the good ones were imported)
 *		66	an input file cannot be read
 *		71	unexpected system error: privileges, writing output
 *		75	the state could not be opened or written; try again
 *			(ingest message: also bounce_classifier_maps failed)
 *			(domain verify: a DNS lookup failed for now)
 *		78	the configuration does not load
 *		1 is also what msg_fatal() exits with, for errors such as
 *		running out of memory.
 * SEE ALSO	outpostctl(8), outpost.conf(5), outpost-policyd(8)
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "ctl.h"
#include "ctl_test.h"
#include "msg.h"
#include "params.h"
#include "sender.h"
#include "rate.h"

const char *ctl_config_path = CFG_DEFAULT_PATH;

static const struct ctl_cmd ctl_cmds[] = {
	/* name		function		load config first */
	{"blocklist", ctl_blocklist, 1},
	{"ratelimit", ctl_ratelimit, 1},
	{"config", ctl_config, 0},
	{"test-message", ctl_test_message, 1},
	{"ingest", ctl_ingest, 1},
	{"bounce", ctl_bounce, 1},
	{"report", ctl_report, 1},
	{"domain", ctl_domain, 1},
};

/* ctl_usage - every command, on standard error */
static int
ctl_usage(void)
{
	fputs("usage: outpostctl [-c config_file] command [arguments]\n"
	    "commands:\n"
	    "  blocklist add ADDRESS [--reason TEXT] [--status X.Y.Z] "
	    "[--expires DURATION]\n"
	    "  blocklist remove ADDRESS [--reason TEXT]\n"
	    "  blocklist show ADDRESS\n"
	    "  blocklist list [--json]\n"
	    "  blocklist import FILE|-\n"
	    "  blocklist export [--json]\n"
	    "  blocklist expire\n"
	    "  ratelimit show KEY\n"
	    "  ratelimit reset KEY\n"
	    "  ratelimit top [N]\n"
	    "  config [-n]\n"
	    "  config check\n"
	    "  test-message [--login LOGIN] [--client IP] [--from ADDR] "
	    "[--json] FILE...\n"
	    "  ingest log [-f] FILE\n"
	    "  ingest message < MESSAGE\n"
	    "  bounce classify [--json] FILE...\n"
	    "  report [--since DURATION]\n"
	    "  domain verify DOMAIN [--selector S] [--key FILE] [--json]\n"
	    "  domain verify --all [--json]\n"
	    "  domain list [--json]\n"
	    "  domain remove DOMAIN\n", stderr);
	return (CTL_EX_USAGE);
}

int
main(int argc, char **argv)
{
	const struct ctl_cmd *cmd = NULL;
	struct buf err;
	size_t	 i;
	int	 n, status;

	msg_open("outpostctl", MSG_STDERR);
	pd_rate_register_checks();
	mf_sender_register_checks();
	/* Global options end at the command: getopt(3) is left to it. */
	for (n = 1; n < argc && argv[n][0] == '-'; n++) {
		if (strcmp(argv[n], "--") == 0) {
			n++;
			break;
		} else if (strcmp(argv[n], "-c") == 0 && n + 1 < argc)
			ctl_config_path = argv[++n];
		else if (strncmp(argv[n], "-c", 2) == 0 && argv[n][2])
			ctl_config_path = argv[n] + 2;
		else {
			if (strcmp(argv[n], "-c") == 0)
				ctl_error("option -c needs an argument");
			else if (strcmp(argv[n], "-h")
			    && strcmp(argv[n], "--help"))
				ctl_error("option %s is not known", argv[n]);
			return (ctl_usage());
		}
	}
	if (n == argc)
		return (ctl_usage());
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[n], ctl_cmds[i].name) == 0)
			cmd = &ctl_cmds[i];
	if (cmd == NULL) {
		ctl_error("unknown command \"%.100s\"", argv[n]);
		return (ctl_usage());
	}
	if (cmd->load) {
		buf_init(&err, 4096);
		if (cfg_load(ctl_config_path, outpost_params, CFG_CTL, 0,
		    &err) < 0) {
			ctl_error("%s", buf_str(&err));
			buf_fini(&err);
			return (CTL_EX_CONFIG);
		}
		buf_fini(&err);
	}
	status = cmd->fn(argc - n, argv + n);
	if (fflush(stdout) != 0 && status == CTL_EX_OK) {
		ctl_error("write error: %m");
		status = CTL_EX_OSERR;
	}
	cfg_free(outpost_params);
	return (status);
}
