/* transport: the plain TCP ops; see transport.h. */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

static ssize_t plain_read(void *ctx, void *buf, size_t len)
{
	struct transport *t = ctx;
	t->last_dir = POLLIN;
	return recv(t->fd, buf, len, 0);
}

static ssize_t plain_write(void *ctx, const void *buf, size_t len)
{
	struct transport *t = ctx;
	t->last_dir = POLLOUT;
	return send(t->fd, buf, len, MSG_NOSIGNAL);
}

static short plain_want(void *ctx)
{
	struct transport *t = ctx;
	return t->last_dir;
}

static void plain_close(void *ctx)
{
	struct transport *t = ctx;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops plain_ops = {
	plain_read, plain_write, plain_want, plain_close,
};

void transport_plain(struct transport *t, int fd)
{
	t->ops = &plain_ops;
	t->ctx = t;
	t->fd = fd;
	t->raw = 1;
	t->last_dir = POLLIN;
}
