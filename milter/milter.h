/* milter.h - outpost-milter's shared state: configuration lock */
#ifndef MILTER_H
#define MILTER_H
#include <libmilter/mfapi.h>

/* The callbacks, for smfi_register(). */
extern struct smfiDesc mf_desc;

/*
 * Configuration is read in callbacks (many threads) and replaced on
 * SIGHUP: callbacks hold the read lock while they use var_* and tables,
 * the reload holds the write lock.
 */
void	 mf_cfg_rdlock(void);
void	 mf_cfg_wrlock(void);
void	 mf_cfg_unlock(void);

/* mf_conn_refuse() - from now on, tempfail new connections */
void	 mf_conn_refuse(void);
/* mf_conn_drain() - wait until no connection is open, at most seconds;
 * returns how many are still open */
int	 mf_conn_drain(int seconds);

#endif /* MILTER_H */
