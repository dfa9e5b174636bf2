/* icmp: ICMP/ICMPv6 echo codec, pure.
 *
 * Builds echo requests and parses what a ping socket reads:
 *   - IPv4 raw sockets deliver the IP header first (ICMP_V4_RAW);
 *   - IPv4 datagram ("ping") sockets and all IPv6 sockets deliver the
 *     ICMP message alone (ICMP_V4_DGRAM, ICMP_V6).
 * ICMP errors carry the start of the packet that caused them; for errors
 * icmp_parse() digs out that packet's destination, echo identifier and
 * sequence so the caller can match the error to its own probe.  The error
 * queue (IP_RECVERR) hands over only the original ICMP header;
 * icmp_parse_orig() reads that form.
 *
 * Payload layout of our requests (the part after the 8-byte ICMP header):
 * bytes [0,8) the send time in monotonic nanoseconds, host byte order,
 * [8,16) zero, then the fill pattern; when the payload is shorter than
 * ICMP_TS_LEN no time is carried (iputils' rule: no RTT below 16 bytes).
 *
 * Bounds: nothing is read outside [buf, buf+len); every length field from
 * the wire is checked against len.  No I/O, no globals. */
#ifndef SB_ICMP_H
#define SB_ICMP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ICMP_HDR_LEN 8
#define ICMP_TS_LEN 16          /* payload bytes reserved for the send time */
#define ICMP_PATTERN_MAX 16     /* -p takes up to 16 bytes */

/* ICMP types we name (values from RFC 792 / RFC 4443). */
#define ICMP4_ECHOREPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_SOURCEQUENCH 4
#define ICMP4_REDIRECT 5
#define ICMP4_ECHO 8
#define ICMP4_TIMXCEED 11
#define ICMP4_PARAMPROB 12
#define ICMP6_UNREACH 1
#define ICMP6_TOOBIG 2
#define ICMP6_TIMXCEED 3
#define ICMP6_PARAMPROB 4
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129

enum icmp_form {
	ICMP_V4_RAW,    /* IPv4 header + ICMP */
	ICMP_V4_DGRAM,  /* ICMP only, IPv4 */
	ICMP_V6,        /* ICMPv6 only (raw and datagram alike) */
};

enum icmp_kind {
	ICMP_MALFORMED = -1, /* too short or inconsistent lengths */
	ICMP_OTHER = 0,      /* valid but not interesting (echo request...) */
	ICMP_REPLY,          /* echo reply */
	ICMP_ERROR,          /* error quoting one of our echo requests */
};

struct icmp_msg {
	enum icmp_kind kind;
	uint8_t type, code;
	int ttl;                 /* from the IPv4 header (raw), else -1 */
	int csum_ok;             /* 1 checksum valid; for ICMP_V6 always 1
	                          * (the kernel checks ICMPv6 checksums) */
	size_t icmp_len;         /* bytes from the ICMP header to the end */
	/* ICMP_REPLY: identifier and sequence (host order), payload. */
	uint16_t id, seq;
	const uint8_t *data;     /* payload after the 8-byte header */
	size_t data_len;
	/* ICMP_ERROR: the fourth header word decoded as the kernel's error
	 * queue reports it in ee_info (v4 frag needed: the MTU; v4 parameter
	 * problem: the pointer byte; v4 redirect: the gateway, host order;
	 * v6: the whole word), and the quoted echo request: its destination,
	 * identifier, sequence. */
	uint32_t info;
	int orig_family;         /* AF_INET or AF_INET6 */
	struct in6_addr orig_dst6;
	struct in_addr orig_dst4;
};

/* Internet checksum (RFC 1071) of buf; returns it in network byte order
 * as stored in a header, i.e. the folded one's complement.  A buffer
 * whose checksum field is correct sums to 0. */
uint16_t icmp_checksum(const void *buf, size_t len);

/* Fill buf[0 .. 8+datalen) with an echo request: type (v4: 8, v6: 128),
 * id, seq, the pattern repeated over the payload (or bytes 0,1,2... when
 * pattern_len is 0, as iputils), the send time when datalen >= 16, and for
 * IPv4 the checksum (for IPv6 the kernel computes it).  Returns the
 * packet length, or 0 if cap is too small. */
size_t icmp_echo_build(uint8_t *buf, size_t cap, int v6, uint16_t id,
                       uint16_t seq, size_t datalen, const uint8_t *pattern,
                       size_t pattern_len, int64_t send_ns);

/* Parse one packet as read from a socket of the given form. */
enum icmp_kind icmp_parse(enum icmp_form form, const uint8_t *buf, size_t len,
                          struct icmp_msg *out);

/* Parse the error-queue payload: the original echo request's ICMP header
 * (8 bytes, possibly followed by data).  Sets out->id/seq and returns 0,
 * or -1 when it is too short or not an echo request of `v6`'s family. */
int icmp_parse_orig(int v6, const uint8_t *buf, size_t len,
                    struct icmp_msg *out);

/* The send time stored in a reply's payload; 0 and *ok=0 when the payload
 * is shorter than ICMP_TS_LEN. */
int64_t icmp_payload_time(const struct icmp_msg *m, int *ok);

/* 1 when the reply's payload matches the payload we sent (sent, the
 * bytes after the request's ICMP header), apart from the time field
 * [0,16): an echo really ours.  A shorter reply is compared as far as it
 * goes.  Otherwise 0, with the first differing offset in *bad (may be
 * NULL). */
int icmp_payload_ok(const struct icmp_msg *m, const uint8_t *sent,
                    size_t sent_len, size_t *bad);

/* Per-probe update of a request built by icmp_echo_build() (len bytes):
 * set the sequence and the send time, recompute the IPv4 checksum. */
void icmp_echo_stamp(uint8_t *buf, size_t len, int v6, uint16_t seq,
                     int64_t send_ns);

/* The text iputils 20221126 prints after "From ADDR icmp_seq=N " for an
 * ICMP error (v4 or v6 type/code; info as in struct icmp_msg / ee_info).
 * Writes into buf (always NUL-terminated) and returns buf.  IPv4
 * redirects append "(New nexthop: A)" with A = info (host order). */
const char *icmp_error_text(int v6, uint8_t type, uint8_t code, uint32_t info,
                            char *buf, size_t bufsz);

/* Parse a -p pattern: up to 16 bytes given as hex digits (two per byte;
 * an odd last digit is one byte).  Returns the byte count (0..16) or -1
 * for a non-hex character or an empty string. */
int icmp_pattern_parse(const char *s, uint8_t *out);

#endif
