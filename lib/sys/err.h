/* err: the one way sockbox reports errors.
 *
 * Every message is "APPLET: text[: strerror]\n" written with a single
 * write(2) so lines from forked children never interleave.  Library code
 * never calls these to exit; only applet setup code uses die*() and
 * usage_error().  A line is at most ERR_MAX - 1 bytes: a longer message
 * loses its middle ("head...tail"), never its end or the strerror text.
 *
 * Under --json (err_json(1)), every die*() and usage_error() also writes
 * {"type":"error","code":CODE,"message":TEXT,"exit":STATUS} on stdout
 * (sockbox-json(7)): TEXT is the stderr line without "applet: ".  CODE:
 * usage_error() "usage"; die() "setup"; die_sys() from errno
 * ("permission", "oom", "connect", else "setup"); die_as() the caller's.
 *
 * Error-return convention of this layer (lib/sys): functions return -1
 * with errno set (or a negative errno where the header says so); they
 * never print or exit, except err.c's die*()/usage_error() and opt.c's
 * option checks, which only applet set-up calls. */
#ifndef SB_ERR_H
#define SB_ERR_H

#include <stdarg.h>

#define ERR_MAX 1024

/* Name of the running applet (set by main before dispatch). */
extern const char *applet_name;

/* "applet: msg\n" */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "applet: msg: strerror(errno)\n"; errno is preserved. */
void err_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same with an explicit error number. */
void err_num(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void die(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void die_sys(int code, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* die() with an explicit machine code ("resolve", "connect", ...). */
void die_as(const char *code, int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void die_num_as(const char *code, int status, int errnum, const char *fmt,
                ...) __attribute__((noreturn, format(printf, 4, 5)));

/* Non-exiting twins for glue that returns the status itself: the same
 * stderr line, and under err_json() the error line with CODE and STATUS;
 * errno is preserved.  err_sys_as() appends strerror(errno). */
void err_as(const char *code, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_sys_as(const char *code, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set once the applet knows its output is JSON Lines (--json). */
void err_json(int on);

/* "applet: msg\nTry 'applet --help' for more information.\n", exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#endif
