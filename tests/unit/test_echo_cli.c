/* Unit tests for applets/echo/echo_cli: the option table shared by tcp-echo
 * and uds-echo parsed through opt_next() into struct echo_opts, the
 * defaults, and the server/client split and conflicts that ECHO_RULES
 * declare and echo_opts_check() adds (exit 2 with one message and the
 * hint, checked in a forked child). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "echo_cli.h"
#include "err.h"
#include "opt.h"
#include "helpers.h"

static const struct opt opts[] = {
	ECHO_SERVER_OPTS,
	ECHO_CLIENT_OPTS,
	ECHO_RULES,
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"tst [OPTIONS] HOST PORT", "A test applet.", opts,
};

#define MAXARGS 20

/* Parse args (NULL-terminated) the way tcp-echo does: every option goes
 * through echo_opts_handle(), which must claim it. */
static void parse(struct echo_opts *o, const char *const *args)
{
	char *argv[MAXARGS + 1];
	int argc = 0;
	argv[argc++] = (char *)"tst";
	for (; *args && argc < MAXARGS; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	struct opt_state st;
	int c;
	echo_opts_init(o);
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1)
		assert_int_equal(echo_opts_handle(o, c, &st), 1);
}

static void test_defaults(void **state)
{
	struct echo_opts o;
	echo_opts_init(&o);
	assert_int_equal(o.listen, 0);
	assert_int_equal(o.max_conns, 10000);
	assert_true(o.idle_ns == 0);
	assert_null(o.banner);
	assert_true(o.c.interval_ns == NS_PER_SEC);
	assert_true(o.c.timeout_ns == 10 * NS_PER_SEC);
	assert_int_equal(o.c.size, 64);
	assert_int_equal(o.c.conns, 8);
	assert_true(o.c.duration_ns == 5 * NS_PER_SEC);
	assert_int_equal(o.c.socktype, SOCK_STREAM);
	assert_int_equal(o.c.count, 0);
}

static void test_server_options(void **state)
{
	static const char *const a[] = { "-l", "-v", "--max-conns", "7",
	                                 "--idle-timeout", "1.5", "--banner", "hi",
	                                 NULL };
	struct echo_opts o;
	parse(&o, a);
	assert_int_equal(o.listen, 1);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.max_conns, 7);
	assert_true(o.idle_ns == 1500 * NS_PER_MSEC);
	assert_string_equal(o.banner, "hi");
}

static void test_client_options(void **state)
{
	/* each mode's options in one valid line (ECHO_RULES keep them apart) */
	static const char *const a[] = { "-c", "3", "-i", "0.2", "-s", "2k",
	                                 "-W", "250ms", "-w", "4", "-q", NULL };
	struct echo_opts o;
	parse(&o, a);
	assert_int_equal(o.c.count, 3);
	assert_true(o.c.interval_ns == 200 * NS_PER_MSEC);
	assert_int_equal(o.c.size, 2048);
	assert_true(o.c.timeout_ns == 250 * NS_PER_MSEC);
	static const char *const m[] = { "-m", "text", NULL };
	parse(&o, m);
	assert_string_equal(o.c.msg, "text");
	static const char *const b[] = { "--stdin", NULL };
	parse(&o, b);
	assert_int_equal(o.pipe, 1);
	static const char *const c[] = { "--bench", "--timeout", "1", "-C", "40",
	                                 "-d", "2", "--bulk", NULL };
	parse(&o, c);
	assert_int_equal(o.bench, 1);
	assert_true(o.c.timeout_ns == NS_PER_SEC);
	assert_int_equal(o.c.conns, 40);
	assert_true(o.c.duration_ns == 2 * NS_PER_SEC);
	assert_int_equal(o.c.bulk, 1);
}

static void test_unknown_key(void **state)
{
	struct echo_opts o;
	struct opt_state st;
	echo_opts_init(&o);
	opt_init(&st);
	st.name = "-z";
	assert_int_equal(echo_opts_handle(&o, 'z', &st), 0);
	assert_int_equal(echo_opts_handle(&o, OPT_LONG + 99, &st), 0);
}

static void child_check(void *arg)
{
	applet_name = "tst";
	struct echo_opts o;
	parse(&o, (const char *const *)arg);
	echo_opts_check(&o);
	printf("accepted\n");
	exit(0);
}

struct check_case {
	const char *args[MAXARGS];
	const char *err;             /* NULL: accepted */
};

static void test_check(void **state)
{
	static const struct check_case t[] = {
		{ { "-l", NULL }, NULL },
		{ { "-l", "-v", "--banner", "x", NULL }, NULL },
		{ { "-c", "2", "-m", "hi", NULL }, NULL },
		{ { "--bench", "-C", "3", "--bulk", NULL }, NULL },
		{ { "--stdin", NULL }, NULL },
		/* one misplaced option each, named as the user wrote it even
		 * when more options follow (opt keeps each option's name) */
		{ { "-l", "-c", "3", "-v", NULL },
		  "tst: '-l' and '-c' cannot be combined\n" },
		{ { "-l", "-q", "-v", NULL },
		  "tst: '-l' and '-q' cannot be combined\n" },
		{ { "-v", "-c", "2", NULL }, "tst: '-v' needs '-l'\n" },
		{ { "--max-conns", "3", NULL }, "tst: '--max-conns' needs '-l'\n" },
		{ { "--stdin", "--bench", NULL },
		  "tst: '--bench' and '--stdin' cannot be combined\n" },
		{ { "--bench", "-m", "x", NULL },
		  "tst: '-m' and '--bench' cannot be combined\n" },
		{ { "--stdin", "-m", "x", NULL },
		  "tst: '-m' and '--stdin' cannot be combined\n" },
		{ { "-s", "10", "-m", "x", NULL },
		  "tst: '-s' and '-m' cannot be combined\n" },
		{ { "-m", "", NULL }, "tst: -m needs a non-empty TEXT\n" },
		/* values out of range are refused while parsing */
		{ { "--max-conns", "0", "-l", NULL }, "tst: " },
		{ { "-C", "19001", NULL }, "tst: " },
		{ { "-s", "0", NULL }, "tst: " },
		{ { "-W", "0", NULL }, "tst: " },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_check, (void *)t[i].args, &r);
		if (!t[i].err) {
			assert_int_equal(r.code, 0);
			assert_string_equal(r.out, "accepted\n");
			assert_string_equal(r.err, "");
			continue;
		}
		assert_int_equal(r.exited, 1);
		assert_int_equal(r.code, 2);
		assert_string_equal(r.out, "");
		/* the message (its prefix for range errors), then the hint */
		assert_memory_equal(r.err, t[i].err, strlen(t[i].err));
		const char *nl = strchr(r.err, '\n');
		assert_non_null(nl);
		assert_string_equal(nl + 1, "Try 'tst --help' for more information.\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_server_options),
		cmocka_unit_test(test_client_options),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
