/* Fuzz the node information reply parser (ping -N) over arbitrary bytes.
 * Invariants: no crash, no read outside the input (ASan, the input is
 * copied to an exact-size heap buffer); the text is terminated, its
 * reported length is what was written (or the bound), and a small buffer
 * reports the same length as a large one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nodeinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char big[1 << 20];
	char small[24];
	uint8_t *b = malloc(size ? size : 1);

	if (!b)
		return 0;
	memcpy(b, data, size);
	if (size)
		b[0] = NODEINFO_REPLY;
	int n = nodeinfo_reply_text(big, sizeof big, b, size);
	if (n < 0 || !memchr(big, 0, sizeof big) ||
	    ((size_t)n < sizeof big && strlen(big) != (size_t)n))
		abort();
	if (nodeinfo_reply_text(small, sizeof small, b, size) != n || !memchr(small, 0, sizeof small))
		abort();
	(void)nodeinfo_reply_seq(1, b, size);
	free(b);
	return 0;
}
