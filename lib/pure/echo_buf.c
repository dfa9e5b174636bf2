/* echo_buf: unsent bytes of one echo connection (see echo_buf.h).
 *
 * The allocation size is not stored (the struct stays 16 bytes).
 * Invariant: the allocation holds at least cap_for(off + len) bytes
 * (off + len rounded up to a power of two, at least 512).  off + len only
 * shrinks by compaction, which keeps the invariant; growth past the
 * derived bound reallocates to cap_for(new end). */
#include "echo_buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_BUF_MIN 512u

static size_t cap_for(size_t n)
{
	size_t c = ECHO_BUF_MIN;
	while (c < n)
		c <<= 1;
	return c;
}

/* Make room for `extra` more bytes at the end.  Compacts (moves the
 * unsent bytes to the front) when that suffices, else reallocates. */
static int reserve(struct echo_buf *b, size_t extra)
{
	size_t need = (size_t)b->len + extra;
	if (need > ECHO_BUF_MAX)
		return -E2BIG;
	if (b->data == NULL) {
		b->data = malloc(cap_for(need));
		if (b->data == NULL)
			return -ENOMEM;
		b->off = 0;
		return 0;
	}
	size_t cap = cap_for((size_t)b->off + b->len);
	if ((size_t)b->off + need <= cap)
		return 0;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (need > cap) {
		char *d = realloc(b->data, cap_for(need));
		if (d == NULL)
			return -ENOMEM;
		b->data = d;
	}
	return 0;
}

int echo_buf_append(struct echo_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	int r = reserve(b, n);
	if (r < 0)
		return r;
	memcpy(b->data + b->off + b->len, p, n);
	b->len += (uint32_t)n;
	return 0;
}

const char *echo_buf_peek(const struct echo_buf *b, size_t *n)
{
	*n = b->len;
	return b->len ? b->data + b->off : NULL;
}

void echo_buf_consume(struct echo_buf *b, size_t n)
{
	if (n >= b->len) {
		echo_buf_free(b);
		return;
	}
	b->off += (uint32_t)n;
	b->len -= (uint32_t)n;
}

int echo_buf_push_rec(struct echo_buf *b, const void *p, size_t n)
{
	if (n > ECHO_BUF_MAX - 4)
		return -E2BIG;
	int r = reserve(b, n + 4);
	if (r < 0)
		return r;
	uint32_t n32 = (uint32_t)n;
	char *end = b->data + b->off + b->len;
	memcpy(end, &n32, 4);
	if (n)
		memcpy(end + 4, p, n);
	b->len += n32 + 4;
	return 0;
}

const char *echo_buf_peek_rec(const struct echo_buf *b, size_t *n)
{
	uint32_t n32;
	if (b->len < 4) {
		*n = 0;
		return NULL;
	}
	memcpy(&n32, b->data + b->off, 4);
	*n = n32;
	return b->data + b->off + 4;
}

void echo_buf_pop_rec(struct echo_buf *b)
{
	size_t n;
	if (echo_buf_peek_rec(b, &n) == NULL)
		return;
	echo_buf_consume(b, n + 4);
}

void echo_buf_free(struct echo_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = 0;
	b->len = 0;
}
