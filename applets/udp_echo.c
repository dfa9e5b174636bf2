/* udp-echo: UDP echo server, and a "UDP ping" client that measures loss,
 * duplicates, reordering, RTT and jitter (applets/echo/echo_dgram.h does the work).
 *
 *   udp-echo -l [-b ADDR] [--max-size SIZE] PORT
 *   udp-echo [-46q] [-c N] [-i DUR] [-W DUR] [-s SIZE] [--json] HOST PORT
 *   udp-echo --bench [-C N] [-s SIZE] [-d DUR] [-W DUR] [--json] HOST PORT
 *
 * Exit: server 0 after SIGINT/SIGTERM; client 0 when every probe was
 * answered, 1 when any was lost or failed; 2 on usage or setup errors. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "clock.h"
#include "echo_cli.h"
#include "echo_dgram.h"
#include "err.h"
#include "net.h"
#include "opt.h"
#include "sandbox.h"
#include "seqtrack.h"
#include "sig.h"

enum {
	OPT_JSON = OPT_LONG + 1,
	OPT_BENCH,
	OPT_MAXSIZE,
};

static const struct opt opts[] = {
	{ 'l', "listen", NULL, "server: echo datagrams on PORT" },
	{ 'b', "bind", "ADDR", "server: bind to ADDR (default: all, IPv6 and IPv4)" },
	{ OPT_MAXSIZE, "max-size", "SIZE",
	  "server: largest datagram echoed (default 65536)" },
	{ 'c', "count", "N", "stop after N probes (default: until interrupted)" },
	{ 'i', "interval", "DUR", "time between probes (default 1s)" },
	{ 'W', "timeout", "DUR", "wait this long for each reply, as ping's -W (default 10s)" },
	{ 'w', "deadline", "DUR", "stop after DUR in all" },
	{ 's', "size", "SIZE", "datagram size in bytes, 24-65507 (default 64)" },
	{ 'q', "quiet", NULL, "print only the summary" },
	{ '4', NULL, NULL, "use IPv4 only" },
	{ '6', NULL, NULL, "use IPv6 only" },
	{ OPT_JSON, "json", NULL, "print JSON Lines (sockbox-json(7))" },
	{ OPT_BENCH, "bench", NULL, "benchmark: keep -C datagrams in flight for -d" },
	{ 'C', "inflight", "N", "bench: datagrams in flight, 1-4096 (default 8)" },
	{ 'd', "duration", "DUR", "bench: how long to run (default 5s)" },
	OPT_RULE("listen ! count interval timeout deadline size quiet json bench "
	         "inflight duration"),
	OPT_RULE("bind max-size + listen"),
	OPT_RULE("4 ! 6"),
	OPT_RULE("bench ! count deadline"),
	OPT_RULE("inflight duration + bench"),
	OPT_RULE("listen # PORT"),
	OPT_RULE("# HOST PORT"),
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"udp-echo -l [-b ADDR] [--max-size SIZE] PORT\n"
	"   or: udp-echo [-c N] [-i DUR] [-W DUR] [-s SIZE] [-q] [--json] HOST PORT\n"
	"   or: udp-echo --bench [-C N] [-s SIZE] [-d DUR] [--json] HOST PORT",
	"Echo UDP datagrams (-l), or send numbered probes to an echo server and\n"
	"report loss, duplicates, reordering, round-trip times and jitter.\n"
	"Exit status: 0 all probes answered, 1 some lost, 2 usage/setup error.",
	opts,
};

struct udp_opts {
	int listen;
	const char *bind;
	size_t max_size;
	int family;
	int bench;
	struct echo_dgram_client_cfg cli;
};

static int serve(const struct udp_opts *o, const char *port_s)
{
	struct echo_dgram_server_cfg cfg = { o->max_size, -1 };
	struct echo_dgram_server_stats st;
	struct sb_addr a, bound;
	uint16_t port = arg_port(port_s, 1);
	char buf[ADDR_STRLEN], line[256];
	int fd, r;

	cfg.stop_fd = echo_cli_signals();
	if (o->bind) {
		r = addr_resolve(o->bind, port, o->family, SOCK_DGRAM, 1, &a);
		if (r)
			die_as("resolve", 2, "%s: %s", o->bind, addr_strerror(r));
		fd = net_listen(&a, SOCK_DGRAM, 0, &bound);
		if (fd < 0)
			die_sys(2, "bind %s", addr_format((struct sockaddr *)&a.ss,
			                                  a.len, buf, sizeof(buf)));
	} else {
		fd = net_listen_any(port, o->family, SOCK_DGRAM, 0, &bound);
		if (fd < 0)
			die_sys(2, "bind port %u", port);
	}
	struct sandbox_policy sp = { .needs = SBX_DGRAM };
	sandbox_enter(&sp, 0);
	net_ready_announce(addr_format((struct sockaddr *)&bound.ss, bound.len,
	                               buf, sizeof(buf)));
	if (echo_dgram_serve(fd, &cfg, &st) < 0)
		die_sys(2, "serve");
	err_msg("%s", echo_dgram_stats_format(&st, line, sizeof(line)));
	close(fd);
	close(cfg.stop_fd);
	return 0;
}

static int client(const struct udp_opts *o, const char *host,
                  const char *port_s)
{
	struct echo_dgram_client_cfg cfg = o->cli;
	uint16_t port = arg_port(port_s, 0);
	struct sb_addr a;
	char target[300];
	int fd, r;

	r = addr_resolve(arg_operand(host, "HOST", 253), port, o->family,
	                 SOCK_DGRAM, 0, &a);
	if (r)
		die_as("resolve", 2, "%s: %s", host, addr_strerror(r));
	snprintf(target, sizeof(target), strchr(host, ':') ? "[%s]:%u" : "%s:%u",
	         host, port);
	cfg.addr = &a;
	cfg.target = target;
	cfg.stop_fd = echo_cli_signals();
	fd = echo_dgram_client_socket(&a);
	if (fd < 0)
		die_sys(2, "connect %s", target);
	struct sandbox_policy sp = { .needs = SBX_DGRAM | SBX_RECONNECT };
	sandbox_enter(&sp, 0);
	r = o->bench ? echo_dgram_bench_run(fd, &cfg)
	             : echo_dgram_ping_run(fd, &cfg);
	close(fd);
	close(cfg.stop_fd);
	return r;
}

int udp_echo_main(int argc, char **argv)
{
	struct udp_opts o;
	struct opt_state st;
	int c;

	memset(&o, 0, sizeof(o));
	o.family = AF_UNSPEC;
	o.cli.size = 64;
	o.cli.interval_ns = NS_PER_SEC;
	o.cli.timeout_ns = 10 * NS_PER_SEC;   /* ping's -W default */
	o.cli.inflight = 8;
	o.cli.duration_ns = 5 * NS_PER_SEC;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case 'l': o.listen = 1; break;
		case 'b': o.bind = arg_operand(st.arg, "-b ADDR", 253); break;
		case OPT_MAXSIZE:
			o.max_size = (size_t)opt_size(&st, 1, ECHO_DGRAM_MAX_LIMIT);
			break;
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case 'c':
			o.cli.count = opt_u64(&st, 1, UINT64_MAX / 2);
			break;
		case 'i':
			o.cli.interval_ns = opt_dur(&st, NS_PER_SEC, 0, 3600 * NS_PER_SEC);
			break;
		case 'W':
			o.cli.timeout_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                           3600 * NS_PER_SEC);
			break;
		case 's':
			o.cli.size = (size_t)opt_size(&st, PROBE_HDR, ECHO_DGRAM_SIZE_MAX);
			break;
		case 'q': o.cli.quiet = 1; break;
		case OPT_JSON: o.cli.json = 1; err_json(1); break;
		case 'w':
			o.cli.deadline_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                            86400 * NS_PER_SEC);
			break;
		case OPT_BENCH: o.bench = 1; break;
		case 'C':
			o.cli.inflight = (uint32_t)opt_u64(&st, 1, ECHO_DGRAM_INFLIGHT_MAX);
			break;
		case 'd':
			o.cli.duration_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                            3600 * NS_PER_SEC);
			break;
		}
	}
	argv += st.ind;   /* the operand counts are OPT_RULEs above */
	if (o.listen)
		return serve(&o, argv[0]);
	return client(&o, argv[0], argv[1]);
}
