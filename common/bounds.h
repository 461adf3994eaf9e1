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
#define BLOCK_JOURNAL_MAX	4096	/* new blocklist keys kept for the
					 * daemon to catch up from; further
					 * behind, it rebuilds its filter */
#define TEXT_REPLY_MAX		100	/* client text quoted in a reply or log */
/* Bounce and complaint ingestion (outpostctl ingest, bounce classify). */
#define BOUNCE_LINE_MAX		8192	/* one mail log line; syslog lines are
					 * far shorter, a longer one is skipped */
#define BOUNCE_MSG_MAX		(4 * 1024 * 1024)	/* bytes of a message
					 * examined: the report parts come
					 * first, the returned message last */
#define BOUNCE_HEADER_MAX	65536	/* one header block of a bounce */
#define BOUNCE_DEPTH_MAX	8	/* multipart nesting in a bounce */
#define BOUNCE_PARTS_MAX	64	/* MIME parts examined in a bounce */
#define BOUNCE_RCPT_MAX		100	/* recipients taken from one bounce */
#define BOUNCE_REPLY_MAX	BLOCK_TEXT_MAX	/* remote reply kept */
#define BOUNCE_QUEUE_MAX	200000	/* queue IDs remembered while reading
					 * a log, for the sender (from=) */
#define REGEXP_IF_DEPTH_MAX	32	/* nested if/endif in a regexp table */
#define REGEXP_RULES_MAX	10000	/* rules in one regexp table */

#endif /* BOUNDS_H */
