/* Unit tests for lib/sys/pingsock: the IP option buffers byte by byte, and
 * the set-up steps on loopback (a raw socket as root, else the datagram
 * socket when ping_group_range allows it, else the permission error). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "pingsock.h"

static void test_ipopts_rr(void **state)
{
	uint8_t b[40];
	(void)state;
	assert_int_equal(pingsock_ipopts(b, 1, PINGSOCK_TS_NONE), 40);
	assert_int_equal(b[0], 1);     /* NOP */
	assert_int_equal(b[1], 7);     /* record route */
	assert_int_equal(b[2], 39);    /* length: nine slots */
	assert_int_equal(b[3], 4);     /* pointer to the first slot */
	for (int i = 4; i < 40; i++)
		assert_int_equal(b[i], 0);
}

static void test_ipopts_ts(void **state)
{
	uint8_t b[40];
	(void)state;
	assert_int_equal(pingsock_ipopts(b, 0, PINGSOCK_TS_TSONLY), 40);
	assert_memory_equal(b, "\x44\x28\x05\x00", 4);
	assert_int_equal(pingsock_ipopts(b, 0, PINGSOCK_TS_TSANDADDR), 36);
	assert_memory_equal(b, "\x44\x24\x05\x01", 4);
	assert_int_equal(pingsock_ipopts(b, 0, PINGSOCK_TS_PRESPEC), 4);
	assert_memory_equal(b, "\x44\x04\x05\x03", 4);
	assert_int_equal(pingsock_ipopts(b, 0, PINGSOCK_TS_NONE), 0);
}

static void cfg_loopback(struct pingsock_cfg *c, const char *ip)
{
	struct sockaddr_in *d = (struct sockaddr_in *)&c->dst;

	memset(c, 0, sizeof *c);
	d->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &d->sin_addr);
	c->dstlen = sizeof *d;
	c->ttl = -1;
	c->pmtudisc = PINGSOCK_PMTU_UNSET;
	c->ts = PINGSOCK_TS_NONE;
	c->ident = -1;
	c->datalen = 56;
	c->preload = 1;
}

/* Open, or skip when this process may have no ICMP socket at all. */
static int open_or_skip(struct pingsock *s, struct pingsock_cfg *c)
{
	struct pingsock_err e;
	memset(&e, 0, sizeof e);
	if (pingsock_open(s, c, &e) < 0) {
		assert_int_equal(e.exit_code, 2);
		assert_string_equal(e.code, "permission");
		assert_non_null(strstr(e.msg, "ping_group_range"));
		return -1;
	}
	return 0;
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof v;
	getsockopt(fd, level, name, &v, &l);
	return v;
}

static void test_setup_options(void **state)
{
	struct pingsock_cfg c;
	struct pingsock s;
	struct pingsock_err e;
	(void)state;

	cfg_loopback(&c, "127.0.0.1");
	if (open_or_skip(&s, &c) < 0)
		skip();
	assert_int_equal(s.raw, geteuid() == 0);
	memset(&e, 0, sizeof e);
	assert_int_equal(pingsock_source(&s, &c, &e), 0);
	assert_int_equal(s.have_src, 0);           /* no -I: not in the header */
	c.ttl = 7;
	c.tos = 0x10;
	c.pmtudisc = IP_PMTUDISC_DO;
	c.debug = geteuid() == 0;                  /* SO_DEBUG needs CAP_NET_ADMIN */
	c.rroute = 1;
	assert_int_equal(pingsock_configure(&s, &c, &e), 0);
	assert_int_equal(getint(s.fd, IPPROTO_IP, IP_TTL), 7);
	assert_int_equal(getint(s.fd, IPPROTO_IP, IP_TOS), 0x10);
	assert_int_equal(getint(s.fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DO);
	assert_int_equal(s.optlen, 40);
	if (c.debug)
		assert_int_equal(getint(s.fd, SOL_SOCKET, SO_DEBUG), 1);
	close(s.fd);
}

static void test_strict_source(void **state)
{
	struct pingsock_cfg c;
	struct pingsock s;
	struct pingsock_err e;
	struct sockaddr_in *src = (struct sockaddr_in *)&c.src;
	(void)state;

	cfg_loopback(&c, "127.0.0.1");
	src->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &src->sin_addr);
	c.strict_source = 1;
	if (open_or_skip(&s, &c) < 0)
		skip();
	memset(&e, 0, sizeof e);
	assert_int_equal(pingsock_source(&s, &c, &e), 0);
	assert_int_equal(pingsock_configure(&s, &c, &e), 0);
	assert_int_equal(s.have_src, 1);
	struct sockaddr_in b;
	socklen_t bl = sizeof b;
	assert_int_equal(getsockname(s.fd, (struct sockaddr *)&b, &bl), 0);
	assert_int_equal(b.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	close(s.fd);
}

/* The limited broadcast address: refused with iputils' text unless -b. */
static void test_broadcast_refusal(void **state)
{
	struct pingsock_cfg c;
	struct pingsock s;
	struct pingsock_err e;
	(void)state;

	cfg_loopback(&c, "255.255.255.255");
	if (open_or_skip(&s, &c) < 0)
		skip();
	memset(&e, 0, sizeof e);
	if (pingsock_source(&s, &c, &e) < 0 && e.errnum == ENETUNREACH) {
		close(s.fd);
		skip();                            /* no route at all here */
	}
	assert_int_equal(e.exit_code, 2);
	assert_string_equal(e.msg, "Do you want to ping broadcast? Then -b. "
	                           "If not, check your local firewall rules");
	memset(&e, 0, sizeof e);
	c.broadcast = 1;
	assert_int_equal(pingsock_source(&s, &c, &e), 0);
	assert_non_null(strstr(e.warn, "WARNING: pinging broadcast address"));
	close(s.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipopts_rr),
		cmocka_unit_test(test_ipopts_ts),
		cmocka_unit_test(test_setup_options),
		cmocka_unit_test(test_strict_source),
		cmocka_unit_test(test_broadcast_refusal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
