/* addrmix: RFC 8305 interleaving; see addrmix.h. */
#include "addrmix.h"

/* Next index >= from whose family is (want) or is not (!want) `fam`. */
static size_t next_of(const int *family, size_t n, size_t from, int fam, int same)
{
	while (from < n && (family[from] == fam) != same)
		from++;
	return from;
}

void addrmix_interleave(const int *family, size_t n, size_t *order)
{
	size_t a, b, k = 0;
	int first;

	if (n == 0)
		return;
	first = family[0];
	a = next_of(family, n, 0, first, 1);     /* the first family */
	b = next_of(family, n, 0, first, 0);     /* everything else */
	while (k < n) {
		if (a < n) {
			order[k++] = a;
			a = next_of(family, n, a + 1, first, 1);
		}
		if (b < n) {
			order[k++] = b;
			b = next_of(family, n, b + 1, first, 0);
		}
	}
}
