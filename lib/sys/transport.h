/* transport: the byte stream an HTTP exchange runs over.
 *
 * http-get reads and writes its connection only through these ops, so a
 * TLS layer (lib/sys/tls, branch tls) plugs in after connect without the
 * HTTP path knowing: it fills a struct transport with its own ops and
 * context around the connected socket.
 *
 * Contract of the ops (all nonblocking):
 *   read:  >0 bytes, 0 orderly end of stream, -1 with errno; EAGAIN means
 *          wait for want() on fd and call again.
 *   write: bytes accepted (>0), or -1 with errno (EAGAIN as above).
 *   want:  POLLIN or POLLOUT (or both) to wait for after an EAGAIN; a TLS
 *          read may need POLLOUT during renegotiation and vice versa.
 *   close: release the context and close fd (no I/O promised).
 * `raw` is 1 when the socket carries the payload bytes unchanged, so a
 * caller may bypass read() (splice(2) straight from fd); 0 for TLS. */
#ifndef SB_TRANSPORT_H
#define SB_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

struct transport_ops {
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	ssize_t (*write)(void *ctx, const void *buf, size_t len);
	short (*want)(void *ctx);
	void (*close)(void *ctx);
};

struct transport {
	const struct transport_ops *ops;
	void *ctx;
	int fd;          /* the connected socket (for poll) */
	int raw;         /* see above */
	short last_dir;  /* private to the plain ops */
};

/* Plain TCP: ctx is the transport itself, ops are recv/send/close. */
void transport_plain(struct transport *t, int fd);

static inline ssize_t transport_read(struct transport *t, void *buf, size_t len)
{
	return t->ops->read(t->ctx, buf, len);
}
static inline ssize_t transport_write(struct transport *t, const void *buf, size_t len)
{
	return t->ops->write(t->ctx, buf, len);
}
static inline short transport_want(struct transport *t)
{
	return t->ops->want(t->ctx);
}
/* Close it (idempotent: ops is cleared). */
static inline void transport_close(struct transport *t)
{
	if (t->ops)
		t->ops->close(t->ctx);
	t->ops = NULL;
	t->fd = -1;
}

#endif
