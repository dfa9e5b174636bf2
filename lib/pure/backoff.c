/* backoff: exponential backoff with equal jitter; see backoff.h. */
#include "backoff.h"

int64_t backoff_delay(int64_t base_ns, int64_t max_ns, unsigned attempt,
                      uint32_t rnd)
{
	if (base_ns <= 0)
		base_ns = 1;
	if (max_ns < base_ns)
		max_ns = base_ns;
	int64_t d = base_ns;
	for (unsigned i = 1; i < attempt && d < max_ns; i++)
		d = d > max_ns / 2 ? max_ns : d * 2;
	if (d > max_ns)
		d = max_ns;
	int64_t half = d / 2;
	uint64_t span = (uint64_t)(d - half) + 1;
	return half + (int64_t)((uint64_t)rnd % span);
}

uint32_t backoff_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}
