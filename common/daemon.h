/* daemon.h - what every Outpost daemon does before it serves */
#ifndef DAEMON_H
#define DAEMON_H

/*
 * daemon_init() parses "[-c FILE] [-f] [-v]" (a usage error exits 64),
 * opens the log (-f: stderr, else syslog facility mail) and loads the
 * configuration for `users` (CFG_PD, CFG_MF); a bad one is fatal. It
 * returns the configuration file's path (argv storage or a constant).
 */
const char *daemon_init(int argc, char **argv, const char *progname,
		    int users);

#endif /* DAEMON_H */
