/* Unit tests for lib/addr: split, numeric, unix, format, equal, resolve. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>
#include <cmocka.h>

#include "addr.h"

struct split_case { const char *s; int ret; const char *host, *port; };

static void test_split(void **state)
{
	static const struct split_case t[] = {
		{ "example.com:80", 0, "example.com", "80" },
		{ "127.0.0.1:8080", 0, "127.0.0.1", "8080" },
		{ "localhost", 0, "localhost", "" },
		{ "[::1]:443", 0, "::1", "443" },
		{ "[fe80::1%lo]:22", 0, "fe80::1%lo", "22" },
		{ "[::1]", 0, "::1", "" },
		{ "::1", 0, "::1", "" },                  /* bare v6 */
		{ "fe80::1:2:3", 0, "fe80::1:2:3", "" },
		{ "::", 0, "::", "" },
		{ ":80", 0, "", "80" },                   /* wildcard host */
		{ "[]:80", 0, "", "80" },
		{ "", 0, "", "" },
		{ "host:", -EINVAL, NULL, NULL },         /* empty port */
		{ "[::1]:", -EINVAL, NULL, NULL },
		{ "[::1", -EINVAL, NULL, NULL },          /* unclosed */
		{ "[::1]80", -EINVAL, NULL, NULL },       /* junk after ] */
		{ "[::1]x:80", -EINVAL, NULL, NULL },
		{ "[::1]]:80", -EINVAL, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char host[64] = "unset", port[16] = "unset";
		int r = addr_split(t[i].s, host, sizeof host, port, sizeof port);
		if (r != t[i].ret)
			fail_msg("split '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0) {
			assert_string_equal(host, t[i].host);
			assert_string_equal(port, t[i].port);
		}
	}
	/* bounds: host and port must fit with their NUL */
	char host[8], port[6];
	assert_int_equal(addr_split("1234567:65535", host, sizeof host, port,
	                            sizeof port), 0);
	assert_string_equal(host, "1234567");
	assert_string_equal(port, "65535");
	assert_int_equal(addr_split("12345678:1", host, sizeof host, port,
	                            sizeof port), -EINVAL);
	assert_int_equal(addr_split("[1234:5678]:1", host, sizeof host, port,
	                            sizeof port), -EINVAL);
	assert_int_equal(addr_split("h:655350", host, sizeof host, port,
	                            sizeof port), -EINVAL);
	assert_int_equal(addr_split("h:1", host, 0, port, sizeof port), -EINVAL);
	assert_int_equal(addr_split("h:1", host, sizeof host, port, 0), -EINVAL);
	assert_int_equal(addr_split(NULL, host, sizeof host, port, sizeof port),
	                 -EINVAL);
}

static void test_numeric_format(void **state)
{
	struct sb_addr a;
	char buf[ADDR_STRLEN];
	assert_int_equal(addr_numeric("127.0.0.1", 80, &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(addr_port((struct sockaddr *)&a.ss), 80);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "127.0.0.1:80");
	assert_string_equal(addr_format_host((struct sockaddr *)&a.ss, buf,
	                                     sizeof buf), "127.0.0.1");
	addr_set_port((struct sockaddr *)&a.ss, 65535);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "127.0.0.1:65535");

	assert_int_equal(addr_numeric("::1", 443, &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[::1]:443");
	assert_int_equal(addr_numeric("2001:db8::a:0:0:1", 0, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[2001:db8::a:0:0:1]:0");
	assert_int_equal(addr_numeric("::ffff:198.18.0.1", 7, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[::ffff:198.18.0.1]:7");
	addr_set_port((struct sockaddr *)&a.ss, 9);
	assert_int_equal(addr_port((struct sockaddr *)&a.ss), 9);

	static const char *const bad[] = {
		"", "localhost", "1.2.3", "1.2.3.4.5", "256.0.0.1", "[::1]",
		"::1:80:", "1.2.3.4:80", " 1.2.3.4", "::g", NULL,
	};
	for (const char *const *b = bad; *b; b++)
		if (addr_numeric(*b, 1, &a) != -EINVAL)
			fail_msg("addr_numeric accepted '%s'", *b);

	/* output never overruns a small buffer */
	assert_int_equal(addr_numeric("2001:db8::1", 65535, &a), 0);
	char small[8];
	addr_format((struct sockaddr *)&a.ss, a.len, small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
	/* unknown family */
	struct sockaddr sa = { .sa_family = AF_PACKET };
	assert_string_equal(addr_format(&sa, sizeof sa, buf, sizeof buf),
	                    "(family 17)");
	assert_int_equal(addr_port(&sa), 0);
}

static void test_unix(void **state)
{
	struct sb_addr a;
	char buf[ADDR_STRLEN];
	size_t off = offsetof(struct sockaddr_un, sun_path);
	const struct sockaddr_un *un = (const void *)&a.ss;

	assert_int_equal(addr_unix("/run/x.sock", &a), 0);
	assert_int_equal(a.ss.ss_family, AF_UNIX);
	assert_int_equal(a.len, off + strlen("/run/x.sock") + 1);
	assert_string_equal(un->sun_path, "/run/x.sock");
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "/run/x.sock");

	assert_int_equal(addr_unix("@sockbox-test", &a), 0);
	assert_int_equal(a.len, off + strlen("@sockbox-test"));  /* no NUL */
	assert_int_equal(un->sun_path[0], 0);
	assert_memory_equal(un->sun_path + 1, "sockbox-test", 12);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "@sockbox-test");

	/* what the kernel returns for an unbound socket */
	struct sockaddr_un unnamed = { .sun_family = AF_UNIX };
	assert_string_equal(addr_format((struct sockaddr *)&unnamed,
	                                (socklen_t)off, buf, sizeof buf),
	                    "(unnamed)");
	/* a path the kernel reports with extra length after the NUL */
	struct sockaddr_un p = { .sun_family = AF_UNIX, .sun_path = "/a" };
	assert_string_equal(addr_format((struct sockaddr *)&p, sizeof p, buf,
	                                sizeof buf), "/a");

	/* limits: sun_path is 108 bytes; a path needs its NUL */
	char path[200];
	memset(path, 'p', sizeof path);
	path[0] = '/';
	path[sizeof un->sun_path - 1] = 0;       /* 107 chars: fits */
	assert_int_equal(addr_unix(path, &a), 0);
	assert_int_equal(strlen(un->sun_path), sizeof un->sun_path - 1);
	path[sizeof un->sun_path - 1] = 'p';
	path[sizeof un->sun_path] = 0;           /* 108 chars: too long */
	assert_int_equal(addr_unix(path, &a), -ENAMETOOLONG);
	path[150] = 0;
	assert_int_equal(addr_unix(path, &a), -ENAMETOOLONG);
	path[0] = '@';                           /* abstract, 150 */
	assert_int_equal(addr_unix(path, &a), -ENAMETOOLONG);
	path[sizeof un->sun_path - 1] = 0;       /* "@" + 106 */
	assert_int_equal(addr_unix(path, &a), 0);

	assert_int_equal(addr_unix("", &a), -EINVAL);
	assert_int_equal(addr_unix("@", &a), -EINVAL);
}

static void test_equal(void **state)
{
	struct sb_addr a, b;
	addr_numeric("127.0.0.1", 80, &a);
	addr_numeric("127.0.0.1", 80, &b);
	assert_true(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
	addr_set_port((struct sockaddr *)&b.ss, 81);
	assert_false(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
	addr_numeric("127.0.0.2", 80, &b);
	assert_false(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
	addr_numeric("::ffff:127.0.0.1", 80, &b);   /* different family */
	assert_false(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));

	addr_numeric("::1", 80, &a);
	addr_numeric("::1", 80, &b);
	/* flowinfo is not part of the identity */
	((struct sockaddr_in6 *)&b.ss)->sin6_flowinfo = htonl(5);
	assert_true(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
	addr_numeric("::2", 80, &b);
	assert_false(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
	addr_numeric("::1", 8080, &b);
	assert_false(addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
}

static void test_resolve(void **state)
{
	struct sb_addr a;
	char buf[ADDR_STRLEN];
	assert_int_equal(addr_resolve("127.0.0.1", 7, AF_UNSPEC, SOCK_STREAM, 0, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "127.0.0.1:7");
	assert_int_equal(addr_resolve("::1", 7, AF_UNSPEC, SOCK_DGRAM, 0, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[::1]:7");
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_int_equal(addr_resolve("::1", 7, AF_UNSPEC, SOCK_STREAM, 1, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[::1]:7");

	/* localhost: loopback of whichever family */
	assert_int_equal(addr_resolve("localhost", 9, AF_UNSPEC, 0, 0, &a), 0);
	addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof buf);
	assert_true(!strcmp(buf, "127.0.0.1:9") || !strcmp(buf, "[::1]:9"));
	assert_int_equal(addr_resolve("localhost", 9, AF_INET, 0, 0, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "127.0.0.1:9");
	assert_int_equal(addr_resolve("localhost", 9, AF_INET, 0, 1, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "127.0.0.1:9");

	/* passive wildcard */
	assert_int_equal(addr_resolve(NULL, 0, AF_INET, SOCK_STREAM, 1, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "0.0.0.0:0");
	assert_int_equal(addr_resolve("", 5, AF_INET6, SOCK_STREAM, 1, &a), 0);
	assert_string_equal(addr_format((struct sockaddr *)&a.ss, a.len, buf,
	                                sizeof buf), "[::]:5");
	assert_int_equal(addr_resolve(NULL, 5, AF_UNSPEC, SOCK_STREAM, 1, &a), 0);
	addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof buf);
	assert_true(!strcmp(buf, "0.0.0.0:5") || !strcmp(buf, "[::]:5"));

	/* family mismatch and bad names fail with an EAI_* code and text */
	int r = addr_resolve("127.0.0.1", 1, AF_INET6, SOCK_STREAM, 0, &a);
	assert_true(r != 0);
	assert_non_null(addr_strerror(r));
	assert_true(strlen(addr_strerror(r)) > 0);
	r = addr_resolve("::1", 1, AF_INET, SOCK_STREAM, 0, &a);
	assert_true(r != 0);
	/* (no unknown names here: resolving one would send a DNS query off
	 * the machine; tests talk to loopback only) */
	errno = ENOENT;
	assert_string_equal(addr_strerror(EAI_SYSTEM), strerror(ENOENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_numeric_format),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
