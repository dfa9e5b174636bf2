/* err: one-write error messages; see err.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"

const char *applet_name = "sockbox";

static int json_errors;   /* err_json(): also an "error" line on stdout */

void err_json(int on)
{
	json_errors = on;
}

/* Keep at most `room` bytes of msg[0..len): when longer, the head and the
 * tail with "..." between, so the reason at the end is never lost. */
static size_t elide(char *out, const char *msg, size_t len, size_t room)
{
	/* out has room + 1 bytes: snprintf's NUL lands inside it */
	if (len <= room)
		return (size_t)snprintf(out, room + 1, "%.*s", (int)len, msg);
	if (room < 8)
		return (size_t)snprintf(out, room + 1, "%.*s", (int)room,
		                        msg + len - room);
	int head = (int)(room - 3) / 2, tail = (int)room - 3 - head;
	snprintf(out, room + 1, "%.*s...%.*s", head, msg, tail,
	         msg + len - (size_t)tail);
	return room;
}

/* The error line goes to stderr in one write: "applet: msg[: strerror]\n"
 * [+ hint], at most ERR_MAX - 1 bytes before the hint; a long message is
 * elided in the middle (never the strerror part).  Under err_json() and
 * with a machine code, the same text (no applet prefix) also becomes
 * {"type":"error","code":...,"message":...,"exit":status} on stdout. */
static void emit(int errnum, const char *code, int status, const char *hint,
                 const char *fmt, va_list ap)
{
	char small[4 * ERR_MAX], reason[128] = "", line[ERR_MAX + 256];
	char *msg = small, *big = NULL;
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	/* longer still: format it whole so its end (the reason) survives */
	if (n >= (int)sizeof small && (big = malloc((size_t)n + 1)) != NULL &&
	    vsnprintf(big, (size_t)n + 1, fmt, again) == n)
		msg = big;
	va_end(again);
	size_t mlen = n < 0 ? 0 : msg == big ? (size_t)n
	            : (size_t)n < sizeof small ? (size_t)n : sizeof small - 1;
	if (errnum)
		snprintf(reason, sizeof reason, ": %s", strerror(errnum));
	size_t rlen = strlen(reason);
	/* the applet name is at most 64 bytes here: ERR_MAX keeps room */
	int pre = snprintf(line, sizeof line, "%.64s: ", applet_name);
	size_t alen = pre > 2 ? (size_t)pre - 2 : 0;
	size_t len = alen + 2;
	size_t room = ERR_MAX - 2 - len - rlen;
	len += elide(line + len, msg, mlen, room);
	free(big);
	len += (size_t)snprintf(line + len, sizeof line - len, "%s", reason);
	if (code && json_errors) {
		struct json j;
		json_begin(&j);
		json_str(&j, "type", "error");
		json_str(&j, "code", code);
		json_strn(&j, "message", line + alen + 2, len - alen - 2);
		json_int(&j, "exit", status);
		json_end(&j, stdout);
	}
	line[len++] = '\n';
	if (hint) {
		int h = snprintf(line + len, sizeof line - len, "%s", hint);
		if (h > 0)
			len += (size_t)h < sizeof line - len ? (size_t)h
			                                      : sizeof line - len - 1;
	}
	fflush(stdout);
	ssize_t w;
	do
		w = write(STDERR_FILENO, line, len);
	while (w < 0 && errno == EINTR);
}

/* The machine code of a system error at set-up. */
static const char *errno_code(int e)
{
	switch (e) {
	case EPERM: case EACCES: return "permission";
	case ENOMEM: return "oom";
	case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH:
	case ENETUNREACH: case ETIMEDOUT: return "connect";
	default: return "setup";
	}
}

void err_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(0, NULL, 0, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_sys(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(saved, NULL, 0, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_num(int errnum, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(errnum, NULL, 0, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(0, "setup", status, NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void die_sys(int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(saved, errno_code(saved), status, NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void die_as(const char *code, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(0, code, status, NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void die_num_as(const char *code, int status, int errnum, const char *fmt,
                ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(errnum, code, status, NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void err_as(const char *code, int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(0, code, status, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_sys_as(const char *code, int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(saved, code, status, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void usage_error(const char *fmt, ...)
{
	char hint[128];
	snprintf(hint, sizeof hint, "Try '%.64s --help' for more information.\n",
	         applet_name);
	va_list ap;
	va_start(ap, fmt);
	emit(0, "usage", 2, hint, fmt, ap);
	va_end(ap);
	exit(2);
}
