/* Unit tests for the echo_stream engine: the server runs in a forked
 * child on an abstract Unix socket, stopped through its stop_fd; the test
 * is its client and checks the bytes and the returned totals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "echo_stream.h"
#include "net.h"

struct srv {
	pid_t pid;
	int stop_w, res_r, type;
	struct sb_addr addr;
};

static void srv_start(struct srv *s, int type, struct echo_server_cfg cfg)
{
	static int n;
	char name[64];
	snprintf(name, sizeof name, "@sockbox-unit-es-%d-%d", (int)getpid(), n++);
	assert_int_equal(addr_unix(name, &s->addr), 0);
	s->type = type;
	int lfd = net_listen(&s->addr, type, 16, NULL);
	assert_true(lfd >= 0);
	int stop[2], res[2];
	assert_int_equal(pipe(stop), 0);
	assert_int_equal(pipe(res), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		struct echo_server_stats st;
		close(stop[1]);
		close(res[0]);
		cfg.stop_fd = stop[0];
		int r = echo_server_run(lfd, &cfg, &st);
		if (write(res[1], &st, sizeof st) != (ssize_t)sizeof st)
			_exit(3);
		_exit(r ? 1 : 0);
	}
	close(lfd);
	close(stop[0]);
	close(res[1]);
	s->stop_w = stop[1];
	s->res_r = res[0];
}

static void srv_stop(struct srv *s, struct echo_server_stats *st)
{
	int status;
	assert_int_equal(write(s->stop_w, "x", 1), 1);
	assert_int_equal(read(s->res_r, st, sizeof *st), (ssize_t)sizeof *st);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(s->stop_w);
	close(s->res_r);
}

static int cli(const struct srv *s)
{
	int fd = socket(AF_UNIX, s->type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&s->addr.ss,
	                         s->addr.len), 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + got, cap - got, 0);
		assert_true(n >= 0);
		if (n == 0 || got + (size_t)n == cap)
			return got + (size_t)n;
		got += (size_t)n;
	}
}

static void fill(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
}

static const struct echo_server_cfg base = { .max_conns = 100, .stop_fd = -1 };

static void test_echo_half_close(void **state)
{
	(void)state;
	enum { N = 100000 };
	static char out[N], in[N + 1];
	struct srv s;
	struct echo_server_stats st;
	srv_start(&s, SOCK_STREAM, base);
	fill(out, N);
	int fd = cli(&s);
	assert_int_equal(send(fd, out, N, 0), N);
	shutdown(fd, SHUT_WR);
	assert_int_equal(read_all(fd, in, sizeof in), N);   /* then EOF */
	assert_memory_equal(in, out, N);
	close(fd);
	srv_stop(&s, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.bytes_in, N);
	assert_int_equal(st.bytes_out, N);
	assert_int_equal(st.active, 0);
}

/* A client that stops reading: the server stops reading too, so what the
 * client can push is bounded by socket buffers; then everything drains. */
static void test_backpressure(void **state)
{
	(void)state;
	enum { MAX = 32 << 20 };
	char *out = malloc(MAX), *in = malloc(MAX);
	assert_non_null(out);
	assert_non_null(in);
	fill(out, MAX);
	struct srv s;
	struct echo_server_stats st;
	srv_start(&s, SOCK_STREAM, base);
	int fd = cli(&s);
	size_t sent = 0;
	for (;;) {
		ssize_t w = send(fd, out + sent, 65536, MSG_DONTWAIT);
		if (w > 0) {
			sent += (size_t)w;
			assert_true(sent < MAX - 65536);   /* must stall long before */
			continue;
		}
		assert_true(errno == EAGAIN);
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, 200) == 0)
			break;                              /* stalled: backpressure */
	}
	assert_true(sent > ECHO_STREAM_HIGH);
	shutdown(fd, SHUT_WR);
	assert_int_equal(read_all(fd, in, MAX), sent);
	assert_memory_equal(in, out, sent);
	close(fd);
	srv_stop(&s, &st);
	assert_int_equal(st.bytes_out, sent);
	free(out);
	free(in);
}

static void test_max_conns_and_banner(void **state)
{
	(void)state;
	struct echo_server_cfg cfg = base;
	cfg.max_conns = 1;
	cfg.banner = "hi\n";
	cfg.banner_len = 3;
	struct srv s;
	struct echo_server_stats st;
	srv_start(&s, SOCK_STREAM, cfg);
	char buf[16];
	int a = cli(&s);
	assert_int_equal(recv(a, buf, 3, MSG_WAITALL), 3);
	assert_memory_equal(buf, "hi\n", 3);
	int b = cli(&s);
	assert_int_equal(recv(b, buf, sizeof buf, 0), 0);  /* closed at once */
	assert_int_equal(send(a, "z", 1, 0), 1);
	assert_int_equal(recv(a, buf, 1, 0), 1);
	close(a);
	close(b);
	srv_stop(&s, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.peak, 1);
	assert_int_equal(st.bytes_out, 4);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	struct echo_server_cfg cfg = base;
	cfg.idle_timeout_ns = 100 * 1000000LL;
	struct srv s;
	struct echo_server_stats st;
	srv_start(&s, SOCK_STREAM, cfg);
	char buf[4];
	int fd = cli(&s);
	assert_int_equal(recv(fd, buf, sizeof buf, 0), 0);
	close(fd);
	srv_stop(&s, &st);
	assert_int_equal(st.idle_closed, 1);
}

static void test_seqpacket_records(void **state)
{
	(void)state;
	static char big[100000], in[200000];
	fill(big, sizeof big);
	struct srv s;
	struct echo_server_stats st;
	srv_start(&s, SOCK_SEQPACKET, base);
	int fd = cli(&s);
	static const size_t sizes[] = { 1, 100000, 5, 65536 };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(send(fd, big, sizes[i], 0), (ssize_t)sizes[i]);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(recv(fd, in, sizeof in, 0), (ssize_t)sizes[i]);
		assert_memory_equal(in, big, sizes[i]);
	}
	close(fd);
	srv_stop(&s, &st);
	assert_int_equal(st.bytes_in, 1 + 100000 + 5 + 65536);
	assert_int_equal(st.bytes_out, st.bytes_in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_half_close),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_max_conns_and_banner),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_seqpacket_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
