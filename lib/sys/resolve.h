/* resolve: asynchronous name resolution driven by the event loop.
 *
 *     struct resolver *rv = resolver_new(&loop);
 *     struct resolve_req *q = resolve_start(rv, "example.com", 80,
 *                                           AF_UNSPEC, SOCK_STREAM, done, ctx);
 *     while (!finished) loop_once(&loop, deadline);   // done() runs in here
 *     ... at the deadline: resolve_cancel(q)           // done() never runs
 *     resolver_free(rv);
 *
 * One resolver per loop.  Each lookup is glibc's getaddrinfo_a() with a
 * SIGEV_THREAD completion: the completion thread only queues the request
 * and writes an eventfd the loop watches, so no signal is used and every
 * callback runs in the loop's thread, from loop_once().  Numeric hosts
 * (IPv4/IPv6 literals) are answered without a lookup, also through the
 * loop.  Any number of lookups may be in flight (glibc queues them on a
 * bounded pool of threads).
 *
 * Timeouts are the caller's (like every loop user's): resolve_cancel() at
 * the deadline.  A lookup glibc cannot stop any more (it is blocked in a
 * DNS exchange) is left to finish in its own thread, which then frees it;
 * nothing waits for it, so a process can exit at once.  resolver_free()
 * cancels every outstanding lookup the same way; the shared state is
 * freed by whichever side finishes last.
 *
 * done(q, err, res, ctx): err is 0 or an EAI_* code (addr_strerror());
 * res is the getaddrinfo() list, owned by the callee (freeaddrinfo(); NULL
 * on error).  q is invalid after done() returns.  done() may start or
 * cancel other lookups, and may free the resolver.
 *
 * System calls after set-up: eventfd read/write, and glibc's lookup
 * threads (clone3/clone, futex, mmap, socket/connect/sendto/recvfrom/poll
 * to the name servers, open/read of /etc/hosts, /etc/resolv.conf,
 * /etc/nsswitch.conf, /etc/gai.conf). */
#ifndef SB_RESOLVE_H
#define SB_RESOLVE_H

#include <stdint.h>
#include <netdb.h>

#include "loop.h"

struct resolver;
struct resolve_req;

typedef void (*resolve_cb)(struct resolve_req *q, int err,
                           struct addrinfo *res, void *ctx);

/* NULL with errno on failure (eventfd, memory, loop_add). */
struct resolver *resolver_new(struct loop *l);
void resolver_free(struct resolver *rv);

/* Start a lookup of host (numeric port) for family AF_UNSPEC/AF_INET/
 * AF_INET6 and socktype.  AI_ADDRCONFIG is set, as for getaddrinfo()
 * users that connect.  NULL with errno (ENOMEM, ENAMETOOLONG, or EAGAIN
 * when glibc refuses the request). */
struct resolve_req *resolve_start(struct resolver *rv, const char *host,
                                  uint16_t port, int family, int socktype,
                                  resolve_cb done, void *ctx);
/* Forget a lookup: done() will not be called for it. */
void resolve_cancel(struct resolve_req *q);

#endif
