/* check.h - what a check decides; one place per program maps it to a reply */
#ifndef CHECK_H
#define CHECK_H

enum check_result {
	CHECK_DUNNO,			/* no opinion: the next check decides */
	CHECK_OK,			/* accept, skip the remaining checks */
	CHECK_REJECT,			/* 5xx */
	CHECK_DEFER,			/* 4xx, unless a later check rejects */
	CHECK_HOLD,			/* accept into Postfix's hold queue */
	CHECK_TEMPFAIL			/* we could not decide: 4xx */
};

/* check_name() - "reject", "defer", ... as used in log lines */
const char *check_name(enum check_result);

#endif /* CHECK_H */
