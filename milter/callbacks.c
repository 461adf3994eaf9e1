/*
 * callbacks - outpost-milter's libmilter callbacks
 * DESCRIPTION	Per message: the envelope sender is checked at MAIL FROM,
 *		From: and Sender: as their headers arrive, and every MIME
 *		leaf while the body streams through the parser, so a
 *		message is refused as soon as its fault is known and
 *		nothing is parsed twice.
 *
 *		State has two lifetimes, freed in one place each: struct
 *		mf_conn from connect to close, struct mf_msg from MAIL FROM
 *		to end of message or abort, whichever comes.
 *
 *		mf_decide() is the one place where a verdict becomes a
 *		milter reply and a log line; report_only turns a refusal
 *		into "would reject" there.
 * DIAGNOSTICS	A message beyond a MIME bound: 554 5.6.0 naming the bound.
 *		A table error: 451 4.3.0. Out of memory is fatal, and
 *		Postfix's milter_default_action decides for the message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "attach.h"
#include "bounds.h"
#include "mime.h"
#include "milter.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "rspamd.h"
#include "score.h"
#include "sender.h"
#include "spool.h"
#include "verdict.h"

#define MF_RCPTS_MAX	(1000 * (ADDR_MAX + 1))	/* recipients kept */
#define MF_HDRNAMES_MAX	(1 << 20)	/* header names kept, for removals */

struct mf_msg {
	char	 queue_id[32];
	char	 sender[ADDR_MAX + 1];
	char	*login;			/* {auth_authen}, or NULL */
	struct mf_mime *mime;
	struct mf_attach_policy policy;
	struct mf_verdict verdict;
	struct buf line;		/* one header line for the parser */
	unsigned attachments;		/* leaves with a name, for the log */
	int	 refused;		/* a would-reject was logged */
	int	 scoring;		/* rspamd_url was set at MAIL FROM */
	struct mf_spool spool;		/* the message, for Rspamd */
	struct buf rcpts;		/* NUL-separated recipients */
	struct buf hdrnames;		/* "\nName" per header, as sent */
	struct mf_rspamd_result score;
};

struct mf_conn {
	char	 client_addr[INET6_ADDRSTRLEN];
	char	 helo[256];
	char	 hostname[256];
	struct mf_rspamd *rspamd;	/* kept alive between messages */
	struct mf_msg *msg;		/* NULL between messages */
};

static pthread_rwlock_t mf_cfg_lock = PTHREAD_RWLOCK_INITIALIZER;

/* Open connections, so that SIGTERM can let them finish. */
static pthread_mutex_t mf_conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mf_conn_cond = PTHREAD_COND_INITIALIZER;
static int mf_conn_open;
static int mf_conn_refusing;		/* stopping: no new connections */

void
mf_conn_refuse(void)
{
	pthread_mutex_lock(&mf_conn_lock);
	mf_conn_refusing = 1;
	pthread_mutex_unlock(&mf_conn_lock);
}

/* mf_conn_count - one more (+1) or one fewer (-1) open connection;
 * -1 when a new one is refused because we are stopping */
static int
mf_conn_count(int delta)
{
	int	 ret = 0;

	pthread_mutex_lock(&mf_conn_lock);
	if (delta > 0 && mf_conn_refusing)
		ret = -1;
	else
		mf_conn_open += delta;
	pthread_cond_broadcast(&mf_conn_cond);
	pthread_mutex_unlock(&mf_conn_lock);
	return (ret);
}

int
mf_conn_drain(int seconds)
{
	struct timespec until;
	int	 open;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&mf_conn_lock);
	while (mf_conn_open > 0 && pthread_cond_timedwait(&mf_conn_cond,
	    &mf_conn_lock, &until) == 0)
		 /* void */ ;
	open = mf_conn_open;
	pthread_mutex_unlock(&mf_conn_lock);
	return (open);
}

void
mf_cfg_rdlock(void)
{
	pthread_rwlock_rdlock(&mf_cfg_lock);
}

void
mf_cfg_wrlock(void)
{
	pthread_rwlock_wrlock(&mf_cfg_lock);
}

void
mf_cfg_unlock(void)
{
	pthread_rwlock_unlock(&mf_cfg_lock);
}

/* mf_msg_free - the one place a message's state goes */
static struct mf_msg *
mf_msg_free(struct mf_msg *m)
{
	if (m == NULL)
		return (NULL);
	mf_mime_free(m->mime);
	mf_attach_policy_fini(&m->policy);
	mf_verdict_fini(&m->verdict);
	buf_fini(&m->line);
	mf_spool_fini(&m->spool);
	buf_fini(&m->rcpts);
	buf_fini(&m->hdrnames);
	mf_rspamd_result_fini(&m->score);
	xfree(m->login);
	return (xfree(m));
}

/* mf_queue_id - Postfix's queue ID, once it has one */
static const char *
mf_queue_id(SMFICTX *ctx, struct mf_msg *m)
{
	const char *qid;

	if (m->queue_id[0] == 0 && (qid = smfi_getsymval(ctx, "i")) != NULL)
		snprintf(m->queue_id, sizeof(m->queue_id), "%s", qid);
	return (m->queue_id[0] ? m->queue_id : "NOQUEUE");
}

/* mf_decide - verdict to milter reply and log line */
static sfsistat
mf_decide(SMFICTX *ctx, struct mf_conn *c, struct mf_msg *m)
{
	struct mf_verdict *v = &m->verdict;
	char	 text[1024], *p, dsn[16], sender[ADDR_MAX + 1];
	char	 login[TEXT_REPLY_MAX + 1];
	int	 report;
	const char *rest = buf_str(&v->reply);
	size_t	 n;

	if (v->result == CHECK_DUNNO || v->result == CHECK_OK)
		return (SMFIS_CONTINUE);
	if (m->refused)
		return (SMFIS_CONTINUE);	/* report_only: said already */
	report = var_report_only && v->result != CHECK_TEMPFAIL;
	msg_info("%s: %s%s: %s; from=<%s> login=%s client=%s",
	    mf_queue_id(ctx, m), report ? "would " : "", check_name(v->result),
	    buf_str(&v->log), msg_safe(sender, sizeof(sender), m->sender),
	    m->login ? msg_safe(login, sizeof(login), m->login) : "-",
	    c->client_addr);
	if (report) {
		m->refused = 1;
		return (SMFIS_CONTINUE);
	}
	/* "5.7.1 text": the DSN code apart, for smfi_setreply(); a hold
	 * has only a reason. */
	n = v->result == CHECK_HOLD ? 0 : strcspn(rest, " ");
	snprintf(dsn, sizeof(dsn), "%.*s", (int)(n < 15 ? n : 15), rest);
	rest += n + (n && rest[n] == ' ');
	snprintf(text, sizeof(text), "%s", rest);
	for (p = text; *p; p++)
		if (*p == '%' || (unsigned char)*p < 0x20)
			*p = '?';	/* no format characters in a reply */
	if (v->result == CHECK_HOLD) {
		if (smfi_quarantine(ctx, text) != MI_SUCCESS)
			msg_warn("%s: smfi_quarantine failed", mf_queue_id(ctx,
			    m));
		return (SMFIS_CONTINUE);
	}
	if (smfi_setreply(ctx, v->code, dsn, text) != MI_SUCCESS)
		msg_warn("%s: smfi_setreply failed", mf_queue_id(ctx, m));
	switch (v->result) {
	case CHECK_REJECT:
		return (SMFIS_REJECT);
	default:
		return (SMFIS_TEMPFAIL);
	}
}

/* mf_leaf - the MIME parser's callback: one leaf */
static int
mf_leaf(void *ctx, const struct mf_mime_leaf *leaf)
{
	struct mf_msg *m = ctx;

	if (leaf->name)
		m->attachments++;
	if (m->verdict.result != CHECK_DUNNO)
		return (0);		/* report_only: keep counting */
	if (mf_attach_check(&m->policy, leaf, &m->verdict) != CHECK_DUNNO)
		return (var_report_only ? 0 : -1);
	return (0);
}

/* mf_mime_status - a parser status into the verdict */
static void
mf_mime_status(struct mf_msg *m, enum mf_mime_status st)
{
	if (st == MF_MIME_BOUND && m->verdict.result == CHECK_DUNNO)
		mf_verdict_set(&m->verdict, CHECK_REJECT, "554", "5.6.0 message "
		    "refused: %s", mf_mime_error(m->mime));
}

static sfsistat
mf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct mf_conn *c;
	const char *addr = smfi_getsymval(ctx, "{client_addr}");
	const char *j = smfi_getsymval(ctx, "j");

	(void)host;
	if (mf_conn_count(1) < 0)
		return (SMFIS_TEMPFAIL);	/* stopping */
	c = xcalloc(1, sizeof(*c));
	if (addr)
		snprintf(c->client_addr, sizeof(c->client_addr), "%s", addr);
	else if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    c->client_addr, sizeof(c->client_addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    c->client_addr, sizeof(c->client_addr));
	else
		snprintf(c->client_addr, sizeof(c->client_addr), "unknown");
	if (j)
		snprintf(c->hostname, sizeof(c->hostname), "%s", j);
	smfi_setpriv(ctx, c);
	return (SMFIS_CONTINUE);
}

static sfsistat
mf_helo(SMFICTX *ctx, char *helo)
{
	struct mf_conn *c = smfi_getpriv(ctx);

	if (c && helo)
		snprintf(c->helo, sizeof(c->helo), "%s", helo);
	return (SMFIS_CONTINUE);
}

static sfsistat
mf_envfrom(SMFICTX *ctx, char **argv)
{
	struct mf_conn *c = smfi_getpriv(ctx);
	struct mf_msg *m;
	struct mf_sender_ctx sc;
	const char *login = smfi_getsymval(ctx, "{auth_authen}");
	const char *from = argv[0] ? argv[0] : "";
	size_t	 len;
	sfsistat rc;

	if (c == NULL)
		return (SMFIS_TEMPFAIL);
	c->msg = mf_msg_free(c->msg);
	m = c->msg = xcalloc(1, sizeof(*m));
	mf_verdict_init(&m->verdict);
	buf_init(&m->line, 1 << 20);
	buf_init(&m->rcpts, MF_RCPTS_MAX);
	buf_init(&m->hdrnames, MF_HDRNAMES_MAX);
	mf_rspamd_result_init(&m->score);
	if (login && *login)
		m->login = xstrdup(login);
	/* "<addr>" as Postfix sends it; the null sender is "<>". */
	if (*from == '<')
		from++;
	len = strcspn(from, ">");
	if (len > ADDR_MAX) {
		mf_verdict_set(&m->verdict, CHECK_REJECT, "553", "5.1.7 sender "
		    "address longer than %d bytes", ADDR_MAX);
		len = 0;
	}
	memcpy(m->sender, from, len);
	m->sender[len] = 0;

	mf_cfg_rdlock();
	m->scoring = *var_rspamd_url != 0;
	/* One byte over the limit tells an oversized message. */
	mf_spool_init(&m->spool, m->scoring ? var_rspamd_spool_threshold : 0,
	    m->scoring ? var_rspamd_max_size + 1 : 0, var_state_directory);
	sc.login = m->login;
	sc.client_addr = c->client_addr;
	if (m->verdict.result == CHECK_DUNNO)
		mf_sender_envelope(&sc, m->sender, &m->verdict);
	m->mime = mf_attach_begin(&m->policy, m->sender, mf_leaf, m,
	    &m->verdict);
	rc = mf_decide(ctx, c, m);
	mf_cfg_unlock();
	return (rc);
}

/* mf_envrcpt - the recipients, for Rspamd */
static sfsistat
mf_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mf_conn *c = smfi_getpriv(ctx);
	struct mf_msg *m = c ? c->msg : NULL;
	const char *rcpt = argv[0] ? argv[0] : "";
	size_t	 len;

	if (m == NULL)
		return (SMFIS_TEMPFAIL);
	if (*rcpt == '<')
		rcpt++;
	len = strcspn(rcpt, ">");
	if (len > 0 && len <= ADDR_MAX && buf_append(&m->rcpts, rcpt, len) == 0
	    && buf_putc(&m->rcpts, 0) < 0)
		m->rcpts.len -= len;	/* the whole address or nothing */
	return (SMFIS_CONTINUE);
}

/* mf_spool - the message bytes so far, kept for Rspamd */
static void
mf_spool(struct mf_msg *m, const char *data, size_t len)
{
	if (m->scoring)
		(void)mf_spool_write(&m->spool, data, len);
}

/* mf_header_count - how many headers of this name the message has */
static int
mf_header_count(struct mf_msg *m, const char *name)
{
	const char *p = buf_str(&m->hdrnames);
	size_t	 len = strlen(name);
	int	 n = 0;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, len) == 0 && (p[len] == '\n'
		    || p[len] == 0))
			n++;
	}
	return (n);
}

/* mf_header_edits - Rspamd's header edits, removals first */
static void
mf_header_edits(SMFICTX *ctx, struct mf_msg *m)
{
	const struct mf_rspamd_header *h;
	size_t	 i;
	int	 n, k;

	for (i = 0; i < m->score.nheaders; i++) {
		h = m->score.headers + i;
		if (h->value != NULL)
			continue;
		n = mf_header_count(m, h->name);
		if (h->index == 0) {
			for (k = n; k > 0; k--)
				smfi_chgheader(ctx, h->name, k, NULL);
		} else {
			k = h->index > 0 ? h->index : n + h->index + 1;
			if (k > 0 && k <= n)
				smfi_chgheader(ctx, h->name, k, NULL);
		}
	}
	for (i = 0; i < m->score.nheaders; i++) {
		h = m->score.headers + i;
		if (h->value == NULL)
			continue;
		if ((h->index < 0 ? smfi_addheader(ctx, h->name, h->value) :
		    smfi_insheader(ctx, h->index, h->name, h->value))
		    != MI_SUCCESS)
			msg_warn("%s: cannot add header %s", mf_queue_id(ctx, m),
			    h->name);
	}
}

static sfsistat
mf_header(SMFICTX *ctx, char *name, char *value)
{
	struct mf_conn *c = smfi_getpriv(ctx);
	struct mf_msg *m = c ? c->msg : NULL;
	struct mf_sender_ctx sc;
	sfsistat rc;

	if (m == NULL)
		return (SMFIS_TEMPFAIL);
	mf_cfg_rdlock();
	buf_reset(&m->line);
	if (buf_printf(&m->line, "%s: %s\r\n", name, value) < 0)
		mf_verdict_set(&m->verdict, CHECK_REJECT, "554", "5.6.0 message "
		    "refused: header line longer than 1 MB");
	else {
		mf_mime_status(m, mf_mime_feed(m->mime, m->line.data,
		    m->line.len));
		mf_spool(m, m->line.data, m->line.len);
	}
	/* Rspamd's header removals count the headers of a name. */
	if (m->scoring && (buf_putc(&m->hdrnames, '\n') < 0
	    || buf_puts(&m->hdrnames, name) < 0))
		mf_verdict_set(&m->verdict, CHECK_REJECT, "554", "5.6.0 message "
		    "refused: header names longer than 1 MB in all");
	if (m->verdict.result == CHECK_DUNNO && (strcasecmp(name, "From") == 0
	    || strcasecmp(name, "Sender") == 0)) {
		sc.login = m->login;
		sc.client_addr = c->client_addr;
		mf_sender_header(&sc, name, value, &m->verdict);
	}
	rc = mf_decide(ctx, c, m);
	mf_cfg_unlock();
	return (rc);
}

/* mf_feed - the parser's next bytes, then decide */
static sfsistat
mf_feed(SMFICTX *ctx, const char *data, size_t len)
{
	struct mf_conn *c = smfi_getpriv(ctx);
	struct mf_msg *m = c ? c->msg : NULL;
	sfsistat rc;

	if (m == NULL)
		return (SMFIS_TEMPFAIL);
	mf_cfg_rdlock();
	mf_mime_status(m, mf_mime_feed(m->mime, data, len));
	mf_spool(m, data, len);
	rc = mf_decide(ctx, c, m);
	mf_cfg_unlock();
	return (rc);
}

/*
 * mf_score_message - Rspamd's turn, for a message the other checks let
 * through. The configuration lock is held across the request: a reload
 * waits for it (at most rspamd_timeout), the mail does not.
 */
static void
mf_score_message(SMFICTX *ctx, struct mf_conn *c, struct mf_msg *m)
{
	struct mf_score_msg sm;

	if (c->rspamd == NULL)
		c->rspamd = mf_rspamd_create();
	sm.queue_id = mf_queue_id(ctx, m);
	sm.client_addr = c->client_addr;
	sm.helo = c->helo;
	sm.hostname = c->hostname;
	sm.sender = m->sender;
	sm.login = m->login;
	sm.rcpts = m->rcpts.data ? m->rcpts.data : "";
	sm.rcpts_len = m->rcpts.len;
	mf_score(c->rspamd, &sm, &m->spool, &m->score, &m->verdict);
}

static sfsistat
mf_eom(SMFICTX *ctx)
{
	struct mf_conn *c = smfi_getpriv(ctx);
	struct mf_msg *m = c ? c->msg : NULL;
	char	 login[TEXT_REPLY_MAX + 1];
	sfsistat rc;

	if (m == NULL)
		return (SMFIS_TEMPFAIL);
	mf_cfg_rdlock();
	mf_mime_status(m, mf_mime_finish(m->mime));
	if (m->verdict.result == CHECK_DUNNO && m->scoring)
		mf_score_message(ctx, c, m);
	rc = mf_decide(ctx, c, m);
	if (rc == SMFIS_CONTINUE)
		mf_header_edits(ctx, m);
	if (m->verdict.result == CHECK_DUNNO)
		msg_info("%s: accept: from=<%s> login=%s client=%s "
		    "attachments=%u", mf_queue_id(ctx, m), m->policy.sender,
		    m->login ? msg_safe(login, sizeof(login), m->login) : "-",
		    c->client_addr, m->attachments);
	mf_cfg_unlock();
	c->msg = mf_msg_free(c->msg);
	return (rc);
}

static sfsistat
mf_eoh(SMFICTX *ctx)
{
	return (mf_feed(ctx, "\r\n", 2));
}

static sfsistat
mf_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	return (mf_feed(ctx, (const char *)data, len));
}

static sfsistat
mf_abort(SMFICTX *ctx)
{
	struct mf_conn *c = smfi_getpriv(ctx);

	if (c)
		c->msg = mf_msg_free(c->msg);
	return (SMFIS_CONTINUE);
}

/* mf_close - may be the only callback seen: accept no state */
static sfsistat
mf_close(SMFICTX *ctx)
{
	struct mf_conn *c = smfi_getpriv(ctx);

	if (c) {
		mf_msg_free(c->msg);
		mf_rspamd_free(c->rspamd);
		xfree(c);
		smfi_setpriv(ctx, NULL);
		mf_conn_count(-1);
	}
	return (SMFIS_CONTINUE);
}

struct smfiDesc mf_desc = {
	.xxfi_name = "outpost-milter",
	.xxfi_version = SMFI_VERSION,
	/* Rspamd's header edits (a DKIM-Signature, say) and its hold. */
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = mf_connect,
	.xxfi_helo = mf_helo,
	.xxfi_envfrom = mf_envfrom,
	.xxfi_envrcpt = mf_envrcpt,
	.xxfi_header = mf_header,
	.xxfi_eoh = mf_eoh,
	.xxfi_body = mf_body,
	.xxfi_eom = mf_eom,
	.xxfi_abort = mf_abort,
	.xxfi_close = mf_close,
};
