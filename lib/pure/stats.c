/* stats: iputils-compatible RTT summary plus a log-linear histogram. */
#include <math.h>
#include <string.h>

#include "stats.h"

void stats_init(struct rtt_stats *s)
{
	memset(s, 0, sizeof *s);
}

static unsigned bucket_of(uint64_t v)
{
	/* values below STATS_SUB are exact; above, 64 linear steps per
	 * power of two */
	if (v < STATS_SUB)
		return (unsigned)v;
	unsigned p = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
	unsigned shift = p - 6;
	unsigned idx = (p - 5) * STATS_SUB + (unsigned)((v >> shift) & (STATS_SUB - 1));
	if (idx >= STATS_POW * STATS_SUB)
		idx = STATS_POW * STATS_SUB - 1;
	return idx;
}

/* Midpoint of a bucket's range. */
static uint64_t bucket_value(unsigned idx)
{
	if (idx < STATS_SUB)
		return idx;
	unsigned p = idx / STATS_SUB + 5;
	unsigned shift = p - 6;
	uint64_t lo = ((uint64_t)STATS_SUB + (idx % STATS_SUB)) << shift;
	return lo + ((1ULL << shift) >> 1);
}

void stats_add(struct rtt_stats *s, int64_t rtt_ns)
{
	if (rtt_ns < 0)
		rtt_ns = 0;
	if (s->n == 0 || rtt_ns < s->min_ns)
		s->min_ns = rtt_ns;
	if (rtt_ns > s->max_ns)
		s->max_ns = rtt_ns;
	s->n++;
	int64_t us = rtt_ns / 1000, sq;
	s->sum_us += us;
	/* iputils keeps tsum2 in a long long; saturate instead of wrapping
	 * (us * us itself overflows above ~50 minutes) */
	if (__builtin_mul_overflow(us, us, &sq) || sq > INT64_MAX - s->sum2_us)
		s->sum2_us = INT64_MAX;
	else
		s->sum2_us += sq;
	s->sum_ns += (long double)rtt_ns;
	s->hist[bucket_of((uint64_t)rtt_ns)]++;
}

void stats_merge(struct rtt_stats *dst, const struct rtt_stats *src)
{
	if (!src->n)
		return;
	if (!dst->n || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->n += src->n;
	dst->sum_us += src->sum_us;
	if (src->sum2_us > INT64_MAX - dst->sum2_us)
		dst->sum2_us = INT64_MAX;
	else
		dst->sum2_us += src->sum2_us;
	dst->sum_ns += src->sum_ns;
	for (size_t i = 0; i < (size_t)STATS_POW * STATS_SUB; i++)
		dst->hist[i] += src->hist[i];
}

uint64_t stats_isqrt(uint64_t v)
{
	uint64_t r = (uint64_t)sqrtl((long double)v);
	/* sqrtl may round up to 2^32, whose square wraps to 0 */
	if (r > UINT32_MAX)
		r = UINT32_MAX;
	while (r * r > v)
		r--;
	while (r < UINT32_MAX && (r + 1) * (r + 1) <= v)
		r++;
	return r;
}

int64_t stats_avg_us(const struct rtt_stats *s)
{
	return s->n ? s->sum_us / (int64_t)s->n : 0;
}

int64_t stats_mdev_us(const struct rtt_stats *s)
{
	if (!s->n)
		return 0;
	int64_t n = (int64_t)s->n, var;
	/* iputils 20221126 finish(): while tsum fits an int it subtracts
	 * before dividing (keeps small times exact: 1 us and 2 us give 0,
	 * not 1); then sum^2 < 2^62 cannot overflow. */
	if (s->sum_us < INT32_MAX) {
		var = (s->sum2_us - (s->sum_us * s->sum_us) / n) / n;
	} else {
		int64_t avg = s->sum_us / n, avg2;
		/* only past ~50 minutes, when sum2 has saturated anyway */
		if (__builtin_mul_overflow(avg, avg, &avg2))
			return 0;
		var = s->sum2_us / n - avg2;
	}
	return var > 0 ? (int64_t)stats_isqrt((uint64_t)var) : 0;
}

double stats_avg_ns(const struct rtt_stats *s)
{
	return s->n ? (double)(s->sum_ns / (long double)s->n) : 0.0;
}

double stats_mdev_ns(const struct rtt_stats *s)
{
	return (double)stats_mdev_us(s) * 1000.0;
}

int64_t stats_percentile_ns(const struct rtt_stats *s, double p)
{
	if (!s->n)
		return 0;
	if (p <= 0)
		return s->min_ns;
	if (p >= 100)
		return s->max_ns;
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)s->n);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < STATS_POW * STATS_SUB; i++) {
		seen += s->hist[i];
		if (seen >= rank) {
			int64_t v = (int64_t)bucket_value(i);
			if (v < s->min_ns)
				v = s->min_ns;
			if (v > s->max_ns)
				v = s->max_ns;
			return v;
		}
	}
	return s->max_ns;
}
