/* Unit tests for lib/sys/resolve: numeric and /etc/hosts lookups through
 * the loop, cancellation, freeing with lookups outstanding.  Never asks a
 * name server: only literals and "localhost" (files in nsswitch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "clock.h"
#include "loop.h"
#include "resolve.h"

struct got {
	int calls;
	int err;
	int family;
	uint16_t port;
	struct resolver *free_me;
};

static void done(struct resolve_req *q, int err, struct addrinfo *res, void *ctx)
{
	struct got *g = ctx;
	(void)q;
	g->calls++;
	g->err = err;
	if (res) {
		g->family = res->ai_family;
		g->port = ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
		freeaddrinfo(res);
	}
	if (g->free_me)
		resolver_free(g->free_me);
}

static void run(struct loop *l, int *calls, int want)
{
	int64_t end = clock_mono_ns() + 5 * NS_PER_SEC;
	while (*calls < want && clock_mono_ns() < end)
		loop_once(l, end);
}

static void test_numeric(void **state)
{
	struct loop l;
	struct got g4 = { 0 }, g6 = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	struct resolver *rv = resolver_new(&l);
	assert_non_null(rv);
	assert_non_null(resolve_start(rv, "127.0.0.1", 8080, AF_UNSPEC, SOCK_STREAM, done, &g4));
	assert_non_null(resolve_start(rv, "::1", 80, AF_INET6, SOCK_STREAM, done, &g6));
	assert_int_equal(g4.calls, 0);   /* never from resolve_start */
	run(&l, &g6.calls, 1);
	run(&l, &g4.calls, 1);
	assert_int_equal(g4.calls, 1);
	assert_int_equal(g4.err, 0);
	assert_int_equal(g4.family, AF_INET);
	assert_int_equal(g4.port, 8080);
	assert_int_equal(g6.calls, 1);
	assert_int_equal(g6.family, AF_INET6);
	resolver_free(rv);
	loop_free(&l);
}

static void test_hosts_file(void **state)
{
	struct loop l;
	struct got g = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	struct resolver *rv = resolver_new(&l);
	assert_non_null(resolve_start(rv, "localhost", 1, AF_INET, SOCK_STREAM, done, &g));
	run(&l, &g.calls, 1);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, 0);
	assert_int_equal(g.family, AF_INET);
	resolver_free(rv);
	loop_free(&l);
}

static void test_family_mismatch(void **state)
{
	struct loop l;
	struct got g = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	struct resolver *rv = resolver_new(&l);
	assert_non_null(resolve_start(rv, "127.0.0.1", 1, AF_INET6, SOCK_STREAM, done, &g));
	run(&l, &g.calls, 1);
	assert_int_equal(g.calls, 1);
	assert_int_not_equal(g.err, 0);
	resolver_free(rv);
	loop_free(&l);
}

static void test_cancel(void **state)
{
	struct loop l;
	struct got a = { 0 }, b = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	struct resolver *rv = resolver_new(&l);
	struct resolve_req *qa = resolve_start(rv, "127.0.0.1", 1, AF_UNSPEC, SOCK_STREAM, done, &a);
	struct resolve_req *qb = resolve_start(rv, "localhost", 1, AF_UNSPEC, SOCK_STREAM, done, &b);
	assert_non_null(qa);
	assert_non_null(qb);
	resolve_cancel(qa);
	resolve_cancel(qb);
	int64_t end = clock_mono_ns() + 300 * NS_PER_MSEC;
	while (clock_mono_ns() < end)
		loop_once(&l, end);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	resolver_free(rv);
	loop_free(&l);
}

static void test_free_pending_and_from_callback(void **state)
{
	struct loop l;
	struct got a = { 0 }, b = { 0 };
	(void)state;
	assert_int_equal(loop_init(&l), 0);
	struct resolver *rv = resolver_new(&l);
	/* outstanding lookups at free: no callback, no leak (ASan checks) */
	assert_non_null(resolve_start(rv, "localhost", 1, AF_UNSPEC, SOCK_STREAM, done, &a));
	assert_non_null(resolve_start(rv, "::1", 1, AF_UNSPEC, SOCK_STREAM, done, &a));
	resolver_free(rv);
	assert_int_equal(a.calls, 0);
	/* a callback frees the resolver while another completion is queued */
	rv = resolver_new(&l);
	b.free_me = rv;
	assert_non_null(resolve_start(rv, "127.0.0.1", 1, AF_UNSPEC, SOCK_STREAM, done, &b));
	assert_non_null(resolve_start(rv, "127.0.0.2", 1, AF_UNSPEC, SOCK_STREAM, done, &b));
	run(&l, &b.calls, 1);
	int64_t end = clock_mono_ns() + 100 * NS_PER_MSEC;
	while (clock_mono_ns() < end)
		loop_once(&l, end);
	assert_int_equal(b.calls, 1);
	loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test(test_family_mismatch),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_free_pending_and_from_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
