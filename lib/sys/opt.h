/* opt: one option table per applet drives both parsing and --help text.
 *
 * An applet declares
 *     static const struct opt opts[] = {
 *         { 'c', "count",    "N",   "stop after N probes" },
 *         { 'v', "verbose",  NULL,  "log connections to stderr" },
 *         { OPT_JSON, "json", NULL, "print JSON Lines" },   // long only
 *         { 0 }
 *     };
 *     static const struct applet_help help = {
 *         "tcp-echo -l [OPTIONS] PORT\n   or: tcp-echo [OPTIONS] HOST PORT",
 *         "One-paragraph description.", opts };
 * and loops `while ((c = opt_next(&st, argc, argv, &help)) != -1)`.
 * When the table has --json and the command line holds "--json",
 * opt_next() turns on err_json() before parsing anything, so a usage or
 * set-up error also writes its {"type":"error"} line (sockbox-json(7)).
 * opt_next() handles --help itself (usage on stdout, exit 0), and -V and
 * --version ("APPLET (sockbox) VERSION", exit 0) unless the table uses
 * them, and reports
 * unknown options or missing arguments with usage_error() (exit 2).
 * Keys below 256 are also short options; keys >= OPT_LONG are long only.
 * After the loop, st.ind is the index of the first operand.
 *
 * Rules: conflicts and operand counts are declared in the table, as
 * entries OPT_RULE("s ! m"), not checked by hand; opt_next() checks them
 * once the options end (before it returns -1), in table order, and the
 * first broken one is a usage_error().
 * An option is named by its short letter ("c") or long name ("bench").
 *     "A B ! X Y"   none of A, B together with any of X, Y:
 *                   "'-s' and '-m' cannot be combined"
 *     "A B + X Y"   A or B needs one of X, Y: "'--banner' needs '-l'"
 *     "X # PORT"    with X given: exactly these operands ("missing
 *     "# HOST PORT" operand: PORT", "extra operand 'x'"); the first
 *                   matching "#" rule applies, one without X always
 * Names in messages are as the user spelled them (st->name's slots).
 *
 * The opt_*() value helpers range-check an option argument and call
 * usage_error() with the option's name when it is bad. */
#ifndef SB_OPT_H
#define SB_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPT_LONG 256
enum { OPT_HELP = 0x7fff, OPT_VERSION = 0x7ffe, OPT_RULE_KEY = 0x7ffd };
/* A table entry that is a rule, not an option (see "Rules"). */
#define OPT_RULE(text) { OPT_RULE_KEY, NULL, (text), NULL }
#define OPT_MAX 64        /* options in one table */
#define OPT_NAME_MAX 44   /* "--" + 40 + NUL */

struct opt {
	int key;           /* short option char, or OPT_LONG+n for long-only */
	const char *name;  /* long name, or NULL */
	const char *arg;   /* argument placeholder ("N"), or NULL for a flag */
	const char *help;  /* one line of help; NULL: left out of --help */
};

struct applet_help {
	const char *synopsis;   /* lines after "Usage: " */
	const char *desc;       /* description paragraph (may be NULL) */
	const struct opt *opts; /* terminated by a zero entry */
};

struct opt_state {
	int ind;            /* index of next argv element to process */
	const char *arg;    /* argument of the option just returned */
	const char *name;   /* how it was spelled: "-c" or "--count"; stays
	                     * valid while st lives, until the same option is
	                     * given again (one slot per option) */
	/* private */
	int nextchar;
	int arg_missing;    /* option moved before operands has no argument */
	char names[OPT_MAX + 1][OPT_NAME_MAX];
	uint64_t seen;      /* bit i: opts[i] was given */
	int cur;            /* table index of the option just parsed, or -1 */
	int scanned;        /* argv looked at for --json (err_json()) */
};

void opt_init(struct opt_state *st);
int opt_next(struct opt_state *st, int argc, char **argv,
             const struct applet_help *h);
void opt_usage(FILE *fp, const struct applet_help *h);

/* Checked conversions of st->arg; on error: usage_error() naming st->name. */
uint64_t opt_u64(const struct opt_state *st, uint64_t min, uint64_t max);
int64_t opt_dur(const struct opt_state *st, int64_t default_unit_ns,
                int64_t min_ns, int64_t max_ns);
uint64_t opt_size(const struct opt_state *st, uint64_t min, uint64_t max);

/* Checked operands. */
uint16_t arg_port(const char *s, int allow_zero);
/* Rejects an empty operand or one longer than max bytes (usage_error
 * naming `what`, e.g. "HOST"); returns s. */
const char *arg_operand(const char *s, const char *what, size_t max);

#endif
