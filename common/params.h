/* params.h - every outpost.conf parameter, one table for all programs */
#ifndef PARAMS_H
#define PARAMS_H
#include <stdint.h>
#include "cfg.h"
#include "table.h"

extern const struct cfg_param outpost_params[];

/* shared */
extern char *var_state_directory;
extern char *var_outpost_user;
extern char *var_socket_group;
extern char *var_recipient_delimiter;
extern int var_report_only;

/* outpost-policyd */
extern char *var_policyd_listen;
extern uint64_t var_policyd_max_idle;
extern uint64_t var_policyd_max_connections;
extern char *var_rate_limit_keys;
extern char *var_rate_limit_default;
extern struct table *var_rate_limit_maps;
extern char *var_rate_limit_action;
extern uint64_t var_blocklist_expiry;

/* outpostctl ingest, bounce classify, report */
extern struct table *var_bounce_classifier_maps;
extern uint64_t var_soft_bounce_promote_after;

/* outpost-milter */
extern char *var_milter_listen;
extern struct table *var_sender_login_maps;
extern char *var_sender_login_check;
extern struct table *var_trusted_networks;
extern char *var_attachment_allowed_extensions;
extern struct table *var_attachment_extension_maps;
extern char *var_attachment_blocked_types;
extern uint64_t var_mime_max_depth;
extern uint64_t var_mime_max_header_size;
extern uint64_t var_mime_max_parts;
extern uint64_t var_mime_max_filename_length;
/* sending domains: outpostctl domain verify, sender_domain_policy */
extern char *var_sender_domain_policy;
extern struct table *var_dkim_key_maps;
extern char *var_outbound_addresses;
extern char *var_bounce_domain;
extern uint64_t var_domain_dns_timeout;

extern char *var_rspamd_url;
extern uint64_t var_rspamd_timeout;
extern char *var_rspamd_failure_action;
extern uint64_t var_rspamd_max_size;
extern uint64_t var_rspamd_spool_threshold;
extern struct table *var_rspamd_settings_maps;
extern char *var_spam_header_action;

#endif /* PARAMS_H */
