/* Unit tests for lib/opt: GNU-style parsing driven by one table, --help,
 * usage errors (exit 2, checked in a forked child), checked values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "opt.h"
#include "helpers.h"

enum { K_JSON = OPT_LONG, K_JUMBO, K_INTERVAL };

static const struct opt opts[] = {
	{ 'c', "count", "N", "stop after N probes" },
	{ 'q', "quiet", NULL, "print only the summary" },
	{ 'v', "verbose", NULL, "log connections" },
	{ 'i', "interval", "DUR", "wait DUR between probes" },
	{ 's', "size", "BYTES", "payload size" },
	{ K_JSON, "json", NULL, "print JSON Lines" },
	{ K_JUMBO, "jumbo", NULL, "use jumbo frames" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"tst [OPTIONS] HOST PORT", "A test applet.", opts,
};

#define MAXARGS 16
/* Record of a whole parse: "c=3 q v" style, operands after '|'. */
struct parse {
	char trace[512];
	char *argv[MAXARGS + 1];
	int argc;
};

static void run_parse(struct parse *p, const char *const *args)
{
	p->argc = 0;
	p->argv[p->argc++] = (char *)"tst";
	for (; *args; args++)
		p->argv[p->argc++] = (char *)*args;
	p->argv[p->argc] = NULL;
	struct opt_state st;
	opt_init(&st);
	size_t n = 0;
	p->trace[0] = 0;
	int c;
	while ((c = opt_next(&st, p->argc, p->argv, &help)) != -1) {
		const char *nm = c == K_JSON ? "json" : c == K_JUMBO ? "jumbo" : NULL;
		char k[8] = { (char)c, 0 };
		n += (size_t)snprintf(p->trace + n, sizeof p->trace - n, "%s%s%s%s ",
		                      nm ? nm : k, st.arg ? "=" : "",
		                      st.arg ? st.arg : "", "");
		/* st.name must be how the option is called */
		if (c == 'c')
			assert_true(!strcmp(st.name, "-c") ||
			            !strcmp(st.name, "--count"));
	}
	n += (size_t)snprintf(p->trace + n, sizeof p->trace - n, "|");
	for (int i = st.ind; i < p->argc; i++)
		n += (size_t)snprintf(p->trace + n, sizeof p->trace - n, " %s",
		                      p->argv[i]);
}

struct opt_case { const char *args[MAXARGS]; const char *want; };

static void test_parse_table(void **state)
{
	static const struct opt_case t[] = {
		{ { NULL }, "|" },
		{ { "-q", NULL }, "q |" },
		{ { "-qc3", NULL }, "q c=3 |" },
		{ { "-qvc", "3", NULL }, "q v c=3 |" },
		{ { "-c", "3", NULL }, "c=3 |" },
		{ { "-c3", NULL }, "c=3 |" },
		{ { "-cq", NULL }, "c=q |" },            /* rest of cluster is the arg */
		{ { "--count=3", NULL }, "c=3 |" },
		{ { "--count", "3", NULL }, "c=3 |" },
		{ { "--count=", NULL }, "c= |" },        /* empty arg, checked later */
		{ { "--cou=3", NULL }, "c=3 |" },        /* unique prefix */
		{ { "--cou", "3", NULL }, "c=3 |" },
		{ { "--int", "1s", NULL }, "i=1s |" },
		{ { "--js", NULL }, "json |" },
		{ { "--jsonx", NULL }, NULL },           /* not a prefix: error */
		{ { "--ju", NULL }, "jumbo |" },
		{ { "-c", "-5", NULL }, "c=-5 |" },      /* arg may look like an option */
		{ { "--count", "--quiet", NULL }, "c=--quiet |" },
		/* operands mixed with options (permutation) */
		{ { "host", "-q", "port", NULL }, "q | host port" },
		{ { "host", "-c", "3", "port", NULL }, "c=3 | host port" },
		{ { "host", "port", "--count", "3", NULL }, "c=3 | host port" },
		{ { "host", "-qc", "3", "port", "-v", NULL }, "q c=3 v | host port" },
		{ { "a", "--count=4", "b", "--json", "c", NULL }, "c=4 json | a b c" },
		/* "--" ends options; "-" is an operand */
		{ { "--", "-q", NULL }, "| -q" },
		{ { "-q", "--", "-c", "3", NULL }, "q | -c 3" },
		{ { "host", "--", "-q", NULL }, "| host -q" },
		{ { "-", "-q", NULL }, "q | -" },
		{ { "a", "b", NULL }, "| a b" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (!t[i].want)
			continue;
		struct parse p;
		run_parse(&p, t[i].args);
		if (strcmp(p.trace, t[i].want))
			fail_msg("case %zu: got '%s' want '%s'", i, p.trace, t[i].want);
	}
}

/* --- error paths in a child --- */

struct errcase { const char *args[MAXARGS]; const char *msg; };

static void child_parse(void *arg)
{
	applet_name = "tst";
	err_json(0);   /* a parent's "--json" parse turned it on */
	struct parse p;
	run_parse(&p, (const char *const *)arg);
	printf("no error: %s\n", p.trace);
}

static void test_usage_errors(void **state)
{
	static const struct errcase t[] = {
		{ { "-x", NULL }, "tst: invalid option -- 'x'\n" },
		{ { "-qx", NULL }, "tst: invalid option -- 'x'\n" },
		{ { "--bogus", NULL }, "tst: unrecognized option '--bogus'\n" },
		{ { "--bogus=1", NULL }, "tst: unrecognized option '--bogus'\n" },
		{ { "--jsonx", NULL }, "tst: unrecognized option '--jsonx'\n" },
		{ { "--j", NULL }, "tst: option '--j' is ambiguous\n" },
		{ { "-c", NULL }, "tst: option requires an argument -- 'c'\n" },
		{ { "-qc", NULL }, "tst: option requires an argument -- 'c'\n" },
		{ { "--count", NULL }, "tst: option '--count' requires an argument\n" },
		{ { "--cou", NULL }, "tst: option '--count' requires an argument\n" },
		{ { "host", "--count", NULL },
		  "tst: option '--count' requires an argument\n" },
		{ { "host", "-c", NULL },
		  "tst: option requires an argument -- 'c'\n" },
		{ { "a", "b", "-qc", NULL },
		  "tst: option requires an argument -- 'c'\n" },
		{ { "a", "--cou", NULL },
		  "tst: option '--count' requires an argument\n" },
		{ { "--quiet=1", NULL },
		  "tst: option '--quiet' doesn't allow an argument\n" },
		{ { "--help=1", NULL },
		  "tst: option '--help' doesn't allow an argument\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_parse, (void *)t[i].args, &r);
		if (!r.exited || r.code != 2)
			fail_msg("case %zu: exited=%d code=%d out='%s' err='%s'", i,
			         r.exited, r.code, r.out, r.err);
		char want[256];
		snprintf(want, sizeof want,
		         "%sTry 'tst --help' for more information.\n", t[i].msg);
		if (strcmp(r.err, want))
			fail_msg("case %zu: stderr '%s' want '%s'", i, r.err, want);
		assert_int_equal(r.outlen, 0);
		assert_int_equal(r.err_writes, 1); /* one write(2) */
	}
}

static void test_help(void **state)
{
	static const char *const spellings[][3] = {
		{ "--help", NULL, NULL }, { "--hel", NULL, NULL },
		{ "host", "--help", NULL }, { "-q", "--help", NULL },
	};
	for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
		struct child_result r;
		run_child(child_parse, (void *)spellings[i], &r);
		assert_true(r.exited);
		assert_int_equal(r.code, 0);
		assert_int_equal(r.errlen, 0);
		assert_non_null(strstr(r.out, "Usage: tst [OPTIONS] HOST PORT\n"));
		assert_non_null(strstr(r.out, "\nA test applet.\n"));
		assert_non_null(strstr(r.out, "  -c, --count N"));
		assert_non_null(strstr(r.out, "stop after N probes\n"));
		assert_non_null(strstr(r.out, "  -q, --quiet "));
		assert_non_null(strstr(r.out, "      --json "));
		assert_non_null(strstr(r.out, "--help"));
		assert_non_null(strstr(r.out, "show this help and exit\n"));
	}
	/* "--he" is too short to mean --help (but here it is not ambiguous) */
	static const char *const he[] = { "--he", NULL };
	struct child_result r;
	run_child(child_parse, (void *)he, &r);
	assert_int_equal(r.code, 2);
}

static void test_usage_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	opt_usage(fp, &help);
	fclose(fp);
	/* exact layout: aligned help column */
	assert_non_null(strstr(buf, "Usage: tst [OPTIONS] HOST PORT\n\nA test applet.\n\nOptions:\n"));
	assert_non_null(strstr(buf, "\n  -c, --count N            stop after N probes\n"));
	assert_non_null(strstr(buf, "\n      --json               print JSON Lines\n"));
	assert_non_null(strstr(buf, "\n      --help               show this help and exit\n"));
	free(buf);
}

/* --- checked value helpers --- */

struct valarg { int kind; const char *arg; };

static void child_value(void *p)
{
	const struct valarg *v = p;
	applet_name = "tst";
	err_json(0);
	struct opt_state st;
	opt_init(&st);
	st.arg = v->arg;
	st.name = "-c";
	switch (v->kind) {
	case 0: printf("%llu\n", (unsigned long long)opt_u64(&st, 1, 100)); break;
	case 1: printf("%lld\n", (long long)opt_dur(&st, 1000000000, 1000000, 10000000000)); break;
	case 2: printf("%llu\n", (unsigned long long)opt_size(&st, 16, 1 << 20)); break;
	case 3: printf("%u\n", arg_port(v->arg, 0)); break;
	case 4: printf("%u\n", arg_port(v->arg, 1)); break;
	}
	exit(0);
}

static void test_values(void **state)
{
	static const struct { struct valarg v; int code; const char *text; } t[] = {
		{ { 0, "5" }, 0, "5\n" },
		{ { 0, "100" }, 0, "100\n" },
		{ { 0, "0" }, 2, "tst: invalid argument '0' for -c: out of range (1-100)\n" },
		{ { 0, "101" }, 2, "tst: invalid argument '101' for -c: out of range (1-100)\n" },
		{ { 0, "5x" }, 2, "tst: invalid argument '5x' for -c: not a valid number (1-100)\n" },
		{ { 0, "" }, 2, "tst: invalid argument '' for -c: not a valid number (1-100)\n" },
		{ { 1, "0.2" }, 0, "200000000\n" },
		{ { 1, "10s" }, 0, "10000000000\n" },
		{ { 1, "11s" }, 2, "tst: invalid duration '11s' for -c: out of range\n" },
		{ { 1, "999us" }, 2, "tst: invalid duration '999us' for -c: out of range\n" },
		{ { 1, "2x" }, 2, "tst: invalid duration '2x' for -c: expected e.g. 0.2, 200ms, 5s\n" },
		{ { 2, "1k" }, 0, "1024\n" },
		{ { 2, "15" }, 2, "tst: invalid size '15' for -c: out of range (16-1048576)\n" },
		{ { 2, "2M" }, 2, "tst: invalid size '2M' for -c: out of range (16-1048576)\n" },
		{ { 2, "1q" }, 2, "tst: invalid size '1q' for -c: not a valid number (16-1048576)\n" },
		{ { 3, "65535" }, 0, "65535\n" },
		{ { 3, "0" }, 2, "tst: invalid port '0': out of range (1-65535)\n" },
		{ { 3, "65536" }, 2, "tst: invalid port '65536': out of range (1-65535)\n" },
		{ { 3, "http" }, 2, "tst: invalid port 'http': not a valid number (1-65535)\n" },
		{ { 4, "0" }, 0, "0\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_value, (void *)&t[i].v, &r);
		if (!r.exited || r.code != t[i].code)
			fail_msg("case %zu: code %d want %d (err '%s')", i, r.code,
			         t[i].code, r.err);
		if (t[i].code == 0) {
			assert_string_equal(r.out, t[i].text);
		} else {
			char want[256];
			snprintf(want, sizeof want,
			         "%sTry 'tst --help' for more information.\n", t[i].text);
			assert_string_equal(r.err, want);
			assert_int_equal(r.outlen, 0);
		}
	}
}

/* A name kept from an earlier option stays that option's name: the
 * spelling lives in the state, one slot per option, not in one buffer. */
static void test_kept_names(void **state)
{
	char a0[] = "tst", a1[] = "-v", a2[] = "--count", a3[] = "3",
	     a4[] = "-q", a5[] = "--json";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	struct opt_state st, st2;
	const char *first = NULL, *second = NULL;
	int c;
	(void)state;
	opt_init(&st);
	while ((c = opt_next(&st, 6, argv, &help)) != -1) {
		if (!first)
			first = st.name;
		else if (!second)
			second = st.name;
	}
	assert_string_equal(first, "-v");
	assert_string_equal(second, "--count");
	/* two parsers do not share storage either */
	char b0[] = "tst", b1[] = "-s", b2[] = "9";
	char *argv2[] = { b0, b1, b2, NULL };
	opt_init(&st2);
	assert_int_equal(opt_next(&st2, 3, argv2, &help), 's');
	assert_string_equal(st2.name, "-s");
	assert_string_equal(first, "-v");
}

static void child_version(void *arg)
{
	char a0[] = "tst";
	char *argv[] = { a0, (char *)arg, NULL };
	struct opt_state st;
	applet_name = "tst";
	opt_init(&st);
	while (opt_next(&st, 2, argv, &help) != -1)
		;
	exit(3);
}

static void test_version(void **state)
{
	static const char *const spellings[] = { "-V", "--version", "--vers" };
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct child_result r;
		run_child(child_version, (void *)spellings[i], &r);
		assert_int_equal(r.code, 0);
		assert_string_equal(r.out, "tst (sockbox) " SOCKBOX_VERSION "\n");
		assert_int_equal(r.errlen, 0);
	}
}

/* --- declared rules (OPT_RULE): conflicts, needs, operand counts --- */

enum { R_BENCH = OPT_LONG + 10, R_JSON };
static const struct opt ropts[] = {
	{ 'l', "listen", NULL, "server" },
	{ 'v', "verbose", NULL, "server: log" },
	{ 'c', "count", "N", "probes" },
	{ 's', "size", "N", "size" },
	{ 'm', "message", "T", "text" },
	{ R_BENCH, "bench", NULL, "load" },
	{ R_JSON, "json", NULL, "json" },
	OPT_RULE("listen ! count size message bench json"),
	OPT_RULE("verbose + listen"),
	OPT_RULE("size ! message"),
	OPT_RULE("bench ! count"),
	OPT_RULE("listen # PORT"),
	OPT_RULE("# HOST PORT"),
	{ 0, NULL, NULL, NULL },
};
static const struct applet_help rhelp = { "rtst [OPTIONS] HOST PORT", NULL, ropts };

static void child_rules(void *arg)
{
	const char *const *args = arg;
	char *argv[MAXARGS + 1];
	int argc = 0;
	argv[argc++] = (char *)"rtst";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	struct opt_state st;
	applet_name = "rtst";
	err_json(0);
	opt_init(&st);
	while (opt_next(&st, argc, argv, &rhelp) != -1)
		;
	printf("ok %d\n", argc - st.ind);
	exit(0);
}

static void test_rules(void **state)
{
	static const struct errcase t[] = {
		{ { "-s", "10", "-m", "hi", "h", "1", NULL },
		  "rtst: '-s' and '-m' cannot be combined\n" },
		{ { "--message=hi", "--size", "10", "h", "1", NULL },
		  "rtst: '--size' and '--message' cannot be combined\n" },
		{ { "-c", "1", "--bench", "h", "1", NULL },
		  "rtst: '--bench' and '-c' cannot be combined\n" },
		/* the names are the ones each option was spelled with, even
		 * after later options were parsed (no shared name buffer) */
		{ { "--verb", "-c", "3", "h", "1", NULL },
		  "rtst: '--verbose' needs '-l'\n" },
		{ { "-v", "-c", "3", "--json", "h", "1", NULL },
		  "rtst: '-v' needs '-l'\n" },
		{ { "-l", "--json", "7", NULL },
		  "rtst: '-l' and '--json' cannot be combined\n" },
		{ { "-l", NULL }, "rtst: missing operand: PORT\n" },
		{ { "-l", "1", "2", NULL }, "rtst: extra operand '2'\n" },
		{ { NULL }, "rtst: missing operand: HOST\n" },
		{ { "h", NULL }, "rtst: missing operand: PORT\n" },
		{ { "h", "1", "x", NULL }, "rtst: extra operand 'x'\n" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct child_result r;
		run_child(child_rules, (void *)t[i].args, &r);
		char want[256];
		snprintf(want, sizeof want,
		         "%sTry 'rtst --help' for more information.\n", t[i].msg);
		if (!r.exited || r.code != 2 || strcmp(r.err, want))
			fail_msg("case %zu: code %d stderr '%s' want '%s'", i, r.code,
			         r.err, want);
		assert_int_equal(r.err_writes, 1);
	}
	static const char *const good[][MAXARGS] = {
		{ "-l", "-v", "7", NULL }, { "-s", "9", "h", "1", NULL },
		{ "--bench", "h", "1", NULL }, { "h", "-m", "x", "1", NULL },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct child_result r;
		run_child(child_rules, (void *)good[i], &r);
		if (r.code != 0 || r.errlen)
			fail_msg("good case %zu: code %d err '%s'", i, r.code, r.err);
	}
	/* rules are not options: not in --help, not matched as --names */
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	opt_usage(fp, &rhelp);
	fclose(fp);
	assert_null(strstr(buf, "listen !"));
	assert_non_null(strstr(buf, "-V, --version"));
	free(buf);
}

/* --json anywhere on the command line turns on the JSON error line, even
 * for a usage error in front of it; not after "--" (an operand). */
static void test_json_errors(void **state)
{
	static const char *const before[] = { "-x", "--json", NULL };
	struct child_result r;
	(void)state;
	run_child(child_parse, (void *)before, &r);
	assert_int_equal(r.code, 2);
	assert_string_equal(r.out, "{\"type\":\"error\",\"code\":\"usage\","
	                    "\"message\":\"invalid option -- 'x'\",\"exit\":2}\n");
	static const char *const after_dashdash[] = { "-x", "--", "--json", NULL };
	run_child(child_parse, (void *)after_dashdash, &r);
	assert_int_equal(r.code, 2);
	assert_int_equal(r.outlen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_text),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_kept_names),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
