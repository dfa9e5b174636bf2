/* Unit tests for lib/nsswitch: the hosts line's services as glibc reads
 * them (action groups and comments skipped, every hosts line read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "nsswitch.h"

static int parse(const char *text, char (*out)[NSS_NAME_MAX], int max)
{
	return nss_services(text, strlen(text), "hosts", out, max);
}

static void test_lines(void **st)
{
	(void)st;
	char s[8][NSS_NAME_MAX];
	const char *ubuntu =
		"# /etc/nsswitch.conf\n"
		"passwd:         files systemd\n"
		"hosts:          files mdns4_minimal [NOTFOUND=return] dns myhostname\n"
		"networks:       files\n";
	assert_int_equal(parse(ubuntu, s, 8), 4);
	assert_string_equal(s[0], "files");
	assert_string_equal(s[1], "mdns4_minimal");
	assert_string_equal(s[2], "dns");
	assert_string_equal(s[3], "myhostname");
	/* groups glued to names, comments, CRLF, tabs, no final newline */
	assert_int_equal(parse("hosts:\tresolve[!UNAVAIL=return] files # dns\r", s, 8), 2);
	assert_string_equal(s[0], "resolve");
	assert_string_equal(s[1], "files");
	/* every hosts line counts; other databases and prefixes do not */
	assert_int_equal(parse("hosts: a b\nhostsx: c\nhosts : d\n", s, 8), 3);
	assert_string_equal(s[2], "d");
	assert_int_equal(parse("hosts: a b\nhosts: c\n", s, 2), 2);
	assert_int_equal(parse("  # hosts: x\nshadow: files\n", s, 8), 0);
	assert_int_equal(parse("", s, 8), 0);
	assert_int_equal(parse("hosts:", s, 8), 0);
	/* max, and a name too long to be a module */
	assert_int_equal(parse("hosts: a b c d\n", s, 2), 2);
	assert_string_equal(s[1], "b");
	char longline[128] = "hosts: ";
	memset(longline + 7, 'x', 40);
	strcat(longline, " files");
	assert_int_equal(parse(longline, s, 8), 1);
	assert_string_equal(s[0], "files");
	/* an unclosed group swallows the rest of the line */
	assert_int_equal(parse("hosts: files [NOTFOUND=return dns\nx: y", s, 8), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
