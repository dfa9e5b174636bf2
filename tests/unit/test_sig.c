/* Unit tests for lib/sig: flag handlers, no SA_RESTART, SIGPIPE ignored,
 * signalfd. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <cmocka.h>

#include "sig.h"
#include "helpers.h"

static void reset_flags(void)
{
	sig_int = sig_quit = sig_alrm = sig_last = 0;
}

static void test_catch_flags(void **state)
{
	sig_catch(1);
	reset_flags();
	raise(SIGINT);
	assert_int_equal(sig_int, 1);
	assert_int_equal(sig_last, SIGINT);
	assert_int_equal(sig_quit, 0);
	reset_flags();
	raise(SIGTERM);
	assert_int_equal(sig_int, 1);
	assert_int_equal(sig_last, SIGTERM);
	reset_flags();
	raise(SIGALRM);
	assert_int_equal(sig_alrm, 1);
	assert_int_equal(sig_int, 0);
	assert_int_equal(sig_last, SIGALRM);
	reset_flags();
	raise(SIGQUIT);
	assert_int_equal(sig_quit, 1);
	assert_int_equal(sig_int, 0);
	assert_int_equal(sig_last, SIGQUIT);
	reset_flags();
}

static void test_sigpipe_ignored(void **state)
{
	sig_catch(0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	/* would kill the process if SIGPIPE were not ignored */
	assert_int_equal(write(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
}

/* Blocking calls return EINTR (no SA_RESTART), so the flag is seen. */
static void test_no_restart(void **state)
{
	sig_catch(0);
	reset_flags();
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	assert_int_equal(read(p[0], &c, 1), -1);   /* would block forever */
	assert_int_equal(errno, EINTR);
	assert_int_equal(sig_alrm, 1);
	close(p[0]);
	close(p[1]);
	reset_flags();
}

static void child_quit(void *arg)
{
	struct rlimit nocore = { 0, 0 };
	setrlimit(RLIMIT_CORE, &nocore);   /* SIGQUIT's default dumps core */
	signal(SIGQUIT, SIG_DFL);   /* undo what the earlier tests installed */
	sig_catch(*(int *)arg);
	raise(SIGQUIT);
	exit(sig_quit ? 10 : 11);
}

static void test_quit_optional(void **state)
{
	struct child_result r;
	int want = 1;
	run_child(child_quit, &want, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 10);
	/* without want_quit SIGQUIT keeps its default action */
	want = 0;
	run_child(child_quit, &want, &r);
	assert_false(r.exited);
	assert_int_equal(r.signaled, SIGQUIT);
}

static void test_signalfd(void **state)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, 0 };
	int fd = sig_fd(sigs);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* nothing pending: 0 without blocking */
	assert_int_equal(sig_fd_read(fd), 0);
	/* blocked, so raise() does not kill us; it is queued on the fd */
	raise(SIGUSR1);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(sig_fd_read(fd), SIGUSR1);
	assert_int_equal(sig_fd_read(fd), 0);
	raise(SIGUSR2);
	raise(SIGUSR1);
	int a = sig_fd_read(fd), b = sig_fd_read(fd);
	assert_true((a == SIGUSR1 && b == SIGUSR2) || (a == SIGUSR2 && b == SIGUSR1));
	assert_int_equal(sig_fd_read(fd), 0);
	/* the signals are blocked for the process */
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	assert_true(sigismember(&cur, SIGUSR1));
	assert_true(sigismember(&cur, SIGUSR2));
	close(fd);
	assert_int_equal(sig_fd_read(fd), 0);   /* bad fd: "none" */
}

/* An inherited SIG_IGN (a shell's background job) must not swallow the
 * signal: sig_fd() takes the default back while the signal is blocked. */
static void child_ignored(void *arg)
{
	signal(SIGINT, SIG_IGN);
	static const int sigs[] = { SIGINT, 0 };
	int fd = sig_fd(sigs);
	raise(SIGINT);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	exit(poll(&p, 1, 1000) == 1 && sig_fd_read(fd) == SIGINT ? 10 : 11);
}

static void test_signalfd_after_ignore(void **state)
{
	struct child_result r;
	run_child(child_ignored, NULL, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 10);
}

/* sig_stop_fd(): SIGINT and SIGTERM, the stop signals of every applet */
static void child_stop(void *arg)
{
	int fd = sig_stop_fd();
	raise(SIGTERM);
	raise(SIGINT);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int a = poll(&p, 1, 1000) == 1 ? sig_fd_read(fd) : -1;
	int b = sig_fd_read(fd);
	exit(fd >= 0 && a + b == SIGINT + SIGTERM && a != b ? 10 : 11);
}

static void test_stop_fd(void **state)
{
	struct child_result r;
	run_child(child_stop, NULL, &r);
	assert_true(r.exited);
	assert_int_equal(r.code, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catch_flags),
		cmocka_unit_test(test_stop_fd),
		cmocka_unit_test(test_sigpipe_ignored),
		cmocka_unit_test(test_no_restart),
		cmocka_unit_test(test_quit_optional),
		cmocka_unit_test(test_signalfd),
		cmocka_unit_test(test_signalfd_after_ignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
