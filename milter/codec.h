/* codec.h - header and body encodings: RFC 2047, RFC 2231, base64, QP */
#ifndef CODEC_H
#define CODEC_H
#include <stddef.h>
#include "buf.h"

/*
 * mf_rfc2047_decode() - decode the encoded words in an unstructured or
 * phrase header text (in, len) into UTF-8 in out (appended). White space
 * between adjacent encoded words is dropped, as RFC 2047 says. Charsets
 * are converted with iconv(3); an unknown charset or an invalid byte
 * sequence leaves that word as it was and returns 1 ("not fully
 * decoded"); 0 when all went well; -1 when out would pass its bound.
 */
int	 mf_rfc2047_decode(const char *in, size_t len, struct buf *out);

/*
 * mf_rfc2231_param() - the value of parameter `name` in a Content-Type or
 * Content-Disposition header value (after the "type/subtype;" or
 * "attachment;"), into out as UTF-8: plain name="value" or name=token,
 * RFC 2231 name*=charset'lang'%xx, and continuations name*0, name*1*,
 * ... (in numeric order, at most MF_RFC2231_SECTIONS). A plain value that
 * holds RFC 2047 words (as many mailers send) is decoded too. Returns 1
 * found, 0 absent, -1 malformed or over the bound of out.
 */
#define MF_RFC2231_SECTIONS	64
int	 mf_rfc2231_param(const char *value, const char *name, struct buf *out);

/*
 * mf_rfc2231_param_n() - reading number n (from 0) of parameter `name`,
 * each decoded as mf_rfc2231_param() does: first the value assembled from
 * continuations (name*0, name*1*, ...) when there are any, then each
 * name*= value, then each plain name= value, in the order written.
 * Reading 0 is what mf_rfc2231_param() returns. A reader that ignores
 * RFC 2231 (or takes the last duplicate) sees another reading than one
 * that follows it: a check that must refuse a name some reader sees
 * checks them all. Returns 1 (appended to out), 0 (no reading n), -1 as
 * mf_rfc2231_param().
 */
int	 mf_rfc2231_param_n(const char *value, const char *name, int n,
		    struct buf *out);

/* Streaming decoders: feed any split of the input, in order. */
struct mf_b64 {
	unsigned int bits;
	int	 nbits;
};
void	 mf_b64_init(struct mf_b64 *);
/* mf_b64_decode() appends decoded bytes to out, skipping white space and
 * junk as RFC 2045 allows; -1 when out is full */
int	 mf_b64_decode(struct mf_b64 *, const char *in, size_t len,
		    struct buf *out);

struct mf_qp {
	char	 pending[3];		/* "=X" split across calls */
	int	 npending;
};
void	 mf_qp_init(struct mf_qp *);
/* mf_qp_decode() appends decoded bytes to out; "=" CRLF and "=" LF are
 * soft line breaks, an "=" not followed by two hex digits is kept as
 * written; -1 when out is full */
int	 mf_qp_decode(struct mf_qp *, const char *in, size_t len,
		    struct buf *out);
/* mf_qp_finish() - end of input: an "=" or "=X" still pending is kept as
 * written; 0, or -1 when out is full */
int	 mf_qp_finish(struct mf_qp *, struct buf *out);

/* When out is full, the streaming decoders fill it to out->max and
 * return -1: what out holds does not depend on how input was split. */

#endif /* CODEC_H */
