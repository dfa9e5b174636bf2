/* Unit tests for services: /etc/services lines (comments, aliases, udp
 * lines, the first name winning, malformed lines), the ephemeral range
 * left numeric as ss leaves it, and the bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

static const char text[] =
	"# Network services, Internet style\n"
	"tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n"
	"ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
	"domain\t\t53/tcp\n"
	"domain\t\t53/udp\n"
	"http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
	"www-alt\t\t80/tcp\n"                     /* a later name loses */
	"ntp\t\t123/udp\n"                        /* udp only: no name */
	"bad\t\t99999/tcp\n"
	"alsobad\t\t/tcp\n"
	"tcpx\t\t70/tcpx\n"
	"postgresql\t5432/tcp\t\tpostgres\n"
	"x11\t\t6000/tcp\t\tx11-0\n"
	"eph\t\t40000/tcp\n"
	"last\t\t7/tcp";                          /* no final newline */

static void test_parse(void **st)
{
	(void)st;
	struct services *sv = malloc(sizeof *sv);
	assert_non_null(sv);
	services_init(sv);
	assert_int_equal(services_parse(sv, text, strlen(text)), 8);
	assert_string_equal(services_name(sv, 22), "ssh");
	assert_string_equal(services_name(sv, 80), "http");
	assert_string_equal(services_name(sv, 53), "domain");
	assert_string_equal(services_name(sv, 7), "last");
	assert_null(services_name(sv, 123));
	assert_null(services_name(sv, 70));
	assert_null(services_name(sv, 0));
	assert_null(services_name(sv, 81));
	/* default range 1024-4999 (ss's when /proc says nothing) */
	assert_string_equal(services_name(sv, 5432), "postgresql");
	assert_string_equal(services_name(sv, 40000), "eph");
	const char r[] = "32768\t60999\n";
	assert_int_equal(services_set_ephemeral(sv, r, strlen(r)), 0);
	assert_null(services_name(sv, 40000));
	assert_string_equal(services_name(sv, 6000), "x11");
	assert_int_equal(services_set_ephemeral(sv, "7 x", 3), -1);
	assert_int_equal(services_set_ephemeral(sv, "9 8", 3), -1);
	assert_null(services_name(sv, 40000));    /* the range is kept */
	free(sv);
}

static void test_bounds(void **st)
{
	(void)st;
	struct services *sv = malloc(sizeof *sv);
	assert_non_null(sv);
	services_init(sv);
	/* more ports than the table holds, and a name too long */
	size_t cap = 200000, n = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	for (int p = 1; p <= 3000; p++)
		n += (size_t)snprintf(big + n, cap - n, "s%d %d/tcp\n", p, p);
	n += (size_t)snprintf(big + n, cap - n, "%s 9999/tcp\n",
	                      "a-name-that-is-longer-than-thirty-one-bytes");
	assert_int_equal(services_parse(sv, big, n), SERVICES_MAX);
	assert_string_equal(services_name(sv, 1000), "s1000");
	free(big);
	free(sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
