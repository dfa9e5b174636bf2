/* net: socket glue; see net.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

int net_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

static void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

int net_listen(const struct sb_addr *a, int socktype, int backlog,
               struct sb_addr *bound)
{
	int family = a->ss.ss_family;
	int fd = socket(family, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1, zero = 0;
	if (family == AF_INET || family == AF_INET6)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6) {
		/* "::" serves both families; a specific v6 address only v6 */
		const struct sockaddr_in6 *in6 = (const void *)&a->ss;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero,
		           sizeof one);
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	if (socktype != SOCK_DGRAM && listen(fd, backlog) < 0)
		goto fail;
	if (bound) {
		bound->len = sizeof bound->ss;
		if (getsockname(fd, (struct sockaddr *)&bound->ss, &bound->len) < 0)
			goto fail;
	}
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

int net_wait(int fd, short events, int64_t deadline_ns)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, clock_ms_until(deadline_ns));
	if (r < 0)
		return -1;
	return r > 0;
}

int net_connect(const struct sb_addr *a, int socktype, int64_t timeout_ns)
{
	int fd = socket(a->ss.ss_family, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	int64_t deadline = timeout_ns < 0 ? -1 : clock_mono_ns() + timeout_ns;
	for (;;) {
		int r = net_wait(fd, POLLOUT, deadline);
		if (r < 0 && errno == EINTR)
			goto fail;
		if (r < 0)
			goto fail;
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		break;
	}
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail;
	if (err) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

long net_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
	}
	return (long)rl.rlim_cur;
}

int net_listen_any(uint16_t port, int family, int socktype, int backlog,
                   struct sb_addr *bound)
{
	struct sb_addr a;
	addr_numeric(family == AF_INET ? "0.0.0.0" : "::", port, &a);
	int fd = net_listen(&a, socktype, backlog, bound);
	if (fd < 0 && family == AF_UNSPEC &&
	    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
		addr_numeric("0.0.0.0", port, &a);
		fd = net_listen(&a, socktype, backlog, bound);
	}
	return fd;
}

int net_write_all(int fd, const void *buf, size_t len,
                  const volatile sig_atomic_t *stop)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR && !(stop && *stop))
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (net_wait(fd, POLLOUT, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

void net_ready_announce(const char *where)
{
	printf(NET_READY_PREFIX "%s\n", where);
	fflush(stdout);
}

const char *net_ready_parse(const char *line)
{
	size_t n = strlen(NET_READY_PREFIX);
	return strncmp(line, NET_READY_PREFIX, n) ? NULL : line + n;
}
