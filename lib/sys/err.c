/* err: one-write error messages; see err.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

const char *applet_name = "sockbox";

/* Append to buf (capacity ERR_MAX - 1, one byte kept for '\n'). */
static size_t append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t append(char *buf, size_t len, const char *fmt, ...)
{
	size_t room = ERR_MAX - 1 - len;
	if (room <= 1)
		return len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	return len + ((size_t)n < room ? (size_t)n : room - 1);
}

static void emit(int errnum, const char *suffix, const char *fmt, va_list ap)
{
	char buf[ERR_MAX];
	size_t len = append(buf, 0, "%s: ", applet_name);
	int n = vsnprintf(buf + len, ERR_MAX - 1 - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < ERR_MAX - 1 - len ? (size_t)n : ERR_MAX - 2 - len;
	if (errnum)
		len = append(buf, len, ": %s", strerror(errnum));
	if (suffix)
		len = append(buf, len, "%s", suffix);
	buf[len++] = '\n';
	fflush(stdout);
	ssize_t w;
	do
		w = write(STDERR_FILENO, buf, len);
	while (w < 0 && errno == EINTR);
}

void err_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(0, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_sys(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(saved, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void err_num(int errnum, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(errnum, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(0, NULL, fmt, ap);
	va_end(ap);
	exit(code);
}

void die_sys(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	emit(saved, NULL, fmt, ap);
	va_end(ap);
	exit(code);
}

void usage_error(const char *fmt, ...)
{
	char hint[128];
	snprintf(hint, sizeof hint, "\nTry '%s --help' for more information.",
	         applet_name);
	va_list ap;
	va_start(ap, fmt);
	emit(0, hint, fmt, ap);
	va_end(ap);
	exit(2);
}
