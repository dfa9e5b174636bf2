/* Unit tests for lib/sys/eyeballs: first success wins, a stalled address
 * is overtaken after the head start, a refused one is skipped at once,
 * everything refused is reported, free from the callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "eyeballs.h"
#include "loop.h"

struct got {
	int calls, fd, err;
	int free_in_cb;
};

static void done(struct eyeballs *e, int fd, int err, void *ctx)
{
	struct got *g = ctx;
	g->calls++;
	g->fd = fd;
	g->err = err;
	if (g->free_in_cb)
		eyeballs_free(e);
}

/* A socket on 127.0.0.1: listening (backlog), or bound only (refuses). */
static int server(int listening, int backlog, struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof *sa;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sa, sizeof *sa), 0);
	if (listening)
		assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sa, &len), 0);
	return fd;
}

/* A listener whose accept queue is full: SYNs are dropped, connect()
 * stays in progress. */
static int stalled(struct sockaddr_in *sa, int *fill, int nfill)
{
	int fd = server(1, 0, sa);
	for (int i = 0; i < nfill; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(fill[i], (struct sockaddr *)sa, sizeof *sa);
	}
	usleep(100000);
	return fd;
}

static void chain(struct addrinfo *ai, struct sockaddr_in *sa, int n)
{
	for (int i = 0; i < n; i++) {
		memset(&ai[i], 0, sizeof ai[i]);
		ai[i].ai_family = AF_INET;
		ai[i].ai_socktype = SOCK_STREAM;
		ai[i].ai_addr = (struct sockaddr *)&sa[i];
		ai[i].ai_addrlen = sizeof sa[i];
		ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
	}
}

static void run(struct loop *l, struct eyeballs *e, struct got *g)
{
	int64_t end = clock_mono_ns() + 5 * NS_PER_SEC;
	while (!g->calls && clock_mono_ns() < end) {
		loop_once(l, clock_min_deadline(eyeballs_deadline(e), end));
		if (!g->calls)
			eyeballs_tick(e);
	}
}

static void test_single(void **state)
{
	struct loop l;
	struct sockaddr_in sa;
	struct addrinfo ai;
	struct got g = { 0 };
	(void)state;
	int s = server(1, 8, &sa);
	chain(&ai, &sa, 1);
	assert_int_equal(loop_init(&l), 0);
	struct eyeballs *e = eyeballs_start(&l, &ai, 0, SOCK_STREAM, EYEBALLS_DELAY_NS, done, &g);
	assert_non_null(e);
	assert_int_equal(g.calls, 0);
	run(&l, e, &g);
	assert_int_equal(g.calls, 1);
	assert_true(g.fd >= 0);
	assert_int_equal(((const struct sockaddr_in *)&eyeballs_addr(e)->ss)->sin_port, sa.sin_port);
	close(g.fd);
	eyeballs_free(e);
	close(s);
	loop_free(&l);
}

static void test_stalled_overtaken(void **state)
{
	struct loop l;
	struct sockaddr_in sa[2];
	struct addrinfo ai[2];
	struct got g = { 0 };
	int fill[4];
	(void)state;
	int bad = stalled(&sa[0], fill, 4);
	int good = server(1, 8, &sa[1]);
	chain(ai, sa, 2);
	assert_int_equal(loop_init(&l), 0);
	int64_t t0 = clock_mono_ns();
	struct eyeballs *e = eyeballs_start(&l, ai, 0, SOCK_STREAM, 50 * NS_PER_MSEC, done, &g);
	run(&l, e, &g);
	int64_t dt = clock_mono_ns() - t0;
	assert_int_equal(g.calls, 1);
	assert_true(g.fd >= 0);
	assert_true(dt >= 50 * NS_PER_MSEC);
	assert_true(dt < 2 * NS_PER_SEC);
	assert_int_equal(eyeballs_attempts(e), 2);
	assert_int_equal(((const struct sockaddr_in *)&eyeballs_addr(e)->ss)->sin_port, sa[1].sin_port);
	close(g.fd);
	eyeballs_free(e);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(bad);
	close(good);
	loop_free(&l);
}

static void test_refused_skipped(void **state)
{
	struct loop l;
	struct sockaddr_in sa[2];
	struct addrinfo ai[2];
	struct got g = { 0 };
	(void)state;
	int bad = server(0, 0, &sa[0]);
	int good = server(1, 8, &sa[1]);
	chain(ai, sa, 2);
	assert_int_equal(loop_init(&l), 0);
	int64_t t0 = clock_mono_ns();
	/* a long head start: the refusal must start the next one at once */
	struct eyeballs *e = eyeballs_start(&l, ai, 0, SOCK_STREAM, 3 * NS_PER_SEC, done, &g);
	run(&l, e, &g);
	assert_int_equal(g.calls, 1);
	assert_true(g.fd >= 0);
	assert_true(clock_mono_ns() - t0 < NS_PER_SEC);
	close(g.fd);
	eyeballs_free(e);
	close(bad);
	close(good);
	loop_free(&l);
}

static void test_all_refused(void **state)
{
	struct loop l;
	struct sockaddr_in sa[3];
	struct addrinfo ai[3];
	struct got g = { 0 };
	int fds[3];
	(void)state;
	for (int i = 0; i < 3; i++)
		fds[i] = server(0, 0, &sa[i]);
	chain(ai, sa, 3);
	assert_int_equal(loop_init(&l), 0);
	g.free_in_cb = 1;
	struct eyeballs *e = eyeballs_start(&l, ai, 0, SOCK_STREAM, EYEBALLS_DELAY_NS, done, &g);
	run(&l, e, &g);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.fd, -1);
	assert_int_equal(g.err, ECONNREFUSED);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	loop_free(&l);
}

static void test_empty(void **state)
{
	struct loop l;
	struct got g = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	assert_null(eyeballs_start(&l, NULL, 0, SOCK_STREAM, 0, done, &g));
	assert_int_equal(errno, EADDRNOTAVAIL);
	eyeballs_free(NULL);
	loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_stalled_overtaken),
		cmocka_unit_test(test_refused_skipped),
		cmocka_unit_test(test_all_refused),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
