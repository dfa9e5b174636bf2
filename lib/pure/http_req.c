/* http_req: request building; see http_req.h. */
#include <string.h>
#include <strings.h>

#include "http_req.h"

struct out {
	char *p, *end;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || (size_t)(o->end - o->p) < n) {
		o->over = 1;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void field(struct out *o, const char *name, const char *v1, const char *v2)
{
	puts_(o, name);
	puts_(o, ": ");
	puts_(o, v1);
	if (v2)
		puts_(o, v2);
	puts_(o, "\r\n");
}

static int is_tchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

/* Length of the name of -H argument h (up to ':' or ';'). */
static size_t name_len(const char *h)
{
	return strcspn(h, ":;");
}

int http_req_check_header(const char *h)
{
	size_t n = name_len(h);

	if (strpbrk(h, "\r\n"))
		return HTTP_REQ_CRLF;
	if (h[n] == '\0')
		return HTTP_REQ_NO_COLON;
	if (n == 0)
		return HTTP_REQ_BAD_NAME;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)h[i]))
			return HTTP_REQ_BAD_NAME;
	if (h[n] == ';') {
		/* only "Name;" (optionally followed by blanks) means empty */
		for (const char *p = h + n + 1; *p; p++)
			if (*p != ' ' && *p != '\t')
				return HTTP_REQ_NO_COLON;
	}
	return HTTP_REQ_OK;
}

const char *http_req_check_strerror(int e)
{
	switch (e) {
	case HTTP_REQ_CRLF: return "CR or LF in a header";
	case HTTP_REQ_NO_COLON: return "expected 'Name: value', 'Name:' or 'Name;'";
	case HTTP_REQ_BAD_NAME: return "invalid header name";
	default: return "ok";
	}
}

/* Does some -H name `name` (replacing or removing the default)? */
static int user_has(const struct http_req *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nextra; i++) {
		const char *h = r->extra[i];
		if (name_len(h) == n && strncasecmp(h, name, n) == 0)
			return 1;
	}
	return 0;
}

int http_base64(const unsigned char *in, size_t n, char *out, size_t size)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (n + 2) / 3 * 4 + 1, k = 0;

	if (need > size)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[k++] = tab[v >> 18 & 63];
		out[k++] = tab[v >> 12 & 63];
		out[k++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[k] = '\0';
	return 0;
}

int http_req_build(const struct http_req *r, char *buf, size_t size,
                   size_t *len)
{
	struct out o = { buf, buf + size, 0 };

	puts_(&o, r->head ? "HEAD " : "GET ");
	puts_(&o, r->target);
	puts_(&o, " HTTP/1.1\r\n");
	if (!user_has(r, "Host"))
		field(&o, "Host", r->authority, NULL);
	if (r->range && !user_has(r, "Range"))
		field(&o, "Range", "bytes=", r->range);
	if (r->user && !user_has(r, "Authorization")) {
		char b64[1400];
		if (http_base64((const unsigned char *)r->user, r->user_len, b64,
		                sizeof b64) < 0)
			return -1;
		field(&o, "Authorization", "Basic ", b64);
	}
	if (!user_has(r, "User-Agent") && r->agent && r->agent[0])
		field(&o, "User-Agent", r->agent, NULL);
	if (!user_has(r, "Accept"))
		field(&o, "Accept", "*/*", NULL);
	if (r->referer && !user_has(r, "Referer"))
		field(&o, "Referer", r->referer, NULL);
	if (!user_has(r, "Connection"))
		field(&o, "Connection", "close", NULL);
	for (size_t i = 0; i < r->nextra; i++) {
		const char *h = r->extra[i];
		size_t n = name_len(h);
		const char *v = h + n + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (h[n] == ';') {            /* "Name;": empty value */
			put(&o, h, n);
			puts_(&o, ":\r\n");
			continue;
		}
		if (*v == '\0')
			continue;             /* "Name:": removal only */
		puts_(&o, h);                 /* as written, like curl */
		puts_(&o, "\r\n");
	}
	puts_(&o, "\r\n");
	if (o.over)
		return -1;
	*len = (size_t)(o.p - buf);
	return 0;
}
