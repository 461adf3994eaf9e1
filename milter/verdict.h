/* verdict.h - what a milter check decided, and the words for it */
#ifndef VERDICT_H
#define VERDICT_H
#include "buf.h"
#include "check.h"

struct mf_verdict {
	enum check_result result;
	char	 code[4];		/* "550", "554", "451" */
	struct buf reply;		/* "5.7.1 text": the SMTP reply after the code */
	struct buf log;			/* the facts, for the log line */
};

void	 mf_verdict_init(struct mf_verdict *);
void	 mf_verdict_fini(struct mf_verdict *);
void	 mf_verdict_reset(struct mf_verdict *);
/* mf_verdict_set() - result, code and reply text (printf), log = reply */
void	 mf_verdict_set(struct mf_verdict *, enum check_result, const char *code,
		    const char *fmt, ...) PRINTFLIKE(4, 5);

#endif /* VERDICT_H */
