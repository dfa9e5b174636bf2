/* addrmix: the order in which to try a host's addresses (RFC 8305 §4).
 *
 * Given the families of a resolved list in the resolver's order (RFC 6724
 * sorted by getaddrinfo), produce an order that keeps each family's own
 * order but alternates families, starting with the family of the first
 * address: [6a 6b 6c 4a 4b] -> [6a 4a 6b 4b 6c].  ("First Address Family
 * Count" is 1.)  Pure: no I/O, no allocation. */
#ifndef SB_ADDRMIX_H
#define SB_ADDRMIX_H

#include <stddef.h>

/* order[0..n) receives indexes into family[0..n). */
void addrmix_interleave(const int *family, size_t n, size_t *order);

#endif
