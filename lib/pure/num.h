/* num: pure, locale-independent parsing of numbers and durations.
 *
 * All functions take a NUL-terminated string, reject empty strings,
 * leading/trailing garbage, signs where not allowed and overflow, and
 * return 0 on success or a negative errno (-EINVAL syntax, -ERANGE range).
 * Nothing is printed; applets use opt_*() in opt.h for checked options. */
#ifndef SB_NUM_H
#define SB_NUM_H

#include <stdint.h>

/* Unsigned decimal integer in [min, max]. */
int num_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Signed decimal integer in [min, max]. */
int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Duration: a decimal number with optional fraction ("0.2", "1.5e0" is not
 * accepted) and an optional unit: ns, us, ms, s, m, h.  Without a unit,
 * `default_unit_ns` applies (1000000000 for seconds).  Result in
 * nanoseconds, at most 2^62 ns.  Fractions below 1 ns are truncated. */
int dur_parse(const char *s, int64_t default_unit_ns, int64_t *ns_out);

/* Decimal with fraction ("0.5", "12", "3.25") as a fixed-point integer
 * scaled by `scale` (e.g. scale=1000 gives thousandths); pure, no locale. */
int num_parse_fixed(const char *s, int64_t scale, int64_t min, int64_t max,
                    int64_t *out);

/* Byte size with optional suffix k/K (1024), m/M, g/G, or none. */
int num_parse_size(const char *s, uint64_t max, uint64_t *out);

#endif
