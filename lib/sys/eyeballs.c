/* eyeballs: RFC 8305 connection racing; see eyeballs.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrmix.h"
#include "clock.h"
#include "eyeballs.h"

struct attempt {
	struct loop_io io;          /* first: the loop hands us &io */
	struct eyeballs *e;
	unsigned idx;               /* into addrs */
};

struct eyeballs {
	struct loop *loop;
	eyeballs_cb done;
	void *ctx;
	int socktype, proto;
	int64_t delay_ns;
	int64_t next_at;            /* when to start the next attempt; -1 none */
	unsigned n, started, inflight;
	int finished, in_cb, dead;
	int last_err;
	unsigned shown;             /* index for eyeballs_addr() */
	struct sb_addr addrs[EYEBALLS_MAX];
	struct attempt att[EYEBALLS_MAX];
};

static void release(struct eyeballs *e)
{
	for (unsigned i = 0; i < e->started; i++) {
		struct attempt *a = &e->att[i];
		if (a->io.fd >= 0) {
			loop_del(e->loop, &a->io);
			close(a->io.fd);
			a->io.fd = -1;
		}
	}
	e->inflight = 0;
}

static void finish(struct eyeballs *e, int fd, int err)
{
	e->finished = 1;
	e->next_at = -1;
	release(e);
	e->in_cb = 1;
	e->done(e, fd, err, e->ctx);
	e->in_cb = 0;
	if (e->dead)
		free(e);
}

static void on_io(struct loop *l, struct loop_io *io, uint32_t events);

/* Start attempts until one is in flight or none are left. */
static void start_next(struct eyeballs *e)
{
	while (e->started < e->n) {
		struct attempt *a = &e->att[e->started];
		const struct sb_addr *sa = &e->addrs[e->started];
		int fd;

		a->e = e;
		a->idx = e->started++;
		a->io.fd = -1;
		e->shown = a->idx;
		fd = socket(sa->ss.ss_family, e->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            e->proto);
		if (fd < 0) {
			e->last_err = errno;
			continue;
		}
		if (connect(fd, (const struct sockaddr *)&sa->ss, sa->len) < 0 &&
		    errno != EINPROGRESS) {
			e->last_err = errno;
			close(fd);
			continue;
		}
		a->io.fd = fd;
		a->io.cb = on_io;
		if (loop_add(e->loop, &a->io, EPOLLOUT) < 0) {
			e->last_err = errno;
			close(fd);
			a->io.fd = -1;
			continue;
		}
		e->inflight++;
		e->next_at = e->started < e->n ? clock_mono_ns() + e->delay_ns : -1;
		return;
	}
	e->next_at = -1;
}

static void on_io(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct attempt *a = (struct attempt *)io;
	struct eyeballs *e = a->e;
	int err = 0, fd = io->fd;
	socklen_t len = sizeof err;

	(void)l;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		loop_del(e->loop, io);
		io->fd = -1;            /* handed over: release() must skip it */
		e->inflight--;
		e->shown = a->idx;
		finish(e, fd, 0);
		return;
	}
	loop_del(e->loop, io);
	close(fd);
	io->fd = -1;
	e->inflight--;
	e->last_err = err;
	e->shown = a->idx;
	start_next(e);              /* a failure starts the next one at once */
	if (e->inflight == 0 && e->started == e->n)
		finish(e, -1, e->last_err);
}

struct eyeballs *eyeballs_start(struct loop *l, const struct addrinfo *ai,
                                int proto, int socktype, int64_t delay_ns,
                                eyeballs_cb done, void *ctx)
{
	struct sb_addr tmp[EYEBALLS_MAX];
	int fam[EYEBALLS_MAX];
	size_t order[EYEBALLS_MAX];
	struct eyeballs *e;
	unsigned n = 0;

	for (; ai && n < EYEBALLS_MAX; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof tmp[n].ss ||
		    (ai->ai_family != AF_INET && ai->ai_family != AF_INET6))
			continue;
		memcpy(&tmp[n].ss, ai->ai_addr, ai->ai_addrlen);
		tmp[n].len = ai->ai_addrlen;
		fam[n] = ai->ai_family;
		n++;
	}
	if (n == 0) {
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	addrmix_interleave(fam, n, order);
	for (unsigned i = 0; i < n; i++)
		e->addrs[i] = tmp[order[i]];
	e->n = n;
	e->loop = l;
	e->done = done;
	e->ctx = ctx;
	e->socktype = socktype;
	e->proto = proto;
	e->delay_ns = delay_ns;
	e->last_err = ECONNREFUSED;
	start_next(e);
	if (e->inflight == 0)
		e->next_at = clock_mono_ns();  /* all failed: report from tick */
	return e;
}

int64_t eyeballs_deadline(const struct eyeballs *e)
{
	return e && !e->finished ? e->next_at : -1;
}

void eyeballs_tick(struct eyeballs *e)
{
	if (!e || e->finished || e->next_at < 0 || clock_mono_ns() < e->next_at)
		return;
	start_next(e);
	if (e->inflight == 0 && e->started == e->n)
		finish(e, -1, e->last_err);
}

const struct sb_addr *eyeballs_addr(const struct eyeballs *e)
{
	return &e->addrs[e->shown];
}

unsigned eyeballs_attempts(const struct eyeballs *e)
{
	return e->started;
}

void eyeballs_free(struct eyeballs *e)
{
	if (!e)
		return;
	release(e);
	if (e->in_cb) {
		e->dead = 1;
		return;
	}
	free(e);
}
