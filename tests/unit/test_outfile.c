/* Unit tests for lib/sys/outfile: new and replaced files, symlinks,
 * in-place devices, abort leaves nothing, unwritable files refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_outfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", dir, name);
}

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void slurp(const char *p, char *buf, size_t sz)
{
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sz - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void put(const char *p, const char *s, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	chmod(p, mode);
}

static void write_body(struct outfile *o, const char *s)
{
	assert_int_equal(write(o->fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void test_new_file(void **state)
{
	struct outfile o;
	char p[128], buf[64];
	struct stat st;
	(void)state;
	path(p, sizeof p, "new");
	assert_int_equal(outfile_open(&o, p), 0);
	assert_false(o.in_place);
	write_body(&o, "body");
	assert_int_equal(entries(), 0);   /* unnamed until commit */
	assert_int_equal(outfile_commit(&o), 0);
	slurp(p, buf, sizeof buf);
	assert_string_equal(buf, "body");
	assert_int_equal(stat(p, &st), 0);
	mode_t um = umask(0);
	umask(um);
	assert_int_equal(st.st_mode & 0777, 0666 & ~um);
	assert_int_equal(entries(), 1);
	unlink(p);
}

static void test_replace_keeps_mode(void **state)
{
	struct outfile o;
	char p[128], buf[64];
	struct stat st;
	(void)state;
	path(p, sizeof p, "old");
	put(p, "old", 0604);
	assert_int_equal(outfile_open(&o, p), 0);
	write_body(&o, "new");
	slurp(p, buf, sizeof buf);
	assert_string_equal(buf, "old");  /* untouched until commit */
	assert_int_equal(outfile_commit(&o), 0);
	slurp(p, buf, sizeof buf);
	assert_string_equal(buf, "new");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(entries(), 1);
	unlink(p);
}

static void test_abort_leaves_nothing(void **state)
{
	struct outfile o;
	char p[128], buf[64];
	(void)state;
	path(p, sizeof p, "keep");
	put(p, "old", 0644);
	assert_int_equal(outfile_open(&o, p), 0);
	write_body(&o, "partial");
	outfile_abort(&o);
	outfile_abort(&o);   /* twice is harmless */
	slurp(p, buf, sizeof buf);
	assert_string_equal(buf, "old");
	assert_int_equal(entries(), 1);
	unlink(p);
}

static void test_symlink_followed(void **state)
{
	struct outfile o;
	char p[128], l1[128], l2[128], buf[64];
	struct stat st;
	(void)state;
	path(p, sizeof p, "target");
	path(l1, sizeof l1, "link1");
	path(l2, sizeof l2, "link2");
	put(p, "old", 0640);
	assert_int_equal(symlink("target", l1), 0);
	assert_int_equal(symlink(l1, l2), 0);   /* absolute, two hops */
	assert_int_equal(outfile_open(&o, l2), 0);
	write_body(&o, "via link");
	assert_int_equal(outfile_commit(&o), 0);
	assert_int_equal(lstat(l2, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(l1, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	slurp(p, buf, sizeof buf);
	assert_string_equal(buf, "via link");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	unlink(l1);
	unlink(l2);
	unlink(p);
}

static void test_symlink_loop(void **state)
{
	struct outfile o;
	char a[128], b[128];
	(void)state;
	path(a, sizeof a, "a");
	path(b, sizeof b, "b");
	assert_int_equal(symlink("b", a), 0);
	assert_int_equal(symlink("a", b), 0);
	assert_int_equal(outfile_open(&o, a), -1);
	assert_int_equal(errno, ELOOP);
	outfile_abort(&o);
	unlink(a);
	unlink(b);
}

static void test_device_in_place(void **state)
{
	struct outfile o;
	char l[128];
	struct stat st;
	(void)state;
	path(l, sizeof l, "null");
	assert_int_equal(symlink("/dev/null", l), 0);
	assert_int_equal(outfile_open(&o, l), 0);
	assert_true(o.in_place);
	write_body(&o, "discarded");
	assert_int_equal(outfile_commit(&o), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(entries(), 1);
	unlink(l);
}

static void test_directory_refused(void **state)
{
	struct outfile o;
	(void)state;
	assert_int_equal(outfile_open(&o, dir), -1);
	assert_int_equal(errno, EISDIR);
	outfile_abort(&o);
}

static void test_missing_directory(void **state)
{
	struct outfile o;
	char p[128];
	(void)state;
	path(p, sizeof p, "no/such");
	assert_int_equal(outfile_open(&o, p), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(o.op, "create a temporary file for");
	outfile_abort(&o);
	assert_int_equal(entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_file),
		cmocka_unit_test(test_replace_keeps_mode),
		cmocka_unit_test(test_abort_leaves_nothing),
		cmocka_unit_test(test_symlink_followed),
		cmocka_unit_test(test_symlink_loop),
		cmocka_unit_test(test_device_in_place),
		cmocka_unit_test(test_directory_refused),
		cmocka_unit_test(test_missing_directory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
