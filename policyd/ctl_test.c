/*
 * ctl_test - outpostctl test-message: the milter's checks on stored mail
 * SYNOPSIS	outpostctl test-message [--login LOGIN] [--client IP]
 *		    [--from ADDR] [--json] FILE...
 * DESCRIPTION	Runs the sender-login and attachment checks that
 *		outpost-milter runs, with the same configuration and the
 *		same code, on messages in files, and prints for each file
 *		every attachment name found (decoded), its extension,
 *		whether the policy allows it, and the verdict. Nothing is
 *		changed anywhere: this is how a postmaster checks a
 *		complaint or a policy change before deploying it.
 *
 *		--from gives the envelope sender (default: the first
 *		address of From:); --login the SASL login (default: none,
 *		which makes the trusted_networks rules apply to --client,
 *		default 127.0.0.1). With --json, one object per file:
 *		{"file", "verdict", "reason", "attachments": [{"name",
 *		"extension", "allowed"}]}.
 * DIAGNOSTICS	Exit 0 when every message would be accepted, 1 when one
 *		would not, 66 when a file cannot be read.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addrlist.h"
#include "attach.h"
#include "bounds.h"
#include "buf.h"
#include "ctl_test.h"
#include "mime.h"
#include "msg.h"
#include "mymalloc.h"
#include "params.h"
#include "sender.h"
#include "verdict.h"

#define CTL_TEST_MAX	(64 << 20)	/* largest message file read */
#define CTL_TEST_LEAVES	1000		/* attachments listed per message */
#define CTL_TEST_MAILBOXES 64		/* in From:, as the milter takes */
#define CTL_TEST_HEADERS 16		/* From: (and Sender:) headers checked */

struct ctl_leaf {
	char	*name;
	char	 ext[MF_EXT_MAX + 1];
	int	 allowed;
};

struct ctl_msg {
	struct mf_attach_policy policy;
	struct mf_verdict verdict;	/* the first refusal */
	struct ctl_leaf leaf[CTL_TEST_LEAVES];
	int	 nleaf;
};

/* ctl_test_leaf - the parser's callback: record, and check */
static int
ctl_test_leaf(void *ctx, const struct mf_mime_leaf *leaf)
{
	struct ctl_msg *m = ctx;
	struct mf_verdict v;

	mf_verdict_init(&v);
	mf_attach_check(&m->policy, leaf, &v);
	if (m->nleaf < CTL_TEST_LEAVES) {
		struct ctl_leaf *l = &m->leaf[m->nleaf++];

		l->name = xstrdup(leaf->name ? leaf->name : "");
		if (leaf->name)
			mf_attach_extension(leaf->name, l->ext);
		else
			snprintf(l->ext, sizeof(l->ext), "(%s)",
			    leaf->content_type ? leaf->content_type : "");
		l->allowed = v.result == CHECK_DUNNO;
	}
	if (v.result != CHECK_DUNNO && m->verdict.result == CHECK_DUNNO) {
		m->verdict.result = v.result;
		memcpy(m->verdict.code, v.code, sizeof(v.code));
		buf_set(&m->verdict.reply, buf_str(&v.reply));
	}
	mf_verdict_fini(&v);
	return (0);
}

/* ctl_test_header - the unfolded value of the nth `name` header, from 0 */
static int
ctl_test_header(const char *msg, const char *name, int nth, struct buf *out)
{
	const char *s = msg;
	size_t	 nlen = strlen(name);

	buf_reset(out);
	while (*s && *s != '\n' && !(s[0] == '\r' && s[1] == '\n')) {
		const char *eol = strchr(s, '\n');

		if (strncasecmp(s, name, nlen) == 0 && s[nlen] == ':'
		    && nth-- == 0) {
			s += nlen + 1;
			for (;;) {	/* value and its continuation lines */
				eol = strchr(s, '\n');
				if (buf_append(out, s, eol ? (size_t)(eol - s) :
				    strlen(s)) < 0)
					return (-1);
				if (eol == NULL || (eol[1] != ' ' && eol[1] != '\t'))
					break;
				s = eol + 1;
			}
			while (out->len && (out->data[out->len - 1] == '\r'))
				out->data[--out->len] = 0;
			return (1);
		}
		if (eol == NULL)
			break;
		s = eol + 1;
	}
	return (0);
}

/* ctl_test_clean - name for output: invalid UTF-8 bytes become U+FFFD
 * (JSON needs UTF-8), controls "?" (a terminal must not obey them) */
static const char *
ctl_test_clean(const char *in, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;

	buf_reset(out);
	while (*s) {
		size_t	 len = 1, i;

		if (*s < 0x20 || *s == 0x7f) {
			buf_putc(out, '?');
			s++;
			continue;
		}
		if (*s >= 0x80) {
			len = (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 :
			    (*s & 0xf8) == 0xf0 ? 4 : 0;
			for (i = 1; i < len; i++)
				if ((s[i] & 0xc0) != 0x80)
					len = 0;
			if (len == 0 || (len == 2 && *s < 0xc2)) {
				buf_puts(out, "\xef\xbf\xbd");	/* U+FFFD */
				s++;
				continue;
			}
		}
		buf_append(out, s, len);
		s += len;
	}
	return (buf_str(out));
}

/* ctl_test_read - the whole file into b; -1 (reported) */
static int
ctl_test_read(const char *path, struct buf *b)
{
	FILE	*fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char	 chunk[65536];
	size_t	 n;

	if (fp == NULL) {
		msg_warn("%s: %m", path);
		return (-1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			msg_warn("%s: larger than %d MB", path, CTL_TEST_MAX >> 20);
			if (fp != stdin)
				fclose(fp);
			return (-1);
		}
	if (fp != stdin)
		fclose(fp);
	return (0);
}

/* ctl_test_one - check one message and print the result */
static int
ctl_test_one(const char *path, const struct mf_sender_ctx *sc,
    const char *from, int json)
{
	struct ctl_msg *m = xcalloc(1, sizeof(*m));
	struct mf_mime *mime;
	struct buf text, hdr, clean;
	struct mf_addr *list = xcalloc(CTL_TEST_MAILBOXES, sizeof(*list));
	char	 sender[ADDR_MAX + 1] = "";
	const char *why, *verdict;
	int	 i, n, ret;

	buf_init(&text, CTL_TEST_MAX);
	buf_init(&hdr, 1 << 20);
	buf_init(&clean, 4 * 4096);
	mf_verdict_init(&m->verdict);
	if (ctl_test_read(path, &text) < 0) {
		ret = 66;
		goto out;
	}
	if (from)
		snprintf(sender, sizeof(sender), "%s", from);
	else if (ctl_test_header(buf_str(&text), "From", 0, &hdr) == 1
	    && mf_addrlist_parse(buf_str(&hdr), list, CTL_TEST_MAILBOXES, &n,
	    &why) == 0 && n > 0)
		snprintf(sender, sizeof(sender), "%s", list[0].addr);

	mf_sender_envelope(sc, sender, &m->verdict);
	/* Every From: and Sender: header, as the milter sees each one. */
	for (i = 0; i < 2 * CTL_TEST_HEADERS && m->verdict.result
	    == CHECK_DUNNO; i++) {
		const char *h = i % 2 ? "Sender" : "From";

		if (ctl_test_header(buf_str(&text), h, i / 2, &hdr) == 1)
			mf_sender_header(sc, h, buf_str(&hdr), &m->verdict);
	}
	mime = mf_attach_begin(&m->policy, sender, ctl_test_leaf, m,
	    &m->verdict);
	if ((mf_mime_feed(mime, text.data ? text.data : "", text.len)
	    == MF_MIME_BOUND || mf_mime_finish(mime) == MF_MIME_BOUND)
	    && m->verdict.result == CHECK_DUNNO)
		mf_verdict_set(&m->verdict, CHECK_REJECT, "554", "5.6.0 message "
		    "refused: %s", mf_mime_error(mime));
	mf_mime_free(mime);

	verdict = m->verdict.result == CHECK_DUNNO ? "accept" :
	    m->verdict.result == CHECK_TEMPFAIL ? "tempfail" : "reject";
	if (json) {
		json_t	*o = json_object(), *a = json_array();
		char	*dump;

		for (i = 0; i < m->nleaf; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:b}",
			    "name", ctl_test_clean(m->leaf[i].name, &clean),
			    "extension", m->leaf[i].ext,
			    "allowed", m->leaf[i].allowed));
		json_object_set_new(o, "file", json_string(ctl_test_clean(path,
		    &clean)));
		json_object_set_new(o, "verdict", json_string(verdict));
		json_object_set_new(o, "reason", json_string(m->verdict.code[0] ?
		    buf_str(&m->verdict.reply) : ""));
		json_object_set_new(o, "attachments", a);
		if ((dump = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) != NULL)
			printf("%s\n", dump);
		free(dump);
		json_decref(o);
	} else {
		printf("%s: %s\n", path, verdict);
		if (m->verdict.code[0])
			printf("  reason: %s %s\n", m->verdict.code,
			    buf_str(&m->verdict.reply));
		printf("  sender: %s  login: %s  client: %s\n",
		    *sender ? sender : "<>", sc->login ? sc->login : "-",
		    sc->client_addr);
		for (i = 0; i < m->nleaf; i++)
			printf("  attachment \"%s\"  extension %s  %s\n",
			    ctl_test_clean(m->leaf[i].name, &clean),
			    *m->leaf[i].ext ? m->leaf[i].ext :
			    "(none)", m->leaf[i].allowed ? "allowed" : "REFUSED");
	}
	ret = m->verdict.result == CHECK_DUNNO ? 0 : 1;
out:
	for (i = 0; i < m->nleaf; i++)
		xfree(m->leaf[i].name);
	mf_attach_policy_fini(&m->policy);
	mf_verdict_fini(&m->verdict);
	buf_fini(&text);
	buf_fini(&hdr);
	buf_fini(&clean);
	xfree(list);
	xfree(m);
	return (ret);
}

int
ctl_test_message(int argc, char **argv)
{
	static const struct option opts[] = {
		{"login", required_argument, NULL, 'l'},
		{"client", required_argument, NULL, 'c'},
		{"from", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct mf_sender_ctx sc = {NULL, "127.0.0.1"};
	const char *from = NULL;
	int	 ch, json = 0, ret = 0, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			sc.login = optarg;
			break;
		case 'c':
			sc.client_addr = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return (64);
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: outpostctl test-message [--login LOGIN] "
		    "[--client IP] [--from ADDR] [--json] FILE...\n");
		return (64);
	}
	for (; optind < argc; optind++)
		if ((r = ctl_test_one(argv[optind], &sc, from, json)) > ret)
			ret = r;
	return (ret);
}
