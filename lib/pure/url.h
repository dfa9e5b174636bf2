/* url: pure parser for http:// URLs and resolution of redirect targets.
 *
 * Accepted: "http://" or "https://" host [ ":" port ] [ path ] [ "?" query ] [ "#" frag ]
 * with a case-insensitive scheme; host is a reg-name (ALPHA, DIGIT, "-",
 * ".", "_", "~") or a bracketed IPv6 literal "[::1]" with an optional
 * zone "[fe80::1%25eth0]".  Port is 1..65535 (empty or absent: 80, or 443
 * for https).  Userinfo ("user:pass@host", kept percent-encoded in
 * .userinfo, never written by url_format) is accepted; any other scheme
 * is refused.  Control
 * characters (CR, LF, NUL, any byte < 0x20 or 0x7f) anywhere are refused;
 * spaces and bytes >= 0x80 in the path are percent-encoded; the fragment
 * is dropped; dot segments are removed (RFC 3986 §5.2.4).
 *
 * url_resolve() turns a Location value (absolute URL, "//host/p",
 * "/abs", "rel/p", "?q", "#f", "") into an absolute URL against a base,
 * following RFC 3986 §5.2.
 *
 * Bounds: host < URL_HOST_MAX bytes, request target (path+query after
 * encoding) < URL_PATH_MAX bytes, input at most URL_INPUT_MAX bytes.
 * No I/O, no allocation, no global state. */
#ifndef SB_URL_H
#define SB_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_HOST_MAX  256
#define URL_PATH_MAX  8192
#define URL_INPUT_MAX 16384

enum url_err {
	URL_OK = 0,
	URL_E_SCHEME = -1,    /* missing "http://" */
	URL_E_UNSUPPORTED = -2, /* another scheme (ftp, ...) */
	URL_E_CHAR = -3,      /* control character (CR, LF, NUL, ...) */
	URL_E_HOST = -4,      /* empty or invalid host / IPv6 literal */
	URL_E_PORT = -5,      /* port not 1..65535 */
	URL_E_USERINFO = -6,  /* invalid characters in "user:pass@" */
	URL_E_TOO_LONG = -7,  /* a bound above was exceeded */
};

struct url {
	char host[URL_HOST_MAX];  /* IPv6 without brackets, zone as "%eth0" */
	int ipv6;                 /* host came from a bracketed literal */
	int https;                /* scheme https (TLS) */
	uint16_t port;            /* 80 (https: 443) when absent */
	char path[URL_PATH_MAX];  /* origin-form target "/p?q", never empty */
	char userinfo[URL_HOST_MAX]; /* "user:pass" as written, or "" */
};

/* Parse s[0..len) (may contain NUL bytes, which are refused). */
int url_parse(const char *s, size_t len, struct url *u);

/* Resolve ref[0..len) against base into out (out may not alias base). */
int url_resolve(const struct url *base, const char *ref, size_t len,
                struct url *out);

/* "http[s]://host[:port]/path" (port shown when not 80/443, IPv6 bracketed,
 * zone written as %25).  Returns the length, or -1 when it doesn't fit. */
int url_format(const struct url *u, char *buf, size_t size);

/* The Host header value: "host", "host:port", "[::1]:8080" (no zone). */
int url_authority(const struct url *u, char *buf, size_t size);

/* curl's --remote-name: the last segment of the path, without the query
 * (not percent-decoded).  -1 when it is empty, "." or "..", contains a
 * byte that cannot be in a file name, or does not fit. */
int url_remote_name(const struct url *u, char *buf, size_t size);

const char *url_strerror(int err);

#endif
