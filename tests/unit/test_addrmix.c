/* Unit tests for lib/pure/addrmix: RFC 8305 §4 interleaving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "addrmix.h"

#define V4 2
#define V6 10

struct mix_case {
	size_t n;
	int family[8];
	size_t order[8];
};

static const struct mix_case cases[] = {
	{ 1, { V4 }, { 0 } },
	{ 2, { V6, V4 }, { 0, 1 } },
	{ 2, { V4, V6 }, { 0, 1 } },
	{ 5, { V6, V6, V6, V4, V4 }, { 0, 3, 1, 4, 2 } },
	{ 4, { V4, V4, V6, V6 }, { 0, 2, 1, 3 } },
	{ 3, { V4, V4, V4 }, { 0, 1, 2 } },
	{ 5, { V6, V4, V4, V4, V6 }, { 0, 1, 4, 2, 3 } },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t order[8] = { 0 };
		addrmix_interleave(cases[i].family, cases[i].n, order);
		for (size_t k = 0; k < cases[i].n; k++)
			assert_int_equal(order[k], cases[i].order[k]);
	}
}

static void test_empty(void **state)
{
	(void)state;
	addrmix_interleave(NULL, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
