/*
 * bounce_parse - libFuzzer entry for the bounce message and log parsers
 * SYNOPSIS	make tests/fuzz/bounce_parse
 *		tests/fuzz/bounce_parse -max_total_time=120 CORPUS_DIR \
 *		    tests/data/bounces
 * DESCRIPTION	Each input is parsed as a message (pd_bmsg_parse) and each
 *		of its lines as a mail log line (pd_blog_parse). Besides
 *		what the sanitizers catch: every recipient found must be a
 *		plausible address with a known class, and the reason text
 *		must be set when nothing was found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bounce_log.h"
#include "bounce_msg.h"
#include "mymalloc.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pd_bmsg m;
	struct pd_blog l;
	const char *s = (const char *)data, *nl;
	size_t	 i, off = 0;

	if (size > BOUNCE_MSG_MAX)
		return (0);
	pd_bmsg_parse(s, size, 0, NULL, &m);
	if (m.n > BOUNCE_RCPT_MAX)
		abort();
	for (i = 0; i < m.n; i++)
		if (!addr_valid(m.rcpt[i].address)
		    || m.rcpt[i].class >= PD_BOUNCE_CLASSES)
			abort();
	if (m.kind == PD_BMSG_NONE && m.why[0] == 0)
		abort();
	while (off < size) {
		nl = memchr(s + off, '\n', size - off);
		i = nl ? (size_t)(nl - s) - off : size - off;
		if (i <= BOUNCE_LINE_MAX)
			(void)pd_blog_parse(s + off, i, 1714564800, NULL, &l);
		off += i + 1;
	}
	return (0);
}
