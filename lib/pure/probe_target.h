/* probe_target: pure parsing of probe targets and target-file lines.
 *
 * Target URLs (scheme case-insensitive):
 *   tcp://HOST:PORT   udp://HOST:PORT      HOST: name, IPv4, or [IPv6]
 *   unix:///PATH      unix://@NAME         (abstract namespace)
 *   icmp://HOST       http://HOST[:PORT][/PATH]   https://...
 * PORT is 1..65535 and required for tcp/udp (http: 80, https: 443).
 * tcp, udp and icmp take no path (a lone trailing "/" is allowed); http
 * keeps its request target ("/" when absent; fragment dropped; control
 * characters and spaces refused).  No userinfo.
 *
 * A target-file line: optional blanks, the URL, then blank-separated
 * options KEY=VALUE: timeout=DUR, max-rtt=DUR, send=BYTES, expect=BYTES,
 * status=SET (http), type=stream|seqpacket|dgram (unix).  '#' at the start
 * of a line or after a blank starts a comment; blank lines are skipped.
 * Durations are num.h's (2s, 150ms; a bare number is seconds).  BYTES take
 * C escapes: \r \n \t \0 \\ \s (space) \xHH.
 *
 * Errors are a PT_E_* code; pt_strerror() names it, and *where (when not
 * NULL) points at the offending word.  No I/O, no allocation. */
#ifndef SB_PROBE_TARGET_H
#define SB_PROBE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define PT_HOST_MAX 256
#define PT_PATH_MAX 2048
#define PT_DATA_MAX 512
#define PT_STATUS_MAX 96
#define PT_LINE_MAX 4096

enum pt_scheme { PT_TCP, PT_UDP, PT_UNIX, PT_ICMP, PT_HTTP, PT_HTTPS };

enum pt_unix_type { PT_UNIX_AUTO = 0, PT_UNIX_STREAM, PT_UNIX_SEQPACKET,
                    PT_UNIX_DGRAM };

enum pt_err {
	PT_OK = 0,
	PT_E_SCHEME = -1,     /* no "scheme://" or an unknown scheme */
	PT_E_HOST = -2,       /* empty or invalid host */
	PT_E_PORT = -3,       /* missing (tcp/udp) or not 1..65535 */
	PT_E_PATH = -4,       /* a path where none is allowed, bad unix path */
	PT_E_CHAR = -5,       /* control character or space */
	PT_E_TOO_LONG = -6,
	PT_E_OPTION = -7,     /* unknown per-line option */
	PT_E_VALUE = -8,      /* bad option value */
	PT_E_USERINFO = -9,
	PT_E_EMPTY = -10,     /* line has no target (comment/blank) */
};

struct pt_target {
	enum pt_scheme scheme;
	char host[PT_HOST_MAX];     /* without brackets; unix: the path or "@name" */
	int ipv6_literal;
	uint16_t port;              /* 0 for unix and icmp */
	char path[PT_PATH_MAX];     /* http request target */
	/* per-line options; unset: timeout_ns/max_rtt_ns < 0, lengths < 0 */
	int64_t timeout_ns, max_rtt_ns;
	enum pt_unix_type unix_type;
	char send[PT_DATA_MAX];
	int send_len;
	char expect[PT_DATA_MAX];
	int expect_len;
	char status[PT_STATUS_MAX]; /* "" unset; checked by the caller */
};

/* Parse one URL (NUL-terminated), options unset. */
int pt_parse_url(const char *s, struct pt_target *t);
/* Parse a target-file line (NUL-terminated, no newline): PT_E_EMPTY for a
 * blank or comment-only line.  *where (may be NULL) gets the bad word. */
int pt_parse_line(const char *line, struct pt_target *t, const char **where);
/* C-escaped bytes -> out (at most cap); length, or -1 on a bad escape or
 * overflow.  Output is not NUL-terminated. */
int pt_unescape(const char *s, size_t len, char *out, size_t cap);
const char *pt_scheme_name(enum pt_scheme s);
const char *pt_strerror(int err);

#endif
