/* ctl.h - what outpostctl's commands share */
#ifndef CTL_H
#define CTL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "db.h"
#include "sys_defs.h"

/* Exit statuses (sysexits(3) where one fits); outpostctl.c lists them. */
#define CTL_EX_OK	0		/* done */
#define CTL_EX_NOTFOUND	1		/* no such entry */
#define CTL_EX_CHECK	1		/* config check found an error */
#define CTL_EX_USAGE	64		/* bad command line */
#define CTL_EX_DATAERR	65		/* import: some lines were skipped */
#define CTL_EX_NOINPUT	66		/* an input file cannot be read */
#define CTL_EX_OSERR	71		/* unexpected: privileges, output */
#define CTL_EX_TEMPFAIL	75		/* state could not be opened/written */
#define CTL_EX_CONFIG	78		/* the configuration does not load */

/* A command: argv[0] is its name; returns the exit status. */
struct ctl_cmd {
	const char *name;
	int	 (*fn)(int argc, char **argv);
	int	 load;			/* main loads the config first */
};

extern const char *ctl_config_path;	/* -c, or CFG_DEFAULT_PATH */

/*
 * ctl_state_open() opens the state environment; as root it first
 * gives state_directory to outpost_user and becomes that user, so that
 * the files stay usable by the daemons. Open inputs before calling it.
 * Returns NULL (reported) with *status set to the exit status.
 */
struct db *ctl_state_open(int *status);
/* ctl_who() - the invoking user's login name, for the audit trail;
 * valid until exit */
const char *ctl_who(void);
/* ctl_error() - one line "outpostctl: text" to stderr */
void	 ctl_error(const char *, ...) PRINTFLIKE(1, 2);
/* ctl_time() - "2024-05-01T12:00:00Z" into out; returns out */
char	*ctl_time(char *out, size_t len, int64_t t);
/* ctl_getopt_error() - report the option getopt_long() refused, with
 * ch its return value; option strings start with ":" (see getopt(3)) */
void	 ctl_getopt_error(const char *cmd, int ch, char **argv);

int	 ctl_blocklist(int argc, char **argv);
int	 ctl_ratelimit(int argc, char **argv);
int	 ctl_config(int argc, char **argv);
int	 ctl_ingest(int argc, char **argv);
int	 ctl_bounce(int argc, char **argv);
int	 ctl_report(int argc, char **argv);
/* ctl_ingest_read() - a message from fd into *data (xfree it), at most
 * BOUNCE_MSG_MAX bytes kept, the rest read and dropped; the length
 * kept, *total the whole; -1 on a read error */
ssize_t	 ctl_ingest_read(int fd, char **data, size_t *total);
int	 ctl_domain(int argc, char **argv);

#endif /* CTL_H */
