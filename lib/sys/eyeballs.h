/* eyeballs: connect to the first of a host's addresses that answers
 * (RFC 8305 "Happy Eyeballs v2" connection racing), driven by the loop.
 *
 *     struct eyeballs *e = eyeballs_start(&loop, res, 0, SOCK_STREAM,
 *                                         EYEBALLS_DELAY_NS, done, ctx);
 *     while (!finished) {
 *         loop_once(&loop, clock_min_deadline(eyeballs_deadline(e), mine));
 *         eyeballs_tick(e);        // starts the next attempt when due
 *     }
 *     eyeballs_free(e);
 *
 * The addresses (a getaddrinfo() list, copied; at most EYEBALLS_MAX) are
 * tried in addrmix order: families alternate, starting with the first
 * address's.  One nonblocking connect() is started, then the next one
 * `delay_ns` later (RFC 8305 §5 recommends 250 ms) or at once when an
 * attempt fails; attempts overlap.  The first to connect wins: every other
 * attempt is closed, and done(e, fd, 0, ctx) hands over the connected
 * nonblocking CLOEXEC socket (no longer in the loop; the caller owns it).
 * When every address has failed: done(e, -1, errno of the last failure,
 * ctx).  done() runs once, from a loop callback or eyeballs_tick(), never
 * from eyeballs_start(); it may call eyeballs_free(e).  Timeouts are the
 * caller's: eyeballs_free() at the deadline stops every attempt.
 *
 * eyeballs_addr() names the winner after success, or the last address
 * tried after failure (for "connect to ADDR: reason" messages).
 * System calls: socket, connect, getsockopt(SO_ERROR), close, epoll_ctl. */
#ifndef SB_EYEBALLS_H
#define SB_EYEBALLS_H

#include <netdb.h>
#include <stdint.h>

#include "addr.h"
#include "loop.h"

#define EYEBALLS_MAX 16
#define EYEBALLS_DELAY_NS (250 * 1000000LL)

struct eyeballs;
typedef void (*eyeballs_cb)(struct eyeballs *e, int fd, int err, void *ctx);

/* NULL with errno (ENOMEM, or EADDRNOTAVAIL for an empty list).
 * `proto` is passed to socket() (0 for the default). */
struct eyeballs *eyeballs_start(struct loop *l, const struct addrinfo *ai,
                                int proto, int socktype, int64_t delay_ns,
                                eyeballs_cb done, void *ctx);
/* Monotonic time at which eyeballs_tick() has work, or -1. */
int64_t eyeballs_deadline(const struct eyeballs *e);
void eyeballs_tick(struct eyeballs *e);
const struct sb_addr *eyeballs_addr(const struct eyeballs *e);
/* Addresses started so far (for tests and -v). */
unsigned eyeballs_attempts(const struct eyeballs *e);
void eyeballs_free(struct eyeballs *e);

#endif
