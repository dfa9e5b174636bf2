/* tcp-watch: TCP sockets and their state transitions, unprivileged.
 *
 * Source: NETLINK_SOCK_DIAG dumps (one legacy AF_UNSPEC inet_diag request
 * for both families, inet_diag_req_v2 for one; the state mask and port
 * filters are applied by the kernel), plus the
 * sock_diag destroy multicast groups in watch mode so that sockets closed
 * between two polls are still reported.  When sock_diag is unavailable,
 * or with --proc / TCP_WATCH_PROC=1, /proc/net/tcp and tcp6 are read
 * instead (no cookies: sockets are then keyed by their 4-tuple).
 *
 * Modes: --once prints a table like `ss -tan`; --summary prints counts
 * per state; the default watches, polling every -i INTERVAL, and prints
 * the sockets present at start ("INITIAL") then one line per transition
 * with the time spent in the previous state.  --json prints the same
 * facts as JSON Lines, flushed per line, ending with a summary object.
 *
 * Exit status: 0 success (also on SIGINT/SIGTERM, --count, --duration),
 * 1 runtime failure (neither sock_diag nor /proc readable, out of
 * memory), 2 usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "clock.h"
#include "diag_msg.h"
#include "err.h"
#include "json.h"
#include "loop.h"
#include "opt.h"
#include "proc_tcp.h"
#include "sandbox.h"
#include "sig.h"
#include "tcp_track.h"

enum {
	OPT_ONCE = OPT_LONG, OPT_SUMMARY, OPT_SPORT, OPT_DPORT, OPT_ADDR,
	OPT_JSON, OPT_DURATION, OPT_PROC, OPT_NO_INITIAL,
};

static const struct opt opts[] = {
	{ OPT_ONCE, "once", NULL, "print one snapshot as a table (like ss -tan) and exit" },
	{ 'e', "extended", NULL, "add tcp_info columns: rtt, retransmits, bytes acked/received" },
	{ OPT_SUMMARY, "summary", NULL, "print the number of sockets per state and exit" },
	{ 'i', "interval", "SECS", "watch mode poll interval (default 0.1; 1ms to 1h)" },
	{ 's', "state", "STATE", "only sockets in STATE (repeatable; names below)" },
	{ OPT_SPORT, "sport", "PORT", "only sockets with this local port (repeatable)" },
	{ OPT_DPORT, "dport", "PORT", "only sockets with this peer port (repeatable)" },
	{ OPT_ADDR, "addr", "ADDR", "only sockets with this local or peer address (repeatable)" },
	{ '4', "ipv4", NULL, "IPv4 sockets only" },
	{ '6', "ipv6", NULL, "IPv6 sockets only" },
	{ 'n', "numeric", NULL, "numeric addresses and ports (always; for ss compatibility)" },
	{ OPT_JSON, "json", NULL, "print JSON Lines (one object per socket/event, then a summary)" },
	{ 'c', "count", "N", "watch: exit after N transitions" },
	{ OPT_DURATION, "duration", "SECS", "watch: exit after SECS" },
	{ OPT_NO_INITIAL, "no-initial", NULL, "watch: do not print the sockets present at start" },
	{ OPT_PROC, "proc", NULL, "read /proc/net/tcp{,6} instead of sock_diag (also TCP_WATCH_PROC=1)" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"tcp-watch [--once|--summary] [-e] [-s STATE]... [--sport PORT]...\n"
	"          [--dport PORT]... [--addr ADDR]... [-4|-6] [-i SECS] [-c N]\n"
	"          [--duration SECS] [--no-initial] [--json] [--proc]",
	"Show TCP sockets and, by default, watch them change state: one line per\n"
	"transition with the time spent in the previous state.  Uses sock_diag\n"
	"netlink (no privileges needed), /proc/net/tcp when that is unavailable.\n"
	"STATE: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
	"time-wait, closed, close-wait, last-ack, listening, closing, or a group:\n"
	"all, connected, synchronized, bucket, big (as in ss).\n"
	"Exit status: 0 success (also on SIGINT), 1 failure, 2 usage error.",
	opts,
};

#define MAX_ADDRS 16
#define RECV_BUF ((size_t)64 * 1024)   /* kernel dump skbs are <= 32 KiB */
#define LINE_MAX_ 512

struct match_addr {
	uint8_t family;
	uint8_t addr[16];
};

struct ifcache {
	uint32_t index;
	char name[IF_NAMESIZE + 1];
};

struct tcpwatch {
	/* options */
	int once, summary, extended, json, initial, use_proc;
	int want4, want6;
	int64_t interval_ns, duration_ns;
	uint64_t count;
	uint32_t states;               /* 0 = all */
	uint16_t sports[DIAG_MAX_PORTS], dports[DIAG_MAX_PORTS];
	size_t nsports, ndports;
	struct match_addr addrs[MAX_ADDRS];
	size_t naddrs;

	/* runtime */
	int nl, mc, sfd;
	uint32_t seq;
	int bytecode_ok, legacy_ok;
	uint8_t *buf;
	struct tcp_track track;
	int tracking;
	uint64_t state_count[TS_MAX + 1], total;
	uint64_t events, polls, resyncs, destroys;
	int64_t wall_off;              /* wall - mono, for printing */
	int stop, resync;
	struct loop_io mc_io, sig_io;
	struct ifcache ifc[8];
	unsigned ifc_next;
};

/* ---- option parsing ---------------------------------------------------- */

static void add_port(struct opt_state *st, uint16_t *ports, size_t *n)
{
	if (*n >= DIAG_MAX_PORTS)
		usage_error("too many %s options (at most %d)", st->name, DIAG_MAX_PORTS);
	ports[(*n)++] = (uint16_t)opt_u64(st, 1, 65535);
}

static void add_addr(struct tcpwatch *w, struct opt_state *st)
{
	if (w->naddrs >= MAX_ADDRS)
		usage_error("too many --addr options (at most %d)", MAX_ADDRS);
	char host[256], port[16];
	struct sb_addr a;
	const char *h = st->arg;
	/* allow "[v6]" as well as bare literals */
	if (addr_split(st->arg, host, sizeof host, port, sizeof port) == 0 &&
	    st->arg[0] == '[' && port[0] == 0)
		h = host;
	if (addr_numeric(h, 0, &a) < 0) {
		int e = addr_resolve(h, 0, AF_UNSPEC, SOCK_STREAM, 0, &a);
		if (e)
			usage_error("invalid address '%s' for %s: %s", st->arg, st->name,
			            addr_strerror(e));
	}
	struct match_addr *m = &w->addrs[w->naddrs++];
	memset(m, 0, sizeof *m);
	m->family = (uint8_t)a.ss.ss_family;
	if (m->family == AF_INET)
		memcpy(m->addr, &((struct sockaddr_in *)&a.ss)->sin_addr, 4);
	else
		memcpy(m->addr, &((struct sockaddr_in6 *)&a.ss)->sin6_addr, 16);
}

static void parse_args(struct tcpwatch *w, int argc, char **argv)
{
	struct opt_state st;
	int c, v4 = 0, v6 = 0;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case OPT_ONCE: w->once = 1; break;
		case 'e': w->extended = 1; break;
		case OPT_SUMMARY: w->summary = 1; break;
		case 'i':
			w->interval_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                         3600 * NS_PER_SEC);
			break;
		case 's': {
			uint32_t m = diag_state_parse(st.arg);
			if (!m)
				usage_error("invalid state '%s' for %s", st.arg, st.name);
			w->states |= m;
			break;
		}
		case OPT_SPORT: add_port(&st, w->sports, &w->nsports); break;
		case OPT_DPORT: add_port(&st, w->dports, &w->ndports); break;
		case OPT_ADDR: add_addr(w, &st); break;
		case '4': v4 = 1; break;
		case '6': v6 = 1; break;
		case 'n': break;
		case OPT_JSON: w->json = 1; break;
		case 'c': w->count = opt_u64(&st, 1, UINT64_MAX); break;
		case OPT_DURATION:
			w->duration_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                         (int64_t)1 << 62);
			break;
		case OPT_NO_INITIAL: w->initial = 0; break;
		case OPT_PROC: w->use_proc = 1; break;
		default: usage_error("unexpected option");
		}
	}
	if (st.ind < argc)
		usage_error("unexpected argument '%s'", argv[st.ind]);
	if (v4 && v6)
		usage_error("-4 and -6 are mutually exclusive");
	w->want4 = !v6;
	w->want6 = !v4;
	if (w->states == TS_ALL_MASK)
		w->states = 0;
	const char *e = getenv("TCP_WATCH_PROC");
	if (e && *e && strcmp(e, "0") != 0)
		w->use_proc = 1;
}

/* ---- filtering ----------------------------------------------------------- */

static int port_in(uint16_t p, const uint16_t *list, size_t n)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (list[i] == p)
			return 1;
	return 0;
}

/* Filters that never change over a socket's life (family, ports,
 * addresses); the kernel applies the port filter too when it can. */
static int match_fixed(const struct tcpwatch *w, const struct diag_sock *s)
{
	if ((s->family == AF_INET && !w->want4) || (s->family == AF_INET6 && !w->want6))
		return 0;
	if (!port_in(s->sport, w->sports, w->nsports) ||
	    !port_in(s->dport, w->dports, w->ndports))
		return 0;
	if (w->naddrs == 0)
		return 1;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t len = s->family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < w->naddrs; i++) {
		const struct match_addr *m = &w->addrs[i];
		if (m->family == s->family && (memcmp(m->addr, s->src, len) == 0 ||
		                               memcmp(m->addr, s->dst, len) == 0))
			return 1;
		/* an IPv4 address also matches its v4-mapped IPv6 form */
		if (m->family == AF_INET && s->family == AF_INET6 &&
		    ((memcmp(s->src, mapped, 12) == 0 && memcmp(s->src + 12, m->addr, 4) == 0) ||
		     (memcmp(s->dst, mapped, 12) == 0 && memcmp(s->dst + 12, m->addr, 4) == 0)))
			return 1;
	}
	return 0;
}

static int state_in(const struct tcpwatch *w, unsigned state)
{
	return w->states == 0 || (state <= 31 && (w->states & (1u << state)));
}

/* ---- formatting ------------------------------------------------------------ */

static const char *ifname(struct tcpwatch *w, uint32_t index)
{
	for (size_t i = 0; i < sizeof w->ifc / sizeof w->ifc[0]; i++)
		if (w->ifc[i].index == index && w->ifc[i].name[0])
			return w->ifc[i].name;
	struct ifcache *c = &w->ifc[w->ifc_next++ % (sizeof w->ifc / sizeof w->ifc[0])];
	c->index = index;
	if (!if_indextoname(index, c->name))
		snprintf(c->name, sizeof c->name, "%u", index);
	return c->name;
}

static char *put_u(char *p, uint64_t v)
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

/* Append s without its NUL; returns the new end. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Host part as ss prints it: dotted quad, "[v6]", "*" for a dual-stack
 * wildcard, "%ifname" when bound to a device.  Dotted quads are formatted
 * by hand: inet_ntop's sprintf is most of the cost of a large snapshot. */
static char *put_host(struct tcpwatch *w, char *p, const struct diag_sock *s,
                      const uint8_t *a, uint32_t ifindex)
{
	if (s->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_u(p, a[i]);
		}
	} else {
		static const uint8_t zero[16];
		if (!s->v6only && memcmp(a, zero, 16) == 0) {
			*p++ = '*';
		} else {
			char t[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, a, t, sizeof t);
			*p++ = '[';
			p = put_str(p, t);
			*p++ = ']';
		}
	}
	if (ifindex) {
		*p++ = '%';
		p = put_str(p, ifname(w, ifindex));
	}
	return p;
}

static char *put_port(char *p, uint16_t port)
{
	if (port == 0) {
		*p++ = '*';
		return p;
	}
	return put_u(p, port);
}

/* "host:port" into buf; returns its length. */
static size_t fmt_endpoint(struct tcpwatch *w, char *buf, const struct diag_sock *s,
                           int local)
{
	char *p = put_host(w, buf, s, local ? s->src : s->dst,
	                   local ? s->ifindex : 0);
	*p++ = ':';
	p = put_port(p, local ? s->sport : s->dport);
	*p = 0;
	return (size_t)(p - buf);
}

static char *pad_to(char *p, char *start, size_t width)
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

#define W_STATE 10
#define W_Q 6
#define W_HOST 15
#define W_PORT 6

static void print_header(const struct tcpwatch *w)
{
	char line[LINE_MAX_], *p = line;
	p = pad_to(put_str(p, "State"), line, W_STATE + 1);
	char *q = p;
	p = pad_to(put_str(p, "Recv-Q"), q, W_Q + 1);
	q = p;
	p = pad_to(put_str(p, "Send-Q"), q, W_Q + 1);
	q = p;
	p = right_align(q, put_str(p, "Local Address"), W_HOST);
	q = p;
	p = pad_to(put_str(p, ":Port"), q, W_PORT + 1);
	q = p;
	p = right_align(q, put_str(p, "Peer Address"), W_HOST + 1);
	q = p;
	p = put_str(p, ":Port");
	if (w->extended) {
		p = pad_to(p, q, W_PORT + 1);
		p = put_str(p, " Rtt-ms Retrans Bytes-Acked Bytes-Received");
	}
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), stdout);
}

static char *put_ms(char *p, uint32_t us)
{
	p = put_u(p, us / 1000);
	*p++ = '.';
	*p++ = (char)('0' + us / 100 % 10);
	*p++ = (char)('0' + us / 10 % 10);
	*p++ = (char)('0' + us % 10);
	return p;
}

static void print_row(struct tcpwatch *w, const struct diag_sock *s)
{
	char line[LINE_MAX_], *p = line, *q;
	p = pad_to(put_str(p, diag_state_name(s->state)), line, W_STATE + 1);
	q = p;
	p = pad_to(put_u(p, s->rqueue), q, W_Q + 1);
	q = p;
	p = pad_to(put_u(p, s->wqueue), q, W_Q + 1);
	q = p;
	p = right_align(q, put_host(w, p, s, s->src, s->ifindex), W_HOST);
	q = p;
	*p++ = ':';
	p = pad_to(put_port(p, s->sport), q, W_PORT + 1);
	q = p;
	p = right_align(q, put_host(w, p, s, s->dst, 0), W_HOST + 1);
	q = p;
	*p++ = ':';
	p = put_port(p, s->dport);
	if (w->extended) {
		p = pad_to(p, q, W_PORT + 1);
		if (s->has_info) {
			q = p;
			*p++ = ' ';
			p = right_align(q, put_ms(p, s->info.rtt_us), 7);
			q = p;
			*p++ = ' ';
			p = put_u(p, s->info.retransmits);
			*p++ = '/';
			p = right_align(q, put_u(p, s->info.total_retrans), 8);
			q = p;
			*p++ = ' ';
			p = right_align(q, put_u(p, s->info.bytes_acked), 12);
			q = p;
			*p++ = ' ';
			p = right_align(q, put_u(p, s->info.bytes_received), 15);
		} else {
			p = put_str(p, "       -       -           -              -");
		}
	}
	*p++ = '\n';
	fwrite_unlocked(line, 1, (size_t)(p - line), stdout);
}

static void json_sock(struct tcpwatch *w, struct json *j, const struct diag_sock *s)
{
	char ep[ADDR_STRLEN + IF_NAMESIZE];
	json_str(j, "family", s->family == AF_INET ? "ipv4" : "ipv6");
	fmt_endpoint(w, ep, s, 1);
	json_str(j, "local", ep);
	fmt_endpoint(w, ep, s, 0);
	json_str(j, "peer", ep);
	json_uint(j, "sport", s->sport);
	json_uint(j, "dport", s->dport);
	if (s->cookie)
		json_uint(j, "cookie", s->cookie);
	if (w->extended && s->has_info) {
		json_double(j, "rtt_ms", s->info.rtt_us / 1000.0, 3);
		json_double(j, "rttvar_ms", s->info.rttvar_us / 1000.0, 3);
		json_uint(j, "retransmits", s->info.retransmits);
		json_uint(j, "total_retrans", s->info.total_retrans);
		json_uint(j, "bytes_acked", s->info.bytes_acked);
		json_uint(j, "bytes_received", s->info.bytes_received);
		json_uint(j, "cwnd", s->info.snd_cwnd);
	}
}

static void json_socket_line(struct tcpwatch *w, const char *type,
                             const struct diag_sock *s, int64_t mono)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", type);
	if (mono >= 0)
		json_double(&j, "time", (double)(mono + w->wall_off) / 1e9, 6);
	json_str(&j, "state", diag_state_rfc_name(s->state));
	json_uint(&j, "recv_q", s->rqueue);
	json_uint(&j, "send_q", s->wqueue);
	json_sock(w, &j, s);
	json_uint(&j, "inode", s->inode);
	json_uint(&j, "uid", s->uid);
	json_end(&j, stdout);
}

/* "HH:MM:SS.mmm" local time. */
static char *put_clock(char *p, int64_t wall_ns)
{
	time_t sec = (time_t)(wall_ns / NS_PER_SEC);
	struct tm tm;
	localtime_r(&sec, &tm);
	p += strftime(p, 16, "%H:%M:%S", &tm);
	int ms = (int)(wall_ns / NS_PER_MSEC % 1000);
	*p++ = '.';
	*p++ = (char)('0' + ms / 100);
	*p++ = (char)('0' + ms / 10 % 10);
	*p++ = (char)('0' + ms % 10);
	return p;
}

#define W_EP 22

static void print_event_text(struct tcpwatch *w, int64_t mono,
                             const struct diag_sock *s, const char *old,
                             const char *new, const struct track_event *ev)
{
	char line[LINE_MAX_], *p = line, *q;
	p = put_clock(p, mono + w->wall_off);
	*p++ = ' ';
	q = p;
	p += fmt_endpoint(w, p, s, 1);
	p = pad_to(p, q, W_EP);
	*p++ = ' ';
	q = p;
	p += fmt_endpoint(w, p, s, 0);
	p = pad_to(p, q, W_EP);
	*p++ = ' ';
	q = p;
	p = pad_to(put_str(p, old), q, 11);
	p = put_str(p, " -> ");
	q = p;
	p = put_str(p, new);
	if (ev && ev->dur_ns >= 0) {
		p = pad_to(p, q, 12);
		if (ev->dur_atleast)
			p = put_str(p, ">=");
		p += snprintf(p, 32, "%.3fs", (double)ev->dur_ns / 1e9);
	}
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), stdout);
}

static const char *event_state_name(unsigned st)
{
	if (st == TRACK_NEW)
		return "NEW";
	if (st == TRACK_CLOSED)
		return "CLOSED";
	return diag_state_rfc_name(st);
}

static void on_event(void *ctx, const struct track_event *ev)
{
	struct tcpwatch *w = ctx;
	unsigned nst = ev->new_state == TRACK_CLOSED ? TS_CLOSE : ev->new_state;
	if (w->states && !(ev->old_state != TRACK_NEW && state_in(w, ev->old_state)) &&
	    !state_in(w, nst))
		return;
	if (w->count && w->events >= w->count)
		return;
	w->events++;
	const char *old = event_state_name(ev->old_state);
	const char *new = event_state_name(ev->new_state);
	if (w->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "transition");
		json_double(&j, "time", (double)(ev->time_ns + w->wall_off) / 1e9, 6);
		json_str(&j, "old", old);
		json_str(&j, "new", new);
		if (ev->dur_ns >= 0) {
			json_double(&j, "dur_s", (double)ev->dur_ns / 1e9, 6);
			json_bool(&j, "dur_atleast", ev->dur_atleast);
		}
		if (ev->new_state == TRACK_CLOSED)
			json_str(&j, "seen_by", ev->destroyed ? "destroy" : "poll");
		json_sock(w, &j, ev->sock);
		json_end(&j, stdout);
	} else {
		print_event_text(w, ev->time_ns, ev->sock, old, new, ev);
	}
	if (w->count && w->events >= w->count)
		w->stop = 1;
}

/* After set-up: the sock_diag sockets, and /proc/net/tcp{,6} (--proc, or
 * the fallback when a dump fails): files in this process's /proc/PID/net
 * (a rule on the files themselves would not hold: procfs makes them anew
 * on every lookup). */
static void watch_sandbox(void)
{
	struct sandbox_policy sp = {
		.needs = SBX_DGRAM | SBX_READ_FILES,
		.read_dir = "/proc/self/net",
	};
	sandbox_enter(&sp, 0);
}

/* ---- sources ------------------------------------------------------------- */

typedef int (*sock_fn)(struct tcpwatch *w, const struct diag_sock *s);

static int open_diag(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One family's dump.  Returns 0, or a positive errno. */
static int dump_family(struct tcpwatch *w, uint8_t family, uint32_t states,
                       sock_fn fn)
{
	uint8_t req[DIAG_REQ_MAX];
	struct diag_req r = {
		.family = family, .states = states, .want_info = w->extended,
		.seq = ++w->seq,
	};
	if (w->bytecode_ok) {
		r.sports = w->sports;
		r.nsports = w->nsports;
		r.dports = w->dports;
		r.ndports = w->ndports;
	}
	int n = diag_req_build(&r, req, sizeof req);
	if (n < 0)
		return -n;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(w->nl, req, (size_t)n, 0, (struct sockaddr *)&kernel,
	           sizeof kernel) < 0)
		return errno;
	for (;;) {
		ssize_t k = recv(w->nl, w->buf, RECV_BUF, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (k == 0)
			return EPIPE;
		struct diag_iter it;
		struct diag_sock s;
		int err;
		enum diag_kind kind;
		diag_iter_init(&it, w->buf, (size_t)k);
		while ((kind = diag_iter_next(&it, &s, &err)) != DIAG_END) {
			if (it.seq != w->seq)
				continue;               /* a stale reply */
			switch (kind) {
			case DIAG_SOCK:
				if (match_fixed(w, &s) && fn(w, &s) < 0)
					return ENOMEM;
				break;
			case DIAG_DONE:
				return err;
			case DIAG_ERROR:
				if (err)
					return err;
				break;
			case DIAG_BAD:
				return EPROTO;
			default:
				break;
			}
		}
	}
}

/* Both families in one legacy AF_UNSPEC dump when we want both (one walk
 * of the kernel's tables instead of two); a v2 dump per family otherwise
 * or if the kernel refuses the legacy request. */
static int snapshot_diag(struct tcpwatch *w, uint32_t states, sock_fn fn)
{
	uint8_t fams[2];
	int n = 0;
	if (w->want4 && w->want6 && w->legacy_ok)
		fams[n++] = AF_UNSPEC;
	else {
		if (w->want4)
			fams[n++] = AF_INET;
		if (w->want6)
			fams[n++] = AF_INET6;
	}
	for (int i = 0; i < n; i++) {
		int e = dump_family(w, fams[i], states, fn);
		if (e == EINVAL && w->bytecode_ok && (w->nsports || w->ndports)) {
			/* the kernel refused the filter: filter here instead
			 * (nothing was delivered before the error) */
			w->bytecode_ok = 0;
			e = dump_family(w, fams[i], states, fn);
		}
		if ((e == EINVAL || e == EOPNOTSUPP) && fams[i] == AF_UNSPEC) {
			w->legacy_ok = 0;
			return snapshot_diag(w, states, fn);
		}
		if (e)
			return e;
	}
	return 0;
}

struct proc_ctx {
	struct tcpwatch *w;
	uint32_t states;
	sock_fn fn;
	int failed;
};

static int proc_cb(void *ctx, const struct diag_sock *s)
{
	struct proc_ctx *c = ctx;
	if (c->states && !(c->states & (1u << s->state)))
		return 0;
	if (!match_fixed(c->w, s))
		return 0;
	if (c->fn(c->w, s) < 0) {
		c->failed = ENOMEM;
		return 1;
	}
	return 0;
}

static int snapshot_proc(struct tcpwatch *w, uint32_t states, sock_fn fn)
{
	static const struct { const char *path; int family; } files[] = {
		{ "/proc/net/tcp", AF_INET }, { "/proc/net/tcp6", AF_INET6 },
	};
	for (size_t i = 0; i < 2; i++) {
		if ((files[i].family == AF_INET && !w->want4) ||
		    (files[i].family == AF_INET6 && !w->want6))
			continue;
		int fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && files[i].family == AF_INET6)
				continue;       /* IPv6 disabled */
			return errno;
		}
		struct proc_tcp_parser p;
		struct proc_ctx c = { w, states, fn, 0 };
		proc_tcp_init(&p, files[i].family);
		for (;;) {
			ssize_t k = read(fd, w->buf, RECV_BUF);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				int e = errno;
				close(fd);
				return e;
			}
			if (k == 0 || proc_tcp_feed(&p, (char *)w->buf, (size_t)k,
			                            proc_cb, &c))
				break;
		}
		if (!c.failed)
			proc_tcp_finish(&p, proc_cb, &c);
		close(fd);
		if (c.failed)
			return c.failed;
	}
	return 0;
}

static int snapshot(struct tcpwatch *w, uint32_t states, sock_fn fn)
{
	if (!w->use_proc) {
		int e = snapshot_diag(w, states, fn);
		if (e != EPERM && e != EACCES && e != EPROTONOSUPPORT && e != ENOENT &&
		    e != EOPNOTSUPP)
			return e;
		err_num(e, "sock_diag dump failed, reading /proc/net/tcp instead");
		w->use_proc = 1;
		if (w->tracking) {
			/* the keys change: start over from a new baseline */
			track_free(&w->track);
			if (track_init(&w->track, 0) < 0)
				return ENOMEM;
		}
	}
	return snapshot_proc(w, states, fn);
}

/* ---- --once and --summary ------------------------------------------------ */

static int once_row(struct tcpwatch *w, const struct diag_sock *s)
{
	if (s->state <= TS_MAX)
		w->state_count[s->state]++;
	w->total++;
	if (w->summary)
		return 0;
	if (w->json)
		json_socket_line(w, "socket", s, -1);
	else
		print_row(w, s);
	return 0;
}

static void print_summary(struct tcpwatch *w)
{
	if (w->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_str(&j, "source", w->use_proc ? "proc" : "sock_diag");
		json_uint(&j, "total", w->total);
		json_obj(&j, "states");
		for (unsigned s = 1; s <= TS_MAX; s++)
			json_uint(&j, diag_state_rfc_name(s), w->state_count[s]);
		json_close(&j);
		json_end(&j, stdout);
		return;
	}
	printf("Total: %llu\n", (unsigned long long)w->total);
	for (unsigned s = 1; s <= TS_MAX; s++)
		if (state_in(w, s))
			printf("%-11s %llu\n", diag_state_name(s),
			       (unsigned long long)w->state_count[s]);
}

static int run_once(struct tcpwatch *w)
{
	if (!w->summary && !w->json)
		print_header(w);
	int e = snapshot(w, w->states, once_row);
	if (e)
		die(1, "reading sockets failed: %s", strerror(e));
	if (w->summary || w->json)
		print_summary(w);
	if (fflush(stdout) == EOF && errno != EPIPE)
		die_sys(1, "write");
	return 0;
}

/* ---- watch mode ------------------------------------------------------------ */

static int watch_sock(struct tcpwatch *w, const struct diag_sock *s)
{
	if (w->polls == 0 && w->initial && state_in(w, s->state)) {
		if (w->json)
			json_socket_line(w, "initial", s, w->track.now_ns);
		else
			print_event_text(w, w->track.now_ns, s, "INITIAL",
			                 diag_state_rfc_name(s->state), NULL);
	}
	return track_poll_sock(&w->track, s, on_event, w);
}

static void do_poll(struct tcpwatch *w)
{
	track_poll_begin(&w->track, clock_mono_ns());
	int e = snapshot(w, 0, watch_sock);
	if (e)
		die(1, "reading sockets failed: %s", strerror(e));
	track_poll_end(&w->track, on_event, w);
	w->polls++;
	fflush(stdout);
}

static void on_mc(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct tcpwatch *w = (struct tcpwatch *)((char *)io - offsetof(struct tcpwatch, mc_io));
	for (;;) {
		ssize_t k = recv(w->mc, w->buf, RECV_BUF, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == ENOBUFS) {
				/* notifications were lost: a full dump re-syncs */
				w->resync = 1;
				w->resyncs++;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				err_sys("destroy notifications");
			return;
		}
		struct diag_iter it;
		struct diag_sock s;
		int err;
		enum diag_kind kind;
		int64_t now = clock_mono_ns();
		diag_iter_init(&it, w->buf, (size_t)k);
		while ((kind = diag_iter_next(&it, &s, &err)) != DIAG_END) {
			if (kind != DIAG_SOCK || !match_fixed(w, &s))
				continue;
			w->destroys++;
			if (track_destroyed(&w->track, &s, now) < 0)
				die(1, "out of memory");
		}
	}
}

static void on_sig(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct tcpwatch *w = (struct tcpwatch *)((char *)io - offsetof(struct tcpwatch, sig_io));
	if (sig_fd_read(w->sfd))
		w->stop = 1;
}

static int open_mc(const struct tcpwatch *w)
{
	int fd = open_diag();
	if (fd < 0)
		return -1;
	int groups[2], n = 0;
	if (w->want4)
		groups[n++] = SKNLGRP_INET_TCP_DESTROY;
	if (w->want6)
		groups[n++] = SKNLGRP_INET6_TCP_DESTROY;
	for (int i = 0; i < n; i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
		               sizeof groups[i]) < 0) {
			close(fd);
			return -1;
		}
	int sz = 4 << 20;
	/* as much as rmem_max allows; more with CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	return fd;
}

static void print_watch_summary(struct tcpwatch *w, int64_t start)
{
	if (!w->json)
		return;
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "summary");
	json_str(&j, "source", w->use_proc ? "proc" : "sock_diag");
	json_uint(&j, "polls", w->polls);
	json_uint(&j, "transitions", w->events);
	json_uint(&j, "destroy_notifications", w->destroys);
	json_uint(&j, "resyncs", w->resyncs);
	json_uint(&j, "sockets", track_count(&w->track));
	json_double(&j, "elapsed_s", (double)(clock_mono_ns() - start) / 1e9, 3);
	json_end(&j, stdout);
}

static int run_watch(struct tcpwatch *w)
{
	struct loop l;
	if (loop_init(&l) < 0)
		die_sys(1, "epoll");
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	w->sfd = sig_fd(sigs);
	if (w->sfd < 0)
		die_sys(1, "signalfd");
	w->sig_io.fd = w->sfd;
	w->sig_io.cb = on_sig;
	loop_add(&l, &w->sig_io, EPOLLIN);
	if (track_init(&w->track, !w->use_proc) < 0)
		die(1, "out of memory");
	w->tracking = 1;
	if (!w->use_proc) {
		w->mc = open_mc(w);
		if (w->mc >= 0) {
			w->mc_io.fd = w->mc;
			w->mc_io.cb = on_mc;
			loop_add(&l, &w->mc_io, EPOLLIN);
		}
	}
	watch_sandbox();
	int64_t start = clock_mono_ns();
	int64_t end = w->duration_ns ? start + w->duration_ns : -1;
	int64_t next = start;
	while (!w->stop) {
		int64_t now = clock_mono_ns();
		if (end >= 0 && now >= end)
			break;
		if (now >= next || w->resync) {
			if (w->mc >= 0)
				on_mc(&l, &w->mc_io, EPOLLIN);  /* closes before the dump */
			w->resync = 0;
			int was_proc = w->use_proc;
			do_poll(w);
			if (w->use_proc && !was_proc && w->mc >= 0) {
				loop_del(&l, &w->mc_io);
				close(w->mc);
				w->mc = -1;
			}
			next += w->interval_ns;
			now = clock_mono_ns();
			if (next <= now)        /* overran: skip, don't burst */
				next = now + w->interval_ns;
			continue;
		}
		int64_t until = end >= 0 && end < next ? end : next;
		if (loop_once(&l, until) < 0 && errno != EINTR)
			die_sys(1, "epoll_wait");
	}
	print_watch_summary(w, start);
	fflush(stdout);
	loop_free(&l);
	return 0;
}

int tcp_watch_main(int argc, char **argv)
{
	struct tcpwatch w;
	memset(&w, 0, sizeof w);
	w.interval_ns = 100 * NS_PER_MSEC;
	w.initial = 1;
	w.bytecode_ok = 1;
	w.legacy_ok = 1;
	w.nl = w.mc = w.sfd = -1;
	parse_args(&w, argc, argv);

	w.buf = malloc(RECV_BUF);
	if (!w.buf)
		die(1, "out of memory");
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	w.wall_off = clock_wall_ns() - clock_mono_ns();

	if (!w.use_proc) {
		w.nl = open_diag();
		if (w.nl < 0) {
			err_sys("sock_diag unavailable, reading /proc/net/tcp instead");
			w.use_proc = 1;
		}
	}
	if (w.once || w.summary)
		watch_sandbox();
	int rc = (w.once || w.summary) ? run_once(&w) : run_watch(&w);
	if (w.tracking)
		track_free(&w.track);
	free(w.buf);
	if (w.nl >= 0)
		close(w.nl);
	if (w.mc >= 0)
		close(w.mc);
	if (w.sfd >= 0)
		close(w.sfd);
	return rc;
}
