/* num: strict, locale-independent number and duration parsing. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "num.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Parse decimal digits at *pp into v; at least one digit required. */
static int digits(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t acc = 0;
	if (!is_digit(*p))
		return -EINVAL;
	int overflow = 0;
	for (; is_digit(*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (acc > (UINT64_MAX - d) / 10)
			overflow = 1;
		else
			acc = acc * 10 + d;
	}
	*pp = p;
	*v = acc;
	return overflow ? -ERANGE : 0;
}

int num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	const char *p = s;
	uint64_t v;
	int r = digits(&p, &v);
	if (r == -EINVAL || *p)
		return -EINVAL;
	if (r < 0 || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s)
		return -EINVAL;
	int neg = (*s == '-');
	const char *p = s + (neg || *s == '+');
	uint64_t v;
	int r = digits(&p, &v);
	if (r == -EINVAL || *p)
		return -EINVAL;
	if (r < 0 || v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -ERANGE;
	int64_t sv = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (sv < min || sv > max)
		return -ERANGE;
	*out = sv;
	return 0;
}

/* "I[.F]" as a value scaled by `scale` (a power of ten or any factor);
 * extra fraction digits beyond the scale's precision are truncated. */
static int fixed(const char **pp, uint64_t scale, uint64_t *out)
{
	const char *p = *pp;
	uint64_t ip = 0;
	int have = 0;
	if (is_digit(*p)) {
		int r = digits(&p, &ip);
		if (r < 0)
			return r;
		have = 1;
	}
	uint64_t frac = 0, den = 1;
	if (*p == '.') {
		p++;
		for (; is_digit(*p); p++) {
			have = 1;
			if (den <= UINT64_MAX / 10 / 10 && den < scale) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				den *= 10;
			}
		}
	}
	if (!have)
		return -EINVAL;
	if (ip && ip > UINT64_MAX / scale)
		return -ERANGE;
	uint64_t v = ip * scale;
	/* frac/den * scale, exact when scale is a multiple of den */
	unsigned __int128 f = (unsigned __int128)frac * scale / den;
	if (f > UINT64_MAX - v)
		return -ERANGE;
	*out = v + (uint64_t)f;
	*pp = p;
	return 0;
}

int num_parse_fixed(const char *s, int64_t scale, int64_t min, int64_t max,
                    int64_t *out)
{
	if (!s || scale <= 0)
		return -EINVAL;
	int neg = (*s == '-');
	const char *p = s + (neg || *s == '+');
	uint64_t v;
	int r = fixed(&p, (uint64_t)scale, &v);
	if (r < 0)
		return r;
	if (*p)
		return -EINVAL;
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	int64_t sv = neg ? -(int64_t)v : (int64_t)v;
	if (sv < min || sv > max)
		return -ERANGE;
	*out = sv;
	return 0;
}

int dur_parse(const char *s, int64_t default_unit_ns, int64_t *ns_out)
{
	static const struct { const char *suffix; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }, { "m", 60000000000 }, { "h", 3600000000000 },
	};
	if (!s || default_unit_ns <= 0)
		return -EINVAL;
	const char *p = s;
	size_t n = strlen(s);
	size_t numlen = n;
	while (numlen > 0 && ((s[numlen - 1] >= 'a' && s[numlen - 1] <= 'z')))
		numlen--;
	int64_t unit = default_unit_ns;
	if (numlen < n) {
		unit = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (!strcmp(s + numlen, units[i].suffix))
				unit = units[i].ns;
		if (!unit)
			return -EINVAL;
	}
	if (numlen == 0 || numlen > 64)
		return -EINVAL;
	char num[65];
	memcpy(num, s, numlen);
	num[numlen] = 0;
	p = num;
	uint64_t v;
	int r = fixed(&p, (uint64_t)unit, &v);
	if (r < 0)
		return r;
	if (*p)
		return -EINVAL;
	if (v > (1ULL << 62))
		return -ERANGE;
	*ns_out = (int64_t)v;
	return 0;
}

int num_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s)
		return -EINVAL;
	size_t n = strlen(s);
	uint64_t mul = 1;
	char last = s[n - 1];
	if (last == 'k' || last == 'K')
		mul = 1ULL << 10;
	else if (last == 'm' || last == 'M')
		mul = 1ULL << 20;
	else if (last == 'g' || last == 'G')
		mul = 1ULL << 30;
	if (mul > 1)
		n--;
	if (n == 0 || n > 32)
		return -EINVAL;
	char num[33];
	memcpy(num, s, n);
	num[n] = 0;
	uint64_t v;
	int r = num_parse_u64(num, 0, UINT64_MAX, &v);
	if (r < 0)
		return r;
	if (v > UINT64_MAX / mul || v * mul > max)
		return -ERANGE;
	*out = v * mul;
	return 0;
}
