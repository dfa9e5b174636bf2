/* ping: ICMP echo, a drop-in for iputils ping 20221126.
 *
 * Usage: ping [OPTIONS] HOST      (ping6 ... implies -6)
 *
 * Output lines, statistics and exit codes follow iputils byte for byte
 * (lib/pingfmt.c); --json, --max-loss, --max-rtt and --until-reply are
 * additions for scripts.  Sockets: SOCK_RAW when CAP_NET_RAW is held
 * (root, or the binary has cap_net_raw+p), else the unprivileged ICMP
 * datagram socket (net.ipv4.ping_group_range), else exit 2 explaining
 * both.  CAP_NET_RAW is effective only around socket creation and
 * SO_BINDTODEVICE; every capability is dropped before the first probe.
 *
 * Exit status: 0 a reply arrived (with -w: COUNT replies arrived when -c
 * was given); 1 no reply (or a --max-loss/--max-rtt threshold breached);
 * 2 usage or setup error. */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/filter.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
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
#include "num.h"
#include "opt.h"
#include "pingfmt.h"
#include "pingseq.h"
#include "sandbox.h"
#include "sig.h"
#include "stats.h"

#define MIN_USER_INTERVAL_NS (2 * NS_PER_MSEC) /* iputils' MINUSERINTERVAL */
#define FLOOD_WAIT_NS (10 * NS_PER_MSEC)        /* iputils' MININTERVAL */
#define MAX_DATALEN 65507                       /* 65535 - 20 - 8 */
#define RX_CAP (65536 + 128)
#define OUT_CAP 16384

enum {
	OPT_JSON_ = OPT_LONG + 1, OPT_MAXLOSS, OPT_MAXRTT, OPT_UNTIL,
};

static const struct opt ping_opts[] = {
	{ 'c', "count", "COUNT", "stop after COUNT probes (with -w: after COUNT replies)" },
	{ 'i', "interval", "SECS", "seconds between probes (default 1; non-root >= 0.002)" },
	{ 'W', "timeout", "SECS", "wait for a reply after the last probe (default 10)" },
	{ 'w', "deadline", "SECS", "stop after SECS in total" },
	{ 's', "size", "BYTES", "data bytes per probe (default 56)" },
	{ 't', "ttl", "TTL", "IP time to live / IPv6 hop limit (1-255)" },
	{ 'q', "quiet", NULL, "print only the header and the statistics" },
	{ 'n', "numeric", NULL, "no reverse DNS lookups" },
	{ 'f', "flood", NULL, "flood ping (root only): '.' sent, backspace received" },
	{ 'l', "preload", "N", "send N probes without waiting (non-root: <= 3)" },
	{ 'D', "timestamp", NULL, "print the wall-clock time before each line" },
	{ 'O', "outstanding", NULL, "report probes still unanswered when the next is sent" },
	{ 'p', "pattern", "HEX", "fill the payload with up to 16 pattern bytes" },
	{ 'I', "interface", "IFACE|ADDR", "send from this interface or source address" },
	{ '4', NULL, NULL, "IPv4 only" },
	{ '6', NULL, NULL, "IPv6 only" },
	{ OPT_JSON_, "json", NULL, "print JSON Lines: one object per event, then a summary" },
	{ OPT_MAXLOSS, "max-loss", "PCT", "exit 1 when packet loss exceeds PCT percent" },
	{ OPT_MAXRTT, "max-rtt", "MS", "exit 1 when the average rtt exceeds MS milliseconds" },
	{ OPT_UNTIL, "until-reply", NULL, "probe until the first reply (or -w), ignoring ICMP errors" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help ping_help = {
	"ping [OPTIONS] HOST\n   or: ping6 [OPTIONS] HOST",
	"Send ICMP echo requests to HOST and report replies, errors and\n"
	"statistics in iputils ping's format.  Exit status: 0 a reply arrived,\n"
	"1 none arrived (or a --max-loss/--max-rtt threshold was breached),\n"
	"2 usage or setup error.",
	ping_opts,
};

struct ping_opts {
	long count;               /* 0: unlimited */
	int64_t interval_ns;
	int interval_set;
	int64_t linger_ns;        /* -W */
	int linger_set;
	int64_t deadline_ns;      /* -w; 0: none */
	size_t datalen;
	int ttl;                  /* 0: leave alone */
	int quiet, numeric, flood, stamp, outstanding, json, until;
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
};

struct ping {
	struct ping_opts o;
	int fd, raw, v6;
	enum icmp_form form;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	char host[NI_MAXHOST];      /* as in "PING host" and the statistics */
	char dst_num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char dst_disp[NI_MAXHOST + 128];
	char src_num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	int have_src;
	const char *dev;
	uint16_t ident;
	int timing;
	uid_t uid;
	struct pingseq seq;
	struct rtt_stats st;
	long received, dups, corrupted, errors;
	int ewma8;
	int64_t start_ns, last_send_ns, next_send_ns;
	int64_t *sent_at;           /* --json: send time per sequence, -1 answered */
	uint64_t tmo_done;          /* --json: probes checked for timeout */
	struct sockaddr_storage cache_sa;
	char cache_disp[NI_MAXHOST + 128];
	int cache_ok;
	size_t olen;
	char out[OUT_CAP];
	uint8_t tx[65536];
	uint8_t rx[RX_CAP];
};

/* ---- output ---------------------------------------------------------- */

static void out_flush(struct ping *p)
{
	size_t off = 0;

	while (off < p->olen) {
		ssize_t w = write(STDOUT_FILENO, p->out + off, p->olen - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break; /* stdout gone: nothing useful left to do */
		}
		off += (size_t)w;
	}
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
	t->show_ipg = p->o.interval_ns == 0 || p->o.flood;
	t->ewma8 = p->ewma8;
}

/* ---- JSON events ----------------------------------------------------- */

static void json_timeout(struct ping *p, uint16_t seq)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "timeout");
	json_uint(&j, "seq", seq);
	json_end(&j, stdout);
}

/* Report probes unanswered for longer than -W (default 10 s); at the end
 * (final) every probe still unanswered. */
static void json_check_timeouts(struct ping *p, int64_t now, int final)
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

static void json_reply(struct ping *p, const struct pingfmt_reply *r)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "reply");
	json_uint(&j, "seq", r->seq);
	json_str(&j, "from", r->from);
	json_uint(&j, "bytes", r->bytes);
	if (r->ttl >= 0)
		json_int(&j, "ttl", r->ttl);
	if (r->has_time)
		json_double(&j, "time_ms", (double)r->rtt_us / 1000.0, 3);
	json_bool(&j, "dup", r->dup);
	json_bool(&j, "bad_checksum", r->bad_csum);
	json_bool(&j, "truncated", r->truncated);
	json_end(&j, stdout);
}

/* iputils' gather_statistics(): count, print. */
static void on_reply(struct ping *p, const struct icmp_msg *m, int ttl,
                     const struct sockaddr_storage *from, socklen_t fromlen,
                     int64_t now)
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
		return;
	}
	r.wall_us = wall_stamp(p);
	r.from = same_addr(p, from) ? p->dst_disp
	                            : display(p, (const struct sockaddr *)from, fromlen);
	if (p->o.json) {
		json_reply(p, &r);
		return;
	}
	char line[NI_MAXHOST + 256];
	out_line(p, line, pingfmt_reply(line, sizeof line, &r), sizeof line);
}

/* One packet from the socket.  Returns 1 when it was one of ours. */
static int handle_packet(struct ping *p, size_t n, struct msghdr *msg,
                         const struct sockaddr_storage *from, int64_t now)
{
	struct icmp_msg m;
	enum icmp_kind k = icmp_parse(p->form, p->rx, n, &m);
	int ttl = m.ttl;

	if (k == ICMP_REPLY) {
		if (p->raw && m.id != p->ident)
			return 0;                  /* another process's ping */
		if (!same_addr(p, from))
			return 0;
		if (!pingseq_was_sent(&p->seq, m.seq))
			return 0;                  /* a sequence we never sent */
		if (!icmp_payload_ok(&m, p->tx + ICMP_HDR_LEN, p->o.datalen, NULL))
			return 0;                  /* not our payload: not ours */
		if (ttl < 0)
			ttl = cmsg_ttl(msg);
		on_reply(p, &m, ttl, from, msg->msg_namelen, now);
		return 1;
	}
	if (k == ICMP_ERROR) {
		/* Raw sockets see errors twice: as packets (here) and on the
		 * error queue.  As iputils, only acknowledge here; the error
		 * queue reports and counts it. */
		int dst_ok = p->v6
			? !memcmp(&m.orig_dst6, &((struct sockaddr_in6 *)&p->dst)->sin6_addr, 16)
			: m.orig_dst4.s_addr == ((struct sockaddr_in *)&p->dst)->sin_addr.s_addr;
		if (dst_ok && (!p->raw || m.id == p->ident) &&
		    m.type != ICMP4_REDIRECT && !(m.type == ICMP4_SOURCEQUENCH && !p->v6))
			pingseq_ack(&p->seq, m.seq);
		return 0;
	}
	return 0;
}

static void json_error(struct ping *p, uint16_t seq, const char *from,
                       const struct sock_extended_err *e, const char *text)
{
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "error");
	json_uint(&j, "seq", seq);
	json_str(&j, "from", from);
	json_int(&j, "icmp_type", e->ee_type);
	json_int(&j, "icmp_code", e->ee_code);
	json_str(&j, "text", text);
	json_end(&j, stdout);
}

static void local_error(struct ping *p, const struct sock_extended_err *e)
{
	/* iputils counts a local error only when it prints it (not -q). */
	if (p->o.quiet)
		return;
	p->errors++;
	if (p->o.flood && !p->o.json) {
		out_str(p, "E");
		return;
	}
	out_flush(p);
	if (e->ee_errno == EMSGSIZE)
		err_msg("local error: message too long, mtu=%u", e->ee_info);
	else
		err_msg("local error: %s", strerror((int)e->ee_errno));
}

/* Drain the error queue (IP_RECVERR).  Returns the number of entries. */
static int read_errqueue(struct ping *p)
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
			json_error(p, m.seq, from, e, text);
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
	len = ICMP_HDR_LEN + p->o.datalen;
	icmp_echo_stamp(p->tx, len, p->v6, seq, now);
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
		/* Hard local error: counted as sent, as iputils does. */
		int e = errno;
		if (read_errqueue(p) == 0 && !p->o.quiet) {
			out_flush(p);
			err_num(e, "sendmsg");
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

static void print_status(struct ping *p)
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
		deadline_at = p->start_ns + p->o.deadline_ns;
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

static int finish(struct ping *p)
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
		json_int(&j, "errors", t.errors);
		json_double(&j, "loss_pct", t.transmitted ? pingfmt_loss(t.transmitted, t.received) : 0.0, 3);
		json_int(&j, "time_ms", (t.elapsed_us + 500) / 1000);
		if (t.received && t.timing) {
			json_double(&j, "rtt_min_ms", (double)t.min_us / 1000.0, 3);
			json_double(&j, "rtt_avg_ms", (double)t.avg_us / 1000.0, 3);
			json_double(&j, "rtt_max_ms", (double)t.max_us / 1000.0, 3);
			json_double(&j, "rtt_mdev_ms", (double)t.mdev_us / 1000.0, 3);
		}
		if (breach[0])
			json_str(&j, "breach", breach);
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

static void parse_args(struct ping *p, int argc, char **argv)
{
	struct ping_opts *o = &p->o;
	struct opt_state st;
	int c;

	o->interval_ns = NS_PER_SEC;
	o->linger_ns = 10 * NS_PER_SEC;
	o->datalen = 56;
	o->preload = 1;
	o->family = AF_UNSPEC;
	if (!strcmp(applet_name, "ping6"))
		o->family = AF_INET6;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &ping_help)) != -1) {
		switch (c) {
		case 'c': o->count = (long)opt_u64(&st, 1, LONG_MAX); break;
		case 'i':
			o->interval_ns = opt_dur(&st, NS_PER_SEC, 0, (int64_t)(INT_MAX / 1000) * NS_PER_SEC);
			o->interval_set = 1;
			break;
		case 'W':
			o->linger_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC, (int64_t)(INT_MAX / 1000) * NS_PER_SEC);
			o->linger_set = 1;
			break;
		case 'w':
			o->deadline_ns = opt_dur(&st, NS_PER_SEC, 1, (int64_t)INT_MAX * NS_PER_SEC);
			break;
		case 's': o->datalen = (size_t)opt_u64(&st, 0, MAX_DATALEN); break;
		case 't': o->ttl = (int)opt_u64(&st, 1, 255); break;
		case 'q': o->quiet = 1; break;
		case 'n': o->numeric = 1; break;
		case 'f': o->flood = 1; o->numeric = 1; break;
		case 'l': o->preload = (int)opt_u64(&st, 1, 65536); break;
		case 'D': o->stamp = 1; break;
		case 'O': o->outstanding = 1; break;
		case 'p':
			o->patlen = icmp_pattern_parse(st.arg, o->pattern);
			if (o->patlen < 0)
				die(2, "patterns must be specified as hex digits: %s", st.arg);
			break;
		case 'I': o->iface = st.arg; break;
		case '4':
		case '6':
			if (o->family != AF_UNSPEC && o->family != (c == '4' ? AF_INET : AF_INET6))
				usage_error("only one -4 or -6 option may be specified");
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
		usage_error("usage error: Destination address required");
	if (st.ind + 1 < argc)
		usage_error("only one destination may be given");
	o->target = argv[st.ind];
	if (o->flood && !o->interval_set)
		o->interval_ns = 0;
	p->uid = getuid();
	if (p->uid && o->interval_ns < MIN_USER_INTERVAL_NS)
		die(2, "cannot flood; minimal interval allowed for user is 2ms");
	if (p->uid && o->preload > 3)
		die(2, "cannot set preload to value greater than 3: %d", o->preload);
	if (o->json)
		o->quiet = 0;
}

static void resolve(struct ping *p)
{
	struct addrinfo hints, *res = NULL;
	const char *t = p->o.target;
	struct in_addr a4;
	int r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = p->o.family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_CANONNAME;
	r = getaddrinfo(t, NULL, &hints, &res);
	if (r)
		die(2, "%s: %s", t, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	memcpy(&p->dst, res->ai_addr, res->ai_addrlen);
	p->dstlen = res->ai_addrlen;
	p->v6 = res->ai_family == AF_INET6;
	/* iputils: a numeric target (IPv4 literal, anything with ':') is
	 * printed as given and replies are not looked up. */
	if (inet_aton(t, &a4) == 1 || strchr(t, ':')) {
		p->o.numeric = 1;
		snprintf(p->host, sizeof p->host, "%s", t);
	} else {
		snprintf(p->host, sizeof p->host, "%s", res->ai_canonname ? res->ai_canonname : t);
	}
	freeaddrinfo(res);
	if (p->v6)
		((struct sockaddr_in6 *)&p->dst)->sin6_port = 0;
	else
		((struct sockaddr_in *)&p->dst)->sin_port = 0;
	if (getnameinfo((struct sockaddr *)&p->dst, p->dstlen, p->dst_num,
	                sizeof p->dst_num, NULL, 0, NI_NUMERICHOST))
		snprintf(p->dst_num, sizeof p->dst_num, "?");
	snprintf(p->dst_disp, sizeof p->dst_disp, "%s",
	         display(p, (struct sockaddr *)&p->dst, p->dstlen));
	if (!p->v6 && p->o.datalen > MAX_DATALEN)
		die(2, "packet size %zu is too large for IPv4 (maximum %d)", p->o.datalen, MAX_DATALEN);
}

static void read_group_range(char *buf, size_t n)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "re");
	size_t k = 0;

	buf[0] = '\0';
	if (f) {
		k = fread(buf, 1, n - 1, f);
		fclose(f);
	}
	buf[k] = '\0';
	for (char *q = buf; *q; q++)
		if (*q == '\t' || *q == '\n')
			*q = *q == '\t' ? ' ' : '\0';
}

/* Neither socket type: say what was tried and how to fix it (exit 2). */
__attribute__((noreturn))
static void explain_no_socket(int raw_tried, int raw_err, int dgram_err)
{
	char range[64], self[PATH_MAX], raw_part[128];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);

	self[k > 0 ? k : 0] = '\0';
	read_group_range(range, sizeof range);
	if (raw_tried)
		snprintf(raw_part, sizeof raw_part, "raw socket failed (%s)", strerror(raw_err));
	else
		snprintf(raw_part, sizeof raw_part, "raw socket needs CAP_NET_RAW, which this process lacks");
	if (dgram_err == EACCES || dgram_err == EPERM)
		die(2, "cannot open an ICMP socket: %s; ICMP datagram socket refused: "
		    "group %u is outside net.ipv4.ping_group_range (%s); fix: "
		    "setcap cap_net_raw+p %s, or sysctl -w net.ipv4.ping_group_range='0 2147483647'",
		    raw_part, (unsigned)getgid(), range, self[0] ? self : "sockbox");
	die(2, "cannot open an ICMP socket: %s; ICMP datagram socket failed (%s); fix: "
	    "setcap cap_net_raw+p %s, or run as root",
	    raw_part, strerror(dgram_err), self[0] ? self : "sockbox");
}

static void bind_device(struct ping *p, int fd)
{
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->dev, (socklen_t)strlen(p->dev) + 1) < 0)
		die_sys(2, "SO_BINDTODEVICE %s", p->dev);
}

/* -I: an address binds the source; anything else names a device, whose
 * source address a connected UDP probe socket tells us (for the header). */
static void setup_source(struct ping *p, int have_raw)
{
	struct sockaddr_storage src;
	socklen_t srclen = p->dstlen;
	int fam = p->v6 ? AF_INET6 : AF_INET;

	if (!p->o.iface)
		return;
	memset(&src, 0, sizeof src);
	src.ss_family = (sa_family_t)fam;
	void *abuf = p->v6 ? (void *)&((struct sockaddr_in6 *)&src)->sin6_addr
	                   : (void *)&((struct sockaddr_in *)&src)->sin_addr;
	if (inet_pton(fam, p->o.iface, abuf) == 1) {
		if (bind(p->fd, (struct sockaddr *)&src, srclen) < 0)
			die_sys(2, "bind %s", p->o.iface);
	} else {
		if (strchr(p->o.iface, ':') || strchr(p->o.iface, '.') ?
		    inet_pton(p->v6 ? AF_INET : AF_INET6, p->o.iface, p->tx) == 1 : 0)
			die(2, "invalid source address: %s", p->o.iface);
		if (!if_nametoindex(p->o.iface))
			die(2, "unknown iface: %s", p->o.iface);
		p->dev = p->o.iface;
		int probe = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			die_sys(2, "socket");
		if (have_raw)
			caps_raise(CAP_NET_RAW);
		bind_device(p, probe);
		bind_device(p, p->fd);
		if (have_raw)
			caps_lower(CAP_NET_RAW);
		struct sockaddr_storage d = p->dst;
		if (p->v6)
			((struct sockaddr_in6 *)&d)->sin6_port = htons(1025);
		else
			((struct sockaddr_in *)&d)->sin_port = htons(1025);
		if (connect(probe, (struct sockaddr *)&d, p->dstlen) < 0)
			die_sys(2, "connect");
		if (getsockname(probe, (struct sockaddr *)&src, &srclen) < 0)
			die_sys(2, "getsockname");
		close(probe);
	}
	p->have_src = 1;
	if (getnameinfo((struct sockaddr *)&src, srclen, p->src_num, sizeof p->src_num,
	                NULL, 0, NI_NUMERICHOST))
		snprintf(p->src_num, sizeof p->src_num, "?");
}

static void set_opt(struct ping *p, int level, int name, int val, const char *what)
{
	if (setsockopt(p->fd, level, name, &val, sizeof val) < 0)
		die_sys(2, "%s", what);
}

/* A raw socket gets every echo reply on the host: let the kernel drop
 * the ones with another identifier (other pings) before they are queued.
 * Everything else (errors) passes. */
static void attach_ident_filter(struct ping *p)
{
	struct sock_filter f[] = {
		/* IPv4 raw data starts at the IP header: X = its length */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p->ident, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p->v6 ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog;

	/* IPv6 raw data starts at the ICMPv6 header: X stays 0. */
	if (p->v6)
		f[0] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, 0);
	prog.len = sizeof f / sizeof f[0];
	prog.filter = f;
	if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
		err_sys("WARNING: failed to install socket filter");
}

static void open_socket(struct ping *p)
{
	int fam = p->v6 ? AF_INET6 : AF_INET;
	int proto = p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int have_raw = caps_have(CAP_NET_RAW), raw_err = 0;

	p->fd = -1;
	if (have_raw) {
		caps_raise(CAP_NET_RAW);
		p->fd = socket(fam, SOCK_RAW | SOCK_CLOEXEC, proto);
		raw_err = errno;
		caps_lower(CAP_NET_RAW);
		p->raw = p->fd >= 0;
	}
	if (p->fd < 0) {
		p->fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, proto);
		if (p->fd < 0)
			explain_no_socket(have_raw, raw_err, errno);
	}
	p->form = p->v6 ? ICMP_V6 : p->raw ? ICMP_V4_RAW : ICMP_V4_DGRAM;
	setup_source(p, have_raw);
	if (p->raw && !p->v6) {
		/* Only echo replies and the errors that can quote our probes. */
		uint32_t filt = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
		                  (1u << ICMP_SOURCE_QUENCH) | (1u << ICMP_REDIRECT) |
		                  (1u << ICMP_TIME_EXCEEDED) | (1u << ICMP_PARAMETERPROB));
		if (setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &filt, sizeof filt) < 0)
			err_sys("WARNING: setsockopt(ICMP_FILTER)");
	}
	if (p->raw && p->v6) {
		struct icmp6_filter f;
		memset(&f, 0xff, sizeof f); /* block all ... */
		f.data[ICMPV6_ECHO_REPLY >> 5] &= ~(1u << (ICMPV6_ECHO_REPLY & 31));
		for (int t = ICMPV6_DEST_UNREACH; t <= ICMPV6_PARAMPROB; t++)
			f.data[t >> 5] &= ~(1u << (t & 31));
		if (setsockopt(p->fd, IPPROTO_ICMPV6, ICMPV6_FILTER, &f, sizeof f) < 0)
			die_sys(2, "setsockopt(ICMP6_FILTER)");
	}
	if (p->v6) {
		set_opt(p, SOL_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR");
		set_opt(p, SOL_IPV6, IPV6_RECVHOPLIMIT, 1, "can't receive hop limit");
		if (p->o.ttl) {
			set_opt(p, SOL_IPV6, IPV6_MULTICAST_HOPS, p->o.ttl, "can't set multicast hop limit");
			set_opt(p, SOL_IPV6, IPV6_UNICAST_HOPS, p->o.ttl, "can't set unicast hop limit");
		}
	} else {
		set_opt(p, SOL_IP, IP_RECVERR, 1, "IP_RECVERR");
		if (!p->raw)
			set_opt(p, SOL_IP, IP_RECVTTL, 1, "IP_RECVTTL");
		if (p->o.ttl) {
			set_opt(p, SOL_IP, IP_MULTICAST_TTL, p->o.ttl, "cannot set multicast time-to-live");
			set_opt(p, SOL_IP, IP_TTL, p->o.ttl, "cannot set unicast time-to-live");
		}
	}
	/* Room for a preload's worth of replies, as iputils sizes it. */
	int rcv = (int)(p->o.datalen + 8 + 512) * p->o.preload;
	if (rcv > 65536)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	if (p->raw) {
		uint16_t id;
		if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
			id = (uint16_t)(getpid() ^ clock_mono_ns());
		p->ident = id;
	}
	if (p->raw)
		attach_ident_filter(p);
	/* Least privilege from here on: nothing effective, nothing permitted. */
	if (caps_drop_all() < 0)
		die_sys(2, "cannot drop capabilities");
}

static void print_header(struct ping *p)
{
	if (p->o.json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "start");
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
	                                p->o.datalen), sizeof buf);
	out_flush(p);
}

int ping_main(int argc, char **argv)
{
	struct ping *p = calloc(1, sizeof *p);
	int rc;

	if (!p)
		die_sys(2, "out of memory");
	parse_args(p, argc, argv);
	resolve(p);
	open_socket(p);
	p->timing = p->o.datalen >= ICMP_TS_LEN;
	pingseq_init(&p->seq);
	stats_init(&p->st);
	if (p->o.json) {
		p->sent_at = malloc(65536 * sizeof *p->sent_at);
		if (!p->sent_at)
			die_sys(2, "out of memory");
		for (size_t i = 0; i < 65536; i++)
			p->sent_at[i] = -1;
	}
	/* The request is built once; each probe only stamps seq and time. */
	icmp_echo_build(p->tx, sizeof p->tx, p->v6, p->ident, 0, p->o.datalen,
	                p->o.pattern, (size_t)p->o.patlen, 0);
	/* Names of reply sources are looked up (unless -n): DNS over UDP, or
	 * TCP to port 53. */
	struct sandbox_policy sp = { .needs = SBX_DGRAM };
	if (!p->o.numeric) {
		sp.needs |= SBX_RESOLVER;
		sp.tcp_connect = 53;
	}
	sandbox_enter(&sp, 0);
	print_header(p);
	run(p);
	rc = finish(p);
	close(p->fd);
	free(p->sent_at);
	free(p);
	return rc;
}
