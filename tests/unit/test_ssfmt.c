/* Unit tests for ssfmt: rows and header as ss -tn prints them (IPv4,
 * IPv6, dual-stack wildcard, device-bound, port 0), the users:(...)
 * column, ss's timer, bandwidth and -e/-m/-i texts, and the size bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "ssfmt.h"

static struct diag_sock v4(void)
{
	struct diag_sock s;
	memset(&s, 0, sizeof s);
	s.family = AF_INET;
	s.state = TS_ESTABLISHED;
	s.shutdown = -1;
	s.src[0] = 127; s.src[3] = 1;
	s.dst[0] = 10; s.dst[3] = 200;
	s.sport = 7007;
	s.dport = 51234;
	s.rqueue = 3;
	s.wqueue = 128512;
	return s;
}

static const char *row(const struct diag_sock *s, const char *ifn, unsigned flags,
                       const struct ssfmt_owner *own, size_t n)
{
	static char buf[SSFMT_ROW_MAX(8)];
	size_t len = ssfmt_row(buf, s, ifn, flags, own, n, NULL);
	assert_true(len < sizeof buf);
	buf[len] = 0;
	return buf;
}

static void test_header(void **st)
{
	(void)st;
	char b[SSFMT_ROW_BASE];
	size_t n = ssfmt_header(b, 0);
	b[n] = 0;
	assert_string_equal(b, "State      Recv-Q Send-Q   Local Address:Port      Peer Address:Port\n");
	n = ssfmt_header(b, SSF_PROC);
	b[n] = 0;
	assert_string_equal(b, "State      Recv-Q Send-Q   Local Address:Port      Peer Address:Port  Process\n");
}

static void test_rows(void **st)
{
	(void)st;
	struct diag_sock s = v4();
	assert_string_equal(row(&s, NULL, 0, NULL, 0),
	                    "ESTAB      3      128512       127.0.0.1:7007        10.0.0.200:51234\n");
	/* listener: "*" port, bound to a device */
	s.state = TS_LISTEN;
	memset(s.dst, 0, sizeof s.dst);
	s.dport = 0;
	s.ifindex = 2;
	assert_string_equal(row(&s, "eth0", 0, NULL, 0),
	                    "LISTEN     3      128512  127.0.0.1%eth0:7007           0.0.0.0:*\n");
	/* IPv6: bracketed; the dual-stack wildcard is "*" unless v6only */
	struct diag_sock t;
	memset(&t, 0, sizeof t);
	t.family = AF_INET6;
	t.state = TS_LISTEN;
	t.sport = 80;
	assert_string_equal(row(&t, NULL, 0, NULL, 0),
	                    "LISTEN     0      0                    *:80                   *:*\n");
	t.v6only = 1;
	assert_string_equal(row(&t, NULL, 0, NULL, 0),
	                    "LISTEN     0      0                 [::]:80                [::]:*\n");
	inet_pton(AF_INET6, "::ffff:127.0.0.1", t.dst);
	inet_pton(AF_INET6, "2001:db8::1", t.src);
	t.state = TS_CLOSE_WAIT;
	t.dport = 443;
	assert_string_equal(row(&t, NULL, 0, NULL, 0),
	                    "CLOSE-WAIT 0      0        [2001:db8::1]:80    [::ffff:127.0.0.1]:443\n");
	char ep[80];
	assert_int_equal(ssfmt_endpoint(ep, &t, 0, NULL, NULL), strlen("[::ffff:127.0.0.1]:443"));
	assert_string_equal(ep, "[::ffff:127.0.0.1]:443");
}

static void test_users(void **st)
{
	(void)st;
	struct diag_sock s = v4();
	struct ssfmt_owner own[2] = {
		{ .pid = 4242, .fd = 7, .comm = "nginx" },
		{ .pid = 17, .fd = 12, .comm = "fifteen-chars-x" },
	};
	assert_string_equal(row(&s, NULL, SSF_PROC, own, 2),
	                    "ESTAB      3      128512       127.0.0.1:7007        10.0.0.200:51234 "
	                    "users:((\"nginx\",pid=4242,fd=7),(\"fifteen-chars-x\",pid=17,fd=12))\n");
	/* no owner: no column, as ss */
	assert_string_equal(row(&s, NULL, SSF_PROC, own, 0),
	                    "ESTAB      3      128512       127.0.0.1:7007        10.0.0.200:51234\n");
	/* the bound holds for the longest names and numbers */
	struct ssfmt_owner big[8];
	for (int i = 0; i < 8; i++) {
		big[i].pid = 2147483647;
		big[i].fd = 2147483647;
		memset(big[i].comm, 'x', 15);
		big[i].comm[15] = 0;
	}
	s.info.options = 0xff;
	s.has_info = 1;
	(void)row(&s, NULL, SSF_PROC | SSF_TIMER | SSF_EXT | SSF_INFO, big, 8);
}

static void test_timer(void **st)
{
	(void)st;
	static const struct { uint32_t ms; const char *txt; } cases[] = {
		{ 0, "" }, { 7, "007ms" }, { 200, "200ms" }, { 1000, "1sec" },
		{ 9800, "9.800sec" }, { 10500, "10sec" }, { 59999, "59sec" },
		{ 60000, "1min" }, { 100000, "1min40sec" }, { 600000, "10min" },
		{ 7140000, "119min" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char b[64];
		char *e = ssfmt_ms_timer(b, cases[i].ms);
		*e = 0;
		assert_string_equal(b, cases[i].txt);
	}
	struct diag_sock s = v4();
	s.timer = 2;
	s.expires_ms = 7139000;
	s.retrans = 0;
	const char *r = row(&s, NULL, SSF_TIMER, NULL, 0);
	assert_non_null(strstr(r, " timer:(keepalive,118min,0)\n"));
	s.timer = 9;
	assert_non_null(strstr(row(&s, NULL, SSF_TIMER, NULL, 0), " timer:(unknown,"));
	s.timer = 0;   /* no timer: nothing, as ss */
	assert_null(strstr(row(&s, NULL, SSF_TIMER, NULL, 0), "timer"));
}

static void test_ext_mem_info(void **st)
{
	(void)st;
	struct diag_sock s = v4();
	s.uid = 1000;
	s.inode = 123456;
	s.cookie = 0x1a2b;
	s.shutdown = 1;
	assert_non_null(strstr(row(&s, NULL, SSF_EXT, NULL, 0), ":51234 uid:1000 ino:123456 sk:1a2b -->\n"));
	s.uid = 0;
	s.shutdown = 0;
	assert_non_null(strstr(row(&s, NULL, SSF_EXT, NULL, 0), ":51234 ino:123456 sk:1a2b <->\n"));
	s.has_mem = 1;
	s.nmem = 9;
	for (uint32_t i = 0; i < 9; i++)
		s.skmem[i] = i * 10;
	assert_non_null(strstr(row(&s, NULL, SSF_MEM, NULL, 0),
	                       ":51234\n\t skmem:(r0,rb10,t20,tb30,f40,w50,o60,bl70,d80)\n"));
	memset(&s.info, 0, sizeof s.info);
	s.has_info = 1;
	s.has_mem = 0;
	strcpy(s.cong, "cubic");
	s.info.options = TCPI_OPT_WSCALE | TCPI_OPT_SACK | TCPI_OPT_TIMESTAMPS;
	s.info.snd_wscale = 7;
	s.info.rcv_wscale = 9;
	s.info.rto_us = 204000;
	s.info.rtt_us = 25;
	s.info.rttvar_us = 12;
	s.info.snd_mss = 32768;
	s.info.snd_cwnd = 10;
	s.info.snd_ssthresh = 0x7fffffff;
	s.info.bytes_acked = 5;
	s.info.retrans = 0;
	s.info.total_retrans = 2;
	s.info.reordering = 3;
	s.info.min_rtt_us = ~0u;
	s.info.delivery_rate = 125000000;     /* bytes/s: 1 Gbit/s */
	assert_string_equal(strchr(row(&s, NULL, SSF_INFO, NULL, 0), '\n'),
	                    "\n\t cubic wscale:7,9 rto:204 rtt:0.025/0.012 mss:32768 cwnd:10"
	                    " bytes_acked:5 send 105Gbps delivery_rate 1Gbps retrans:0/2\n");
	/* with -o, the negotiated options first; with -n, rates in full */
	const char *r = row(&s, NULL, SSF_INFO | SSF_TIMER | SSF_NUMERIC, NULL, 0);
	assert_non_null(strstr(r, "\n\t ts sack cubic wscale:7,9 "));
	assert_non_null(strstr(r, " send 104857600000bps delivery_rate 1000000000bps "));
	/* the congestion control's state, after the segment counts (ss -i) */
	s.cc.kind = DIAG_CC_BBR;
	s.cc.bbr_bw = 1250000;                /* bytes/s: 10 Mbit/s */
	s.cc.bbr_min_rtt_us = 45;
	s.cc.bbr_pacing_gain = 739;           /* 2.88672 << 8 */
	s.cc.bbr_cwnd_gain = 0;               /* 0: left out, as ss */
	assert_non_null(strstr(row(&s, NULL, SSF_INFO, NULL, 0),
	                       " bytes_acked:5 bbr:(bw:10Mbps,mrtt:0.045,pacing_gain:2.88672) send "));
	s.cc.kind = DIAG_CC_DCTCP;
	s.cc.dctcp_enabled = 0;
	assert_non_null(strstr(row(&s, NULL, SSF_INFO, NULL, 0), " bytes_acked:5 dctcp:fallback_mode send "));
	s.cc.dctcp_enabled = 1;
	s.cc.dctcp_ce_state = 1;
	s.cc.dctcp_alpha = 1024;
	s.cc.dctcp_ab_ecn = 7;
	s.cc.dctcp_ab_tot = 9;
	assert_non_null(strstr(row(&s, NULL, SSF_INFO, NULL, 0),
	                       " dctcp:(ce_state:1,alpha:1024,ab_ecn:7,ab_tot:9) send "));
}

static void test_bw(void **st)
{
	(void)st;
	static const struct { double v; const char *txt; } cases[] = {
		{ 0, "0" }, { 999, "999" }, { 1500, "1.5k" }, { 2.5e6, "2.5M" },
		{ 1.05e12, "1.05T" }, { 131e9, "131G" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char b[64];
		*ssfmt_bw(b, cases[i].v) = 0;
		assert_string_equal(b, cases[i].txt);
	}
	assert_string_equal(ssfmt_timer_name(0), "off");
	assert_string_equal(ssfmt_timer_name(3), "timewait");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_ext_mem_info),
		cmocka_unit_test(test_bw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
