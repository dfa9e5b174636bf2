/* Unit tests for uds_path: what may be done with a socket path, in a
 * private temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "uds_path.h"

static char dir[64];

static const char *P(const char *name)
{
	static char buf[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_uds_path.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A socket bound at path; listening when `listening`. */
static int bound_socket(const char *path, int type, int listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strncpy(sun.sun_path, path, sizeof sun.sun_path - 1);
	if (path[0] == '@')
		sun.sun_path[0] = 0;
	int fd = socket(AF_UNIX, type, 0);
	assert_true(fd >= 0);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	if (listening)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_free_path(void **state)
{
	(void)state;
	assert_int_equal(uds_path_prepare(P("none"), SOCK_STREAM), 0);
	assert_int_equal(uds_path_prepare("@sockbox-unit-free", SOCK_STREAM), 0);
	/* nothing there: free; bind() then reports the missing directory */
	assert_int_equal(uds_path_prepare(P("missing/dir/sock"), SOCK_STREAM), 0);
	struct uds_path up;
	assert_int_equal(uds_listen(P("missing/dir/sock"), SOCK_STREAM, -1, &up),
	                 -ENOENT);
}

static void test_not_a_socket_untouched(void **state)
{
	(void)state;
	const char *f = P("file");
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fputs("keep", fp);
	fclose(fp);
	assert_int_equal(uds_path_prepare(f, SOCK_STREAM), -EEXIST);
	struct stat st;
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(mkdir(P("d"), 0700), 0);
	assert_int_equal(uds_path_prepare(P("d"), SOCK_STREAM), -EEXIST);
	assert_int_equal(symlink(f, P("l")), 0);
	assert_int_equal(uds_path_prepare(P("l"), SOCK_STREAM), -EEXIST);
	assert_int_equal(lstat(P("l"), &st), 0);
	struct uds_path up;
	assert_int_equal(uds_listen(f, SOCK_STREAM, -1, &up), -EEXIST);
}

static void test_live_and_stale(void **state)
{
	(void)state;
	const char *s = P("live");
	int fd = bound_socket(s, SOCK_STREAM, 1);
	assert_int_equal(uds_path_prepare(s, SOCK_STREAM), -EADDRINUSE);
	/* a live socket of another type is in use too */
	assert_int_equal(uds_path_prepare(s, SOCK_SEQPACKET), -EADDRINUSE);
	close(fd);                          /* now stale: file left behind */
	struct stat st;
	assert_int_equal(lstat(s, &st), 0);
	assert_int_equal(uds_path_prepare(s, SOCK_STREAM), 0);
	assert_int_equal(lstat(s, &st), -1);   /* removed */

	/* a bound but not listening stream socket refuses: stale too */
	const char *b = P("bound");
	fd = bound_socket(b, SOCK_STREAM, 0);
	assert_int_equal(uds_path_prepare(b, SOCK_STREAM), 0);
	close(fd);

	/* datagram sockets: a bound one answers connect() */
	const char *g = P("dgram");
	fd = bound_socket(g, SOCK_DGRAM, 0);
	assert_int_equal(uds_path_prepare(g, SOCK_DGRAM), -EADDRINUSE);
	close(fd);
	assert_int_equal(uds_path_prepare(g, SOCK_DGRAM), 0);
}

static void test_listen_mode_remove(void **state)
{
	(void)state;
	struct uds_path up;
	const char *s = P("srv");
	int fd = uds_listen(s, SOCK_STREAM, 0600, &up);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(lstat(s, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	struct uds_path up2;
	assert_int_equal(uds_listen(s, SOCK_STREAM, -1, &up2), -EADDRINUSE);
	close(fd);
	uds_path_remove(&up);
	assert_int_equal(lstat(s, &st), -1);

	/* the path was replaced by someone else's file: not removed */
	fd = uds_listen(s, SOCK_SEQPACKET, 0755, &up);
	assert_true(fd >= 0);
	assert_int_equal(lstat(s, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	close(fd);
	unlink(s);
	int f = open(s, O_CREAT | O_WRONLY, 0600);
	assert_true(f >= 0);
	close(f);
	uds_path_remove(&up);
	assert_int_equal(lstat(s, &st), 0);
	unlink(s);

	/* abstract: nothing on disk, nothing to remove */
	fd = uds_listen("@sockbox-unit-abs", SOCK_STREAM, -1, &up);
	assert_true(fd >= 0);
	assert_int_equal(up.created, 0);
	assert_int_equal(uds_listen("@sockbox-unit-abs", SOCK_STREAM, -1, &up2),
	                 -EADDRINUSE);
	close(fd);
	uds_path_remove(&up);

	char longp[200];
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = 0;
	assert_int_equal(uds_listen(longp, SOCK_STREAM, -1, &up), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_path),
		cmocka_unit_test(test_not_a_socket_untouched),
		cmocka_unit_test(test_live_and_stale),
		cmocka_unit_test(test_listen_mode_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
