/* opt: table-driven option parsing and --help; see opt.h.
 * GNU-style: short clusters (-qc3), -c 3, --count=3, --count 3, unique
 * long prefixes, operands may be mixed with options, "--" ends options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "num.h"
#include "opt.h"

void opt_init(struct opt_state *st)
{
	memset(st, 0, sizeof *st);
	st->ind = 1;
}

static const struct opt *find_short(const struct opt *o, int c)
{
	for (; o->key; o++)
		if (o->key == c && c < OPT_LONG)
			return o;
	return NULL;
}

/* Exact long-name match wins; otherwise a unique prefix. */
static const struct opt *find_long(const struct opt *o, const char *name,
                                   size_t len, int *ambiguous)
{
	const struct opt *hit = NULL;
	int n = 0;
	*ambiguous = 0;
	for (; o->key; o++) {
		if (!o->name || strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len)
			return o;
		hit = o;
		n++;
	}
	if (n > 1) {
		*ambiguous = 1;
		return NULL;
	}
	return hit;
}

static int is_option(const char *a)
{
	return a[0] == '-' && a[1] != 0;
}

/* Does argv element `a` (an option) take the following element as arg? */
static int takes_next(const char *a, const struct applet_help *h)
{
	if (a[1] == '-') {
		if (!a[2] || strchr(a, '='))
			return 0;
		int amb;
		const struct opt *o = find_long(h->opts, a + 2, strlen(a + 2), &amb);
		return o && o->arg;
	}
	for (const char *p = a + 1; *p; p++) {
		const struct opt *o = find_short(h->opts, (unsigned char)*p);
		if (!o)
			return 0;
		if (o->arg)
			return p[1] == 0;
	}
	return 0;
}

static void rotate(char **argv, int from, int to)
{
	char *x = argv[from];
	memmove(&argv[to + 1], &argv[to], (size_t)(from - to) * sizeof *argv);
	argv[to] = x;
}

static int opt_result(struct opt_state *st, const struct opt *o,
                      const struct applet_help *h)
{
	if (o->key == OPT_HELP) {
		opt_usage(stdout, h);
		exit(0);
	}
	if (o->key == OPT_VERSION) {
		printf("%s (sockbox) %s\n", applet_name, SOCKBOX_VERSION);
		exit(0);
	}
	return o->key;
}

/* Where the spelling of the option at table index i is kept: one slot per
 * option, so a name kept from an earlier option (for a later conflict
 * message) is never overwritten by another option's. */
/* --version and -V, for applets whose table does not use them itself */
static const struct opt version_opt = { OPT_VERSION, "version", NULL, NULL };

static char *name_slot(struct opt_state *st, const struct applet_help *h,
                       const struct opt *o)
{
	st->cur = -1;
	for (int i = 0; o && i < OPT_MAX && h->opts[i].key; i++)
		if (&h->opts[i] == o)
			st->cur = i;
	return st->names[st->cur >= 0 ? st->cur : OPT_MAX];
}

static int has_key(const struct opt *o, int key)
{
	for (; o->key; o++)
		if (o->key == key)
			return 1;
	return 0;
}

static int next_option(struct opt_state *st, int argc, char **argv,
                       const struct applet_help *h);

/* Index in the table of the option a rule word names; -1 if none. */
static int rule_index(const struct opt *opts, const char *w, size_t n)
{
	for (int i = 0; i < OPT_MAX && opts[i].key; i++) {
		if (n == 1 && opts[i].key == (unsigned char)w[0])
			return i;
		if (opts[i].name && opts[i].name[0] == w[0] &&
		    !strncmp(opts[i].name, w, n) && opts[i].name[n] == 0)
			return i;
	}
	return -1;
}

/* The options a list of rule words names, as a bit set. */
static uint64_t rule_set(const struct opt *opts, const char *w,
                         const char *end)
{
	uint64_t set = 0;
	while (w < end) {
		while (w < end && *w == ' ')
			w++;
		const char *e = w;
		while (e < end && *e != ' ')
			e++;
		int i = rule_index(opts, w, (size_t)(e - w));
		if (e > w && i >= 0)
			set |= (uint64_t)1 << i;
		w = e;
	}
	return set;
}

static int lowest(uint64_t set)
{
	return __builtin_ctzll(set);
}

/* How the table names option i when the user did not give it. */
static void canon_name(const struct opt *o, char *buf, size_t n)
{
	if (o->key < OPT_LONG)
		snprintf(buf, n, "-%c", o->key);
	else
		snprintf(buf, n, "--%s", o->name ? o->name : "?");
}

/* spec: the operand names ("HOST PORT"); exactly that many operands. */
static void check_operands(const char *spec, int argc, char **argv, int ind)
{
	int want = 0, have = argc - ind;
	const char *w = spec;
	while (*w) {
		w += strspn(w, " ");
		size_t n = strcspn(w, " ");
		if (!n)
			break;
		if (want == have)
			usage_error("missing operand: %.*s", (int)n, w);
		want++;
		w += n;
	}
	if (have > want)
		usage_error("extra operand '%.40s'", argv[ind + want]);
}

static void check_rules(struct opt_state *st, int argc, char **argv,
                        const struct applet_help *h)
{
	char canon[OPT_NAME_MAX];
	for (const struct opt *r = h->opts; r->key; r++) {
		if (r->key != OPT_RULE_KEY || !r->arg)
			continue;
		const char *rule = r->arg, *end = rule + strlen(rule);
		const char *op = strpbrk(rule, "!+#");
		if (!op)
			continue;
		uint64_t lhs = rule_set(h->opts, rule, op);
		uint64_t got = lhs & st->seen;
		if (*op == '#') {
			if (strspn(rule, " ") == (size_t)(op - rule) || got) {
				check_operands(op + 1, argc, argv, st->ind);
				return;
			}
			continue;
		}
		if (!got)
			continue;   /* the common case: no need to read the rest */
		uint64_t rhs = rule_set(h->opts, op + 1, end);
		if (*op == '!' && (rhs & st->seen))
			usage_error("'%s' and '%s' cannot be combined",
			            st->names[lowest(got)],
			            st->names[lowest(rhs & st->seen)]);
		if (*op == '+' && !(rhs & st->seen)) {
			canon_name(&h->opts[lowest(rhs)], canon, sizeof canon);
			usage_error("'%s' needs '%s'", st->names[lowest(got)], canon);
		}
	}
}

/* An applet with a --json option writes its errors as JSON too once the
 * command line asks for it: known before the first option is parsed, so
 * that even a usage error in front of --json gets its "error" line. */
static void scan_json(int argc, char **argv, const struct applet_help *h)
{
	int amb;
	if (!find_long(h->opts, "json", 4, &amb))
		return;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			err_json(1);
}

int opt_next(struct opt_state *st, int argc, char **argv,
             const struct applet_help *h)
{
	if (!st->scanned) {
		st->scanned = 1;
		scan_json(argc, argv, h);
	}
	int c = next_option(st, argc, argv, h);
	if (c == -1)
		check_rules(st, argc, argv, h);
	else if (st->cur >= 0 && st->cur < OPT_MAX)
		st->seen |= (uint64_t)1 << st->cur;
	return c;
}

static int next_option(struct opt_state *st, int argc, char **argv,
                       const struct applet_help *h)
{
	static const struct opt help_opt = { OPT_HELP, "help", NULL, NULL };
	char *namebuf;
	st->arg = NULL;

	if (st->nextchar) {
		/* continue a short-option cluster */
		goto short_opt;
	}
	if (st->ind >= argc)
		return -1;
	st->arg_missing = 0;
	if (!is_option(argv[st->ind])) {
		int j = st->ind + 1;
		while (j < argc && !is_option(argv[j]))
			j++;
		if (j >= argc)
			return -1;
		int takes = strcmp(argv[j], "--") && takes_next(argv[j], h);
		int two = takes && j + 1 < argc;
		/* the operands now following it are not its argument */
		st->arg_missing = takes && !two;
		rotate(argv, j, st->ind);
		if (two)
			rotate(argv, j + 1, st->ind + 1);
	}
	char *a = argv[st->ind];
	if (!strcmp(a, "--")) {
		st->ind++;
		return -1;
	}
	if (a[1] == '-') {
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int amb;
		const struct opt *o = find_long(h->opts, name, len, &amb);
		if (!o && !amb && len >= 3 && !strncmp("help", name, len))
			o = &help_opt;
		if (!o && !amb && len >= 4 && !strncmp("version", name, len))
			o = &version_opt;
		namebuf = name_slot(st, h, o);
		snprintf(namebuf, OPT_NAME_MAX, "--%.*s", (int)(len > 40 ? 40 : len), name);
		st->name = namebuf;
		st->ind++;
		if (amb)
			usage_error("option '%s' is ambiguous", namebuf);
		if (!o)
			usage_error("unrecognized option '%s'", namebuf);
		if (o->name)
			snprintf(namebuf, OPT_NAME_MAX, "--%.*s", 40, o->name);
		if (o->arg) {
			if (eq)
				st->arg = eq + 1;
			else if (st->ind < argc && !st->arg_missing)
				st->arg = argv[st->ind++];
			else
				usage_error("option '%s' requires an argument", namebuf);
		} else if (eq) {
			usage_error("option '%s' doesn't allow an argument", namebuf);
		}
		return opt_result(st, o, h);
	}
	st->nextchar = 1;
short_opt:
	a = argv[st->ind];
	{
		int c = (unsigned char)a[st->nextchar];
		const struct opt *o = find_short(h->opts, c);
		if (!o && c == 'V')
			o = &version_opt;
		namebuf = name_slot(st, h, o);
		snprintf(namebuf, OPT_NAME_MAX, "-%c", c);
		st->name = namebuf;
		st->nextchar++;
		int end = a[st->nextchar] == 0;
		if (!o) {
			st->ind++;
			st->nextchar = 0;
			if (c >= 0x20 && c < 0x7f)
				usage_error("invalid option -- '%c'", c);
			usage_error("invalid option");
		}
		if (o->arg) {
			if (!end) {
				st->arg = a + st->nextchar;
				st->ind++;
			} else if (st->ind + 1 < argc && !st->arg_missing) {
				st->arg = argv[st->ind + 1];
				st->ind += 2;
			} else {
				st->ind++;
				st->nextchar = 0;
				usage_error("option requires an argument -- '%c'", c);
			}
			st->nextchar = 0;
		} else if (end) {
			st->ind++;
			st->nextchar = 0;
		}
		return opt_result(st, o, h);
	}
}

void opt_usage(FILE *fp, const struct applet_help *h)
{
	fprintf(fp, "Usage: %s\n", h->synopsis);
	if (h->desc)
		fprintf(fp, "\n%s\n", h->desc);
	fputs("\nOptions:\n", fp);
	for (const struct opt *o = h->opts; o->key; o++) {
		char left[64];
		if (o->key == OPT_RULE_KEY)
			continue;
		int n = 0;
		if (!o->help)
			continue;   /* accepted (e.g. to be refused) but not offered */
		if (o->key < OPT_LONG)
			n = snprintf(left, sizeof left, "-%c%s", o->key, o->name ? ", " : "");
		else
			n = snprintf(left, sizeof left, "    ");
		if (o->name && n >= 0 && (size_t)n < sizeof left)
			n += snprintf(left + n, sizeof left - (size_t)n, "--%s", o->name);
		if (o->arg && n >= 0 && (size_t)n < sizeof left)
			snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
		fprintf(fp, "  %-24s %s\n", left, o->help ? o->help : "");
	}
	fprintf(fp, "  %-24s %s\n", "    --help", "show this help and exit");
	if (!has_key(h->opts, 'V'))
		fprintf(fp, "  %-24s %s\n", "-V, --version", "show the version and exit");
}

static const char *range_text(int r)
{
	return r == -ERANGE ? "out of range" : "not a valid number";
}

uint64_t opt_u64(const struct opt_state *st, uint64_t min, uint64_t max)
{
	uint64_t v;
	int r = num_parse_u64(st->arg, min, max, &v);
	if (r < 0)
		usage_error("invalid argument '%s' for %s: %s (%llu-%llu)", st->arg,
		            st->name, range_text(r), (unsigned long long)min,
		            (unsigned long long)max);
	return v;
}

int64_t opt_dur(const struct opt_state *st, int64_t default_unit_ns,
                int64_t min_ns, int64_t max_ns)
{
	int64_t v;
	int r = dur_parse(st->arg, default_unit_ns, &v);
	if (r == 0 && (v < min_ns || v > max_ns))
		r = -ERANGE;
	if (r < 0)
		usage_error("invalid duration '%s' for %s: %s", st->arg, st->name,
		            r == -ERANGE ? "out of range"
		                         : "expected e.g. 0.2, 200ms, 5s");
	return v;
}

uint64_t opt_size(const struct opt_state *st, uint64_t min, uint64_t max)
{
	uint64_t v;
	int r = num_parse_size(st->arg, max, &v);
	if (r == 0 && v < min)
		r = -ERANGE;
	if (r < 0)
		usage_error("invalid size '%s' for %s: %s (%llu-%llu)", st->arg,
		            st->name, range_text(r), (unsigned long long)min,
		            (unsigned long long)max);
	return v;
}

uint16_t arg_port(const char *s, int allow_zero)
{
	uint64_t v;
	int r = num_parse_u64(s, allow_zero ? 0 : 1, 65535, &v);
	if (r < 0)
		usage_error("invalid port '%s': %s (%d-65535)", s, range_text(r),
		            allow_zero ? 0 : 1);
	return (uint16_t)v;
}

const char *arg_operand(const char *s, const char *what, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0)
		usage_error("empty %s operand", what);
	if (n > max)
		usage_error("%s operand too long (more than %zu bytes): '%.40s...'",
		            what, max, s);
	return s;
}
