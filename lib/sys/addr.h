/* addr: parsing and formatting of socket addresses.
 *
 * addr_split() is pure: "host:port", "[v6]:port", "host" (port NULL).
 * addr_resolve() wraps getaddrinfo (numeric output only, never reverse
 * DNS) and returns the first usable address; errors come back as an EAI_*
 * code that addr_strerror() turns into text.  Formatting is numeric:
 * "1.2.3.4:80", "[::1]:80", "/path", "@abstract". */
#ifndef SB_ADDR_H
#define SB_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN 128   /* enough for "[v6%scope]:port" and short paths */

struct sb_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Split "host:port" / "[v6]:port" / "host" into host and port (port set
 * to "" when absent).  Returns 0 or -EINVAL (bad brackets, too long). */
int addr_split(const char *s, char *host, size_t hostsz, char *port,
               size_t portsz);

/* Resolve host (NULL or "" means the wildcard/any when passive) and
 * numeric port for the given family (AF_UNSPEC/AF_INET/AF_INET6) and
 * socket type.  Returns 0 or an EAI_* code (errno set for EAI_SYSTEM). */
int addr_resolve(const char *host, uint16_t port, int family, int socktype,
                 int passive, struct sb_addr *out);
const char *addr_strerror(int eai);

/* Parse a numeric IPv4/IPv6 literal (no brackets) with port. 0 or -EINVAL. */
int addr_numeric(const char *host, uint16_t port, struct sb_addr *out);

/* Unix-domain: "@name" is the abstract namespace.  0 or -ENAMETOOLONG. */
int addr_unix(const char *path, struct sb_addr *out);

/* "1.2.3.4:80", "[::1]:80", "/path", "@name". Returns buf. */
const char *addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
                        size_t bufsz);
/* Host part only: "1.2.3.4", "::1". Returns buf. */
const char *addr_format_host(const struct sockaddr *sa, char *buf,
                             size_t bufsz);
uint16_t addr_port(const struct sockaddr *sa);
void addr_set_port(struct sockaddr *sa, uint16_t port);
/* 1 when both are the same family, address and port. */
int addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
