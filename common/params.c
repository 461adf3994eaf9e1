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

#define DAY	86400ULL

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
	{0},
};
