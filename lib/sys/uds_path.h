/* uds_path: the rules for a Unix-domain server's socket path, shared by
 * the stream and datagram echo servers.
 *
 *  - "@name" is the Linux abstract namespace: no file, nothing to check,
 *    remove or chmod.
 *  - A path that exists and is not a socket is never touched: -EEXIST.
 *  - A path that is a socket is probed with a connect() of `socktype`:
 *    a live server answers (or its backlog is full, or it is another
 *    socket type) -> -EADDRINUSE; ECONNREFUSED -> stale: unlinked, then
 *    bound.  Any other probe error is returned as is.
 *  - mode >= 0 sets the file's permission bits (created with that mode
 *    through the umask, so there is no window with wider permissions).
 *  - uds_path_remove() unlinks the file at exit only if it is still the
 *    socket we created (same device and inode).
 * Functions return 0 / a descriptor, or a negative errno; no printing. */
#ifndef SB_UDS_PATH_H
#define SB_UDS_PATH_H

#include <sys/types.h>
#include "addr.h"

struct uds_path {
	char path[108];          /* "" for abstract names */
	dev_t dev;
	ino_t ino;
	int created;
};

/* Decide what may be done with `path` before bind (see above):
 * 0 (free, or a stale socket removed), -EEXIST, -EADDRINUSE, -errno. */
int uds_path_prepare(const char *path, int socktype);

/* prepare + bind + listen (stream/seqpacket) or bind (dgram) through
 * net_listen(); fills *p for uds_path_remove().  Returns the nonblocking
 * descriptor or a negative errno. `mode` < 0 leaves the umask default. */
int uds_listen(const char *path, int socktype, int mode, struct uds_path *p);

/* Unlink the socket file created by uds_listen() if it is still ours. */
void uds_path_remove(struct uds_path *p);

#endif
