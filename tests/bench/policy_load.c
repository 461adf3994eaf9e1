/*
 * policy_load - load generator for the Postfix policy delegation protocol
 * SYNOPSIS	policy_load -s unix:PATH|inet:HOST:PORT [-c connections]
 *		    [-n requests] [-d seconds] [-u senders] [-r recipients]
 *		    [-a] [-m] [-S seed] [-T file]
 * DESCRIPTION	Opens the connections to a policy server and keeps one
 *		request outstanding on each, as Postfix smtpd does: send a
 *		request, wait for the whole reply, send the next. One thread
 *		drives all connections with epoll. Requests carry the
 *		attributes Postfix 3.x sends at the RCPT stage; the sender is
 *		drawn from user%u@sender%u.example (-u distinct values, from
 *		client 127.0.0.(1 + %u % 254)), the recipient from
 *		rcpt%u@dest%u.example (-r distinct values).
 *		-c	connections, 1..1024 (default 1)
 *		-n	send this many requests (at most 10000000), then wait
 *			for their replies
 *		-d	stop after this many seconds, 1..60 (default 5 when
 *			-n is not given; with -n, the run is cut at 60 s)
 *		-u	distinct senders (default 100000)
 *		-r	distinct recipients (default 100000)
 *		-a	authenticated: sasl_method=plain, sasl_username=user%u
 *		-m	each message is a RCPT request then a DATA request
 *			(recipient_count=1, queue_id set), so checks that
 *			run at DATA (rate limits) are exercised
 *		-S	random seed (default 1): runs are repeatable
 *		-T	after the run, write one line per reply to file:
 *			when it ended and its latency, in microseconds
 *			since the start, preceded by the line "# start NS",
 *			NS the start on CLOCK_MONOTONIC in nanoseconds, to
 *			line the replies up with a server's own times (at
 *			most POLICY_LOAD_TRACE_MAX replies are kept)
 *
 *		Latency is measured from the write of a request to the end
 *		of its reply, into a log-linear histogram (under 1% error).
 * OUTPUT	One line of figures, then one of the actions seen (first
 *		word of action=, upper-cased), then, if any, one of errors:
 *		connections=64 requests=1000000 seconds=5.00 rps=200000
 *		    p50_us=310.0 p90_us=... p99_us=620.0 p999_us=900.0
 *		    max_us=... mean_us=... errors=0
 *		actions DUNNO=1000000
 *		errors bad_reply=0 closed=0 connect=0 timeout=0
 *		A reply without action=, or more data than one reply, is a
 *		bad_reply; a connection that closes is reconnected and its
 *		request counted as closed; a request outstanding for over
 *		POLICY_LOAD_STUCK_MS when the run ends is a timeout.
 * EXIT STATUS	0 when there were no errors (and, with -n, every request
 *		was answered), 1 otherwise, 2 for a usage error.
 * LIMITS	Loopback only (127.0.0.0/8, ::1, localhost). The limits
 *		above; POLICY_LOAD_REPLY_MAX bytes per reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bench_addr.h"

#define POLICY_LOAD_CONN_MAX	1024
#define POLICY_LOAD_SECONDS_MAX	60
#define POLICY_LOAD_REQUESTS_MAX 10000000
#define POLICY_LOAD_REQ_SIZE	2048	/* one request; ours are ~750 bytes */
#define POLICY_LOAD_REPLY_MAX	4096	/* one reply, as a Postfix line */
#define POLICY_LOAD_ACTIONS	16	/* distinct action words counted */
#define POLICY_LOAD_WORD_MAX	32	/* an action word: DEFER_IF_PERMIT */
#define POLICY_LOAD_STUCK_MS	1000	/* unanswered this long at the end */
#define POLICY_LOAD_RETRY_MS	100	/* between reconnection attempts */
#define POLICY_LOAD_EVENTS	256	/* epoll events per wakeup */
#define POLICY_LOAD_TRACE_MAX	(1U << 24) /* replies kept for -T */

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL

/*
 * Log-linear latency histogram in nanoseconds: values below 2^HIST_BITS
 * have a bucket each, above that every power of two is split into
 * 2^(HIST_BITS-1) buckets, so a bucket is never wider than 1/128 of its
 * value. 2^40 ns (18 minutes) is the last bucket.
 */
#define HIST_BITS	8
#define HIST_SUB	(1U << (HIST_BITS - 1))
#define HIST_TOP_BIT	40
#define HIST_BUCKETS	((1U << HIST_BITS) + (HIST_TOP_BIT - HIST_BITS + 1) \
			 * HIST_SUB)

enum conn_state {
	CONN_IDLE,			/* connected, nothing outstanding */
	CONN_BUSY,			/* request written or being written */
	CONN_DOWN			/* not connected; retry at retry_at */
};

struct conn {
	int		 fd;
	enum conn_state	 state;
	int		 want_out;	/* EPOLLOUT registered */
	unsigned	 index;		/* in conns[] */
	unsigned	 next_data;	/* -m: the next request is DATA */
	unsigned	 sender;	/* of the current message */
	unsigned	 rcpt;
	unsigned	 size;
	uint64_t	 msg_id;
	uint64_t	 t_sent;	/* ns: when the request was written */
	uint64_t	 retry_at;	/* ns: CONN_DOWN only */
	size_t		 req_len;
	size_t		 req_off;	/* written so far */
	size_t		 rep_len;
	char		 req[POLICY_LOAD_REQ_SIZE];
	char		 rep[POLICY_LOAD_REPLY_MAX];
};

struct action_count {
	char		 word[POLICY_LOAD_WORD_MAX];
	uint64_t	 count;
};

static const char *progname = "policy_load";

/* Options. */
static struct sockaddr_storage srv_addr;
static socklen_t srv_len;
static unsigned opt_conns = 1;
static uint64_t opt_requests;		/* 0: run for opt_seconds */
static unsigned opt_seconds;
static unsigned opt_senders = 100000;
static unsigned opt_rcpts = 100000;
static int opt_sasl;
static int opt_data;
static uint64_t rng_state = 1;

/* Run state. */
static struct conn *conns;
static int epfd = -1;
static uint64_t t_start;
static uint64_t t_deadline;
static uint64_t next_msg_id;
static uint64_t issued;
static unsigned inflight;
static unsigned ndown;

/* Results. */
static uint64_t hist[HIST_BUCKETS];
static uint64_t lat_count;
static uint64_t lat_sum;
static uint64_t lat_max;
static struct action_count actions[POLICY_LOAD_ACTIONS];
static uint64_t actions_other;
static uint64_t err_bad_reply;
static uint64_t err_closed;
static uint64_t err_connect;
static uint64_t err_timeout;

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
	fprintf(stderr, "usage: %s -s unix:PATH|inet:HOST:PORT "
	    "[-c connections] [-n requests] [-d seconds]\n"
	    "\t[-u senders] [-r recipients] [-a] [-m] [-S seed] [-T file]\n",
	    progname);
	exit(2);
}

/* parse_num - decimal in [min, max], or a usage error naming the option */
static uint64_t
parse_num(const char *s, uint64_t min, uint64_t max, int opt)
{
	char	*end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9'
	    || (v = strtoull(s, &end, 10), errno != 0 || *end != 0)
	    || v < min || v > max) {
		fprintf(stderr, "%s: -%c %s: expected %" PRIu64 "..%" PRIu64
		    "\n", progname, opt, s, min, max);
		exit(2);
	}
	return (v);
}

/* now_ns - monotonic clock */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t) ts.tv_sec * NS_PER_SEC + (uint64_t) ts.tv_nsec);
}

/* rng_next - xorshift64*: fast, repeatable, good enough for picking */
static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545F4914F6CDD1DULL);
}

/* hist_index - bucket of a latency in ns */
static unsigned
hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < (1U << HIST_BITS))
		return ((unsigned) v);
	if (v >= (1ULL << (HIST_TOP_BIT + 1)))
		v = (1ULL << (HIST_TOP_BIT + 1)) - 1;
	msb = 63 - (unsigned) __builtin_clzll(v);
	shift = msb - (HIST_BITS - 1);
	return ((1U << HIST_BITS) + (shift - 1) * HIST_SUB
	    + (unsigned) ((v >> shift) - HIST_SUB));
}

/* hist_value - middle of a bucket, in ns */
static double
hist_value(unsigned idx)
{
	unsigned shift, sub;

	if (idx < (1U << HIST_BITS))
		return (idx);
	shift = (idx - (1U << HIST_BITS)) / HIST_SUB + 1;
	sub = (idx - (1U << HIST_BITS)) % HIST_SUB;
	return (((double) (HIST_SUB + sub) + 0.5) * (double) (1ULL << shift));
}

/* hist_percentile - latency in us below which fraction p of requests are */
static double
hist_percentile(double p)
{
	uint64_t rank, seen = 0;
	unsigned i;

	if (lat_count == 0)
		return (0);
	rank = (uint64_t) (p * (double) lat_count);
	if (rank >= lat_count)
		rank = lat_count - 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen > rank)
			break;
	}
	if (i == HIST_BUCKETS)
		i = HIST_BUCKETS - 1;
	/* A bucket's middle can lie past the largest value seen. */
	if (hist_value(i) > (double) lat_max)
		return ((double) lat_max / 1000.0);
	return (hist_value(i) / 1000.0);
}

/* action_count - count the first word of an action= value */
static void
action_count(const char *val, size_t len)
{
	char	 word[POLICY_LOAD_WORD_MAX];
	size_t	 n;
	unsigned i;

	for (n = 0; n < len && n < sizeof(word) - 1; n++) {
		if (val[n] == ' ' || val[n] == '\t')
			break;
		word[n] = (val[n] >= 'a' && val[n] <= 'z') ?
		    (char) (val[n] - 'a' + 'A') : val[n];
	}
	word[n] = 0;
	if (n == 0)
		strcpy(word, "(empty)");
	for (i = 0; i < POLICY_LOAD_ACTIONS && actions[i].word[0]; i++) {
		if (strcmp(actions[i].word, word) == 0) {
			actions[i].count++;
			return;
		}
	}
	if (i == POLICY_LOAD_ACTIONS) {
		actions_other++;
		return;
	}
	strcpy(actions[i].word, word);
	actions[i].count = 1;
}

/* conn_want_out - wait for writability as well as input, or not */
static void
conn_want_out(struct conn *c, int want)
{
	struct epoll_event ev;

	if (c->want_out == want)
		return;
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fatal("epoll_ctl: %s", strerror(errno));
	c->want_out = want;
}

/* conn_connect - connect, then add to epoll; -1 with errno on failure */
static int
conn_connect(struct conn *c)
{
	struct epoll_event ev;
	struct timeval tv = {2, 0};	/* connect() timeout on loopback */
	int	 fd, saved;

	if ((fd = socket(srv_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) < 0)
		return (-1);
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Blocking connect: a loopback listener answers at once. */
	if (connect(fd, (struct sockaddr *) &srv_addr, srv_len) < 0
	    || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		saved = errno;
		(void) close(fd);
		errno = saved;
		return (-1);
	}
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal("epoll_ctl: %s", strerror(errno));
	c->fd = fd;
	c->state = CONN_IDLE;
	c->want_out = 0;
	c->rep_len = 0;
	c->next_data = 0;		/* smtpd starts a new session */
	return (0);
}

/* conn_build - the next request of this connection into c->req */
static void
conn_build(struct conn *c)
{
	char	 queue_id[16];
	char	 login[24];
	unsigned u, r, data;
	int	 n;

	data = opt_data && c->next_data;
	if (!data) {
		c->sender = (unsigned) (rng_next() % opt_senders);
		c->rcpt = (unsigned) (rng_next() % opt_rcpts);
		c->size = 1000 + (unsigned) (rng_next() % 100000);
		c->msg_id = next_msg_id++;
	}
	c->next_data = (unsigned) opt_data && !data;
	u = c->sender;
	r = c->rcpt;
	/* smtpd opens the queue file after the first accepted RCPT. */
	queue_id[0] = 0;
	if (data)
		snprintf(queue_id, sizeof(queue_id), "%010" PRIX64,
		    (uint64_t) (c->msg_id + 0x1000000000ULL));
	login[0] = 0;
	if (opt_sasl)
		snprintf(login, sizeof(login), "user%u", u);

	n = snprintf(c->req, sizeof(c->req),
	    "request=smtpd_access_policy\n"
	    "protocol_state=%s\n"
	    "protocol_name=ESMTP\n"
	    "helo_name=mail%u.sender%u.example\n"
	    "queue_id=%s\n"
	    "sender=user%u@sender%u.example\n"
	    "recipient=rcpt%u@dest%u.example\n"
	    "recipient_count=%u\n"
	    "client_address=127.0.0.%u\n"
	    "client_name=mail%u.sender%u.example\n"
	    "reverse_client_name=mail%u.sender%u.example\n"
	    "instance=%x.%" PRIx64 ".0\n"
	    "sasl_method=%s\n"
	    "sasl_username=%s\n"
	    "sasl_sender=\n"
	    "size=%u\n"
	    "ccert_subject=\n"
	    "ccert_issuer=\n"
	    "ccert_fingerprint=\n"
	    "ccert_pubkey_fingerprint=\n"
	    "encryption_protocol=TLSv1.3\n"
	    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	    "encryption_keysize=256\n"
	    "etrn_domain=\n"
	    "stress=\n"
	    "client_port=%u\n"
	    "policy_context=\n"
	    "server_address=127.0.0.1\n"
	    "server_port=%u\n"
	    "compatibility_level=3.6\n"
	    "mail_version=3.7.11\n"
	    "\n",
	    data ? "DATA" : "RCPT",
	    u, u,
	    queue_id,
	    u, u,
	    r, r,
	    data ? 1U : 0U,
	    1 + u % 254,
	    u, u,
	    u, u,
	    c->index, c->msg_id,
	    opt_sasl ? "plain" : "",
	    login,
	    c->size,
	    32768 + c->index,
	    opt_sasl ? 587U : 25U);
	if (n < 0 || (size_t) n >= sizeof(c->req))
		fatal("request does not fit %d bytes", POLICY_LOAD_REQ_SIZE);
	c->req_len = (size_t) n;
	c->req_off = 0;
}

/* run_over - no new request: the count or the time is reached */
static int
run_over(uint64_t now)
{
	return ((opt_requests && issued >= opt_requests) || now >= t_deadline);
}

static void conn_down(struct conn *, uint64_t);

/* conn_flush - write what is left of the request */
static void
conn_flush(struct conn *c, uint64_t now)
{
	ssize_t	 n;

	while (c->req_off < c->req_len) {
		n = write(c->fd, c->req + c->req_off, c->req_len - c->req_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				conn_want_out(c, 1);
				return;
			}
			conn_down(c, now);
			return;
		}
		c->req_off += (size_t) n;
	}
	conn_want_out(c, 0);
}

/* conn_send - start the next request, unless the run is over */
static void
conn_send(struct conn *c, uint64_t now)
{
	if (run_over(now)) {
		c->state = CONN_IDLE;
		return;
	}
	conn_build(c);
	issued++;
	inflight++;
	c->state = CONN_BUSY;
	c->t_sent = now;
	conn_flush(c, now);
}

/*
 * conn_down - the connection failed: count the lost request, reconnect
 * at once (smtpd would), or retry later. Never called after the run.
 */
static void
conn_down(struct conn *c, uint64_t now)
{
	static unsigned depth;		/* conn_send() can land here again */

	if (c->state == CONN_BUSY) {
		err_closed++;
		inflight--;
	}
	(void) close(c->fd);
	c->fd = -1;
	if (depth >= 4 || conn_connect(c) < 0) {
		if (depth < 4)
			err_connect++;
		ndown++;
		c->state = CONN_DOWN;
		c->retry_at = now + POLICY_LOAD_RETRY_MS * NS_PER_MS;
		return;
	}
	depth++;
	conn_send(c, now);
	depth--;
}

/* The replies kept for -T: end and latency, microseconds. */
static const char *opt_trace;
static uint32_t (*trace)[2];
static size_t trace_len, trace_size;

/* trace_add - keep one reply for -T, while there is room */
static void
trace_add(uint64_t now, uint64_t lat)
{
	if (trace_len == trace_size) {
		if (trace_size == POLICY_LOAD_TRACE_MAX)
			return;
		trace_size = trace_size ? 2 * trace_size : 1U << 16;
		if ((trace = realloc(trace, trace_size * sizeof(*trace)))
		    == NULL)
			fatal("out of memory");
	}
	trace[trace_len][0] = (uint32_t) ((now - t_start) / 1000);
	trace[trace_len++][1] = (uint32_t) (lat / 1000);
}

/* trace_write - the replies kept, to opt_trace */
static void
trace_write(void)
{
	FILE	*f;
	size_t	 i;

	if ((f = fopen(opt_trace, "w")) == NULL)
		fatal("%s: %s", opt_trace, strerror(errno));
	fprintf(f, "# start %" PRIu64 "\n", t_start);
	for (i = 0; i < trace_len; i++)
		fprintf(f, "%" PRIu32 " %" PRIu32 "\n", trace[i][0], trace[i][1]);
	if (fclose(f) == EOF)
		fatal("%s: %s", opt_trace, strerror(errno));
}

/* conn_reply - a whole reply is in c->rep[0..end]; count it */
static void
conn_reply(struct conn *c, size_t end, uint64_t now)
{
	uint64_t lat = now - c->t_sent;
	const char *p = c->rep;
	const char *stop = c->rep + end;
	const char *nl;
	int	 found = 0;

	hist[hist_index(lat)]++;
	if (opt_trace)
		trace_add(now, lat);
	lat_count++;
	lat_sum += lat;
	if (lat > lat_max)
		lat_max = lat;
	inflight--;
	c->state = CONN_IDLE;

	/* Postfix uses the first action= and ignores other attributes. */
	for (; p < stop; p = nl + 1) {
		nl = memchr(p, '\n', (size_t) (stop - p));
		if (nl == NULL)
			nl = stop;
		if (nl - p >= 7 && memcmp(p, "action=", 7) == 0) {
			action_count(p + 7, (size_t) (nl - p - 7));
			found = 1;
			break;
		}
	}
	if (!found)
		err_bad_reply++;
}

/* conn_read - read, and act on a complete reply */
static void
conn_read(struct conn *c, uint64_t now)
{
	ssize_t	 n;
	size_t	 end;
	char	*eor;

	n = read(c->fd, c->rep + c->rep_len, sizeof(c->rep) - c->rep_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_down(c, now);
		return;
	}
	if (c->state != CONN_BUSY) {
		/* Data nobody asked for: the dialogue is out of step. */
		err_bad_reply++;
		conn_down(c, now);
		return;
	}
	c->rep_len += (size_t) n;
	/* The reply ends with an empty line: "\n\n", or "\n" alone. */
	if (c->rep[0] == '\n')
		eor = c->rep;
	else if ((eor = memmem(c->rep, c->rep_len, "\n\n", 2)) != NULL)
		eor++;
	if (eor == NULL) {
		if (c->rep_len == sizeof(c->rep)) {
			err_bad_reply++;
			conn_down(c, now);
		}
		return;
	}
	end = (size_t) (eor - c->rep);
	conn_reply(c, end, now);
	if (end + 1 != c->rep_len) {
		/* More than one reply to one request. */
		err_bad_reply++;
		conn_down(c, now);
		return;
	}
	c->rep_len = 0;
	conn_send(c, now);
}

/* raise_nofile - make room for the connections, or die */
static void
raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		fatal("%u connections need %u file descriptors; the hard "
		    "limit is %llu", opt_conns, need,
		    (unsigned long long) rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("setrlimit: %s", strerror(errno));
}

/* retry_down - reconnect connections whose retry time has come */
static void
retry_down(uint64_t now)
{
	unsigned i;

	for (i = 0; i < opt_conns && ndown > 0; i++) {
		struct conn *c = &conns[i];

		if (c->state != CONN_DOWN || now < c->retry_at)
			continue;
		if (conn_connect(c) < 0) {
			err_connect++;
			c->retry_at = now + POLICY_LOAD_RETRY_MS * NS_PER_MS;
			continue;
		}
		ndown--;
		conn_send(c, now);
	}
}

/* run - the event loop; returns when done or at the deadline */
static uint64_t
run(void)
{
	struct epoll_event events[POLICY_LOAD_EVENTS];
	uint64_t now, wait_ns;
	int	 n, i, timeout;

	for (;;) {
		now = now_ns();
		if (now >= t_deadline)
			return (now);
		if (opt_requests && issued >= opt_requests && inflight == 0)
			return (now);
		wait_ns = t_deadline - now;
		if (ndown > 0 && wait_ns > POLICY_LOAD_RETRY_MS * NS_PER_MS)
			wait_ns = POLICY_LOAD_RETRY_MS * NS_PER_MS;
		timeout = (int) ((wait_ns + NS_PER_MS - 1) / NS_PER_MS);
		n = epoll_wait(epfd, events, POLICY_LOAD_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;

			/* Closed earlier in this batch? */
			if (c->state == CONN_DOWN)
				continue;
			now = now_ns();
			if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_read(c, now);
			else if (events[i].events & EPOLLOUT)
				conn_flush(c, now);
		}
		if (ndown > 0)
			retry_down(now_ns());
	}
}

/* report - print the figures; returns the exit status */
static int
report(uint64_t t_end)
{
	double	 secs = (double) (t_end - t_start) / (double) NS_PER_SEC;
	uint64_t errors;
	unsigned i;

	for (i = 0; i < opt_conns; i++)
		if (conns[i].state == CONN_BUSY
		    && t_end - conns[i].t_sent
		    > POLICY_LOAD_STUCK_MS * NS_PER_MS)
			err_timeout++;
	errors = err_bad_reply + err_closed + err_connect + err_timeout;

	printf("connections=%u requests=%" PRIu64 " seconds=%.2f rps=%.0f "
	    "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	    "mean_us=%.1f errors=%" PRIu64 "\n",
	    opt_conns, lat_count, secs,
	    secs > 0 ? (double) lat_count / secs : 0,
	    hist_percentile(0.50), hist_percentile(0.90),
	    hist_percentile(0.99), hist_percentile(0.999),
	    (double) lat_max / 1000.0,
	    lat_count ? (double) lat_sum / (double) lat_count / 1000.0 : 0,
	    errors);
	printf("actions");
	for (i = 0; i < POLICY_LOAD_ACTIONS && actions[i].word[0]; i++)
		printf(" %s=%" PRIu64, actions[i].word, actions[i].count);
	if (actions_other)
		printf(" OTHER=%" PRIu64, actions_other);
	printf("\n");
	if (errors)
		printf("errors bad_reply=%" PRIu64 " closed=%" PRIu64
		    " connect=%" PRIu64 " timeout=%" PRIu64 "\n",
		    err_bad_reply, err_closed, err_connect, err_timeout);
	if (errors || (opt_requests && lat_count < opt_requests))
		return (1);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *spec = NULL;
	const char *why;
	uint64_t t_end;
	unsigned i;
	int	 ch;

	while ((ch = getopt(argc, argv, "ac:d:mn:r:S:s:T:u:")) != -1) {
		switch (ch) {
		case 'a':
			opt_sasl = 1;
			break;
		case 'c':
			opt_conns = (unsigned) parse_num(optarg, 1,
			    POLICY_LOAD_CONN_MAX, ch);
			break;
		case 'd':
			opt_seconds = (unsigned) parse_num(optarg, 1,
			    POLICY_LOAD_SECONDS_MAX, ch);
			break;
		case 'm':
			opt_data = 1;
			break;
		case 'n':
			opt_requests = parse_num(optarg, 1,
			    POLICY_LOAD_REQUESTS_MAX, ch);
			break;
		case 'r':
			opt_rcpts = (unsigned) parse_num(optarg, 1,
			    UINT32_MAX, ch);
			break;
		case 'S':
			rng_state = parse_num(optarg, 0, UINT64_MAX, ch);
			break;
		case 's':
			spec = optarg;
			break;
		case 'T':
			opt_trace = optarg;
			break;
		case 'u':
			opt_senders = (unsigned) parse_num(optarg, 1,
			    UINT32_MAX, ch);
			break;
		default:
			usage();
		}
	}
	if (spec == NULL || optind != argc)
		usage();
	if (bench_addr_parse(spec, &srv_addr, &srv_len, &why) < 0) {
		fprintf(stderr, "%s: -s %s: %s\n", progname, spec, why);
		exit(2);
	}
	if (opt_seconds == 0)
		opt_seconds = opt_requests ? POLICY_LOAD_SECONDS_MAX : 5;
	/* xorshift is stuck at 0; mix the seed so small seeds differ. */
	rng_state = rng_state * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	if (rng_state == 0)
		rng_state = 1;

	signal(SIGPIPE, SIG_IGN);
	raise_nofile(opt_conns + 16);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll_create1: %s", strerror(errno));
	if ((conns = calloc(opt_conns, sizeof(*conns))) == NULL)
		fatal("out of memory");
	for (i = 0; i < opt_conns; i++) {
		conns[i].index = i;
		if (conn_connect(&conns[i]) < 0)
			fatal("connect %s (connection %u): %s", spec, i + 1,
			    strerror(errno));
	}

	t_start = now_ns();
	t_deadline = t_start + opt_seconds * NS_PER_SEC;
	for (i = 0; i < opt_conns; i++)
		conn_send(&conns[i], now_ns());
	t_end = run();
	if (opt_trace)
		trace_write();
	return (report(t_end));
}
