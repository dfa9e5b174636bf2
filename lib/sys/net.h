/* net: thin socket glue.  Every descriptor is SOCK_CLOEXEC.  Functions
 * return a descriptor or -1 with errno set; they never print or exit. */
#ifndef SB_NET_H
#define SB_NET_H

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

#endif
