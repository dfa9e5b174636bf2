/* services: port -> service name for TCP, as ss prints ports without -n.
 *
 * services_parse() reads the text of /etc/services ("name port/proto
 * [aliases] [# comment]" lines) and keeps, for each TCP port, the first
 * name given to it (what getservbyport() answers from the file).
 * services_name() then answers a port, or NULL: for port 0, for a port
 * with no name, and for a port in the ephemeral range (ss leaves those
 * numeric; the range is /proc/sys/net/ipv4/ip_local_port_range's, parsed
 * by services_set_ephemeral(), default 1024-4999 as ss's).
 *
 * Bounds: names longer than 31 bytes and malformed lines are skipped; at
 * most SERVICES_MAX ports.  No I/O, no globals; the table is the caller's
 * struct (about 80 KiB). */
#ifndef SB_SERVICES_H
#define SB_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#define SERVICES_MAX 2048
#define SERVICES_NAME 32

struct services {
	size_t n;
	uint16_t eph_lo, eph_hi;
	uint16_t port[SERVICES_MAX];          /* sorted */
	char name[SERVICES_MAX][SERVICES_NAME];
};

void services_init(struct services *sv);
/* Returns the number of TCP ports now known. */
size_t services_parse(struct services *sv, const char *text, size_t len);
/* "32768\t60999\n": 0, or -1 when malformed (the range is kept). */
int services_set_ephemeral(struct services *sv, const char *text, size_t len);
const char *services_name(const struct services *sv, uint16_t port);

#endif
