/* Unit tests for lib/pure/probe_report: the probe family's summary text
 * (checked against pingfmt, which reproduces iputils ping byte for byte,
 * and against lines iputils 20221126 printed) and its JSON keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pingfmt.h"
#include "probe_report.h"

static void test_fmt_ms(void **st)
{
	static const struct { int64_t us; const char *want; } t[] = {
		{ -5, "0.000" }, { 0, "0.000" }, { 45, "0.045" }, { 999, "0.999" },
		{ 1000, "1.00" }, { 1005, "1.01" }, { 9994, "9.99" },
		{ 9995, "10.0" }, { 12350, "12.4" }, { 99949, "99.9" },
		{ 99950, "100" }, { 123500, "124" }, { 2000000, "2000" },
	};
	char b[32], p[64];
	(void)st;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		probe_fmt_ms(b, sizeof b, t[i].us);
		assert_string_equal(b, t[i].want);
		/* the same thresholds as ping's " time=X ms" */
		pingfmt_time(p, sizeof p, t[i].us < 0 ? 0 : t[i].us);
		char want[64];
		snprintf(want, sizeof want, " time=%s ms", b);
		assert_string_equal(p, want);
	}
	assert_int_equal(probe_fmt_ms(b, 3, 123456), 3);
	assert_string_equal(b, "12");
}

static void test_fmt_ms3(void **st)
{
	char b[32];
	(void)st;
	probe_fmt_ms3(b, sizeof b, 0);
	assert_string_equal(b, "0.000");
	probe_fmt_ms3(b, sizeof b, 1234567);
	assert_string_equal(b, "1234.567");
	probe_fmt_ms3(b, sizeof b, 45);
	assert_string_equal(b, "0.045");
}

static void test_loss(void **st)
{
	(void)st;
	assert_true(probe_loss_pct(0, 0) == 0);
	assert_true(probe_loss_pct(3, 3) == 0);
	assert_true(probe_loss_pct(3, 5) == 0);
	assert_true(probe_loss_pct(2, 0) == 100);
	for (long t = 1; t < 50; t++)
		for (long r = 0; r <= t; r++)
			assert_true(probe_loss_pct((uint64_t)t, (uint64_t)r) ==
			            pingfmt_loss(t, r));
}

/* Lines iputils 20221126 printed (ping -c 3 127.0.0.1 and a lossy run). */
static void test_text_iputils(void **st)
{
	char b[256];
	struct probe_summary s = {
		.transmitted = 3, .received = 3, .elapsed_us = 2003400,
		.have_rtt = 1, .min_us = 35, .avg_us = 45, .max_us = 57,
		.mdev_us = 9,
	};
	(void)st;
	probe_report_text(b, sizeof b, &s);
	assert_string_equal(b, "3 packets transmitted, 3 received, 0% packet "
	                       "loss, time 2003ms\nrtt min/avg/max/mdev = "
	                       "0.035/0.045/0.057/0.009 ms\n");
	s.received = 1;
	s.errors = 2;
	s.have_rtt = 0;
	s.noun = "probes";
	s.elapsed_us = 2000500;
	probe_report_text(b, sizeof b, &s);
	assert_string_equal(b, "3 probes transmitted, 1 received, +2 errors, "
	                       "66.6667% packet loss, time 2001ms\n");
}

/* The same numbers give the same counts line as pingfmt_stats. */
static void test_text_matches_pingfmt(void **st)
{
	char b[256], p[512];
	(void)st;
	for (long t = 1; t < 12; t++) {
		struct probe_summary s = {
			.transmitted = (uint64_t)t, .received = (uint64_t)(t / 3),
			.duplicates = (uint64_t)(t % 2), .errors = (uint64_t)(t % 3),
			.elapsed_us = t * 1000499, .have_rtt = t / 3 > 0,
			.min_us = 10, .avg_us = 1234, .max_us = 99999, .mdev_us = 7,
		};
		struct pingfmt_totals pt = {
			.host = "h", .transmitted = t, .received = t / 3,
			.dups = t % 2, .errors = t % 3, .elapsed_us = s.elapsed_us,
			.timing = 1, .min_us = 10, .avg_us = 1234, .max_us = 99999,
			.mdev_us = 7, .pipe = 1,
		};
		probe_report_text(b, sizeof b, &s);
		pingfmt_stats(p, sizeof p, &pt);
		const char *want = strstr(p, "---\n");
		assert_non_null(want);
		want += 4;
		/* iputils ends a reply-less block with an empty line */
		if (!s.have_rtt)
			assert_memory_equal(b, want, strlen(b));
		else
			assert_string_equal(b, want);
	}
}

static void test_text_extra_and_cut(void **st)
{
	char b[256];
	struct probe_summary s = {
		.noun = "datagrams", .transmitted = 4, .received = 4,
		.counts_extra = ", 2 reordered", .have_rtt = 1, .min_us = 1000,
		.avg_us = 2000, .max_us = 3000, .mdev_us = 500,
		.rtt_extra = ", jitter 0.010 ms",
	};
	(void)st;
	int want = probe_report_text(b, sizeof b, &s);
	assert_string_equal(b, "4 datagrams transmitted, 4 received, 2 "
	                       "reordered, 0% packet loss, time 0ms\nrtt "
	                       "min/avg/max/mdev = 1.000/2.000/3.000/0.500 ms, "
	                       "jitter 0.010 ms\n");
	assert_int_equal(want, (int)strlen(b));
	s.transmitted = 0;
	probe_report_text(b, sizeof b, &s);
	assert_string_equal(b, "0 datagrams transmitted, 4 received, 2 "
	                       "reordered\nrtt min/avg/max/mdev = 1.000/2.000/"
	                       "3.000/0.500 ms, jitter 0.010 ms\n");
	s.transmitted = 4;
	char small[10];
	assert_int_equal(probe_report_text(small, sizeof small, &s), want);
	assert_string_equal(small, "4 datagra");
}

static void test_json(void **st)
{
	struct json j;
	struct probe_summary s = {
		.transmitted = 2, .received = 0, .elapsed_us = 1001234,
		.exit_code = 1,
	};
	(void)st;
	json_begin(&j);
	json_str(&j, "type", "summary");
	probe_report_json(&j, &s);
	char *got = json_take(&j);
	assert_string_equal(got, "{\"type\":\"summary\",\"transmitted\":2,"
	    "\"received\":0,\"duplicates\":0,\"errors\":0,\"loss_pct\":100.000,"
	    "\"rtt_min_ms\":null,\"rtt_avg_ms\":null,\"rtt_max_ms\":null,"
	    "\"rtt_mdev_ms\":null,\"time_ms\":1001.234,\"exit\":1}");
	free(got);
	s.received = 2;
	s.have_rtt = 1;
	s.min_us = 45; s.avg_us = 1500; s.max_us = 2955; s.mdev_us = 1455;
	s.exit_code = 0;
	json_begin(&j);
	probe_report_json(&j, &s);
	got = json_take(&j);
	assert_non_null(strstr(got, "\"loss_pct\":0.000,\"rtt_min_ms\":0.045,"
	    "\"rtt_avg_ms\":1.500,\"rtt_max_ms\":2.955,\"rtt_mdev_ms\":1.455,"));
	assert_non_null(strstr(got, "\"exit\":0}"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_ms),
		cmocka_unit_test(test_fmt_ms3),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_text_iputils),
		cmocka_unit_test(test_text_matches_pingfmt),
		cmocka_unit_test(test_text_extra_and_cut),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
