/* echo_stream: the stream/seqpacket echo server engine shared by tcp-echo
 * and uds-echo.
 *
 * echo_server_run() takes a listening nonblocking socket (TCP, AF_UNIX
 * SOCK_STREAM or SOCK_SEQPACKET) and echoes every byte (or record) back,
 * in order, on the one epoll loop (loop.h), until stop_fd becomes
 * readable (a signalfd for SIGINT/SIGTERM).  Then it closes every
 * connection and returns 0 with the totals in *st; -1/errno only when the
 * loop itself cannot be set up.
 *
 * Behaviour and bounds:
 *  - Reads go into one shared ECHO_STREAM_RBUF buffer and are written back
 *    at once; only what the peer did not accept is kept (echo_buf.h), so an
 *    idle connection owns no buffer (sizeof(struct conn) ~ 100 bytes).
 *  - Backpressure: while more than ECHO_STREAM_HIGH bytes wait for a peer,
 *    the engine stops reading from it (no EPOLLIN) until they drain, so a
 *    connection never holds more than ECHO_STREAM_HIGH + ECHO_STREAM_RBUF
 *    (320 KiB) of user memory, whatever its peer does.
 *  - Half-close: after the peer's EOF, pending bytes are sent, then close.
 *  - Beyond max_conns, new connections are accepted and closed at once.
 *  - idle_timeout_ns > 0 closes connections without traffic that long.
 *  - EMFILE/ENFILE on accept: a spare descriptor is released, the pending
 *    connection accepted and closed, the spare reopened: no busy loop.
 *  - Sends use MSG_NOSIGNAL; reset/EPIPE on a connection just closes it.
 *  - seqpacket: each received record is echoed as one record; a record
 *    larger than ECHO_STREAM_RBUF closes the connection; a zero-length
 *    record cannot be told from EOF and ends the connection.
 * With verbose, one line per connect/close goes to stderr (err_msg):
 *   "connect PEER (N active)" / "close PEER: IN bytes in, OUT bytes out,
 *   SECS s (REASON)" / "reject PEER: max-conns N reached";
 * PEER is the address, or "pid=P uid=U gid=G" (SO_PEERCRED) for AF_UNIX. */
#ifndef SB_ECHO_STREAM_H
#define SB_ECHO_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define ECHO_STREAM_RBUF ((size_t)256 * 1024)  /* shared read buffer */
#define ECHO_STREAM_HIGH ((size_t)64 * 1024)  /* pending bytes: stop reading */

struct echo_server_cfg {
	uint32_t max_conns;         /* >= 1 */
	int64_t idle_timeout_ns;    /* 0: none */
	const char *banner;         /* sent first on every connection, or NULL */
	size_t banner_len;
	int verbose;                /* per-connection lines on stderr */
	int seqpacket;              /* keep record boundaries */
	int stop_fd;                /* readable -> stop; -1: run forever */
};

struct echo_server_stats {
	uint64_t accepted;          /* connections served */
	uint64_t rejected;          /* closed at once: over max_conns/EMFILE */
	uint64_t bytes_in, bytes_out;
	uint64_t idle_closed;
	uint32_t active, peak;
};

int echo_server_run(int lfd, const struct echo_server_cfg *cfg,
                    struct echo_server_stats *st);

#endif
