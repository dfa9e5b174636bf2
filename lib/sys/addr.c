/* addr: address parsing/formatting; see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"

int addr_split(const char *s, char *host, size_t hostsz, char *port,
               size_t portsz)
{
	const char *h = s, *p = NULL;
	size_t hl;
	if (!s || hostsz == 0 || portsz == 0)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != 0)
			return -EINVAL;
	} else {
		const char *colon = strchr(s, ':');
		/* more than one colon and no brackets: a bare IPv6 literal */
		if (colon && !strchr(colon + 1, ':')) {
			hl = (size_t)(colon - s);
			p = colon + 1;
		} else {
			hl = strlen(s);
		}
	}
	size_t pl = p ? strlen(p) : 0;
	if (hl >= hostsz || pl >= portsz || (p && pl == 0))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	memcpy(port, p ? p : "", pl);
	port[pl] = 0;
	return 0;
}

int addr_resolve(const char *host, uint16_t port, int family, int socktype,
                 int passive, struct sb_addr *out)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = socktype ? socktype : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : AI_ADDRCONFIG);
	if (host && !*host)
		host = NULL;
	char serv[8];
	snprintf(serv, sizeof serv, "%u", port);
	int r = getaddrinfo(host, serv, &hints, &res);
	if (r == EAI_NONAME || r == EAI_ADDRFAMILY || r == EAI_NODATA ||
	    (r == 0 && !res)) {
		/* AI_ADDRCONFIG hides ::1 when only loopback has IPv6; retry */
		if (res)
			freeaddrinfo(res);
		res = NULL;
		hints.ai_flags &= ~AI_ADDRCONFIG;
		r = getaddrinfo(host, serv, &hints, &res);
	}
	if (r)
		return r;
	if (!res)
		return EAI_NONAME;
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

const char *addr_strerror(int eai)
{
	if (eai == EAI_SYSTEM)
		return strerror(errno);
	return gai_strerror(eai);
}

int addr_numeric(const char *host, uint16_t port, struct sb_addr *out)
{
	memset(out, 0, sizeof *out);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		out->len = sizeof *in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->len = sizeof *in6;
		return 0;
	}
	return -EINVAL;
}

int addr_unix(const char *path, struct sb_addr *out)
{
	memset(out, 0, sizeof *out);
	struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;
	size_t n = strlen(path);
	if (n == 0 || (path[0] == '@' && n == 1))
		return -EINVAL;
	if (n >= sizeof un->sun_path)
		return -ENAMETOOLONG;
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n);
	if (path[0] == '@') {
		un->sun_path[0] = 0; /* abstract: no trailing NUL counted */
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

const char *addr_format_host(const struct sockaddr *sa, char *buf,
                             size_t bufsz)
{
	const void *src = NULL;
	if (sa->sa_family == AF_INET)
		src = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!src || !inet_ntop(sa->sa_family, src, buf, (socklen_t)bufsz))
		snprintf(buf, bufsz, "?");
	return buf;
}

const char *addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
                        size_t bufsz)
{
	char host[INET6_ADDRSTRLEN];
	switch (sa->sa_family) {
	case AF_INET:
		snprintf(buf, bufsz, "%s:%u", addr_format_host(sa, host, sizeof host),
		         addr_port(sa));
		break;
	case AF_INET6:
		snprintf(buf, bufsz, "[%s]:%u",
		         addr_format_host(sa, host, sizeof host), addr_port(sa));
		break;
	case AF_UNIX: {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? len - off : 0;
		if (n == 0) {
			snprintf(buf, bufsz, "(unnamed)");
		} else if (un->sun_path[0] == 0) {
			snprintf(buf, bufsz, "@%.*s", (int)(n - 1), un->sun_path + 1);
		} else {
			snprintf(buf, bufsz, "%.*s", (int)strnlen(un->sun_path, n),
			         un->sun_path);
		}
		break;
	}
	default:
		snprintf(buf, bufsz, "(family %d)", sa->sa_family);
	}
	return buf;
}

uint16_t addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void addr_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

int addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
	}
	return 0;
}
