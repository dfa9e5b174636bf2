/* http_parse: pure, incremental HTTP/1.x response parser.
 *
 * Feed it whatever slices recv() returns; it yields one event per call:
 *
 *     struct http_parser p; struct http_event ev;
 *     http_parse_init(&p, is_head_request);
 *     while (len > 0) {
 *         size_t n = http_parse_feed(&p, buf, len, &ev);
 *         buf += n; len -= n;
 *         if (ev.type == HTTP_EV_NONE) break;   // all consumed, need more
 *         ...handle ev...                      // DONE / ERROR: stop
 *     }
 *     on EOF: http_parse_eof(&p, &ev);          // DONE or ERROR
 *
 * HTTP_EV_NONE is returned only when every byte given was consumed.
 * Feeding one byte at a time gives the same events as feeding the whole
 * response at once, except that BODY data may arrive in more slices.
 * BODY events point into the caller's buffer (never copied); STATUS,
 * HEADER and TRAILER events point into the parser's line buffer and are
 * valid until the next call.  After HEADERS_DONE of the final response
 * with no body (or an empty one) the next call returns DONE without
 * consuming anything, so loop until NONE/DONE/ERROR even when len == 0.
 *
 * Body length (RFC 9112 §6.3), decided at the end of the header section:
 *  1. HEAD responses and 1xx/204/304 have no body.  Every 1xx but 101 is
 *     an interim response (STATUS/HEADER/HEADERS_DONE events with
 *     p.interim set) followed by the next response; 101 is an error since
 *     no upgrade was asked for.
 *  2. Transfer-Encoding (all field lines, comma lists): exactly one
 *     "chunked", last, is chunked framing and overrides Content-Length
 *     (p.keep_alive then 0).  Any other coding is HTTP_E_TE_UNSUPPORTED;
 *     chunked twice or an empty list is HTTP_E_TE_BAD.
 *  3. Content-Length: 1*DIGIT values, comma lists and repeated lines
 *     allowed only when all equal ("5, 5"); a sign, other characters, an
 *     empty element, overflow or differing values is HTTP_E_CONTENT_LENGTH.
 *  4. Otherwise the body ends when the connection closes (http_parse_eof).
 * Chunked: at most HTTP_CHUNK_DIGITS hex digits per size, extensions
 * ignored but the size line bounded (HTTP_CHUNK_LINE_MAX), the CRLF after
 * each chunk's data verified, trailers parsed into TRAILER events
 * (bounded like headers), bytes after the final CRLF ignored.
 * Lines end in CRLF or a bare LF (RFC 9112 §2.2; a bare CR is an error),
 * also after chunk data.  An obs-fold (a field line continued on a line
 * starting with SP/HTAB) is replaced by one SP, as RFC 9112 §5.2 requires
 * of a user agent; a whitespace line before the first field is refused;
 * field names must be tokens with no
 * space before ':'; values may not contain control characters but HTAB.
 * No I/O, no allocation, no globals; the parser struct holds one line. */
#ifndef SB_HTTP_PARSE_H
#define SB_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX       16384   /* status, header or trailer line, with CRLF */
#define HTTP_SECTION_MAX    262144  /* status line + header lines of a response */
#define HTTP_FIELDS_MAX     256     /* header fields per response */
#define HTTP_TRAILER_MAX    65536   /* whole trailer section */
#define HTTP_TRAILERS_MAX   64      /* trailer fields */
#define HTTP_CHUNK_LINE_MAX 4096    /* chunk-size line with extensions */
#define HTTP_CHUNK_DIGITS   16      /* hex digits in a chunk size */
#define HTTP_INTERIM_MAX    16      /* 1xx responses before the final one */

enum http_ev {
	HTTP_EV_NONE = 0,     /* all input consumed; feed more */
	HTTP_EV_STATUS,       /* data/len: status line; p.status set */
	HTTP_EV_HEADER,       /* data/len: name; value/value_len */
	HTTP_EV_HEADERS_DONE, /* p.interim, p.framing, p.content_length set */
	HTTP_EV_BODY,         /* data/len: body bytes (inside the input) */
	HTTP_EV_TRAILER,      /* like HEADER, from the chunked trailer */
	HTTP_EV_DONE,         /* the final response is complete */
	HTTP_EV_ERROR,        /* err says why; the parser stays failed */
};

/* One table: the enum and http_strerror()'s messages come from it, so
 * they cannot drift apart.  X(name, message)  -- comment: when it fires */
#define HTTP_ERR_MAP(X) \
	X(NONE, "no error") \
	X(STATUS_LINE, "malformed status line") \
	X(VERSION, "unsupported HTTP version")          /* not HTTP/1.x */ \
	X(STATUS_CODE, "invalid status code")           /* outside 100..599 */ \
	X(UNEXPECTED_101, "unexpected 101 Switching Protocols") \
	X(TOO_MANY_INTERIM, "too many 1xx responses") \
	X(HEADER, "malformed header line") \
	X(OBS_FOLD, "whitespace before the first field line") \
	X(CRLF, "line not terminated by CRLF")   /* no longer produced: bare LF is accepted */ \
	X(LINE_TOO_LONG, "header line too long") \
	X(SECTION_TOO_LONG, "header section too large") \
	X(TOO_MANY_FIELDS, "too many header fields") \
	X(CONTENT_LENGTH, "invalid Content-Length")     /* or conflicting */ \
	X(TE_UNSUPPORTED, "unsupported transfer coding") /* not chunked */ \
	X(TE_BAD, "invalid Transfer-Encoding")          /* chunked twice, empty */ \
	X(CHUNK_SIZE, "invalid chunk size")             /* not hex */ \
	X(CHUNK_TOO_BIG, "chunk size too large")        /* > HTTP_CHUNK_DIGITS */ \
	X(CHUNK_EXT, "invalid chunk extension")         /* bad or too long */ \
	X(CHUNK_CRLF, "chunk data not followed by CRLF") \
	X(TRAILER, "invalid trailer section")           /* malformed, too big */ \
	X(EMPTY, "empty reply from server")             /* closed before a byte */ \
	X(EOF_HEADERS, "connection closed inside the headers") \
	X(EOF_BODY, "connection closed before the end of the body") \
	X(EOF_CHUNKED, "connection closed before the last chunk")

enum http_err {
#define HTTP_ERR_ENUM(name, msg) HTTP_E_##name,
	HTTP_ERR_MAP(HTTP_ERR_ENUM)
#undef HTTP_ERR_ENUM
};

enum http_framing {
	HTTP_BODY_NONE = 0,     /* HEAD, 1xx, 204, 304 */
	HTTP_BODY_LENGTH,       /* Content-Length */
	HTTP_BODY_CHUNKED,
	HTTP_BODY_CLOSE,        /* until the connection closes */
};

struct http_event {
	enum http_ev type;
	enum http_err err;
	const char *data;
	size_t len;
	const char *value;
	size_t value_len;
};

struct http_parser {
	/* Results, valid once the matching event has been returned. */
	int status;                 /* current response's status code */
	int version_minor;          /* HTTP/1.x */
	int interim;                /* current response is 1xx */
	enum http_framing framing;  /* of the final response */
	uint64_t content_length;    /* when framing == HTTP_BODY_LENGTH */
	uint64_t body_bytes;        /* body bytes delivered so far */
	uint64_t chunk_size;        /* chunked: the size of the current (or
	                             * last) chunk, from its size line */
	int keep_alive;             /* connection could be reused after DONE */
	/* Private. */
	int head;
	int state;
	int seen_any;
	enum http_err err;
	unsigned interim_count;
	unsigned fields;
	size_t section;
	size_t line_len;            /* bytes of the line being assembled */
	size_t cur_len;             /* length of the completed line */
	uint64_t remaining;
	int cl_seen, cl_bad;
	uint64_t cl_value;
	int te_seen, te_bad, te_other, te_chunked, te_last_chunked;
	int conn_close;
	int fold_pending;           /* a field line waits for the next byte */
	int fold_skip;              /* skipping an obs-fold's leading blanks */
	char line[HTTP_LINE_MAX];
};

void http_parse_init(struct http_parser *p, int head_request);
size_t http_parse_feed(struct http_parser *p, const char *buf, size_t len,
                       struct http_event *ev);
/* The peer closed the connection: DONE (close-delimited body, or already
 * complete), or ERROR (HTTP_E_EMPTY, _EOF_HEADERS, _EOF_BODY,
 * _EOF_CHUNKED). */
void http_parse_eof(struct http_parser *p, struct http_event *ev);
const char *http_strerror(enum http_err err);

/* Zero-copy bodies: inside a Content-Length body or a chunk's data, the
 * bytes still owed (0 elsewhere).  A caller that moves n of them without
 * feeding them (splice(2)) reports it with http_parse_body_skip(); the
 * parser then continues exactly as if they had been fed as BODY. */
uint64_t http_parse_body_left(const struct http_parser *p);
void http_parse_body_skip(struct http_parser *p, uint64_t n);

#endif
