/* sandbox_shim.c: an LD_PRELOAD library for tests/integration/65-sandbox.sh
 * (tests only; built by the test with cc -shared).
 *
 * With SBX_SHIM_TRY=execve|open|ptrace|packet|connect, the applet's first
 * read from a socket (read, recv, recvfrom, recvmsg: by then its set-up is
 * done and the sandbox is on) first tries that forbidden thing, as code
 * taken over by a hostile packet would.  A call the seccomp filter refuses
 * never returns (SIGSYS: the sandbox's line, exit 159); otherwise the shim
 * writes "shim: TRY -> errno NAME" or "shim: TRY -> allowed" to stderr and
 * exits 96.  SBX_SHIM_ANY=1 makes the first read of /proc/net/tcp or tcp6
 * count too (tcp-watch --proc; its set-up reads other files).  Without SBX_SHIM_TRY it only
 * passes the calls through. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *,
                                socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned, int,
                            struct timespec *);
static const char *try_what;
static int any_fd;   /* SBX_SHIM_ANY=1: a read of /proc/net/tcp counts too */
static struct stat net_tcp[2];
static int tried;

__attribute__((constructor)) static void shim_init(void)
{
	*(void **)&real_read = dlsym(RTLD_NEXT, "read");
	*(void **)&real_recv = dlsym(RTLD_NEXT, "recv");
	*(void **)&real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
	*(void **)&real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
	*(void **)&real_recvmmsg = dlsym(RTLD_NEXT, "recvmmsg");
	try_what = getenv("SBX_SHIM_TRY");
	any_fd = getenv("SBX_SHIM_ANY") != NULL;
	if (any_fd && (stat("/proc/self/net/tcp", &net_tcp[0]) < 0 ||
	               stat("/proc/self/net/tcp6", &net_tcp[1]) < 0))
		memset(net_tcp, 0, sizeof net_tcp);
}

static void say(const char *a, const char *b)
{
	char line[200];
	size_t n = 0;
	const char *parts[] = { "shim: ", try_what, " -> ", a, b, "\n" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		size_t k = strlen(parts[i]);
		if (n + k >= sizeof line)
			break;
		memcpy(line + n, parts[i], k);
		n += k;
	}
	ssize_t w = write(2, line, n);
	(void)w;
}

static void attempt(int fd)
{
	struct stat st;
	if (tried || !try_what || fd <= 2 || fstat(fd, &st) < 0)
		return;
	int is_net_tcp = 0;
	for (int i = 0; any_fd && i < 2; i++)
		is_net_tcp |= st.st_ino && st.st_ino == net_tcp[i].st_ino &&
		              st.st_dev == net_tcp[i].st_dev;
	if (!S_ISSOCK(st.st_mode) && !is_net_tcp)
		return;
	tried = 1;
	long r = -1;
	if (!strcmp(try_what, "execve")) {
		char *argv[] = { "true", NULL };
		r = execve("/bin/true", argv, environ);
	} else if (!strcmp(try_what, "open")) {
		r = open("/etc/passwd", O_RDONLY);
	} else if (!strcmp(try_what, "ptrace")) {
		r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (!strcmp(try_what, "packet")) {
		r = socket(AF_PACKET, SOCK_RAW, 0);
	} else if (!strcmp(try_what, "connect")) {
		/* port 9 on loopback: nobody's peer in these tests */
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0) {
			say("errno ", strerrorname_np(errno));
			_exit(96);
		}
		r = connect(s, (struct sockaddr *)&sin, sizeof sin);
		if (r < 0 && (errno == EINPROGRESS || errno == ECONNREFUSED))
			r = 0;  /* the kernel let it go out */
	}
	if (r < 0)
		say("errno ", strerrorname_np(errno));
	else
		say("allowed", "");
	_exit(96);
}

ssize_t read(int fd, void *buf, size_t n)
{
	attempt(fd);
	return real_read(fd, buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	attempt(fd);
	return real_recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
                 socklen_t *len)
{
	attempt(fd);
	return real_recvfrom(fd, buf, n, flags, sa, len);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	attempt(fd);
	return real_recvmsg(fd, m, flags);
}

int recvmmsg(int fd, struct mmsghdr *m, unsigned n, int flags,
             struct timespec *t)
{
	attempt(fd);
	return real_recvmmsg(fd, m, n, flags, t);
}
