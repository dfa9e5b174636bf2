/* Unit tests for lib/stats: iputils arithmetic, isqrt, percentiles, merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

static struct rtt_stats *new_stats(void)
{
	struct rtt_stats *s = malloc(sizeof *s);
	assert_non_null(s);
	stats_init(s);
	return s;
}

static void test_empty(void **state)
{
	struct rtt_stats *s = new_stats();
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_avg_us(s), 0);
	assert_int_equal(stats_mdev_us(s), 0);
	assert_true(stats_avg_ns(s) == 0.0);
	assert_true(stats_mdev_ns(s) == 0.0);
	assert_int_equal(stats_percentile_ns(s, 50), 0);
	assert_int_equal(stats_percentile_ns(s, 0), 0);
	assert_int_equal(stats_percentile_ns(s, 100), 0);
	free(s);
}

/* Hand-computed with iputils' arithmetic (samples truncated to whole
 * microseconds, integer division, floor square root). */
static void test_iputils_arith(void **state)
{
	struct rtt_stats *s = new_stats();
	stats_add(s, 1000999);   /* 1000 us (the 999 ns are truncated) */
	stats_add(s, 2000500);   /* 2000 us */
	stats_add(s, 4000000);   /* 4000 us */
	assert_int_equal(s->n, 3);
	assert_int_equal(s->min_ns, 1000999);
	assert_int_equal(s->max_ns, 4000000);
	assert_int_equal(s->sum_us, 7000);
	assert_int_equal(s->sum2_us, 21000000);
	/* avg = 7000/3 = 2333; sum2/n = 7000000; 7000000 - 2333^2 = 1557111;
	 * floor(sqrt(1557111)) = 1247 (1247^2 = 1555009, 1248^2 = 1557504) */
	assert_int_equal(stats_avg_us(s), 2333);
	assert_int_equal(stats_mdev_us(s), 1247);
	assert_true(stats_mdev_ns(s) == 1247000.0);
	/* the exact mean keeps the nanoseconds */
	assert_true(stats_avg_ns(s) > 2333832.9 && stats_avg_ns(s) < 2333833.1);
	free(s);

	/* identical samples: mdev 0; a single sample: mdev 0 */
	s = new_stats();
	for (int i = 0; i < 10; i++)
		stats_add(s, 123456);
	assert_int_equal(stats_avg_us(s), 123);
	assert_int_equal(stats_mdev_us(s), 0);
	assert_int_equal(s->min_ns, 123456);
	assert_int_equal(s->max_ns, 123456);
	free(s);

	/* 10 us and 20 us: avg 15, sum2/n = 250, 250 - 225 = 25, mdev 5 */
	s = new_stats();
	stats_add(s, 10000);
	stats_add(s, 20000);
	assert_int_equal(stats_avg_us(s), 15);
	assert_int_equal(stats_mdev_us(s), 5);
	/* sub-microsecond samples count as 0 us, like iputils */
	stats_add(s, 999);
	assert_int_equal(s->sum_us, 30);
	assert_int_equal(s->min_ns, 999);
	/* avg 10, sum2/n = 500/3 = 166, 166 - 100 = 66, floor sqrt 8 */
	assert_int_equal(stats_mdev_us(s), 8);
	/* negative (clock went backwards) counts as 0 */
	stats_add(s, -5);
	assert_int_equal(s->min_ns, 0);
	assert_int_equal(s->n, 4);
	free(s);
}

static int isqrt_ok(uint64_t v, uint64_t r)
{
	unsigned __int128 r2 = (unsigned __int128)r * r;
	unsigned __int128 r12 = (unsigned __int128)(r + 1) * (r + 1);
	return r2 <= v && r12 > v;
}

static void test_isqrt(void **state)
{
	static const uint64_t t[][2] = {
		{ 0, 0 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 8, 2 }, { 9, 3 },
		{ 15, 3 }, { 16, 4 }, { 17, 4 }, { 1557111, 1247 },
		{ 999999999999, 999999 }, { 1000000000000, 1000000 },
		{ 4503599761588224ULL, 67108864 },           /* (2^26)^2 + 2^26... */
		{ 9007199254740993ULL, 94906265 },           /* 2^53 + 1 */
		{ 18446744065119617025ULL, 4294967295ULL },  /* (2^32-1)^2 */
		{ 18446744065119617024ULL, 4294967294ULL },  /* (2^32-1)^2 - 1 */
		{ 18446744073709551615ULL, 4294967295ULL },  /* UINT64_MAX */
		{ 9223372036854775807ULL, 3037000499ULL },   /* INT64_MAX */
		{ 4611686018427387904ULL, 2147483648ULL },   /* 2^62 */
		{ 4611686018427387903ULL, 2147483647ULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t r = stats_isqrt(t[i][0]);
		if (r != t[i][1] || !isqrt_ok(t[i][0], r))
			fail_msg("isqrt(%llu) = %llu, want %llu",
			         (unsigned long long)t[i][0], (unsigned long long)r,
			         (unsigned long long)t[i][1]);
	}
	/* around every perfect square of large roots (where floating sqrt
	 * rounds up) and pseudo-random values */
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		uint64_t root = (x >> 32) | 1;
		uint64_t sq = root * root;
		assert_true(isqrt_ok(sq, stats_isqrt(sq)));
		assert_true(isqrt_ok(sq - 1, stats_isqrt(sq - 1)));
		assert_true(isqrt_ok(sq + 1, stats_isqrt(sq + 1)));
		assert_true(isqrt_ok(x, stats_isqrt(x)));
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Every percentile of the given samples lies within 1/64 of the exact
 * nearest-rank value. */
static void check_percentiles(int64_t *v, size_t n)
{
	struct rtt_stats *s = new_stats();
	for (size_t i = 0; i < n; i++)
		stats_add(s, v[i]);
	qsort(v, n, sizeof *v, cmp_i64);
	static const double ps[] = { 0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9 };
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		size_t rank = (size_t)((ps[i] / 100.0) * (double)n + 0.999999999);
		if (rank < 1)
			rank = 1;
		int64_t exact = v[rank - 1];
		int64_t got = stats_percentile_ns(s, ps[i]);
		double rel = exact ? (double)llabs(got - exact) / (double)exact
		                   : (double)llabs(got);
		if (rel > 1.0 / 64)
			fail_msg("p%g: got %lld exact %lld (rel %g)", ps[i],
			         (long long)got, (long long)exact, rel);
	}
	assert_int_equal(stats_percentile_ns(s, 0), v[0]);
	assert_int_equal(stats_percentile_ns(s, 100), v[n - 1]);
	assert_int_equal(stats_percentile_ns(s, -1), v[0]);
	assert_int_equal(stats_percentile_ns(s, 101), v[n - 1]);
	free(s);
}

static void test_percentiles(void **state)
{
	enum { N = 100000 };
	int64_t *v = malloc(N * sizeof *v);
	assert_non_null(v);
	/* uniform 1..N ns */
	for (int i = 0; i < N; i++)
		v[i] = i + 1;
	check_percentiles(v, N);
	/* uniform over 100us..100ms, shuffled by a LCG */
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		v[i] = 100000 + (int64_t)((x >> 33) % 99900000);
	}
	check_percentiles(v, N);
	/* heavy tail: powers spread over 1 ns .. ~17 minutes */
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int sh = (int)((x >> 59) + (x >> 60)) % 40;
		v[i] = (int64_t)((1ULL << sh) + ((x >> 20) & ((1ULL << sh) - 1)));
	}
	check_percentiles(v, N);
	/* small exact values (< 64 ns are exact buckets) */
	int64_t small[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4 };
	check_percentiles(small, sizeof small / sizeof small[0]);
	struct rtt_stats *s = new_stats();
	for (int i = 1; i <= 10; i++)
		stats_add(s, i);
	assert_int_equal(stats_percentile_ns(s, 50), 5);
	assert_int_equal(stats_percentile_ns(s, 51), 6);
	assert_int_equal(stats_percentile_ns(s, 90), 9);
	assert_int_equal(stats_percentile_ns(s, 91), 10);
	free(s);
	/* one sample: every percentile is that sample, whatever its size */
	s = new_stats();
	stats_add(s, 123456789);
	assert_int_equal(stats_percentile_ns(s, 50), 123456789);
	assert_int_equal(stats_percentile_ns(s, 99), 123456789);
	free(s);
	free(v);
}

static void test_merge(void **state)
{
	struct rtt_stats *a = new_stats(), *b = new_stats(), *all = new_stats();
	uint64_t x = 99;
	for (int i = 0; i < 5000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int64_t ns = (int64_t)((x >> 33) % 50000000);
		stats_add(i % 3 ? a : b, ns);
		stats_add(all, ns);
	}
	struct rtt_stats *m = new_stats();
	stats_merge(m, a);       /* into empty */
	stats_merge(m, b);
	struct rtt_stats *empty = new_stats();
	stats_merge(m, empty);   /* empty source changes nothing */
	assert_int_equal(m->n, all->n);
	assert_int_equal(m->min_ns, all->min_ns);
	assert_int_equal(m->max_ns, all->max_ns);
	assert_int_equal(m->sum_us, all->sum_us);
	assert_int_equal(m->sum2_us, all->sum2_us);
	assert_int_equal(stats_avg_us(m), stats_avg_us(all));
	assert_int_equal(stats_mdev_us(m), stats_mdev_us(all));
	assert_true(memcmp(m->hist, all->hist, sizeof m->hist) == 0);
	for (double p = 1; p < 100; p += 7)
		assert_int_equal(stats_percentile_ns(m, p),
		                 stats_percentile_ns(all, p));
	/* merging where dst has a larger min / smaller max */
	stats_init(a);
	stats_init(b);
	stats_add(a, 500);
	stats_add(b, 100);
	stats_add(b, 900);
	stats_merge(a, b);
	assert_int_equal(a->min_ns, 100);
	assert_int_equal(a->max_ns, 900);
	assert_int_equal(a->n, 3);
	free(a); free(b); free(all); free(m); free(empty);
}

/* Huge samples must not overflow (UBSan catches signed overflow): the
 * sum of squares saturates as documented. */
static void test_saturation(void **state)
{
	struct rtt_stats *s = new_stats(), *t = new_stats();
	stats_add(s, INT64_MAX);
	stats_add(s, 4000000000000000LL);   /* 4e12 us: square > INT64_MAX */
	assert_int_equal(s->sum2_us, INT64_MAX);
	assert_int_equal(s->max_ns, INT64_MAX);
	assert_true(stats_mdev_us(s) >= 0);
	assert_int_equal(stats_percentile_ns(s, 100), INT64_MAX);
	stats_add(t, 3000000000000LL);       /* 3e9 us, square 9e18 fits */
	assert_int_equal(t->sum2_us, 9000000000000000000LL);
	stats_merge(t, s);
	assert_int_equal(t->sum2_us, INT64_MAX);
	stats_merge(t, t);
	assert_int_equal(t->sum2_us, INT64_MAX);
	free(s);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_iputils_arith),
		cmocka_unit_test(test_isqrt),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_saturation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
