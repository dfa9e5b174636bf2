/* probe_report: the probe family's summary; see probe_report.h. */
#include "probe_report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "json.h"
#include "strbuf.h"

int probe_fmt_ms(char *buf, size_t n, int64_t us)
{
	struct strbuf o = sb_init(buf, n);
	if (us < 0)
		us = 0;
	if (us >= 100000 - 50)
		sb_printf(&o, "%" PRId64, (us + 500) / 1000);
	else if (us >= 10000 - 5)
		sb_printf(&o, "%" PRId64 ".%01" PRId64, (us + 50) / 1000,
		    ((us + 50) % 1000) / 100);
	else if (us >= 1000)
		sb_printf(&o, "%" PRId64 ".%02" PRId64, (us + 5) / 1000,
		    ((us + 5) % 1000) / 10);
	else
		sb_printf(&o, "0.%03" PRId64, us);
	return sb_done(&o);
}

int probe_fmt_ms3(char *buf, size_t n, int64_t us)
{
	struct strbuf o = sb_init(buf, n);
	if (us < 0)
		sb_printf(&o, "-%" PRId64 ".%03" PRId64, -(us / 1000), -(us % 1000));
	else
		sb_printf(&o, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
	return sb_done(&o);
}

double probe_loss_pct(uint64_t transmitted, uint64_t received)
{
	if (transmitted == 0)
		return 0;
	/* iputils computes in double and passes the result through a float;
	 * more replies than probes (duplicates counted apart) is no loss */
	double lost = received >= transmitted ? 0.0
	                                      : (double)(transmitted - received);
	return (double)(float)(lost * 100.0 / (double)transmitted);
}

int probe_report_text(char *buf, size_t n, const struct probe_summary *s)
{
	struct strbuf o = sb_init(buf, n);
	char a[32], b[32], c[32], d[32];

	if (n)
		buf[0] = 0;
	sb_printf(&o, "%" PRIu64 " %s transmitted, %" PRIu64 " received",
	    s->transmitted, s->noun ? s->noun : "packets", s->received);
	if (s->duplicates)
		sb_printf(&o, ", +%" PRIu64 " duplicates", s->duplicates);
	if (s->errors)
		sb_printf(&o, ", +%" PRIu64 " errors", s->errors);
	if (s->counts_extra)
		sb_printf(&o, "%s", s->counts_extra);
	if (s->transmitted) /* as iputils: no rate without a probe */
		sb_printf(&o, ", %g%% packet loss, time %" PRId64 "ms",
		    probe_loss_pct(s->transmitted, s->received),
		    (s->elapsed_us < 0 ? 0 : s->elapsed_us + 500) / 1000);
	sb_printf(&o, "\n");
	if (s->have_rtt) {
		probe_fmt_ms3(a, sizeof a, s->min_us);
		probe_fmt_ms3(b, sizeof b, s->avg_us);
		probe_fmt_ms3(c, sizeof c, s->max_us);
		probe_fmt_ms3(d, sizeof d, s->mdev_us);
		sb_printf(&o, "rtt min/avg/max/mdev = %s/%s/%s/%s ms%s\n", a, b, c, d,
		    s->rtt_extra ? s->rtt_extra : "");
	}
	return sb_done(&o);
}

static void rtt_key(struct json *j, const char *key, int have, int64_t us)
{
	if (have)
		json_double(j, key, (double)us / 1000.0, 3);
	else
		json_null(j, key);
}

void probe_report_json(struct json *j, const struct probe_summary *s)
{
	json_uint(j, "transmitted", s->transmitted);
	json_uint(j, "received", s->received);
	json_uint(j, "duplicates", s->duplicates);
	json_uint(j, "errors", s->errors);
	json_double(j, "loss_pct", probe_loss_pct(s->transmitted, s->received), 3);
	rtt_key(j, "rtt_min_ms", s->have_rtt, s->min_us);
	rtt_key(j, "rtt_avg_ms", s->have_rtt, s->avg_us);
	rtt_key(j, "rtt_max_ms", s->have_rtt, s->max_us);
	rtt_key(j, "rtt_mdev_ms", s->have_rtt, s->mdev_us);
	json_double(j, "time_ms",
	            (double)(s->elapsed_us < 0 ? 0 : s->elapsed_us) / 1000.0, 3);
	json_int(j, "exit", s->exit_code);
}
