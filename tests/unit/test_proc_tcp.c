/* Unit tests for proc_tcp: real /proc/net/tcp{,6} lines captured on this
 * kind of machine (x86_64, little endian: the kernel prints each address
 * word as a host-order integer), lines in the kernel's own formats for
 * every state 01..0B (full, request and TIME-WAIT sockets), malformed
 * lines, and the feeder fed whole, byte by byte and split at every
 * offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proc_tcp.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the captured lines below were printed by a little-endian kernel"
#endif

static const char real_v4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
	"   1: 0100007F:90B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15673 1 000000000661e8f8 100 0 0 10 0                     \n"
	"   2: 0100007F:90B3 0100007F:E152 01 00000000:00000003 00:00000000 00000000     0        0 15675 1 000000001c0fd745 20 4 30 10 -1                    \n"
	"   3: 0100007F:E152 0100007F:90B3 01 00000000:00000000 00:00000000 00000000     0        0 15674 2 00000000bcfef574 20 0 0 11 -1                     \n";

static const char real_v6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0000000000000000FFFF00000100007F:BD1F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15679 1 00000000b73b34d4 100 0 0 10 0\n"
	"   1: 00000000000000000000000001000000:9E93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15676 1 000000001afd5f6d 100 0 0 10 0\n"
	"   2: 00000000000000000000000001000000:9E93 00000000000000000000000001000000:B13A 08 00000000:00000001 00:00000000 00000000     0        0 15678 1 0000000050c5c2d8 20 4 0 10 -1\n"
	"   3: 00000000000000000000000001000000:B13A 00000000000000000000000001000000:9E93 05 00000000:00000000 00:00000000 00000000     0        0 15677 2 00000000b9209d7b 20 0 0 11 -1\n";

static const uint8_t lo4[16] = { 127, 0, 0, 1 };
static const uint8_t any[16] = { 0 };
static const uint8_t lo6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                    127, 0, 0, 1 };

struct want {
	unsigned state;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t txq, rxq, inode;
};

static const struct want want_v4[] = {
	{ TS_LISTEN, lo4, any, 0x90B3, 0, 0, 0, 15673 },
	{ TS_ESTABLISHED, lo4, lo4, 0x90B3, 0xE152, 0, 3, 15675 },
	{ TS_ESTABLISHED, lo4, lo4, 0xE152, 0x90B3, 0, 0, 15674 },
};
static const struct want want_v6[] = {
	{ TS_LISTEN, mapped, any, 0xBD1F, 0, 0, 0, 15679 },
	{ TS_LISTEN, lo6, any, 0x9E93, 0, 0, 0, 15676 },
	{ TS_CLOSE_WAIT, lo6, lo6, 0x9E93, 0xB13A, 0, 1, 15678 },
	{ TS_FIN_WAIT2, lo6, lo6, 0xB13A, 0x9E93, 0, 0, 15677 },
};

struct collect {
	struct diag_sock s[64];
	size_t n;
};

static int collect_cb(void *ctx, const struct diag_sock *s)
{
	struct collect *c = ctx;
	if (c->n < 64)
		c->s[c->n++] = *s;
	return 0;
}

static void check(const struct collect *c, int family, const struct want *w,
                  size_t nw)
{
	assert_int_equal(c->n, nw);
	for (size_t i = 0; i < nw; i++) {
		const struct diag_sock *s = &c->s[i];
		assert_int_equal(s->family, family);
		assert_int_equal(s->state, w[i].state);
		assert_memory_equal(s->src, w[i].src, 16);
		assert_memory_equal(s->dst, w[i].dst, 16);
		assert_int_equal(s->sport, w[i].sport);
		assert_int_equal(s->dport, w[i].dport);
		assert_int_equal(s->wqueue, w[i].txq);
		assert_int_equal(s->rqueue, w[i].rxq);
		assert_int_equal(s->inode, w[i].inode);
		assert_int_equal(s->cookie, 0);
		/* bound to ::1 -> v6only; wildcard/v4-mapped -> 0 */
		assert_int_equal(s->v6only, family == AF_INET6 && w[i].src == lo6);
	}
}

/* Feed `text` split at `cut` (whole when cut == 0), or byte by byte. */
static void feed(const char *text, int family, size_t cut, int bytewise,
                 struct collect *c)
{
	struct proc_tcp_parser p;
	size_t len = strlen(text);
	proc_tcp_init(&p, family);
	c->n = 0;
	if (bytewise) {
		for (size_t i = 0; i < len; i++)
			assert_int_equal(proc_tcp_feed(&p, text + i, 1, collect_cb, c), 0);
	} else {
		assert_int_equal(proc_tcp_feed(&p, text, cut, collect_cb, c), 0);
		assert_int_equal(proc_tcp_feed(&p, text + cut, len - cut,
		                               collect_cb, c), 0);
	}
	assert_int_equal(proc_tcp_finish(&p, collect_cb, c), 0);
	assert_int_equal(p.bad, 0);
}

static void test_real_lines(void **st)
{
	(void)st;
	static struct collect c;
	static const struct {
		const char *text; int family; const struct want *w; size_t n;
	} tab[] = {
		{ real_v4, AF_INET, want_v4, sizeof want_v4 / sizeof want_v4[0] },
		{ real_v6, AF_INET6, want_v6, sizeof want_v6 / sizeof want_v6[0] },
	};
	for (size_t t = 0; t < 2; t++) {
		size_t len = strlen(tab[t].text);
		feed(tab[t].text, tab[t].family, 0, 1, &c);
		check(&c, tab[t].family, tab[t].w, tab[t].n);
		for (size_t cut = 0; cut <= len; cut++) {
			feed(tab[t].text, tab[t].family, cut, 0, &c);
			check(&c, tab[t].family, tab[t].w, tab[t].n);
		}
	}
}

/* Lines in the kernel's three formats (tcp_ipv4.c / tcp_ipv6.c:
 * get_tcp4_sock, get_openreq4, get_timewait4_sock and their v6 twins)
 * for every state. */
static void make_line(char *buf, size_t sz, int family, unsigned state,
                      int i)
{
	const char *a4 = "0100007F", *a6 = "00000000000000000000000001000000";
	const char *a = family == AF_INET ? a4 : a6;
	if (state == TS_SYN_RECV)
		snprintf(buf, sz, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX "
		         "%08X %5u %8d %u %d %p\n", i, a, 8080 + i, a, 40000 + i,
		         state, 0, 0, 1, 0x11UL, 0, 1000, 0, 0, 0, (void *)0);
	else if (state == TS_TIME_WAIT)
		snprintf(buf, sz, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX "
		         "%08X %5d %8d %d %d %p\n", i, a, 8080 + i, a, 40000 + i,
		         state, 0, 0, 3, 0x1770UL, 0, 0, 0, 0, 3, (void *)0);
	else
		snprintf(buf, sz, "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08lX "
		         "%08X %5u %8d %lu %d %p %lu %lu %u %u %d\n", i, a, 8080 + i,
		         a, 40000 + i, state, 7, 9, 2, 0x2aUL, 3, 1000, 0,
		         12345UL + (unsigned)i, 1, (void *)0, 20UL, 4UL, 30U, 10U, -1);
}

/* The fields after the pointer, as the kernel prints them. */
static void test_tail(void **st)
{
	(void)st;
	struct diag_sock s;
	const char *l = "   2: 0100007F:90B3 0100007F:E152 01 00000000:00000003 01:00000014 00000002     0        0 15675 1 000000001c0fd745 20 4 30 10 -1\n";
	assert_int_equal(proc_tcp_parse_line(l, strlen(l), AF_INET, &s), 1);
	assert_int_equal(s.timer, 1);
	assert_int_equal(s.retrans, 2);         /* retransmit timer: retrnsmt */
	assert_int_equal(s.expires_ms, 200);
	assert_true(s.has_info);
	assert_int_equal(s.info.rto_us, 200000);
	assert_int_equal(s.info.ato_us, 40000);
	assert_int_equal(s.info.snd_cwnd, 10);
	assert_int_equal(s.info.snd_ssthresh, 0xffffffffu);
	l = "   3: 0100007F:90B3 0100007F:E152 01 00000000:00000003 00:00000000 00000000     0        0 15675 1 000000001c0fd745 20 4 30 10 7\n";
	assert_int_equal(proc_tcp_parse_line(l, strlen(l), AF_INET, &s), 1);
	assert_int_equal(s.info.snd_ssthresh, 7);
	/* a TIME-WAIT line ends after the pointer: no tcp_info */
	l = "   4: 0100007F:90B3 0100007F:E152 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";
	assert_int_equal(proc_tcp_parse_line(l, strlen(l), AF_INET, &s), 1);
	assert_false(s.has_info);
	assert_int_equal(s.expires_ms, 60000);
}

static void test_every_state(void **st)
{
	(void)st;
	for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
		for (unsigned state = 1; state <= TS_MAX; state++) {
			char line[PROC_TCP_LINE_MAX];
			struct diag_sock s;
			int i = (int)state;
			make_line(line, sizeof line, family, state, i);
			assert_int_equal(proc_tcp_parse_line(line, strlen(line), family, &s), 1);
			assert_int_equal(s.family, family);
			assert_int_equal(s.state, state);
			assert_int_equal(s.sport, 8080 + i);
			assert_int_equal(s.dport, 40000 + i);
			assert_memory_equal(s.src, family == AF_INET ? lo4 : lo6, 16);
			assert_memory_equal(s.dst, family == AF_INET ? lo4 : lo6, 16);
			if (state == TS_SYN_RECV) {
				assert_int_equal(s.uid, 1000);
				assert_int_equal(s.inode, 0);
				assert_int_equal(s.timer, 1);
			} else if (state == TS_TIME_WAIT) {
				assert_int_equal(s.uid, 0);
				assert_int_equal(s.inode, 0);
				assert_int_equal(s.timer, 3);
			} else {
				assert_int_equal(s.wqueue, 7);
				assert_int_equal(s.rqueue, 9);
				/* as ss: retransmits count for the retransmit
				 * timer only, probes (0 here) for keepalive */
				assert_int_equal(s.timer, 2);
				assert_int_equal(s.retrans, 0);
				assert_int_equal(s.expires_ms, 420);
				assert_int_equal(s.uid, 1000);
				assert_int_equal(s.inode, 12345 + i);
			}
			/* without the trailing newline too */
			assert_int_equal(proc_tcp_parse_line(line, strlen(line) - 1, family, &s), 1);
			assert_int_equal(s.state, state);
		}
	}
}

static void test_bad_lines(void **st)
{
	(void)st;
	static const struct { const char *line; int family; } bad[] = {
		{ "", AF_INET },
		{ "   0:", AF_INET },
		{ "   0 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F0:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F900 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 00 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0D 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A0 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 x 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 99999999999 0 1", AF_INET },
		/* a v4 line given to the v6 parser and the other way round */
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET6 },
		{ "   0: 00000000000000000000000001000000:9E93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_INET },
		{ "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", AF_UNIX },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct diag_sock s;
		assert_int_equal(proc_tcp_parse_line(bad[i].line, strlen(bad[i].line),
		                                     bad[i].family, &s), -EINVAL);
	}
	struct diag_sock s;
	const char *ok = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1";
	assert_int_equal(proc_tcp_parse_line(ok, strlen(ok), AF_INET, &s), 1);
	assert_int_equal(s.sport, 8080);
	assert_int_equal(s.inode, 1);
	const char *hdr = "  sl  local_address rem_address   st tx_queue";
	assert_int_equal(proc_tcp_parse_line(hdr, strlen(hdr), AF_INET, &s), 0);
}

static void test_feed_bad_and_long(void **st)
{
	(void)st;
	static struct collect c;
	char *text = malloc(4 * PROC_TCP_LINE_MAX);
	char *p = text;
	p += sprintf(p, "%s", "garbage line\n");
	memset(p, 'x', PROC_TCP_LINE_MAX + 10);      /* overlong line */
	p += PROC_TCP_LINE_MAX + 10;
	*p++ = '\n';
	p += sprintf(p, "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1");
	size_t len = (size_t)(p - text);
	for (size_t cut = 0; cut <= len; cut += 7) {
		struct proc_tcp_parser ps;
		proc_tcp_init(&ps, AF_INET);
		c.n = 0;
		proc_tcp_feed(&ps, text, cut, collect_cb, &c);
		proc_tcp_feed(&ps, text + cut, len - cut, collect_cb, &c);
		proc_tcp_finish(&ps, collect_cb, &c);
		assert_int_equal(c.n, 1);    /* the last line, without '\n' */
		assert_int_equal(ps.bad, 2);
		assert_int_equal(c.s[0].sport, 8080);
	}
	free(text);
}

static int stop_cb(void *ctx, const struct diag_sock *s)
{
	(void)s;
	(*(int *)ctx)++;
	return 5;
}

static void test_feed_stop(void **st)
{
	(void)st;
	struct proc_tcp_parser p;
	int calls = 0;
	proc_tcp_init(&p, AF_INET);
	assert_int_equal(proc_tcp_feed(&p, real_v4, strlen(real_v4), stop_cb, &calls), 5);
	assert_int_equal(calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_lines),
		cmocka_unit_test(test_every_state),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_feed_bad_and_long),
		cmocka_unit_test(test_feed_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
