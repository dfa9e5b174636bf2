/* sig: signal handling that only sets flags (async-signal-safe), plus a
 * signalfd helper for event loops.  SIGPIPE is ignored by sig_setup(). */
#ifndef SB_SIG_H
#define SB_SIG_H

#include <signal.h>

/* Flags set by the handlers installed with sig_catch(). */
extern volatile sig_atomic_t sig_int;   /* SIGINT or SIGTERM seen */
extern volatile sig_atomic_t sig_quit;  /* SIGQUIT seen (cleared by reader) */
extern volatile sig_atomic_t sig_alrm;  /* SIGALRM seen */
extern volatile sig_atomic_t sig_last;  /* last signal number caught */

/* Ignore SIGPIPE; install flag handlers (no SA_RESTART, so blocking calls
 * return EINTR) for SIGINT, SIGTERM, SIGQUIT when want_quit, SIGALRM. */
void sig_catch(int want_quit);
/* Block the given 0-terminated list of signals, reset their disposition
 * to the default (an inherited SIG_IGN would discard them), and return a
 * nonblocking CLOEXEC signalfd for them (-1 on error). */
int sig_fd(const int *sigs);
/* sig_fd() for the signals that stop every applet: SIGINT and SIGTERM. */
int sig_stop_fd(void);
/* Read one pending signal from a signalfd: signal number, 0 if none. */
int sig_fd_read(int fd);

#endif
