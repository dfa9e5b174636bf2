/* pingsock: the ICMP socket set-up of ping, as iputils ping 20221126 does it.
 *
 * Three steps, called in this order by the applet, all before the first
 * probe and before privileges are dropped:
 *   pingsock_open()      a raw socket when CAP_NET_RAW is permitted (raised
 *                        only around socket()), else the ICMP datagram
 *                        socket, else an error that names both fixes;
 *   pingsock_source()    -I device binding and the source address the
 *                        route gives (a connected UDP probe socket, as
 *                        iputils: this is where "connect: Network is
 *                        unreachable" and the broadcast refusal come from);
 *   pingsock_configure() every per-socket option: path-MTU discovery, bind,
 *                        ICMP filters, IP_RECVERR, record route / timestamp
 *                        IP options, buffers, broadcast, multicast loop,
 *                        TTL/hop limit, TOS/traffic class, flow label,
 *                        SO_DEBUG, SO_DONTROUTE, SO_MARK (CAP_NET_ADMIN
 *                        raised around it), connect (-C).
 * None prints or exits: a failure fills struct pingsock_err with the exit
 * status iputils uses, a machine code for --json ("permission", "connect",
 * "setup") and the message iputils prints (without the "ping: " prefix).
 * Warnings that iputils prints and carries on after (a mark the kernel
 * refused) are collected in `warn` for the caller to print. */
#ifndef SB_PINGSOCK_H
#define SB_PINGSOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum { PINGSOCK_PMTU_UNSET = -1 };
enum pingsock_ts { PINGSOCK_TS_NONE = -1, PINGSOCK_TS_TSONLY = 0,
                   PINGSOCK_TS_TSANDADDR = 1, PINGSOCK_TS_PRESPEC = 3 };

struct pingsock_cfg {
	int v6;
	struct sockaddr_storage dst;   /* the target (port 0) */
	socklen_t dstlen;
	const char *device;            /* -I IFACE, or NULL */
	int strict_source;             /* -I ADDR or -B: bind the source */
	struct sockaddr_storage src;   /* -I ADDR (family set), else zero */
	int ttl;                       /* <0: leave alone */
	int tos;                       /* 0: leave alone (iputils) */
	int mark_set;
	unsigned mark;
	int debug, dontroute, broadcast, noloop, connect_sk;
	int pmtudisc;                  /* IP_PMTUDISC_* or PINGSOCK_PMTU_UNSET */
	int rroute;
	enum pingsock_ts ts;
	int flow_set;
	uint32_t flowlabel;
	int ident;                     /* <0: random (raw) / kernel (dgram) */
	int force_raw;                 /* -e 0: only a raw socket will do */
	int nodeinfo;                  /* -N (IPv6): pass only node information
	                                * replies (ICMPv6 type 140) */
	size_t datalen;
	int preload;
	int sndbuf;                    /* 0: iputils' estimate */
	int multicast;                 /* out: target is broadcast/multicast */
};

struct pingsock {
	int fd;
	int raw;
	uint16_t ident;                /* raw: the echo identifier (host order) */
	struct sockaddr_storage src;   /* the source address (for the header) */
	int have_src;
	int optlen;                    /* IP option bytes (40 with -R/-T) */
	uint32_t flowlabel;            /* network order, 0: none */
};

struct pingsock_err {
	int exit_code;                 /* iputils' status for this failure */
	int errnum;                    /* errno of the failing call, or 0 */
	const char *code;              /* "permission", "connect", "setup" */
	char msg[320];                 /* iputils' text without "ping: " */
	char warn[320];                /* warnings to print, '\n'-separated */
	char warn_late[320];           /* ... that iputils prints after its
	                                * header (the main socket's SO_MARK) */
};

int pingsock_open(struct pingsock *s, const struct pingsock_cfg *c,
                  struct pingsock_err *e);
int pingsock_source(struct pingsock *s, struct pingsock_cfg *c,
                    struct pingsock_err *e);
int pingsock_configure(struct pingsock *s, struct pingsock_cfg *c,
                       struct pingsock_err *e);

/* 1 when the address is multicast (IPv4 or IPv6). */
int pingsock_multicast(const struct sockaddr_storage *a);

/* The IP options buffer for -R (record route, 9 slots after a NOP) or
 * -T (timestamps); returns its length, or 0 when neither applies. */
size_t pingsock_ipopts(uint8_t buf[40], int rroute, enum pingsock_ts ts);

/* A raw ICMP socket receives every ICMP message on the host: attach a
 * kernel filter that passes echo replies with `ident` and every message
 * that is not an echo reply (errors may quote our requests), so other
 * pings' floods never fill our queue.  setsockopt's result. */
int pingsock_ident_filter(int fd, int v6, uint16_t ident);

#endif
