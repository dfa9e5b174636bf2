/* Unit tests for ssfilter: ss's filter words parsed (states, operators
 * and their spellings, host forms, left-to-right and/or), refused with a
 * reason, evaluated on hand-made sockets, and compiled to bytecode that a
 * model of the kernel's inet_diag_bc_run() answers exactly as the
 * user-space evaluation does, for every expression and socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ssfilter.h"

static int parse(struct ssfilter *f, const char *text)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", text);
	char *w[1] = { buf };
	return ssfilter_parse(f, w, 1);
}

static struct diag_sock sock(int fam, const char *src, int sport, const char *dst, int dport)
{
	struct diag_sock s;
	memset(&s, 0, sizeof s);
	s.family = (uint8_t)fam;
	s.state = TS_ESTABLISHED;
	inet_pton(fam, src, s.src);
	inet_pton(fam, dst, s.dst);
	s.sport = (uint16_t)sport;
	s.dport = (uint16_t)dport;
	return s;
}

/* The kernel's interpreter (net/ipv4/inet_diag.c), for the ops we emit. */
static int kernel_run(const uint8_t *bc, int len, const struct diag_sock *s)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	int pc = 0;
	while (pc < len) {
		struct inet_diag_bc_op op;
		memcpy(&op, bc + pc, sizeof op);
		int yes = 1;
		switch (op.code) {
		case INET_DIAG_BC_JMP: yes = 0; break;
		case INET_DIAG_BC_S_GE: case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_GE: case INET_DIAG_BC_D_LE: {
			struct inet_diag_bc_op arg;
			memcpy(&arg, bc + pc + 4, sizeof arg);
			int p = op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_S_LE ? s->sport : s->dport;
			yes = op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_D_GE ? p >= arg.no : p <= arg.no;
			break;
		}
		case INET_DIAG_BC_S_COND: case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond hc;
			uint8_t addr[16];
			memcpy(&hc, bc + pc + 4, sizeof hc);
			memcpy(addr, bc + pc + 4 + sizeof hc, hc.family == AF_INET6 ? 16 : 4);
			int local = op.code == INET_DIAG_BC_S_COND;
			const uint8_t *a = local ? s->src : s->dst;
			unsigned bits = hc.prefix_len;
			if (hc.port != -1 && hc.port != (local ? s->sport : s->dport)) {
				yes = 0;
				break;
			}
			if (hc.family != AF_UNSPEC && hc.family != s->family) {
				yes = s->family == AF_INET6 && hc.family == AF_INET &&
				      memcmp(a, mapped, 12) == 0 &&
				      memcmp(a + 12, addr, bits / 8) == 0 &&
				      (bits % 8 == 0 || ((a[12 + bits / 8] ^ addr[bits / 8]) & (0xff << (8 - bits % 8)) & 0xff) == 0);
				break;
			}
			if (bits == 0)
				break;
			yes = memcmp(a, addr, bits / 8) == 0 &&
			      (bits % 8 == 0 || ((a[bits / 8] ^ addr[bits / 8]) & (0xff << (8 - bits % 8)) & 0xff) == 0);
			break;
		}
		default:
			fail_msg("unexpected op %d", op.code);
		}
		assert_true(op.yes >= 4 && op.no >= 4);
		pc += yes ? op.yes : op.no;
	}
	assert_true(pc == len || pc == len + 4);
	return pc == len;
}

static const char *const exprs[] = {
	"sport = :80", "sport == 80", "sport eq :80", "dport != :443", "sport > :1024",
	"sport < :1024", "sport >= :80", "sport <= 80", "dport gt 1000", "dport lt :1000",
	"src 127.0.0.1", "src 127.0.0.0/8", "dst 10.0.0.0/8", "src [::1]", "dst ::/0",
	"src 127.0.0.1:80", "dst [::1]:443", "src *:80", "src :80", "dst = 10.1.2.3",
	"( sport = :80 or dport = :80 )", "not sport = :80", "! ( src 127.0.0.1 )",
	"sport = :80 and dport = :443", "sport = :80 dport = :443", "sport = :80 & dport = :443",
	"src 127.0.0.1 or src 10.0.0.0/8 and dport = :443", "not not dport = :22",
	"sport > :1024 && sport < :2000 || dst [::1]", "src 127.0.0.1/31", "dst 0.0.0.0/0",
	"( ( sport = :80 ) or ( ( dport = :80 ) ) ) and not src [::1]",
};

static void test_compile_matches_eval(void **st)
{
	(void)st;
	struct diag_sock socks[] = {
		sock(AF_INET, "127.0.0.1", 80, "127.0.0.1", 51000),
		sock(AF_INET, "127.0.0.1", 51000, "127.0.0.1", 80),
		sock(AF_INET, "10.1.2.3", 443, "10.9.9.9", 1500),
		sock(AF_INET, "192.168.1.1", 22, "10.0.0.1", 443),
		sock(AF_INET6, "::1", 80, "::1", 40000),
		sock(AF_INET6, "::ffff:127.0.0.1", 1500, "::ffff:10.1.2.3", 443),
		sock(AF_INET6, "2001:db8::1", 443, "::1", 22),
		sock(AF_INET, "127.0.0.0", 1024, "0.0.0.0", 0),
	};
	for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
		struct ssfilter f;
		assert_int_equal(parse(&f, exprs[i]), 0);
		uint8_t bc[SSF_BC_MAX];
		int n = ssfilter_compile(&f, bc, sizeof bc);
		assert_true(n > 0 && n % 4 == 0);
		for (size_t k = 0; k < sizeof socks / sizeof socks[0]; k++)
			if (kernel_run(bc, n, &socks[k]) != ssfilter_match(&f, &socks[k]))
				fail_msg("'%s' on socket %zu: kernel and user space disagree", exprs[i], k);
	}
}

static void test_semantics(void **st)
{
	(void)st;
	struct ssfilter f;
	struct diag_sock a = sock(AF_INET, "127.0.0.1", 80, "10.0.0.1", 5000);
	struct diag_sock m = sock(AF_INET6, "::ffff:127.0.0.1", 80, "::1", 5000);
	static const struct { const char *e; int a, m; } t[] = {
		{ "sport = :80", 1, 1 }, { "sport > :80", 0, 0 }, { "sport >= :80", 1, 1 },
		{ "sport < :81", 1, 1 }, { "src 127.0.0.1", 1, 1 },   /* v4-mapped */
		{ "src 127.0.0.0/8", 1, 1 }, { "dst [::1]", 0, 1 }, { "dst ::/0", 0, 1 },
		{ "src 127.0.0.1:81", 0, 0 }, { "src *:80", 1, 1 },
		/* left to right: (src 10/8 or sport = :80) and dport = :5001 */
		{ "src 10.0.0.0/8 or sport = :80 and dport = :5001", 0, 0 },
		{ "sport = :80 or src 10.0.0.0/8 and dport = :5000", 1, 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(parse(&f, t[i].e), 0);
		if (ssfilter_match(&f, &a) != t[i].a || ssfilter_match(&f, &m) != t[i].m)
			fail_msg("'%s'", t[i].e);
	}
}

static void test_states(void **st)
{
	(void)st;
	struct ssfilter f;
	assert_int_equal(parse(&f, "state established state time-wait sport = :80"), 0);
	assert_true(f.states_given);
	assert_int_equal(f.states, 1u << TS_ESTABLISHED | 1u << TS_TIME_WAIT);
	assert_true(f.root >= 0);
	assert_int_equal(parse(&f, "exclude listening excl time-wait"), 0);
	assert_int_equal(f.states, TS_ALL_MASK & ~(1u << TS_LISTEN | 1u << TS_TIME_WAIT));
	assert_int_equal(f.root, -1);
	assert_int_equal(parse(&f, ""), 0);
	assert_false(f.states_given);
	/* words split across argv elements, as a shell gives them */
	char w1[] = "state", w2[] = "connected", w3[] = "( dport = :22", w4[] = ")";
	char *w[] = { w1, w2, w3, w4 };
	assert_int_equal(ssfilter_parse(&f, w, 4), 0);
	assert_true(f.root >= 0);
}

static void test_errors(void **st)
{
	(void)st;
	static const struct { const char *e, *msg; } t[] = {
		{ "sport =", "'sport' needs a value" },
		{ "sport > :x", "invalid port ':x' in the filter" },
		{ "sport > *", "invalid port '*' in the filter" },
		{ "src 300.1.1.1", "an address[/len][:port] is expected rather than '300.1.1.1'" },
		{ "src ::1", "an address[/len][:port] is expected rather than '::1'" },
		{ "src [::1]/64", "an address[/len][:port] is expected rather than '[::1]/64'" },
		{ "src 10.0.0.0/33", "an address[/len][:port] is expected rather than '10.0.0.0/33'" },
		{ "( sport = :1", "missing ')' in the filter" },
		{ "sport = :1 )", "unexpected ')' in the filter" },
		{ "bogus", "unexpected 'bogus' in the filter" },
		{ "state", "'state' needs a state name" },
		{ "state nosuch", "invalid state 'nosuch' in the filter" },
		{ "not", "filter ends too early" },
		{ "sport = :70000", "invalid port ':70000' in the filter" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct ssfilter f;
		assert_int_equal(parse(&f, t[i].e), -1);
		assert_string_equal(f.err, t[i].msg);
	}
	/* bounded: too many nodes, and bytecode that does not fit */
	char big[2000] = "";
	for (int i = 0; i < 150; i++)
		strcat(big, "not ");
	strcat(big, "sport = :1");
	struct ssfilter f;
	assert_int_equal(parse(&f, big), -1);
	assert_int_equal(parse(&f, "sport = :1 or sport = :2"), 0);
	uint8_t bc[8];
	assert_int_equal(ssfilter_compile(&f, bc, sizeof bc), -1);
}

/* The prefix test tcp-watch's --addr shares with the filter language. */
static void test_addr_in(void **st)
{
	(void)st;
	uint8_t net4[16] = { 10, 1, 0, 0 }, a4[16] = { 10, 1, 255, 7 };
	uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1, [14] = 3 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_true(ssf_addr_in(AF_INET, a4, AF_INET, net4, 16));
	assert_false(ssf_addr_in(AF_INET, a4, AF_INET, net4, 17));   /* 255 has bit 17 set */
	assert_true(ssf_addr_in(AF_INET, a4, AF_INET, net4, 0));
	assert_true(ssf_addr_in(AF_INET6, mapped, AF_INET, net4, 16));
	assert_false(ssf_addr_in(AF_INET6, mapped, AF_INET, net4, 24)); /* 10.1.3 */
	assert_false(ssf_addr_in(AF_INET6, v6, AF_INET, net4, 0));     /* not mapped */
	assert_false(ssf_addr_in(AF_INET, a4, AF_INET6, v6, 0));
	assert_true(ssf_addr_in(AF_INET6, v6, 0, net4, 0));            /* any family */
	uint8_t p6[16] = { 0x20, 0x01, 0x0d, 0xb9 };
	assert_true(ssf_addr_in(AF_INET6, v6, AF_INET6, p6, 31));
	assert_false(ssf_addr_in(AF_INET6, v6, AF_INET6, p6, 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_matches_eval),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_addr_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
