/* server.h - the policy daemon's event loop */
#ifndef SERVER_H
#define SERVER_H
#include "db.h"

/*
 * pd_server_run() serves the listening sockets until SIGTERM or SIGINT,
 * reloading configuration on SIGHUP from config_path, and flushing
 * rate-limit counters to db once a second and at exit.
 */
void	 pd_server_run(int *listen_fds, int nlisten, struct db *db,
		    const char *config_path);

#endif /* SERVER_H */
