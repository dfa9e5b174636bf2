/* writeout: see writeout.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "writeout.h"

enum kind { K_STR, K_INT, K_U64, K_TIME, K_CODE, K_VER };

struct var {
	const char *name;
	enum kind kind;
	size_t off;
};

#define V(n, k) { #n, k, offsetof(struct wo_vars, n) }
/* Sorted by name, as curl writes %{json}. */
static const struct var vars[] = {
	V(content_type, K_STR),
	V(errormsg, K_STR),
	V(exitcode, K_INT),
	V(filename_effective, K_STR),
	V(http_code, K_CODE),
	{ "http_version", K_VER, offsetof(struct wo_vars, http_version_minor) },
	V(method, K_STR),
	V(num_connects, K_INT),
	V(num_headers, K_INT),
	V(num_redirects, K_INT),
	V(redirect_url, K_STR),
	V(remote_ip, K_STR),
	V(remote_port, K_INT),
	{ "response_code", K_CODE, offsetof(struct wo_vars, http_code) },
	V(size_download, K_U64),
	V(size_header, K_U64),
	V(size_request, K_U64),
	V(ssl_verify_result, K_INT),
	V(time_appconnect, K_TIME),
	V(time_connect, K_TIME),
	V(time_namelookup, K_TIME),
	V(time_pretransfer, K_TIME),
	V(time_redirect, K_TIME),
	V(time_starttransfer, K_TIME),
	V(time_total, K_TIME),
	V(url, K_STR),
	V(url_effective, K_STR),
};
#undef V

static const void *field(const struct wo_vars *v, const struct var *d)
{
	return (const char *)v + d->off;
}

static long ival(const struct wo_vars *v, const struct var *d)
{
	if (!strcmp(d->name, "num_redirects") || !strcmp(d->name, "num_connects") ||
	    !strcmp(d->name, "num_headers"))
		return (long)*(const unsigned *)field(v, d);
	return *(const int *)field(v, d);
}

/* The text of one variable (not json). */
static size_t format_var(const struct wo_vars *v, const struct var *d,
                         char *buf, size_t size, const char **str)
{
	int n = 0;
	*str = NULL;
	switch (d->kind) {
	case K_STR: {
		const char *s = *(const char *const *)field(v, d);
		*str = s ? s : "";
		return strlen(*str);
	}
	case K_INT: n = snprintf(buf, size, "%ld", ival(v, d)); break;
	case K_CODE: n = snprintf(buf, size, "%03d", *(const int *)field(v, d)); break;
	case K_U64:
		n = snprintf(buf, size, "%llu",
		             (unsigned long long)*(const uint64_t *)field(v, d));
		break;
	case K_TIME: n = snprintf(buf, size, "%.6f", *(const double *)field(v, d)); break;
	case K_VER: {
		int m = *(const int *)field(v, d);
		n = m < 0 ? snprintf(buf, size, "0") : snprintf(buf, size, "1.%d", m);
		break;
	}
	}
	return n > 0 ? (size_t)n : 0;
}

static void render_json(const struct wo_vars *v, const struct wo_sink *s, int stream)
{
	struct json j;
	char *text;

	json_begin(&j);
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const struct var *d = &vars[i];
		switch (d->kind) {
		case K_STR: {
			const char *str = *(const char *const *)field(v, d);
			if (str)
				json_str(&j, d->name, str);
			else
				json_null(&j, d->name);
			break;
		}
		case K_INT: json_int(&j, d->name, ival(v, d)); break;
		case K_CODE: json_int(&j, d->name, *(const int *)field(v, d)); break;
		case K_U64: json_uint(&j, d->name, *(const uint64_t *)field(v, d)); break;
		case K_TIME: json_double(&j, d->name, *(const double *)field(v, d), 6); break;
		case K_VER: {
			char b[8];
			const char *str;
			format_var(v, d, b, sizeof b, &str);
			json_str(&j, d->name, b);
			break;
		}
		}
	}
	text = json_take(&j);
	if (text) {
		s->emit(s->ctx, stream, text, strlen(text));
		free(text);
	}
}

void writeout_render(const char *fmt, const struct wo_vars *v,
                     const struct wo_sink *s)
{
	int stream = 1;
	const char *lit = fmt, *p = fmt;

#define FLUSH() do { if (p > lit) s->emit(s->ctx, stream, lit, (size_t)(p - lit)); } while (0)
	while (*p) {
		if (*p == '\\' && p[1]) {
			const char *c = p[1] == 'n' ? "\n" : p[1] == 'r' ? "\r" :
			                p[1] == 't' ? "\t" : NULL;
			if (!c) {
				p += 2;
				continue;  /* written as is */
			}
			FLUSH();
			s->emit(s->ctx, stream, c, 1);
			p += 2;
			lit = p;
			continue;
		}
		if (*p != '%') {
			p++;
			continue;
		}
		if (p[1] == '%') {
			FLUSH();
			s->emit(s->ctx, stream, "%", 1);
			p += 2;
			lit = p;
			continue;
		}
		const char *close = p[1] == '{' ? strchr(p + 2, '}') : NULL;
		if (!close) {
			p++;
			continue;          /* a lone '%' is literal */
		}
		FLUSH();
		const char *name = p + 2;
		size_t n = (size_t)(close - name);
		p = lit = close + 1;
		if (n == 6 && !strncmp(name, "stdout", 6)) {
			stream = 1;
			continue;
		}
		if (n == 6 && !strncmp(name, "stderr", 6)) {
			stream = 2;
			continue;
		}
		if (n == 4 && !strncmp(name, "json", 4)) {
			render_json(v, s, stream);
			continue;
		}
		size_t i;
		for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
			if (strlen(vars[i].name) == n && !strncmp(vars[i].name, name, n))
				break;
		if (i == sizeof vars / sizeof vars[0]) {
			if (s->unknown)
				s->unknown(s->ctx, name, n);
			continue;
		}
		char buf[64];
		const char *str;
		size_t len = format_var(v, &vars[i], buf, sizeof buf, &str);
		s->emit(s->ctx, stream, str ? str : buf, len);
	}
	FLUSH();
#undef FLUSH
}
