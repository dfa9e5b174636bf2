/* Unit tests for lib/seqtrack: synthetic send/arrival scripts. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seqtrack.h"

#define MS 1000000LL

/* One step of a script.  op: 's' send (want = expected seq), 'r' reply
 * (want = enum seq_kind, reo = expected reordered flag), 'f' fail (want =
 * return), 'x' expire at t with timeout `to` (want = return, seq = seq
 * expected when 1), 'A' expire all (want = count). */
struct step {
	char op;
	uint64_t seq;
	int64_t t;
	int want;
	int reo;
	int64_t to;
};

struct counts {
	uint64_t sent, received, dups, reordered, late, timeouts, failed,
	         evicted, unknown, pending, lost;
};

struct script {
	const char *name;
	size_t window;
	struct step steps[24];
	struct counts want;
};

static const struct script scripts[] = {
	{ "in order", 64,
	  { {'s',0,0,0,0,0}, {'s',0,10,1,0,0}, {'s',0,20,2,0,0},
	    {'r',0,5,SEQ_NEW,0,0}, {'r',1,15,SEQ_NEW,0,0}, {'r',2,25,SEQ_NEW,0,0},
	    {0,0,0,0,0,0} },
	  { 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ "half lost", 64,
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0}, {'s',0,2,2,0,0}, {'s',0,3,3,0,0},
	    {'r',0,5,SEQ_NEW,0,0}, {'r',2,6,SEQ_NEW,0,0},
	    {'x',1,100,1,0,50}, {'x',3,100,1,0,50}, {'x',0,100,0,0,50},
	    {0,0,0,0,0,0} },
	  { 4, 2, 0, 0, 0, 2, 0, 0, 0, 0, 2 } },
	{ "duplicates", 64,
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0},
	    {'r',0,2,SEQ_NEW,0,0}, {'r',0,3,SEQ_DUP,0,0}, {'r',1,4,SEQ_NEW,0,0},
	    {'r',0,5,SEQ_DUP,0,0}, {'r',1,6,SEQ_DUP,0,0},
	    {0,0,0,0,0,0} },
	  { 2, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ "reordered", 64,
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0}, {'s',0,2,2,0,0}, {'s',0,3,3,0,0},
	    {'s',0,4,4,0,0},
	    {'r',0,5,SEQ_NEW,0,0}, {'r',2,6,SEQ_NEW,0,0}, {'r',1,7,SEQ_NEW,1,0},
	    {'r',4,8,SEQ_NEW,0,0}, {'r',3,9,SEQ_NEW,1,0}, {'r',3,9,SEQ_DUP,0,0},
	    {0,0,0,0,0,0} },
	  { 5, 5, 1, 2, 0, 0, 0, 0, 0, 0, 0 } },
	{ "late reply", 64,
	  { {'s',0,0,0,0,0}, {'s',0,10,1,0,0},
	    {'x',0,9,0,0,10}, {'x',0,10,1,0,10},
	    {'r',1,12,SEQ_NEW,0,0}, {'r',0,30,SEQ_LATE,1,0}, {'r',0,31,SEQ_DUP,0,0},
	    {0,0,0,0,0,0} },
	  { 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0 } },
	{ "unknown seqs", 64,
	  { {'s',0,0,0,0,0}, {'r',1,1,SEQ_UNKNOWN,0,0},
	    {'r',UINT64_MAX,1,SEQ_UNKNOWN,0,0}, {'r',0,2,SEQ_NEW,0,0},
	    {0,0,0,0,0,0} },
	  { 1, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0 } },
	{ "window eviction", 3, /* rounded up to 4 */
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0}, {'s',0,2,2,0,0}, {'s',0,3,3,0,0},
	    {'s',0,4,4,0,0}, {'s',0,5,5,0,0},
	    {'r',0,6,SEQ_UNKNOWN,0,0}, {'r',1,6,SEQ_UNKNOWN,0,0},
	    {'r',2,6,SEQ_NEW,0,0}, {'r',5,7,SEQ_NEW,0,0},
	    {'x',3,100,1,0,10}, {'x',4,100,1,0,10}, {'x',0,100,0,0,10},
	    {0,0,0,0,0,0} },
	  { 6, 2, 0, 0, 0, 4, 0, 2, 2, 0, 4 } },
	{ "icmp failure", 64,
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0}, {'s',0,2,2,0,0},
	    {'f',1,2,1,0,0}, {'f',1,2,0,0,0}, {'f',7,2,0,0,0},
	    {'r',0,3,SEQ_NEW,0,0}, {'x',2,50,1,0,10}, {'f',2,50,0,0,0},
	    {0,0,0,0,0,0} },
	  { 3, 1, 0, 0, 0, 1, 1, 0, 0, 0, 2 } },
	{ "reply after failure", 64,
	  { {'s',0,0,0,0,0}, {'f',0,1,1,0,0}, {'r',0,2,SEQ_LATE,0,0},
	    {0,0,0,0,0,0} },
	  { 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 } },
	{ "interrupted run", 64,
	  { {'s',0,0,0,0,0}, {'s',0,1,1,0,0}, {'s',0,2,2,0,0},
	    {'r',1,3,SEQ_NEW,0,0}, {'A',0,3,2,0,0}, {'A',0,3,0,0,0},
	    {'r',2,4,SEQ_LATE,0,0},
	    {0,0,0,0,0,0} },
	  { 3, 2, 0, 0, 1, 2, 0, 0, 0, 0, 1 } },
};

static void run_script(const struct script *sc)
{
	struct seqtrack t;
	const struct step *st;
	uint64_t seq;

	assert_int_equal(seqtrack_init(&t, sc->window), 0);
	for (st = sc->steps; st->op; st++) {
		switch (st->op) {
		case 's':
			assert_int_equal(seqtrack_send(&t, st->t), (uint64_t)st->want);
			break;
		case 'r': {
			struct seq_arrival a = seqtrack_recv(&t, st->seq, st->t);

			if ((int)a.kind != st->want || a.reordered != st->reo)
				fail_msg("%s: step %td: kind %d reo %d, want %d %d",
				         sc->name, st - sc->steps, a.kind,
				         a.reordered, st->want, st->reo);
			break;
		}
		case 'f':
			assert_int_equal(seqtrack_fail(&t, st->seq), st->want);
			break;
		case 'x':
			seq = 999;
			assert_int_equal(seqtrack_expire(&t, st->t, st->to, &seq),
			                 st->want);
			if (st->want)
				assert_int_equal(seq, st->seq);
			break;
		case 'A':
			assert_int_equal(seqtrack_expire_all(&t), (uint64_t)st->want);
			break;
		default:
			fail();
		}
	}
	{
		struct counts got = { t.sent, t.received, t.dups, t.reordered,
		                      t.late, t.timeouts, t.failed, t.evicted,
		                      t.unknown, t.pending, seqtrack_lost(&t) };

		if (memcmp(&got, &sc->want, sizeof(got)) != 0)
			fail_msg("%s: counts sent %ju rx %ju dup %ju reo %ju late %ju "
			         "to %ju fail %ju evict %ju unk %ju pend %ju lost %ju",
			         sc->name, (uintmax_t)got.sent, (uintmax_t)got.received,
			         (uintmax_t)got.dups, (uintmax_t)got.reordered,
			         (uintmax_t)got.late, (uintmax_t)got.timeouts,
			         (uintmax_t)got.failed, (uintmax_t)got.evicted,
			         (uintmax_t)got.unknown, (uintmax_t)got.pending,
			         (uintmax_t)got.lost);
	}
	seqtrack_free(&t);
}

static void test_scripts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		run_script(&scripts[i]);
}

static void test_init_bounds(void **state)
{
	struct seqtrack t;

	(void)state;
	assert_int_equal(seqtrack_init(&t, 0), -EINVAL);
	assert_int_equal(seqtrack_init(&t, SEQTRACK_MAX_WINDOW + 1), -EINVAL);
	assert_int_equal(seqtrack_init(&t, 1), 0);
	assert_int_equal(t.mask, 0);
	/* window 1: every send evicts the previous pending probe */
	seqtrack_send(&t, 0);
	seqtrack_send(&t, 1);
	assert_int_equal(t.evicted, 1);
	assert_int_equal(seqtrack_recv(&t, 1, 2).kind, SEQ_NEW);
	seqtrack_free(&t);
	seqtrack_free(&t);  /* idempotent */
}

static void test_rtt_and_loss(void **state)
{
	struct seqtrack t;
	struct seq_arrival a;

	(void)state;
	assert_int_equal(seqtrack_init(&t, 16), 0);
	assert_true(seqtrack_loss_pct(&t) == 0.0);
	seqtrack_send(&t, 100 * MS);
	seqtrack_send(&t, 200 * MS);
	seqtrack_send(&t, 300 * MS);
	a = seqtrack_recv(&t, 1, 205 * MS);
	assert_int_equal(a.rtt_ns, 5 * MS);
	a = seqtrack_recv(&t, 1, 207 * MS);
	assert_int_equal(a.kind, SEQ_DUP);
	assert_int_equal(a.rtt_ns, 7 * MS);
	assert_int_equal(seqtrack_next_deadline(&t, 1000 * MS), 1100 * MS);
	assert_int_equal(seqtrack_expire(&t, 1099 * MS, 1000 * MS, NULL), 0);
	assert_int_equal(seqtrack_expire(&t, 1100 * MS, 1000 * MS, NULL), 1);
	/* seq 1 answered, so the next deadline is seq 2's */
	assert_int_equal(seqtrack_next_deadline(&t, 1000 * MS), 1300 * MS);
	assert_int_equal(seqtrack_expire_all(&t), 1);
	assert_int_equal(seqtrack_next_deadline(&t, 1000 * MS), -1);
	assert_int_equal(seqtrack_lost(&t), 2);
	assert_true(fabs(seqtrack_loss_pct(&t) - 200.0 / 3.0) < 1e-9);
	seqtrack_free(&t);
}

/* RFC 3550 section 6.4.1: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16 */
static void test_jitter(void **state)
{
	static const int64_t transit_ms[] = { 10, 12, 9, 15, 15, 11 };
	struct seqtrack t;
	double j = 0;
	size_t i, n = sizeof(transit_ms) / sizeof(transit_ms[0]);

	(void)state;
	assert_int_equal(seqtrack_init(&t, 16), 0);
	for (i = 0; i < n; i++)
		seqtrack_send(&t, (int64_t)i * 1000 * MS);
	assert_true(seqtrack_jitter_ns(&t) == 0.0);
	for (i = 0; i < n; i++) {
		seqtrack_recv(&t, i, (int64_t)i * 1000 * MS + transit_ms[i] * MS);
		if (i > 0) {
			double d = (double)(transit_ms[i] - transit_ms[i - 1]) * MS;

			j += (fabs(d) - j) / 16.0;
		}
		assert_true(fabs(seqtrack_jitter_ns(&t) - j) < 1e-6);
	}
	/* 2/16, then +(3-J)/16, ...: a hand-checked first step */
	assert_true(j > 0);
	seqtrack_free(&t);

	/* constant transit: no jitter; duplicates do not feed the estimate */
	assert_int_equal(seqtrack_init(&t, 16), 0);
	for (i = 0; i < 5; i++)
		seqtrack_send(&t, (int64_t)i * MS);
	for (i = 0; i < 5; i++) {
		seqtrack_recv(&t, i, (int64_t)i * MS + 3 * MS);
		seqtrack_recv(&t, i, (int64_t)i * MS + 90 * MS);   /* dup */
	}
	assert_true(seqtrack_jitter_ns(&t) == 0.0);
	seqtrack_free(&t);
}

static void test_jitter_first_step(void **state)
{
	struct seqtrack t;

	(void)state;
	assert_int_equal(seqtrack_init(&t, 4), 0);
	seqtrack_send(&t, 0);
	seqtrack_send(&t, 0);
	seqtrack_recv(&t, 0, 16 * MS);
	seqtrack_recv(&t, 1, 32 * MS);     /* D = 16 ms -> J = 1 ms */
	assert_true(fabs(seqtrack_jitter_ns(&t) - 1.0 * MS) < 1e-6);
	seqtrack_free(&t);
}

/* Long run: a window much smaller than the run, steady loss pattern. */
static void test_long_run(void **state)
{
	struct seqtrack t;
	uint64_t i, s, n = 100000;

	(void)state;
	assert_int_equal(seqtrack_init(&t, 256), 0);
	for (i = 0; i < n; i++) {
		s = seqtrack_send(&t, (int64_t)i * MS);
		assert_int_equal(s, i);
		if (i % 10 >= 3)
			seqtrack_recv(&t, i, (int64_t)i * MS + MS / 2);
		while (seqtrack_expire(&t, (int64_t)i * MS, 50 * MS, NULL))
			;
	}
	seqtrack_expire_all(&t);
	assert_int_equal(t.received, n * 7 / 10);
	assert_int_equal(t.pending, 0);
	assert_int_equal(t.timeouts, n * 3 / 10);
	assert_int_equal(t.evicted, 0);
	assert_true(fabs(seqtrack_loss_pct(&t) - 30.0) < 1e-9);
	seqtrack_free(&t);
}

static void test_probe_wire(void **state)
{
	unsigned char buf[64];
	struct probe_hdr h = { 0xdeadbeef, 0x0102030405060708ULL, -5 }, g;
	static const unsigned char want[PROBE_HDR] = {
		'S', 'B', 'U', 'E', 0xde, 0xad, 0xbe, 0xef,
		1, 2, 3, 4, 5, 6, 7, 8,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb };
	size_t len;

	(void)state;
	assert_int_equal(probe_encode(buf, sizeof(buf), &h), 64);
	assert_memory_equal(buf, want, PROBE_HDR);
	assert_int_equal(buf[63], 63);
	for (len = 0; len <= sizeof(buf); len++) {
		int r = probe_decode(buf, len, &g);

		if (len < PROBE_HDR) {
			assert_int_equal(r, -EINVAL);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(g.id, h.id);
		assert_int_equal(g.seq, h.seq);
		assert_int_equal(g.sent_ns, h.sent_ns);
	}
	assert_int_equal(probe_encode(buf, PROBE_HDR - 1, &h), -EINVAL);
	assert_int_equal(probe_encode(buf, PROBE_HDR, &h), PROBE_HDR);
	buf[0] = 'X';
	assert_int_equal(probe_decode(buf, PROBE_HDR, &g), -EINVAL);
	/* header-only rewrite keeps the padding */
	probe_encode(buf, sizeof(buf), &h);
	h.seq = 42;
	probe_encode_hdr(buf, &h);
	assert_int_equal(probe_decode(buf, sizeof(buf), &g), 0);
	assert_int_equal(g.seq, 42);
	assert_int_equal(buf[40], 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_rtt_and_loss),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_jitter_first_step),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_probe_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
