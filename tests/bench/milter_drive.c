/*
 * milter_drive - drive a milter over the milter protocol, as Postfix does
 * SYNOPSIS	milter_drive -s unix:PATH|inet:HOST:PORT [-n messages]
 *		    [-c connections] [-k messages_per_connection]
 *		    [-z size] [-a attachments] [-d seconds] [-f sender]
 *		    [-r recipient] [-l login] [-C client_addr] [-q]
 *		    [-w file]
 * DESCRIPTION	Speaks the MTA side of milter protocol version 6 to one
 *		milter and times whole messages. Each connection is a
 *		thread that does what Postfix's smtpd and cleanup do for
 *		one SMTP session: option negotiation (every action and
 *		every SMFIP_NO* step offered, no SMFIP_NR_* "no reply"
 *		flags, so each step it sends gets a reply), then per
 *		message MAIL, RCPT, DATA, each header, end of headers, the
 *		body in 65535-byte chunks and end of message, each with the
 *		macros Postfix sends at that stage (those of contrib/
 *		postfix's milter_mail_macros, Postfix's defaults for the
 *		rest; "i" is a fresh queue ID per message), and QUIT. Steps
 *		the milter asked to skip are not sent. A step that does not
 *		continue ends the message (ABORT follows, as in Postfix).
 *
 *		The message is generated once, in memory: headers, a text
 *		part, and -a base64 attachments of PDF-like bytes named
 *		docN.pdf (so an attachment allowlist passes them), filled
 *		to about -z bytes in total (headers included).
 *		-n	messages in all, 1..10000000 (default 1000)
 *		-c	connections (threads), 1..256 (default 1); each
 *			sends its share of -n, one after the other
 *		-k	messages per milter connection (default 1: a new
 *			connection per message, as for SMTP sessions of
 *			one message each)
 *		-z	message size in bytes, 512..67108864 (default 10240)
 *		-a	attachments, 0..100 (default 0)
 *		-d	stop starting messages after this many seconds,
 *			1..600 (default 60); the figures cover those done
 *		-f, -r	envelope sender and recipient (defaults
 *			app@app.example, user@dest.example); From: is the
 *			sender
 *		-l	SASL login for {auth_authen}/{auth_type} (default
 *			none: an unauthenticated client)
 *		-C	the client address in {client_addr} and the
 *			connect step (default 127.0.0.1)
 *		-q	print only the figures line
 *		-w	also write the message, as the milter sees it, to
 *			file (for a direct Rspamd call with the same bytes)
 *		Latency is from the first packet of a message (connect,
 *		on a new connection) to its end-of-message reply.
 * OUTPUT	One line of figures:
 *		size=10240 bytes=10317 attachments=0 connections=1
 *		    messages=1000 seconds=0.52 msg_per_s=1923.1
 *		    us_per_msg=520.0 mean_us=515.2 p50_us=500 p99_us=900
 *		    max_us=2100 mb_per_s=19.8 accepted=1000 refused=0
 *		    errors=0
 *		us_per_msg is wall time over messages (with -c > 1, the
 *		cost per message of the whole run); mb_per_s counts
 *		message bytes. Unless -q, the first refusal's reply and
 *		the first error go to stderr.
 * EXIT STATUS	0 when every message was accepted (continue or accept at
 *		end of message), 1 otherwise, 2 for a usage error. Figures
 *		with refusals or errors do not count.
 * LIMITS	Loopback only (see bench_addr.h). Every read and write has
 *		a DRIVE_IO_TIMEOUT second timeout; a reply packet larger
 *		than DRIVE_REPLY_MAX is an error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "bench_addr.h"

#define DRIVE_IO_TIMEOUT	10		/* seconds per read or write */
#define DRIVE_REPLY_MAX		(1 << 20)	/* one reply packet */
#define DRIVE_CHUNK		65535		/* body bytes per SMFIC_BODY */
#define DRIVE_HEADERS_MAX	32		/* header lines we generate */

/* Milter protocol (libmilter mfdef.h). */
#define PROTO_VERSION	6
#define ALL_ACTIONS	0x1FFU
#define P_NOCONNECT	0x01U
#define P_NOHELO	0x02U
#define P_NOMAIL	0x04U
#define P_NORCPT	0x08U
#define P_NOBODY	0x10U
#define P_NOHDRS	0x20U
#define P_NOEOH		0x40U
#define P_NOUNKNOWN	0x100U
#define P_NODATA	0x200U
#define ALL_NO_STEPS	(P_NOCONNECT | P_NOHELO | P_NOMAIL | P_NORCPT \
			| P_NOBODY | P_NOHDRS | P_NOEOH | P_NOUNKNOWN \
			| P_NODATA)

struct header {
	const char *name;
	char	*value;
};

/* The generated message, shared read-only by all threads. */
static struct header headers[DRIVE_HEADERS_MAX];
static int nheaders;
static char *body;
static size_t body_len, msg_bytes;

/* Options. */
static struct sockaddr_storage server;
static socklen_t server_len;
static long opt_messages = 1000, opt_conns = 1, opt_per_conn = 1;
static long opt_size = 10240, opt_attach = 0, opt_seconds = 60;
static const char *opt_sender = "app@app.example";
static const char *opt_rcpt = "user@dest.example";
static const char *opt_login;
static const char *opt_write;
static const char *opt_client = "127.0.0.1";
static int opt_quiet;

static double deadline;			/* monotonic seconds */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int reported_refusal, reported_error;

struct worker {
	pthread_t tid;
	int	 id;
	long	 todo;			/* messages to send */
	long	 done, accepted, refused, errors;
	uint32_t *lat_us;		/* one per message done */
	/* I/O */
	int	 fd;
	uint32_t pflags;		/* what the milter asked for */
	char	*out;
	size_t	 out_len, out_size;
	char	*in;			/* last reply packet's data */
	size_t	 in_len, in_size;
	char	 cmd;			/* last reply's command */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "milter_drive: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return (p);
}

static long
parse_long(const char *s, long min, long max, int opt)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("-%c %s: want %ld..%ld", opt, s, min, max);
	return (v);
}

/* ---------------------------------------------------------------- */
/* The message */

/* xorshift64 - repeatable filler bytes */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

struct sbuf {
	char	*p;
	size_t	 len, size;
};

static void
sb_add(struct sbuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->size)) == NULL)
			die("out of memory");
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* sb_text - about n bytes of 72-column CRLF text */
static void
sb_text(struct sbuf *b, size_t n)
{
	static const char words[] = "the quick brown fox jumps over the "
	    "lazy dog while the relay keeps its reputation clean and ";
	size_t	 done = 0, w = 0;
	char	 line[80];

	while (done < n) {
		size_t	 i;

		for (i = 0; i < 72; i++)
			line[i] = words[(w + i) % (sizeof(words) - 1)];
		w += 7;
		line[72] = '\r';
		line[73] = '\n';
		sb_add(b, line, 74);
		done += 74;
	}
}

/* sb_base64_pdf - about n bytes of base64 (76 columns) of a PDF-ish file */
static void
sb_base64_pdf(struct sbuf *b, size_t n, uint64_t seed)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	 raw = n / 4 * 3, i, col = 0;
	unsigned char *bin = xmalloc(raw + 3);
	const char *head = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type "
	    "/Catalog /Pages 2 0 R >>\nendobj\nstream\n";
	char	 out[4];

	for (i = 0; i < raw; i++)
		bin[i] = (unsigned char)xorshift(&seed);
	memcpy(bin, head, strlen(head) < raw ? strlen(head) : raw);
	for (i = 0; i < raw; i += 3) {
		uint32_t v = (uint32_t)bin[i] << 16;

		if (i + 1 < raw)
			v |= (uint32_t)bin[i + 1] << 8;
		if (i + 2 < raw)
			v |= bin[i + 2];
		out[0] = tab[v >> 18 & 63];
		out[1] = tab[v >> 12 & 63];
		out[2] = i + 1 < raw ? tab[v >> 6 & 63] : '=';
		out[3] = i + 2 < raw ? tab[v & 63] : '=';
		sb_add(b, out, 4);
		if ((col += 4) == 76) {
			sb_add(b, "\r\n", 2);
			col = 0;
		}
	}
	if (col)
		sb_add(b, "\r\n", 2);
	free(bin);
}

static void
add_header(const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	headers[nheaders].name = name;
	headers[nheaders].value = strdup(buf);
	msg_bytes += strlen(name) + 2 + strlen(buf) + 2;
	nheaders++;
}

/* write_message - "Name: value" lines, an empty line, the body */
static void
write_message(const char *path)
{
	FILE	*fp;
	int	 i;

	if ((fp = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i < nheaders; i++)
		fprintf(fp, "%s: %s\r\n", headers[i].name, headers[i].value);
	fputs("\r\n", fp);
	fwrite(body, 1, body_len, fp);
	if (fclose(fp) != 0)
		die("%s: %s", path, strerror(errno));
}

/* make_message - the headers and body every message carries */
static void
make_message(void)
{
	static const char boundary[] = "=_milter_drive_boundary_0001";
	struct sbuf b = {0};
	size_t	 budget, text, each;
	long	 i;

	add_header("From", "<%s>", opt_sender);
	add_header("To", "<%s>", opt_rcpt);
	add_header("Subject", "milter_drive %ld bytes, %ld attachments",
	    opt_size, opt_attach);
	add_header("Date", "Mon, 1 Jan 2024 00:00:00 +0000");
	add_header("Message-ID", "<milter-drive.%ld.%ld@outpost.test>",
	    opt_size, opt_attach);
	add_header("MIME-Version", "1.0");
	if (opt_attach == 0)
		add_header("Content-Type", "text/plain; charset=us-ascii");
	else
		add_header("Content-Type", "multipart/mixed; boundary=\"%s\"",
		    boundary);
	msg_bytes += 2;
	budget = (size_t)opt_size > msg_bytes ? opt_size - msg_bytes : 0;
	if (opt_attach == 0) {
		sb_text(&b, budget);
	} else {
		/* A quarter text, the rest attachments (less part headers). */
		text = budget / 4;
		each = (budget - text) / (size_t)opt_attach;
		each = each > 300 ? each - 300 : 76;
		sb_str(&b, "This is a multi-part message in MIME format.\r\n");
		sb_str(&b, "--");
		sb_str(&b, boundary);
		sb_str(&b, "\r\nContent-Type: text/plain; charset=us-ascii\r\n"
		    "Content-Transfer-Encoding: 7bit\r\n\r\n");
		sb_text(&b, text > 300 ? text - 300 : 74);
		for (i = 1; i <= opt_attach; i++) {
			char	 h[512];

			snprintf(h, sizeof(h), "--%s\r\nContent-Type: "
			    "application/pdf; name=\"doc%ld.pdf\"\r\n"
			    "Content-Disposition: attachment; "
			    "filename=\"doc%ld.pdf\"\r\n"
			    "Content-Transfer-Encoding: base64\r\n\r\n",
			    boundary, i, i);
			sb_str(&b, h);
			/* 76 columns of base64 take 78 bytes a line. */
			sb_base64_pdf(&b, each / 78 * 76,
			    0x9e3779b97f4a7c15ULL * (uint64_t)i);
		}
		sb_str(&b, "--");
		sb_str(&b, boundary);
		sb_str(&b, "--\r\n");
	}
	body = b.p;
	body_len = b.len;
	msg_bytes += body_len;
}

/* ---------------------------------------------------------------- */
/* Protocol */

static void
out_add(struct worker *w, const void *p, size_t n)
{
	if (w->out_len + n > w->out_size) {
		w->out_size = (w->out_len + n) * 2;
		if ((w->out = realloc(w->out, w->out_size)) == NULL)
			die("out of memory");
	}
	memcpy(w->out + w->out_len, p, n);
	w->out_len += n;
}

/* pkt - append one packet (length, command, data) to the output */
static void
pkt(struct worker *w, char cmd, const void *data, size_t n)
{
	uint32_t len = htonl((uint32_t)n + 1);

	out_add(w, &len, 4);
	out_add(w, &cmd, 1);
	if (n)
		out_add(w, data, n);
}

/* pkt_strs - a packet whose data is NUL-terminated strings (NULL ends) */
static void
pkt_strs(struct worker *w, char cmd, const char *prefix, ...)
{
	char	 buf[4096];
	size_t	 n = 0, l;
	const char *s;
	va_list	 ap;

	if (prefix)
		buf[n++] = *prefix;
	va_start(ap, prefix);
	while ((s = va_arg(ap, const char *)) != NULL) {
		l = strlen(s) + 1;
		if (n + l > sizeof(buf))
			die("packet too long");
		memcpy(buf + n, s, l);
		n += l;
	}
	va_end(ap);
	pkt(w, cmd, buf, n);
}

static int
flush_out(struct worker *w)
{
	size_t	 off = 0;
	ssize_t	 r;

	while (off < w->out_len) {
		r = write(w->fd, w->out + off, w->out_len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (-1);
		off += (size_t)r;
	}
	w->out_len = 0;
	return (0);
}

static int
read_full(int fd, void *p, size_t n)
{
	size_t	 off = 0;
	ssize_t	 r;

	while (off < n) {
		r = read(fd, (char *)p + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (-1);
		off += (size_t)r;
	}
	return (0);
}

/* read_pkt - the next packet into w->cmd, w->in; -1 on error */
static int
read_pkt(struct worker *w)
{
	uint32_t len;

	if (read_full(w->fd, &len, 4) < 0)
		return (-1);
	len = ntohl(len);
	if (len < 1 || len > DRIVE_REPLY_MAX)
		return (-1);
	if (read_full(w->fd, &w->cmd, 1) < 0)
		return (-1);
	if (len - 1 + 1 > w->in_size) {
		w->in_size = len + 1;
		if ((w->in = realloc(w->in, w->in_size)) == NULL)
			die("out of memory");
	}
	w->in_len = len - 1;
	if (read_full(w->fd, w->in, w->in_len) < 0)
		return (-1);
	w->in[w->in_len] = 0;
	return (0);
}

/*
 * reply - flush, then read up to the final reply: 'c' continue, 'a'
 * accept, 'r', 't', 'd', 'y' (text in w->in), 's' skip; progress and
 * end-of-message modifications are read past. -1 on I/O error.
 */
static int
reply(struct worker *w)
{
	if (flush_out(w) < 0)
		return (-1);
	for (;;) {
		if (read_pkt(w) < 0)
			return (-1);
		switch (w->cmd) {
		case 'p':		/* progress */
		case '+': case '-': case '2': case 'b': case 'e':
		case 'h': case 'i': case 'm': case 'q':
			continue;	/* modifications, at eom */
		default:
			return (w->cmd);
		}
	}
}

static void
report_refusal(struct worker *w, const char *stage)
{
	pthread_mutex_lock(&report_lock);
	if (!reported_refusal++ && !opt_quiet)
		fprintf(stderr, "milter_drive: first refusal at %s: '%c' %s\n",
		    stage, w->cmd, w->cmd == 'y' ? w->in : "");
	pthread_mutex_unlock(&report_lock);
}

static void
report_error(const char *what)
{
	pthread_mutex_lock(&report_lock);
	if (!reported_error++ && !opt_quiet)
		fprintf(stderr, "milter_drive: first error: %s: %s\n", what,
		    errno ? strerror(errno) : "protocol");
	pthread_mutex_unlock(&report_lock);
}

static void
close_conn(struct worker *w, int quit)
{
	if (w->fd < 0)
		return;
	if (quit) {
		pkt(w, 'Q', NULL, 0);
		(void)flush_out(w);
	}
	w->out_len = 0;
	close(w->fd);
	w->fd = -1;
}

/* open_conn - connect and negotiate; 0, or -1 (reported) */
static int
open_conn(struct worker *w)
{
	struct timeval tv = {DRIVE_IO_TIMEOUT, 0};
	uint32_t neg[3];

	w->fd = socket(server.ss_family, SOCK_STREAM, 0);
	if (w->fd < 0) {
		report_error("socket");
		return (-1);
	}
	setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(w->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(w->fd, (struct sockaddr *)&server, server_len) < 0) {
		report_error("connect");
		close_conn(w, 0);
		return (-1);
	}
	neg[0] = htonl(PROTO_VERSION);
	neg[1] = htonl(ALL_ACTIONS);
	neg[2] = htonl(ALL_NO_STEPS);
	pkt(w, 'O', neg, sizeof(neg));
	errno = 0;
	if (reply(w) != 'O' || w->in_len < 12) {
		report_error("negotiate");
		close_conn(w, 0);
		return (-1);
	}
	memcpy(neg, w->in, 12);
	w->pflags = ntohl(neg[2]);
	if (w->pflags & ~ALL_NO_STEPS) {
		errno = 0;
		report_error("milter wants protocol flags not offered");
		close_conn(w, 0);
		return (-1);
	}
	return (0);
}

/*
 * step - send a step unless the milter skips it, read its reply.
 * 1 continue, 0 the message ends here (refused; ABORT sent), -1 error.
 */
#define STEP_REPLY(w, stage) do { \
	int	 _r; \
	errno = 0; \
	if ((_r = reply(w)) < 0) { \
		report_error(stage); \
		return (-1); \
	} \
	if (_r != 'c') { \
		report_refusal(w, stage); \
		pkt(w, 'A', NULL, 0); \
		return (0); \
	} \
} while (0)

/* session_start - connect macros and step, HELO */
static int
session_start(struct worker *w)
{
	char	 underscore[128];
	uint16_t port = htons(4711);
	char	 buf[256];
	size_t	 n;

	snprintf(underscore, sizeof(underscore), "client.bench [%s]",
	    opt_client);
	if (!(w->pflags & P_NOCONNECT)) {
		pkt_strs(w, 'D', "C", "j", "mta.outpost.test",
		    "{daemon_name}", "smtpd", "{daemon_addr}", "127.0.0.1",
		    "v", "Postfix 3.7", "_", underscore, (char *)NULL);
		n = 0;
		memcpy(buf, "client.bench", 13);
		n = 13;
		buf[n++] = strchr(opt_client, ':') ? '6' : '4';
		memcpy(buf + n, &port, 2);
		n += 2;
		memcpy(buf + n, opt_client, strlen(opt_client) + 1);
		n += strlen(opt_client) + 1;
		pkt(w, 'C', buf, n);
		STEP_REPLY(w, "connect");
	}
	if (!(w->pflags & P_NOHELO)) {
		pkt_strs(w, 'H', NULL, "client.bench", (char *)NULL);
		STEP_REPLY(w, "helo");
	}
	return (1);
}

/* message - one transaction; 1 accepted, 0 refused, -1 error */
static int
message(struct worker *w, unsigned long qid)
{
	char	 id[32], from[300], to[300];
	size_t	 off, n;
	int	 i, r;

	snprintf(id, sizeof(id), "%02X%010lX", w->id & 0xff, qid);
	snprintf(from, sizeof(from), "<%s>", opt_sender);
	snprintf(to, sizeof(to), "<%s>", opt_rcpt);
	if (!(w->pflags & P_NOMAIL)) {
		if (opt_login)
			pkt_strs(w, 'D', "M", "i", id, "{auth_type}", "PLAIN",
			    "{auth_authen}", opt_login, "{mail_addr}",
			    opt_sender, "{client_addr}", opt_client,
			    "{daemon_name}", "smtpd", (char *)NULL);
		else
			pkt_strs(w, 'D', "M", "i", id, "{mail_addr}",
			    opt_sender, "{client_addr}", opt_client,
			    "{daemon_name}", "smtpd", (char *)NULL);
		pkt_strs(w, 'M', NULL, from, (char *)NULL);
		STEP_REPLY(w, "mail");
	}
	if (!(w->pflags & P_NORCPT)) {
		pkt_strs(w, 'D', "R", "i", id, "{rcpt_addr}", opt_rcpt,
		    (char *)NULL);
		pkt_strs(w, 'R', NULL, to, (char *)NULL);
		STEP_REPLY(w, "rcpt");
	}
	if (!(w->pflags & P_NODATA)) {
		pkt_strs(w, 'D', "T", "i", id, (char *)NULL);
		pkt(w, 'T', NULL, 0);
		STEP_REPLY(w, "data");
	}
	if (!(w->pflags & P_NOHDRS)) {
		for (i = 0; i < nheaders; i++) {
			pkt_strs(w, 'L', NULL, headers[i].name,
			    headers[i].value, (char *)NULL);
			STEP_REPLY(w, "header");
		}
	}
	if (!(w->pflags & P_NOEOH)) {
		pkt_strs(w, 'D', "N", "i", id, (char *)NULL);
		pkt(w, 'N', NULL, 0);
		STEP_REPLY(w, "eoh");
	}
	if (!(w->pflags & P_NOBODY)) {
		for (off = 0; off < body_len; off += n) {
			n = body_len - off < DRIVE_CHUNK ? body_len - off :
			    DRIVE_CHUNK;
			pkt(w, 'B', body + off, n);
			errno = 0;
			if ((r = reply(w)) < 0) {
				report_error("body");
				return (-1);
			}
			if (r == 's')
				break;	/* skip: straight to end of message */
			if (r != 'c') {
				report_refusal(w, "body");
				pkt(w, 'A', NULL, 0);
				return (0);
			}
		}
	}
	pkt_strs(w, 'D', "E", "i", id, (char *)NULL);
	pkt(w, 'E', NULL, 0);
	errno = 0;
	if ((r = reply(w)) < 0) {
		report_error("eom");
		return (-1);
	}
	if (r == 'c' || r == 'a')
		return (1);
	report_refusal(w, "eom");
	return (0);
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	long	 on_conn = 0;
	double	 t0;
	int	 r;

	w->fd = -1;
	while (w->done < w->todo && now() < deadline) {
		t0 = now();
		if (w->fd < 0) {
			if (open_conn(w) < 0) {
				w->errors++;
				w->done++;
				usleep(10000);
				continue;
			}
			on_conn = 0;
			if ((r = session_start(w)) <= 0) {
				if (r < 0)
					w->errors++;
				else
					w->refused++;
				close_conn(w, r == 0);
				w->done++;
				continue;
			}
		}
		r = message(w, (unsigned long)w->done);
		w->lat_us[w->done] = (uint32_t)((now() - t0) * 1e6);
		w->done++;
		on_conn++;
		if (r > 0)
			w->accepted++;
		else if (r == 0)
			w->refused++;
		else
			w->errors++;
		if (r < 0)
			close_conn(w, 0);
		else if (on_conn >= opt_per_conn || w->done >= w->todo)
			close_conn(w, 1);
		else if (r == 0 && flush_out(w) < 0)
			close_conn(w, 0);	/* send the ABORT */
	}
	close_conn(w, 1);
	return (NULL);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

static void
usage(void)
{
	fprintf(stderr, "usage: milter_drive -s unix:PATH|inet:HOST:PORT "
	    "[-n messages] [-c connections] [-k per_connection] [-z size] "
	    "[-a attachments] [-d seconds] [-f sender] [-r rcpt] [-l login] "
	    "[-C client_addr] [-q] [-w file]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct worker *ws;
	const char *spec = NULL, *why;
	uint32_t *all;
	long	 i, done = 0, acc = 0, ref = 0, err = 0, k;
	double	 t0, secs, sum = 0;
	int	 ch;

	while ((ch = getopt(argc, argv, "s:n:c:k:z:a:d:f:r:l:C:qw:")) != -1) {
		switch (ch) {
		case 's':
			spec = optarg;
			break;
		case 'n':
			opt_messages = parse_long(optarg, 1, 10000000, ch);
			break;
		case 'c':
			opt_conns = parse_long(optarg, 1, 256, ch);
			break;
		case 'k':
			opt_per_conn = parse_long(optarg, 1, 10000000, ch);
			break;
		case 'z':
			opt_size = parse_long(optarg, 512, 64L << 20, ch);
			break;
		case 'a':
			opt_attach = parse_long(optarg, 0, 100, ch);
			break;
		case 'd':
			opt_seconds = parse_long(optarg, 1, 600, ch);
			break;
		case 'f':
			opt_sender = optarg;
			break;
		case 'r':
			opt_rcpt = optarg;
			break;
		case 'l':
			opt_login = optarg;
			break;
		case 'C':
			opt_client = optarg;
			break;
		case 'q':
			opt_quiet = 1;
			break;
		case 'w':
			opt_write = optarg;
			break;
		default:
			usage();
		}
	}
	if (spec == NULL || optind != argc)
		usage();
	if (strlen(opt_sender) > 256 || strlen(opt_rcpt) > 256
	    || strlen(opt_client) > 45 || (opt_login && strlen(opt_login) > 256))
		die("an address, login or client is too long");
	if (bench_addr_parse(spec, &server, &server_len, &why) < 0)
		die("%s: %s", spec, why);
	make_message();
	if (opt_write)
		write_message(opt_write);
	if (opt_conns > opt_messages)
		opt_conns = opt_messages;

	ws = calloc((size_t)opt_conns, sizeof(*ws));
	all = xmalloc(sizeof(*all) * (size_t)opt_messages);
	if (ws == NULL)
		die("out of memory");
	for (i = 0, k = 0; i < opt_conns; i++) {
		ws[i].id = (int)i;
		ws[i].todo = opt_messages / opt_conns +
		    (i < opt_messages % opt_conns);
		ws[i].lat_us = all + k;
		k += ws[i].todo;
	}
	t0 = now();
	deadline = t0 + opt_seconds;
	for (i = 0; i < opt_conns; i++)
		if ((errno = pthread_create(&ws[i].tid, NULL, run, &ws[i])))
			die("pthread_create: %s", strerror(errno));
	for (i = 0; i < opt_conns; i++)
		pthread_join(ws[i].tid, NULL);
	secs = now() - t0;

	/* Latencies of the messages done, gathered at the front. */
	for (i = 0, k = 0; i < opt_conns; i++) {
		memmove(all + k, ws[i].lat_us, sizeof(*all) * ws[i].done);
		k += ws[i].done;
		done += ws[i].done;
		acc += ws[i].accepted;
		ref += ws[i].refused;
		err += ws[i].errors;
	}
	qsort(all, (size_t)done, sizeof(*all), cmp_u32);
	for (i = 0; i < done; i++)
		sum += all[i];
	printf("size=%ld bytes=%zu attachments=%ld connections=%ld "
	    "messages=%ld seconds=%.3f msg_per_s=%.1f us_per_msg=%.1f "
	    "mean_us=%.1f p50_us=%u p99_us=%u max_us=%u mb_per_s=%.1f "
	    "accepted=%ld refused=%ld errors=%ld\n",
	    opt_size, msg_bytes, opt_attach, opt_conns, done, secs,
	    done / secs, done ? secs * 1e6 / done : 0.0,
	    done ? sum / done : 0.0, done ? all[done / 2] : 0,
	    done ? all[(done * 99) / 100 < done ? (done * 99) / 100 :
	    done - 1] : 0, done ? all[done - 1] : 0,
	    done * (double)msg_bytes / secs / 1e6, acc, ref, err);
	return (acc == opt_messages ? 0 : 1);
}
