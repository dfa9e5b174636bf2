/* tcp-watch: TCP sockets, who holds them, and their state transitions,
 * unprivileged.
 *
 * Sources (lib/sys/sockdiag): NETLINK_SOCK_DIAG dumps, plus the destroy
 * multicast groups in watch mode so that sockets closed between two polls
 * are still reported; /proc/net/tcp{,6} when sock_diag is unavailable or
 * with --proc / TCP_WATCH_PROC=1 (no cookies: sockets are then keyed by
 * their 4-tuple).  Owners (-p) come from /proc/PID/fd (lib/sys/owners),
 * read only when a socket not seen before needs one.  Rows are formatted
 * as ss prints them by lib/pure/ssfmt.
 *
 * Modes: --once prints a table like `ss -tn` (with ss's selection: -a,
 * -l, -s); --summary prints counts per state, or per owning process with
 * -p / --by process; the default watches, polling every --interval, and
 * prints the sockets present at start ("INITIAL") then one line per
 * transition with the time spent in the previous state.  --json prints
 * the same facts as JSON Lines (sockbox schema 1: a start line, one object
 * per socket or transition, a summary carrying the exit status).
 *
 * The watcher ends, with status 0, when its stdout's reader goes away
 * (stdout is polled for POLLERR/POLLHUP beside the netlink socket);
 * SIGPIPE is ignored and EPIPE ends it the same way.
 *
 * Exit status: 0 success (also on SIGINT/SIGTERM, --count, --duration, a
 * closed stdout), 2 usage error or failure (neither sock_diag nor /proc
 * readable, out of memory). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
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
#include "owners.h"
#include "sandbox.h"
#include "sig.h"
#include "services.h"
#include "sockdiag.h"
#include "ssfilter.h"
#include "ssfmt.h"
#include "tcp_track.h"

enum {
	OPT_ONCE = OPT_LONG, OPT_SUMMARY, OPT_SPORT, OPT_DPORT, OPT_ADDR,
	OPT_PORT, OPT_JSON, OPT_DURATION, OPT_PROC, OPT_NO_INITIAL,
	OPT_INTERVAL, OPT_BY,
};

static const struct opt opts[] = {
	{ OPT_ONCE, "once", NULL, "print one snapshot as a table (like ss -tn) and exit" },
	{ OPT_SUMMARY, "summary", NULL, "print the number of sockets per state (per process with -p) and exit" },
	{ OPT_BY, "by", "process", "--summary: one row per owning process (implies -p)" },
	{ 'a', "all", NULL, "all sockets (--once/--summary default: connected ones, as ss)" },
	{ 'l', "listening", NULL, "listening (and unconnected) sockets only" },
	{ 'p', "processes", NULL, "show the processes holding each socket: users:((...))" },
	{ 'e', "extended", NULL, "show uid, inode and socket cookie, as ss -e" },
	{ 'o', "options", NULL, "show timers: timer:(keepalive,9.8sec,0), as ss -o" },
	{ 'i', "info", NULL, "show TCP internals (rtt, cwnd, retrans...), as ss -i" },
	{ 'm', "memory", NULL, "show socket memory: skmem:(...), as ss -m" },
	{ 'H', "no-header", NULL, "--once/--summary: no header line" },
	{ 'n', "numeric", NULL, "numeric ports and rates (else port names, as ss)" },
	{ 's', "state", "STATE", "only sockets in STATE (repeatable; names below)" },
	{ OPT_SPORT, "sport", "PORT", "only sockets with this local port (repeatable)" },
	{ OPT_DPORT, "dport", "PORT", "only sockets with this peer port (repeatable)" },
	{ OPT_PORT, "port", "PORT", "only sockets with this port on either side (repeatable)" },
	{ OPT_ADDR, "addr", "ADDR[/LEN]", "only sockets with a local or peer address in this prefix (repeatable)" },
	{ '4', "ipv4", NULL, "IPv4 sockets only" },
	{ '6', "ipv6", NULL, "IPv6 sockets only" },
	{ OPT_JSON, "json", NULL, "print JSON Lines (start, one object per socket/event, summary)" },
	{ OPT_INTERVAL, "interval", "SECS", "watch mode poll interval (default 0.1; 1ms to 1h)" },
	{ 'c', "count", "N", "watch: exit after N transitions" },
	{ OPT_DURATION, "duration", "SECS", "watch: exit after SECS" },
	{ OPT_NO_INITIAL, "no-initial", NULL, "watch: do not print the sockets present at start" },
	{ OPT_PROC, "proc", NULL, "read /proc/net/tcp{,6} instead of sock_diag (also TCP_WATCH_PROC=1)" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"tcp-watch [--once|--summary [--by process]] [-alpeoimHn4|6] [-s STATE]...\n"
	"          [--sport PORT]... [--dport PORT]... [--port PORT]...\n"
	"          [--addr ADDR[/LEN]]... [--interval SECS] [-c N] [--duration SECS]\n"
	"          [--no-initial] [--json] [--proc] [FILTER]",
	"Show TCP sockets and, by default, watch them change state: one line per\n"
	"transition with the time spent in the previous state.  Uses sock_diag\n"
	"netlink (no privileges needed), /proc/net/tcp when that is unavailable.\n"
	"STATE: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
	"time-wait, closed, close-wait, last-ack, listening, closing, or a group:\n"
	"all, connected, synchronized, bucket, big (as in ss).\n"
	"FILTER: ss's: [state STATE|exclude STATE]... [EXPRESSION], e.g.\n"
	"  state established '( dport = :443 or sport = :443 )' dst 10.0.0.0/8\n"
	"Exit status: 0 success (also on SIGINT or when stdout's reader goes\n"
	"away), 2 usage error or failure.",
	opts,
};

#define MAX_ADDRS 16
#define MAX_PORTS 16
#define LINE_MAX_ 512

/* ss's default selection: connected sockets, without TIME-WAIT and
 * SYN-RECV (its SS_CONN). */
#define SS_CONN_MASK (TS_ALL_MASK & ~(1u << TS_LISTEN | 1u << TS_CLOSE | \
                                      1u << TS_TIME_WAIT | 1u << TS_SYN_RECV))
#define LISTEN_MASK (1u << TS_LISTEN | 1u << TS_CLOSE)

struct match_addr {
	uint8_t family;
	uint8_t len;       /* prefix length in bits */
	uint8_t addr[16];
};

struct ifcache {
	uint32_t index;
	char name[IF_NAMESIZE + 1];
};

/* One process's row in --summary -p. */
struct proc_row {
	int32_t pid;
	char comm[16];
	uint64_t st[TS_MAX + 1], total;
};

struct tcpwatch {
	/* options */
	int once, summary, json, initial, use_proc, header;
	int procs;                     /* -p */
	int json_wanted;               /* --json seen, before parsing ends */
	unsigned fmt;                  /* SSF_* */
	int sel;                       /* 'a', 'l' or 0 */
	int want4, want6;
	int64_t interval_ns, duration_ns;
	uint64_t count;
	uint32_t states;               /* 0 = all */
	int states_given;
	uint16_t sports[MAX_PORTS], dports[MAX_PORTS], ports[MAX_PORTS];
	size_t nsports, ndports, nports;
	struct match_addr addrs[MAX_ADDRS];
	size_t naddrs;
	struct ssfilter filter;        /* ss's FILTER operands */
	uint8_t bc[SSF_BC_MAX];
	int bclen;

	/* runtime */
	struct sockdiag sd;
	struct sockdiag_query q;
	struct owners own;
	int owners_ok;
	int mc, sfd;
	struct tcp_track track;
	int tracking;
	uint64_t state_count[TS_MAX + 1], total;
	uint64_t events, polls, resyncs, destroys;
	uint64_t dumped;               /* sockets the source returned */
	int64_t wall_off;              /* wall - mono, for printing */
	int stop, resync, out_gone;
	struct loop_io mc_io, sig_io, out_io;
	struct ifcache ifc[8];
	unsigned ifc_next;
	/* rows kept for -p (owners are looked up once the dump is complete) */
	struct diag_sock *rows;
	size_t nrows, caprows;
	struct services *svc;          /* port names for text, NULL with -n */
	char *line;                    /* SSFMT_ROW_MAX(maxown) bytes */
	size_t linecap;
};

/* ---- failing (with a JSON error line under --json) ---------------------- */

/* err's JSON mirror writes the error object (opt turns it on when --json
 * appears on the command line; json_wanted covers the rest). */
static void json_error(const struct tcpwatch *w)
{
	if (w->json_wanted)
		err_json(1);
}

static void tw_usage(const struct tcpwatch *w, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void tw_usage(const struct tcpwatch *w, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_error(w);
	usage_error("%s", msg);
}

static void tw_fail(const struct tcpwatch *w, const char *code, int errnum,
                    const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
static void tw_fail(const struct tcpwatch *w, const char *code, int errnum,
                    const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (errnum && n > 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(errnum));
	json_error(w);
	die_as(code, 2, "%s", msg);
}

static const char *errno_code(int e)
{
	return e == ENOMEM ? "oom" : (e == EPERM || e == EACCES) ? "permission" : "setup";
}

/* ---- option parsing ---------------------------------------------------- */

static void add_port(const struct tcpwatch *w, struct opt_state *st,
                     uint16_t *ports, size_t *n)
{
	if (*n >= MAX_PORTS)
		tw_usage(w, "too many %s options (at most %d)", st->name, MAX_PORTS);
	uint64_t v = 0;
	const char *s = st->arg;
	if (*s == ':')
		s++;            /* ss's ":port" form */
	if (!*s)
		tw_usage(w, "invalid port '%s' for %s", st->arg, st->name);
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > 65535)
			tw_usage(w, "invalid port '%s' for %s (1-65535)", st->arg, st->name);
	}
	if (v == 0)
		tw_usage(w, "invalid port '%s' for %s (1-65535)", st->arg, st->name);
	ports[(*n)++] = (uint16_t)v;
}

static void add_addr(struct tcpwatch *w, struct opt_state *st)
{
	if (w->naddrs >= MAX_ADDRS)
		tw_usage(w, "too many --addr options (at most %d)", MAX_ADDRS);
	char host[256];
	const char *arg = st->arg;
	size_t n = strlen(arg);
	const char *slash = strrchr(arg, '/');
	long plen = -1;
	if (slash) {
		char *end;
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (slash[1] == 0 || *end || errno || plen < 0 || plen > 128)
			tw_usage(w, "invalid prefix length in '%s' for %s", arg, st->name);
		n = (size_t)(slash - arg);
	}
	if (n >= sizeof host || n == 0)
		tw_usage(w, "invalid address '%s' for %s", arg, st->name);
	memcpy(host, arg, n);
	host[n] = 0;
	char *h = host;
	if (h[0] == '[' && n > 2 && h[n - 1] == ']') {   /* "[v6]" as ss writes it */
		h[n - 1] = 0;
		h++;
	}
	struct match_addr *m = &w->addrs[w->naddrs];
	memset(m, 0, sizeof *m);
	if (inet_pton(AF_INET, h, m->addr) == 1) {
		m->family = AF_INET;
		m->len = 32;
	} else if (inet_pton(AF_INET6, h, m->addr) == 1) {
		m->family = AF_INET6;
		m->len = 128;
	} else if (!slash) {
		struct sb_addr a;
		int e = addr_resolve(h, 0, AF_UNSPEC, SOCK_STREAM, 0, &a);
		if (e)
			tw_usage(w, "invalid address '%s' for %s: %s", arg, st->name,
			         addr_strerror(e));
		m->family = (uint8_t)a.ss.ss_family;
		if (m->family == AF_INET) {
			memcpy(m->addr, &((struct sockaddr_in *)&a.ss)->sin_addr, 4);
			m->len = 32;
		} else {
			memcpy(m->addr, &((struct sockaddr_in6 *)&a.ss)->sin6_addr, 16);
			m->len = 128;
		}
	} else {
		tw_usage(w, "invalid address '%s' for %s (a prefix needs a numeric address)",
		         arg, st->name);
	}
	if (plen >= 0) {
		if (plen > m->len)
			tw_usage(w, "invalid prefix length in '%s' for %s", arg, st->name);
		m->len = (uint8_t)plen;
	}
	w->naddrs++;
}

static void parse_args(struct tcpwatch *w, int argc, char **argv)
{
	struct opt_state st;
	int c, v4 = 0, v6 = 0;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			w->json_wanted = 1;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case OPT_ONCE: w->once = 1; break;
		case OPT_SUMMARY: w->summary = 1; break;
		case OPT_BY:
			if (strcmp(st.arg, "process") != 0)
				tw_usage(w, "invalid value '%s' for %s (only 'process')", st.arg, st.name);
			w->summary = 1;
			w->procs = 1;
			break;
		case 'a': w->sel = 'a'; break;
		case 'l': w->sel = 'l'; break;
		case 'p': w->procs = 1; break;
		case 'e': w->fmt |= SSF_EXT; break;
		case 'o': w->fmt |= SSF_TIMER; break;
		case 'i': w->fmt |= SSF_INFO; break;
		case 'm': w->fmt |= SSF_MEM; break;
		case 'H': w->header = 0; break;
		case 'n': w->fmt |= SSF_NUMERIC; break;
		case OPT_INTERVAL:
			w->interval_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                         3600 * NS_PER_SEC);
			break;
		case 's': {
			uint32_t m = diag_state_parse(st.arg);
			if (!m)
				tw_usage(w, "invalid state '%s' for %s", st.arg, st.name);
			w->states |= m;
			w->states_given = 1;
			break;
		}
		case OPT_SPORT: add_port(w, &st, w->sports, &w->nsports); break;
		case OPT_DPORT: add_port(w, &st, w->dports, &w->ndports); break;
		case OPT_PORT: add_port(w, &st, w->ports, &w->nports); break;
		case OPT_ADDR: add_addr(w, &st); break;
		case '4': v4 = 1; break;
		case '6': v6 = 1; break;
		case OPT_JSON: w->json = 1; break;
		case 'c': w->count = opt_u64(&st, 1, UINT64_MAX); break;
		case OPT_DURATION:
			w->duration_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                         (int64_t)1 << 62);
			break;
		case OPT_NO_INITIAL: w->initial = 0; break;
		case OPT_PROC: w->use_proc = 1; break;
		default: tw_usage(w, "unexpected option");
		}
	}
	/* operands: ss's filter ("state established '( dport = :80 )'") */
	if (ssfilter_parse(&w->filter, argv + st.ind, argc - st.ind) < 0)
		tw_usage(w, "%s", w->filter.err);
	if (w->filter.states_given) {
		w->states = (w->states_given ? w->states : 0) | w->filter.states;
		w->states_given = 1;
		if (!w->states)
			tw_usage(w, "the filter excludes every state");
	}
	w->bclen = ssfilter_compile(&w->filter, w->bc, sizeof w->bc);
	if (v4 && v6)
		tw_usage(w, "-4 and -6 are mutually exclusive");
	if (w->once && w->summary)
		tw_usage(w, "--once and --summary are mutually exclusive");
	if (w->summary && (w->fmt & (SSF_EXT | SSF_TIMER | SSF_INFO | SSF_MEM)))
		tw_usage(w, "-e, -o, -i and -m show per-socket fields: not with --summary");
	if (w->procs)
		w->fmt |= SSF_PROC;
	w->want4 = !v6;
	w->want6 = !v4;
	if (!w->states_given) {
		if (w->sel == 'l')
			w->states = LISTEN_MASK;
		else if (w->sel == 'a' || !(w->once || w->summary))
			w->states = 0;
		else
			w->states = SS_CONN_MASK;
	}
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

static int addr_match(const struct match_addr *m, uint8_t family, const uint8_t *a)
{
	return ssf_addr_in(family, a, m->family, m->addr, m->len);
}

/* Filters that never change over a socket's life (family, ports,
 * addresses); the kernel applies the sport/dport lists too when it can. */
static int match_fixed(const struct tcpwatch *w, const struct diag_sock *s)
{
	if ((s->family == AF_INET && !w->want4) || (s->family == AF_INET6 && !w->want6))
		return 0;
	if (!port_in(s->sport, w->sports, w->nsports) ||
	    !port_in(s->dport, w->dports, w->ndports))
		return 0;
	if (w->nports && !port_in(s->sport, w->ports, w->nports) &&
	    !port_in(s->dport, w->ports, w->nports))
		return 0;
	if (!ssfilter_match(&w->filter, s))
		return 0;
	if (w->naddrs == 0)
		return 1;
	for (size_t i = 0; i < w->naddrs; i++)
		if (addr_match(&w->addrs[i], s->family, s->src) ||
		    addr_match(&w->addrs[i], s->family, s->dst))
			return 1;
	return 0;
}

static int state_in(const struct tcpwatch *w, unsigned state)
{
	return w->states == 0 || (state <= 31 && (w->states & (1u << state)));
}

/* ---- formatting ------------------------------------------------------------ */

static const char *ifname(struct tcpwatch *w, uint32_t index)
{
	if (!index)
		return NULL;
	for (size_t i = 0; i < sizeof w->ifc / sizeof w->ifc[0]; i++)
		if (w->ifc[i].index == index && w->ifc[i].name[0])
			return w->ifc[i].name;
	struct ifcache *c = &w->ifc[w->ifc_next++ % (sizeof w->ifc / sizeof w->ifc[0])];
	c->index = index;
	if (!if_indextoname(index, c->name))
		snprintf(c->name, sizeof c->name, "%u", index);
	return c->name;
}

static size_t sock_owners(const struct tcpwatch *w, const struct diag_sock *s,
                          const struct ssfmt_owner **own)
{
	if (!w->procs || !w->owners_ok)
		return 0;
	return owners_get(&w->own, s->inode, own);
}

/* A line buffer big enough for n owners. */
static char *line_for(struct tcpwatch *w, size_t nown)
{
	size_t need = SSFMT_ROW_MAX(nown) + LINE_MAX_;
	if (need > w->linecap) {
		char *n = realloc(w->line, need);
		if (!n)
			tw_fail(w, "oom", 0, "out of memory");
		w->line = n;
		w->linecap = need;
	}
	return w->line;
}

static void print_row(struct tcpwatch *w, const struct diag_sock *s)
{
	const struct ssfmt_owner *own = NULL;
	size_t nown = sock_owners(w, s, &own);
	char *line = line_for(w, nown);
	size_t n = ssfmt_row(line, s, ifname(w, s->ifindex), w->fmt, own, nown, w->svc);
	fwrite_unlocked(line, 1, n, stdout);
}

/* JSON: "HH:MM" style names are the text output's (ss's). */
static void json_owners(struct json *j, const struct ssfmt_owner *own, size_t n)
{
	json_arr(j, "owners");
	for (size_t i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_strn(j, "comm", own[i].comm, strnlen(own[i].comm, sizeof own[i].comm));
		json_int(j, "pid", own[i].pid);
		json_int(j, "fd", own[i].fd);
		json_close(j);
	}
	json_close(j);
}

/* the congestion control's own state, as ss -i's bbr:(...) and dctcp:(...) */
static void json_cc(struct json *j, const struct diag_ccinfo *c)
{
	if (c->kind == DIAG_CC_BBR) {
		json_obj(j, "bbr");
		json_uint(j, "bw_bps", c->bbr_bw * 8);
		json_double(j, "min_rtt_ms", c->bbr_min_rtt_us / 1000.0, 3);
		json_double(j, "pacing_gain", c->bbr_pacing_gain / 256.0, 3);
		json_double(j, "cwnd_gain", c->bbr_cwnd_gain / 256.0, 3);
		json_close(j);
	} else if (c->kind == DIAG_CC_DCTCP) {
		json_obj(j, "dctcp");
		json_bool(j, "enabled", c->dctcp_enabled != 0);
		json_uint(j, "ce_state", c->dctcp_ce_state);
		json_uint(j, "alpha", c->dctcp_alpha);
		json_uint(j, "ab_ecn", c->dctcp_ab_ecn);
		json_uint(j, "ab_tot", c->dctcp_ab_tot);
		json_close(j);
	}
}

static void json_sock(struct tcpwatch *w, struct json *j, const struct diag_sock *s)
{
	char ep[128];
	json_str(j, "family", s->family == AF_INET ? "ipv4" : "ipv6");
	ssfmt_endpoint(ep, s, 1, ifname(w, s->ifindex), NULL);
	json_str(j, "local", ep);
	ssfmt_endpoint(ep, s, 0, NULL, NULL);
	json_str(j, "peer", ep);
	json_uint(j, "sport", s->sport);
	json_uint(j, "dport", s->dport);
	if (s->cookie)
		json_uint(j, "cookie", s->cookie);
	else
		json_null(j, "cookie");
	json_uint(j, "inode", s->inode);
	json_uint(j, "uid", s->uid);
	if (w->procs) {
		const struct ssfmt_owner *own = NULL;
		size_t n = sock_owners(w, s, &own);
		json_owners(j, own, n);
	}
	if (w->fmt & SSF_TIMER) {
		if (s->timer) {
			json_obj(j, "timer");
			json_str(j, "name", ssfmt_timer_name(s->timer));
			json_double(j, "expires_ms", s->expires_ms, 3);
			json_uint(j, "retrans", s->retrans);
			json_close(j);
		} else {
			json_null(j, "timer");
		}
	}
	if (w->fmt & SSF_MEM) {
		static const char *const names[DIAG_MEMINFO_N] = {
			"rmem_alloc_bytes", "rcvbuf_bytes", "wmem_alloc_bytes",
			"sndbuf_bytes", "fwd_alloc_bytes", "wmem_queued_bytes",
			"optmem_bytes", "backlog", "drops",
		};
		if (s->has_mem) {
			json_obj(j, "skmem");
			for (size_t i = 0; i < DIAG_MEMINFO_N; i++)
				if (i < s->nmem)
					json_uint(j, names[i], s->skmem[i]);
				else
					json_null(j, names[i]);
			json_close(j);
		} else {
			json_null(j, "skmem");
		}
	}
	if (w->fmt & SSF_INFO) {
		if (!s->has_info) {
			json_null(j, "info");
			return;
		}
		const struct diag_tcpinfo *t = &s->info;
		json_obj(j, "info");
		json_str(j, "cong", s->cong);
		json_double(j, "rtt_ms", t->rtt_us / 1000.0, 3);
		json_double(j, "rttvar_ms", t->rttvar_us / 1000.0, 3);
		json_double(j, "rto_ms", t->rto_us / 1000.0, 3);
		json_uint(j, "cwnd", t->snd_cwnd);
		if (t->snd_ssthresh < 0xffff)
			json_uint(j, "ssthresh", t->snd_ssthresh);
		else
			json_null(j, "ssthresh");
		json_uint(j, "mss", t->snd_mss);
		json_uint(j, "retrans", t->retrans);
		json_uint(j, "total_retrans", t->total_retrans);
		json_uint(j, "unacked", t->unacked);
		json_uint(j, "lost", t->lost);
		json_uint(j, "sent_bytes", t->bytes_sent);
		json_uint(j, "acked_bytes", t->bytes_acked);
		json_uint(j, "received_bytes", t->bytes_received);
		json_uint(j, "retrans_bytes", t->bytes_retrans);
		json_uint(j, "delivery_rate_bps", t->delivery_rate * 8);
		if (t->pacing_rate != ~(uint64_t)0)
			json_uint(j, "pacing_rate_bps", t->pacing_rate * 8);
		else
			json_null(j, "pacing_rate_bps");
		json_cc(j, &s->cc);
		json_close(j);
	}
}

static void json_socket_line(struct tcpwatch *w, const char *type,
                             const struct diag_sock *s, int64_t mono)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", type);
	if (mono >= 0)
		json_double(&j, "time_ms", (double)(mono + w->wall_off) / 1e6, 3);
	json_str(&j, "state", diag_state_name(s->state));
	json_uint(&j, "recv_q", s->rqueue);
	json_uint(&j, "send_q", s->wqueue);
	json_sock(w, &j, s);
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
	const struct ssfmt_owner *own = NULL;
	size_t nown = sock_owners(w, s, &own);
	char *line = line_for(w, nown), *p = line, *q;
	p = put_clock(p, mono + w->wall_off);
	*p++ = ' ';
	q = p;
	p += ssfmt_endpoint(p, s, 1, ifname(w, s->ifindex), w->svc);
	p = ssfmt_pad_to(p, q, W_EP);
	*p++ = ' ';
	q = p;
	p += ssfmt_endpoint(p, s, 0, NULL, w->svc);
	p = ssfmt_pad_to(p, q, W_EP);
	*p++ = ' ';
	q = p;
	p = ssfmt_pad_to(ssfmt_str(p, old), q, 10);
	p = ssfmt_str(p, " -> ");
	q = p;
	p = ssfmt_str(p, new);
	if (ev && ev->dur_ns >= 0) {
		p = ssfmt_pad_to(p, q, 11);
		if (ev->dur_atleast)
			p = ssfmt_str(p, ">=");
		p += snprintf(p, 32, "%.3fs", (double)ev->dur_ns / 1e9);
	}
	p = ssfmt_extras(p, s, w->fmt, own, nown);
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), stdout);
}

static const char *event_state_name(unsigned st)
{
	if (st == TRACK_NEW)
		return "NEW";
	if (st == TRACK_CLOSED)
		return "CLOSED";
	return diag_state_name(st);
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
		json_double(&j, "time_ms", (double)(ev->time_ns + w->wall_off) / 1e6, 3);
		json_str(&j, "old", old);
		json_str(&j, "new", new);
		if (ev->dur_ns >= 0)
			json_double(&j, "dur_ms", (double)ev->dur_ns / 1e6, 3);
		else
			json_null(&j, "dur_ms");
		json_bool(&j, "dur_atleast", ev->dur_atleast);
		if (ev->new_state == TRACK_CLOSED)
			json_str(&j, "seen_by", ev->destroyed ? "destroy" : "poll");
		else
			json_null(&j, "seen_by");
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
 * on every lookup); interface names (if_indextoname).  -p reads /proc/PID/fd
 * and /proc/PID/stat of every process, which Landlock would refuse (it
 * denies ptrace_may_access() outside its domain): seccomp only, and root
 * keeps CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH effective for it (the
 * kernel checks them on every fd link of another user's process), with
 * neither ptrace nor process_vm_* nor any write to a file allowed. */
static void watch_sandbox(const struct tcpwatch *w)
{
	struct sandbox_policy sp = {
		.needs = SBX_DGRAM | SBX_READ_FILES | SBX_IFNAME,
		.read_dir = "/proc/self/net",
	};
	if (w->procs && w->owners_ok) {
		sp.needs |= SBX_PROC_OWNERS;
		sp.inspects_processes = 1;
		sp.keep_caps = CAPS_SET(CAP_SYS_PTRACE) | CAPS_SET(CAP_DAC_READ_SEARCH);
	}
	sandbox_enter(&sp, 0);
}

/* ---- sources ------------------------------------------------------------- */

typedef int (*sock_fn)(struct tcpwatch *w, const struct diag_sock *s);

struct snap_ctx {
	struct tcpwatch *w;
	sock_fn fn;
};

static int snap_cb(void *ctx, const struct diag_sock *s)
{
	struct snap_ctx *c = ctx;
	c->w->dumped++;
	if (!match_fixed(c->w, s))
		return 0;
	return c->fn(c->w, s);
}

static int snapshot(struct tcpwatch *w, uint32_t states, sock_fn fn)
{
	struct snap_ctx c = { w, fn };
	w->q.states = states;
	if (!w->use_proc) {
		int e = sockdiag_dump(&w->sd, &w->q, snap_cb, &c);
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
	return sockdiag_proc(&w->sd, &w->q, snap_cb, &c);
}

/* A small file's text (set-up only); NULL when unreadable. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(max);
	size_t n = 0;
	while (buf && n < max) {
		ssize_t k = read(fd, buf + n, max - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	*len = n;
	return buf;
}

/* ss without -n names the ports below the ephemeral range from
 * /etc/services; JSON always has numbers. */
static void load_services(struct tcpwatch *w)
{
	if ((w->fmt & SSF_NUMERIC) || w->json)
		return;
	size_t len;
	char *text = slurp("/etc/services", 1 << 20, &len);
	if (!text)
		return;
	w->svc = malloc(sizeof *w->svc);
	if (!w->svc)
		tw_fail(w, "oom", 0, "out of memory");
	services_init(w->svc);
	services_parse(w->svc, text, len);
	free(text);
	text = slurp("/proc/sys/net/ipv4/ip_local_port_range", 64, &len);
	if (text)
		services_set_ephemeral(w->svc, text, len);
	free(text);
}

static int keep_row(struct tcpwatch *w, const struct diag_sock *s)
{
	if (w->nrows == w->caprows) {
		size_t n = w->caprows ? w->caprows * 2 : 4096;
		struct diag_sock *r = realloc(w->rows, n * sizeof *r);
		if (!r)
			return -1;
		w->rows = r;
		w->caprows = n;
	}
	w->rows[w->nrows++] = *s;
	if (w->owners_ok && owners_want(&w->own, s->inode) < 0)
		return -1;
	return 0;
}

/* Dump into w->rows and find the owners of sockets not seen before. */
static int snapshot_rows(struct tcpwatch *w, uint32_t states)
{
	w->nrows = 0;
	if (w->owners_ok)
		owners_begin(&w->own);
	int e = snapshot(w, states, keep_row);
	if (e)
		return e;
	if (w->owners_ok) {
		e = owners_scan(&w->own);
		if (e == ENOMEM)
			return e;
	}
	return 0;
}

static void start_line(struct tcpwatch *w, const char *mode)
{
	if (!w->json)
		return;
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "start");
	json_int(&j, "schema", 1);
	json_str(&j, "applet", "tcp-watch");
	json_str(&j, "mode", mode);
	json_str(&j, "source", w->use_proc ? "proc" : "sock_diag");
	if (!w->once && !w->summary)
		json_double(&j, "interval_ms", (double)w->interval_ns / 1e6, 3);
	else
		json_null(&j, "interval_ms");
	json_bool(&j, "processes", w->procs);
	json_end(&j, stdout);
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
	return ferror(stdout) && errno == EPIPE ? -1 : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_leak(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;
	uint64_t cx = x->st[TS_CLOSE_WAIT], cy = y->st[TS_CLOSE_WAIT];
	if (cx != cy)
		return cx < cy ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The start of both summaries' JSON line (states, or --summary -p's). */
static void json_summary_head(const struct tcpwatch *w, struct json *j)
{
	json_begin(j);
	json_str(j, "type", "summary");
	json_str(j, "source", w->use_proc ? "proc" : "sock_diag");
	json_uint(j, "total", w->total);
}

/* --summary -p: states per owning process; sockets nobody visible holds
 * are counted in a last row "-". */
static void summary_by_process(struct tcpwatch *w)
{
	size_t n = 0, cap = 64;
	struct proc_row *rows = calloc(cap, sizeof *rows);
	struct proc_row none;
	memset(&none, 0, sizeof none);
	if (!rows)
		tw_fail(w, "oom", 0, "out of memory");
	for (size_t i = 0; i < w->nrows; i++) {
		const struct diag_sock *s = &w->rows[i];
		const struct ssfmt_owner *own = NULL;
		size_t nown = sock_owners(w, s, &own);
		unsigned st = s->state <= TS_MAX ? s->state : 0;
		if (!nown) {
			none.st[st]++;
			none.total++;
		}
		for (size_t k = 0; k < nown; k++) {
			/* one count per process, however many fds hold it */
			int dup = 0;
			for (size_t m = 0; m < k; m++)
				dup |= own[m].pid == own[k].pid;
			if (dup)
				continue;
			struct proc_row key = { .pid = own[k].pid };
			struct proc_row *r = NULL;
			/* rows stay sorted by pid: binary search, insert */
			size_t lo = 0, hi = n;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				int c = cmp_pid(&rows[mid], &key);
				if (c == 0) {
					r = &rows[mid];
					break;
				}
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (!r) {
				if (n == cap) {
					struct proc_row *g = realloc(rows, cap * 2 * sizeof *g);
					if (!g)
						tw_fail(w, "oom", 0, "out of memory");
					rows = g;
					cap *= 2;
				}
				memmove(&rows[lo + 1], &rows[lo], (n - lo) * sizeof *rows);
				r = &rows[lo];
				memset(r, 0, sizeof *r);
				r->pid = own[k].pid;
				memcpy(r->comm, own[k].comm, sizeof r->comm);
				n++;
			}
			r->st[st]++;
			r->total++;
		}
	}
	qsort(rows, n, sizeof *rows, cmp_leak);
	uint64_t colsum[TS_MAX + 1] = { 0 };
	for (size_t i = 0; i < n; i++)
		for (unsigned s = 1; s <= TS_MAX; s++)
			colsum[s] += rows[i].st[s];
	for (unsigned s = 1; s <= TS_MAX; s++)
		colsum[s] += none.st[s];
	if (w->json) {
		struct json j;
		json_summary_head(w, &j);
		json_arr(&j, "processes");
		for (size_t i = 0; i <= n; i++) {
			const struct proc_row *r = i < n ? &rows[i] : &none;
			if (i == n && !none.total)
				break;
			json_obj(&j, NULL);
			if (i < n) {
				json_strn(&j, "comm", r->comm, strnlen(r->comm, sizeof r->comm));
				json_int(&j, "pid", r->pid);
			} else {
				json_null(&j, "comm");
				json_null(&j, "pid");
			}
			json_obj(&j, "states");
			for (unsigned s = 1; s <= TS_MAX; s++)
				if (r->st[s])
					json_uint(&j, diag_state_name(s), r->st[s]);
			json_close(&j);
			json_uint(&j, "total", r->total);
			json_close(&j);
		}
		json_close(&j);
		json_int(&j, "exit", 0);
		json_end(&j, stdout);
		free(rows);
		return;
	}
	char line[LINE_MAX_], *p, *q;
	if (w->header) {
		p = line;
		p = ssfmt_pad_to(ssfmt_str(p, "COMMAND"), line, 16);
		q = p;
		p = ssfmt_str(p, "PID");
		p = ssfmt_pad_to(p, q, 7);
		for (unsigned s = 1; s <= TS_MAX; s++)
			if (colsum[s]) {
				*p++ = ' ';
				p = ssfmt_str(p, diag_state_name(s));
			}
		p = ssfmt_str(p, " TOTAL\n");
		fwrite(line, 1, (size_t)(p - line), stdout);
	}
	for (size_t i = 0; i <= n; i++) {
		const struct proc_row *r = i < n ? &rows[i] : &none;
		if (i == n && !none.total)
			break;
		p = line;
		if (i < n) {
			size_t cl = strnlen(r->comm, sizeof r->comm);
			memcpy(p, r->comm, cl);
			p += cl;
		} else {
			*p++ = '-';
		}
		p = ssfmt_pad_to(p, line, 15);
		*p++ = ' ';
		q = p;
		if (i < n)
			p = ssfmt_u(p, (uint64_t)(uint32_t)r->pid);
		else
			*p++ = '-';
		p = ssfmt_pad_to(p, q, 7);
		for (unsigned s = 1; s <= TS_MAX; s++)
			if (colsum[s]) {
				*p++ = ' ';
				q = p;
				p = ssfmt_u(p, r->st[s]);
				/* right-align under the state name */
				size_t wdt = strlen(diag_state_name(s)), len = (size_t)(p - q);
				if (len < wdt) {
					memmove(q + (wdt - len), q, len);
					memset(q, ' ', wdt - len);
					p = q + wdt;
				}
			}
		*p++ = ' ';
		q = p;
		p = ssfmt_u(p, r->total);
		size_t len = (size_t)(p - q);
		if (len < 5) {
			memmove(q + (5 - len), q, len);
			memset(q, ' ', 5 - len);
			p = q + 5;
		}
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), stdout);
	}
	free(rows);
}

static void print_summary(struct tcpwatch *w)
{
	if (w->json) {
		struct json j;
		json_summary_head(w, &j);
		json_uint(&j, "dumped", w->dumped);
		json_bool(&j, "kernel_filter", !w->use_proc && sockdiag_kernel_ports(&w->sd) &&
		          (w->bclen > 0 || w->nsports || w->ndports));
		json_obj(&j, "states");
		for (unsigned s = 1; s <= TS_MAX; s++)
			json_uint(&j, diag_state_name(s), w->state_count[s]);
		json_close(&j);
		json_int(&j, "exit", 0);
		json_end(&j, stdout);
		return;
	}
	if (!w->summary)
		return;
	printf("Total: %llu\n", (unsigned long long)w->total);
	for (unsigned s = 1; s <= TS_MAX; s++)
		if (state_in(w, s))
			printf("%-11s %llu\n", diag_state_name(s),
			       (unsigned long long)w->state_count[s]);
}

static int run_once(struct tcpwatch *w)
{
	start_line(w, w->summary ? "summary" : "once");
	if (!w->summary && !w->json && w->header) {
		char line[SSFMT_ROW_BASE];
		size_t n = ssfmt_header(line, w->fmt);
		fwrite(line, 1, n, stdout);
	}
	int e;
	if (w->procs) {
		e = snapshot_rows(w, w->states);
		for (size_t i = 0; !e && i < w->nrows; i++)
			if (once_row(w, &w->rows[i]) < 0)
				break;
	} else {
		e = snapshot(w, w->states, once_row);
	}
	if (e == ENOMEM && ferror(stdout))
		return 0;               /* stopped by EPIPE */
	if (e)
		tw_fail(w, errno_code(e), e, "reading sockets failed");
	if (w->summary && w->procs)
		summary_by_process(w);
	else
		print_summary(w);
	if (fflush(stdout) == EOF && errno != EPIPE)
		die_sys(2, "write");
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
			                 diag_state_name(s->state), NULL);
	}
	return track_poll_sock(&w->track, s, on_event, w);
}

static void do_poll(struct tcpwatch *w)
{
	track_poll_begin(&w->track, clock_mono_ns());
	int e;
	if (w->procs) {
		/* owners first, so that a first sighting names them */
		e = snapshot_rows(w, 0);
		for (size_t i = 0; !e && i < w->nrows; i++)
			if (watch_sock(w, &w->rows[i]) < 0)
				e = ENOMEM;
	} else {
		e = snapshot(w, 0, watch_sock);
	}
	if (e)
		tw_fail(w, errno_code(e), e, "reading sockets failed");
	track_poll_end(&w->track, on_event, w);
	if (w->owners_ok)
		owners_sweep(&w->own);
	w->polls++;
	if (fflush(stdout) == EOF && errno == EPIPE)
		w->out_gone = w->stop = 1;
}

static int destroyed_cb(void *ctx, const struct diag_sock *s)
{
	struct tcpwatch *w = ctx;
	if (!match_fixed(w, s))
		return 0;
	w->destroys++;
	return track_destroyed(&w->track, s, clock_mono_ns());
}

static void on_mc(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct tcpwatch *w = io->ctx;
	for (;;) {
		int e = sockdiag_destroy_read(&w->sd, w->mc, destroyed_cb, w);
		if (e == ENOBUFS) {
			/* notifications were lost: a full dump re-syncs */
			w->resync = 1;
			w->resyncs++;
			continue;
		}
		if (e == ENOMEM)
			tw_fail(w, "oom", 0, "out of memory");
		if (e)
			err_num(e, "destroy notifications");
		return;
	}
}

static void on_sig(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct tcpwatch *w = io->ctx;
	if (sig_fd_read(w->sfd))
		w->stop = 1;
}

/* stdout's reader went away (POLLERR on a pipe, POLLHUP on a tty). */
static void on_out(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct tcpwatch *w = (struct tcpwatch *)((char *)io - offsetof(struct tcpwatch, out_io));
	if (events & (EPOLLERR | EPOLLHUP)) {
		w->out_gone = w->stop = 1;
		loop_del(l, io);
	}
}

static void print_watch_summary(struct tcpwatch *w, int64_t start)
{
	if (!w->json || w->out_gone)
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
	if (w->owners_ok) {
		json_uint(&j, "owner_scans", w->own.scans);
		json_uint(&j, "fd_links_read", w->own.links);
	}
	json_double(&j, "elapsed_ms", (double)(clock_mono_ns() - start) / 1e6, 3);
	json_int(&j, "exit", 0);
	json_end(&j, stdout);
}

static int run_watch(struct tcpwatch *w)
{
	struct loop l;
	if (loop_init(&l) < 0)
		tw_fail(w, "setup", errno, "epoll");
	w->sfd = sig_stop_fd();
	if (w->sfd < 0)
		tw_fail(w, "setup", errno, "signalfd");
	w->sig_io.fd = w->sfd;
	w->sig_io.cb = on_sig;
	w->sig_io.ctx = w;
	loop_add(&l, &w->sig_io, EPOLLIN);
	/* no interest: epoll still reports EPOLLERR/EPOLLHUP; a regular file
	 * or /dev/null cannot be polled and is simply not watched */
	w->out_io.fd = STDOUT_FILENO;
	w->out_io.cb = on_out;
	loop_add(&l, &w->out_io, 0);
	if (track_init(&w->track, !w->use_proc) < 0)
		tw_fail(w, "oom", 0, "out of memory");
	w->tracking = 1;
	if (!w->use_proc) {
		w->mc = sockdiag_destroy_open(w->want4, w->want6);
		if (w->mc >= 0) {
			w->mc_io.fd = w->mc;
			w->mc_io.cb = on_mc;
			w->mc_io.ctx = w;
			loop_add(&l, &w->mc_io, EPOLLIN);
		}
	}
	watch_sandbox(w);
	start_line(w, "watch");
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
			tw_fail(w, "io", errno, "epoll_wait");
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
	w.header = 1;
	w.mc = w.sfd = -1;
	parse_args(&w, argc, argv);
	signal(SIGPIPE, SIG_IGN);      /* EPIPE ends us, never the signal */

	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	w.wall_off = clock_wall_ns() - clock_mono_ns();
	tzset();                       /* /etc/localtime now, not at the first line */
	w.q.want4 = w.want4;
	w.q.want6 = w.want6;
	w.q.want_info = !!(w.fmt & SSF_INFO);
	w.q.want_mem = !!(w.fmt & SSF_MEM);
	w.q.sports = w.sports;
	w.q.nsports = w.nsports;
	w.q.dports = w.dports;
	w.q.ndports = w.ndports;
	if (w.bclen > 0) {             /* the filter goes to the kernel */
		w.q.bc = w.bc;
		w.q.bclen = (size_t)w.bclen;
	}

	load_services(&w);
	int e = sockdiag_init(&w.sd, !w.use_proc);
	if (e == ENOMEM)
		tw_fail(&w, "oom", 0, "out of memory");
	if (e) {
		err_num(e, "sock_diag unavailable, reading /proc/net/tcp instead");
		w.use_proc = 1;
	}
	if (w.procs) {
		e = owners_init(&w.own);
		if (e == ENOMEM)
			tw_fail(&w, "oom", 0, "out of memory");
		if (e)
			err_num(e, "/proc: processes will not be shown");
		else
			w.owners_ok = 1;
		/* The kernel checks CAP_SYS_PTRACE (and DAC) on each fd link of
		 * another process; sockbox drops root's capabilities, so say
		 * why root sees fewer owners than with ss. */
		if (w.owners_ok && geteuid() == 0 && !caps_have(CAP_SYS_PTRACE))
			err_msg("as root without CAP_SYS_PTRACE, -p names only the processes "
			        "an unprivileged uid 0 may inspect");
	}
	if (w.once || w.summary)
		watch_sandbox(&w);
	int rc = (w.once || w.summary) ? run_once(&w) : run_watch(&w);
	if (w.tracking)
		track_free(&w.track);
	if (w.owners_ok)
		owners_free(&w.own);
	sockdiag_free(&w.sd);
	free(w.rows);
	free(w.line);
	free(w.svc);
	if (w.mc >= 0)
		close(w.mc);
	if (w.sfd >= 0)
		close(w.sfd);
	return rc;
}
