/* Unit tests for lib/pingfmt (golden lines from iputils ping 20221126)
 * and for lib/stats as ping uses it (min/avg/max/mdev in iputils'
 * integer-microsecond arithmetic, checked against real iputils runs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pingfmt.h"
#include "stats.h"

static void test_header(void **st)
{
	char b[256];
	(void)st;
	pingfmt_header(b, sizeof b, 0, "127.0.0.1", "127.0.0.1", NULL, NULL, 56, 0, 0);
	assert_string_equal(b, "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n");
	pingfmt_header(b, sizeof b, 0, "localhost", "127.0.0.1", NULL, NULL, 8, 0, 0);
	assert_string_equal(b, "PING localhost (127.0.0.1) 8(36) bytes of data.\n");
	pingfmt_header(b, sizeof b, 0, "127.0.0.1", "127.0.0.1", "127.0.0.1", "lo", 56, 0, 0);
	assert_string_equal(b, "PING 127.0.0.1 (127.0.0.1) from 127.0.0.1 lo: 56(84) bytes of data.\n");
	pingfmt_header(b, sizeof b, 0, "127.0.0.1", "127.0.0.1", "127.0.0.1", NULL, 56, 0, 0);
	assert_string_equal(b, "PING 127.0.0.1 (127.0.0.1) from 127.0.0.1 : 56(84) bytes of data.\n");
	pingfmt_header(b, sizeof b, 1, "::1", "::1", NULL, NULL, 56, 0, 0);
	assert_string_equal(b, "PING ::1(::1) 56 data bytes\n");
	pingfmt_header(b, sizeof b, 1, "::1", "::1", "::1", "lo", 56, 0, 0);
	assert_string_equal(b, "PING ::1(::1) from ::1 lo: 56 data bytes\n");
	/* truncation: snprintf semantics */
	int n = pingfmt_header(b, 10, 1, "::1", "::1", NULL, NULL, 56, 0, 0);
	assert_int_equal(n, (int)strlen("PING ::1(::1) 56 data bytes\n"));
	assert_string_equal(b, "PING ::1(");
}

static void test_time_decimals(void **st)
{
	static const struct { int64_t us; const char *want; } t[] = {
		{ 0, " time=0.000 ms" },
		{ 45, " time=0.045 ms" },
		{ 999, " time=0.999 ms" },
		{ 1000, " time=1.00 ms" },
		{ 1004, " time=1.00 ms" },
		{ 1005, " time=1.01 ms" },
		{ 9994, " time=9.99 ms" },
		{ 9995, " time=10.0 ms" },   /* 10000 - 5 switches to one decimal */
		{ 12345, " time=12.3 ms" },
		{ 12350, " time=12.4 ms" },
		{ 99949, " time=99.9 ms" },
		{ 99950, " time=100 ms" },   /* 100000 - 50 switches to none */
		{ 123456, " time=123 ms" },
		{ 123500, " time=124 ms" },
		{ 2000000, " time=2000 ms" },
	};
	char b[64];
	(void)st;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		pingfmt_time(b, sizeof b, t[i].us);
		assert_string_equal(b, t[i].want);
	}
}

static void test_reply_lines(void **st)
{
	char b[256];
	struct pingfmt_reply r = {
		.wall_us = -1, .bytes = 64, .from = "127.0.0.1", .seq = 1, .ttl = 64,
		.has_time = 1, .rtt_us = 83,
	};
	(void)st;
	pingfmt_reply(b, sizeof b, &r);
	assert_string_equal(b, "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.083 ms\n");
	r.from = "localhost (127.0.0.1)";
	r.dup = 1;
	r.seq = 65535;
	pingfmt_reply(b, sizeof b, &r);
	assert_string_equal(b, "64 bytes from localhost (127.0.0.1): icmp_seq=65535 ttl=64 time=0.083 ms (DUP!)\n");
	r.dup = 0;
	r.bad_csum = 1;
	r.seq = 0;
	pingfmt_reply(b, sizeof b, &r);
	assert_string_equal(b, "64 bytes from localhost (127.0.0.1): icmp_seq=0 ttl=64 time=0.083 ms (BAD CHECKSUM!)\n");
	struct pingfmt_reply s = { .wall_us = 1795373196454603LL, .bytes = 16,
	                           .from = "::1", .seq = 2, .ttl = -1 };
	pingfmt_reply(b, sizeof b, &s);
	assert_string_equal(b, "[1795373196.454603] 16 bytes from ::1: icmp_seq=2\n");
	s.truncated = 1;
	s.ttl = 3;
	s.has_time = 1;
	pingfmt_reply(b, sizeof b, &s);
	assert_string_equal(b, "[1795373196.454603] 16 bytes from ::1: icmp_seq=2 ttl=3 (truncated)\n");
}

static void test_error_lines(void **st)
{
	char b[256];
	(void)st;
	pingfmt_error(b, sizeof b, -1, "198.18.1.1", 1, "Time to live exceeded");
	assert_string_equal(b, "From 198.18.1.1 icmp_seq=1 Time to live exceeded\n");
	pingfmt_error(b, sizeof b, 5000001, "r (198.18.1.1)", 7, "Destination Host Unreachable");
	assert_string_equal(b, "[5.000001] From r (198.18.1.1) icmp_seq=7 Destination Host Unreachable\n");
	pingfmt_noanswer(b, sizeof b, -1, 3);
	assert_string_equal(b, "no answer yet for icmp_seq=3\n");
}

/* Samples in us -> the totals ping prints, via lib/stats as the applet uses it. */
static void totals_from(struct pingfmt_totals *t, const int64_t *us, size_t n)
{
	struct rtt_stats *s = calloc(1, sizeof *s);
	assert_non_null(s);
	stats_init(s);
	for (size_t i = 0; i < n; i++)
		stats_add(s, us[i] * 1000 + 999);   /* sub-us part is dropped */
	t->min_us = s->min_ns / 1000;
	t->max_us = s->max_ns / 1000;
	t->avg_us = stats_avg_us(s);
	t->mdev_us = stats_mdev_us(s);
	t->ewma8 = 0;
	for (size_t i = 0; i < n; i++)
		pingfmt_ewma_add(&t->ewma8, us[i]);
	free(s);
}

static void test_stats_golden(void **st)
{
	/* Real iputils 20221126 runs on this machine: the reply times and
	 * the statistics block it printed for them. */
	static const struct {
		int64_t us[4];
		size_t n;
		long tx;
		int64_t elapsed_us;
		int show_ipg;
		const char *host, *want;
	} g[] = {
		{ { 83, 47, 44 }, 3, 3, 404000, 0, "127.0.0.1",
		  "\n--- 127.0.0.1 ping statistics ---\n"
		  "3 packets transmitted, 3 received, 0% packet loss, time 404ms\n"
		  "rtt min/avg/max/mdev = 0.044/0.058/0.083/0.017 ms\n" },
		{ { 50, 74 }, 2, 2, 201000, 0, "::1",
		  "\n--- ::1 ping statistics ---\n"
		  "2 packets transmitted, 2 received, 0% packet loss, time 201ms\n"
		  "rtt min/avg/max/mdev = 0.050/0.062/0.074/0.012 ms\n" },
		{ { 24, 39 }, 2, 2, 201000, 0, "localhost",
		  "\n--- localhost ping statistics ---\n"
		  "2 packets transmitted, 2 received, 0% packet loss, time 201ms\n"
		  "rtt min/avg/max/mdev = 0.024/0.031/0.039/0.007 ms\n" },
		/* -i 0: ipg/ewma; ipg 0.095 = elapsed 95us / (2-1) */
		{ { 21, 3 }, 2, 2, 95, 1, "127.0.0.1",
		  "\n--- 127.0.0.1 ping statistics ---\n"
		  "2 packets transmitted, 2 received, 0% packet loss, time 0ms\n"
		  "rtt min/avg/max/mdev = 0.003/0.012/0.021/0.009 ms, ipg/ewma 0.095/0.018 ms\n" },
	};
	char b[512];
	(void)st;
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		struct pingfmt_totals t = { 0 };
		t.host = g[i].host;
		t.transmitted = g[i].tx;
		t.received = (long)g[i].n;
		t.elapsed_us = g[i].elapsed_us;
		t.timing = 1;
		t.show_ipg = g[i].show_ipg;
		totals_from(&t, g[i].us, g[i].n);
		pingfmt_stats(b, sizeof b, &t);
		assert_string_equal(b, g[i].want);
	}
}

/* iputils 20221126 finish(), transcribed as the oracle for mdev. */
static int64_t iputils_mdev(const int64_t *us, size_t n)
{
	long long tsum = 0, tsum2 = 0, total = (long long)n, var, r, prev;
	for (size_t i = 0; i < n; i++) {
		tsum += us[i];
		tsum2 += us[i] * us[i];
	}
	if (tsum < 2147483647LL)
		var = (tsum2 - (tsum * tsum) / total) / total;
	else
		var = tsum2 / total - (tsum / total) * (tsum / total);
	/* Newton's integer square root */
	r = var;
	prev = 0x7fffffffffffffffLL;
	if (r > 0)
		while (r < prev) {
			prev = r;
			r = (r + var / r) / 2;
		}
	return r;
}

static void test_stats_mdev_formula(void **st)
{
	static int64_t us[2000];
	uint32_t x = 12345;
	(void)st;
	/* small times, where the order of integer operations matters */
	int64_t a[] = { 1, 2 };
	struct pingfmt_totals t = { 0 };
	totals_from(&t, a, 2);
	assert_int_equal(t.mdev_us, iputils_mdev(a, 2));
	assert_int_equal(t.mdev_us, 0);
	for (int round = 0; round < 50; round++) {
		size_t n = 1 + (size_t)(round * 37) % 2000;
		int64_t scale = (round % 5 == 4) ? 5000000 : (round % 2 ? 100 : 20000);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			us[i] = (int64_t)(x >> 8) % scale;
		}
		totals_from(&t, us, n);
		assert_int_equal(t.mdev_us, iputils_mdev(us, n));
	}
}

static void test_stats_counters(void **st)
{
	char b[512];
	struct pingfmt_totals t = { 0 };
	(void)st;
	t.host = "198.18.99.99";
	t.transmitted = 1;
	t.errors = 1;
	pingfmt_stats(b, sizeof b, &t);
	assert_string_equal(b, "\n--- 198.18.99.99 ping statistics ---\n"
	                    "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n");
	t.transmitted = 3;
	t.received = 2;
	t.dups = 2;
	t.corrupted = 1;
	t.errors = 0;
	t.elapsed_us = 2002499;
	t.timing = 0;
	t.pipe = 3;
	pingfmt_stats(b, sizeof b, &t);
	assert_string_equal(b, "\n--- 198.18.99.99 ping statistics ---\n"
	                    "3 packets transmitted, 2 received, +2 duplicates, +1 corrupted, "
	                    "33.3333% packet loss, time 2002ms\npipe 3\n");
	/* nothing sent: no loss, no time */
	t.transmitted = t.received = t.dups = t.corrupted = 0;
	t.pipe = 0;
	pingfmt_stats(b, sizeof b, &t);
	assert_string_equal(b, "\n--- 198.18.99.99 ping statistics ---\n0 packets transmitted, 0 received\n\n");
	assert_true(pingfmt_loss(7, 0) == 100.0);
	assert_true(pingfmt_loss(0, 0) == 0.0);
}

static void test_status_line(void **st)
{
	char b[256];
	struct pingfmt_totals t = { 0 };
	(void)st;
	t.transmitted = 10;
	t.received = 7;
	pingfmt_status(b, sizeof b, &t);
	assert_string_equal(b, "\r7/10 packets, 30% loss\n");
	t.timing = 1;
	t.min_us = 44;
	t.avg_us = 58;
	t.max_us = 1083;
	t.ewma8 = 8 * 50;
	pingfmt_status(b, sizeof b, &t);
	assert_string_equal(b, "\r7/10 packets, 30% loss, min/avg/ewma/max = 0.044/0.058/0.050/1.083 ms\n");
}

static const char *num_name(void *ctx, uint32_t addr)
{
	static char b[4][20];
	static int k;
	const uint8_t *a = (const uint8_t *)&addr;
	(void)ctx;
	k = (k + 1) % 4;
	snprintf(b[k], sizeof b[k], "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	return b[k];
}

/* -R/-T blocks as iputils' pr_options() prints them. */
static void test_ipopts(void **state)
{
	char b[512];
	struct pingfmt_rr rr;
	(void)state;
	memset(&rr, 0, sizeof rr);
	/* NOP, RR with two of nine slots filled (pointer 12) */
	uint8_t o[40] = { 1, 7, 39, 12, 198, 18, 1, 1, 198, 18, 2, 2 };
	pingfmt_ipopts(b, sizeof b, o, 40, &rr, 0, num_name, NULL);
	assert_string_equal(b, "\nNOP\nRR: \t198.18.1.1\n\t198.18.2.2\n");
	pingfmt_ipopts(b, sizeof b, o, 40, &rr, 0, num_name, NULL);
	assert_string_equal(b, "\nNOP\t(same route)");
	/* timestamps only: pointer 13 = two stamps, 1000 then 1003 */
	uint8_t t[40] = { 68, 40, 13, 0, 0, 0, 3, 232, 0, 0, 3, 235 };
	pingfmt_ipopts(b, sizeof b, t, 40, &rr, 0, num_name, NULL);
	assert_string_equal(b, "\nTS: \t1000 absolute\n\t3\n");
	/* address and stamp, one hop unrecorded (flags 0x11) */
	uint8_t ta[36] = { 68, 36, 13, 0x11, 10, 0, 0, 1, 0, 0, 0, 9 };
	pingfmt_ipopts(b, sizeof b, ta, 36, &rr, 0, num_name, NULL);
	assert_string_equal(b, "\nTS: \t10.0.0.1\t9 absolute\nUnrecorded hops: 1\n");
	/* a length running past the buffer stops the walk */
	uint8_t bad[4] = { 7, 40, 4, 0 };
	assert_int_equal(pingfmt_ipopts(b, sizeof b, bad, 4, &rr, 0, num_name, NULL), 0);
}

/* -v: the quoted header as iputils prints it on x86-64 (16-bit fields
 * not converted from network order; golden from a source quench). */
static void test_iphdr(void **st)
{
	char b[256];
	const uint8_t ip[20] = { 0x45, 0, 0, 0x54, 0xc0, 0x0f, 0x40, 0, 0x40, 1, 0x82, 0xc1,
	                         198, 18, 14, 1, 198, 18, 14, 2 };
	(void)st;
	int n = pingfmt_iphdr(b, sizeof b, ip, sizeof ip);
	assert_string_equal(b, "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst Data\n"
	                       " 4  5  00 5400 0fc0   0 0040  40  01 c182 198.18.14.1  198.18.14.2 \n");
	assert_int_equal(n, (int)strlen(b));
	/* fragment bits as a little-endian host reads them: 0x2000 -> 1 */
	const uint8_t fr[20] = { 0x46, 0x10, 0, 0, 0, 0, 0x00, 0x20, 1, 1 };
	pingfmt_iphdr(b, sizeof b, fr, sizeof fr);
	assert_true(strstr(b, "\n 4  6  10 0000 0000   1 0000  01  01 0000 0.0.0.0  0.0.0.0 \n") != NULL);
	assert_int_equal(pingfmt_iphdr(b, sizeof b, ip, 19), 0);
	assert_string_equal(b, "");
	assert_int_equal(pingfmt_iphdr(b, 10, ip, sizeof ip), n);
	assert_int_equal(strlen(b), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_iphdr),
		cmocka_unit_test(test_ipopts),
		cmocka_unit_test(test_time_decimals),
		cmocka_unit_test(test_reply_lines),
		cmocka_unit_test(test_error_lines),
		cmocka_unit_test(test_stats_golden),
		cmocka_unit_test(test_stats_mdev_formula),
		cmocka_unit_test(test_stats_counters),
		cmocka_unit_test(test_status_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
