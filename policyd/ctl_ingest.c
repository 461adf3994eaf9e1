/*
 * ctl_ingest - outpostctl ingest: bounces and complaints into the state
 * SYNOPSIS	outpostctl ingest log [-f] FILE
 *		outpostctl ingest message < MESSAGE
 * DESCRIPTION	"ingest log" reads Postfix's mail log from where the
 *		last run stopped (the position is saved in the state with
 *		the events it covers, one write transaction per chunk of
 *		the file): no line is applied twice, none is skipped. A
 *		file with another inode than the saved one is read from
 *		its start. With -f it then follows the file: at its end it
 *		polls, and when the name points to a new file (rotation by
 *		rename) it finishes the old one and goes on with the new
 *		one from its start; when the file got shorter (rotation
 *		by copytruncate) it starts again at 0. SIGTERM or SIGINT
 *		end it after the current chunk. A line that is not
 *		complete yet (no newline) is left for later.
 *
 *		The sender of a bounced recipient comes from the queue
 *		manager's "from=<...>" line of the same queue ID, kept in
 *		memory until "removed" (BOUNCE_QUEUE_MAX queue IDs).
 *
 *		"ingest message" reads one message on standard input, as
 *		a pipe(8) transport for a bounce address: DSNs,
 *		non-standard bounces, ARF complaints; auto-replies and
 *		anything else are logged and ignored.
 * DIAGNOSTICS	ingest log: 66 when FILE cannot be opened, 75 when the
 *		state cannot be written (nothing of that chunk is).
 *		ingest message: 0 for anything understood or ignored
 *		(including input that is not a message at all), 75 only
 *		when the state could not be written or
 *		bounce_classifier_maps failed, so that Postfix retries.
 * LIMITS	BOUNCE_LINE_MAX per log line (a longer line is skipped
 *		and counted), BOUNCE_MSG_MAX bytes of a message examined.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce_log.h"
#include "bounce_msg.h"
#include "bounds.h"
#include "ctl.h"
#include "htable.h"
#include "ingest.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"

#define INGEST_CHUNK		(1024 * 1024)	/* bytes read per batch */
#define INGEST_POLL_MS		200		/* -f: wait at end of file */

static volatile sig_atomic_t ctl_ingest_stop;

static const char ctl_ingest_usage_text[] =
"usage: outpostctl ingest log [-f] FILE\n"
"       outpostctl ingest message < MESSAGE\n";

/* ctl_ingest_usage - the ingest forms, exit status for usage */
static int
ctl_ingest_usage(void)
{
	fputs(ctl_ingest_usage_text, stderr);
	return (CTL_EX_USAGE);
}

/* ctl_ingest_signal - SIGTERM, SIGINT: stop after this chunk */
static void
ctl_ingest_signal(int sig)
{
	(void)sig;
	ctl_ingest_stop = 1;
}

struct ctl_log {
	const char *path;
	int	 fd;
	struct db *db;
	struct pd_ingest_pos pos;
	struct htable senders;		/* queue ID -> sender */
	int	 senders_full;		/* warned about BOUNCE_QUEUE_MAX */
	struct pd_ingest_event *ev;
	size_t	 nev, evsize;
	char	*buf;			/* INGEST_CHUNK + a partial line */
	size_t	 have;			/* bytes in buf */
	int	 skipping;		/* inside a line over the bound */
	/* totals */
	size_t	 lines, long_lines, classes[PD_BOUNCE_CLASSES], added;
};

/* ctl_log_event - one more event for the batch */
static struct pd_ingest_event *
ctl_log_event(struct ctl_log *lg)
{
	if (lg->nev == lg->evsize) {
		lg->evsize = lg->evsize ? 2 * lg->evsize : 1024;
		lg->ev = xrealloc(lg->ev, lg->evsize * sizeof(*lg->ev));
	}
	memset(&lg->ev[lg->nev], 0, sizeof(lg->ev[0]));
	return (&lg->ev[lg->nev++]);
}

/* ctl_log_line - one complete line */
static void
ctl_log_line(struct ctl_log *lg, const char *line, size_t len, int64_t now)
{
	struct pd_blog l;
	struct pd_ingest_event *ev;
	const char *sender;

	lg->lines++;
	switch (pd_blog_parse(line, len, now, var_bounce_classifier_maps,
	    &l)) {
	case PD_BLOG_FROM:
		if (htable_find(&lg->senders, l.queue_id) != NULL)
			break;
		if (lg->senders.used >= BOUNCE_QUEUE_MAX) {
			if (!lg->senders_full++)
				msg_warn("%s: more than %d queue IDs in flight: "
				    "senders forgotten", lg->path,
				    BOUNCE_QUEUE_MAX);
			htable_fini(&lg->senders, free);
			htable_init(&lg->senders, 1024);
		}
		htable_enter(&lg->senders, l.queue_id, xstrdup(l.sender));
		break;
	case PD_BLOG_REMOVED:
		free(htable_delete(&lg->senders, l.queue_id));
		break;
	case PD_BLOG_EXPIRED:
		lg->classes[PD_BOUNCE_SOFT]++;
		break;
	case PD_BLOG_RCPT:
		ev = ctl_log_event(lg);
		ev->r = l.rcpt;
		ev->source = PD_BLOCK_LOG;
		ev->time = l.time;
		ev->delivered = strcmp(l.word, "sent") == 0;
		if ((sender = htable_find(&lg->senders, l.queue_id)) != NULL)
			snprintf(ev->sender, sizeof(ev->sender), "%s", sender);
		if (!ev->delivered)
			lg->classes[l.rcpt.class]++;
		break;
	case PD_BLOG_OTHER:
		break;
	}
}

/* ctl_log_long - a line over BOUNCE_LINE_MAX, at lg->pos.off */
static void
ctl_log_long(struct ctl_log *lg)
{
	lg->long_lines++;
	msg_warn("%s: a line over %d bytes at offset %llu: skipped", lg->path,
	    BOUNCE_LINE_MAX, (unsigned long long)lg->pos.off);
}

/* ctl_log_flush - apply the batch and the position; -1 on error */
static int
ctl_log_flush(struct ctl_log *lg)
{
	struct pd_ingest_opts o;
	const char *why;
	size_t	 added;

	o.promote_after = var_soft_bounce_promote_after;
	o.expiry = var_blocklist_expiry;
	o.now = (int64_t)time(NULL);
	if (pd_ingest_apply(lg->db, lg->ev, lg->nev, &lg->pos, &o, &added,
	    &why) < 0) {
		ctl_error("ingest log %s: state not written: %s", lg->path, why);
		return (-1);
	}
	if (added > 0)
		msg_info("ingest log %s: %zu recipient%s blocked", lg->path,
		    added, added == 1 ? "" : "s");
	lg->added += added;
	lg->nev = 0;
	return (0);
}

/* ctl_log_read - read what is there, a chunk per transaction; 1 when
 * something was read, 0 at end of file, -1 on error */
static int
ctl_log_read(struct ctl_log *lg)
{
	ssize_t	 n;
	size_t	 start, i;
	int64_t	 now = (int64_t)time(NULL);
	int	 got = 0;

	for (;;) {
		if ((n = read(lg->fd, lg->buf + lg->have, INGEST_CHUNK)) < 0) {
			if (errno == EINTR && !ctl_ingest_stop)
				continue;
			if (errno == EINTR)
				return (got);
			ctl_error("ingest log %s: read: %m", lg->path);
			return (-1);
		}
		if (n == 0)
			return (got);
		got = 1;
		lg->have += (size_t)n;
		start = 0;
		for (i = 0; i < lg->have; i++) {
			if (lg->buf[i] != '\n')
				continue;
			if (lg->skipping)
				lg->skipping = 0;	/* its end */
			else if (i - start > BOUNCE_LINE_MAX)
				ctl_log_long(lg);
			else
				ctl_log_line(lg, lg->buf + start, i - start,
				    now);
			lg->pos.off += i + 1 - start;
			start = i + 1;
		}
		/* A partial line waits; one over the bound is skipped. */
		if (!lg->skipping && lg->have - start > BOUNCE_LINE_MAX) {
			ctl_log_long(lg);
			lg->skipping = 1;
		}
		if (lg->skipping) {
			lg->pos.off += lg->have - start;
			start = lg->have;
		}
		memmove(lg->buf, lg->buf + start, lg->have - start);
		lg->have -= start;
		if (ctl_log_flush(lg) < 0)
			return (-1);
		if (ctl_ingest_stop)
			return (got);
	}
}

/* ctl_log_open - open the log; resume at the saved position when it is
 * the same file; -1 (reported) */
static int
ctl_log_open(struct ctl_log *lg, int resume)
{
	struct stat st;
	uint64_t ino = 0, off = 0;
	const char *why;
	int	 rc;

	if ((lg->fd < 0 && (lg->fd = open(lg->path, O_RDONLY | O_CLOEXEC)) < 0)
	    || fstat(lg->fd, &st) < 0) {
		ctl_error("ingest log: open %s: %m", lg->path);
		return (-1);
	}
	lg->pos.ino = (uint64_t)st.st_ino;
	lg->pos.off = 0;
	lg->have = 0;
	lg->skipping = 0;
	if (!resume)
		return (0);
	if ((rc = pd_ingest_pos_get(lg->db, lg->path, &ino, &off, &why)) < 0) {
		ctl_error("ingest log %s: %s", lg->path, why);
		return (-2);
	}
	if (rc == 1 && ino == lg->pos.ino && off <= (uint64_t)st.st_size
	    && lseek(lg->fd, (off_t)off, SEEK_SET) == (off_t)off)
		lg->pos.off = off;
	else if (rc == 1)
		msg_info("ingest log %s: not the file read last time, or "
		    "shorter: reading from its start", lg->path);
	return (0);
}

/* ctl_log_rotated - -f at end of file: 1 when the file was replaced or
 * truncated (and is reopened or rewound), 0, -1 */
static int
ctl_log_rotated(struct ctl_log *lg)
{
	struct stat st, cur;

	if (stat(lg->path, &st) < 0)
		return (0);		/* between rename and create */
	if ((uint64_t)st.st_ino != lg->pos.ino) {
		/* Renamed away: finish the old file, then the new one. */
		if (ctl_log_read(lg) < 0)
			return (-1);
		close(lg->fd);
		lg->fd = -1;
		msg_info("ingest log %s: rotated, reading the new file",
		    lg->path);
		if (ctl_log_open(lg, 0) < 0)
			return (-1);
		return (1);
	}
	if (fstat(lg->fd, &cur) == 0 && (uint64_t)cur.st_size < lg->pos.off) {
		msg_info("ingest log %s: truncated, reading from its start",
		    lg->path);
		if (lseek(lg->fd, 0, SEEK_SET) < 0)
			return (-1);
		lg->pos.off = 0;
		lg->have = 0;
		lg->skipping = 0;
		return (1);
	}
	return (0);
}

/* ctl_ingest_log - ingest log [-f] FILE */
static int
ctl_ingest_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_log lg;
	struct sigaction sa;
	struct timespec ts = {0, INGEST_POLL_MS * 1000000L};
	int	 ch, follow = 0, status = CTL_EX_OK, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (ch != 'f') {
			ctl_getopt_error("ingest log", ch, argv);
			return (ctl_ingest_usage());
		}
		follow = 1;
	}
	if (argc - optind != 1)
		return (ctl_ingest_usage());
	memset(&lg, 0, sizeof(lg));
	lg.path = argv[optind];
	lg.pos.name = lg.path;
	lg.fd = -1;
	/*
	 * The log first, as root may be needed to read it; a file that
	 * replaces it after a rotation is opened as outpost_user.
	 */
	if ((lg.fd = open(lg.path, O_RDONLY | O_CLOEXEC)) < 0) {
		ctl_error("ingest log: open %s: %m", lg.path);
		return (CTL_EX_NOINPUT);
	}
	if ((lg.db = ctl_state_open(&status)) == NULL) {
		close(lg.fd);
		return (status);
	}
	if ((rc = ctl_log_open(&lg, 1)) < 0) {
		db_close(lg.db);
		if (lg.fd >= 0)
			close(lg.fd);
		return (rc == -2 ? CTL_EX_TEMPFAIL : CTL_EX_NOINPUT);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_ingest_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	htable_init(&lg.senders, 1024);
	lg.buf = xmalloc(INGEST_CHUNK + BOUNCE_LINE_MAX + 1);
	for (;;) {
		if ((rc = ctl_log_read(&lg)) < 0) {
			status = CTL_EX_TEMPFAIL;
			break;
		}
		if (!follow || ctl_ingest_stop)
			break;
		if (rc == 0) {
			if ((rc = ctl_log_rotated(&lg)) < 0) {
				status = CTL_EX_TEMPFAIL;
				break;
			}
			if (rc == 0)
				nanosleep(&ts, NULL);
		}
	}
	if (status == CTL_EX_OK)
		printf("%s: %zu lines, %zu hard, %zu soft, %zu policy, "
		    "%zu over %d bytes; %zu blocked\n", lg.path, lg.lines,
		    lg.classes[PD_BOUNCE_HARD], lg.classes[PD_BOUNCE_SOFT],
		    lg.classes[PD_BOUNCE_POLICY], lg.long_lines,
		    BOUNCE_LINE_MAX, lg.added);
	if (lg.fd >= 0)
		close(lg.fd);
	htable_fini(&lg.senders, free);
	xfree(lg.buf);
	xfree(lg.ev);
	db_close(lg.db);
	return (status);
}

/*
 * ctl_ingest_read - a message from fd into *data (BOUNCE_MSG_MAX bytes
 * at most; the rest is read and dropped); its length, *total the whole
 * size; -1 on a read error
 */
ssize_t
ctl_ingest_read(int fd, char **data, size_t *total)
{
	char	 sink[65536];
	size_t	 len = 0, size = 65536;
	ssize_t	 n;

	*data = xmalloc(size + 1);
	*total = 0;
	for (;;) {
		if (len < BOUNCE_MSG_MAX) {
			if (len == size) {
				size = size * 2 > BOUNCE_MSG_MAX ?
				    BOUNCE_MSG_MAX : size * 2;
				*data = xrealloc(*data, size + 1);
			}
			n = read(fd, *data + len, size - len);
		} else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0)
			break;
		if (len < BOUNCE_MSG_MAX)
			len += (size_t)n;
		*total += (size_t)n;
	}
	(*data)[len] = 0;
	return ((ssize_t)len);
}

/* ctl_ingest_message - ingest message: one message on stdin */
static int
ctl_ingest_message(int argc, char **argv)
{
	struct pd_bmsg *m;
	struct pd_ingest_event *ev;
	struct pd_ingest_opts o;
	struct db *db;
	const char *why;
	char	*data, safe[TEXT_REPLY_MAX + 1];
	size_t	 total, i, added = 0;
	ssize_t	 len;
	int	 status = CTL_EX_OK;

	(void)argv;
	if (argc != 1)
		return (ctl_ingest_usage());
	if ((len = ctl_ingest_read(0, &data, &total)) < 0) {
		ctl_error("ingest message: read: %m");
		xfree(data);
		return (CTL_EX_TEMPFAIL);
	}
	m = xcalloc(1, sizeof(*m));
	pd_bmsg_parse(data, (size_t)len, total > (size_t)len,
	    var_bounce_classifier_maps, m);
	xfree(data);
	msg_info("ingest message: %s: %s (%zu bytes)", pd_bmsg_kind_name(m->kind),
	    m->why, total);
	ev = xcalloc(m->n + 1, sizeof(*ev));
	for (i = 0; i < m->n; i++) {
		ev[i].r = m->rcpt[i];
		ev[i].source = m->kind == PD_BMSG_ARF ? PD_BLOCK_ARF :
		    PD_BLOCK_DSN;
		ev[i].time = (int64_t)time(NULL);
		memcpy(ev[i].sender, m->sender, sizeof(ev[i].sender));
		msg_info("ingest message: %s %s %s (%s) %s",
		    m->rcpt[i].address, pd_bounce_class_name(m->rcpt[i].class),
		    m->rcpt[i].status[0] ? m->rcpt[i].status : "-",
		    m->rcpt[i].rule, msg_safe(safe, sizeof(safe),
		    m->rcpt[i].reply));
	}
	if (m->map_error) {
		ctl_error("ingest message: bounce_classifier_maps failed: try "
		    "again later");
		status = CTL_EX_TEMPFAIL;
	} else if (m->n > 0) {
		o.promote_after = var_soft_bounce_promote_after;
		o.expiry = var_blocklist_expiry;
		o.now = (int64_t)time(NULL);
		if ((db = ctl_state_open(&status)) == NULL)
			status = CTL_EX_TEMPFAIL;
		else if (pd_ingest_apply(db, ev, m->n, NULL, &o, &added,
		    &why) < 0) {
			ctl_error("ingest message: state not written: %s", why);
			status = CTL_EX_TEMPFAIL;
		} else if (added > 0)
			msg_info("ingest message: %zu recipient%s blocked",
			    added, added == 1 ? "" : "s");
		db_close(db);
	}
	xfree(ev);
	xfree(m);
	return (status);
}

int
ctl_ingest(int argc, char **argv)
{
	if (argc < 2)
		return (ctl_ingest_usage());
	if (strcmp(argv[1], "log") == 0)
		return (ctl_ingest_log(argc - 1, argv + 1));
	if (strcmp(argv[1], "message") == 0)
		return (ctl_ingest_message(argc - 1, argv + 1));
	ctl_error("ingest: unknown command \"%.100s\"", argv[1]);
	return (ctl_ingest_usage());
}
