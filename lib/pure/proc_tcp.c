/* proc_tcp: see proc_tcp.h. */
#include "proc_tcp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

struct cur { const char *p, *end; };

static void skip_sp(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	return -1;
}

/* Between min and max hex digits; 0 or -1. */
static int get_hex(struct cur *c, int min, int max, uint64_t *v)
{
	int n = 0;
	*v = 0;
	while (c->p < c->end && n < max) {
		int h = hexval(*c->p);
		if (h < 0)
			break;
		*v = *v << 4 | (uint64_t)h;
		c->p++;
		n++;
	}
	if (n < min || (c->p < c->end && hexval(*c->p) >= 0))
		return -1;
	return 0;
}

static int get_dec(struct cur *c, uint64_t max, uint64_t *v)
{
	int n = 0;
	*v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		*v = *v * 10 + (uint64_t)(*c->p - '0');
		if (*v > max)
			return -1;
		c->p++;
		n++;
	}
	return n ? 0 : -1;
}

static int expect(struct cur *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* Field must end at a space or end of line. */
static int field_end(struct cur *c)
{
	return c->p < c->end && *c->p != ' ' ? -1 : 0;
}

static int get_addr(struct cur *c, int words, uint8_t *addr, uint16_t *port)
{
	for (size_t i = 0; i < (size_t)words; i++) {
		uint32_t w = 0;
		for (int k = 0; k < 8; k++, c->p++) {
			int h = c->p < c->end ? hexval(*c->p) : -1;
			if (h < 0)
				return -1;
			w = w << 4 | (uint32_t)h;
		}
		/* The word as the kernel held it in memory: host order of
		 * this machine, so copying it back gives network order. */
		memcpy(addr + 4 * i, &w, 4);
	}
	uint64_t p;
	if (expect(c, ':') < 0 || get_hex(c, 4, 4, &p) < 0 || field_end(c) < 0)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* Full sockets go on: refcnt, sk, rto, ato, (quick << 1 | pingpong),
 * cwnd, ssthresh (-1: infinite; the fastopen queue for listeners).  What
 * is there fills the tcp_info fields ss -i shows from /proc; TIME-WAIT and
 * request lines end after sk. */
static void parse_tail(struct cur *c, struct diag_sock *out)
{
	uint64_t f[7];
	int neg = 0;
	for (int i = 0; i < 7; i++) {
		skip_sp(c);
		if (i == 6 && c->p < c->end && *c->p == '-') {
			neg = 1;
			c->p++;
		}
		if ((i == 1 ? get_hex(c, 1, 16, &f[i]) : get_dec(c, UINT32_MAX, &f[i])) < 0 ||
		    field_end(c) < 0)
			return;
	}
	out->has_info = 1;
	out->info.rto_us = f[2] > UINT32_MAX / 10000 ? UINT32_MAX : (uint32_t)(f[2] * 10000);
	out->info.ato_us = f[3] > UINT32_MAX / 10000 ? UINT32_MAX : (uint32_t)(f[3] * 10000);
	out->info.snd_cwnd = (uint32_t)f[5];
	out->info.snd_ssthresh = neg || out->state == TS_LISTEN ? 0xffffffffu : (uint32_t)f[6];
	out->info.reordering = 3;          /* not printed: ss's default */
	out->info.min_rtt_us = ~0u;
}

int proc_tcp_parse_line(const char *line, size_t len, int family,
                        struct diag_sock *out)
{
	struct cur c = { line, line + len };
	uint64_t v, v2;
	int words = family == AF_INET6 ? 4 : 1;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (c.end > c.p && c.end[-1] == '\n')
		c.end--;
	skip_sp(&c);
	if (c.end - c.p >= 2 && c.p[0] == 's' && c.p[1] == 'l')
		return 0;
	memset(out, 0, sizeof *out);
	out->family = (uint8_t)family;
	if (get_dec(&c, 1u << 30, &v) < 0 || expect(&c, ':') < 0)
		return -EINVAL;
	skip_sp(&c);
	if (get_addr(&c, words, out->src, &out->sport) < 0)
		return -EINVAL;
	skip_sp(&c);
	if (get_addr(&c, words, out->dst, &out->dport) < 0)
		return -EINVAL;
	skip_sp(&c);
	if (get_hex(&c, 2, 2, &v) < 0 || field_end(&c) < 0 || v < 1 ||
	    v > TS_NEW_SYN_RECV)
		return -EINVAL;
	out->state = v == TS_NEW_SYN_RECV ? TS_SYN_RECV : (uint8_t)v;
	skip_sp(&c);
	if (get_hex(&c, 1, 8, &v) < 0 || expect(&c, ':') < 0 ||
	    get_hex(&c, 1, 8, &v2) < 0 || field_end(&c) < 0)
		return -EINVAL;
	out->wqueue = (uint32_t)v;
	out->rqueue = (uint32_t)v2;
	skip_sp(&c);
	if (get_hex(&c, 1, 2, &v) < 0 || expect(&c, ':') < 0 ||
	    get_hex(&c, 1, 16, &v2) < 0 || field_end(&c) < 0)
		return -EINVAL;
	out->timer = (uint8_t)v;
	/* tm->when is in USER_HZ (100) ticks whatever the kernel's HZ */
	out->expires_ms = v2 > UINT32_MAX / 10 ? UINT32_MAX : (uint32_t)(v2 * 10);
	skip_sp(&c);
	if (get_hex(&c, 1, 8, &v) < 0 || field_end(&c) < 0)
		return -EINVAL;
	uint64_t retrans = v;
	skip_sp(&c);
	if (get_dec(&c, UINT32_MAX, &v) < 0 || field_end(&c) < 0)
		return -EINVAL;
	out->uid = (uint32_t)v;
	skip_sp(&c);
	if (c.p < c.end && *c.p == '-')    /* timeout is a signed int */
		c.p++;
	if (get_dec(&c, UINT32_MAX, &v) < 0 || field_end(&c) < 0)
		return -EINVAL;
	/* ss counts retransmits for the retransmit timer, probes otherwise */
	if (out->timer != 1)
		retrans = v;
	out->retrans = retrans > 255 ? 255 : (uint8_t)retrans;
	skip_sp(&c);
	if (get_dec(&c, UINT64_MAX / 10, &v) < 0 || field_end(&c) < 0)
		return -EINVAL;
	out->inode = (uint32_t)v;
	out->shutdown = -1;
	parse_tail(&c, out);
	/* Not printed; the kernel sets it when a socket binds a specific
	 * (not v4-mapped) IPv6 address, the wildcard keeps the default 0. */
	if (family == AF_INET6) {
		static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
		out->v6only = memcmp(out->src, zero, 16) != 0 &&
		              memcmp(out->src, mapped, 12) != 0;
	}
	return 1;
}

void proc_tcp_init(struct proc_tcp_parser *p, int family)
{
	memset(p, 0, sizeof *p);
	p->family = family;
}

static int end_line(struct proc_tcp_parser *p, const char *s, size_t n,
                    proc_tcp_cb cb, void *ctx)
{
	struct diag_sock ds;
	int r = 0;
	if (p->overlong) {
		p->bad++;
	} else if (n > 0) {
		p->lines++;
		int k = proc_tcp_parse_line(s, n, p->family, &ds);
		if (k < 0)
			p->bad++;
		else if (k == 1)
			r = cb(ctx, &ds);
	}
	p->overlong = 0;
	p->len = 0;
	return r;
}

int proc_tcp_feed(struct proc_tcp_parser *p, const char *buf, size_t len,
                  proc_tcp_cb cb, void *ctx)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		int r = 0;
		if (p->len == 0 && nl && !p->overlong) {
			/* whole line in the caller's buffer: parse in place */
			if (n >= PROC_TCP_LINE_MAX)
				p->overlong = 1;
			r = end_line(p, buf, n, cb, ctx);
		} else {
			if (p->len + n >= PROC_TCP_LINE_MAX) {
				p->overlong = 1;
			} else {
				memcpy(p->line + p->len, buf, n);
				p->len += n;
			}
			if (nl)
				r = end_line(p, p->line, p->len, cb, ctx);
		}
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
		if (r)
			return r;
	}
	return 0;
}

int proc_tcp_finish(struct proc_tcp_parser *p, proc_tcp_cb cb, void *ctx)
{
	if (p->len == 0 && !p->overlong)
		return 0;
	return end_line(p, p->line, p->len, cb, ctx);
}
