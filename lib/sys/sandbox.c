/* sandbox: seccomp allowlist + Landlock after set-up; see sandbox.h. */
#include <dlfcn.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "err.h"
#include "nsswitch.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SBX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_SANITIZER 1
#endif
#endif

/* ---- the allowlist (pure) ------------------------------------------------
 * needs 0: the base every applet keeps.  A call may appear more than once
 * with different conditions (they are alternatives). */
static const struct sandbox_rule rules[] = {
	/* base: stdio and memory */
	{ "read", 0, SBX_ANY },
	{ "write", 0, SBX_ANY },
	{ "readv", 0, SBX_ANY },
	{ "writev", 0, SBX_ANY },
	{ "close", 0, SBX_ANY },
	{ "lseek", 0, SBX_ANY },
	{ "fstat", 0, SBX_ANY },
	{ "newfstatat", 0, SBX_EMPTY_PATH },
	{ "fcntl", 0, SBX_ANY },
	{ "ioctl", 0, SBX_IOCTL_TTY },
	{ "brk", 0, SBX_ANY },
	{ "mmap", 0, SBX_NO_EXEC },
	{ "mprotect", 0, SBX_NO_EXEC },
	{ "munmap", 0, SBX_ANY },
	{ "mremap", 0, SBX_ANY },
	{ "madvise", 0, SBX_ANY },
	{ "futex", 0, SBX_ANY },
	{ "getrandom", 0, SBX_ANY },
	/* base: waiting and time */
	{ "epoll_create1", 0, SBX_ANY },
	{ "epoll_ctl", 0, SBX_ANY },
	{ "epoll_wait", 0, SBX_ANY },
	{ "epoll_pwait", 0, SBX_ANY },
	{ "epoll_pwait2", 0, SBX_ANY },
	{ "poll", 0, SBX_ANY },
	{ "ppoll", 0, SBX_ANY },
	{ "clock_gettime", 0, SBX_ANY },
	{ "clock_nanosleep", 0, SBX_ANY },
	{ "nanosleep", 0, SBX_ANY },
	{ "gettimeofday", 0, SBX_ANY },
	/* base: signals and the process */
	{ "rt_sigaction", 0, SBX_ANY },
	{ "rt_sigprocmask", 0, SBX_ANY },
	{ "rt_sigreturn", 0, SBX_ANY },
	{ "restart_syscall", 0, SBX_ANY },
	{ "getpid", 0, SBX_ANY },
	{ "gettid", 0, SBX_ANY },
	{ "tgkill", 0, SBX_ANY },     /* raise(), abort(); Landlock scopes */
	{ "exit", 0, SBX_ANY },
	{ "exit_group", 0, SBX_ANY },
	/* sockets that are already open */
	{ "recvfrom", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "sendto", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "recvmsg", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "sendmsg", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "recvmmsg", SBX_DGRAM, SBX_ANY },
	{ "sendmmsg", SBX_DGRAM | SBX_RESOLVER, SBX_ANY },
	{ "getsockopt", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "setsockopt", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "getsockname", SBX_STREAM_SERVER | SBX_DGRAM | SBX_CONNECT | SBX_RESOLVER, SBX_ANY },
	{ "getpeername", SBX_STREAM_SERVER | SBX_CONNECT, SBX_ANY },
	{ "shutdown", SBX_STREAM_SERVER | SBX_CONNECT, SBX_ANY },
	{ "ioctl", SBX_RESOLVER, SBX_IOCTL_FIONREAD },
	/* servers */
	{ "accept", SBX_STREAM_SERVER, SBX_ANY },
	{ "accept4", SBX_STREAM_SERVER, SBX_ANY },
	/* new connections */
	{ "socket", SBX_CONNECT | SBX_RESOLVER, SBX_SOCK_INET },
	{ "socket", SBX_CONNECT | SBX_RESOLVER, SBX_SOCK_INET6 },
	{ "socket", SBX_CONNECT | SBX_RESOLVER, SBX_SOCK_UNIX },
	{ "socket", SBX_RESOLVER, SBX_SOCK_NETLINK_ROUTE },
	{ "connect", SBX_CONNECT | SBX_RESOLVER | SBX_RECONNECT, SBX_ANY },
	{ "prlimit64", SBX_STREAM_SERVER | SBX_CONNECT, SBX_SELF },
	{ "bind", SBX_RESOLVER, SBX_ANY },
	{ "uname", SBX_RESOLVER, SBX_ANY },  /* res_init: gethostname() */
	/* name service modules (myhostname: is /proc/net/if_inet6 there?) */
	{ "access", SBX_RESOLVER, SBX_ANY },
	{ "faccessat", SBX_RESOLVER, SBX_ANY },
	{ "faccessat2", SBX_RESOLVER, SBX_ANY },
	/* files (Landlock says which) */
	{ "openat", SBX_STREAM_SERVER | SBX_RESOLVER | SBX_READ_FILES, SBX_RDONLY },
	{ "pread64", SBX_READ_FILES, SBX_ANY },
	{ "rename", SBX_OUTPUT_DIR, SBX_ANY },
	{ "renameat", SBX_OUTPUT_DIR, SBX_ANY },
	{ "renameat2", SBX_OUTPUT_DIR, SBX_ANY },
	{ "fchmod", SBX_OUTPUT_DIR, SBX_ANY },
	{ "umask", SBX_OUTPUT_DIR, SBX_ANY },
	/* lstat of the socket path; stat of /etc/resolv.conf (changed?) */
	{ "newfstatat", SBX_OUTPUT_DIR | SBX_REMOVE_FILE | SBX_RESOLVER, SBX_ANY },
	{ "unlink", SBX_OUTPUT_DIR | SBX_REMOVE_FILE, SBX_ANY },
	{ "unlinkat", SBX_OUTPUT_DIR | SBX_REMOVE_FILE, SBX_ANY },
	{ "capget", SBX_DIR_CAPS, SBX_ANY },
	{ "capset", SBX_DIR_CAPS, SBX_ANY },
	/* threads (resolver lookups and their completions) */
	{ "clone", SBX_THREADS, SBX_THREAD },
	{ "clone3", SBX_THREADS, SBX_ENOSYS },
	{ "set_robust_list", SBX_THREADS, SBX_ANY },
	{ "rseq", SBX_THREADS, SBX_ANY },
	{ "sched_yield", SBX_THREADS, SBX_ANY },
	{ "sched_getaffinity", SBX_THREADS, SBX_ANY },
	/* OpenSSL: localtime_r() stats /etc/localtime */
	{ "newfstatat", SBX_TLS, SBX_ANY },
	{ "openat", SBX_TLS, SBX_RDONLY },
	/* an open output file */
	{ "splice", SBX_OUTPUT, SBX_ANY },
	{ "ftruncate", SBX_OUTPUT, SBX_ANY },
	{ "fsync", SBX_OUTPUT, SBX_ANY },
	{ "fdatasync", SBX_OUTPUT, SBX_ANY },
	/* the O_TMPFILE's name and owner at the end (lib/sys/outfile) */
	{ "linkat", SBX_OUTPUT_DIR, SBX_ANY },
	{ "fchown", SBX_OUTPUT_DIR, SBX_ANY },
	{ "fchownat", SBX_OUTPUT_DIR, SBX_ANY },
	/* -p: /proc/PID/fd of every process (Landlock: /proc read-only) */
	{ "openat", SBX_PROC_OWNERS, SBX_RDONLY },
	{ "getdents64", SBX_PROC_OWNERS, SBX_ANY },
	{ "readlinkat", SBX_PROC_OWNERS, SBX_ANY },
	{ "readlink", SBX_PROC_OWNERS, SBX_ANY },
	{ "newfstatat", SBX_PROC_OWNERS, SBX_ANY },
	/* if_indextoname(): glibc's __opensock() tries AF_UNIX first */
	{ "socket", SBX_IFNAME, SBX_SOCK_UNIX },
	{ "ioctl", SBX_IFNAME, SBX_IOCTL_IFNAME },
};

size_t sandbox_rules(unsigned needs, const struct sandbox_rule **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (rules[i].needs && !(rules[i].needs & needs))
			continue;
		if (n < max)
			out[n] = &rules[i];
		n++;
	}
	return n;
}

int sandbox_allows(unsigned needs, const char *name)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if ((!rules[i].needs || (rules[i].needs & needs)) &&
		    rules[i].cond != SBX_ENOSYS && !strcmp(rules[i].name, name))
			return 1;
	return 0;
}

const char *sandbox_dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	const char *src = slash ? path : ".";
	if (!slash)
		n = 1;
	if (n + 1 > size)
		return NULL;
	memcpy(buf, src, n);
	buf[n] = 0;
	return buf;
}

/* ---- Landlock (no library in Debian: the three calls directly) ---------- */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define LL_CREATE_RULESET_VERSION 1u
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

unsigned long long sandbox_fs_handled(int abi)
{
	if (abi < 1)
		return 0;
	unsigned long long fs = (1ULL << 13) - 1;  /* EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

static int ll_add_path(int rfd, const char *path, uint64_t access, int pin)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;  /* nothing there: nothing to allow */
	struct ll_path_beneath_attr pb = { access, fd };
	long r = syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pb, 0);
	int e = errno;
	if (!pin || r < 0)
		close(fd);  /* a pinned one stays open: its dentry stays cached */
	errno = e;
	return r < 0 ? -1 : 0;
}

static const char *const resolver_files[] = {
	"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf",
	"/etc/host.conf", "/etc/gai.conf", NULL,
};

/* Returns the ABI confined to, 0 when the kernel has no Landlock, -1 on an
 * error (errno). */
static int landlock_apply(const struct sandbox_policy *p)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	                   LL_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	struct ll_ruleset_attr ra = { 0, 0, 0 };
	size_t rasize = sizeof ra.handled_access_fs;
	ra.handled_access_fs = sandbox_fs_handled((int)abi);
	if (abi >= 4) {
		ra.handled_access_net = LL_NET_BIND_TCP;
		if (p->tcp_connect != SBX_TCP_ANY)
			ra.handled_access_net |= LL_NET_CONNECT_TCP;
		rasize = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		ra.scoped = LL_SCOPE_SIGNAL;
		if (!p->abstract_unix)
			ra.scoped |= LL_SCOPE_ABSTRACT_UNIX;
		rasize = sizeof ra;
	}
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, rasize, 0);
	if (rfd < 0)
		return -1;
	uint64_t rd = LL_FS_READ_FILE;
	int r = 0;
	if (p->needs & SBX_STREAM_SERVER)  /* the spare descriptor trick */
		r |= ll_add_path(rfd, "/dev/null", rd, 0);
	if (p->needs & SBX_RESOLVER)
		for (const char *const *f = resolver_files; *f; f++)
			r |= ll_add_path(rfd, *f, rd, 0);
	if (p->needs & SBX_READ_FILES)
		for (int i = 0; i < SBX_MAX_FILES && p->read_files[i]; i++)
			r |= ll_add_path(rfd, p->read_files[i], rd, 0);
	if ((p->needs & SBX_READ_FILES) && p->read_dir)
		r |= ll_add_path(rfd, p->read_dir, rd, 1);
	if (p->needs & SBX_TLS)
		r |= ll_add_path(rfd, "/etc/localtime", rd, 0);
	if (p->dir && (p->needs & (SBX_OUTPUT_DIR | SBX_REMOVE_FILE))) {
		uint64_t acc = LL_FS_REMOVE_FILE;
		if (p->needs & SBX_OUTPUT_DIR)
			acc |= LL_FS_MAKE_REG;
		r |= ll_add_path(rfd, p->dir, acc & ra.handled_access_fs, 0);
	}
	if (abi >= 4 && p->tcp_connect > 0) {
		struct ll_net_port_attr np = { LL_NET_CONNECT_TCP,
		                               (uint64_t)p->tcp_connect };
		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_NET_PORT, &np, 0) < 0)
			r = -1;
	}
	if (r == 0 && syscall(SYS_landlock_restrict_self, rfd, 0) < 0)
		r = -1;
	int e = errno;
	close(rfd);
	errno = e;
	return r < 0 ? -1 : (int)abi;
}

/* ---- seccomp through libseccomp, loaded on demand ------------------------ */
static struct {
	__typeof__(seccomp_init) *init;
	__typeof__(seccomp_rule_add_array) *add;
	__typeof__(seccomp_load) *load;
	__typeof__(seccomp_release) *release;
	__typeof__(seccomp_syscall_resolve_name) *resolve_name;
	__typeof__(seccomp_syscall_resolve_num_arch) *resolve_num;
	__typeof__(seccomp_attr_set) *attr_set;
} sc;

static int seccomp_lib(void)
{
	void *h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	*(void **)&sc.init = dlsym(h, "seccomp_init");
	*(void **)&sc.add = dlsym(h, "seccomp_rule_add_array");
	*(void **)&sc.load = dlsym(h, "seccomp_load");
	*(void **)&sc.release = dlsym(h, "seccomp_release");
	*(void **)&sc.resolve_name = dlsym(h, "seccomp_syscall_resolve_name");
	*(void **)&sc.resolve_num = dlsym(h, "seccomp_syscall_resolve_num_arch");
	*(void **)&sc.attr_set = dlsym(h, "seccomp_attr_set");
	if (!sc.init || !sc.add || !sc.load || !sc.release || !sc.resolve_name ||
	    !sc.resolve_num || !sc.attr_set)
		return -1;
	return 0;
}

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void put_num(char *buf, size_t *n, size_t cap, long v)
{
	char d[24];
	int k = 0;
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
	do
		d[k++] = (char)('0' + u % 10);
	while ((u /= 10) && k < (int)sizeof d);
	if (v < 0 && *n < cap)
		buf[(*n)++] = '-';
	while (k > 0 && *n < cap)
		buf[(*n)++] = d[--k];
}

/* SIGSYS from the filter: one line naming the call, then exit.  The name
 * lookup allocates; the call being refused is never one malloc makes. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[256];
	size_t n = 0;
	const char *name = NULL;
	char *owned = sc.resolve_num ?
		sc.resolve_num(SCMP_ARCH_NATIVE, si->si_syscall) : NULL;
	name = owned ? owned : "?";
	put_str(line, &n, sizeof line, applet_name ? applet_name : "sockbox");
	put_str(line, &n, sizeof line, ": sandbox: system call ");
	put_str(line, &n, sizeof line, name);
	put_str(line, &n, sizeof line, " (");
	put_num(line, &n, sizeof line, si->si_syscall);
	put_str(line, &n, sizeof line, ") refused\n");
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
	_exit(SANDBOX_EXIT);
}

static int add_rule(scmp_filter_ctx ctx, int nr, enum sbx_cond c)
{
	struct scmp_arg_cmp a[1];
	unsigned n = 1;
	switch (c) {
	case SBX_ANY: n = 0; break;
	case SBX_NO_EXEC:
		a[0] = (struct scmp_arg_cmp){ 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };
		break;
	case SBX_RDONLY:
		a[0] = (struct scmp_arg_cmp){ 2, SCMP_CMP_MASKED_EQ,
			O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |
			(O_TMPFILE & ~O_DIRECTORY), O_RDONLY };  /* O_DIRECTORY is fine */
		break;
	case SBX_EMPTY_PATH:
		a[0] = (struct scmp_arg_cmp){ 3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
		                              AT_EMPTY_PATH };
		break;
	case SBX_IOCTL_TTY:
		a[0] = (struct scmp_arg_cmp){ 1, SCMP_CMP_EQ, TCGETS, 0 };
		if (sc.add(ctx, SCMP_ACT_ALLOW, nr, 1, a) < 0)
			return -1;
		a[0] = (struct scmp_arg_cmp){ 1, SCMP_CMP_EQ, TIOCGWINSZ, 0 };
		break;
	case SBX_IOCTL_FIONREAD:
		a[0] = (struct scmp_arg_cmp){ 1, SCMP_CMP_EQ, FIONREAD, 0 };
		break;
	case SBX_SOCK_INET:
		a[0] = (struct scmp_arg_cmp){ 0, SCMP_CMP_EQ, AF_INET, 0 };
		break;
	case SBX_SOCK_INET6:
		a[0] = (struct scmp_arg_cmp){ 0, SCMP_CMP_EQ, AF_INET6, 0 };
		break;
	case SBX_SOCK_UNIX:
		a[0] = (struct scmp_arg_cmp){ 0, SCMP_CMP_EQ, AF_UNIX, 0 };
		break;
	case SBX_SELF:
		a[0] = (struct scmp_arg_cmp){ 0, SCMP_CMP_EQ, 0, 0 };
		break;
	case SBX_THREAD:
		a[0] = (struct scmp_arg_cmp){ 0, SCMP_CMP_MASKED_EQ, CLONE_THREAD,
		                              CLONE_THREAD };
		break;
	case SBX_ENOSYS:
		return sc.add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0, a) < 0 ? -1 : 0;
	case SBX_IOCTL_IFNAME:
		a[0] = (struct scmp_arg_cmp){ 1, SCMP_CMP_EQ, SIOCGIFNAME, 0 };
		break;
	case SBX_SOCK_NETLINK_ROUTE: {
		struct scmp_arg_cmp b[2] = {
			{ 0, SCMP_CMP_EQ, AF_NETLINK, 0 },
			{ 2, SCMP_CMP_EQ, NETLINK_ROUTE, 0 },
		};
		return sc.add(ctx, SCMP_ACT_ALLOW, nr, 2, b) < 0 ? -1 : 0;
	}
	}
	return sc.add(ctx, SCMP_ACT_ALLOW, nr, n, a) < 0 ? -1 : 0;
}

#ifdef SBX_SANITIZER
/* The sanitizer runtime's exit-time leak check stops the world with a
 * traced clone and reads /proc/self; sanitizer builds allow that. */
static const char *const sanitizer_calls[] = {
	"clone", "clone3", "ptrace", "wait4", "prctl", "sched_yield",
	"sigaltstack", "open", "openat", "stat", "lstat", "getdents", "getdents64",
	"readlink", "getppid", "kill", "sched_getaffinity", "getrlimit",
	"prlimit64", "dup", "dup2", "pipe2", "rt_sigtimedwait",
	"process_vm_readv", NULL,
};
#endif

/* Builds the filter (before Landlock: dlopen reads the library file).
 * NULL when libseccomp is unavailable or a rule cannot be added. */
static scmp_filter_ctx seccomp_build(unsigned needs)
{
	if (seccomp_lib() < 0)
		return NULL;
	scmp_filter_ctx ctx = sc.init(SCMP_ACT_TRAP);
	if (!ctx)
		return NULL;
	sc.attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);  /* we set it ourselves */
	/* a binary tree over the call numbers: every call pays a few
	 * comparisons, not a walk down the list (libseccomp >= 2.5) */
	sc.attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	const struct sandbox_rule *list[128];
	size_t n = sandbox_rules(needs, list, 128);
	int r = n > 128 ? -1 : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		int nr = sc.resolve_name(list[i]->name);
		if (nr == __NR_SCMP_ERROR)
			continue;  /* not a call on this architecture */
		r = add_rule(ctx, nr, list[i]->cond);
	}
#ifdef SBX_SANITIZER
	for (const char *const *s = sanitizer_calls; r == 0 && *s; s++) {
		int nr = sc.resolve_name(*s);
		if (nr != __NR_SCMP_ERROR)
			r = add_rule(ctx, nr, SBX_ANY);
	}
#endif
	if (r < 0) {
		sc.release(ctx);
		return NULL;
	}
	return ctx;
}

/* Installs the SIGSYS reporter and loads the filter: 0 or -errno. */
static int seccomp_load_filter(scmp_filter_ctx ctx)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	int r = sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : sc.load(ctx);
	sc.release(ctx);
	return r;
}

/* ---- entry ---------------------------------------------------------------- */
static int disabled;
static int dir_caps_kept;

#define DIR_CAPS (CAPS_SET(CAP_DAC_OVERRIDE) | CAPS_SET(CAP_FOWNER) | CAPS_SET(CAP_CHOWN))

/* Would the last step in `dir` (rename, unlink) fail without the DAC
 * override that root's set-up may have used? */
static int dir_needs_caps(const char *dir)
{
	if (!caps_have(CAP_DAC_OVERRIDE) && !caps_have(CAP_FOWNER))
		return 0;
	caps_lower(CAP_DAC_OVERRIDE);
	caps_lower(CAP_FOWNER);
	struct stat st;
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
		return 1;
	return stat(dir, &st) == 0 && (st.st_mode & S_ISVTX) &&
	       st.st_uid != geteuid();
}

void sandbox_dir_privilege(int on)
{
	if (!dir_caps_kept)
		return;
	for (int cap = 0; cap < 64; cap++)
		if ((DIR_CAPS & CAPS_SET(cap)) && caps_have(cap))
			(void)(on ? caps_raise(cap) : caps_lower(cap));
}

void sandbox_disable(void)
{
	disabled = 1;
}

int sandbox_disabled(void)
{
	const char *e = getenv("SOCKBOX_NO_SANDBOX");
	return disabled || (e && *e && strcmp(e, "0") != 0);
}

/* The name service modules nsswitch.conf lists for hosts (myhostname,
 * resolve, mdns4_minimal, ...) are loaded by the first lookup that needs
 * them, which is after set-up: load them now, as glibc names them, so its
 * own load finds them by name.  files and dns are part of the C library;
 * a module that is not installed is skipped, as glibc skips it. */
static void preload_nss_modules(void)
{
	char text[4096];
	int fd = open("/etc/nsswitch.conf", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, text, sizeof text);
	close(fd);
	if (n <= 0)
		return;
	char svc[16][NSS_NAME_MAX];
	int ns = nss_services(text, (size_t)n, "hosts", svc, 16);
	for (int i = 0; i < ns; i++) {
		char lib[NSS_NAME_MAX + 16];
		if (!strcmp(svc[i], "files") || !strcmp(svc[i], "dns"))
			continue;
		snprintf(lib, sizeof lib, "libnss_%s.so.2", svc[i]);
		(void)dlopen(lib, RTLD_NOW | RTLD_NODELETE);
	}
}

void sandbox_enter(const struct sandbox_policy *p, int verbose)
{
	struct sandbox_policy pol = *p;
	if (pol.dir && (pol.needs & (SBX_OUTPUT_DIR | SBX_REMOVE_FILE)) &&
	    (dir_needs_caps(pol.dir) || (pol.chown_after && caps_have(CAP_CHOWN)))) {
		if (caps_keep_permitted(DIR_CAPS) < 0)
			die_sys(2, "cannot drop capabilities");
		dir_caps_kept = 1;
		pol.needs |= SBX_DIR_CAPS;
	} else if (pol.keep_caps) {
		if (caps_keep(pol.keep_caps, 1) < 0)
			die_sys(2, "cannot drop capabilities");
	} else if (caps_drop_all() < 0) {
		die_sys(2, "cannot drop capabilities");
	}
	p = &pol;
	if (sandbox_disabled() || p->exec_after)
		return;
	/* A thread of glibc's resolver (getaddrinfo_a) that has been idle
	 * for a second ends through pthread_exit, which loads libgcc_s.so.1
	 * for its unwinder on first use, and aborts the process when it
	 * cannot: load it now, while files may still be opened (glibc's own
	 * load then finds it by name, without opening anything). */
	if (p->needs & SBX_THREADS)
		(void)dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE);
	if (p->needs & SBX_RESOLVER)
		preload_nss_modules();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		if (verbose)
			err_sys("sandbox: no_new_privs unavailable, running unconfined");
		return;
	}
	/* Valgrind runs its own code (JIT, PROT_EXEC mappings) in this
	 * process: a filter would refuse it.  Landlock only. */
	const char *pre = getenv("LD_PRELOAD");
	int valgrind = pre && strstr(pre, "vgpreload");
	scmp_filter_ctx ctx = valgrind ? NULL : seccomp_build(p->needs);
	/* Landlock denies ptrace_may_access() to processes outside the
	 * domain, which is what reading their /proc/PID/fd links is */
	int ll = !p->inspects_processes;
#ifdef SBX_SANITIZER
	ll = 0;  /* the leak check reads /proc/self at exit */
#endif
	if (ll) {
		ll = landlock_apply(p);
		if (ll < 0 && verbose)
			err_sys("sandbox: Landlock failed, files not confined");
		else if (ll == 0 && verbose)
			err_msg("sandbox: no Landlock in this kernel, files not confined");
	}
	if (!ctx) {
		if (verbose)
			err_msg("sandbox: %s, system calls not confined",
			        valgrind ? "under valgrind" : "no usable libseccomp.so.2");
		return;
	}
	int r = seccomp_load_filter(ctx);
	if (r < 0 && verbose)
		err_num(-r, "sandbox: seccomp unavailable, system calls not confined");
}
