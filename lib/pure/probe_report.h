/* probe_report: the probe family's shared summary (ping, tcp-echo,
 * udp-echo, uds-echo, probe), as text with iputils ping's arithmetic and
 * as the JSON keys of sockbox-json(7).  Pure: no I/O, no globals.
 *
 * Text functions format into buf[0..n) (always NUL-terminated when n > 0,
 * cut at n-1 bytes) and return the length they wanted, like snprintf.
 * Times are integer microseconds, as iputils keeps them.
 *
 *   struct probe_summary s = { .noun = "probes", .transmitted = 3, ... };
 *   probe_report_text(buf, sizeof buf, &s);     // two lines, see below
 *   json_begin(&j); json_str(&j, "type", "summary");
 *   probe_report_json(&j, &s);                  // the shared keys
 *   json_end(&j, stdout);
 */
#ifndef SB_PROBE_REPORT_H
#define SB_PROBE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pure.h"

struct json;

struct probe_summary {
	const char *noun;      /* "packets" (iputils), "probes", "datagrams" */
	uint64_t transmitted, received, duplicates, errors;
	int64_t elapsed_us;    /* first to last transmission ("time Nms") */
	int have_rtt;          /* rtt_* apply (0: no replies; JSON nulls) */
	int64_t min_us, avg_us, max_us, mdev_us;
	const char *counts_extra; /* text after the counts, before the loss
	                           * (", 2 reordered"), or NULL */
	const char *rtt_extra;    /* text after "... ms" (", jitter 0.010 ms") */
	int exit_code;         /* the applet's exit status ("exit") */
};

/* iputils' RTT text: 3 decimals below 1 ms, 2 below 10 ms, 1 below
 * 100 ms, none above, rounded half up ("0.045", "1.23", "12.3", "123").
 * Negative times print as 0. */
int probe_fmt_ms(char *buf, size_t n, int64_t us);

/* "1.234": milliseconds with exactly three decimals, truncated, as
 * iputils' rtt line prints them. */
int probe_fmt_ms3(char *buf, size_t n, int64_t us);

/* Packet loss in percent as iputils computes it (through a float);
 * 0 when nothing was transmitted. */
double probe_loss_pct(uint64_t transmitted, uint64_t received);

/* "N NOUN transmitted, N received[, +N duplicates][, +N errors]EXTRA,
 *  X% packet loss, time Nms\n"
 * "[rtt min/avg/max/mdev = a/b/c/d msRTT_EXTRA\n]"
 * (time rounded to the nearest ms, as iputils does; loss and time are
 * left out when nothing was transmitted).  ping's own tail (", pipe N",
 * ipg/ewma, the empty line after a reply-less run) stays in pingfmt. */
int probe_report_text(char *buf, size_t n, const struct probe_summary *s);

/* Adds transmitted, received, duplicates, errors, loss_pct, rtt_min_ms,
 * rtt_avg_ms, rtt_max_ms, rtt_mdev_ms (null without replies), time_ms and
 * exit to an open JSON object, in that order. */
void probe_report_json(struct json *j, const struct probe_summary *s);

#endif
