/* Unit tests for lib/status_set: parsing, membership, formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "status_set.h"

static void test_parse(void **state)
{
	static const struct { const char *s; int ret; const char *canon; } t[] = {
		{ "200", 0, "200" },
		{ "200-299", 0, "200-299" },
		{ "200-299,301", 0, "200-299,301" },
		{ "100,599", 0, "100,599" },
		{ "204-204", 0, "204" },
		{ "", -EINVAL, NULL },
		{ "99", -EINVAL, NULL },
		{ "600", -EINVAL, NULL },
		{ "2000", -EINVAL, NULL },
		{ "299-200", -EINVAL, NULL },
		{ "200,", -EINVAL, NULL },
		{ ",200", -EINVAL, NULL },
		{ "200 ,301", -EINVAL, NULL },
		{ "200-", -EINVAL, NULL },
		{ "2xx", -EINVAL, NULL },
		{ "200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215", 0,
		  "200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215" },
		{ "200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216",
		  -EINVAL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct status_set s = { 0 };
		char buf[128];
		int r = status_set_parse(t[i].s, &s);
		assert_int_equal(r, t[i].ret);
		if (r == 0)
			assert_string_equal(status_set_format(&s, buf, sizeof buf), t[i].canon);
		else
			assert_int_equal(s.n, 0);   /* unchanged on error */
	}
	assert_int_equal(status_set_parse(NULL, &(struct status_set){ 0 }), -EINVAL);
}

static void test_has(void **state)
{
	struct status_set s;
	(void)state;
	assert_int_equal(status_set_parse("200-299,301,500-502", &s), 0);
	assert_true(status_set_has(&s, 200));
	assert_true(status_set_has(&s, 299));
	assert_true(status_set_has(&s, 301));
	assert_true(status_set_has(&s, 501));
	assert_false(status_set_has(&s, 199));
	assert_false(status_set_has(&s, 300));
	assert_false(status_set_has(&s, 302));
	assert_false(status_set_has(&s, 503));
	assert_false(status_set_has(&s, -1));
}

static void test_format_small(void **state)
{
	struct status_set s;
	char buf[8];
	(void)state;
	assert_int_equal(status_set_parse("200-299,301", &s), 0);
	status_set_format(&s, buf, sizeof buf);
	assert_string_equal(buf, "200-299");   /* whole elements only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_format_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
