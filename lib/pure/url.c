/* url: see url.h for the contract. */
#include "url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int is_regname(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

const char *url_strerror(int err)
{
	switch (err) {
	case URL_OK: return "success";
	case URL_E_SCHEME: return "missing http:// scheme";
	case URL_E_UNSUPPORTED: return "unsupported scheme (only http:// and https:// are)";
	case URL_E_CHAR: return "control character in URL";
	case URL_E_HOST: return "bad host";
	case URL_E_PORT: return "bad port";
	case URL_E_USERINFO: return "invalid user information";
	case URL_E_TOO_LONG: return "URL too long";
	}
	return "malformed URL";
}

/* RFC 3986 §5.2.4 on the NUL-terminated, writable `in`; result to out. */
static int remove_dot_segments(char *in, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	while (in[i]) {
		char *p = in + i;
		if (!strncmp(p, "../", 3)) {
			i += 3;
		} else if (!strncmp(p, "./", 2) || !strncmp(p, "/./", 3)) {
			i += 2; /* "./" goes; "/./" becomes "/" */
		} else if (!strcmp(p, "/.")) {
			p[1] = '/';
			i += 1;
		} else if (!strncmp(p, "/../", 4) || !strcmp(p, "/..")) {
			if (p[3] == '\0') {
				p[2] = '/';
				i += 2;
			} else {
				i += 3;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (!strcmp(p, ".") || !strcmp(p, "..")) {
			i += strlen(p);
		} else {
			size_t n = 1;
			while (p[n] && p[n] != '/')
				n++;
			if (o + n >= outsz)
				return URL_E_TOO_LONG;
			memcpy(out + o, p, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return URL_OK;
}

/* Set u->path from a raw path[?query][#frag] (may be empty): drop the
 * fragment, refuse controls, percent-encode space and non-ASCII, remove
 * dot segments from the path part, make sure it starts with '/'. */
static int set_path(struct url *u, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[URL_PATH_MAX];
	char norm[URL_PATH_MAX];
	size_t i, e = 0, q;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_ctl(c))
			return URL_E_CHAR;
	}
	for (i = 0; i < len && s[i] != '#'; i++) {
		unsigned char c = (unsigned char)s[i];
		int esc = (c == ' ' || c >= 0x80);
		if (e + (esc ? 3u : 1u) >= sizeof(enc))
			return URL_E_TOO_LONG;
		if (esc) {
			enc[e++] = '%';
			enc[e++] = hex[c >> 4];
			enc[e++] = hex[c & 15];
		} else {
			enc[e++] = (char)c;
		}
	}
	enc[e] = '\0';
	q = strcspn(enc, "?");
	if (enc[0] != '/' && enc[0] != '?' && enc[0] != '\0')
		return URL_E_CHAR; /* callers only pass '/', '?' or empty */
	{
		char save = enc[q];
		int rc;
		enc[q] = '\0';
		rc = remove_dot_segments(enc, norm, sizeof(norm));
		if (rc)
			return rc;
		enc[q] = save;
	}
	{
		size_t nl = strlen(norm), ql = strlen(enc + q);
		if (nl == 0) {
			norm[0] = '/';
			nl = 1;
		}
		if (nl + ql >= sizeof(u->path))
			return URL_E_TOO_LONG;
		memcpy(u->path, norm, nl);
		memcpy(u->path + nl, enc + q, ql + 1);
	}
	return URL_OK;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned v = 0;
	size_t i;

	if (len == 0) {
		*port = 80;
		return URL_OK;
	}
	if (len > 5)
		return URL_E_PORT;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return URL_E_PORT;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return URL_E_PORT;
	*port = (uint16_t)v;
	return URL_OK;
}

/* "[v6(%25zone)?]" at s[0..len) including brackets. */
static int parse_v6(const char *s, size_t len, struct url *u)
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	size_t n = len - 2, alen;
	const char *in = s + 1, *pct;

	pct = memchr(in, '%', n);
	alen = pct ? (size_t)(pct - in) : n;
	if (alen == 0 || alen >= sizeof(addr))
		return URL_E_HOST;
	memcpy(addr, in, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, bin) != 1)
		return URL_E_HOST;
	memcpy(u->host, addr, alen + 1);
	if (pct) {
		size_t zlen = n - alen, k;
		/* only "%25" + unreserved characters */
		if (zlen < 4 || strncmp(pct, "%25", 3) != 0)
			return URL_E_HOST;
		for (k = 3; k < zlen; k++)
			if (!is_regname((unsigned char)pct[k]))
				return URL_E_HOST;
		if (alen + 1 + (zlen - 3) >= sizeof(u->host))
			return URL_E_HOST;
		u->host[alen] = '%';
		memcpy(u->host + alen + 1, pct + 3, zlen - 3);
		u->host[alen + 1 + zlen - 3] = '\0';
	}
	u->ipv6 = 1;
	return URL_OK;
}

static int parse_authority(const char *s, size_t len, struct url *u)
{
	const char *colon;
	size_t hlen, i;

	const char *at = NULL;

	for (i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	u->userinfo[0] = '\0';
	if (at) {
		size_t ulen = (size_t)(at - s);
		if (ulen >= sizeof(u->userinfo))
			return URL_E_TOO_LONG;
		for (i = 0; i < ulen; i++)
			if (s[i] == ' ' || s[i] == '[' || s[i] == ']' ||
			    (unsigned char)s[i] >= 0x80)
				return URL_E_USERINFO;
		memcpy(u->userinfo, s, ulen);
		u->userinfo[ulen] = '\0';
		len -= ulen + 1;
		s = at + 1;
	}
	if (len > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		int rc;
		if (!rb)
			return URL_E_HOST;
		hlen = (size_t)(rb - s) + 1;
		rc = parse_v6(s, hlen, u);
		if (rc)
			return rc;
		if (hlen == len)
			return parse_port("", 0, &u->port);
		if (s[hlen] != ':')
			return URL_E_HOST;
		return parse_port(s + hlen + 1, len - hlen - 1, &u->port);
	}
	colon = memchr(s, ':', len);
	hlen = colon ? (size_t)(colon - s) : len;
	if (hlen == 0)
		return URL_E_HOST;
	if (hlen >= sizeof(u->host))
		return URL_E_TOO_LONG;
	for (i = 0; i < hlen; i++)
		if (!is_regname((unsigned char)s[i]))
			return URL_E_HOST;
	memcpy(u->host, s, hlen);
	u->host[hlen] = '\0';
	u->ipv6 = 0;
	if (!colon)
		return parse_port("", 0, &u->port);
	return parse_port(colon + 1, len - hlen - 1, &u->port);
}

/* Length of a scheme followed by ':' at the start of s, or 0. */
static size_t scheme_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':')
			return i;
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			return 0;
	}
	return 0;
}

/* Does a (valid) authority name a port ("h:8080", not "h" or "h:")? */
static int port_given(const char *s, size_t alen)
{
	const char *p = s, *end = s + alen, *colon;

	if (alen && s[0] == '[') {
		p = memchr(s, ']', alen);
		if (!p)
			return 0;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	return colon && colon + 1 < end;
}

int url_parse(const char *s, size_t len, struct url *u)
{
	size_t i, slen, alen;
	int rc;

	memset(u, 0, sizeof(*u));
	if (len > URL_INPUT_MAX)
		return URL_E_TOO_LONG;
	for (i = 0; i < len; i++)
		if (is_ctl((unsigned char)s[i]))
			return URL_E_CHAR;
	slen = scheme_len(s, len);
	if (slen == 0)
		return URL_E_SCHEME;
	if ((slen != 4 && slen != 5) || lower(s[0]) != 'h' || lower(s[1]) != 't' ||
	    lower(s[2]) != 't' || lower(s[3]) != 'p' ||
	    (slen == 5 && lower(s[4]) != 's'))
		return URL_E_UNSUPPORTED;
	if (len < slen + 3 || s[slen + 1] != '/' || s[slen + 2] != '/')
		return URL_E_SCHEME;
	s += slen + 3;
	len -= slen + 3;
	for (alen = 0; alen < len; alen++)
		if (s[alen] == '/' || s[alen] == '?' || s[alen] == '#')
			break;
	rc = parse_authority(s, alen, u);
	if (rc)
		return rc;
	u->https = slen == 5;
	if (u->https && !port_given(s, alen))
		u->port = 443;
	return set_path(u, s + alen, len - alen);
}

int url_resolve(const struct url *base, const char *ref, size_t len,
                struct url *out)
{
	char buf[URL_PATH_MAX * 2];
	size_t i, blen;

	if (len > URL_INPUT_MAX)
		return URL_E_TOO_LONG;
	for (i = 0; i < len; i++)
		if (is_ctl((unsigned char)ref[i]))
			return URL_E_CHAR;
	if (scheme_len(ref, len))
		return url_parse(ref, len, out);
	if (len >= 2 && ref[0] == '/' && ref[1] == '/') {
		/* "//host/p" keeps the base's scheme */
		const char *scheme = base->https ? "https:" : "http:";
		size_t sl = strlen(scheme);
		if (len + sl > sizeof(buf))
			return URL_E_TOO_LONG;
		memcpy(buf, scheme, sl + 1); /* with its NUL, overwritten */
		memcpy(buf + sl, ref, len);
		return url_parse(buf, len + sl, out);
	}
	memcpy(out, base, sizeof(*out));
	if (len == 0 || ref[0] == '#')
		return URL_OK;
	if (ref[0] == '/')
		return set_path(out, ref, len);
	/* "?q" keeps the base path; anything else merges with its directory */
	blen = strcspn(base->path, "?");
	if (ref[0] != '?') {
		while (blen > 0 && base->path[blen - 1] != '/')
			blen--;
	}
	if (blen + len > sizeof(buf))
		return URL_E_TOO_LONG;
	memcpy(buf, base->path, blen);
	memcpy(buf + blen, ref, len);
	return set_path(out, buf, blen + len);
}

static int put_host(const struct url *u, char *buf, size_t size, int zone)
{
	const char *pct = strchr(u->host, '%');
	int n;

	if (!u->ipv6)
		return snprintf(buf, size, "%s", u->host);
	if (!pct)
		return snprintf(buf, size, "[%s]", u->host);
	if (zone)
		return snprintf(buf, size, "[%.*s%%25%s]", (int)(pct - u->host),
		                u->host, pct + 1);
	n = snprintf(buf, size, "[%.*s]", (int)(pct - u->host), u->host);
	return n;
}

static uint16_t default_port(const struct url *u)
{
	return u->https ? 443 : 80;
}

static int finish(int n, size_t size)
{
	return (n < 0 || (size_t)n >= size) ? -1 : n;
}

int url_authority(const struct url *u, char *buf, size_t size)
{
	int n = put_host(u, buf, size, 0);

	if (finish(n, size) < 0)
		return -1;
	if (u->port != default_port(u)) {
		int m = snprintf(buf + n, size - (size_t)n, ":%u", u->port);
		if (finish(m, size - (size_t)n) < 0)
			return -1;
		n += m;
	}
	return n;
}

int url_format(const struct url *u, char *buf, size_t size)
{
	int n, m;

	n = snprintf(buf, size, u->https ? "https://" : "http://");
	if (finish(n, size) < 0)
		return -1;
	m = put_host(u, buf + n, size - (size_t)n, 1);
	if (finish(m, size - (size_t)n) < 0)
		return -1;
	n += m;
	if (u->port != default_port(u)) {
		m = snprintf(buf + n, size - (size_t)n, ":%u", u->port);
		if (finish(m, size - (size_t)n) < 0)
			return -1;
		n += m;
	}
	m = snprintf(buf + n, size - (size_t)n, "%s", u->path);
	if (finish(m, size - (size_t)n) < 0)
		return -1;
	return n + m;
}

int url_remote_name(const struct url *u, char *buf, size_t size)
{
	size_t end = strcspn(u->path, "?");
	size_t start = end;

	while (start > 0 && u->path[start - 1] != '/')
		start--;
	size_t n = end - start;
	if (n == 0 || n >= size || (n == 1 && u->path[start] == '.') ||
	    (n == 2 && u->path[start] == '.' && u->path[start + 1] == '.'))
		return -1;
	memcpy(buf, u->path + start, n);
	buf[n] = '\0';
	return 0;
}
