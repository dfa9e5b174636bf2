/* Unit tests for lib/icmp: checksum, echo build, reply and error parsing
 * (IPv4 raw with IP header, IPv4 datagram, IPv6), error texts, patterns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "icmp.h"

static void test_checksum_rfc1071(void **st)
{
	/* RFC 1071 example: words 0001 f203 f4f5 f6f7 sum to ddf2, ~ = 220d */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	(void)st;
	assert_int_equal(ntohs(icmp_checksum(b, sizeof b)), 0x220d);
	/* odd length pads with a zero byte */
	const uint8_t c[] = { 0x01, 0x02, 0x03 };
	assert_int_equal(ntohs(icmp_checksum(c, 3)), (uint16_t)~(0x0102 + 0x0300));
	assert_int_equal(ntohs(icmp_checksum(c, 0)), 0xffff);
}

static void test_build_v4(void **st)
{
	uint8_t buf[128];
	(void)st;
	size_t n = icmp_echo_build(buf, sizeof buf, 0, 0x1234, 0xfffe, 56, NULL, 0, 42);
	assert_int_equal(n, 64);
	assert_int_equal(buf[0], ICMP4_ECHO);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[4], 0x12);
	assert_int_equal(buf[5], 0x34);
	assert_int_equal(buf[6], 0xff);
	assert_int_equal(buf[7], 0xfe);
	assert_int_equal(icmp_checksum(buf, n), 0);     /* valid checksum */
	int64_t t;
	memcpy(&t, buf + 8, 8);
	assert_int_equal(t, 42);
	for (size_t i = 16; i < 56; i++)
		assert_int_equal(buf[8 + i], (uint8_t)i);   /* iputils fill */
	/* too small a buffer */
	assert_int_equal(icmp_echo_build(buf, 63, 0, 1, 1, 56, NULL, 0, 0), 0);
	assert_int_equal(icmp_echo_build(buf, 7, 0, 1, 1, 0, NULL, 0, 0), 0);
	/* no room for a time below 16 bytes: payload is all fill */
	n = icmp_echo_build(buf, sizeof buf, 0, 1, 1, 8, NULL, 0, 99);
	assert_int_equal(n, 16);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(buf[8 + i], i);
}

static void test_stamp(void **st)
{
	uint8_t a[100], b[100];
	const uint8_t pat[] = { 0x5a };
	(void)st;
	/* stamping a template equals building the probe from scratch */
	for (int v6 = 0; v6 <= 1; v6++)
		for (size_t dl = 0; dl < 60; dl += 7) {
			size_t n = icmp_echo_build(a, sizeof a, v6, 0x1111, 0, dl, pat, 1, 0);
			icmp_echo_stamp(a, n, v6, 0xabcd, 123456789);
			size_t m = icmp_echo_build(b, sizeof b, v6, 0x1111, 0xabcd, dl, pat, 1, 123456789);
			assert_int_equal(n, m);
			assert_memory_equal(a, b, n);
			if (!v6)
				assert_int_equal(icmp_checksum(a, n), 0);
		}
}

static void test_checksum_lengths(void **st)
{
	uint8_t b[67];
	(void)st;
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(i * 37 + 11);
	/* against a plain 16-bit big-endian reference at every length */
	for (size_t len = 0; len <= sizeof b; len++) {
		uint32_t sum = 0;
		for (size_t i = 0; i + 1 < len; i += 2)
			sum += (uint32_t)(b[i] << 8 | b[i + 1]);
		if (len & 1)
			sum += (uint32_t)b[len - 1] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(ntohs(icmp_checksum(b, len)), (uint16_t)~sum);
	}
}

static void test_build_v6_pattern(void **st)
{
	uint8_t buf[128];
	const uint8_t pat[] = { 0xab, 0xcd, 0xef };
	(void)st;
	size_t n = icmp_echo_build(buf, sizeof buf, 1, 7, 9, 40, pat, 3, 5);
	assert_int_equal(n, 48);
	assert_int_equal(buf[0], ICMP6_ECHO);
	assert_int_equal(buf[2], 0);    /* the kernel fills the v6 checksum */
	assert_int_equal(buf[3], 0);
	for (size_t i = 16; i < 40; i++)
		assert_int_equal(buf[8 + i], pat[i % 3]);
}

/* An IPv4 header (20 bytes) for proto/src/dst. */
static size_t ip4(uint8_t *b, uint8_t ttl, uint8_t proto, const char *src,
                  const char *dst, size_t total)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[8] = ttl;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	return 20;
}

static size_t make_reply(uint8_t *b, int v6, uint16_t id, uint16_t seq)
{
	size_t n = icmp_echo_build(b, 200, v6, id, seq, 56, NULL, 0, 1234);
	b[0] = v6 ? ICMP6_ECHOREPLY : ICMP4_ECHOREPLY;
	b[2] = b[3] = 0;
	uint16_t c = icmp_checksum(b, n);
	memcpy(b + 2, &c, 2);
	return n;
}

static void test_parse_reply_v4_raw(void **st)
{
	uint8_t pkt[256];
	struct icmp_msg m;
	(void)st;
	size_t h = ip4(pkt, 61, IPPROTO_ICMP, "198.18.0.2", "198.18.0.1", 84);
	size_t n = h + make_reply(pkt + h, 0, 0xbeef, 3);
	assert_int_equal(icmp_parse(ICMP_V4_RAW, pkt, n, &m), ICMP_REPLY);
	assert_int_equal(m.ttl, 61);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.seq, 3);
	assert_int_equal(m.icmp_len, 64);
	assert_int_equal(m.data_len, 56);
	assert_true(m.csum_ok);
	int ok;
	assert_int_equal(icmp_payload_time(&m, &ok), 1234);
	assert_true(ok);
	uint8_t sent[64];
	icmp_echo_build(sent, sizeof sent, 0, 0xbeef, 3, 56, NULL, 0, 999);
	assert_true(icmp_payload_ok(&m, sent + 8, 56, NULL));  /* time differs: fine */
	/* a flipped payload bit: bad checksum, and not our payload */
	pkt[h + 40] ^= 1;
	assert_int_equal(icmp_parse(ICMP_V4_RAW, pkt, n, &m), ICMP_REPLY);
	assert_false(m.csum_ok);
	size_t bad = 0;
	assert_false(icmp_payload_ok(&m, sent + 8, 56, &bad));
	assert_int_equal(bad, 40 - 8);
	/* a truncated reply is compared as far as it goes */
	pkt[h + 40] ^= 1;
	assert_int_equal(icmp_parse(ICMP_V4_RAW, pkt, h + 8 + 30, &m), ICMP_REPLY);
	assert_true(icmp_payload_ok(&m, sent + 8, 56, NULL));
	pkt[h + 40] ^= 1;
	/* every truncation is rejected or parsed without reading past len */
	pkt[h + 40] ^= 1;
	for (size_t k = 0; k < n; k++) {
		enum icmp_kind kd = icmp_parse(ICMP_V4_RAW, pkt, k, &m);
		if (k < h + 8)
			assert_int_equal(kd, ICMP_MALFORMED);
		else
			assert_int_equal(kd, ICMP_REPLY);
	}
	/* IHL below 5 and wrong version */
	pkt[0] = 0x44;
	assert_int_equal(icmp_parse(ICMP_V4_RAW, pkt, n, &m), ICMP_MALFORMED);
	pkt[0] = 0x65;
	assert_int_equal(icmp_parse(ICMP_V4_RAW, pkt, n, &m), ICMP_MALFORMED);
}

static void test_parse_reply_dgram_and_v6(void **st)
{
	uint8_t pkt[256];
	struct icmp_msg m;
	(void)st;
	size_t n = make_reply(pkt, 0, 1, 65535);
	assert_int_equal(icmp_parse(ICMP_V4_DGRAM, pkt, n, &m), ICMP_REPLY);
	assert_int_equal(m.seq, 65535);
	assert_int_equal(m.ttl, -1);
	n = make_reply(pkt, 1, 2, 0);
	assert_int_equal(icmp_parse(ICMP_V6, pkt, n, &m), ICMP_REPLY);
	assert_int_equal(m.seq, 0);
	assert_int_equal(m.id, 2);
	assert_true(m.csum_ok);
	/* an echo request (our own, looped back) is not a reply */
	pkt[0] = ICMP6_ECHO;
	assert_int_equal(icmp_parse(ICMP_V6, pkt, n, &m), ICMP_OTHER);
	assert_int_equal(icmp_parse(ICMP_V6, pkt, 7, &m), ICMP_MALFORMED);
}

/* ICMPv4 error quoting our echo request: [IP][ICMP err][IP][ICMP echo]. */
static size_t make_err4(uint8_t *b, int with_outer_ip, uint8_t type,
                        uint8_t code, uint32_t word)
{
	size_t off = 0;
	if (with_outer_ip)
		off = ip4(b, 64, IPPROTO_ICMP, "198.18.1.1", "198.18.1.2", 0);
	uint8_t *e = b + off;
	memset(e, 0, 8);
	e[0] = type;
	e[1] = code;
	e[4] = (uint8_t)(word >> 24);
	e[5] = (uint8_t)(word >> 16);
	e[6] = (uint8_t)(word >> 8);
	e[7] = (uint8_t)word;
	size_t q = 8 + ip4(e + 8, 1, IPPROTO_ICMP, "198.18.1.2", "198.18.2.2", 84);
	q += icmp_echo_build(e + q, 8, 0, 0x4242, 17, 0, NULL, 0, 0);
	uint16_t c = icmp_checksum(e, q);
	memcpy(e + 2, &c, 2);
	return off + q;
}

static void test_parse_error_v4(void **st)
{
	uint8_t pkt[256];
	struct icmp_msg m;
	struct in_addr want;
	(void)st;
	inet_pton(AF_INET, "198.18.2.2", &want);
	for (int raw = 0; raw <= 1; raw++) {
		enum icmp_form f = raw ? ICMP_V4_RAW : ICMP_V4_DGRAM;
		size_t n = make_err4(pkt, raw, ICMP4_TIMXCEED, 0, 0);
		assert_int_equal(icmp_parse(f, pkt, n, &m), ICMP_ERROR);
		assert_int_equal(m.type, ICMP4_TIMXCEED);
		assert_int_equal(m.orig_family, AF_INET);
		assert_int_equal(m.orig_dst4.s_addr, want.s_addr);
		assert_int_equal(m.id, 0x4242);
		assert_int_equal(m.seq, 17);
		assert_true(m.csum_ok);
		/* truncated quotes are malformed, never over-read */
		size_t hdr = raw ? 20u : 0u;
		for (size_t k = hdr + 8; k < n; k++)
			assert_int_equal(icmp_parse(f, pkt, k, &m), ICMP_MALFORMED);
	}
	/* frag needed: the MTU is the low 16 bits */
	size_t n = make_err4(pkt, 0, ICMP4_UNREACH, 4, 1400);
	assert_int_equal(icmp_parse(ICMP_V4_DGRAM, pkt, n, &m), ICMP_ERROR);
	assert_int_equal(m.info, 1400);
	/* parameter problem: the pointer is the top byte */
	n = make_err4(pkt, 0, ICMP4_PARAMPROB, 0, 0x0c000000);
	assert_int_equal(icmp_parse(ICMP_V4_DGRAM, pkt, n, &m), ICMP_ERROR);
	assert_int_equal(m.info, 12);
	/* an error quoting UDP is not about our probe */
	n = make_err4(pkt, 0, ICMP4_UNREACH, 3, 0);
	pkt[8 + 9] = IPPROTO_UDP;
	assert_int_equal(icmp_parse(ICMP_V4_DGRAM, pkt, n, &m), ICMP_OTHER);
}

static size_t make_err6(uint8_t *b, uint8_t type, uint8_t code, int frag)
{
	memset(b, 0, 200);
	b[0] = type;
	b[1] = code;
	uint8_t *q = b + 8;
	q[0] = 0x60;
	q[6] = frag ? 44 : IPPROTO_ICMPV6;
	q[7] = 1;
	inet_pton(AF_INET6, "fd00::1", q + 8);
	inet_pton(AF_INET6, "fd00::2", q + 24);
	size_t off = 40;
	if (frag) {
		q[off] = IPPROTO_ICMPV6;
		off += 8;
	}
	off += icmp_echo_build(q + off, 8, 1, 0x0606, 300, 0, NULL, 0, 0);
	return 8 + off;
}

static void test_parse_error_v6(void **st)
{
	uint8_t pkt[256];
	struct icmp_msg m;
	struct in6_addr want;
	(void)st;
	inet_pton(AF_INET6, "fd00::2", &want);
	for (int frag = 0; frag <= 1; frag++) {
		size_t n = make_err6(pkt, ICMP6_TIMXCEED, 0, frag);
		assert_int_equal(icmp_parse(ICMP_V6, pkt, n, &m), ICMP_ERROR);
		assert_int_equal(m.orig_family, AF_INET6);
		assert_memory_equal(&m.orig_dst6, &want, 16);
		assert_int_equal(m.id, 0x0606);
		assert_int_equal(m.seq, 300);
		for (size_t k = 8; k < n; k++)
			assert_int_equal(icmp_parse(ICMP_V6, pkt, k, &m), ICMP_MALFORMED);
	}
	/* error-queue form: the original ICMPv6 header only */
	uint8_t orig[8];
	icmp_echo_build(orig, sizeof orig, 1, 9, 65535, 0, NULL, 0, 0);
	assert_int_equal(icmp_parse_orig(1, orig, 8, &m), 0);
	assert_int_equal(m.seq, 65535);
	assert_int_equal(m.id, 9);
	assert_int_equal(icmp_parse_orig(1, orig, 7, &m), -1);
	assert_int_equal(icmp_parse_orig(0, orig, 8, &m), -1); /* v4 expected */
}

static void test_error_texts(void **st)
{
	static const struct { int v6; uint8_t type, code; uint32_t info; const char *want; } t[] = {
		{ 0, 3, 0, 0, "Destination Net Unreachable" },
		{ 0, 3, 1, 0, "Destination Host Unreachable" },
		{ 0, 3, 3, 0, "Destination Port Unreachable" },
		{ 0, 3, 4, 1400, "Frag needed and DF set (mtu = 1400)" },
		{ 0, 3, 13, 0, "Packet filtered" },
		{ 0, 3, 15, 0, "Precedence Cutoff" },
		{ 0, 3, 16, 0, "Dest Unreachable, Bad Code: 16" },
		{ 0, 4, 0, 0, "Source Quench" },
		{ 0, 5, 1, 0xc6120101, "Redirect Host(New nexthop: 198.18.1.1)" },
		{ 0, 11, 0, 0, "Time to live exceeded" },
		{ 0, 11, 1, 0, "Frag reassembly time exceeded" },
		{ 0, 11, 7, 0, "Time exceeded, Bad Code: 7" },
		{ 0, 12, 0, 12, "Parameter problem: pointer = 12" },
		{ 0, 99, 0, 0, "Bad ICMP type: 99" },
		{ 1, 1, 0, 0, "Destination unreachable: No route" },
		{ 1, 1, 1, 0, "Destination unreachable: Administratively prohibited" },
		{ 1, 1, 3, 0, "Destination unreachable: Address unreachable" },
		{ 1, 1, 4, 0, "Destination unreachable: Port unreachable" },
		{ 1, 1, 2, 0, "Destination unreachable: Unknown code 2" },
		{ 1, 2, 0, 1280, "Packet too big: mtu=1280" },
		{ 1, 2, 1, 1280, "Packet too big: mtu=1280, code=1" },
		{ 1, 3, 0, 0, "Time exceeded: Hop limit" },
		{ 1, 3, 1, 0, "Time exceeded: Defragmentation failure" },
		{ 1, 4, 1, 40, "Parameter problem: Unknown header at 40" },
		{ 1, 4, 9, 6, "Parameter problem: code 9 at 6" },
		{ 1, 200, 0, 0, "unknown icmp type: 200" },
	};
	char buf[128];
	(void)st;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_string_equal(icmp_error_text(t[i].v6, t[i].type, t[i].code,
		                                    t[i].info, buf, sizeof buf), t[i].want);
	/* truncation keeps a terminated string */
	icmp_error_text(0, 11, 0, 0, buf, 5);
	assert_string_equal(buf, "Time");
}

static void test_pattern(void **st)
{
	uint8_t p[16];
	(void)st;
	assert_int_equal(icmp_pattern_parse("ab", p), 1);
	assert_int_equal(p[0], 0xab);
	assert_int_equal(icmp_pattern_parse("abc", p), 2);
	assert_int_equal(p[1], 0x0c);
	assert_int_equal(icmp_pattern_parse("ff00ff00ff00ff00ff00ff00ff00ff00ee", p), 16);
	assert_int_equal(icmp_pattern_parse("", p), -1);
	assert_int_equal(icmp_pattern_parse("xz", p), -1);
	assert_int_equal(icmp_pattern_parse("a b", p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_rfc1071),
		cmocka_unit_test(test_build_v4),
		cmocka_unit_test(test_build_v6_pattern),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_checksum_lengths),
		cmocka_unit_test(test_parse_reply_v4_raw),
		cmocka_unit_test(test_parse_reply_dgram_and_v6),
		cmocka_unit_test(test_parse_error_v4),
		cmocka_unit_test(test_parse_error_v6),
		cmocka_unit_test(test_error_texts),
		cmocka_unit_test(test_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
