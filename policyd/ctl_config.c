/*
 * ctl_config - outpostctl config: show and check outpost.conf
 * SYNOPSIS	outpostctl config [-n]
 *		outpostctl config check
 * DESCRIPTION	"config" prints every parameter as "name = value" with
 *		$names expanded, like postconf(1); -n prints only those set
 *		in the file, as written there. It does not open tables, so
 *		it works on a configuration that does not load.
 *
 *		"config check" loads the file as every program would, with
 *		every table of every program opened strictly (a bad table
 *		line is an error, not a warning), then checks what the
 *		types cannot: the rate_limit_default list, rate_limit_action,
 *		rate_limit_keys, the listen addresses and outpost_user. It
 *		prints "outpostctl: config OK", or the first error with its
 *		file and line, and exits 1.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "ctl.h"
#include "lineread.h"
#include "msg.h"
#include "params.h"
#include "rate.h"

#define CTL_LIST_MAX	1024		/* a list value checked here */

/* ctl_config_usage - the config forms, exit status for usage */
static int
ctl_config_usage(void)
{
	fputs("usage: outpostctl config [-n]\n"
	    "       outpostctl config check\n", stderr);
	return (CTL_EX_USAGE);
}

/* ctl_config_line - the line that last sets name in the file, or 0 */
static int
ctl_config_line(const char *name)
{
	struct lineread lr;
	struct buf line, err;
	size_t	 len = strlen(name);
	int	 found = 0;

	buf_init(&err, 1024);
	buf_init(&line, CFG_LINE_MAX);
	if (lineread_open(&lr, ctl_config_path, 0, &err) == 0) {
		while (lineread_next(&lr, &line, &err) > 0)
			if (strncmp(line.data, name, len) == 0
			    && line.data[len + strspn(line.data + len, " \t")]
			    == '=')
				found = lr.lineno;
		lineread_close(&lr);
	}
	buf_fini(&line);
	buf_fini(&err);
	return (found);
}

/* ctl_config_bad - report a parameter that failed a check */
static int
ctl_config_bad(const char *name, const char *value, const char *why)
{
	int	 line = cfg_value(name) ? ctl_config_line(name) : 0;

	if (line > 0)
		ctl_error("%s, line %d: %s = %.100s: %s", ctl_config_path, line,
		    name, value, why);
	else
		ctl_error("%s: %s = %.100s: %s", cfg_value(name) ?
		    ctl_config_path : "default", name, value, why);
	return (CTL_EX_CHECK);
}

/* ctl_config_listen - every address is unix:/path or inet:host:port */
static const char *
ctl_config_listen(const char *value)
{
	char	 list[CTL_LIST_MAX], *cp = list, *k;
	int	 n = 0;

	if ((size_t)snprintf(list, sizeof(list), "%s", value) >= sizeof(list))
		return ("list too long");
	while ((k = strsep(&cp, ", \t")) != NULL) {
		if (*k == 0)
			continue;
		n++;
		if ((strncmp(k, "unix:", 5) || k[5] != '/')
		    && (strncmp(k, "inet:", 5) || strchr(k + 5, ':') == NULL))
			return ("use unix:/path or inet:host:port");
	}
	return (n ? NULL : "no listen address");
}

/* ctl_config_milter_listen - one address in libmilter's syntax:
 * unix:/path, local:/path, inet:port[@host] or inet6:port[@host] */
static const char *
ctl_config_milter_listen(const char *k)
{
	const char *port = NULL;
	size_t	 n;

	if (strncmp(k, "unix:/", 6) == 0 || strncmp(k, "local:/", 7) == 0)
		return (NULL);
	if (strncmp(k, "inet:", 5) == 0)
		port = k + 5;
	else if (strncmp(k, "inet6:", 6) == 0)
		port = k + 6;
	if (port == NULL || (n = strspn(port, "0123456789")) == 0
	    || (port[n] != 0 && port[n] != '@'))
		return ("use unix:/path or inet:port@host (libmilter syntax)");
	return (NULL);
}

/* ctl_config_check - config check */
static int
ctl_config_check(void)
{
	struct buf err;
	const char *why;

	buf_init(&err, 4096);
	if (cfg_load(ctl_config_path, outpost_params, CFG_ALL, TABLE_STRICT,
	    &err) < 0) {
		ctl_error("%s", buf_str(&err));
		buf_fini(&err);
		return (CTL_EX_CHECK);
	}
	buf_fini(&err);
	/* rate_limit_* and sender_login_check: refused by cfg_load. */
	if ((why = ctl_config_listen(var_policyd_listen)) != NULL)
		return (ctl_config_bad("policyd_listen", var_policyd_listen,
		    why));
	if ((why = ctl_config_milter_listen(var_milter_listen)) != NULL)
		return (ctl_config_bad("milter_listen", var_milter_listen,
		    why));
	if (*var_outpost_user && getpwnam(var_outpost_user) == NULL)
		return (ctl_config_bad("outpost_user", var_outpost_user,
		    "no such user"));
	printf("outpostctl: config OK\n");
	return (CTL_EX_OK);
}

int
ctl_config(int argc, char **argv)
{
	struct buf err;
	int	 nondefault = 0;

	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return (ctl_config_check());
	if (argc == 2 && strcmp(argv[1], "-n") == 0)
		nondefault = 1;
	else if (argc != 1)
		return (ctl_config_usage());
	buf_init(&err, 4096);
	if (cfg_load(ctl_config_path, outpost_params, 0, 0, &err) < 0) {
		ctl_error("%s", buf_str(&err));
		buf_fini(&err);
		return (CTL_EX_CONFIG);
	}
	buf_fini(&err);
	cfg_print(stdout, outpost_params, nondefault);
	return (CTL_EX_OK);
}
