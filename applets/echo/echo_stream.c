/* echo_stream: stream/seqpacket echo server engine (see echo_stream.h). */
#include "echo_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "echo_buf.h"
#include "err.h"
#include "loop.h"

#define ACCEPT_BATCH 64     /* accepts per readiness event */
#define READS_PER_EVENT 4   /* fairness: reads per connection per event */

enum { C_EOF = 1 };

struct conn {
	struct loop_io io;
	struct conn *prev, *next;   /* activity order, oldest first */
	struct echo_buf out;        /* unsent bytes (empty while idle) */
	int64_t last_ns;            /* last traffic (idle timeout) */
	uint64_t in, outn;
	char *peer;                 /* only with verbose */
	int64_t start_ns;           /* only meaningful with verbose */
	uint32_t flags;
};

struct server {
	struct loop loop;
	const struct echo_server_cfg *cfg;
	struct echo_server_stats *st;
	struct loop_io lio, sio;
	int spare_fd;
	int stopping;
	int64_t now;
	struct conn *head, *tail;
	char *rbuf;
};

static void list_unlink(struct server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct server *s, struct conn *c)
{
	c->prev = s->tail;
	c->next = NULL;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
}

static void touch(struct server *s, struct conn *c)
{
	c->last_ns = s->now;
	if (s->tail != c) {
		list_unlink(s, c);
		list_append(s, c);
	}
}

static char *peer_name(int fd, const struct sockaddr *sa, socklen_t len)
{
	char buf[ADDR_STRLEN + 64];
	if (sa->sa_family == AF_UNIX) {
		struct ucred uc;
		socklen_t ul = sizeof uc;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0)
			snprintf(buf, sizeof buf, "pid=%ld uid=%lu gid=%lu",
			         (long)uc.pid, (unsigned long)uc.uid,
			         (unsigned long)uc.gid);
		else
			snprintf(buf, sizeof buf, "unix peer");
	} else if (sa->sa_family == AF_INET6 &&
	           IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr)) {
		/* an IPv4 client of a "::" listener: show it as IPv4 */
		const struct sockaddr_in6 *s6 = (const void *)sa;
		struct sockaddr_in s4 = { .sin_family = AF_INET,
		                          .sin_port = s6->sin6_port };
		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		addr_format((struct sockaddr *)&s4, sizeof s4, buf, sizeof buf);
	} else {
		addr_format(sa, len, buf, sizeof buf);
	}
	return strdup(buf);
}

static void conn_close(struct server *s, struct conn *c, const char *why)
{
	if (s->cfg->verbose) {
		double secs = (double)(s->now - c->start_ns) / 1e9;
		err_msg("close %s: %llu bytes in, %llu bytes out, %.3f s (%s)",
		        c->peer ? c->peer : "?", (unsigned long long)c->in,
		        (unsigned long long)c->outn, secs, why);
	}
	loop_del(&s->loop, &c->io);
	close(c->io.fd);
	list_unlink(s, c);
	echo_buf_free(&c->out);
	free(c->peer);
	free(c);
	s->st->active--;
}

static void conn_close_err(struct server *s, struct conn *c, int e)
{
	conn_close(s, c, (e == ECONNRESET || e == EPIPE) ? "reset" : strerror(e));
}

/* Queue or send n bytes (one record in seqpacket mode). Returns 0, or -1
 * when the connection was closed. */
static int conn_emit(struct server *s, struct conn *c, const char *p, size_t n)
{
	int seq = s->cfg->seqpacket;
	size_t sent = 0;
	if (echo_buf_len(&c->out) == 0) {
		ssize_t w = send(c->io.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_close_err(s, c, errno);
			return -1;
		}
		if (w > 0) {
			sent = (size_t)w;
			c->outn += sent;
			s->st->bytes_out += sent;
		}
		if (sent == n)
			return 0;
	}
	int r = seq ? echo_buf_push_rec(&c->out, p, n)
	            : echo_buf_append(&c->out, p + sent, n - sent);
	if (r < 0) {
		conn_close_err(s, c, -r);
		return -1;
	}
	return 0;
}

/* Send what is pending. 0, or -1 when the connection was closed. */
static int conn_flush(struct server *s, struct conn *c)
{
	for (;;) {
		size_t n;
		const char *p = s->cfg->seqpacket ? echo_buf_peek_rec(&c->out, &n)
		                                  : echo_buf_peek(&c->out, &n);
		if (p == NULL)
			return 0;
		ssize_t w = send(c->io.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			conn_close_err(s, c, errno);
			return -1;
		}
		c->outn += (uint64_t)w;
		s->st->bytes_out += (uint64_t)w;
		if (s->cfg->seqpacket)
			echo_buf_pop_rec(&c->out);
		else
			echo_buf_consume(&c->out, (size_t)w);
		if ((size_t)w < n)
			return 0;
	}
}

/* Read up to READS_PER_EVENT times; echo each read at once. */
static int conn_read(struct server *s, struct conn *c)
{
	int seq = s->cfg->seqpacket;
	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = recv(c->io.fd, s->rbuf, ECHO_STREAM_RBUF,
		                 seq ? MSG_TRUNC : 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			conn_close_err(s, c, errno);
			return -1;
		}
		if (n == 0) {
			c->flags |= C_EOF;
			return 0;
		}
		if (seq && (size_t)n > ECHO_STREAM_RBUF) {
			conn_close(s, c, "record too long");
			return -1;
		}
		c->in += (uint64_t)n;
		s->st->bytes_in += (uint64_t)n;
		if (conn_emit(s, c, s->rbuf, (size_t)n) < 0)
			return -1;
		if (echo_buf_over(&c->out, ECHO_STREAM_HIGH))
			return 0;
		/* a short stream read drained the socket: skip the EAGAIN read */
		if (!seq && (size_t)n < ECHO_STREAM_RBUF)
			return 0;
	}
	return 0;
}

static void conn_update(struct server *s, struct conn *c)
{
	if ((c->flags & C_EOF) && echo_buf_len(&c->out) == 0) {
		conn_close(s, c, "eof");
		return;
	}
	uint32_t want = 0;
	if (!(c->flags & C_EOF) && !echo_buf_over(&c->out, ECHO_STREAM_HIGH))
		want |= EPOLLIN;
	if (echo_buf_len(&c->out))
		want |= EPOLLOUT;
	if (want != c->io.events && loop_mod(&s->loop, &c->io, want) < 0)
		conn_close_err(s, c, errno);
}

static void conn_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct server *s = io->ctx;
	struct conn *c = (struct conn *)(void *)io;
	if (s->cfg->idle_timeout_ns > 0 || s->cfg->verbose)
		s->now = clock_mono_ns();
	if (ev & EPOLLERR) {
		int e = 0;
		socklen_t el = sizeof e;
		getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		conn_close_err(s, c, e ? e : ECONNRESET);
		return;
	}
	if ((ev & EPOLLHUP) && !(ev & EPOLLIN)) {
		conn_close(s, c, "hangup");
		return;
	}
	touch(s, c);
	if ((ev & EPOLLOUT) && conn_flush(s, c) < 0)
		return;
	if ((ev & EPOLLIN) && conn_read(s, c) < 0)
		return;
	if ((ev & EPOLLHUP) && !(c->flags & C_EOF)) {
		conn_close(s, c, "hangup");
		return;
	}
	conn_update(s, c);
}

static void reject(struct server *s, int fd, const struct sockaddr *sa,
                   socklen_t len)
{
	if (s->cfg->verbose) {
		char *p = peer_name(fd, sa, len);
		err_msg("reject %s: max-conns %lu reached", p ? p : "?",
		        (unsigned long)s->cfg->max_conns);
		free(p);
	}
	close(fd);
	s->st->rejected++;
}

static void conn_new(struct server *s, int fd, const struct sockaddr *sa,
                     socklen_t len)
{
	if (s->st->active >= s->cfg->max_conns) {
		reject(s, fd, sa, len);
		return;
	}
	struct conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		s->st->rejected++;
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	c->io.fd = fd;
	c->io.cb = conn_cb;
	c->io.ctx = s;
	c->last_ns = c->start_ns = s->now;
	if (loop_add(&s->loop, &c->io, EPOLLIN) < 0) {
		close(fd);
		free(c);
		s->st->rejected++;
		return;
	}
	list_append(s, c);
	s->st->accepted++;
	if (++s->st->active > s->st->peak)
		s->st->peak = s->st->active;
	if (s->cfg->verbose) {
		c->peer = peer_name(fd, sa, len);
		err_msg("connect %s (%lu active)", c->peer ? c->peer : "?",
		        (unsigned long)s->st->active);
	}
	if (s->cfg->banner_len &&
	    conn_emit(s, c, s->cfg->banner, s->cfg->banner_len) == 0)
		conn_update(s, c);
}

/* Out of descriptors: drop the spare, take the connection off the
 * queue and close it, take the spare back.  Without this a level-
 * triggered listener would report readiness forever. */
static void shed_one(struct server *s)
{
	if (s->spare_fd < 0)
		return;
	close(s->spare_fd);
	int fd = accept(s->lio.fd, NULL, NULL);
	if (fd >= 0) {
		close(fd);
		s->st->rejected++;
	}
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct server *s = io->ctx;
	s->now = clock_mono_ns();
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t len = sizeof ss;
		int fd = accept4(io->fd, (struct sockaddr *)&ss, &len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_new(s, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return;
		case EINTR: case ECONNABORTED: case EPROTO: case EPERM:
			continue;
		case EMFILE: case ENFILE:
			if (s->cfg->verbose)
				err_sys("accept");
			shed_one(s);
			continue;
		default:  /* ENOBUFS, ENOMEM: retry on the next wakeup */
			err_sys("accept");
			return;
		}
	}
}

static void stop_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct server *s = io->ctx;
	s->stopping = 1;
	loop_stop(l);
}

static void expire_idle(struct server *s)
{
	int64_t to = s->cfg->idle_timeout_ns;
	if (to <= 0)
		return;
	while (s->head && s->now - s->head->last_ns >= to) {
		s->st->idle_closed++;
		conn_close(s, s->head, "idle timeout");
	}
}

int echo_server_run(int lfd, const struct echo_server_cfg *cfg,
                    struct echo_server_stats *st)
{
	struct server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -1;
	memset(st, 0, sizeof *st);
	s->cfg = cfg;
	s->st = st;
	s->rbuf = malloc(ECHO_STREAM_RBUF);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->rbuf == NULL || loop_init(&s->loop) < 0) {
		int e = errno;
		free(s->rbuf);
		free(s);
		errno = e;
		return -1;
	}
	s->now = clock_mono_ns();
	s->lio.fd = lfd;
	s->lio.cb = accept_cb;
	s->lio.ctx = s;
	if (loop_add(&s->loop, &s->lio, EPOLLIN) < 0)
		goto fail;
	if (cfg->stop_fd >= 0) {
		s->sio.fd = cfg->stop_fd;
		s->sio.cb = stop_cb;
		s->sio.ctx = s;
		if (loop_add(&s->loop, &s->sio, EPOLLIN) < 0)
			goto fail;
	}
	while (!s->stopping) {
		int64_t deadline = -1;
		if (cfg->idle_timeout_ns > 0 && s->head)
			deadline = s->head->last_ns + cfg->idle_timeout_ns;
		if (loop_once(&s->loop, deadline) < 0 && errno != EINTR)
			goto fail;
		s->now = clock_mono_ns();
		expire_idle(s);
	}
	while (s->head)
		conn_close(s, s->head, "server stopping");
	loop_free(&s->loop);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	free(s->rbuf);
	free(s);
	return 0;
fail: {
	int e = errno;
	while (s->head)
		conn_close(s, s->head, "server error");
	loop_free(&s->loop);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	free(s->rbuf);
	free(s);
	errno = e;
	return -1;
}
}
