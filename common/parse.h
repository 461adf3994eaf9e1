/* parse.h - checked conversion of numbers, durations and flags */
#ifndef PARSE_H
#define PARSE_H
#include <stdint.h>

/* Each returns 0, or -1 with *why set (a static string); *v is changed
 * only on success. */
int	 parse_uint(const char *, uint64_t min, uint64_t max, uint64_t *v,
		    const char **why);
/* "90", "90s", "15m", "1h", "1d", "1w"; a bare number is seconds */
int	 parse_time(const char *, uint64_t min, uint64_t max, uint64_t *v,
		    const char **why);
/* "yes" / "no" (also true/false, on/off, 1/0) */
int	 parse_bool(const char *, int *v, const char **why);
/* Format seconds as "17m", "2h05m", "3d" into out; returns out. */
char	*format_duration(char *out, size_t len, uint64_t secs);

#endif /* PARSE_H */
