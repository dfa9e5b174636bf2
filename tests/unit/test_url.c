/* Unit tests for lib/url: parsing, bounds, formatting, RFC 3986 §5.4
 * resolution examples (adapted to an http base). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

struct parse_case {
	const char *in;
	int err;
	const char *host;
	int ipv6;
	unsigned port;
	const char *path;
	const char *formatted;
	const char *authority;
};

static const struct parse_case parse_cases[] = {
	{ "http://example.com", 0, "example.com", 0, 80, "/", "http://example.com/", "example.com" },
	{ "http://example.com/", 0, "example.com", 0, 80, "/", "http://example.com/", "example.com" },
	{ "HTTP://Example.com:8080/a/b?x=1&y=2", 0, "Example.com", 0, 8080, "/a/b?x=1&y=2",
	  "http://Example.com:8080/a/b?x=1&y=2", "Example.com:8080" },
	{ "http://127.0.0.1:80/", 0, "127.0.0.1", 0, 80, "/", "http://127.0.0.1/", "127.0.0.1" },
	{ "http://h:/p", 0, "h", 0, 80, "/p", "http://h/p", "h" },
	{ "http://h?q", 0, "h", 0, 80, "/?q", "http://h/?q", "h" },
	{ "http://h#frag", 0, "h", 0, 80, "/", "http://h/", "h" },
	{ "http://h/p?q#frag", 0, "h", 0, 80, "/p?q", "http://h/p?q", "h" },
	{ "http://[::1]:8080/x", 0, "::1", 1, 8080, "/x", "http://[::1]:8080/x", "[::1]:8080" },
	{ "http://[::1]/", 0, "::1", 1, 80, "/", "http://[::1]/", "[::1]" },
	{ "http://[fe80::1%25eth0]:81/", 0, "fe80::1%eth0", 1, 81, "/",
	  "http://[fe80::1%25eth0]:81/", "[fe80::1]:81" },
	{ "http://[::ffff:1.2.3.4]/", 0, "::ffff:1.2.3.4", 1, 80, "/", "http://[::ffff:1.2.3.4]/", "[::ffff:1.2.3.4]" },
	{ "http://h/a b\xc3\xa9", 0, "h", 0, 80, "/a%20b%C3%A9", "http://h/a%20b%C3%A9", "h" },
	{ "http://h/a/./b/../c", 0, "h", 0, 80, "/a/c", "http://h/a/c", "h" },
	{ "http://h/../../x", 0, "h", 0, 80, "/x", "http://h/x", "h" },
	{ "http://h/a/..", 0, "h", 0, 80, "/", "http://h/", "h" },
	{ "http://h/a/?/../", 0, "h", 0, 80, "/a/?/../", "http://h/a/?/../", "h" },
	{ "http://h:65535/", 0, "h", 0, 65535, "/", "http://h:65535/", "h:65535" },
	{ "http://h/%41", 0, "h", 0, 80, "/%41", "http://h/%41", "h" },
	/* https: default port 443, shown when not 443 */
	{ "https://h/", 0, "h", 0, 443, "/", "https://h/", "h" },
	{ "HTTPS://h:443/x", 0, "h", 0, 443, "/x", "https://h/x", "h" },
	{ "https://h:/x", 0, "h", 0, 443, "/x", "https://h/x", "h" },
	{ "https://h:80/", 0, "h", 0, 80, "/", "https://h:80/", "h:80" },
	{ "https://[::1]/", 0, "::1", 1, 443, "/", "https://[::1]/", "[::1]" },
	{ "https://[::1]:8443/", 0, "::1", 1, 8443, "/", "https://[::1]:8443/", "[::1]:8443" },
	/* errors */
	{ "", URL_E_SCHEME, 0, 0, 0, 0, 0, 0 },
	{ "example.com/", URL_E_SCHEME, 0, 0, 0, 0, 0, 0 },
	{ "http:/x", URL_E_SCHEME, 0, 0, 0, 0, 0, 0 },
	{ "http:", URL_E_SCHEME, 0, 0, 0, 0, 0, 0 },
	{ "httpx://h/", URL_E_UNSUPPORTED, 0, 0, 0, 0, 0, 0 },
	{ "https:/h", URL_E_SCHEME, 0, 0, 0, 0, 0, 0 },
	{ "ftp://h/", URL_E_UNSUPPORTED, 0, 0, 0, 0, 0, 0 },
	{ "http://", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http:///p", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://:80/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://h:0/", URL_E_PORT, 0, 0, 0, 0, 0, 0 },
	{ "http://h:65536/", URL_E_PORT, 0, 0, 0, 0, 0, 0 },
	{ "http://h:123456/", URL_E_PORT, 0, 0, 0, 0, 0, 0 },
	{ "http://h:8x/", URL_E_PORT, 0, 0, 0, 0, 0, 0 },
	{ "http://h:-1/", URL_E_PORT, 0, 0, 0, 0, 0, 0 },
	{ "http://u:p@h/", 0, "h", 0, 80, "/", "http://h/", "h" },
	{ "http://a@b@h:81/", 0, "h", 0, 81, "/", "http://h:81/", "h:81" },
	{ "http://u p@h/", URL_E_USERINFO, 0, 0, 0, 0, 0, 0 },
	{ "http://h_o$t/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[::1/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[::g]/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[1.2.3.4]/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[]/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[::1]x/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[::1%eth0]/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://[::1%25]/", URL_E_HOST, 0, 0, 0, 0, 0, 0 },
	{ "http://h/a\r\nX-Evil: 1", URL_E_CHAR, 0, 0, 0, 0, 0, 0 },
	{ "http://h/a\nb", URL_E_CHAR, 0, 0, 0, 0, 0, 0 },
	{ "http://h/a\tb", URL_E_CHAR, 0, 0, 0, 0, 0, 0 },
	{ "http://h/a\x7f", URL_E_CHAR, 0, 0, 0, 0, 0, 0 },
	{ "http://h\r/", URL_E_CHAR, 0, 0, 0, 0, 0, 0 },
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct url u;
		char buf[URL_PATH_MAX + 300];
		int rc = url_parse(c->in, strlen(c->in), &u);
		if (rc != c->err)
			fail_msg("case %zu \"%s\": rc %d want %d", i, c->in, rc, c->err);
		if (c->err)
			continue;
		assert_string_equal(u.host, c->host);
		assert_int_equal(u.ipv6, c->ipv6);
		assert_int_equal(u.port, c->port);
		assert_string_equal(u.path, c->path);
		assert_true(url_format(&u, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, c->formatted);
		assert_true(url_authority(&u, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, c->authority);
		/* the formatted URL parses back to the same thing */
		{
			struct url v;
			char fmt[URL_PATH_MAX + 300];
			url_format(&u, fmt, sizeof(fmt));
			assert_int_equal(url_parse(fmt, strlen(fmt), &v), 0);
			assert_string_equal(v.host, u.host);
			assert_string_equal(v.path, u.path);
			assert_int_equal(v.port, u.port);
		}
	}
}

static void test_embedded_nul(void **state)
{
	(void)state;
	struct url u;
	static const char s[] = "http://h/a\0b";
	assert_int_equal(url_parse(s, sizeof(s) - 1, &u), URL_E_CHAR);
	struct url base;
	assert_int_equal(url_parse("http://h/", 9, &base), 0);
	assert_int_equal(url_resolve(&base, "x\0y", 3, &u), URL_E_CHAR);
	assert_int_equal(url_resolve(&base, "/x\r\n", 4, &u), URL_E_CHAR);
}

static void test_bounds(void **state)
{
	(void)state;
	static char big[URL_INPUT_MAX + 100];
	struct url u;
	size_t n;

	/* host at the limit: 255 bytes ok, 256 too long */
	n = (size_t)sprintf(big, "http://");
	memset(big + n, 'a', URL_HOST_MAX - 1);
	strcpy(big + n + URL_HOST_MAX - 1, "/");
	assert_int_equal(url_parse(big, strlen(big), &u), 0);
	assert_int_equal(strlen(u.host), URL_HOST_MAX - 1);
	memset(big + n, 'a', URL_HOST_MAX);
	strcpy(big + n + URL_HOST_MAX, "/");
	assert_int_equal(url_parse(big, strlen(big), &u), URL_E_TOO_LONG);

	/* input over URL_INPUT_MAX */
	memset(big, 0, sizeof(big));
	n = (size_t)sprintf(big, "http://h/");
	memset(big + n, 'p', URL_INPUT_MAX);
	assert_int_equal(url_parse(big, strlen(big), &u), URL_E_TOO_LONG);

	/* path that only grows past the bound by percent-encoding */
	memset(big, 0, sizeof(big));
	n = (size_t)sprintf(big, "http://h/");
	memset(big + n, ' ', 3000);
	assert_int_equal(url_parse(big, strlen(big), &u), URL_E_TOO_LONG);

	/* path just under the bound */
	memset(big, 0, sizeof(big));
	n = (size_t)sprintf(big, "http://h/");
	memset(big + n, 'p', URL_PATH_MAX - 2);
	assert_int_equal(url_parse(big, strlen(big), &u), 0);
	assert_int_equal(strlen(u.path), URL_PATH_MAX - 1);
	memset(big + n, 'p', URL_PATH_MAX - 1);
	assert_int_equal(url_parse(big, strlen(big), &u), URL_E_TOO_LONG);
}

struct resolve_case {
	const char *ref;
	const char *want;   /* NULL: error expected */
};

/* RFC 3986 §5.4.1 and §5.4.2 with base http://a/b/c/d;p?q */
static const struct resolve_case resolve_cases[] = {
	{ "g", "http://a/b/c/g" },
	{ "./g", "http://a/b/c/g" },
	{ "g/", "http://a/b/c/g/" },
	{ "/g", "http://a/g" },
	{ "//g", "http://g/" },
	{ "?y", "http://a/b/c/d;p?y" },
	{ "g?y", "http://a/b/c/g?y" },
	{ "#s", "http://a/b/c/d;p?q" },
	{ "g#s", "http://a/b/c/g" },
	{ "g?y#s", "http://a/b/c/g?y" },
	{ ";x", "http://a/b/c/;x" },
	{ "g;x", "http://a/b/c/g;x" },
	{ "g;x?y#s", "http://a/b/c/g;x?y" },
	{ "", "http://a/b/c/d;p?q" },
	{ ".", "http://a/b/c/" },
	{ "./", "http://a/b/c/" },
	{ "..", "http://a/b/" },
	{ "../", "http://a/b/" },
	{ "../g", "http://a/b/g" },
	{ "../..", "http://a/" },
	{ "../../", "http://a/" },
	{ "../../g", "http://a/g" },
	{ "../../../g", "http://a/g" },
	{ "../../../../g", "http://a/g" },
	{ "/./g", "http://a/g" },
	{ "/../g", "http://a/g" },
	{ "g.", "http://a/b/c/g." },
	{ ".g", "http://a/b/c/.g" },
	{ "g..", "http://a/b/c/g.." },
	{ "..g", "http://a/b/c/..g" },
	{ "./../g", "http://a/b/g" },
	{ "./g/.", "http://a/b/c/g/" },
	{ "g/./h", "http://a/b/c/g/h" },
	{ "g/../h", "http://a/b/c/h" },
	{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ "g;x=1/../y", "http://a/b/c/y" },
	{ "g?y/./x", "http://a/b/c/g?y/./x" },
	{ "g?y/../x", "http://a/b/c/g?y/../x" },
	{ "g#s/./x", "http://a/b/c/g" },
	{ "g#s/../x", "http://a/b/c/g" },
	{ "http:g", NULL },   /* strict parsers treat this as absolute */
	{ "HTTP://other:81/z", "http://other:81/z" },
	{ "http://[::1]:9/z?q", "http://[::1]:9/z?q" },
	{ "//[::1]/", "http://[::1]/" },
	{ "https://secure/", "https://secure/" },
	{ "HTTPS://secure:8443/p", "https://secure:8443/p" },
	{ "g:h", NULL },
	{ "a b", "http://a/b/c/a%20b" },
};

static void test_resolve_table(void **state)
{
	(void)state;
	struct url base, out;
	char buf[URL_PATH_MAX + 300];

	assert_int_equal(url_parse("http://a/b/c/d;p?q", 18, &base), 0);
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		int rc = url_resolve(&base, c->ref, strlen(c->ref), &out);
		if (!c->want) {
			if (rc == 0)
				fail_msg("ref \"%s\": expected an error", c->ref);
			continue;
		}
		if (rc != 0)
			fail_msg("ref \"%s\": rc %d", c->ref, rc);
		url_format(&out, buf, sizeof(buf));
		if (strcmp(buf, c->want) != 0)
			fail_msg("ref \"%s\": got %s want %s", c->ref, buf, c->want);
	}
}

static void test_resolve_keeps_port(void **state)
{
	(void)state;
	struct url base, out;
	char buf[512];
	assert_int_equal(url_parse("http://[::1]:8080/dir/x", 23, &base), 0);
	assert_int_equal(url_resolve(&base, "y?z", 3, &out), 0);
	url_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, "http://[::1]:8080/dir/y?z");
	assert_int_equal(url_resolve(&base, "/", 1, &out), 0);
	url_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, "http://[::1]:8080/");
}

/* "//host" keeps the base's scheme; an absolute URL switches it. */
static void test_resolve_scheme_switch(void **state)
{
	(void)state;
	struct url base, out;
	char buf[512];
	assert_int_equal(url_parse("https://a:8443/x", 16, &base), 0);
	assert_int_equal(url_resolve(&base, "//b/y", 5, &out), 0);
	url_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, "https://b/y");
	assert_int_equal(url_resolve(&base, "/z", 2, &out), 0);
	url_format(&out, buf, sizeof(buf));
	assert_string_equal(buf, "https://a:8443/z");
	assert_int_equal(url_resolve(&base, "http://c/", 9, &out), 0);
	assert_int_equal(out.https, 0);
	assert_int_equal(out.port, 80);
}

static void test_format_small_buffer(void **state)
{
	(void)state;
	struct url u;
	char buf[8];
	assert_int_equal(url_parse("http://example.com/", 19, &u), 0);
	assert_int_equal(url_format(&u, buf, sizeof(buf)), -1);
	assert_int_equal(url_authority(&u, buf, sizeof(buf)), -1);
	assert_non_null(url_strerror(URL_E_CHAR));
	assert_non_null(url_strerror(12345));
}

static void test_remote_name(void **state)
{
	(void)state;
	static const struct { const char *url; const char *name; } cases[] = {
		{ "http://h/a/b.tar.gz?x=1", "b.tar.gz" },
		{ "http://h/file", "file" },
		{ "http://h/dir/%2e%2e", "%2e%2e" },   /* not decoded: a plain name */
		{ "http://h/", NULL },
		{ "http://h", NULL },
		{ "http://h/dir/", NULL },
		{ "http://h/dir/?q", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct url u;
		char buf[64];
		assert_int_equal(url_parse(cases[i].url, strlen(cases[i].url), &u), 0);
		int r = url_remote_name(&u, buf, sizeof buf);
		if (cases[i].name) {
			assert_int_equal(r, 0);
			assert_string_equal(buf, cases[i].name);
		} else {
			assert_int_equal(r, -1);
		}
	}
	/* "." and ".." cannot survive url_parse; check the function alone */
	struct url u;
	char buf[4];
	memset(&u, 0, sizeof u);
	strcpy(u.path, "/a/..");
	assert_int_equal(url_remote_name(&u, buf, sizeof buf), -1);
	strcpy(u.path, "/a/.");
	assert_int_equal(url_remote_name(&u, buf, sizeof buf), -1);
	strcpy(u.path, "/a/long");
	assert_int_equal(url_remote_name(&u, buf, sizeof buf), -1);  /* too long */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_resolve_keeps_port),
		cmocka_unit_test(test_resolve_scheme_switch),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_remote_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
