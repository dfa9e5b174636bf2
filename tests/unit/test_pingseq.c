/* Unit tests for lib/pingseq: numbering from 1, 16-bit wrap, the
 * duplicate bitmap across the wrap, iputils' in-flight and pipe counts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "pingseq.h"

static void test_numbering_and_wrap(void **st)
{
	struct pingseq *s = calloc(1, sizeof *s);
	(void)st;
	assert_non_null(s);
	pingseq_init(s);
	assert_int_equal(pingseq_next(s), 1);
	assert_int_equal(pingseq_last(s), 1);
	for (uint32_t i = 2; i <= 65535; i++)
		assert_int_equal(pingseq_next(s), i);
	assert_int_equal(pingseq_next(s), 0);      /* 65536th probe */
	assert_int_equal(pingseq_next(s), 1);
	assert_int_equal(s->transmitted, 65537);
	free(s);
}

static void test_duplicates(void **st)
{
	struct pingseq *s = calloc(1, sizeof *s);
	(void)st;
	assert_non_null(s);
	pingseq_init(s);
	uint16_t a = pingseq_next(s);
	assert_int_equal(pingseq_mark(s, a), 0);
	assert_int_equal(pingseq_mark(s, a), 1);   /* DUP! */
	assert_true(pingseq_seen(s, a));
	/* every number once, across the wrap: no false duplicates */
	for (uint32_t i = 0; i < 70000; i++) {
		uint16_t q = pingseq_next(s);
		assert_int_equal(pingseq_mark(s, q), 0);
	}
	/* reusing a number after the wrap clears its bit */
	uint16_t q = pingseq_next(s);
	assert_false(pingseq_seen(s, q));
	free(s);
}

static void test_in_flight_and_pipe(void **st)
{
	struct pingseq *s = calloc(1, sizeof *s);
	(void)st;
	assert_non_null(s);
	pingseq_init(s);
	assert_int_equal(pingseq_in_flight(s), 0);
	pingseq_next(s);
	pingseq_next(s);
	pingseq_next(s);
	assert_int_equal(pingseq_in_flight(s), 3);
	pingseq_ack(s, 1);
	assert_int_equal(s->pipe, 3);
	assert_int_equal(pingseq_in_flight(s), 2);
	pingseq_ack(s, 3);
	assert_int_equal(pingseq_in_flight(s), 0);
	pingseq_ack(s, 2);                         /* late: acked stays 3 */
	assert_int_equal(s->acked, 3);
	pingseq_ack(s, 9);                         /* never sent: ignored */
	assert_int_equal(s->acked, 3);
	assert_int_equal(s->pipe, 3);
	/* in flight across the 16-bit wrap */
	s->transmitted = 65535;
	s->acked = 65535;
	pingseq_next(s);                           /* 0 */
	pingseq_next(s);                           /* 1 */
	assert_int_equal(pingseq_in_flight(s), 2);
	pingseq_ack(s, 0);
	assert_int_equal(pingseq_in_flight(s), 1);
	pingseq_ack(s, 1);
	assert_int_equal(pingseq_in_flight(s), 0);
	free(s);
}

/* Only numbers of probes actually sent are ours: a forged or stray reply
 * "from the future" (or before the first probe) is not. */
static void test_was_sent(void **st)
{
	struct pingseq s;
	pingseq_init(&s);
	assert_false(pingseq_was_sent(&s, 1));      /* nothing sent yet */
	for (int i = 0; i < 5; i++)
		pingseq_next(&s);                   /* 1..5 */
	assert_true(pingseq_was_sent(&s, 1));
	assert_true(pingseq_was_sent(&s, 5));
	assert_false(pingseq_was_sent(&s, 0));
	assert_false(pingseq_was_sent(&s, 6));
	assert_false(pingseq_was_sent(&s, 1005));
	assert_false(pingseq_was_sent(&s, 65535));
	/* past the wrap every number has been used */
	while (s.transmitted < 70000)
		pingseq_next(&s);
	for (unsigned q = 0; q < 65536; q += 4099)
		assert_true(pingseq_was_sent(&s, (uint16_t)q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering_and_wrap),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_in_flight_and_pipe),
		cmocka_unit_test(test_was_sent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
