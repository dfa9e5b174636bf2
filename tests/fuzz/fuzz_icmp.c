/* Fuzz the ICMP codec: every form over arbitrary bytes.
 * Invariants: no crash, no read outside the input (ASan, the input is
 * copied to an exact-size heap buffer); a reply's payload lies inside the
 * input; icmp_len never exceeds the input; error texts are terminated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	for (int f = ICMP_V4_RAW; f <= ICMP_V6; f++) {
		struct icmp_msg m;
		enum icmp_kind k = icmp_parse((enum icmp_form)f, b, size, &m);
		if (k == ICMP_MALFORMED)
			continue;
		if (m.icmp_len > size)
			abort();
		if (k == ICMP_REPLY) {
			if (m.data < b || m.data + m.data_len > b + size)
				abort();
			int ok;
			(void)icmp_payload_time(&m, &ok);
			(void)icmp_payload_ok(&m, b, size, NULL);
		}
		char text[128];
		icmp_error_text(f == ICMP_V6, m.type, m.code, m.info, text, sizeof text);
		if (!memchr(text, 0, sizeof text))
			abort();
	}
	struct icmp_msg o;
	(void)icmp_parse_orig(0, b, size, &o);
	(void)icmp_parse_orig(1, b, size, &o);
	free(b);
	return 0;
}
