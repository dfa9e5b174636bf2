/* pingfmt: iputils-exact ping output lines (see pingfmt.h). */
#include "pingfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe_report.h"
#include "strbuf.h"

static void put_stamp(struct strbuf *o, int64_t wall_us)
{
	if (wall_us >= 0)
		sb_printf(o, "[%lld.%06lld] ", (long long)(wall_us / 1000000),
		    (long long)(wall_us % 1000000));
}

/* "a.bcd" from microseconds, the %ld.%03ld iputils uses (probe_report's,
 * one formatter for the whole probe family). */
static void put_ms3(struct strbuf *o, int64_t us)
{
	char b[32];
	probe_fmt_ms3(b, sizeof b, us);
	sb_printf(o, "%s", b);
}

int pingfmt_header(char *buf, size_t n, int v6, const char *host,
                   const char *addr, const char *src, const char *dev,
                   size_t datalen, size_t optlen, uint32_t flow)
{
	struct strbuf o = sb_init(buf, n);

	sb_printf(&o, v6 ? "PING %s(%s) " : "PING %s (%s) ", host, addr);
	if (v6 && flow)
		sb_printf(&o, ", flow 0x%05x, ", (unsigned)flow);
	if (src)
		sb_printf(&o, "from %s %s: ", src, dev ? dev : "");
	if (v6)
		sb_printf(&o, "%zu data bytes\n", datalen);
	else
		sb_printf(&o, "%zu(%zu) bytes of data.\n", datalen, datalen + 8 + optlen + 20);
	return sb_done(&o);
}

int pingfmt_time(char *buf, size_t n, int64_t t)
{
	struct strbuf o = sb_init(buf, n);
	char ms[32];

	probe_fmt_ms(ms, sizeof ms, t);   /* iputils' decimals and rounding */
	sb_printf(&o, " time=%s ms", ms);
	return sb_done(&o);
}

int pingfmt_reply(char *buf, size_t n, const struct pingfmt_reply *r)
{
	struct strbuf o = sb_init(buf, n);

	put_stamp(&o, r->wall_us);
	if (r->body)
		sb_printf(&o, "%zu bytes from %s:%s", r->bytes, r->from, r->body);
	else
		sb_printf(&o, "%zu bytes from %s: icmp_seq=%u", r->bytes, r->from, r->seq);
	if (r->has_ident)
		sb_printf(&o, " ident=%u", r->ident);
	if (r->ttl >= 0)
		sb_printf(&o, " ttl=%d", r->ttl);
	if (r->truncated) {
		sb_printf(&o, " (truncated)\n");
		return sb_done(&o);
	}
	if (r->has_time) {
		char t[48];
		pingfmt_time(t, sizeof t, r->rtt_us);
		sb_printf(&o, "%s", t);
	}
	if (r->dup)
		sb_printf(&o, " (DUP!)");
	if (r->bad_csum)
		sb_printf(&o, " (BAD CHECKSUM!)");
	if (r->tail)
		sb_printf(&o, "%s", r->tail);
	sb_printf(&o, "\n");
	return sb_done(&o);
}

__attribute__((cold)) static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One address slot: "\t0.0.0.0" or "\t" + name(addr). */
__attribute__((cold)) static void put_slot(struct strbuf *o, const uint8_t *p,
                     const char *(*name)(void *, uint32_t), void *ctx)
{
	uint32_t a;

	memcpy(&a, p, 4);
	if (!a)
		sb_printf(o, "\t0.0.0.0");
	else
		sb_printf(o, "\t%s", name(ctx, a));
}

__attribute__((cold)) static void put_rr(struct strbuf *o, const uint8_t *opt, size_t olen,
                   struct pingfmt_rr *rr, int flood,
                   const char *(*name)(void *, uint32_t), void *ctx)
{
	int len = opt[1], ptr = olen > 2 ? opt[2] : 0;
	int i = (ptr > len ? len : ptr) - 4;
	const uint8_t *cp = opt + 3;

	if (i <= 0)
		return;
	if ((size_t)i == rr->len && (size_t)i <= sizeof rr->data &&
	    !memcmp(cp - 1, rr->data, (size_t)i) && !flood) {
		sb_printf(o, "\t(same route)");
		return;
	}
	rr->len = (size_t)i <= sizeof rr->data ? (size_t)i : 0;
	memcpy(rr->data, cp - 1, rr->len);
	sb_printf(o, "\nRR: ");
	while (i > 0 && cp + 4 <= opt + olen) {
		put_slot(o, cp, name, ctx);
		cp += 4;
		i -= 4;
		sb_printf(o, "\n");
	}
}

__attribute__((cold)) static void put_ts(struct strbuf *o, const uint8_t *opt, size_t olen,
                   const char *(*name)(void *, uint32_t), void *ctx)
{
	int len = opt[1], ptr = olen > 2 ? opt[2] : 0;
	int i = (ptr > len ? len : ptr) - 5;
	long std0 = 0, nonstd0 = 0;
	uint8_t flags;
	const uint8_t *cp, *end = opt + olen;

	if (i <= 0 || olen < 4)
		return;
	flags = opt[3];
	cp = opt + 4;
	sb_printf(o, "\nTS: ");
	while (cp + 4 <= end) {
		long l;
		if ((flags & 0xf) != 0) {
			put_slot(o, cp, name, ctx);
			cp += 4;
			i -= 4;
			if (i <= 0 || cp + 4 > end)
				break;
		}
		l = (long)be32(cp);
		cp += 4;
		if (l & 0x80000000L) {
			if (nonstd0 == 0)
				sb_printf(o, "\t%ld absolute not-standard", l & 0x7fffffff);
			else
				sb_printf(o, "\t%ld not-standard", (l & 0x7fffffff) - nonstd0);
			nonstd0 = l & 0x7fffffff;
		} else {
			if (std0 == 0)
				sb_printf(o, "\t%ld absolute", l);
			else
				sb_printf(o, "\t%ld", l - std0);
			std0 = l;
		}
		i -= 4;
		sb_printf(o, "\n");
		if (i <= 0)
			break;
	}
	if (flags >> 4)
		sb_printf(o, "Unrecorded hops: %d\n", flags >> 4);
}

__attribute__((cold)) int pingfmt_ipopts(char *buf, size_t n, const uint8_t *opts, size_t olen,
                   struct pingfmt_rr *rr, int flood,
                   const char *(*name)(void *ctx, uint32_t addr), void *ctx)
{
	struct strbuf o = sb_init(buf, n);

	while (olen > 0) {
		size_t l;
		if (opts[0] == 0)           /* end of options */
			break;
		if (opts[0] == 1) {         /* no-op */
			sb_printf(&o, "\nNOP");
			opts++;
			olen--;
			continue;
		}
		if (olen < 2)
			break;
		l = opts[1];
		if (l < 2 || l > olen)
			break;
		if (opts[0] == 7)
			put_rr(&o, opts, l, rr, flood, name, ctx);
		else if (opts[0] == 68)
			put_ts(&o, opts, l, name, ctx);
		else    /* source routes are never sent, so never echoed */
			sb_printf(&o, "\nunknown option %x", opts[0]);
		opts += l;
		olen -= l;
	}
	return sb_done(&o);
}

int pingfmt_error(char *buf, size_t n, int64_t wall_us, const char *from,
                  uint16_t seq, const char *text)
{
	struct strbuf o = sb_init(buf, n);

	put_stamp(&o, wall_us);
	sb_printf(&o, "From %s icmp_seq=%u %s\n", from, seq, text);
	return sb_done(&o);
}

/* A 16-bit field read as a little-endian host reads it unconverted. */
__attribute__((cold)) static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

__attribute__((cold)) int pingfmt_iphdr(char *buf, size_t n, const uint8_t *ip, size_t len)
{
	struct strbuf o = sb_init(buf, n);
	char src[16], dst[16];
	unsigned frag;

	if (n)
		buf[0] = '\0';
	if (len < 20)
		return 0;
	frag = le16(ip + 6);
	snprintf(src, sizeof src, "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
	snprintf(dst, sizeof dst, "%u.%u.%u.%u", ip[16], ip[17], ip[18], ip[19]);
	sb_printf(&o, "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst Data\n");
	sb_printf(&o, " %1x  %1x  %02x %04x %04x", ip[0] >> 4, ip[0] & 15u, ip[1], le16(ip + 2),
	    le16(ip + 4));
	sb_printf(&o, "   %1x %04x", (frag & 0xe000) >> 13, frag & 0x1fff);
	sb_printf(&o, "  %02x  %02x %04x", ip[8], ip[9], le16(ip + 10));
	sb_printf(&o, " %s ", src);
	sb_printf(&o, " %s ", dst);
	sb_printf(&o, "\n");
	return sb_done(&o);
}

int pingfmt_noanswer(char *buf, size_t n, int64_t wall_us, uint16_t seq)
{
	struct strbuf o = sb_init(buf, n);

	put_stamp(&o, wall_us);
	sb_printf(&o, "no answer yet for icmp_seq=%u\n", seq);
	return sb_done(&o);
}

double pingfmt_loss(long transmitted, long received)
{
	if (transmitted <= 0)
		return 0;
	return probe_loss_pct((uint64_t)transmitted,
	                      received < 0 ? 0 : (uint64_t)received);
}

int pingfmt_stats(char *buf, size_t n, const struct pingfmt_totals *t)
{
	struct strbuf o = sb_init(buf, n);
	const char *comma = "";

	sb_printf(&o, "\n--- %s ping statistics ---\n", t->host);
	sb_printf(&o, "%ld packets transmitted, %ld received", t->transmitted, t->received);
	if (t->dups)
		sb_printf(&o, ", +%ld duplicates", t->dups);
	if (t->corrupted)
		sb_printf(&o, ", +%ld corrupted", t->corrupted);
	if (t->errors)
		sb_printf(&o, ", +%ld errors", t->errors);
	if (t->transmitted) {
		sb_printf(&o, ", %g%% packet loss", pingfmt_loss(t->transmitted, t->received));
		/* iputils rounds the elapsed time to the nearest millisecond. */
		sb_printf(&o, ", time %lldms", (long long)((t->elapsed_us + 500) / 1000));
	}
	sb_printf(&o, "\n");
	if (t->received && t->timing) {
		sb_printf(&o, "rtt min/avg/max/mdev = ");
		put_ms3(&o, t->min_us);
		sb_printf(&o, "/");
		put_ms3(&o, t->avg_us);
		sb_printf(&o, "/");
		put_ms3(&o, t->max_us);
		sb_printf(&o, "/");
		put_ms3(&o, t->mdev_us);
		sb_printf(&o, " ms");
		comma = ", ";
	}
	if (t->pipe > 1) {
		sb_printf(&o, "%spipe %d", comma, t->pipe);
		comma = ", ";
	}
	if (t->received && t->show_ipg && t->transmitted > 1) {
		int64_t ipg = t->elapsed_us / (t->transmitted - 1);
		sb_printf(&o, "%sipg/ewma %lld.%03lld/%d.%03d ms", comma,
		    (long long)(ipg / 1000), (long long)(ipg % 1000),
		    t->ewma8 / 8000, (t->ewma8 / 8) % 1000);
	}
	sb_printf(&o, "\n");
	return sb_done(&o);
}

int pingfmt_status(char *buf, size_t n, const struct pingfmt_totals *t)
{
	struct strbuf o = sb_init(buf, n);
	long loss = 0;

	if (t->transmitted)
		loss = ((t->transmitted - t->received) * 100) / t->transmitted;
	sb_printf(&o, "\r%ld/%ld packets, %ld%% loss", t->received, t->transmitted, loss);
	if (t->received && t->timing) {
		sb_printf(&o, ", min/avg/ewma/max = ");
		put_ms3(&o, t->min_us);
		sb_printf(&o, "/");
		put_ms3(&o, t->avg_us);
		sb_printf(&o, "/%d.%03d/", t->ewma8 / 8000, (t->ewma8 / 8) % 1000);
		put_ms3(&o, t->max_us);
		sb_printf(&o, " ms");
	}
	sb_printf(&o, "\n");
	return sb_done(&o);
}

void pingfmt_ewma_add(int *ewma8, int64_t rtt_us)
{
	if (!*ewma8)
		*ewma8 = (int)(rtt_us * 8);
	else
		*ewma8 += (int)rtt_us - *ewma8 / 8;
}
