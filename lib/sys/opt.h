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
 * opt_next() handles --help itself (usage on stdout, exit 0) and reports
 * unknown options or missing arguments with usage_error() (exit 2).
 * Keys below 256 are also short options; keys >= OPT_LONG are long only.
 * After the loop, st.ind is the index of the first operand.
 *
 * The opt_*() value helpers range-check an option argument and call
 * usage_error() with the option's name when it is bad. */
#ifndef SB_OPT_H
#define SB_OPT_H

#include <stdint.h>
#include <stdio.h>

#define OPT_LONG 256
enum { OPT_HELP = 0x7fff };

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
	const char *name;   /* how it was spelled: "-c" or "--count" */
	/* private */
	int nextchar;
	int arg_missing;    /* option moved before operands has no argument */
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

#endif
