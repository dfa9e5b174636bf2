/* sockdiag: see sockdiag.h. */
#include "sockdiag.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proc_tcp.h"

static int open_diag(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int sockdiag_init(struct sockdiag *d, int open_netlink)
{
	memset(d, 0, sizeof *d);
	d->nl = -1;
	d->bytecode_ok = 1;
	d->legacy_ok = 1;
	d->buf = malloc(SOCKDIAG_BUF);
	if (!d->buf)
		return ENOMEM;
	if (open_netlink) {
		d->nl = open_diag();
		if (d->nl < 0)
			return errno;
	}
	return 0;
}

void sockdiag_free(struct sockdiag *d)
{
	if (d->nl >= 0)
		close(d->nl);
	d->nl = -1;
	free(d->buf);
	d->buf = NULL;
}

int sockdiag_kernel_ports(const struct sockdiag *d)
{
	return d->bytecode_ok;
}

/* One family's dump.  Returns 0, or a positive errno. */
static int dump_family(struct sockdiag *d, const struct sockdiag_query *q,
                       uint8_t family, sockdiag_cb cb, void *ctx)
{
	uint8_t req[DIAG_REQ_MAX];
	struct diag_req r = {
		.family = family, .states = q->states, .want_info = q->want_info,
		.want_mem = q->want_mem, .seq = ++d->seq,
	};
	if (d->bytecode_ok) {
		r.sports = q->sports;
		r.nsports = q->nsports;
		r.dports = q->dports;
		r.ndports = q->ndports;
		r.bc = q->bc;
		r.bclen = q->bclen;
	}
	int n = diag_req_build(&r, req, sizeof req);
	if (n < 0)
		return -n;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(d->nl, req, (size_t)n, 0, (struct sockaddr *)&kernel,
	           sizeof kernel) < 0)
		return errno;
	for (;;) {
		ssize_t k = recv(d->nl, d->buf, SOCKDIAG_BUF, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (k == 0)
			return EPIPE;
		struct diag_iter it;
		struct diag_sock s;
		int err;
		enum diag_kind kind;
		diag_iter_init(&it, d->buf, (size_t)k);
		while ((kind = diag_iter_next(&it, &s, &err)) != DIAG_END) {
			if (it.seq != d->seq)
				continue;               /* a stale reply */
			switch (kind) {
			case DIAG_SOCK:
				if (cb(ctx, &s) < 0)
					return ENOMEM;
				break;
			case DIAG_DONE:
				return err;
			case DIAG_ERROR:
				if (err)
					return err;
				break;
			case DIAG_BAD:
				return EPROTO;
			default:
				break;
			}
		}
	}
}

/* Both families in one legacy AF_UNSPEC dump when we want both (one walk
 * of the kernel's tables instead of two); a v2 dump per family otherwise
 * or if the kernel refuses the legacy request. */
int sockdiag_dump(struct sockdiag *d, const struct sockdiag_query *q,
                  sockdiag_cb cb, void *ctx)
{
	uint8_t fams[2];
	int n = 0;
	if (d->nl < 0)
		return ENOTCONN;
	if (q->want4 && q->want6 && d->legacy_ok)
		fams[n++] = AF_UNSPEC;
	else {
		if (q->want4)
			fams[n++] = AF_INET;
		if (q->want6)
			fams[n++] = AF_INET6;
	}
	for (int i = 0; i < n; i++) {
		int e = dump_family(d, q, fams[i], cb, ctx);
		if (e == EINVAL && d->bytecode_ok && (q->nsports || q->ndports || q->bclen)) {
			/* the kernel refused the filter: the caller filters
			 * instead (nothing was delivered before the error) */
			d->bytecode_ok = 0;
			e = dump_family(d, q, fams[i], cb, ctx);
		}
		if ((e == EINVAL || e == EOPNOTSUPP) && fams[i] == AF_UNSPEC) {
			d->legacy_ok = 0;
			return sockdiag_dump(d, q, cb, ctx);
		}
		if (e)
			return e;
	}
	return 0;
}

struct proc_ctx {
	uint32_t states;
	sockdiag_cb cb;
	void *ctx;
	int failed;
};

static int proc_cb(void *ctx, const struct diag_sock *s)
{
	struct proc_ctx *c = ctx;
	if (c->states && !(c->states & (1u << s->state)))
		return 0;
	if (c->cb(c->ctx, s) < 0) {
		c->failed = ENOMEM;
		return 1;
	}
	return 0;
}

int sockdiag_proc(struct sockdiag *d, const struct sockdiag_query *q,
                  sockdiag_cb cb, void *ctx)
{
	static const struct { const char *path; int family; } files[] = {
		{ "/proc/net/tcp", AF_INET }, { "/proc/net/tcp6", AF_INET6 },
	};
	for (size_t i = 0; i < 2; i++) {
		if ((files[i].family == AF_INET && !q->want4) ||
		    (files[i].family == AF_INET6 && !q->want6))
			continue;
		int fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && files[i].family == AF_INET6)
				continue;       /* IPv6 disabled */
			return errno;
		}
		struct proc_tcp_parser p;
		struct proc_ctx c = { q->states, cb, ctx, 0 };
		proc_tcp_init(&p, files[i].family);
		for (;;) {
			ssize_t k = read(fd, d->buf, SOCKDIAG_BUF);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				int e = errno;
				close(fd);
				return e;
			}
			if (k == 0 || proc_tcp_feed(&p, (char *)d->buf, (size_t)k,
			                            proc_cb, &c))
				break;
		}
		if (!c.failed)
			proc_tcp_finish(&p, proc_cb, &c);
		close(fd);
		if (c.failed)
			return c.failed;
	}
	return 0;
}

int sockdiag_destroy_open(int want4, int want6)
{
	int fd = open_diag();
	if (fd < 0)
		return -1;
	int groups[2], n = 0;
	if (want4)
		groups[n++] = SKNLGRP_INET_TCP_DESTROY;
	if (want6)
		groups[n++] = SKNLGRP_INET6_TCP_DESTROY;
	for (int i = 0; i < n; i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
		               sizeof groups[i]) < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	int sz = 4 << 20;
	/* as much as rmem_max allows; more with CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	return fd;
}

int sockdiag_destroy_read(struct sockdiag *d, int fd, sockdiag_cb cb, void *ctx)
{
	for (;;) {
		ssize_t k = recv(fd, d->buf, SOCKDIAG_BUF, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return errno;
		}
		struct diag_iter it;
		struct diag_sock s;
		int err;
		enum diag_kind kind;
		diag_iter_init(&it, d->buf, (size_t)k);
		while ((kind = diag_iter_next(&it, &s, &err)) != DIAG_END)
			if (kind == DIAG_SOCK && cb(ctx, &s) < 0)
				return ENOMEM;
	}
}
