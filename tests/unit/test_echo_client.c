/* Unit tests for echo_client's pure helpers: payload pattern, stream
 * pattern, byte comparison, iputils RTT formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "echo_client.h"

static void test_pattern(void **state)
{
	(void)state;
	char a[64], b[64];
	echo_pattern_fill(a, sizeof a, 7);
	assert_memory_equal(a, "seq=7 seq=7 seq=7 ", 18);
	assert_int_equal(a[63], '\n');
	echo_pattern_fill(b, sizeof b, 7);
	assert_memory_equal(a, b, sizeof a);           /* deterministic */
	echo_pattern_fill(b, sizeof b, 8);
	assert_memory_not_equal(a, b, sizeof a);       /* carries the seq */
	echo_pattern_fill(b, 1, 123);
	assert_int_equal(b[0], 's');                   /* no '\n' when n < 2 */
	echo_pattern_fill(b, 2, 123);
	assert_memory_equal(b, "s\n", 2);
	char big[100];
	echo_pattern_fill(big, sizeof big, UINT64_MAX);
	assert_memory_equal(big, "seq=18446744073709551615 seq=", 29);
	echo_pattern_fill(big, 0, 1);                  /* n = 0: nothing */
}

static void test_stream_byte(void **state)
{
	(void)state;
	for (uint64_t k = 0; k < 5000; k++) {
		unsigned char c = echo_stream_byte(k);
		assert_true(c >= '!' && c <= '~');
		assert_int_equal(c, echo_stream_byte(k + ECHO_PATTERN_PERIOD));
	}
	/* a shift by less than the period changes the bytes: misordered or
	 * dropped data is detected */
	int same = 1;
	for (uint64_t k = 0; k < ECHO_PATTERN_PERIOD; k++)
		same &= echo_stream_byte(k) == echo_stream_byte(k + 64);
	assert_false(same);
}

static void test_first_diff(void **state)
{
	(void)state;
	static const struct { const char *a, *b; size_t n; long want; } t[] = {
		{ "", "", 0, -1 }, { "abc", "abc", 3, -1 }, { "abc", "abd", 3, 2 },
		{ "xbc", "abc", 3, 0 }, { "abcX", "abcY", 3, -1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(echo_first_diff(t[i].a, t[i].b, t[i].n), t[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_stream_byte),
		cmocka_unit_test(test_first_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
