/* probe_render: text, JSON Lines, TAP 13 and JUnit XML; see probe_render.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "probe_render.h"
#include "strbuf.h"

void pr_buf_free(struct pr_buf *b)
{
	free(b->buf);
	memset(b, 0, sizeof *b);
}

void pr_buf_reset(struct pr_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->buf)
		b->buf[0] = 0;
}

static int put(struct pr_buf *b, const char *s, size_t n)
{
	if (b->failed || sb_grow_append(&b->buf, &b->len, &b->cap, s, n, 512) < 0) {
		b->failed = 1;
		return -1;
	}
	return 0;
}

static int puts_(struct pr_buf *b, const char *s) { return put(b, s, strlen(s)); }

static int putf(struct pr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int putf(struct pr_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static double ms(int64_t ns) { return (double)ns / 1e6; }

static int done(const struct pr_buf *b) { return b->failed ? -1 : 0; }

int pr_text_result(struct pr_buf *b, const struct pr_result *r, int width)
{
	const char *word = r->skipped ? "skip" : r->ok ? "ok" : "FAIL";
	putf(b, "%-5s %-*s", word, width, r->target);
	if (r->ok && !r->skipped) {
		if (r->reason)              /* --invert: how it was seen down */
			putf(b, "  %s", r->reason);
		if (r->time_ns >= 0)
			putf(b, r->reason ? " (%.3f ms)" : "  %.3f ms", ms(r->time_ns));
	} else {
		putf(b, "  %s", r->reason ? r->reason : "failed");
		if (r->time_ns >= 0)
			putf(b, " (%.3f ms)", ms(r->time_ns));
	}
	if (r->attempts > 1)
		putf(b, ", %u attempts", r->attempts);
	puts_(b, "\n");
	return done(b);
}

int pr_text_summary(struct pr_buf *b, const struct pr_summary *s)
{
	putf(b, "%u target%s: %u passed, %u failed", s->targets,
	     s->targets == 1 ? "" : "s", s->passed, s->failed);
	if (s->skipped)
		putf(b, ", %u skipped", s->skipped);
	putf(b, " in %.3f s\n", (double)s->time_ns / 1e9);
	return done(b);
}

static int take_json(struct pr_buf *b, struct json *j)
{
	char *t = json_take(j);
	if (!t) {
		b->failed = 1;
		return -1;
	}
	put(b, t, strlen(t));
	free(t);
	puts_(b, "\n");
	return done(b);
}

int pr_json_start(struct pr_buf *b, unsigned targets, const char *mode,
                  int any, int invert, unsigned concurrency)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "start");
	json_int(&j, "schema", 1);
	json_str(&j, "applet", "probe");
	json_uint(&j, "targets", targets);
	json_str(&j, "mode", mode);
	json_bool(&j, "any", any);
	json_bool(&j, "invert", invert);
	json_uint(&j, "concurrency", concurrency);
	return take_json(b, &j);
}

static void json_ms(struct json *j, const char *k, int64_t ns)
{
	if (ns < 0)
		json_null(j, k);
	else
		json_double(j, k, ms(ns), 3);
}

static void json_str_or_null(struct json *j, const char *k, const char *v)
{
	if (v)
		json_str(j, k, v);
	else
		json_null(j, k);
}

int pr_json_result(struct pr_buf *b, const struct pr_result *r)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "result");
	json_str(&j, "target", r->target);
	json_str(&j, "scheme", r->scheme);
	json_str_or_null(&j, "address", r->address);
	json_bool(&j, "ok", r->ok && !r->skipped);
	json_bool(&j, "skipped", r->skipped);
	json_ms(&j, "time_ms", r->time_ns);
	json_ms(&j, "elapsed_ms", r->elapsed_ns);
	json_uint(&j, "attempts", r->attempts);
	if (r->http_code >= 0)
		json_int(&j, "http_code", r->http_code);
	else
		json_null(&j, "http_code");
	json_str_or_null(&j, "reason", r->reason);
	json_str_or_null(&j, "error", r->ok && !r->skipped ? NULL : r->error);
	return take_json(b, &j);
}

int pr_json_summary(struct pr_buf *b, const struct pr_summary *s)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "summary");
	json_uint(&j, "targets", s->targets);
	json_uint(&j, "passed", s->passed);
	json_uint(&j, "failed", s->failed);
	json_uint(&j, "skipped", s->skipped);
	json_uint(&j, "transmitted", s->transmitted);
	json_uint(&j, "received", s->received);
	json_uint(&j, "duplicates", 0);
	json_uint(&j, "errors", s->transmitted - s->received);
	json_double(&j, "loss_pct", s->transmitted
	            ? 100.0 * (double)(s->transmitted - s->received) /
	              (double)s->transmitted : 0.0, 3);
	const char *k[] = { "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms" };
	double v[] = { s->rtt_min_ms, s->rtt_avg_ms, s->rtt_max_ms, s->rtt_mdev_ms };
	for (int i = 0; i < 4; i++) {
		if (s->have_rtt)
			json_double(&j, k[i], v[i], 3);
		else
			json_null(&j, k[i]);
	}
	json_ms(&j, "time_ms", s->time_ns);
	json_int(&j, "exit", s->exit);
	return take_json(b, &j);
}

int pr_tap_start(struct pr_buf *b, unsigned targets)
{
	putf(b, "TAP version 13\n1..%u\n", targets);
	return done(b);
}

/* A JSON string is a valid YAML double-quoted scalar. */
static void yaml_str(struct pr_buf *b, const char *key, const char *v)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "v", v);
	char *t = json_take(&j);
	if (!t) {
		b->failed = 1;
		return;
	}
	/* t is {"v":"..."}: keep the quoted value */
	size_t n = strlen(t);
	putf(b, "  %s: ", key);
	put(b, t + 5, n - 6);
	puts_(b, "\n");
	free(t);
}

/* TAP descriptions: '#' would start a directive, newlines end the line. */
static void tap_desc(struct pr_buf *b, const char *s)
{
	for (; *s; s++) {
		char c = (*s == '#' || *s == '\n' || *s == '\r') ? '_' : *s;
		put(b, &c, 1);
	}
}

int pr_tap_result(struct pr_buf *b, unsigned num, const struct pr_result *r)
{
	int pass = r->ok || r->skipped;
	putf(b, "%s %u - ", pass ? "ok" : "not ok", num);
	tap_desc(b, r->target);
	if (r->skipped) {
		puts_(b, " # SKIP ");
		tap_desc(b, r->reason ? r->reason : "not needed");
	}
	puts_(b, "\n  ---\n");
	if (r->time_ns >= 0)
		putf(b, "  time_ms: %.3f\n", ms(r->time_ns));
	putf(b, "  attempts: %u\n", r->attempts);
	if (r->address)
		yaml_str(b, "address", r->address);
	if (r->http_code >= 0)
		putf(b, "  http_code: %d\n", r->http_code);
	if (!r->ok && !r->skipped) {
		yaml_str(b, "reason", r->reason ? r->reason : "failed");
		yaml_str(b, "error", r->error ? r->error : "failed");
	}
	puts_(b, "  ...\n");
	return done(b);
}

/* XML 1.0 attribute/text escaping; bytes outside printable ASCII (other
 * than tab/newline) become '?' so the document is always well-formed. */
static void xml(struct pr_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		case '\'': puts_(b, "&apos;"); break;
		default: {
			char o = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
			put(b, &o, 1);
		}
		}
	}
}

int pr_junit(struct pr_buf *b, const struct pr_result *r, size_t n,
             const struct pr_summary *s)
{
	double secs = (double)s->time_ns / 1e9;
	puts_(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	putf(b, "<testsuites name=\"probe\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
	        "skipped=\"%u\" time=\"%.3f\">\n", s->targets, s->failed,
	     s->skipped, secs);
	putf(b, "  <testsuite name=\"probe\" tests=\"%u\" failures=\"%u\" "
	        "errors=\"0\" skipped=\"%u\" time=\"%.3f\">\n", s->targets,
	     s->failed, s->skipped, secs);
	for (size_t i = 0; i < n; i++) {
		const struct pr_result *t = &r[i];
		puts_(b, "    <testcase name=\"");
		xml(b, t->target);
		putf(b, "\" classname=\"probe.%s\" time=\"%.6f\"", t->scheme,
		     t->time_ns >= 0 ? ms(t->time_ns) / 1000.0 : 0.0);
		if (t->ok && !t->skipped) {
			puts_(b, "/>\n");
			continue;
		}
		puts_(b, ">\n      ");
		if (t->skipped) {
			puts_(b, "<skipped message=\"");
			xml(b, t->reason ? t->reason : "not needed");
			puts_(b, "\"/>\n");
		} else {
			const char *why = t->reason ? t->reason : "failed";
			puts_(b, "<failure message=\"");
			xml(b, why);
			puts_(b, "\" type=\"");
			xml(b, t->error ? t->error : "failed");
			puts_(b, "\">");
			xml(b, t->target);
			puts_(b, ": ");
			xml(b, why);
			putf(b, " (%u attempt%s", t->attempts, t->attempts == 1 ? "" : "s");
			if (t->address) {
				puts_(b, ", address ");
				xml(b, t->address);
			}
			puts_(b, ")</failure>\n");
		}
		puts_(b, "    </testcase>\n");
	}
	puts_(b, "  </testsuite>\n</testsuites>\n");
	return done(b);
}
