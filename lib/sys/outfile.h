/* outfile: where a downloaded body goes, safely.
 *
 *  - A path that exists and is not a regular file (character device,
 *    FIFO, ...) is opened and written in place, never replaced:
 *    `-o /dev/null` works for everyone and leaves /dev/null alone.
 *  - Symbolic links at the path are followed (up to 40): the file they
 *    point to is what gets written or replaced; the links stay.
 *  - A regular file (or a new one) is written through a temporary file in
 *    the target's directory and renamed over it by outfile_commit() only;
 *    the temporary is an unnamed O_TMPFILE where the file system has them,
 *    so not even SIGKILL leaves anything behind (elsewhere a named
 *    ".NAME.XXXXXX" that outfile_abort() removes).  The new file keeps
 *    the old one's mode, and its owner and group where the process may
 *    set them; a new file gets 0666 & ~umask.  An existing regular file
 *    the process may not write (access(2) W_OK) is refused with EACCES,
 *    as opening it would be.
 * Functions return 0 or -1 with errno set and o->op naming the step that
 * failed ("open", "create a temporary file for", "replace"); no printing,
 * no exit.  outfile_abort() is safe to call at any point, and twice. */
#ifndef SB_OUTFILE_H
#define SB_OUTFILE_H

#include <sys/stat.h>
#include <sys/types.h>

struct outfile {
	int fd;               /* write the body here; -1 when closed */
	int in_place;         /* fd is the target itself (non-regular file) */
	const char *op;       /* the failing step, for the error message */
	/* private */
	char *target;         /* path after following symlinks */
	char *tmp;            /* named temporary, or NULL (O_TMPFILE / none) */
	int anon;             /* fd is an unnamed O_TMPFILE */
	int had_old;
	struct stat old;
	mode_t umask;
};

/* Open for writing the body to `path` (see above). */
int outfile_open(struct outfile *o, const char *path);
/* 1 when the commit will give the file to another owner or group (the old
 * file's), which takes CAP_CHOWN: root replacing another user's file. */
int outfile_foreign(const struct outfile *o);
/* Success: close and move the temporary into place.  For an in-place
 * file, only close it (reporting a close error). */
int outfile_commit(struct outfile *o);
/* Failure: close and remove any temporary; the target is untouched. */
void outfile_abort(struct outfile *o);

#endif
