/* http-get: a minimal HTTP/1.1 GET client with a strict streaming parser.
 *
 * Usage: http-get [OPTIONS] URL
 *
 * Fetches http://host[:port]/path?query (IPv6 literals in brackets) and
 * writes the body to stdout, or with -O to FILE through a temporary file
 * in the same directory that is renamed over FILE only when the transfer
 * succeeded.  No TLS.  The response is parsed by lib/http_parse (RFC 9112
 * framing); reading stops the moment the body is complete.
 *
 * Exit codes follow curl: 0 ok, 2 usage, 3 malformed URL, 6 resolve,
 * 7 connect, 8 malformed response, 18 short body, 22 HTTP status >= 400,
 * 23 write error, 28 timeout, 47 too many redirects or a loop,
 * 56 receive error, 61 unsupported transfer coding, 63 max filesize.
 *
 * Data path: recv() into one buffer, the parser returns body slices that
 * point into that buffer, and they are written with one writev() per
 * receive buffer: the body is copied once in user space (kernel to buffer)
 * and never moved again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "clock.h"
#include "err.h"
#include "http_parse.h"
#include "json.h"
#include "net.h"
#include "opt.h"
#include "sandbox.h"
#include "sig.h"
#include "url.h"

enum {
	EX_OK = 0,
	EX_USAGE = 2,
	EX_URL = 3,
	EX_RESOLVE = 6,
	EX_CONNECT = 7,
	EX_PROTO = 8,
	EX_PARTIAL = 18,
	EX_HTTP = 22,
	EX_WRITE = 23,
	EX_TIMEOUT = 28,
	EX_REDIRECTS = 47,
	EX_RECV = 56,
	EX_CODING = 61,
	EX_FILESIZE = 63,
	EX_SIGNAL = 130,
};

enum {
	OPT_MAX_TIME = OPT_LONG + 1,
	OPT_MAX_REDIRECT,
	OPT_MAX_FILESIZE,
	OPT_JSON,
};

static const struct opt opts[] = {
	{ 'O', "output", "FILE", "write the body to FILE (replaced only on success)" },
	{ 'q', "quiet", NULL, "no progress bar or notes (errors still printed)" },
	{ 'S', "server-response", NULL, "print status lines and headers to stderr" },
	{ 'H', "header", "'NAME: VALUE'", "add a request header (repeatable)" },
	{ 'A', "user-agent", "AGENT", "User-Agent header value" },
	{ 'T', "timeout", "SECONDS", "connect timeout and idle (no data) timeout" },
	{ OPT_MAX_TIME, "max-time", "SECONDS", "limit the whole transfer" },
	{ 'L', "location", NULL, "follow redirects (301 302 303 307 308)" },
	{ OPT_MAX_REDIRECT, "max-redirect", "N", "follow at most N redirects (default 10; implies -L)" },
	{ OPT_MAX_FILESIZE, "max-filesize", "BYTES", "fail (exit 63) when the body is larger" },
	{ OPT_JSON, "json", NULL, "print a JSON summary on stdout instead of the body" },
	{ 'I', "head", NULL, "send HEAD; print the status line and headers on stdout" },
	{ 0, NULL, NULL, NULL }
};

static const struct applet_help help = {
	"http-get [OPTIONS] URL",
	"Fetch an http:// URL with HTTP/1.1 GET and write the body to stdout.\n"
	"Exit status: 0 ok, 3 bad URL, 6 resolve, 7 connect, 8 bad response,\n"
	"18 short body, 22 status >= 400, 23 write error, 28 timeout,\n"
	"47 redirects, 56 receive error, 61 transfer coding, 63 too large.",
	opts
};

#define RECV_BUF  ((size_t)256 * 1024)
#define MAX_EXTRA 64          /* -H options */
#define PROGRESS_NS (200 * NS_PER_MSEC)

struct hg_opts {
	const char *out_path;
	int quiet, show_headers, follow, json, head;
	const char *agent;
	const char *extra[MAX_EXTRA];
	int nextra;
	int64_t timeout_ns;      /* connect and idle; <0 none */
	int64_t max_time_ns;     /* <0 none */
	unsigned max_redirect;
	uint64_t max_filesize;   /* 0 none */
};

/* A growable list of "name\0value\0" pairs for --json. */
struct fields {
	char *buf;
	size_t len, cap;
};

struct hg {
	struct hg_opts o;
	struct url url;
	struct http_parser p;
	char *rbuf;
	int out_fd;
	char *tmp_path;          /* -O temporary, unlinked unless renamed */
	int progress;
	int64_t t0, t_resolve, t_connect, t_first, t_total;
	int64_t deadline;        /* --max-time, monotonic; <0 none */
	int64_t last_progress;
	unsigned redirects;
	char *location;          /* Location of the current response */
	char **visited;
	unsigned nvisited;
	int status;
	struct fields headers, trailers;
	uint64_t body_bytes;
	char errbuf[512];
	struct iovec iov[IOV_MAX];
	int niov;
};

static int fail_with(struct hg *h, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_with(struct hg *h, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->errbuf, sizeof h->errbuf, fmt, ap);
	va_end(ap);
	return code;
}

static void fields_add(struct fields *f, const char *n, size_t nl,
                       const char *v, size_t vl)
{
	size_t need = f->len + nl + vl + 2;
	if (need > f->cap) {
		size_t cap = f->cap ? f->cap : 1024;
		while (cap < need)
			cap *= 2;
		char *b = realloc(f->buf, cap);
		if (!b)
			return; /* --json only; bounded by the parser anyway */
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, n, nl);
	f->buf[f->len + nl] = '\0';
	memcpy(f->buf + f->len + nl + 1, v, vl);
	f->buf[f->len + nl + 1 + vl] = '\0';
	f->len = need;
}

/* Escape control characters and non-ASCII bytes for a terminal. */
static void put_escaped(FILE *fp, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(fp, "\\x%02x", c);
		else if (c == '\\')
			fputs("\\\\", fp);
		else
			fputc(c, fp);
	}
}

/* ---- output ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR && !sig_int)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (net_wait(fd, POLLOUT, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int flush_body(struct hg *h)
{
	struct iovec *iov = h->iov;
	int n = h->niov;

	h->niov = 0;
	while (n > 0) {
		ssize_t w = writev(h->out_fd, iov, n);
		if (w < 0) {
			if (errno == EINTR && !sig_int)
				continue;
			if (errno == EAGAIN) {
				if (net_wait(h->out_fd, POLLOUT, -1) < 0 &&
				    errno != EINTR)
					return -1;
				continue;
			}
			return -1;
		}
		size_t left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

static int queue_body(struct hg *h, const char *data, size_t len)
{
	if (h->niov > 0) {
		struct iovec *last = &h->iov[h->niov - 1];
		if ((const char *)last->iov_base + last->iov_len == data) {
			last->iov_len += len;
			return 0;
		}
	}
	if (h->niov == IOV_MAX && flush_body(h) < 0)
		return -1;
	h->iov[h->niov].iov_base = (void *)(uintptr_t)data;
	h->iov[h->niov].iov_len = len;
	h->niov++;
	return 0;
}

static void human_bytes(char *buf, size_t sz, double v)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, sz, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void progress(struct hg *h, int final)
{
	int64_t now = clock_mono_ns();
	char got[32], rate[32], line[160];
	double secs;
	int n;

	if (!h->progress || (!final && now - h->last_progress < PROGRESS_NS))
		return;
	h->last_progress = now;
	secs = (double)(now - h->t0) / 1e9;
	human_bytes(got, sizeof got, (double)h->body_bytes);
	human_bytes(rate, sizeof rate, secs > 0 ? (double)h->body_bytes / secs : 0);
	if (h->p.framing == HTTP_BODY_LENGTH && h->p.content_length > 0) {
		uint64_t total = h->p.content_length;
		int pct = (int)((double)h->body_bytes * 100.0 / (double)total);
		int bar = pct / 5;
		double r = secs > 0 ? (double)h->body_bytes / secs : 0;
		long eta = r > 0 ? (long)((double)(total - h->body_bytes) / r) : 0;
		char b[21];
		memset(b, ' ', 20);
		memset(b, '=', (size_t)(bar > 20 ? 20 : bar));
		b[20] = '\0';
		n = snprintf(line, sizeof line,
		             "\r%3d%% [%s] %10s %10s/s ETA %ld:%02ld:%02ld ", pct, b,
		             got, rate, eta / 3600, eta / 60 % 60, eta % 60);
	} else {
		n = snprintf(line, sizeof line, "\r%10s %10s/s ", got, rate);
	}
	if (n > 0)
		write_all(STDERR_FILENO, line, (size_t)n);
	if (final)
		write_all(STDERR_FILENO, "\n", 1);
}

/* ---- -O: temporary file in the target's directory ---- */

static int open_output(struct hg *h)
{
	const char *path = h->o.out_path;
	const char *slash;
	size_t dirlen;

	if (!path) {
		h->out_fd = h->o.json || h->o.head ? -1 : STDOUT_FILENO;
		return 0;
	}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	h->tmp_path = malloc(strlen(path) + 16);
	if (!h->tmp_path)
		return fail_with(h, EX_WRITE, "out of memory");
	snprintf(h->tmp_path, strlen(path) + 16, "%.*s.%s.XXXXXX", (int)dirlen,
	         path, path + dirlen);
	h->out_fd = mkostemp(h->tmp_path, O_CLOEXEC);
	if (h->out_fd < 0) {
		int e = errno;
		free(h->tmp_path);
		h->tmp_path = NULL;
		return fail_with(h, EX_WRITE, "cannot create a temporary file for %s: %s",
		                 path, strerror(e));
	}
	return 0;
}

static int finish_output(struct hg *h, int rc)
{
	if (!h->tmp_path)
		return rc;
	if (rc == EX_OK) {
		mode_t um = umask(0);
		umask(um);
		if (fchmod(h->out_fd, 0666 & ~um) < 0 || close(h->out_fd) < 0) {
			rc = fail_with(h, EX_WRITE, "write %s: %s", h->o.out_path,
			               strerror(errno));
		} else if (rename(h->tmp_path, h->o.out_path) < 0) {
			rc = fail_with(h, EX_WRITE, "rename to %s: %s", h->o.out_path,
			               strerror(errno));
		} else {
			free(h->tmp_path);
			h->tmp_path = NULL;
			return rc;
		}
	} else {
		close(h->out_fd);
	}
	unlink(h->tmp_path);
	free(h->tmp_path);
	h->tmp_path = NULL;
	return rc;
}

/* ---- request ---- */

static int header_name_is(const char *hdr, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(hdr, name, n) == 0 && hdr[n] == ':';
}

/* Is there a -H overriding (or, with an empty value, removing) `name`? */
static int user_overrides(const struct hg_opts *o, const char *name)
{
	for (int i = 0; i < o->nextra; i++)
		if (header_name_is(o->extra[i], name))
			return 1;
	return 0;
}

static void append(char **p, char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) > n) {
		memcpy(*p, s, n);
		*p += n;
	} else {
		*p = end; /* marks overflow */
	}
}

static int build_request(const struct hg *h, char *buf, size_t size, size_t *len)
{
	char auth[URL_HOST_MAX + 16];
	char *p = buf, *end = buf + size;

	if (url_authority(&h->url, auth, sizeof auth) < 0)
		return -1;
	append(&p, end, h->o.head ? "HEAD " : "GET ");
	append(&p, end, h->url.path);
	append(&p, end, " HTTP/1.1\r\n");
	if (!user_overrides(&h->o, "host")) {
		append(&p, end, "Host: ");
		append(&p, end, auth);
		append(&p, end, "\r\n");
	}
	if (!user_overrides(&h->o, "user-agent")) {
		append(&p, end, "User-Agent: ");
		append(&p, end, h->o.agent ? h->o.agent : "sockbox-http-get/" SOCKBOX_VERSION);
		append(&p, end, "\r\n");
	}
	if (!user_overrides(&h->o, "accept"))
		append(&p, end, "Accept: */*\r\n");
	if (!user_overrides(&h->o, "connection"))
		append(&p, end, "Connection: close\r\n");
	for (int i = 0; i < h->o.nextra; i++) {
		const char *c = strchr(h->o.extra[i], ':');
		const char *v = c + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			continue; /* "Name:" only removes a default */
		append(&p, end, h->o.extra[i]);
		append(&p, end, "\r\n");
	}
	append(&p, end, "\r\n");
	if (p == end)
		return -1;
	*len = (size_t)(p - buf);
	return 0;
}

static int64_t idle_deadline(const struct hg *h)
{
	int64_t idle = h->o.timeout_ns < 0 ? -1 : clock_mono_ns() + h->o.timeout_ns;
	return clock_min_deadline(idle, h->deadline);
}

static int timeout_error(struct hg *h, const char *what)
{
	if (h->deadline >= 0 && clock_mono_ns() >= h->deadline)
		return fail_with(h, EX_TIMEOUT, "%s: --max-time reached", what);
	return fail_with(h, EX_TIMEOUT, "%s: timed out", what);
}

static int send_request(struct hg *h, int fd)
{
	char req[URL_PATH_MAX + 8192];
	size_t len, off = 0;

	if (build_request(h, req, sizeof req, &len) < 0)
		return fail_with(h, EX_URL, "request too long");
	while (off < len) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno == EAGAIN) {
			int r = net_wait(fd, POLLOUT, idle_deadline(h));
			if (r == 0)
				return timeout_error(h, "send request");
			if (r < 0 && errno != EINTR)
				return fail_with(h, EX_RECV, "send request: %s", strerror(errno));
			if (sig_int)
				return fail_with(h, EX_SIGNAL, "interrupted");
			continue;
		}
		if (errno == EINTR && !sig_int)
			continue;
		if (sig_int)
			return fail_with(h, EX_SIGNAL, "interrupted");
		return fail_with(h, EX_RECV, "send request: %s", strerror(errno));
	}
	return 0;
}

static int connect_to(struct hg *h, int *fdp)
{
	struct sb_addr a;
	char hostport[ADDR_STRLEN];
	int64_t t;
	int r, fd;

	r = addr_resolve(h->url.host, h->url.port, AF_UNSPEC, SOCK_STREAM, 0, &a);
	h->t_resolve = clock_mono_ns() - h->t0;
	if (r)
		return fail_with(h, EX_RESOLVE, "could not resolve host %s: %s",
		                 h->url.host, addr_strerror(r));
	addr_format((struct sockaddr *)&a.ss, a.len, hostport, sizeof hostport);
	t = h->o.timeout_ns;
	if (h->deadline >= 0) {
		int64_t left = h->deadline - clock_mono_ns();
		if (left <= 0)
			return timeout_error(h, "connect");
		if (t < 0 || left < t)
			t = left;
	}
	fd = net_connect(&a, SOCK_STREAM, t);
	h->t_connect = clock_mono_ns() - h->t0;
	if (fd < 0) {
		if (errno == ETIMEDOUT) {
			char what[ADDR_STRLEN + 16];
			snprintf(what, sizeof what, "connect to %s", hostport);
			return timeout_error(h, what);
		}
		if (errno == EINTR && sig_int)
			return fail_with(h, EX_SIGNAL, "interrupted");
		return fail_with(h, EX_CONNECT, "connect to %s: %s", hostport,
		                 strerror(errno));
	}
	*fdp = fd;
	return 0;
}

/* ---- response ---- */

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

static int map_parse_error(struct hg *h, enum http_err e)
{
	switch (e) {
	case HTTP_E_TE_UNSUPPORTED:
		return fail_with(h, EX_CODING, "%s", http_strerror(e));
	case HTTP_E_EOF_BODY:
	case HTTP_E_EOF_CHUNKED:
		if (h->p.framing == HTTP_BODY_LENGTH)
			return fail_with(h, EX_PARTIAL, "%s (%llu of %llu bytes)",
			                 http_strerror(e),
			                 (unsigned long long)h->body_bytes,
			                 (unsigned long long)h->p.content_length);
		return fail_with(h, EX_PARTIAL, "%s", http_strerror(e));
	default:
		return fail_with(h, EX_PROTO, "malformed response: %s", http_strerror(e));
	}
}

enum { R_DONE = -1, R_REDIRECT = -2 };

/* Handle one parser event.  Returns 0 to go on, R_DONE, R_REDIRECT, or an
 * exit code. */
static int on_event(struct hg *h, const struct http_event *ev)
{
	switch (ev->type) {
	case HTTP_EV_STATUS:
		h->status = h->p.status;
		h->headers.len = 0;
		free(h->location);
		h->location = NULL;
		if (h->o.show_headers) {
			fputs("  ", stderr);
			put_escaped(stderr, ev->data, ev->len);
			fputc('\n', stderr);
		}
		if (h->o.head) {
			put_escaped(stdout, ev->data, ev->len);
			fputc('\n', stdout);
		}
		return 0;
	case HTTP_EV_HEADER:
	case HTTP_EV_TRAILER:
		if (h->o.show_headers) {
			fputs(ev->type == HTTP_EV_TRAILER ? "  (trailer) " : "  ", stderr);
			put_escaped(stderr, ev->data, ev->len);
			fputs(": ", stderr);
			put_escaped(stderr, ev->value, ev->value_len);
			fputc('\n', stderr);
		}
		if (h->o.head && ev->type == HTTP_EV_HEADER) {
			put_escaped(stdout, ev->data, ev->len);
			fputs(": ", stdout);
			put_escaped(stdout, ev->value, ev->value_len);
			fputc('\n', stdout);
		}
		if (h->o.json)
			fields_add(ev->type == HTTP_EV_TRAILER ? &h->trailers : &h->headers,
			           ev->data, ev->len, ev->value, ev->value_len);
		if (ev->type == HTTP_EV_HEADER && !h->location &&
		    ev->len == 8 && strncasecmp(ev->data, "location", 8) == 0) {
			h->location = strndup(ev->value, ev->value_len);
			if (!h->location)
				return fail_with(h, EX_PROTO, "out of memory");
		}
		return 0;
	case HTTP_EV_HEADERS_DONE:
		if (h->p.interim)
			return 0;
		if (h->o.head)
			fputc('\n', stdout);
		if (h->o.follow && is_redirect(h->status) && h->location)
			return R_REDIRECT;
		if (h->o.max_filesize && h->p.framing == HTTP_BODY_LENGTH &&
		    h->p.content_length > h->o.max_filesize)
			return fail_with(h, EX_FILESIZE,
			                 "body of %llu bytes exceeds --max-filesize %llu",
			                 (unsigned long long)h->p.content_length,
			                 (unsigned long long)h->o.max_filesize);
		return 0;
	case HTTP_EV_BODY:
		h->body_bytes += ev->len;
		if (h->o.max_filesize && h->body_bytes > h->o.max_filesize)
			return fail_with(h, EX_FILESIZE, "body exceeds --max-filesize %llu",
			                 (unsigned long long)h->o.max_filesize);
		if (h->out_fd >= 0 && queue_body(h, ev->data, ev->len) < 0)
			return fail_with(h, EX_WRITE, "write %s: %s",
			                 h->o.out_path ? h->o.out_path : "stdout",
			                 strerror(errno));
		return 0;
	case HTTP_EV_DONE:
		return R_DONE;
	case HTTP_EV_ERROR:
		return map_parse_error(h, ev->err);
	case HTTP_EV_NONE:
		break;
	}
	return 0;
}

/* Feed one received slice; returns 0 (need more), R_DONE, R_REDIRECT or an
 * exit code. */
static int feed(struct hg *h, const char *buf, size_t len)
{
	struct http_event ev;
	int rc = 0;

	for (;;) {
		size_t n = http_parse_feed(&h->p, buf, len, &ev);
		buf += n;
		len -= n;
		if (ev.type == HTTP_EV_NONE)
			break;
		rc = on_event(h, &ev);
		if (rc)
			break;
	}
	if (h->niov && flush_body(h) < 0 && (rc == 0 || rc == R_DONE))
		rc = fail_with(h, EX_WRITE, "write %s: %s",
		               h->o.out_path ? h->o.out_path : "stdout",
		               strerror(errno));
	return rc;
}

static int receive(struct hg *h, int fd)
{
	int64_t idle = idle_deadline(h);
	int first = 1;

	for (;;) {
		ssize_t n = recv(fd, h->rbuf, RECV_BUF, 0);
		int rc;

		if (n > 0) {
			if (first) {
				h->t_first = clock_mono_ns() - h->t0;
				first = 0;
			}
			rc = feed(h, h->rbuf, (size_t)n);
			if (rc)
				return rc;
			if (h->progress)
				progress(h, 0);
			if (h->o.timeout_ns >= 0)
				idle = idle_deadline(h);
			else if (h->deadline >= 0)
				idle = h->deadline;
			if (h->deadline >= 0 && clock_mono_ns() >= h->deadline)
				return timeout_error(h, "receive");
			continue;
		}
		if (n == 0) {
			struct http_event ev;
			http_parse_eof(&h->p, &ev);
			rc = on_event(h, &ev);
			return rc ? rc : R_DONE;
		}
		if (errno == EAGAIN) {
			int r = net_wait(fd, POLLIN, idle);
			if (r == 0)
				return timeout_error(h, "receive");
			if (r < 0 && errno != EINTR)
				return fail_with(h, EX_RECV, "receive: %s", strerror(errno));
			if (sig_int)
				return fail_with(h, EX_SIGNAL, "interrupted");
			continue;
		}
		if (errno == EINTR) {
			if (sig_int)
				return fail_with(h, EX_SIGNAL, "interrupted");
			continue;
		}
		return fail_with(h, EX_RECV, "receive: %s", strerror(errno));
	}
}

static int follow(struct hg *h)
{
	struct url next;
	char fmt[URL_PATH_MAX + 300];
	int r;

	if (h->redirects >= h->o.max_redirect)
		return fail_with(h, EX_REDIRECTS, "too many redirects (%u)",
		                 h->o.max_redirect);
	r = url_resolve(&h->url, h->location, strlen(h->location), &next);
	if (r)
		return fail_with(h, EX_URL, "bad redirect location: %s", url_strerror(r));
	if (url_format(&next, fmt, sizeof fmt) < 0)
		return fail_with(h, EX_URL, "bad redirect location: %s",
		                 url_strerror(URL_E_TOO_LONG));
	for (unsigned i = 0; i < h->nvisited; i++)
		if (strcmp(h->visited[i], fmt) == 0)
			return fail_with(h, EX_REDIRECTS, "redirect loop: %s", fmt);
	h->visited[h->nvisited] = strdup(fmt);
	if (!h->visited[h->nvisited])
		return fail_with(h, EX_REDIRECTS, "out of memory");
	h->nvisited++;
	h->redirects++;
	memcpy(&h->url, &next, sizeof next);
	if (!h->o.quiet && !h->o.json)
		err_msg("following %d redirect to %s", h->status, fmt);
	return 0;
}

static int fetch(struct hg *h)
{
	char fmt[URL_PATH_MAX + 300];

	url_format(&h->url, fmt, sizeof fmt);
	h->visited = calloc(h->o.max_redirect + 1, sizeof(char *));
	if (!h->visited || !(h->visited[0] = strdup(fmt)))
		return fail_with(h, EX_PROTO, "out of memory");
	h->nvisited = 1;
	for (;;) {
		int fd = -1, rc;

		http_parse_init(&h->p, h->o.head);
		h->status = 0;
		h->body_bytes = 0;
		h->trailers.len = 0;
		rc = connect_to(h, &fd);
		if (rc)
			return rc;
		rc = send_request(h, fd);
		if (!rc)
			rc = receive(h, fd);
		close(fd);
		if (rc == R_DONE)
			return h->status >= 400 ? EX_HTTP : EX_OK;
		if (rc != R_REDIRECT)
			return rc;
		rc = follow(h);
		if (rc)
			return rc;
	}
}

static void json_fields(struct json *j, const char *key, const struct fields *f)
{
	json_arr(j, key);
	for (size_t off = 0; off < f->len;) {
		const char *n = f->buf + off;
		const char *v = n + strlen(n) + 1;
		json_arr(j, NULL);
		json_str(j, NULL, n);
		json_str(j, NULL, v);
		json_close(j);
		off = (size_t)(v + strlen(v) + 1 - f->buf);
	}
	json_close(j);
}

static void print_json(struct hg *h, int rc)
{
	char fmt[URL_PATH_MAX + 300];
	struct json j;

	url_format(&h->url, fmt, sizeof fmt);
	json_begin(&j);
	json_str(&j, "url", fmt);
	if (h->status)
		json_int(&j, "status", h->status);
	else
		json_null(&j, "status");
	json_fields(&j, "headers", &h->headers);
	if (h->p.framing == HTTP_BODY_CHUNKED)
		json_fields(&j, "trailers", &h->trailers);
	json_uint(&j, "body_bytes", h->body_bytes);
	if (h->status && h->p.framing == HTTP_BODY_LENGTH)
		json_uint(&j, "content_length", h->p.content_length);
	else
		json_null(&j, "content_length");
	json_uint(&j, "redirects", h->redirects);
	json_obj(&j, "time_ms");
	json_double(&j, "resolve", (double)h->t_resolve / 1e6, 3);
	json_double(&j, "connect", (double)h->t_connect / 1e6, 3);
	if (h->t_first)
		json_double(&j, "first_byte", (double)h->t_first / 1e6, 3);
	else
		json_null(&j, "first_byte");
	json_double(&j, "total", (double)h->t_total / 1e6, 3);
	json_close(&j);
	json_int(&j, "exit", rc);
	if (rc != EX_OK && h->errbuf[0])
		json_str(&j, "error", h->errbuf);
	else
		json_null(&j, "error");
	json_end(&j, stdout);
}

static void hg_free(struct hg *h)
{
	for (unsigned i = 0; i < h->nvisited; i++)
		free(h->visited[i]);
	free(h->visited);
	free(h->location);
	free(h->headers.buf);
	free(h->trailers.buf);
	free(h->rbuf);
	free(h->tmp_path);
	free(h);
}

static void parse_args(struct hg_opts *o, int argc, char **argv, const char **url)
{
	struct opt_state st;
	int c;

	o->timeout_ns = -1;
	o->max_time_ns = -1;
	o->max_redirect = 10;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case 'O': o->out_path = strcmp(st.arg, "-") ? st.arg : NULL; break;
		case 'q': o->quiet = 1; break;
		case 'S': o->show_headers = 1; break;
		case 'A':
			if (strpbrk(st.arg, "\r\n"))
				usage_error("invalid argument for %s: CR or LF", st.name);
			o->agent = st.arg;
			break;
		case 'H': {
			const char *s = st.arg, *colon = strchr(s, ':');
			if (strpbrk(s, "\r\n"))
				usage_error("invalid header '%s': CR or LF", s);
			if (!colon || colon == s)
				usage_error("invalid header '%s': expected 'Name: value'", s);
			for (const char *q = s; q < colon; q++)
				if (*q <= ' ' || *q >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *q))
					usage_error("invalid header name in '%s'", s);
			if (o->nextra == MAX_EXTRA)
				usage_error("too many -H options (at most %d)", MAX_EXTRA);
			o->extra[o->nextra++] = s;
			break;
		}
		case 'T':
			o->timeout_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                        (int64_t)86400 * 365 * NS_PER_SEC);
			break;
		case OPT_MAX_TIME:
			o->max_time_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC,
			                         (int64_t)86400 * 365 * NS_PER_SEC);
			break;
		case 'L': o->follow = 1; break;
		case OPT_MAX_REDIRECT:
			o->max_redirect = (unsigned)opt_u64(&st, 0, 1000);
			o->follow = 1;
			break;
		case OPT_MAX_FILESIZE:
			o->max_filesize = opt_size(&st, 1, UINT64_MAX);
			break;
		case OPT_JSON: o->json = 1; break;
		case 'I': o->head = 1; break;
		default:
			usage_error("unhandled option");
		}
	}
	if (st.ind != argc - 1)
		usage_error(st.ind >= argc ? "missing URL" : "too many operands");
	*url = argv[st.ind];
}

int http_get_main(int argc, char **argv)
{
	struct hg *h = calloc(1, sizeof *h);
	const char *url;
	int rc, r;

	if (!h)
		die(EX_PROTO, "out of memory");
	parse_args(&h->o, argc, argv, &url);
	sig_catch(0);
	h->t0 = clock_mono_ns();
	h->deadline = h->o.max_time_ns < 0 ? -1 : h->t0 + h->o.max_time_ns;
	r = url_parse(url, strlen(url), &h->url);
	if (r) {
		rc = fail_with(h, EX_URL, "malformed URL '%s': %s", url, url_strerror(r));
		goto out;
	}
	h->rbuf = malloc(RECV_BUF);
	if (!h->rbuf) {
		rc = fail_with(h, EX_PROTO, "out of memory");
		goto out;
	}
	rc = open_output(h);
	if (rc)
		goto out;
	/* Redirects connect anywhere and resolve names; -O renames in its
	 * directory. */
	char dir[PATH_MAX];
	struct sandbox_policy sp = { .needs = SBX_CONNECT | SBX_RESOLVER,
		.tcp_connect = SBX_TCP_ANY, .dir = h->o.out_path ?
		sandbox_dir_of(h->o.out_path, dir, sizeof dir) : NULL };
	if (sp.dir)
		sp.needs |= SBX_OUTPUT_DIR;
	sandbox_enter(&sp, 0);
	h->progress = h->o.out_path && !h->o.quiet && isatty(STDERR_FILENO);
	rc = fetch(h);
	if (h->progress && h->body_bytes)
		progress(h, 1);
	/* -O renames only on success: never over FILE with an error page */
	sandbox_dir_privilege(1);
	rc = finish_output(h, rc);
	sandbox_dir_privilege(0);
	if (rc == EX_HTTP)
		fail_with(h, EX_HTTP, "HTTP status %d", h->status);
out:
	h->t_total = clock_mono_ns() - h->t0;
	if (fflush(stdout) != 0 && rc == EX_OK)
		rc = fail_with(h, EX_WRITE, "write stdout: %s", strerror(errno));
	if (rc != EX_OK && h->errbuf[0])
		err_msg("%s", h->errbuf);
	if (h->o.json)
		print_json(h, rc);
	hg_free(h);
	return rc;
}
