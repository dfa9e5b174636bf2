/* ping: ICMP echo, a drop-in for iputils ping 20221126.
 *
 * Usage: ping [OPTIONS] HOST      (ping6 ... implies -6)
 *
 * Every iputils option, with its value checks, messages and exit codes
 * (checked here, before anything else); output lines and statistics byte
 * for byte (lib/pure/pingfmt.c); --json, --max-loss, --max-rtt and
 * --until-reply are additions for scripts.  The socket set-up (raw or
 * datagram socket, route probe, every socket option, the privileged
 * calls) is lib/sys/pingsock.c; this file resolves, calls it, drops every
 * capability, then runs the send/receive loop and prints.
 *
 * Exit status (iputils'): 0 a reply arrived (with -w: COUNT replies when
 * -c was given); 1 no reply, a number out of range, no destination (or a
 * --max-loss/--max-rtt threshold breached); 2 other usage or set-up
 * errors. */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/filter.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "applet.h"
#include "caps.h"
#include "clock.h"
#include "err.h"
#include "icmp.h"
#include "json.h"
#include "net.h"
#include "nodeinfo.h"
#include "num.h"
#include "opt.h"
#include "pingfmt.h"
#include "pingseq.h"
#include "pingsock.h"
#include "sandbox.h"
#include "sig.h"
#include "stats.h"

/* Set-up, errors and the end run once or rarely: optimised for size,
 * kept apart from the loop. */
#define SETUP __attribute__((cold))
#define MIN_USER_INTERVAL_NS (2 * NS_PER_MSEC) /* iputils' MINUSERINTERVAL */
#define FLOOD_WAIT_NS (10 * NS_PER_MSEC)        /* iputils' MININTERVAL */
#define MAX_DATALEN_ANY (1 << 20)  /* larger -s is refused (iputils: any int) */
#define RX_CAP (65536 + 128)
#define OUT_CAP 16384
#define NI_TEXT_CAP ((size_t)256 * 1024) /* a reply's text is cut here */
#define TX_MIN (NODEINFO_HDR_LEN + NODEINFO_SUBJECT_MAX)

enum {
	OPT_JSON_ = OPT_LONG + 1, OPT_MAXLOSS, OPT_MAXRTT, OPT_UNTIL,
};

static const struct opt ping_opts[] = {
	{ 'a', NULL, NULL, "audible: ring the bell on each reply" },
	{ 'A', NULL, NULL, "adaptive interval (follows the rtt; users >= 0.2 s)" },
	{ 'b', NULL, NULL, "allow pinging a broadcast address" },
	{ 'B', NULL, NULL, "sticky source address" },
	{ 'c', "count", "COUNT", "stop after COUNT probes (with -w: after COUNT replies)" },
	{ 'C', NULL, NULL, "connect() the socket to the target" },
	{ 'd', NULL, NULL, "set SO_DEBUG on the socket" },
	{ 'D', "timestamp", NULL, "print the wall-clock time before each line" },
	{ 'e', NULL, "ID", "ICMP identifier (0-65535)" },
	{ 'f', "flood", NULL, "flood ping (root only): '.' sent, backspace received" },
	{ 'F', NULL, "FLOW", "IPv6 flow label (20 bits, decimal or 0x hex)" },
	{ 'h', NULL, NULL, "print this help (on stderr, exit 2, as iputils)" },
	{ 'i', "interval", "SECS", "seconds between probes (default 1; non-root >= 0.002)" },
	{ 'I', "interface", "IFACE|ADDR", "send from this interface or source address" },
	{ 'l', "preload", "N", "send N probes without waiting (non-root: <= 3)" },
	{ 'L', NULL, NULL, "suppress loopback of multicast packets" },
	{ 'm', NULL, "MARK", "SO_MARK the packets (needs CAP_NET_ADMIN)" },
	{ 'M', NULL, "do|want|dont|probe", "path-MTU discovery strategy" },
	{ 'n', "numeric", NULL, "no reverse DNS lookups" },
	{ 'N', NULL, "QUERY", "IPv6 node information query (RFC 4620; -N help lists them)" },
	{ 'O', "outstanding", NULL, "report probes still unanswered when the next is sent" },
	{ 'p', "pattern", "HEX", "fill the payload with up to 16 pattern bytes" },
	{ 'q', "quiet", NULL, "print only the header and the statistics" },
	{ 'Q', NULL, "TOS", "IPv4 TOS / IPv6 traffic class (decimal or 0x hex)" },
	{ 'r', NULL, NULL, "bypass the routing table (SO_DONTROUTE)" },
	{ 'R', NULL, NULL, "record route (IPv4)" },
	{ 's', "size", "BYTES", "data bytes per probe (default 56)" },
	{ 'S', NULL, "BYTES", "SO_SNDBUF size" },
	{ 't', "ttl", "TTL", "IP time to live / IPv6 hop limit (0-255)" },
	{ 'T', NULL, "tsonly|tsandaddr|tsprespec", "IPv4 timestamp option" },
	{ 'U', NULL, NULL, "user-to-user latency (the default here)" },
	{ 'v', "verbose", NULL, "verbose output" },
	{ 'V', "version", NULL, "print the version and exit" },
	{ 'w', "deadline", "SECS", "stop after SECS in total (integer)" },
	{ 'W', "timeout", "SECS", "wait for a reply after the last probe (default 10)" },
	{ '4', NULL, NULL, "IPv4 only" },
	{ '6', NULL, NULL, "IPv6 only" },
	{ OPT_JSON_, "json", NULL, "print JSON Lines: start, one object per event, summary" },
	{ OPT_MAXLOSS, "max-loss", "PCT", "exit 1 when packet loss exceeds PCT percent" },
	{ OPT_MAXRTT, "max-rtt", "MS", "exit 1 when the average rtt exceeds MS milliseconds" },
	{ OPT_UNTIL, "until-reply", NULL, "probe until the first reply or -w, through resolve/route errors" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help ping_help = {
	"ping [OPTIONS] HOST\n   or: ping6 [OPTIONS] HOST",
	"Send ICMP echo requests to HOST and report replies, errors and\n"
	"statistics as iputils ping 20221126 does.  Exit status: 0 a reply\n"
	"arrived, 1 none arrived (or a --max-loss/--max-rtt threshold was\n"
	"breached, or a bad number), 2 usage or setup error.",
	ping_opts,
};

struct ping_opts {
	long count;               /* 0: unlimited */
	int64_t interval_ns;
	int interval_set;
	int64_t linger_ns;        /* -W */
	int64_t deadline_ns;      /* -w; 0: none */
	size_t datalen;
	int ttl;                  /* -1: leave alone */
	int quiet, numeric, flood, stamp, outstanding, json, until;
	int audible, adaptive, verbose;
	int preload;
	uint8_t pattern[ICMP_PATTERN_MAX];
	int patlen;
	const char *iface;        /* -I as given */
	int family;
	int max_loss_set;
	int64_t max_loss_milli;   /* percent * 1000 */
	int max_rtt_set;
	int64_t max_rtt_us;
	const char *target;
	struct pingsock_cfg sc;   /* socket options for lib/sys/pingsock */
	int src_is_addr;
};

struct ping {
	struct ping_opts o;
	struct sockaddr_storage dst;
	struct sockaddr_storage cache_sa;
	struct pingsock ps;
	struct pingseq seq;
	struct rtt_stats st;
	struct pingfmt_rr rr;       /* -R: the last route, "(same route)" */
	const char *dev;
	int64_t t0;                 /* when ping started (--until-reply's -w) */
	int64_t start_ns, last_send_ns, next_send_ns;
	int64_t *sent_at;           /* --json: send time per sequence, -1 answered */
	uint64_t tmo_done;          /* --json: probes checked for timeout */
	long received, dups, corrupted, errors;
	long send_errors;           /* sendto() failures (JSON "errors") */
	size_t olen;
	uint8_t *tx;                /* ICMP header + datalen */
	enum icmp_form form;
	socklen_t dstlen;
	uid_t uid;
	int fd, raw, v6;
	int have_src;
	int ni;                     /* -N asked for a query (nq.qtype >= 0) */
	int ni_on;                  /* ... and the target is IPv6: queries go out */
	int multicast, optlen;
	struct nodeinfo_q nq;       /* -N: the query */
	uint64_t ni_secret;         /* -N: nonces are derived from it */
	char *ni_text;              /* -N: a reply's text, NI_TEXT_CAP bytes */
	char *ni_line;              /* -N: the whole reply line */
	int last_send_errno;        /* --until-reply: say each error once */
	int json_early;             /* --json seen before parsing */
	int timing;
	int ewma8;
	int cache_ok;
	uint16_t ident;
	char host[NI_MAXHOST];      /* as in "PING host" and the statistics */
	char dst_num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char dst_disp[NI_MAXHOST + 128];
	char src_num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char warn_late[320];
	char cache_disp[NI_MAXHOST + 128];
	char out[OUT_CAP];
	uint8_t rx[RX_CAP];
};

/* ---- output ---------------------------------------------------------- */

static void out_flush(struct ping *p)
{
	/* stdout gone: nothing useful left to do */
	(void)net_write_all(STDOUT_FILENO, p->out, p->olen, NULL);
	p->olen = 0;
}

static void out_put(struct ping *p, const char *s, size_t n)
{
	if (p->olen + n > sizeof p->out)
		out_flush(p);
	if (n > sizeof p->out) {
		p->olen = 0;
		n = sizeof p->out;
	}
	memcpy(p->out + p->olen, s, n);
	p->olen += n;
}

static void out_str(struct ping *p, const char *s)
{
	out_put(p, s, strlen(s));
}

/* Write a formatted line (from a pingfmt_* call into buf). */
static void out_line(struct ping *p, const char *buf, int len, size_t bufsz)
{
	if (len < 0)
		return;
	out_put(p, buf, (size_t)len < bufsz ? (size_t)len : bufsz - 1);
}

static int64_t wall_stamp(const struct ping *p)
{
	return p->o.stamp ? clock_wall_ns() / 1000 : -1;
}

/* "name (addr)" unless numeric; one-entry cache as iputils keeps. */
static const char *display(struct ping *p, const struct sockaddr *sa,
                           socklen_t len)
{
	char num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], name[NI_MAXHOST];

	if (p->cache_ok && len <= sizeof p->cache_sa &&
	    !memcmp(&p->cache_sa, sa, len))
		return p->cache_disp;
	if (getnameinfo(sa, len, num, sizeof num, NULL, 0, NI_NUMERICHOST))
		snprintf(num, sizeof num, "?");
	if (!p->o.numeric && !sig_int &&
	    !getnameinfo(sa, len, name, sizeof name, NULL, 0, NI_NAMEREQD))
		snprintf(p->cache_disp, sizeof p->cache_disp, "%s (%s)", name, num);
	else
		snprintf(p->cache_disp, sizeof p->cache_disp, "%s", num);
	memset(&p->cache_sa, 0, sizeof p->cache_sa);
	memcpy(&p->cache_sa, sa, len);
	p->cache_ok = 1;
	return p->cache_disp;
}

static void fill_totals(const struct ping *p, struct pingfmt_totals *t)
{
	memset(t, 0, sizeof *t);
	t->host = p->host;
	t->transmitted = (long)p->seq.transmitted;
	t->received = p->received;
	t->dups = p->dups;
	t->corrupted = p->corrupted;
	t->errors = p->errors;
	t->elapsed_us = p->seq.transmitted ? (p->last_send_ns - p->start_ns) / 1000 : 0;
	t->timing = p->timing;
	if (p->st.n) {
		t->min_us = p->st.min_ns / 1000;
		t->max_us = p->st.max_ns / 1000;
		t->avg_us = stats_avg_us(&p->st);
		t->mdev_us = stats_mdev_us(&p->st);
	}
	t->pipe = p->seq.pipe;
	t->show_ipg = p->o.interval_ns == 0 || p->o.flood || p->o.adaptive;
	t->ewma8 = p->ewma8;
}

/* ---- JSON events ----------------------------------------------------- */

SETUP static void json_timeout(struct ping *p, uint16_t seq)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "timeout");
	json_uint(&j, "seq", seq);
	json_end(&j, stdout);
}

/* Report probes unanswered for longer than -W (default 10 s); at the end
 * (final) every probe still unanswered. */
SETUP static void json_check_timeouts(struct ping *p, int64_t now, int final)
{
	int64_t wait = p->o.linger_ns;

	while (p->tmo_done < p->seq.transmitted) {
		uint16_t seq = (uint16_t)(p->tmo_done + 1);
		int64_t t = p->sent_at[seq];

		if (t >= 0 && !final && now - t < wait)
			return;
		if (t >= 0)
			json_timeout(p, seq);
		p->tmo_done++;
	}
}

/* ---- receiving --------------------------------------------------------- */

static int same_addr(const struct ping *p, const struct sockaddr_storage *a)
{
	if (a->ss_family != p->dst.ss_family)
		return 0;
	if (p->v6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		               &((const struct sockaddr_in6 *)&p->dst)->sin6_addr, 16);
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)&p->dst)->sin_addr.s_addr;
}

static int cmsg_ttl(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		int v;
		if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) ||
		      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)))
			continue;
		if (c->cmsg_len < CMSG_LEN(sizeof v))
			continue;
		memcpy(&v, CMSG_DATA(c), sizeof v);
		return v;
	}
	return -1;
}

/* IPv4 options of a reply: in the raw packet's header, or (datagram
 * socket) an IP_RETOPTS control message. */
static size_t reply_opts(const struct ping *p, struct msghdr *msg, size_t n,
                         const uint8_t **opts)
{
	*opts = NULL;
	if (p->v6)
		return 0;
	if (p->raw) {
		size_t hl = n ? (size_t)(p->rx[0] & 0x0f) * 4 : 0;
		if (hl <= 20 || hl > n)
			return 0;
		*opts = p->rx + 20;
		return hl - 20;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RETOPTS &&
		    c->cmsg_len > CMSG_LEN(0)) {
			*opts = CMSG_DATA(c);
			return c->cmsg_len - CMSG_LEN(0);
		}
	return 0;
}

/* Addresses in -R/-T blocks, named as reply sources are. */
static const char *opt_addr_name(void *ctx, uint32_t addr);

SETUP static void json_reply(struct ping *p, const struct pingfmt_reply *r)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "reply");
	json_uint(&j, "seq", r->seq);
	json_str(&j, "from", r->from);
	json_uint(&j, "bytes", r->bytes);
	if (r->ttl >= 0)
		json_int(&j, "ttl", r->ttl);
	else
		json_null(&j, "ttl");
	if (r->has_time)
		json_double(&j, "time_ms", (double)r->rtt_us / 1000.0, 3);
	else
		json_null(&j, "time_ms");
	json_bool(&j, "dup", r->dup);
	json_bool(&j, "bad_checksum", r->bad_csum);
	json_bool(&j, "truncated", r->truncated);
	if (r->body)
		json_str(&j, "nodeinfo", r->body[0] == ' ' ? r->body + 1 : r->body);
	json_end(&j, stdout);
}

/* iputils' gather_statistics(): count, print. */
static void on_reply(struct ping *p, const struct icmp_msg *m, int ttl,
                     const struct sockaddr_storage *from, socklen_t fromlen,
                     int64_t now, const uint8_t *opts, size_t olen)
{
	struct pingfmt_reply r;
	int ok = 0, csfailed = !m->csum_ok;
	int64_t sent = icmp_payload_time(m, &ok);

	memset(&r, 0, sizeof r);
	r.seq = m->seq;
	r.ttl = ttl;
	r.bytes = m->icmp_len;
	r.bad_csum = csfailed;
	r.truncated = m->data_len < p->o.datalen;
	p->received++;
	if (!csfailed)
		pingseq_ack(&p->seq, m->seq);
	if (p->timing && ok) {
		int64_t rtt = now - sent;
		if (rtt < 0)
			rtt = 0;
		r.has_time = 1;
		r.rtt_us = rtt / 1000;
		if (!csfailed) {
			stats_add(&p->st, rtt);
			pingfmt_ewma_add(&p->ewma8, r.rtt_us);
			if (p->o.adaptive) {
				/* iputils' update_interval(): the smoothed rtt */
				int64_t ms = ((int64_t)p->ewma8 / 8 + 500) / 1000;
				if (p->uid && ms < 2)
					ms = 2;
				p->o.interval_ns = ms * NS_PER_MSEC;
			}
		}
	}
	if (csfailed) {
		p->corrupted++;
		p->received--;
	} else if (pingseq_mark(&p->seq, m->seq)) {
		p->dups++;
		p->received--;
		r.dup = 1;
	}
	if (p->sent_at && !csfailed)
		p->sent_at[m->seq] = -1;
	if (p->o.quiet)
		return;
	if (p->o.flood && !p->o.json) {
		out_str(p, csfailed ? "\bC" : "\b \b");
		if (p->o.audible)
			out_str(p, "\a");
		return;
	}
	/* iputils: no "(DUP!)" for broadcast and multicast unless -v */
	if (r.dup && p->multicast && !p->o.verbose && !p->o.json)
		r.dup = 0;
	if (p->o.verbose && (p->raw || p->o.sc.ident >= 0)) {
		r.has_ident = 1;    /* iputils: whenever the identifier is known */
		r.ident = p->raw ? p->ident : (unsigned)p->o.sc.ident;
	}
	char tail[2048] = "";
	size_t tl = 0;
	if (p->o.audible)
		tail[tl++] = '\a';
	if (olen && !p->o.json)
		pingfmt_ipopts(tail + tl, sizeof tail - tl, opts, olen, &p->rr, p->o.flood,
		               opt_addr_name, p);
	r.tail = tail;
	r.wall_us = wall_stamp(p);
	r.from = same_addr(p, from) ? p->dst_disp
	                            : display(p, (const struct sockaddr *)from, fromlen);
	if (p->o.json) {
		json_reply(p, &r);
		return;
	}
	char line[NI_MAXHOST + 2560];
	out_line(p, line, pingfmt_reply(line, sizeof line, &r), sizeof line);
}

static const char *opt_addr_name(void *ctx, uint32_t addr)
{
	struct ping *p = ctx;
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	return display(p, (struct sockaddr *)&sin, sizeof sin);
}

/* A redirect or source quench about one of our probes (raw IPv4 only: it
 * is not an error, nothing is counted): "From GW: icmp_seq=N TEXT", and
 * with -v the quoted IP header (iputils' pr_iph(), its options too). */
SETUP static void print_advice(struct ping *p, const struct icmp_msg *m, size_t n,
                               const struct sockaddr_storage *from, socklen_t fromlen)
{
	char text[160], who[NI_MAXHOST + 130], line[NI_MAXHOST + 300];

	if (p->o.quiet || p->o.flood || p->o.json)
		return;
	snprintf(text, sizeof text, "%s", m->csum_ok ? "" : "(BAD CHECKSUM)");
	icmp_error_text(0, m->type, m->code, m->info, text + strlen(text),
	                sizeof text - strlen(text));
	/* iputils' line for these has a colon after the address */
	snprintf(who, sizeof who, "%s:", display(p, (const struct sockaddr *)from, fromlen));
	out_line(p, line, pingfmt_error(line, sizeof line, wall_stamp(p), who, m->seq, text),
	         sizeof line);
	if (!p->o.verbose)
		return;
	/* the quoted header after ours and the 8-byte ICMP header
	 * (icmp_parse() checked both are there) */
	size_t hl = (size_t)(p->rx[0] & 0x0f) * 4;
	const uint8_t *q = p->rx + hl + ICMP_HDR_LEN;
	size_t qlen = n - hl - ICMP_HDR_LEN, qhl = (size_t)(q[0] & 0x0f) * 4;
	char dump[2048];
	out_line(p, dump, pingfmt_iphdr(dump, sizeof dump, q, qlen), sizeof dump);
	if (qhl > 20 && qhl <= qlen)
		out_line(p, dump, pingfmt_ipopts(dump, sizeof dump, q + 20, qhl - 20, &p->rr, 0,
		                                 opt_addr_name, p), sizeof dump);
}

/* -N: a node information reply (iputils' gather_statistics() with
 * pr_niquery_reply(): no times, "seq=" from the nonce). */
SETUP static int on_ni_reply(struct ping *p, size_t n, struct msghdr *msg,
                             const struct sockaddr_storage *from)
{
	struct pingfmt_reply r;
	int seq = nodeinfo_reply_seq(p->ni_secret, p->rx, n);

	if (seq < 0)
		return 0;                          /* not our nonce */
	memset(&r, 0, sizeof r);
	r.seq = (uint16_t)seq;
	r.ttl = cmsg_ttl(msg);
	r.bytes = n;
	p->received++;
	pingseq_ack(&p->seq, r.seq);
	if (pingseq_mark(&p->seq, r.seq)) {
		p->dups++;
		p->received--;
		r.dup = 1;
	}
	if (p->sent_at)
		p->sent_at[r.seq] = -1;
	if (p->o.quiet)
		return 1;
	if (p->o.flood && !p->o.json) {
		out_str(p, "\b \b");
		if (p->o.audible)
			out_str(p, "\a");
		return 1;
	}
	if (r.dup && p->multicast && !p->o.verbose && !p->o.json)
		r.dup = 0;
	if (p->o.verbose && (p->raw || p->o.sc.ident >= 0)) {
		r.has_ident = 1;
		r.ident = p->raw ? p->ident : (unsigned)p->o.sc.ident;
	}
	nodeinfo_reply_text(p->ni_text, NI_TEXT_CAP, p->rx, n);
	r.body = p->ni_text;
	r.tail = p->o.audible ? "\a" : "";
	r.wall_us = wall_stamp(p);
	r.from = same_addr(p, from) ? p->dst_disp
	                            : display(p, (const struct sockaddr *)from, msg->msg_namelen);
	if (p->o.json) {
		json_reply(p, &r);
		return 1;
	}
	size_t cap = NI_TEXT_CAP + NI_MAXHOST + 512;
	out_line(p, p->ni_line, pingfmt_reply(p->ni_line, cap, &r), cap);
	return 1;
}

/* One packet from the socket.  Returns 1 when it was one of ours. */
static int handle_packet(struct ping *p, size_t n, struct msghdr *msg,
                         const struct sockaddr_storage *from, int64_t now)
{
	struct icmp_msg m;
	enum icmp_kind k;
	int ttl;

	/* -N: only node information replies pass the socket's filter */
	if (p->ni_on)
		return n && p->rx[0] == NODEINFO_REPLY ? on_ni_reply(p, n, msg, from) : 0;
	k = icmp_parse(p->form, p->rx, n, &m);
	ttl = m.ttl;

	if (k == ICMP_REPLY) {
		if (p->raw && m.id != p->ident)
			return 0;                  /* another process's ping */
		if (!same_addr(p, from) && !p->multicast)
			return 0;
		if (!pingseq_was_sent(&p->seq, m.seq))
			return 0;                  /* a sequence we never sent */
		if (!icmp_payload_ok(&m, p->tx + ICMP_HDR_LEN, p->o.datalen, NULL))
			return 0;                  /* not our payload: not ours */
		if (ttl < 0)
			ttl = cmsg_ttl(msg);
		const uint8_t *opts;
		size_t olen = reply_opts(p, msg, n, &opts);
		on_reply(p, &m, ttl, from, msg->msg_namelen, now, opts, olen);
		return 1;
	}
	if (k == ICMP_ERROR) {
		/* Raw sockets see errors twice: as packets (here) and on the
		 * error queue.  As iputils, only acknowledge here; the error
		 * queue reports and counts it. */
		int dst_ok = p->v6
			? !memcmp(&m.orig_dst6, &((struct sockaddr_in6 *)&p->dst)->sin6_addr, 16)
			: m.orig_dst4.s_addr == ((struct sockaddr_in *)&p->dst)->sin_addr.s_addr;
		int ours = dst_ok && (!p->raw || m.id == p->ident);
		int advice = !p->v6 && (m.type == ICMP4_REDIRECT || m.type == ICMP4_SOURCEQUENCH);
		if (ours && !advice)
			pingseq_ack(&p->seq, m.seq);
		else if (ours)
			print_advice(p, &m, n, from, msg->msg_namelen);
		return 0;
	}
	return 0;
}

/* A probe that failed: an ICMP error about it (from, icmp type/code) or
 * a local error (from null).  "cause" is the text ping prints. */
SETUP static void json_send_error(struct ping *p, uint16_t seq, const char *from,
                            const struct sock_extended_err *e, const char *cause)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "send_error");
	json_uint(&j, "seq", seq);
	if (from)
		json_str(&j, "from", from);
	else
		json_null(&j, "from");
	if (e) {
		json_int(&j, "icmp_type", e->ee_type);
		json_int(&j, "icmp_code", e->ee_code);
	} else {
		json_null(&j, "icmp_type");
		json_null(&j, "icmp_code");
	}
	json_str(&j, "cause", cause);
	json_end(&j, stdout);
}

SETUP static void local_error(struct ping *p, const struct sock_extended_err *e)
{
	char text[96];

	/* iputils counts a local error only when it prints it (not -q). */
	if (p->o.quiet)
		return;
	p->errors++;
	if (p->o.flood && !p->o.json) {
		out_str(p, "E");
		return;
	}
	if (e->ee_errno == EMSGSIZE)
		snprintf(text, sizeof text, p->v6 ? "local error: message too long, mtu: %u"
		                                  : "local error: message too long, mtu=%u", e->ee_info);
	else
		snprintf(text, sizeof text, "local error: %s", strerror((int)e->ee_errno));
	if (p->o.json) {
		uint16_t seq = (uint16_t)p->seq.transmitted;
		json_send_error(p, seq, NULL, NULL, text);
		if (p->sent_at)
			p->sent_at[seq] = -1;   /* failed, not timed out */
		return;
	}
	out_flush(p);
	err_msg("%s", text);
}

/* Drain the error queue (IP_RECVERR).  Returns the number of entries. */
SETUP static int read_errqueue(struct ping *p)
{
	int got = 0;

	for (int i = 0; i < 64; i++) {
		uint8_t buf[576];
		char cbuf[512], text[128];
		struct sockaddr_storage target;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr msg;
		struct sock_extended_err *e = NULL;
		struct icmp_msg m;

		memset(&msg, 0, sizeof msg);
		msg.msg_name = &target;
		msg.msg_namelen = sizeof target;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof cbuf;
		ssize_t n = recvmsg(p->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0)
			break;
		got++;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
				e = (struct sock_extended_err *)(void *)CMSG_DATA(c);
		if (!e)
			continue;
		if (e->ee_origin == SO_EE_ORIGIN_LOCAL) {
			local_error(p, e);
			continue;
		}
		if (e->ee_origin != SO_EE_ORIGIN_ICMP && e->ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		if (!same_addr(p, &target) ||
		    icmp_parse_orig(p->v6, buf, (size_t)n, &m) < 0 ||
		    (p->raw && m.id != p->ident))
			continue;                  /* not about our probe */
		pingseq_ack(&p->seq, m.seq);
		p->errors++;
		if (p->sent_at)
			p->sent_at[m.seq] = -1;
		if (p->o.quiet)
			continue;
		if (p->o.flood && !p->o.json) {
			out_str(p, "\bE");
			continue;
		}
		const struct sockaddr *off = SO_EE_OFFENDER(e);
		socklen_t offlen = p->v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		const char *from = display(p, off, offlen);
		icmp_error_text(p->v6, e->ee_type, e->ee_code, e->ee_info, text, sizeof text);
		if (p->o.json) {
			json_send_error(p, m.seq, from, e, text);
			continue;
		}
		char line[NI_MAXHOST + 256];
		out_line(p, line, pingfmt_error(line, sizeof line, wall_stamp(p), from,
		                                m.seq, text), sizeof line);
	}
	return got;
}

/* Read what is queued without blocking.  Returns packets handled. */
static int recv_some(struct ping *p)
{
	int handled = 0;

	for (int i = 0; i < 256; i++) {
		struct sockaddr_storage from;
		char cbuf[256];
		struct iovec iov = { p->rx, sizeof p->rx };
		struct msghdr msg;

		memset(&msg, 0, sizeof msg);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof from;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof cbuf;
		ssize_t n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* A pending socket error: the error queue says what. */
			handled += read_errqueue(p);
			continue;
		}
		handled++;
		handle_packet(p, (size_t)n, &msg, &from, clock_mono_ns());
		/* Nothing more expected: back to sending without another
		 * recvmsg() that would only say EAGAIN. */
		if (pingseq_in_flight(&p->seq) == 0)
			break;
	}
	return handled;
}

/* ---- sending ----------------------------------------------------------- */

static void send_probe(struct ping *p)
{
	uint16_t seq = (uint16_t)(p->seq.transmitted + 1);
	int64_t now;
	size_t len;
	ssize_t r;

	if (p->o.outstanding && p->seq.transmitted > 0 &&
	    !pingseq_seen(&p->seq, pingseq_last(&p->seq)) && !p->o.json) {
		char line[96];
		out_line(p, line, pingfmt_noanswer(line, sizeof line, wall_stamp(p),
		                                   pingseq_last(&p->seq)), sizeof line);
	}
	now = clock_mono_ns();
	if (p->ni_on) {
		len = nodeinfo_query_build(p->tx, TX_MIN, &p->nq, p->ni_secret, seq);
	} else {
		len = ICMP_HDR_LEN + p->o.datalen;
		icmp_echo_stamp(p->tx, len, p->v6, seq, now);
	}
	r = sendto(p->fd, p->tx, len, 0, (struct sockaddr *)&p->dst, p->dstlen);
	if (r < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == ENOMEM)) {
		/* Queue full: try again a little later, nothing was sent. */
		p->next_send_ns = now + FLOOD_WAIT_NS;
		return;
	}
	pingseq_next(&p->seq);
	p->last_send_ns = now;
	if (p->sent_at)
		p->sent_at[seq] = now;
	if (r < 0) {
		/* Hard local error: counted as sent, as iputils does (its
		 * statistics do not count it; the JSON summary does). */
		int e = errno;
		if (read_errqueue(p) == 0) {
			p->send_errors++;
			if (p->sent_at)
				p->sent_at[seq] = -1;
			if (p->o.json) {
				char text[96];
				snprintf(text, sizeof text, "sendmsg: %s", strerror(e));
				json_send_error(p, seq, NULL, NULL, text);
			} else if (p->o.quiet || !p->o.until) {
				/* nothing: iputils prints no line when the error
				 * queue is empty (the statistics show the loss) */
			} else if (e != p->last_send_errno) {
				out_flush(p);
				err_num(e, "sendmsg");
			}
			p->last_send_errno = e;
		}
		return;
	}
	if (p->o.flood && !p->o.quiet && !p->o.json)
		out_str(p, ".");
}

static int all_sent(const struct ping *p)
{
	if (!p->o.count || p->seq.transmitted < (uint64_t)p->o.count)
		return 0;
	return !p->o.deadline_ns || p->o.until;
}

/* Monotonic time the next probe is due. */
static int64_t send_due(const struct ping *p, int64_t now)
{
	if (p->seq.transmitted < (uint64_t)p->o.preload)
		return now;
	if (p->o.interval_ns == 0) {
		/* Flood: next as soon as the last is answered, but at least
		 * every 10 ms, as iputils. */
		if (pingseq_in_flight(&p->seq) < p->o.preload)
			return now;
		return p->last_send_ns + FLOOD_WAIT_NS;
	}
	return p->next_send_ns;
}

static void schedule_next(struct ping *p, int64_t now)
{
	if (p->o.interval_ns == 0)
		return;
	if (p->seq.transmitted <= (uint64_t)p->o.preload) {
		p->next_send_ns = now + p->o.interval_ns;
		return;
	}
	p->next_send_ns += p->o.interval_ns;
	/* Fell behind (stopped, slow host): do not burst to catch up. */
	if (p->next_send_ns < now)
		p->next_send_ns = now;
}

/* ---- the loop ----------------------------------------------------------- */

SETUP static void print_status(struct ping *p)
{
	struct pingfmt_totals t;
	char line[256];
	int n;

	fill_totals(p, &t);
	n = pingfmt_status(line, sizeof line, &t);
	out_flush(p);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
		return;
}

static int done(const struct ping *p)
{
	if (p->o.until)
		return p->received > 0;
	if (p->o.count && p->received + p->errors >= p->o.count)
		return 1;
	return p->o.deadline_ns && p->errors;
}

/* Sleep until the socket has something, a signal arrives (only inside
 * ppoll are they unblocked: no lost wake-up) or `wake` (<0: no limit). */
static void wait_input(struct ping *p, int64_t now, int64_t wake,
                       const sigset_t *unblocked)
{
	struct pollfd pfd = { p->fd, POLLIN, 0 };
	struct timespec ts, *tsp = NULL;

	out_flush(p);
	if (wake >= 0) {
		ts = clock_ts(wake > now ? wake - now : 0);
		tsp = &ts;
	}
	if (ppoll(&pfd, 1, tsp, unblocked) > 0 && (pfd.revents & POLLERR))
		read_errqueue(p);
}

static void run(struct ping *p)
{
	sigset_t block, empty;
	int64_t deadline_at = -1, exit_at = -1;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &empty);
	sigdelset(&empty, SIGINT);
	sigdelset(&empty, SIGTERM);
	sigdelset(&empty, SIGQUIT);
	sigdelset(&empty, SIGALRM);
	sig_catch(1);
	/* A closed pipe ends ping as it ends iputils (`ping host | head`);
	 * sig_catch() ignores SIGPIPE, which would ping on forever. */
	signal(SIGPIPE, SIG_DFL);

	p->start_ns = p->next_send_ns = p->last_send_ns = clock_mono_ns();
	if (p->o.deadline_ns)
		deadline_at = (p->o.until ? p->t0 : p->start_ns) + p->o.deadline_ns;
	for (;;) {
		int64_t now, wake;

		if (sig_int || done(p))
			break;
		if (sig_quit) {
			sig_quit = 0;
			print_status(p);
		}
		now = clock_mono_ns();
		if (deadline_at >= 0 && now >= deadline_at)
			break;
		if (!all_sent(p) && now >= send_due(p, now)) {
			/* Everything due goes out before reading (a preload
			 * is a burst), bounded so replies still get read. */
			for (int k = 0; k <= p->o.preload && !all_sent(p) &&
			     now >= send_due(p, now); k++) {
				send_probe(p);
				schedule_next(p, now);
			}
			recv_some(p);
			continue;
		}
		if (all_sent(p) && exit_at < 0) {
			/* iputils' schedule_exit(): two max rtts (at least one
			 * interval) after a reply, else -W. */
			int64_t wait = p->o.linger_ns;
			if (p->received) {
				wait = 2 * p->st.max_ns;
				if (wait < p->o.interval_ns)
					wait = p->o.interval_ns;
				/* no rtt (-N, small -s) and no interval (-f):
				 * iputils disarms its timer and waits for the
				 * count; -W bounds that wait here */
				if (wait == 0)
					wait = p->o.linger_ns;
			}
			exit_at = now + wait;
		}
		if (exit_at >= 0 && now >= exit_at)
			break;
		if (p->sent_at)
			json_check_timeouts(p, now, 0);
		if (recv_some(p) > 0)
			continue;
		wake = clock_min_deadline(exit_at, deadline_at);
		if (!all_sent(p))
			wake = clock_min_deadline(wake, send_due(p, now));
		if (p->sent_at && p->tmo_done < p->seq.transmitted &&
		    p->sent_at[(uint16_t)(p->tmo_done + 1)] >= 0)
			wake = clock_min_deadline(wake, p->sent_at[(uint16_t)(p->tmo_done + 1)] + p->o.linger_ns);
		wait_input(p, now, wake, &empty);
	}
	sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* ---- the end -------------------------------------------------------------- */

SETUP static int finish(struct ping *p)
{
	struct pingfmt_totals t;
	char breach[160] = "";
	int rc;

	if (p->sent_at)
		json_check_timeouts(p, 0, 1);
	fill_totals(p, &t);
	rc = !p->received || (p->o.deadline_ns && p->o.count &&
	                      p->received < p->o.count && !p->o.until);
	if (p->o.until)
		rc = !p->received;
	if (p->o.max_loss_set && t.transmitted) {
		double loss = pingfmt_loss(t.transmitted, t.received);
		if (loss * 1000.0 > (double)p->o.max_loss_milli) {
			snprintf(breach, sizeof breach, "packet loss %g%% exceeds --max-loss %g%%",
			         loss, (double)p->o.max_loss_milli / 1000.0);
			rc = 1;
		}
	}
	if (!breach[0] && p->o.max_rtt_set && p->st.n && t.avg_us > p->o.max_rtt_us) {
		snprintf(breach, sizeof breach,
		         "average rtt %lld.%03lld ms exceeds --max-rtt %lld.%03lld ms",
		         (long long)(t.avg_us / 1000), (long long)(t.avg_us % 1000),
		         (long long)(p->o.max_rtt_us / 1000), (long long)(p->o.max_rtt_us % 1000));
		rc = 1;
	}
	if (p->o.json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_str(&j, "host", p->host);
		json_str(&j, "addr", p->dst_num);
		json_int(&j, "transmitted", t.transmitted);
		json_int(&j, "received", t.received);
		json_int(&j, "duplicates", t.dups);
		json_int(&j, "corrupted", t.corrupted);
		json_int(&j, "errors", t.errors + p->send_errors);
		json_double(&j, "loss_pct", t.transmitted ? pingfmt_loss(t.transmitted, t.received) : 0.0, 3);
		json_double(&j, "time_ms", (double)t.elapsed_us / 1000.0, 3);
		static const char *const rtt_keys[] = {
			"rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms",
		};
		const int64_t rtt_us[] = { t.min_us, t.avg_us, t.max_us, t.mdev_us };
		for (size_t k = 0; k < 4; k++) {
			if (t.received && t.timing)
				json_double(&j, rtt_keys[k], (double)rtt_us[k] / 1000.0, 3);
			else
				json_null(&j, rtt_keys[k]);
		}
		if (breach[0])
			json_str(&j, "breach", breach);
		else
			json_null(&j, "breach");
		json_int(&j, "exit", rc);
		json_end(&j, stdout);
	} else {
		char buf[1024];
		out_line(p, buf, pingfmt_stats(buf, sizeof buf, &t), sizeof buf);
		out_flush(p);
	}
	if (breach[0])
		err_msg("%s", breach);
	return rc;
}

/* ---- setup ------------------------------------------------------------------ */

/* ---- option values, checked as iputils checks them ------------------------ */

/* A set-up failure: iputils' line on stderr and, with --json, an error
 * object first; then exit with iputils' status. */
__attribute__((noreturn))
SETUP static void setup_die(struct ping *p, const char *code, int status, const char *msg)
{
	/* err's JSON mirror writes the error object (opt turned it on when
	 * --json appears anywhere on the command line) */
	if (p->o.json)
		err_json(1);
	die_as(code, status, "%s", msg);
}

/* A bad option value: iputils' line and status; with --json anywhere on
 * the command line, an error object first. */
__attribute__((noreturn))
SETUP static void bad_msg(struct ping *p, int status, const char *msg)
{
	p->o.json = p->json_early;
	setup_die(p, "usage", status, msg);
}

__attribute__((noreturn, format(printf, 3, 4)))
SETUP static void bad_value(struct ping *p, int status, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bad_msg(p, status, msg);
}

/* iputils' strtol_or_err(): exit 1 "invalid argument: 'X'[: strerror]" or
 * "invalid argument: 'X': out of range: MIN <= value <= MAX". */
SETUP static long arg_long(struct ping *p, const char *s, long min, long max)
{
	char *end = NULL;
	long v;

	errno = 0;
	if (!*s)
		bad_value(p, 1, "invalid argument: '%s'", s);
	v = strtol(s, &end, 10);
	if (errno || end == s || *end) {
		if (errno)
			bad_value(p, 1, "invalid argument: '%s': %s", s, strerror(errno));
		bad_value(p, 1, "invalid argument: '%s'", s);
	}
	if (v < min || v > max)
		bad_value(p, 1, "invalid argument: '%s': out of range: %ld <= value <= %ld", s, min, max);
	return v;
}

SETUP static unsigned long arg_ulong(struct ping *p, const char *s, unsigned long min, unsigned long max)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	if (!*s)
		bad_value(p, 1, "invalid argument: '%s'", s);
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		if (errno)
			bad_value(p, 1, "invalid argument: '%s': %s", s, strerror(errno));
		bad_value(p, 1, "invalid argument: '%s'", s);
	}
	if (v < min || v > max)
		bad_value(p, 1, "invalid argument: '%s': out of range: %lu <= value <= %lu", s, min, max);
	return v;
}

/* iputils' ping_strtod(): trailing garbage is a two-line warning, a value
 * that is not finite exits 2 "WHAT: X: strerror". */
SETUP static double arg_double(struct ping *p, const char *s, const char *what)
{
	char *end = NULL;
	double v;

	if (!*s)
		bad_value(p, 2, "%s: %s", what, s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end) {
		err_msg("option argument contains garbage: %s", end);
		err_msg("this will become fatal error in the future");
	}
	if (!isfinite(v)) {
		bad_value(p, 2, "%s: %s: %s", what, s, strerror(ERANGE));
	}
	return v;
}

/* -Q and -F: decimal, or hex after 0x. */
SETUP static long arg_hexdec(const char *s, char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return (long)(int)strtol(s + 2, end, 16);
	return (long)(int)strtol(s, end, 10);
}

/* -N: iputils' sub-options, messages and exit codes.  A bad argument
 * or a conflict prints the list on stderr and exits 2 (the conflict's
 * own line goes to stdout, which iputils flushes at exit: after it). */
SETUP static void ni_option(struct ping *p, const char *a)
{
	const char *val;
	enum nodeinfo_opt k = nodeinfo_option(&p->nq, a, &val);
	const char *late = NULL;

	switch (k) {
	case NODEINFO_OPT_DONE:
		return;
	case NODEINFO_OPT_HELP:
		fputs(nodeinfo_help(), stdout);
		exit(0);
	case NODEINFO_OPT_SUBJ_IPV6:
	case NODEINFO_OPT_SUBJ_IPV4: {
		struct addrinfo hints, *res = NULL;
		int v6 = k == NODEINFO_OPT_SUBJ_IPV6, r;
		memset(&hints, 0, sizeof hints);
		hints.ai_family = v6 ? AF_INET6 : AF_INET;
		hints.ai_socktype = SOCK_DGRAM;
		hints.ai_flags = AI_CANONNAME;
		r = getaddrinfo(val, NULL, &hints, &res);
		if (r) {
			err_msg("%s: %s", val, gai_strerror(r));
			break;
		}
		if (v6)
			nodeinfo_subject_addr(&p->nq, NODEINFO_SUBJ_IPV6, (const uint8_t *)
			                      &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, 16);
		else
			nodeinfo_subject_addr(&p->nq, NODEINFO_SUBJ_IPV4, (const uint8_t *)
			                      &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, 4);
		freeaddrinfo(res);
		return;
	}
	case NODEINFO_OPT_SUBJ_NAME:
	case NODEINFO_OPT_SUBJ_FQDN: {
		char cname[1100];
		int r = nodeinfo_subject_name(&p->nq, val, k == NODEINFO_OPT_SUBJ_FQDN,
		                              cname, sizeof cname);
		if (r <= NODEINFO_IDN_NAME_LONG)
			bad_value(p, 2, "IDN encoding error: %s", nodeinfo_idn_error(r));
		if (r == -2)
			bad_value(p, 1, "too long scope name");
		if (r < 0)
			bad_value(p, 1, "inappropriate subject name: %s", cname);
		return;
	}
	case NODEINFO_OPT_QCONFLICT:
		late = "Qtype conflict\n";
		break;
	case NODEINFO_OPT_SCONFLICT:
		late = "Subject type conflict\n";
		break;
	case NODEINFO_OPT_UNKNOWN:
		break;
	}
	fputs(nodeinfo_help(), stderr);
	fflush(stderr);
	if (late)
		fputs(late, stdout);
	exit(2);
}

SETUP static void ping_version(void)
{
	printf("ping from sockbox %s (iputils 20221126 compatible)\n", SOCKBOX_VERSION);
	exit(0);
}

SETUP static void parse_args(struct ping *p, int argc, char **argv)
{
	struct ping_opts *o = &p->o;
	struct pingsock_cfg *sc = &o->sc;
	struct opt_state st;
	int c;

	o->interval_ns = NS_PER_SEC;
	o->linger_ns = 10 * NS_PER_SEC;
	o->datalen = 56;
	o->preload = 1;
	o->ttl = -1;
	o->family = AF_UNSPEC;
	sc->pmtudisc = PINGSOCK_PMTU_UNSET;
	sc->ts = PINGSOCK_TS_NONE;
	sc->ident = -1;
	nodeinfo_init(&p->nq);
	p->uid = getuid();
	for (int k = 1; k < argc && strcmp(argv[k], "--"); k++)
		if (!strcmp(argv[k], "--json"))
			p->json_early = 1;
	if (applet_name[strlen(applet_name) - 1] == '6')
		o->family = AF_INET6;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &ping_help)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'a': o->audible = 1; break;
		case 'A': o->adaptive = 1; break;
		case 'b': sc->broadcast = 1; break;
		case 'B': sc->strict_source = 1; break;
		case 'c': o->count = arg_long(p, st.arg, 1, LONG_MAX); break;
		case 'C': sc->connect_sk = 1; break;
		case 'd': sc->debug = 1; break;
		case 'D': o->stamp = 1; break;
		case 'e': sc->ident = (int)arg_ulong(p, st.arg, 0, 65535); break;
		case 'f': o->flood = 1; o->numeric = 1; break;
		case 'F': {
			unsigned long v = (unsigned long)arg_hexdec(st.arg, &end);
			if (*end)
				bad_value(p, 2, "bad value for flowinfo: %s", st.arg);
			if (v & ~0xffffful)
				bad_value(p, 2, "flow value is greater than 20 bits: %s", st.arg);
			sc->flowlabel = (uint32_t)v;
			sc->flow_set = 1;
			break;
		}
		case 'h':
			opt_usage(stderr, &ping_help);
			exit(2);
		case 'i': {
			double v = arg_double(p, st.arg, "bad timing interval");
			if (v > (double)INT_MAX / 1000)
				bad_value(p, 2, "bad timing interval: %s", st.arg);
			long ms = (long)(int)(v * 1000);
			o->interval_ns = (ms < 0 ? 0 : ms) * NS_PER_MSEC;
			o->interval_set = 1;
			break;
		}
		case 'I': o->iface = st.arg; break;
		case 'l':
			o->preload = (int)arg_long(p, st.arg, 1, 65536);
			if (p->uid && o->preload > 3)
				bad_value(p, 2, "cannot set preload to value greater than 3: %d", o->preload);
			break;
		case 'L': sc->noloop = 1; break;
		case 'm':
			sc->mark = (unsigned)arg_ulong(p, st.arg, 0, UINT_MAX);
			sc->mark_set = 1;
			break;
		case 'M':
			if (!strcmp(st.arg, "do"))
				sc->pmtudisc = IP_PMTUDISC_DO;
			else if (!strcmp(st.arg, "dont"))
				sc->pmtudisc = IP_PMTUDISC_DONT;
			else if (!strcmp(st.arg, "want"))
				sc->pmtudisc = IP_PMTUDISC_WANT;
			else if (!strcmp(st.arg, "probe"))
				sc->pmtudisc = IP_PMTUDISC_PROBE;
			else
				bad_value(p, 2, "invalid -M argument: %s", st.arg);
			break;
		case 'n': o->numeric = 1; break;
		case 'N': ni_option(p, st.arg); break;
		case 'O': o->outstanding = 1; break;
		case 'p':
			o->patlen = icmp_pattern_parse(st.arg, o->pattern);
			if (o->patlen < 0)
				bad_value(p, 2, "patterns must be specified as hex digits: %s", st.arg);
			break;
		case 'q': o->quiet = 1; break;
		case 'Q': {
			long v = arg_hexdec(st.arg, &end);
			if (*end)
				bad_value(p, 2, "bad TOS value: %s", st.arg);
			if (v > 255)
				bad_value(p, 2, "the decimal value of TOS bits must be in range 0-255: %ld", v);
			sc->tos = (int)v;
			break;
		}
		case 'r': sc->dontroute = 1; break;
		case 'R':
			if (sc->ts != PINGSOCK_TS_NONE)
				bad_value(p, 2, "only one of -T or -R may be used");
			sc->rroute = 1;
			break;
		case 's': o->datalen = (size_t)arg_long(p, st.arg, 0, INT_MAX); break;
		case 'S': sc->sndbuf = (int)arg_long(p, st.arg, 1, INT_MAX); break;
		case 't': o->ttl = (int)arg_long(p, st.arg, 0, 255); break;
		case 'T':
			if (sc->rroute)
				bad_value(p, 2, "only one of -T or -R may be used");
			if (!strcmp(st.arg, "tsonly"))
				sc->ts = PINGSOCK_TS_TSONLY;
			else if (!strcmp(st.arg, "tsandaddr"))
				sc->ts = PINGSOCK_TS_TSANDADDR;
			else if (!strcmp(st.arg, "tsprespec"))
				sc->ts = PINGSOCK_TS_PRESPEC;
			else
				bad_value(p, 2, "invalid timestamp type: %s", st.arg);
			break;
		case 'U': break;  /* rtts are always user-to-user here */
		case 'v': o->verbose = 1; break;
		case 'V': ping_version(); break;
		case 'w':
			o->deadline_ns = (int64_t)arg_long(p, st.arg, 0, INT_MAX) * NS_PER_SEC;
			break;
		case 'W': {
			double v = arg_double(p, st.arg, "bad linger time");
			if (v < 0 || v > (double)INT_MAX / 1000)
				bad_value(p, 2, "bad linger time: %s", st.arg);
			o->linger_ns = (int64_t)(int)(v * 1000) * NS_PER_MSEC;
			break;
		}
		case '4':
		case '6':
			if (o->family != AF_UNSPEC && o->family != (c == '4' ? AF_INET : AF_INET6))
				bad_value(p, 2, "only one -4 or -6 option may be specified");
			o->family = c == '4' ? AF_INET : AF_INET6;
			break;
		case OPT_JSON_: o->json = 1; break;
		case OPT_MAXLOSS: {
			int64_t v;
			if (num_parse_fixed(st.arg, 1000, 0, 100000, &v) < 0)
				usage_error("invalid percentage '%s' for %s (0-100)", st.arg, st.name);
			o->max_loss_milli = v;
			o->max_loss_set = 1;
			break;
		}
		case OPT_MAXRTT:
			o->max_rtt_us = opt_dur(&st, NS_PER_MSEC, 0, (int64_t)3600 * NS_PER_SEC) / 1000;
			o->max_rtt_set = 1;
			break;
		case OPT_UNTIL: o->until = 1; break;
		default: usage_error("invalid option");
		}
	}
	if (st.ind >= argc)
		bad_value(p, 1, "usage error: %s", strerror(EDESTADDRREQ));
	if (st.ind + 1 < argc)
		usage_error("only one destination may be given (iputils' source routes are not supported)");
	o->target = argv[st.ind];
	p->ni = p->nq.qtype >= 0;
	if (o->flood && !o->interval_set)
		o->interval_ns = 0;
	if (o->json)
		o->quiet = 0;
}

/* Warnings pingsock collected: "WARNING: ..." lines, iputils' prefix
 * except for the one iputils prints bare (marked \001). */
SETUP static void print_warnings(const char *w)
{
	while (*w) {
		const char *nl = strchr(w, '\n');
		int len = nl ? (int)(nl - w) : (int)strlen(w);
		if (*w == '\001')
			fprintf(stderr, "%.*s\n", len - 1, w + 1);
		else
			err_msg("%.*s", len, w);
		w += len + (nl ? 1 : 0);
	}
	fflush(stderr);
}

/* getaddrinfo() as iputils calls it; 0, or the gai error in e. */
SETUP static int resolve(struct ping *p, struct pingsock_err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *t = p->o.target;
	struct in_addr a4;
	int r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_CANONNAME;
	r = getaddrinfo(t, NULL, &hints, &res);
	if (!r) {
		for (ai = res; ai; ai = ai->ai_next)
			if (p->o.family == AF_UNSPEC || ai->ai_family == p->o.family)
				break;
		if (!ai) {
			freeaddrinfo(res);
			r = EAI_ADDRFAMILY;
		}
	}
	if (r) {
		snprintf(e->msg, sizeof e->msg, "%s: %s", t,
		         r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		e->code = "resolve";
		e->exit_code = 2;
		return -1;
	}
	memcpy(&p->dst, ai->ai_addr, ai->ai_addrlen);
	p->dstlen = ai->ai_addrlen;
	p->v6 = ai->ai_family == AF_INET6;
	/* iputils: a numeric target (IPv4 literal, anything with ':') is
	 * printed as given and replies are not looked up; IPv6 prints the
	 * target as given, IPv4 the canonical name. */
	if ((!p->v6 && inet_aton(t, &a4) == 1) || strchr(t, ':'))
		p->o.numeric = 1;
	if (p->v6 || inet_aton(t, &a4) == 1)
		snprintf(p->host, sizeof p->host, "%s", t);
	else
		snprintf(p->host, sizeof p->host, "%s", ai->ai_canonname ? ai->ai_canonname : t);
	freeaddrinfo(res);
	if (p->v6)
		((struct sockaddr_in6 *)&p->dst)->sin6_port = 0;
	else
		((struct sockaddr_in *)&p->dst)->sin_port = 0;
	if (getnameinfo((struct sockaddr *)&p->dst, p->dstlen, p->dst_num,
	                sizeof p->dst_num, NULL, 0, NI_NUMERICHOST))
		snprintf(p->dst_num, sizeof p->dst_num, "?");
	p->cache_ok = 0;
	snprintf(p->dst_disp, sizeof p->dst_disp, "%s",
	         display(p, (struct sockaddr *)&p->dst, p->dstlen));
	return 0;
}

/* -I: an IPv4/IPv6 address is a source to bind (iputils: "%dev" after an
 * IPv6 address names a device); anything else names a device. */
SETUP static void parse_iface(struct ping *p)
{
	struct pingsock_cfg *sc = &p->o.sc;
	const char *a = p->o.iface;

	if (!a)
		return;
	if (strchr(a, ':')) {
		char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sc->src;
		snprintf(buf, sizeof buf, "%s", a);
		char *pct = strchr(buf, '%');
		if (pct) {
			*pct = '\0';
			sc->device = a + (pct - buf) + 1;
		}
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) <= 0)
			bad_value(p, 2, "invalid source address: %s", a);
		s6->sin6_family = AF_INET6;
		sc->strict_source = 1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sc->src;
		if (inet_pton(AF_INET, a, &s4->sin_addr) > 0) {
			s4->sin_family = AF_INET;
			sc->strict_source = 1;
		} else {
			sc->device = a;
		}
	}
}

/* -e 0 or -N without CAP_NET_RAW: iputils' lines from its socket
 * creation (before the name is resolved), one attempt per address
 * family it tries (-v says both), and exit 2. */
__attribute__((noreturn))
SETUP static void raw_refused(struct ping *p)
{
	int tries = p->o.verbose && p->o.family == AF_UNSPEC ? 2 : 1;

	if (p->o.json)
		setup_die(p, "permission", 2, "socket: Operation not permitted");
	for (int i = 0; i < tries; i++) {
		err_msg("socktype: SOCK_RAW");
		err_num(EPERM, "socket");
	}
	if (geteuid() != 0)
		err_msg("=> missing cap_net_raw+p capability or setuid?");
	exit(2);
}

SETUP static int retryable(const struct pingsock_err *e)
{
	if (!strcmp(e->code, "resolve"))
		return 1;
	return !strcmp(e->code, "connect") &&
	       (e->errnum == ENETUNREACH || e->errnum == EHOSTUNREACH ||
	        e->errnum == EADDRNOTAVAIL);
}

/* Resolve, open the socket, find the source.  With --until-reply a name
 * that does not resolve yet or a network not reachable yet is tried again
 * every interval until -w ends it; each distinct error is said once. */
SETUP static void setup_target(struct ping *p)
{
	struct pingsock_cfg *sc = &p->o.sc;
	char last[sizeof ((struct pingsock_err *)0)->msg] = "";
	int opened = 0;

	if ((sc->ident == 0 || p->nq.qtype >= 0 || p->nq.subject_len) && !caps_have(CAP_NET_RAW))
		raw_refused(p);

	for (;;) {
		struct pingsock_err e;
		int r;

		memset(&e, 0, sizeof e);
		r = resolve(p, &e);
		if (r == 0 && p->o.datalen > MAX_DATALEN_ANY)
			setup_die(p, "usage", 1, "packet size too large");
		if (r == 0 && !opened) {
			sc->v6 = p->v6;
			/* -e 0 and -N: only a raw socket will do (iputils) */
			sc->force_raw = sc->ident == 0 || p->nq.qtype >= 0 || p->nq.subject_len;
			if (pingsock_open(&p->ps, sc, &e) < 0)
				setup_die(p, e.code, e.exit_code, e.msg);
			opened = 1;
			p->fd = p->ps.fd;
			p->raw = p->ps.raw;
		}
		if (r == 0 && p->v6 != sc->v6)
			r = -1, snprintf(e.msg, sizeof e.msg, "%s: %s", p->o.target,
			                 gai_strerror(EAI_ADDRFAMILY)), e.code = "resolve", e.exit_code = 2;
		if (r == 0) {
			memcpy(&sc->dst, &p->dst, sizeof sc->dst);
			sc->dstlen = p->dstlen;
			r = pingsock_source(&p->ps, sc, &e);
		}
		if (r == 0) {
			print_warnings(e.warn);
			return;
		}
		if (!p->o.until || !retryable(&e))
			setup_die(p, e.code, e.exit_code, e.msg);
		if (strcmp(last, e.msg)) {
			err_msg("%s", e.msg);
			snprintf(last, sizeof last, "%s", e.msg);
		}
		int64_t now = clock_mono_ns(), wait = p->o.interval_ns;
		if (wait < 10 * NS_PER_MSEC)
			wait = 10 * NS_PER_MSEC;
		if (p->o.deadline_ns && now + wait > p->t0 + p->o.deadline_ns)
			wait = p->t0 + p->o.deadline_ns - now;
		if (p->o.deadline_ns && wait <= 0) {
			char msg[64];
			snprintf(msg, sizeof msg, "no reply within the -w deadline (%lld s)",
			         (long long)(p->o.deadline_ns / NS_PER_SEC));
			setup_die(p, "timeout", 1, msg);
		}
		struct timespec ts = clock_ts(wait);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* Everything iputils checks and sets once the target is known. */
SETUP static void setup_socket(struct ping *p)
{
	struct pingsock_cfg *sc = &p->o.sc;
	struct pingsock_err e;

	memset(&e, 0, sizeof e);
	sc->ttl = p->o.ttl;
	sc->datalen = p->o.datalen;
	p->ni_on = p->ni && p->v6;
	sc->nodeinfo = p->ni_on;
	sc->preload = p->o.preload;
	if ((sc->broadcast && !p->v6) || pingsock_multicast(&p->dst)) {
		p->multicast = 1;
		if (p->uid) {
			const char *kind = p->v6 ? "multicast" : "broadcast";
			char msg[96];
			if (p->o.interval_ns < NS_PER_SEC) {
				snprintf(msg, sizeof msg, "%s ping with too short interval: %lld", kind,
				         (long long)(p->o.interval_ns / NS_PER_MSEC));
				setup_die(p, "permission", 2, msg);
			}
			if (sc->pmtudisc != PINGSOCK_PMTU_UNSET && sc->pmtudisc != IP_PMTUDISC_DO) {
				snprintf(msg, sizeof msg, "%s ping does not fragment", kind);
				setup_die(p, "permission", 2, msg);
			}
		}
	}
	if (pingsock_configure(&p->ps, sc, &e) < 0) {
		print_warnings(e.warn);
		setup_die(p, e.code, e.exit_code, e.msg);
	}
	print_warnings(e.warn);
	snprintf(p->warn_late, sizeof p->warn_late, "%s", e.warn_late);
	p->multicast = p->multicast || sc->multicast;
	memcpy(&p->dst, &sc->dst, sizeof p->dst);   /* -F: flowinfo set */
	p->ident = p->ps.ident;
	p->form = p->v6 ? ICMP_V6 : p->raw ? ICMP_V4_RAW : ICMP_V4_DGRAM;
	p->optlen = p->ps.optlen;
	if (p->ps.have_src) {
		p->have_src = 1;
		if (getnameinfo((struct sockaddr *)&p->ps.src,
		                p->v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		                p->src_num, sizeof p->src_num, NULL, 0, NI_NUMERICHOST))
			snprintf(p->src_num, sizeof p->src_num, "?");
	}
	p->dev = sc->device;
}

/* iputils' checks done after the header (its setup()). */
SETUP static void check_interval(struct ping *p)
{
	if (p->uid && p->o.interval_ns < MIN_USER_INTERVAL_NS)
		setup_die(p, "permission", 2, "cannot flood; minimal interval allowed for user is 2ms");
	if (p->o.interval_ns / NS_PER_MSEC >= INT_MAX / p->o.preload) {
		char msg[80];
		snprintf(msg, sizeof msg, "illegal preload and/or interval: %lld",
		         (long long)(p->o.interval_ns / NS_PER_MSEC));
		setup_die(p, "usage", 2, msg);
	}
}

/* -v: the lines iputils prints about its sockets and the name. */
SETUP static void verbose_setup(struct ping *p)
{
	const char *type = p->raw ? "SOCK_RAW" : "SOCK_DGRAM";
	int fam = p->o.family;
	int fd4 = fam != AF_INET6 ? 3 : -1, fd6 = fam != AF_INET ? (fd4 < 0 ? 3 : 4) : -1;

	if (!p->o.verbose || p->o.json)
		return;
	err_msg("sock4.fd: %d (socktype: %s), sock6.fd: %d (socktype: %s), hints.ai_family: %s\n",
	        fd4, fd4 < 0 ? "0" : type, fd6, fd6 < 0 ? "0" : type,
	        fam == AF_INET ? "AF_INET" : fam == AF_INET6 ? "AF_INET6" : "AF_UNSPEC");
	printf("ai->ai_family: AF_INET%s, ai->ai_canonname: '%s'\n", p->v6 ? "6" : "",
	       p->v6 ? p->o.target : p->host);
	fflush(stdout);
}

/* -N: the subject defaults to the target's address; nonces come from a
 * random secret; the reply text may be long. */
SETUP static void setup_nodeinfo(struct ping *p)
{
	if (!p->nq.subject_len || p->nq.subject_type < 0)
		nodeinfo_subject_addr(&p->nq, NODEINFO_SUBJ_IPV6, (const uint8_t *)
		                      &((struct sockaddr_in6 *)&p->dst)->sin6_addr, 16);
	if (getrandom(&p->ni_secret, sizeof p->ni_secret, 0) != (ssize_t)sizeof p->ni_secret)
		p->ni_secret = (uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32);
	p->ni_text = malloc(NI_TEXT_CAP);
	p->ni_line = malloc(NI_TEXT_CAP + NI_MAXHOST + 512);
	if (!p->ni_text || !p->ni_line)
		setup_die(p, "oom", 2, "memory allocation failed");
}

SETUP static void print_header(struct ping *p)
{
	if (p->o.json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "start");
		json_int(&j, "schema", 1);
		json_str(&j, "applet", "ping");
		json_str(&j, "host", p->host);
		json_str(&j, "addr", p->dst_num);
		json_uint(&j, "data_bytes", p->o.datalen);
		json_str(&j, "socket", p->raw ? "raw" : "dgram");
		json_end(&j, stdout);
		return;
	}
	char buf[NI_MAXHOST * 2 + 256];
	if (p->o.patlen && !p->o.quiet) {
		char pat[64] = "PATTERN: 0x";
		size_t k = strlen(pat);
		for (int i = 0; i < p->o.patlen; i++)
			k += (size_t)snprintf(pat + k, sizeof pat - k, "%02x", p->o.pattern[i]);
		snprintf(pat + k, sizeof pat - k, "\n");
		out_str(p, pat);
	}
	out_line(p, buf, pingfmt_header(buf, sizeof buf, p->v6, p->host,
	                                p->v6 ? p->dst_disp : p->dst_num,
	                                p->have_src ? p->src_num : NULL, p->dev,
	                                p->o.datalen, (size_t)p->optlen,
	                                ntohl(p->ps.flowlabel)), sizeof buf);
	out_flush(p);
}

int ping_main(int argc, char **argv)
{
	struct ping *p = calloc(1, sizeof *p);
	int rc;

	if (!p)
		die_sys(2, "out of memory");
	p->t0 = clock_mono_ns();
	p->fd = -1;
	parse_args(p, argc, argv);
	parse_iface(p);
	setup_target(p);
	setup_socket(p);
	/* Least privilege from here on: nothing effective, nothing permitted. */
	if (caps_drop_all() < 0)
		die_sys(2, "cannot drop capabilities");
	p->tx = malloc(ICMP_HDR_LEN + p->o.datalen < TX_MIN ? TX_MIN : ICMP_HDR_LEN + p->o.datalen);
	if (!p->tx)
		setup_die(p, "oom", 2, "memory allocation failed");
	p->timing = p->o.datalen >= ICMP_TS_LEN && !p->ni_on;
	if (p->ni_on)
		setup_nodeinfo(p);
	pingseq_init(&p->seq);
	stats_init(&p->st);
	if (p->o.json) {
		p->sent_at = malloc(65536 * sizeof *p->sent_at);
		if (!p->sent_at)
			setup_die(p, "oom", 2, "out of memory");
		for (size_t i = 0; i < 65536; i++)
			p->sent_at[i] = -1;
	}
	/* The request is built once; each probe only stamps seq and time. */
	icmp_echo_build(p->tx, ICMP_HDR_LEN + p->o.datalen, p->v6, p->ident, 0, p->o.datalen,
	                p->o.pattern, (size_t)p->o.patlen, 0);
	verbose_setup(p);
	/* Names of reply sources are looked up (unless -n): DNS over UDP, or
	 * TCP to port 53. */
	struct sandbox_policy sp = { .needs = SBX_DGRAM };
	if (!p->o.numeric) {
		sp.needs |= SBX_RESOLVER;
		sp.tcp_connect = 53;
	}
	sandbox_enter(&sp, 0);
	print_header(p);
	print_warnings(p->warn_late);
	check_interval(p);
	run(p);
	rc = finish(p);
	close(p->fd);
	free(p->sent_at);
	free(p->tx);
	free(p->ni_text);
	free(p->ni_line);
	free(p);
	return rc;
}
