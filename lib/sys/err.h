/* err: the one way sockbox reports errors.
 *
 * Every message is "APPLET: text[: strerror]\n" written with a single
 * write(2) so lines from forked children never interleave.  Library code
 * never calls these to exit; only applet setup code uses die*() and
 * usage_error().  Messages are truncated to ERR_MAX bytes. */
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

/* "applet: msg\nTry 'applet --help' for more information.\n", exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#endif
