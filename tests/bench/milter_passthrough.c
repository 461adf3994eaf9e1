/*
 * milter_passthrough - a libmilter milter that decides nothing
 * SYNOPSIS	milter_passthrough -p unix:PATH|inet:PORT@127.0.0.1 [-S]
 *		    [-t seconds]
 * DESCRIPTION	The floor of the milter protocol for the benchmark: it
 *		registers every callback libmilter has (negotiate, connect,
 *		helo, envfrom, envrcpt, data, unknown, header, eoh, body,
 *		eom, abort, close) and each returns SMFIS_CONTINUE, so
 *		Postfix pays for every round trip and nothing else. The
 *		negotiate callback takes every protocol step the MTA offers
 *		and asks for no "no reply" flags, as outpost-milter does.
 *		-S	ask the MTA to skip the steps that outpost-milter
 *			has no callback for (HELO, RCPT, DATA, unknown), for
 *			a like-for-like floor
 *		-t	libmilter's read timeout (default 30 s)
 *		A unix socket is made mode 0666, so that Postfix's smtpd
 *		(user postfix) can connect. SIGTERM, SIGINT or SIGHUP stop
 *		it (libmilter's own signal handling).
 * EXIT STATUS	0 after a clean stop, 1 when it cannot start.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int skip_like_outpost;

/* pt_negotiate - every step offered, no "no reply" flags */
static sfsistat
pt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;			/* no actions: we change nothing */
	*pf1 = 0;			/* every step, a reply for each */
	if (skip_like_outpost)
		*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NODATA
		    | SMFIP_NOUNKNOWN);
	*pf2 = 0;
	*pf3 = 0;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_data(SMFICTX *ctx)
{
	(void)ctx;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx;
	(void)cmd;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_eom(SMFICTX *ctx)
{
	(void)ctx;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_abort(SMFICTX *ctx)
{
	(void)ctx;
	return (SMFIS_CONTINUE);
}

static sfsistat
pt_close(SMFICTX *ctx)
{
	(void)ctx;
	return (SMFIS_CONTINUE);
}

static struct smfiDesc pt_desc = {
	.xxfi_name = "milter_passthrough",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = 0,
	.xxfi_connect = pt_connect,
	.xxfi_helo = pt_helo,
	.xxfi_envfrom = pt_envfrom,
	.xxfi_envrcpt = pt_envrcpt,
	.xxfi_header = pt_header,
	.xxfi_eoh = pt_eoh,
	.xxfi_body = pt_body,
	.xxfi_eom = pt_eom,
	.xxfi_abort = pt_abort,
	.xxfi_close = pt_close,
	.xxfi_unknown = pt_unknown,
	.xxfi_data = pt_data,
	.xxfi_negotiate = pt_negotiate,
};

static void
usage(void)
{
	fprintf(stderr, "usage: milter_passthrough -p unix:PATH|inet:PORT@HOST "
	    "[-S] [-t seconds]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *conn = NULL;
	int	 ch, timeout = 30;

	while ((ch = getopt(argc, argv, "p:St:")) != -1) {
		switch (ch) {
		case 'p':
			conn = optarg;
			break;
		case 'S':
			skip_like_outpost = 1;
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout < 1 || timeout > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	if (conn == NULL || optind != argc)
		usage();
	if (smfi_register(pt_desc) != MI_SUCCESS
	    || smfi_setconn((char *)conn) != MI_SUCCESS
	    || smfi_settimeout(timeout) != MI_SUCCESS) {
		fprintf(stderr, "milter_passthrough: cannot set up %s\n", conn);
		return (1);
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "milter_passthrough: cannot open %s\n", conn);
		return (1);
	}
	if (strncmp(conn, "unix:", 5) == 0 && chmod(conn + 5, 0666) < 0) {
		perror(conn + 5);
		return (1);
	}
	return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
