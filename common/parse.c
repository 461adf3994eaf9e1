/*
 * parse - checked conversion of numbers, durations and flags
 * DESCRIPTION	Every number that comes from a file or the network goes
 *		through here: no atoi(), no unchecked strtol(). Each
 *		function returns 0, or -1 with *why naming the problem,
 *		and leaves *v alone on error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* parse_digits - decimal digits only, overflow-checked */
static int
parse_digits(const char **sp, uint64_t *v, const char **why)
{
	const char *s = *sp;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s)) {
		*why = "not a number";
		return (-1);
	}
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (n > (UINT64_MAX - d) / 10) {
			*why = "number too large";
			return (-1);
		}
		n = n * 10 + d;
	}
	*sp = s;
	*v = n;
	return (0);
}

/* parse_range - the common tail: range check and store */
static int
parse_range(uint64_t n, uint64_t min, uint64_t max, uint64_t *v,
    const char **why)
{
	if (n < min) {
		*why = "value below minimum";
		return (-1);
	}
	if (n > max) {
		*why = "value above maximum";
		return (-1);
	}
	*v = n;
	return (0);
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v,
    const char **why)
{
	uint64_t n;

	if (parse_digits(&s, &n, why) < 0)
		return (-1);
	if (*s != 0) {
		*why = "trailing garbage after number";
		return (-1);
	}
	return (parse_range(n, min, max, v, why));
}

int
parse_time(const char *s, uint64_t min, uint64_t max, uint64_t *v,
    const char **why)
{
	uint64_t n, unit;

	if (parse_digits(&s, &n, why) < 0)
		return (-1);
	switch (*s) {
	case 0:
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		*why = "bad time unit (use s, m, h, d or w)";
		return (-1);
	}
	if (*s != 0 && s[1] != 0) {
		*why = "trailing garbage after time unit";
		return (-1);
	}
	if (n > UINT64_MAX / unit) {
		*why = "number too large";
		return (-1);
	}
	return (parse_range(n * unit, min, max, v, why));
}

int
parse_bool(const char *s, int *v, const char **why)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return (0);
		}
	}
	*why = "not a boolean (use yes or no)";
	return (-1);
}

char *
format_duration(char *out, size_t len, uint64_t secs)
{
	uint64_t m = (secs + 59) / 60, h = (secs + 3599) / 3600;

	/* Round up first, then pick the unit: never "60m" or "23h60m". */
	if (secs < 60)
		snprintf(out, len, "%us", (unsigned)secs);
	else if (m < 60)
		snprintf(out, len, "%um", (unsigned)m);
	else if (m < 24 * 60)
		snprintf(out, len, "%uh%02um", (unsigned)(m / 60),
		    (unsigned)(m % 60));
	else
		snprintf(out, len, "%llud%02uh", (unsigned long long)(h / 24),
		    (unsigned)(h % 24));
	return (out);
}
