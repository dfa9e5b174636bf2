/* Unit tests for lib/loop: dispatch, EPOLLOUT interest, deletion during a
 * batch, stop, timeouts and EINTR. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "loop.h"

#define MS NS_PER_MSEC

struct tio {
	struct loop_io io;
	int calls;
	uint32_t last;
	struct tio *victim;    /* io to delete (and close) from the callback */
	int stop;              /* call loop_stop from the callback */
	int free_self;
	int *total;
};

static void cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct tio *t = (struct tio *)io;
	t->calls++;
	t->last = ev;
	if (t->total)
		(*t->total)++;
	if (t->victim) {
		assert_int_equal(loop_del(l, &t->victim->io), 0);
		/* poison it: a dispatch to it now would be noticed */
		t->victim->io.cb = NULL;
		t->victim = NULL;
	}
	if (t->stop)
		loop_stop(l);
	if (t->free_self) {
		assert_int_equal(loop_del(l, io), 0);
		free(t);
	}
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void test_dispatch(void **state)
{
	struct loop l;
	int sv[2];
	assert_int_equal(loop_init(&l), 0);
	pair(sv);
	struct tio t = { .io = { .fd = sv[0], .cb = cb } };
	assert_int_equal(loop_add(&l, &t.io, EPOLLIN), 0);
	assert_int_equal(t.io.events, EPOLLIN);
	/* nothing readable yet: times out */
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);
	assert_int_equal(t.calls, 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 1);
	assert_int_equal(t.calls, 1);
	assert_true(t.last & EPOLLIN);
	/* level-triggered: still readable, dispatched again */
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 1);
	assert_int_equal(t.calls, 2);
	char c;
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(loop_once(&l, clock_mono_ns()), 0);
	assert_int_equal(t.calls, 2);
	/* peer closes: EPOLLIN (EOF) with EPOLLHUP/RDHUP semantics */
	close(sv[1]);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 1);
	assert_true(t.last & (EPOLLIN | EPOLLHUP));
	/* deleted: no more events */
	assert_int_equal(loop_del(&l, &t.io), 0);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);
	assert_int_equal(t.calls, 3);
	/* adding twice fails (EEXIST) */
	assert_int_equal(loop_add(&l, &t.io, EPOLLIN), 0);
	assert_int_equal(loop_add(&l, &t.io, EPOLLIN), -1);
	assert_int_equal(errno, EEXIST);
	close(sv[0]);
	loop_free(&l);
	loop_free(&l);   /* idempotent */
}

static void test_epollout(void **state)
{
	struct loop l;
	int sv[2];
	assert_int_equal(loop_init(&l), 0);
	pair(sv);
	struct tio t = { .io = { .fd = sv[0], .cb = cb } };
	assert_int_equal(loop_add(&l, &t.io, EPOLLIN), 0);
	/* writable, but write interest not asked: no event */
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);
	assert_int_equal(loop_mod(&l, &t.io, EPOLLIN | EPOLLOUT), 0);
	assert_int_equal(t.io.events, EPOLLIN | EPOLLOUT);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 1);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.last, EPOLLOUT);
	/* same interest again: a no-op that succeeds */
	assert_int_equal(loop_mod(&l, &t.io, EPOLLIN | EPOLLOUT), 0);
	/* fill the socket: EPOLLOUT stops */
	char buf[65536];
	memset(buf, 0, sizeof buf);
	while (write(sv[0], buf, sizeof buf) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);
	/* drop write interest: nothing even after the peer drains */
	assert_int_equal(loop_mod(&l, &t.io, EPOLLIN), 0);
	assert_int_equal(t.io.events, EPOLLIN);
	while (read(sv[1], buf, sizeof buf) > 0)
		;
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);
	assert_int_equal(t.calls, 1);
	close(sv[0]);
	close(sv[1]);
	loop_free(&l);
}

static void test_delete_in_batch(void **state)
{
	struct loop l;
	int a[2], b[2];
	assert_int_equal(loop_init(&l), 0);
	pair(a);
	pair(b);
	struct tio ta = { .io = { .fd = a[0], .cb = cb } };
	struct tio tb = { .io = { .fd = b[0], .cb = cb } };
	ta.victim = &tb;   /* whichever runs first deletes the other */
	tb.victim = &ta;
	assert_int_equal(loop_add(&l, &ta.io, EPOLLIN), 0);
	assert_int_equal(loop_add(&l, &tb.io, EPOLLIN), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	/* both ready in one batch; the second event must be skipped */
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 2);
	assert_int_equal(ta.calls + tb.calls, 1);
	/* the survivor still works */
	struct tio *alive = ta.calls ? &ta : &tb;
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 1);
	assert_int_equal(alive->calls, 2);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	loop_free(&l);
}

static void test_free_self_and_stop(void **state)
{
	struct loop l;
	int a[2], b[2], c[2];
	assert_int_equal(loop_init(&l), 0);
	pair(a);
	pair(b);
	pair(c);
	/* three ready ios that each free themselves (ASan checks use) */
	int total = 0;
	int *fds[] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		struct tio *t = calloc(1, sizeof *t);
		assert_non_null(t);
		t->io.fd = fds[i][0];
		t->io.cb = cb;
		t->free_self = 1;
		t->total = &total;
		assert_int_equal(loop_add(&l, &t->io, EPOLLOUT), 0);
	}
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 3);
	assert_int_equal(total, 3);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 10 * MS), 0);

	/* loop_stop from a callback ends the batch */
	struct tio t1 = { .io = { .fd = a[0], .cb = cb }, .stop = 1, .total = &total };
	struct tio t2 = { .io = { .fd = b[0], .cb = cb }, .stop = 1, .total = &total };
	total = 0;
	assert_int_equal(loop_add(&l, &t1.io, EPOLLOUT), 0);
	assert_int_equal(loop_add(&l, &t2.io, EPOLLOUT), 0);
	assert_int_equal(loop_once(&l, clock_mono_ns() + 1000 * MS), 2);
	assert_int_equal(total, 1);
	assert_int_equal(l.stop, 1);
	for (int i = 0; i < 3; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	loop_free(&l);
}

static void on_alarm(int s) { (void)s; }

static void test_timeout(void **state)
{
	struct loop l;
	assert_int_equal(loop_init(&l), 0);
	/* deadline in the past: immediate */
	int64_t t0 = clock_mono_ns();
	assert_int_equal(loop_once(&l, t0 - 1000 * MS), 0);
	assert_int_equal(loop_once(&l, 0), 0);
	assert_true(clock_mono_ns() - t0 < 500 * MS);
	/* a 50 ms deadline waits at least 50 ms (rounded up, never early) */
	t0 = clock_mono_ns();
	assert_int_equal(loop_once(&l, t0 + 50 * MS), 0);
	int64_t dt = clock_mono_ns() - t0;
	assert_true(dt >= 50 * MS);
	assert_true(dt < 2000 * MS);
	/* a signal interrupts an endless wait: 0, not an error */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(loop_once(&l, -1), 0);
	signal(SIGALRM, SIG_DFL);
	loop_free(&l);
	/* epoll fd gone: -1 */
	assert_int_equal(loop_once(&l, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_epollout),
		cmocka_unit_test(test_delete_in_batch),
		cmocka_unit_test(test_free_self_and_stop),
		cmocka_unit_test(test_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
