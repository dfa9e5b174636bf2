/* stats: RTT statistics, pure.
 *
 * min/avg/max/mdev use the same arithmetic as iputils ping: samples summed
 * in microseconds as integers, mdev = sqrt(sum2/n - (sum/n)^2) with integer
 * square root.  Percentiles come from a log-linear histogram (relative
 * error below 1/64) so memory is constant however many samples arrive. */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <stdint.h>

#define STATS_SUB 64          /* linear sub-buckets per power of two */
#define STATS_POW 40          /* covers up to 2^40 ns (~18 minutes) */

struct rtt_stats {
	uint64_t n;
	int64_t min_ns, max_ns;
	int64_t sum_us;        /* iputils' tsum */
	int64_t sum2_us;       /* iputils' tsum2 (saturates, see stats.c) */
	long double sum_ns;    /* exact mean in ns */
	uint32_t hist[STATS_POW * STATS_SUB];
};

void stats_init(struct rtt_stats *s);
void stats_add(struct rtt_stats *s, int64_t rtt_ns);
void stats_merge(struct rtt_stats *dst, const struct rtt_stats *src);

/* All in microseconds, as iputils computes them (0 when n == 0). */
int64_t stats_avg_us(const struct rtt_stats *s);
int64_t stats_mdev_us(const struct rtt_stats *s);
/* Mean in nanoseconds, and mdev in ns (floating, for JSON). */
double stats_avg_ns(const struct rtt_stats *s);
double stats_mdev_ns(const struct rtt_stats *s);
/* Value at percentile p (0..100), in ns; 0 when empty. */
int64_t stats_percentile_ns(const struct rtt_stats *s, double p);

/* Integer square root (floor), as iputils' llsqrt. */
uint64_t stats_isqrt(uint64_t v);

#endif
