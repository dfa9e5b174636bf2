/* Fuzz the sock_diag message walker.  Invariants: no crash or overread
 * (ASan); every decoded socket has a valid family and a state the kernel
 * can report; the walk ends; there are never more sockets than whole
 * minimal messages fit in the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy so ASan sees any read past the end */
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	struct diag_iter it;
	struct diag_sock s;
	int err;
	size_t socks = 0, steps = 0;
	enum diag_kind k;
	diag_iter_init(&it, b, size);
	while ((k = diag_iter_next(&it, &s, &err)) != DIAG_END) {
		if (++steps > size)
			abort();            /* each message consumes >= 16 bytes */
		if (k == DIAG_SOCK) {
			socks++;
			if (s.family != AF_INET && s.family != AF_INET6)
				abort();
			if (s.state == 12)      /* NEW_SYN_RECV is mapped */
				abort();
		}
		if (err < 0)
			abort();
	}
	if (socks * (16 + 72) > size)
		abort();
	free(b);
	return 0;
}
