/* icmp: ICMP/ICMPv6 echo codec (see icmp.h). */
#include "icmp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

uint16_t icmp_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;

	/* The one's complement sum does not depend on byte order: add words
	 * as they lie in memory and the folded result, stored back the same
	 * way, is the network-order checksum.  32-bit loads fold to the same
	 * 16-bit sum as 16-bit ones. */
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		sum += w;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t icmp_echo_build(uint8_t *buf, size_t cap, int v6, uint16_t id,
                       uint16_t seq, size_t datalen, const uint8_t *pattern,
                       size_t pattern_len, int64_t send_ns)
{
	size_t i, len = ICMP_HDR_LEN + datalen;
	uint8_t *data = buf + ICMP_HDR_LEN;

	if (cap < ICMP_HDR_LEN || datalen > cap - ICMP_HDR_LEN)
		return 0;
	buf[0] = v6 ? ICMP6_ECHO : ICMP4_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	for (i = 0; i < datalen; i++)
		data[i] = pattern_len ? pattern[i % pattern_len] : (uint8_t)i;
	if (datalen >= ICMP_TS_LEN) {
		memcpy(data, &send_ns, sizeof send_ns);
		memset(data + sizeof send_ns, 0, ICMP_TS_LEN - sizeof send_ns);
	}
	if (!v6) {
		uint16_t c = icmp_checksum(buf, len);
		memcpy(buf + 2, &c, 2);
	}
	return len;
}

void icmp_echo_stamp(uint8_t *buf, size_t len, int v6, uint16_t seq,
                     int64_t send_ns)
{
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	if (len >= ICMP_HDR_LEN + ICMP_TS_LEN)
		memcpy(buf + ICMP_HDR_LEN, &send_ns, sizeof send_ns);
	if (!v6) {
		uint16_t c;
		buf[2] = buf[3] = 0;
		c = icmp_checksum(buf, len);
		memcpy(buf + 2, &c, 2);
	}
}

static int v4_is_error(uint8_t type)
{
	return type == ICMP4_UNREACH || type == ICMP4_SOURCEQUENCH ||
	       type == ICMP4_REDIRECT || type == ICMP4_TIMXCEED ||
	       type == ICMP4_PARAMPROB;
}

static int v6_is_error(uint8_t type)
{
	return type >= ICMP6_UNREACH && type <= ICMP6_PARAMPROB;
}

/* The quoted IPv4 packet at q[0..qlen): must be ICMP echo request. */
static enum icmp_kind quoted_v4(const uint8_t *q, size_t qlen,
                                struct icmp_msg *m)
{
	size_t ihl;

	if (qlen < 20 || (q[0] >> 4) != 4)
		return ICMP_MALFORMED;
	ihl = (size_t)(q[0] & 0x0f) * 4;
	if (ihl < 20 || qlen < ihl + ICMP_HDR_LEN)
		return ICMP_MALFORMED;
	if (q[9] != IPPROTO_ICMP || q[ihl] != ICMP4_ECHO)
		return ICMP_OTHER;
	m->orig_family = AF_INET;
	memcpy(&m->orig_dst4, q + 16, 4);
	m->id = rd16(q + ihl + 4);
	m->seq = rd16(q + ihl + 6);
	return ICMP_ERROR;
}

/* The quoted IPv6 packet: skip extension headers up to ICMPv6. */
static enum icmp_kind quoted_v6(const uint8_t *q, size_t qlen,
                                struct icmp_msg *m)
{
	size_t off = 40;
	uint8_t nh;
	int hops;

	if (qlen < 40 || (q[0] >> 4) != 6)
		return ICMP_MALFORMED;
	nh = q[6];
	for (hops = 0; hops < 8 && nh != IPPROTO_ICMPV6; hops++) {
		size_t hlen;

		if (nh != 0 && nh != 43 && nh != 44 && nh != 60)
			return ICMP_OTHER;
		if (qlen < off + 8)
			return ICMP_MALFORMED;
		if (nh == 44) {
			/* A non-first fragment carries no ICMPv6 header. */
			if ((rd16(q + off + 2) & 0xfff8) != 0)
				return ICMP_OTHER;
			hlen = 8;
		} else {
			hlen = ((size_t)q[off + 1] + 1) * 8;
		}
		nh = q[off];
		off += hlen;
	}
	if (nh != IPPROTO_ICMPV6)
		return ICMP_OTHER;
	if (qlen < off + ICMP_HDR_LEN)
		return ICMP_MALFORMED;
	if (q[off] != ICMP6_ECHO)
		return ICMP_OTHER;
	m->orig_family = AF_INET6;
	memcpy(&m->orig_dst6, q + 24, 16);
	m->id = rd16(q + off + 4);
	m->seq = rd16(q + off + 6);
	return ICMP_ERROR;
}

enum icmp_kind icmp_parse(enum icmp_form form, const uint8_t *buf, size_t len,
                          struct icmp_msg *m)
{
	const uint8_t *ic = buf;
	size_t iclen = len;
	int v6 = form == ICMP_V6;

	memset(m, 0, sizeof *m);
	m->ttl = -1;
	m->csum_ok = 1;
	m->kind = ICMP_MALFORMED;
	if (form == ICMP_V4_RAW) {
		size_t ihl;

		if (len < 20 || (buf[0] >> 4) != 4)
			return ICMP_MALFORMED;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || len < ihl + ICMP_HDR_LEN)
			return ICMP_MALFORMED;
		m->ttl = buf[8];
		ic = buf + ihl;
		iclen = len - ihl;
	}
	if (iclen < ICMP_HDR_LEN)
		return ICMP_MALFORMED;
	m->type = ic[0];
	m->code = ic[1];
	m->icmp_len = iclen;
	if (!v6)
		m->csum_ok = icmp_checksum(ic, iclen) == 0;
	m->info = rd32(ic + 4);
	/* Decode the fourth word the way the kernel's error queue does. */
	if (!v6 && m->type == ICMP4_UNREACH && m->code == 4)
		m->info &= 0xffff;
	else if (!v6 && m->type == ICMP4_PARAMPROB)
		m->info >>= 24;
	if (m->type == (v6 ? ICMP6_ECHOREPLY : ICMP4_ECHOREPLY)) {
		m->id = rd16(ic + 4);
		m->seq = rd16(ic + 6);
		m->data = ic + ICMP_HDR_LEN;
		m->data_len = iclen - ICMP_HDR_LEN;
		m->kind = ICMP_REPLY;
		return m->kind;
	}
	if (v6 ? !v6_is_error(m->type) : !v4_is_error(m->type)) {
		m->kind = ICMP_OTHER;
		return m->kind;
	}
	if (v6)
		m->kind = quoted_v6(ic + 8, iclen - 8, m);
	else
		m->kind = quoted_v4(ic + 8, iclen - 8, m);
	return m->kind;
}

int icmp_parse_orig(int v6, const uint8_t *buf, size_t len,
                    struct icmp_msg *m)
{
	if (len < ICMP_HDR_LEN || buf[0] != (v6 ? ICMP6_ECHO : ICMP4_ECHO))
		return -1;
	m->id = rd16(buf + 4);
	m->seq = rd16(buf + 6);
	return 0;
}

int64_t icmp_payload_time(const struct icmp_msg *m, int *ok)
{
	int64_t t;

	if (!m->data || m->data_len < ICMP_TS_LEN) {
		*ok = 0;
		return 0;
	}
	memcpy(&t, m->data, sizeof t);
	*ok = 1;
	return t;
}

int icmp_payload_ok(const struct icmp_msg *m, const uint8_t *sent,
                    size_t sent_len, size_t *bad)
{
	size_t i = sent_len >= ICMP_TS_LEN ? ICMP_TS_LEN : 0;
	size_t n = m->data_len < sent_len ? m->data_len : sent_len;

	if (i >= n || !memcmp(m->data + i, sent + i, n - i))
		return 1;
	for (; i < n && m->data[i] == sent[i]; i++)
		;
	if (bad)
		*bad = i;
	return 0;
}

static const char *const unreach4[16] = {
	"Destination Net Unreachable",
	"Destination Host Unreachable",
	"Destination Protocol Unreachable",
	"Destination Port Unreachable",
	NULL, /* 4: frag needed, carries the MTU */
	"Source Route Failed",
	"Destination Net Unknown",
	"Destination Host Unknown",
	"Source Host Isolated",
	"Destination Net Prohibited",
	"Destination Host Prohibited",
	"Destination Net Unreachable for Type of Service",
	"Destination Host Unreachable for Type of Service",
	"Packet filtered",
	"Precedence Violation",
	"Precedence Cutoff",
};

static const char *const redirect4[4] = {
	"Redirect Network",
	"Redirect Host",
	"Redirect Type of Service and Network",
	"Redirect Type of Service and Host",
};

static void text_v4(uint8_t type, uint8_t code, uint32_t info, char *buf,
                    size_t n)
{
	switch (type) {
	case ICMP4_ECHOREPLY:
		snprintf(buf, n, "Echo Reply");
		return;
	case ICMP4_UNREACH:
		if (code == 4)
			snprintf(buf, n, "Frag needed and DF set (mtu = %u)", info);
		else if (code < 16)
			snprintf(buf, n, "%s", unreach4[code]);
		else
			snprintf(buf, n, "Dest Unreachable, Bad Code: %d", code);
		return;
	case ICMP4_SOURCEQUENCH:
		snprintf(buf, n, "Source Quench");
		return;
	case ICMP4_REDIRECT: {
		char gw[INET_ADDRSTRLEN];
		struct in_addr a;
		char what[48];

		a.s_addr = htonl(info);
		inet_ntop(AF_INET, &a, gw, sizeof gw);
		if (code < 4)
			snprintf(what, sizeof what, "%s", redirect4[code]);
		else
			snprintf(what, sizeof what, "Redirect, Bad Code: %d", code);
		snprintf(buf, n, "%s(New nexthop: %s)", what, gw);
		return;
	}
	case ICMP4_ECHO:
		snprintf(buf, n, "Echo Request");
		return;
	case ICMP4_TIMXCEED:
		if (code == 0)
			snprintf(buf, n, "Time to live exceeded");
		else if (code == 1)
			snprintf(buf, n, "Frag reassembly time exceeded");
		else
			snprintf(buf, n, "Time exceeded, Bad Code: %d", code);
		return;
	case ICMP4_PARAMPROB:
		snprintf(buf, n, "Parameter problem: pointer = %u", info);
		return;
	case 13: snprintf(buf, n, "Timestamp"); return;
	case 14: snprintf(buf, n, "Timestamp Reply"); return;
	case 15: snprintf(buf, n, "Information Request"); return;
	case 16: snprintf(buf, n, "Information Reply"); return;
	case 17: snprintf(buf, n, "Address Mask Request"); return;
	case 18: snprintf(buf, n, "Address Mask Reply"); return;
	default:
		snprintf(buf, n, "Bad ICMP type: %d", type);
	}
}

static void text_v6(uint8_t type, uint8_t code, uint32_t info, char *buf,
                    size_t n)
{
	/* The code names are those iputils 20221126 knows; newer codes
	 * print as "Unknown code N" there too. */
	static const char *const unreach6[5] = {
		"No route", "Administratively prohibited", NULL,
		"Address unreachable", "Port unreachable",
	};
	static const char *const param6[3] = {
		"Wrong header field ", "Unknown header ", "Unknown option ",
	};

	switch (type) {
	case ICMP6_UNREACH:
		if (code < 5 && unreach6[code])
			snprintf(buf, n, "Destination unreachable: %s", unreach6[code]);
		else
			snprintf(buf, n, "Destination unreachable: Unknown code %d", code);
		return;
	case ICMP6_TOOBIG:
		if (code)
			snprintf(buf, n, "Packet too big: mtu=%u, code=%d", info, code);
		else
			snprintf(buf, n, "Packet too big: mtu=%u", info);
		return;
	case ICMP6_TIMXCEED:
		if (code == 0)
			snprintf(buf, n, "Time exceeded: Hop limit");
		else if (code == 1)
			snprintf(buf, n, "Time exceeded: Defragmentation failure");
		else
			snprintf(buf, n, "Time exceeded: code %d", code);
		return;
	case ICMP6_PARAMPROB:
		if (code < 3)
			snprintf(buf, n, "Parameter problem: %sat %u", param6[code], info);
		else
			snprintf(buf, n, "Parameter problem: code %d at %u", code, info);
		return;
	case ICMP6_ECHO: snprintf(buf, n, "Echo request"); return;
	case ICMP6_ECHOREPLY: snprintf(buf, n, "Echo reply"); return;
	case 130: snprintf(buf, n, "MLD Query"); return;
	case 131: snprintf(buf, n, "MLD Report"); return;
	case 132: snprintf(buf, n, "MLD Reduction"); return;
	default:
		snprintf(buf, n, "unknown icmp type: %u", type);
	}
}

__attribute__((cold)) /* errors only: optimised for size */
const char *icmp_error_text(int v6, uint8_t type, uint8_t code, uint32_t info,
                            char *buf, size_t bufsz)
{
	if (!bufsz)
		return buf;
	if (v6)
		text_v6(type, code, info, buf, bufsz);
	else
		text_v4(type, code, info, buf, bufsz);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int icmp_pattern_parse(const char *s, uint8_t *out)
{
	size_t i, n = 0;

	if (!*s)
		return -1;
	for (i = 0; s[i]; i++)
		if (hexval(s[i]) < 0)
			return -1;
	/* Two digits per byte, at most 16 bytes; the rest is ignored, as
	 * iputils' sscanf("%2x" x16) does. */
	for (i = 0; s[i] && n < ICMP_PATTERN_MAX; n++) {
		int v = hexval(s[i++]);
		if (s[i])
			v = v * 16 + hexval(s[i++]);
		out[n] = (uint8_t)v;
	}
	return (int)n;
}
