/* probe_render: rendering of probe results, pure.
 *
 * Four report formats, each appended to a growable buffer (pr_buf):
 *   text   "ok    TARGET  0.213 ms" / "FAIL  TARGET  REASON (0.105 ms)"
 *          and a summary line;
 *   json   JSON Lines in the shared schema: a start line (schema 1), one
 *          "result" object per target, a "summary" with the probe family's
 *          vocabulary and "exit";
 *   tap    TAP version 13: version line, plan, "ok N - TARGET" /
 *          "not ok N - TARGET" with a YAML block (time_ms, attempts,
 *          reason, error), "# SKIP" for targets not needed;
 *   junit  one document: <testsuites><testsuite tests failures errors
 *          skipped time><testcase name classname time>[<failure message
 *          type>text</failure> | <skipped message/>]...
 * Strings are escaped for their format (JSON per RFC 8259, XML 1.0 with
 * control and non-ASCII bytes replaced by '?', YAML as JSON strings).
 * Functions return 0, or -1 when memory ran out (the buffer is then marked
 * failed and keeps what it had).  No I/O. */
#ifndef SB_PROBE_RENDER_H
#define SB_PROBE_RENDER_H

#include <stddef.h>
#include <stdint.h>

struct pr_buf {
	char *buf;      /* NUL-terminated when len > 0 */
	size_t len, cap;
	int failed;
};

struct pr_result {
	const char *target;   /* as the user wrote it */
	const char *scheme;   /* "tcp", "http", ... */
	const char *address;  /* numeric peer address, or NULL */
	int ok;               /* the condition held (after --invert) */
	int skipped;          /* not decided: not needed once --any held */
	int64_t time_ns;      /* the last attempt's duration, < 0 unknown */
	int64_t elapsed_ns;   /* from the start to the verdict, < 0 unknown */
	const char *reason;   /* human text; NULL when ok (--invert: may say
	                       * how it was seen down) */
	const char *error;    /* machine code ("refused", "timeout"...), or NULL */
	unsigned attempts;
	int http_code;        /* < 0: none */
};

struct pr_summary {
	unsigned targets, passed, failed, skipped;
	uint64_t transmitted;  /* attempts */
	uint64_t received;     /* attempts that reached the peer and passed */
	int have_rtt;          /* rtt_* valid (some attempt passed) */
	double rtt_min_ms, rtt_avg_ms, rtt_max_ms, rtt_mdev_ms;
	int64_t time_ns;
	int exit;
};

void pr_buf_free(struct pr_buf *b);
void pr_buf_reset(struct pr_buf *b);   /* len = 0, keeps the memory */

/* width: pad targets to this many columns (0: none). */
int pr_text_result(struct pr_buf *b, const struct pr_result *r, int width);
int pr_text_summary(struct pr_buf *b, const struct pr_summary *s);

/* mode "check" or "wait"; any/invert as given. */
int pr_json_start(struct pr_buf *b, unsigned targets, const char *mode,
                  int any, int invert, unsigned concurrency);
int pr_json_result(struct pr_buf *b, const struct pr_result *r);
int pr_json_summary(struct pr_buf *b, const struct pr_summary *s);

int pr_tap_start(struct pr_buf *b, unsigned targets);
int pr_tap_result(struct pr_buf *b, unsigned num, const struct pr_result *r);

int pr_junit(struct pr_buf *b, const struct pr_result *r, size_t n,
             const struct pr_summary *s);

#endif
