/*
 * verdict - what a milter check decided, and the words for it
 * DESCRIPTION	Checks fill a verdict; the milter callbacks (and
 *		outpostctl test-message) turn it into a reply and one log
 *		line. The reply text is what the SMTP client sees, so it
 *		names the refused thing; the log text defaults to it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verdict.h"

#define MF_VERDICT_TEXT_MAX	1024

void
mf_verdict_init(struct mf_verdict *v)
{
	v->result = CHECK_DUNNO;
	v->code[0] = 0;
	buf_init(&v->reply, MF_VERDICT_TEXT_MAX);
	buf_init(&v->log, MF_VERDICT_TEXT_MAX);
}

void
mf_verdict_fini(struct mf_verdict *v)
{
	buf_fini(&v->reply);
	buf_fini(&v->log);
}

void
mf_verdict_reset(struct mf_verdict *v)
{
	v->result = CHECK_DUNNO;
	v->code[0] = 0;
	buf_reset(&v->reply);
	buf_reset(&v->log);
}

void
mf_verdict_set(struct mf_verdict *v, enum check_result r, const char *code,
    const char *fmt, ...)
{
	char	 text[MF_VERDICT_TEXT_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	v->result = r;
	snprintf(v->code, sizeof(v->code), "%s", code);
	buf_set(&v->reply, text);
	buf_set(&v->log, text);
}
