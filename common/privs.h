/* privs.h - listening sockets and dropping root */
#ifndef PRIVS_H
#define PRIVS_H
#include "buf.h"

/*
 * privs_listen() opens "unix:/path" (mode 0660, group `group` when it
 * exists, owner `user` when running as root) or "inet:host:port"
 * (loopback or any local address), non-blocking. -1 with err set.
 */
int	 privs_listen(const char *spec, const char *user, const char *group,
		    struct buf *err);
/*
 * privs_state_dir() creates dir (mode 0700) and, as root, gives it and
 * the files in it to user, so the daemon can use it after privs_drop().
 */
int	 privs_state_dir(const char *dir, const char *user, struct buf *err);
/*
 * privs_drop() becomes user (setgroups, setgid, setuid, then checks that
 * setuid(0) fails). Not root, or an empty user: nothing to do. -1 with
 * err set.
 */
int	 privs_drop(const char *user, struct buf *err);

#endif /* PRIVS_H */
