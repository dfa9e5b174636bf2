/* Unit tests for lib/pure/writeout: variables, escapes, streams, json,
 * unknown variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "writeout.h"

struct cap {
	char out[2][2048];
	size_t len[2];
	char unknown[64];
};

static void emit(void *ctx, int stream, const char *s, size_t n)
{
	struct cap *c = ctx;
	int k = stream == 2;
	assert_true(c->len[k] + n < sizeof c->out[k]);
	memcpy(c->out[k] + c->len[k], s, n);
	c->len[k] += n;
	c->out[k][c->len[k]] = '\0';
}

static void unknown(void *ctx, const char *name, size_t n)
{
	struct cap *c = ctx;
	memcpy(c->unknown, name, n);
	c->unknown[n] = '\0';
}

static struct wo_vars sample(void)
{
	struct wo_vars v;
	memset(&v, 0, sizeof v);
	v.url = "http://h/a";
	v.url_effective = "http://h/b";
	v.method = "GET";
	v.content_type = "text/plain";
	v.remote_ip = "127.0.0.1";
	v.http_code = 200;
	v.remote_port = 8080;
	v.http_version_minor = 1;
	v.num_redirects = 1;
	v.size_download = 12;
	v.size_header = 40;
	v.time_total = 0.25;
	return v;
}

static void render(const char *fmt, const struct wo_vars *v, struct cap *c)
{
	struct wo_sink s = { emit, unknown, c };
	memset(c, 0, sizeof *c);
	writeout_render(fmt, v, &s);
}

static void test_vars(void **state)
{
	struct wo_vars v = sample();
	struct cap c;
	(void)state;
	render("%{http_code} %{response_code} %{url_effective} %{num_redirects} "
	       "%{size_download} %{remote_ip}:%{remote_port} %{content_type} "
	       "%{time_total} [%{errormsg}] %{exitcode} %{http_version}\\n", &v, &c);
	assert_string_equal(c.out[0], "200 200 http://h/b 1 12 127.0.0.1:8080 text/plain "
	                    "0.250000 [] 0 1.1\n");
	v.http_code = 0;
	render("%{http_code}", &v, &c);
	assert_string_equal(c.out[0], "000");
}

static void test_escapes_and_streams(void **state)
{
	struct wo_vars v = sample();
	struct cap c;
	(void)state;
	render("a\\tb\\r\\x%%%{stderr}err%{stdout}out%", &v, &c);
	assert_string_equal(c.out[0], "a\tb\r\\x%out%");
	assert_string_equal(c.out[1], "err");
	render("x%{nope}y", &v, &c);
	assert_string_equal(c.out[0], "xy");
	assert_string_equal(c.unknown, "nope");
	render("%{unterminated", &v, &c);
	assert_string_equal(c.out[0], "%{unterminated");
}

static void test_json(void **state)
{
	struct wo_vars v = sample();
	struct cap c;
	(void)state;
	render("%{json}", &v, &c);
	assert_non_null(strstr(c.out[0], "\"http_code\":200"));
	assert_non_null(strstr(c.out[0], "\"errormsg\":null"));
	assert_non_null(strstr(c.out[0], "\"time_total\":0.250000"));
	assert_non_null(strstr(c.out[0], "\"url_effective\":\"http://h/b\""));
	assert_true(c.out[0][0] == '{' && c.out[0][c.len[0] - 1] == '}');
	/* https: curl's %{ssl_verify_result}, 0 when verified or no TLS */
	assert_non_null(strstr(c.out[0], "\"ssl_verify_result\":0"));
	v.ssl_verify_result = 18;
	render("%{ssl_verify_result} %{time_appconnect}", &v, &c);
	assert_string_equal(c.out[0], "18 0.000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_escapes_and_streams),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
