/* sig: flag-only signal handlers and signalfd; see sig.h. */
#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sig.h"

volatile sig_atomic_t sig_int;
volatile sig_atomic_t sig_quit;
volatile sig_atomic_t sig_alrm;
volatile sig_atomic_t sig_last;

static void on_signal(int s)
{
	sig_last = s;
	if (s == SIGQUIT)
		sig_quit = 1;
	else if (s == SIGALRM)
		sig_alrm = 1;
	else
		sig_int = 1;
}

void sig_catch(int want_quit)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls see EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (want_quit)
		sigaction(SIGQUIT, &sa, NULL);
}

int sig_fd(const int *sigs)
{
	sigset_t set;
	sigemptyset(&set);
	for (; *sigs; sigs++)
		sigaddset(&set, *sigs);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	/* A background job inherits SIGINT ignored, and an ignored signal is
	 * discarded before it can reach a signalfd: take the default back
	 * (harmless now that the signals are blocked). */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&set, s) == 1)
			sigaction(s, &dfl, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int sig_fd_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;
	do
		n = read(fd, &si, sizeof si);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof si)
		return 0;
	return (int)si.ssi_signo;
}

int sig_stop_fd(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, 0 };
	return sig_fd(sigs);
}
