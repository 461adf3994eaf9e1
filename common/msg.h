/* msg.h - logging to syslog (facility mail) or stderr */
#ifndef MSG_H
#define MSG_H
#include <stddef.h>
#include "sys_defs.h"

#define MSG_SYSLOG	1		/* log to syslog, facility mail */
#define MSG_STDERR	2		/* log to stderr with program name */

void	 msg_open(const char *progname, int flags);
void	 msg_info(const char *, ...) PRINTFLIKE(1, 2);
void	 msg_warn(const char *, ...) PRINTFLIKE(1, 2);
void	 msg_fatal(const char *, ...) PRINTFLIKE(1, 2) NORETURN;
void	 msg_panic(const char *, ...) PRINTFLIKE(1, 2) NORETURN;
/* Replace non-printable bytes in client text by '?', at most len-1 bytes
 * copied, result always terminated; returns out. */
char	*msg_safe(char *out, size_t len, const char *in);
extern int msg_verbose;

#endif /* MSG_H */
