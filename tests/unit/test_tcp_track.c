/* Unit tests for tcp_track: snapshots in, transitions out.  Scenarios are
 * tables of snapshots (sockets by cookie/state/ports) with the events each
 * must produce; plus destroy notifications, tuple mode (/proc) and a
 * 36,000-socket table to exercise growth and the sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_track.h"

#define MS 1000000LL

struct ev {
	uint64_t cookie;
	unsigned old_state, new_state;
	int64_t time_ns, dur_ns;
	int atleast, destroyed;
	uint16_t sport, dport;
};

struct rec {
	struct ev ev[128];
	size_t n;
};

static void rec_cb(void *ctx, const struct track_event *e)
{
	struct rec *r = ctx;
	assert_true(r->n < 128);
	r->ev[r->n++] = (struct ev){ e->sock->cookie, e->old_state, e->new_state,
	                             e->time_ns, e->dur_ns, e->dur_atleast,
	                             e->destroyed, e->sock->sport,
	                             e->sock->dport };
}

static struct diag_sock mk(uint64_t cookie, unsigned state, uint16_t sport,
                           uint16_t dport)
{
	struct diag_sock s;
	memset(&s, 0, sizeof s);
	s.family = AF_INET;
	s.cookie = cookie;
	s.state = (uint8_t)state;
	s.sport = sport;
	s.dport = dport;
	memcpy(s.src, "\x7f\0\0\x01", 4);
	memcpy(s.dst, "\x7f\0\0\x01", 4);
	return s;
}

static void poll_set(struct tcp_track *t, int64_t now, const struct diag_sock *s,
                     size_t n, struct rec *r)
{
	track_poll_begin(t, now);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(track_poll_sock(t, &s[i], rec_cb, r), 0);
	track_poll_end(t, rec_cb, r);
}

static void want_ev(const struct rec *r, size_t i, uint64_t cookie,
                    unsigned old, unsigned new, int64_t when, int64_t dur,
                    int atleast)
{
	assert_true(i < r->n);
	assert_int_equal(r->ev[i].cookie, cookie);
	assert_int_equal(r->ev[i].old_state, old);
	assert_int_equal(r->ev[i].new_state, new);
	assert_int_equal(r->ev[i].time_ns, when);
	assert_int_equal(r->ev[i].dur_ns, dur);
	assert_int_equal(r->ev[i].atleast, atleast);
}

/* A client connection's life seen at every state, from both ends. */
static void test_lifecycle(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	assert_int_equal(track_init(&t, 1), 0);

	struct diag_sock base[] = { mk(1, TS_LISTEN, 80, 0),
	                            mk(2, TS_ESTABLISHED, 80, 5000) };
	poll_set(&t, 0, base, 2, &r);
	assert_int_equal(r.n, 0);                 /* baseline is silent */
	assert_int_equal(track_count(&t), 2);

	/* Every state in turn for cookie 10 (active closer) and 11. */
	static const unsigned a[] = { TS_SYN_SENT, TS_ESTABLISHED, TS_FIN_WAIT1,
	                              TS_FIN_WAIT2, TS_TIME_WAIT };
	static const unsigned b[] = { TS_SYN_RECV, TS_ESTABLISHED, TS_CLOSE_WAIT,
	                              TS_LAST_ACK, TS_CLOSING };
	for (size_t k = 0; k < 5; k++) {
		struct diag_sock s[] = { base[0], base[1],
		                         mk(10, a[k], 6000, 80),
		                         mk(11, b[k], 80, 6001) };
		r.n = 0;
		poll_set(&t, (int64_t)(k + 1) * 100 * MS, s, 4, &r);
		assert_int_equal(r.n, 2);
		int64_t now = (int64_t)(k + 1) * 100 * MS;
		want_ev(&r, 0, 10, k ? a[k - 1] : TRACK_NEW, a[k], now,
		        k ? 100 * MS : -1, 0);
		want_ev(&r, 1, 11, k ? b[k - 1] : TRACK_NEW, b[k], now,
		        k ? 100 * MS : -1, 0);
	}
	/* baseline socket 2 changes: its time is a lower bound */
	struct diag_sock s2[] = { base[0], mk(2, TS_FIN_WAIT1, 80, 5000),
	                          mk(10, TS_TIME_WAIT, 6000, 80) };
	r.n = 0;
	poll_set(&t, 1000 * MS, s2, 3, &r);
	assert_int_equal(r.n, 2);
	want_ev(&r, 0, 2, TS_ESTABLISHED, TS_FIN_WAIT1, 1000 * MS, 1000 * MS, 1);
	want_ev(&r, 1, 11, TS_CLOSING, TRACK_CLOSED, 1000 * MS, 500 * MS, 0);
	assert_int_equal(r.ev[1].sport, 80);
	assert_int_equal(r.ev[1].dport, 6001);
	assert_int_equal(r.ev[1].destroyed, 0);

	/* unchanged snapshot: nothing */
	r.n = 0;
	poll_set(&t, 1100 * MS, s2, 3, &r);
	assert_int_equal(r.n, 0);
	/* everything vanishes */
	poll_set(&t, 1200 * MS, NULL, 0, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(track_count(&t), 0);
	track_free(&t);
}

/* An accepted connection: request sock (SYN-RECV, cookie 20) becomes a
 * full socket with a new cookie (21): one SYN-RECV -> ESTAB event. */
static void test_syn_recv_join(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	track_init(&t, 1);
	struct diag_sock l = mk(1, TS_LISTEN, 80, 0);
	poll_set(&t, 0, &l, 1, &r);

	struct diag_sock s1[] = { l, mk(20, TS_SYN_RECV, 80, 7000),
	                          mk(30, TS_SYN_RECV, 80, 7001) };
	poll_set(&t, 100 * MS, s1, 3, &r);
	assert_int_equal(r.n, 2);
	want_ev(&r, 0, 20, TRACK_NEW, TS_SYN_RECV, 100 * MS, -1, 0);

	r.n = 0;
	/* 21 continues 20; 30's child has a different peer port: no join */
	struct diag_sock s2[] = { l, mk(21, TS_ESTABLISHED, 80, 7000),
	                          mk(31, TS_ESTABLISHED, 80, 7002) };
	poll_set(&t, 250 * MS, s2, 3, &r);
	assert_int_equal(r.n, 3);
	want_ev(&r, 0, 21, TS_SYN_RECV, TS_ESTABLISHED, 250 * MS, 150 * MS, 0);
	want_ev(&r, 1, 31, TRACK_NEW, TS_ESTABLISHED, 250 * MS, -1, 0);
	want_ev(&r, 2, 30, TS_SYN_RECV, TRACK_CLOSED, 250 * MS, 150 * MS, 0);
	assert_int_equal(track_count(&t), 3);

	/* later changes of 21 are timed from the join */
	r.n = 0;
	struct diag_sock s3[] = { l, mk(21, TS_CLOSE_WAIT, 80, 7000),
	                          mk(31, TS_ESTABLISHED, 80, 7002) };
	poll_set(&t, 400 * MS, s3, 3, &r);
	assert_int_equal(r.n, 1);
	want_ev(&r, 0, 21, TS_ESTABLISHED, TS_CLOSE_WAIT, 400 * MS, 150 * MS, 0);

	/* a listener with the request's tuple is never joined */
	r.n = 0;
	struct diag_sock s4[] = { l, mk(40, TS_SYN_RECV, 81, 0) };
	poll_set(&t, 500 * MS, s4, 2, &r);
	r.n = 0;
	struct diag_sock s5[] = { l, mk(41, TS_LISTEN, 81, 0) };
	poll_set(&t, 600 * MS, s5, 2, &r);
	assert_int_equal(r.n, 2);
	want_ev(&r, 0, 41, TRACK_NEW, TS_LISTEN, 600 * MS, -1, 0);
	want_ev(&r, 1, 40, TS_SYN_RECV, TRACK_CLOSED, 600 * MS, 100 * MS, 0);
	track_free(&t);
}

static void test_destroy(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	track_init(&t, 1);
	struct diag_sock s0[] = { mk(1, TS_ESTABLISHED, 5000, 80),
	                          mk(2, TS_FIN_WAIT2, 5001, 80) };
	/* before the baseline, notifications are ignored */
	struct diag_sock early = mk(99, TS_CLOSE, 5999, 80);
	assert_int_equal(track_destroyed(&t, &early, 1), 0);
	poll_set(&t, 0, s0, 2, &r);
	assert_int_equal(track_count(&t), 2);

	/* 1 destroyed between snapshots: close timed by the notification */
	struct diag_sock d1 = mk(1, TS_CLOSE, 5000, 80);
	assert_int_equal(track_destroyed(&t, &d1, 40 * MS), 0);
	/* 2 destroyed as a full socket but alive as TIME-WAIT */
	struct diag_sock d2 = mk(2, TS_CLOSE, 5001, 80);
	track_destroyed(&t, &d2, 50 * MS);
	/* 3: lived and died between snapshots */
	struct diag_sock d3 = mk(3, TS_CLOSE, 5002, 80);
	track_destroyed(&t, &d3, 60 * MS);
	/* 4: died between snapshots, left a TIME-WAIT */
	struct diag_sock d4 = mk(4, TS_CLOSE, 5003, 80);
	track_destroyed(&t, &d4, 70 * MS);
	/* 6: died unseen; its TIME-WAIT shows up under a new cookie */
	struct diag_sock d6 = mk(6, TS_CLOSE, 5004, 80);
	track_destroyed(&t, &d6, 75 * MS);
	/* a never-bound socket: nothing to say */
	struct diag_sock d5 = mk(5, TS_CLOSE, 0, 0);
	track_destroyed(&t, &d5, 80 * MS);

	struct diag_sock s1[] = { mk(2, TS_TIME_WAIT, 5001, 80),
	                          mk(4, TS_TIME_WAIT, 5003, 80),
	                          mk(60, TS_TIME_WAIT, 5004, 80) };
	poll_set(&t, 100 * MS, s1, 3, &r);
	assert_int_equal(r.n, 5);
	want_ev(&r, 0, 2, TS_FIN_WAIT2, TS_TIME_WAIT, 100 * MS, 100 * MS, 1);
	want_ev(&r, 1, 4, TRACK_NEW, TS_TIME_WAIT, 100 * MS, -1, 0);
	want_ev(&r, 2, 60, TRACK_NEW, TS_TIME_WAIT, 100 * MS, -1, 0);
	/* sweep order is slot order: 1 then 3 */
	want_ev(&r, 3, 1, TS_ESTABLISHED, TRACK_CLOSED, 40 * MS, 40 * MS, 1);
	assert_int_equal(r.ev[3].destroyed, 1);
	want_ev(&r, 4, 3, TRACK_NEW, TRACK_CLOSED, 60 * MS, -1, 0);
	assert_int_equal(r.ev[4].destroyed, 1);
	assert_int_equal(r.ev[4].sport, 5002);
	assert_int_equal(track_count(&t), 3);

	/* a destroy flag is cleared by a later sighting */
	r.n = 0;
	struct diag_sock d2b = mk(2, TS_CLOSE, 5001, 80);
	track_destroyed(&t, &d2b, 150 * MS);
	poll_set(&t, 200 * MS, s1, 3, &r);
	assert_int_equal(r.n, 0);
	poll_set(&t, 300 * MS, NULL, 0, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[0].destroyed, 0);
	assert_int_equal(r.ev[0].time_ns, 300 * MS);
	track_free(&t);
}

/* The snapshot saw the socket gone before its destroy notification was
 * read: one close, not two. */
static void test_late_destroy(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	track_init(&t, 1);
	struct diag_sock a = mk(7, TS_ESTABLISHED, 5000, 80);
	poll_set(&t, 0, &a, 1, &r);
	poll_set(&t, 100 * MS, NULL, 0, &r);
	assert_int_equal(r.n, 1);
	want_ev(&r, 0, 7, TS_ESTABLISHED, TRACK_CLOSED, 100 * MS, 100 * MS, 1);
	assert_int_equal(track_count(&t), 0);
	struct diag_sock d = mk(7, TS_CLOSE, 5000, 80);
	assert_int_equal(track_destroyed(&t, &d, 120 * MS), 0);
	for (int i = 2; i < 8; i++)
		poll_set(&t, i * 100 * MS, NULL, 0, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(t.used, 0);      /* forgotten after a few polls */
	/* a cookie that comes back after a missed snapshot is new again */
	poll_set(&t, 800 * MS, &a, 1, &r);
	poll_set(&t, 900 * MS, NULL, 0, &r);
	poll_set(&t, 1000 * MS, &a, 1, &r);
	assert_int_equal(r.n, 4);
	want_ev(&r, 3, 7, TRACK_NEW, TS_ESTABLISHED, 1000 * MS, -1, 0);
	track_free(&t);
}

/* /proc has no cookies: the 4-tuple is the key. */
static void test_tuple_mode(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	track_init(&t, 0);
	/* two SO_REUSEPORT listeners: identical tuples */
	struct diag_sock s0[] = { mk(0, TS_LISTEN, 80, 0), mk(0, TS_LISTEN, 80, 0),
	                          mk(0, TS_SYN_RECV, 80, 7000) };
	poll_set(&t, 0, s0, 3, &r);
	assert_int_equal(track_count(&t), 3);
	struct diag_sock s1[] = { mk(0, TS_LISTEN, 80, 0),
	                          mk(0, TS_ESTABLISHED, 80, 7000),
	                          mk(0, TS_SYN_SENT, 5000, 80) };
	poll_set(&t, 100 * MS, s1, 3, &r);
	assert_int_equal(r.n, 3);
	want_ev(&r, 0, 0, TS_SYN_RECV, TS_ESTABLISHED, 100 * MS, 100 * MS, 1);
	want_ev(&r, 1, 0, TRACK_NEW, TS_SYN_SENT, 100 * MS, -1, 0);
	want_ev(&r, 2, 0, TS_LISTEN, TRACK_CLOSED, 100 * MS, 100 * MS, 1);
	assert_int_equal(r.ev[2].sport, 80);
	/* destroy notifications mean nothing without cookies */
	struct diag_sock d = mk(0, TS_CLOSE, 5000, 80);
	assert_int_equal(track_destroyed(&t, &d, 150 * MS), 0);
	r.n = 0;
	poll_set(&t, 200 * MS, s1, 3, &r);
	assert_int_equal(r.n, 0);
	track_free(&t);
}

static void test_ipv6_distinct(void **st)
{
	(void)st;
	struct tcp_track t;
	struct rec r = { .n = 0 };
	track_init(&t, 0);
	struct diag_sock a = mk(0, TS_ESTABLISHED, 80, 7000);
	struct diag_sock b = a;
	b.family = AF_INET6;
	memset(b.src, 0, 16);
	memset(b.dst, 0, 16);
	b.src[15] = b.dst[15] = 1;
	struct diag_sock s0[] = { a, b };
	poll_set(&t, 0, s0, 2, &r);
	struct diag_sock s1[] = { a };
	poll_set(&t, 100 * MS, s1, 1, &r);
	assert_int_equal(r.n, 1);
	want_ev(&r, 0, 0, TS_ESTABLISHED, TRACK_CLOSED, 100 * MS, 100 * MS, 1);
	track_free(&t);
}

static size_t n_events;
static size_t n_by_kind[3];

static void count_cb(void *ctx, const struct track_event *e)
{
	(void)ctx;
	n_events++;
	if (e->old_state == TRACK_NEW)
		n_by_kind[0]++;
	else if (e->new_state == TRACK_CLOSED)
		n_by_kind[2]++;
	else
		n_by_kind[1]++;
}

static void scale_poll(struct tcp_track *t, int64_t now, size_t n, size_t first,
                       unsigned state_odd)
{
	track_poll_begin(t, now);
	for (size_t i = first; i < first + n; i++) {
		struct diag_sock s = mk(i + 1, (i & 1) ? state_odd : TS_ESTABLISHED,
		                        (uint16_t)(10000 + i % 50000),
		                        (uint16_t)(i / 50000 + 1));
		s.src[3] = (uint8_t)(i >> 8);
		assert_int_equal(track_poll_sock(t, &s, count_cb, NULL), 0);
	}
	track_poll_end(t, count_cb, NULL);
}

static void test_scale(void **st)
{
	(void)st;
	for (int by_cookie = 0; by_cookie <= 1; by_cookie++) {
		struct tcp_track t;
		track_init(&t, by_cookie);
		n_events = 0;
		memset(n_by_kind, 0, sizeof n_by_kind);
		scale_poll(&t, 0, 36000, 0, TS_ESTABLISHED);
		assert_int_equal(track_count(&t), 36000);
		assert_int_equal(n_events, 0);
		scale_poll(&t, 1, 36000, 0, TS_ESTABLISHED);
		assert_int_equal(n_events, 0);
		/* half change state */
		scale_poll(&t, 2, 36000, 0, TS_TIME_WAIT);
		assert_int_equal(n_by_kind[1], 18000);
		/* shift the window: 6000 vanish, 6000 appear */
		scale_poll(&t, 3, 36000, 6000, TS_TIME_WAIT);
		assert_int_equal(n_by_kind[0], 6000);
		assert_int_equal(n_by_kind[2], 6000);
		assert_int_equal(track_count(&t), 36000);
		track_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_syn_recv_join),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_late_destroy),
		cmocka_unit_test(test_tuple_mode),
		cmocka_unit_test(test_ipv6_distinct),
		cmocka_unit_test(test_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
