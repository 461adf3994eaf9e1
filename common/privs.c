/*
 * privs - listening sockets and dropping root
 * DESCRIPTION	A daemon opens its sockets and its state as root, then
 *		becomes outpost_user for good, in the fixed order
 *		setgroups, setgid, setuid, and proves it by checking that
 *		setuid(0) now fails. Unix sockets get an explicit mode and
 *		group, so Postfix's smtpd (group postfix) can connect and
 *		nobody else can.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "msg.h"
#include "privs.h"

/* privs_unix - bind a unix socket; -1 with err set */
static int
privs_unix(const char *path, const char *user, const char *group,
    struct buf *err)
{
	struct sockaddr_un sun;
	struct stat st;
	struct passwd *pw;
	struct group *gr;
	int	 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		buf_printf(err, "socket path too long: %s", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		buf_printf(err, "socket: %m");
		return (-1);
	}
	/* Remove a socket left behind, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			buf_printf(err, "%s exists and is not a socket", path);
			goto fail;
		}
		if (unlink(path) < 0) {
			buf_printf(err, "remove old socket %s: %m", path);
			goto fail;
		}
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		buf_printf(err, "bind %s: %m", path);
		goto fail;
	}
	if (chmod(path, 0660) < 0) {
		buf_printf(err, "chmod %s: %m", path);
		goto fail;
	}
	if (geteuid() == 0) {
		uid_t	 uid = (user && *user && (pw = getpwnam(user))) ?
		    pw->pw_uid : (uid_t)-1;
		gid_t	 gid = (group && *group && (gr = getgrnam(group))) ?
		    gr->gr_gid : (gid_t)-1;

		if (group && *group && gid == (gid_t)-1)
			msg_warn("socket_group %s: no such group; Postfix may "
			    "not be able to connect to %s", group, path);

		if (chown(path, uid, gid) < 0) {
			buf_printf(err, "chown %s: %m", path);
			goto fail;
		}
	}
	if (listen(fd, 1024) < 0) {
		buf_printf(err, "listen %s: %m", path);
		goto fail;
	}
	return (fd);
fail:
	close(fd);
	return (-1);
}

/* privs_inet - bind host:port; -1 with err set */
static int
privs_inet(const char *hostport, struct buf *err)
{
	char	 host[256], *port;
	struct addrinfo hints, *res;
	int	 fd, on = 1, rc;

	if (strlen(hostport) >= sizeof(host)
	    || (port = strrchr(strcpy(host, hostport), ':')) == NULL) {
		buf_printf(err, "expected inet:host:port, not inet:%.100s",
		    hostport);
		return (-1);
	}
	*port++ = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = 0;
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		buf_printf(err, "inet:%s: %s", hostport, gai_strerror(rc));
		return (-1);
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK
	    | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0
	    || listen(fd, 1024) < 0) {
		buf_printf(err, "listen on inet:%s: %m", hostport);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

int
privs_listen(const char *spec, const char *user, const char *group,
    struct buf *err)
{
	buf_reset(err);
	if (strncmp(spec, "unix:", 5) == 0)
		return (privs_unix(spec + 5, user, group, err));
	if (strncmp(spec, "inet:", 5) == 0)
		return (privs_inet(spec + 5, err));
	buf_printf(err, "bad listen address \"%.100s\": use unix:/path or "
	    "inet:host:port", spec);
	return (-1);
}

int
privs_state_dir(const char *dir, const char *user, struct buf *err)
{
	struct passwd *pw;
	DIR	*dp;
	struct dirent *de;
	char	 path[4096];

	buf_reset(err);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(err, "create state directory %s: %m", dir);
		return (-1);
	}
	if (geteuid() != 0 || user == NULL || *user == 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		buf_printf(err, "outpost_user %s: no such user", user);
		return (-1);
	}
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
		buf_printf(err, "chown %s: %m", dir);
		return (-1);
	}
	if ((dp = opendir(dir)) == NULL) {
		buf_printf(err, "open %s: %m", dir);
		return (-1);
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (chown(path, pw->pw_uid, pw->pw_gid) < 0)
			msg_warn("chown %s: %m", path);
	}
	closedir(dp);
	return (0);
}

int
privs_drop(const char *user, struct buf *err)
{
	struct passwd *pw;

	buf_reset(err);
	if (geteuid() != 0 || user == NULL || *user == 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		buf_printf(err, "outpost_user %s: no such user", user);
		return (-1);
	}
	if (pw->pw_uid == 0)
		return (0);		/* told to stay root */
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
	    || setuid(pw->pw_uid) < 0) {
		buf_printf(err, "drop privileges to %s: %m", user);
		return (-1);
	}
	if (setuid(0) == 0) {
		buf_printf(err, "drop privileges to %s: setuid(0) still works",
		    user);
		return (-1);
	}
	return (0);
}
