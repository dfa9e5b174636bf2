/* http-get: an HTTP/1.1 GET client with curl's command line and a strict
 * streaming parser.
 *
 * Usage: http-get [OPTIONS] URL
 *
 * Options, exit codes and output follow curl 7.88 for the GET/HEAD subset
 * (man/http-get.1 lists them and the deliberate differences); anything
 * curl does that a GET client does not (other methods, uploads, cookies,
 * proxies) is refused with exit 2.  The response is parsed by
 * lib/pure/http_parse (RFC 9112 framing); reading stops the moment the
 * body is complete.  Set-up (lib/sys/resolve + lib/sys/eyeballs) runs in
 * one epoll loop bounded by --connect-timeout and --max-time; the
 * connection is then read and written through a struct transport, where
 * TLS plugs in: for https://, lib/sys/tls (OpenSSL, loaded with dlopen
 * only when an https URL, a TLS option or -L is given) handshakes over the
 * connected socket and becomes the transport.  Output files go through
 * lib/sys/outfile.
 *
 * Data path: read() into one buffer, the parser returns body slices that
 * point into that buffer, and they are written with one writev() per
 * receive buffer.  A body on a plain socket going to a file, pipe or
 * device with no other consumer is splice()d through a pipe instead and
 * never enters user space; of a chunked body only the framing is read
 * (splice_stream). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "clock.h"
#include "err.h"
#include "eyeballs.h"
#include "http_parse.h"
#include "http_req.h"
#include "json.h"
#include "loop.h"
#include "net.h"
#include "opt.h"
#include "outfile.h"
#include "progress.h"
#include "resolve.h"
#include "sandbox.h"
#include "sig.h"
#include "tls.h"
#include "transport.h"
#include "url.h"
#include "writeout.h"

/* curl's exit codes (the ones a GET client can meet). */
enum {
	EX_OK = 0,
	EX_UNSUPPORTED = 1,
	EX_USAGE = 2,
	EX_URL = 3,
	EX_RESOLVE = 6,
	EX_CONNECT = 7,
	EX_PROTO = 8,
	EX_PARTIAL = 18,
	EX_HTTP = 22,
	EX_WRITE = 23,
	EX_READ = 26,
	EX_OOM = 27,
	EX_TIMEOUT = 28,
	EX_RANGE = 33,
	EX_REDIRECTS = 47,
	EX_EMPTY = 52,
	EX_SEND = 55,
	EX_RECV = 56,
	EX_CODING = 61,
	EX_FILESIZE = 63,
	EX_SIGNAL = 130,
	/* TLS: 35 handshake, 58 client certificate, 60 verification, 77 CA
	 * file are tls.h's TLS_EX_*; 2 when libssl is missing */
};

enum {
	OPT_MAX_REDIRS = OPT_LONG + 1,
	OPT_MAX_FILESIZE,
	OPT_CONNECT_TIMEOUT,
	OPT_FAIL_BODY,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_RETRY_MAX_TIME,
	OPT_RETRY_CONNREFUSED,
	OPT_RETRY_ALL,
	OPT_JSON,
	/* curl options http-get refuses (hidden from --help) */
	OPT_REFUSE_BODY,
	OPT_REFUSE_COOKIE,
	OPT_REFUSE_PROXY,
	OPT_REFUSE_OTHER,
	OPT_CACERT,
	OPT_CAPATH,
	OPT_KEY,
	OPT_TLSV12,
	OPT_TLSV13,
};

static const struct opt opts[] = {
	{ 'o', "output", "FILE", "write the body to FILE (a regular file is replaced on success only)" },
	{ 'O', "remote-name", NULL, "write to ./NAME, NAME the last segment of the URL's path" },
	{ 'f', "fail", NULL, "HTTP status >= 400: no body, exit 22" },
	{ OPT_FAIL_BODY, "fail-with-body", NULL, "HTTP status >= 400: write the body, exit 22" },
	{ 's', "silent", NULL, "no progress bar and no error messages" },
	{ 'S', "show-error", NULL, "with -s, still print error messages" },
	{ 'L', "location", NULL, "follow redirects (301 302 303 307 308)" },
	{ OPT_MAX_REDIRS, "max-redirs", "N", "follow at most N redirects (default 50, -1 no limit)" },
	{ 'm', "max-time", "SECONDS", "limit each transfer attempt" },
	{ OPT_CONNECT_TIMEOUT, "connect-timeout", "SECONDS", "limit name resolution and connect" },
	{ OPT_RETRY, "retry", "N", "retry transient failures N times" },
	{ OPT_RETRY_DELAY, "retry-delay", "SECONDS", "wait between retries (default 1 s, doubling)" },
	{ OPT_RETRY_MAX_TIME, "retry-max-time", "SECONDS", "no retry after this much time" },
	{ OPT_RETRY_CONNREFUSED, "retry-connrefused", NULL, "with --retry, connection refused is transient" },
	{ OPT_RETRY_ALL, "retry-all-errors", NULL, "with --retry, retry on any error" },
	{ 'w', "write-out", "FORMAT", "print FORMAT after the transfer (%{http_code}, %{json}, @FILE)" },
	{ 'H', "header", "'NAME: VALUE'", "add or replace a header; 'NAME:' removes, 'NAME;' sends empty" },
	{ 'A', "user-agent", "AGENT", "User-Agent header value" },
	{ 'e', "referer", "URL", "Referer header value" },
	{ 'u', "user", "USER:PASSWORD", "HTTP Basic authentication" },
	{ 'r', "range", "RANGE", "ask for bytes RANGE (e.g. 0-499)" },
	{ 'I', "head", NULL, "send HEAD; print the headers" },
	{ 'i', "include", NULL, "write the response headers before the body" },
	{ 'D', "dump-header", "FILE", "write the response headers to FILE" },
	{ 'v', "verbose", NULL, "show the request (> ) and response (< ) headers on stderr" },
	{ '4', "ipv4", NULL, "resolve names to IPv4 addresses only" },
	{ '6', "ipv6", NULL, "resolve names to IPv6 addresses only" },
	{ OPT_MAX_FILESIZE, "max-filesize", "BYTES", "fail (exit 63) when the body is larger" },
	{ OPT_JSON, "json", NULL, "JSON Lines on stdout (sockbox-json(7)) instead of the body" },
	{ OPT_CACERT, "cacert", "FILE", "https: trust the CA certificates in FILE (PEM)" },
	{ OPT_CAPATH, "capath", "DIR", "https: trust the CA certificates in DIR (hashed)" },
	{ 'k', "insecure", NULL, "https: do not verify the certificate or host name" },
	{ 'E', "cert", "FILE", "https: client certificate (PEM; may hold the key)" },
	{ OPT_KEY, "key", "FILE", "https: private key of --cert (PEM)" },
	{ OPT_TLSV12, "tlsv1.2", NULL, "https: TLS 1.2 or later (the default)" },
	{ OPT_TLSV13, "tlsv1.3", NULL, "https: TLS 1.3 or later" },
	{ 'V', "version", NULL, "print the version and exit" },
	{ 'q', "disable", NULL, NULL },   /* curl: ignore .curlrc; there is none */
	{ 'd', "data", "DATA", NULL },
	{ 'F', "form", "DATA", NULL },
	{ 'T', "upload-file", "FILE", NULL },
	{ 'X', "request", "METHOD", NULL },
	{ 'G', "get", NULL, NULL },
	{ OPT_REFUSE_BODY, "data-binary", "DATA", NULL },
	{ OPT_REFUSE_BODY, "data-raw", "DATA", NULL },
	{ OPT_REFUSE_BODY, "data-urlencode", "DATA", NULL },
	{ OPT_REFUSE_BODY, "data-ascii", "DATA", NULL },
	{ 'b', "cookie", "DATA", NULL },
	{ 'c', "cookie-jar", "FILE", NULL },
	{ OPT_REFUSE_COOKIE, "junk-session-cookies", NULL, NULL },
	{ 'x', "proxy", "URL", NULL },
	{ 'U', "proxy-user", "USER", NULL },
	{ OPT_REFUSE_PROXY, "socks5", "HOST", NULL },
	{ OPT_REFUSE_PROXY, "noproxy", "LIST", NULL },
	{ 'C', "continue-at", "OFFSET", NULL },
	{ 'z', "time-cond", "TIME", NULL },
	{ 'K', "config", "FILE", NULL },
	{ 'n', "netrc", NULL, NULL },
	{ OPT_REFUSE_OTHER, "compressed", NULL, NULL },
	{ 0, NULL, NULL, NULL }
};

static const struct applet_help help = {
	"http-get [OPTIONS] URL",
	"Fetch an http:// or https:// URL with HTTP/1.1 GET and write the body\n"
	"to stdout.\n"
	"Options, output and exit status follow curl; GET and HEAD only.\n"
	"Exit status: 0 ok (any HTTP status without -f), 1 unsupported scheme,\n"
	"2 usage, 3 bad URL, "
	"6 resolve, 7 connect, 8 bad response, 18 short body, 22 -f and\n"
	"status >= 400, 23 write error, 27 out of memory, 28 timeout,\n"
	"47 redirects, 52 empty reply, 55 send, 56 receive, 61 transfer\n"
	"coding, 63 too large; TLS: 35 handshake, 58 client certificate,\n"
	"60 certificate not trusted or wrong name, 77 CA file, 2 no libssl3.",
	opts
};

#define RECV_BUF  ((size_t)256 * 1024)
#define MAX_EXTRA 64          /* -H options */
#define PROGRESS_NS (200 * NS_PER_MSEC)
#define WRITEOUT_MAX 65536

struct hg_opts {
	const char *url;
	const char *out_path;
	int remote_name;
	char remote_buf[URL_PATH_MAX];
	int silent, show_error, fail, fail_body, verbose, follow, json;
	int head, include;
	const char *dump_header;
	const char *agent, *referer, *user, *range;
	const char *extra[MAX_EXTRA];
	int nextra;
	int64_t connect_timeout_ns;  /* resolve + connect; <0 none */
	int64_t max_time_ns;         /* each attempt; <0 none */
	long max_redirs;             /* -1: no limit */
	uint64_t max_filesize;       /* 0 none */
	int family;                  /* -4 / -6 */
	unsigned retry;
	int64_t retry_delay_ns;      /* <0: 1 s doubling */
	int64_t retry_max_time_ns;   /* <0: none */
	int retry_connrefused, retry_all;
	char *writeout;              /* -w text (read from @FILE) */
	struct tls_conf tls;
	int tls_opts;                /* a TLS option was given */
};

/* A growable list of "name\0value\0" pairs for --json. */
struct fields {
	char *buf;
	size_t len, cap;
	int failed;
};

struct hg {
	struct hg_opts o;
	struct url url;
	struct http_parser p;
	struct loop loop;        /* set-up: resolver and connection racing */
	struct resolver *rv;
	char *rbuf;
	int out_fd;              /* body; -1 none */
	struct outfile of;       /* -o FILE */
	int out_open;
	FILE *dump;              /* -D */
	int progress;
	int64_t t0, t_attempt, t_resolve, t_connect, t_first, t_total, t_redirect;
	int64_t deadline;        /* --max-time, monotonic; <0 none */
	int64_t last_progress;
	unsigned redirects, connects;
	char *location;          /* Location of the current response */
	char **visited;
	unsigned nvisited;
	int status, version_minor;
	int fail_now;            /* -f and status >= 400: body not written */
	struct fields headers, trailers;
	char *content_type;
	uint64_t body_bytes, header_bytes, request_bytes, nheaders;
	char remote_ip[64];
	uint16_t remote_port;
	char errbuf[ERR_MAX];
	struct iovec iov[IOV_MAX];
	int niov;
	int splice_ok;           /* the body may bypass user space */
	int pipefd[2];
	/* https: the client context is made at set-up (libssl, CA files) */
	struct tls_ctx *tls_ctx; /* NULL: not made, or failed (tls_ctx_code) */
	int tls_ctx_code;
	char tls_ctx_err[TLS_ERRMSG_MAX];
	struct tls *tls;         /* the connection's, while its transport is open */
	int64_t t_appconnect;
	long ssl_verify_result;
	int handshaken;          /* a TLS handshake completed (--json) */
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
		if (!b) {
			f->failed = 1;
			return;
		}
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, n, nl);
	f->buf[f->len + nl] = '\0';
	memcpy(f->buf + f->len + nl + 1, v, vl);
	f->buf[f->len + nl + 1 + vl] = '\0';
	f->len = need;
}

/* s with its control bytes as \xNN, cut to fit out (n >= 5): a message
 * that quotes user input stays one line. */
static const char *one_line(const char *s, char *out, size_t n)
{
	size_t j = 0;
	for (; *s && j + 5 < n; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(out + j, n - j, "\\x%02x", c);
		else
			out[j++] = (char)c;
	}
	out[j] = '\0';
	return out;
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
	return net_write_all(fd, buf, len, &sig_int);
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

static const char *out_name(const struct hg *h)
{
	return h->o.out_path ? h->o.out_path : "stdout";
}

/* Header text (-i, -I, -D): the output stream(s) that want it. */
static int put_header_text(struct hg *h, const char *s, size_t n)
{
	h->header_bytes += n;
	if (h->dump && fwrite(s, 1, n, h->dump) != n)
		return fail_with(h, EX_WRITE, "write %s: %s", h->o.dump_header,
		                 strerror(errno));
	if ((h->o.include || h->o.head) && h->out_fd >= 0) {
		if (h->niov && flush_body(h) < 0)
			return fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
			                 strerror(errno));
		if (write_all(h->out_fd, s, n) < 0)
			return fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
			                 strerror(errno));
	}
	return 0;
}

static void progress(struct hg *h, int final)
{
	int64_t now = clock_mono_ns();
	char line[160];
	size_t n;

	if (!h->progress || (!final && now - h->last_progress < PROGRESS_NS))
		return;
	h->last_progress = now;
	n = progress_line(line, sizeof line, h->body_bytes,
	                  h->p.framing == HTTP_BODY_LENGTH ? h->p.content_length : 0,
	                  (double)(now - h->t_attempt) / 1e9);
	if (n)
		write_all(STDERR_FILENO, line, n);
	if (final)
		write_all(STDERR_FILENO, "\n", 1);
}

static int open_output(struct hg *h)
{
	const char *path = h->o.out_path;

	h->out_fd = -1;
	if (!path) {
		if (!h->o.json)
			h->out_fd = STDOUT_FILENO;
	} else {
		if (outfile_open(&h->of, path) < 0)
			return fail_with(h, EX_WRITE, "cannot %s %s: %s", h->of.op,
			                 path, strerror(errno));
		h->out_open = 1;
		h->out_fd = h->of.fd;
	}
	if (h->o.dump_header) {
		if (!strcmp(h->o.dump_header, "-")) {
			h->dump = stdout;
		} else {
			h->dump = fopen(h->o.dump_header, "we");
			if (!h->dump)
				return fail_with(h, EX_WRITE, "cannot open %s: %s",
				                 h->o.dump_header, strerror(errno));
		}
	}
	return 0;
}

/* A retry starts the file over (a device or stdout just gets more). */
static void rewind_output(struct hg *h)
{
	h->niov = 0;
	if (h->out_open && !h->of.in_place) {
		if (ftruncate(h->out_fd, 0) == 0)
			lseek(h->out_fd, 0, SEEK_SET);
	}
}

/* The file is moved into place only on success: never over FILE with an
 * error page or a partial body. */
static int finish_output(struct hg *h, int rc)
{
	if (h->dump && h->dump != stdout) {
		if (fclose(h->dump) != 0 && rc == EX_OK)
			rc = fail_with(h, EX_WRITE, "write %s: %s", h->o.dump_header,
			               strerror(errno));
		h->dump = NULL;
	}
	if (!h->out_open)
		return rc;
	h->out_open = 0;
	h->out_fd = -1;
	/* --fail-with-body asked for the (complete) error body in the file */
	if (rc != EX_OK && !(rc == EX_HTTP && h->o.fail_body)) {
		outfile_abort(&h->of);
		return rc;
	}
	if (outfile_commit(&h->of) < 0)
		return fail_with(h, EX_WRITE, "cannot %s %s: %s", h->of.op,
		                 h->o.out_path, strerror(errno));
	return rc;   /* EX_HTTP stays: the body is there, the status still fails */
}

/* ---- request ---- */

static int64_t idle_deadline(const struct hg *h)
{
	return h->deadline;
}

static int timeout_error(struct hg *h, const char *what)
{
	int64_t ms = (clock_mono_ns() - h->t_attempt) / NS_PER_MSEC;
	if (h->deadline >= 0 && clock_mono_ns() >= h->deadline)
		return fail_with(h, EX_TIMEOUT, "%s: --max-time reached after %lld ms",
		                 what, (long long)ms);
	return fail_with(h, EX_TIMEOUT, "%s: timed out after %lld ms", what,
	                 (long long)ms);
}

/* Percent-decode s into out (for user:pass from the URL). */
static size_t pct_decode(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; *s && n + 1 < size; s++) {
		unsigned v;
		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			out[n++] = (char)v;
			s += 2;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return n;
}

static int build_request(struct hg *h, char *buf, size_t size, size_t *len)
{
	char auth[URL_HOST_MAX + 16], user[URL_HOST_MAX];
	struct http_req r;

	if (url_authority(&h->url, auth, sizeof auth) < 0)
		return -1;
	memset(&r, 0, sizeof r);
	r.head = h->o.head;
	r.target = h->url.path;
	r.authority = auth;
	r.agent = h->o.agent ? h->o.agent : "sockbox-http-get/" SOCKBOX_VERSION;
	r.referer = h->o.referer;
	r.range = h->o.range;
	/* credentials go only to the host they were given for (curl) */
	if (h->o.user && h->redirects == 0) {
		r.user = h->o.user;
		r.user_len = strlen(h->o.user);
	} else if (h->url.userinfo[0]) {
		r.user_len = pct_decode(h->url.userinfo, user, sizeof user);
		r.user = user;
	}
	r.extra = h->o.extra;
	r.nextra = (size_t)h->o.nextra;
	return http_req_build(&r, buf, size, len);
}

static void verbose_lines(const char *prefix, const char *s, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t l = nl ? (size_t)(nl - s) + 1 : n;
		size_t t = l;
		while (t > 0 && (s[t - 1] == '\n' || s[t - 1] == '\r'))
			t--;
		fputs(prefix, stderr);
		put_escaped(stderr, s, t);
		fputc('\n', stderr);
		s += l;
		n -= l;
	}
}

/* ---- https: TLS over the connected socket ---- */

/* A TLS failure's exit code and line. */
static int tls_failed(struct hg *h)
{
	h->ssl_verify_result = tls_verify_result(h->tls);
	return fail_with(h, tls_code(h->tls), "%s", tls_errmsg(h->tls));
}

/* The TLS client context, made at set-up so that libssl and the CA files
 * are loaded before the first network read.  A failure is kept and
 * reported when an https URL is fetched (-L over http only never needs
 * libssl). */
static void tls_setup(struct hg *h)
{
	int code = 0;

	h->tls_ctx = tls_ctx_new(&h->o.tls, &code, h->tls_ctx_err,
	                         sizeof h->tls_ctx_err);
	h->tls_ctx_code = h->tls_ctx ? 0 : code;
}

/* curl's -v lines about the session and the server's certificate. */
static void tls_verbose(const struct hg *h)
{
	struct tls_info in;

	tls_get_info(h->tls, &in);
	fprintf(stderr, "* SSL connection using %s / %s\n", in.version, in.cipher);
	if (in.alpn[0])
		fprintf(stderr, "* ALPN: server accepted %s\n", in.alpn);
	else
		fputs("* ALPN: server did not agree on a protocol. Uses default.\n", stderr);
	fprintf(stderr, "* Server certificate:\n*  subject: %s\n*  start date: %s\n"
	        "*  expire date: %s\n", in.subject, in.not_before, in.not_after);
	if (in.host_is_ip && !h->o.tls.insecure)
		fprintf(stderr, "*  subjectAltName: host \"%s\" matched cert's IP address!\n",
		        h->url.host);
	else if (in.matched[0])
		fprintf(stderr, "*  subjectAltName: host \"%s\" matched cert's \"%s\"\n",
		        h->url.host, in.matched);
	fprintf(stderr, "*  issuer: %s\n", in.issuer);
	if (in.verify_result == 0 && !h->o.tls.insecure)
		fputs("*  SSL certificate verify ok.\n", stderr);
	else
		fprintf(stderr, "*  SSL certificate verify result: %s (%ld), continuing anyway.\n",
		        in.verify_msg, in.verify_result);
}

/* Handshake over t's socket, bounded like the connect (-T, --max-time),
 * then t reads and writes through TLS. */
static int tls_start(struct hg *h, struct transport *t)
{
	int64_t deadline = h->deadline;

	if (h->o.connect_timeout_ns >= 0)
		deadline = clock_min_deadline(deadline, clock_mono_ns() + h->o.connect_timeout_ns);
	if (!h->tls_ctx) {
		if (!h->tls_ctx_code)
			tls_setup(h);
		if (!h->tls_ctx)
			return fail_with(h, h->tls_ctx_code, "%s", h->tls_ctx_err);
	}
	h->tls = tls_new(h->tls_ctx, t->fd, h->url.host);
	if (!h->tls)
		return fail_with(h, EX_OOM, "out of memory");
	for (;;) {
		int r = tls_handshake(h->tls);
		if (r == 0)
			break;
		if (r == TLS_ERR) {
			r = tls_failed(h);
			tls_free(h->tls);
			h->tls = NULL;
			return r;
		}
		r = net_wait(t->fd, r == TLS_WANT_READ ? POLLIN : POLLOUT, deadline);
		if (r == 0 || sig_int || (r < 0 && errno != EINTR)) {
			int e = errno;
			tls_free(h->tls);
			h->tls = NULL;
			if (r == 0)
				return timeout_error(h, "TLS handshake");
			if (sig_int)
				return fail_with(h, EX_SIGNAL, "interrupted");
			return fail_with(h, TLS_EX_HANDSHAKE, "TLS handshake: %s", strerror(e));
		}
	}
	h->t_appconnect = clock_mono_ns() - h->t0;
	h->ssl_verify_result = tls_verify_result(h->tls);
	h->handshaken = 1;
	if (h->o.verbose)
		tls_verbose(h);
	tls_transport(t, h->tls);
	return 0;
}

/* Wait for the transport (what it wants: TLS may read to write); 0 to go
 * on, or an exit code: a timeout, code for a failed wait, or interrupted. */
static int wait_io(struct hg *h, struct transport *t, int code, const char *what)
{
	int r = net_wait(t->fd, transport_want(t), idle_deadline(h));
	if (r == 0)
		return timeout_error(h, what);
	if (r < 0 && errno != EINTR)
		return fail_with(h, code, "%s: %s", what, strerror(errno));
	if (sig_int)
		return fail_with(h, EX_SIGNAL, "interrupted");
	return 0;
}

static int send_request(struct hg *h, struct transport *t)
{
	char req[URL_PATH_MAX + 16384];
	size_t len, off = 0;

	if (build_request(h, req, sizeof req, &len) < 0)
		return fail_with(h, EX_URL, "request too long");
	h->request_bytes += len;
	if (h->o.verbose)
		verbose_lines("> ", req, len);
	while (off < len) {
		ssize_t w = transport_write(t, req + off, len - off);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno == EAGAIN) {
			int rc = wait_io(h, t, EX_SEND, "send request");
			if (rc)
				return rc;
			continue;
		}
		if (errno == EINTR && !sig_int)
			continue;
		if (sig_int)
			return fail_with(h, EX_SIGNAL, "interrupted");
		if (errno == EPROTO && h->tls)
			return tls_failed(h);
		return fail_with(h, EX_SEND, "send request: %s", strerror(errno));
	}
	return 0;
}

/* ---- connection set-up: resolve and race the addresses in one loop ---- */

struct setup {
	int done;
	int err;                 /* EAI_* or errno */
	struct addrinfo *res;
	int fd;
};

static void on_resolved(struct resolve_req *q, int err, struct addrinfo *res,
                        void *ctx)
{
	struct setup *s = ctx;
	(void)q;
	s->done = 1;
	s->err = err;
	s->res = res;
}

static void on_connected(struct eyeballs *e, int fd, int err, void *ctx)
{
	struct setup *s = ctx;
	(void)e;
	s->done = 1;
	s->fd = fd;
	s->err = err;
}

/* Run the set-up loop until s->done, the deadline or a signal: 0, or an
 * exit code (after filling errbuf). */
static int setup_wait(struct hg *h, struct setup *s, struct eyeballs *e,
                      int64_t deadline, const char *what)
{
	while (!s->done) {
		if (sig_int)
			return fail_with(h, EX_SIGNAL, "interrupted");
		if (deadline >= 0 && clock_mono_ns() >= deadline)
			return timeout_error(h, what);
		if (loop_once(&h->loop, clock_min_deadline(eyeballs_deadline(e),
		                                           deadline)) < 0)
			return fail_with(h, EX_CONNECT, "%s: event loop: %s", what,
			                 strerror(errno));
		if (!s->done)
			eyeballs_tick(e);
	}
	return 0;
}

/* The event loop and the resolver on it, made once (at set-up, before the
 * sandbox); 0 or an exit code. */
static int resolver_ready(struct hg *h)
{
	if (h->rv)
		return 0;
	if (loop_init(&h->loop) < 0)
		return fail_with(h, EX_RESOLVE, "resolver: %s", strerror(errno));
	if (!(h->rv = resolver_new(&h->loop))) {
		loop_free(&h->loop);
		return fail_with(h, EX_RESOLVE, "resolver: %s", strerror(errno));
	}
	return 0;
}

static int connect_to(struct hg *h, struct transport *t)
{
	struct setup s = { 0, 0, NULL, -1 };
	struct resolve_req *q;
	struct eyeballs *e;
	char what[URL_HOST_MAX + 16], hostport[ADDR_STRLEN];
	int64_t start = clock_mono_ns(), deadline = h->deadline;
	int rc;

	if (h->o.connect_timeout_ns > 0)
		deadline = clock_min_deadline(deadline, start + h->o.connect_timeout_ns);
	if ((rc = resolver_ready(h)))
		return rc;
	q = resolve_start(h->rv, h->url.host, h->url.port, h->o.family,
	                  SOCK_STREAM, on_resolved, &s);
	if (!q)
		return fail_with(h, EX_RESOLVE, "could not resolve host %s: %s",
		                 h->url.host, strerror(errno));
	snprintf(what, sizeof what, "resolve %s", h->url.host);
	rc = setup_wait(h, &s, NULL, deadline, what);
	h->t_resolve = clock_mono_ns() - h->t0;
	if (rc) {
		resolve_cancel(q);
		return rc;
	}
	if (s.err)
		return fail_with(h, EX_RESOLVE, "could not resolve host %s: %s",
		                 h->url.host, addr_strerror(s.err));
	s.done = 0;
	e = eyeballs_start(&h->loop, s.res, 0, SOCK_STREAM, EYEBALLS_DELAY_NS,
	                   on_connected, &s);
	freeaddrinfo(s.res);
	if (!e)
		return fail_with(h, EX_CONNECT, "connect to %s: %s", h->url.host,
		                 strerror(errno));
	rc = setup_wait(h, &s, e, deadline, "connect");
	addr_format((const struct sockaddr *)&eyeballs_addr(e)->ss,
	            eyeballs_addr(e)->len, hostport, sizeof hostport);
	eyeballs_free(e);
	if (rc == EX_TIMEOUT) {
		snprintf(what, sizeof what, "connect to %s", hostport);
		return timeout_error(h, what);
	}
	if (rc)
		return rc;
	if (s.fd < 0)
		return fail_with(h, EX_CONNECT, "connect to %s: %s", hostport,
		                 strerror(s.err));
	h->t_connect = clock_mono_ns() - h->t0;
	h->connects++;
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getpeername(s.fd, (struct sockaddr *)&ss, &sl) == 0) {
			addr_format_host((const struct sockaddr *)&ss, h->remote_ip,
			                 sizeof h->remote_ip);
			h->remote_port = addr_port((const struct sockaddr *)&ss);
		}
	}
	if (h->o.verbose)
		fprintf(stderr, "* Connected to %s (%s) port %u\n", h->url.host,
		        h->remote_ip, (unsigned)h->remote_port);
	/* plain for now; https:// wraps it after this (tls_start in fetch) */
	transport_plain(t, s.fd);
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
	case HTTP_E_EMPTY:
		return fail_with(h, EX_EMPTY, "%s", http_strerror(e));
	case HTTP_E_EOF_BODY:
	case HTTP_E_EOF_CHUNKED:
		if (h->p.framing == HTTP_BODY_LENGTH)
			return fail_with(h, EX_PARTIAL, "%s (%llu of %llu bytes)",
			                 http_strerror(e),
			                 (unsigned long long)h->body_bytes,
			                 (unsigned long long)h->p.content_length);
		return fail_with(h, EX_PARTIAL, "%s", http_strerror(e));
	case HTTP_E_CHUNK_SIZE:
	case HTTP_E_CHUNK_TOO_BIG:
	case HTTP_E_CHUNK_EXT:
	case HTTP_E_CHUNK_CRLF:
	case HTTP_E_TRAILER:
		/* curl reports bad chunked framing as a receive error */
		return fail_with(h, EX_RECV, "malformed response: %s", http_strerror(e));
	default:
		return fail_with(h, EX_PROTO, "malformed response: %s", http_strerror(e));
	}
}

enum { R_DONE = -1, R_REDIRECT = -2 };

static int on_header_field(struct hg *h, const struct http_event *ev)
{
	int trailer = ev->type == HTTP_EV_TRAILER;

	if (h->o.verbose) {
		fputs(trailer ? "< (trailer) " : "< ", stderr);
		put_escaped(stderr, ev->data, ev->len);
		fputs(": ", stderr);
		put_escaped(stderr, ev->value, ev->value_len);
		fputc('\n', stderr);
	}
	if (!trailer)
		h->nheaders++;
	{
		/* trailers follow the body in -i/-D output, as curl writes them */
		if (h->dump || h->o.include || h->o.head) {
			char line[HTTP_LINE_MAX + 8];
			int n = snprintf(line, sizeof line, "%.*s: %.*s\r\n", (int)ev->len,
			                 ev->data, (int)ev->value_len, ev->value);
			if (n > 0) {
				int rc = put_header_text(h, line, (size_t)n < sizeof line ?
				                         (size_t)n : sizeof line - 1);
				if (rc)
					return rc;
			}
		} else {
			h->header_bytes += ev->len + ev->value_len + 4;
		}
	}
	if (h->o.json)
		fields_add(trailer ? &h->trailers : &h->headers, ev->data, ev->len,
		           ev->value, ev->value_len);
	if (trailer)
		return 0;
	if (!h->location && ev->len == 8 && strncasecmp(ev->data, "location", 8) == 0) {
		h->location = strndup(ev->value, ev->value_len);
		if (!h->location)
			return fail_with(h, EX_OOM, "out of memory");
	}
	if (ev->len == 12 && strncasecmp(ev->data, "content-type", 12) == 0) {
		free(h->content_type);
		h->content_type = strndup(ev->value, ev->value_len);
	}
	return 0;
}

static int on_headers_done(struct hg *h)
{
	int rc = 0;

	if (h->o.verbose)
		fputs("< \n", stderr);
	if (h->dump || h->o.include || h->o.head)
		rc = put_header_text(h, "\r\n", 2);
	else
		h->header_bytes += 2;
	if (rc || h->p.interim)
		return rc;
	if (h->o.follow && is_redirect(h->status) && h->location)
		return R_REDIRECT;
	if (h->status >= 400 && h->o.fail && !h->o.fail_body)
		return fail_with(h, EX_HTTP, "the requested URL returned error: %d",
		                 h->status);
	if (h->o.max_filesize && h->p.framing == HTTP_BODY_LENGTH &&
	    h->p.content_length > h->o.max_filesize)
		return fail_with(h, EX_FILESIZE,
		                 "body of %llu bytes exceeds --max-filesize %llu",
		                 (unsigned long long)h->p.content_length,
		                 (unsigned long long)h->o.max_filesize);
	return 0;
}

/* Handle one parser event.  Returns 0 to go on, R_DONE, R_REDIRECT, or an
 * exit code. */
static int on_event(struct hg *h, const struct http_event *ev)
{
	switch (ev->type) {
	case HTTP_EV_STATUS:
		h->status = h->p.status;
		h->version_minor = h->p.version_minor;
		h->headers.len = 0;
		h->nheaders = 0;
		free(h->location);
		h->location = NULL;
		free(h->content_type);
		h->content_type = NULL;
		if (h->o.verbose) {
			fputs("< ", stderr);
			put_escaped(stderr, ev->data, ev->len);
			fputc('\n', stderr);
		}
		if (h->dump || h->o.include || h->o.head) {
			int rc = put_header_text(h, ev->data, ev->len);
			return rc ? rc : put_header_text(h, "\r\n", 2);
		}
		h->header_bytes += ev->len + 2;
		return 0;
	case HTTP_EV_HEADER:
	case HTTP_EV_TRAILER:
		return on_header_field(h, ev);
	case HTTP_EV_HEADERS_DONE:
		return on_headers_done(h);
	case HTTP_EV_BODY:
		h->body_bytes += ev->len;
		if (h->o.max_filesize && h->body_bytes > h->o.max_filesize)
			return fail_with(h, EX_FILESIZE, "body exceeds --max-filesize %llu",
			                 (unsigned long long)h->o.max_filesize);
		if (h->out_fd >= 0 && !h->o.head && queue_body(h, ev->data, ev->len) < 0)
			return fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
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
		rc = fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
		               strerror(errno));
	return rc;
}

/* Wait for the response (or what TLS needs to read it). */
static int wait_in(struct hg *h, struct transport *t)
{
	return wait_io(h, t, EX_RECV, "receive");
}

#define SPLICE_MIN 4096      /* smaller pieces are read from the pipe */
#define PIPE_CAP   ((size_t)1 << 20)

/* Move n bytes from the pipe to the output; 0 or an exit code. */
static int pipe_to_out(struct hg *h, size_t n)
{
	while (n > 0) {
		ssize_t w = splice(h->pipefd[0], NULL, h->out_fd, NULL, n,
		                   SPLICE_F_MOVE);
		if (w < 0 && errno == EINVAL) {
			/* an output splice refuses: copy through user space */
			w = read(h->pipefd[0], h->rbuf, n < RECV_BUF ? n : RECV_BUF);
			if (w > 0 && write_all(h->out_fd, h->rbuf, (size_t)w) < 0)
				w = -1;
		}
		if (w < 0 && errno == EINTR && !sig_int)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (net_wait(h->out_fd, POLLOUT, -1) < 0 && errno != EINTR)
				return fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
				                 strerror(errno));
			continue;
		}
		if (w <= 0)
			return fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
			                 w < 0 ? strerror(errno) : "short write");
		n -= (size_t)w;
	}
	return 0;
}

/* Body bytes owed that go by splice: the rest of a Content-Length body or
 * of a chunk of at least SPLICE_MIN bytes, down to its last byte (a small
 * tail where the pipe ended inside it too: read, it would come with what
 * follows it, up to a buffer's worth of body through user space); 0 when
 * what comes next must be read (framing, small chunks). */
static uint64_t splice_left(const struct hg *h)
{
	uint64_t whole = h->p.framing == HTTP_BODY_CHUNKED ? h->p.chunk_size
	                                                   : h->p.content_length;
	return whole >= SPLICE_MIN ? http_parse_body_left(&h->p) : 0;
}

/* Fill the empty pipe from the socket: the bytes in it (>0), or 0 to
 * stop with *rc (R_DONE, an exit code) at the end of the stream or on an
 * error. */
static size_t fill_pipe(struct hg *h, struct transport *t, int *rc)
{
	for (;;) {
		ssize_t n = splice(t->fd, NULL, h->pipefd[1], NULL, PIPE_CAP,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			if (h->progress)
				progress(h, 0);
			if (h->deadline >= 0 && clock_mono_ns() >= h->deadline) {
				*rc = timeout_error(h, "receive");
				return 0;
			}
			return (size_t)n;
		}
		if (n == 0) {
			struct http_event ev;
			http_parse_eof(&h->p, &ev);
			*rc = on_event(h, &ev);
			if (!*rc)
				*rc = R_DONE;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR) {
			*rc = fail_with(h, EX_RECV, "receive: %s", strerror(errno));
			return 0;
		}
		*rc = wait_in(h, t);
		if (*rc)
			return 0;
	}
}

/* The rest of the body goes socket -> pipe -> output inside the kernel:
 * body bytes are spliced out of the pipe, and only what the parser must
 * see (chunk framing, trailers, chunks under SPLICE_MIN) is read from the
 * pipe and fed.  A large chunk costs two calls beside the pipe's fills:
 * one read of its framing (the CRLF ending the chunk before it and its
 * size line, whose length is learnt from the chunk before, so no body
 * byte is read with it) and one splice of its data.  Returns R_DONE or
 * an exit code. */
static int splice_stream(struct hg *h, struct transport *t)
{
	size_t in_pipe = 0, guess = 16, framing = 0;

	for (;;) {
		uint64_t left, before;
		ssize_t n;
		size_t k;
		int rc;

		if (in_pipe == 0 && (in_pipe = fill_pipe(h, t, &rc)) == 0)
			return rc;
		left = splice_left(h);
		if (left > 0) {
			size_t m = left < in_pipe ? (size_t)left : in_pipe;
			h->body_bytes += m;
			if (h->o.max_filesize && h->body_bytes > h->o.max_filesize)
				return fail_with(h, EX_FILESIZE,
				                 "body exceeds --max-filesize %llu",
				                 (unsigned long long)h->o.max_filesize);
			rc = pipe_to_out(h, m);
			if (rc)
				return rc;
			in_pipe -= m;
			http_parse_body_skip(&h->p, m);
			/* a Content-Length body ends here: DONE */
			if (left == m && h->p.framing != HTTP_BODY_CHUNKED &&
			    (rc = feed(h, h->rbuf, 0)) != 0)
				return rc;
			continue;
		}
		/* framing: about one chunk header (the last one's length);
		 * small chunks and the rest: a buffer's worth */
		left = http_parse_body_left(&h->p);
		k = left == 0 && h->p.framing == HTTP_BODY_CHUNKED ? guess : RECV_BUF;
		if (k > in_pipe)
			k = in_pipe;
		n = read(h->pipefd[0], h->rbuf, k);
		if (n < 0 && errno == EINTR && !sig_int)
			continue;
		if (n <= 0)
			return fail_with(h, EX_RECV, "receive: %s",
			                 n < 0 ? strerror(errno) : "pipe closed");
		in_pipe -= (size_t)n;
		before = h->p.body_bytes;
		rc = feed(h, h->rbuf, (size_t)n);
		if (rc)
			return rc;
		if (left > 0) {
			framing = 0;
			continue;
		}
		/* learn the framing's length, so the next header is read
		 * without body bytes (which would cost a write) */
		framing += (size_t)n - (size_t)(h->p.body_bytes - before);
		if (http_parse_body_left(&h->p) > 0) {
			guess = framing > 0 ? framing : 16;
			framing = 0;
		}
	}
}

static int receive(struct hg *h, struct transport *t)
{
	int first = 1;

	for (;;) {
		ssize_t n = transport_read(t, h->rbuf, RECV_BUF);
		int rc;

		if (n > 0) {
			if (first) {
				h->t_first = clock_mono_ns() - h->t0;
				first = 0;
			}
			rc = feed(h, h->rbuf, (size_t)n);
			if (rc)
				return rc;
			/* the rest of the body may bypass user space */
			if (h->splice_ok && t->raw && h->status && !h->p.interim &&
			    (h->p.framing == HTTP_BODY_LENGTH ||
			     h->p.framing == HTTP_BODY_CHUNKED))
				return splice_stream(h, t);
			if (h->progress)
				progress(h, 0);
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
		if (errno == EAGAIN || errno == EINTR) {
			rc = wait_in(h, t);
			if (rc)
				return rc;
			continue;
		}
		if (errno == EPROTO && h->tls)
			return tls_failed(h);
		return fail_with(h, EX_RECV, "receive: %s", strerror(errno));
	}
}

static void json_event_redirect(struct hg *h, const char *to)
{
	char from[URL_PATH_MAX + 300];
	struct json j;

	url_format(&h->url, from, sizeof from);
	json_begin(&j);
	json_str(&j, "type", "redirect");
	json_str(&j, "from", from);
	json_str(&j, "to", to);
	json_int(&j, "http_code", h->status);
	json_double(&j, "time_ms", (double)(clock_mono_ns() - h->t0) / 1e6, 3);
	json_end(&j, stdout);
}

static int follow(struct hg *h)
{
	struct url next;
	char fmt[URL_PATH_MAX + 300];
	int r;

	if (h->o.max_redirs >= 0 && h->redirects >= (unsigned long)h->o.max_redirs)
		return fail_with(h, EX_REDIRECTS, "maximum (%ld) redirects followed",
		                 h->o.max_redirs);
	r = url_resolve(&h->url, h->location, strlen(h->location), &next);
	if (r == URL_E_UNSUPPORTED)
		return fail_with(h, EX_UNSUPPORTED, "redirect to an unsupported scheme: %s",
		                 h->location);
	if (r)
		return fail_with(h, EX_URL, "bad redirect location: %s", url_strerror(r));
	if (url_format(&next, fmt, sizeof fmt) < 0)
		return fail_with(h, EX_URL, "bad redirect location: %s",
		                 url_strerror(URL_E_TOO_LONG));
	for (unsigned i = 0; i < h->nvisited; i++)
		if (strcmp(h->visited[i], fmt) == 0)
			return fail_with(h, EX_REDIRECTS, "redirect loop: %s", fmt);
	char **v = realloc(h->visited, (h->nvisited + 1) * sizeof *v);
	if (!v)
		return fail_with(h, EX_OOM, "out of memory");
	h->visited = v;
	if (!(h->visited[h->nvisited] = strdup(fmt)))
		return fail_with(h, EX_OOM, "out of memory");
	h->nvisited++;
	h->redirects++;
	if (h->o.json)
		json_event_redirect(h, fmt);
	/* a new host gets no credentials it was not given for */
	if (strcmp(next.host, h->url.host) || next.port != h->url.port)
		next.userinfo[0] = '\0';
	memcpy(&h->url, &next, sizeof next);
	if (h->o.verbose)
		fprintf(stderr, "* Issue another request to this URL: '%s'\n", fmt);
	return 0;
}

/* One attempt: connect, request, response, redirects.  An exit code. */
static int fetch(struct hg *h)
{
	char fmt[URL_PATH_MAX + 300];

	url_format(&h->url, fmt, sizeof fmt);
	for (unsigned i = 0; i < h->nvisited; i++)
		free(h->visited[i]);
	h->nvisited = 0;
	h->visited = realloc(h->visited, sizeof *h->visited);
	if (!h->visited || !(h->visited[0] = strdup(fmt)))
		return fail_with(h, EX_OOM, "out of memory");
	h->nvisited = 1;
	for (;;) {
		struct transport t = { 0 };
		int rc;

		http_parse_init(&h->p, h->o.head);
		h->status = 0;
		h->fail_now = 0;
		h->body_bytes = 0;
		h->trailers.len = 0;
		rc = connect_to(h, &t);
		if (rc != 0 || t.ops == NULL)   /* connected means ops are set */
			return rc != 0 ? rc : EX_CONNECT;
		if (h->url.https)
			rc = tls_start(h, &t);
		if (!rc)
			rc = send_request(h, &t);
		if (!rc)
			rc = receive(h, &t);
		transport_close(&t);
		h->tls = NULL; /* freed by its transport's close */
		if (rc == R_DONE && h->status >= 400 && (h->o.fail || h->o.fail_body))
			return fail_with(h, EX_HTTP, "the requested URL returned error: %d",
			                 h->status);
		if (rc == R_DONE)
			return EX_OK;
		if (rc != R_REDIRECT)
			return rc;
		int64_t tr = clock_mono_ns();
		rc = follow(h);
		h->t_redirect += clock_mono_ns() - tr;
		if (rc)
			return rc;
	}
}

/* ---- retries (curl's --retry family) ---- */

static int transient(const struct hg *h, int rc)
{
	if (rc == EX_SIGNAL || rc == EX_USAGE)
		return 0;
	/* curl: these statuses are transient with or without -f */
	switch (h->status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	}
	if (rc == EX_OK)
		return 0;
	return h->o.retry_all || rc == EX_TIMEOUT ||
	       (rc == EX_CONNECT && h->o.retry_connrefused);
}

/* Sleep until the monotonic time `until`, or a signal.  0 or -1. */
static int nap_until(int64_t until)
{
	while (!sig_int) {
		int64_t left = until - clock_mono_ns();
		if (left <= 0)
			return 0;
		struct timespec ts = clock_ts(left);
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int run(struct hg *h)
{
	unsigned left = h->o.retry;
	int64_t delay = h->o.retry_delay_ns >= 0 ? h->o.retry_delay_ns : NS_PER_SEC;

	for (;;) {
		int rc;

		h->t_attempt = clock_mono_ns();
		h->deadline = h->o.max_time_ns > 0 ? h->t_attempt + h->o.max_time_ns : -1;
		h->errbuf[0] = '\0';
		rc = fetch(h);
		if (h->niov && flush_body(h) < 0 && rc == EX_OK)
			rc = fail_with(h, EX_WRITE, "write %s: %s", out_name(h),
			               strerror(errno));
		if (left == 0 || !transient(h, rc))
			return rc;
		if (h->o.retry_max_time_ns > 0 &&
		    clock_mono_ns() + delay - h->t0 > h->o.retry_max_time_ns)
			return rc;
		if (!h->o.silent) {
			char st[32];
			snprintf(st, sizeof st, "HTTP error %d", h->status);
			err_msg("transient problem: %s; will retry in %lld seconds, "
			        "%u retries left", h->errbuf[0] ? h->errbuf : st,
			        (long long)((delay + NS_PER_SEC - 1) / NS_PER_SEC), left);
		}
		if (nap_until(clock_mono_ns() + delay) < 0)
			return fail_with(h, EX_SIGNAL, "interrupted");
		left--;
		if (h->o.retry_delay_ns < 0 && delay < 600 * NS_PER_SEC)
			delay *= 2;
		/* start over: the output and what --json reports */
		rewind_output(h);
		h->redirects = 0;
		h->header_bytes = 0;
		h->t_first = 0;
		if (url_parse(h->o.url, strlen(h->o.url), &h->url) != 0)
			return rc;
	}
}

/* ---- reports: -w and --json ---- */

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void fill_vars(const struct hg *h, struct wo_vars *v, int rc,
                      char *url_eff, size_t url_eff_size)
{
	memset(v, 0, sizeof *v);
	if (url_format(&h->url, url_eff, url_eff_size) < 0)
		url_eff[0] = '\0';
	v->url = h->o.url;
	v->url_effective = h->url.host[0] ? url_eff : h->o.url;
	v->method = h->o.head ? "HEAD" : "GET";
	v->content_type = h->content_type;
	v->errormsg = rc != EX_OK && h->errbuf[0] ? h->errbuf : NULL;
	v->remote_ip = h->remote_ip[0] ? h->remote_ip : NULL;
	v->filename_effective = h->o.out_path;
	v->redirect_url = !h->o.follow && is_redirect(h->status) ? h->location : NULL;
	v->http_code = h->status;
	v->exitcode = rc;
	v->remote_port = h->remote_port;
	v->http_version_minor = h->status ? h->version_minor : -1;
	v->num_redirects = h->redirects;
	v->num_connects = h->connects;
	v->num_headers = (unsigned)h->nheaders;
	v->size_download = h->body_bytes;
	v->size_header = h->header_bytes;
	v->size_request = h->request_bytes;
	v->time_namelookup = (double)h->t_resolve / 1e9;
	v->time_connect = (double)h->t_connect / 1e9;
	v->time_appconnect = (double)h->t_appconnect / 1e9;
	v->time_pretransfer = (double)(h->t_appconnect ? h->t_appconnect : h->t_connect) / 1e9;
	v->ssl_verify_result = (int)h->ssl_verify_result;
	v->time_starttransfer = (double)h->t_first / 1e9;
	v->time_redirect = (double)h->t_redirect / 1e9;
	v->time_total = (double)h->t_total / 1e9;
}

static void wo_emit(void *ctx, int stream, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stream == 2 ? stderr : stdout);
}

static void wo_unknown(void *ctx, const char *name, size_t n)
{
	(void)ctx;
	err_msg("unknown --write-out variable: '%.*s'", (int)(n > 64 ? 64 : n), name);
}

static void write_out(const struct hg *h, int rc)
{
	char url_eff[URL_PATH_MAX + 300];
	struct wo_vars v;
	struct wo_sink s = { wo_emit, wo_unknown, NULL };

	fill_vars(h, &v, rc, url_eff, sizeof url_eff);
	writeout_render(h->o.writeout, &v, &s);
	fflush(stdout);
	fflush(stderr);
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

static void json_ms(struct json *j, const char *key, int64_t ns, int reached)
{
	if (reached)
		json_double(j, key, ms(ns), 3);
	else
		json_null(j, key);
}

static void hg_json_start(const struct hg *h)
{
	struct json j;
	json_start(&j, "http-get");
	json_str(&j, "url", h->o.url);
	json_str(&j, "method", h->o.head ? "HEAD" : "GET");
	json_end(&j, stdout);
}

/* The machine code of an error line, from the exit code. */
static const char *error_code(int rc)
{
	switch (rc) {
	case EX_USAGE: return "usage";
	case EX_URL: case EX_UNSUPPORTED: return "url";
	case EX_RESOLVE: return "resolve";
	case EX_CONNECT: return "connect";
	case EX_WRITE: case EX_READ: return "io";
	case EX_OOM: return "oom";
	case EX_TIMEOUT: return "timeout";
	case EX_SIGNAL: return "signal";
	case TLS_EX_HANDSHAKE: case TLS_EX_CLIENT_CERT: case TLS_EX_VERIFY:
	case TLS_EX_CAFILE: return "tls";
	default: return "http";
	}
}

static void json_error(const struct hg *h, int rc)
{
	struct json j;
	json_begin(&j);
	json_str(&j, "type", "error");
	json_str(&j, "code", error_code(rc));
	json_str(&j, "message", h->errbuf);
	json_int(&j, "exit", rc);
	json_end(&j, stdout);
}

static void json_summary(const struct hg *h, int rc)
{
	char url_eff[URL_PATH_MAX + 300];
	struct json j;
	int connected = h->connects > 0;

	json_begin(&j);
	json_str(&j, "type", "summary");
	json_str(&j, "url", h->o.url);
	if (h->url.host[0] && url_format(&h->url, url_eff, sizeof url_eff) >= 0)
		json_str(&j, "url_effective", url_eff);
	else
		json_null(&j, "url_effective");
	if (h->status)
		json_int(&j, "http_code", h->status);
	else
		json_null(&j, "http_code");
	if (h->content_type)
		json_str(&j, "content_type", h->content_type);
	else
		json_null(&j, "content_type");
	json_uint(&j, "size_download_bytes", h->body_bytes);
	json_uint(&j, "size_header_bytes", h->header_bytes);
	if (h->status && h->p.framing == HTTP_BODY_LENGTH)
		json_uint(&j, "content_length_bytes", h->p.content_length);
	else
		json_null(&j, "content_length_bytes");
	json_ms(&j, "time_namelookup_ms", h->t_resolve, h->t_resolve > 0);
	json_ms(&j, "time_connect_ms", h->t_connect, connected);
	json_ms(&j, "time_appconnect_ms", h->t_appconnect, h->handshaken);
	json_ms(&j, "time_starttransfer_ms", h->t_first, h->t_first > 0);
	json_ms(&j, "time_total_ms", h->t_total, 1);
	if (connected) {
		json_str(&j, "remote_ip", h->remote_ip);
		json_int(&j, "remote_port", h->remote_port);
	} else {
		json_null(&j, "remote_ip");
		json_null(&j, "remote_port");
	}
	json_uint(&j, "num_redirects", h->redirects);
	if (h->handshaken || h->ssl_verify_result)
		json_int(&j, "ssl_verify_result", h->ssl_verify_result);
	else
		json_null(&j, "ssl_verify_result");
	if (h->status)
		json_fields(&j, "headers", &h->headers);
	else
		json_null(&j, "headers");
	if (h->status && h->p.framing == HTTP_BODY_CHUNKED)
		json_fields(&j, "trailers", &h->trailers);
	else
		json_null(&j, "trailers");
	if (rc != EX_OK && h->errbuf[0])
		json_str(&j, "error", h->errbuf);
	else
		json_null(&j, "error");
	json_int(&j, "exit", rc);
	json_end(&j, stdout);
}

static void hg_free(struct hg *h)
{
	for (unsigned i = 0; i < h->nvisited; i++)
		free(h->visited[i]);
	free(h->visited);
	free(h->location);
	free(h->content_type);
	free(h->headers.buf);
	free(h->trailers.buf);
	free(h->rbuf);
	free(h->o.writeout);
	tls_ctx_free(h->tls_ctx);
	if (h->pipefd[0] > 0) {
		close(h->pipefd[0]);
		close(h->pipefd[1]);
	}
	if (h->rv) {
		resolver_free(h->rv);
		loop_free(&h->loop);
	}
	free(h);
}

/* ---- command line ---- */

static void refuse(const struct opt_state *st, const char *why)
{
	usage_error("option %s: %s", st->name, why);
}

/* -w @FILE / @- : the format is the file's text. */
static char *read_writeout(const char *arg)
{
	char *buf;
	size_t len = 0;
	FILE *fp;

	if (arg[0] != '@')
		return strdup(arg);
	fp = strcmp(arg + 1, "-") ? fopen(arg + 1, "re") : stdin;
	if (!fp)
		usage_error("cannot read --write-out file %s: %s", arg + 1, strerror(errno));
	buf = malloc(WRITEOUT_MAX + 1);
	if (buf)
		len = fread(buf, 1, WRITEOUT_MAX, fp);
	if (fp != stdin)
		fclose(fp);
	if (!buf)
		die(EX_OOM, "out of memory");
	buf[len] = '\0';
	return buf;
}

static int64_t seconds(const struct opt_state *st)
{
	return opt_dur(st, NS_PER_SEC, 0, (int64_t)86400 * 365 * NS_PER_SEC);
}

static void version(void)
{
	puts("http-get (sockbox) " SOCKBOX_VERSION "\n"
	     "Protocols: http\n"
	     "Features: IPv6 AsynchDNS HappyEyeballs Largefile");
	exit(0);
}

static void parse_args(struct hg_opts *o, int argc, char **argv)
{
	struct opt_state st;
	int c;

	o->connect_timeout_ns = -1;
	o->max_time_ns = -1;
	o->max_redirs = 50;
	o->retry_delay_ns = -1;
	o->retry_max_time_ns = -1;
	opt_init(&st);
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case 'o': o->out_path = strcmp(st.arg, "-") ? st.arg : NULL; break;
		case 'O': o->remote_name = 1; break;
		case 'f': o->fail = 1; break;
		case OPT_FAIL_BODY: o->fail_body = 1; break;
		case 's': o->silent = 1; break;
		case 'S': o->show_error = 1; break;
		case 'L': o->follow = 1; break;
		case OPT_MAX_REDIRS: {
			char *end;
			errno = 0;
			long v = strtol(st.arg, &end, 10);
			if (errno || *end || end == st.arg || v < -1 || v > 100000)
				usage_error("invalid argument '%s' for %s: -1 to 100000",
				            st.arg, st.name);
			o->max_redirs = v;
			break;
		}
		case 'm': o->max_time_ns = seconds(&st); break;
		case OPT_CONNECT_TIMEOUT: o->connect_timeout_ns = seconds(&st); break;
		case OPT_RETRY: o->retry = (unsigned)opt_u64(&st, 0, 1000000); break;
		case OPT_RETRY_DELAY: o->retry_delay_ns = seconds(&st); break;
		case OPT_RETRY_MAX_TIME: o->retry_max_time_ns = seconds(&st); break;
		case OPT_RETRY_CONNREFUSED: o->retry_connrefused = 1; break;
		case OPT_RETRY_ALL: o->retry_all = 1; break;
		case 'w':
			free(o->writeout);
			o->writeout = read_writeout(st.arg);
			break;
		case 'H': {
			int r = http_req_check_header(st.arg);
			if (r) {
				char q1[256];
				usage_error("invalid header '%s': %s",
				            one_line(st.arg, q1, sizeof q1),
				            http_req_check_strerror(r));
			}
			if (o->nextra == MAX_EXTRA)
				usage_error("too many -H options (at most %d)", MAX_EXTRA);
			o->extra[o->nextra++] = st.arg;
			break;
		}
		case 'A':
		case 'e':
		case 'u':
		case 'r':
			if (strpbrk(st.arg, "\r\n"))
				usage_error("invalid argument for %s: CR or LF", st.name);
			if (c == 'A')
				o->agent = st.arg;
			else if (c == 'e')
				o->referer = st.arg;
			else if (c == 'u')
				o->user = st.arg;
			else if (!st.arg[0] || strspn(st.arg, "0123456789-,") != strlen(st.arg))
				usage_error("invalid range '%s' for %s: expected e.g. 0-499",
				            st.arg, st.name);
			else
				o->range = st.arg;
			break;
		case 'I': o->head = 1; break;
		case OPT_CACERT: o->tls.cafile = st.arg; o->tls_opts = 1; break;
		case OPT_CAPATH: o->tls.capath = st.arg; o->tls_opts = 1; break;
		case 'k': o->tls.insecure = 1; o->tls_opts = 1; break;
		case 'E': o->tls.cert = st.arg; o->tls_opts = 1; break;
		case OPT_KEY: o->tls.key = st.arg; o->tls_opts = 1; break;
		case OPT_TLSV12: o->tls.min_version = 12; o->tls_opts = 1; break;
		case OPT_TLSV13: o->tls.min_version = 13; o->tls_opts = 1; break;
		case 'i': o->include = 1; break;
		case 'D': o->dump_header = st.arg; break;
		case 'v': o->verbose = 1; break;
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case OPT_MAX_FILESIZE: o->max_filesize = opt_size(&st, 1, UINT64_MAX); break;
		case OPT_JSON: o->json = 1; break;
		case 'V': version(); break;
		case 'q': break;
		case 'X':
			if (strcmp(st.arg, "GET"))
				refuse(&st, "only GET and HEAD (-I) are supported");
			break;
		case 'd': case 'F': case 'T': case 'G': case OPT_REFUSE_BODY:
			refuse(&st, "uploads are not supported (GET and HEAD only)");
			break;
		case 'b': case 'c': case OPT_REFUSE_COOKIE:
			refuse(&st, "cookies are not supported");
			break;
		case 'x': case 'U': case OPT_REFUSE_PROXY:
			refuse(&st, "proxies are not supported");
			break;
		default:
			refuse(&st, "not supported by http-get");
		}
	}
	if (st.ind != argc - 1)
		usage_error(st.ind >= argc ? "no URL specified" : "one URL only");
	o->url = argv[st.ind];
	if (!o->url[0])
		usage_error("empty URL");
}

/* The end of set-up (libssl and the trust store, the output file, the
 * splice pipe are ready): confine the rest.  Redirects and retries connect
 * anywhere and resolve names in glibc's lookup threads; https reads
 * /etc/localtime; a file body ends with linkat/rename in its directory. */
static int http_sandbox(struct hg *h)
{
	static char dir[PATH_MAX];
	int rc;
	/* the resolver's eventfd and epoll set: set-up too */
	if ((rc = resolver_ready(h)))
		return rc;
	struct sandbox_policy sp = {
		.needs = SBX_CONNECT | SBX_RESOLVER | SBX_THREADS | SBX_OUTPUT,
		.tcp_connect = SBX_TCP_ANY,
		.abstract_unix = 1,
	};
	if (h->tls_ctx || h->url.https || h->o.tls_opts || h->o.follow)
		sp.needs |= SBX_TLS;
	if (h->out_open && !h->of.in_place) {
		const char *t = h->of.target ? h->of.target : h->o.out_path;
		sp.dir = sandbox_dir_of(t, dir, sizeof dir);
		if (sp.dir)
			sp.needs |= SBX_OUTPUT_DIR;
		/* root replacing another user's file gives it back to them */
		sp.chown_after = outfile_foreign(&h->of);
	}
	sandbox_enter(&sp, 0);
	return 0;
}

int http_get_main(int argc, char **argv)
{
	struct hg *h = calloc(1, sizeof *h);
	int rc, r;

	if (!h)
		die(EX_OOM, "out of memory");
	parse_args(&h->o, argc, argv);
	sig_catch(0);
	h->t0 = h->t_attempt = clock_mono_ns();
	h->deadline = -1;
	if (h->o.json)
		hg_json_start(h);
	r = url_parse(h->o.url, strlen(h->o.url), &h->url);
	if (r) {
		char q1[512];
		rc = fail_with(h, r == URL_E_UNSUPPORTED ? EX_UNSUPPORTED : EX_URL,
		               "malformed URL '%s': %s",
		               one_line(h->o.url, q1, sizeof q1), url_strerror(r));
		memset(&h->url, 0, sizeof h->url);
		goto out;
	}
	h->rbuf = malloc(RECV_BUF);
	if (!h->rbuf) {
		rc = fail_with(h, EX_OOM, "out of memory");
		goto out;
	}
	if (h->o.remote_name && !h->o.out_path) {
		if (url_remote_name(&h->url, h->o.remote_buf, sizeof h->o.remote_buf) < 0) {
			rc = fail_with(h, EX_WRITE, "-O: the URL's path has no file name");
			goto out;
		}
		h->o.out_path = h->o.remote_buf;
	}
	rc = open_output(h);
	if (rc)
		goto out;
	/* set-up, before the first network read: libssl and the CA files.
	 * -L over http may never need them: libssl is mapped and the trust
	 * store read now, but parsed only if a redirect leads to https. */
	if (h->url.https || h->o.tls_opts) {
		tls_setup(h);
		if (!h->tls_ctx && h->url.https) {
			rc = fail_with(h, h->tls_ctx_code, "%s", h->tls_ctx_err);
			goto out;
		}
	} else if (h->o.follow &&
	           tls_prepare(h->tls_ctx_err, sizeof h->tls_ctx_err) < 0) {
		h->tls_ctx_code = EX_USAGE; /* 2: reported if https is reached */
	}
	/* Splice a Content-Length body into a plain file or pipe when nothing
	 * else needs to see it in user space.  SOCKBOX_NO_SPLICE=1 turns it
	 * off (scripts/bench/http.sh measures both paths). */
	if (h->out_fd >= 0 && !h->o.include && !h->o.head && !h->o.verbose &&
	    !isatty(h->out_fd) && !getenv("SOCKBOX_NO_SPLICE") &&
	    pipe2(h->pipefd, O_CLOEXEC) == 0) {
		struct stat st;
		int fl = fcntl(h->out_fd, F_GETFL);
		h->splice_ok = fstat(h->out_fd, &st) == 0 && fl >= 0 &&
		               !(fl & O_APPEND) &&   /* splice(2) refuses O_APPEND */
		               (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) ||
		                S_ISCHR(st.st_mode));
		fcntl(h->pipefd[1], F_SETPIPE_SZ, 1 << 20);
	}
	rc = http_sandbox(h);
	if (rc)
		goto out;
	h->progress = h->o.out_path && !h->o.silent && isatty(STDERR_FILENO);
	rc = run(h);
	if (h->progress && h->body_bytes)
		progress(h, 1);
	sandbox_dir_privilege(1);
	rc = finish_output(h, rc);
	sandbox_dir_privilege(0);
out:
	h->t_total = clock_mono_ns() - h->t0;
	if (fflush(stdout) != 0 && rc == EX_OK)
		rc = fail_with(h, EX_WRITE, "write stdout: %s", strerror(errno));
	if (rc != EX_OK && h->errbuf[0] && (!h->o.silent || h->o.show_error))
		err_msg("%s", h->errbuf);
	if (h->o.writeout)
		write_out(h, rc);
	if (h->o.json) {
		/* a failure before any connection (or in its TLS handshake) is a
		 * set-up error */
		if (rc != EX_OK && h->errbuf[0] &&
		    (h->connects == 0 || !strcmp(error_code(rc), "tls")))
			json_error(h, rc);
		json_summary(h, rc);
	}
	hg_free(h);
	return rc;
}
