/* pingfmt: iputils-exact ping output lines (see pingfmt.h). */
#include "pingfmt.h"

#include <stdarg.h>
#include <stdio.h>

#include "probe_report.h"

/* An appending snprintf: keeps the total length wanted in *len. */
struct out {
	char *buf;
	size_t n;
	int len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t at = (size_t)o->len;
	int r;

	va_start(ap, fmt);
	if (at < o->n)
		r = vsnprintf(o->buf + at, o->n - at, fmt, ap);
	else
		r = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->len += r;
}

static struct out out_init(char *buf, size_t n)
{
	struct out o = { buf, n, 0 };
	if (n)
		buf[0] = '\0';
	return o;
}

static void put_stamp(struct out *o, int64_t wall_us)
{
	if (wall_us >= 0)
		put(o, "[%lld.%06lld] ", (long long)(wall_us / 1000000),
		    (long long)(wall_us % 1000000));
}

/* "a.bcd" from microseconds, the %ld.%03ld iputils uses (probe_report's,
 * one formatter for the whole probe family). */
static void put_ms3(struct out *o, int64_t us)
{
	char b[32];
	probe_fmt_ms3(b, sizeof b, us);
	put(o, "%s", b);
}

int pingfmt_header(char *buf, size_t n, int v6, const char *host,
                   const char *addr, const char *src, const char *dev,
                   size_t datalen)
{
	struct out o = out_init(buf, n);

	put(&o, v6 ? "PING %s(%s) " : "PING %s (%s) ", host, addr);
	if (src)
		put(&o, "from %s %s: ", src, dev ? dev : "");
	if (v6)
		put(&o, "%zu data bytes\n", datalen);
	else
		put(&o, "%zu(%zu) bytes of data.\n", datalen, datalen + 8 + 20);
	return o.len;
}

int pingfmt_time(char *buf, size_t n, int64_t t)
{
	struct out o = out_init(buf, n);
	char ms[32];

	probe_fmt_ms(ms, sizeof ms, t);   /* iputils' decimals and rounding */
	put(&o, " time=%s ms", ms);
	return o.len;
}

int pingfmt_reply(char *buf, size_t n, const struct pingfmt_reply *r)
{
	struct out o = out_init(buf, n);

	put_stamp(&o, r->wall_us);
	put(&o, "%zu bytes from %s: icmp_seq=%u", r->bytes, r->from, r->seq);
	if (r->ttl >= 0)
		put(&o, " ttl=%d", r->ttl);
	if (r->truncated) {
		put(&o, " (truncated)\n");
		return o.len;
	}
	if (r->has_time) {
		char t[48];
		pingfmt_time(t, sizeof t, r->rtt_us);
		put(&o, "%s", t);
	}
	if (r->dup)
		put(&o, " (DUP!)");
	if (r->bad_csum)
		put(&o, " (BAD CHECKSUM!)");
	put(&o, "\n");
	return o.len;
}

int pingfmt_error(char *buf, size_t n, int64_t wall_us, const char *from,
                  uint16_t seq, const char *text)
{
	struct out o = out_init(buf, n);

	put_stamp(&o, wall_us);
	put(&o, "From %s icmp_seq=%u %s\n", from, seq, text);
	return o.len;
}

int pingfmt_noanswer(char *buf, size_t n, int64_t wall_us, uint16_t seq)
{
	struct out o = out_init(buf, n);

	put_stamp(&o, wall_us);
	put(&o, "no answer yet for icmp_seq=%u\n", seq);
	return o.len;
}

double pingfmt_loss(long transmitted, long received)
{
	if (transmitted <= 0)
		return 0;
	return probe_loss_pct((uint64_t)transmitted,
	                      received < 0 ? 0 : (uint64_t)received);
}

int pingfmt_stats(char *buf, size_t n, const struct pingfmt_totals *t)
{
	struct out o = out_init(buf, n);
	const char *comma = "";

	put(&o, "\n--- %s ping statistics ---\n", t->host);
	put(&o, "%ld packets transmitted, %ld received", t->transmitted, t->received);
	if (t->dups)
		put(&o, ", +%ld duplicates", t->dups);
	if (t->corrupted)
		put(&o, ", +%ld corrupted", t->corrupted);
	if (t->errors)
		put(&o, ", +%ld errors", t->errors);
	if (t->transmitted) {
		put(&o, ", %g%% packet loss", pingfmt_loss(t->transmitted, t->received));
		/* iputils rounds the elapsed time to the nearest millisecond. */
		put(&o, ", time %lldms", (long long)((t->elapsed_us + 500) / 1000));
	}
	put(&o, "\n");
	if (t->received && t->timing) {
		put(&o, "rtt min/avg/max/mdev = ");
		put_ms3(&o, t->min_us);
		put(&o, "/");
		put_ms3(&o, t->avg_us);
		put(&o, "/");
		put_ms3(&o, t->max_us);
		put(&o, "/");
		put_ms3(&o, t->mdev_us);
		put(&o, " ms");
		comma = ", ";
	}
	if (t->pipe > 1) {
		put(&o, "%spipe %d", comma, t->pipe);
		comma = ", ";
	}
	if (t->received && t->show_ipg && t->transmitted > 1) {
		int64_t ipg = t->elapsed_us / (t->transmitted - 1);
		put(&o, "%sipg/ewma %lld.%03lld/%d.%03d ms", comma,
		    (long long)(ipg / 1000), (long long)(ipg % 1000),
		    t->ewma8 / 8000, (t->ewma8 / 8) % 1000);
	}
	put(&o, "\n");
	return o.len;
}

int pingfmt_status(char *buf, size_t n, const struct pingfmt_totals *t)
{
	struct out o = out_init(buf, n);
	long loss = 0;

	if (t->transmitted)
		loss = ((t->transmitted - t->received) * 100) / t->transmitted;
	put(&o, "\r%ld/%ld packets, %ld%% loss", t->received, t->transmitted, loss);
	if (t->received && t->timing) {
		put(&o, ", min/avg/ewma/max = ");
		put_ms3(&o, t->min_us);
		put(&o, "/");
		put_ms3(&o, t->avg_us);
		put(&o, "/%d.%03d/", t->ewma8 / 8000, (t->ewma8 / 8) % 1000);
		put_ms3(&o, t->max_us);
		put(&o, " ms");
	}
	put(&o, "\n");
	return o.len;
}

void pingfmt_ewma_add(int *ewma8, int64_t rtt_us)
{
	if (!*ewma8)
		*ewma8 = (int)(rtt_us * 8);
	else
		*ewma8 += (int)rtt_us - *ewma8 / 8;
}
