/* outfile: safe output files; see outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"

#define LINKS_MAX 40

/* Follow symlinks in the last component of `path` (the kernel follows the
 * ones in directories by itself), including a dangling final link: the
 * file it names is created.  Returns a malloc'd path or NULL/errno. */
static char *follow_links(const char *path)
{
	char *p = strdup(path);

	for (int hops = 0; p; hops++) {
		char buf[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (lstat(p, &st) < 0 || !S_ISLNK(st.st_mode))
			return p;  /* missing (created) or not a link */
		if (hops == LINKS_MAX) {
			free(p);
			errno = ELOOP;
			return NULL;
		}
		n = readlink(p, buf, sizeof buf - 1);
		if (n < 0) {
			free(p);
			return NULL;
		}
		buf[n] = '\0';
		const char *slash = strrchr(p, '/');
		if (buf[0] == '/' || !slash) {
			free(p);
			p = strdup(buf);
		} else {
			size_t dl = (size_t)(slash - p) + 1;
			char *q = malloc(dl + (size_t)n + 1);
			if (q) {
				memcpy(q, p, dl);
				memcpy(q + dl, buf, (size_t)n + 1);
			}
			free(p);
			p = q;
		}
	}
	return NULL;
}

/* The directory part of path ("." when none), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int open_tmp(struct outfile *o)
{
	char *dir = dir_of(o->target);
	const char *base;
	size_t dl;

	if (!dir)
		return -1;
	o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (o->fd >= 0) {
		o->anon = 1;
		free(dir);
		return 0;
	}
	free(dir);
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
	/* no O_TMPFILE here: a named temporary, removed on failure */
	base = strrchr(o->target, '/');
	base = base ? base + 1 : o->target;
	dl = (size_t)(base - o->target);
	o->tmp = malloc(strlen(o->target) + 16);
	if (!o->tmp)
		return -1;
	snprintf(o->tmp, strlen(o->target) + 16, "%.*s.%s.XXXXXX", (int)dl,
	         o->target, base);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

/* A failed open or commit: nothing left behind; errno is the failure's. */
static int abort_keep_errno(struct outfile *o)
{
	int e = errno;
	outfile_abort(o);
	errno = e;
	return -1;
}

int outfile_open(struct outfile *o, const char *path)
{
	struct stat st;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->op = "open";
	o->umask = umask(0);
	umask(o->umask);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		/* a device, FIFO or socket: write it where it is */
		o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (o->fd < 0)
			return -1;
		o->in_place = 1;
		return 0;
	}
	o->target = follow_links(path);
	if (!o->target)
		return -1;
	if (stat(o->target, &o->old) == 0) {
		o->had_old = 1;
		if (faccessat(AT_FDCWD, o->target, W_OK, AT_EACCESS) < 0)
			goto fail;
	} else if (errno != ENOENT) {
		goto fail;
	}
	o->op = "create a temporary file for";
	if (open_tmp(o) == 0)
		return 0;
fail:
	return abort_keep_errno(o);
}

int outfile_foreign(const struct outfile *o)
{
	return !o->in_place && o->had_old &&
	       (o->old.st_uid != geteuid() || o->old.st_gid != getegid());
}

/* Give the temporary the old file's mode, owner and group. */
static int set_attrs(struct outfile *o)
{
	mode_t mode = 0666 & ~o->umask;

	if (o->had_old) {
		/* before chmod: chown may clear set-id bits */
		if (fchown(o->fd, o->old.st_uid, o->old.st_gid) < 0)
			(void)!fchown(o->fd, (uid_t)-1, o->old.st_gid);
		mode = o->old.st_mode & 07777;
	}
	return fchmod(o->fd, mode);
}

static int link_anon(struct outfile *o)
{
	char proc[64];
	size_t len = strlen(o->target) + 16;

	o->tmp = malloc(len);
	if (!o->tmp)
		return -1;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	for (unsigned i = 0; i < 100; i++) {
		const char *base = strrchr(o->target, '/');
		base = base ? base + 1 : o->target;
		snprintf(o->tmp, len, "%.*s.%s.%06x", (int)(base - o->target),
		         o->target, base,
		         (unsigned)((unsigned)getpid() * 2654435761u + i) & 0xffffffu);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	free(o->tmp);
	o->tmp = NULL;
	return -1;
}

int outfile_commit(struct outfile *o)
{
	o->op = "write";
	if (o->in_place) {
		int r = close(o->fd);
		o->fd = -1;
		return r;
	}
	if (o->fd < 0) {
		errno = EBADF;
		return -1;
	}
	o->op = "replace";
	if (set_attrs(o) < 0)
		goto fail;
	if (o->anon && link_anon(o) < 0)
		goto fail;
	o->anon = 0;
	if (close(o->fd) < 0) {
		o->fd = -1;
		o->op = "write";
		goto fail;
	}
	o->fd = -1;
	if (rename(o->tmp, o->target) < 0)
		goto fail;
	free(o->tmp);
	o->tmp = NULL;
	free(o->target);
	o->target = NULL;
	return 0;
fail:
	return abort_keep_errno(o);
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	free(o->target);
	o->target = NULL;
}
