/* ssfmt: see ssfmt.h. */
#include "ssfmt.h"

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

char *ssfmt_u(char *p, uint64_t v)
{
	char t[24];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

char *ssfmt_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

char *ssfmt_pad_to(char *p, char *start, size_t width)
{
	while ((size_t)(p - start) < width)
		*p++ = ' ';
	return p;
}

/* Right-align [from, p) in `width` columns. */
static char *right_align(char *from, char *p, size_t width)
{
	size_t n = (size_t)(p - from);
	if (n >= width)
		return p;
	memmove(from + (width - n), from, n);
	memset(from, ' ', width - n);
	return from + width;
}

static char *put_hex(char *p, uint64_t v)
{
	char t[16];
	int n = 0;
	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

char *ssfmt_host(char *p, const struct diag_sock *s, int local, const char *ifname)
{
	const uint8_t *a = local ? s->src : s->dst;
	if (s->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = ssfmt_u(p, a[i]);
		}
	} else {
		static const uint8_t zero[16];
		if (!s->v6only && memcmp(a, zero, 16) == 0) {
			*p++ = '*';
		} else {
			char t[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, a, t, sizeof t);
			*p++ = '[';
			p = ssfmt_str(p, t);
			*p++ = ']';
		}
	}
	if (local && s->ifindex && ifname) {
		*p++ = '%';
		p = ssfmt_str(p, ifname);
	}
	return p;
}

static char *put_port(char *p, uint16_t port, const struct services *svc)
{
	if (port == 0) {
		*p++ = '*';
		return p;
	}
	const char *name = svc ? services_name(svc, port) : NULL;
	return name ? ssfmt_str(p, name) : ssfmt_u(p, port);
}

size_t ssfmt_endpoint(char *buf, const struct diag_sock *s, int local,
                      const char *ifname, const struct services *svc)
{
	char *p = ssfmt_host(buf, s, local, ifname);
	*p++ = ':';
	p = put_port(p, local ? s->sport : s->dport, svc);
	*p = 0;
	return (size_t)(p - buf);
}

#define W_STATE 10
#define W_Q 6
#define W_HOST 15
#define W_PORT 6

size_t ssfmt_header(char *buf, unsigned flags)
{
	char *p = buf, *q;
	p = ssfmt_pad_to(ssfmt_str(p, "State"), buf, W_STATE + 1);
	q = p;
	p = ssfmt_pad_to(ssfmt_str(p, "Recv-Q"), q, W_Q + 1);
	q = p;
	p = ssfmt_pad_to(ssfmt_str(p, "Send-Q"), q, W_Q + 1);
	q = p;
	p = right_align(q, ssfmt_str(p, "Local Address"), W_HOST);
	q = p;
	p = ssfmt_pad_to(ssfmt_str(p, ":Port"), q, W_PORT + 1);
	q = p;
	p = right_align(q, ssfmt_str(p, "Peer Address"), W_HOST + 1);
	q = p;
	p = ssfmt_str(p, ":Port");
	if (flags & SSF_PROC)
		p = ssfmt_str(ssfmt_pad_to(p, q, W_PORT + 1), "Process");
	*p++ = '\n';
	return (size_t)(p - buf);
}

char *ssfmt_users(char *p, const struct ssfmt_owner *own, size_t nown)
{
	for (size_t i = 0; i < nown; i++) {
		if (i)
			*p++ = ',';
		p = ssfmt_str(p, "(\"");
		size_t n = strnlen(own[i].comm, sizeof own[i].comm - 1);
		memcpy(p, own[i].comm, n);
		p += n;
		p = ssfmt_str(p, "\",pid=");
		p = ssfmt_u(p, (uint64_t)(uint32_t)own[i].pid);
		p = ssfmt_str(p, ",fd=");
		p = ssfmt_u(p, (uint64_t)(uint32_t)own[i].fd);
		*p++ = ')';
	}
	return p;
}

/* ss's print_ms_timer: minutes drop the milliseconds, and the seconds too
 * from 10 minutes on; seconds from 10 on drop the milliseconds. */
char *ssfmt_ms_timer(char *p, uint32_t timeout)
{
	uint32_t secs = timeout / 1000, minutes = secs / 60, msecs = timeout % 1000;
	secs %= 60;
	if (minutes) {
		msecs = 0;
		p = ssfmt_str(ssfmt_u(p, minutes), "min");
		if (minutes > 9)
			secs = 0;
	}
	if (secs) {
		if (secs > 9)
			msecs = 0;
		p = ssfmt_str(ssfmt_u(p, secs), msecs ? "." : "sec");
	}
	if (msecs) {
		*p++ = (char)('0' + msecs / 100);
		*p++ = (char)('0' + msecs / 10 % 10);
		*p++ = (char)('0' + msecs % 10);
		p = ssfmt_str(p, secs ? "sec" : "ms");
	}
	return p;
}

const char *ssfmt_timer_name(unsigned timer)
{
	static const char *const names[] = {
		"off", "on", "keepalive", "timewait", "persist", "delack",
	};
	return timer < sizeof names / sizeof names[0] ? names[timer] : "unknown";
}

char *ssfmt_bw(char *p, double bw)
{
	/* snprintf never needs more than 32 bytes for these formats */
	int n;
	if (bw < 0)
		bw = 0;
	if (bw >= 1e12)
		n = snprintf(p, 32, "%.3gT", bw / 1e12);
	else if (bw >= 1e9)
		n = snprintf(p, 32, "%.3gG", bw / 1e9);
	else if (bw >= 1e6)
		n = snprintf(p, 32, "%.3gM", bw / 1e6);
	else if (bw >= 1e3)
		n = snprintf(p, 32, "%.3gk", bw / 1e3);
	else
		n = snprintf(p, 32, "%g", bw);
	return p + (n > 0 ? n : 0);
}

static char *put_g(char *p, double v)
{
	int n = snprintf(p, 32, "%g", v);
	return p + (n > 0 ? n : 0);
}

static char *put_rate(char *p, double bps, unsigned flags)
{
	if (flags & SSF_NUMERIC) {
		int n = snprintf(p, 32, "%.0f", bps);
		p += n > 0 ? n : 0;
	} else {
		p = ssfmt_bw(p, bps);
	}
	return ssfmt_str(p, "bps");
}

/* ss's "dctcp:(...)" and "bbr:(bw:...,mrtt:...,pacing_gain:...,cwnd_gain:...)" */
static char *put_cc(char *p, const struct diag_ccinfo *c, unsigned flags)
{
	if (c->kind == DIAG_CC_DCTCP && !c->dctcp_enabled)
		return ssfmt_str(p, " dctcp:fallback_mode");
	if (c->kind == DIAG_CC_DCTCP) {
		p = ssfmt_str(ssfmt_u(ssfmt_str(p, " dctcp:(ce_state:"), c->dctcp_ce_state), ",alpha:");
		p = ssfmt_str(ssfmt_u(p, c->dctcp_alpha), ",ab_ecn:");
		p = ssfmt_str(ssfmt_u(p, c->dctcp_ab_ecn), ",ab_tot:");
		return ssfmt_str(ssfmt_u(p, c->dctcp_ab_tot), ")");
	}
	if (c->kind != DIAG_CC_BBR)
		return p;
	p = put_rate(ssfmt_str(p, " bbr:(bw:"), (double)c->bbr_bw * 8.0, flags);
	p = put_g(ssfmt_str(p, ",mrtt:"), c->bbr_min_rtt_us / 1000.0);
	if (c->bbr_pacing_gain)
		p = put_g(ssfmt_str(p, ",pacing_gain:"), c->bbr_pacing_gain / 256.0);
	if (c->bbr_cwnd_gain)
		p = put_g(ssfmt_str(p, ",cwnd_gain:"), c->bbr_cwnd_gain / 256.0);
	return ssfmt_str(p, ")");
}

/* " name:value" for a nonzero unsigned value */
static char *kv(char *p, const char *name, uint64_t v)
{
	if (!v)
		return p;
	*p++ = ' ';
	p = ssfmt_str(p, name);
	*p++ = ':';
	return ssfmt_u(p, v);
}

static char *kvg(char *p, const char *name, double v)
{
	if (v == 0)
		return p;
	*p++ = ' ';
	p = ssfmt_str(p, name);
	*p++ = ':';
	return put_g(p, v);
}

/* TCP internals in ss -i's words and order (tcp_stats_print). */
static char *put_info(char *p, const struct diag_sock *s, unsigned flags)
{
	const struct diag_tcpinfo *t = &s->info;
	if (flags & SSF_TIMER) {
		/* ss shows the negotiated options only with -o */
		if (t->options & TCPI_OPT_TIMESTAMPS)
			p = ssfmt_str(p, " ts");
		if (t->options & TCPI_OPT_SACK)
			p = ssfmt_str(p, " sack");
		if (t->options & TCPI_OPT_ECN)
			p = ssfmt_str(p, " ecn");
		if (t->options & TCPI_OPT_ECN_SEEN)
			p = ssfmt_str(p, " ecnseen");
		if (t->options & TCPI_OPT_SYN_DATA)
			p = ssfmt_str(p, " fastopen");
	}
	if (s->cong[0]) {
		*p++ = ' ';
		p = ssfmt_str(p, s->cong);
	}
	if (t->options & TCPI_OPT_WSCALE) {
		p = ssfmt_str(p, " wscale:");
		p = ssfmt_u(p, t->snd_wscale);
		*p++ = ',';
		p = ssfmt_u(p, t->rcv_wscale);
	}
	if (t->rto_us && t->rto_us != 3000000)
		p = kvg(p, "rto", t->rto_us / 1000.0);
	p = kv(p, "backoff", t->backoff);
	if (t->rtt_us) {
		p = kvg(p, "rtt", t->rtt_us / 1000.0);
		*p++ = '/';
		p = put_g(p, t->rttvar_us / 1000.0);
	}
	p = kvg(p, "ato", t->ato_us / 1000.0);
	p = kv(p, "mss", t->snd_mss);
	p = kv(p, "pmtu", t->pmtu);
	p = kv(p, "rcvmss", t->rcv_mss);
	p = kv(p, "advmss", t->advmss);
	p = kv(p, "cwnd", t->snd_cwnd);
	if (t->snd_ssthresh < 0xffff)
		p = kv(p, "ssthresh", t->snd_ssthresh);
	p = kv(p, "bytes_sent", t->bytes_sent);
	p = kv(p, "bytes_retrans", t->bytes_retrans);
	p = kv(p, "bytes_acked", t->bytes_acked);
	p = kv(p, "bytes_received", t->bytes_received);
	p = kv(p, "segs_out", t->segs_out);
	p = kv(p, "segs_in", t->segs_in);
	p = kv(p, "data_segs_out", t->data_segs_out);
	p = kv(p, "data_segs_in", t->data_segs_in);
	p = put_cc(p, &s->cc, flags);
	if (t->rtt_us && t->snd_mss && t->snd_cwnd) {
		p = ssfmt_str(p, " send ");
		p = put_rate(p, (double)t->snd_cwnd * (double)t->snd_mss * 8000000.0 /
		             (double)t->rtt_us, flags);
	}
	p = kv(p, "lastsnd", t->last_data_sent);
	p = kv(p, "lastrcv", t->last_data_recv);
	p = kv(p, "lastack", t->last_ack_recv);
	if (t->pacing_rate && t->pacing_rate != ~(uint64_t)0) {
		p = ssfmt_str(p, " pacing_rate ");
		p = put_rate(p, (double)t->pacing_rate * 8.0, flags);
		if (t->max_pacing_rate && t->max_pacing_rate != ~(uint64_t)0) {
			*p++ = '/';
			p = put_rate(p, (double)t->max_pacing_rate * 8.0, flags);
		}
	}
	if (t->delivery_rate) {
		p = ssfmt_str(p, " delivery_rate ");
		p = put_rate(p, (double)t->delivery_rate * 8.0, flags);
	}
	p = kv(p, "delivered", t->delivered);
	p = kv(p, "delivered_ce", t->delivered_ce);
	if (t->app_limited)
		p = ssfmt_str(p, " app_limited");
	if (t->busy_time) {
		p = ssfmt_str(p, " busy:");
		p = ssfmt_str(ssfmt_u(p, t->busy_time / 1000), "ms");
		/* (ss adds rwnd_limited/sndbuf_limited percentages here) */
		if (t->rwnd_limited) {
			int n = snprintf(p, 64, " rwnd_limited:%llums(%.1f%%)",
			                 (unsigned long long)(t->rwnd_limited / 1000),
			                 100.0 * (double)t->rwnd_limited / (double)t->busy_time);
			p += n > 0 ? n : 0;
		}
		if (t->sndbuf_limited) {
			int n = snprintf(p, 64, " sndbuf_limited:%llums(%.1f%%)",
			                 (unsigned long long)(t->sndbuf_limited / 1000),
			                 100.0 * (double)t->sndbuf_limited / (double)t->busy_time);
			p += n > 0 ? n : 0;
		}
	}
	p = kv(p, "unacked", t->unacked);
	if (t->retrans || t->total_retrans) {
		p = ssfmt_str(p, " retrans:");
		p = ssfmt_u(p, t->retrans);
		*p++ = '/';
		p = ssfmt_u(p, t->total_retrans);
	}
	p = kv(p, "lost", t->lost);
	if (s->state != TS_LISTEN)
		p = kv(p, "sacked", t->sacked);
	p = kv(p, "dsack_dups", t->dsack_dups);
	if (t->reordering != 3) {
		p = ssfmt_str(p, " reordering:");
		p = ssfmt_u(p, t->reordering);
	}
	p = kv(p, "reord_seen", t->reord_seen);
	p = kvg(p, "rcv_rtt", t->rcv_rtt_us / 1000.0);
	p = kv(p, "rcv_space", t->rcv_space);
	p = kv(p, "rcv_ssthresh", t->rcv_ssthresh);
	p = kv(p, "notsent", t->notsent_bytes);
	if (t->min_rtt_us != ~0u)
		p = kvg(p, "minrtt", t->min_rtt_us / 1000.0);
	p = kv(p, "rcv_ooopack", t->rcv_ooopack);
	p = kv(p, "snd_wnd", t->snd_wnd);
	return p;
}

static char *put_mem(char *p, const struct diag_sock *s)
{
	static const char *const tags[DIAG_MEMINFO_N] = {
		"r", "rb", "t", "tb", "f", "w", "o", "bl", "d",
	};
	p = ssfmt_str(p, " skmem:(");
	for (size_t i = 0; i < s->nmem && i < DIAG_MEMINFO_N; i++) {
		if (i)
			*p++ = ',';
		p = ssfmt_str(p, tags[i]);
		p = ssfmt_u(p, s->skmem[i]);
	}
	*p++ = ')';
	return p;
}

char *ssfmt_extras(char *p, const struct diag_sock *s, unsigned flags,
                   const struct ssfmt_owner *own, size_t nown)
{
	if ((flags & SSF_PROC) && nown) {
		p = ssfmt_str(p, " users:(");
		p = ssfmt_users(p, own, nown);
		*p++ = ')';
	}
	if ((flags & SSF_TIMER) && s->timer) {
		p = ssfmt_str(p, " timer:(");
		p = ssfmt_str(p, ssfmt_timer_name(s->timer));
		*p++ = ',';
		p = ssfmt_ms_timer(p, s->expires_ms);
		*p++ = ',';
		p = ssfmt_u(p, s->retrans);
		*p++ = ')';
	}
	if (flags & SSF_EXT) {
		p = kv(p, "uid", s->uid);
		p = ssfmt_str(p, " ino:");
		p = ssfmt_u(p, s->inode);
		p = ssfmt_str(p, " sk:");
		p = put_hex(p, s->cookie);
		if (s->family == AF_INET6 && s->has_v6only) {
			p = ssfmt_str(p, " v6only:");
			*p++ = s->v6only ? '1' : '0';
		}
		if (s->shutdown >= 0) {
			*p++ = ' ';
			*p++ = s->shutdown & 1 ? '-' : '<';
			*p++ = '-';
			*p++ = s->shutdown & 2 ? '-' : '>';
		}
	}
	if (((flags & SSF_MEM) && s->has_mem) || ((flags & SSF_INFO) && s->has_info)) {
		p = ssfmt_str(p, "\n\t");
		if ((flags & SSF_MEM) && s->has_mem)
			p = put_mem(p, s);
		if ((flags & SSF_INFO) && s->has_info)
			p = put_info(p, s, flags);
	}
	return p;
}

size_t ssfmt_row(char *buf, const struct diag_sock *s, const char *ifname,
                 unsigned flags, const struct ssfmt_owner *own, size_t nown,
                 const struct services *svc)
{
	char *p = buf, *q;
	p = ssfmt_pad_to(ssfmt_str(p, diag_state_name(s->state)), buf, W_STATE + 1);
	q = p;
	p = ssfmt_pad_to(ssfmt_u(p, s->rqueue), q, W_Q + 1);
	q = p;
	p = ssfmt_pad_to(ssfmt_u(p, s->wqueue), q, W_Q + 1);
	q = p;
	p = right_align(q, ssfmt_host(p, s, 1, ifname), W_HOST);
	q = p;
	*p++ = ':';
	p = ssfmt_pad_to(put_port(p, s->sport, svc), q, W_PORT + 1);
	q = p;
	p = right_align(q, ssfmt_host(p, s, 0, NULL), W_HOST + 1);
	q = p;
	*p++ = ':';
	p = put_port(p, s->dport, svc);
	if ((flags & SSF_PROC) && nown)
		p = ssfmt_pad_to(p, q, W_PORT + 1) - 1;   /* the extras start with ' ' */
	p = ssfmt_extras(p, s, flags, own, nown);
	*p++ = '\n';
	return (size_t)(p - buf);
}
