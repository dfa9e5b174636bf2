/* proc_tcp: pure parser for /proc/net/tcp and /proc/net/tcp6.
 *
 * Each line after the header is
 *   "sl: LOCAL:PORT REMOTE:PORT ST TXQ:RXQ TR:WHEN RETRNSMT UID TIMEOUT INODE ..."
 * where an address is the kernel's in-memory 32-bit words printed with
 * %08X (one word for IPv4, four for IPv6), i.e. network byte order read
 * as a host-order integer on the machine that printed it; ports and the
 * state (01..0B) are plain hex.  The parser turns a line into the same
 * struct diag_sock that diag_msg produces (cookie 0: /proc has none;
 * rqueue/wqueue from rx_queue/tx_queue; for LISTEN the kernel prints 0 as
 * tx_queue where netlink reports the backlog limit; v6only is inferred:
 * 1 for a socket bound to a specific IPv6 address, as the kernel sets it
 * then, else 0, the default for the wildcard).
 *
 * proc_tcp_feed() accepts arbitrary slices of the file and calls `cb` per
 * socket line; the result is the same whether fed whole or byte by byte.
 * Lines are bounded by PROC_TCP_LINE_MAX; longer or malformed lines are
 * counted in `bad` and skipped.  No I/O, no globals. */
#ifndef SB_PROC_TCP_H
#define SB_PROC_TCP_H

#include <stddef.h>
#include "diag_msg.h"

#define PROC_TCP_LINE_MAX 512

/* Parse one line (a trailing '\n' is allowed).  Returns 1 and fills *out
 * for a socket line, 0 for the header line, -EINVAL when malformed. */
int proc_tcp_parse_line(const char *line, size_t len, int family,
                        struct diag_sock *out);

/* Return nonzero from the callback to stop feeding (feed returns it). */
typedef int (*proc_tcp_cb)(void *ctx, const struct diag_sock *s);

struct proc_tcp_parser {
	int family;
	size_t len;              /* bytes in line[] */
	int overlong;            /* current line exceeded the bound */
	unsigned long lines, bad;
	char line[PROC_TCP_LINE_MAX];
};

void proc_tcp_init(struct proc_tcp_parser *p, int family);
int proc_tcp_feed(struct proc_tcp_parser *p, const char *buf, size_t len,
                  proc_tcp_cb cb, void *ctx);
/* Flush a last line without '\n'. */
int proc_tcp_finish(struct proc_tcp_parser *p, proc_tcp_cb cb, void *ctx);

#endif
