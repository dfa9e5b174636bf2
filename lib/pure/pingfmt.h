/* pingfmt: the lines iputils ping 20221126 prints, byte for byte, pure.
 *
 * Every function formats into buf[0..n) (always NUL-terminated, output
 * cut at n-1 bytes) and returns the length it wanted, like snprintf.
 * Times are integer microseconds, as iputils keeps them; addresses and
 * names arrive already formatted ("10.0.0.1" or "host (10.0.0.1)").
 * No I/O, no globals. */
#ifndef SB_PINGFMT_H
#define SB_PINGFMT_H

#include <stddef.h>
#include <stdint.h>

/* "PING host (addr) [from SRC DEV: ]56(84) bytes of data.\n" (IPv4) or
 * "PING host(addr) [, flow 0xNNNNN, ][from SRC DEV: ]56 data bytes\n"
 * (IPv6).  src NULL: no "from" part; dev may be NULL (printed as "").
 * The IPv4 total counts optlen bytes of IP options (-R/-T: 40); flow is
 * the IPv6 flow label (0: none). */
int pingfmt_header(char *buf, size_t n, int v6, const char *host,
                   const char *addr, const char *src, const char *dev,
                   size_t datalen, size_t optlen, uint32_t flow);

/* " time=X ms" with iputils' decimals: 3 below 1 ms, 2 below 10 ms,
 * 1 below 100 ms, none above (rounded half up). */
int pingfmt_time(char *buf, size_t n, int64_t rtt_us);

struct pingfmt_reply {
	int64_t wall_us;    /* -D timestamp (wall clock, us); <0: none */
	size_t bytes;       /* ICMP bytes received */
	const char *from;
	uint16_t seq;
	int ttl;            /* <0: not known */
	int truncated;      /* shorter than what we sent */
	int has_time;       /* payload carried our timestamp */
	int64_t rtt_us;
	int dup, bad_csum;
	int has_ident;      /* -v with a known identifier: " ident=N" */
	unsigned ident;
	const char *tail;   /* appended before the newline (bell, IP options) */
	const char *body;   /* non-NULL: printed instead of " icmp_seq=N" (a
	                     * node information reply, -N) */
};
/* "[T] 64 bytes from A: icmp_seq=N ttl=N time=X ms (DUP!)\n". */
int pingfmt_reply(char *buf, size_t n, const struct pingfmt_reply *r);

/* "[T] From A icmp_seq=N TEXT\n" (an ICMP error from the error queue). */
int pingfmt_error(char *buf, size_t n, int64_t wall_us, const char *from,
                  uint16_t seq, const char *text);

/* -v: the IPv4 header quoted in a redirect or source quench, as iputils'
 * pr_iph() prints it:
 * "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst Data\n"
 * " 4  5  00 5400 1c4a   2 0000  3f  01 5a3e 10.0.0.1  10.0.0.2 \n".
 * iputils prints the length, identifier, fragment word and checksum
 * without converting them from network order; the values here are those
 * a little-endian machine (the reference's) prints.  ip holds len bytes,
 * at least 20; the header's options are left to pingfmt_ipopts(). */
int pingfmt_iphdr(char *buf, size_t n, const uint8_t *ip, size_t len);

/* "[T] no answer yet for icmp_seq=N\n" (-O). */
int pingfmt_noanswer(char *buf, size_t n, int64_t wall_us, uint16_t seq);

struct pingfmt_totals {
	const char *host;
	long transmitted, received, dups, corrupted, errors;
	int64_t elapsed_us;   /* first to last transmission */
	int timing;           /* an rtt line applies (payload >= 16) */
	int64_t min_us, avg_us, max_us, mdev_us;
	int pipe;             /* largest number of probes in flight */
	int show_ipg;         /* flood or -i 0 */
	int ewma8;            /* iputils' rtt: 8 x smoothed rtt in us */
};
/* The statistics block, starting with the empty line:
 * "\n--- H ping statistics ---\n"
 * "N packets transmitted, N received[, +N duplicates][, +N corrupted]
 *  [, +N errors], X% packet loss, time Nms\n"
 * "[rtt min/avg/max/mdev = a/b/c/d ms][, pipe N][, ipg/ewma a/b ms]\n" */
int pingfmt_stats(char *buf, size_t n, const struct pingfmt_totals *t);

/* IPv4 options of a reply (-R, -T), printed as iputils' pr_options():
 * "\nRR: \tA\n\tB\n..." , "\t(same route)" when the recorded route
 * equals the previous one (kept in *rr; not in flood mode),
 * "\nTS: \t123 absolute\n\t4\n...", "\nNOP" per no-op.  Addresses go
 * through name(ctx, addr in network order) (numeric or "name (addr)").
 * The text is appended after the reply line's own text, before its
 * final newline. */
struct pingfmt_rr {
	size_t len;
	uint8_t data[40];
};
int pingfmt_ipopts(char *buf, size_t n, const uint8_t *opts, size_t olen,
                   struct pingfmt_rr *rr, int flood,
                   const char *(*name)(void *ctx, uint32_t addr), void *ctx);

/* SIGQUIT: "\rN/N packets, P% loss[, min/avg/ewma/max = a/b/c/d ms]\n". */
int pingfmt_status(char *buf, size_t n, const struct pingfmt_totals *t);

/* iputils' smoothed rtt: *ewma8 = 8*rtt first, then += rtt - ewma8/8. */
void pingfmt_ewma_add(int *ewma8, int64_t rtt_us);

/* Packet loss in percent as iputils computes it (float). */
double pingfmt_loss(long transmitted, long received);

#endif
