/* Unit tests for lib/json: escaping, UTF-8 validation, nesting, numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

/* {"s":<escaped n bytes of in>} must equal {"s":want} */
static void check_str(const char *in, size_t n, const char *want)
{
	struct json j;
	json_begin(&j);
	json_strn(&j, "s", in, n);
	char *got = json_take(&j);
	assert_non_null(got);
	char exp[512];
	snprintf(exp, sizeof exp, "{\"s\":%s}", want);
	if (strcmp(got, exp))
		fail_msg("got %s want %s", got, exp);
	free(got);
}
#define STR(lit, want) check_str(lit, sizeof(lit) - 1, want)

static void test_escaping(void **state)
{
	STR("", "\"\"");
	STR("plain text", "\"plain text\"");
	STR("a\"b", "\"a\\\"b\"");
	STR("a\\b", "\"a\\\\b\"");
	STR("/", "\"/\"");                       /* solidus not escaped */
	STR("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	STR("\x01\x1f", "\"\\u0001\\u001f\"");
	STR("\x00x", "\"\\u0000x\"");            /* embedded NUL */
	STR("\x7f", "\"\\u007f\"");              /* DEL */
	STR(" ~", "\" ~\"");
	/* valid multibyte kept as is */
	STR("\xc3\xa9", "\"\xc3\xa9\"");         /* é U+00E9 */
	STR("\xc2\x80", "\"\xc2\x80\"");         /* U+0080, lowest 2-byte */
	STR("\xdf\xbf", "\"\xdf\xbf\"");         /* U+07FF */
	STR("\xe0\xa0\x80", "\"\xe0\xa0\x80\""); /* U+0800 */
	STR("\xe2\x82\xac", "\"\xe2\x82\xac\""); /* € */
	STR("\xed\x9f\xbf", "\"\xed\x9f\xbf\""); /* U+D7FF */
	STR("\xee\x80\x80", "\"\xee\x80\x80\""); /* U+E000 */
	STR("\xef\xbf\xbf", "\"\xef\xbf\xbf\""); /* U+FFFF */
	STR("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");  /* U+10000 */
	STR("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");  /* emoji */
	STR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");  /* U+10FFFF */
	/* invalid: each bad byte becomes U+FFFD */
	STR("\xff", "\"\\ufffd\"");
	STR("\xfe", "\"\\ufffd\"");
	STR("\x80", "\"\\ufffd\"");                        /* lone continuation */
	STR("a\xbf" "b", "\"a\\ufffdb\"");
	STR("\xc3", "\"\\ufffd\"");                        /* truncated at end */
	STR("\xc3x", "\"\\ufffdx\"");                      /* bad continuation */
	STR("\xe2\x82", "\"\\ufffd\\ufffd\"");             /* truncated 3-byte */
	STR("\xc0\xaf", "\"\\ufffd\\ufffd\"");             /* overlong '/' */
	STR("\xc1\xbf", "\"\\ufffd\\ufffd\"");             /* overlong */
	STR("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");  /* overlong 3-byte */
	STR("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");  /* overlong U+07FF */
	STR("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	STR("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	STR("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");  /* surrogate D800 */
	STR("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");  /* surrogate DFFF */
	STR("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  /* > 10FFFF */
	STR("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* a bad byte does not swallow a following valid character */
	STR("\xe2\x82\xc3\xa9", "\"\\ufffd\\ufffd\xc3\xa9\"");
	STR("\xc3\"", "\"\\ufffd\\\"\"");
	/* keys are escaped too */
	struct json j;
	json_begin(&j);
	json_int(&j, "k\"\n\xff", 1);
	char *got = json_take(&j);
	assert_string_equal(got, "{\"k\\\"\\n\\ufffd\":1}");
	free(got);
	/* json_str stops at NUL; NULL is null */
	json_begin(&j);
	json_str(&j, "a", "x\0y");
	json_str(&j, "b", NULL);
	got = json_take(&j);
	assert_string_equal(got, "{\"a\":\"x\",\"b\":null}");
	free(got);
}

static void test_nesting(void **state)
{
	struct json j;
	json_begin(&j);
	char *got = json_take(&j);
	assert_string_equal(got, "{}");
	free(got);

	json_begin(&j);
	json_str(&j, "type", "reply");
	json_int(&j, "seq", -3);
	json_uint(&j, "n", UINT64_MAX);
	json_bool(&j, "t", 1);
	json_bool(&j, "f", 0);
	json_null(&j, "z");
	json_arr(&j, "a");
	json_int(&j, NULL, 1);
	json_str(&j, NULL, "two");
	json_obj(&j, NULL);
	json_int(&j, "x", 1);
	json_int(&j, "y", 2);
	json_close(&j);
	json_arr(&j, NULL);
	json_close(&j);
	json_obj(&j, NULL);
	json_close(&j);
	json_close(&j);
	json_obj(&j, "o");
	json_arr(&j, "inner");
	json_null(&j, NULL);
	json_close(&j);
	json_close(&j);
	json_int(&j, "last", INT64_MIN);
	got = json_take(&j);
	assert_string_equal(got,
		"{\"type\":\"reply\",\"seq\":-3,\"n\":18446744073709551615,"
		"\"t\":true,\"f\":false,\"z\":null,"
		"\"a\":[1,\"two\",{\"x\":1,\"y\":2},[],{}],"
		"\"o\":{\"inner\":[null]},\"last\":-9223372036854775808}");
	free(got);

	/* unclosed containers are closed by json_take; extra closes ignored */
	json_begin(&j);
	json_arr(&j, "a");
	json_obj(&j, NULL);
	json_arr(&j, "b");
	json_int(&j, NULL, 7);
	got = json_take(&j);
	assert_string_equal(got, "{\"a\":[{\"b\":[7]}]}");
	free(got);
	json_begin(&j);
	json_close(&j);
	json_close(&j);
	json_int(&j, "k", 1);
	got = json_take(&j);
	assert_string_equal(got, "{\"k\":1}");
	free(got);

	/* depth JSON_DEPTH-1 nested containers fit; one more fails */
	json_begin(&j);
	for (int i = 0; i < JSON_DEPTH - 1; i++)
		json_arr(&j, i ? NULL : "d");
	got = json_take(&j);
	assert_non_null(got);
	assert_string_equal(got, "{\"d\":[[[[[[[]]]]]]]}");
	free(got);
	json_begin(&j);
	for (int i = 0; i < JSON_DEPTH; i++)
		json_arr(&j, i ? NULL : "d");
	assert_null(json_take(&j));
}

static void test_double(void **state)
{
	static const struct { double v; int dec; const char *want; } t[] = {
		{ 0.0, 3, "0.000" },
		{ 1.5, 3, "1.500" },
		{ 0.0456, 3, "0.046" },
		{ 12.3456, 2, "12.35" },
		{ -2.5, 1, "-2.5" },
		{ 7.0, 0, "7" },
		{ 1234567.891, 3, "1234567.891" },
		{ 1e300, 3, NULL },          /* long but valid: checked below */
		{ -1e300, 0, NULL },
		{ -1.7976931348623157e308, 30, NULL },  /* -DBL_MAX, most digits */
		{ 0.5, 99, "0.500000000000000000000000000000" }, /* capped at 30 */
		{ 2.5, -3, "2" },                        /* negative: 0 decimals */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct json j;
		json_begin(&j);
		json_double(&j, "v", t[i].v, t[i].dec);
		char *got = json_take(&j);
		assert_non_null(got);
		if (t[i].want) {
			char exp[128];
			snprintf(exp, sizeof exp, "{\"v\":%s}", t[i].want);
			assert_string_equal(got, exp);
		} else {
			/* a number: digits, sign and point only, no truncation */
			char exp[512];
			snprintf(exp, sizeof exp, "{\"v\":%.*f}", t[i].dec, t[i].v);
			assert_string_equal(got, exp);
		}
		free(got);
	}
	struct json j;
	json_begin(&j);
	json_double(&j, "nan", NAN, 3);
	json_double(&j, "inf", INFINITY, 3);
	json_double(&j, "ninf", -INFINITY, 3);
	json_arr(&j, "a");
	json_double(&j, NULL, NAN, 1);
	json_double(&j, NULL, 0.25, 2);
	char *got = json_take(&j);
	assert_string_equal(got,
		"{\"nan\":null,\"inf\":null,\"ninf\":null,\"a\":[null,0.25]}");
	free(got);
}

static void test_end(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	struct json j;
	json_begin(&j);
	json_str(&j, "a", "b");
	assert_int_equal(json_end(&j, fp), 0);
	/* flushed per line: visible without fclose */
	assert_string_equal(buf, "{\"a\":\"b\"}\n");
	json_begin(&j);
	json_int(&j, "n", 2);
	assert_int_equal(json_end(&j, fp), 0);
	fclose(fp);
	assert_string_equal(buf, "{\"a\":\"b\"}\n{\"n\":2}\n");
	free(buf);

	/* big strings grow the buffer */
	size_t n = 100000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '"', n);
	big[n] = 0;
	json_begin(&j);
	json_str(&j, "big", big);
	char *got = json_take(&j);
	assert_non_null(got);
	assert_int_equal(strlen(got), 2 * n + 10);
	free(got);
	free(big);
}

static void test_start_line(void **state)
{
	struct json j;
	(void)state;
	json_start(&j, "tcp-echo");
	json_str(&j, "target", "x");
	char *got = json_take(&j);
	assert_string_equal(got, "{\"type\":\"start\",\"schema\":1,"
	                         "\"applet\":\"tcp-echo\",\"target\":\"x\"}");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_line),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
