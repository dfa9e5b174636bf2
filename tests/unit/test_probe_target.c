/* Unit tests for lib/probe_target: target URLs, target-file lines, escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probe_target.h"

struct url_case {
	const char *s;
	int ret;
	enum pt_scheme scheme;
	const char *host;
	uint16_t port;
	const char *path;
};

static void test_urls(void **state)
{
	static const struct url_case t[] = {
		{ "tcp://127.0.0.1:5432", PT_OK, PT_TCP, "127.0.0.1", 5432, "" },
		{ "TCP://db.example:1/", PT_OK, PT_TCP, "db.example", 1, "" },
		{ "tcp://[::1]:80", PT_OK, PT_TCP, "::1", 80, "" },
		{ "udp://localhost:7", PT_OK, PT_UDP, "localhost", 7, "" },
		{ "unix:///run/app.sock", PT_OK, PT_UNIX, "/run/app.sock", 0, "" },
		{ "unix://@abstract", PT_OK, PT_UNIX, "@abstract", 0, "" },
		{ "icmp://10.0.0.1", PT_OK, PT_ICMP, "10.0.0.1", 0, "" },
		{ "icmp://[fe80::1%eth0]", PT_OK, PT_ICMP, "fe80::1%eth0", 0, "" },
		{ "http://h", PT_OK, PT_HTTP, "h", 80, "/" },
		{ "http://h:8080/health?x=1#frag", PT_OK, PT_HTTP, "h", 8080, "/health?x=1" },
		{ "http://h?q", PT_OK, PT_HTTP, "h", 80, "/?q" },
		{ "https://h/", PT_OK, PT_HTTPS, "h", 443, "/" },
		{ "https://[::1]:8443/x", PT_OK, PT_HTTPS, "::1", 8443, "/x" },
		{ "tcp://h", PT_E_PORT, 0, NULL, 0, NULL },
		{ "tcp://h:", PT_E_PORT, 0, NULL, 0, NULL },
		{ "tcp://h:0", PT_E_PORT, 0, NULL, 0, NULL },
		{ "tcp://h:65536", PT_E_PORT, 0, NULL, 0, NULL },
		{ "tcp://h:12ab", PT_E_PORT, 0, NULL, 0, NULL },
		{ "tcp://h:80/x", PT_E_PATH, 0, NULL, 0, NULL },
		{ "icmp://h:80", PT_E_PORT, 0, NULL, 0, NULL },
		{ "icmp://h/x", PT_E_PATH, 0, NULL, 0, NULL },
		{ "tcp://:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://[::1:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://[]:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://[1.2.3.4]:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://[::1]x:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://h$t:80", PT_E_HOST, 0, NULL, 0, NULL },
		{ "tcp://u@h:80", PT_E_USERINFO, 0, NULL, 0, NULL },
		{ "http://h/a b", PT_E_CHAR, 0, NULL, 0, NULL },
		{ "http://h/a\r\nX: y", PT_E_CHAR, 0, NULL, 0, NULL },
		{ "ftp://h", PT_E_SCHEME, 0, NULL, 0, NULL },
		{ "h:80", PT_E_SCHEME, 0, NULL, 0, NULL },
		{ "", PT_E_SCHEME, 0, NULL, 0, NULL },
		{ "unix://", PT_E_PATH, 0, NULL, 0, NULL },
		{ "unix://relative", PT_E_PATH, 0, NULL, 0, NULL },
		{ "unix://@", PT_E_PATH, 0, NULL, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pt_target pt;
		int r = pt_parse_url(t[i].s, &pt);
		if (r != t[i].ret)
			fail_msg("%s: %d, want %d", t[i].s, r, t[i].ret);
		if (r)
			continue;
		assert_int_equal(pt.scheme, t[i].scheme);
		assert_string_equal(pt.host, t[i].host);
		assert_int_equal(pt.port, t[i].port);
		assert_string_equal(pt.path, t[i].path);
		assert_true(pt.timeout_ns < 0 && pt.max_rtt_ns < 0);
		assert_true(pt.send_len < 0 && pt.expect_len < 0);
	}
	assert_int_equal(pt_parse_url(NULL, &(struct pt_target){ 0 }), PT_E_SCHEME);
}

static void test_long(void **state)
{
	static char s[PT_PATH_MAX + 16];
	struct pt_target pt;
	(void)state;
	strcpy(s, "tcp://");
	memset(s + 6, 'a', PT_HOST_MAX);
	strcpy(s + 6 + PT_HOST_MAX, ":80");
	assert_int_equal(pt_parse_url(s, &pt), PT_E_TOO_LONG);
	strcpy(s, "unix:///");
	memset(s + 8, 'a', 120);
	s[128] = 0;
	assert_int_equal(pt_parse_url(s, &pt), PT_E_TOO_LONG);
	strcpy(s, "http://h/");
	memset(s + 9, 'a', PT_PATH_MAX);
	s[9 + PT_PATH_MAX] = 0;
	assert_int_equal(pt_parse_url(s, &pt), PT_E_TOO_LONG);
}

static void test_lines(void **state)
{
	struct pt_target pt;
	const char *where;
	(void)state;
	assert_int_equal(pt_parse_line("", &pt, NULL), PT_E_EMPTY);
	assert_int_equal(pt_parse_line("   \t ", &pt, NULL), PT_E_EMPTY);
	assert_int_equal(pt_parse_line("# tcp://h:1", &pt, NULL), PT_E_EMPTY);
	assert_int_equal(pt_parse_line("  # comment", &pt, NULL), PT_E_EMPTY);

	assert_int_equal(pt_parse_line("  tcp://db:5432 timeout=2s max-rtt=150ms # db\r",
	                               &pt, NULL), PT_OK);
	assert_string_equal(pt.host, "db");
	assert_int_equal(pt.timeout_ns, 2000000000LL);
	assert_int_equal(pt.max_rtt_ns, 150000000LL);

	assert_int_equal(pt_parse_line("tcp://r:6379 send=PING\\r\\n expect=+PONG", &pt, NULL),
	                 PT_OK);
	assert_int_equal(pt.send_len, 6);
	assert_memory_equal(pt.send, "PING\r\n", 6);
	assert_int_equal(pt.expect_len, 5);
	assert_memory_equal(pt.expect, "+PONG", 5);

	assert_int_equal(pt_parse_line("http://h/x status=200-299,301", &pt, NULL), PT_OK);
	assert_string_equal(pt.status, "200-299,301");
	assert_int_equal(pt_parse_line("unix:///s type=seqpacket", &pt, NULL), PT_OK);
	assert_int_equal(pt.unix_type, PT_UNIX_SEQPACKET);
	assert_int_equal(pt_parse_line("tcp://h:1 timeout=2", &pt, NULL), PT_OK);
	assert_int_equal(pt.timeout_ns, 2000000000LL);

	assert_int_equal(pt_parse_line("tcp://h:1 bogus=1", &pt, &where), PT_E_OPTION);
	assert_string_equal(where, "bogus=1");
	assert_int_equal(pt_parse_line("tcp://h:1 timeout", &pt, NULL), PT_E_OPTION);
	assert_int_equal(pt_parse_line("tcp://h:1 timeout=soon", &pt, NULL), PT_E_VALUE);
	assert_int_equal(pt_parse_line("tcp://h:1 timeout=0", &pt, NULL), PT_E_VALUE);
	assert_int_equal(pt_parse_line("tcp://h:1 expect=", &pt, NULL), PT_E_VALUE);
	assert_int_equal(pt_parse_line("tcp://h:1 send=\\q", &pt, NULL), PT_E_VALUE);
	assert_int_equal(pt_parse_line("tcp://h:1 status=200", &pt, NULL), PT_E_OPTION);
	assert_int_equal(pt_parse_line("tcp://h:1 type=dgram", &pt, NULL), PT_E_OPTION);
	assert_int_equal(pt_parse_line("unix:///s type=raw", &pt, NULL), PT_E_VALUE);
	assert_int_equal(pt_parse_line("tcp://h timeout=1s", &pt, &where), PT_E_PORT);
	assert_string_equal(where, "tcp://h timeout=1s");
}

static void test_unescape(void **state)
{
	char out[16];
	(void)state;
	assert_int_equal(pt_unescape("a\\r\\n\\t\\0\\s\\\\\\x41\\xfF", 21, out, sizeof out), 9);
	assert_memory_equal(out, "a\r\n\t\0 \\A\xff", 9);
	assert_int_equal(pt_unescape("\\", 1, out, sizeof out), -1);
	assert_int_equal(pt_unescape("\\x4", 3, out, sizeof out), -1);
	assert_int_equal(pt_unescape("\\xg0", 4, out, sizeof out), -1);
	assert_int_equal(pt_unescape("abc", 3, out, 2), -1);
	assert_int_equal(pt_unescape("", 0, out, 0), 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pt_scheme_name(PT_TCP), "tcp");
	assert_string_equal(pt_scheme_name(PT_HTTPS), "https");
	assert_string_equal(pt_strerror(PT_E_PORT), "missing or invalid port (1-65535)");
	assert_non_null(pt_strerror(-99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
