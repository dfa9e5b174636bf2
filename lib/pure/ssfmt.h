/* ssfmt: pure formatting of TCP sockets the way ss(8) prints them.
 *
 * Rows: "State Recv-Q Send-Q Local Address:Port Peer Address:Port" in
 * fixed columns (ss -tan), then, as ss orders them on the same line, the
 * owners "users:(("comm",pid=N,fd=N),...)" (-p), the timer
 * "timer:(keepalive,9.8sec,0)" (-o), and "uid:N ino:N sk:HEX" (-e); the
 * socket memory "skmem:(r0,rb..)" (-m) and TCP internals (-i, ss's words:
 * "cubic wscale:7,7 rto:204 rtt:0.03/0.015 ... cwnd:10 ...") go on a
 * continuation line starting with a tab, as ss prints them.
 *
 * Addresses: dotted quads and "[v6]" (formatted by hand: inet_ntop's
 * sprintf is most of a large snapshot's cost), "*" for a dual-stack
 * wildcard, "%ifname" for a socket bound to a device (the name is the
 * caller's: this module makes no system calls).  Port 0 prints as "*";
 * other ports as numbers, or by name from a services table (ss without
 * -n).
 *
 * Bounds: a row without owners fits in SSFMT_ROW_BASE bytes; each owner
 * adds at most SSFMT_OWNER_MAX (use SSFMT_ROW_MAX(n)).  No I/O, no
 * globals. */
#ifndef SB_SSFMT_H
#define SB_SSFMT_H

#include <stddef.h>
#include <stdint.h>
#include "diag_msg.h"
#include "services.h"

enum {
	SSF_PROC = 1,     /* -p: users:(...) */
	SSF_TIMER = 2,    /* -o */
	SSF_EXT = 4,      /* -e: uid, ino, sk */
	SSF_MEM = 8,      /* -m */
	SSF_INFO = 16,    /* -i */
	SSF_NUMERIC = 32, /* -n: rates as plain numbers, as ss -n prints them */
};

/* One holder of a socket, as ss shows it (comm cut at 15 bytes, like
 * /proc/PID/stat's). */
struct ssfmt_owner {
	int32_t pid, fd;
	char comm[16];
};

#define SSFMT_ROW_BASE 1664
#define SSFMT_OWNER_MAX 48
#define SSFMT_ROW_MAX(n) (SSFMT_ROW_BASE + (size_t)(n) * SSFMT_OWNER_MAX)

/* Small building blocks; each appends and returns the new end. */
char *ssfmt_u(char *p, uint64_t v);
char *ssfmt_str(char *p, const char *s);
char *ssfmt_pad_to(char *p, char *start, size_t width);
/* The address part of an endpoint (no port). */
char *ssfmt_host(char *p, const struct diag_sock *s, int local, const char *ifname);
/* "host:port" NUL-terminated into buf (>= 96 bytes); returns its length.
 * svc: port names (ss without -n), or NULL for numbers. */
size_t ssfmt_endpoint(char *buf, const struct diag_sock *s, int local,
                      const char *ifname, const struct services *svc);

/* Header line with '\n'; returns its length (< SSFMT_ROW_BASE). */
size_t ssfmt_header(char *buf, unsigned flags);
/* One socket with '\n' into buf (>= SSFMT_ROW_MAX(nown)); returns its
 * length.  ifname: the local device name or NULL when s->ifindex is 0. */
size_t ssfmt_row(char *buf, const struct diag_sock *s, const char *ifname,
                 unsigned flags, const struct ssfmt_owner *own, size_t nown,
                 const struct services *svc);

/* What follows the peer column: " users:(...)" (SSF_PROC, when nown),
 * " timer:(...)", " uid:.. ino:.. sk:..", then "\n\t skmem:(...) <tcp_info>"
 * (no final newline); returns the end. */
char *ssfmt_extras(char *p, const struct diag_sock *s, unsigned flags,
                   const struct ssfmt_owner *own, size_t nown);
/* `users:((...),...)` body only: `("comm",pid=N,fd=N),...` (no
 * "users:(" ... ")"); returns the end. */
char *ssfmt_users(char *p, const struct ssfmt_owner *own, size_t nown);
/* ss's millisecond timer text: "9.8sec", "200ms", "1min40sec", "119min". */
char *ssfmt_ms_timer(char *p, uint32_t ms);
/* ss's timer names: off, on, keepalive, timewait, persist, delack. */
const char *ssfmt_timer_name(unsigned timer);
/* ss's bandwidth: "%.3g" with k/M/G/T (numeric=0) or "%.0f" (numeric). */
char *ssfmt_bw(char *p, double bits_per_s);

#endif
