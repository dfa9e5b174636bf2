/* Unit tests for lib/clock. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"

static void test_conversions(void **state)
{
	static const struct { int64_t ns; long sec, nsec; } t[] = {
		{ 0, 0, 0 },
		{ 1, 0, 1 },
		{ 999999999, 0, 999999999 },
		{ 1000000000, 1, 0 },
		{ 1500000000, 1, 500000000 },
		{ -1, -1, 999999999 },               /* normalised: nsec >= 0 */
		{ -1000000000, -1, 0 },
		{ -1500000000, -2, 500000000 },
		{ INT64_MAX, 9223372036, 854775807 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct timespec ts = clock_ts(t[i].ns);
		assert_int_equal(ts.tv_sec, t[i].sec);
		assert_int_equal(ts.tv_nsec, t[i].nsec);
		assert_true(clock_ts_ns(&ts) == t[i].ns);
	}
	assert_int_equal(NS_PER_SEC, 1000 * NS_PER_MSEC);
	assert_int_equal(NS_PER_MSEC, 1000 * NS_PER_USEC);
}

static void test_clocks(void **state)
{
	int64_t a = clock_mono_ns();
	struct timespec d = { 0, 2000000 };
	nanosleep(&d, NULL);
	int64_t b = clock_mono_ns();
	assert_true(b - a >= 2000000);
	assert_true(b - a < 2 * NS_PER_SEC);
	/* wall clock agrees with time(2) */
	int64_t w = clock_wall_ns();
	int64_t now = (int64_t)time(NULL);
	assert_true(w / NS_PER_SEC >= now - 1 && w / NS_PER_SEC <= now + 1);
	/* monotonic is not the wall clock (boot-relative here) */
	struct timespec m;
	clock_gettime(CLOCK_MONOTONIC, &m);
	int64_t mm = clock_mono_ns();
	assert_true(mm >= clock_ts_ns(&m) && mm - clock_ts_ns(&m) < NS_PER_SEC);
}

/* ceil(ns / 1 ms), 0 for ns <= 0: what clock_ms_until() must return */
static int64_t ceil_ms(int64_t ns)
{
	return ns <= 0 ? 0 : (ns + NS_PER_MSEC - 1) / NS_PER_MSEC;
}

static void test_ms_until(void **state)
{
	assert_int_equal(clock_ms_until(-1), -1);
	assert_int_equal(clock_ms_until(INT64_MIN), -1);
	assert_int_equal(clock_ms_until(0), 0);                 /* long past */
	int64_t now = clock_mono_ns();
	assert_int_equal(clock_ms_until(now - NS_PER_SEC), 0);
	/* rounded up: 1 ns ahead is 1 ms, never 0 (which would spin) */
	int r = clock_ms_until(clock_mono_ns() + 1000);
	assert_true(r == 1 || r == 0);  /* 0 only if a microsecond passed */
	/* ceilings, bracketed by clock reads around the call, so that time
	 * passing between them (scheduling) widens the range instead of
	 * failing; with no delay the range is the one exact value, and floor
	 * rounding (99 for 99.99... ms) falls outside it */
	static const int64_t ahead[] = { 100 * NS_PER_MSEC, 2000 * NS_PER_MSEC - 1,
	                                 1500 * NS_PER_USEC, 7 * NS_PER_MSEC + 1 };
	for (size_t i = 0; i < sizeof ahead / sizeof ahead[0]; i++) {
		int64_t t0 = clock_mono_ns(), deadline = t0 + ahead[i];
		r = clock_ms_until(deadline);
		int64_t t1 = clock_mono_ns();
		int64_t hi = ceil_ms(deadline - t0), lo = ceil_ms(deadline - t1);
		assert_true(r >= lo && r <= hi);
		assert_true(hi == (ahead[i] + NS_PER_MSEC - 1) / NS_PER_MSEC);
	}
	/* clamped */
	assert_int_equal(clock_ms_until(INT64_MAX), INT_MAX);
	assert_int_equal(clock_ms_until(clock_mono_ns() + (int64_t)INT_MAX * NS_PER_MSEC * 2),
	                 INT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_ms_until),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
