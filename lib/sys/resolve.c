/* resolve: getaddrinfo_a() completions delivered through the loop; see
 * resolve.h.
 *
 * Ownership: a request belongs to glibc while its lookup runs and to the
 * shared `hub` (under hub->mu) once it completes.  The hub outlives the
 * resolver while lookups are in flight: refs counts the resolver plus
 * every request not yet freed. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "resolve.h"

#define HOST_MAX 256

struct hub {
	pthread_mutex_t mu;
	int efd;
	int refs;
	int closed;                  /* resolver freed: drop completions */
	struct resolve_req *done;    /* completed, not yet delivered (LIFO) */
};

struct resolve_req {
	struct gaicb gcb;            /* first: glibc writes ar_result here */
	struct gaicb *list[1];
	struct addrinfo hints;
	struct sigevent sev;
	char host[HOST_MAX];
	char port[8];
	struct hub *hub;
	struct resolver *rv;
	resolve_cb fn;
	void *ctx;
	int err;                     /* EAI_* result */
	int cancelled;               /* under hub->mu */
	int queued;                  /* on hub->done; under hub->mu */
	int numeric;                 /* answered without glibc's threads */
	struct resolve_req *next;
	struct resolve_req *prev_all, *next_all;  /* resolver's list (loop thread) */
};

struct resolver {
	struct loop_io io;           /* first: the loop hands us &io */
	struct loop *loop;
	struct hub *hub;
	struct resolve_req *all;     /* started, not yet delivered or cancelled */
};

static void hub_unref_locked(struct hub *h)
{
	/* called with h->mu held; unlocks (and frees) */
	int last = --h->refs == 0;
	pthread_mutex_unlock(&h->mu);
	if (last) {
		pthread_mutex_destroy(&h->mu);
		close(h->efd);
		free(h);
	}
}

static void req_free(struct resolve_req *q)
{
	if (q->gcb.ar_result)
		freeaddrinfo(q->gcb.ar_result);
	free(q);
}

static void kick(int efd)
{
	uint64_t one = 1;
	(void)!write(efd, &one, sizeof one);
}

/* Completion thread (glibc's SIGEV_THREAD): queue it or, if nobody
 * wants it any more, free it. */
static void on_complete(union sigval v)
{
	struct resolve_req *q = v.sival_ptr;
	struct hub *h = q->hub;

	pthread_mutex_lock(&h->mu);
	q->err = gai_error(&q->gcb);
	if (q->cancelled || h->closed) {
		req_free(q);
		hub_unref_locked(h);
		return;
	}
	q->queued = 1;
	q->next = h->done;
	h->done = q;
	kick(h->efd);
	pthread_mutex_unlock(&h->mu);
}

static void unlink_all(struct resolver *rv, struct resolve_req *q)
{
	if (q->prev_all)
		q->prev_all->next_all = q->next_all;
	else if (rv->all == q)
		rv->all = q->next_all;
	if (q->next_all)
		q->next_all->prev_all = q->prev_all;
	q->prev_all = q->next_all = NULL;
}

/* The analyzer cannot see the reference count: hub_unref_locked() frees
 * the hub only at zero, and the resolver's own reference (dropped last, in
 * resolver_free) keeps it above zero in both functions below. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
static void on_event(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct resolver *rv = (struct resolver *)io;
	struct hub *h = rv->hub;
	struct resolve_req *list, *rev = NULL;
	uint64_t n;

	(void)l;
	(void)events;
	(void)!read(h->efd, &n, sizeof n);
	pthread_mutex_lock(&h->mu);
	list = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->mu);
	while (list) {               /* deliver in completion order */
		struct resolve_req *next = list->next;
		list->next = rev;
		rev = list;
		list = next;
	}
	/* Each request in `rev` holds a reference, so h stays valid through
	 * the loop even when a callback frees the resolver (h->closed then
	 * set, and rv must not be touched). */
	while (rev) {
		struct resolve_req *q = rev;
		rev = q->next;
		pthread_mutex_lock(&h->mu);
		int skip = q->cancelled || h->closed;
		pthread_mutex_unlock(&h->mu);
		if (!skip) {
			struct addrinfo *res = q->err ? NULL : q->gcb.ar_result;
			unlink_all(rv, q);
			q->gcb.ar_result = NULL;
			q->fn(q, q->err, res, q->ctx);
		}
		pthread_mutex_lock(&h->mu);
		req_free(q);
		hub_unref_locked(h);
	}
}

struct resolver *resolver_new(struct loop *l)
{
	struct resolver *rv = calloc(1, sizeof *rv);
	struct hub *h = calloc(1, sizeof *h);

	if (!rv || !h)
		goto fail;
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0)
		goto fail;
	pthread_mutex_init(&h->mu, NULL);
	h->refs = 1;
	rv->hub = h;
	rv->loop = l;
	rv->io.fd = h->efd;
	rv->io.cb = on_event;
	if (loop_add(l, &rv->io, EPOLLIN) < 0) {
		int e = errno;
		pthread_mutex_destroy(&h->mu);
		close(h->efd);
		free(h);
		free(rv);
		errno = e;
		return NULL;
	}
	return rv;
fail:
	free(h);
	free(rv);
	errno = ENOMEM;
	return NULL;
}

/* A literal address: answer through the loop without glibc's threads. */
static int numeric_host(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[HOST_MAX];
	const char *pct = strchr(host, '%');

	if (inet_pton(AF_INET, host, buf) == 1)
		return 1;
	if (pct) {   /* zone: "fe80::1%eth0" */
		size_t n = (size_t)(pct - host);
		memcpy(tmp, host, n);
		tmp[n] = '\0';
		host = tmp;
	}
	return inet_pton(AF_INET6, host, buf) == 1;
}

struct resolve_req *resolve_start(struct resolver *rv, const char *host,
                                  uint16_t port, int family, int socktype,
                                  resolve_cb done, void *ctx)
{
	struct hub *h = rv->hub;
	struct resolve_req *q;

	if (strlen(host) >= HOST_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	memcpy(q->host, host, strlen(host) + 1);
	snprintf(q->port, sizeof q->port, "%u", (unsigned)port);
	q->hub = h;
	q->rv = rv;
	q->fn = done;
	q->ctx = ctx;
	q->hints.ai_family = family;
	q->hints.ai_socktype = socktype;
	q->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	q->gcb.ar_name = q->host;
	q->gcb.ar_service = q->port;
	q->gcb.ar_request = &q->hints;
	q->list[0] = &q->gcb;

	pthread_mutex_lock(&h->mu);
	h->refs++;
	pthread_mutex_unlock(&h->mu);
	if (numeric_host(host)) {
		q->numeric = 1;
		q->hints.ai_flags |= AI_NUMERICHOST;
		q->err = getaddrinfo(q->host, q->port, &q->hints, &q->gcb.ar_result);
		pthread_mutex_lock(&h->mu);
		q->queued = 1;
		q->next = h->done;
		h->done = q;
		kick(h->efd);
		pthread_mutex_unlock(&h->mu);
	} else {
		q->sev.sigev_notify = SIGEV_THREAD;
		q->sev.sigev_value.sival_ptr = q;
		q->sev.sigev_notify_function = on_complete;
		int r = getaddrinfo_a(GAI_NOWAIT, q->list, 1, &q->sev);
		if (r != 0) {
			pthread_mutex_lock(&h->mu);
			h->refs--;
			pthread_mutex_unlock(&h->mu);
			free(q);
			errno = r == EAI_MEMORY ? ENOMEM : EAGAIN;
			return NULL;
		}
	}
	q->next_all = rv->all;
	if (rv->all)
		rv->all->prev_all = q;
	rv->all = q;
	return q;
}

/* With hub->mu NOT held.  Marks q cancelled; frees it when glibc will
 * never call on_complete for it. */
static void cancel_one(struct hub *h, struct resolve_req *q)
{
	pthread_mutex_lock(&h->mu);
	q->cancelled = 1;
	int queued = q->queued;
	pthread_mutex_unlock(&h->mu);
	if (queued)
		return;   /* on the done list: the drain (or hub close) frees it */
	if (gai_cancel(&q->gcb) == EAI_CANCELED) {
		/* removed before it ran: no completion will come */
		pthread_mutex_lock(&h->mu);
		req_free(q);
		hub_unref_locked(h);
	}
	/* else running or finishing: on_complete sees `cancelled` and frees */
}

void resolve_cancel(struct resolve_req *q)
{
	unlink_all(q->rv, q);
	cancel_one(q->hub, q);
}

void resolver_free(struct resolver *rv)
{
	struct hub *h;
	struct resolve_req *list;

	if (!rv)
		return;
	h = rv->hub;
	while (rv->all) {
		struct resolve_req *q = rv->all;
		unlink_all(rv, q);
		cancel_one(h, q);
	}
	loop_del(rv->loop, &rv->io);
	pthread_mutex_lock(&h->mu);
	h->closed = 1;
	list = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->mu);
	while (list) {
		struct resolve_req *q = list;
		list = q->next;
		pthread_mutex_lock(&h->mu);
		req_free(q);
		hub_unref_locked(h);
	}
	pthread_mutex_lock(&h->mu);
	hub_unref_locked(h);
	free(rv);
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */
