/* status_set: HTTP status ranges; see status_set.h. */
#include <errno.h>
#include <stdio.h>

#include "status_set.h"

/* Three digits 100..599 at *pp. */
static int code(const char **pp, uint16_t *out)
{
	const char *p = *pp;
	unsigned v = 0;
	for (int i = 0; i < 3; i++, p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < 100 || v > 599)
		return -EINVAL;
	*out = (uint16_t)v;
	*pp = p;
	return 0;
}

int status_set_parse(const char *s, struct status_set *set)
{
	struct status_set t = { 0 };
	const char *p = s;
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		if (t.n == STATUS_SET_MAX)
			return -EINVAL;
		uint16_t lo, hi;
		if (code(&p, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (code(&p, &hi) < 0 || hi < lo)
				return -EINVAL;
		}
		t.lo[t.n] = lo;
		t.hi[t.n] = hi;
		t.n++;
		if (!*p)
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*set = t;
	return 0;
}

int status_set_has(const struct status_set *set, int c)
{
	for (int i = 0; i < set->n; i++)
		if (c >= set->lo[i] && c <= set->hi[i])
			return 1;
	return 0;
}

const char *status_set_format(const struct status_set *set, char *buf,
                              size_t size)
{
	size_t len = 0;
	if (!size)
		return buf;
	buf[0] = 0;
	for (int i = 0; i < set->n; i++) {
		int n = set->lo[i] == set->hi[i]
		        ? snprintf(buf + len, size - len, "%s%u", i ? "," : "",
		                   (unsigned)set->lo[i])
		        : snprintf(buf + len, size - len, "%s%u-%u", i ? "," : "",
		                   (unsigned)set->lo[i], (unsigned)set->hi[i]);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return buf;
}
