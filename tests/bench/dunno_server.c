/*
 * dunno_server - the fastest policy server: answers every request DUNNO
 * SYNOPSIS	dunno_server -s unix:PATH | -s inet:HOST:PORT [-q]
 * DESCRIPTION	A single-threaded epoll server for the Postfix policy
 *		delegation protocol that reads any attributes and answers
 *		"action=DUNNO" to each request (an empty line ends one). It is
 *		the floor against which outpost-policyd is measured: what the
 *		protocol, the kernel and policy_load(1) cost by themselves.
 *
 *		Pipelining-safe: several requests in one read get as many
 *		replies, in order. A client that does not read its replies
 *		is not read from until they drain.
 *
 *		A unix socket left over at PATH is removed first, and PATH
 *		is removed on SIGINT or SIGTERM.
 *		-q	do not print the totals on exit
 * DIAGNOSTICS	On exit, "dunno_server: connections=N requests=N" to stderr.
 *		A connection sending a line over DUNNO_LINE_MAX is closed.
 * LIMITS	HOST must be loopback. DUNNO_LINE_MAX bytes per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_addr.h"

#define DUNNO_LINE_MAX	4096	/* as POLICY_LINE_MAX in common/bounds.h */
#define DUNNO_IN_SIZE	16384	/* a partial line plus one read */
#define DUNNO_OUT_SIZE	4096	/* replies not yet written */
#define DUNNO_EVENTS	256	/* epoll events per wakeup */

static const char dunno_reply[] = "action=DUNNO\n\n";
#define DUNNO_REPLY_LEN	(sizeof(dunno_reply) - 1)

struct dunno_conn {
	int		 fd;
	int		 out_mode;	/* EPOLLOUT instead of EPOLLIN */
	size_t		 in_len;	/* unparsed bytes in in[] */
	size_t		 out_off;	/* written bytes of out[] */
	size_t		 out_len;	/* queued bytes in out[] */
	char		 in[DUNNO_IN_SIZE];
	char		 out[DUNNO_OUT_SIZE];
};

static const char *progname = "dunno_server";
static int epfd = -1;
static int spare_fd = -1;		/* closed to accept() past EMFILE */
static volatile sig_atomic_t stopping;
static unsigned long long nconnections;
static unsigned long long nrequests;

/* fatal - print and exit 1 */
static void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: fatal: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* usage - print the synopsis and exit 2 */
static void
usage(void)
{
	fprintf(stderr, "usage: %s -s unix:PATH|inet:HOST:PORT [-q]\n",
	    progname);
	exit(2);
}

/* on_signal - ask the event loop to stop */
static void
on_signal(int sig)
{
	(void) sig;
	stopping = 1;
}

/* raise_nofile - allow as many connections as the hard limit does */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* listen_open - bind and listen on spec; returns the socket */
static int
listen_open(const char *spec, char **unlink_path)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	struct stat st;
	int	 fd;
	int	 on = 1;

	if (bench_addr_parse(spec, &ss, &len, &why) < 0)
		fatal("%s: %s", spec, why);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK
	    | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket: %s", strerror(errno));
	if (ss.ss_family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *) &ss)->sun_path;

		/* Remove a stale socket, but never a file of another kind. */
		if (lstat(path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode))
				fatal("%s: exists and is not a socket", path);
			if (unlink(path) < 0)
				fatal("unlink %s: %s", path, strerror(errno));
		}
		if ((*unlink_path = strdup(path)) == NULL)
			fatal("out of memory");
	} else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) < 0)
		fatal("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *) &ss, len) < 0)
		fatal("bind %s: %s", spec, strerror(errno));
	if (listen(fd, SOMAXCONN) < 0)
		fatal("listen %s: %s", spec, strerror(errno));
	return (fd);
}

/* conn_events - listen for input, or for output while replies wait */
static int
conn_events(struct dunno_conn *c, int out_mode)
{
	struct epoll_event ev;

	if (c->out_mode == out_mode)
		return (0);
	ev.events = out_mode ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return (-1);
	c->out_mode = out_mode;
	return (0);
}

/* conn_close - forget a connection */
static void
conn_close(struct dunno_conn *c)
{
	(void) close(c->fd);		/* also removes it from epoll */
	free(c);
}

/*
 * conn_parse - queue one reply per complete request in in[]. Stops early
 * when out[] is full, leaving the rest of in[] for later. Returns -1 when
 * a line is too long.
 */
static int
conn_parse(struct dunno_conn *c)
{
	char	*p = c->in;
	char	*end = c->in + c->in_len;
	char	*nl;
	int	 full = 0;

	while ((nl = memchr(p, '\n', (size_t) (end - p))) != NULL) {
		if (nl - p > DUNNO_LINE_MAX)
			return (-1);
		if (nl == p) {
			if (c->out_len + DUNNO_REPLY_LEN > DUNNO_OUT_SIZE) {
				full = 1;
				break;
			}
			memcpy(c->out + c->out_len, dunno_reply,
			    DUNNO_REPLY_LEN);
			c->out_len += DUNNO_REPLY_LEN;
			nrequests++;
		}
		p = nl + 1;
	}
	c->in_len = (size_t) (end - p);
	if (c->in_len > 0 && p != c->in)
		memmove(c->in, p, c->in_len);
	if (!full && c->in_len > DUNNO_LINE_MAX)
		return (-1);
	return (0);
}

/* conn_flush - write queued replies; -1 on a write error */
static int
conn_flush(struct dunno_conn *c)
{
	ssize_t	 n;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		c->out_off += (size_t) n;
	}
	c->out_off = c->out_len = 0;
	return (0);
}

/*
 * conn_work - parse, reply, and pick the events to wait for. Until all
 * replies are written, input is not read: a client that does not read
 * cannot make us buffer without bound.
 */
static int
conn_work(struct dunno_conn *c)
{
	for (;;) {
		if (conn_parse(c) < 0 || conn_flush(c) < 0)
			return (-1);
		if (c->out_len > 0)
			return (conn_events(c, 1));
		/* Drained: requests held back by a full out[] may remain. */
		if (memchr(c->in, '\n', c->in_len) == NULL)
			return (conn_events(c, 0));
	}
}

/* conn_read - one read, then replies */
static int
conn_read(struct dunno_conn *c)
{
	ssize_t	 n;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == 0)
		return (-1);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	c->in_len += (size_t) n;
	return (conn_work(c));
}

/* conn_accept - take all pending connections */
static void
conn_accept(int lfd)
{
	struct epoll_event ev;
	struct dunno_conn *c;
	int	 fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* Refuse one rather than spin on the event. */
				fprintf(stderr, "%s: warning: accept: %s\n",
				    progname, strerror(errno));
				if (spare_fd >= 0) {
					(void) close(spare_fd);
					fd = accept(lfd, NULL, NULL);
					if (fd >= 0)
						(void) close(fd);
					spare_fd = open("/dev/null",
					    O_RDONLY | O_CLOEXEC);
				}
			}
			return;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			fprintf(stderr, "%s: warning: out of memory\n",
			    progname);
			(void) close(fd);
			continue;
		}
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "%s: warning: epoll_ctl: %s\n",
			    progname, strerror(errno));
			conn_close(c);
			continue;
		}
		nconnections++;
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event ev, events[DUNNO_EVENTS];
	struct sigaction sa;
	sigset_t block, waitmask;
	const char *spec = NULL;
	char	*unlink_path = NULL;
	int	 quiet = 0;
	int	 lfd, n, i, ch;

	while ((ch = getopt(argc, argv, "qs:")) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		case 's':
			spec = optarg;
			break;
		default:
			usage();
		}
	}
	if (spec == NULL || optind != argc)
		usage();

	/* Signals are taken only inside epoll_pwait(): no lost wakeup. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGINT, &sa, NULL);
	(void) sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void) sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);

	raise_nofile();
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	lfd = listen_open(spec, &unlink_path);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;		/* NULL marks the listener */
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		fatal("epoll_ctl: %s", strerror(errno));

	while (!stopping) {
		n = epoll_pwait(epfd, events, DUNNO_EVENTS, -1, &waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			struct dunno_conn *c = events[i].data.ptr;
			int	 rc;

			if (c == NULL) {
				conn_accept(lfd);
				continue;
			}
			rc = c->out_mode ? conn_work(c) : conn_read(c);
			if (rc < 0)
				conn_close(c);
		}
	}
	if (unlink_path != NULL) {
		(void) unlink(unlink_path);
		free(unlink_path);
	}
	if (!quiet)
		fprintf(stderr, "%s: connections=%llu requests=%llu\n",
		    progname, nconnections, nrequests);
	return (0);
}
