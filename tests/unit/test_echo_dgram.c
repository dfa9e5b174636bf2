/* Unit tests for the pure parts of applets/echo/echo_dgram: loop protection,
 * the server stats line. */
#include <arpa/inet.h>
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
		cmocka_unit_test(test_stats_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
