/* Unit tests for lib/http_parse.
 *
 * Every case is a raw response and the transcript of events it must give;
 * each is fed whole, one byte at a time, and split in two at every offset,
 * and all three must produce exactly the expected transcript.  Bodies are
 * merged across BODY events (slicing differs, content may not).
 *
 * Requirements on a recipient / user agent of a response, RFC 9112 §2-7
 * and RFC 9110 §5, and the case groups that cover them:
 *  9112 §2.1/§2.2 message format, line terminators: a bare LF ends a line
 *      (MAY, taken): "... bare lf" cases in every group; a bare CR is
 *      invalid (reject): "... bare cr", "cr cr" cases; whitespace between
 *      the start-line and the first field (reject or ignore; rejected):
 *      "whitespace line before the first field".
 *  9112 §2.3 HTTP-version, case-sensitive, 1.x accepted: "http/2",
 *      "http/2.0", "lower case version", "http/0.9" (status line group).
 *  9112 §4 status-line, 3-digit code, reason ignored (any text, may be
 *      empty or absent): status line group; 1xx interim responses skipped,
 *      101 without an Upgrade request refused: interim group.
 *  9112 §5 field lines: no whitespace before ':' (reject), token names,
 *      OWS trimmed: header lines group; §5.2 obs-fold MUST be replaced by
 *      SP by a user agent: "obs-fold ..." cases; bounds (RFC 9110 §5.4,
 *      a client MAY refuse what is too large): test_line_bounds,
 *      test_section_bounds.
 *  9112 §6.1 Transfer-Encoding lists, chunked last and once, other codings
 *      unsupported (we cannot decode them, so refuse rather than write
 *      coded bytes): "te ..." cases; §6.3 body length rules 1-7 in order:
 *      no body for HEAD/1xx/204/304 ("no body" group), TE overrides CL and
 *      ends keep-alive ("te chunked wins over cl", test_keep_alive),
 *      invalid or differing CL is unrecoverable ("cl ..." cases), else
 *      until close ("close delimited"); incomplete messages are recorded
 *      as such (early EOF group, "... truncated", "... eof ...").
 *  9112 §7.1 chunked: large hex sizes without overflow ("chunked 16 hex
 *      digits", "overflow", test_chunk_bounds), unknown extensions
 *      ignored with BWS around ';' ("chunked extensions"), CRLF after data
 *      ("chunk data ..."); §7.1.2 trailers kept apart from the header
 *      section ("chunked trailers", TRAILER events); data after the last
 *      chunk ignored.
 *  9110 §5.1 field names case-insensitive ("te case insensitive",
 *      "cl ..."); §5.5 CR, LF, NUL and other CTLs in values rejected, HTAB
 *      and obs-text kept ("control in value", "nul in value", "del in
 *      value", "ows trimmed, tab kept inside"); §5.6.1 empty list elements
 *      ignored (te lists) but an empty Content-Length element is invalid
 *      (§8.6: 1*DIGIT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

#define TR_MAX (1 << 20)

struct tr {
	char *out;
	size_t len;
	char *body;
	size_t blen;
	int finished;
	int keep_alive;
	uint64_t body_bytes;
};

static void tr_put(struct tr *t, const char *s, size_t n)
{
	assert_true(t->len + n < TR_MAX);
	memcpy(t->out + t->len, s, n);
	t->len += n;
	t->out[t->len] = '\0';
}

static void tr_puts(struct tr *t, const char *s)
{
	tr_put(t, s, strlen(s));
}

static void tr_flush(struct tr *t)
{
	if (t->blen == 0)
		return;
	tr_puts(t, "B");
	tr_put(t, t->body, t->blen);
	tr_puts(t, "\n");
	t->blen = 0;
}

static void tr_init(struct tr *t)
{
	memset(t, 0, sizeof(*t));
	t->out = malloc(TR_MAX);
	t->body = malloc(TR_MAX);
	assert_non_null(t->out);
	assert_non_null(t->body);
	t->out[0] = '\0';
}

static void tr_free(struct tr *t)
{
	free(t->out);
	free(t->body);
}

static void tr_event(struct tr *t, const struct http_parser *p,
                     const struct http_event *ev)
{
	char tmp[64];

	if (ev->type == HTTP_EV_BODY) {
		assert_true(ev->len > 0);
		assert_true(t->blen + ev->len < TR_MAX);
		memcpy(t->body + t->blen, ev->data, ev->len);
		t->blen += ev->len;
		return;
	}
	tr_flush(t);
	switch (ev->type) {
	case HTTP_EV_STATUS:
		tr_puts(t, "S");
		tr_put(t, ev->data, ev->len);
		tr_puts(t, "\n");
		break;
	case HTTP_EV_HEADER:
	case HTTP_EV_TRAILER:
		tr_puts(t, ev->type == HTTP_EV_HEADER ? "H" : "T");
		tr_put(t, ev->data, ev->len);
		tr_puts(t, ":");
		tr_put(t, ev->value, ev->value_len);
		tr_puts(t, "\n");
		break;
	case HTTP_EV_HEADERS_DONE:
		if (p->interim)
			snprintf(tmp, sizeof(tmp), "D i\n");
		else if (p->framing == HTTP_BODY_NONE)
			snprintf(tmp, sizeof(tmp), "D none\n");
		else if (p->framing == HTTP_BODY_LENGTH)
			snprintf(tmp, sizeof(tmp), "D len=%llu\n",
			         (unsigned long long)p->content_length);
		else if (p->framing == HTTP_BODY_CHUNKED)
			snprintf(tmp, sizeof(tmp), "D chunked\n");
		else
			snprintf(tmp, sizeof(tmp), "D close\n");
		tr_puts(t, tmp);
		break;
	case HTTP_EV_DONE:
		tr_puts(t, "DONE\n");
		t->finished = 1;
		t->keep_alive = p->keep_alive;
		t->body_bytes = p->body_bytes;
		break;
	case HTTP_EV_ERROR:
		tr_puts(t, "E:");
		tr_puts(t, http_strerror(ev->err));
		tr_puts(t, "\n");
		t->finished = 1;
		break;
	default:
		fail_msg("unexpected event %d", ev->type);
	}
}

static void feed_piece(struct http_parser *p, struct tr *t, const char *buf,
                       size_t len)
{
	struct http_event ev;

	while (!t->finished) {
		size_t n = http_parse_feed(p, buf, len, &ev);
		assert_true(n <= len);
		buf += n;
		len -= n;
		if (ev.type == HTTP_EV_NONE) {
			assert_int_equal(len, 0);
			return;
		}
		tr_event(t, p, &ev);
	}
}

/* Feed in[0..len) in pieces ending at cuts[] (ascending), then EOF. */
static void run_cuts(const char *in, size_t len, int head, const size_t *cuts,
                     size_t ncuts, struct tr *t, struct http_parser *p)
{
	size_t start = 0;

	http_parse_init(p, head);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		feed_piece(p, t, in + start, end - start);
		start = end;
	}
	if (!t->finished) {
		struct http_event ev;
		tr_flush(t);
		tr_puts(t, "EOF ");
		http_parse_eof(p, &ev);
		tr_event(t, p, &ev);
	}
	tr_flush(t);
}

static struct http_parser parser; /* big: keep it off the stack */

static void check_one(const char *name, const char *in, size_t len, int head,
                      const size_t *cuts, size_t ncuts, const char *want,
                      const char *how)
{
	struct tr t;

	tr_init(&t);
	run_cuts(in, len, head, cuts, ncuts, &t, &parser);
	if (strcmp(t.out, want) != 0)
		fail_msg("case '%s' fed %s:\n--- got\n%s--- want\n%s", name, how,
		         t.out, want);
	tr_free(&t);
}

/* whole, byte by byte, every two-way split (every `step`th when big) */
static void check_all(const char *name, const char *in, size_t len, int head,
                      const char *want)
{
	size_t *cuts = malloc((len + 1) * sizeof(size_t));
	size_t step = len > 4096 ? len / 97 + 1 : 1;

	assert_non_null(cuts);
	check_one(name, in, len, head, NULL, 0, want, "whole");
	for (size_t i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	check_one(name, in, len, head, cuts, len ? len - 1 : 0, want,
	          "byte by byte");
	for (size_t k = 1; k < len; k += step) {
		char how[64];
		snprintf(how, sizeof(how), "split at %zu", k);
		check_one(name, in, len, head, &k, 1, want, how);
	}
	free(cuts);
}

struct pcase {
	const char *name;
	int head;
	const char *in;
	const char *want;
};

#define OK200 "HTTP/1.1 200 OK\r\n"
#define SOK "SHTTP/1.1 200 OK\n"
#define TE "Transfer-Encoding: chunked\r\n"
#define HTE "HTransfer-Encoding:chunked\n"

static const struct pcase cases[] = {
	/* Content-Length */
	{ "cl", 0, OK200 "Content-Length: 5\r\n\r\nhello",
	  SOK "HContent-Length:5\nD len=5\nBhello\nDONE\n" },
	{ "cl stops at length, rest ignored", 0,
	  OK200 "Content-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n",
	  SOK "HContent-Length:5\nD len=5\nBhello\nDONE\n" },
	{ "cl zero", 0, OK200 "Content-Length: 0\r\n\r\n",
	  SOK "HContent-Length:0\nD len=0\nDONE\n" },
	{ "cl identical duplicates", 0,
	  OK200 "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	  SOK "HContent-Length:3\nHContent-Length:3\nD len=3\nBabc\nDONE\n" },
	{ "cl list 5, 5", 0, OK200 "content-length: 5, 5\r\n\r\nhello",
	  SOK "Hcontent-length:5, 5\nD len=5\nBhello\nDONE\n" },
	{ "cl leading zeros", 0, OK200 "Content-Length: 003\r\n\r\nabc",
	  SOK "HContent-Length:003\nD len=3\nBabc\nDONE\n" },
	{ "cl max uint64 then eof", 0,
	  OK200 "Content-Length: 18446744073709551615\r\n\r\nab",
	  SOK "HContent-Length:18446744073709551615\nD len=18446744073709551615\n"
	  "Bab\nEOF E:connection closed before the end of the body\n" },
	{ "cl differing", 0, OK200 "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
	  SOK "HContent-Length:5\nHContent-Length:6\nE:invalid Content-Length\n" },
	{ "cl list differing", 0, OK200 "Content-Length: 5, 6\r\n\r\nhello",
	  SOK "HContent-Length:5, 6\nE:invalid Content-Length\n" },
	{ "cl plus sign", 0, OK200 "Content-Length: +5\r\n\r\nhello",
	  SOK "HContent-Length:+5\nE:invalid Content-Length\n" },
	{ "cl minus", 0, OK200 "Content-Length: -1\r\n\r\n",
	  SOK "HContent-Length:-1\nE:invalid Content-Length\n" },
	{ "cl garbage", 0, OK200 "Content-Length: 5a\r\n\r\n",
	  SOK "HContent-Length:5a\nE:invalid Content-Length\n" },
	{ "cl hex", 0, OK200 "Content-Length: 0x5\r\n\r\n",
	  SOK "HContent-Length:0x5\nE:invalid Content-Length\n" },
	{ "cl empty", 0, OK200 "Content-Length:\r\n\r\n",
	  SOK "HContent-Length:\nE:invalid Content-Length\n" },
	{ "cl empty element", 0, OK200 "Content-Length: 5,\r\n\r\n",
	  SOK "HContent-Length:5,\nE:invalid Content-Length\n" },
	{ "cl two numbers", 0, OK200 "Content-Length: 5 5\r\n\r\n",
	  SOK "HContent-Length:5 5\nE:invalid Content-Length\n" },
	{ "cl overflow", 0, OK200 "Content-Length: 18446744073709551616\r\n\r\n",
	  SOK "HContent-Length:18446744073709551616\nE:invalid Content-Length\n" },
	{ "cl truncated", 0, OK200 "Content-Length: 10\r\n\r\nhello",
	  SOK "HContent-Length:10\nD len=10\nBhello\n"
	  "EOF E:connection closed before the end of the body\n" },
	/* close-delimited */
	{ "close delimited", 0, OK200 "Server: x\r\n\r\nall of it\r\nuntil close",
	  SOK "HServer:x\nD close\nBall of it\r\nuntil close\nEOF DONE\n" },
	{ "close delimited empty", 0, "HTTP/1.0 200 OK\r\n\r\n",
	  "SHTTP/1.0 200 OK\nD close\nEOF DONE\n" },
	/* no body */
	{ "head with cl", 1, OK200 "Content-Length: 100\r\n\r\n",
	  SOK "HContent-Length:100\nD none\nDONE\n" },
	{ "head with chunked", 1, OK200 TE "\r\n",
	  SOK HTE "D none\nDONE\n" },
	{ "head ignores invalid cl", 1, OK200 "Content-Length: x\r\n\r\n",
	  SOK "HContent-Length:x\nD none\nDONE\n" },
	{ "204 held open", 0, "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
	  "SHTTP/1.1 204 No Content\nHContent-Length:7\nD none\nDONE\n" },
	{ "304", 0, "HTTP/1.1 304 Not Modified\r\n" TE "\r\nignored",
	  "SHTTP/1.1 304 Not Modified\n" HTE "D none\nDONE\n" },
	/* interim responses */
	{ "100 then 200", 0,
	  "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 2\r\n\r\nhi",
	  "SHTTP/1.1 100 Continue\nD i\n" SOK "HContent-Length:2\nD len=2\nBhi\nDONE\n" },
	{ "103 with headers then 100 then 200", 0,
	  "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
	  "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 1\r\n\r\nx",
	  "SHTTP/1.1 103 Early Hints\nHLink:</s.css>\nD i\n"
	  "SHTTP/1.1 100 Continue\nD i\n" SOK "HContent-Length:1\nD len=1\nBx\nDONE\n" },
	{ "1xx cl does not carry over", 0,
	  "HTTP/1.1 100 Continue\r\nContent-Length: 9\r\n\r\n" OK200 "\r\nab",
	  "SHTTP/1.1 100 Continue\nHContent-Length:9\nD i\n" SOK "D close\nBab\nEOF DONE\n" },
	{ "1xx on head", 1, "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 5\r\n\r\n",
	  "SHTTP/1.1 100 Continue\nD i\n" SOK "HContent-Length:5\nD none\nDONE\n" },
	{ "101 refused", 0, "HTTP/1.1 101 Switching Protocols\r\n\r\n",
	  "E:unexpected 101 Switching Protocols\n" },
	{ "eof after interim", 0, "HTTP/1.1 100 Continue\r\n\r\n",
	  "SHTTP/1.1 100 Continue\nD i\nEOF E:connection closed inside the headers\n" },
	/* chunked */
	{ "chunked", 0, OK200 TE "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	  SOK HTE "D chunked\nBhello world\nDONE\n" },
	{ "chunked extensions", 0,
	  OK200 TE "\r\n5;name=val;x\r\nhello\r\n1 ; a = \"q\"\r\n!\r\n0;last\r\n\r\n",
	  SOK HTE "D chunked\nBhello!\nDONE\n" },
	{ "chunked hex case and zeros", 0,
	  OK200 TE "\r\n000A\r\n0123456789\r\nb\r\nabcdefghijk\r\n00\r\n\r\n",
	  SOK HTE "D chunked\nB0123456789abcdefghijk\nDONE\n" },
	{ "chunked trailers", 0,
	  OK200 TE "\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\nExpires:  never \r\n\r\n",
	  SOK HTE "D chunked\nBabc\nTX-Sum:42\nTExpires:never\nDONE\n" },
	{ "chunked bytes after last chunk ignored", 0,
	  OK200 TE "\r\n1\r\na\r\n0\r\n\r\nGARBAGE\r\n\r\n",
	  SOK HTE "D chunked\nBa\nDONE\n" },
	{ "chunked 16 hex digits then eof", 0,
	  OK200 TE "\r\n000000000000000F\r\nabc",
	  SOK HTE "D chunked\nBabc\nEOF E:connection closed before the last chunk\n" },
	{ "chunked max size", 0, OK200 TE "\r\nffffffffffffffff\r\nx",
	  SOK HTE "D chunked\nBx\nEOF E:connection closed before the last chunk\n" },
	{ "chunked 17 digits", 0, OK200 TE "\r\n0000000000000000F\r\nabc",
	  SOK HTE "D chunked\nE:chunk size too large\n" },
	{ "chunked overflow", 0, OK200 TE "\r\n10000000000000000\r\n",
	  SOK HTE "D chunked\nE:chunk size too large\n" },
	{ "chunked non-hex", 0, OK200 TE "\r\ng\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked empty size", 0, OK200 TE "\r\n\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked negative", 0, OK200 TE "\r\n-1\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked 0x prefix", 0, OK200 TE "\r\n0x5\r\nhello\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked size then space junk", 0, OK200 TE "\r\n5 x\r\nhello\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked ext with control", 0, OK200 TE "\r\n5;a\x01\r\nhello\r\n",
	  SOK HTE "D chunked\nE:invalid chunk extension\n" },
	{ "chunked size bare lf", 0, OK200 TE "\r\n5\nhello\r\n0\n\n",
	  SOK HTE "D chunked\nBhello\nDONE\n" },
	{ "chunked size bare cr", 0, OK200 TE "\r\n5\r\rhello\r\n0\r\n\r\n",
	  SOK HTE "D chunked\nE:invalid chunk size\n" },
	{ "chunked all bare lf with ext and trailer", 0,
	  "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3;x=y\nabc\n0\nT: v\n\n",
	  SOK HTE "D chunked\nBabc\nTT:v\nDONE\n" },
	{ "chunk data without crlf", 0, OK200 TE "\r\n5\r\nhelloX\r\n0\r\n\r\n",
	  SOK HTE "D chunked\nBhello\nE:chunk data not followed by CRLF\n" },
	{ "chunk data then bare lf", 0, OK200 TE "\r\n5\r\nhello\n0\r\n\r\n",
	  SOK HTE "D chunked\nBhello\nDONE\n" },
	{ "chunk data then cr cr", 0, OK200 TE "\r\n5\r\nhello\r\r0\r\n\r\n",
	  SOK HTE "D chunked\nBhello\nE:chunk data not followed by CRLF\n" },
	{ "chunk data then cr junk", 0, OK200 TE "\r\n5\r\nhello\rX0\r\n\r\n",
	  SOK HTE "D chunked\nBhello\nE:chunk data not followed by CRLF\n" },
	{ "chunked eof in data", 0, OK200 TE "\r\n5\r\nhel",
	  SOK HTE "D chunked\nBhel\nEOF E:connection closed before the last chunk\n" },
	{ "chunked eof before last chunk", 0, OK200 TE "\r\n5\r\nhello\r\n",
	  SOK HTE "D chunked\nBhello\nEOF E:connection closed before the last chunk\n" },
	{ "chunked eof in trailers", 0, OK200 TE "\r\n0\r\nX: y\r\n",
	  SOK HTE "D chunked\nEOF E:connection closed before the last chunk\n" },
	{ "chunked bad trailer", 0, OK200 TE "\r\n0\r\nno colon\r\n\r\n",
	  SOK HTE "D chunked\nE:invalid trailer section\n" },
	{ "chunked trailer bare lf", 0, OK200 TE "\r\n0\r\nX: y\n\r\n",
	  SOK HTE "D chunked\nTX:y\nDONE\n" },
	{ "chunked trailer bare cr", 0, OK200 TE "\r\n0\r\nX: y\r\r\n\r\n",
	  SOK HTE "D chunked\nE:invalid trailer section\n" },
	/* Transfer-Encoding rules */
	{ "te chunked wins over cl", 0,
	  OK200 "Content-Length: 100\r\n" TE "\r\n2\r\nab\r\n0\r\n\r\n",
	  SOK "HContent-Length:100\n" HTE "D chunked\nBab\nDONE\n" },
	{ "te chunked wins over invalid cl", 0,
	  OK200 TE "Content-Length: x\r\n\r\n2\r\nab\r\n0\r\n\r\n",
	  SOK HTE "HContent-Length:x\nD chunked\nBab\nDONE\n" },
	{ "te case insensitive", 0,
	  OK200 "transfer-encoding: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n",
	  SOK "Htransfer-encoding:CHUNKED\nD chunked\nBz\nDONE\n" },
	{ "te gzip, chunked", 0, OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n",
	  SOK "HTransfer-Encoding:gzip, chunked\nE:unsupported transfer coding\n" },
	{ "te gzip on two lines", 0,
	  OK200 "Transfer-Encoding: gzip\r\n" TE "\r\n",
	  SOK "HTransfer-Encoding:gzip\n" HTE "E:unsupported transfer coding\n" },
	{ "te chunked not last", 0, OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n",
	  SOK "HTransfer-Encoding:chunked, gzip\nE:unsupported transfer coding\n" },
	{ "te gzip only", 0, OK200 "Transfer-Encoding: gzip\r\n\r\n",
	  SOK "HTransfer-Encoding:gzip\nE:unsupported transfer coding\n" },
	{ "te chunked twice", 0, OK200 "Transfer-Encoding: chunked, chunked\r\n\r\n",
	  SOK "HTransfer-Encoding:chunked, chunked\nE:invalid Transfer-Encoding\n" },
	{ "te chunked twice on two lines", 0, OK200 TE TE "\r\n",
	  SOK HTE HTE "E:invalid Transfer-Encoding\n" },
	{ "te empty", 0, OK200 "Transfer-Encoding: \r\n\r\n",
	  SOK "HTransfer-Encoding:\nE:invalid Transfer-Encoding\n" },
	{ "te chunked with param", 0, OK200 "Transfer-Encoding: chunked;q=1\r\n\r\n",
	  SOK "HTransfer-Encoding:chunked;q=1\nE:unsupported transfer coding\n" },
	/* status line */
	{ "no reason phrase", 0, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	  "SHTTP/1.1 200\nHContent-Length:0\nD len=0\nDONE\n" },
	{ "empty reason phrase", 0, "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
	  "SHTTP/1.1 404 \nHContent-Length:0\nD len=0\nDONE\n" },
	{ "reason with tab and utf-8", 0, "HTTP/1.1 200 \tok \xc3\xa9\r\n\r\n",
	  "SHTTP/1.1 200 \tok \xc3\xa9\nD close\nEOF DONE\n" },
	{ "http/2", 0, "HTTP/2 200 OK\r\n\r\n", "E:malformed status line\n" },
	{ "http/2.0", 0, "HTTP/2.0 200 OK\r\n\r\n", "E:unsupported HTTP version\n" },
	{ "http/0.9", 0, "hello world\r\n", "E:malformed status line\n" },
	{ "lower case version", 0, "http/1.1 200 OK\r\n\r\n", "E:malformed status line\n" },
	{ "two digit status", 0, "HTTP/1.1 20 OK\r\n\r\n", "E:malformed status line\n" },
	{ "status 099", 0, "HTTP/1.1 099 X\r\n\r\n", "E:invalid status code\n" },
	{ "status 600", 0, "HTTP/1.1 600 X\r\n\r\n", "E:invalid status code\n" },
	{ "status glued to reason", 0, "HTTP/1.1 200OK\r\n\r\n", "E:malformed status line\n" },
	{ "status line bare lf", 0, "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
	  SOK "HContent-Length:0\nD len=0\nDONE\n" },
	{ "status line bare cr", 0, "HTTP/1.1 200 OK\rX: y\r\n\r\n",
	  "E:malformed status line\n" },
	{ "bare lf, content-length body kept byte-exact", 0,
	  "HTTP/1.1 200 OK\nContent-Length: 4\n\na\r\nb",
	  SOK "HContent-Length:4\nD len=4\nBa\r\nb\nDONE\n" },
	{ "status line control char", 0, "HTTP/1.1 200 O\x01K\r\n\r\n",
	  "E:malformed status line\n" },
	{ "status line nul", 0, "HTTP/1.1 200 O\0K\r\n\r\n",
	  "E:malformed status line\n" },
	/* header lines */
	{ "ows trimmed, tab kept inside", 0, OK200 "X:  a\tb  \t\r\n\r\n",
	  SOK "HX:a\tb\nD close\nEOF DONE\n" },
	{ "empty value", 0, OK200 "X:\r\n\r\n", SOK "HX:\nD close\nEOF DONE\n" },
	{ "header bare lf", 0, OK200 "X: y\n\r\n", SOK "HX:y\nD close\nEOF DONE\n" },
	{ "final blank line bare lf", 0, OK200 "X: y\r\n\n", SOK "HX:y\nD close\nEOF DONE\n" },
	{ "header cr cr lf", 0, OK200 "X: y\r\r\n\r\n", SOK "E:malformed header line\n" },
	{ "blank line bare cr", 0, OK200 "X: y\r\n\r\r\n", SOK "HX:y\nE:malformed header line\n" },
	{ "header bare cr inside", 0, OK200 "X: a\rb\r\n\r\n", SOK "E:malformed header line\n" },
	{ "space before colon", 0, OK200 "X : y\r\n\r\n", SOK "E:malformed header line\n" },
	{ "space in name", 0, OK200 "Bad Name: y\r\n\r\n", SOK "E:malformed header line\n" },
	{ "empty name", 0, OK200 ": y\r\n\r\n", SOK "E:malformed header line\n" },
	{ "no colon", 0, OK200 "NoColon\r\n\r\n", SOK "E:malformed header line\n" },
	{ "obs-fold replaced by SP", 0, OK200 "X: a\r\n b\r\nY: c\r\n\r\n",
	  SOK "HX:a b\nHY:c\nD close\nEOF DONE\n" },
	{ "obs-fold twice, tabs, bare lf", 0, OK200 "X: a \n\t \tb\r\n  c\n\n",
	  SOK "HX:a  b c\nD close\nEOF DONE\n" },
	{ "obs-fold in content-length counts", 0,
	  OK200 "Content-Length:\r\n 2\r\n\r\nhi",
	  SOK "HContent-Length:2\nD len=2\nBhi\nDONE\n" },
	{ "obs-fold in a trailer", 0, OK200 TE "\r\n0\r\nT: a\r\n b\r\n\r\n",
	  SOK HTE "D chunked\nTT:a b\nDONE\n" },
	{ "whitespace line before the first field", 0, OK200 " X: y\r\n\r\n",
	  SOK "E:whitespace before the first field line\n" },
	{ "eof after a field line", 0, OK200 "X: y\r\n",
	  SOK "EOF E:connection closed inside the headers\n" },
	{ "control in value", 0, OK200 "X: a\x01\r\n\r\n", SOK "E:malformed header line\n" },
	{ "nul in value", 0, OK200 "X: a\0b\r\n\r\n", SOK "E:malformed header line\n" },
	{ "del in value", 0, OK200 "X: a\x7f\r\n\r\n", SOK "E:malformed header line\n" },
	/* early EOF */
	{ "empty reply", 0, "", "EOF E:empty reply from server\n" },
	{ "eof in status line", 0, "HTTP/1.1 2", "EOF E:connection closed inside the headers\n" },
	{ "eof in headers", 0, OK200 "Content-Length: 5\r\n",
	  SOK "EOF E:connection closed inside the headers\n" },  /* a field line ends when the next line starts (obs-fold) */
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		size_t len = strlen(c->in);
		/* the two NUL cases carry their bytes past the C string */
		if (strstr(c->name, "nul"))
			len += 1 + strlen(c->in + len + 1);
		check_all(c->name, c->in, len, c->head, c->want);
	}
}

static void test_keep_alive(void **state)
{
	(void)state;
	struct tr t;
	static const char a[] = OK200 "Content-Length: 1\r\n\r\nx";
	static const char b[] = OK200 "Connection: keep-alive, close\r\nContent-Length: 1\r\n\r\nx";
	static const char c[] = OK200 "Content-Length: 1\r\n" TE "\r\n1\r\nx\r\n0\r\n\r\n";
	static const char d[] = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx";

	tr_init(&t);
	run_cuts(a, sizeof(a) - 1, 0, NULL, 0, &t, &parser);
	assert_int_equal(t.keep_alive, 1);
	assert_int_equal(t.body_bytes, 1);
	tr_free(&t);
	tr_init(&t);
	run_cuts(b, sizeof(b) - 1, 0, NULL, 0, &t, &parser);
	assert_int_equal(t.keep_alive, 0);
	tr_free(&t);
	tr_init(&t);
	run_cuts(c, sizeof(c) - 1, 0, NULL, 0, &t, &parser);
	assert_int_equal(t.keep_alive, 0);
	tr_free(&t);
	tr_init(&t);
	run_cuts(d, sizeof(d) - 1, 0, NULL, 0, &t, &parser);
	assert_int_equal(t.keep_alive, 0);
	tr_free(&t);
}

/* BODY events point into the caller's buffer: no copy. */
static void test_body_zero_copy(void **state)
{
	(void)state;
	static const char in[] = OK200 TE "\r\n4\r\nabcd\r\n0\r\n\r\n";
	struct http_event ev;
	const char *buf = in;
	size_t len = sizeof(in) - 1;
	int bodies = 0;

	http_parse_init(&parser, 0);
	for (;;) {
		size_t n = http_parse_feed(&parser, buf, len, &ev);
		if (ev.type == HTTP_EV_BODY) {
			assert_ptr_equal(ev.data + ev.len, buf + n);
			assert_true(ev.data >= in && ev.data + ev.len <= in + sizeof(in));
			bodies++;
		}
		buf += n;
		len -= n;
		if (ev.type == HTTP_EV_DONE || ev.type == HTTP_EV_NONE ||
		    ev.type == HTTP_EV_ERROR)
			break;
	}
	assert_int_equal(ev.type, HTTP_EV_DONE);
	assert_int_equal(bodies, 1);
	/* after DONE everything is ignored, and eof says DONE again */
	assert_int_equal(http_parse_feed(&parser, "junk", 4, &ev), 4);
	assert_int_equal(ev.type, HTTP_EV_NONE);
	http_parse_eof(&parser, &ev);
	assert_int_equal(ev.type, HTTP_EV_DONE);
}

/* After an error the parser stays failed and consumes nothing. */
/* Skipping body bytes (as a splice does) gives the same events as feeding
 * them, for both framings, at every split. */
static void test_body_skip(void **state)
{
	static const char *resp[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5\r\n01234\r\n5\n56789\r\n0\r\nT: v\r\n\r\n",
	};
	(void)state;
	for (size_t r = 0; r < 2; r++) {
		struct http_parser p;
		struct http_event ev;
		const char *b = resp[r];
		size_t len = strlen(b), off = 0;
		uint64_t skipped = 0;
		int done = 0;
		http_parse_init(&p, 0);
		assert_int_equal(http_parse_body_left(&p), 0);
		while (!done) {
			uint64_t left = http_parse_body_left(&p);
			if (left > 1) {           /* skip all but one byte */
				http_parse_body_skip(&p, left - 1);
				off += (size_t)(left - 1);
				skipped += left - 1;
				continue;
			}
			size_t n = http_parse_feed(&p, b + off, off < len ? 1 : 0, &ev);
			off += n;
			assert_int_not_equal(ev.type, HTTP_EV_ERROR);
			done = ev.type == HTTP_EV_DONE || (ev.type == HTTP_EV_NONE && off == len);
		}
		assert_int_equal(ev.type, HTTP_EV_DONE);
		assert_int_equal(p.body_bytes, 10);
		assert_true(skipped >= 8);
	}
}

/* Feed all of s; the last event other than NONE (NONE if there was none). */
static enum http_ev feed_str(struct http_parser *p, const char *s)
{
	struct http_event ev;
	enum http_ev last = HTTP_EV_NONE;
	size_t len = strlen(s);

	for (;;) {
		size_t n = http_parse_feed(p, s, len, &ev);
		s += n;
		len -= n;
		if (ev.type == HTTP_EV_NONE)
			return last;
		last = ev.type;
		if (ev.type == HTTP_EV_ERROR || ev.type == HTTP_EV_DONE)
			return last;
	}
}

/* chunk_size names the chunk being read (what a caller decides to splice
 * by), and a skipped chunk's framing is still checked: a missing CRLF
 * after skipped data and a close inside a skipped chunk stay errors. */
static void test_chunk_size_skip(void **state)
{
	static const char head[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	struct http_parser p;
	struct http_event ev;
	(void)state;

	http_parse_init(&p, 0);
	assert_int_equal(feed_str(&p, head), HTTP_EV_HEADERS_DONE);
	assert_int_equal(feed_str(&p, "1000;x=y\r\n"), HTTP_EV_NONE);
	assert_int_equal(p.chunk_size, 0x1000);
	assert_int_equal(http_parse_body_left(&p), 0x1000);
	http_parse_body_skip(&p, 0x0fff);
	assert_int_equal(http_parse_body_left(&p), 1);
	assert_int_equal(p.chunk_size, 0x1000);
	http_parse_body_skip(&p, 1);
	assert_int_equal(http_parse_body_left(&p), 0);
	assert_int_equal(p.body_bytes, 0x1000);
	/* the CRLF and the next size line in one slice */
	assert_int_equal(feed_str(&p, "\r\n3\r\n"), HTTP_EV_NONE);
	assert_int_equal(p.chunk_size, 3);
	assert_int_equal(http_parse_body_left(&p), 3);
	http_parse_body_skip(&p, 3);
	/* data not followed by CRLF */
	assert_int_equal(feed_str(&p, "XX"), HTTP_EV_ERROR);
	assert_int_equal(p.err, HTTP_E_CHUNK_CRLF);

	/* a close inside a partly skipped chunk */
	http_parse_init(&p, 0);
	feed_str(&p, head);
	feed_str(&p, "10000\r\n");
	http_parse_body_skip(&p, 100);
	assert_int_equal(http_parse_body_left(&p), 0x10000 - 100);
	http_parse_eof(&p, &ev);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	assert_int_equal(ev.err, HTTP_E_EOF_CHUNKED);

	/* the last chunk and trailers after a skipped one */
	http_parse_init(&p, 0);
	feed_str(&p, head);
	feed_str(&p, "2\r\n");
	http_parse_body_skip(&p, 2);
	assert_int_equal(feed_str(&p, "\r\n0\r\nT: v\r\n\r\n"), HTTP_EV_DONE);
	assert_int_equal(p.chunk_size, 0);
	assert_int_equal(p.body_bytes, 2);
}

static void test_error_sticks(void **state)
{
	(void)state;
	struct http_event ev;
	http_parse_init(&parser, 0);
	http_parse_feed(&parser, "XTTP/1.1 200 OK\r\n", 17, &ev);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	assert_int_equal(http_parse_feed(&parser, "more", 4, &ev), 0);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	assert_int_equal(ev.err, HTTP_E_STATUS_LINE);
	http_parse_eof(&parser, &ev);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	for (int e = 0; e <= HTTP_E_EOF_CHUNKED; e++)
		assert_string_not_equal(http_strerror((enum http_err)e),
		                        "unknown error");
	assert_string_equal(http_strerror((enum http_err)(HTTP_E_EOF_CHUNKED + 1)),
	                    "unknown error");
}

/* ---- bounds: generated inputs ---- */

struct gen {
	char *buf;
	size_t len, cap;
};

static void gen_put(struct gen *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		g->buf = realloc(g->buf, g->cap);
		assert_non_null(g->buf);
	}
	memcpy(g->buf + g->len, s, n);
	g->len += n;
	g->buf[g->len] = '\0';
}

static void gen_puts(struct gen *g, const char *s)
{
	gen_put(g, s, strlen(s));
}

static void gen_fill(struct gen *g, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gen_put(g, &c, 1);
}

/* A header line "X: vvv...\r\n" of exactly `total` bytes. */
static void gen_header_line(struct gen *g, const char *name, size_t total)
{
	size_t fixed = strlen(name) + 2 + 2;
	gen_puts(g, name);
	gen_puts(g, ": ");
	gen_fill(g, 'v', total - fixed);
	gen_puts(g, "\r\n");
}

/* Run input through whole / byte-by-byte / sampled splits and return the
 * last line of the transcript (the verdict). */
static void expect_verdict(const char *name, const struct gen *g,
                           const char *verdict)
{
	struct tr t;
	size_t cuts_n = g->len ? g->len - 1 : 0;
	size_t *cuts = malloc((cuts_n + 1) * sizeof(size_t));
	char *want = NULL;

	assert_non_null(cuts);
	for (size_t i = 0; i < cuts_n; i++)
		cuts[i] = i + 1;
	for (int mode = 0; mode < 3; mode++) {
		size_t k = g->len / 2 + 1;
		tr_init(&t);
		if (mode == 0)
			run_cuts(g->buf, g->len, 0, NULL, 0, &t, &parser);
		else if (mode == 1)
			run_cuts(g->buf, g->len, 0, cuts, cuts_n, &t, &parser);
		else
			run_cuts(g->buf, g->len, 0, &k, 1, &t, &parser);
		if (!want) {
			want = strdup(t.out);
		} else if (strcmp(want, t.out) != 0) {
			fail_msg("%s: mode %d differs", name, mode);
		}
		tr_free(&t);
	}
	{
		size_t wl = strlen(want);
		const char *last;
		assert_true(wl > 0 && want[wl - 1] == '\n');
		want[wl - 1] = '\0';
		last = strrchr(want, '\n');
		last = last ? last + 1 : want;
		if (strcmp(last, verdict) != 0)
			fail_msg("%s: verdict '%s' want '%s'", name, last, verdict);
	}
	free(want);
	free(cuts);
}

static void test_line_bounds(void **state)
{
	(void)state;
	struct gen g = { 0 };

	/* status line of exactly HTTP_LINE_MAX bytes (with CRLF) is fine */
	gen_puts(&g, "HTTP/1.1 200 ");
	gen_fill(&g, 'r', HTTP_LINE_MAX - 13 - 2);
	gen_puts(&g, "\r\nContent-Length: 0\r\n\r\n");
	expect_verdict("status at limit", &g, "DONE");
	g.len = 0;
	gen_puts(&g, "HTTP/1.1 200 ");
	gen_fill(&g, 'r', HTTP_LINE_MAX - 13 - 1);
	gen_puts(&g, "\r\nContent-Length: 0\r\n\r\n");
	expect_verdict("status over limit", &g, "E:header line too long");
	/* no LF at all: fails as soon as the bound is passed, not at EOF */
	g.len = 0;
	gen_puts(&g, "HTTP/1.1 200 ");
	gen_fill(&g, 'r', HTTP_LINE_MAX);
	expect_verdict("endless status", &g, "E:header line too long");

	/* header line at and over the limit */
	g.len = 0;
	gen_puts(&g, OK200);
	gen_header_line(&g, "X", HTTP_LINE_MAX);
	gen_puts(&g, "Content-Length: 0\r\n\r\n");
	expect_verdict("header at limit", &g, "DONE");
	g.len = 0;
	gen_puts(&g, OK200);
	gen_header_line(&g, "X", HTTP_LINE_MAX + 1);
	gen_puts(&g, "Content-Length: 0\r\n\r\n");
	expect_verdict("header over limit", &g, "E:header line too long");
	free(g.buf);
}

static void test_section_bounds(void **state)
{
	(void)state;
	struct gen g = { 0 };
	size_t n;

	/* many long lines: total past HTTP_SECTION_MAX */
	gen_puts(&g, OK200);
	for (n = 0; g.len < HTTP_SECTION_MAX; n++)
		gen_header_line(&g, "X", HTTP_LINE_MAX - 100);
	gen_puts(&g, "\r\n");
	expect_verdict("section too large", &g, "E:header section too large");

	/* exactly HTTP_FIELDS_MAX fields is fine, one more is not */
	g.len = 0;
	gen_puts(&g, OK200);
	for (n = 0; n < HTTP_FIELDS_MAX - 1; n++)
		gen_puts(&g, "A: b\r\n");
	gen_puts(&g, "Content-Length: 0\r\n\r\n");
	expect_verdict("fields at limit", &g, "DONE");
	g.len = 0;
	gen_puts(&g, OK200);
	for (n = 0; n < HTTP_FIELDS_MAX; n++)
		gen_puts(&g, "A: b\r\n");
	gen_puts(&g, "Content-Length: 0\r\n\r\n");
	expect_verdict("fields over limit", &g, "E:too many header fields");

	/* interim responses are bounded too */
	g.len = 0;
	for (n = 0; n < HTTP_INTERIM_MAX; n++)
		gen_puts(&g, "HTTP/1.1 100 Continue\r\n\r\n");
	gen_puts(&g, OK200 "Content-Length: 0\r\n\r\n");
	expect_verdict("interim at limit", &g, "DONE");
	g.len = 0;
	for (n = 0; n < HTTP_INTERIM_MAX + 1; n++)
		gen_puts(&g, "HTTP/1.1 100 Continue\r\n\r\n");
	gen_puts(&g, OK200 "Content-Length: 0\r\n\r\n");
	expect_verdict("interim over limit", &g, "E:too many 1xx responses");
	free(g.buf);
}

static void test_chunk_bounds(void **state)
{
	(void)state;
	struct gen g = { 0 };
	size_t n;

	/* chunk-size line with extensions up to HTTP_CHUNK_LINE_MAX */
	gen_puts(&g, OK200 TE "\r\n1;e=");
	gen_fill(&g, 'x', HTTP_CHUNK_LINE_MAX - 4 - 2);
	gen_puts(&g, "\r\nz\r\n0\r\n\r\n");
	expect_verdict("ext at limit", &g, "DONE");
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n1;e=");
	gen_fill(&g, 'x', HTTP_CHUNK_LINE_MAX - 4 - 1);
	gen_puts(&g, "\r\nz\r\n0\r\n\r\n");
	expect_verdict("ext over limit", &g, "E:invalid chunk extension");

	/* trailers: count and size */
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n0\r\n");
	for (n = 0; n < HTTP_TRAILERS_MAX; n++)
		gen_puts(&g, "T: v\r\n");
	gen_puts(&g, "\r\n");
	expect_verdict("trailers at limit", &g, "DONE");
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n0\r\n");
	for (n = 0; n < HTTP_TRAILERS_MAX + 1; n++)
		gen_puts(&g, "T: v\r\n");
	gen_puts(&g, "\r\n");
	expect_verdict("trailers over count", &g, "E:invalid trailer section");
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n0\r\n");
	for (n = 0; n < 5; n++)
		gen_header_line(&g, "T", HTTP_LINE_MAX);
	gen_puts(&g, "\r\n");
	expect_verdict("trailers over size", &g, "E:invalid trailer section");
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n0\r\n");
	gen_header_line(&g, "T", HTTP_LINE_MAX + 1);
	gen_puts(&g, "\r\n");
	expect_verdict("trailer line over limit", &g, "E:invalid trailer section");

	/* many small chunks: the chunk count itself is unbounded */
	g.len = 0;
	gen_puts(&g, OK200 TE "\r\n");
	for (n = 0; n < 5000; n++)
		gen_puts(&g, "1\r\nq\r\n");
	gen_puts(&g, "0\r\n\r\n");
	expect_verdict("5000 chunks", &g, "DONE");
	free(g.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_body_zero_copy),
		cmocka_unit_test(test_error_sticks),
		cmocka_unit_test(test_body_skip),
		cmocka_unit_test(test_chunk_size_skip),
		cmocka_unit_test(test_line_bounds),
		cmocka_unit_test(test_section_bounds),
		cmocka_unit_test(test_chunk_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
