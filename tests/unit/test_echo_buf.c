/* Unit tests for echo_buf: the pending-output logic of the echo engine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_buf.h"

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static void test_idle_owns_nothing(void **state)
{
	(void)state;
	struct echo_buf b = { 0 };
	size_t n;
	assert_true(sizeof b <= 16);
	assert_null(echo_buf_peek(&b, &n));
	assert_int_equal(n, 0);
	assert_int_equal(echo_buf_append(&b, "x", 0), 0);
	assert_null(b.data);
	assert_int_equal(echo_buf_append(&b, "abc", 3), 0);
	assert_non_null(b.data);
	echo_buf_consume(&b, 1);
	const char *p = echo_buf_peek(&b, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "bc", 2);
	echo_buf_consume(&b, 2);
	assert_null(b.data);              /* drained: memory released */
	assert_int_equal(echo_buf_len(&b), 0);
}

/* Feed a stream split at every offset, drain with a different split:
 * the bytes come out identical, in order. */
static void test_split_every_offset(void **state)
{
	(void)state;
	enum { N = 3000 };
	static unsigned char in[N], out[N];
	fill(in, N, 1);
	for (size_t cut = 0; cut <= N; cut += 7) {
		struct echo_buf b = { 0 };
		size_t got = 0, n;
		assert_int_equal(echo_buf_append(&b, in, cut), 0);
		/* drain a little, then append the rest: exercises compaction */
		const char *p = echo_buf_peek(&b, &n);
		size_t take = n / 3;
		if (take) {
			memcpy(out, p, take);
			echo_buf_consume(&b, take);
			got = take;
		}
		assert_int_equal(echo_buf_append(&b, in + cut, N - cut), 0);
		while ((p = echo_buf_peek(&b, &n)) != NULL) {
			size_t k = n < 513 ? n : 513;
			memcpy(out + got, p, k);
			got += k;
			echo_buf_consume(&b, k);
		}
		assert_int_equal(got, N);
		assert_memory_equal(in, out, N);
		assert_null(b.data);
	}
}

/* Random interleaving of appends and partial sends against a model. */
static void test_random_model(void **state)
{
	(void)state;
	enum { TOTAL = 1 << 20 };
	unsigned char *src = malloc(TOTAL), *dst = malloc(TOTAL);
	assert_non_null(src);
	assert_non_null(dst);
	fill(src, TOTAL, 9);
	srand(12345);
	struct echo_buf b = { 0 };
	size_t in = 0, out = 0;
	while (out < TOTAL) {
		if (in < TOTAL && (rand() & 1)) {
			size_t n = (size_t)rand() % 70000;
			if (n > TOTAL - in)
				n = TOTAL - in;
			assert_int_equal(echo_buf_append(&b, src + in, n), 0);
			in += n;
		} else {
			size_t n;
			const char *p = echo_buf_peek(&b, &n);
			if (!p)
				continue;
			size_t k = (size_t)rand() % (n + 1);
			memcpy(dst + out, p, k);
			out += k;
			echo_buf_consume(&b, k);
		}
		assert_int_equal(echo_buf_len(&b), in - out);
		assert_true((b.data == NULL) == (in == out));
	}
	assert_memory_equal(src, dst, TOTAL);
	free(src);
	free(dst);
}

static void test_backpressure_bound(void **state)
{
	(void)state;
	struct echo_buf b = { 0 };
	static char chunk[65536];
	assert_false(echo_buf_over(&b, 65536));
	assert_int_equal(echo_buf_append(&b, chunk, sizeof chunk), 0);
	assert_false(echo_buf_over(&b, 65536));
	assert_int_equal(echo_buf_append(&b, chunk, 1), 0);
	assert_true(echo_buf_over(&b, 65536));
	echo_buf_consume(&b, 2);
	assert_false(echo_buf_over(&b, 65536));
	echo_buf_free(&b);
	assert_null(b.data);
}

static void test_hard_cap(void **state)
{
	(void)state;
	struct echo_buf b = { 0 };
	char *big = calloc(1, ECHO_BUF_MAX);
	assert_non_null(big);
	assert_int_equal(echo_buf_append(&b, big, ECHO_BUF_MAX), 0);
	assert_int_equal(echo_buf_append(&b, big, 1), -E2BIG);
	assert_int_equal(echo_buf_len(&b), ECHO_BUF_MAX);   /* unchanged */
	assert_int_equal(echo_buf_push_rec(&b, big, 0), -E2BIG);
	echo_buf_free(&b);
	assert_int_equal(echo_buf_push_rec(&b, big, ECHO_BUF_MAX), -E2BIG);
	assert_null(b.data);
	free(big);
}

/* Records keep their boundaries, including empty ones. */
static void test_records(void **state)
{
	(void)state;
	static const struct { const char *s; size_t n; } recs[] = {
		{ "hello", 5 }, { "", 0 }, { "x", 1 }, { "0123456789abcdef", 16 },
	};
	enum { R = sizeof recs / sizeof recs[0] };
	struct echo_buf b = { 0 };
	size_t n;
	assert_null(echo_buf_peek_rec(&b, &n));
	echo_buf_pop_rec(&b);                    /* no-op when empty */
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < R; i++)
			assert_int_equal(echo_buf_push_rec(&b, recs[i].s, recs[i].n), 0);
		for (int i = 0; i < R; i++) {
			const char *p = echo_buf_peek_rec(&b, &n);
			assert_non_null(p);
			assert_int_equal(n, recs[i].n);
			if (n)
				assert_memory_equal(p, recs[i].s, n);
			echo_buf_pop_rec(&b);
		}
		assert_null(b.data);
	}
	/* interleaved push/pop with growing sizes: compaction + realloc */
	static unsigned char big[200000];
	fill(big, sizeof big, 3);
	size_t pushed = 0, popped = 0;
	size_t sizes[] = { 100, 70000, 3, 150000, 0, 4096, 99999 };
	enum { S = sizeof sizes / sizeof sizes[0] };
	for (int k = 0; k < 50; k++) {
		assert_int_equal(echo_buf_push_rec(&b, big, sizes[pushed++ % S]), 0);
		if (k % 3 == 2) {
			const char *p = echo_buf_peek_rec(&b, &n);
			assert_int_equal(n, sizes[popped++ % S]);
			if (n)
				assert_memory_equal(p, big, n);
			echo_buf_pop_rec(&b);
		}
	}
	while (echo_buf_peek_rec(&b, &n)) {
		assert_int_equal(n, sizes[popped++ % S]);
		echo_buf_pop_rec(&b);
	}
	assert_int_equal(pushed, popped);
	assert_null(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_owns_nothing),
		cmocka_unit_test(test_split_every_offset),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_backpressure_bound),
		cmocka_unit_test(test_hard_cap),
		cmocka_unit_test(test_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
