/* status_set: a set of HTTP status codes written as ranges, pure.
 *
 * "200-299,301" -> { 200..299, 301 }.  Elements are a code or LO-HI, each
 * code 100..599, LO <= HI, separated by commas (no spaces); at most
 * STATUS_SET_MAX elements.  status_set_parse() returns 0 or -EINVAL; the
 * set is unchanged on error.  No I/O, no allocation. */
#ifndef SB_STATUS_SET_H
#define SB_STATUS_SET_H

#include <stddef.h>
#include <stdint.h>

#define STATUS_SET_MAX 16

struct status_set {
	int n;
	uint16_t lo[STATUS_SET_MAX], hi[STATUS_SET_MAX];
};

int status_set_parse(const char *s, struct status_set *set);
/* 1 when code is in the set. */
int status_set_has(const struct status_set *set, int code);
/* Canonical text "200-299,301" into buf (NUL-terminated); returns buf. */
const char *status_set_format(const struct status_set *set, char *buf,
                              size_t size);

#endif
