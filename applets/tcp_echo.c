/* tcp-echo: TCP echo server and client (probe, pipe and bench modes).
 *
 *   tcp-echo -l [-b ADDR] [-v] [--max-conns N] [--idle-timeout SECS]
 *            [--banner TEXT] PORT
 *   tcp-echo [-4|-6] [-q] [-c N] [-i SECS] [-s BYTES | -m TEXT] [-W SECS]
 *            [-w SECS] [--json] HOST PORT
 *   tcp-echo --stdin HOST PORT
 *   tcp-echo --bench [-C CONNS] [-s BYTES] [-d SECS] [--bulk] HOST PORT
 *
 * The server prints "listening on ADDR:PORT" and echoes every byte back
 * (engine: applets/echo/echo_stream.h); the client modes are applets/echo/echo_client.h.
 * Exit: 0 success; 1 a probe/echo failed or the server's loop failed;
 * 2 usage, resolve, bind or other set-up errors (sockbox(1)). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "echo_cli.h"
#include "err.h"
#include "net.h"
#include "opt.h"
#include "sandbox.h"

enum { OPT_BIND = 'b' };

static const struct opt opts[] = {
	ECHO_SERVER_OPTS,
	{ 'b', "bind", "ADDR", "server: listen on ADDR (default :: and 0.0.0.0)" },
	{ '4', NULL, NULL, "client: IPv4 only" },
	{ '6', NULL, NULL, "client: IPv6 only" },
	ECHO_CLIENT_OPTS,
	ECHO_RULES,
	OPT_RULE("bind + listen"),
	OPT_RULE("listen ! 4 6"),
	OPT_RULE("4 ! 6"),
	OPT_RULE("listen # PORT"),
	OPT_RULE("# HOST PORT"),
	{ 0 }
};

static const struct applet_help help = {
	"tcp-echo -l [OPTIONS] PORT\n"
	"   or: tcp-echo [OPTIONS] HOST PORT\n"
	"   or: tcp-echo --stdin HOST PORT\n"
	"   or: tcp-echo --bench [-C CONNS] [-s BYTES] [-d SECS] [--bulk] HOST PORT",
	"TCP echo server (-l) and client. The client probes like ping (one "
	"line per echoed payload, verified byte for byte, then a summary), "
	"pipes stdin through the server (--stdin) or generates load (--bench). "
	"Exit status: 0 all echoed, 1 a probe failed, 2 usage or address error.",
	opts,
};

static int serve(const struct echo_opts *o, const char *bind_host,
                 uint16_t port)
{
	struct sb_addr a, bound;
	int fd;
	if (bind_host) {
		int r = addr_resolve(bind_host, port, AF_UNSPEC, SOCK_STREAM, 1, &a);
		if (r)
			die_as("resolve", 2, "%s: %s", bind_host, addr_strerror(r));
		fd = net_listen(&a, SOCK_STREAM, SOMAXCONN, &bound);
	} else {
		fd = net_listen_any(port, AF_UNSPEC, SOCK_STREAM, SOMAXCONN, &bound);
	}
	if (fd < 0)
		die_sys(2, "listen on port %u", port);
	int sfd = echo_cli_signals();
	struct sandbox_policy sp = { .needs = SBX_STREAM_SERVER };
	sandbox_enter(&sp, o->verbose);
	char buf[ADDR_STRLEN];
	net_ready_announce(addr_format((struct sockaddr *)&bound.ss, bound.len,
	                               buf, sizeof buf));
	int rc = echo_cli_serve(o, fd, sfd, 0);
	close(fd);
	return rc;
}

int tcp_echo_main(int argc, char **argv)
{
	struct echo_opts o;
	struct opt_state st;
	const char *bind_host = NULL;
	int family = AF_UNSPEC, c;
	echo_opts_init(&o);
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		if (echo_opts_handle(&o, c, &st))
			continue;
		switch (c) {
		case 'b': bind_host = arg_operand(st.arg, "-b ADDR", 253); break;
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		default: usage_error("unknown option");
		}
	}
	echo_opts_check(&o);
	if (o.listen)
		return serve(&o, bind_host, arg_port(argv[st.ind], 1));
	const char *host = arg_operand(argv[st.ind], "HOST", 253);
	uint16_t port = arg_port(argv[st.ind + 1], 0);
	struct sb_addr a;
	int r = addr_resolve(host, port, family, SOCK_STREAM, 0, &a);
	if (r)
		die_as("resolve", 2, "%s: %s", host, addr_strerror(r));
	char target[ADDR_STRLEN];
	addr_format((struct sockaddr *)&a.ss, a.len, target, sizeof target);
	o.c.addr = &a;
	o.c.target = target;
	o.c.socktype = SOCK_STREAM;
	return echo_cli_client(&o);
}
