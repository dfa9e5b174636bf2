/* uds-echo: Unix-domain echo server and client.
 *
 *   uds-echo -l [--type stream|seqpacket|dgram] [--mode OCTAL] [-v]
 *            [--max-conns N] [--idle-timeout SECS] [--banner TEXT] PATH
 *   uds-echo [--type stream|seqpacket|dgram] [-c N] [-i SECS] [-s BYTES | -m TEXT]
 *            [-W SECS] [--json] PATH
 *   uds-echo --stdin PATH  /  uds-echo --bench [-C N] [-s B] [-d S] PATH
 *
 * PATH "@name" is the Linux abstract namespace.  Socket path rules (stale
 * sockets, live servers, non-sockets) are lib/sys/uds_path.h; the stream and
 * seqpacket engine is applets/echo/echo_stream.h, the client applets/echo/echo_client.h.
 * Exit: 0 success; 1 a probe/echo failed or the server could not run;
 * 2 usage errors, the path is in use or not a socket. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "echo_cli.h"
#include "echo_dgram.h"
#include "err.h"
#include "net.h"
#include "num.h"
#include "opt.h"
#include "sandbox.h"
#include "seqtrack.h"
#include "sig.h"
#include "uds_path.h"

enum uds_type { UDS_STREAM, UDS_SEQPACKET, UDS_DGRAM };

static const struct opt opts[] = {
	{ EO_TYPE, "type", "TYPE", "stream (default), seqpacket or dgram" },
	ECHO_SERVER_OPTS,
	{ EO_MODE, "mode", "OCTAL", "server: permissions of the socket file" },
	ECHO_CLIENT_OPTS,
	ECHO_RULES,
	OPT_RULE("mode + listen"),
	OPT_RULE("# PATH"),
	{ 0 }
};

static const struct applet_help help = {
	"uds-echo -l [OPTIONS] PATH\n"
	"   or: uds-echo [OPTIONS] PATH\n"
	"   or: uds-echo --stdin PATH\n"
	"   or: uds-echo --bench [-C CONNS] [-s BYTES] [-d SECS] [--bulk] PATH",
	"Unix-domain echo server (-l) and client; PATH \"@name\" is an "
	"abstract socket. The server refuses a path held by a live server or "
	"by a non-socket, replaces a stale socket and removes its socket on "
	"exit. Exit status: 0 all echoed, 1 a probe failed, 2 usage or path "
	"error.",
	opts,
};

static int type_socktype(enum uds_type t)
{
	return t == UDS_SEQPACKET ? SOCK_SEQPACKET
	     : t == UDS_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
}

/* Bind the server's socket path by lib/sys/uds_path's rules, or exit 2 with
 * the reason. */
static int listen_or_die(const char *path, int socktype, int mode,
                         struct uds_path *up)
{
	int fd = uds_listen(path, socktype, mode, up);
	if (fd == -EEXIST)
		die(2, "%s: exists and is not a socket; not touching it", path);
	if (fd == -EADDRINUSE)
		die(2, "%s: a server is already listening there", path);
	if (fd < 0)
		die(2, "%s: %s", path, strerror(-fd));
	return fd;
}

/* Confined to its sockets, and to removing its socket file on exit. */
static void uds_sandbox(const char *path, unsigned needs, int verbose)
{
	char dir[128];  /* a socket path is at most 107 bytes */
	struct sandbox_policy sp = { .needs = needs, .abstract_unix = 1 };
	if (path[0] != '@' && sandbox_dir_of(path, dir, sizeof dir)) {
		sp.needs |= SBX_REMOVE_FILE;
		sp.dir = dir;
	}
	sandbox_enter(&sp, verbose);
}

/* The stream and seqpacket server. */
static int serve_stream(const struct echo_opts *o, enum uds_type t,
                        const char *path, int mode)
{
	struct uds_path up;
	int fd = listen_or_die(path, type_socktype(t), mode, &up);
	int sfd = echo_cli_signals();
	uds_sandbox(path, SBX_STREAM_SERVER, o->verbose);
	net_ready_announce(path);
	int rc = echo_cli_serve(o, fd, sfd, t == UDS_SEQPACKET);
	close(fd);
	sandbox_dir_privilege(1);
	uds_path_remove(&up);
	sandbox_dir_privilege(0);
	return rc;
}

/* --type dgram: the datagram engine (applets/echo/echo_dgram.h) with the same path
 * rules.  Server: every datagram goes back whole to its sender; the stream
 * server's connection options do not apply.  Client: numbered probes from
 * an autobound abstract address, so the server can reply (-C is the number
 * of datagrams in flight in bench mode). */
static int run_dgram(const struct echo_opts *o, const char *path, int mode)
{
	struct sb_addr a;
	int fd, sfd, r;

	echo_opts_check(o);
	if (o->verbose || o->banner || o->idle_ns || o->max_conns != 10000)
		usage_error("-v, --max-conns, --idle-timeout and --banner do not "
		            "apply to --type dgram");
	if (o->pipe || o->c.msg || o->c.bulk)
		usage_error("--stdin, -m and --bulk do not apply to --type dgram");
	if (o->c.size < PROBE_HDR || o->c.size > ECHO_DGRAM_SIZE_MAX)
		usage_error("-s: a datagram is %d to %u bytes", PROBE_HDR,
		            ECHO_DGRAM_SIZE_MAX);
	if (o->c.conns > ECHO_DGRAM_INFLIGHT_MAX)
		usage_error("-C: at most %u datagrams in flight",
		            ECHO_DGRAM_INFLIGHT_MAX);
	/* block the signals before the readiness line: none is lost */
	sfd = echo_cli_signals();
	if (o->listen) {
		struct echo_dgram_server_cfg cfg = { 0, sfd };
		struct echo_dgram_server_stats st;
		struct uds_path up;
		char line[256];

		fd = listen_or_die(path, SOCK_DGRAM, mode, &up);
		uds_sandbox(path, SBX_DGRAM, 0);
		net_ready_announce(path);
		r = echo_dgram_serve(fd, &cfg, &st);
		if (r < 0)
			err_sys("event loop");
		else
			err_msg("%s", echo_dgram_stats_format(&st, line, sizeof line));
		close(fd);
		close(sfd);
		sandbox_dir_privilege(1);
		uds_path_remove(&up);
		sandbox_dir_privilege(0);
		return r < 0 ? 2 : 0;
	}
	struct echo_dgram_client_cfg cfg = {
		.addr = &a, .target = path, .json = o->c.json, .stop_fd = sfd,
		.quiet = o->c.quiet, .deadline_ns = o->c.deadline_ns,
		.size = o->c.size, .timeout_ns = o->c.timeout_ns,
		.count = o->c.count, .interval_ns = o->c.interval_ns,
		.inflight = o->c.conns, .duration_ns = o->c.duration_ns,
	};
	if (addr_unix(path, &a) < 0)
		usage_error("'%s': not a usable socket path (1-107 bytes)", path);
	fd = echo_dgram_client_socket(&a);
	if (fd < 0)
		die_sys(2, "socket");
	struct sandbox_policy sp = { .needs = SBX_DGRAM | SBX_RECONNECT,
	                             .abstract_unix = 1 };
	sandbox_enter(&sp, 0);
	r = o->bench ? echo_dgram_bench_run(fd, &cfg) : echo_dgram_ping_run(fd, &cfg);
	close(fd);
	close(sfd);
	return r;
}

int uds_echo_main(int argc, char **argv)
{
	struct echo_opts o;
	struct opt_state st;
	enum uds_type type = UDS_STREAM;
	int mode = -1, c;
	echo_opts_init(&o);
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		if (echo_opts_handle(&o, c, &st))
			continue;
		switch (c) {
		case EO_TYPE:
			if (!strcmp(st.arg, "stream"))
				type = UDS_STREAM;
			else if (!strcmp(st.arg, "seqpacket"))
				type = UDS_SEQPACKET;
			else if (!strcmp(st.arg, "dgram"))
				type = UDS_DGRAM;
			else
				usage_error("--type: '%s' is not stream, seqpacket or dgram",
				            st.arg);
			break;
		case EO_MODE: {
			char *end;
			unsigned long m = strtoul(st.arg, &end, 8);
			if (!*st.arg || *end || m > 07777 || st.arg[0] == '-')
				usage_error("--mode: '%s' is not an octal mode (0-7777)",
				            st.arg);
			mode = (int)m;
			break;
		}
		default: usage_error("unknown option");
		}
	}
	if (type != UDS_DGRAM)
		echo_opts_check(&o);
	const char *path = arg_operand(argv[st.ind], "PATH", 107);
	struct sb_addr a;
	if (!*path || addr_unix(path, &a) < 0)
		usage_error("'%s': not a usable socket path (1-107 bytes)", path);
	if (mode >= 0 && path[0] == '@')
		usage_error("--mode does not apply to abstract names");
	if (type == UDS_DGRAM)
		return run_dgram(&o, path, mode);
	if (o.listen)
		return serve_stream(&o, type, path, mode);
	o.c.addr = &a;
	o.c.target = path;
	o.c.socktype = type_socktype(type);
	return echo_cli_client(&o);
}
