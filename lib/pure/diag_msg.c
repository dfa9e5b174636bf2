/* diag_msg: see diag_msg.h. */
#include "diag_msg.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define BC_OP ((size_t)4)   /* sizeof(struct inet_diag_bc_op) */
/* Unsigned versions of the netlink length macros (theirs trip
 * -Wsign-conversion). */
#define A4(x)   (((size_t)(x) + 3u) & ~(size_t)3u)
#define NLH     A4(sizeof(struct nlmsghdr))
#define NLAH    A4(sizeof(struct nlattr))

static void put_op(uint8_t *p, uint8_t code, uint8_t yes, uint16_t no)
{
	struct inet_diag_bc_op op = { code, yes, no };
	memcpy(p, &op, sizeof op);
}

/* One OR-list: each port is an 8-byte "EQ port" op.  A match jumps to
 * `match_off`, a miss to the next port, the last miss to reject
 * (total + 4, which the kernel's audit allows and treats as "no"). */
static size_t bc_list(uint8_t *bc, size_t off, uint8_t code,
                      const uint16_t *ports, size_t n, size_t match_off,
                      size_t total)
{
	for (size_t i = 0; i < n; i++) {
		size_t at = off + i * 2 * BC_OP;
		size_t yes = match_off - at;
		size_t no = i + 1 < n ? 2 * BC_OP : total - at + 4;
		put_op(bc + at, code, (uint8_t)yes, (uint16_t)no);
		put_op(bc + at + BC_OP, 0, 0, ports[i]);
	}
	return off + n * 2 * BC_OP;
}

int diag_req_build(const struct diag_req *r, void *buf, size_t bufsz)
{
	if ((r->family != AF_INET && r->family != AF_INET6 &&
	     r->family != AF_UNSPEC) ||
	    r->nsports > DIAG_MAX_PORTS || r->ndports > DIAG_MAX_PORTS ||
	    r->bclen > DIAG_BC_MAX || (r->bclen & 3))
		return -EINVAL;
	int legacy = r->family == AF_UNSPEC;
	size_t body = legacy ? sizeof(struct inet_diag_req)
	                     : sizeof(struct inet_diag_req_v2);
	size_t bclen = r->bclen ? r->bclen : (r->nsports + r->ndports) * 2 * BC_OP;
	size_t len = NLH + body;
	if (bclen)
		len += NLAH + bclen;
	if (len > bufsz)
		return -ENOSPC;
	memset(buf, 0, len);

	uint8_t *p = buf;
	struct nlmsghdr nh = {
		.nlmsg_len = (uint32_t)len,
		.nlmsg_type = legacy ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nlmsg_seq = r->seq,
	};
	memcpy(p, &nh, sizeof nh);
	uint32_t states = r->states ? r->states : 0xffffffffu;
	/* SYN_RECV request sockets live in the hash as NEW_SYN_RECV. */
	if (states & (1u << TS_SYN_RECV))
		states |= 1u << TS_NEW_SYN_RECV;
	uint8_t ext = 0;
	if (r->want_info)
		ext |= (uint8_t)(1u << (INET_DIAG_INFO - 1) | 1u << (INET_DIAG_CONG - 1) |
		                 1u << (INET_DIAG_VEGASINFO - 1));
	if (r->want_mem)
		ext |= (uint8_t)(1u << (INET_DIAG_SKMEMINFO - 1));
	if (legacy) {
		/* The kernel treats this as family AF_UNSPEC: both families
		 * in one walk of its tables. */
		struct inet_diag_req req = {
			.idiag_family = AF_UNSPEC,
			.idiag_ext = ext,
			.idiag_states = states,
		};
		memcpy(p + NLH, &req, sizeof req);
	} else {
		struct inet_diag_req_v2 req = {
			.sdiag_family = r->family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = states,
			.idiag_ext = ext,
		};
		memcpy(p + NLH, &req, sizeof req);
	}
	if (!bclen)
		return (int)len;

	uint8_t *a = p + NLH + body;
	struct nlattr nla = { (uint16_t)(NLAH + bclen), INET_DIAG_REQ_BYTECODE };
	memcpy(a, &nla, sizeof nla);
	uint8_t *bc = a + NLAH;
	if (r->bclen) {
		memcpy(bc, r->bc, r->bclen);
		return (int)len;
	}
	size_t dstart = r->nsports * 2 * BC_OP;
	bc_list(bc, 0, INET_DIAG_BC_S_EQ, r->sports, r->nsports, dstart, bclen);
	bc_list(bc, dstart, INET_DIAG_BC_D_EQ, r->dports, r->ndports, bclen,
	        bclen);
	return (int)len;
}

void diag_iter_init(struct diag_iter *it, const void *buf, size_t len)
{
	it->p = buf;
	it->left = len;
	it->seq = 0;
	it->flags = 0;
}

static void parse_info(const uint8_t *p, size_t len, struct diag_tcpinfo *o)
{
	struct tcp_info ti;
	memset(&ti, 0, sizeof ti);
	memcpy(&ti, p, len < sizeof ti ? len : sizeof ti);
	o->rtt_us = ti.tcpi_rtt;
	o->rttvar_us = ti.tcpi_rttvar;
	o->rto_us = ti.tcpi_rto;
	o->ato_us = ti.tcpi_ato;
	o->min_rtt_us = ti.tcpi_min_rtt;
	o->rcv_rtt_us = ti.tcpi_rcv_rtt;
	o->retransmits = ti.tcpi_retransmits;
	o->retrans = ti.tcpi_retrans;
	o->total_retrans = ti.tcpi_total_retrans;
	o->snd_cwnd = ti.tcpi_snd_cwnd;
	o->snd_ssthresh = ti.tcpi_snd_ssthresh;
	o->rcv_ssthresh = ti.tcpi_rcv_ssthresh;
	o->unacked = ti.tcpi_unacked;
	o->lost = ti.tcpi_lost;
	o->sacked = ti.tcpi_sacked;
	o->snd_mss = ti.tcpi_snd_mss;
	o->rcv_mss = ti.tcpi_rcv_mss;
	o->advmss = ti.tcpi_advmss;
	o->pmtu = ti.tcpi_pmtu;
	o->reordering = ti.tcpi_reordering;
	o->rcv_space = ti.tcpi_rcv_space;
	o->last_data_sent = ti.tcpi_last_data_sent;
	o->last_data_recv = ti.tcpi_last_data_recv;
	o->last_ack_recv = ti.tcpi_last_ack_recv;
	o->segs_out = ti.tcpi_segs_out;
	o->segs_in = ti.tcpi_segs_in;
	o->data_segs_out = ti.tcpi_data_segs_out;
	o->data_segs_in = ti.tcpi_data_segs_in;
	o->delivered = ti.tcpi_delivered;
	o->delivered_ce = ti.tcpi_delivered_ce;
	o->notsent_bytes = ti.tcpi_notsent_bytes;
	o->dsack_dups = ti.tcpi_dsack_dups;
	o->reord_seen = ti.tcpi_reord_seen;
	o->rcv_ooopack = ti.tcpi_rcv_ooopack;
	o->snd_wnd = ti.tcpi_snd_wnd;
	o->options = ti.tcpi_options;
	o->snd_wscale = ti.tcpi_snd_wscale;
	o->rcv_wscale = ti.tcpi_rcv_wscale;
	o->backoff = ti.tcpi_backoff;
	o->app_limited = ti.tcpi_delivery_rate_app_limited;
	o->bytes_sent = ti.tcpi_bytes_sent;
	o->bytes_retrans = ti.tcpi_bytes_retrans;
	o->bytes_acked = ti.tcpi_bytes_acked;
	o->bytes_received = ti.tcpi_bytes_received;
	o->pacing_rate = ti.tcpi_pacing_rate;
	o->max_pacing_rate = ti.tcpi_max_pacing_rate;
	o->delivery_rate = ti.tcpi_delivery_rate;
	o->busy_time = ti.tcpi_busy_time;
	o->rwnd_limited = ti.tcpi_rwnd_limited;
	o->sndbuf_limited = ti.tcpi_sndbuf_limited;
}

int diag_parse_sock(const void *payload, size_t len, struct diag_sock *out)
{
	struct inet_diag_msg m;
	if (len < sizeof m)
		return -EINVAL;
	memcpy(&m, payload, sizeof m);
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -EINVAL;

	out->family = m.idiag_family;
	out->state = m.idiag_state == TS_NEW_SYN_RECV ? TS_SYN_RECV
	                                               : m.idiag_state;
	out->timer = m.idiag_timer;
	out->retrans = m.idiag_retrans;
	out->sport = ntohs(m.id.idiag_sport);
	out->dport = ntohs(m.id.idiag_dport);
	out->ifindex = m.id.idiag_if;
	out->cookie = (uint64_t)m.id.idiag_cookie[1] << 32 | m.id.idiag_cookie[0];
	out->rqueue = m.idiag_rqueue;
	out->wqueue = m.idiag_wqueue;
	out->uid = m.idiag_uid;
	out->inode = m.idiag_inode;
	size_t alen = m.idiag_family == AF_INET ? 4 : 16;
	memset(out->src, 0, sizeof out->src);
	memset(out->dst, 0, sizeof out->dst);
	memcpy(out->src, m.id.idiag_src, alen);
	memcpy(out->dst, m.id.idiag_dst, alen);
	out->has_info = 0;
	out->v6only = 0;
	out->has_v6only = 0;
	out->has_mem = 0;
	out->nmem = 0;
	out->shutdown = -1;
	out->expires_ms = m.idiag_expires;
	out->cong[0] = 0;
	memset(&out->info, 0, sizeof out->info);
	memset(&out->cc, 0, sizeof out->cc);

	const uint8_t *p = (const uint8_t *)payload + A4(sizeof m);
	size_t left = len > A4(sizeof m) ? len - A4(sizeof m) : 0;
	while (left >= NLAH) {
		struct nlattr a;
		memcpy(&a, p, sizeof a);
		if (a.nla_len < NLAH || a.nla_len > left)
			return -EINVAL;
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO) {
			parse_info(p + NLAH, a.nla_len - NLAH, &out->info);
			out->has_info = 1;
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY &&
		           a.nla_len > NLAH) {
			out->v6only = p[NLAH] != 0;
			out->has_v6only = 1;
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_SHUTDOWN &&
		           a.nla_len > NLAH) {
			out->shutdown = (int8_t)(p[NLAH] & 3);
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_CONG) {
			size_t n = a.nla_len - NLAH;
			if (n >= sizeof out->cong)
				n = sizeof out->cong - 1;
			memcpy(out->cong, p + NLAH, n);
			out->cong[n] = 0;
			out->cong[strnlen(out->cong, n)] = 0;
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_BBRINFO &&
		           a.nla_len - NLAH >= sizeof(struct tcp_bbr_info)) {
			struct tcp_bbr_info b;
			memcpy(&b, p + NLAH, sizeof b);
			out->cc.kind = DIAG_CC_BBR;
			out->cc.bbr_bw = (uint64_t)b.bbr_bw_hi << 32 | b.bbr_bw_lo;
			out->cc.bbr_min_rtt_us = b.bbr_min_rtt;
			out->cc.bbr_pacing_gain = b.bbr_pacing_gain;
			out->cc.bbr_cwnd_gain = b.bbr_cwnd_gain;
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_DCTCPINFO &&
		           a.nla_len - NLAH >= sizeof(struct tcp_dctcp_info)) {
			struct tcp_dctcp_info d;
			memcpy(&d, p + NLAH, sizeof d);
			out->cc.kind = DIAG_CC_DCTCP;
			out->cc.dctcp_enabled = d.dctcp_enabled;
			out->cc.dctcp_ce_state = d.dctcp_ce_state;
			out->cc.dctcp_alpha = d.dctcp_alpha;
			out->cc.dctcp_ab_ecn = d.dctcp_ab_ecn;
			out->cc.dctcp_ab_tot = d.dctcp_ab_tot;
		} else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKMEMINFO) {
			size_t n = (a.nla_len - NLAH) / 4;
			if (n > DIAG_MEMINFO_N)
				n = DIAG_MEMINFO_N;
			memcpy(out->skmem, p + NLAH, n * 4);
			out->nmem = (uint8_t)n;
			out->has_mem = 1;
		}
		size_t step = A4(a.nla_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return 0;
}

enum diag_kind diag_iter_next(struct diag_iter *it, struct diag_sock *out,
                              int *err)
{
	*err = 0;
	if (it->left == 0)
		return DIAG_END;
	struct nlmsghdr nh;
	if (it->left < sizeof nh)
		goto bad;
	memcpy(&nh, it->p, sizeof nh);
	if (nh.nlmsg_len < NLH || nh.nlmsg_len > it->left)
		goto bad;
	const uint8_t *pl = it->p + NLH;
	size_t plen = nh.nlmsg_len - NLH;
	size_t step = A4(nh.nlmsg_len);
	if (step > it->left)
		step = it->left;
	it->p += step;
	it->left -= step;
	it->seq = nh.nlmsg_seq;
	it->flags = nh.nlmsg_flags;

	switch (nh.nlmsg_type) {
	case SOCK_DIAG_BY_FAMILY:
	case TCPDIAG_GETSOCK:       /* replies to the legacy request */
		if (diag_parse_sock(pl, plen, out) < 0)
			goto bad;
		return DIAG_SOCK;
	case NLMSG_DONE: {
		int32_t e = 0;
		if (plen >= sizeof e)
			memcpy(&e, pl, sizeof e);
		*err = e < 0 ? (e == INT32_MIN ? EPROTO : -e) : 0;
		return DIAG_DONE;
	}
	case NLMSG_ERROR: {
		int32_t e;
		if (plen < sizeof e)
			goto bad;
		memcpy(&e, pl, sizeof e);
		*err = e == INT32_MIN ? EPROTO : e < 0 ? -e : e;
		return DIAG_ERROR;
	}
	default:
		return DIAG_SKIP;
	}
bad:
	it->left = 0;
	return DIAG_BAD;
}

static const char *const state_names[] = {
	"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
	"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
};

const char *diag_state_name(unsigned state)
{
	return state < sizeof state_names / sizeof state_names[0]
	       ? state_names[state] : "UNKNOWN";
}

static const char *const rfc_names[] = {
	"UNKNOWN", "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
	"FIN-WAIT-2", "TIME-WAIT", "CLOSED", "CLOSE-WAIT", "LAST-ACK", "LISTEN",
	"CLOSING",
};

const char *diag_state_rfc_name(unsigned state)
{
	return state < sizeof rfc_names / sizeof rfc_names[0]
	       ? rfc_names[state] : "UNKNOWN";
}

#define B(s) (1u << (s))
#define CONNECTED (TS_ALL_MASK & ~(B(TS_LISTEN) | B(TS_CLOSE)))
#define BUCKET (B(TS_SYN_RECV) | B(TS_TIME_WAIT))

static const struct { const char *name; uint32_t mask; } state_args[] = {
	{ "all", TS_ALL_MASK },
	{ "connected", CONNECTED },
	{ "synchronized", CONNECTED & ~B(TS_SYN_SENT) },
	{ "bucket", BUCKET },
	{ "big", TS_ALL_MASK & ~BUCKET },
	{ "established", B(TS_ESTABLISHED) },
	{ "syn-sent", B(TS_SYN_SENT) },
	{ "syn-recv", B(TS_SYN_RECV) },
	{ "fin-wait-1", B(TS_FIN_WAIT1) },
	{ "fin-wait-2", B(TS_FIN_WAIT2) },
	{ "time-wait", B(TS_TIME_WAIT) },
	{ "closed", B(TS_CLOSE) },
	{ "close-wait", B(TS_CLOSE_WAIT) },
	{ "last-ack", B(TS_LAST_ACK) },
	{ "listening", B(TS_LISTEN) },
	{ "listen", B(TS_LISTEN) },
	{ "closing", B(TS_CLOSING) },
};

uint32_t diag_state_parse(const char *name)
{
	for (size_t i = 0; i < sizeof state_args / sizeof state_args[0]; i++)
		if (strcasecmp(name, state_args[i].name) == 0)
			return state_args[i].mask;
	return 0;
}
