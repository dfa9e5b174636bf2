/* loop: epoll dispatch; see loop.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

int loop_init(struct loop *l)
{
	memset(l, 0, sizeof *l);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -1 : 0;
}

void loop_free(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static int ctl(struct loop *l, int op, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };
	if (epoll_ctl(l->epfd, op, io->fd, &ev) < 0)
		return -1;
	io->events = events;
	return 0;
}

int loop_add(struct loop *l, struct loop_io *io, uint32_t events)
{
	return ctl(l, EPOLL_CTL_ADD, io, events);
}

int loop_mod(struct loop *l, struct loop_io *io, uint32_t events)
{
	if (io->events == events)
		return 0;
	return ctl(l, EPOLL_CTL_MOD, io, events);
}

int loop_del(struct loop *l, struct loop_io *io)
{
	int r = epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	/* Forget pending events of this io in the current batch, so a
	 * callback may free it (or another io) safely. */
	for (int i = l->cur + 1; i < l->n; i++)
		if (l->ev[i].data.ptr == io)
			l->ev[i].data.ptr = NULL;
	return r;
}

int loop_once(struct loop *l, int64_t deadline_ns)
{
	int n = epoll_wait(l->epfd, l->ev, LOOP_BATCH, clock_ms_until(deadline_ns));
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	l->n = n;
	for (l->cur = 0; l->cur < n && !l->stop; l->cur++) {
		struct loop_io *io = l->ev[l->cur].data.ptr;
		if (io)
			io->cb(l, io, l->ev[l->cur].events);
	}
	l->n = 0;
	l->cur = 0;
	return n;
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}
