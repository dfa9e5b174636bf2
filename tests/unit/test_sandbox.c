/* Unit tests for lib/sys/sandbox: the allowlist each need builds (pure),
 * the Landlock rights per ABI, the directory helper; then, in forked
 * children, that sandbox_enter() really refuses what is not allowed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "err.h"
#include "helpers.h"
#include "sandbox.h"

/* Sanitizer builds allow openat and prctl (the leak checker's tracer). */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER 1
#endif
#endif

static const char *const never[] = {
	"execve", "execveat", "ptrace", "fork", "vfork", "clone3",
	"open", "creat", "mkdir", "chmod", "chown", "setuid",
	"capset", "mount", "kill", "process_vm_readv", "memfd_create",
	"prctl", "seccomp", "bpf", "link", "symlink", "unshare", NULL,
};

static void test_base_only(void **state)
{
	(void)state;
	static const char *const base[] = {
		"read", "write", "close", "epoll_wait", "clock_gettime",
		"exit_group", "rt_sigreturn", "mmap", NULL,
	};
	for (const char *const *b = base; *b; b++)
		assert_true(sandbox_allows(0, *b));
	static const char *const not_base[] = {
		"socket", "connect", "accept4", "openat", "unlink", "rename",
		"sendto", "recvfrom", "bind", NULL,
	};
	for (const char *const *b = not_base; *b; b++)
		assert_false(sandbox_allows(0, *b));
}

static void test_never_allowed(void **state)
{
	(void)state;
	for (const char *const *n = never; *n; n++)
		assert_false(sandbox_allows(SBX_NEEDS_ALL & ~SBX_DIR_CAPS, *n));
	/* capset only where root keeps its DAC override for a last step */
	assert_true(sandbox_allows(SBX_DIR_CAPS, "capset"));
	assert_false(sandbox_allows(SBX_DIR_CAPS, "execve"));
	/* clone only for threads (CLONE_THREAD); clone3 is never allowed,
	 * it fails ENOSYS so that glibc falls back to clone */
	unsigned no_threads = SBX_NEEDS_ALL & ~(unsigned)(SBX_DIR_CAPS | SBX_THREADS);
	assert_false(sandbox_allows(no_threads, "clone"));
	assert_true(sandbox_allows(SBX_THREADS, "clone"));
	/* fchown only for the output file's owner in its directory */
	assert_false(sandbox_allows(no_threads & ~(unsigned)SBX_OUTPUT_DIR, "fchown"));
	assert_true(sandbox_allows(SBX_OUTPUT_DIR, "fchown"));
	/* -p reads /proc/PID/fd links; nothing else reads links */
	assert_true(sandbox_allows(SBX_PROC_OWNERS, "readlinkat"));
	assert_false(sandbox_allows(SBX_NEEDS_ALL & ~(unsigned)SBX_PROC_OWNERS, "readlinkat"));
}

static void test_needs_add_their_calls(void **state)
{
	(void)state;
	assert_true(sandbox_allows(SBX_STREAM_SERVER, "accept4"));
	assert_false(sandbox_allows(SBX_STREAM_SERVER, "connect"));
	assert_false(sandbox_allows(SBX_STREAM_SERVER, "socket"));
	assert_true(sandbox_allows(SBX_DGRAM, "sendmmsg"));
	assert_false(sandbox_allows(SBX_DGRAM, "connect"));
	assert_true(sandbox_allows(SBX_DGRAM | SBX_RECONNECT, "connect"));
	assert_false(sandbox_allows(SBX_DGRAM | SBX_RECONNECT, "socket"));
	assert_true(sandbox_allows(SBX_CONNECT, "socket"));
	assert_true(sandbox_allows(SBX_CONNECT, "connect"));
	assert_false(sandbox_allows(SBX_CONNECT, "accept4"));
	assert_true(sandbox_allows(SBX_RESOLVER, "openat"));
	assert_true(sandbox_allows(SBX_READ_FILES, "openat"));
	assert_true(sandbox_allows(SBX_OUTPUT_DIR, "rename"));
	assert_true(sandbox_allows(SBX_OUTPUT_DIR, "unlink"));
	assert_true(sandbox_allows(SBX_REMOVE_FILE, "unlink"));
	assert_false(sandbox_allows(SBX_REMOVE_FILE, "rename"));
	assert_false(sandbox_allows(SBX_DGRAM | SBX_READ_FILES, "unlink"));
}

static void test_rules_conditions(void **state)
{
	(void)state;
	const struct sandbox_rule *r[128];
	size_t n = sandbox_rules(SBX_CONNECT | SBX_RESOLVER, r, 128);
	assert_true(n <= 128);
	int inet = 0, inet6 = 0, unx = 0, nl = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i]->name, "socket"))
			continue;
		switch (r[i]->cond) {
		case SBX_SOCK_INET: inet++; break;
		case SBX_SOCK_INET6: inet6++; break;
		case SBX_SOCK_UNIX: unx++; break;
		case SBX_SOCK_NETLINK_ROUTE: nl++; break;
		default: other++; break;
		}
	}
	/* socket() only ever with a named family: never AF_PACKET */
	assert_int_equal(inet, 1);
	assert_int_equal(inet6, 1);
	assert_int_equal(unx, 1);
	assert_int_equal(nl, 1);
	assert_int_equal(other, 0);
	/* openat is read-only wherever it is allowed; mmap never executable */
	n = sandbox_rules(SBX_NEEDS_ALL, r, 128);
	for (size_t i = 0; i < n && i < 128; i++) {
		if (!strcmp(r[i]->name, "openat"))
			assert_int_equal(r[i]->cond, SBX_RDONLY);
		if (!strcmp(r[i]->name, "mmap") || !strcmp(r[i]->name, "mprotect"))
			assert_int_equal(r[i]->cond, SBX_NO_EXEC);
	}
	/* a count larger than the room is reported, nothing is written past */
	assert_true(sandbox_rules(0, r, 2) > 2);
}

static void test_fs_handled(void **state)
{
	(void)state;
	assert_true(sandbox_fs_handled(0) == 0);
	assert_true(sandbox_fs_handled(1) == 0x1fffULL);
	assert_true(sandbox_fs_handled(2) == 0x3fffULL);
	assert_true(sandbox_fs_handled(3) == 0x7fffULL);
	assert_true(sandbox_fs_handled(4) == 0x7fffULL);
	assert_true(sandbox_fs_handled(5) == 0xffffULL);
	assert_true(sandbox_fs_handled(7) == 0xffffULL);
}

static void test_dir_of(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(sandbox_dir_of("out.bin", b, sizeof b), ".");
	assert_string_equal(sandbox_dir_of("/out.bin", b, sizeof b), "/");
	assert_string_equal(sandbox_dir_of("/tmp/x/out", b, sizeof b), "/tmp/x");
	assert_string_equal(sandbox_dir_of("a/b", b, sizeof b), "a");
	assert_null(sandbox_dir_of("/a/very/long/directory/name/here/x", b, 8));
}

/* ---- in a child: the filter is real ---- */

static void child_enter_and(void *arg)
{
	const char *what = arg;
	struct sandbox_policy p = { .needs = SBX_DGRAM };
	applet_name = "unit";
	sandbox_enter(&p, 0);
	if (!strcmp(what, "socket"))
		socket(AF_PACKET, SOCK_RAW, 0);
	else if (!strcmp(what, "open"))
		open("/etc/passwd", O_RDONLY);
	else if (!strcmp(what, "prctl"))  /* not even to read a flag */
		prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L);
	else if (!strcmp(what, "write")) {
		printf("still here\n");
		fflush(stdout);
		exit(0);
	}
	exit(11);  /* the refused call returned */
}

static void test_refused_calls_exit_159(void **state)
{
	(void)state;
	static struct child_result r;
	run_child(child_enter_and, (void *)"socket", &r);
	assert_true(r.exited);
	assert_int_equal(r.code, SANDBOX_EXIT);
	char want[64];
	snprintf(want, sizeof want, "unit: sandbox: system call socket (%d) refused\n",
	         SYS_socket);
	assert_string_equal(r.err, want);
#ifndef SANITIZER
	run_child(child_enter_and, (void *)"open", &r);
	assert_int_equal(r.code, SANDBOX_EXIT);
	assert_non_null(strstr(r.err, "system call openat"));
	run_child(child_enter_and, (void *)"prctl", &r);
	assert_int_equal(r.code, SANDBOX_EXIT);
	snprintf(want, sizeof want, "unit: sandbox: system call prctl (%d) refused\n",
	         SYS_prctl);
	assert_string_equal(r.err, want);
#endif
	run_child(child_enter_and, (void *)"write", &r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "still here\n");
}

static void child_disabled(void *arg)
{
	(void)arg;
	struct sandbox_policy p = { .needs = 0 };
	sandbox_disable();
	sandbox_enter(&p, 0);
	int fd = open("/dev/null", O_RDONLY);
	exit(fd >= 0 && prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) == 0 ? 0 : 12);
}

static void test_disabled(void **state)
{
	(void)state;
	static struct child_result r;
	run_child(child_disabled, NULL, &r);
	assert_int_equal(r.code, 0);
}

/* SBX_THREADS: a thread starts (clone3 fails ENOSYS, glibc falls back to
 * clone with CLONE_THREAD); fork() (clone without it) is refused; without
 * the need, clone3 itself is refused. */
static void *thread_fn(void *arg)
{
	return arg;
}

static void child_threads(void *arg)
{
	const char *what = arg;
	struct sandbox_policy p = { .needs = strcmp(what, "none") ? SBX_THREADS : 0 };
	applet_name = "unit";
	sandbox_enter(&p, 0);
	if (!strcmp(what, "fork")) {
		pid_t pid = fork();
		exit(pid == 0 ? 0 : 13);  /* the refused call returned */
	}
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, thread_fn, (void *)"x") != 0)
		exit(14);
	pthread_join(t, &ret);
	exit(ret ? 0 : 15);
}

static void test_threads(void **state)
{
	(void)state;
	static struct child_result r;
	run_child(child_threads, (void *)"thread", &r);
	assert_int_equal(r.code, 0);
#ifndef SANITIZER
	/* (sanitizer builds allow clone for the leak checker's tracer) */
	run_child(child_threads, (void *)"fork", &r);
	assert_int_equal(r.code, SANDBOX_EXIT);
	assert_non_null(strstr(r.err, "system call clone "));
#endif
	/* pthread_create() blocks every signal around clone3: a SIGSYS the
	 * filter raises then kills the process (the kernel cannot deliver a
	 * blocked forced signal to a handler); a shell still reports 159 */
	run_child(child_threads, (void *)"none", &r);
	assert_true(r.signaled == SIGSYS ||
	            (r.code == SANDBOX_EXIT && strstr(r.err, "system call clone3 ")));
}

/* exec_after (probe -- COMMAND): capabilities only, no NoNewPrivs or
 * filter for the command to inherit */
static void child_exec_after(void *arg)
{
	(void)arg;
	struct sandbox_policy p = { .needs = 0, .exec_after = 1 };
	sandbox_enter(&p, 0);
	int fd = open("/dev/null", O_RDONLY);
	exit(fd >= 0 && prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) == 0 ? 0 : 12);
}

static void test_exec_after(void **state)
{
	(void)state;
	static struct child_result r;
	run_child(child_exec_after, NULL, &r);
	assert_int_equal(r.code, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_only),
		cmocka_unit_test(test_never_allowed),
		cmocka_unit_test(test_needs_add_their_calls),
		cmocka_unit_test(test_rules_conditions),
		cmocka_unit_test(test_fs_handled),
		cmocka_unit_test(test_dir_of),
		cmocka_unit_test(test_refused_calls_exit_159),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_exec_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
