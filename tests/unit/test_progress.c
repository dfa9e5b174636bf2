/* Unit tests for lib/pure/progress: units, known and unknown totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "progress.h"

static void test_human(void **state)
{
	char b[32];
	(void)state;
	progress_human(b, sizeof b, 512);
	assert_string_equal(b, "512 B");
	progress_human(b, sizeof b, 1536);
	assert_string_equal(b, "1.5 KiB");
	progress_human(b, sizeof b, 3.0 * 1024 * 1024 * 1024);
	assert_string_equal(b, "3.0 GiB");
}

static void test_line(void **state)
{
	char b[160];
	(void)state;
	assert_true(progress_line(b, sizeof b, 512 * 1024, 1024 * 1024, 1.0) > 0);
	assert_string_equal(b, "\r 50% [==========          ]  512.0 KiB  512.0 KiB/s ETA 0:00:01 ");
	assert_true(progress_line(b, sizeof b, 2048, 0, 2.0) > 0);
	assert_string_equal(b, "\r   2.0 KiB    1.0 KiB/s ");
	assert_true(progress_line(b, sizeof b, 10, 5, 0) > 0);   /* more than announced */
	assert_true(strncmp(b, "\r100% [====================]", 28) == 0);
	assert_int_equal(progress_line(b, 10, 1, 2, 1.0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
