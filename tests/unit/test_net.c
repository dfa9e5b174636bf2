/* Unit tests for lib/net on loopback: listen, dual stack, connect,
 * refused, timeouts, wait. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "net.h"

#define MS NS_PER_MSEC

static int listen_on(const char *host, int type, struct sb_addr *bound)
{
	struct sb_addr a;
	assert_int_equal(addr_numeric(host, 0, &a), 0);
	int fd = net_listen(&a, type, 16, bound);
	assert_true(fd >= 0);
	return fd;
}

static void check_flags(int fd)
{
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static int accept_wait(int lfd, struct sb_addr *peer)
{
	assert_int_equal(net_wait(lfd, POLLIN, clock_mono_ns() + 2000 * MS), 1);
	peer->len = sizeof peer->ss;
	int c = accept(lfd, (struct sockaddr *)&peer->ss, &peer->len);
	assert_true(c >= 0);
	return c;
}

static void test_listen_connect(void **state)
{
	struct sb_addr bound, peer;
	char buf[ADDR_STRLEN];
	int lfd = listen_on("127.0.0.1", SOCK_STREAM, &bound);
	check_flags(lfd);
	uint16_t port = addr_port((struct sockaddr *)&bound.ss);
	assert_true(port != 0);
	/* the reported address is what getsockname says */
	struct sb_addr g = { .len = sizeof g.ss };
	getsockname(lfd, (struct sockaddr *)&g.ss, &g.len);
	assert_true(addr_equal((struct sockaddr *)&g.ss, (struct sockaddr *)&bound.ss));
	addr_format((struct sockaddr *)&bound.ss, bound.len, buf, sizeof buf);
	assert_memory_equal(buf, "127.0.0.1:", 10);

	int c = net_connect(&bound, SOCK_STREAM, 2000 * MS);
	assert_true(c >= 0);
	check_flags(c);
	int s = accept_wait(lfd, &peer);
	assert_int_equal(write(c, "hi", 2), 2);
	assert_int_equal(net_wait(s, POLLIN, clock_mono_ns() + 2000 * MS), 1);
	char r[4];
	assert_int_equal(read(s, r, sizeof r), 2);
	close(s);
	close(c);
	/* no timeout at all (-1) also connects */
	c = net_connect(&bound, SOCK_STREAM, -1);
	assert_true(c >= 0);
	close(c);

	/* the same port again: EADDRINUSE, nothing leaked */
	int fd = net_listen(&bound, SOCK_STREAM, 1, NULL);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EADDRINUSE);
	close(lfd);

	/* UDP: bound, not listening, port reported */
	int u = listen_on("127.0.0.1", SOCK_DGRAM, &bound);
	check_flags(u);
	assert_true(addr_port((struct sockaddr *)&bound.ss) != 0);
	int uc = net_connect(&bound, SOCK_DGRAM, 1000 * MS);
	assert_true(uc >= 0);
	assert_int_equal(send(uc, "u", 1, 0), 1);
	assert_int_equal(net_wait(u, POLLIN, clock_mono_ns() + 2000 * MS), 1);
	assert_int_equal(recv(u, r, sizeof r, 0), 1);
	close(uc);
	close(u);
}

static void test_dual_stack(void **state)
{
	struct sb_addr bound, peer, v4;
	char buf[ADDR_STRLEN];
	int lfd = listen_on("::", SOCK_STREAM, &bound);
	uint16_t port = addr_port((struct sockaddr *)&bound.ss);
	assert_true(port != 0);
	assert_int_equal(bound.ss.ss_family, AF_INET6);
	/* a v4 client reaches the "::" listener */
	assert_int_equal(addr_numeric("127.0.0.1", port, &v4), 0);
	int c = net_connect(&v4, SOCK_STREAM, 2000 * MS);
	assert_true(c >= 0);
	int s = accept_wait(lfd, &peer);
	addr_format_host((struct sockaddr *)&peer.ss, buf, sizeof buf);
	assert_string_equal(buf, "::ffff:127.0.0.1");
	close(s);
	close(c);
	/* and a v6 one */
	struct sb_addr v6;
	assert_int_equal(addr_numeric("::1", port, &v6), 0);
	c = net_connect(&v6, SOCK_STREAM, 2000 * MS);
	assert_true(c >= 0);
	s = accept_wait(lfd, &peer);
	addr_format_host((struct sockaddr *)&peer.ss, buf, sizeof buf);
	assert_string_equal(buf, "::1");
	close(s);
	close(c);
	close(lfd);

	/* a specific v6 address is v6 only: v4 on that port is refused */
	lfd = listen_on("::1", SOCK_STREAM, &bound);
	port = addr_port((struct sockaddr *)&bound.ss);
	int on = 0;
	socklen_t len = sizeof on;
	getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len);
	assert_int_equal(on, 1);
	close(lfd);
	lfd = listen_on("::", SOCK_STREAM, &bound);
	getsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len);
	assert_int_equal(on, 0);
	close(lfd);
}

static void test_unix_socket(void **state)
{
	struct sb_addr a, bound;
	char name[64], buf[ADDR_STRLEN];
	snprintf(name, sizeof name, "@sockbox-test-net-%d", (int)getpid());
	assert_int_equal(addr_unix(name, &a), 0);
	int lfd = net_listen(&a, SOCK_STREAM, 4, &bound);
	assert_true(lfd >= 0);
	assert_string_equal(addr_format((struct sockaddr *)&bound.ss, bound.len,
	                                buf, sizeof buf), name);
	int c = net_connect(&a, SOCK_STREAM, 1000 * MS);
	assert_true(c >= 0);
	close(c);
	close(lfd);
	/* nobody listening any more */
	assert_int_equal(net_connect(&a, SOCK_STREAM, 1000 * MS), -1);
	assert_int_equal(errno, ECONNREFUSED);
}

static void test_refused(void **state)
{
	struct sb_addr bound;
	int lfd = listen_on("127.0.0.1", SOCK_STREAM, &bound);
	close(lfd);   /* the port is now closed */
	int64_t t0 = clock_mono_ns();
	errno = 0;
	assert_int_equal(net_connect(&bound, SOCK_STREAM, 2000 * MS), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_true(clock_mono_ns() - t0 < 1000 * MS);
	lfd = listen_on("::1", SOCK_STREAM, &bound);
	close(lfd);
	assert_int_equal(net_connect(&bound, SOCK_STREAM, -1), -1);
	assert_int_equal(errno, ECONNREFUSED);
}

/* A listener that never accepts, with backlog 0, stops answering SYNs
 * once its accept queue is full: the next connect must time out. */
static void test_connect_timeout(void **state)
{
	struct sb_addr a, bound;
	assert_int_equal(addr_numeric("127.0.0.1", 0, &a), 0);
	int lfd = net_listen(&a, SOCK_STREAM, 0, &bound);
	assert_true(lfd >= 0);
	int fds[16], n = 0, timed_out = 0;
	while (n < 16) {
		int64_t t0 = clock_mono_ns();
		int fd = net_connect(&bound, SOCK_STREAM, 200 * MS);
		int64_t dt = clock_mono_ns() - t0;
		if (fd < 0) {
			assert_int_equal(errno, ETIMEDOUT);
			assert_true(dt >= 200 * MS);
			assert_true(dt < 3000 * MS);
			timed_out = 1;
			break;
		}
		fds[n++] = fd;
	}
	assert_true(timed_out);
	assert_true(n >= 1);
	while (n > 0)
		close(fds[--n]);
	close(lfd);
}

static void on_alarm(int s) { (void)s; }

static void test_wait(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* no data: times out after the deadline, not before */
	int64_t t0 = clock_mono_ns();
	assert_int_equal(net_wait(sv[0], POLLIN, t0 + 50 * MS), 0);
	int64_t dt = clock_mono_ns() - t0;
	assert_true(dt >= 50 * MS && dt < 2000 * MS);
	/* past deadline: immediate */
	assert_int_equal(net_wait(sv[0], POLLIN, 0), 0);
	/* writable now */
	assert_int_equal(net_wait(sv[0], POLLOUT, -1), 1);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(net_wait(sv[0], POLLIN, -1), 1);
	/* a signal: -1/EINTR so the caller sees its flags */
	char c;
	assert_int_equal(read(sv[0], &c, 1), 1);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(net_wait(sv[0], POLLIN, -1), -1);
	assert_int_equal(errno, EINTR);
	signal(SIGALRM, SIG_DFL);

	/* nonblock toggling */
	assert_int_equal(net_nonblock(sv[0], 1), 0);
	assert_true(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	assert_int_equal(read(sv[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(net_nonblock(sv[0], 0), 0);
	assert_false(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(net_nonblock(sv[0], 1), -1);
	assert_int_equal(errno, EBADF);
}

static void test_nofile(void **state)
{
	struct rlimit rl;
	long soft = net_raise_nofile();
	assert_true(soft > 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(rl.rlim_cur == rl.rlim_max);
	assert_true((rlim_t)soft == rl.rlim_cur);
	assert_int_equal(net_raise_nofile(), soft);   /* idempotent */
}

/* The wildcard listener takes both families on "::" */
static void test_listen_any(void **state)
{
	struct sb_addr bound, a;
	(void)state;
	int fd = net_listen_any(0, AF_UNSPEC, SOCK_STREAM, 4, &bound);
	assert_true(fd >= 0);
	assert_int_equal(bound.ss.ss_family, AF_INET6);
	uint16_t port = ntohs(((struct sockaddr_in6 *)&bound.ss)->sin6_port);
	assert_int_equal(addr_numeric("127.0.0.1", port, &a), 0);
	int c = net_connect(&a, SOCK_STREAM, 1000 * MS);
	assert_true(c >= 0);
	close(c);
	close(fd);
	fd = net_listen_any(0, AF_INET, SOCK_DGRAM, 0, &bound);
	assert_true(fd >= 0);
	assert_int_equal(bound.ss.ss_family, AF_INET);
	close(fd);
}

static volatile sig_atomic_t stop_flag;

/* Short writes and EAGAIN: 4 MiB through a nonblocking pipe whose reader
 * is a child; every byte arrives in order. */
static void test_write_all(void **state)
{
	enum { N = 4 << 20 };
	int p[2];
	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(net_nonblock(p[1], 1), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		static unsigned char buf[65536];
		size_t got = 0;
		int bad = 0;
		ssize_t r;
		while ((r = read(p[0], buf, sizeof buf)) > 0) {
			for (ssize_t k = 0; k < r; k++)
				bad |= buf[k] != (unsigned char)((got + (size_t)k) % 251);
			got += (size_t)r;
		}
		_exit(got == N && !bad ? 0 : 1);
	}
	close(p[0]);
	unsigned char *src = malloc(N);
	assert_non_null(src);
	for (size_t k = 0; k < N; k++)
		src[k] = (unsigned char)(k % 251);
	assert_int_equal(net_write_all(p[1], src, N, &stop_flag), 0);
	close(p[1]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(src);
	/* a closed reader: -1 with EPIPE, not a loop */
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(net_write_all(p[1], "x", 1, NULL), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
}

static void test_ready(void **state)
{
	(void)state;
	assert_string_equal(net_ready_parse("listening on [::]:7"), "[::]:7");
	assert_string_equal(net_ready_parse("listening on /tmp/s"), "/tmp/s");
	assert_null(net_ready_parse("listening at x"));
	assert_null(net_ready_parse(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_any),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_ready),
		cmocka_unit_test(test_listen_connect),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_nofile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
