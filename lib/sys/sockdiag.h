/* sockdiag: reading TCP sockets from the kernel — NETLINK_SOCK_DIAG dumps
 * (one legacy AF_UNSPEC inet_diag request for both families, an
 * inet_diag_req_v2 per family otherwise; the state mask and port lists go
 * to the kernel), the sock_diag destroy multicast groups, and the
 * /proc/net/tcp{,6} fallback.  Messages are built and decoded by the pure
 * diag_msg and proc_tcp modules; this module only moves bytes.
 *
 * Errors: functions return 0 or a positive errno (never exit, never
 * print).  A callback returning < 0 stops the walk with ENOMEM. */
#ifndef SB_SOCKDIAG_H
#define SB_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include "diag_msg.h"

#define SOCKDIAG_BUF ((size_t)64 * 1024)   /* kernel dump skbs are <= 32 KiB */

struct sockdiag {
	int nl;                /* dump socket, -1 when closed */
	uint32_t seq;
	int bytecode_ok;       /* the kernel accepts our port bytecode */
	int legacy_ok;         /* ... and the AF_UNSPEC legacy request */
	uint8_t *buf;          /* SOCKDIAG_BUF bytes */
};

struct sockdiag_query {
	int want4, want6;
	uint32_t states;       /* 1 << TS_x; 0 = all */
	int want_info, want_mem;
	const uint16_t *sports, *dports;   /* kernel-side filters (OR'ed) */
	size_t nsports, ndports;
	const uint8_t *bc;     /* or a whole filter as bytecode (ssfilter) */
	size_t bclen;
};

typedef int (*sockdiag_cb)(void *ctx, const struct diag_sock *s);

/* 0, or a positive errno (buffer allocation or socket()/bind()). */
int sockdiag_init(struct sockdiag *d, int open_netlink);
void sockdiag_free(struct sockdiag *d);
/* One dump through netlink.  EINVAL from a refused filter is handled here
 * (the ports are then the caller's to filter: sockdiag_kernel_ports()
 * says whether the kernel applied them). */
int sockdiag_dump(struct sockdiag *d, const struct sockdiag_query *q,
                  sockdiag_cb cb, void *ctx);
int sockdiag_kernel_ports(const struct sockdiag *d);
/* The same from /proc/net/tcp and tcp6 (states filtered here; ports not). */
int sockdiag_proc(struct sockdiag *d, const struct sockdiag_query *q,
                  sockdiag_cb cb, void *ctx);

/* A nonblocking socket subscribed to the TCP destroy groups; -1/errno. */
int sockdiag_destroy_open(int want4, int want6);
/* Drain it: cb per destroyed socket.  0 when drained, ENOBUFS when
 * notifications were lost (keep calling), or another errno. */
int sockdiag_destroy_read(struct sockdiag *d, int fd, sockdiag_cb cb, void *ctx);

#endif
