/* Unit tests for lib/num: integers, durations, fixed point, sizes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "num.h"

#define SEC 1000000000LL

struct u64_case { const char *s; uint64_t min, max; int ret; uint64_t v; };

static void test_u64(void **state)
{
	static const struct u64_case t[] = {
		{ "0", 0, UINT64_MAX, 0, 0 },
		{ "42", 0, UINT64_MAX, 0, 42 },
		{ "007", 0, UINT64_MAX, 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
		{ "18446744073709551620", 0, UINT64_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
		{ "65535", 1, 65535, 0, 65535 },
		{ "65536", 1, 65535, -ERANGE, 0 },
		{ "0", 1, 65535, -ERANGE, 0 },
		{ "", 0, 10, -EINVAL, 0 },
		{ "-1", 0, 10, -EINVAL, 0 },
		{ "+1", 0, 10, -EINVAL, 0 },
		{ " 1", 0, 10, -EINVAL, 0 },
		{ "1 ", 0, 10, -EINVAL, 0 },
		{ "1x", 0, 10, -EINVAL, 0 },
		{ "0x10", 0, 100, -EINVAL, 0 },
		{ "1.0", 0, 10, -EINVAL, 0 },
		{ "1e3", 0, 10000, -EINVAL, 0 },
		{ "abc", 0, 10, -EINVAL, 0 },
		/* garbage wins over overflow: it is a syntax error */
		{ "99999999999999999999999x", 0, UINT64_MAX, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 12345;
		int r = num_parse_u64(t[i].s, t[i].min, t[i].max, &v);
		if (r != t[i].ret)
			fail_msg("u64 '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0)
			assert_true(v == t[i].v);
		else
			assert_true(v == 12345); /* untouched on error */
	}
	uint64_t v;
	assert_int_equal(num_parse_u64(NULL, 0, 1, &v), -EINVAL);
}

struct i64_case { const char *s; int64_t min, max; int ret; int64_t v; };

static void test_i64(void **state)
{
	static const struct i64_case t[] = {
		{ "0", INT64_MIN, INT64_MAX, 0, 0 },
		{ "-0", INT64_MIN, INT64_MAX, 0, 0 },
		{ "+5", INT64_MIN, INT64_MAX, 0, 5 },
		{ "-5", INT64_MIN, INT64_MAX, 0, -5 },
		{ "9223372036854775807", INT64_MIN, INT64_MAX, 0, INT64_MAX },
		{ "9223372036854775808", INT64_MIN, INT64_MAX, -ERANGE, 0 },
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN },
		{ "-9223372036854775809", INT64_MIN, INT64_MAX, -ERANGE, 0 },
		{ "-18446744073709551616", INT64_MIN, INT64_MAX, -ERANGE, 0 },
		{ "-11", -10, 10, -ERANGE, 0 },
		{ "11", -10, 10, -ERANGE, 0 },
		{ "-10", -10, 10, 0, -10 },
		{ "", -10, 10, -EINVAL, 0 },
		{ "-", -10, 10, -EINVAL, 0 },
		{ "+", -10, 10, -EINVAL, 0 },
		{ "--1", -10, 10, -EINVAL, 0 },
		{ "+-1", -10, 10, -EINVAL, 0 },
		{ "- 1", -10, 10, -EINVAL, 0 },
		{ "1-", -10, 10, -EINVAL, 0 },
		{ "3.", -10, 10, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = 777;
		int r = num_parse_i64(t[i].s, t[i].min, t[i].max, &v);
		if (r != t[i].ret)
			fail_msg("i64 '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0)
			assert_true(v == t[i].v);
		else
			assert_true(v == 777);
	}
}

struct dur_case { const char *s; int64_t unit; int ret; int64_t ns; };

static void test_dur(void **state)
{
	static const struct dur_case t[] = {
		{ "0.2", SEC, 0, 200000000 },
		{ "200ms", SEC, 0, 200000000 },
		{ "5s", SEC, 0, 5 * SEC },
		{ "1m", SEC, 0, 60 * SEC },
		{ "2h", SEC, 0, 7200 * SEC },
		{ "100us", SEC, 0, 100000 },
		{ "7ns", SEC, 0, 7 },
		{ "1.5", SEC, 0, 1500000000 },
		{ "1.5m", SEC, 0, 90 * SEC },
		{ "0.5ms", SEC, 0, 500000 },
		{ ".25", SEC, 0, 250000000 },
		{ "3.", SEC, 0, 3 * SEC },
		{ "0", SEC, 0, 0 },
		{ "0.000000001", SEC, 0, 1 },
		{ "0.0000000019", SEC, 0, 1 },      /* below 1 ns truncated */
		{ "1.999999999999", SEC, 0, 1999999999 },
		{ "250", 1000000, 0, 250000000 },   /* default unit: ms */
		{ "1.5", 1000000, 0, 1500000 },
		{ "4611686018427387904ns", SEC, 0, 4611686018427387904LL },
		{ "4611686018427387905ns", SEC, -ERANGE, 0 },
		{ "4611686019", SEC, -ERANGE, 0 },  /* > 2^62 ns */
		{ "4611686018", SEC, 0, 4611686018 * SEC },
		{ "99999999999999999999999", SEC, -ERANGE, 0 },
		{ "", SEC, -EINVAL, 0 },
		{ "s", SEC, -EINVAL, 0 },
		{ "ms", SEC, -EINVAL, 0 },
		{ ".", SEC, -EINVAL, 0 },
		{ ".s", SEC, -EINVAL, 0 },
		{ "-1", SEC, -EINVAL, 0 },
		{ "-1s", SEC, -EINVAL, 0 },
		{ "+1s", SEC, -EINVAL, 0 },
		{ "5S", SEC, -EINVAL, 0 },
		{ "5 s", SEC, -EINVAL, 0 },
		{ " 5s", SEC, -EINVAL, 0 },
		{ "5sec", SEC, -EINVAL, 0 },
		{ "5x", SEC, -EINVAL, 0 },
		{ "5d", SEC, -EINVAL, 0 },
		{ "5mss", SEC, -EINVAL, 0 },
		{ "1e3", SEC, -EINVAL, 0 },
		{ "1.5e0", SEC, -EINVAL, 0 },
		{ "1..5", SEC, -EINVAL, 0 },
		{ "1.2.3", SEC, -EINVAL, 0 },
		{ "0x10", SEC, -EINVAL, 0 },
		{ "1,5", SEC, -EINVAL, 0 },
		{ "5s5", SEC, -EINVAL, 0 },
		{ "12345678901234567890123456789012345678901234567890123456789012345ms",
		  SEC, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t ns = -42;
		int r = dur_parse(t[i].s, t[i].unit, &ns);
		if (r != t[i].ret)
			fail_msg("dur '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0 && ns != t[i].ns)
			fail_msg("dur '%s': got %lld want %lld", t[i].s,
			         (long long)ns, (long long)t[i].ns);
		if (r != 0)
			assert_true(ns == -42);
	}
	int64_t ns;
	assert_int_equal(dur_parse(NULL, SEC, &ns), -EINVAL);
	assert_int_equal(dur_parse("1", 0, &ns), -EINVAL);
	assert_int_equal(dur_parse("1", -5, &ns), -EINVAL);
}

struct fixed_case { const char *s; int64_t scale, min, max; int ret; int64_t v; };

static void test_fixed(void **state)
{
	static const struct fixed_case t[] = {
		{ "0.5", 1000, 0, INT64_MAX, 0, 500 },
		{ "12", 1000, 0, INT64_MAX, 0, 12000 },
		{ "3.25", 1000, 0, INT64_MAX, 0, 3250 },
		{ "3.2567", 1000, 0, INT64_MAX, 0, 3256 },   /* truncated */
		{ "-3.25", 1000, INT64_MIN, INT64_MAX, 0, -3250 },
		{ "+3.25", 1000, INT64_MIN, INT64_MAX, 0, 3250 },
		{ "-0.001", 1000, INT64_MIN, INT64_MAX, 0, -1 },
		{ "-0.5", 1000, 0, INT64_MAX, -ERANGE, 0 },
		{ "1.5", 1, 0, INT64_MAX, 0, 1 },
		{ "0.5", 3, 0, INT64_MAX, 0, 1 },            /* 1.5 truncated */
		{ "2.5", 4, 0, INT64_MAX, 0, 10 },
		{ "9223372036854775.807", 1000, INT64_MIN, INT64_MAX, 0, INT64_MAX },
		{ "9223372036854775.808", 1000, INT64_MIN, INT64_MAX, -ERANGE, 0 },
		{ "18446744073709551616", 1, INT64_MIN, INT64_MAX, -ERANGE, 0 },
		{ "10.001", 1000, 0, 10000, -ERANGE, 0 },
		{ "10.000", 1000, 0, 10000, 0, 10000 },
		{ "", 1000, 0, 10, -EINVAL, 0 },
		{ ".", 1000, 0, 10, -EINVAL, 0 },
		{ "-", 1000, -10, 10, -EINVAL, 0 },
		{ "1.2.3", 1000, 0, 10000, -EINVAL, 0 },
		{ "1,5", 1000, 0, 10000, -EINVAL, 0 },
		{ "1e2", 1000, 0, 1000000, -EINVAL, 0 },
		{ " 1", 1000, 0, 10000, -EINVAL, 0 },
		{ "1 ", 1000, 0, 10000, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = 99;
		int r = num_parse_fixed(t[i].s, t[i].scale, t[i].min, t[i].max, &v);
		if (r != t[i].ret)
			fail_msg("fixed '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0 && v != t[i].v)
			fail_msg("fixed '%s': got %lld want %lld", t[i].s,
			         (long long)v, (long long)t[i].v);
	}
	int64_t v;
	assert_int_equal(num_parse_fixed("1", 0, 0, 10, &v), -EINVAL);
	assert_int_equal(num_parse_fixed(NULL, 10, 0, 10, &v), -EINVAL);
}

struct size_case { const char *s; uint64_t max; int ret; uint64_t v; };

static void test_size(void **state)
{
	static const struct size_case t[] = {
		{ "0", UINT64_MAX, 0, 0 },
		{ "512", UINT64_MAX, 0, 512 },
		{ "1k", UINT64_MAX, 0, 1024 },
		{ "1K", UINT64_MAX, 0, 1024 },
		{ "4m", UINT64_MAX, 0, 4ULL << 20 },
		{ "4M", UINT64_MAX, 0, 4ULL << 20 },
		{ "3g", UINT64_MAX, 0, 3ULL << 30 },
		{ "3G", UINT64_MAX, 0, 3ULL << 30 },
		{ "17179869183G", UINT64_MAX, 0, 17179869183ULL << 30 },
		{ "17179869184G", UINT64_MAX, -ERANGE, 0 },  /* 2^64 */
		{ "18014398509481984K", UINT64_MAX, -ERANGE, 0 },
		{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },
		{ "1024", 1024, 0, 1024 },
		{ "1k", 1024, 0, 1024 },
		{ "1025", 1024, -ERANGE, 0 },
		{ "2k", 1024, -ERANGE, 0 },
		{ "", UINT64_MAX, -EINVAL, 0 },
		{ "k", UINT64_MAX, -EINVAL, 0 },
		{ "1kk", UINT64_MAX, -EINVAL, 0 },
		{ "1kb", UINT64_MAX, -EINVAL, 0 },
		{ "1T", UINT64_MAX, -EINVAL, 0 },
		{ "1.5k", UINT64_MAX, -EINVAL, 0 },
		{ "-1", UINT64_MAX, -EINVAL, 0 },
		{ "-1k", UINT64_MAX, -EINVAL, 0 },
		{ " 1k", UINT64_MAX, -EINVAL, 0 },
		{ "1 k", UINT64_MAX, -EINVAL, 0 },
		{ "k1", UINT64_MAX, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 5;
		int r = num_parse_size(t[i].s, t[i].max, &v);
		if (r != t[i].ret)
			fail_msg("size '%s': got %d want %d", t[i].s, r, t[i].ret);
		if (r == 0 && v != t[i].v)
			fail_msg("size '%s': got %llu want %llu", t[i].s,
			         (unsigned long long)v, (unsigned long long)t[i].v);
	}
	uint64_t v;
	assert_int_equal(num_parse_size(NULL, 10, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_dur),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
