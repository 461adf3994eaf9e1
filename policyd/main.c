/*
 * outpost-policyd - Postfix policy service: rate limits and the blocklist
 * SYNOPSIS	outpost-policyd [-c FILE] [-f] [-v]
 * DESCRIPTION	Read the configuration, open the listening sockets and the
 *		state environment as root, drop to outpost_user, serve.
 *		-f stays in the foreground and logs to stderr (as under
 *		systemd, or for a test); otherwise it logs to syslog, and
 *		still stays in the foreground: a supervisor runs it.
 * SEE ALSO	outpost-policyd(8), outpost.conf(5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bounds.h"
#include "cfg.h"
#include "daemon.h"
#include "db.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "privs.h"
#include "rate.h"
#include "server.h"

#define PD_LISTEN_MAX	8

/* pd_fd_limit - room for policyd_max_connections descriptors */
static void
pd_fd_limit(void)
{
	struct rlimit rl;
	rlim_t	 want = var_policyd_max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		msg_warn("open file limit %llu is below policyd_max_connections"
		    " + 64", (unsigned long long)rl.rlim_cur);
}

int
main(int argc, char **argv)
{
	const char *config;
	int	 fds[PD_LISTEN_MAX], n = 0;
	struct buf err;
	struct db *db;
	char	*list, *cp, *spec;

	pd_rate_register_checks();
	config = daemon_init(argc, argv, "outpost-policyd", CFG_PD);
	buf_init(&err, 4096);
	pd_fd_limit();

	cp = list = xstrdup(var_policyd_listen);
	while ((spec = strsep(&cp, ", \t")) != NULL) {
		if (*spec == 0)
			continue;
		if (n == PD_LISTEN_MAX)
			msg_fatal("policyd_listen: more than %d addresses",
			    PD_LISTEN_MAX);
		if ((fds[n++] = privs_listen(spec, var_outpost_user,
		    var_socket_group, &err)) < 0)
			msg_fatal("%s", buf_str(&err));
	}
	xfree(list);
	if (n == 0)
		msg_fatal("policyd_listen is empty");
	if (privs_state_dir(var_state_directory, var_outpost_user, &err) < 0)
		msg_fatal("%s", buf_str(&err));
	if (privs_drop(var_outpost_user, &err) < 0)
		msg_fatal("%s", buf_str(&err));
	/* Open the state after the drop: its files belong to outpost_user.
	 * Counters are written every second: a crash of the system may
	 * undo the last second's (DB_LAZYMETA), one of the daemon never. */
	if ((db = db_open(var_state_directory, DB_LAZYMETA, &err)) == NULL)
		msg_fatal("%s", buf_str(&err));

	pd_server_run(fds, n, db, config);

	db_close(db);
	while (n-- > 0)
		close(fds[n]);
	cfg_free(outpost_params);
	buf_fini(&err);
	msg_info("stopped");
	return (0);
}
