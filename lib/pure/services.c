/* services: see services.h. */
#include "services.h"

#include <string.h>

void services_init(struct services *sv)
{
	sv->n = 0;
	sv->eph_lo = 1024;
	sv->eph_hi = 4999;
}

static int find(const struct services *sv, uint16_t port, size_t *at)
{
	size_t lo = 0, hi = sv->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sv->port[mid] == port) {
			*at = mid;
			return 1;
		}
		if (sv->port[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line [p, e): "name port/tcp ...". */
static void line(struct services *sv, const char *p, const char *e)
{
	while (p < e && blank(*p))
		p++;
	const char *name = p;
	while (p < e && !blank(*p) && *p != '#')
		p++;
	size_t nlen = (size_t)(p - name);
	if (nlen == 0 || nlen >= SERVICES_NAME)
		return;
	while (p < e && blank(*p))
		p++;
	unsigned long port = 0;
	const char *d = p;
	while (p < e && *p >= '0' && *p <= '9' && port <= 65535)
		port = port * 10 + (unsigned long)(*p++ - '0');
	if (p == d || port == 0 || port > 65535 || e - p < 4 || memcmp(p, "/tcp", 4) != 0 ||
	    (e - p > 4 && !blank(p[4]) && p[4] != '#'))
		return;
	size_t at;
	if (find(sv, (uint16_t)port, &at) || sv->n >= SERVICES_MAX)
		return;          /* the first name wins */
	memmove(&sv->port[at + 1], &sv->port[at], (sv->n - at) * sizeof sv->port[0]);
	memmove(&sv->name[at + 1], &sv->name[at], (sv->n - at) * sizeof sv->name[0]);
	sv->port[at] = (uint16_t)port;
	memcpy(sv->name[at], name, nlen);
	sv->name[at][nlen] = 0;
	sv->n++;
}

size_t services_parse(struct services *sv, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (p < e && *p != '#')
			line(sv, p, e);
		p = nl ? nl + 1 : end;
	}
	return sv->n;
}

static const char *num(const char *p, const char *e, unsigned long *v)
{
	while (p < e && blank(*p))
		p++;
	const char *d = p;
	*v = 0;
	while (p < e && *p >= '0' && *p <= '9' && *v <= 65535)
		*v = *v * 10 + (unsigned long)(*p++ - '0');
	return p == d || *v > 65535 ? NULL : p;
}

int services_set_ephemeral(struct services *sv, const char *text, size_t len)
{
	unsigned long lo, hi;
	const char *p = num(text, text + len, &lo);
	if (!p || !num(p, text + len, &hi) || lo > hi)
		return -1;
	sv->eph_lo = (uint16_t)lo;
	sv->eph_hi = (uint16_t)hi;
	return 0;
}

const char *services_name(const struct services *sv, uint16_t port)
{
	size_t at;
	if (port == 0 || (port >= sv->eph_lo && port <= sv->eph_hi) || !find(sv, port, &at))
		return NULL;
	return sv->name[at];
}
