/* Unit tests for lib/backoff: exponential steps, the cap, jitter bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

#define MS 1000000LL

static void test_steps(void **state)
{
	(void)state;
	/* rnd 0 gives the low end d/2; UINT32_MAX % span lands inside */
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 1, 0), 50 * MS);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 2, 0), 100 * MS);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 3, 0), 200 * MS);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 5, 0), 800 * MS);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 6, 0), 1000 * MS); /* cap 2000/2 */
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 1000, 0), 1000 * MS);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 4000000000u, 0), 1000 * MS);
	/* the top of the range is d itself */
	int64_t d = 200 * MS, half = d / 2;
	uint32_t top = (uint32_t)(d - half);
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 2, top), d);
	/* attempt 0 behaves as 1 */
	assert_int_equal(backoff_delay(100 * MS, 2000 * MS, 0, 0), 50 * MS);
	/* max below base: max is raised to base */
	assert_int_equal(backoff_delay(100 * MS, 10 * MS, 3, 0), 50 * MS);
	/* nonsense base */
	assert_true(backoff_delay(0, 0, 1, 5) >= 0);
	/* no overflow near the top */
	int64_t big = (int64_t)1 << 61;
	assert_true(backoff_delay(big, INT64_MAX, 40, 0) <= INT64_MAX / 2 + 1);
}

static void test_bounds(void **state)
{
	uint64_t st = 12345;
	(void)state;
	for (unsigned a = 1; a < 20; a++)
		for (int k = 0; k < 200; k++) {
			int64_t v = backoff_delay(50 * MS, 1500 * MS, a, backoff_rand(&st));
			int64_t d = 50 * MS;
			for (unsigned i = 1; i < a && d < 1500 * MS; i++)
				d = d * 2 > 1500 * MS ? 1500 * MS : d * 2;
			assert_true(v >= d / 2 && v <= d);
		}
}

static void test_rand(void **state)
{
	uint64_t a = 1, b = 1, z = 0;
	(void)state;
	uint32_t x = backoff_rand(&a);
	assert_int_equal(x, backoff_rand(&b));          /* deterministic */
	assert_int_not_equal(backoff_rand(&a), x);      /* moves on */
	backoff_rand(&z);
	assert_int_not_equal(z, 0);                     /* zero seed escapes */
	/* spread: 1000 draws hit both halves of the range */
	uint64_t s = 99;
	int lo = 0, hi = 0;
	for (int i = 0; i < 1000; i++)
		if (backoff_rand(&s) < 0x80000000u)
			lo++;
		else
			hi++;
	assert_true(lo > 400 && hi > 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_rand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
