/* Fuzz the option-value parsers: numbers, durations, sizes, fixed point.
 * Invariants: no crash; a successful parse is within the asked range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	uint64_t u;
	int64_t i;
	if (num_parse_u64(s, 1, 65535, &u) == 0 && (u < 1 || u > 65535))
		abort();
	if (num_parse_i64(s, -5, 5, &i) == 0 && (i < -5 || i > 5))
		abort();
	if (dur_parse(s, 1000000000, &i) == 0 && (i < 0 || i > (1LL << 62)))
		abort();
	if (dur_parse(s, 1000000, &i) == 0 && i < 0)
		abort();
	if (num_parse_size(s, 1u << 30, &u) == 0 && u > (1u << 30))
		abort();
	if (num_parse_fixed(s, 1000, -1000000, 1000000, &i) == 0 &&
	    (i < -1000000 || i > 1000000))
		abort();
	free(s);
	return 0;
}
