/*
 * rspamd_reply - libFuzzer entry for mf_rspamd_parse()
 * SYNOPSIS	make fuzz
 * DESCRIPTION	The input is an HTTP reply body from "Rspamd". Besides
 *		what the sanitizers catch, the result must keep the
 *		promises of rspamd.h: a known action, at most 64 header
 *		edits, each with a name of printable ASCII without a colon
 *		and a value (when there is one) without CR and within
 *		16384 bytes, an SMTP message within 200 bytes, and an
 *		error text whenever the reply is refused. A broken promise
 *		aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rspamd.h"

static void
check(int ok)
{
	if (!ok)
		abort();
}

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mf_rspamd_result r;
	const char *p;
	size_t	 i;

	mf_rspamd_result_init(&r);
	if (mf_rspamd_parse((const char *)data, size, &r) < 0) {
		check(r.error.len > 0);
		check(r.nheaders == 0);
	} else {
		check(r.action <= MF_RSPAMD_REJECT);
		check(r.nheaders <= 64);
		check(r.message.len <= 200);
		for (i = 0; i < r.nheaders; i++) {
			for (p = r.headers[i].name; *p; p++)
				check(*p > ' ' && *p < 0x7f && *p != ':');
			check(p > r.headers[i].name);
			if (r.headers[i].value) {
				check(strchr(r.headers[i].value, '\r') == NULL);
				check(strlen(r.headers[i].value) <= 16384);
			}
		}
	}
	mf_rspamd_result_fini(&r);
	return (0);
}
