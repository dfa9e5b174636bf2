/* echo_dgram: the datagram echo engine shared by udp-echo and
 * uds-echo --type dgram (UDP over IPv4/IPv6, AF_UNIX SOCK_DGRAM).  Glue
 * module: it does the socket I/O, prints probe lines and summaries on
 * stdout, and returns an exit status; it never exits.
 *
 * Server (echo_dgram_serve): takes a bound nonblocking datagram socket and
 * sends every datagram back, unchanged and whole, to the address it came
 * from, until cfg->stop_fd becomes readable (a signalfd for SIGINT and
 * SIGTERM); returns 0 with the totals in *st, or -1/errno when the loop
 * cannot be set up.
 *  - Batches of up to ECHO_DGRAM_BATCH datagrams per recvmmsg()/sendmmsg().
 *  - Datagrams up to cfg->max_size bytes (default ECHO_DGRAM_MAX_DEFAULT,
 *    more than any UDP payload) are echoed; a larger one is seen with
 *    MSG_TRUNC, counted as `truncated` and not echoed.
 *  - Sends never block: when the socket buffer is full (EAGAIN/ENOBUFS)
 *    the rest of the batch is dropped and counted; a send error for one
 *    peer (e.g. a Unix client that went away) drops that datagram only.
 *  - Loop protection (counted as `blocked`, never echoed): source port 0,
 *    source ports 7, 13, 19 and 37 (echo, daytime, chargen, time: two such
 *    services would bounce datagrams forever), the server's own address
 *    and port, and Unix senders without an address or with ours.
 *  - Inet replies leave from the address the request was sent to
 *    (IP_PKTINFO/IPV6_PKTINFO), so a wildcard-bound server answers a
 *    client that connected to 127.0.0.2 or a secondary address correctly.
 *
 * Client: echo_dgram_client_socket() makes the socket (an AF_UNIX client
 * is bound to an autobind abstract address, so the server has somewhere to
 * reply; inet sockets get IP_RECVERR/IPV6_RECVERR so ICMP errors are
 * matched to the probe that caused them).  The engine connects it before
 * the first probe, and again after a Unix server went away; a failed
 * connect or send is that probe's error ("seq=N: connect: ...").  Each
 * probe carries a sequence number and send time (seqtrack.h wire format)
 * and replies are matched by sequence number.
 *  - echo_dgram_ping_run(): `count` probes (0: until stop_fd), one every
 *    `interval_ns`; each probe waits up to `timeout_ns`.  Lines:
 *      "64 bytes from ADDR: seq=1 time=0.045 ms" [" (DUP!)"] [" (late)"]
 *      "From ADDR: seq=3 Destination Port Unreachable"   (ICMP error,
 *                                          in iputils ping's words)
 *      "seq=3: connect: No such file or directory"      (local error)
 *    then the summary (sent, received, duplicates, reordered, loss, rtt
 *    min/avg/max/mdev as iputils computes them, RFC 3550 jitter).
 *    Returns 0 when every probe was answered, 1 otherwise.
 *  - echo_dgram_bench_run(): keeps `inflight` probes outstanding for
 *    `duration_ns` (a probe unanswered after `timeout_ns` is lost and
 *    replaced), then waits up to `timeout_ns` for the last replies; prints
 *    msgs/s, loss and latency percentiles.  Returns 0 with no loss, else 1.
 * Sequence numbers on the wire and in the output start at 1. */
#ifndef SB_ECHO_DGRAM_H
#define SB_ECHO_DGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"

#define ECHO_DGRAM_BATCH 32
#define ECHO_DGRAM_MAX_DEFAULT 65536u      /* > 65,527, the UDP maximum */
#define ECHO_DGRAM_MAX_LIMIT (1u << 22)    /* largest --max-size */
#define ECHO_DGRAM_SIZE_MAX 65507u         /* largest probe (UDP/IPv4) */
#define ECHO_DGRAM_INFLIGHT_MAX 4096u

struct echo_dgram_server_cfg {
	size_t max_size;            /* 0: ECHO_DGRAM_MAX_DEFAULT */
	int stop_fd;                /* readable -> stop; -1: run forever */
};

struct echo_dgram_server_stats {
	uint64_t in, out;           /* datagrams received / echoed */
	uint64_t bytes_in, bytes_out;
	uint64_t truncated;         /* larger than max_size: not echoed */
	uint64_t dropped;           /* send buffer full or send error */
	uint64_t blocked;           /* loop protection */
};

int echo_dgram_serve(int fd, const struct echo_dgram_server_cfg *cfg,
                     struct echo_dgram_server_stats *st);
/* "N datagrams in, N out, N bytes in, N bytes out, N truncated,
 * N dropped, N blocked" into buf; returns buf. */
const char *echo_dgram_stats_format(const struct echo_dgram_server_stats *st,
                                    char *buf, size_t bufsz);

struct echo_dgram_client_cfg {
	const struct sb_addr *addr; /* the server */
	const char *target;         /* display name: "127.0.0.1:7", "/path" */
	int json;
	int quiet;                  /* summary only */
	int stop_fd;                /* readable -> stop early; -1: none */
	size_t size;                /* datagram bytes, PROBE_HDR..SIZE_MAX */
	int64_t timeout_ns;
	/* ping */
	uint64_t count;             /* 0: until stopped */
	int64_t deadline_ns;        /* -w: stop after this; 0: none */
	int64_t interval_ns;
	/* bench */
	uint32_t inflight;
	int64_t duration_ns;
};

int echo_dgram_client_socket(const struct sb_addr *addr);
int echo_dgram_ping_run(int fd, const struct echo_dgram_client_cfg *c);
int echo_dgram_bench_run(int fd, const struct echo_dgram_client_cfg *c);

/* Pure helpers (unit-tested). */
/* 1 when a datagram from `src` must not be echoed: port 0, a service
 * port that answers anything (7, 13, 19, 37), or equal to `self`
 * (NULL: no check).  AF_UNIX: unnamed senders, or the same name as self. */
int echo_dgram_blocked(const struct sockaddr *src, socklen_t srclen,
                       const struct sockaddr *self, socklen_t selflen);

#endif
