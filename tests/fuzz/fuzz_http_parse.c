/* Fuzz the HTTP response parser.  Input: one flag byte (bit 0: HEAD
 * request; the rest picks a split step), then the response bytes.
 * Invariants: no crash or sanitizer report; the event transcript (bodies
 * merged) is identical whether the input is fed whole, one byte at a time,
 * or in pieces of the chosen step; every BODY slice lies inside the input
 * piece it came from; bounds hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

struct tr {
	char *buf;
	size_t len, cap;
	uint64_t body;
	int finished;
};

static void put(struct tr *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = (t->len + n) * 2 + 64;
		char *b = realloc(t->buf, cap);
		if (!b)
			abort();
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

static void event(struct tr *t, const struct http_parser *p,
                  const struct http_event *ev, const char *lo, const char *hi)
{
	char tag = (char)('0' + ev->type);
	if (ev->type == HTTP_EV_BODY) {
		if (ev->len == 0 || ev->data < lo || ev->data + ev->len > hi)
			abort();
		put(t, ev->data, ev->len); /* bodies concatenate */
		t->body += ev->len;
		return;
	}
	put(t, &tag, 1);
	if (ev->type == HTTP_EV_STATUS || ev->type == HTTP_EV_HEADER ||
	    ev->type == HTTP_EV_TRAILER) {
		if (ev->len > HTTP_LINE_MAX || ev->value_len > HTTP_LINE_MAX)
			abort();
		put(t, ev->data, ev->len);
		put(t, "|", 1);
		if (ev->value)
			put(t, ev->value, ev->value_len);
	}
	if (ev->type == HTTP_EV_HEADERS_DONE) {
		char f = (char)('a' + p->framing);
		put(t, &f, 1);
		put(t, &p->content_length, sizeof p->content_length);
	}
	if (ev->type == HTTP_EV_ERROR)
		put(t, &ev->err, sizeof ev->err);
	if (ev->type == HTTP_EV_DONE || ev->type == HTTP_EV_ERROR)
		t->finished = 1;
}

static struct http_parser parser;

static void run(const char *in, size_t len, int head, size_t step, struct tr *t)
{
	struct http_event ev;
	size_t off = 0;

	http_parse_init(&parser, head);
	while (off < len && !t->finished) {
		size_t n = step && len - off > step ? step : len - off;
		const char *buf = in + off, *end = in + off + n;
		off += n;
		while (!t->finished) {
			size_t used = http_parse_feed(&parser, buf, (size_t)(end - buf), &ev);
			if (used > (size_t)(end - buf))
				abort();
			const char *lo = buf;
			buf += used;
			if (ev.type == HTTP_EV_NONE) {
				if (buf != end)
					abort();
				break;
			}
			event(t, &parser, &ev, lo, buf);
		}
	}
	if (!t->finished) {
		http_parse_eof(&parser, &ev);
		event(t, &parser, &ev, NULL, NULL);
	}
	if (parser.body_bytes != t->body)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int head = data[0] & 1;
	size_t step = (size_t)(data[0] >> 1) + 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	struct tr a = { 0 }, b = { 0 }, c = { 0 };

	run(in, len, head, 0, &a);
	run(in, len, head, 1, &b);
	run(in, len, head, step, &c);
	if (a.len != b.len || a.len != c.len ||
	    (a.len && (memcmp(a.buf, b.buf, a.len) || memcmp(a.buf, c.buf, a.len))))
		abort();
	free(a.buf);
	free(b.buf);
	free(c.buf);
	return 0;
}
