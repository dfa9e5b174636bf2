/* Unit tests for lib/caps, as root (skipped otherwise).  Every check runs
 * in a forked child, which reports through its exit status and stdout;
 * the test process keeps its privileges. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "caps.h"
#include "helpers.h"

#define BIT(c) (1ULL << (c))

struct capsets { unsigned long long inh, prm, eff, amb; };

static void read_caps(struct capsets *c)
{
	memset(c, 0xff, sizeof *c);
	FILE *fp = fopen("/proc/self/status", "r");
	if (!fp)
		exit(90);
	char line[256];
	while (fgets(line, sizeof line, fp)) {
		sscanf(line, "CapInh: %llx", &c->inh);
		sscanf(line, "CapPrm: %llx", &c->prm);
		sscanf(line, "CapEff: %llx", &c->eff);
		sscanf(line, "CapAmb: %llx", &c->amb);
	}
	fclose(fp);
}

/* Can we open a raw socket right now? 1 yes, 0 EPERM, exits otherwise. */
static int can_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno != EPERM)
		exit(91);
	return 0;
}

/* Child checks: exit(0) when all hold, else the number of the failed
 * check (and a line on stdout saying what was seen). */
#define CHECK(n, cond) do { if (!(cond)) { \
	struct capsets s_; read_caps(&s_); \
	printf("check %d failed: prm=%llx eff=%llx inh=%llx amb=%llx\n", \
	       n, s_.prm, s_.eff, s_.inh, s_.amb); exit(n); } } while (0)

static void child_none(void *arg)
{
	struct capsets c;
	CHECK(1, caps_restrict(CAPS_NONE) == 0);
	read_caps(&c);
	CHECK(2, c.prm == 0 && c.eff == 0 && c.inh == 0 && c.amb == 0);
	CHECK(3, !caps_have(CAP_NET_RAW));
	CHECK(4, can_raw() == 0);          /* even as uid 0 */
	CHECK(5, caps_raise(CAP_NET_RAW) == -1 && errno == EPERM);
	exit(0);
}

static void child_keep_raw(void *arg)
{
	struct capsets c;
	CHECK(1, caps_restrict(CAP_NET_RAW) == 0);
	read_caps(&c);
	CHECK(2, c.prm == BIT(CAP_NET_RAW));
	CHECK(3, c.eff == 0 && c.inh == 0 && c.amb == 0);
	CHECK(4, caps_have(CAP_NET_RAW) && !caps_have(CAP_NET_ADMIN));
	CHECK(5, can_raw() == 0);
	/* raise: effective now holds it, the raw socket opens */
	CHECK(6, caps_raise(CAP_NET_RAW) == 0);
	read_caps(&c);
	CHECK(7, c.eff == BIT(CAP_NET_RAW) && c.prm == BIT(CAP_NET_RAW));
	CHECK(8, can_raw() == 1);
	/* lower: gone from effective, still permitted */
	CHECK(9, caps_lower(CAP_NET_RAW) == 0);
	read_caps(&c);
	CHECK(10, c.eff == 0 && c.prm == BIT(CAP_NET_RAW));
	CHECK(11, can_raw() == 0);
	/* a capability we were not left cannot be raised */
	CHECK(12, caps_raise(CAP_NET_ADMIN) == -1 && errno == EPERM);
	/* raise again, then drop everything: nothing can come back */
	CHECK(13, caps_raise(CAP_NET_RAW) == 0);
	CHECK(14, caps_drop_all() == 0);
	read_caps(&c);
	CHECK(15, c.prm == 0 && c.eff == 0 && c.inh == 0 && c.amb == 0);
	CHECK(16, caps_raise(CAP_NET_RAW) == -1);
	CHECK(17, can_raw() == 0);
	exit(0);
}

/* Two capabilities (ping: CAP_NET_RAW, and CAP_NET_ADMIN for SO_MARK):
 * both stay permitted, neither effective; each can be raised alone. */
static void child_keep_two(void *arg)
{
	struct capsets c;
	CHECK(70, caps_restrict(CAPS_AND(CAP_NET_RAW, CAP_NET_ADMIN)) == 0);
	read_caps(&c);
	CHECK(71, c.prm == (BIT(CAP_NET_RAW) | BIT(CAP_NET_ADMIN)));
	CHECK(72, c.eff == 0 && c.inh == 0 && c.amb == 0);
	CHECK(73, caps_have(CAP_NET_RAW) && caps_have(CAP_NET_ADMIN));
	CHECK(74, caps_raise(CAP_NET_ADMIN) == 0);
	read_caps(&c);
	CHECK(75, c.eff == BIT(CAP_NET_ADMIN));
	CHECK(76, caps_lower(CAP_NET_ADMIN) == 0 && caps_drop_all() == 0);
	read_caps(&c);
	CHECK(77, c.prm == 0 && c.eff == 0);
	exit(0);
}

/* A setuid-root binary started by an ordinary user: real ids 65534,
 * effective 0.  caps_restrict() must become the user for good. */
static void child_setuid(void *arg)
{
	int keep = *(int *)arg;
	struct capsets c;
	CHECK(30, setresgid(65534, 0, 0) == 0 && setresuid(65534, 0, 0) == 0);
	CHECK(31, caps_restrict(keep) == 0);
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	CHECK(32, r == 65534 && e == 65534 && s == 65534);
	CHECK(33, gr == 65534 && ge == 65534 && gs == 65534);
	CHECK(34, setuid(0) == -1);
	read_caps(&c);
	CHECK(35, c.prm == (keep == CAPS_NONE ? 0 : BIT((unsigned)keep)));
	CHECK(36, c.eff == 0 && c.inh == 0 && c.amb == 0);
	if (keep != CAPS_NONE) {
		CHECK(37, caps_raise(keep) == 0);
		CHECK(38, can_raw() == 1);
		CHECK(39, caps_lower(keep) == 0);
		CHECK(40, can_raw() == 0);
	} else {
		CHECK(41, can_raw() == 0);
	}
	exit(0);
}

/* Ambient capabilities set before are cleared. */
static void child_ambient(void *arg)
{
	cap_t c = cap_get_proc();
	cap_value_t v = CAP_NET_RAW;
	cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
	CHECK(50, cap_set_proc(c) == 0);
	cap_free(c);
	CHECK(51, cap_set_ambient(CAP_NET_RAW, CAP_SET) == 0);
	struct capsets s;
	read_caps(&s);
	CHECK(52, s.amb == BIT(CAP_NET_RAW) && s.inh == BIT(CAP_NET_RAW));
	CHECK(53, caps_restrict(CAP_NET_RAW) == 0);
	read_caps(&s);
	CHECK(54, s.amb == 0 && s.inh == 0 && s.eff == 0);
	CHECK(55, s.prm == BIT(CAP_NET_RAW));
	exit(0);
}

static void run_checks(void (*fn)(void *), void *arg)
{
	if (geteuid() != 0)
		skip();
	struct child_result r;
	run_child(fn, arg, &r);
	if (!r.exited || r.code != 0)
		fail_msg("child: exited=%d code=%d sig=%d: %s%s", r.exited, r.code,
		         r.signaled, r.out, r.err);
}

static void test_none(void **state) { run_checks(child_none, NULL); }
static void test_keep_raw(void **state) { run_checks(child_keep_raw, NULL); }
static void test_ambient(void **state) { run_checks(child_ambient, NULL); }
static void test_keep_two(void **state) { run_checks(child_keep_two, NULL); }

static void test_setuid(void **state)
{
	int keep = CAP_NET_RAW;
	run_checks(child_setuid, &keep);
	keep = CAPS_NONE;
	run_checks(child_setuid, &keep);
}

/* As a plain process with no privileges, restricting is a no-op that
 * succeeds, and caps_have reports nothing. */
static void child_unprivileged(void *arg)
{
	/* becoming uid 65534 entirely empties the capability sets */
	CHECK(61, setresgid(65534, 65534, 65534) == 0 &&
	          setresuid(65534, 65534, 65534) == 0);
	CHECK(60, caps_drop_all() == 0);
	CHECK(62, caps_restrict(CAP_NET_RAW) == 0);
	CHECK(63, caps_restrict(CAPS_NONE) == 0);
	CHECK(64, !caps_have(CAP_NET_RAW));
	CHECK(65, caps_raise(CAP_NET_RAW) == -1);
	exit(0);
}

static void test_unprivileged(void **state)
{
	run_checks(child_unprivileged, NULL);
}

/* Root by its real uid (not elevated): caps_setup() keeps the applet's
 * set-up set permitted and effective; caps_keep_permitted() then keeps a
 * subset permitted only; caps_drop_all() ends it. */
static void child_root_setup(void *arg)
{
	struct capsets s;
	uint64_t set = CAPS_SET(CAP_NET_BIND_SERVICE) | CAPS_SET(CAP_DAC_OVERRIDE);
	CHECK(70, caps_setup(CAPS_NONE, set) == 0);
	read_caps(&s);
	CHECK(71, s.prm == set && s.eff == set && s.inh == 0 && s.amb == 0);
	CHECK(72, caps_keep_permitted(CAPS_SET(CAP_DAC_OVERRIDE) |
	                              CAPS_SET(CAP_FOWNER)) == 0);
	read_caps(&s);
	CHECK(73, s.prm == BIT(CAP_DAC_OVERRIDE) && s.eff == 0);
	CHECK(74, caps_raise(CAP_DAC_OVERRIDE) == 0 && caps_raise(CAP_FOWNER) < 0);
	CHECK(75, caps_drop_all() == 0);
	read_caps(&s);
	CHECK(76, s.prm == 0 && s.eff == 0);
	exit(0);
}

/* tcp-watch -p as root: caps_keep(set, 1) keeps exactly the part of `set`
 * that is permitted, effective too. */
static void child_root_keep_effective(void *arg)
{
	struct capsets s;
	uint64_t set = CAPS_SET(CAP_SYS_PTRACE) | CAPS_SET(CAP_DAC_READ_SEARCH);
	(void)arg;
	CHECK(80, caps_setup(CAPS_NONE, set | CAPS_SET(CAP_NET_RAW)) == 0);
	CHECK(81, caps_keep(set | CAPS_SET(CAP_FOWNER), 1) == 0);
	read_caps(&s);
	CHECK(82, s.prm == set && s.eff == set && s.inh == 0 && s.amb == 0);
	exit(0);
}

static void test_root_keep_effective(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	run_checks(child_root_keep_effective, NULL);
}

static void test_root_setup(void **state)
{
	if (getuid() != 0)
		skip();
	run_checks(child_root_setup, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_root_keep_effective),
		cmocka_unit_test(test_keep_raw),
		cmocka_unit_test(test_keep_two),
		cmocka_unit_test(test_setuid),
		cmocka_unit_test(test_ambient),
		cmocka_unit_test(test_unprivileged),
		cmocka_unit_test(test_root_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
