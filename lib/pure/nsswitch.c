/* nsswitch: see nsswitch.h. */
#include <string.h>

#include "nsswitch.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The services of one "db: ..." line [p, end) into out; -1 if the line is
 * not db's. */
static int line_services(const char *p, const char *end, const char *db,
                         char (*out)[NSS_NAME_MAX], int max)
{
	size_t dl = strlen(db);
	while (p < end && blank(*p))
		p++;
	if ((size_t)(end - p) <= dl || memcmp(p, db, dl) != 0)
		return -1;
	p += dl;
	while (p < end && blank(*p))
		p++;
	if (p == end || *p != ':')
		return -1;
	p++;
	int n = 0, depth = 0;
	while (p < end && *p != '#') {
		if (blank(*p)) {
			p++;
			continue;
		}
		if (*p == '[' || depth) {
			/* an action group: [NOTFOUND=return], up to its ']' */
			depth = *p != ']';
			p++;
			continue;
		}
		const char *w = p;
		while (p < end && !blank(*p) && *p != '[' && *p != '#')
			p++;
		size_t wl = (size_t)(p - w);
		if (wl < NSS_NAME_MAX && n < max) {
			memcpy(out[n], w, wl);
			out[n][wl] = 0;
			n++;
		}
	}
	return n;
}

int nss_services(const char *text, size_t len, const char *db,
                 char (*out)[NSS_NAME_MAX], int max)
{
	const char *p = text, *end = text + len;
	int found = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int n = line_services(p, le, db, out + found, max - found);
		if (n > 0)
			found += n;
		p = nl ? nl + 1 : end;
	}
	return found;
}
