/* strbuf: formatted text appended to a caller's fixed buffer, pure.
 *
 * sb_printf() writes what still fits (vsnprintf's truncation) and counts
 * the whole length wanted in len, so a caller tells a truncation the way
 * snprintf's callers do: len >= n.  sb_done() returns that length (capped
 * at INT32_MAX), the buffer NUL-terminated whenever n > 0.  sb_grow_append()
 * is the same idea over a heap buffer that grows. */
#ifndef SB_STRBUF_H
#define SB_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t n, len;
};

struct strbuf sb_init(char *buf, size_t n);

/* Appends n bytes of s to the heap buffer *buf (length *len, capacity
 * *cap; the first allocation first_cap bytes, then doubling), keeping it
 * NUL-terminated.  0, or -1 when realloc fails (the buffer left as it
 * was). */
int sb_grow_append(char **buf, size_t *len, size_t *cap, const char *s,
                   size_t n, size_t first_cap);
__attribute__((format(printf, 2, 3)))
void sb_printf(struct strbuf *o, const char *fmt, ...);
int sb_done(const struct strbuf *o);

#endif
