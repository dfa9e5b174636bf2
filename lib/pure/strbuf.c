/* strbuf: see strbuf.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct strbuf sb_init(char *buf, size_t n)
{
	struct strbuf o = { buf, n, 0 };
	if (n)
		buf[0] = 0;
	return o;
}

void sb_printf(struct strbuf *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->n ? o->n - o->len : 0;
	va_start(ap, fmt);
	int r = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->len += (size_t)r;
}

int sb_done(const struct strbuf *o)
{
	if (o->n && o->len >= o->n)
		o->buf[o->n - 1] = 0;
	return o->len > INT32_MAX ? INT32_MAX : (int)o->len;
}

int sb_grow_append(char **buf, size_t *len, size_t *cap, const char *s,
                   size_t n, size_t first_cap)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : first_cap;
		while (c < *len + n + 1)
			c *= 2;
		char *b = realloc(*buf, c);
		if (!b)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return 0;
}
