/* echo_dgram: datagram echo server and UDP-ping client; see echo_dgram.h. */
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <linux/errqueue.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "echo_client.h"
#include "echo_dgram.h"
#include "err.h"
#include "icmp.h"
#include "json.h"
#include "probe_report.h"
#include "loop.h"
#include "seqtrack.h"
#include "sig.h"
#include "stats.h"

/* ------------------------------------------------------------------ */
/* Pure helpers                                                        */

int echo_dgram_blocked(const struct sockaddr *src, socklen_t srclen,
                       const struct sockaddr *self, socklen_t selflen)
{
	if (src->sa_family == AF_UNIX) {
		size_t off = offsetof(struct sockaddr_un, sun_path);

		if (srclen <= off)
			return 1;          /* unnamed: no address to reply to */
		return self && selflen == srclen &&
		       memcmp(((const struct sockaddr_un *)src)->sun_path,
		              ((const struct sockaddr_un *)self)->sun_path,
		              srclen - off) == 0;
	}
	if (src->sa_family != AF_INET && src->sa_family != AF_INET6)
		return 1;
	switch (addr_port(src)) {
	case 0:     /* cannot be answered */
	case 7:     /* echo */
	case 13:    /* daytime */
	case 19:    /* chargen */
	case 37:    /* time */
		return 1;
	}
	return self && addr_equal(src, self);
}

const char *echo_dgram_stats_format(const struct echo_dgram_server_stats *st,
                                    char *buf, size_t bufsz)
{
	snprintf(buf, bufsz,
	         "%" PRIu64 " datagrams in, %" PRIu64 " out, %" PRIu64
	         " bytes in, %" PRIu64 " bytes out, %" PRIu64 " truncated, %"
	         PRIu64 " dropped, %" PRIu64 " blocked",
	         st->in, st->out, st->bytes_in, st->bytes_out, st->truncated,
	         st->dropped, st->blocked);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

union pktinfo_buf {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
	         CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

struct dgram_server {
	int fd;
	unsigned nslots;
	size_t bufsz;
	unsigned char *bufs;
	struct sb_addr self;        /* bound address (port is ours) */
	int self_wild;              /* bound to the wildcard address */
	int is_unix;                /* EAGAIN is per peer, not our buffer */
	struct echo_dgram_server_stats *st;
	struct mmsghdr rx[ECHO_DGRAM_BATCH], tx[ECHO_DGRAM_BATCH];
	struct iovec riov[ECHO_DGRAM_BATCH], tiov[ECHO_DGRAM_BATCH];
	struct sockaddr_storage from[ECHO_DGRAM_BATCH];
	union pktinfo_buf rctl[ECHO_DGRAM_BATCH], tctl[ECHO_DGRAM_BATCH];
	struct loop_io io, stop;
};

static int is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

/* From the request's pktinfo: `local` = the address it was sent to (in
 * the family of src, port = ours), and the control message that makes
 * the reply leave from that address.  Returns the control length. */
static size_t reply_pktinfo(struct dgram_server *s, struct msghdr *rm,
                            const struct sockaddr *src,
                            struct sockaddr_storage *local, int *have_local,
                            union pktinfo_buf *out)
{
	struct cmsghdr *c, *oc;
	uint16_t port = addr_port((const struct sockaddr *)&s->self.ss);

	*have_local = 0;
	memset(out, 0, sizeof(*out));
	for (c = CMSG_FIRSTHDR(rm); c; c = CMSG_NXTHDR(rm, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi, po;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(local, 0, sizeof(*local));
			if (src->sa_family == AF_INET) {
				struct sockaddr_in *l = (struct sockaddr_in *)local;

				l->sin_family = AF_INET;
				l->sin_addr = pi.ipi_addr;
			} else {
				struct sockaddr_in6 *l = (struct sockaddr_in6 *)local;

				l->sin6_family = AF_INET6;
				l->sin6_addr.s6_addr[10] = 0xff;
				l->sin6_addr.s6_addr[11] = 0xff;
				memcpy(&l->sin6_addr.s6_addr[12], &pi.ipi_addr, 4);
			}
			addr_set_port((struct sockaddr *)local, port);
			*have_local = 1;
			if (IN_MULTICAST(ntohl(pi.ipi_addr.s_addr)) ||
			    pi.ipi_addr.s_addr == htonl(INADDR_BROADCAST))
				return 0;  /* never a source address */
			memset(&po, 0, sizeof(po));
			po.ipi_spec_dst = pi.ipi_addr;
			oc = &out->align;
			oc->cmsg_level = IPPROTO_IP;
			oc->cmsg_type = IP_PKTINFO;
			oc->cmsg_len = CMSG_LEN(sizeof(po));
			memcpy(CMSG_DATA(oc), &po, sizeof(po));
			return CMSG_SPACE(sizeof(po));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *l = (struct sockaddr_in6 *)local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(local, 0, sizeof(*local));
			l->sin6_family = AF_INET6;
			l->sin6_addr = pi.ipi6_addr;
			l->sin6_port = htons(port);
			*have_local = 1;
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				return 0;
			oc = &out->align;
			oc->cmsg_level = IPPROTO_IPV6;
			oc->cmsg_type = IPV6_PKTINFO;
			oc->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(oc), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

/* Send tx[0..n) without ever blocking; count what could not go. */
static void server_send(struct dgram_server *s, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(s->fd, s->tx + done, n - done, MSG_DONTWAIT);

		if (r > 0) {
			for (unsigned i = done; i < done + (unsigned)r; i++) {
				s->st->out++;
				s->st->bytes_out += s->tx[i].msg_len;
			}
			done += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS) && !s->is_unix) {
			s->st->dropped += n - done;   /* our buffer is full: drop */
			return;
		}
		/* this peer's error: gone, unreachable, or (Unix) its receive
		 * queue is full; the rest of the batch may still go */
		s->st->dropped++;
		done++;
	}
}

static void server_read(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct dgram_server *s = io->ctx;
	const struct sockaddr *self = (const struct sockaddr *)&s->self.ss;

	(void)l;
	(void)ev;
	/* a bounded number of batches per wakeup keeps the stop fd heard */
	for (int round = 0; round < 16; round++) {
		unsigned i, k = 0;
		int n;

		for (i = 0; i < s->nslots; i++) {
			struct msghdr *m = &s->rx[i].msg_hdr;

			s->riov[i].iov_base = s->bufs + (size_t)i * s->bufsz;
			s->riov[i].iov_len = s->bufsz;
			memset(m, 0, sizeof(*m));
			m->msg_name = &s->from[i];
			m->msg_namelen = sizeof(s->from[i]);
			m->msg_iov = &s->riov[i];
			m->msg_iovlen = 1;
			m->msg_control = &s->rctl[i];
			m->msg_controllen = sizeof(s->rctl[i]);
		}
		/* MSG_TRUNC: msg_len is the real size even when it did not fit */
		n = recvmmsg(s->fd, s->rx, s->nslots, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			return;     /* EAGAIN, or an error the next wakeup sees */
		for (i = 0; i < (unsigned)n; i++) {
			struct msghdr *m = &s->rx[i].msg_hdr;
			const struct sockaddr *src = (const struct sockaddr *)&s->from[i];
			struct sockaddr_storage local;
			int have_local = 0;
			size_t clen = 0;
			struct msghdr *t = &s->tx[k].msg_hdr;

			s->st->in++;
			s->st->bytes_in += s->rx[i].msg_len;
			if ((m->msg_flags & MSG_TRUNC) || s->rx[i].msg_len > s->bufsz) {
				s->st->truncated++;
				continue;
			}
			if (src->sa_family != AF_UNIX)
				clen = reply_pktinfo(s, m, src, &local, &have_local,
				                     &s->tctl[k]);
			if (echo_dgram_blocked(src, m->msg_namelen,
			                       have_local ? (struct sockaddr *)&local
			                       : s->self_wild ? NULL : self,
			                       have_local ? m->msg_namelen
			                                  : s->self.len)) {
				s->st->blocked++;
				continue;
			}
			s->tiov[k].iov_base = s->riov[i].iov_base;
			s->tiov[k].iov_len = s->rx[i].msg_len;
			memset(t, 0, sizeof(*t));
			t->msg_name = &s->from[i];
			t->msg_namelen = m->msg_namelen;
			t->msg_iov = &s->tiov[k];
			t->msg_iovlen = 1;
			t->msg_control = clen ? &s->tctl[k] : NULL;
			t->msg_controllen = clen;
			k++;
		}
		if (k)
			server_send(s, k);
		/* no early return on a short batch: the peer has often sent
		 * more while we were sending, and one more recvmmsg() is
		 * cheaper than going back to sleep in epoll_wait() */
	}
}

static void server_stop(struct loop *l, struct loop_io *io, uint32_t ev)
{
	(void)io;
	(void)ev;
	loop_stop(l);
}

static void server_sockopts(int fd, int family, int wildcard)
{
	int one = 1, big = 4 << 20;

	/* larger buffers absorb bursts; the kernel clamps to rmem/wmem_max */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	/* bound to one address, replies leave from it anyway: no pktinfo */
	if (!wildcard)
		return;
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		/* v4-mapped traffic on a dual-stack socket */
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
}

int echo_dgram_serve(int fd, const struct echo_dgram_server_cfg *cfg,
                     struct echo_dgram_server_stats *st)
{
	struct dgram_server *s;
	struct loop l;
	int rc = -1, e;
	size_t max = cfg->max_size ? cfg->max_size : ECHO_DGRAM_MAX_DEFAULT;

	memset(st, 0, sizeof(*st));
	if (max > ECHO_DGRAM_MAX_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->fd = fd;
	s->st = st;
	s->bufsz = max;
	/* at most ~2 MiB of (lazily touched) buffers per batch */
	s->nslots = (unsigned)((2u << 20) / max);
	if (s->nslots > ECHO_DGRAM_BATCH)
		s->nslots = ECHO_DGRAM_BATCH;
	if (s->nslots < 1)
		s->nslots = 1;
	s->bufs = malloc(s->nslots * s->bufsz);
	s->self.len = sizeof(s->self.ss);
	if (!s->bufs ||
	    getsockname(fd, (struct sockaddr *)&s->self.ss, &s->self.len) < 0)
		goto out;
	s->self_wild = is_wildcard((struct sockaddr *)&s->self.ss);
	s->is_unix = s->self.ss.ss_family == AF_UNIX;
	server_sockopts(fd, s->self.ss.ss_family, s->self_wild);
	if (loop_init(&l) < 0)
		goto out;
	s->io.fd = fd;
	s->io.cb = server_read;
	s->io.ctx = s;
	if (loop_add(&l, &s->io, EPOLLIN) < 0)
		goto out_loop;
	if (cfg->stop_fd >= 0) {
		s->stop.fd = cfg->stop_fd;
		s->stop.cb = server_stop;
		s->stop.ctx = s;
		if (loop_add(&l, &s->stop, EPOLLIN) < 0)
			goto out_loop;
	}
	while (!l.stop)
		if (loop_once(&l, -1) < 0)
			goto out_loop;
	rc = 0;
out_loop:
	e = errno;
	loop_free(&l);
	errno = e;
out:
	e = errno;
	free(s->bufs);
	free(s);
	errno = e;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

int echo_dgram_client_socket(const struct sb_addr *addr)
{
	int family = addr->ss.ss_family, one = 1, e;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (family == AF_UNIX) {
		/* autobind: the kernel picks a free abstract name */
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t)) < 0)
			goto fail;
	} else if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	} else if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

#define RX_BATCH 64
#define TX_BATCH 64

struct dgram_client {
	const struct echo_dgram_client_cfg *c;
	int fd;
	uint32_t id;
	struct seqtrack t;
	struct rtt_stats *rs;
	unsigned char *txbuf;      /* TX_BATCH buffers of c->size */
	unsigned char *rxbuf;      /* RX_BATCH buffers of rxsz */
	size_t rxsz;
	char from[ADDR_STRLEN];
	int64_t start_ns;
	uint64_t ignored;          /* not ours: bad magic, id or seq */
	int bench;
	int blocked_out;           /* EAGAIN on send: wait for EPOLLOUT */
	int connected;             /* connect() done (again after a Unix peer died) */
	int unix_peer;             /* AF_UNIX: send errors mean the server went away */
	int setup_errno;           /* bench: connect/send failed, stop */
	int stopped;
	struct loop l;
	struct loop_io io, stop;
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
};

static uint32_t random_id(void)
{
	uint32_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint32_t)getpid() ^ (uint32_t)clock_wall_ns();
	return id;
}

static void print_reply(struct dgram_client *d, uint64_t wire_seq,
                        size_t bytes, const struct seq_arrival *a)
{
	const struct echo_dgram_client_cfg *c = d->c;
	int64_t us = a->rtt_ns / 1000;
	char ms[32];

	if (c->quiet)
		return;
	if (c->json) {
		struct json j;

		json_begin(&j);
		json_str(&j, "type", "reply");
		json_uint(&j, "seq", wire_seq);
		json_uint(&j, "bytes", bytes);
		json_str(&j, "from", d->from);
		json_double(&j, "time_ms", (double)a->rtt_ns / 1e6, 3);
		json_bool(&j, "dup", a->kind == SEQ_DUP);
		json_bool(&j, "late", a->kind == SEQ_LATE);
		json_bool(&j, "reordered", a->reordered);
		json_end(&j, stdout);
		return;
	}
	probe_fmt_ms(ms, sizeof(ms), us);
	printf("%zu bytes from %s: seq=%" PRIu64 " time=%s ms%s%s\n", bytes,
	       d->from, wire_seq, ms,
	       a->kind == SEQ_DUP ? " (DUP!)" : "",
	       a->kind == SEQ_LATE ? " (late)" : "");
	fflush(stdout);
}

/* A probe failed: ICMP error (from != NULL) or local send error. */
static void print_error(struct dgram_client *d, uint64_t wire_seq,
                        const char *from, const char *what)
{
	if (d->c->quiet)
		return;
	if (d->c->json) {
		struct json j;

		json_begin(&j);
		json_str(&j, "type", "send_error");
		json_uint(&j, "seq", wire_seq);
		if (from)
			json_str(&j, "from", from);
		else
			json_null(&j, "from");
		json_str(&j, "error", what);
		json_end(&j, stdout);
		return;
	}
	if (from)
		printf("From %s: seq=%" PRIu64 " %s\n", from, wire_seq, what);
	else
		printf("seq=%" PRIu64 ": %s\n", wire_seq, what);
	fflush(stdout);
}

static void account_reply(struct dgram_client *d, const unsigned char *buf,
                          size_t len, int64_t now)
{
	struct probe_hdr h;
	struct seq_arrival a;

	if (probe_decode(buf, len, &h) < 0 || h.id != d->id || h.seq == 0) {
		d->ignored++;
		return;
	}
	a = seqtrack_recv(&d->t, h.seq - 1, now);
	if (a.kind == SEQ_UNKNOWN) {
		d->ignored++;
		return;
	}
	if (a.kind == SEQ_NEW || a.kind == SEQ_LATE)
		stats_add(d->rs, a.rtt_ns);
	if (!d->bench)
		print_reply(d, h.seq, len, &a);
}

/* Drain the error queue: each entry is an ICMP error (or a local one)
 * with the start of the probe that caused it. */
static int read_errqueue(struct dgram_client *d)
{
	int handled = 0;

	for (int round = 0; round < 64; round++) {
		unsigned char data[256];
		union {
			char buf[512];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage name;
		struct iovec iov = { data, sizeof(data) };
		struct msghdr m = { .msg_name = &name, .msg_namelen = sizeof(name),
		                    .msg_iov = &iov, .msg_iovlen = 1,
		                    .msg_control = ctl.buf,
		                    .msg_controllen = sizeof(ctl.buf) };
		struct sock_extended_err *ee = NULL;
		struct probe_hdr h;
		struct cmsghdr *c;
		char from[ADDR_STRLEN], *fromp = NULL, text[128];
		const char *what;
		ssize_t n = recvmsg(d->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			return handled;
		handled++;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 &&
			     c->cmsg_type == IPV6_RECVERR))
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (!ee || probe_decode(data, (size_t)n, &h) < 0 || h.id != d->id ||
		    h.seq == 0)
			continue;
		what = strerror((int)ee->ee_errno);    /* local errors */
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP ||
		    ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
			struct sockaddr *off = SO_EE_OFFENDER(ee);

			/* ping's own words for the ICMP type and code */
			what = icmp_error_text(ee->ee_origin == SO_EE_ORIGIN_ICMP6,
			                       ee->ee_type, ee->ee_code, ee->ee_info,
			                       text, sizeof(text));
			if (off->sa_family == AF_INET || off->sa_family == AF_INET6)
				fromp = (char *)addr_format_host(off, from, sizeof(from));
		}
		seqtrack_fail(&d->t, h.seq - 1);
		if (!d->bench)
			print_error(d, h.seq, fromp, what);
	}
	return handled;
}

/* An error reported by recv()/send() that belongs to an earlier probe
 * (ICMP-derived) rather than to this call. */
static int is_async_error(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN || e == ENONET || e == EPROTO || e == EMSGSIZE;
}

static void client_read(struct dgram_client *d)
{
	for (int round = 0; round < 16; round++) {
		int n;
		int64_t now;

		for (unsigned i = 0; i < RX_BATCH; i++) {
			d->iov[i].iov_base = d->rxbuf + i * d->rxsz;
			d->iov[i].iov_len = d->rxsz;
			memset(&d->mm[i].msg_hdr, 0, sizeof(d->mm[i].msg_hdr));
			d->mm[i].msg_hdr.msg_iov = &d->iov[i];
			d->mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(d->fd, d->mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (is_async_error(errno)) {
				/* no queued detail (unix dgram, or RECVERR unset):
				 * blame the newest probe */
				int e = errno;

				if (read_errqueue(d) == 0 && d->t.next_seq &&
				    seqtrack_fail(&d->t, d->t.next_seq - 1) && !d->bench)
					print_error(d, d->t.next_seq, NULL, strerror(e));
				continue;
			}
			return;
		}
		now = clock_mono_ns();
		for (int i = 0; i < n; i++)
			account_reply(d, d->rxbuf + (size_t)i * d->rxsz,
			              d->mm[i].msg_len, now);
		if (n < RX_BATCH)
			return;
	}
}

/* A probe that could not even be sent: it counts as sent and failed. */
static void probe_failed(struct dgram_client *d, int64_t now, const char *op,
                         int e)
{
	uint64_t seq = seqtrack_send(&d->t, now);
	char what[128];

	seqtrack_fail(&d->t, seq);
	if (d->bench) {
		d->setup_errno = e;     /* bench: the run stops here */
		return;
	}
	snprintf(what, sizeof(what), "%s: %s", op, strerror(e));
	print_error(d, seq + 1, NULL, what);
}

/* Send up to n probes (bench: a batch; ping: n = 1).  Returns how many
 * were sent or failed (each is accounted), 0 when the socket is full. */
static unsigned client_send(struct dgram_client *d, unsigned n)
{
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];
	int64_t now = clock_mono_ns();
	unsigned i, done = 0;
	int retried = 0;

	if (n > TX_BATCH)
		n = TX_BATCH;
	if (!d->connected) {
		if (connect(d->fd, (const struct sockaddr *)&d->c->addr->ss,
		            d->c->addr->len) < 0) {
			probe_failed(d, now, "connect", errno);
			return 1;
		}
		d->connected = 1;
	}
	for (i = 0; i < n; i++) {
		struct probe_hdr h = { d->id, d->t.next_seq + i + 1, now };
		unsigned char *b = d->txbuf + (size_t)i * d->c->size;

		probe_encode_hdr(b, &h);
		iov[i].iov_base = b;
		iov[i].iov_len = d->c->size;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = sendmmsg(d->fd, mm + done, n - done, MSG_DONTWAIT);

		if (r > 0) {
			for (int k = 0; k < r; k++)
				seqtrack_send(&d->t, now);
			done += (unsigned)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			d->blocked_out = 1;
			break;
		}
		if (d->unix_peer) {
			/* the server's socket is gone: the kernel has dropped the
			 * association, the next probe connects again */
			int e = errno;

			probe_failed(d, now, "send", e);
			done++;
			if (e == ECONNREFUSED || e == ENOTCONN || e == ENOENT) {
				d->connected = 0;
				break;
			}
			continue;
		}
		if (is_async_error(errno) && !retried) {
			/* an earlier probe's ICMP error, reported here: the
			 * pending error is now cleared, try once more */
			retried = 1;
			read_errqueue(d);
			continue;
		}
		/* this probe could not be sent: it counts, as failed; the rest
		 * of the batch keep their seqs, this one used its own */
		probe_failed(d, now, "send", errno);
		done++;
		retried = 0;
	}
	return done;
}

static void client_io(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct dgram_client *d = io->ctx;

	(void)l;
	if (ev & EPOLLERR)
		read_errqueue(d);
	if (ev & EPOLLOUT) {
		d->blocked_out = 0;
		loop_mod(&d->l, &d->io, EPOLLIN);
	}
	if (ev & (EPOLLIN | EPOLLERR))
		client_read(d);
}

static void client_stop(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct dgram_client *d = io->ctx;

	(void)ev;
	d->stopped = 1;
	loop_stop(l);
}

static int client_init(struct dgram_client *d, int fd,
                       const struct echo_dgram_client_cfg *c, int bench,
                       size_t window)
{
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->fd = fd;
	d->bench = bench;
	d->id = random_id();
	d->unix_peer = c->addr->ss.ss_family == AF_UNIX;
	d->rxsz = c->size < 2048 ? 2048 : c->size;
	d->rs = malloc(sizeof(*d->rs));
	d->txbuf = malloc(TX_BATCH * c->size);
	d->rxbuf = malloc(RX_BATCH * d->rxsz);
	if (!d->rs || !d->txbuf || !d->rxbuf || seqtrack_init(&d->t, window) < 0)
		return -1;
	stats_init(d->rs);
	for (unsigned i = 0; i < TX_BATCH; i++) {
		struct probe_hdr h = { d->id, 0, 0 };

		probe_encode(d->txbuf + (size_t)i * c->size, c->size, &h);
	}
	addr_format((const struct sockaddr *)&c->addr->ss, c->addr->len, d->from,
	            sizeof(d->from));
	if (loop_init(&d->l) < 0)
		return -1;
	d->io.fd = fd;
	d->io.cb = client_io;
	d->io.ctx = d;
	if (loop_add(&d->l, &d->io, EPOLLIN) < 0)
		return -1;
	if (c->stop_fd >= 0) {
		d->stop.fd = c->stop_fd;
		d->stop.cb = client_stop;
		d->stop.ctx = d;
		if (loop_add(&d->l, &d->stop, EPOLLIN) < 0)
			return -1;
	}
	return 0;
}

static void client_free(struct dgram_client *d)
{
	if (d->l.epfd > 0)
		loop_free(&d->l);
	seqtrack_free(&d->t);
	free(d->rs);
	free(d->txbuf);
	free(d->rxbuf);
}

static void want_out(struct dgram_client *d)
{
	if (d->blocked_out)
		loop_mod(&d->l, &d->io, EPOLLIN | EPOLLOUT);
}

static void print_summary(struct dgram_client *d, int64_t elapsed_ns, int rc)
{
	const struct echo_dgram_client_cfg *c = d->c;
	const struct seqtrack *t = &d->t;
	const struct rtt_stats *rs = d->rs;
	int64_t jit_us = (int64_t)llround(seqtrack_jitter_ns(t) / 1000.0);
	char extra[96], jit[48], a[32], b[32], e[32], f[32], g[32];
	struct probe_summary s = {
		.noun = "datagrams", .transmitted = t->sent,
		.received = t->received, .duplicates = t->dups,
		.errors = t->failed, .elapsed_us = elapsed_ns / 1000,
		.have_rtt = rs->n > 0 && !d->bench, .min_us = rs->min_ns / 1000,
		.avg_us = stats_avg_us(rs), .max_us = rs->max_ns / 1000,
		.mdev_us = stats_mdev_us(rs), .counts_extra = extra,
		.rtt_extra = jit, .exit_code = rc,
	};

	if (c->json) {
		struct json j;

		s.have_rtt = rs->n > 0;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_str(&j, "target", c->target);
		probe_report_json(&j, &s);
		json_uint(&j, "reordered", t->reordered);
		json_uint(&j, "late", t->late);
		if (rs->n)
			json_double(&j, "jitter_ms", seqtrack_jitter_ns(t) / 1e6, 3);
		else
			json_null(&j, "jitter_ms");
		if (d->bench) {
			double secs = (double)elapsed_ns / 1e9;

			json_uint(&j, "inflight", c->inflight);
			json_uint(&j, "size_bytes", c->size);
			json_double(&j, "msgs_per_s",
			            secs > 0 ? (double)t->received / secs : 0, 1);
			static const struct { const char *key; double p; } pc[] = {
				{ "p50_ms", 50 }, { "p90_ms", 90 }, { "p99_ms", 99 },
				{ "p999_ms", 99.9 },
			};
			for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++) {
				if (rs->n)
					json_double(&j, pc[i].key,
					            (double)stats_percentile_ns(rs, pc[i].p) / 1e6, 3);
				else
					json_null(&j, pc[i].key);
			}
		}
		json_end(&j, stdout);
		return;
	}
	if (d->bench)
		printf("\n--- %s echo bench: %" PRIu32 " in flight, %zu bytes, %.2f s ---\n",
		       c->target, c->inflight, c->size, (double)elapsed_ns / 1e9);
	else
		printf("\n--- %s echo statistics ---\n", c->target);
	int n = snprintf(extra, sizeof extra, ", %" PRIu64 " reordered", t->reordered);
	if (t->late && n > 0 && (size_t)n < sizeof extra)
		snprintf(extra + n, sizeof extra - (size_t)n, ", %" PRIu64 " late",
		         t->late);
	probe_fmt_ms3(g, sizeof g, jit_us);
	snprintf(jit, sizeof jit, ", jitter %s ms", g);
	char text[512];
	probe_report_text(text, sizeof text, &s);
	fputs(text, stdout);
	if (d->bench) {
		double secs = (double)elapsed_ns / 1e9;

		printf("%.0f msgs/s", secs > 0 ? (double)t->received / secs : 0.0);
		if (rs->n) {
			probe_fmt_ms3(a, sizeof(a), stats_percentile_ns(rs, 50) / 1000);
			probe_fmt_ms3(b, sizeof(b), stats_percentile_ns(rs, 90) / 1000);
			probe_fmt_ms3(e, sizeof(e), stats_percentile_ns(rs, 99) / 1000);
			probe_fmt_ms3(f, sizeof(f), stats_percentile_ns(rs, 99.9) / 1000);
			probe_fmt_ms3(g, sizeof(g), rs->max_ns / 1000);
			printf(", rtt p50/p90/p99/p99.9/max = %s/%s/%s/%s/%s ms", a, b,
			       e, f, g);
		}
		printf("\n");
	}
	fflush(stdout);
}

/* The end of a run: what is still unanswered is lost; the summary; the
 * exit code (0 when every probe came back). */
static int client_end(struct dgram_client *d, int64_t elapsed_ns)
{
	seqtrack_expire_all(&d->t);
	int rc = d->t.received == d->t.sent && d->t.sent > 0 ? 0 : 1;
	print_summary(d, elapsed_ns, rc);
	return rc;
}

/* rc < 0: set-up failed (one error line, exit 2); frees the client. */
static int client_exit(struct dgram_client *d, int rc)
{
	if (rc < 0)
		err_sys_as(errno == ENOMEM ? "oom" : "setup", 2, "client setup");
	client_free(d);
	return rc < 0 ? 2 : rc;
}

static void print_start(struct dgram_client *d)
{
	const struct echo_dgram_client_cfg *c = d->c;

	if (c->quiet)
		return;
	if (c->json) {
		struct json j;

		json_start(&j, applet_name);
		json_str(&j, "target", c->target);
		json_str(&j, "addr", d->from);
		json_uint(&j, "size_bytes", c->size);
		json_end(&j, stdout);
		return;
	}
	printf("ECHO %s", c->target);
	if (strcmp(c->target, d->from))
		printf(" (%s)", d->from);
	printf(": %zu data bytes\n", c->size);
	fflush(stdout);
}

int echo_dgram_ping_run(int fd, const struct echo_dgram_client_cfg *c)
{
	struct dgram_client d;
	size_t window = 4096;
	int64_t next_tx, now;
	int rc;

	/* remember every probe that can still be waited for */
	if (c->interval_ns == 0)
		window = 1u << 16;
	else if (c->timeout_ns / c->interval_ns + 64 > 4096)
		window = (size_t)(c->timeout_ns / c->interval_ns + 64);
	if (window > (1u << 20))
		window = 1u << 20;
	if (client_init(&d, fd, c, 0, window) < 0) {
		rc = -1;
		goto out;
	}
	print_start(&d);
	d.start_ns = next_tx = clock_mono_ns();
	for (;;) {
		int more;

		now = clock_mono_ns();
		if (c->deadline_ns && now - d.start_ns >= c->deadline_ns)
			break;
		more = c->count == 0 || d.t.sent < c->count;
		if (more && now >= next_tx && !d.blocked_out) {
			if (client_send(&d, 1) == 1) {
				next_tx += c->interval_ns;
				if (next_tx < now)
					next_tx = now;   /* fell behind: no catch-up burst */
			}
			want_out(&d);
			more = c->count == 0 || d.t.sent < c->count;
		}
		while (seqtrack_expire(&d.t, now, c->timeout_ns, NULL))
			;
		if (!more && d.t.pending == 0)
			break;
		int64_t wake = clock_min_deadline(more && !d.blocked_out ? next_tx : -1,
		                                  seqtrack_next_deadline(&d.t, c->timeout_ns));
		if (c->deadline_ns)
			wake = clock_min_deadline(wake, d.start_ns + c->deadline_ns);
		if (loop_once(&d.l, wake) < 0) {
			rc = -1;
			goto out;
		}
		if (d.stopped)
			break;
	}
	rc = client_end(&d, clock_mono_ns() - d.start_ns);
out:
	return client_exit(&d, rc);
}

int echo_dgram_bench_run(int fd, const struct echo_dgram_client_cfg *c)
{
	struct dgram_client d;
	int64_t now, end, stop_send, drain_end = -1;
	int rc = 0, draining = 0;

	if (client_init(&d, fd, c, 1, 1u << 16) < 0) {
		rc = -1;
		goto out;
	}
	if (!c->quiet && c->json) {
		struct json j;

		json_start(&j, applet_name);
		json_str(&j, "target", c->target);
		json_str(&j, "addr", d.from);
		json_uint(&j, "size_bytes", c->size);
		json_uint(&j, "inflight", c->inflight);
		json_double(&j, "duration_ms", (double)c->duration_ns / 1e6, 3);
		json_end(&j, stdout);
	} else if (!c->quiet) {
		printf("ECHO %s", c->target);
		if (strcmp(c->target, d.from))
			printf(" (%s)", d.from);
		printf(": bench, %" PRIu32 " in flight, %zu bytes, %.2f s\n",
		       c->inflight, c->size, (double)c->duration_ns / 1e9);
		fflush(stdout);
	}
	d.start_ns = clock_mono_ns();
	end = d.start_ns + c->duration_ns;
	stop_send = end;
	for (;;) {
		now = clock_mono_ns();
		if (!draining && now >= end) {
			draining = 1;
			stop_send = now;
			drain_end = now + c->timeout_ns;
		}
		if (draining && (d.t.pending == 0 || now >= drain_end))
			break;
		while (seqtrack_expire(&d.t, now, c->timeout_ns, NULL))
			;
		/* keep `inflight` outstanding */
		while (!draining && !d.blocked_out && !d.setup_errno &&
		       d.t.pending < c->inflight) {
			unsigned want = c->inflight - (unsigned)d.t.pending;

			if (client_send(&d, want) == 0)
				break;
		}
		if (d.setup_errno) {
			err_num(d.setup_errno, "%s", c->target);
			stop_send = now;
			break;
		}
		want_out(&d);
		if (loop_once(&d.l, clock_min_deadline(draining ? drain_end : end,
		              seqtrack_next_deadline(&d.t, c->timeout_ns))) < 0) {
			rc = -1;
			goto out;
		}
		if (d.stopped) {
			if (!draining)
				stop_send = clock_mono_ns();
			break;
		}
	}
	rc = client_end(&d, stop_send - d.start_ns);
out:
	return client_exit(&d, rc);
}
