/*
 * check - names of check results, for log lines
 */
#include "check.h"

const char *
check_name(enum check_result r)
{
	switch (r) {
	case CHECK_DUNNO:
		return ("dunno");
	case CHECK_OK:
		return ("accept");
	case CHECK_REJECT:
		return ("reject");
	case CHECK_DEFER:
		return ("defer");
	case CHECK_HOLD:
		return ("hold");
	case CHECK_TEMPFAIL:
		return ("tempfail");
	}
	return ("unknown");
}
