/* selftest: a loopback smoke check of this machine and of sockbox.
 *
 * Each check runs sockbox's own applets as children (re-executing this
 * binary under the applet's name, so the real command lines and exit codes
 * are what is tested) against loopback servers it starts itself, and
 * prints one line: PASS/FAIL/SKIP, the check's name, a short detail.
 * Children are killed and the temporary directory removed on every exit
 * path, including SIGINT/SIGTERM. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "clock.h"
#include "err.h"
#include "json.h"
#include "net.h"
#include "opt.h"
#include "sig.h"
#include "tls.h"

enum { OPT_JSON = OPT_LONG, OPT_KEEP };

static const struct opt opts[] = {
	{ 'v', "verbose", NULL, "show each child's command line and output" },
	{ 'W', "timeout", "SECS", "time limit per check (default 5)" },
	{ OPT_JSON, "json", NULL, "one JSON object per check, then a summary" },
	OPT_RULE("#"),
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"selftest [-v] [-W SECS] [--json]",
	"Check this machine's loopback networking and sockbox itself: start each\n"
	"echo server (TCP IPv4/IPv6, UDP, Unix stream/seqpacket/dgram) and probe\n"
	"it with the matching client, ping 127.0.0.1 and ::1, fetch a\n"
	"Content-Length and a chunked body from a built-in HTTP responder (and\n"
	"over TLS, with a certificate made in memory that lives ten minutes),\n"
	"watch the test's own TCP connection come and go with tcp-watch, and\n"
	"see a server up, then down, with probe.\n"
	"Exit status: 0 when no check failed, 1 otherwise, 2 on usage or set-up errors, 130 when interrupted.",
	opts,
};

#define OUT_MAX ((size_t)64 * 1024)
#define MAX_CHILDREN 8

struct selftest {
	int json, verbose;
	int64_t timeout_ns;
	char tmpdir[64];
	pid_t children[MAX_CHILDREN];
	int passed, failed, skipped;
};

/* The one instance; file scope only so the exit path can clean up. */
static struct selftest *cur;

enum result { PASS, FAIL, SKIP };

static void report(struct selftest *t, enum result r, const char *name,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(struct selftest *t, enum result r, const char *name,
                   const char *fmt, ...)
{
	static const char *const word[] = { "PASS", "FAIL", "SKIP" };
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	/* keep the detail on one line */
	for (char *p = detail; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (r == PASS)
		t->passed++;
	else if (r == FAIL)
		t->failed++;
	else
		t->skipped++;
	if (t->json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "check");
		json_str(&j, "name", name);
		json_str(&j, "result", r == PASS ? "pass" : r == FAIL ? "fail" : "skip");
		json_str(&j, "detail", detail);
		json_end(&j, stdout);
	} else {
		printf("%s  %-22s %s\n", word[r], name, detail);
		fflush(stdout);
	}
}

/* ---- children ---------------------------------------------------------- */

static void track(struct selftest *t, pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (!t->children[i]) {
			t->children[i] = pid;
			return;
		}
}

static void untrack(struct selftest *t, pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (t->children[i] == pid)
			t->children[i] = 0;
}

/* Start this binary as applet argv[0] with stdout (and stderr when
 * err_too) on a pipe; returns the pid and the pipe's read end. */
static pid_t spawn(struct selftest *t, char *const argv[], int err_too,
                   int *out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (t->verbose) {
		char line[512];
		size_t n = 0;
		for (int i = 0; argv[i] && n < sizeof line - 2; i++)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? " " : "", argv[i]);
		err_msg("+ %s", line);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_RDWR);
		if (err_too)
			dup2(p[1], STDERR_FILENO);
		else if (!t->verbose && devnull >= 0)
			dup2(devnull, STDERR_FILENO); /* servers' stats lines */
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	track(t, pid);
	*out_fd = p[0];
	return pid;
}

/* Read one line (the readiness line) from fd before the deadline. */
static int read_line(int fd, char *buf, size_t size, int64_t deadline)
{
	size_t n = 0;
	while (n < size - 1) {
		int r = net_wait(fd, POLLIN, deadline);
		if (r <= 0 || sig_int)
			return -1;
		ssize_t k = read(fd, buf + n, 1);
		if (k <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return 0;
		}
		n++;
	}
	return -1;
}

/* Stop a child: SIGTERM first, so it can clean up after itself (http-get
 * removes its -O temporary file), then SIGKILL after half a second. */
static void stop_child(pid_t pid, int *status)
{
	int st = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 250; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (status)
				*status = st;
			return;
		}
		struct timespec ts = { 0, 2000000L };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (status)
		*status = st;
}

/* Wait for pid until the deadline, killing it when the deadline passes.
 * Returns its exit status (128+signal when killed), -1 on timeout. */
static int reap(struct selftest *t, pid_t pid, int64_t deadline)
{
	int st, timed_out = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (sig_int || clock_mono_ns() > deadline) {
			timed_out = 1;
			stop_child(pid, &st);
			break;
		}
		struct timespec ts = { 0, 2000000L };
		nanosleep(&ts, NULL);
	}
	untrack(t, pid);
	if (timed_out)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run a client to completion, collecting its stdout+stderr in out. */
static int run(struct selftest *t, char *const argv[], char *out, size_t outsz)
{
	int fd;
	pid_t pid = spawn(t, argv, 1, &fd);
	if (pid < 0) {
		snprintf(out, outsz, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	int64_t deadline = clock_mono_ns() + t->timeout_ns;
	size_t n = 0;
	for (;;) {
		int r = net_wait(fd, POLLIN, deadline);
		if (r <= 0)
			break;
		char tmp[4096];
		ssize_t k = read(fd, tmp, sizeof tmp);
		if (k <= 0)
			break;
		size_t c = (size_t)k < outsz - 1 - n ? (size_t)k : outsz - 1 - n;
		memcpy(out + n, tmp, c);
		n += c;
	}
	out[n] = 0;
	close(fd);
	int rc = reap(t, pid, deadline);
	if (t->verbose)
		fprintf(stderr, "%s", out);
	return rc;
}

struct server {
	pid_t pid;
	int fd;
	char addr[256];     /* after NET_READY_PREFIX */
	char port[16];
};

static int server_start(struct selftest *t, struct server *s,
                        char *const argv[], char *why, size_t whysz)
{
	s->pid = spawn(t, argv, 0, &s->fd);
	if (s->pid < 0) {
		snprintf(why, whysz, "cannot start server: %s", strerror(errno));
		return -1;
	}
	char line[sizeof s->addr + sizeof NET_READY_PREFIX];
	const char *where = NULL;
	if (read_line(s->fd, line, sizeof line, clock_mono_ns() + t->timeout_ns) < 0 ||
	    (where = net_ready_parse(line)) == NULL) {
		kill(s->pid, SIGKILL);
		int rc = reap(t, s->pid, clock_mono_ns() + t->timeout_ns);
		close(s->fd);
		snprintf(why, whysz, "server did not start (exit %d)", rc);
		return -1;
	}
	snprintf(s->addr, sizeof s->addr, "%s", where);
	const char *colon = strrchr(s->addr, ':');
	snprintf(s->port, sizeof s->port, "%s", colon ? colon + 1 : "");
	return 0;
}

/* SIGTERM the server; it must exit 0 (its clean-shutdown contract). */
static int server_stop(struct selftest *t, struct server *s)
{
	kill(s->pid, SIGTERM);
	int rc = reap(t, s->pid, clock_mono_ns() + t->timeout_ns);
	close(s->fd);
	return rc;
}

/* Pull "rtt min/avg/max/mdev = a/b/c/d ms" out of a client's output. */
static const char *rtt_of(const char *out, char *buf, size_t size)
{
	const char *p = strstr(out, "rtt min/avg/max/mdev = ");
	if (!p) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	p += strlen("rtt min/avg/max/mdev = ");
	const char *s1 = strchr(p, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	if (!s2) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	snprintf(buf, size, "avg rtt %.*s ms", (int)(s2 - s1 - 1), s1 + 1);
	return buf;
}

/* Last non-empty line of out (for a failure's detail). */
static const char *last_line(char *out)
{
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
	char *p = strrchr(out, '\n');
	return p ? p + 1 : out;
}

/* ---- checks ------------------------------------------------------------- */

/* Start a server, probe it with a client, stop it: the echo checks.
 * client_argv[port_slot] (when >= 0) receives the server's real port. */
static void echo_check(struct selftest *t, const char *name,
                       char *const server_argv[], char **client_argv,
                       int port_slot)
{
	struct server s;
	char why[300];
	if (server_start(t, &s, server_argv, why, sizeof why) < 0) {
		report(t, FAIL, name, "%s", why);
		return;
	}
	if (port_slot >= 0)
		client_argv[port_slot] = s.port;
	char *out = malloc(OUT_MAX);
	if (!out)
		die_sys(2, "out of memory");
	int rc = run(t, client_argv, out, OUT_MAX);
	if (port_slot >= 0)
		client_argv[port_slot] = NULL; /* s.port dies with this frame */
	int src = server_stop(t, &s);
	char rtt[64];
	if (rc == 0 && src == 0)
		report(t, PASS, name, "%s, %s", s.addr, rtt_of(out, rtt, sizeof rtt));
	else if (rc != 0)
		report(t, FAIL, name, "client exit %d: %s", rc, last_line(out));
	else
		report(t, FAIL, name, "server exit %d after SIGTERM", src);
	free(out);
}

static int have_ipv6_loopback(void)
{
	struct sb_addr a;
	if (addr_numeric("::1", 0, &a) < 0)
		return 0;
	int fd = net_listen(&a, SOCK_STREAM, 1, NULL);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void check_tcp(struct selftest *t, int v6)
{
	const char *name = v6 ? "tcp-echo IPv6" : "tcp-echo IPv4";
	if (v6 && !have_ipv6_loopback()) {
		report(t, SKIP, name, "no IPv6 on loopback (net.ipv6.conf.lo.disable_ipv6=1?)");
		return;
	}
	const char *host = v6 ? "::1" : "127.0.0.1";
	char *srv[] = { "tcp-echo", "-l", "-b", (char *)host, "0", NULL };
	char *cli[] = { "tcp-echo", "-c", "3", "-i", "0.01", "-s", "1000", "-W", "2",
	                (char *)host, NULL, NULL };
	echo_check(t, name, srv, cli, 10);
}

static void check_udp(struct selftest *t, int unused)
{
	char *srv[] = { "udp-echo", "-l", "-b", "127.0.0.1", "0", NULL };
	char *cli[] = { "udp-echo", "-c", "3", "-i", "0.01", "-s", "512", "-W", "2",
	                "127.0.0.1", NULL, NULL };
	echo_check(t, "udp-echo IPv4", srv, cli, 10);
}

static void check_uds(struct selftest *t, int which)
{
	static const char *const types[] = { "stream", "seqpacket", "dgram" };
	const char *type = types[which];
	char name[64], path[128];
	snprintf(name, sizeof name, "uds-echo %s", type);
	snprintf(path, sizeof path, "%s/%s.sock", t->tmpdir, type);
	char *srv[] = { "uds-echo", "-l", "--type", (char *)type, path, NULL };
	char *cli[] = { "uds-echo", "--type", (char *)type, "-c", "3", "-i", "0.01",
	                "-W", "2", path, NULL };
	echo_check(t, name, srv, cli, -1);
	struct stat sb;
	if (lstat(path, &sb) == 0)
		report(t, FAIL, name, "socket file %s left behind", path);
}

static void check_ping(struct selftest *t, int v6)
{
	const char *name = v6 ? "ping ::1" : "ping 127.0.0.1";
	if (v6 && !have_ipv6_loopback()) {
		report(t, SKIP, name, "no IPv6 on loopback");
		return;
	}
	char *cli[] = { v6 ? "ping6" : "ping", "-c", "2", "-i", "0.05", "-W", "2",
	                v6 ? "::1" : "127.0.0.1", NULL };
	char *out = malloc(OUT_MAX);
	if (!out)
		die_sys(2, "out of memory");
	int rc = run(t, cli, out, OUT_MAX);
	char rtt[64];
	if (rc == 0) {
		report(t, PASS, name, "%s", rtt_of(out, rtt, sizeof rtt));
	} else if (rc == 2 && (strstr(out, "ping_group_range") || strstr(out, "cap_net_raw"))) {
		/* no raw socket and no datagram ICMP socket: say why and how */
		report(t, SKIP, name, "%s", last_line(out));
	} else {
		report(t, FAIL, name, "exit %d: %s", rc, last_line(out));
	}
	free(out);
}

/* ---- the built-in HTTP responder ---------------------------------------- */

#define BODY_LEN ((size_t)100 * 1024 + 7)

static unsigned char body_byte(size_t i)
{
	/* deterministic, not periodic at any small power of two */
	uint32_t x = (uint32_t)i * 2654435761u;
	return (unsigned char)(x >> 24);
}

/* Serve one request per connection: /cl with Content-Length, /chunked in
 * uneven chunks with an extension and a trailer.  Runs in a child. */
static void http_serve(int lfd)
{
	static unsigned char body[BODY_LEN];
	for (size_t i = 0; i < BODY_LEN; i++)
		body[i] = body_byte(i);
	net_nonblock(lfd, 0);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		char req[4096];
		size_t n = 0;
		while (n < sizeof req - 1) {
			ssize_t k = read(c, req + n, sizeof req - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[n] = 0;
		char hdr[256];
		if (strncmp(req, "GET /cl ", 8) == 0) {
			int h = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			                 "Content-Type: application/octet-stream\r\n\r\n", BODY_LEN);
			net_write_all(c, hdr, (size_t)h, NULL);
			net_write_all(c, body, BODY_LEN, NULL);
		} else if (strncmp(req, "GET /chunked ", 13) == 0) {
			static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
			net_write_all(c, head, sizeof head - 1, NULL);
			size_t off = 0, step = 1;
			while (off < BODY_LEN) {
				size_t len = step < BODY_LEN - off ? step : BODY_LEN - off;
				int h = snprintf(hdr, sizeof hdr, "%zx;ext=1\r\n", len);
				net_write_all(c, hdr, (size_t)h, NULL);
				net_write_all(c, body + off, len, NULL);
				net_write_all(c, "\r\n", 2, NULL);
				off += len;
				step = step * 3 + 1;
			}
			static const char tail[] = "0\r\nX-Trailer: yes\r\n\r\n";
			net_write_all(c, tail, sizeof tail - 1, NULL);
		} else {
			static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
			net_write_all(c, nf, sizeof nf - 1, NULL);
		}
		close(c);
	}
}

static int file_matches_body(const char *path, char *why, size_t whysz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whysz, "no output file: %s", strerror(errno));
		return 0;
	}
	size_t i = 0;
	int ch;
	while ((ch = getc(f)) != EOF) {
		if (i >= BODY_LEN || (unsigned char)ch != body_byte(i)) {
			fclose(f);
			snprintf(why, whysz, "body differs at byte %zu", i);
			return 0;
		}
		i++;
	}
	fclose(f);
	if (i != BODY_LEN) {
		snprintf(why, whysz, "body is %zu bytes, expected %zu", i, BODY_LEN);
		return 0;
	}
	return 1;
}

static void check_http(struct selftest *t, int unused)
{
	struct sb_addr a, bound;
	addr_numeric("127.0.0.1", 0, &a);
	int lfd = net_listen(&a, SOCK_STREAM, 16, &bound);
	if (lfd < 0) {
		report(t, FAIL, "http-get", "cannot listen on 127.0.0.1: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t srv = fork();
	if (srv == 0) {
		http_serve(lfd);
		_exit(0);
	}
	close(lfd);
	if (srv < 0) {
		report(t, FAIL, "http-get", "fork: %s", strerror(errno));
		return;
	}
	track(t, srv);
	static const char *const paths[] = { "cl", "chunked" };
	static const char *const names[] = { "http-get length", "http-get chunked" };
	for (int i = 0; i < 2; i++) {
		char url[128], file[128];
		snprintf(url, sizeof url, "http://127.0.0.1:%u/%s", addr_port((struct sockaddr *)&bound.ss), paths[i]);
		snprintf(file, sizeof file, "%s/%s.body", t->tmpdir, paths[i]);
		char *cli[] = { "http-get", "-s", "-m", "2", "-o", file, url, NULL };
		char *out = malloc(OUT_MAX);
		if (!out)
			die_sys(2, "out of memory");
		int rc = run(t, cli, out, OUT_MAX);
		char why[128];
		if (rc != 0)
			report(t, FAIL, names[i], "exit %d: %s", rc, last_line(out));
		else if (!file_matches_body(file, why, sizeof why))
			report(t, FAIL, names[i], "%s", why);
		else
			report(t, PASS, names[i], "%zu bytes identical", BODY_LEN);
		unlink(file);
		free(out);
	}
	kill(srv, SIGKILL);
	reap(t, srv, clock_mono_ns() + t->timeout_ns);
}

/* TLS: wait for the socket as the handshake/read/write step asks. */
static int tls_step_wait(int fd, ssize_t r)
{
	return net_wait(fd, r == TLS_WANT_WRITE ? POLLOUT : POLLIN,
	                clock_mono_ns() + 5 * NS_PER_SEC) > 0 ? 0 : -1;
}

/* Serve /cl over TLS, one request per connection.  Runs in a child. */
static void https_serve(int lfd, struct tls_ctx *ctx)
{
	static unsigned char body[BODY_LEN];
	for (size_t i = 0; i < BODY_LEN; i++)
		body[i] = body_byte(i);
	net_nonblock(lfd, 0);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			continue;
		struct tls *s = tls_server_new(ctx, c);
		ssize_t r = s ? TLS_WANT_READ : TLS_ERR;
		while (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			r = tls_server_handshake(s);
			if (r < 0 && r != TLS_ERR && tls_step_wait(c, r) < 0)
				r = TLS_ERR;
		}
		char req[4096];
		size_t n = 0;
		while (r == 0 && n < sizeof req - 1) {
			ssize_t k = tls_read(s, req + n, sizeof req - 1 - n);
			if (k == TLS_WANT_READ || k == TLS_WANT_WRITE) {
				if (tls_step_wait(c, k) < 0)
					break;
				continue;
			}
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		char hdr[256];
		int h = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
		                 BODY_LEN);
		const unsigned char *parts[] = { (const unsigned char *)hdr, body };
		size_t lens[] = { (size_t)h, BODY_LEN };
		for (int i = 0; r == 0 && i < 2; i++) {
			size_t off = 0;
			while (off < lens[i]) {
				ssize_t w = tls_write(s, parts[i] + off, lens[i] - off);
				if (w > 0) {
					off += (size_t)w;
				} else if (w == TLS_ERR || tls_step_wait(c, w) < 0) {
					r = TLS_ERR;
					break;
				}
			}
		}
		if (r == 0)
			tls_shutdown(s);
		tls_free(s);
		close(c);
	}
}

/* https: the same body through http-get's TLS, verified against a
 * certificate made here (for 127.0.0.1, valid ten minutes) and given to
 * http-get with --cacert from the temporary directory. */
static void check_https(struct selftest *t, int unused)
{
	const char *name = "http-get https";
	struct tls_server_conf sc = { "127.0.0.1", 600, 0, 0 };
	char pem[4096], err[TLS_ERRMSG_MAX], ca[128], url[128], file[128], why[128];
	struct sb_addr a, bound;

	if (tls_load(err, sizeof err) < 0) {
		report(t, SKIP, name, "%s", err);
		return;
	}
	struct tls_ctx *ctx = tls_server_ctx_new(&sc, pem, sizeof pem, err, sizeof err);
	if (!ctx) {
		report(t, FAIL, name, "%s", err);
		return;
	}
	snprintf(ca, sizeof ca, "%s/ca.pem", t->tmpdir);
	int fd = open(ca, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || net_write_all(fd, pem, strlen(pem), NULL) < 0) {
		report(t, FAIL, name, "cannot write %s: %s", ca, strerror(errno));
		if (fd >= 0)
			close(fd);
		tls_ctx_free(ctx);
		return;
	}
	close(fd);
	addr_numeric("127.0.0.1", 0, &a);
	int lfd = net_listen(&a, SOCK_STREAM, 16, &bound);
	if (lfd < 0) {
		report(t, FAIL, name, "cannot listen on 127.0.0.1: %s", strerror(errno));
		tls_ctx_free(ctx);
		return;
	}
	fflush(stdout);
	pid_t srv = fork();
	if (srv == 0) {
		https_serve(lfd, ctx);
		_exit(0);
	}
	close(lfd);
	tls_ctx_free(ctx);
	if (srv < 0) {
		report(t, FAIL, name, "fork: %s", strerror(errno));
		return;
	}
	track(t, srv);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/cl", addr_port((struct sockaddr *)&bound.ss));
	snprintf(file, sizeof file, "%s/https.body", t->tmpdir);
	char *cli[] = { "http-get", "-s", "-m", "2", "--cacert", ca, "-o", file, url, NULL };
	char *out = malloc(OUT_MAX);
	if (!out)
		die_sys(1, "out of memory");
	int rc = run(t, cli, out, OUT_MAX);
	if (rc != 0)
		report(t, FAIL, name, "exit %d: %s", rc, last_line(out));
	else if (!file_matches_body(file, why, sizeof why))
		report(t, FAIL, name, "%s", why);
	else
		report(t, PASS, name, "%zu bytes identical, certificate verified", BODY_LEN);
	unlink(file);
	unlink(ca);
	free(out);
	kill(srv, SIGKILL);
	reap(t, srv, clock_mono_ns() + t->timeout_ns);
}

/* probe: a tcp-echo server seen up (with a send/expect exchange), then,
 * once stopped, seen down (refused), with the documented exit codes. */
static void check_probe(struct selftest *t, int unused)
{
	const char *name = "probe";
	struct server s;
	char why[300], target[64];
	char *srv[] = { "tcp-echo", "-l", "-b", "127.0.0.1", "0", NULL };
	if (server_start(t, &s, srv, why, sizeof why) < 0) {
		report(t, FAIL, name, "%s", why);
		return;
	}
	snprintf(target, sizeof target, "tcp://127.0.0.1:%s", s.port);
	char *up[] = { "probe", "-q", "-t", "2", "-s", "sockbox\\n", "-e", "sockbox",
	               target, NULL };
	char *down[] = { "probe", "-q", "-t", "2", target, NULL };
	char *out = malloc(OUT_MAX);
	if (!out)
		die_sys(1, "out of memory");
	int rc = run(t, up, out, OUT_MAX);
	int src = server_stop(t, &s);
	if (rc != 0 || !strstr(out, "1 passed")) {
		report(t, FAIL, name, "%s up: exit %d: %s", target, rc, last_line(out));
	} else if (src != 0) {
		report(t, FAIL, name, "tcp-echo exit %d after SIGTERM", src);
	} else {
		rc = run(t, down, out, OUT_MAX);
		if (rc != 1 || !strstr(out, "refused"))
			report(t, FAIL, name, "%s down: exit %d (want 1): %s", target, rc,
			       last_line(out));
		else
			report(t, PASS, name, "%s seen up (send/expect), then refused", target);
	}
	free(out);
}

/* tcp-watch must see a connection of ours reach ESTABLISHED and leave it. */
static void check_watch(struct selftest *t, int unused)
{
	const char *name = "tcp-watch";
	struct server s;
	char why[300];
	char *srv[] = { "tcp-echo", "-l", "-b", "127.0.0.1", "0", NULL };
	if (server_start(t, &s, srv, why, sizeof why) < 0) {
		report(t, FAIL, name, "%s", why);
		return;
	}
	char *w[] = { "tcp-watch", "--json", "--interval", "0.02", "--sport", s.port,
	              "--duration", "4", NULL };
	int wfd;
	pid_t wp = spawn(t, w, 0, &wfd);
	int64_t deadline = clock_mono_ns() + t->timeout_ns;
	char line[1024];
	/* the listening socket shows up first: the watcher is ready */
	int ready = 0, est = 0, left = 0;
	while (!ready && read_line(wfd, line, sizeof line, deadline) == 0)
		ready = strstr(line, "LISTEN") != NULL;
	if (ready) {
		/* three probes 0.1 s apart: the connection outlives several
		 * polls, so ESTABLISHED is seen (a ~1 ms one is only seen
		 * being destroyed: NEW -> CLOSED) */
		char *cli[] = { "tcp-echo", "-c", "3", "-i", "0.1", "-W", "2", "127.0.0.1",
		                s.port, NULL };
		char *out = malloc(OUT_MAX);
		if (!out)
			die_sys(2, "out of memory");
		run(t, cli, out, OUT_MAX);
		free(out);
		while ((!est || !left) && read_line(wfd, line, sizeof line, deadline) == 0) {
			if (strstr(line, "LISTEN"))
				continue;
			if (strstr(line, "\"new\":\"ESTAB\""))
				est = 1;
			else if (est && strstr(line, "\"old\":\"ESTAB\""))
				left = 1;
		}
	}
	kill(wp, SIGINT);
	int wrc = reap(t, wp, clock_mono_ns() + t->timeout_ns);
	close(wfd);
	server_stop(t, &s);
	if (!ready)
		report(t, FAIL, name, "watcher never reported the listening socket (exit %d)", wrc);
	else if (!est || !left)
		report(t, FAIL, name, "saw ESTABLISHED: %s, saw it end: %s", est ? "yes" : "no",
		       left ? "yes" : "no");
	else
		report(t, PASS, name, "connection to port %s seen established and closed", s.port);
}

/* ---- driver ------------------------------------------------------------- */

static void cleanup(void)
{
	if (!cur)
		return;
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (cur->children[i] > 0) {
			stop_child(cur->children[i], NULL);
			cur->children[i] = 0;
		}
	if (cur->tmpdir[0]) {
		/* Our private mkdtemp directory: everything in it is ours (socket
		 * files, bodies, a child's leftover temporary file). */
		DIR *d = opendir(cur->tmpdir);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		if (d)
			closedir(d);
		rmdir(cur->tmpdir);
		cur->tmpdir[0] = 0;
	}
	cur = NULL; /* it lives on selftest_main's stack */
}

int selftest_main(int argc, char **argv)
{
	struct selftest t;
	memset(&t, 0, sizeof t);
	t.timeout_ns = 5 * NS_PER_SEC;
	struct opt_state st;
	opt_init(&st);
	int c;
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case 'v': t.verbose = 1; break;
		case 'W': t.timeout_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC * 100, 600 * NS_PER_SEC); break;
		case OPT_JSON: t.json = 1; err_json(1); break;
		}
	}
	if (t.json) {
		struct json j;
		json_start(&j, "selftest");
		json_double(&j, "timeout_ms", (double)t.timeout_ns / 1e6, 3);
		json_end(&j, stdout);
	}

	/* $TMPDIR, as mktemp(1) takes it, when the socket paths inside still
	 * fit; else /tmp */
	const char *td = secure_getenv("TMPDIR");
	if (!td || td[0] != '/' ||
	    (size_t)snprintf(t.tmpdir, sizeof t.tmpdir, "%s/sockbox-selftest.XXXXXX",
	                     td) >= sizeof t.tmpdir)
		snprintf(t.tmpdir, sizeof t.tmpdir, "/tmp/sockbox-selftest.XXXXXX");
	if (!mkdtemp(t.tmpdir))
		die_sys(2, "cannot create a temporary directory");
	cur = &t;
	atexit(cleanup);
	sig_catch(0);

	/* each check with the applets it runs: one left out of this build
	 * (make APPLETS=...) makes it a SKIP */
	static const struct {
		void (*fn)(struct selftest *, int);
		int arg;
		const char *name, *needs[2];
	} checks[] = {
		{ check_tcp, 0, "tcp-echo IPv4", { "tcp-echo" } },
		{ check_tcp, 1, "tcp-echo IPv6", { "tcp-echo" } },
		{ check_udp, 0, "udp-echo IPv4", { "udp-echo" } },
		{ check_uds, 0, "uds-echo stream", { "uds-echo" } },
		{ check_uds, 1, "uds-echo seqpacket", { "uds-echo" } },
		{ check_uds, 2, "uds-echo dgram", { "uds-echo" } },
		{ check_ping, 0, "ping 127.0.0.1", { "ping" } },
		{ check_ping, 1, "ping ::1", { "ping" } },
		{ check_http, 0, "http-get", { "http-get" } },
		{ check_https, 0, "http-get https", { "http-get" } },
		{ check_watch, 0, "tcp-watch", { "tcp-watch", "tcp-echo" } },
		{ check_probe, 0, "probe", { "probe", "tcp-echo" } },
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0] && !sig_int; i++) {
		const char *missing = NULL;
		for (int k = 0; k < 2; k++)
			if (checks[i].needs[k] && !sockbox_has_applet(checks[i].needs[k]))
				missing = checks[i].needs[k];
		if (missing)
			report(&t, SKIP, checks[i].name, "%s is not built into this sockbox", missing);
		else
			checks[i].fn(&t, checks[i].arg);
	}

	int rc = sig_int ? 130 : t.failed ? 1 : 0;
	if (t.json) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "summary");
		json_int(&j, "passed", t.passed);
		json_int(&j, "failed", t.failed);
		json_int(&j, "skipped", t.skipped);
		json_int(&j, "exit", rc);
		json_end(&j, stdout);
	}
	if (sig_int) {
		cleanup();
		err_msg("interrupted");
		return rc;
	}
	if (!t.json)
		printf("%d passed, %d failed, %d skipped\n", t.passed, t.failed, t.skipped);
	cleanup();
	return rc;
}
