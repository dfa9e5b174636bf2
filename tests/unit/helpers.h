/* helpers: shared by the unit tests (not a test program itself).
 * run_child() forks, runs fn(arg) with stdout/stderr captured into
 * buffers, and reports how the child ended; fn must exit() or return
 * (a return means exit status 99, "did not exit").  The stderr pipe is
 * in packet mode (O_DIRECT) so err_writes counts the child's write(2)s. */
#ifndef SB_TEST_HELPERS_H
#define SB_TEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_BUF 8192

struct child_result {
	int exited;          /* 1 when the child called exit() */
	int code;            /* its exit status */
	int signaled;        /* signal number when killed, else 0 */
	char out[CHILD_BUF]; /* captured stdout, NUL-terminated */
	char err[CHILD_BUF]; /* captured stderr, NUL-terminated */
	size_t outlen, errlen;
	int err_writes;      /* number of write(2)s the child made to stderr */
};

static inline void drain(int fd, char *buf, size_t *len, int *chunks)
{
	ssize_t n = read(fd, buf + *len, CHILD_BUF - 1 - *len);
	if (n > 0) {
		*len += (size_t)n;
		if (chunks)
			(*chunks)++;
	}
	buf[*len] = 0;
}

static inline void run_child(void (*fn)(void *), void *arg,
                             struct child_result *r)
{
	int po[2], pe[2];
	memset(r, 0, sizeof *r);
	/* stderr in packet mode: one read returns exactly one write */
	if (pipe(po) < 0 || pipe2(pe, O_DIRECT) < 0)
		abort();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		fn(arg);
		fflush(stdout);
		_exit(99);
	}
	close(po[1]);
	close(pe[1]);
	int open_o = 1, open_e = 1;
	while (open_o || open_e) {
		struct pollfd p[2] = { { .fd = open_o ? po[0] : -1, .events = POLLIN },
		                       { .fd = open_e ? pe[0] : -1, .events = POLLIN } };
		if (poll(p, 2, 10000) <= 0)
			break;
		if (p[0].revents) {
			size_t before = r->outlen;
			drain(po[0], r->out, &r->outlen, NULL);
			if (r->outlen == before)
				open_o = 0;
		}
		if (p[1].revents) {
			size_t before = r->errlen;
			drain(pe[0], r->err, &r->errlen, &r->err_writes);
			if (r->errlen == before)
				open_e = 0;
		}
	}
	close(po[0]);
	close(pe[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st)) {
		r->exited = 1;
		r->code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		r->signaled = WTERMSIG(st);
	}
}

#endif
