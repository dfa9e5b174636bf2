/* Unit tests for lib/probe_render: text, JSON Lines, TAP 13 and JUnit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probe_render.h"

static const struct pr_result ok_r = {
	"tcp://127.0.0.1:80", "tcp", "127.0.0.1:80", 1, 0, 1234567, 2000000,
	NULL, NULL, 1, -1,
};
static const struct pr_result bad_r = {
	"http://h/<x>&\"'", "http", NULL, 0, 0, 500000, 600000,
	"status 500, expected 200-299", "http_status", 3, 500,
};
static const struct pr_result skip_r = {
	"udp://h:7", "udp", NULL, 0, 1, -1, -1, "not needed (--any)", "skipped", 0, -1,
};

static void test_text(void **state)
{
	struct pr_buf b = { 0 };
	(void)state;
	pr_text_result(&b, &ok_r, 20);
	pr_text_result(&b, &bad_r, 0);
	pr_text_result(&b, &skip_r, 0);
	assert_string_equal(b.buf,
		"ok    tcp://127.0.0.1:80    1.235 ms\n"
		"FAIL  http://h/<x>&\"'  status 500, expected 200-299 (0.500 ms), 3 attempts\n"
		"skip  udp://h:7  not needed (--any)\n");
	pr_buf_reset(&b);
	/* --invert: a pass that says how the target was seen down */
	struct pr_result down = ok_r;
	down.reason = "down: Connection refused";
	pr_text_result(&b, &down, 0);
	assert_string_equal(b.buf, "ok    tcp://127.0.0.1:80  down: Connection refused (1.235 ms)\n");
	pr_buf_reset(&b);
	pr_json_result(&b, &down);
	assert_non_null(strstr(b.buf, "\"ok\":true,"));
	assert_non_null(strstr(b.buf, "\"reason\":\"down: Connection refused\",\"error\":null}"));
	pr_buf_reset(&b);
	struct pr_summary s = { 3, 1, 1, 1, 4, 1, 1, 1.0, 1.0, 1.0, 0.0, 1500000000, 1 };
	pr_text_summary(&b, &s);
	assert_string_equal(b.buf, "3 targets: 1 passed, 1 failed, 1 skipped in 1.500 s\n");
	pr_buf_free(&b);
}

static void test_json(void **state)
{
	struct pr_buf b = { 0 };
	(void)state;
	pr_json_start(&b, 3, "wait", 1, 0, 256);
	assert_string_equal(b.buf,
		"{\"type\":\"start\",\"schema\":1,\"applet\":\"probe\",\"targets\":3,"
		"\"mode\":\"wait\",\"any\":true,\"invert\":false,\"concurrency\":256}\n");
	pr_buf_reset(&b);
	pr_json_result(&b, &ok_r);
	assert_string_equal(b.buf,
		"{\"type\":\"result\",\"target\":\"tcp://127.0.0.1:80\",\"scheme\":\"tcp\","
		"\"address\":\"127.0.0.1:80\",\"ok\":true,\"skipped\":false,\"time_ms\":1.235,"
		"\"elapsed_ms\":2.000,\"attempts\":1,\"http_code\":null,\"reason\":null,"
		"\"error\":null}\n");
	pr_buf_reset(&b);
	pr_json_result(&b, &bad_r);
	assert_string_equal(b.buf,
		"{\"type\":\"result\",\"target\":\"http://h/<x>&\\\"'\",\"scheme\":\"http\","
		"\"address\":null,\"ok\":false,\"skipped\":false,\"time_ms\":0.500,"
		"\"elapsed_ms\":0.600,\"attempts\":3,\"http_code\":500,"
		"\"reason\":\"status 500, expected 200-299\",\"error\":\"http_status\"}\n");
	pr_buf_reset(&b);
	struct pr_summary s = { 2, 1, 1, 0, 4, 1, 0, 0, 0, 0, 0, 12345678, 1 };
	pr_json_summary(&b, &s);
	assert_string_equal(b.buf,
		"{\"type\":\"summary\",\"targets\":2,\"passed\":1,\"failed\":1,\"skipped\":0,"
		"\"transmitted\":4,\"received\":1,\"duplicates\":0,\"errors\":3,"
		"\"loss_pct\":75.000,\"rtt_min_ms\":null,\"rtt_avg_ms\":null,"
		"\"rtt_max_ms\":null,\"rtt_mdev_ms\":null,\"time_ms\":12.346,\"exit\":1}\n");
	pr_buf_reset(&b);
	struct pr_summary z = { 0 };
	pr_json_summary(&b, &z);
	assert_non_null(strstr(b.buf, "\"loss_pct\":0.000"));
	pr_buf_free(&b);
}

static void test_tap(void **state)
{
	struct pr_buf b = { 0 };
	(void)state;
	pr_tap_start(&b, 3);
	pr_tap_result(&b, 1, &ok_r);
	pr_tap_result(&b, 2, &bad_r);
	pr_tap_result(&b, 3, &skip_r);
	assert_string_equal(b.buf,
		"TAP version 13\n1..3\n"
		"ok 1 - tcp://127.0.0.1:80\n  ---\n  time_ms: 1.235\n  attempts: 1\n"
		"  address: \"127.0.0.1:80\"\n  ...\n"
		"not ok 2 - http://h/<x>&\"'\n  ---\n  time_ms: 0.500\n  attempts: 3\n"
		"  http_code: 500\n  reason: \"status 500, expected 200-299\"\n"
		"  error: \"http_status\"\n  ...\n"
		"ok 3 - udp://h:7 # SKIP not needed (--any)\n  ---\n  attempts: 0\n  ...\n");
	pr_buf_reset(&b);
	/* '#' in a target would start a directive */
	struct pr_result h = ok_r;
	h.target = "http://h/#frag\nx";
	pr_tap_result(&b, 1, &h);
	assert_non_null(strstr(b.buf, "ok 1 - http://h/_frag_x\n"));
	pr_buf_free(&b);
}

static void test_junit(void **state)
{
	struct pr_buf b = { 0 };
	struct pr_result r[3] = { ok_r, bad_r, skip_r };
	struct pr_summary s = { 3, 1, 1, 1, 4, 1, 0, 0, 0, 0, 0, 2500000000, 1 };
	(void)state;
	r[1].reason = "bad \x01 byte \xc3\xa9 <here>";
	pr_junit(&b, r, 3, &s);
	assert_string_equal(b.buf,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"probe\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.500\">\n"
		"  <testsuite name=\"probe\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.500\">\n"
		"    <testcase name=\"tcp://127.0.0.1:80\" classname=\"probe.tcp\" time=\"0.001235\"/>\n"
		"    <testcase name=\"http://h/&lt;x&gt;&amp;&quot;&apos;\" classname=\"probe.http\" time=\"0.000500\">\n"
		"      <failure message=\"bad ? byte ?? &lt;here&gt;\" type=\"http_status\">"
		"http://h/&lt;x&gt;&amp;&quot;&apos;: bad ? byte ?? &lt;here&gt; (3 attempts)</failure>\n"
		"    </testcase>\n"
		"    <testcase name=\"udp://h:7\" classname=\"probe.udp\" time=\"0.000000\">\n"
		"      <skipped message=\"not needed (--any)\"/>\n"
		"    </testcase>\n"
		"  </testsuite>\n</testsuites>\n");
	pr_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_tap),
		cmocka_unit_test(test_junit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
