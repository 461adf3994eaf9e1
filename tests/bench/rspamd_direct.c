/*
 * rspamd_direct - time Rspamd's /checkv2 called directly, as the floor
 * SYNOPSIS	rspamd_direct -u URL -m FILE [-n requests] [-l login] [-q]
 * DESCRIPTION	Posts the message in FILE to URL/checkv2 n times over one
 *		kept-alive libcurl connection, with the request headers
 *		outpost-milter sends (From, Rcpt, IP, User), one request
 *		after the other, and prints the latency of each: what
 *		scoring costs without any milter in between. Run beside
 *		milter_drive against outpost-milter with the same message
 *		(milter_drive -w FILE) and the same Rspamd, the difference
 *		is what outpost-milter adds per message.
 *		-n	requests, 1..1000000 (default 1000)
 *		-l	the User header (default alice)
 *		-q	print only the figures line
 * OUTPUT	requests=1000 bytes=10317 seconds=3.10 req_per_s=322.6
 *		    mean_us=3100.2 p50_us=3050 p99_us=4100 max_us=9000
 *		    no_action=1000 errors=0
 * EXIT STATUS	0 when every request got HTTP 200, 1 otherwise, 2 for a
 *		usage error.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static size_t
collect(char *data, size_t size, size_t n, void *ctx)
{
	char	*reply = ctx;
	size_t	 have = strlen(reply), add = size * n;

	if (have + add >= 65536)
		add = 65535 - have;
	memcpy(reply + have, data, add);
	reply[have + add] = 0;
	return (size * n);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	const char *url = NULL, *file = NULL, *login = "alice";
	char	 full[2048], user[300], *msg, reply[65536];
	long	 n = 1000, i, bad = 0, noaction = 0;
	double	*lat, t0, t1, sum = 0;
	size_t	 len;
	FILE	*fp;
	CURL	*c;
	struct curl_slist *h = NULL;
	int	 ch, quiet = 0;

	while ((ch = getopt(argc, argv, "u:m:n:l:q")) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'm': file = optarg; break;
		case 'n': n = atol(optarg); break;
		case 'l': login = optarg; break;
		case 'q': quiet = 1; break;
		default: goto usage;
		}
	}
	if (url == NULL || file == NULL || n < 1 || n > 1000000
	    || strlen(url) > 1000 || strlen(login) > 256)
		goto usage;
	if ((fp = fopen(file, "r")) == NULL) {
		perror(file);
		return (2);
	}
	fseek(fp, 0, SEEK_END);
	len = (size_t)ftell(fp);
	rewind(fp);
	if ((msg = malloc(len + 1)) == NULL || fread(msg, 1, len, fp) != len)
		return (2);
	fclose(fp);
	lat = calloc((size_t)n, sizeof(*lat));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	snprintf(full, sizeof(full), "%s/checkv2", url);
	snprintf(user, sizeof(user), "User: %s", login);
	h = curl_slist_append(h, "From: app@app.example");
	h = curl_slist_append(h, "Rcpt: user@dest.example");
	h = curl_slist_append(h, "IP: 127.0.0.1");
	h = curl_slist_append(h, user);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, msg);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	t0 = now();
	for (i = 0; i < n; i++) {
		long	 status = 0;
		double	 s = now();

		reply[0] = 0;
		if (curl_easy_perform(c) != CURLE_OK
		    || curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status)
		    != CURLE_OK || status != 200)
			bad++;
		lat[i] = (now() - s) * 1e6;
		sum += lat[i];
		if (strstr(reply, "\"action\":\"no action\"") != NULL)
			noaction++;
	}
	t1 = now();
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("requests=%ld bytes=%zu seconds=%.2f req_per_s=%.1f "
	    "mean_us=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f "
	    "no_action=%ld errors=%ld\n", n, len, t1 - t0, n / (t1 - t0),
	    sum / n, lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 :
	    n - 1], lat[n - 1], noaction, bad);
	if (!quiet && bad)
		fprintf(stderr, "rspamd_direct: %ld requests failed\n", bad);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(lat);
	free(msg);
	return (bad ? 1 : 0);
usage:
	fprintf(stderr, "usage: rspamd_direct -u URL -m FILE [-n requests] "
	    "[-l login] [-q]\n");
	return (2);
}
