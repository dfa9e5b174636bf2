/* Unit tests for sockdiag: a listener and a connection of the test's own
 * found through sock_diag (with tcp_info and skmeminfo when asked) and
 * through /proc/net/tcp, with the same inode; the state mask applied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockdiag.h"

struct found {
	uint16_t port;
	int n, listen, estab, info, mem;
	uint32_t inode;
};

static int cb(void *ctx, const struct diag_sock *s)
{
	struct found *f = ctx;
	if (s->family != AF_INET || s->sport != f->port)
		return 0;
	f->n++;
	if (s->state == TS_LISTEN) {
		f->listen++;
		f->inode = s->inode;
	}
	if (s->state == TS_ESTABLISHED)
		f->estab++;
	f->info += s->has_info;
	f->mem += s->has_mem;
	return 0;
}

static void test_dump(void **st)
{
	(void)st;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
	int s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	struct stat sb;
	fstat(l, &sb);

	struct sockdiag d;
	int e = sockdiag_init(&d, 1);
	if (e) {   /* no sock_diag here: /proc only */
		sockdiag_free(&d);
		assert_int_equal(sockdiag_init(&d, 0), 0);
	}
	struct sockdiag_query q = { .want4 = 1, .want6 = 1, .want_info = 1, .want_mem = 1 };
	struct found f = { .port = ntohs(a.sin_port) };
	if (!e) {
		assert_int_equal(sockdiag_dump(&d, &q, cb, &f), 0);
		assert_int_equal(f.listen, 1);
		assert_int_equal(f.estab, 1);      /* the accepted end */
		assert_int_equal(f.inode, (uint32_t)sb.st_ino);
		assert_int_equal(f.info, 2);
		assert_int_equal(f.mem, 2);
		/* the state mask goes to the kernel */
		memset(&f, 0, sizeof f);
		f.port = ntohs(a.sin_port);
		q.states = 1u << TS_LISTEN;
		q.want_info = q.want_mem = 0;
		assert_int_equal(sockdiag_dump(&d, &q, cb, &f), 0);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.info + f.mem, 0);
	}
	memset(&f, 0, sizeof f);
	f.port = ntohs(a.sin_port);
	q.states = 0;
	assert_int_equal(sockdiag_proc(&d, &q, cb, &f), 0);
	assert_int_equal(f.listen, 1);
	assert_int_equal(f.estab, 1);
	assert_int_equal(f.inode, (uint32_t)sb.st_ino);
	sockdiag_free(&d);
	close(s);
	close(c);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
