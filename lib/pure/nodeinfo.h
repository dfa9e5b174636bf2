/* nodeinfo: IPv6 node information queries (RFC 4620) as iputils ping
 * 20221126 sends them (-N) and prints their replies, pure.
 *
 * A query is ICMPv6 type 139: code = subject type, bytes [4,6) the
 * qtype and [6,8) the flags (both big-endian), [8,16) a nonce, then the
 * subject (an IPv6 or IPv4 address, or a DNS-encoded name).  A reply is
 * type 140 with the same nonce; its data is, for qtype 2 (name), a
 * 4-byte TTL then DNS names (a name followed by an extra zero byte is
 * not fully qualified), for qtypes 3/4 (IPv6/IPv4 addresses) a list of
 * (4-byte TTL, address) pairs.
 *
 * The nonce's first two bytes carry the probe's sequence number (iputils
 * prints them as "seq="); the other six are derived from a per-process
 * secret, so a reply that does not echo one of our nonces is dropped.
 *
 * Bounds: nothing is read outside [msg, msg+len); a reply shorter than
 * the 16-byte header is dropped, a truncated body prints iputils' "parse
 * error" text.  DNS names go through libc's dn_comp()/dn_expand() (no
 * system calls), so escapes are printed exactly as iputils prints them.
 * No I/O, no globals. */
#ifndef SB_NODEINFO_H
#define SB_NODEINFO_H

#include <stddef.h>
#include <stdint.h>

#define NODEINFO_QUERY 139
#define NODEINFO_REPLY 140
#define NODEINFO_HDR_LEN 16
#define NODEINFO_SUBJECT_MAX 260

enum { NODEINFO_QTYPE_NAME = 2, NODEINFO_QTYPE_IPV6 = 3, NODEINFO_QTYPE_IPV4 = 4 };
enum { NODEINFO_SUBJ_IPV6 = 0, NODEINFO_SUBJ_FQDN = 1, NODEINFO_SUBJ_IPV4 = 2 };

struct nodeinfo_q {
	int qtype;              /* -1: no query (plain echo requests) */
	uint16_t flags;         /* host order */
	int subject_type;       /* -1: none yet (the target's address is used) */
	size_t subject_len;     /* 0: no subject yet */
	uint8_t subject[NODEINFO_SUBJECT_MAX];
};

/* What one -N argument asks for. */
enum nodeinfo_opt {
	NODEINFO_OPT_DONE,        /* a query type or flag, recorded */
	NODEINFO_OPT_HELP,        /* "help": the list on stdout, exit 0 */
	NODEINFO_OPT_SUBJ_IPV6,   /* subject-ipv6=ADDR: resolve *value (AF_INET6),
	                           * then nodeinfo_subject_addr() */
	NODEINFO_OPT_SUBJ_IPV4,   /* subject-ipv4=ADDR: the same, AF_INET */
	NODEINFO_OPT_SUBJ_NAME,   /* subject-name=NAME: nodeinfo_subject_name() */
	NODEINFO_OPT_SUBJ_FQDN,   /* subject-fqdn=NAME: the same */
	NODEINFO_OPT_QCONFLICT,   /* a second, different query type */
	NODEINFO_OPT_SCONFLICT,   /* a second, different subject type */
	NODEINFO_OPT_UNKNOWN,     /* none of the above: iputils' list on stderr, exit 2 */
};

void nodeinfo_init(struct nodeinfo_q *q);

/* Parse one -N argument into q; *value points into arg after '=' for the
 * subject options.  The subject-type conflict is checked here, before
 * the value is looked at, as iputils does. */
enum nodeinfo_opt nodeinfo_option(struct nodeinfo_q *q, const char *arg,
                                  const char **value);

/* Record an address subject (16 bytes for IPv6, 4 for IPv4). */
void nodeinfo_subject_addr(struct nodeinfo_q *q, int type, const uint8_t *addr,
                           size_t len);

/* Record a name subject: the scope ("%eth0") is cut off, the name lowered
 * and DNS-encoded; subject-name appends the non-FQDN zero byte when the
 * name has no dot, subject-fqdn always (iputils' behaviour).  Returns 0,
 * -1 "inappropriate subject name" (cname gets the lowered name), -2 "too
 * long scope name", or one of the NODEINFO_IDN_* codes (iputils' "IDN
 * encoding error: " + nodeinfo_idn_error(code), exit 2; the checks its
 * libidn2 makes on ASCII names: non-ASCII names are not converted to
 * punycode here). */
enum { NODEINFO_IDN_NAME_LONG = -10, NODEINFO_IDN_LABEL_LONG = -11, NODEINFO_IDN_HYPHEN = -12 };
const char *nodeinfo_idn_error(int code);
int nodeinfo_subject_name(struct nodeinfo_q *q, const char *name, int fqdn_opt,
                          char *cname, size_t cname_sz);

/* The help text iputils prints for -N help / a bad -N argument. */
const char *nodeinfo_help(void);

/* The nonce of probe `seq` under `secret`. */
void nodeinfo_nonce(uint64_t secret, uint16_t seq, uint8_t nonce[8]);

/* Build the query for probe seq into buf; returns its length, 0 when cap
 * is too small.  The checksum is left 0 (the kernel fills it in). */
size_t nodeinfo_query_build(uint8_t *buf, size_t cap, const struct nodeinfo_q *q,
                            uint64_t secret, uint16_t seq);

/* The sequence number of a reply carrying one of our nonces, or -1 (not
 * a node information reply, shorter than its header, not our nonce). */
int nodeinfo_reply_seq(uint64_t secret, const uint8_t *msg, size_t len);

/* The text iputils prints after "N bytes from A:" for a reply (len >= 16):
 * " name.example.; seq=1;", " fd00::1, 10.0.0.1 (truncated); seq=2;",
 * " refused; seq=3;", " parse error (truncated); seq=4;" ...  Formats into
 * buf (always NUL-terminated when n > 0) and returns the length wanted,
 * like snprintf.  Compression pointers let a short reply expand to a
 * long text (each name to at most 1024 bytes): callers bound n. */
int nodeinfo_reply_text(char *buf, size_t n, const uint8_t *msg, size_t len);

#endif
