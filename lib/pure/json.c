/* json: JSON Lines writer with RFC 8259 escaping; see json.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

static void put(struct json *j, const char *s, size_t n)
{
	if (!j->failed && sb_grow_append(&j->buf, &j->len, &j->cap, s, n, 256) < 0)
		j->failed = 1;
}

static void putc_(struct json *j, char c) { put(j, &c, 1); }

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void put_string(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	putc_(j, '"');
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(j, e, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *e = NULL;
			switch (c) {
			case '\n': e = "\\n"; break;
			case '\r': e = "\\r"; break;
			case '\t': e = "\\t"; break;
			case '\b': e = "\\b"; break;
			case '\f': e = "\\f"; break;
			}
			if (e) {
				put(j, e, 2);
			} else {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				put(j, u, 6);
			}
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (len == 0) {
				put(j, "\\ufffd", 6);
				i++;
			} else {
				put(j, s + i, len);
				i += len;
			}
		}
	}
	putc_(j, '"');
}

static void key(struct json *j, const char *k)
{
	/* bit 0: no member yet at this depth; bit 1: inside an array */
	if (!(j->first[j->depth] & 1))
		putc_(j, ',');
	j->first[j->depth] &= ~1;
	if (k) {
		put_string(j, k, strlen(k));
		putc_(j, ':');
	}
}

void json_begin(struct json *j)
{
	memset(j, 0, sizeof *j);
	j->first[0] = 1;
	putc_(j, '{');
}

void json_strn(struct json *j, const char *k, const char *v, size_t n)
{
	key(j, k);
	put_string(j, v, n);
}

void json_str(struct json *j, const char *k, const char *v)
{
	if (!v) {
		json_null(j, k);
		return;
	}
	json_strn(j, k, v, strlen(v));
}

void json_int(struct json *j, const char *k, int64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%lld", (long long)v);
	key(j, k);
	put(j, b, (size_t)n);
}

void json_uint(struct json *j, const char *k, uint64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	key(j, k);
	put(j, b, (size_t)n);
}

void json_double(struct json *j, const char *k, double v, int decimals)
{
	if (!isfinite(v)) {
		json_null(j, k);
		return;
	}
	/* %f of DBL_MAX has 309 digits; bound the fraction so it all fits */
	char b[400];
	if (decimals < 0)
		decimals = 0;
	if (decimals > 30)
		decimals = 30;
	int n = snprintf(b, sizeof b, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof b) {
		json_null(j, k);
		return;
	}
	/* snprintf obeys LC_NUMERIC; JSON needs '.' */
	for (char *p = b; *p; p++)
		if (*p == ',')
			*p = '.';
	key(j, k);
	put(j, b, (size_t)n);
}

void json_bool(struct json *j, const char *k, int v)
{
	key(j, k);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	put(j, "null", 4);
}

static void open_(struct json *j, const char *k, char c)
{
	key(j, k);
	putc_(j, c);
	if (j->depth + 1 >= JSON_DEPTH) {
		j->failed = 1;
		return;
	}
	j->depth++;
	j->first[j->depth] = 1 | (c == '[' ? 2 : 0);
}

void json_obj(struct json *j, const char *k) { open_(j, k, '{'); }
void json_arr(struct json *j, const char *k) { open_(j, k, '['); }

void json_close(struct json *j)
{
	if (j->depth <= 0 || j->failed)
		return;
	int arr = (j->first[j->depth] >> 1) & 1;
	putc_(j, arr ? ']' : '}');
	j->depth--;
}

char *json_take(struct json *j)
{
	while (j->depth > 0 && !j->failed)
		json_close(j);
	putc_(j, '}');
	if (j->failed) {
		free(j->buf);
		j->buf = NULL;
		return NULL;
	}
	char *b = j->buf;
	j->buf = NULL;
	return b;
}

int json_end(struct json *j, FILE *fp)
{
	char *b = json_take(j);
	if (!b)
		return -1;
	int r = fprintf(fp, "%s\n", b) < 0 ? -1 : 0;
	if (fflush(fp))
		r = -1;
	free(b);
	return r;
}

void json_start(struct json *j, const char *applet)
{
	json_begin(j);
	json_str(j, "type", "start");
	json_int(j, "schema", JSON_SCHEMA);
	json_str(j, "applet", applet);
}
