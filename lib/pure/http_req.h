/* http_req: the request http-get sends, built into a caller's buffer.
 *
 *   GET|HEAD target HTTP/1.1
 *   Host: authority            (defaults, each removable or replaced)
 *   User-Agent: agent
 *   Accept: * / *
 *   [Referer, Range, Authorization: Basic, when given]
 *   Connection: close
 *   -H lines, in order
 *
 * -H follows curl: "Name: value" replaces a default field of that name
 * (case-insensitive) and is sent at the end as written; "Name:" (nothing after the
 * colon but blanks) removes the default and sends nothing; "Name;" sends
 * "Name:" with an empty value.  http_req_check_header() validates one -H
 * argument (a token name, no CR/LF/NUL) before any request is built.
 * Pure: no I/O, no allocation. */
#ifndef SB_HTTP_REQ_H
#define SB_HTTP_REQ_H

#include <stddef.h>

struct http_req {
	int head;                    /* HEAD instead of GET */
	const char *target;          /* origin-form "/p?q" */
	const char *authority;       /* Host value */
	const char *agent;           /* User-Agent value */
	const char *referer;         /* or NULL */
	const char *range;           /* "0-99" -> "Range: bytes=0-99", or NULL */
	const char *user;            /* "user:password" (decoded), or NULL */
	size_t user_len;
	const char *const *extra;    /* -H arguments as given */
	size_t nextra;
};

enum http_req_check {
	HTTP_REQ_OK = 0,
	HTTP_REQ_CRLF = -1,          /* CR or LF in it */
	HTTP_REQ_NO_COLON = -2,      /* neither "Name:" nor "Name;" */
	HTTP_REQ_BAD_NAME = -3,      /* name is not a token */
};

int http_req_check_header(const char *h);
const char *http_req_check_strerror(int e);

/* 0 and *len, or -1 when it does not fit in size bytes. */
int http_req_build(const struct http_req *r, char *buf, size_t size,
                   size_t *len);

/* RFC 4648 base64 of in[0..n) into out (NUL-terminated); -1 if it does
 * not fit. */
int http_base64(const unsigned char *in, size_t n, char *out, size_t size);

#endif
