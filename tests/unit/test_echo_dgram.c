/* Unit tests for the pure parts of lib/echo_dgram: loop protection,
 * ICMP error texts, RTT formatting, the server stats line. */
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>
#include <cmocka.h>

#include "addr.h"
#include "echo_dgram.h"

static struct sb_addr inet(const char *host, uint16_t port)
{
	struct sb_addr a;

	assert_int_equal(addr_numeric(host, port, &a), 0);
	return a;
}

static void test_blocked_inet(void **state)
{
	static const struct {
		const char *src;
		uint16_t sport;
		const char *self;   /* NULL: no self check */
		uint16_t selfport;
		int want;
	} cases[] = {
		{ "127.0.0.1", 40000, NULL, 0, 0 },
		{ "127.0.0.1", 0, NULL, 0, 1 },
		{ "127.0.0.1", 7, NULL, 0, 1 },
		{ "127.0.0.1", 13, NULL, 0, 1 },
		{ "127.0.0.1", 19, NULL, 0, 1 },
		{ "127.0.0.1", 37, NULL, 0, 1 },
		{ "127.0.0.1", 8, NULL, 0, 0 },
		{ "127.0.0.1", 53, NULL, 0, 0 },
		{ "::1", 7, NULL, 0, 1 },
		{ "::1", 7777, NULL, 0, 0 },
		{ "127.0.0.1", 5000, "127.0.0.1", 5000, 1 },   /* ourselves */
		{ "127.0.0.1", 5000, "127.0.0.2", 5000, 0 },
		{ "127.0.0.1", 5001, "127.0.0.1", 5000, 0 },
		{ "::1", 5000, "::1", 5000, 1 },
		{ "::ffff:127.0.0.1", 5000, "::ffff:127.0.0.1", 5000, 1 },
		{ "::ffff:127.0.0.1", 5000, "127.0.0.1", 5000, 0 }, /* family differs */
		{ "::ffff:127.0.0.1", 19, "::1", 5000, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_addr s = inet(cases[i].src, cases[i].sport), me;
		int got;

		if (cases[i].self) {
			me = inet(cases[i].self, cases[i].selfport);
			got = echo_dgram_blocked((struct sockaddr *)&s.ss, s.len,
			                         (struct sockaddr *)&me.ss, me.len);
		} else {
			got = echo_dgram_blocked((struct sockaddr *)&s.ss, s.len, NULL, 0);
		}
		if (got != cases[i].want)
			fail_msg("case %zu (%s port %u): got %d", i, cases[i].src,
			         cases[i].sport, got);
	}
}

static void test_blocked_unix(void **state)
{
	struct sb_addr a, b, c;
	struct sockaddr_un unnamed = { .sun_family = AF_UNIX };

	(void)state;
	assert_int_equal(addr_unix("/tmp/client.sock", &a), 0);
	assert_int_equal(addr_unix("/tmp/server.sock", &b), 0);
	assert_int_equal(addr_unix("@srv", &c), 0);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&a.ss, a.len,
	                                    (struct sockaddr *)&b.ss, b.len), 0);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&b.ss, b.len,
	                                    (struct sockaddr *)&b.ss, b.len), 1);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&c.ss, c.len,
	                                    (struct sockaddr *)&c.ss, c.len), 1);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&c.ss, c.len,
	                                    (struct sockaddr *)&b.ss, b.len), 0);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&a.ss, a.len,
	                                    NULL, 0), 0);
	/* unnamed sender: nowhere to reply */
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&unnamed,
	                                    sizeof(sa_family_t), NULL, 0), 1);
	assert_int_equal(echo_dgram_blocked((struct sockaddr *)&unnamed, 0,
	                                    NULL, 0), 1);
}

static void test_icmp_text(void **state)
{
	(void)state;
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 3, 3),
	                    "Destination Port Unreachable");
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 3, 1),
	                    "Destination Host Unreachable");
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 3, 13),
	                    "Packet filtered");
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 11, 0),
	                    "Time to live exceeded");
	assert_null(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 3, 16));
	assert_null(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 3, -1));
	assert_null(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP, 5, 0));
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP6, 1, 4),
	                    "Destination unreachable: Port unreachable");
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP6, 1, 3),
	                    "Destination unreachable: Address unreachable");
	assert_string_equal(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP6, 2, 0),
	                    "Packet too big");
	assert_null(echo_dgram_icmp_text(SO_EE_ORIGIN_ICMP6, 1, 7));
	assert_null(echo_dgram_icmp_text(SO_EE_ORIGIN_LOCAL, 3, 3));
}

static void test_fmt_ms(void **state)
{
	static const struct {
		int64_t us;
		const char *want;
	} cases[] = {
		{ 0, "0.000" }, { 45, "0.045" }, { 999, "0.999" },
		{ 1000, "1.00" }, { 1234, "1.23" }, { 1235, "1.24" },
		{ 9994, "9.99" }, { 9995, "10.0" }, { 12345, "12.3" },
		{ 99949, "99.9" }, { 99950, "100" }, { 123456, "123" },
		{ 1500000, "1500" }, { -5, "0.000" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(echo_dgram_fmt_ms(cases[i].us, buf, sizeof(buf)),
		                    cases[i].want);
}

static void test_stats_format(void **state)
{
	struct echo_dgram_server_stats st = { 10, 7, 640, 448, 1, 1, 1 };
	char buf[256];

	(void)state;
	assert_string_equal(echo_dgram_stats_format(&st, buf, sizeof(buf)),
	                    "10 datagrams in, 7 out, 640 bytes in, 448 bytes out, "
	                    "1 truncated, 1 dropped, 1 blocked");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_inet),
		cmocka_unit_test(test_blocked_unix),
		cmocka_unit_test(test_icmp_text),
		cmocka_unit_test(test_fmt_ms),
		cmocka_unit_test(test_stats_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
