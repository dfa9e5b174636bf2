/* backoff: exponential backoff with jitter for retries, pure.
 *
 * backoff_delay(base, max, attempt, rnd): the wait before retry number
 * `attempt` (1 = after the first failure): d = min(max, base * 2^(attempt-1)),
 * then "equal jitter": a value in [d/2, d] chosen by rnd, so retries of
 * many targets spread out but never wait less than half the step or more
 * than max.  base > 0, max >= base.  backoff_rand() is a xorshift64*
 * generator over a caller-held, non-zero state (seed it from the clock). */
#ifndef SB_BACKOFF_H
#define SB_BACKOFF_H

#include <stdint.h>

int64_t backoff_delay(int64_t base_ns, int64_t max_ns, unsigned attempt,
                      uint32_t rnd);
uint32_t backoff_rand(uint64_t *state);

#endif
