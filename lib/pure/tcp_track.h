/* tcp_track: pure TCP state-transition tracking across snapshots.
 *
 * The caller feeds each snapshot (a sock_diag dump or /proc) as
 *   track_poll_begin(t, now); track_poll_sock(t, s, cb, ctx)...;
 *   track_poll_end(t, cb, ctx);
 * and gets one event per transition it can infer:
 *   NEW -> STATE        a socket not seen before (old_state TRACK_NEW)
 *   OLD -> NEW          the same socket in another state
 *   STATE -> CLOSED     a socket that vanished (new_state TRACK_CLOSED)
 * with the time spent in OLD: from the snapshot that first showed OLD to
 * the one (or the destroy notification) that showed it had ended.  When
 * OLD was already the state at the very first snapshot, the real time is
 * longer than that and the event says so (dur_atleast).  The first
 * snapshot only establishes the baseline: it emits nothing.
 *
 * Identity: sockets are keyed by the sock_diag cookie (TIME-WAIT keeps its
 * socket's cookie; inodes are 0 there).  An accepted connection may come
 * with a cookie other than its SYN-RECV request's (Linux 6.x copies the
 * request's cookie into the child, but not every path does), so a new
 * socket whose 4-tuple matches a known SYN-RECV request continues it
 * (SYN-RECV -> ESTAB).  Without cookies (/proc, by_cookie=0)
 * the 4-tuple is the key; identical tuples (SO_REUSEPORT listeners) are
 * matched one to one.
 *
 * track_destroyed() records a destroy notification (sock_diag multicast):
 * the close is reported at the next track_poll_end() unless that snapshot
 * still shows the cookie (a socket that moved to TIME-WAIT is destroyed
 * as a full socket but lives on under the same cookie).  A notification
 * for a cookie never seen (it lived and died between snapshots) yields
 * NEW -> CLOSED, or NEW -> STATE if the next snapshot shows it (also
 * under a new cookie when it is TIME-WAIT with the same 4-tuple).  A
 * vanished cookie is remembered for a few snapshots so that a late
 * notification does not report the same close twice.
 *
 * Cost: O(1) expected per socket (hash tables on cookie and 4-tuple, grown
 * by doubling), O(table) per track_poll_end().  Memory ~100 bytes per
 * tracked socket.  Allocation failure: -1/ENOMEM, table left consistent. */
#ifndef SB_TCP_TRACK_H
#define SB_TCP_TRACK_H

#include <stddef.h>
#include <stdint.h>
#include "diag_msg.h"

#define TRACK_NEW    0u      /* old_state of a first sighting */
#define TRACK_CLOSED 0xffu   /* new_state of a vanished socket */

struct track_event {
	const struct diag_sock *sock;  /* current, or last known for CLOSED */
	unsigned old_state, new_state;
	int64_t time_ns;       /* when it was observed */
	int64_t dur_ns;        /* time in old_state; -1 when old is NEW */
	int dur_atleast;       /* old_state predates the first snapshot */
	int destroyed;         /* CLOSED known from a destroy notification */
};

typedef void (*track_cb)(void *ctx, const struct track_event *ev);

struct track_ent;

struct tcp_track {
	int by_cookie;
	int baseline_done;
	uint32_t gen;              /* current snapshot number */
	int64_t now_ns;
	struct track_ent *ents;    /* slots; free ones chained via next_k */
	size_t nents, cap, used;
	size_t gone;               /* vanished cookies still remembered */
	uint32_t free_head;
	uint32_t *bk_key, *bk_tup; /* bucket heads (index+1, 0 = empty) */
	size_t nbk;                /* power of two */
};

int track_init(struct tcp_track *t, int by_cookie);
void track_free(struct tcp_track *t);
size_t track_count(const struct tcp_track *t);

void track_poll_begin(struct tcp_track *t, int64_t now_ns);
/* 0, or -1 (errno ENOMEM). */
int track_poll_sock(struct tcp_track *t, const struct diag_sock *s,
                    track_cb cb, void *ctx);
void track_poll_end(struct tcp_track *t, track_cb cb, void *ctx);
/* 0, or -1 (ENOMEM); ignored without cookies. */
int track_destroyed(struct tcp_track *t, const struct diag_sock *s,
                    int64_t now_ns);

#endif
