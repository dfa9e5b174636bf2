/* Unit tests for owners: the test's own sockets found in /proc/self/fd
 * (two fds on one socket listed highest fd first, the command name as
 * /proc/PID/stat gives it), a scan only when an inode is new, and the
 * sweep of inodes no longer wanted across many sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owners.h"

static uint32_t inode_of(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	return (uint32_t)st.st_ino;
}

static void test_own_socket(void **st)
{
	(void)st;
	struct owners o;
	assert_int_equal(owners_init(&o), 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	int fd2 = dup(fd);
	uint32_t ino = inode_of(fd);
	owners_begin(&o);
	assert_int_equal(owners_want(&o, ino), 0);
	assert_int_equal(owners_want(&o, 0), 0);      /* ignored */
	assert_int_equal(owners_scan(&o), 0);
	assert_int_equal(o.scans, 1);
	const struct ssfmt_owner *w = NULL;
	assert_int_equal(owners_get(&o, ino, &w), 2);
	assert_int_equal(w[0].pid, getpid());
	assert_int_equal(w[0].fd, fd2 > fd ? fd2 : fd);
	assert_int_equal(w[1].fd, fd2 > fd ? fd : fd2);
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof comm, f));
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	assert_string_equal(w[0].comm, comm);
	/* the same inode again: no new scan, the first owners kept */
	close(fd2);
	owners_begin(&o);
	assert_int_equal(owners_want(&o, ino), 0);
	assert_int_equal(owners_scan(&o), 0);
	assert_int_equal(o.scans, 1);
	assert_int_equal(owners_get(&o, ino, &w), 2);
	/* not wanted any more: forgotten */
	owners_begin(&o);
	owners_sweep(&o);
	assert_int_equal(owners_get(&o, ino, &w), 0);
	close(fd);
	owners_free(&o);
}

#define N 600

static void test_many(void **st)
{
	(void)st;
	static int fds[N];
	static uint32_t ino[N];
	struct owners o;
	assert_int_equal(owners_init(&o), 0);
	owners_begin(&o);
	for (int i = 0; i < N; i++) {
		fds[i] = socket(AF_UNIX, SOCK_DGRAM, 0);
		assert_true(fds[i] >= 0);
		ino[i] = inode_of(fds[i]);
		assert_int_equal(owners_want(&o, ino[i]), 0);
	}
	assert_int_equal(owners_scan(&o), 0);
	for (int i = 0; i < N; i++) {
		const struct ssfmt_owner *w = NULL;
		assert_int_equal(owners_get(&o, ino[i], &w), 1);
		assert_int_equal(w[0].fd, fds[i]);
	}
	/* keep every third: the sweep's shifting keeps the rest findable */
	owners_begin(&o);
	for (int i = 0; i < N; i += 3)
		owners_want(&o, ino[i]);
	owners_sweep(&o);
	for (int i = 0; i < N; i++) {
		const struct ssfmt_owner *w = NULL;
		assert_int_equal(owners_get(&o, ino[i], &w), i % 3 == 0 ? 1 : 0);
	}
	assert_int_equal(o.used, (N + 2) / 3);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	owners_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_socket),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
