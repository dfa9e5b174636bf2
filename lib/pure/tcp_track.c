/* tcp_track: see tcp_track.h. */
#include "tcp_track.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { F_USED = 1, F_ATLEAST = 2, F_DESTROYED = 4, F_GONE = 8 };

/* Snapshots a vanished cookie is remembered for, so that a destroy
 * notification arriving after the snapshot that no longer showed the
 * socket does not report the close twice. */
#define GONE_KEEP 3u

struct track_ent {
	uint64_t cookie;
	int64_t since_ns;          /* first snapshot showing this state */
	int64_t destroy_ns;
	uint32_t next_k, next_t;   /* chains: slot index + 1, 0 ends */
	uint32_t gen;              /* last snapshot that showed it */
	uint32_t ifindex, inode, uid;
	uint16_t sport, dport;
	uint8_t family, state, flags;
	uint8_t src[16], dst[16];
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint64_t tuple_hash(uint8_t family, const uint8_t *src,
                           const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	uint64_t h = (uint64_t)family << 32 | (uint64_t)sport << 16 | dport;
	h = mix64(h ^ load64(src));
	h = mix64(h ^ load64(dst));
	if (family == AF_INET6) {
		h = mix64(h ^ load64(src + 8));
		h = mix64(h ^ load64(dst + 8));
	}
	return h;
}

static int same_tuple(const struct track_ent *e, const struct diag_sock *s)
{
	return e->family == s->family && e->sport == s->sport &&
	       e->dport == s->dport && memcmp(e->src, s->src, 16) == 0 &&
	       memcmp(e->dst, s->dst, 16) == 0;
}

static size_t key_bucket(const struct tcp_track *t, const struct diag_sock *s)
{
	uint64_t h = t->by_cookie ? mix64(s->cookie)
	             : tuple_hash(s->family, s->src, s->dst, s->sport, s->dport);
	return (size_t)h & (t->nbk - 1);
}

static size_t tup_bucket(const struct tcp_track *t, const struct track_ent *e)
{
	return (size_t)tuple_hash(e->family, e->src, e->dst, e->sport, e->dport)
	       & (t->nbk - 1);
}

static size_t ent_key_bucket(const struct tcp_track *t, const struct track_ent *e)
{
	if (t->by_cookie)
		return (size_t)mix64(e->cookie) & (t->nbk - 1);
	return tup_bucket(t, e);
}

static void link_ent(struct tcp_track *t, uint32_t i)
{
	struct track_ent *e = &t->ents[i];
	size_t b = ent_key_bucket(t, e);
	e->next_k = t->bk_key[b];
	t->bk_key[b] = i + 1;
	if (t->by_cookie) {
		b = tup_bucket(t, e);
		e->next_t = t->bk_tup[b];
		t->bk_tup[b] = i + 1;
	}
}

static int rehash(struct tcp_track *t, size_t nbk)
{
	uint32_t *k = calloc(nbk, sizeof *k);
	uint32_t *u = t->by_cookie ? calloc(nbk, sizeof *u) : NULL;
	if (!k || (t->by_cookie && !u)) {
		free(k);
		free(u);
		errno = ENOMEM;
		return -1;
	}
	free(t->bk_key);
	free(t->bk_tup);
	t->bk_key = k;
	t->bk_tup = u;
	t->nbk = nbk;
	for (size_t i = 0; i < t->nents; i++)
		if (t->ents[i].flags & F_USED)
			link_ent(t, (uint32_t)i);
	return 0;
}

int track_init(struct tcp_track *t, int by_cookie)
{
	memset(t, 0, sizeof *t);
	t->by_cookie = by_cookie;
	return rehash(t, 1024);
}

void track_free(struct tcp_track *t)
{
	free(t->ents);
	free(t->bk_key);
	free(t->bk_tup);
	memset(t, 0, sizeof *t);
}

size_t track_count(const struct tcp_track *t)
{
	return t->used - t->gone;
}

static struct track_ent *ent_new(struct tcp_track *t, const struct diag_sock *s)
{
	if (t->used + 1 > t->nbk && rehash(t, t->nbk * 2) < 0)
		return NULL;
	uint32_t i;
	if (t->free_head) {
		i = t->free_head - 1;
		t->free_head = t->ents[i].next_k;
	} else {
		if (t->nents == t->cap) {
			size_t ncap = t->cap ? t->cap * 2 : 1024;
			if (ncap > UINT32_MAX - 1) {
				errno = ENOMEM;
				return NULL;
			}
			struct track_ent *n = realloc(t->ents, ncap * sizeof *n);
			if (!n) {
				errno = ENOMEM;
				return NULL;
			}
			t->ents = n;
			t->cap = ncap;
		}
		i = (uint32_t)t->nents++;
	}
	struct track_ent *e = &t->ents[i];
	memset(e, 0, sizeof *e);
	e->flags = F_USED;
	e->cookie = s->cookie;
	e->family = s->family;
	e->sport = s->sport;
	e->dport = s->dport;
	memcpy(e->src, s->src, 16);
	memcpy(e->dst, s->dst, 16);
	e->ifindex = s->ifindex;
	e->inode = s->inode;
	e->uid = s->uid;
	e->state = s->state;
	e->since_ns = t->now_ns;
	e->gen = t->gen;
	link_ent(t, i);
	t->used++;
	return e;
}

static void unlink_chain(uint32_t *head, struct track_ent *ents, uint32_t i,
                         int tup)
{
	uint32_t *pp = head;
	while (*pp) {
		struct track_ent *c = &ents[*pp - 1];
		if (*pp - 1 == i) {
			*pp = tup ? c->next_t : c->next_k;
			return;
		}
		pp = tup ? &c->next_t : &c->next_k;
	}
}

static void ent_remove(struct tcp_track *t, struct track_ent *e)
{
	uint32_t i = (uint32_t)(e - t->ents);
	unlink_chain(&t->bk_key[ent_key_bucket(t, e)], t->ents, i, 0);
	if (t->by_cookie)
		unlink_chain(&t->bk_tup[tup_bucket(t, e)], t->ents, i, 1);
	if (e->flags & F_GONE)
		t->gone--;
	e->flags = 0;
	e->next_k = t->free_head;
	t->free_head = i + 1;
	t->used--;
}

static struct track_ent *find_cookie(struct tcp_track *t, uint64_t cookie)
{
	uint32_t i = t->bk_key[(size_t)mix64(cookie) & (t->nbk - 1)];
	while (i) {
		struct track_ent *e = &t->ents[i - 1];
		if (e->cookie == cookie)
			return e;
		i = e->next_k;
	}
	return NULL;
}

/* Tuple mode: an entry with this tuple not yet matched in this snapshot,
 * preferring one in the same state. */
static struct track_ent *find_tuple_unseen(struct tcp_track *t,
                                           const struct diag_sock *s)
{
	struct track_ent *any = NULL;
	uint32_t i = t->bk_key[key_bucket(t, s)];
	while (i) {
		struct track_ent *e = &t->ents[i - 1];
		if (e->gen != t->gen && same_tuple(e, s)) {
			if (e->state == s->state)
				return e;
			if (!any)
				any = e;
		}
		i = e->next_k;
	}
	return any;
}

/* Cookie mode: another live entry with this tuple in state `state`
 * (TRACK_NEW: a destroyed socket never seen in a snapshot). */
static struct track_ent *find_tuple_state(struct tcp_track *t,
                                          const struct diag_sock *s,
                                          unsigned state)
{
	size_t b = (size_t)tuple_hash(s->family, s->src, s->dst, s->sport,
	                              s->dport) & (t->nbk - 1);
	uint32_t i = t->bk_tup[b];
	while (i) {
		struct track_ent *e = &t->ents[i - 1];
		if (e->state == state && !(e->flags & F_GONE) &&
		    e->cookie != s->cookie && same_tuple(e, s))
			return e;
		i = e->next_t;
	}
	return NULL;
}

static void ent_to_sock(const struct track_ent *e, struct diag_sock *s)
{
	memset(s, 0, sizeof *s);
	s->cookie = e->cookie;
	s->family = e->family;
	s->state = e->state;
	s->sport = e->sport;
	s->dport = e->dport;
	s->ifindex = e->ifindex;
	s->inode = e->inode;
	s->uid = e->uid;
	memcpy(s->src, e->src, 16);
	memcpy(s->dst, e->dst, 16);
}

static void emit(track_cb cb, void *ctx, const struct diag_sock *s,
                 unsigned old, unsigned new, int64_t when,
                 const struct track_ent *prev)
{
	struct track_event ev = {
		.sock = s, .old_state = old, .new_state = new, .time_ns = when,
		.dur_ns = -1,
	};
	if (old != TRACK_NEW && prev) {
		ev.dur_ns = when - prev->since_ns;
		if (ev.dur_ns < 0)
			ev.dur_ns = 0;
		ev.dur_atleast = (prev->flags & F_ATLEAST) != 0;
	}
	if (prev)
		ev.destroyed = new == TRACK_CLOSED && (prev->flags & F_DESTROYED);
	cb(ctx, &ev);
}

void track_poll_begin(struct tcp_track *t, int64_t now_ns)
{
	t->gen++;
	t->now_ns = now_ns;
}

int track_poll_sock(struct tcp_track *t, const struct diag_sock *s,
                    track_cb cb, void *ctx)
{
	struct track_ent *e = t->by_cookie ? find_cookie(t, s->cookie)
	                                   : find_tuple_unseen(t, s);
	if (e && (e->flags & F_GONE)) {
		/* back after a snapshot missed it: its close was reported */
		ent_remove(t, e);
		e = NULL;
	}
	if (e) {
		if (e->state != s->state) {
			if (t->baseline_done)
				emit(cb, ctx, s, e->state, s->state, t->now_ns, e);
			e->state = s->state;
			e->since_ns = t->now_ns;
			e->flags &= (uint8_t)~F_ATLEAST;
		}
		e->flags &= (uint8_t)~F_DESTROYED;
		e->gen = t->gen;
		e->ifindex = s->ifindex;
		if (s->inode)
			e->inode = s->inode;
		return 0;
	}
	if (t->by_cookie && s->state != TS_SYN_RECV && s->state != TS_LISTEN) {
		struct track_ent *r = find_tuple_state(t, s, TS_SYN_RECV);
		if (r) {
			if (t->baseline_done)
				emit(cb, ctx, s, TS_SYN_RECV, s->state, t->now_ns, r);
			ent_remove(t, r);
			return ent_new(t, s) ? 0 : -1;
		}
	}
	if (t->by_cookie && s->state == TS_TIME_WAIT) {
		/* A full socket whose cookie was never generated (no snapshot
		 * saw it) hands cookie 0 to its TIME-WAIT successor, which then
		 * gets a fresh one: its destroy notice and this are one socket. */
		struct track_ent *r = find_tuple_state(t, s, TRACK_NEW);
		if (r && (r->flags & F_DESTROYED))
			ent_remove(t, r);
	}
	e = ent_new(t, s);
	if (!e)
		return -1;
	if (!t->baseline_done)
		e->flags |= F_ATLEAST;
	else
		emit(cb, ctx, s, TRACK_NEW, s->state, t->now_ns, NULL);
	return 0;
}

void track_poll_end(struct tcp_track *t, track_cb cb, void *ctx)
{
	for (size_t i = 0; i < t->nents; i++) {
		struct track_ent *e = &t->ents[i];
		if (!(e->flags & F_USED) || e->gen == t->gen)
			continue;
		if (e->flags & F_GONE) {
			if (t->gen - e->gen >= GONE_KEEP)
				ent_remove(t, e);
			continue;
		}
		if (t->baseline_done) {
			struct diag_sock s;
			ent_to_sock(e, &s);
			int64_t when = (e->flags & F_DESTROYED) ? e->destroy_ns
			                                        : t->now_ns;
			emit(cb, ctx, &s, e->state, TRACK_CLOSED, when, e);
		}
		if (t->by_cookie && t->baseline_done) {
			e->flags = F_USED | F_GONE;
			e->gen = t->gen;
			t->gone++;
		} else {
			ent_remove(t, e);
		}
	}
	t->baseline_done = 1;
}

int track_destroyed(struct tcp_track *t, const struct diag_sock *s,
                    int64_t now_ns)
{
	if (!t->by_cookie || !t->baseline_done)
		return 0;
	struct track_ent *e = find_cookie(t, s->cookie);
	if (e && (e->flags & F_GONE))
		return 0;               /* its close was already reported */
	if (!e) {
		if (s->sport == 0)      /* never bound: nothing to report */
			return 0;
		int64_t save = t->now_ns;
		t->now_ns = now_ns;
		e = ent_new(t, s);
		t->now_ns = save;
		if (!e)
			return -1;
		e->state = TRACK_NEW;
	}
	e->flags |= F_DESTROYED;
	e->destroy_ns = now_ns;
	return 0;
}
