/*
 * msg - logging in Postfix's shape
 * SYNOPSIS	msg_open("outpost-policyd", MSG_SYSLOG);
 *		msg_warn("%s: lookup error for %s", queue_id, addr);
 * DESCRIPTION	One event per line. Under syslog the facility is mail and
 *		the tag is the program name, so lines sit beside Postfix's
 *		own; with MSG_STDERR (the -f flag, and outpostctl) they go
 *		to stderr as "program: warning: text".
 *		msg_fatal() is for startup only: once serving, a failed
 *		request is tempfailed and warned about instead.
 *		msg_panic() aborts for a core: our own invariant broke.
 * SECURITY	Client text must pass msg_safe() before it gets here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "msg.h"

int	 msg_verbose;
static const char *msg_prog = "outpost";
static int msg_flags = MSG_STDERR;

/* msg_open - choose the program name and destination */
void
msg_open(const char *progname, int flags)
{
	msg_prog = progname;
	msg_flags = flags;
	if (flags & MSG_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* msg_vlog - one line to every destination */
static void
msg_vlog(int prio, const char *label, const char *fmt, va_list ap)
{
	char	 line[2048];
	int	 saved = errno;

	errno = saved;			/* for %m */
	vsnprintf(line, sizeof(line), fmt, ap);
	if (msg_flags & MSG_SYSLOG)
		syslog(prio, "%s%s", label, line);
	if (msg_flags & MSG_STDERR) {
		fprintf(stderr, "%s: %s%s\n", msg_prog, label, line);
		fflush(stderr);
	}
	errno = saved;
}

void
msg_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	msg_vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	msg_vlog(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

void
msg_fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	msg_vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void
msg_panic(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	msg_vlog(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}

/* msg_safe - printable copy of untrusted text */
char *
msg_safe(char *out, size_t len, const char *in)
{
	size_t	 i;

	if (len == 0)
		return (out);
	for (i = 0; i + 1 < len && in[i] != 0; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	out[i] = 0;
	return (out);
}
