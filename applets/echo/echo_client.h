/* echo_client: the client side of tcp-echo and uds-echo (stream and
 * seqpacket): probe mode, pipe mode and bench mode.  Glue module: it
 * connects, prints results on stdout (human lines or JSON Lines) and
 * returns the applet's exit status; it never exits.
 *
 * Probe (echo_probe_run): `count` probes (0: until SIGINT/SIGTERM),
 * `interval_ns` apart, each sends `size` bytes of echo_pattern_fill() (or
 * msg) on one connection, waits until `timeout_ns` for the full echo,
 * compares byte for byte and prints
 *   "64 bytes from ADDR: seq=1 time=0.123 ms"  or  "seq=1: REASON"
 * then a ping-style summary.  After a failed probe the connection is
 * dropped and the next probe reconnects (a connect failure is that
 * probe's failure).  Returns 0 when every probe echoed, 1 otherwise.
 *
 * Pipe (echo_pipe_run): standard input is sent, the echo written to
 * standard output; at most ECHO_PIPE_WINDOW bytes are unechoed at any time.
 * Returns 0 when the echo equals the input exactly, else 1.
 *
 * Bench (echo_bench_run): `conns` connections on one epoll loop, either
 * ping-pong (one `size`-byte message in flight per connection) or bulk
 * (continuous `size`-byte writes, at most ECHO_BULK_WINDOW chunks in
 * flight per connection), for `duration_ns` once every connection is up.
 * Every echoed byte is verified.  Prints msgs/s, MB/s, p50/p99 latency and
 * error counts; returns 0 when there were no errors, else 1.
 *
 * Signals: the caller installs sig_catch(); SIGINT/SIGTERM end any mode
 * early (the summary is still printed). */
#ifndef SB_ECHO_CLIENT_H
#define SB_ECHO_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"

#define ECHO_PIPE_WINDOW (1u << 20)
#define ECHO_BULK_WINDOW 4
#define ECHO_SIZE_MAX (16u << 20)
/* -W's default in the whole probe family: iputils ping's 10 s. */
#define ECHO_TIMEOUT_DEFAULT (10 * 1000000000LL)
#define ECHO_PATTERN_PERIOD 251   /* bench stream pattern period (prime) */

struct echo_client_cfg {
	const struct sb_addr *addr;
	int socktype;               /* SOCK_STREAM or SOCK_SEQPACKET */
	const char *target;         /* display name: "127.0.0.1:7", "/path" */
	int json;
	int quiet;                  /* -q: only the start and summary */
	/* probe */
	uint64_t count;             /* 0: until interrupted */
	int64_t interval_ns;
	int64_t timeout_ns;         /* per probe / pipe stall / bench connect */
	int64_t deadline_ns;        /* -w: no new probe after this; 0: none */
	size_t size;                /* payload bytes (probe, bench) */
	const char *msg;            /* probe payload instead of the pattern */
	/* bench */
	uint32_t conns;
	int64_t duration_ns;
	int bulk;
};

/* Pure: the probe payload for `seq`: "seq=N " repeated, last byte '\n'
 * (when n >= 2); the same seq always gives the same bytes. */
void echo_pattern_fill(char *buf, size_t n, uint64_t seq);
/* Pure: the bench stream byte at offset k (period ECHO_PATTERN_PERIOD). */
unsigned char echo_stream_byte(uint64_t k);
/* Pure: index of the first differing byte, or -1 when equal. */
long echo_first_diff(const char *a, const char *b, size_t n);

int echo_probe_run(const struct echo_client_cfg *c);
int echo_pipe_run(const struct echo_client_cfg *c);
int echo_bench_run(const struct echo_client_cfg *c);

#endif
