/* probe_target: target URLs and target-file lines; see probe_target.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "num.h"
#include "probe_target.h"

static const struct {
	const char *name;
	enum pt_scheme scheme;
} schemes[] = {
	{ "tcp", PT_TCP }, { "udp", PT_UDP }, { "unix", PT_UNIX },
	{ "icmp", PT_ICMP }, { "http", PT_HTTP }, { "https", PT_HTTPS },
};

const char *pt_scheme_name(enum pt_scheme s)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (schemes[i].scheme == s)
			return schemes[i].name;
	return "?";
}

const char *pt_strerror(int err)
{
	switch (err) {
	case PT_OK: return "success";
	case PT_E_SCHEME: return "expected tcp://, udp://, unix://, icmp://, http:// or https://";
	case PT_E_HOST: return "invalid host";
	case PT_E_PORT: return "missing or invalid port (1-65535)";
	case PT_E_PATH: return "invalid path";
	case PT_E_CHAR: return "control character or space";
	case PT_E_TOO_LONG: return "too long";
	case PT_E_OPTION: return "unknown option (timeout=, max-rtt=, send=, expect=, status=, type=)";
	case PT_E_VALUE: return "invalid option value";
	case PT_E_USERINFO: return "user@ is not supported";
	case PT_E_EMPTY: return "no target";
	}
	return "invalid target";
}

static int is_hostch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static void target_init(struct pt_target *t)
{
	memset(t, 0, sizeof *t);
	t->timeout_ns = -1;
	t->max_rtt_ns = -1;
	t->send_len = -1;
	t->expect_len = -1;
}

/* host[:port] in s[0..n) */
static int parse_authority(const char *s, size_t n, struct pt_target *t,
                           int *have_port)
{
	size_t hend;
	const char *p;
	*have_port = 0;
	if (memchr(s, '@', n))
		return PT_E_USERINFO;
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return PT_E_HOST;
		size_t hl = (size_t)(close - s - 1);
		if (hl == 0 || hl >= PT_HOST_MAX)
			return hl ? PT_E_TOO_LONG : PT_E_HOST;
		for (size_t i = 1; i <= hl; i++)
			if (!is_hex(s[i]) && s[i] != ':' && s[i] != '.' && s[i] != '%' &&
			    !is_hostch(s[i]))
				return PT_E_HOST;
		if (!memchr(s + 1, ':', hl))
			return PT_E_HOST;
		memcpy(t->host, s + 1, hl);
		t->host[hl] = 0;
		t->ipv6_literal = 1;
		hend = (size_t)(close - s) + 1;
		if (hend < n && s[hend] != ':')
			return PT_E_HOST;
	} else {
		p = memchr(s, ':', n);
		hend = p ? (size_t)(p - s) : n;
		if (hend == 0)
			return PT_E_HOST;
		if (hend >= PT_HOST_MAX)
			return PT_E_TOO_LONG;
		for (size_t i = 0; i < hend; i++)
			if (!is_hostch(s[i]))
				return PT_E_HOST;
		memcpy(t->host, s, hend);
		t->host[hend] = 0;
	}
	if (hend < n) {
		/* s[hend] == ':' */
		char num[8];
		size_t pl = n - hend - 1;
		if (pl == 0 || pl >= sizeof num)
			return PT_E_PORT;
		memcpy(num, s + hend + 1, pl);
		num[pl] = 0;
		uint64_t v;
		if (num_parse_u64(num, 1, 65535, &v) < 0)
			return PT_E_PORT;
		t->port = (uint16_t)v;
		*have_port = 1;
	}
	return PT_OK;
}

static int parse_unix(const char *rest, struct pt_target *t)
{
	/* unix:///path -> rest "/path"; unix://@name -> rest "@name" */
	size_t n = strlen(rest);
	if (n < 2 || (rest[0] != '/' && rest[0] != '@'))
		return PT_E_PATH;
	if (n >= 108)
		return PT_E_TOO_LONG;
	memcpy(t->host, rest, n + 1);
	return PT_OK;
}

int pt_parse_url(const char *s, struct pt_target *t)
{
	target_init(t);
	if (!s)
		return PT_E_SCHEME;
	size_t total = strlen(s);
	if (total >= PT_PATH_MAX)
		return PT_E_TOO_LONG;
	for (size_t i = 0; i < total; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return PT_E_CHAR;
	const char *sep = strstr(s, "://");
	if (!sep)
		return PT_E_SCHEME;
	size_t sl = (size_t)(sep - s);
	int found = 0;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i].name) == sl &&
		    !strncasecmp(s, schemes[i].name, sl)) {
			t->scheme = schemes[i].scheme;
			found = 1;
		}
	if (!found)
		return PT_E_SCHEME;
	const char *rest = sep + 3;
	if (t->scheme == PT_UNIX)
		return parse_unix(rest, t);
	size_t alen = strcspn(rest, "/?#");
	int have_port;
	int r = parse_authority(rest, alen, t, &have_port);
	if (r)
		return r;
	const char *tail = rest + alen;
	switch (t->scheme) {
	case PT_TCP:
	case PT_UDP:
		if (!have_port)
			return PT_E_PORT;
		if (*tail && strcmp(tail, "/"))
			return PT_E_PATH;
		break;
	case PT_ICMP:
		if (have_port)
			return PT_E_PORT;
		if (*tail && strcmp(tail, "/"))
			return PT_E_PATH;
		break;
	default: { /* http, https */
		if (!have_port)
			t->port = t->scheme == PT_HTTP ? 80 : 443;
		size_t pl = strcspn(tail, "#");
		if (pl == 0) {
			strcpy(t->path, "/");
		} else {
			size_t off = tail[0] == '/' ? 0 : 1;  /* "?q" -> "/?q" */
			if (pl + off >= PT_PATH_MAX)
				return PT_E_TOO_LONG;
			t->path[0] = '/';
			memcpy(t->path + off, tail, pl);
			t->path[pl + off] = 0;
		}
	}
	}
	return PT_OK;
}

int pt_unescape(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (s[i]) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = 0; break;
			case 's': c = ' '; break;
			case '\\': c = '\\'; break;
			case 'x': {
				if (i + 2 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
					return -1;
				unsigned v = 0;
				for (int k = 1; k <= 2; k++) {
					char h = s[i + (size_t)k];
					v = v * 16 + (unsigned)(h <= '9' ? h - '0'
					                      : (h | 0x20) - 'a' + 10);
				}
				c = (char)v;
				i += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (o >= cap)
			return -1;
		out[o++] = c;
	}
	return (int)o;
}

static int set_option(const char *k, size_t kl, const char *v, size_t vl,
                      struct pt_target *t)
{
	char val[PT_DATA_MAX * 4];
	if (vl >= sizeof val)
		return PT_E_VALUE;
	memcpy(val, v, vl);
	val[vl] = 0;
#define KEY(name) (kl == sizeof(name) - 1 && !memcmp(k, name, kl))
	if (KEY("timeout") || KEY("max-rtt")) {
		int64_t ns;
		if (dur_parse(val, 1000000000LL, &ns) < 0 || ns <= 0)
			return PT_E_VALUE;
		if (KEY("timeout"))
			t->timeout_ns = ns;
		else
			t->max_rtt_ns = ns;
	} else if (KEY("send") || KEY("expect")) {
		char *dst = KEY("send") ? t->send : t->expect;
		int n = pt_unescape(val, vl, dst, PT_DATA_MAX);
		if (n < 0 || (KEY("expect") && n == 0))
			return PT_E_VALUE;
		if (KEY("send"))
			t->send_len = n;
		else
			t->expect_len = n;
	} else if (KEY("status")) {
		if (vl == 0 || vl >= PT_STATUS_MAX ||
		    (t->scheme != PT_HTTP && t->scheme != PT_HTTPS))
			return t->scheme != PT_HTTP && t->scheme != PT_HTTPS
			       ? PT_E_OPTION : PT_E_VALUE;
		memcpy(t->status, val, vl + 1);
	} else if (KEY("type")) {
		if (t->scheme != PT_UNIX)
			return PT_E_OPTION;
		if (!strcmp(val, "stream"))
			t->unix_type = PT_UNIX_STREAM;
		else if (!strcmp(val, "seqpacket"))
			t->unix_type = PT_UNIX_SEQPACKET;
		else if (!strcmp(val, "dgram"))
			t->unix_type = PT_UNIX_DGRAM;
		else
			return PT_E_VALUE;
	} else {
		return PT_E_OPTION;
	}
#undef KEY
	return PT_OK;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int pt_parse_line(const char *line, struct pt_target *t, const char **where)
{
	const char *p = line;
	int first = 1;
	if (where)
		*where = line;
	if (strlen(line) >= PT_LINE_MAX)
		return PT_E_TOO_LONG;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return first ? PT_E_EMPTY : PT_OK;
		const char *w = p;
		while (*p && !is_blank(*p))
			p++;
		size_t wl = (size_t)(p - w);
		if (where)
			*where = w;
		if (first) {
			char url[PT_PATH_MAX];
			if (wl >= sizeof url)
				return PT_E_TOO_LONG;
			memcpy(url, w, wl);
			url[wl] = 0;
			int r = pt_parse_url(url, t);
			if (r)
				return r;
			first = 0;
			continue;
		}
		const char *eq = memchr(w, '=', wl);
		if (!eq)
			return PT_E_OPTION;
		int r = set_option(w, (size_t)(eq - w), eq + 1,
		                   wl - (size_t)(eq - w) - 1, t);
		if (r)
			return r;
	}
}
