/* loop: the one event loop (epoll, level-triggered).
 *
 * Embed a struct loop_io in your connection object, set .fd, .cb and .ctx
 * (the object the callback works for: the server, the client), and
 * loop_add() it; the callback gets the io and the epoll events and finds
 * its owner in io->ctx, the one way to do so.  A per-connection object
 * embeds its loop_io as its first member, so the io is the connection.  Ask for EPOLLOUT
 * only while output is pending (loop_mod()).  The caller runs
 * `while (!l.stop) loop_once(&l, next_deadline);` — timeouts are the
 * caller's; loop_stop() (or setting l->stop) also ends the current batch.  A callback may
 * loop_del() and free its own io (or others') safely: events for an io
 * deleted during the current batch are skipped. */
#ifndef SB_LOOP_H
#define SB_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_io;
typedef void (*loop_cb)(struct loop *l, struct loop_io *io, uint32_t events);

struct loop_io {
	int fd;
	loop_cb cb;
	uint32_t events;    /* current interest (maintained by loop_*) */
	void *ctx;          /* the callback's owner, set by the caller */
};

#define LOOP_BATCH 256

struct loop {
	int epfd;
	int stop;
	int n;              /* private: events in the current batch */
	int cur;            /* private: index being dispatched */
	struct epoll_event ev[LOOP_BATCH];
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);
int loop_add(struct loop *l, struct loop_io *io, uint32_t events);
int loop_mod(struct loop *l, struct loop_io *io, uint32_t events);
int loop_del(struct loop *l, struct loop_io *io);
/* Wait up to deadline_ns (monotonic; <0 forever) and dispatch one batch.
 * Returns the number of events, 0 on timeout or EINTR, -1 on error. */
int loop_once(struct loop *l, int64_t deadline_ns);
void loop_stop(struct loop *l);

#endif
