/*
 * server - the policy daemon's event loop
 * DESCRIPTION	One thread, one epoll set: listening sockets, a signalfd
 *		(SIGHUP reload, SIGTERM/SIGINT stop) and a one-second
 *		timerfd (flush counters, close idle connections). Each
 *		connection reads into a fixed buffer, answers every complete
 *		request in it in order (so a pipelining client works too)
 *		and writes the reply at once; a reply that does not fit in
 *		the socket buffer waits for EPOLLOUT and no more input is
 *		read from that client until it is gone.
 *
 *		A request costs no allocation, except the first time a
 *		rate-limit key is seen, and reads LMDB (in a reused read
 *		transaction) only for what memory cannot answer: a
 *		recipient that may be on the blocklist, a rate-limit key
 *		not in memory. Recipients are first looked for in a filter
 *		of the blocklist's keys (block_filter.c), built at start;
 *		when the state has changed since the filter last looked,
 *		the keys journaled since are added to it. After an import
 *		it is dropped, and built again at the first tick at which
 *		the blocklist has held still for a second. Counters to save
 *		are copied for the writer a slice per turn of the loop.
 * DIAGNOSTICS	A line over POLICY_LINE_MAX, a NUL byte, a line without
 *		"=", too many attributes: logged, connection closed; Postfix
 *		then tempfails that one SMTP command. EOF in the middle of a
 *		request is logged and the partial request dropped.
 * LIMITS	policyd_max_connections (at most POLICY_CONN_MAX) clients;
 *		policyd_max_idle seconds of silence.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "cfg.h"
#include "checks.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "server.h"

struct pd_conn {
	int	 fd;
	time_t	 last;			/* last activity, for policyd_max_idle */
	size_t	 in_len;		/* bytes in in[] */
	size_t	 out_off;		/* reply bytes already written */
	struct buf out;			/* reply waiting for EPOLLOUT */
	struct pd_request req;
	char	 in[POLICY_LINE_MAX + 1];
};

/* Tags in epoll data for things that are not connections. */
#define PD_TAG_SIGNAL	((void *)1)
#define PD_TAG_TIMER	((void *)2)
#define PD_TAG_LISTEN	((void *)3)	/* ... and up, one per socket */

struct pd_server {
	int	 epfd;
	int	 sigfd;
	int	 timerfd;
	int	*listen_fds;
	int	 nlisten;
	struct pd_conn **conns;		/* indexed by fd */
	size_t	 nconns;
	size_t	 conns_size;
	struct db *db;
	struct db_txn *rtxn;		/* reused read transaction */
	unsigned long filter_txnid;	/* snapshot the filter follows */
	uint64_t filter_epoch;		/* journal epoch at the last tick */
	struct pd_rate_store *rates;
	struct pd_ctx ctx;
	struct buf reply;
	const char *config_path;
	int	 stop;
	int	 accept_paused;		/* out of descriptors */
	unsigned long ticks;		/* seconds served */
	time_t	 last_full_warn;
};

static int pd_process(struct pd_server *, struct pd_conn *);

/* pd_conn_close - forget a connection */
static void
pd_conn_close(struct pd_server *s, struct pd_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	s->conns[c->fd] = NULL;
	s->nconns--;
	buf_fini(&c->out);
	xfree(c);
}

/* pd_accept - take every pending connection on a listening socket */
static void
pd_accept(struct pd_server *s, int lfd)
{
	struct epoll_event ev;
	struct pd_conn *c;
	int	 fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    >= 0) {
		if (s->nconns >= var_policyd_max_connections
		    || fd >= POLICY_CONN_MAX * 2) {
			if (time(NULL) != s->last_full_warn)
				msg_warn("too many connections (%zu, "
				    "policyd_max_connections = %llu): closing"
				    " new ones", s->nconns,
				    (unsigned long long)var_policyd_max_connections);
			s->last_full_warn = time(NULL);
			close(fd);
			continue;
		}
		if ((size_t)fd >= s->conns_size) {
			size_t	 old = s->conns_size;

			while ((size_t)fd >= s->conns_size)
				s->conns_size *= 2;
			s->conns = xrealloc(s->conns, s->conns_size
			    * sizeof(*s->conns));
			memset(s->conns + old, 0, (s->conns_size - old)
			    * sizeof(*s->conns));
		}
		c = xmalloc(sizeof(*c));
		c->fd = fd;
		c->last = time(NULL);
		c->in_len = 0;
		c->out_off = 0;
		buf_init(&c->out, 1 << 20);
		pd_request_reset(&c->req);
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			msg_warn("epoll_ctl: %m");
			close(fd);
			buf_fini(&c->out);
			xfree(c);
			continue;
		}
		s->conns[fd] = c;
		s->nconns++;
	}
	if (errno == EMFILE || errno == ENFILE) {
		/* Out of descriptors: stop accepting until the next tick,
		 * rather than spin on a socket that stays readable. */
		int	 i;

		msg_warn("accept: %m: pausing new connections for a second");
		for (i = 0; i < s->nlisten; i++)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fds[i], NULL);
		s->accept_paused = 1;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		msg_warn("accept: %m");
}

/* pd_accept_resume - listen again after a pause */
static void
pd_accept_resume(struct pd_server *s)
{
	struct epoll_event ev;
	int	 i;

	for (i = 0; i < s->nlisten; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = (char *)PD_TAG_LISTEN + i;
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fds[i], &ev);
	}
	s->accept_paused = 0;
}

/* pd_filter_follow - a new snapshot: add the keys journaled since to the
 * blocklist filter, or drop it when only a rebuild will do (lookups go
 * to LMDB until pd_filter_rebuild) */
static void
pd_filter_follow(struct pd_server *s)
{
	if (db_last_txn_id(s->db) == s->filter_txnid)
		return;
	/* The request's own snapshot, which its lookups use too. (A write
	 * committed after this test and before a request's first lookup
	 * may be missed by that one request: as if it had come first.) */
	s->filter_txnid = db_txn_id(s->rtxn);
	if (s->ctx.filter && pd_block_filter_update(s->ctx.filter,
	    s->rtxn) != 0) {
		msg_info("blocklist changed in bulk: looking every recipient "
		    "up until its filter is rebuilt");
		s->ctx.filter = pd_block_filter_free(s->ctx.filter);
	}
}

/* pd_filter_rebuild - no filter: build one, at start (now) or once the
 * journal's epoch has held still for a tick (an import commits in
 * batches, each of which would otherwise cost a rebuild) */
static void
pd_filter_rebuild(struct pd_server *s, int now)
{
	struct timespec t0, t1;
	uint64_t epoch;
	const char *why;

	if (s->ctx.filter)
		return;
	if (db_read_begin(s->db, &s->rtxn, &why) < 0) {
		msg_warn("blocklist filter: state read transaction: %s", why);
		return;
	}
	if (pd_block_journal_epoch(s->rtxn, &epoch) == 0
	    && (now || epoch == s->filter_epoch)) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		s->ctx.filter = pd_block_filter_build(s->rtxn);
		s->filter_txnid = db_txn_id(s->rtxn);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (s->ctx.filter)
			msg_info("blocklist filter: %zu keys in %zu kB, built "
			    "in %ld ms", pd_block_filter_keys(s->ctx.filter),
			    pd_block_filter_bytes(s->ctx.filter) >> 10,
			    (long)((t1.tv_sec - t0.tv_sec) * 1000
			    + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	s->filter_epoch = epoch;
	db_read_end(s->rtxn);
}

/* pd_answer - decide one complete request into s->reply */
static void
pd_answer(struct pd_server *s, struct pd_conn *c)
{
	const char *why;

	s->ctx.req = &c->req;
	s->ctx.now = time(NULL);
	s->ctx.txn = NULL;
	if (db_read_begin(s->db, &s->rtxn, &why) < 0)
		msg_warn("state read transaction: %s", why);
	else {
		s->ctx.txn = s->rtxn;
		pd_filter_follow(s);
	}
	pd_checks_run(&s->ctx, &s->reply);
	if (s->ctx.txn)
		db_read_end(s->ctx.txn);
	pd_request_reset(&c->req);
}

/* pd_send - write s->reply, keeping what does not fit; -1: gone */
static int
pd_send(struct pd_server *s, struct pd_conn *c)
{
	ssize_t	 n;

	if (c->out.len > 0) {		/* already waiting: queue behind */
		if (buf_append(&c->out, s->reply.data, s->reply.len) < 0)
			return (-1);
		return (0);
	}
	n = send(c->fd, s->reply.data, s->reply.len, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return (-1);
	if (n < 0)
		n = 0;
	if ((size_t)n < s->reply.len) {
		struct epoll_event ev = {EPOLLOUT | EPOLLRDHUP, {.ptr = c}};

		if (buf_append(&c->out, s->reply.data + n, s->reply.len
		    - (size_t)n) < 0)
			return (-1);
		c->out_off = 0;
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return (0);
}

/* pd_flush_out - EPOLLOUT: write the rest of a queued reply */
static int
pd_flush_out(struct pd_server *s, struct pd_conn *c)
{
	ssize_t	 n;

	n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
	    MSG_NOSIGNAL);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1);
	c->out_off += (size_t)n;
	if (c->out_off == c->out.len) {
		struct epoll_event ev = {EPOLLIN | EPOLLRDHUP, {.ptr = c}};

		buf_reset(&c->out);
		c->out_off = 0;
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		return (pd_process(s, c));	/* pipelined requests left */
	}
	return (0);
}

/* pd_process - answer every complete request in c->in; -1: close */
static int
pd_process(struct pd_server *s, struct pd_conn *c)
{
	char	*line, *nl, *end = c->in + c->in_len;
	const char *why;

	for (line = c->in; c->out.len == 0 && (nl = memchr(line, '\n',
	    (size_t)(end - line))) != NULL; line = nl + 1) {
		int	 st = pd_request_line(&c->req, line, (size_t)(nl - line),
		    &why);

		if (st < 0) {
			msg_warn("bad policy request: %s: closing the "
			    "connection", why);
			return (-1);
		}
		if (st == 1) {
			pd_answer(s, c);
			if (pd_send(s, c) < 0)
				return (-1);
		}
	}
	c->in_len = (size_t)(end - line);
	if (c->in_len > POLICY_LINE_MAX) {
		msg_warn("bad policy request: line longer than %d bytes: "
		    "closing the connection", POLICY_LINE_MAX);
		return (-1);
	}
	memmove(c->in, line, c->in_len);
	return (0);
}

/* pd_input - read and answer what is complete; -1: close */
static int
pd_input(struct pd_server *s, struct pd_conn *c)
{
	ssize_t	 n;
	size_t	 room;

	while (c->out.len == 0) {	/* a slow reader gets no more input */
		room = POLICY_LINE_MAX + 1 - c->in_len;
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK
			    || errno == EINTR ? 0 : -1);
		if (n == 0) {
			if (c->in_len > 0 || c->req.nattr > 0)
				msg_warn("client closed the connection in the "
				    "middle of a request");
			return (-1);
		}
		c->last = time(NULL);
		c->in_len += (size_t)n;
		if (pd_process(s, c) < 0)
			return (-1);
		/* Level-triggered: a short read means the socket is empty,
		 * and epoll will say when there is more. */
		if ((size_t)n < room)
			break;
	}
	return (0);
}

/* pd_save - rate-limit counters to LMDB: at a tick, start a batch; on
 * other turns of the loop, copy its next slice (a second's worth of
 * dirty counters is copied over many turns, not in one) */
static void
pd_save(struct pd_server *s, int tick)
{
	const char *why;

	if ((tick ? pd_rate_store_flush(s->rates, s->db, &why) :
	    pd_rate_store_fill(s->rates, s->db, &why)) < 0)
		msg_warn("cannot save rate-limit counters: %s "
		    "(will retry)", why);
}

/* pd_tick - once a second: counters to LMDB, idle connections out */
static void
pd_tick(struct pd_server *s)
{
	time_t	 now = time(NULL);
	size_t	 fd;

	pd_save(s, 1);
	pd_filter_rebuild(s, 0);
	/* Keep memory for the senders that are active. */
	if (++s->ticks % 60 == 0)
		pd_rate_store_evict(s->rates, (uint64_t)now);
	if (s->accept_paused)
		pd_accept_resume(s);
	for (fd = 0; fd < s->conns_size; fd++) {
		struct pd_conn *c = s->conns[fd];

		if (c && now - c->last > (time_t)var_policyd_max_idle)
			pd_conn_close(s, c);
	}
}

/* pd_reload - SIGHUP: new configuration, or keep the old one */
static void
pd_reload(struct pd_server *s)
{
	static const struct {
		const char *name;
		char	**var;
	} fixed[] = {			/* in force until a restart */
		{"policyd_listen", &var_policyd_listen},
		{"state_directory", &var_state_directory},
		{"outpost_user", &var_outpost_user},
		{"socket_group", &var_socket_group},
	};
	char	*old[sizeof(fixed) / sizeof(fixed[0])];
	struct buf err;
	size_t	 i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		old[i] = xstrdup(*fixed[i].var);
	buf_init(&err, 4096);
	if (cfg_load(s->config_path, outpost_params, CFG_PD, 0, &err) < 0)
		msg_warn("reload failed, keeping the old configuration: %s",
		    buf_str(&err));
	else {
		msg_info("configuration reloaded from %s", s->config_path);
		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			if (strcmp(old[i], *fixed[i].var) != 0)
				msg_warn("%s changed: restart to apply",
				    fixed[i].name);
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		xfree(old[i]);
	buf_fini(&err);
}

/* pd_signal - read the signalfd */
static void
pd_signal(struct pd_server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			pd_reload(s);
		else {
			msg_info("signal %d: saving counters and stopping",
			    (int)si.ssi_signo);
			s->stop = 1;
		}
	}
}

/* pd_server_setup - epoll set, signals, timer */
static void
pd_server_setup(struct pd_server *s)
{
	struct itimerspec its = {{1, 0}, {1, 0}};
	struct epoll_event ev;
	sigset_t mask;
	int	 i;

	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		msg_fatal("epoll_create1: %m");
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0
	    || (s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		msg_fatal("signalfd: %m");
	signal(SIGPIPE, SIG_IGN);
	if ((s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK
	    | TFD_CLOEXEC)) < 0 || timerfd_settime(s->timerfd, 0, &its, NULL) < 0)
		msg_fatal("timerfd: %m");
	ev.events = EPOLLIN;
	ev.data.ptr = PD_TAG_SIGNAL;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	ev.data.ptr = PD_TAG_TIMER;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &ev);
	for (i = 0; i < s->nlisten; i++) {
		ev.data.ptr = (char *)PD_TAG_LISTEN + i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fds[i], &ev) < 0)
			msg_fatal("epoll_ctl: %m");
	}
	s->conns_size = 1024;
	s->conns = xcalloc(s->conns_size, sizeof(*s->conns));
	s->rates = pd_rate_store_create();
	pd_rate_store_writer(s->rates, s->db);
	s->ctx.db = s->db;
	s->ctx.rates = s->rates;
	buf_init(&s->ctx.reply, 1024);
	buf_init(&s->ctx.log, 2048);
	buf_init(&s->reply, 2048);
	pd_filter_rebuild(s, 1);
}

/* pd_server_teardown - close everything, for a clean exit */
static void
pd_server_teardown(struct pd_server *s)
{
	const char *why;
	size_t	 fd;

	if (pd_rate_store_sync(s->rates, s->db, &why) < 0)
		msg_warn("cannot save rate-limit counters: %s", why);
	for (fd = 0; fd < s->conns_size; fd++)
		if (s->conns[fd])
			pd_conn_close(s, s->conns[fd]);
	xfree(s->conns);
	s->rates = pd_rate_store_free(s->rates);
	s->rtxn = db_txn_free(s->rtxn);
	s->ctx.filter = pd_block_filter_free(s->ctx.filter);
	buf_fini(&s->ctx.reply);
	buf_fini(&s->ctx.log);
	buf_fini(&s->reply);
	close(s->timerfd);
	close(s->sigfd);
	close(s->epfd);
}

void
pd_server_run(int *listen_fds, int nlisten, struct db *db,
    const char *config_path)
{
	struct pd_server s;
	struct epoll_event ev[256];
	int	 n, i, tick;

	memset(&s, 0, sizeof(s));
	s.listen_fds = listen_fds;
	s.nlisten = nlisten;
	s.db = db;
	s.config_path = config_path;
	pd_server_setup(&s);
	msg_info("ready: %d listening socket%s", nlisten, nlisten == 1 ? "" : "s");
	while (!s.stop) {
		/* A batch of counters half copied is finished at once, not
		 * a slice per request or per tick: after a burst the loop
		 * may have nothing else to wake it, and the counters are
		 * saved only when the whole batch is written. */
		if ((n = epoll_wait(s.epfd, ev, 256,
		    pd_rate_store_filling(s.rates) ? 0 : -1)) < 0) {
			if (errno == EINTR)
				continue;
			msg_fatal("epoll_wait: %m");
		}
		for (tick = 0, i = 0; i < n; i++) {
			void	*p = ev[i].data.ptr;
			struct pd_conn *c = p;

			if (p == PD_TAG_SIGNAL)
				pd_signal(&s);
			else if (p == PD_TAG_TIMER) {
				uint64_t ticks;

				/* After this batch: it may close connections
				 * that later events in the batch name. */
				if (read(s.timerfd, &ticks, sizeof(ticks)) > 0)
					tick = 1;
			}
			else if ((char *)p >= (char *)PD_TAG_LISTEN
			    && (char *)p < (char *)PD_TAG_LISTEN + nlisten)
				pd_accept(&s, listen_fds[(char *)p
				    - (char *)PD_TAG_LISTEN]);
			else if (ev[i].events & EPOLLOUT) {
				if (pd_flush_out(&s, c) < 0)
					pd_conn_close(&s, c);
			} else if (ev[i].events & (EPOLLIN | EPOLLRDHUP
			    | EPOLLHUP | EPOLLERR)) {
				if (pd_input(&s, c) < 0)
					pd_conn_close(&s, c);
			}
		}
		if (tick)
			pd_tick(&s);
		else
			pd_save(&s, 0);
	}
	pd_server_teardown(&s);
}
