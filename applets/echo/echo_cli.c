/* echo_cli: shared option handling for tcp-echo and uds-echo. */
#include "echo_cli.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "sandbox.h"
#include "sig.h"

void echo_opts_init(struct echo_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_conns = 10000;
	o->c.interval_ns = NS_PER_SEC;
	o->c.timeout_ns = ECHO_TIMEOUT_DEFAULT;
	o->c.size = 64;
	o->c.conns = 8;
	o->c.duration_ns = 5 * NS_PER_SEC;
	o->c.socktype = SOCK_STREAM;
}

int echo_opts_handle(struct echo_opts *o, int key, const struct opt_state *st)
{
	switch (key) {
	case 'l': o->listen = 1; break;
	case 'v': o->verbose = 1; break;
	case EO_MAXCONNS: o->max_conns = (uint32_t)opt_u64(st, 1, 1000000); break;
	case EO_IDLE:
		o->idle_ns = opt_dur(st, NS_PER_SEC, NS_PER_MSEC, 86400 * NS_PER_SEC);
		break;
	case EO_BANNER: o->banner = st->arg; break;
	case 'c': o->c.count = opt_u64(st, 1, UINT64_MAX / 2); break;
	case 'i': o->c.interval_ns = opt_dur(st, NS_PER_SEC, 0, 3600 * NS_PER_SEC); break;
	case 's': o->c.size = (size_t)opt_size(st, 1, ECHO_SIZE_MAX); break;
	case 'm': o->c.msg = st->arg; break;
	case 'q': o->c.quiet = 1; break;
	case 'w':
		o->c.deadline_ns = opt_dur(st, NS_PER_SEC, NS_PER_MSEC,
		                           86400 * NS_PER_SEC);
		break;
	case 'W':
		o->c.timeout_ns = opt_dur(st, NS_PER_SEC, NS_PER_MSEC,
		                          3600 * NS_PER_SEC);
		break;
	case EO_JSON: o->c.json = 1; err_json(1); break;
	case EO_STDIN: o->pipe = 1; break;
	case EO_BENCH: o->bench = 1; break;
	case 'C': o->c.conns = (uint32_t)opt_u64(st, 1, 19000); break;
	case 'd':
		o->c.duration_ns = opt_dur(st, NS_PER_SEC, NS_PER_MSEC,
		                           86400 * NS_PER_SEC);
		break;
	case EO_BULK: o->c.bulk = 1; break;
	default: return 0;
	}
	return 1;
}

void echo_opts_check(const struct echo_opts *o)
{
	if (o->c.msg && !*o->c.msg)
		usage_error("-m needs a non-empty TEXT");
}

int echo_cli_client(const struct echo_opts *o)
{
	sig_catch(0);
	/* Clients connect (and reconnect) from their loop: TCP only to the
	 * target's port; UNIX sockets may be abstract ones. */
	struct sandbox_policy sp = { .needs = SBX_CONNECT };
	const struct sockaddr_storage *ss = &o->c.addr->ss;
	if (ss->ss_family == AF_UNIX)
		sp.abstract_unix = 1;
	else if (o->c.socktype == SOCK_STREAM)
		sp.tcp_connect = ntohs(ss->ss_family == AF_INET6 ?
			((const struct sockaddr_in6 *)ss)->sin6_port :
			((const struct sockaddr_in *)ss)->sin_port);
	sandbox_enter(&sp, 0);
	if (o->pipe)
		return echo_pipe_run(&o->c);
	if (o->bench)
		return echo_bench_run(&o->c);
	return echo_probe_run(&o->c);
}

int echo_cli_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	int sfd = sig_stop_fd();
	if (sfd < 0)
		die_sys(2, "signalfd");
	return sfd;
}

int echo_cli_serve(const struct echo_opts *o, int lfd, int sfd, int seqpacket)
{
	struct echo_server_cfg cfg = {
		.max_conns = o->max_conns,
		.idle_timeout_ns = o->idle_ns,
		.banner = o->banner,
		.banner_len = o->banner ? strlen(o->banner) : 0,
		.verbose = o->verbose,
		.seqpacket = seqpacket,
		.stop_fd = sfd,
	};
	struct echo_server_stats st = { 0 };
	int r = echo_server_run(lfd, &cfg, &st);
	if (r < 0)
		err_sys("event loop");
	err_msg("%llu connections (%llu rejected, %llu idle timeouts, peak %lu), "
	        "%llu bytes in, %llu bytes out",
	        (unsigned long long)st.accepted, (unsigned long long)st.rejected,
	        (unsigned long long)st.idle_closed, (unsigned long)st.peak,
	        (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out);
	close(sfd);
	return r < 0 ? 2 : 0;
}
