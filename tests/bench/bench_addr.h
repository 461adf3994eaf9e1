/* bench_addr.h - "unix:PATH" and "inet:HOST:PORT" for the benchmark tools */
#ifndef BENCH_ADDR_H
#define BENCH_ADDR_H
#include <sys/socket.h>

/*
 * bench_addr_parse() fills *ss and *len from spec. HOST must be a loopback
 * address (127.0.0.0/8, ::1, or "localhost", taken as 127.0.0.1): these
 * tools never talk to another machine. Returns 0, or -1 with *why set to
 * a static string.
 */
int	 bench_addr_parse(const char *spec, struct sockaddr_storage *ss,
			  socklen_t *len, const char **why);

#endif /* BENCH_ADDR_H */
