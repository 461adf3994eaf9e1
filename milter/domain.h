/* domain.h - sender_domain_policy: only verified sending domains */
#ifndef MF_DOMAIN_H
#define MF_DOMAIN_H
#include "verdict.h"

/*
 * mf_domain_header() - with sender_domain_policy = verified, every
 * mailbox of a From: header value must be in a domain that "outpostctl
 * domain verify" recorded as verified; else a 550 (or, when the state
 * cannot be read, a 451) in v. Reads LMDB only, never DNS.
 */
enum check_result mf_domain_header(const char *value, struct mf_verdict *v);
/* mf_domain_close() - release the state environment (at exit) */
void	 mf_domain_close(void);
/* mf_domain_policy_valid() - the cfg_load() check of the parameter */
int	 mf_domain_policy_valid(const char *value, const char **why);

#endif /* MF_DOMAIN_H */
