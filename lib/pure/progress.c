/* progress: see progress.h. */
#include <stdio.h>
#include <string.h>

#include "progress.h"

void progress_human(char *buf, size_t size, double v)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

size_t progress_line(char *buf, size_t size, uint64_t got, uint64_t total,
                     double secs)
{
	char g[32], rate[32];
	double r = secs > 0 ? (double)got / secs : 0;
	int n;

	progress_human(g, sizeof g, (double)got);
	progress_human(rate, sizeof rate, r);
	if (total > 0) {
		int pct = got >= total ? 100 : (int)((double)got * 100.0 / (double)total);
		int bar = pct / 5;
		long eta = r > 0 && got < total ? (long)((double)(total - got) / r) : 0;
		char b[21];
		memset(b, ' ', 20);
		memset(b, '=', (size_t)bar);
		b[20] = '\0';
		n = snprintf(buf, size, "\r%3d%% [%s] %10s %10s/s ETA %ld:%02ld:%02ld ",
		             pct, b, g, rate, eta / 3600, eta / 60 % 60, eta % 60);
	} else {
		n = snprintf(buf, size, "\r%10s %10s/s ", g, rate);
	}
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}
