/* spf.h - SPF policy evaluation with libspf2 (RFC 7208) */
#ifndef SPF_H
#define SPF_H
#include "buf.h"

struct pd_spf;

/* pd_spf_create() - the system resolver (cached); with zone set, a
 * test zone that pd_spf_zone_add() fills and nothing else answers */
struct pd_spf *pd_spf_create(int zone);
/* pd_spf_zone_add() - one record ("TXT", "A", "AAAA") for a test zone;
 * 0, or -1 */
int	 pd_spf_zone_add(struct pd_spf *, const char *name, const char *type,
		    const char *data);
struct pd_spf *pd_spf_free(struct pd_spf *);	/* returns NULL */

/*
 * pd_spf_check() - what domain's policy says about mail from ip
 * (envelope sender postmaster@domain). Returns the result name ("pass",
 * "fail", "softfail", "neutral", "none", "temperror", "permerror");
 * detail says which mechanism decided, with libspf2's comment, or the
 * error.
 */
const char *pd_spf_check(struct pd_spf *, const char *domain, const char *ip,
		    struct buf *detail);

#endif /* SPF_H */
