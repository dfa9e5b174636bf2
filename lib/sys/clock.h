/* clock: monotonic and wall time in nanoseconds. */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC  1000000000LL
#define NS_PER_MSEC 1000000LL
#define NS_PER_USEC 1000LL

int64_t clock_mono_ns(void);   /* CLOCK_MONOTONIC */
int64_t clock_wall_ns(void);   /* CLOCK_REALTIME */
struct timespec clock_ts(int64_t ns);
int64_t clock_ts_ns(const struct timespec *ts);
/* The earlier of two monotonic deadlines, where < 0 means "none". */
int64_t clock_min_deadline(int64_t a, int64_t b);
/* Milliseconds until `deadline_ns` (monotonic), rounded up, clamped to
 * [0, INT32_MAX]; -1 when deadline_ns < 0 (meaning "no deadline"). */
int clock_ms_until(int64_t deadline_ns);

#endif
