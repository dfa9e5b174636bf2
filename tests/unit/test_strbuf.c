/* Unit tests for lib/strbuf: appends, truncation counted like snprintf,
 * always NUL-terminated, a zero-sized buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static void test_append(void **st)
{
	(void)st;
	char buf[16];
	struct strbuf o = sb_init(buf, sizeof buf);
	assert_string_equal(buf, "");
	sb_printf(&o, "%s=%d", "rtt", 12);
	sb_printf(&o, " %.3f", 0.5);
	assert_int_equal(sb_done(&o), 12);
	assert_string_equal(buf, "rtt=12 0.500");
}

static void test_truncation(void **st)
{
	(void)st;
	char buf[8];
	memset(buf, 'x', sizeof buf);
	struct strbuf o = sb_init(buf, sizeof buf);
	sb_printf(&o, "%s", "abcdef");
	sb_printf(&o, "%s", "ghij");        /* crosses the end */
	sb_printf(&o, "%s", "klm");         /* nothing fits: only counted */
	assert_int_equal(sb_done(&o), 13);  /* what was wanted, as snprintf */
	assert_string_equal(buf, "abcdefg");
	/* nothing written into a zero-sized buffer, the length still counted */
	char one = 'q';
	struct strbuf z = sb_init(&one, 0);
	sb_printf(&z, "%d", 12345);
	assert_int_equal(sb_done(&z), 5);
	assert_int_equal(one, 'q');
}

static void test_grow(void **st)
{
	(void)st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	assert_int_equal(sb_grow_append(&buf, &len, &cap, "abc", 3, 4), 0);
	assert_int_equal(cap, 4);
	assert_string_equal(buf, "abc");
	/* doubles as often as needed, always NUL-terminated */
	assert_int_equal(sb_grow_append(&buf, &len, &cap, "defghijklm", 10, 4), 0);
	assert_int_equal(len, 13);
	assert_int_equal(cap, 16);
	assert_string_equal(buf, "abcdefghijklm");
	assert_int_equal(sb_grow_append(&buf, &len, &cap, "", 0, 4), 0);
	assert_int_equal(len, 13);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
