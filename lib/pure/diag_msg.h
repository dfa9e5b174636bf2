/* diag_msg: pure building and parsing of NETLINK_SOCK_DIAG messages for
 * TCP (inet_diag, IPv4 and IPv6).
 *
 * diag_req_build() writes one SOCK_DIAG_BY_FAMILY dump request
 * (nlmsghdr + inet_diag_req_v2 + optional INET_DIAG_REQ_BYTECODE port
 * filter) into a caller buffer.  For family AF_UNSPEC it writes the
 * legacy TCPDIAG_GETSOCK request (struct inet_diag_req), which the kernel
 * answers for both families in one walk of its socket tables, where two
 * v2 requests walk them twice (measured: ~20 ms instead of ~30-50 ms for
 * 36,000 sockets).  The state mask goes into idiag_states so
 * the kernel filters; ports become bytecode: "sport is one of S... AND
 * dport is one of D..." (an empty list matches any port).
 *
 * diag_iter_*() walks a buffer holding whole netlink messages as returned
 * by one recvmsg() (a dump part or a destroy multicast datagram) and
 * decodes each inet_diag_msg in place into a plain struct diag_sock.
 * Every length is checked against the buffer; a malformed message stops
 * the walk with DIAG_BAD, never reads out of bounds.  No I/O, no globals.
 *
 * Bounds: at most DIAG_MAX_PORTS ports per list; DIAG_REQ_MAX bytes is
 * always enough for a request. */
#ifndef SB_DIAG_MSG_H
#define SB_DIAG_MSG_H

#include <stddef.h>
#include <stdint.h>

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum {
	TS_ESTABLISHED = 1, TS_SYN_SENT, TS_SYN_RECV, TS_FIN_WAIT1,
	TS_FIN_WAIT2, TS_TIME_WAIT, TS_CLOSE, TS_CLOSE_WAIT, TS_LAST_ACK,
	TS_LISTEN, TS_CLOSING, TS_NEW_SYN_RECV,
	TS_MAX = TS_CLOSING      /* highest state reported to users */
};
#define TS_ALL_MASK 0x0ffeu  /* bits 1..11 */

#define DIAG_MAX_PORTS 16
#define DIAG_BC_MAX    4096   /* caller bytecode (diag_req.bc) */
#define DIAG_REQ_MAX   (16 + 72 + 4 + 2 * DIAG_MAX_PORTS * 8 + 8 + DIAG_BC_MAX)

/* The struct tcp_info fields ss -i prints (INET_DIAG_INFO); fields the
 * kernel did not send read 0. */
struct diag_tcpinfo {
	uint32_t rtt_us, rttvar_us, rto_us, ato_us, min_rtt_us, rcv_rtt_us;
	uint32_t retransmits;      /* unrecovered RTO timeouts right now */
	uint32_t retrans;          /* segments being retransmitted now */
	uint32_t total_retrans;    /* segments retransmitted, lifetime */
	uint32_t snd_cwnd, snd_ssthresh, rcv_ssthresh, unacked, lost, sacked;
	uint32_t snd_mss, rcv_mss, advmss, pmtu, reordering, rcv_space;
	uint32_t last_data_sent, last_data_recv, last_ack_recv;   /* ms */
	uint32_t segs_out, segs_in, data_segs_out, data_segs_in;
	uint32_t delivered, delivered_ce, notsent_bytes, dsack_dups;
	uint32_t reord_seen, rcv_ooopack, snd_wnd;
	uint8_t options, snd_wscale, rcv_wscale, backoff, app_limited;
	uint64_t bytes_sent, bytes_retrans, bytes_acked, bytes_received;
	uint64_t pacing_rate, max_pacing_rate, delivery_rate;   /* bytes/s */
	uint64_t busy_time, rwnd_limited, sndbuf_limited;      /* us */
};

/* The congestion control's own state (INET_DIAG_BBRINFO, _DCTCPINFO: the
 * kernel sends them when INET_DIAG_VEGASINFO is asked for, as ss -i does) */
enum { DIAG_CC_NONE, DIAG_CC_BBR, DIAG_CC_DCTCP };
struct diag_ccinfo {
	uint8_t kind;              /* DIAG_CC_* */
	uint64_t bbr_bw;           /* bytes/s */
	uint32_t bbr_min_rtt_us, bbr_pacing_gain, bbr_cwnd_gain;   /* gains << 8 */
	uint16_t dctcp_enabled, dctcp_ce_state;
	uint32_t dctcp_alpha, dctcp_ab_ecn, dctcp_ab_tot;
};

#define DIAG_MEMINFO_N 9   /* SK_MEMINFO_RMEM_ALLOC .. SK_MEMINFO_DROPS */

struct diag_sock {
	uint64_t cookie;           /* 0 when unknown (/proc) */
	uint32_t inode, uid;
	uint32_t rqueue, wqueue;
	uint32_t ifindex;
	uint16_t sport, dport;     /* host byte order */
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t state;             /* TS_*; NEW_SYN_RECV reported as SYN_RECV */
	uint8_t timer, retrans;
	uint8_t has_info;          /* info below is valid */
	uint8_t v6only;            /* INET_DIAG_SKV6ONLY (listening/closed v6) */
	uint8_t has_v6only;        /* the kernel sent INET_DIAG_SKV6ONLY */
	uint8_t has_mem;           /* skmem below is valid (nmem words) */
	uint8_t nmem;
	int8_t shutdown;           /* INET_DIAG_SHUTDOWN mask, -1 when absent */
	uint32_t expires_ms;       /* time left on the timer */
	uint8_t src[16], dst[16];  /* network order; IPv4 in the first 4 */
	char cong[16];             /* INET_DIAG_CONG, "" when absent */
	uint32_t skmem[DIAG_MEMINFO_N];
	struct diag_tcpinfo info;
	struct diag_ccinfo cc;
};

struct diag_req {
	uint8_t family;            /* AF_INET, AF_INET6, or AF_UNSPEC (both) */
	uint32_t states;           /* 1 << TS_x bits; 0 means all */
	int want_info;             /* ask for INET_DIAG_INFO (tcp_info), CONG and
	                            * the congestion control's state */
	int want_mem;              /* ask for INET_DIAG_SKMEMINFO */
	uint32_t seq;
	const uint16_t *sports;    /* host order; OR'ed */
	size_t nsports;
	const uint16_t *dports;
	size_t ndports;
	/* ready-made INET_DIAG_REQ_BYTECODE (e.g. from ssfilter); when set,
	 * the port lists are not used */
	const uint8_t *bc;
	size_t bclen;              /* <= DIAG_BC_MAX */
};

/* Returns the message length written (<= DIAG_REQ_MAX), or -EINVAL (bad
 * family or too many ports) or -ENOSPC (bufsz too small). */
int diag_req_build(const struct diag_req *r, void *buf, size_t bufsz);

enum diag_kind {
	DIAG_END = 0,    /* buffer consumed */
	DIAG_SOCK,       /* *out filled */
	DIAG_DONE,       /* NLMSG_DONE: end of dump (*err set if it failed) */
	DIAG_ERROR,      /* NLMSG_ERROR: *err = positive errno (0 = ack) */
	DIAG_SKIP,       /* another message type (NOOP, overrun...): ignore */
	DIAG_BAD         /* malformed; the rest of the buffer is dropped */
};

struct diag_iter {
	const uint8_t *p;
	size_t left;
	uint32_t seq;    /* nlmsg_seq of the message just returned */
	uint16_t flags;  /* nlmsg_flags of the message just returned */
};

void diag_iter_init(struct diag_iter *it, const void *buf, size_t len);
/* Decode the next message.  For DIAG_DONE/DIAG_ERROR, *err receives a
 * positive errno or 0. */
enum diag_kind diag_iter_next(struct diag_iter *it, struct diag_sock *out,
                              int *err);

/* Decode one inet_diag_msg payload (after the nlmsghdr) with attributes.
 * 0 or -EINVAL when too short or an attribute overruns. */
int diag_parse_sock(const void *payload, size_t len, struct diag_sock *out);

/* State names as ss prints them ("ESTAB", "TIME-WAIT"...), "UNKNOWN" for
 * others.  diag_state_parse() accepts ss's -s names (established,
 * syn-sent, ..., listening/listen, closing, closed) and the groups all,
 * connected, synchronized, bucket, big; returns a TS mask or 0. */
const char *diag_state_name(unsigned state);
/* RFC 793 names ("ESTABLISHED", "FIN-WAIT-1", "CLOSED", ...). */
const char *diag_state_rfc_name(unsigned state);
uint32_t diag_state_parse(const char *name);

#endif
