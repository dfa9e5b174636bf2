/* Unit tests for lib/err: message format, one write per message,
 * truncation, errno preservation, exit codes. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "helpers.h"

/* stderr replaced by a packet-mode pipe: every write(2) is one packet,
 * so each read returns exactly what one write wrote. */
struct capture { int saved, rd; };

static void cap_start(struct capture *c)
{
	int p[2];
	assert_int_equal(pipe2(p, O_DIRECT | O_NONBLOCK), 0);
	c->saved = dup(2);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(p[1], 2), 2);
	close(p[1]);
	c->rd = p[0];
}

/* Next packet into buf (NUL-terminated); returns its length or -1. */
static ssize_t cap_packet(struct capture *c, char *buf, size_t sz)
{
	ssize_t n = read(c->rd, buf, sz - 1);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

static void cap_end(struct capture *c)
{
	dup2(c->saved, 2);
	close(c->saved);
	close(c->rd);
}

static void test_format(void **state)
{
	struct capture c;
	char buf[4096];
	applet_name = "tcp-echo";
	cap_start(&c);

	err_msg("listening on %s:%d", "127.0.0.1", 80);
	ssize_t n = cap_packet(&c, buf, sizeof buf);
	assert_string_equal(buf, "tcp-echo: listening on 127.0.0.1:80\n");
	assert_int_equal(n, strlen(buf));

	errno = ENOENT;
	err_sys("open %s", "/nope");
	assert_int_equal(errno, ENOENT);     /* preserved */
	cap_packet(&c, buf, sizeof buf);
	assert_string_equal(buf, "tcp-echo: open /nope: No such file or directory\n");

	errno = EINTR;
	err_num(ECONNREFUSED, "connect %s", "[::1]:7");
	assert_int_equal(errno, EINTR);      /* untouched */
	cap_packet(&c, buf, sizeof buf);
	assert_string_equal(buf, "tcp-echo: connect [::1]:7: Connection refused\n");

	errno = EPERM;
	err_msg("plain");
	assert_int_equal(errno, EPERM);
	cap_packet(&c, buf, sizeof buf);
	assert_string_equal(buf, "tcp-echo: plain\n");

	/* nothing else was written */
	assert_int_equal(cap_packet(&c, buf, sizeof buf), -1);
	cap_end(&c);
}

static void test_truncation(void **state)
{
	struct capture c;
	char buf[8192], msg[6000];
	applet_name = "app";           /* "app: " is 5 bytes */
	cap_start(&c);

	/* the longest message that fits: 5 + 1017 + '\n' = ERR_MAX - 1 */
	memset(msg, 'a', 1017);
	msg[1017] = 0;
	err_msg("%s", msg);
	ssize_t n = cap_packet(&c, buf, sizeof buf);
	assert_int_equal(n, ERR_MAX - 1);
	assert_memory_equal(buf, "app: aaa", 8);
	assert_int_equal(buf[n - 2], 'a');
	assert_int_equal(buf[n - 1], '\n');

	/* longer: cut, still ends with exactly one newline, one write */
	memset(msg, 'b', sizeof msg - 1);
	msg[sizeof msg - 1] = 0;
	err_msg("%s", msg);
	n = cap_packet(&c, buf, sizeof buf);
	assert_true(n > 0 && n <= ERR_MAX);
	assert_true(n >= ERR_MAX - 2);
	assert_memory_equal(buf, "app: bbb", 8);
	assert_int_equal(buf[n - 2], 'b');
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));

	/* elided in the middle, not cut: head, "...", the end */
	msg[100] = 'H';
	msg[sizeof msg - 50] = 'T';
	err_msg("%s", msg);
	n = cap_packet(&c, buf, sizeof buf);
	assert_int_equal(n, ERR_MAX - 1);
	assert_non_null(memmem(buf, (size_t)n, "H", 1));
	assert_non_null(memmem(buf, (size_t)n, "T", 1));
	assert_non_null(memmem(buf, (size_t)n, "b...b", 5));
	memset(msg, 'b', sizeof msg - 1);

	/* with strerror: the text loses its middle, the reason stays whole */
	errno = EACCES;
	err_sys("%s", msg);
	n = cap_packet(&c, buf, sizeof buf);
	assert_true(n > 0 && n <= ERR_MAX - 1);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));
	assert_memory_equal(buf + n - 20, ": Permission denied\n", 20);

	/* message just short enough that strerror would have been cut */
	memset(msg, 'c', 1010);
	msg[1010] = 0;
	err_num(EACCES, "%s", msg);
	n = cap_packet(&c, buf, sizeof buf);
	assert_true(n > 0 && n <= ERR_MAX - 1);
	assert_memory_equal(buf + n - 20, ": Permission denied\n", 20);
	assert_non_null(memmem(buf, (size_t)n, "c...c", 5));

	/* a long applet name cannot overflow either */
	static char longname[3000];
	memset(longname, 'n', sizeof longname - 1);
	applet_name = longname;
	err_sys("x");
	n = cap_packet(&c, buf, sizeof buf);
	assert_true(n > 0 && n <= ERR_MAX);
	assert_int_equal(buf[n - 1], '\n');
	applet_name = "app";

	assert_int_equal(cap_packet(&c, buf, sizeof buf), -1);
	cap_end(&c);
}

static void child_die(void *arg)
{
	applet_name = "ping";
	int which = *(int *)arg;
	/* stdout pending in a buffer must come out before the message */
	setvbuf(stdout, NULL, _IOFBF, 4096);
	dup2(2, 1);
	printf("PING 127.0.0.1\n");
	errno = EHOSTUNREACH;
	if (which == 0)
		die(3, "sendto %s", "x");
	if (which == 1)
		die_sys(4, "sendto %s", "x");
	usage_error("invalid option -- '%c'", 'Z');
}

static void test_die(void **state)
{
	static const struct { int which, code; const char *text; } t[] = {
		{ 0, 3, "PING 127.0.0.1\nping: sendto x\n" },
		{ 1, 4, "PING 127.0.0.1\nping: sendto x: No route to host\n" },
		{ 2, 2, "PING 127.0.0.1\nping: invalid option -- 'Z'\n"
		        "Try 'ping --help' for more information.\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_die, (void *)&t[i].which, &r);
		assert_true(r.exited);
		assert_int_equal(r.code, t[i].code);
		assert_string_equal(r.err, t[i].text);
	}
}

static void child_usage(void *arg)
{
	applet_name = "ss";
	usage_error("unrecognized option '%s'", "--bogus");
}

/* message and hint are one write, so forked children never interleave */
static void test_usage_one_write(void **state)
{
	struct child_result r;
	run_child(child_usage, NULL, &r);
	assert_int_equal(r.code, 2);
	assert_int_equal(r.err_writes, 1);
	assert_string_equal(r.err, "ss: unrecognized option '--bogus'\n"
	                           "Try 'ss --help' for more information.\n");
	assert_int_equal(r.outlen, 0);
}

static void child_json(void *arg)
{
	int which = *(int *)arg;
	applet_name = "tcp-echo";
	dup2(2, 1);   /* the JSON line and the stderr line, in order */
	err_json(1);
	if (which == 0)
		usage_error("need HOST and \"PORT\"");
	if (which == 1) {
		errno = EACCES;
		die_sys(2, "bind");
	}
	die_as("resolve", 2, "%s: %s", "nohost", "Name or service not known");
}

/* under --json, set-up failures also write one "error" line on stdout */
static void test_json_error_line(void **state)
{
	static const struct { int which; const char *text; } t[] = {
		{ 0, "{\"type\":\"error\",\"code\":\"usage\",\"message\":"
		     "\"need HOST and \\\"PORT\\\"\",\"exit\":2}\n"
		     "tcp-echo: need HOST and \"PORT\"\n"
		     "Try 'tcp-echo --help' for more information.\n" },
		{ 1, "{\"type\":\"error\",\"code\":\"permission\",\"message\":"
		     "\"bind: Permission denied\",\"exit\":2}\n"
		     "tcp-echo: bind: Permission denied\n" },
		{ 2, "{\"type\":\"error\",\"code\":\"resolve\",\"message\":"
		     "\"nohost: Name or service not known\",\"exit\":2}\n"
		     "tcp-echo: nohost: Name or service not known\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_json, (void *)&t[i].which, &r);
		assert_int_equal(r.code, 2);
		assert_string_equal(r.err, t[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_die),
		cmocka_unit_test(test_usage_one_write),
		cmocka_unit_test(test_json_error_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
