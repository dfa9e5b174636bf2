/* clock: monotonic and wall time helpers. */
#include <limits.h>

#include "clock.h"

int64_t clock_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS_PER_SEC + ts->tv_nsec;
}

struct timespec clock_ts(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / NS_PER_SEC,
	                       .tv_nsec = ns % NS_PER_SEC };
	if (ts.tv_nsec < 0) {
		ts.tv_nsec += NS_PER_SEC;
		ts.tv_sec--;
	}
	return ts;
}

int64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return clock_ts_ns(&ts);
}

int64_t clock_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return clock_ts_ns(&ts);
}

int64_t clock_min_deadline(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int clock_ms_until(int64_t deadline_ns)
{
	if (deadline_ns < 0)
		return -1;
	int64_t left = deadline_ns - clock_mono_ns();
	if (left <= 0)
		return 0;
	int64_t ms = (left + NS_PER_MSEC - 1) / NS_PER_MSEC;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
