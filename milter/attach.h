/* attach.h - the attachment allowlist */
#ifndef ATTACH_H
#define ATTACH_H
#include "bounds.h"
#include "buf.h"
#include "mime.h"
#include "verdict.h"

/* The policy for one message: resolved once, from its sender. */
struct mf_attach_policy {
	struct buf allowed;		/* extension list, or "any" */
	char	 sender[ADDR_MAX + 1];	/* for the reply; "<>" when null */
};

#define MF_EXT_MAX	32		/* longest extension we report */

void	 mf_attach_policy_fini(struct mf_attach_policy *);

/* mf_attach_begin() - a message's attachment check: the policy for sender
 * (a table error sets a 451 verdict, if v has none yet) and a MIME parser
 * with the mime_max_* bounds that calls cb for every leaf */
struct mf_mime *mf_attach_begin(struct mf_attach_policy *, const char *sender,
		    mf_mime_cb cb, void *ctx, struct mf_verdict *v);
/* mf_attach_extension() - the extension that counts, lower case, into
 * ext (MF_EXT_MAX + 1): the last one, after trimming trailing dots, white
 * space and NULs; "" when there is none. */
void	 mf_attach_extension(const char *name, char *ext);
/* mf_attach_name_valid() - 0 when name holds a bidirectional or invisible
 * control character (U+202E and kin, U+200B ...) or a C0 control */
int	 mf_attach_name_valid(const char *name);
/* mf_attach_check() - one leaf: DUNNO, or REJECT with the verdict set */
enum check_result mf_attach_check(const struct mf_attach_policy *,
		    const struct mf_mime_leaf *, struct mf_verdict *);
/* mf_attach_allowed() - would this extension pass? (for test-message) */
int	 mf_attach_allowed(const struct mf_attach_policy *, const char *ext);

#endif /* ATTACH_H */
