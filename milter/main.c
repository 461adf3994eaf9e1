/*
 * outpost-milter - sender-login and attachment checks for Postfix
 * SYNOPSIS	outpost-milter [-c FILE] [-f] [-v]
 * DESCRIPTION	Read the configuration, open the milter socket as root,
 *		drop to outpost_user, and let libmilter serve. A thread of
 *		our own, started before libmilter's, takes the signals:
 *		SIGHUP reloads the configuration between callbacks (a
 *		broken file or table leaves the old one in force), SIGTERM
 *		and SIGINT stop accepting and let running connections end.
 * SEE ALSO	outpost-milter(8), outpost.conf(5)
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "daemon.h"
#include "milter.h"
#include "msg.h"
#include "params.h"
#include "privs.h"
#include "rspamd.h"
#include "score.h"
#include "sender.h"

static const char *mf_config = CFG_DEFAULT_PATH;

#define MF_DRAIN_SECONDS	30	/* for open connections at SIGTERM */

/*
 * Signals. Our thread only waits for signals and hands a SIGHUP to the
 * reload thread, so that it is back in sigwait() at once: a signal that
 * found it busy would go to libmilter's own signal thread, which stops
 * the milter on SIGHUP.
 */
static pthread_mutex_t mf_reload_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mf_reload_cond = PTHREAD_COND_INITIALIZER;
static int mf_reload_pending;
static int mf_stopping;

/* mf_signals - SIGHUP reloads, SIGTERM/SIGINT stop */
static void *
mf_signals(void *arg)
{
	sigset_t *set = arg;
	int	 sig, open;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&mf_reload_lock);
		if (sig == SIGHUP)
			mf_reload_pending = 1;
		else
			mf_stopping = 1;
		pthread_cond_signal(&mf_reload_cond);
		pthread_mutex_unlock(&mf_reload_lock);
		if (sig != SIGHUP) {
			/*
			 * Let the open connections finish before libmilter
			 * is told to stop: once stopped it serves them no
			 * more. New ones are tempfailed meanwhile. A second
			 * signal now goes to libmilter, which stops at once.
			 */
			msg_info("signal %d: no new connections; finishing the "
			    "open ones", sig);
			mf_conn_refuse();
			if ((open = mf_conn_drain(MF_DRAIN_SECONDS)) > 0)
				msg_warn("stopping with %d connection%s still "
				    "open after %ds", open, open == 1 ? "" : "s",
				    MF_DRAIN_SECONDS);
			smfi_stop();
			return (NULL);
		}
	}
}

/* mf_reloader - read the configuration again, outside any callback */
static void *
mf_reloader(void *arg)
{
	struct buf err;

	(void)arg;
	buf_init(&err, 4096);
	pthread_mutex_lock(&mf_reload_lock);
	for (;;) {
		while (!mf_reload_pending && !mf_stopping)
			pthread_cond_wait(&mf_reload_cond, &mf_reload_lock);
		if (mf_stopping)
			break;
		mf_reload_pending = 0;
		pthread_mutex_unlock(&mf_reload_lock);
		/* Callbacks wait only for the swap (cfg_commit_hooks). */
		if (cfg_load(mf_config, outpost_params, CFG_MF, 0, &err) < 0)
			msg_warn("reload failed, keeping the old configuration: "
			    "%s", buf_str(&err));
		else
			msg_info("configuration reloaded from %s", mf_config);
		pthread_mutex_lock(&mf_reload_lock);
	}
	pthread_mutex_unlock(&mf_reload_lock);
	buf_fini(&err);
	return (NULL);
}

/* mf_socket_perms - a unix socket that Postfix (group) may use */
static void
mf_socket_perms(const char *spec)
{
	const char *path;
	struct passwd *pw;
	struct group *gr;

	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	else
		return;
	if (chmod(path, 0660) < 0)
		msg_fatal("chmod %s: %m", path);
	if (geteuid() == 0 && chown(path, (pw = getpwnam(var_outpost_user)) ?
	    pw->pw_uid : (uid_t)-1, (gr = getgrnam(var_socket_group)) ?
	    gr->gr_gid : (gid_t)-1) < 0)
		msg_fatal("chown %s: %m", path);
}

int
main(int argc, char **argv)
{
	struct buf err;
	sigset_t set;
	pthread_t sig_tid, reload_tid;
	unsigned long scored, failed, too_big;

	mf_sender_register_checks();
	mf_score_register_checks();
	cfg_commit_hooks(mf_cfg_wrlock, mf_cfg_unlock);
	mf_config = daemon_init(argc, argv, "outpost-milter", CFG_MF);
	buf_init(&err, 4096);
	mf_rspamd_global_init();
	if (*var_rspamd_url == 0)
		msg_info("rspamd_url is empty: messages are not scored");
	if (var_sender_login_maps == NULL)
		msg_warn("sender_login_maps is empty: authenticated clients "
		    "may use no sender address");

	if (smfi_register(mf_desc) != MI_SUCCESS)
		msg_fatal("smfi_register failed");
	if (smfi_setconn(var_milter_listen) != MI_SUCCESS)
		msg_fatal("milter_listen = %s: bad address", var_milter_listen);
	if (smfi_opensocket(1) != MI_SUCCESS)
		msg_fatal("milter_listen = %s: cannot open the socket",
		    var_milter_listen);
	mf_socket_perms(var_milter_listen);
	/* Messages for Rspamd spill into state_directory past the
	 * threshold. */
	if (privs_state_dir(var_state_directory, var_outpost_user, &err) < 0)
		msg_fatal("%s", buf_str(&err));
	if (privs_drop(var_outpost_user, &err) < 0)
		msg_fatal("%s", buf_str(&err));

	/* Our signal thread first, so the kernel finds it before
	 * libmilter's, which would stop on SIGHUP. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((errno = pthread_create(&sig_tid, NULL, mf_signals, &set)) != 0
	    || (errno = pthread_create(&reload_tid, NULL, mf_reloader, NULL)) != 0)
		msg_fatal("pthread_create: %m");
	pthread_detach(sig_tid);
	msg_info("ready: listening on %s", var_milter_listen);
	if (smfi_main() != MI_SUCCESS)
		msg_fatal("smfi_main failed");
	/* libmilter stopped listening; its connections run on. */
	pthread_mutex_lock(&mf_reload_lock);
	mf_stopping = 1;
	pthread_cond_signal(&mf_reload_cond);
	pthread_mutex_unlock(&mf_reload_lock);
	pthread_join(reload_tid, NULL);
	mf_score_stats(&scored, &failed, &too_big);
	msg_info("stopped: rspamd scored %lu, failed %lu, too big %lu",
	    scored, failed, too_big);
	cfg_free(outpost_params);
	buf_fini(&err);
	return (0);
}
