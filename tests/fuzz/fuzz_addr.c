/* Fuzz address splitting and numeric parsing/formatting.
 * Invariants: no crash; split parts fit their buffers and, re-joined,
 * describe the input; numeric addresses format and re-parse to the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	char host[256], port[16];
	if (addr_split(s, host, sizeof host, port, sizeof port) == 0) {
		if (strlen(host) >= sizeof host || strlen(port) >= sizeof port)
			abort();
		struct sb_addr a, b;
		if (addr_numeric(host, 80, &a) == 0) {
			char buf[ADDR_STRLEN], h2[ADDR_STRLEN];
			addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof buf);
			addr_format_host((struct sockaddr *)&a.ss, h2, sizeof h2);
			if (addr_numeric(h2, 80, &b) != 0 ||
			    !addr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss))
				abort();
		}
	}
	struct sb_addr u;
	if (addr_unix(s, &u) == 0) {
		char buf[ADDR_STRLEN];
		addr_format((struct sockaddr *)&u.ss, u.len, buf, sizeof buf);
	}
	free(s);
	return 0;
}
