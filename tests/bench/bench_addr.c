/*
 * bench_addr - socket address of a benchmark policy service
 * SYNOPSIS	bench_addr_parse("unix:/tmp/x/policy", &ss, &len, &why)
 *		bench_addr_parse("inet:127.0.0.1:10040", &ss, &len, &why)
 *		bench_addr_parse("inet:[::1]:10040", &ss, &len, &why)
 * DESCRIPTION	The address forms of Postfix's check_policy_service, limited
 *		to loopback: a benchmark must not be pointed at a real host.
 *		HOST is a numeric address or "localhost"; nothing is resolved.
 * LIMITS	A unix PATH must fit sun_path (107 bytes on Linux).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "bench_addr.h"

#define BENCH_HOST_MAX	64	/* longer is no loopback address */

/* bench_port_parse - decimal 1..65535; -1 if not */
static int
bench_port_parse(const char *s)
{
	char	*end;
	long	 port;

	if (*s < '0' || *s > '9')
		return (-1);
	port = strtol(s, &end, 10);
	if (*end != 0 || port < 1 || port > 65535)
		return (-1);
	return ((int) port);
}

/* bench_inet_parse - "HOST:PORT" with a loopback HOST */
static int
bench_inet_parse(const char *hostport, struct sockaddr_storage *ss,
		 socklen_t *len, const char **why)
{
	char	 host[BENCH_HOST_MAX];
	const char *colon;
	size_t	 hlen;
	int	 port;
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	/* The last colon separates the port, so "::1:10040" works too. */
	if ((colon = strrchr(hostport, ':')) == NULL) {
		*why = "expected inet:HOST:PORT";
		return (-1);
	}
	if ((port = bench_port_parse(colon + 1)) < 0) {
		*why = "bad port: expected 1..65535";
		return (-1);
	}
	hlen = (size_t) (colon - hostport);
	if (hlen >= 2 && hostport[0] == '[' && hostport[hlen - 1] == ']') {
		hostport++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "bad host";
		return (-1);
	}
	memcpy(host, hostport, hlen);
	host[hlen] = 0;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127) {
			*why = "not a loopback address (want 127.x.x.x, ::1 "
			    "or localhost)";
			return (-1);
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t) port);
		*len = sizeof(*sin);
		return (0);
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
			*why = "not a loopback address (want 127.x.x.x, ::1 "
			    "or localhost)";
			return (-1);
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t) port);
		*len = sizeof(*sin6);
		return (0);
	}
	*why = "host is not a numeric address or localhost";
	return (-1);
}

/* bench_addr_parse - "unix:PATH" or "inet:HOST:PORT" to a sockaddr */
int
bench_addr_parse(const char *spec, struct sockaddr_storage *ss,
		 socklen_t *len, const char **why)
{
	struct sockaddr_un *sun = (struct sockaddr_un *) ss;
	size_t	 plen;

	if (strncmp(spec, "inet:", 5) == 0)
		return (bench_inet_parse(spec + 5, ss, len, why));
	if (strncmp(spec, "unix:", 5) != 0) {
		*why = "expected unix:PATH or inet:HOST:PORT";
		return (-1);
	}
	spec += 5;
	plen = strlen(spec);
	if (plen == 0 || plen >= sizeof(sun->sun_path)) {
		*why = "unix socket path is empty or too long";
		return (-1);
	}
	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, spec, plen + 1);
	*len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + plen + 1);
	return (0);
}
