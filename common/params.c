/*
 * params - every outpost.conf parameter, one table for all programs
 * DESCRIPTION	One row per parameter: name, type, default, range, the
 *		variable, and which programs use it. Each program applies
 *		its own rows (tables are opened only by their users);
 *		outpostctl knows every row, so "outpostctl config" shows
 *		the whole file and a name no program knows is warned about.
 *		Each row has an entry in outpost.conf(5).
 */
#include "params.h"

char	*var_state_directory;
char	*var_outpost_user;
char	*var_socket_group;
char	*var_recipient_delimiter;
int	 var_report_only;

char	*var_policyd_listen;
uint64_t var_policyd_max_idle;
uint64_t var_policyd_max_connections;
char	*var_rate_limit_keys;
char	*var_rate_limit_default;
struct table *var_rate_limit_maps;
char	*var_rate_limit_action;
uint64_t var_blocklist_expiry;

struct table *var_bounce_classifier_maps;
uint64_t var_soft_bounce_promote_after;

char	*var_milter_listen;
struct table *var_sender_login_maps;
char	*var_sender_login_check;
struct table *var_trusted_networks;
char	*var_attachment_allowed_extensions;
struct table *var_attachment_extension_maps;
char	*var_attachment_blocked_types;
uint64_t var_mime_max_depth;
uint64_t var_mime_max_header_size;
uint64_t var_mime_max_parts;
uint64_t var_mime_max_filename_length;
char	*var_sender_domain_policy;
struct table *var_dkim_key_maps;
char	*var_outbound_addresses;
char	*var_bounce_domain;
uint64_t var_domain_dns_timeout;

char	*var_rspamd_url;
uint64_t var_rspamd_timeout;
char	*var_rspamd_failure_action;
uint64_t var_rspamd_max_size;
uint64_t var_rspamd_spool_threshold;
struct table *var_rspamd_settings_maps;
char	*var_spam_header_action;

#define DAY	86400ULL
#define MF	(CFG_MF | CFG_CTL)

const struct cfg_param outpost_params[] = {
	/* name, type, default, min, max, variable, users */
	{"state_directory", CFG_STR, "/var/lib/outpost", 0, 0,
	&var_state_directory, CFG_ALL},
	{"outpost_user", CFG_STR, "outpost", 0, 0, &var_outpost_user, CFG_ALL},
	{"socket_group", CFG_STR, "postfix", 0, 0, &var_socket_group, CFG_ALL},
	{"recipient_delimiter", CFG_STR, "", 0, 0, &var_recipient_delimiter,
	CFG_ALL},
	{"report_only", CFG_BOOL, "no", 0, 0, &var_report_only, CFG_ALL},

	{"policyd_listen", CFG_STR,
		"unix:/var/spool/postfix/private/outpost-policy", 0, 0,
	&var_policyd_listen, CFG_PD | CFG_CTL},
	{"policyd_max_idle", CFG_TIME, "300s", 1, 3600, &var_policyd_max_idle,
	CFG_PD},
	{"policyd_max_connections", CFG_INT, "2048", 1, 4096,
	&var_policyd_max_connections, CFG_PD},
	{"rate_limit_keys", CFG_STR, "sasl_username, sender", 0, 0,
	&var_rate_limit_keys, CFG_PD | CFG_CTL},
	{"rate_limit_default", CFG_STR,
		"200 msg/1h, 2000 msg/1d, 5000 rcpt/1d", 0, 0,
	&var_rate_limit_default, CFG_PD | CFG_CTL},
	{"rate_limit_maps", CFG_TABLE, "", 0, 0, &var_rate_limit_maps,
	CFG_PD | CFG_CTL},
	{"rate_limit_action", CFG_STR, "defer", 0, 0, &var_rate_limit_action,
	CFG_PD | CFG_CTL},
	{"blocklist_expiry", CFG_TIME, "0", 0, 3650 * DAY,
	&var_blocklist_expiry, CFG_PD | CFG_CTL},
	/* bounce and complaint ingestion (outpostctl ingest) */
	{"bounce_classifier_maps", CFG_TABLE, "", 0, 0,
	&var_bounce_classifier_maps, CFG_CTL},
	{"soft_bounce_promote_after", CFG_TIME, "7d", 0, 3650 * DAY,
	&var_soft_bounce_promote_after, CFG_CTL},

	{"milter_listen", CFG_STR,
		"unix:/var/spool/postfix/private/outpost-milter", 0, 0,
	&var_milter_listen, CFG_MF},
	{"sender_login_maps", CFG_TABLE, "", 0, 0, &var_sender_login_maps, MF},
	{"sender_login_check", CFG_STR, "envelope, header", 0, 0,
	&var_sender_login_check, MF},
	{"trusted_networks", CFG_TABLE, "", 0, 0, &var_trusted_networks, MF},
	{"attachment_allowed_extensions", CFG_STR,
		"pdf, png, jpg, jpeg, gif, txt, csv, ics, vcf, docx, xlsx, "
		"pptx, odt, ods, odp, zip", 0, 0,
	&var_attachment_allowed_extensions, MF},
	{"attachment_extension_maps", CFG_TABLE, "", 0, 0,
	&var_attachment_extension_maps, MF},
	{"attachment_blocked_types", CFG_STR,
		"application/x-msdownload, application/x-msdos-program, "
		"application/x-dosexec, application/x-executable, "
		"application/vnd.microsoft.portable-executable, "
		"application/x-msi, application/x-ms-installer, "
		"application/x-sh, application/x-shellscript, "
		"application/x-bat, application/hta, application/x-ms-shortcut, "
		"application/java-archive, application/x-java-archive", 0, 0,
	&var_attachment_blocked_types, MF},
	{"mime_max_depth", CFG_INT, "16", 1, 64, &var_mime_max_depth, MF},
	{"mime_max_header_size", CFG_INT, "65536", 1024, 1048576,
	&var_mime_max_header_size, MF},
	{"mime_max_parts", CFG_INT, "1000", 1, 100000, &var_mime_max_parts, MF},
	{"mime_max_filename_length", CFG_INT, "255", 16, 4096,
	&var_mime_max_filename_length, MF},

	/* Scoring by Rspamd: an empty rspamd_url turns it off. */
	{"rspamd_url", CFG_STR, "http://127.0.0.1:11333", 0, 0,
	&var_rspamd_url, MF},
	{"rspamd_timeout", CFG_TIME, "15s", 1, 600, &var_rspamd_timeout, MF},
	{"rspamd_failure_action", CFG_STR, "tempfail", 0, 0,
	&var_rspamd_failure_action, MF},
	{"rspamd_max_size", CFG_INT, "52428800", 1024, 1ULL << 31,
	&var_rspamd_max_size, MF},
	{"rspamd_spool_threshold", CFG_INT, "1048576", 0, 1ULL << 31,
	&var_rspamd_spool_threshold, MF},
	{"rspamd_settings_maps", CFG_TABLE, "", 0, 0,
	&var_rspamd_settings_maps, MF},
	{"spam_header_action", CFG_STR, "hold", 0, 0, &var_spam_header_action,
	MF},

	/* Sending domains: "outpostctl domain verify" checks DNS and
	 * records the verdict; the milter only reads it. */
	{"sender_domain_policy", CFG_STR, "any", 0, 0,
	&var_sender_domain_policy, MF},
	{"dkim_key_maps", CFG_TABLE, "", 0, 0, &var_dkim_key_maps, CFG_CTL},
	{"outbound_addresses", CFG_STR, "", 0, 0, &var_outbound_addresses,
	CFG_CTL},
	{"bounce_domain", CFG_STR, "", 0, 0, &var_bounce_domain, CFG_CTL},
	{"domain_dns_timeout", CFG_TIME, "5s", 1, 60, &var_domain_dns_timeout,
	CFG_CTL},
	{0},
};
