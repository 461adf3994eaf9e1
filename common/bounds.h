/* bounds.h - every input limit in one place, with its reason */
#ifndef BOUNDS_H
#define BOUNDS_H

#define POLICY_LINE_MAX		4096	/* one name=value line; Postfix
					 * sends far less */
#define POLICY_ATTR_MAX		128	/* attributes in one request; Postfix
					 * sends about 30 */
#define POLICY_CONN_MAX		4096	/* concurrent policy connections */
#define ADDR_MAX		256	/* RFC 5321 path, with <> */
#define CFG_LINE_MAX		65536	/* one logical outpost.conf line */
#define CFG_PARAM_MAX		256	/* parameters in outpost.conf */
#define CFG_EXPAND_DEPTH	20	/* $name inside $name inside ... */
#define TABLE_LINE_MAX		65536	/* one logical table source line */
#define TABLE_KEY_MAX		511	/* LMDB maximum key size */
#define TABLE_VALUE_MAX		65536	/* one table value */
#define RATE_LIMITS_MAX		8	/* windows in one limit list */
#define BLOCK_TEXT_MAX		512	/* remote reply kept in an entry */
#define BLOCK_WHO_MAX		64	/* who made a manual change */
#define TEXT_REPLY_MAX		100	/* client text quoted in a reply or log */

#endif /* BOUNDS_H */
