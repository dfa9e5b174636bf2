/* probe: check, or wait for, many network targets at once, with reports
 * CI systems read (text, JSON Lines, JUnit XML, TAP 13).
 *
 *   probe [OPTIONS] TARGET... [-- COMMAND [ARGS]]
 *   probe --wait [--any] [--invert] [-t DUR] TARGET... -- COMMAND ARGS
 *
 * Targets: tcp://HOST:PORT, udp://HOST:PORT, unix:///PATH, unix://@NAME,
 * icmp://HOST, http(s)://HOST[:PORT]/PATH, or -f FILE with one target per
 * line and per-line options (lib/pure/probe_target.h).  One thread, one
 * epoll loop for every target of every kind (names: lib/sys/resolve, whose
 * glibc lookup threads only hand results to the loop); each attempt has
 * its own deadline; at most -j attempts are in flight, fewer when
 * RLIMIT_NOFILE is lower (or socket() reports EMFILE: the target waits for
 * a free slot instead of failing).  A target's life: PENDING -> ACTIVE
 * (resolve, connect, TLS handshake, send, receive) -> DONE, or back to
 * PENDING after a backoff step under --wait.  Verdicts are rendered by
 * lib/pure/probe_render as they are reached (JUnit: at the end).
 *
 * Exit: 0 the condition holds (all passed; with --any one passed; with
 * --invert all down), 1 it does not (or --wait reached --timeout), 2 usage
 * or setup errors, 130 interrupted (the report is still written).  With
 * `-- COMMAND` the command is exec'd once the condition holds, so its exit
 * status is probe's. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "applet.h"
#include "backoff.h"
#include "clock.h"
#include "err.h"
#include "http_parse.h"
#include "icmp.h"
#include "json.h"
#include "loop.h"
#include "net.h"
#include "num.h"
#include "opt.h"
#include "pingsock.h"
#include "probe_render.h"
#include "seqtrack.h"
#include "sig.h"
#include "probe_target.h"
#include "resolve.h"
#include "sandbox.h"
#include "stats.h"
#include "tls.h"
#include "status_set.h"

enum {
	OPT_ANY = OPT_LONG + 1,
	OPT_INVERT,
	OPT_MAXINT,
	OPT_MAXRTT,
	OPT_STATUS,
	OPT_BODY,
	OPT_HEADER,
	OPT_FORMAT,
	OPT_CACERT,
	OPT_JSON,
};

static const struct opt opts[] = {
	{ 'w', "wait", NULL, "retry failing targets until the condition holds" },
	{ OPT_ANY, "any", NULL, "one passing target is enough" },
	{ OPT_INVERT, "invert", NULL, "pass when targets are down (wait until down)" },
	{ 't', "timeout", "DUR",
	  "check: each target's deadline (5s); --wait: overall limit (30s)" },
	{ 'T', "attempt-timeout", "DUR",
	  "deadline of one attempt (check: --timeout; --wait: 2s)" },
	{ 'i', "interval", "DUR", "--wait: first retry delay, doubling (250ms)" },
	{ OPT_MAXINT, "max-interval", "DUR", "--wait: longest retry delay (2s)" },
	{ 'j', "jobs", "N", "attempts in flight at once, 1-100000 (256)" },
	{ 'f', "file", "FILE", "read targets from FILE ('-': stdin), one per line" },
	{ 's', "send", "BYTES", "tcp/udp/unix: send BYTES (C escapes: \\r \\n \\xHH)" },
	{ 'e', "expect", "BYTES", "tcp/udp/unix: pass only when the reply contains BYTES" },
	{ OPT_MAXRTT, "max-rtt", "DUR", "fail a check that took longer than DUR" },
	{ OPT_STATUS, "status", "SET", "http: statuses that pass (200-299)" },
	{ OPT_BODY, "body-match", "TEXT", "http: the body must contain TEXT" },
	{ OPT_HEADER, "header-match", "'NAME: TEXT'",
	  "http: a NAME header must contain TEXT" },
	{ OPT_CACERT, "cacert", "FILE", "https: trust the CA certificates in FILE" },
	{ 'k', "insecure", NULL, "https: do not verify the certificate" },
	{ 'E', "regex", NULL, "match TEXT as a POSIX extended regular expression" },
	{ OPT_FORMAT, "format", "FMT", "report as text, json, junit or tap" },
	{ OPT_JSON, "json", NULL, "same as --format json (every applet's --json)" },
	{ 'o', "output", "FILE", "write the report to FILE; the terminal shows progress" },
	{ 'q', "quiet", NULL, "no live status and no notes" },
	{ 0, NULL, NULL, NULL },
};

static const struct applet_help help = {
	"probe [OPTIONS] TARGET... [-- COMMAND [ARGS]]",
	"Check many targets at once, or with --wait retry them (exponential\n"
	"backoff with jitter) until all pass, then exec COMMAND.  Targets:\n"
	"tcp://HOST:PORT udp://HOST:PORT unix:///PATH unix://@NAME icmp://HOST\n"
	"http://HOST[:PORT]/PATH https://...  Durations take units (200ms, 5s).\n"
	"Environment: PROBE_TIMEOUT, PROBE_INTERVAL set --timeout, --interval.\n"
	"Exit status: 0 condition holds, 1 some target failed or the wait timed\n"
	"out, 2 usage or setup error, 130 interrupted; with COMMAND, its status.",
	opts,
};

enum fmt { FMT_TEXT, FMT_JSON, FMT_JUNIT, FMT_TAP };
enum tstate { TS_PENDING, TS_ACTIVE, TS_DONE };
enum phase { PH_RESOLVE, PH_CONNECT, PH_HANDSHAKE, PH_SEND, PH_RECV };

#define RBUF_MAX 4096          /* tcp/udp/unix reply kept for --expect */
#define BODY_MAX ((size_t)256 * 1024)/* http body kept for --body-match */
#define ICMP_DATALEN 56
#define ADDRS_MAX 8            /* addresses of a name tried in turn */
#define UDP_COPIES 3           /* datagrams per udp attempt (loss happens) */

struct probe;

struct tgt {
	struct loop_io io;         /* first: the callback casts back */
	struct probe *p;
	char *name;                /* the target as written */
	char *host;                /* unix: the path */
	char *path;                /* http request target */
	const char *send, *expect; /* NULL: none */
	size_t send_len, expect_len;
	const struct status_set *status;
	int64_t timeout_ns, max_rtt_ns;
	int64_t start_ns, deadline_ns, next_ns;
	int64_t resend_ns;         /* udp: the next copy of the datagram, or 0 */
	/* the attempt in flight */
	char *out;                 /* bytes to send */
	size_t out_len, out_off;
	char *rbuf;
	size_t rlen;
	struct http_parser *hp;
	struct tls *tls;
	struct resolve_req *rq;    /* the lookup in flight */
	struct sb_addr *addrs;     /* a name's addresses, RFC 6724 order */
	unsigned naddrs, addr_i;   /* ... and the one in use */
	/* the verdict */
	int64_t time_ns, done_ns;
	const char *error;
	struct sb_addr addr;
	enum pt_scheme scheme;
	enum pt_unix_type unix_type;
	int unix_try;              /* auto: the type being tried */
	enum tstate state;
	enum phase phase;
	unsigned attempts;
	unsigned resends;          /* udp: copies sent after the first */
	int have_addr;
	int slot;                  /* counted in p->active (-j) */
	int header_ok;
	int ok;                    /* after --invert */
	int skipped;
	int check_ok;              /* last attempt passed (before --invert) */
	int http_code;
	int row;                   /* live status row */
	uint16_t port;
	uint16_t icmp_seq;
	char reason[112];
};

struct probe_opts {
	int wait, any, invert, quiet, regex;
	int64_t timeout_ns, attempt_ns, interval_ns, max_interval_ns, max_rtt_ns;
	unsigned jobs;
	enum fmt fmt;
	const char *out_path;
	const char *send, *expect;
	size_t send_len, expect_len;
	struct status_set status;
	const char *body, *header;
	struct tls_conf tls;
	char **cmd;
};

struct probe {
	struct probe_opts o;
	struct loop loop;
	struct tgt *t;
	size_t n;
	unsigned conc, active, resolving;
	struct resolver *rv;       /* made at set-up when a name needs it */
	int lowered_note;
	int64_t start_ns, wait_deadline;
	uint64_t rng;
	size_t done, passed;
	int finished;
	/* http matching */
	regex_t body_re, header_re;
	char header_name[128];
	const char *header_text;
	/* icmp: one socket per family, opened at set-up */
	struct icmp_sock {
		struct loop_io io;     /* first: the callback casts back */
		struct probe *p;
		int v6;
	} icmp[2];
	int icmp_raw[2], icmp_errno[2];
	uint16_t icmp_id, icmp_seq;
	/* output */
	FILE *rep;
	struct pr_buf buf;
	int live, bar, width, rows_drawn, rows, cols;
	int64_t bar_ns;
	unsigned tap_n;
	struct rtt_stats *rtt;
	uint64_t transmitted, received;
	struct tls_ctx *tls_ctx;
};

static char rx[65536];   /* one receive buffer for every target */

/* ---- set-up ---------------------------------------------------------- */

static int64_t env_dur(const char *name, int64_t def)
{
	const char *v = getenv(name);
	int64_t ns;
	if (!v || !*v)
		return def;
	if (dur_parse(v, NS_PER_SEC, &ns) < 0 || ns <= 0)
		usage_error("invalid duration '%s' in %s", v, name);
	return ns;
}

static size_t unescape_opt(const struct opt_state *st, char **out)
{
	size_t len = strlen(st->arg);
	char *b = malloc(len + 1);
	if (!b)
		die(2, "out of memory");
	int n = pt_unescape(st->arg, len, b, len);
	if (n < 0)
		usage_error("invalid escape in '%s' for %s (\\r \\n \\t \\0 \\s \\\\ \\xHH)",
		            st->arg, st->name);
	*out = b;
	return (size_t)n;
}

/* A set-up failure once the report format is known: under --format json
 * the report also gets {"type":"error","code":CODE,"message":...,"exit":2}
 * (sockbox-json(7)) before the usual stderr line and exit 2; `usage` adds
 * the "Try 'probe --help'" line. */
static void setup_fail(struct probe *p, const char *code, int usage, int errnum,
                       const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));
static void setup_fail(struct probe *p, const char *code, int usage, int errnum,
                       const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (errnum) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(errnum));
	}
	if (p->o.fmt == FMT_JSON) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "error");
		json_str(&j, "code", code);
		json_str(&j, "message", msg);
		json_int(&j, "exit", 2);
		json_end(&j, p->rep ? p->rep : stdout);
	}
	if (usage)
		usage_error("%s", msg);
	die(2, "%s", msg);
}

static int is_http(enum pt_scheme s)
{
	return s == PT_HTTP || s == PT_HTTPS;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die(2, "out of memory");
	return d;
}

static void add_target(struct probe *p, const struct pt_target *pt,
                       const char *text, size_t cap_hint)
{
	static size_t cap;
	if (p->n == cap) {
		size_t nc = cap ? cap * 2 : (cap_hint > 16 ? cap_hint : 16);
		struct tgt *nt = realloc(p->t, nc * sizeof *nt);
		if (!nt)
			die(2, "out of memory");
		p->t = nt;
		cap = nc;
	}
	struct tgt *t = &p->t[p->n++];
	memset(t, 0, sizeof *t);
	t->io.fd = -1;
	t->p = p;
	t->name = xstrdup(text);
	t->scheme = pt->scheme;
	t->host = xstrdup(pt->host);
	t->path = is_http(pt->scheme) ? xstrdup(pt->path) : NULL;
	t->port = pt->port;
	t->unix_type = pt->unix_type;
	t->timeout_ns = pt->timeout_ns;
	t->max_rtt_ns = pt->max_rtt_ns;
	t->http_code = -1;
	if (pt->send_len >= 0) {
		char *s = malloc((size_t)pt->send_len + 1);
		if (!s)
			die(2, "out of memory");
		memcpy(s, pt->send, (size_t)pt->send_len);
		t->send = s;
		t->send_len = (size_t)pt->send_len;
	}
	if (pt->expect_len >= 0) {
		char *s = malloc((size_t)pt->expect_len + 1);
		if (!s)
			die(2, "out of memory");
		memcpy(s, pt->expect, (size_t)pt->expect_len);
		t->expect = s;
		t->expect_len = (size_t)pt->expect_len;
	}
	if (pt->status[0]) {
		struct status_set *ss = malloc(sizeof *ss);
		if (!ss || status_set_parse(pt->status, ss) < 0)
			setup_fail(p, "usage", 1, 0, "%s: invalid status set '%s' (e.g. 200-299,301)",
			           text, pt->status);
		t->status = ss;
	}
	if ((t->send || t->expect) &&
	    (is_http(t->scheme) || t->scheme == PT_ICMP))
		setup_fail(p, "usage", 1, 0, "%s: send=/expect= apply to tcp, udp and unix targets",
		           text);
}

static void read_file(struct probe *p, const char *path)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!fp)
		setup_fail(p, "io", 0, errno, "%s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	static struct pt_target pt;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (memchr(line, 0, (size_t)len))
			setup_fail(p, "usage", 1, 0, "%s:%u: NUL byte in line", path, lineno);
		const char *where;
		int r = pt_parse_line(line, &pt, &where);
		if (r == PT_E_EMPTY)
			continue;
		if (r)
			setup_fail(p, "usage", 1, 0, "%s:%u: %.*s: %s", path, lineno,
			           (int)strcspn(where, " \t"), where, pt_strerror(r));
		/* the display name: the URL word */
		const char *w = line + strspn(line, " \t");
		char *name = strndup(w, strcspn(w, " \t\r"));
		if (!name)
			die(2, "out of memory");
		add_target(p, &pt, name, 1024);
		free(name);
	}
	if (ferror(fp))
		setup_fail(p, "io", 0, errno, "%s", path);
	free(line);
	if (fp != stdin)
		fclose(fp);
}

/* REG_NEWLINE: ^ and $ match at line ends, as grep -E reads a body. */
static void compile_re(struct probe *p, regex_t *re, const char *text,
                       const char *what)
{
	int r = regcomp(re, text, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
	if (r) {
		char msg[128];
		regerror(r, re, msg, sizeof msg);
		usage_error("invalid regular expression '%s' for %s: %s", text, what, msg);
	}
}

/* The most descriptors we may use at once: RLIMIT_NOFILE (raised to the
 * hard limit) minus what is open already and a margin for the report,
 * the resolver and the loop. */
static unsigned fd_budget(void)
{
	long soft = net_raise_nofile();
	if (soft < 0) {
		struct rlimit rl;
		soft = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : 1024;
	}
	long used = 0;
	for (int fd = 0; fd < (soft < 4096 ? soft : 4096); fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			used++;
	/* a margin for the report file, the resolver and the event loop */
	long b = soft - used - 4;
	return b < 1 ? 1 : (unsigned)b;
}

/* ---- icmp ------------------------------------------------------------ */

static void icmp_cb(struct loop *l, struct loop_io *io, uint32_t ev);


static void icmp_open(struct probe *p)
{
	for (int v6 = 0; v6 < 2; v6++) {
		int fam = v6 ? AF_INET6 : AF_INET;
		int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		p->icmp_raw[v6] = 0;
		if (fd < 0 && (errno == EACCES || errno == EPERM) &&
		    caps_have(CAP_NET_RAW)) {
			caps_raise(CAP_NET_RAW);
			fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
			caps_lower(CAP_NET_RAW);
			p->icmp_raw[v6] = 1;
		}
		p->icmp_errno[v6] = fd < 0 ? errno : 0;
		if (fd >= 0 && p->icmp_raw[v6])
			/* best effort: without it we still match by identifier */
			(void)pingsock_ident_filter(fd, v6, p->icmp_id);
		if (fd >= 0) {
			int rb = 1 << 20;   /* room for bursts of replies */
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
		}
		p->icmp[v6].io.fd = fd;
		p->icmp[v6].io.cb = icmp_cb;
		p->icmp[v6].p = p;
		p->icmp[v6].v6 = v6;
		if (fd >= 0 && loop_add(&p->loop, &p->icmp[v6].io, EPOLLIN) < 0)
			die_sys(2, "epoll");
	}
}

/* ---- output ---------------------------------------------------------- */

static void fill_result(const struct tgt *t, struct pr_result *r, char *addr,
                        size_t addrsz)
{
	memset(r, 0, sizeof *r);
	r->target = t->name;
	r->scheme = pt_scheme_name(t->scheme);
	r->address = t->have_addr ? addr_format((const struct sockaddr *)&t->addr.ss,
	                                        t->addr.len, addr, addrsz)
	                          : NULL;
	if (t->scheme == PT_ICMP && t->have_addr)
		r->address = addr_format_host((const struct sockaddr *)&t->addr.ss,
		                              addr, addrsz);
	r->ok = t->ok;
	r->skipped = t->skipped;
	r->time_ns = t->attempts ? t->time_ns : -1;
	r->elapsed_ns = t->done_ns;
	r->reason = t->reason[0] ? t->reason : NULL;
	r->error = t->error;
	r->attempts = t->attempts;
	r->http_code = t->http_code;
}

static void flush_buf(struct probe *p, FILE *fp)
{
	if (p->buf.len && fwrite(p->buf.buf, 1, p->buf.len, fp) != p->buf.len)
		die_sys(2, "write error");
	if (p->buf.failed)
		die(2, "out of memory");
	pr_buf_reset(&p->buf);
	fflush(fp);
}

static void term_size(struct probe *p)
{
	struct winsize ws;
	p->rows = 24;
	p->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		p->rows = ws.ws_row;
		p->cols = ws.ws_col;
	}
}

/* Rewrite the live line of row `row`, cut to the terminal's width so it
 * never wraps (a wrapped line would shift every row above it). */
static void live_line(struct probe *p, int row, const char *text)
{
	int up = p->rows_drawn - row;
	printf("\033[%dA\r\033[2K%.*s\033[%dB\r", up, p->cols - 1, text, up);
}

static void live_row(struct probe *p, const struct tgt *t, const char *state)
{
	char line[512];
	snprintf(line, sizeof line, "%-5s %-*s  %s", "..", p->width, t->name, state);
	live_line(p, t->row, line);
}

static void live_bar(struct probe *p, int force)
{
	int64_t now = clock_mono_ns();
	if (!force && now - p->bar_ns < 100 * NS_PER_MSEC)
		return;
	p->bar_ns = now;
	char bar[41];
	size_t fill = p->n ? p->done * 40 / p->n : 40;
	for (size_t i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = 0;
	printf("\r\033[2K[%s] %zu/%zu done, %zu passed, %u in flight", bar, p->done,
	       p->n, p->passed, p->active);
	fflush(stdout);
}

static void live_start(struct probe *p)
{
	if (!p->live)
		return;
	term_size(p);
	if (p->n + 2 > (size_t)p->rows) {
		p->bar = 1;
		live_bar(p, 1);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		p->t[i].row = (int)i;
		char line[512];
		snprintf(line, sizeof line, "..    %-*s  waiting", p->width, p->t[i].name);
		printf("%.*s\n", p->cols - 1, line);
	}
	p->rows_drawn = (int)p->n;
	fflush(stdout);
}

static void live_retry(struct probe *p, const struct tgt *t)
{
	if (!p->live || p->bar)
		return;
	char s[160];
	snprintf(s, sizeof s, "%s, attempt %u", t->reason, t->attempts);
	live_row(p, t, s);
	fflush(stdout);
}

/* A target's verdict is final: stream it in the chosen format. */
static void report_result(struct probe *p, const struct tgt *t)
{
	struct pr_result r;
	char addr[ADDR_STRLEN];
	fill_result(t, &r, addr, sizeof addr);
	int text_to_term = p->live && p->rep == stdout;
	if (p->live) {
		struct pr_buf lb = { 0 };
		pr_text_result(&lb, &r, p->width);
		if (lb.len && lb.buf[lb.len - 1] == '\n')
			lb.buf[--lb.len] = 0;
		if (p->bar) {
			if (text_to_term || !t->ok)
				printf("\r\033[2K%s\n", lb.buf ? lb.buf : "");
			live_bar(p, 0);
		} else if (lb.buf) {
			live_line(p, t->row, lb.buf);
		}
		pr_buf_free(&lb);
		fflush(stdout);
		if (text_to_term)
			return;
	}
	switch (p->o.fmt) {
	case FMT_TEXT: pr_text_result(&p->buf, &r, p->width); break;
	case FMT_JSON: pr_json_result(&p->buf, &r); break;
	case FMT_TAP: pr_tap_result(&p->buf, ++p->tap_n, &r); break;
	case FMT_JUNIT: return;   /* written whole at the end */
	}
	flush_buf(p, p->rep);
}

/* ---- one attempt ----------------------------------------------------- */

/* Closes t's socket and gives back its slot of the -j limit. */
static void drop_socket(struct probe *p, struct tgt *t)
{
	if (t->io.fd >= 0) {
		loop_del(&p->loop, &t->io);
		close(t->io.fd);
		t->io.fd = -1;
	}
	if (t->slot) {
		t->slot = 0;
		p->active--;
	}
}

static void attempt_clear(struct probe *p, struct tgt *t)
{
	t->resend_ns = 0;
	if (t->rq) {
		resolve_cancel(t->rq);
		t->rq = NULL;
		p->resolving--;
	}
	if (t->tls) {
		tls_free(t->tls);
		t->tls = NULL;
	}
	drop_socket(p, t);
	free(t->out);
	t->out = NULL;
	free(t->rbuf);
	t->rbuf = NULL;
	t->rlen = 0;
	free(t->hp);
	t->hp = NULL;
}

static void finish_target(struct probe *p, struct tgt *t, int ok)
{
	t->state = TS_DONE;
	t->ok = ok;
	t->done_ns = clock_mono_ns() - p->start_ns;
	p->done++;
	if (ok)
		p->passed++;
	report_result(p, t);
}

/* The attempt ended: pass (check_ok) or fail with an error code and a
 * reason.  Decide the target, or schedule its retry (--wait). */
static void attempt_end(struct probe *p, struct tgt *t, int check_ok,
                        const char *error, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void attempt_end(struct probe *p, struct tgt *t, int check_ok,
                        const char *error, const char *fmt, ...)
{
	int64_t now = clock_mono_ns();
	/* the arguments may point into the attempt's state (a TLS error
	 * text): format them before attempt_clear() frees it */
	char why[sizeof t->reason] = "";
	if (!check_ok && fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	attempt_clear(p, t);
	t->time_ns = now - t->start_ns;
	t->reason[0] = 0;
	t->error = NULL;
	if (check_ok && t->max_rtt_ns >= 0 && t->time_ns > t->max_rtt_ns) {
		check_ok = 0;
		error = "max_rtt";
		snprintf(t->reason, sizeof t->reason, "took %.3f ms, above --max-rtt %.3f ms",
		         (double)t->time_ns / 1e6, (double)t->max_rtt_ns / 1e6);
	} else if (!check_ok) {
		memcpy(t->reason, why, sizeof t->reason);
	}
	t->check_ok = check_ok;
	if (check_ok) {
		p->received++;
		stats_add(p->rtt, t->time_ns);
	}
	int pass = p->o.invert ? !check_ok : check_ok;
	if (!pass) {
		if (p->o.invert) {
			error = "up";
			snprintf(t->reason, sizeof t->reason, "reachable (--invert expects it down)");
		}
		t->error = error ? error : "failed";
		if (!t->reason[0])
			snprintf(t->reason, sizeof t->reason, "failed");
	} else if (p->o.invert && t->reason[0]) {
		/* down, as wanted: say how it was seen down */
		char down[sizeof t->reason];
		memcpy(down, t->reason, sizeof down);
		snprintf(t->reason, sizeof t->reason, "down: %.100s", down);
	} else {
		t->reason[0] = 0;
	}
	if (pass || !p->o.wait) {
		finish_target(p, t, pass);
		return;
	}
	/* --wait: retry after a backoff step (tick() ends everything at
	 * --timeout, even when a retry was due later) */
	t->state = TS_PENDING;
	t->next_ns = now + backoff_delay(p->o.interval_ns, p->o.max_interval_ns,
	                                 t->attempts, backoff_rand(&p->rng));
	live_retry(p, t);
}

static void fail_errno(struct probe *p, struct tgt *t, int e, const char *what)
{
	const char *code = e == ECONNREFUSED ? "refused"
	                   : e == ETIMEDOUT ? "timeout"
	                   : e == ENOENT ? "no_such_file"
	                   : e == EHOSTUNREACH || e == ENETUNREACH ? "unreachable"
	                   : "connect";
	if (what)
		attempt_end(p, t, 0, code, "%s: %s", what, strerror(e));
	else
		attempt_end(p, t, 0, code, "%s", strerror(e));
}

/* Printable preview of received bytes for a mismatch reason. */
static void preview(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : 'n';
		} else if (c < 0x20 || c >= 0x7f || c == '"') {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
}

static void want(struct probe *p, struct tgt *t, uint32_t ev)
{
	if (loop_mod(&p->loop, &t->io, ev) < 0)
		fail_errno(p, t, errno, "epoll");
}

static const char *status_text(const struct tgt *t, char *buf, size_t n)
{
	return status_set_format(t->status, buf, n);
}

static void http_decide(struct probe *p, struct tgt *t)
{
	char set[96];
	if (!status_set_has(t->status, t->http_code)) {
		attempt_end(p, t, 0, "http_status", "status %d, expected %s",
		            t->http_code, status_text(t, set, sizeof set));
		return;
	}
	if (p->o.header && !t->header_ok) {
		attempt_end(p, t, 0, "header_match", "no header matching '%s'", p->o.header);
		return;
	}
	if (p->o.body) {
		int hit;
		const char *b = t->rbuf ? t->rbuf : "";
		if (p->o.regex)
			hit = regexec(&p->body_re, b, 0, NULL, 0) == 0;
		else
			hit = memmem(b, t->rlen, p->o.body, strlen(p->o.body)) != NULL;
		if (!hit) {
			attempt_end(p, t, 0, "body_match", "body does not match '%s'", p->o.body);
			return;
		}
	}
	attempt_end(p, t, 1, NULL, NULL);
}

static int header_matches(struct probe *p, const struct http_event *ev)
{
	size_t nl = strlen(p->header_name);
	if (ev->len != nl || strncasecmp(ev->data, p->header_name, nl))
		return 0;
	char v[1024];
	size_t vl = ev->value_len < sizeof v - 1 ? ev->value_len : sizeof v - 1;
	memcpy(v, ev->value, vl);
	v[vl] = 0;
	if (p->o.regex)
		return regexec(&p->header_re, v, 0, NULL, 0) == 0;
	return strstr(v, p->header_text) != NULL;
}

/* Feed received bytes (or EOF when n == 0) to the HTTP parser. */
static void http_feed(struct probe *p, struct tgt *t, const char *b, size_t n)
{
	struct http_event ev;
	if (n == 0) {
		http_parse_eof(t->hp, &ev);
		if (ev.type == HTTP_EV_ERROR)
			attempt_end(p, t, 0, "http", "%s", http_strerror(ev.err));
		else
			http_decide(p, t);
		return;
	}
	for (;;) {
		size_t used = http_parse_feed(t->hp, b, n, &ev);
		b += used;
		n -= used;
		switch (ev.type) {
		case HTTP_EV_NONE:
			return;
		case HTTP_EV_ERROR:
			attempt_end(p, t, 0, "http", "%s", http_strerror(ev.err));
			return;
		case HTTP_EV_HEADER:
			if (p->o.header && !t->hp->interim && header_matches(p, &ev))
				t->header_ok = 1;
			break;
		case HTTP_EV_HEADERS_DONE:
			if (t->hp->interim)
				break;
			t->http_code = t->hp->status;
			if (!p->o.body || !status_set_has(t->status, t->http_code)) {
				http_decide(p, t);
				return;
			}
			break;
		case HTTP_EV_BODY:
			if (t->rlen < BODY_MAX) {
				if (!t->rbuf && !(t->rbuf = malloc(BODY_MAX + 1))) {
					attempt_end(p, t, 0, "oom", "out of memory");
					return;
				}
				size_t k = ev.len < BODY_MAX - t->rlen ? ev.len : BODY_MAX - t->rlen;
				memcpy(t->rbuf + t->rlen, ev.data, k);
				t->rlen += k;
				t->rbuf[t->rlen] = 0;
			}
			break;
		case HTTP_EV_DONE:
			http_decide(p, t);
			return;
		default:
			break;
		}
	}
}

/* Bytes for --expect / udp echo: keep at most RBUF_MAX. */
static void expect_feed(struct probe *p, struct tgt *t, const char *b, size_t n)
{
	if (!t->rbuf && !(t->rbuf = malloc(RBUF_MAX + 1))) {
		attempt_end(p, t, 0, "oom", "out of memory");
		return;
	}
	size_t k = n < RBUF_MAX - t->rlen ? n : RBUF_MAX - t->rlen;
	memcpy(t->rbuf + t->rlen, b, k);
	t->rlen += k;
	if (memmem(t->rbuf, t->rlen, t->expect, t->expect_len)) {
		attempt_end(p, t, 1, NULL, NULL);
		return;
	}
	if (t->rlen == RBUF_MAX) {
		char pv[64];
		preview(t->rbuf, 16, pv, sizeof pv);
		attempt_end(p, t, 0, "mismatch", "expected bytes not in the first %d received (\"%s\"...)",
		            RBUF_MAX, pv);
	}
}

/* TLS_WANT_READ/WRITE -> the events to wait for; -1 for TLS_ERR. */
static int tls_want(struct probe *p, struct tgt *t, ssize_t r)
{
	if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
		want(p, t, r == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 0;
	}
	attempt_end(p, t, 0, "tls", "%s", tls_errmsg(t->tls));
	return -1;
}

static void recv_ready(struct probe *p, struct tgt *t)
{
	ssize_t n;
	if (t->tls) {
		n = tls_read(t->tls, rx, sizeof rx);
		if (n < 0) {
			tls_want(p, t, n);
			return;
		}
	} else {
		n = recv(t->io.fd, rx, sizeof rx, 0);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		fail_errno(p, t, errno, t->scheme == PT_UDP ? "no echo" : "receive");
		return;
	}
	int dgram = t->scheme == PT_UDP ||
	            (t->scheme == PT_UNIX && t->unix_try == PT_UNIX_DGRAM);
	if (is_http(t->scheme)) {
		http_feed(p, t, rx, (size_t)n);
		return;
	}
	if (n == 0 && !dgram) {
		char pv[64];
		preview(t->rbuf ? t->rbuf : "", t->rlen < 24 ? t->rlen : 24, pv, sizeof pv);
		attempt_end(p, t, 0, "mismatch", "closed before the expected bytes (got \"%s\")", pv);
		return;
	}
	if (!t->expect) {
		/* udp echo: the datagram must come back as sent */
		if ((size_t)n == t->out_len && !memcmp(rx, t->out, t->out_len))
			attempt_end(p, t, 1, NULL, NULL);
		else
			attempt_end(p, t, 0, "mismatch", "reply differs from the probe sent");
		return;
	}
	expect_feed(p, t, rx, (size_t)n);
}

/* udp: the same datagram again, UDP_COPIES in all, evenly over the
 * attempt's deadline, so one lost datagram does not fail the check. */
static int64_t udp_resend_step(const struct tgt *t)
{
	return (t->deadline_ns - t->start_ns) / UDP_COPIES;
}

static void udp_resend(struct probe *p, struct tgt *t, int64_t now)
{
	t->resends++;
	t->resend_ns = t->resends + 1 < UDP_COPIES ? now + udp_resend_step(t) : 0;
	if (send(t->io.fd, t->out, t->out_len, MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN && errno != ENOBUFS)
		fail_errno(p, t, errno, "send");
}

static void after_send(struct probe *p, struct tgt *t)
{
	if (is_http(t->scheme) || t->expect || t->scheme == PT_UDP) {
		t->phase = PH_RECV;
		if (t->scheme == PT_UDP) {
			t->resends = 0;
			t->resend_ns = clock_mono_ns() + udp_resend_step(t);
		}
		want(p, t, EPOLLIN);
	} else {
		attempt_end(p, t, 1, NULL, NULL);
	}
}

static void send_ready(struct probe *p, struct tgt *t)
{
	while (t->out_off < t->out_len) {
		ssize_t n;
		if (t->tls) {
			n = tls_write(t->tls, t->out + t->out_off, t->out_len - t->out_off);
			if (n < 0) {
				tls_want(p, t, n);
				return;
			}
		} else {
			n = send(t->io.fd, t->out + t->out_off, t->out_len - t->out_off,
			         MSG_NOSIGNAL);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail_errno(p, t, errno, "send");
			return;
		}
		t->out_off += (size_t)n;
	}
	after_send(p, t);
}

static int build_output(struct tgt *t)
{
	if (is_http(t->scheme)) {
		char auth[PT_HOST_MAX + 16];
		int v6 = strchr(t->host, ':') != NULL;
		if (t->port == (t->scheme == PT_HTTP ? 80 : 443))
			snprintf(auth, sizeof auth, v6 ? "[%s]" : "%s", t->host);
		else
			snprintf(auth, sizeof auth, v6 ? "[%s]:%u" : "%s:%u", t->host,
			         (unsigned)t->port);
		size_t cap = strlen(t->path) + strlen(auth) + 128;
		if (!(t->out = malloc(cap)))
			return -1;
		int n = snprintf(t->out, cap,
		                 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sockbox-probe/"
		                 SOCKBOX_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		                 t->path, auth);
		t->out_len = n > 0 ? (size_t)n : 0;
		if (!(t->hp = malloc(sizeof *t->hp)))
			return -1;
		http_parse_init(t->hp, 0);
		t->header_ok = 0;
	} else if (t->send) {
		if (!(t->out = malloc(t->send_len + 1)))
			return -1;
		memcpy(t->out, t->send, t->send_len);
		t->out_len = t->send_len;
	} else if (t->scheme == PT_UDP) {
		/* udp-echo's probe (seqtrack.h wire format), 64 bytes */
		struct probe_hdr h = { backoff_rand(&t->p->rng), t->attempts,
		                       clock_mono_ns() };
		if (!(t->out = malloc(64)))
			return -1;
		t->out_len = (size_t)probe_encode((unsigned char *)t->out, 64, &h);
	}
	t->out_off = 0;
	return 0;
}

static void send_start(struct probe *p, struct tgt *t);

static void handshake(struct probe *p, struct tgt *t)
{
	int r = tls_handshake(t->tls);
	if (r == 0)
		send_start(p, t);
	else
		tls_want(p, t, r);
}

static void connected(struct probe *p, struct tgt *t)
{
	if (t->scheme == PT_HTTPS) {
		t->tls = tls_new(p->tls_ctx, t->io.fd, t->host);
		if (!t->tls) {
			attempt_end(p, t, 0, "tls", "TLS set-up failed");
			return;
		}
		t->phase = PH_HANDSHAKE;
		handshake(p, t);
		return;
	}
	send_start(p, t);
}

static void send_start(struct probe *p, struct tgt *t)
{
	if (build_output(t) < 0) {
		attempt_end(p, t, 0, "oom", "out of memory");
		return;
	}
	if (t->out_len) {
		t->phase = PH_SEND;
		send_ready(p, t);   /* usually all fits at once */
		if (t->state == TS_ACTIVE && t->phase == PH_SEND)
			want(p, t, EPOLLOUT);
		return;
	}
	after_send(p, t);
}

static int unix_socktype(int try)
{
	return try == PT_UNIX_SEQPACKET ? SOCK_SEQPACKET
	       : try == PT_UNIX_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
}

static void start_connect(struct probe *p, struct tgt *t);
static int next_addr(struct probe *p, struct tgt *t);

static void tgt_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct tgt *t = (struct tgt *)io;
	struct probe *p = t->p;
	(void)l;
	if (t->phase == PH_CONNECT) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err) {
			if (!next_addr(p, t))
				fail_errno(p, t, err, NULL);
			return;
		}
		if (!(ev & EPOLLOUT)) {
			if (ev & (EPOLLERR | EPOLLHUP))
				attempt_end(p, t, 0, "connect", "connection closed while connecting");
			return;
		}
		connected(p, t);
		return;
	}
	if (t->phase == PH_HANDSHAKE) {
		handshake(p, t);
		return;
	}
	if (t->phase == PH_SEND) {
		send_ready(p, t);
		return;
	}
	recv_ready(p, t);
}

static void icmp_send(struct probe *p, struct tgt *t)
{
	int v6 = t->addr.ss.ss_family == AF_INET6;
	if (p->icmp[v6].io.fd < 0) {
		attempt_end(p, t, 0, "permission",
		            "no ICMP socket: %s (allow the group in net.ipv4.ping_group_range, "
		            "or give CAP_NET_RAW)", strerror(p->icmp_errno[v6]));
		return;
	}
	uint8_t pkt[ICMP_HDR_LEN + ICMP_DATALEN];
	t->icmp_seq = ++p->icmp_seq;
	size_t len = icmp_echo_build(pkt, sizeof pkt, v6, p->icmp_id, t->icmp_seq,
	                             ICMP_DATALEN, NULL, 0, clock_mono_ns());
	if (sendto(p->icmp[v6].io.fd, pkt, len, 0, (struct sockaddr *)&t->addr.ss,
	           t->addr.len) < 0)
		fail_errno(p, t, errno, "send");
	else {
		/* an echo in flight takes a -j slot, though no descriptor */
		t->phase = PH_RECV;
		t->slot = 1;
		p->active++;
	}
}

static struct tgt *icmp_find(struct probe *p, uint16_t seq, int raw, uint16_t id)
{
	if (raw && id != p->icmp_id)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		struct tgt *t = &p->t[i];
		if (t->scheme == PT_ICMP && t->state == TS_ACTIVE &&
		    t->phase == PH_RECV && t->icmp_seq == seq)
			return t;
	}
	return NULL;
}

static void icmp_cb(struct loop *l, struct loop_io *io, uint32_t ev)
{
	struct icmp_sock *is = (struct icmp_sock *)io;
	struct probe *p = is->p;
	int v6 = is->v6;
	(void)l;
	(void)ev;
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(io->fd, rx, sizeof rx, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		struct icmp_msg m;
		enum icmp_form form = v6 ? ICMP_V6 : p->icmp_raw[0] ? ICMP_V4_RAW : ICMP_V4_DGRAM;
		enum icmp_kind kind = icmp_parse(form, (const uint8_t *)rx, (size_t)n, &m);
		if (kind == ICMP_REPLY) {
			struct tgt *t = icmp_find(p, m.seq, p->icmp_raw[v6], m.id);
			if (t && addr_equal((struct sockaddr *)&from, (struct sockaddr *)&t->addr.ss))
				attempt_end(p, t, 1, NULL, NULL);
		} else if (kind == ICMP_ERROR) {
			struct tgt *t = icmp_find(p, m.seq, p->icmp_raw[v6], m.id);
			char txt[96];
			if (t) {
				char from_s[ADDR_STRLEN];
				icmp_error_text(v6, m.type, m.code, m.info, txt, sizeof txt);
				attempt_end(p, t, 0, "unreachable", "from %s: %s",
				            addr_format_host((struct sockaddr *)&from, from_s,
				                             sizeof from_s), txt);
			}
		}
	}
}


static int open_socket(struct probe *p, struct tgt *t, int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && p->active > 0) {
		/* Out of descriptors: run fewer at once and wait for a slot. */
		unsigned c = p->active;
		if (c < p->conc) {
			if (!p->lowered_note && !p->o.quiet)
				err_msg("note: out of descriptors: at most %u check%s at once",
				        c, c == 1 ? "" : "s");
			p->lowered_note = 1;
			p->conc = c;
		}
		return -2;
	}
	return fd;
}

/* A connect failed: with another address of the name left, close this
 * socket and connect to that one within the same attempt (1), else 0. */
static int next_addr(struct probe *p, struct tgt *t)
{
	if (t->phase != PH_CONNECT || t->addr_i + 1 >= t->naddrs)
		return 0;
	drop_socket(p, t);
	t->addr = t->addrs[++t->addr_i];
	start_connect(p, t);
	return 1;
}

/* Connect t->io.fd (a new socket) to t->addr. */
static void start_connect(struct probe *p, struct tgt *t)
{
	int family = t->addr.ss.ss_family;
	int type = t->scheme == PT_UDP ? SOCK_DGRAM
	           : t->scheme == PT_UNIX ? unix_socktype(t->unix_try) : SOCK_STREAM;
	int fd = open_socket(p, t, family, type);
	if (fd == -2) {
		/* back to the queue; this attempt does not count */
		t->state = TS_PENDING;
		t->attempts--;
		p->transmitted--;
		t->next_ns = 0;
		return;
	}
	if (fd < 0) {
		fail_errno(p, t, errno, "socket");
		return;
	}
	t->io.fd = fd;
	t->io.cb = tgt_cb;
	t->slot = 1;
	p->active++;
	if (family == AF_UNIX && type == SOCK_DGRAM && (t->expect || t->send)) {
		/* autobind so a reply can come back */
		sa_family_t fam = AF_UNIX;
		if (bind(fd, (struct sockaddr *)&fam, sizeof fam) < 0) {
			fail_errno(p, t, errno, "bind");
			return;
		}
	}
	t->phase = PH_CONNECT;
	int r = connect(fd, (struct sockaddr *)&t->addr.ss, t->addr.len);
	/* auto: a path socket of another type says EPROTOTYPE; an abstract
	 * name is looked up per type, so there it is ECONNREFUSED */
	if (r < 0 && (errno == EPROTOTYPE ||
	              (errno == ECONNREFUSED && t->host[0] == '@')) &&
	    t->unix_type == PT_UNIX_AUTO && t->unix_try < PT_UNIX_DGRAM) {
		/* auto: the socket is of another type; try the next one */
		attempt_clear(p, t);
		t->unix_try++;
		start_connect(p, t);
		return;
	}
	if (r < 0 && errno != EINPROGRESS) {
		int e = errno;
		if (family == AF_UNIX && e == EAGAIN)
			attempt_end(p, t, 0, "connect", "backlog full");
		else if (!next_addr(p, t))
			fail_errno(p, t, e, NULL);
		return;
	}
	if (loop_add(&p->loop, &t->io, r < 0 ? EPOLLOUT : EPOLLIN) < 0) {
		fail_errno(p, t, errno, "epoll");
		return;
	}
	if (r == 0)
		connected(p, t);
}

/* Numeric hosts and unix paths need no lookup. */
static int resolve_now(struct tgt *t)
{
	if (t->scheme == PT_UNIX)
		return addr_unix(t->host, &t->addr) == 0 ? 0 : -1;
	return addr_numeric(t->host, t->port, &t->addr);
}

static int needs_lookup(const struct tgt *t)
{
	struct sb_addr a;
	return t->scheme != PT_UNIX && addr_numeric(t->host, t->port, &a) < 0;
}

static void after_resolve(struct probe *p, struct tgt *t)
{
	if (t->scheme == PT_ICMP)
		icmp_send(p, t);
	else
		start_connect(p, t);
}

static void resolved(struct resolve_req *q, int err, struct addrinfo *res,
                     void *ctx)
{
	struct tgt *t = ctx;
	struct probe *p = t->p;
	(void)q;
	t->rq = NULL;
	p->resolving--;
	if (err || !res) {
		if (res)
			freeaddrinfo(res);
		attempt_end(p, t, 0, "resolve", "could not resolve '%s': %s", t->host,
		            addr_strerror(err ? err : EAI_NONAME));
		return;
	}
	/* keep up to ADDRS_MAX addresses in getaddrinfo's (RFC 6724) order;
	 * a connect that fails moves on to the next (localhost may be ::1
	 * first while the service listens on 127.0.0.1 only) */
	free(t->addrs);
	t->addrs = calloc(ADDRS_MAX, sizeof *t->addrs);
	t->naddrs = 0;
	for (struct addrinfo *ai = res; ai && t->addrs && t->naddrs < ADDRS_MAX;
	     ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof t->addrs[0].ss)
			continue;
		memcpy(&t->addrs[t->naddrs].ss, ai->ai_addr, ai->ai_addrlen);
		t->addrs[t->naddrs++].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (t->naddrs == 0) {
		attempt_end(p, t, 0, "resolve", "could not resolve '%s': %s", t->host,
		            t->addrs ? "no usable address" : "out of memory");
		return;
	}
	t->addr_i = 0;
	t->addr = t->addrs[0];
	t->have_addr = 1;
	after_resolve(p, t);
}

static void start_attempt(struct probe *p, struct tgt *t, int64_t now)
{
	t->state = TS_ACTIVE;
	t->attempts++;
	p->transmitted++;
	t->start_ns = now;
	int64_t to = t->timeout_ns >= 0 ? t->timeout_ns : p->o.attempt_ns;
	t->deadline_ns = now + to;
	if (p->o.wait && t->deadline_ns > p->wait_deadline)
		t->deadline_ns = p->wait_deadline;
	t->unix_try = t->unix_type == PT_UNIX_AUTO ? PT_UNIX_STREAM : (int)t->unix_type;
	if (!t->have_addr && resolve_now(t) == 0)
		t->have_addr = 1;
	if (t->naddrs) {
		t->addr_i = 0;
		t->addr = t->addrs[0];
	}
	if (t->have_addr) {
		after_resolve(p, t);
		return;
	}
	/* a name: look it up in the loop, bounded by this attempt's deadline */
	t->phase = PH_RESOLVE;
	int st = t->scheme == PT_UDP || t->scheme == PT_ICMP ? SOCK_DGRAM : SOCK_STREAM;
	t->rq = p->rv ? resolve_start(p->rv, t->host, t->port, AF_UNSPEC, st,
	                              resolved, t)
	              : NULL;
	if (!t->rq) {
		attempt_end(p, t, 0, "resolve", "could not resolve '%s': %s", t->host,
		            strerror(p->rv ? errno : ENOSYS));
		return;
	}
	p->resolving++;
}

/* ---- the loop -------------------------------------------------------- */

/* "timed out connecting": what the attempt was doing at its deadline. */
static const char *phase_text(const struct tgt *t)
{
	switch (t->phase) {
	case PH_RESOLVE: return "resolving the name";
	case PH_CONNECT: return "connecting";
	case PH_HANDSHAKE: return "in the TLS handshake";
	case PH_SEND: return "sending";
	case PH_RECV:
		return is_http(t->scheme) ? "waiting for the response"
		       : t->expect ? "waiting for the expected bytes" : "waiting for a reply";
	}
	return "";
}

enum cancel { CANCEL_SKIP, CANCEL_TIMEOUT, CANCEL_SIGNAL };

/* End every undecided target: skipped (--any held), failed at --timeout,
 * or failed because a signal interrupted the run. */
static void cancel_rest(struct probe *p, const char *why, enum cancel how)
{
	int timed_out = how != CANCEL_SKIP;
	for (size_t i = 0; i < p->n; i++) {
		struct tgt *t = &p->t[i];
		if (t->state == TS_DONE)
			continue;
		int in_flight = t->state == TS_ACTIVE;
		attempt_clear(p, t);
		if (timed_out) {
			if (in_flight && !t->reason[0]) {
				t->time_ns = clock_mono_ns() - t->start_ns;
				t->error = "timeout";
				snprintf(t->reason, sizeof t->reason, "timed out %s", phase_text(t));
			}
			char last[sizeof t->reason];
			memcpy(last, t->reason, sizeof last);
			snprintf(t->reason, sizeof t->reason, "%s %s: %.70s",
			         p->o.invert ? "still up" : "still failing",
			         how == CANCEL_SIGNAL ? "when interrupted" : "at --timeout",
			         last[0] ? last : "not checked");
			if (how == CANCEL_SIGNAL)
				t->error = "interrupted";
			else if (!t->error)
				t->error = "timeout";
			finish_target(p, t, 0);
		} else {
			t->skipped = 1;
			snprintf(t->reason, sizeof t->reason, "%s", why);
			t->error = "skipped";
			finish_target(p, t, 0);
		}
	}
}

/* Is the condition decided?  Sets p->finished. */
static void check_finished(struct probe *p)
{
	if (p->o.wait && p->o.any && p->passed > 0) {
		cancel_rest(p, "not needed (--any)", CANCEL_SKIP);
		p->finished = 1;
		return;
	}
	if (p->done == p->n)
		p->finished = 1;
}

/* Expire attempts past their deadline, start attempts whose time has
 * come while slots are free; return the next deadline. */
static int64_t tick(struct probe *p)
{
	int64_t now = clock_mono_ns();
	if (p->o.wait && now >= p->wait_deadline) {
		cancel_rest(p, NULL, CANCEL_TIMEOUT);
		p->finished = 1;
		return -1;
	}
	int64_t next = p->o.wait ? p->wait_deadline : -1;
	for (size_t i = 0; i < p->n && !p->finished; i++) {
		struct tgt *t = &p->t[i];
		if (t->state == TS_ACTIVE) {
			if (now >= t->deadline_ns) {
				attempt_end(p, t, 0, "timeout", "timed out %s", phase_text(t));
				check_finished(p);
			} else if (t->resend_ns && now >= t->resend_ns) {
				udp_resend(p, t, now);
			}
		}
		if (t->state == TS_PENDING) {
			if (t->next_ns > now) {
				next = clock_min_deadline(next, t->next_ns);
				continue;
			}
			if (p->active + p->resolving >= p->conc)
				continue;
			start_attempt(p, t, now);
			check_finished(p);
		}
		if (t->state == TS_ACTIVE)
			next = clock_min_deadline(clock_min_deadline(next, t->deadline_ns),
			                          t->resend_ns ? t->resend_ns : -1);
		else if (t->state == TS_PENDING && t->next_ns > now)
			next = clock_min_deadline(next, t->next_ns);
	}
	if (p->live && p->bar)
		next = clock_min_deadline(next, now + 200 * NS_PER_MSEC);
	return next;
}

static void summarize(struct probe *p, struct pr_summary *s, int code)
{
	memset(s, 0, sizeof *s);
	s->targets = (unsigned)p->n;
	for (size_t i = 0; i < p->n; i++) {
		if (p->t[i].skipped)
			s->skipped++;
		else if (p->t[i].ok)
			s->passed++;
		else
			s->failed++;
	}
	s->transmitted = p->transmitted;
	s->received = p->received;
	s->have_rtt = p->rtt->n > 0;
	if (s->have_rtt) {
		s->rtt_min_ms = (double)p->rtt->min_ns / 1e6;
		s->rtt_avg_ms = stats_avg_ns(p->rtt) / 1e6;
		s->rtt_max_ms = (double)p->rtt->max_ns / 1e6;
		s->rtt_mdev_ms = stats_mdev_ns(p->rtt) / 1e6;
	}
	s->time_ns = clock_mono_ns() - p->start_ns;
	s->exit = code;
}

static int verdict(const struct probe *p)
{
	size_t ok = 0;
	for (size_t i = 0; i < p->n; i++)
		ok += p->t[i].ok && !p->t[i].skipped;
	if (p->o.any)
		return ok > 0 ? 0 : 1;
	return ok == p->n ? 0 : 1;
}

static void report_end(struct probe *p, int code)
{
	struct pr_summary s;
	summarize(p, &s, code);
	if (p->live) {
		if (p->bar)
			live_bar(p, 1), fputs("\n", stdout);
		fflush(stdout);
	}
	switch (p->o.fmt) {
	case FMT_TEXT:
		pr_text_summary(&p->buf, &s);
		break;
	case FMT_JSON:
		pr_json_summary(&p->buf, &s);
		break;
	case FMT_TAP:
		break;
	case FMT_JUNIT: {
		struct pr_result *r = calloc(p->n ? p->n : 1, sizeof *r);
		char (*addr)[ADDR_STRLEN] = calloc(p->n ? p->n : 1, ADDR_STRLEN);
		if (!r || !addr)
			die(2, "out of memory");
		for (size_t i = 0; i < p->n; i++)
			fill_result(&p->t[i], &r[i], addr[i], ADDR_STRLEN);
		pr_junit(&p->buf, r, p->n, &s);
		free(r);
		free(addr);
		break;
	}
	}
	flush_buf(p, p->rep);
	if (p->live && p->rep != stdout && !p->o.quiet) {
		struct pr_buf lb = { 0 };
		pr_text_summary(&lb, &s);
		if (lb.buf)
			fputs(lb.buf, stdout);
		pr_buf_free(&lb);
		fflush(stdout);
	}
	if (p->rep != stdout && fclose(p->rep) != 0)
		die_sys(2, "%s", p->o.out_path);
}

/* ---- options --------------------------------------------------------- */

static enum fmt parse_format(const char *s)
{
	if (!strcmp(s, "text"))
		return FMT_TEXT;
	if (!strcmp(s, "json"))
		return FMT_JSON;
	if (!strcmp(s, "junit"))
		return FMT_JUNIT;
	if (!strcmp(s, "tap"))
		return FMT_TAP;
	usage_error("invalid format '%s' for --format (text, json, junit, tap)", s);
}

static void parse_args(struct probe *p, int argc, char **argv)
{
	struct probe_opts *o = &p->o;
	int64_t timeout = -1, attempt = -1;
	const char *status = NULL;
	const char *files[16];
	int nfiles = 0;
	char *tmp;

	/* "-- COMMAND ARGS": everything after the first "--" */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			o->cmd = &argv[i + 1];
			argc = i;
			break;
		}
	if (o->cmd && !o->cmd[0])
		usage_error("no COMMAND after '--'");
	o->jobs = 256;
	o->interval_ns = env_dur("PROBE_INTERVAL", 250 * NS_PER_MSEC);
	o->max_interval_ns = 2 * NS_PER_SEC;
	o->max_rtt_ns = -1;
	struct opt_state st;
	opt_init(&st);
	int c;
	while ((c = opt_next(&st, argc, argv, &help)) != -1) {
		switch (c) {
		case 'w': o->wait = 1; break;
		case OPT_ANY: o->any = 1; break;
		case OPT_INVERT: o->invert = 1; break;
		case 't': timeout = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC, 1LL << 50); break;
		case 'T': attempt = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC, 1LL << 50); break;
		case 'i': o->interval_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC, 1LL << 50); break;
		case OPT_MAXINT: o->max_interval_ns = opt_dur(&st, NS_PER_SEC, NS_PER_MSEC, 1LL << 50); break;
		case 'j': o->jobs = (unsigned)opt_u64(&st, 1, 100000); break;
		case 'f':
			if (nfiles == 16)
				usage_error("at most 16 -f files");
			files[nfiles++] = st.arg;
			break;
		case 's':
			o->send_len = unescape_opt(&st, &tmp);
			o->send = tmp;
			break;
		case 'e':
			o->expect_len = unescape_opt(&st, &tmp);
			if (!o->expect_len)
				usage_error("empty argument for %s", st.name);
			o->expect = tmp;
			break;
		case OPT_MAXRTT: o->max_rtt_ns = opt_dur(&st, NS_PER_SEC, 1, 1LL << 50); break;
		case OPT_STATUS: status = st.arg; break;
		case OPT_BODY: o->body = st.arg; break;
		case OPT_HEADER: o->header = st.arg; break;
		case 'E': o->regex = 1; break;
		case OPT_FORMAT: o->fmt = parse_format(st.arg); break;
		case OPT_JSON: o->fmt = FMT_JSON; break;
		case 'o': o->out_path = st.arg; break;
		case 'q': o->quiet = 1; break;
		case OPT_CACERT: o->tls.cafile = st.arg; break;
		case 'k': o->tls.insecure = 1; break;
		default: usage_error("unexpected option");
		}
	}
	if (timeout < 0)
		timeout = env_dur("PROBE_TIMEOUT", o->wait ? 30 * NS_PER_SEC : 5 * NS_PER_SEC);
	o->timeout_ns = timeout;
	if (attempt < 0)
		attempt = o->wait ? (timeout < 2 * NS_PER_SEC ? timeout : 2 * NS_PER_SEC) : timeout;
	o->attempt_ns = attempt;
	if (o->max_interval_ns < o->interval_ns)
		o->max_interval_ns = o->interval_ns;
	if (status) {
		if (status_set_parse(status, &o->status) < 0)
			usage_error("invalid status set '%s' for --status (e.g. 200-299,301)", status);
	} else {
		status_set_parse("200-299", &o->status);
	}
	if (o->body && o->regex)
		compile_re(p, &p->body_re, o->body, "--body-match");
	if (o->header) {
		const char *colon = strchr(o->header, ':');
		size_t nl = colon ? (size_t)(colon - o->header) : 0;
		if (!colon || nl == 0 || nl >= sizeof p->header_name)
			usage_error("invalid --header-match '%s' (expected 'NAME: TEXT')", o->header);
		memcpy(p->header_name, o->header, nl);
		p->header_name[nl] = 0;
		p->header_text = colon + 1 + strspn(colon + 1, " \t");
		if (o->regex)
			compile_re(p, &p->header_re, p->header_text, "--header-match");
	}
	static struct pt_target pt;
	for (int i = st.ind; i < argc; i++) {
		int r = pt_parse_url(argv[i], &pt);
		if (r)
			setup_fail(p, "usage", 1, 0, "invalid target '%s': %s", argv[i],
			           pt_strerror(r));
		add_target(p, &pt, argv[i], (size_t)(argc - st.ind));
	}
	for (int i = 0; i < nfiles; i++)
		read_file(p, files[i]);
	if (p->n == 0)
		setup_fail(p, "usage", 1, 0, "no targets");
	/* global defaults for what a line did not set */
	for (size_t i = 0; i < p->n; i++) {
		struct tgt *t = &p->t[i];
		if (t->max_rtt_ns < 0)
			t->max_rtt_ns = o->max_rtt_ns;
		if (!t->status)
			t->status = &o->status;
		if (!is_http(t->scheme) && t->scheme != PT_ICMP) {
			if (!t->send && o->send) {
				t->send = o->send;
				t->send_len = o->send_len;
			}
			if (!t->expect && o->expect) {
				t->expect = o->expect;
				t->expect_len = o->expect_len;
			}
		}
	}
}

/* The end of set-up: checks connect anywhere (TCP any port, UDP, UNIX
 * sockets, abstract ones too), lookups run in glibc's threads, https
 * reads /etc/localtime, the report goes to an open file.  With `--
 * COMMAND` the process will execve() the user's command, which would
 * inherit seccomp and Landlock: then only the capabilities are dropped
 * (sockbox(1), PRIVILEGES). */
static void probe_sandbox(struct probe *p)
{
	struct sandbox_policy sp = {
		.needs = SBX_CONNECT | SBX_DGRAM | SBX_RECONNECT | SBX_RESOLVER |
		         SBX_THREADS | SBX_TLS,
		.tcp_connect = SBX_TCP_ANY,
		.abstract_unix = 1,
		.exec_after = p->o.cmd != NULL,
	};
	sandbox_enter(&sp, 0);
}

/* Set-up, before the first network read: the report file, the event
 * loop, the ICMP sockets (CAP_NET_RAW for a raw one), libssl and the CA
 * files, the resolver; then every capability is dropped and the
 * concurrency fitted to the descriptors left. */
static void setup(struct probe *p)
{
	int need_icmp = 0, need_tls = 0, need_rv = 0;
	p->rep = stdout;
	if (p->o.out_path) {
		p->rep = fopen(p->o.out_path, "we");
		if (!p->rep)
			setup_fail(p, "io", 0, errno, "%s", p->o.out_path);
	}
	if (loop_init(&p->loop) < 0)
		setup_fail(p, "setup", 0, errno, "epoll");
	for (size_t i = 0; i < p->n; i++) {
		need_icmp |= p->t[i].scheme == PT_ICMP;
		need_tls |= p->t[i].scheme == PT_HTTPS;
		need_rv |= needs_lookup(&p->t[i]);
	}
	p->start_ns = clock_mono_ns();
	p->rng = (uint64_t)clock_wall_ns() ^ ((uint64_t)getpid() << 32);
	p->icmp_id = (uint16_t)backoff_rand(&p->rng);
	if (need_icmp)
		icmp_open(p);
	if (need_tls) {
		char err[TLS_ERRMSG_MAX];
		int code = 0;
		p->tls_ctx = tls_ctx_new(&p->o.tls, &code, err, sizeof err);
		if (!p->tls_ctx)
			setup_fail(p, "tls", 0, 0, "%s", err);
	}
	if (need_rv && !(p->rv = resolver_new(&p->loop)))
		setup_fail(p, "setup", 0, errno, "resolver");
	unsigned budget = fd_budget();
	p->conc = p->o.jobs < budget ? p->o.jobs : budget;
	probe_sandbox(p);
	if (p->conc < p->o.jobs && p->conc < p->n && !p->o.quiet)
		err_msg("note: descriptor limit: at most %u check%s at once (-j %u)",
		        p->conc, p->conc == 1 ? "" : "s", p->o.jobs);
}

/* The report's first lines and the live display. */
static void report_start(struct probe *p)
{
	size_t w = 0;
	p->live = !p->o.quiet && isatty(STDOUT_FILENO) &&
	          (p->o.fmt == FMT_TEXT || p->rep != stdout);
	for (size_t i = 0; i < p->n; i++) {
		size_t l = strlen(p->t[i].name);
		if (l > w)
			w = l;
	}
	p->width = (int)(w > 48 ? 48 : w);
	if (p->o.fmt == FMT_JSON)
		pr_json_start(&p->buf, (unsigned)p->n, p->o.wait ? "wait" : "check",
		              p->o.any, p->o.invert, p->conc);
	else if (p->o.fmt == FMT_TAP)
		pr_tap_start(&p->buf, (unsigned)p->n);
	flush_buf(p, p->rep);
	live_start(p);
}

/* Until every target is decided, --wait's condition holds or fails, or a
 * signal arrives. */
static void run(struct probe *p)
{
	p->wait_deadline = p->start_ns + p->o.timeout_ns;
	while (!p->finished) {
		int64_t next = tick(p);
		if (p->finished)
			break;
		if (p->done == p->n) {
			check_finished(p);
			continue;
		}
		if (loop_once(&p->loop, next) < 0)
			die_sys(2, "epoll_wait");
		if (sig_int) {
			/* SIGINT/SIGTERM: still write the report (the CI wants
			 * its JUnit file), then exit 130 */
			cancel_rest(p, NULL, CANCEL_SIGNAL);
			break;
		}
		check_finished(p);
		if (p->live && p->bar)
			live_bar(p, 0);
	}
}

static const int caught[] = { SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGALRM };

/* exec COMMAND with the signal dispositions probe was started with. */
static int exec_command(struct probe *p, const struct sigaction *orig)
{
	fflush(NULL);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &orig[i], NULL);
	execvp(p->o.cmd[0], p->o.cmd);
	int e = errno;
	err_num(e, "cannot run '%s'", p->o.cmd[0]);
	return e == ENOENT ? 127 : 126;
}

int probe_main(int argc, char **argv)
{
	static struct probe pr;
	static struct rtt_stats rtt;
	struct sigaction orig[sizeof caught / sizeof caught[0]];
	struct probe *p = &pr;

	p->rtt = &rtt;
	stats_init(p->rtt);
	p->icmp[0].io.fd = p->icmp[1].io.fd = -1;
	parse_args(p, argc, argv);
	setup(p);
	report_start(p);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], NULL, &orig[i]);
	sig_catch(0);
	run(p);
	int code = sig_int ? 130 : verdict(p);
	report_end(p, code);
	if (p->rv)
		resolver_free(p->rv);
	/* nothing of ours stays open, in an exec'd command or at exit */
	for (size_t i = 0; i < sizeof p->icmp / sizeof p->icmp[0]; i++)
		if (p->icmp[i].io.fd >= 0)
			close(p->icmp[i].io.fd);
	loop_free(&p->loop);
	if (code == 0 && p->o.cmd)
		return exec_command(p, orig);
	return code;
}
