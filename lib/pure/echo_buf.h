/* echo_buf: the unsent bytes of one echo connection, pure.
 *
 * An echo server reads into one shared buffer and writes straight back;
 * only what the peer did not accept is kept here.  An empty echo_buf owns
 * no memory (data == NULL), so an idle connection costs sizeof(struct
 * echo_buf) = 16 bytes.  Memory is allocated on the first leftover and
 * freed as soon as everything has been sent.
 *
 * Two disciplines share the struct:
 *  - byte stream (TCP, SOCK_STREAM): echo_buf_append / _peek / _consume;
 *  - records (SOCK_SEQPACKET): echo_buf_push_rec / _peek_rec / _pop_rec,
 *    each record stored behind a 4-byte length so boundaries survive.
 * Do not mix them on one buffer.
 *
 * Bounds: at most ECHO_BUF_MAX bytes are ever held (-E2BIG beyond, the
 * buffer unchanged); the caller applies backpressure well below that with
 * echo_buf_over(). Errors: -ENOMEM, -E2BIG; the buffer stays consistent.
 * No I/O, no globals. */
#ifndef SB_ECHO_BUF_H
#define SB_ECHO_BUF_H

#include <stddef.h>
#include <stdint.h>

#define ECHO_BUF_MAX (16u << 20)   /* hard cap per connection */

struct echo_buf {
	char *data;       /* NULL while empty */
	uint32_t off;     /* first unsent byte */
	uint32_t len;     /* unsent bytes from off */
};

/* Unsent bytes (for records: including the 4-byte headers). */
static inline size_t echo_buf_len(const struct echo_buf *b) { return b->len; }
/* 1 when more than `high` bytes wait: stop reading from that peer. */
static inline int echo_buf_over(const struct echo_buf *b, size_t high)
{
	return b->len > high;
}

/* Byte stream. Append n bytes after the unsent ones. 0 or -errno. */
int echo_buf_append(struct echo_buf *b, const void *p, size_t n);
/* Pointer to the unsent bytes and their count (NULL/0 when empty). */
const char *echo_buf_peek(const struct echo_buf *b, size_t *n);
/* n bytes were sent (n <= len); frees the memory once empty. */
void echo_buf_consume(struct echo_buf *b, size_t n);

/* Records. Queue one record of n bytes (n may be 0). 0 or -errno. */
int echo_buf_push_rec(struct echo_buf *b, const void *p, size_t n);
/* Oldest record: pointer and length; NULL when none is queued. */
const char *echo_buf_peek_rec(const struct echo_buf *b, size_t *n);
/* Drop the oldest record (it was sent); frees the memory once empty. */
void echo_buf_pop_rec(struct echo_buf *b);

/* Release everything. */
void echo_buf_free(struct echo_buf *b);

#endif
