/*
 * addrlist_parse - libFuzzer entry for mf_addrlist_parse()
 * SYNOPSIS	clang -fsanitize=fuzzer,address,undefined -Icommon -Imilter \
 *		    tests/fuzz/addrlist_parse.c milter/addrlist.c \
 *		    milter/codec.c common/buf.c common/mymalloc.c common/msg.c
 * DESCRIPTION	The input is a header value. Besides what the sanitizers
 *		catch, the results must keep the promises of addrlist.h:
 *		every address within ADDR_MAX with an "@" and a lower-case
 *		domain, every display name within MF_DISPLAY_MAX, the
 *		display-name scan within ADDR_MAX, an error with a reason
 *		and no mailboxes; and an address, parsed again as "<addr>",
 *		comes back the same. A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "mymalloc.h"

#include "addrlist.h"

#define FUZZ_MAILBOXES	16

/* check - abort when a promise is broken */
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
	struct mf_addr list[FUZZ_MAILBOXES], again[1];
	char	*value, quoted[ADDR_MAX + 3], fake[ADDR_MAX + 1];
	const char *why = NULL, *at;
	int	 n = -1, m, i, k, r;

	value = xmalloc(size + 1);
	memcpy(value, data, size);
	value[size] = 0;
	if (mf_addrlist_parse(value, list, FUZZ_MAILBOXES, &n, &why) < 0) {
		check(n == 0 && why != NULL && *why != 0);
		xfree(value);
		return (0);
	}
	check(n >= 0 && n <= FUZZ_MAILBOXES);
	for (i = 0; i < n; i++) {
		check(strlen(list[i].addr) <= ADDR_MAX);
		check(strlen(list[i].display) <= MF_DISPLAY_MAX);
		check((at = strrchr(list[i].addr, '@')) != NULL && at[1] != 0);
		for (at++; *at; at++)
			check(!(*at >= 'A' && *at <= 'Z'));
		for (k = 0; (r = mf_addrlist_display_addr_n(&list[i], k, fake,
		    sizeof(fake))) == 1; k++)
			check(strchr(fake, '@') != NULL);
		check(r == 0);
		/* What came out reads back as itself. */
		quoted[0] = '<';
		memcpy(quoted + 1, list[i].addr, strlen(list[i].addr));
		quoted[strlen(list[i].addr) + 1] = '>';
		quoted[strlen(list[i].addr) + 2] = 0;
		check(mf_addrlist_parse(quoted, again, 1, &m, &why) == 0);
		check(m == 1 && strcmp(again[0].addr, list[i].addr) == 0);
	}
	xfree(value);
	return (0);
}
