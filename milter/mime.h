/* mime.h - streaming MIME parser that reports every named leaf */
#ifndef MIME_H
#define MIME_H
#include <stddef.h>

struct mf_mime_limits {
	unsigned depth;			/* multipart + message/rfc822 nesting */
	size_t	 header;		/* bytes in one part's header block */
	unsigned parts;			/* parts in the whole message */
	size_t	 filename;		/* bytes of one decoded file name */
};

/*
 * What the limits count, exactly (each is allowed AT the bound, refused
 * one over it):
 * depth	the top-level message is at depth 0; a part of a multipart
 *		at depth d is at d + 1, and so is the message inside a
 *		message/rfc822 part at depth d. Declaring a multipart or
 *		message/rfc822 whose contents would be deeper is refused.
 * header	one header block with every line end counted as one byte
 *		(CRLF and LF input count the same), without the empty line
 *		that ends it; continuation lines count.
 * parts	body parts of multiparts plus messages inside message/rfc822
 *		parts; the top-level message itself is not counted.
 * filename	bytes of a decoded (UTF-8) name, from either header or a
 *		uuencode begin line.
 */
#define MF_MIME_DEFAULT_DEPTH	 16
#define MF_MIME_DEFAULT_HEADER	 65536
#define MF_MIME_DEFAULT_PARTS	 1000
#define MF_MIME_DEFAULT_FILENAME 255

/* Fixed bounds that are not parameters. */
#define MF_MIME_LINE_MAX	4096	/* bytes of a line start looked at:
					 * longer lines are read in pieces */
#define MF_MIME_BOUNDARY_MAX	998	/* one boundary= value; RFC 2046
					 * allows 70, RFC 5322 lines 998 */

/* mf_mime_limits_init() - the MF_MIME_DEFAULT_* values */
void	 mf_mime_limits_init(struct mf_mime_limits *);

/* Where a name came from. */
enum mf_mime_source {
	MF_MIME_DISPOSITION,		/* Content-Disposition filename= */
	MF_MIME_CTYPE,			/* Content-Type name= */
	MF_MIME_UUENCODE,		/* "begin NNN name" in a text part */
	MF_MIME_NONE			/* no name: content type only */
};

/* One leaf, as the callback sees it; valid during the call only. */
struct mf_mime_leaf {
	const char *name;		/* decoded UTF-8, or NULL (MF_MIME_NONE) */
	enum mf_mime_source source;
	const char *content_type;	/* "application/x-msdownload", lower case */
	unsigned depth;			/* 0 = top-level body */
	unsigned index;			/* part number, from 1 (1 = the
					 * message itself) */
};

/*
 * Names. NUL bytes in a name (raw in a header, %00 in RFC 2231, or in a
 * uuencode line) become DEL (0x7f), which mf_attach_name_valid() refuses,
 * so "a.exe\0.pdf" can be read neither as "a.exe" nor as a PDF. Names
 * are reported from every Content-Disposition and every Content-Type
 * header of a part (a duplicated header is a classic evasion), and from
 * every occurrence of a duplicated parameter; equal names are reported
 * once per part. Named message/rfc822 and multipart parts are reported
 * too (a client shows them as attachments). An empty name is no name.
 *
 * Structure. Duplicated Content-Type headers that agree on the structure
 * (all leaves, or all multiparts, or all message/rfc822) are merged: the
 * last one gives leaf->content_type, as in Postfix's own MIME parser, and
 * every other non-text type is reported as a nameless leaf too; all their
 * boundaries delimit the parts. Headers that disagree (a multipart that
 * is also a leaf, ...) give MF_MIME_BOUND: readers would disagree on what
 * the message holds. A multipart or message/rfc822 part with a base64 or
 * quoted-printable body is decoded and parsed, as Outlook and Thunderbird
 * do, though RFC 2045 forbids it.
 *
 * The callback is called for every leaf part that has a name (both names
 * when filename= and name= differ), every uuencoded file in a text part,
 * and every part without a name whose content type is not text/ *,
 * multipart/ * or message/ * (so that executable types are seen too). It
 * returns 0 to go on or -1 to stop the parse early (mf_mime_feed then
 * returns MF_MIME_STOP).
 */
typedef int (*mf_mime_cb)(void *ctx, const struct mf_mime_leaf *);

enum mf_mime_status {
	MF_MIME_OK,
	MF_MIME_STOP,			/* the callback said stop */
	MF_MIME_BOUND			/* input beyond a limit: refuse it */
};

struct mf_mime;

/* mf_mime_create() - a parser for one message, starting with its header;
 * NULL limits means the defaults */
struct mf_mime *mf_mime_create(const struct mf_mime_limits *, mf_mime_cb,
		    void *ctx);
/* mf_mime_feed() - the next bytes of the message, split anywhere; LF or
 * CRLF line ends. After MF_MIME_BOUND or MF_MIME_STOP it only returns the
 * same status again. */
enum mf_mime_status mf_mime_feed(struct mf_mime *, const char *, size_t);
/* mf_mime_finish() - end of message: flushes the last line and reports
 * what is still open (a missing final boundary is not an error). */
enum mf_mime_status mf_mime_finish(struct mf_mime *);
/* mf_mime_error() - after MF_MIME_BOUND: which bound, for the reply,
 * e.g. "MIME nesting deeper than 16 levels"; "" before. Valid until
 * mf_mime_free(). The texts: "MIME part header larger than N bytes",
 * "MIME nesting deeper than N levels", "more than N MIME parts",
 * "attachment file name longer than N bytes", "MIME boundary longer
 * than N bytes", "more than 4 boundaries for one multipart",
 * "conflicting Content-Type headers in one MIME part",
 * "conflicting Content-Transfer-Encoding headers in one MIME part". */
const char *mf_mime_error(const struct mf_mime *);
struct mf_mime *mf_mime_free(struct mf_mime *);	/* returns NULL */

#endif /* MIME_H */
