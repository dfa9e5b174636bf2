/* net: thin socket glue.  Every descriptor is SOCK_CLOEXEC.  Functions
 * return a descriptor or -1 with errno set; they never print or exit. */
#ifndef SB_NET_H
#define SB_NET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"

/* Bound, listening (stream/seqpacket) or bound (dgram) nonblocking socket.
 * SO_REUSEADDR for inet; for "::" IPV6_V6ONLY is off so both families are
 * accepted.  `bound` (may be NULL) gets the real address (port 0 -> real). */
int net_listen(const struct sb_addr *a, int socktype, int backlog,
               struct sb_addr *bound);

/* Connect with a timeout (timeout_ns < 0: none).  Returns a connected
 * NONBLOCKING socket, or -1 with errno (ETIMEDOUT on timeout). */
int net_connect(const struct sb_addr *a, int socktype, int64_t timeout_ns);

int net_nonblock(int fd, int on);
/* Wait for fd to become readable/writable (POLLIN/POLLOUT) until the
 * monotonic deadline (<0: forever).  1 ready, 0 timeout, -1 error.
 * EINTR is returned to the caller as -1/EINTR so signal flags are seen. */
int net_wait(int fd, short events, int64_t deadline_ns);

/* Raise RLIMIT_NOFILE soft limit to the hard limit; returns the new soft. */
long net_raise_nofile(void);

/* The wildcard listener: "::" taking both families (family AF_UNSPEC),
 * falling back to 0.0.0.0 only where IPv6 is off (EAFNOSUPPORT or
 * EADDRNOTAVAIL on "::"); AF_INET: 0.0.0.0; AF_INET6: "::".  Then as
 * net_listen().  -1 with errno from the last attempt. */
int net_listen_any(uint16_t port, int family, int socktype, int backlog,
                   struct sb_addr *bound);

/* Write all of buf: short writes continue, EINTR retries (unless *stop is
 * set: then -1/EINTR), EAGAIN waits for POLLOUT.  0, or -1 with errno. */
int net_write_all(int fd, const void *buf, size_t len,
                  const volatile sig_atomic_t *stop);

/* The readiness signal every server prints once it can take clients:
 * "listening on WHERE\n" on stdout, flushed; tests and selftest wait for
 * it (no sleeps).  net_ready_parse(): WHERE inside such a line, or NULL. */
#define NET_READY_PREFIX "listening on "
void net_ready_announce(const char *where);
const char *net_ready_parse(const char *line);

#endif
