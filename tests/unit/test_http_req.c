/* Unit tests for lib/pure/http_req: defaults, curl's -H forms (replace,
 * "Name:" removal, "Name;" empty value), Basic auth, Range, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http_req.h"

static const char *build(const struct http_req *r)
{
	static char buf[4096];
	size_t len;
	assert_int_equal(http_req_build(r, buf, sizeof buf - 1, &len), 0);
	buf[len] = '\0';
	return buf;
}

static void test_defaults(void **state)
{
	struct http_req r = { 0, "/p?q", "h:81", "ua/1", NULL, NULL, NULL, 0, NULL, 0 };
	(void)state;
	assert_string_equal(build(&r),
		"GET /p?q HTTP/1.1\r\nHost: h:81\r\nUser-Agent: ua/1\r\n"
		"Accept: */*\r\nConnection: close\r\n\r\n");
	r.head = 1;
	assert_true(strncmp(build(&r), "HEAD /p?q HTTP/1.1\r\n", 20) == 0);
}

static void test_header_forms(void **state)
{
	const char *extra[] = { "Accept:", "X-Empty;", "user-agent: mine", "X-A:  spaced ", "Host:h2" };
	struct http_req r = { 0, "/", "h", "ua/1", "http://ref/", "0-99", "Aladdin:open sesame", 19,
	                      extra, 5 };
	(void)state;
	assert_string_equal(build(&r),
		"GET / HTTP/1.1\r\n"
		"Range: bytes=0-99\r\n"
		"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
		"Referer: http://ref/\r\n"
		"Connection: close\r\n"
		"X-Empty:\r\n"
		"user-agent: mine\r\n"
		"X-A:  spaced \r\n"
		"Host:h2\r\n"
		"\r\n");
}

static void test_check(void **state)
{
	(void)state;
	assert_int_equal(http_req_check_header("X: y"), HTTP_REQ_OK);
	assert_int_equal(http_req_check_header("X:"), HTTP_REQ_OK);
	assert_int_equal(http_req_check_header("X;"), HTTP_REQ_OK);
	assert_int_equal(http_req_check_header("X; "), HTTP_REQ_OK);
	assert_int_equal(http_req_check_header("X;y"), HTTP_REQ_NO_COLON);
	assert_int_equal(http_req_check_header("NoColon"), HTTP_REQ_NO_COLON);
	assert_int_equal(http_req_check_header(": v"), HTTP_REQ_BAD_NAME);
	assert_int_equal(http_req_check_header("A B: v"), HTTP_REQ_BAD_NAME);
	assert_int_equal(http_req_check_header("X: a\r\nY: b"), HTTP_REQ_CRLF);
	assert_non_null(http_req_check_strerror(HTTP_REQ_BAD_NAME));
}

static void test_base64(void **state)
{
	char out[16];
	(void)state;
	static const struct { const char *in, *out; } v[] = {   /* RFC 4648 §10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(http_base64((const unsigned char *)v[i].in, strlen(v[i].in), out, sizeof out), 0);
		assert_string_equal(out, v[i].out);
	}
	assert_int_equal(http_base64((const unsigned char *)"foobar", 6, out, 8), -1);
}

static void test_too_long(void **state)
{
	struct http_req r = { 0, "/", "h", "ua", NULL, NULL, NULL, 0, NULL, 0 };
	char buf[40];
	size_t len;
	(void)state;
	assert_int_equal(http_req_build(&r, buf, sizeof buf, &len), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_header_forms),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
