/* progress: http-get's one-line progress bar, formatted (not written).
 *
 *   " 42% [========            ]   1.0 MiB   512.0 KiB/s ETA 0:00:01 "
 * when the total is known, else "   1.0 MiB   512.0 KiB/s ".  The line
 * starts with '\r' so it overwrites itself on a terminal.  Pure. */
#ifndef SB_PROGRESS_H
#define SB_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "1.5 KiB", "3.0 GiB" */
void progress_human(char *buf, size_t size, double bytes);
/* got bytes of total (0: unknown) after secs seconds.  Returns the
 * length written (< size), 0 if it did not fit. */
size_t progress_line(char *buf, size_t size, uint64_t got, uint64_t total,
                     double secs);

#endif
