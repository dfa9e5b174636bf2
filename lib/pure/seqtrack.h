/* seqtrack: pure accounting of numbered probes and their echoes (the
 * "UDP ping" bookkeeping), plus the probe wire format.
 *
 * The caller numbers probes with seqtrack_send() (seq 0, 1, 2, ...,
 * send times non-decreasing), reports each reply with seqtrack_recv(),
 * ICMP-style failures with seqtrack_fail(), and calls seqtrack_expire()
 * to turn probes older than the timeout into timeouts.  A reply to a
 * timed-out probe still counts as received and is reported as late.
 *
 * Definitions (all counts are of probes, never of bytes):
 *   received   first replies, on time or late (so loss = sent - received)
 *   dups       further replies to an already answered probe
 *   reordered  first replies whose seq is below the highest seq already
 *              answered (RFC 4737's "reordered": arrived after a later one)
 *   late       first replies that came after the probe's timeout (or
 *              after seqtrack_fail(): the failure is then taken back)
 *   jitter     RFC 3550 interarrival jitter over the round-trip transit
 *              (J += (|D| - J) / 16, in arrival order, first replies only)
 *
 * Bounds: at most `window` probes (rounded up to a power of two, at most
 * SEQTRACK_MAX_WINDOW) are remembered.  Sending a probe that reuses the
 * slot of a still-pending one times that one out (counted in `evicted`
 * and in `timeouts`); a reply older than the window is SEQ_UNKNOWN.
 * The memory is one calloc in seqtrack_init(); no I/O, no globals. */
#ifndef SB_SEQTRACK_H
#define SB_SEQTRACK_H

#include <stddef.h>
#include <stdint.h>

#define SEQTRACK_MAX_WINDOW (1u << 24)

enum seq_kind {
	SEQ_NEW,        /* first reply, in time */
	SEQ_LATE,       /* first reply, after the probe timed out */
	SEQ_DUP,        /* another reply to an answered probe */
	SEQ_UNKNOWN,    /* never sent, or older than the window: ignored */
};

struct seq_arrival {
	enum seq_kind kind;
	int reordered;       /* 1 for a first reply that arrived out of order */
	int64_t rtt_ns;      /* now - send time (0 for SEQ_UNKNOWN) */
};

struct seq_slot {
	uint64_t seq;
	int64_t sent_ns;
	uint8_t state;       /* private: enum in seqtrack.c */
};

struct seqtrack {
	struct seq_slot *slot;
	uint64_t mask;           /* window - 1 */
	uint64_t next_seq;       /* seq the next seqtrack_send() returns */
	uint64_t oldest;         /* lowest seq that may still be pending */
	uint64_t pending;        /* sent, not yet answered/timed out/failed */
	uint64_t max_rx;         /* highest seq answered + 1 (0: none yet) */
	/* counters */
	uint64_t sent, received, dups, reordered, late, timeouts, failed,
	         evicted, unknown;
	/* RFC 3550 jitter state */
	int have_transit;
	int64_t last_transit_ns;
	double jitter_ns;
};

/* 0, -EINVAL (window 0 or above the maximum) or -ENOMEM. */
int seqtrack_init(struct seqtrack *t, size_t window);
void seqtrack_free(struct seqtrack *t);

/* Record a probe sent at now_ns; returns its sequence number. */
uint64_t seqtrack_send(struct seqtrack *t, int64_t now_ns);

/* Account a reply carrying `seq` that arrived at now_ns. */
struct seq_arrival seqtrack_recv(struct seqtrack *t, uint64_t seq,
                                 int64_t now_ns);

/* The probe `seq` got an error (e.g. ICMP port unreachable): it will not
 * be answered.  Returns 1 if it was pending (now counted in `failed`),
 * 0 otherwise (unknown, answered, already failed or timed out). */
int seqtrack_fail(struct seqtrack *t, uint64_t seq);

/* Time out the oldest pending probe if it was sent at or before
 * now_ns - timeout_ns: returns 1 and its seq in *seq_out, else 0.  Call
 * in a loop to expire all. */
int seqtrack_expire(struct seqtrack *t, int64_t now_ns, int64_t timeout_ns,
                    uint64_t *seq_out);

/* Send time + timeout of the oldest pending probe, or -1 if none. */
int64_t seqtrack_next_deadline(struct seqtrack *t, int64_t timeout_ns);

/* Time out every pending probe (end of run, e.g. on SIGINT); returns how
 * many. */
uint64_t seqtrack_expire_all(struct seqtrack *t);

/* Lost = sent - received (pending probes count as lost); loss in percent
 * of sent, 0 when nothing was sent. */
uint64_t seqtrack_lost(const struct seqtrack *t);
double seqtrack_loss_pct(const struct seqtrack *t);
/* Current RFC 3550 jitter estimate in ns (0 before two replies). */
double seqtrack_jitter_ns(const struct seqtrack *t);

/* ---- Probe wire format ------------------------------------------------
 * Every probe starts with a 24-byte header, big-endian:
 *   0  u32 magic "SBUE"      4  u32 id (per client run, rejects strays)
 *   8  u64 seq              16  i64 send time (monotonic ns, the sender's)
 * then padding up to the probe size (filled with a repeating pattern).
 * Echo servers return it unchanged. */
#define PROBE_HDR 24
#define PROBE_MAGIC 0x53425545u   /* "SBUE" */

struct probe_hdr {
	uint32_t id;
	uint64_t seq;
	int64_t sent_ns;
};

/* Write a probe of `len` bytes (len >= PROBE_HDR) into buf.  Returns len,
 * or -EINVAL when len < PROBE_HDR. */
int probe_encode(unsigned char *buf, size_t len, const struct probe_hdr *h);
/* Only the header (the padding is already in place); len >= PROBE_HDR. */
void probe_encode_hdr(unsigned char *buf, const struct probe_hdr *h);
/* 0 and *h filled, or -EINVAL (short or wrong magic).  The id is returned,
 * not checked: the caller compares it with its own. */
int probe_decode(const unsigned char *buf, size_t len, struct probe_hdr *h);

#endif
