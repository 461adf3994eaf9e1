/* sys_defs.h - the one place for platform differences */
#ifndef SYS_DEFS_H
#define SYS_DEFS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* accept4, SOCK_CLOEXEC, memmem, %m */
#endif

#ifdef __linux__
#define HAVE_EPOLL	1
#define HAVE_ACCEPT4	1
#endif

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN	__attribute__((noreturn))

#endif /* SYS_DEFS_H */
