/* echo_client: probe, pipe and bench clients (see echo_client.h). */
#include "echo_client.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "echo_buf.h"
#include "err.h"
#include "json.h"
#include "probe_report.h"
#include "loop.h"
#include "net.h"
#include "sig.h"
#include "stats.h"

/* ---- pure helpers ---- */

void echo_pattern_fill(char *buf, size_t n, uint64_t seq)
{
	char unit[32];
	int ul = snprintf(unit, sizeof unit, "seq=%" PRIu64 " ", seq);
	for (size_t i = 0; i < n; i++)
		buf[i] = unit[i % (size_t)ul];
	if (n >= 2)
		buf[n - 1] = '\n';
}

unsigned char echo_stream_byte(uint64_t k)
{
	/* printable, and the period is prime so chunk sizes never align */
	return (unsigned char)('!' + (k % ECHO_PATTERN_PERIOD) % 94);
}

long echo_first_diff(const char *a, const char *b, size_t n)
{
	if (memcmp(a, b, n) == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

static int stop_requested(void)
{
	return sig_int != 0;
}

/* ---- probe mode ---- */

enum presult { P_OK, P_CONNECT, P_SEND, P_TIMEOUT, P_CLOSED, P_MISMATCH,
               P_RECV, P_INTR };

struct probe {
	enum presult res;
	int err;            /* errno for P_CONNECT/P_SEND/P_RECV */
	size_t echoed;      /* bytes received */
	long diff;          /* first differing byte (P_MISMATCH) */
	int64_t rtt_ns, connect_ns;
};

static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int r = net_wait(fd, ev, deadline);
		if (r >= 0)
			return r;
		if (errno != EINTR || stop_requested())
			return -1;
	}
}

static void probe_once(const struct echo_client_cfg *c, int *fd,
                       const char *pay, size_t n, char *rbuf,
                       struct probe *p)
{
	int64_t t0 = clock_mono_ns(), deadline = t0 + c->timeout_ns;
	int seq = c->socktype == SOCK_SEQPACKET;
	memset(p, 0, sizeof *p);
	p->diff = -1;
	if (*fd < 0) {
		*fd = net_connect(c->addr, c->socktype, c->timeout_ns);
		if (*fd < 0) {
			p->res = stop_requested() ? P_INTR : P_CONNECT;
			p->err = errno;
			return;
		}
		p->connect_ns = clock_mono_ns() - t0;
		t0 = clock_mono_ns();
	}
	size_t off = 0;   /* n >= 1: -s and -m reject empty payloads */
	while (off < n) {
		ssize_t w = send(*fd, pay + off, n - off, MSG_NOSIGNAL);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			p->res = P_SEND;
			p->err = errno;
			return;
		}
		int r = wait_fd(*fd, POLLOUT, deadline);
		if (r <= 0) {
			p->res = r < 0 ? P_INTR : P_TIMEOUT;
			return;
		}
	}
	while (p->echoed < n) {
		int r = wait_fd(*fd, POLLIN, deadline);
		if (r <= 0) {
			p->res = r < 0 ? P_INTR : P_TIMEOUT;
			return;
		}
		ssize_t got = recv(*fd, rbuf + p->echoed, seq ? n + 1 : n - p->echoed,
		                   seq ? MSG_TRUNC : 0);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			p->res = P_RECV;
			p->err = errno;
			return;
		}
		if (got == 0) {
			p->res = P_CLOSED;
			return;
		}
		if (seq && (size_t)got != n) {
			p->echoed = (size_t)got;
			p->res = P_MISMATCH;
			p->diff = (long)((size_t)got < n ? (size_t)got : n);
			return;
		}
		p->echoed += (size_t)got;
		if (seq)
			break;
	}
	p->rtt_ns = clock_mono_ns() - t0;
	p->diff = echo_first_diff(pay, rbuf, n);
	p->res = p->diff < 0 ? P_OK : P_MISMATCH;
}

static const char *presult_name(enum presult r)
{
	switch (r) {
	case P_OK: return "ok";
	case P_CONNECT: return "connect";
	case P_SEND: return "send";
	case P_TIMEOUT: return "timeout";
	case P_CLOSED: return "closed";
	case P_MISMATCH: return "mismatch";
	case P_RECV: return "recv";
	case P_INTR: return "interrupted";
	}
	return "?";
}

/* sockbox-json(7): "reply", "timeout", or "send_error" (every other way
 * a probe fails; `reason` says which). */
static const char *probe_event(enum presult r)
{
	return r == P_OK ? "reply" : r == P_TIMEOUT ? "timeout" : "send_error";
}

static void probe_report(const struct echo_client_cfg *c, uint64_t seq,
                         size_t n, const struct probe *p)
{
	char t[32];
	if (c->quiet || p->res == P_INTR)
		return;
	if (c->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", probe_event(p->res));
		json_uint(&j, "seq", seq);
		json_uint(&j, "bytes", n);
		json_str(&j, "from", c->target);
		if (p->res == P_OK)
			json_double(&j, "time_ms", (double)p->rtt_ns / 1e6, 3);
		else
			json_null(&j, "time_ms");
		if (p->connect_ns)
			json_double(&j, "connect_ms", (double)p->connect_ns / 1e6, 3);
		else
			json_null(&j, "connect_ms");
		json_uint(&j, "echoed_bytes", p->echoed);
		if (p->res != P_OK)
			json_str(&j, "reason", presult_name(p->res));
		if (p->err)
			json_str(&j, "error", strerror(p->err));
		if (p->res == P_MISMATCH)
			json_int(&j, "diff_offset", p->diff);
		json_end(&j, stdout);
		return;
	}
	switch (p->res) {
	case P_OK:
		probe_fmt_ms(t, sizeof t, p->rtt_ns / 1000);
		printf("%zu bytes from %s: seq=%" PRIu64 " time=%s ms\n", n,
		       c->target, seq, t);
		break;
	case P_CONNECT: case P_SEND: case P_RECV:
		printf("seq=%" PRIu64 ": %s: %s\n", seq, presult_name(p->res),
		       strerror(p->err));
		break;
	case P_TIMEOUT:
		printf("seq=%" PRIu64 ": timeout (%zu of %zu bytes echoed)\n",
		       seq, p->echoed, n);
		break;
	case P_CLOSED:
		printf("seq=%" PRIu64 ": connection closed by peer (%zu of %zu "
		       "bytes echoed)\n", seq, p->echoed, n);
		break;
	case P_MISMATCH:
		printf("seq=%" PRIu64 ": mismatch at byte %ld (%zu of %zu bytes "
		       "echoed)\n", seq, p->diff, p->echoed, n);
		break;
	case P_INTR:
		break;
	}
	fflush(stdout);
}

static void probe_start(const struct echo_client_cfg *c, size_t n)
{
	if (c->json) {
		struct json j;
		json_start(&j, applet_name);
		json_str(&j, "target", c->target);
		json_uint(&j, "size_bytes", n);
		json_end(&j, stdout);
		return;
	}
	printf("ECHO %s: %zu data bytes\n", c->target, n);
}

static void probe_summary(const struct echo_client_cfg *c, uint64_t sent,
                          uint64_t echoed, uint64_t errors,
                          const struct rtt_stats *st, int64_t elapsed_ns,
                          int rc)
{
	struct probe_summary s = {
		.noun = "probes", .transmitted = sent, .received = echoed,
		.errors = errors, .elapsed_us = elapsed_ns / 1000,
		.have_rtt = st->n > 0, .min_us = st->min_ns / 1000,
		.avg_us = stats_avg_us(st), .max_us = st->max_ns / 1000,
		.mdev_us = stats_mdev_us(st), .exit_code = rc,
	};
	if (c->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_str(&j, "target", c->target);
		probe_report_json(&j, &s);
		json_end(&j, stdout);
		return;
	}
	char buf[512];
	printf("\n--- %s echo statistics ---\n", c->target);
	probe_report_text(buf, sizeof buf, &s);
	fputs(buf, stdout);
	fflush(stdout);
}

int echo_probe_run(const struct echo_client_cfg *c)
{
	size_t n = c->msg ? strlen(c->msg) : c->size;
	char *pay = malloc(n + 1), *rbuf = malloc(n + 1);
	struct rtt_stats *st = malloc(sizeof *st);
	if (!pay || !rbuf || !st) {
		err_sys_as("oom", 2, "malloc");
		free(pay); free(rbuf); free(st);
		return 2;
	}
	stats_init(st);
	probe_start(c, n);
	int fd = -1;
	uint64_t sent = 0, echoed = 0, errors = 0;
	int64_t start = clock_mono_ns();
	int64_t deadline = c->deadline_ns ? start + c->deadline_ns : INT64_MAX;
	for (uint64_t seq = 1; c->count == 0 || seq <= c->count; seq++) {
		if (stop_requested() || clock_mono_ns() >= deadline)
			break;
		int64_t t0 = clock_mono_ns();
		if (c->msg)
			memcpy(pay, c->msg, n);
		else
			echo_pattern_fill(pay, n, seq);
		struct probe p;
		probe_once(c, &fd, pay, n, rbuf, &p);
		if (p.res == P_INTR)
			break;
		sent++;
		if (p.res == P_OK) {
			echoed++;
			stats_add(st, p.rtt_ns);
		} else {
			errors += p.res != P_TIMEOUT;
			if (fd >= 0) {
				close(fd);   /* the stream is out of step: start afresh */
				fd = -1;
			}
		}
		probe_report(c, seq, n, &p);
		if (c->count && seq == c->count)
			break;
		int64_t next = t0 + c->interval_ns;
		if (next > deadline)
			next = deadline;
		while (!stop_requested() && clock_mono_ns() < next)
			poll(NULL, 0, clock_ms_until(next));
	}
	if (fd >= 0)
		close(fd);
	int rc = (sent > 0 && echoed == sent) ? 0 : 1;
	probe_summary(c, sent, echoed, errors, st, clock_mono_ns() - start, rc);
	free(pay);
	free(rbuf);
	free(st);
	return rc;
}

/* ---- pipe mode ---- */

int echo_pipe_run(const struct echo_client_cfg *c)
{
	enum { CHUNK = 65536 };
	int fd = net_connect(c->addr, c->socktype, c->timeout_ns);
	if (fd < 0) {
		err_sys("connect to %s", c->target);
		return 1;
	}
	char *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		return 1;
	}
	struct echo_buf tosend = { 0 }, unechoed = { 0 };
	int in_eof = 0, shut = 0, rc = 0;
	uint64_t nin = 0, nout = 0;
	int64_t last = clock_mono_ns();
	for (;;) {
		int want_in = !in_eof && echo_buf_len(&tosend) == 0 &&
		              echo_buf_len(&unechoed) < ECHO_PIPE_WINDOW;
		if (in_eof && !shut && echo_buf_len(&tosend) == 0) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		struct pollfd pf[2] = {
			{ .fd = fd, .events = (short)(POLLIN |
			  (echo_buf_len(&tosend) ? POLLOUT : 0)) },
			{ .fd = want_in ? 0 : -1, .events = POLLIN },
		};
		int64_t deadline = echo_buf_len(&unechoed) ? last + c->timeout_ns : -1;
		int r = poll(pf, 2, clock_ms_until(deadline));
		if (r < 0 && errno != EINTR) {
			err_sys("poll");
			rc = 1;
			break;
		}
		if (stop_requested()) {
			err_msg("interrupted");
			rc = 1;
			break;
		}
		if (r == 0) {
			err_msg("%s: no echo for %lld ms (%zu bytes outstanding)",
			        c->target, (long long)(c->timeout_ns / 1000000),
			        echo_buf_len(&unechoed));
			rc = 1;
			break;
		}
		if (pf[1].revents) {
			ssize_t n = read(0, buf, CHUNK);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				err_sys("read stdin");
				rc = 1;
				break;
			}
			if (n == 0)
				in_eof = 1;
			if (n > 0) {
				nin += (uint64_t)n;
				if (echo_buf_append(&tosend, buf, (size_t)n) < 0 ||
				    echo_buf_append(&unechoed, buf, (size_t)n) < 0) {
					err_msg("out of memory");
					rc = 1;
					break;
				}
				if (echo_buf_len(&unechoed) == (size_t)n)
					last = clock_mono_ns();
			}
		}
		if (echo_buf_len(&tosend)) {
			size_t n;
			const char *p = echo_buf_peek(&tosend, &n);
			ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				err_sys("send to %s", c->target);
				rc = 1;
				break;
			}
			if (w > 0)
				echo_buf_consume(&tosend, (size_t)w);
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, buf, CHUNK, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				err_sys("recv from %s", c->target);
				rc = 1;
				break;
			}
			if (n == 0)
				break;
			if (n > 0) {
				last = clock_mono_ns();
				nout += (uint64_t)n;
				if (net_write_all(1, buf, (size_t)n, NULL) < 0) {
					err_sys("write stdout");
					rc = 1;
					break;
				}
				size_t have;
				const char *exp = echo_buf_peek(&unechoed, &have);
				size_t k = (size_t)n < have ? (size_t)n : have;
				if (rc == 0 && (k < (size_t)n ||
				    echo_first_diff(exp, buf, k) >= 0)) {
					err_msg("%s: echo differs from input near byte %llu",
					        c->target, (unsigned long long)(nout - (uint64_t)n));
					rc = 1;
				}
				echo_buf_consume(&unechoed, k);
			}
		}
	}
	if (rc == 0 && (!in_eof || echo_buf_len(&unechoed) || echo_buf_len(&tosend))) {
		err_msg("%s: connection closed after %llu of %llu bytes echoed",
		        c->target, (unsigned long long)nout, (unsigned long long)nin);
		rc = 1;
	}
	echo_buf_free(&tosend);
	echo_buf_free(&unechoed);
	free(buf);
	close(fd);
	return rc;
}

/* ---- bench mode ---- */

#define BENCH_RBUF ((size_t)256 * 1024)
#define BENCH_CONNECTING_MAX 256   /* connects in flight at once */

enum { B_IDLE, B_CONNECTING, B_READY, B_DEAD };

struct bconn {
	struct loop_io io;
	uint64_t soff, roff;               /* stream bytes sent / echoed */
	int64_t tchunk[ECHO_BULK_WINDOW + 1]; /* start of each in-flight chunk */
	uint32_t msgs;
	uint8_t state;
};

struct bench {
	struct loop loop;
	const struct echo_client_cfg *c;
	struct bconn *conns;
	char *pat, *rbuf;
	uint64_t window;                   /* bytes in flight per connection */
	int running, done;
	int64_t t_start, t_end;
	uint32_t next, connecting, ready, connect_err, io_err, mismatch;
	uint64_t msgs, bytes;
	struct rtt_stats st;
};


static void bconn_kill(struct bench *b, struct bconn *k, uint32_t *counter)
{
	if (k->state == B_CONNECTING)
		b->connecting--;
	if (k->state == B_READY)
		b->ready--;
	k->state = B_DEAD;
	if (!b->done)
		(*counter)++;
	loop_del(&b->loop, &k->io);
	close(k->io.fd);
	k->io.fd = -1;
}

static void bconn_send(struct bench *b, struct bconn *k, int64_t now)
{
	size_t size = b->c->size;
	while (b->running && k->soff - k->roff < b->window) {
		size_t in_chunk = (size_t)(k->soff % size);
		if (in_chunk == 0)
			k->tchunk[(k->soff / size) % (ECHO_BULK_WINDOW + 1)] = now;
		ssize_t w = send(k->io.fd, b->pat + k->soff % ECHO_PATTERN_PERIOD,
		                 size - in_chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			bconn_kill(b, k, &b->io_err);
			return;
		}
		k->soff += (uint64_t)w;
	}
	uint32_t want = EPOLLIN;
	if (b->running && k->soff - k->roff < b->window)
		want |= EPOLLOUT;   /* the socket buffer is full: wait for room */
	loop_mod(&b->loop, &k->io, want);
}

static void bconn_recv(struct bench *b, struct bconn *k, int64_t now)
{
	size_t size = b->c->size;
	ssize_t n = recv(k->io.fd, b->rbuf, BENCH_RBUF, MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			bconn_kill(b, k, &b->io_err);
		return;
	}
	if (n == 0) {
		bconn_kill(b, k, &b->io_err);
		return;
	}
	if (k->roff + (uint64_t)n > k->soff ||
	    memcmp(b->rbuf, b->pat + k->roff % ECHO_PATTERN_PERIOD, (size_t)n)) {
		bconn_kill(b, k, &b->mismatch);
		return;
	}
	uint64_t first = k->roff / size;
	k->roff += (uint64_t)n;
	uint64_t last = k->roff / size;      /* chunks now complete: [first, last) */
	if (b->running) {
		b->bytes += (uint64_t)n;
		for (uint64_t ch = first; ch < last; ch++) {
			stats_add(&b->st, now - k->tchunk[ch % (ECHO_BULK_WINDOW + 1)]);
			b->msgs++;
			k->msgs++;
		}
	}
	bconn_send(b, k, now);
}

static void bconn_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct bench *b = io->ctx;
	struct bconn *k = (struct bconn *)(void *)io;
	int64_t now = clock_mono_ns();
	if (k->state == B_CONNECTING) {
		int e = 0;
		socklen_t el = sizeof e;
		getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e || (ev & (EPOLLERR | EPOLLHUP))) {
			bconn_kill(b, k, &b->connect_err);
			return;
		}
		k->state = B_READY;
		b->connecting--;
		b->ready++;
		loop_mod(l, io, EPOLLIN);
		return;
	}
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		bconn_recv(b, k, now);
		if (k->state != B_READY)
			return;
	}
	if (ev & EPOLLOUT)
		bconn_send(b, k, now);
}

static void bench_connect_more(struct bench *b)
{
	while (b->next < b->c->conns && b->connecting < BENCH_CONNECTING_MAX) {
		struct bconn *k = &b->conns[b->next++];
		int fd = socket(b->c->addr->ss.ss_family,
		                b->c->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			b->connect_err++;
			k->state = B_DEAD;
			continue;
		}
		k->io.fd = fd;
		k->io.cb = bconn_cb;
		k->io.ctx = b;
		if (connect(fd, (const struct sockaddr *)&b->c->addr->ss,
		            b->c->addr->len) < 0 && errno != EINPROGRESS &&
		    errno != EAGAIN) {
			close(fd);
			b->connect_err++;
			k->state = B_DEAD;
			continue;
		}
		k->state = B_CONNECTING;
		b->connecting++;
		if (loop_add(&b->loop, &k->io, EPOLLOUT) < 0)
			bconn_kill(b, k, &b->connect_err);
	}
}

static void bench_start(struct bench *b)
{
	b->running = 1;
	b->t_start = clock_mono_ns();
	b->t_end = b->t_start + b->c->duration_ns;
	if (b->ready == 0)
		b->done = 1;
	for (uint32_t i = 0; i < b->c->conns; i++)
		if (b->conns[i].state == B_READY)
			bconn_send(b, &b->conns[i], b->t_start);
}

static void bench_report(const struct bench *b, double secs, int rc)
{
	const struct echo_client_cfg *c = b->c;
	uint32_t echoing = 0;
	for (uint32_t i = 0; i < c->conns; i++)
		echoing += b->conns[i].msgs > 0;
	uint64_t errors = (uint64_t)b->connect_err + b->io_err + b->mismatch;
	double mps = secs > 0 ? (double)b->msgs / secs : 0;
	double mbs = secs > 0 ? (double)b->bytes / secs / 1e6 : 0;
	double p50 = (double)stats_percentile_ns(&b->st, 50) / 1e6;
	double p99 = (double)stats_percentile_ns(&b->st, 99) / 1e6;
	if (c->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_str(&j, "target", c->target);
		json_str(&j, "mode", c->bulk ? "bulk" : "ping-pong");
		json_uint(&j, "conns", c->conns);
		json_uint(&j, "size_bytes", c->size);
		json_double(&j, "duration_ms", secs * 1e3, 3);
		json_uint(&j, "established", c->conns - b->connect_err);
		json_uint(&j, "echoing", echoing);
		json_uint(&j, "msgs", b->msgs);
		json_uint(&j, "echoed_bytes", b->bytes);
		json_double(&j, "msgs_per_s", mps, 1);
		json_double(&j, "mb_per_s", mbs, 2);
		if (b->st.n) {
			json_double(&j, "p50_ms", p50, 3);
			json_double(&j, "p99_ms", p99, 3);
		} else {   /* nothing echoed: unknown, not 0 */
			json_null(&j, "p50_ms");
			json_null(&j, "p99_ms");
		}
		json_uint(&j, "errors", errors);
		json_uint(&j, "connect_errors", b->connect_err);
		json_uint(&j, "io_errors", b->io_err);
		json_uint(&j, "mismatches", b->mismatch);
		json_int(&j, "exit", rc);
		json_end(&j, stdout);
		return;
	}
	printf("BENCH %s: %s, %u connections, %zu-byte %s, %.2f s\n", c->target,
	       c->bulk ? "bulk" : "ping-pong", c->conns, c->size,
	       c->bulk ? "writes" : "messages", secs);
	printf("%u connections established, %u echoing, %" PRIu64 " errors "
	       "(connect %u, io %u, mismatch %u)\n", c->conns - b->connect_err,
	       echoing, errors, b->connect_err, b->io_err, b->mismatch);
	printf("msgs/s %.1f  MB/s %.2f  latency p50 %.3f ms  p99 %.3f ms\n",
	       mps, mbs, p50, p99);
	fflush(stdout);
}

int echo_bench_run(const struct echo_client_cfg *c)
{
	long lim = net_raise_nofile();
	if (lim > 0 && (long)c->conns + 16 > lim) {
		err_as("setup", 2, "%u connections need more than the %ld "
		       "descriptors allowed", c->conns, lim);
		return 2;
	}
	struct bench *b = calloc(1, sizeof *b);
	size_t patlen = (c->size > BENCH_RBUF ? c->size : BENCH_RBUF) +
	                ECHO_PATTERN_PERIOD;
	if (b) {
		b->conns = calloc(c->conns, sizeof *b->conns);
		b->pat = malloc(patlen);
		b->rbuf = malloc(BENCH_RBUF);
	}
	if (!b || !b->conns || !b->pat || !b->rbuf || loop_init(&b->loop) < 0) {
		err_sys_as(errno == ENOMEM ? "oom" : "setup", 2, "bench setup");
		if (b) {
			free(b->conns); free(b->pat); free(b->rbuf); free(b);
		}
		return 2;
	}
	for (size_t i = 0; i < patlen; i++)
		b->pat[i] = (char)echo_stream_byte(i);
	b->c = c;
	if (c->json) {
		struct json j;
		json_start(&j, applet_name);
		json_str(&j, "target", c->target);
		json_str(&j, "mode", c->bulk ? "bulk" : "ping-pong");
		json_uint(&j, "conns", c->conns);
		json_uint(&j, "size_bytes", c->size);
		json_double(&j, "duration_ms", (double)c->duration_ns / 1e6, 3);
		json_end(&j, stdout);
	}
	b->window = (uint64_t)c->size * (c->bulk ? ECHO_BULK_WINDOW : 1);
	stats_init(&b->st);
	int64_t connect_deadline = clock_mono_ns() + c->timeout_ns;
	int loop_failed = 0;
	bench_connect_more(b);
	while (!b->done) {
		int64_t dl = b->running ? b->t_end : connect_deadline;
		if (loop_once(&b->loop, dl) < 0) {
			err_sys("epoll");
			loop_failed = 1;
			break;
		}
		int64_t now = clock_mono_ns();
		if (stop_requested()) {
			if (!b->running)
				b->t_end = b->t_start = now;
			b->t_end = now;
			b->done = 1;
		} else if (b->running) {
			if (now >= b->t_end)
				b->done = 1;
		} else {
			bench_connect_more(b);
			if (now >= connect_deadline) {
				for (uint32_t i = 0; i < b->next; i++)
					if (b->conns[i].state == B_CONNECTING)
						bconn_kill(b, &b->conns[i], &b->connect_err);
				while (b->next < c->conns) {
					b->conns[b->next++].state = B_DEAD;
					b->connect_err++;
				}
			}
			if (b->next == c->conns && b->connecting == 0)
				bench_start(b);
		}
	}
	b->running = 0;
	double secs = (double)(b->t_end - b->t_start) / 1e9;
	int rc = loop_failed ? 2 : (b->connect_err + b->io_err + b->mismatch) ? 1 : 0;
	bench_report(b, secs, rc);
	struct linger lg = { 1, 0 };   /* reset: no TIME_WAIT pile-up */
	for (uint32_t i = 0; i < c->conns; i++) {
		struct bconn *k = &b->conns[i];
		if (k->state == B_READY || k->state == B_CONNECTING) {
			setsockopt(k->io.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(k->io.fd);
		}
	}
	loop_free(&b->loop);
	free(b->conns);
	free(b->pat);
	free(b->rbuf);
	free(b);
	return rc;
}
