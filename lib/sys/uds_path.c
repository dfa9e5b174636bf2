/* uds_path: Unix-domain socket path rules (see uds_path.h). */
#include "uds_path.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net.h"

int uds_path_prepare(const char *path, int socktype)
{
	struct sb_addr a;
	struct stat st;
	if (path[0] == '@')
		return 0;
	if (addr_unix(path, &a) < 0)
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)&a.ss, a.len);
	int e = errno;
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	switch (e) {
	case ECONNREFUSED:
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	case EAGAIN:         /* backlog full: alive */
	case EINPROGRESS:
	case EPROTOTYPE:     /* a live socket of another type */
		return -EADDRINUSE;
	default:
		return -e;
	}
}

int uds_listen(const char *path, int socktype, int mode, struct uds_path *p)
{
	struct sb_addr a;
	memset(p, 0, sizeof *p);
	if (addr_unix(path, &a) < 0)
		return -ENAMETOOLONG;
	int r = uds_path_prepare(path, socktype);
	if (r < 0)
		return r;
	mode_t old = 0;
	if (mode >= 0 && path[0] != '@')
		old = umask((mode_t)(~mode & 0777));
	int fd = net_listen(&a, socktype, SOMAXCONN, NULL);
	int e = errno;
	if (mode >= 0 && path[0] != '@')
		umask(old);
	if (fd < 0)
		return -e;
	if (path[0] != '@') {
		struct stat st;
		if (mode >= 0)
			chmod(path, (mode_t)mode);   /* exact bits, umask aside */
		if (stat(path, &st) == 0) {
			p->dev = st.st_dev;
			p->ino = st.st_ino;
			p->created = 1;
			strncpy(p->path, path, sizeof p->path - 1);
		}
	}
	return fd;
}

void uds_path_remove(struct uds_path *p)
{
	struct stat st;
	if (!p->created)
		return;
	if (lstat(p->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == p->dev && st.st_ino == p->ino)
		unlink(p->path);
	p->created = 0;
}
