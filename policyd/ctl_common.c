/*
 * ctl_common - what outpostctl's commands share: state, user, output
 * DESCRIPTION	The state environment belongs to outpost_user, because
 *		the daemons open it after they drop root. So outpostctl,
 *		run as root, gives state_directory to that user and becomes
 *		it before it opens the environment: files it creates (the
 *		environment's first data and lock files) stay usable by the
 *		daemons. When outpost_user does not exist it says so once
 *		and carries on as root. Not root: nothing to change.
 *
 *		The audit trail names the person, not "root": SUDO_USER
 *		when root runs us through sudo(8), else the login name
 *		(getlogin(3)), else the name of the real user ID.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "buf.h"
#include "ctl.h"
#include "msg.h"
#include "params.h"
#include "privs.h"

static char ctl_who_name[BLOCK_WHO_MAX];

void
ctl_error(const char *fmt, ...)
{
	char	 line[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	msg_info("%s", line);
}

const char *
ctl_who(void)
{
	const char *name = NULL;
	struct passwd *pw;

	if (ctl_who_name[0])
		return (ctl_who_name);
	if (getuid() == 0)
		name = getenv("SUDO_USER");
	if (name == NULL || *name == 0)
		name = getlogin();
	if ((name == NULL || *name == 0) && (pw = getpwuid(getuid())) != NULL)
		name = pw->pw_name;
	if (name && *name)
		msg_safe(ctl_who_name, sizeof(ctl_who_name), name);
	else
		snprintf(ctl_who_name, sizeof(ctl_who_name), "uid %lu",
		    (unsigned long)getuid());
	return (ctl_who_name);
}

/* ctl_become_owner - as root: give the state to outpost_user, become it */
static int
ctl_become_owner(struct buf *err)
{
	struct passwd *pw;

	if (geteuid() != 0 || var_outpost_user == NULL
	    || *var_outpost_user == 0)
		return (0);
	errno = 0;
	if ((pw = getpwnam(var_outpost_user)) == NULL) {
		msg_warn("outpost_user %s does not exist: the state under %s "
		    "stays owned by root", var_outpost_user,
		    var_state_directory);
		return (0);
	}
	if (pw->pw_uid == 0)
		return (0);
	if (privs_state_dir(var_state_directory, var_outpost_user, err) < 0
	    || privs_drop(var_outpost_user, err) < 0)
		return (-1);
	return (0);
}

struct db *
ctl_state_open(int *status)
{
	struct buf err;
	struct db *db;

	buf_init(&err, 4096);
	(void)ctl_who();		/* before we become someone else */
	if (ctl_become_owner(&err) < 0) {
		ctl_error("%s", buf_str(&err));
		*status = CTL_EX_OSERR;
		buf_fini(&err);
		return (NULL);
	}
	if ((db = db_open(var_state_directory, 0, &err)) == NULL) {
		ctl_error("%s", buf_str(&err));
		*status = CTL_EX_TEMPFAIL;
	}
	buf_fini(&err);
	return (db);
}

char *
ctl_time(char *out, size_t len, int64_t t)
{
	time_t	 when = (time_t)t;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL
	    || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "@%lld", (long long)t);
	return (out);
}

void
ctl_getopt_error(const char *cmd, int ch, char **argv)
{
	const char *what = ch == ':' ? "needs an argument" : "is not known";
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (strncmp(arg, "--", 2) == 0)
		ctl_error("%s: option %.*s %s", cmd, (int)strcspn(arg, "="),
		    arg, what);
	else if (optopt)
		ctl_error("%s: option -%c %s", cmd, optopt, what);
	else
		ctl_error("%s: option %s %s", cmd, arg, what);
}
