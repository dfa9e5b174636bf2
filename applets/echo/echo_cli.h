/* echo_cli: the command-line side shared by tcp-echo and uds-echo:
 * option table entries, option handling, mode dispatch and the server's
 * run-and-report step.  Applet setup code: these may call usage_error()
 * (exit 2) and nothing else exits. */
#ifndef SB_ECHO_CLI_H
#define SB_ECHO_CLI_H

#include <stdint.h>
#include "echo_client.h"
#include "echo_stream.h"
#include "opt.h"

enum {
	EO_MAXCONNS = OPT_LONG + 1, EO_IDLE, EO_BANNER, EO_JSON, EO_STDIN,
	EO_BENCH, EO_BULK, EO_TYPE, EO_MODE,
};

#define ECHO_SERVER_OPTS \
	{ 'l', "listen", NULL, "run the echo server" }, \
	{ 'v', "verbose", NULL, "server: log each connection to stderr" }, \
	{ EO_MAXCONNS, "max-conns", "N", \
	  "server: serve at most N connections at once (10000)" }, \
	{ EO_IDLE, "idle-timeout", "SECS", \
	  "server: close connections idle for SECS" }, \
	{ EO_BANNER, "banner", "TEXT", "server: send TEXT first on each connection" }

#define ECHO_CLIENT_OPTS \
	{ 'c', "count", "N", "probe: stop after N probes (default: until ^C)" }, \
	{ 'i', "interval", "SECS", "probe: SECS between probes (1)" }, \
	{ 's', "size", "BYTES", "probe/bench: message size (64)" }, \
	{ 'm', "message", "TEXT", "probe: send TEXT instead of the pattern" }, \
	{ 'W', "timeout", "SECS", "connect/echo timeout, as ping's -W (10)" }, \
	{ 'w', "deadline", "SECS", "probe: stop after SECS in all" }, \
	{ 'q', "quiet", NULL, "probe: print only the start and summary" }, \
	{ EO_JSON, "json", NULL, "print JSON Lines (sockbox-json(7))" }, \
	{ EO_STDIN, "stdin", NULL, "pipe mode: send stdin, write the echo to stdout" }, \
	{ EO_BENCH, "bench", NULL, "load generator (-C, -s, -d, --bulk)" }, \
	{ 'C', "inflight", "N", "bench: messages in flight, one per connection (8)" }, \
	{ 'd', "duration", "SECS", "bench: measure for SECS (5)" }, \
	{ EO_BULK, "bulk", NULL, "bench: stream writes instead of ping-pong" }

/* The family's conflicts, declared (opt.h "Rules"); the applet adds its
 * own (-b, --mode, -4/-6) and its operand rules after these. */
#define ECHO_RULES \
	OPT_RULE("listen ! count interval size message timeout deadline quiet " \
	         "json stdin bench inflight duration bulk"), \
	OPT_RULE("verbose max-conns idle-timeout banner + listen"), \
	OPT_RULE("size ! message"), \
	OPT_RULE("message ! bench stdin"), \
	OPT_RULE("bench ! count deadline stdin"), \
	OPT_RULE("stdin ! count deadline interval json quiet"), \
	OPT_RULE("inflight duration bulk + bench")

struct echo_opts {
	int listen;
	int verbose;
	uint32_t max_conns;
	int64_t idle_ns;
	const char *banner;
	int pipe, bench;
	struct echo_client_cfg c;
};

void echo_opts_init(struct echo_opts *o);
/* Handle a shared option: 1 when `key` was one, 0 otherwise. */
int echo_opts_handle(struct echo_opts *o, int key, const struct opt_state *st);
/* Checks what the ECHO_RULES cannot (option values). */
void echo_opts_check(const struct echo_opts *o);
/* Run the client mode selected (probe, --stdin, --bench): exit status. */
int echo_cli_client(const struct echo_opts *o);
/* Block SIGINT/SIGTERM into a signalfd (and ignore SIGPIPE), for every
 * echo applet.  Call it BEFORE printing the "listening on" line: a signal
 * sent as soon as that line is read must be queued, not lost or fatal.
 * Exits 2 (set-up failure) when it cannot. */
int echo_cli_signals(void);
/* Serve on lfd until sfd (echo_cli_signals) reports SIGINT/SIGTERM, then
 * print the stats line on stderr.  Returns the exit status (0, or 2 when
 * the event loop failed: sockbox(1)'s shared exit codes). */
int echo_cli_serve(const struct echo_opts *o, int lfd, int sfd, int seqpacket);

#endif
