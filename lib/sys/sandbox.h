/* sandbox: confinement after set-up (seccomp allowlist + Landlock).
 *
 * Every applet calls sandbox_enter() once, at the end of its set-up: after
 * its sockets and files are open and before the first byte from the
 * network is read.  sandbox_enter() then
 *   1. drops every capability (a root applet kept some for its set-up),
 *   2. sets PR_SET_NO_NEW_PRIVS,
 *   3. restricts the file system (and TCP bind/connect ports, and signals
 *      or abstract UNIX sockets to other processes) with Landlock, to what
 *      the policy names (ABI 1..7; the rights the kernel lacks are skipped),
 *   4. loads a seccomp filter that allows only the system calls of the
 *      policy's needs (libseccomp, loaded with dlopen() so that start-up
 *      of every applet does not pay for it).
 * A system call outside the allowlist gets SIGSYS; the handler writes one
 * line "APPLET: sandbox: system call NAME (N) refused" and exits with
 * SANDBOX_EXIT (159, as a shell reports death by SIGSYS; a call refused
 * while SIGSYS is blocked, as inside pthread_create(), is such a death).  A file outside
 * the Landlock rules gets EACCES from open().
 *
 * A kernel without seccomp or Landlock (or no libseccomp.so.2) runs
 * unconfined by that layer, with one note when `verbose`; that is never
 * a failure.  Under valgrind (its JIT shares the process) only Landlock
 * applies; sanitizer builds allow the leak checker's calls and skip
 * Landlock.  `--no-sandbox` (sandbox_disable(), from main) or the
 * environment SOCKBOX_NO_SANDBOX=1 skips steps 2-4; capabilities are
 * dropped regardless.
 *
 * Extending a policy: an applet that makes a new kind of call after set-up
 * adds a need bit to its policy, or a new SBX_* bit with its calls in the
 * table in sandbox.c (sandbox_rules() lists it; tests/unit/test_sandbox.c
 * pins what each need allows). */
#ifndef SB_SANDBOX_H
#define SB_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#define SANDBOX_EXIT 159

/* Needs: groups of system calls allowed after set-up, on top of the base
 * (stdio, memory without PROT_EXEC, epoll/poll, clocks, signal masks,
 * exit). */
enum {
	SBX_STREAM_SERVER = 1u << 0, /* accept4, shutdown, get{peer,sock}name,
	                                setsockopt; reopen /dev/null read-only;
	                                raise its own RLIMIT_NOFILE */
	SBX_DGRAM         = 1u << 1, /* send/recv{from,msg,mmsg} on open sockets */
	SBX_CONNECT       = 1u << 2, /* socket(AF_INET/AF_INET6/AF_UNIX), connect */
	SBX_RESOLVER      = 1u << 3, /* getaddrinfo(): /etc files, netlink, DNS */
	SBX_READ_FILES    = 1u << 4, /* openat read-only of policy.read_files */
	SBX_OUTPUT_DIR    = 1u << 5, /* linkat/rename/unlink/fchmod/fchown in
	                                policy.dir */
	SBX_REMOVE_FILE   = 1u << 6, /* unlink in policy.dir (uds-echo's socket) */
	SBX_RECONNECT     = 1u << 7, /* connect() an open datagram socket again */
	SBX_DIR_CAPS      = 1u << 8, /* set by sandbox_enter(): capget/capset
	                                for sandbox_dir_privilege() */
	SBX_THREADS       = 1u << 9, /* threads (lib/sys/resolve's lookups):
	                                clone with CLONE_THREAD (clone3 fails
	                                ENOSYS, so glibc uses clone), rseq,
	                                set_robust_list */
	SBX_TLS           = 1u << 10, /* OpenSSL after set-up: stat of
	                                 /etc/localtime (read-only) */
	SBX_OUTPUT        = 1u << 11, /* an open output file: splice into it,
	                                 ftruncate/fsync it (--retry) */
	SBX_PROC_OWNERS   = 1u << 12, /* /proc/PID/fd: openat read-only,
	                                 getdents64, readlinkat */
	SBX_IFNAME        = 1u << 13, /* if_indextoname(): an AF_UNIX datagram
	                                 socket, ioctl SIOCGIFNAME */
	SBX_NEEDS_ALL     = (1u << 14) - 1,
};

#define SBX_TCP_NONE 0    /* Landlock: no TCP connect */
#define SBX_TCP_ANY (-1)  /* TCP connect to any port (http-get redirects) */
#define SBX_MAX_FILES 8

struct sandbox_policy {
	unsigned needs;                        /* SBX_* */
	const char *read_files[SBX_MAX_FILES]; /* SBX_READ_FILES, NULL-ended */
	const char *read_dir;                  /* SBX_READ_FILES: files beneath
	                                          (held open: /proc makes its
	                                          entries anew on each lookup) */
	const char *dir;                       /* SBX_OUTPUT_DIR/REMOVE_FILE */
	int chown_after;                       /* the last step in dir gives a
	                                          file to another owner (http-get
	                                          replacing another user's file) */
	int tcp_connect;                       /* SBX_TCP_NONE/_ANY or a port */
	int abstract_unix;                     /* talks to abstract UNIX sockets
	                                          of other processes */
	uint64_t keep_caps;                    /* CAPS_SET()s kept effective
	                                          (tcp-watch -p as root); the
	                                          filter allows no call that
	                                          could use them beyond reads */
	int inspects_processes;                /* reads /proc/PID/fd of other
	                                          processes (tcp-watch -p):
	                                          Landlock would refuse that
	                                          (no ptrace_may_access() out of
	                                          its domain), so seccomp only */
	int exec_after;                        /* the process will execve() a
	                                          user's command (probe --):
	                                          filters would be inherited
	                                          by it, so only capabilities
	                                          are dropped */
};

/* One allowlist entry: a system call allowed for the needs in `needs`
 * (0: always), under an argument condition. */
enum sbx_cond {
	SBX_ANY,          /* any arguments */
	SBX_NO_EXEC,      /* mmap/mprotect: arg 2 without PROT_EXEC */
	SBX_RDONLY,       /* openat: arg 2 read-only, no O_CREAT/O_TRUNC */
	SBX_EMPTY_PATH,   /* newfstatat: fstat() only (AT_EMPTY_PATH) */
	SBX_IOCTL_TTY,    /* ioctl: TCGETS / TIOCGWINSZ (isatty, width) */
	SBX_IOCTL_FIONREAD,
	SBX_SOCK_INET,    /* socket: AF_INET */
	SBX_SOCK_INET6,
	SBX_SOCK_UNIX,
	SBX_SOCK_NETLINK_ROUTE,
	SBX_SELF,         /* prlimit64: arg 0 (pid) is 0, this process */
	SBX_THREAD,       /* clone: CLONE_THREAD in arg 0 */
	SBX_ENOSYS,       /* fails with ENOSYS (clone3: glibc falls back) */
	SBX_IOCTL_IFNAME, /* ioctl: SIOCGIFNAME */
};

struct sandbox_rule {
	const char *name;
	unsigned needs;
	enum sbx_cond cond;
};

/* Pure: the rules that `needs` allows, in table order, into out[max];
 * returns how many there are (may exceed max). */
size_t sandbox_rules(unsigned needs, const struct sandbox_rule **out, size_t max);
/* Pure: 1 when `needs` allows system call `name` under some condition
 * (a call that only fails with ENOSYS is not allowed). */
int sandbox_allows(unsigned needs, const char *name);
/* Pure: the Landlock file-system rights (LANDLOCK_ACCESS_FS_*) a kernel
 * of Landlock ABI `abi` handles; 0 for abi < 1. */
unsigned long long sandbox_fs_handled(int abi);

/* Pure: the directory part of `path` into buf ("." when it has none, "/"
 * for "/name"); NULL when it does not fit. */
const char *sandbox_dir_of(const char *path, char *buf, size_t size);

/* Turn the sandbox off for this process (--no-sandbox). */
void sandbox_disable(void);
/* 1 when --no-sandbox or SOCKBOX_NO_SANDBOX=1 turned it off. */
int sandbox_disabled(void);

/* Root by the real uid whose set-up needed CAP_DAC_OVERRIDE or CAP_FOWNER
 * in policy.dir (another user's directory, a sticky one not its own), or
 * whose last step gives a file back to its owner (policy.chown_after),
 * keeps those and CAP_CHOWN permitted, never effective, for the one step
 * at the end that needs them again (http-get's chown and rename,
 * uds-echo's unlink): the applet brackets that step with
 * sandbox_dir_privilege(1) / (0).  A no-op everywhere else. */
void sandbox_dir_privilege(int on);

/* Drop all capabilities, then confine per `p`.  Exits 2 only when the
 * capabilities cannot be dropped; everything else degrades to a note. */
void sandbox_enter(const struct sandbox_policy *p, int verbose);

#endif
