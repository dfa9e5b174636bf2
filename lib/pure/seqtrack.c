/* seqtrack: probe sequence accounting (see seqtrack.h). */
#include "seqtrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { ST_EMPTY, ST_PENDING, ST_ANSWERED, ST_TIMEDOUT, ST_FAILED };

int seqtrack_init(struct seqtrack *t, size_t window)
{
	size_t w = 1;

	memset(t, 0, sizeof(*t));
	if (window == 0 || window > SEQTRACK_MAX_WINDOW)
		return -EINVAL;
	while (w < window)
		w <<= 1;
	t->slot = calloc(w, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->mask = w - 1;
	return 0;
}

void seqtrack_free(struct seqtrack *t)
{
	free(t->slot);
	t->slot = NULL;
}

/* The slot holding `seq`, or NULL when seq was never sent or has been
 * pushed out of the window. */
static struct seq_slot *slot_of(struct seqtrack *t, uint64_t seq)
{
	struct seq_slot *s;

	if (seq >= t->next_seq)
		return NULL;
	s = &t->slot[seq & t->mask];
	if (s->state == ST_EMPTY || s->seq != seq)
		return NULL;
	return s;
}

uint64_t seqtrack_send(struct seqtrack *t, int64_t now_ns)
{
	uint64_t seq = t->next_seq++;
	uint64_t window = t->mask + 1;
	struct seq_slot *s = &t->slot[seq & t->mask];

	if (s->state == ST_PENDING) {   /* the probe a window ago never came back */
		s->state = ST_TIMEDOUT;
		t->timeouts++;
		t->evicted++;
		t->pending--;
	}
	s->seq = seq;
	s->sent_ns = now_ns;
	s->state = ST_PENDING;
	t->pending++;
	t->sent++;
	if (t->next_seq > window && t->oldest < t->next_seq - window)
		t->oldest = t->next_seq - window;
	return seq;
}

static void jitter_add(struct seqtrack *t, int64_t transit)
{
	if (t->have_transit) {
		int64_t d = transit - t->last_transit_ns;
		double ad = d < 0 ? -(double)d : (double)d;

		t->jitter_ns += (ad - t->jitter_ns) / 16.0;
	}
	t->last_transit_ns = transit;
	t->have_transit = 1;
}

struct seq_arrival seqtrack_recv(struct seqtrack *t, uint64_t seq,
                                 int64_t now_ns)
{
	struct seq_arrival a = { SEQ_UNKNOWN, 0, 0 };
	struct seq_slot *s = slot_of(t, seq);

	if (!s) {
		t->unknown++;
		return a;
	}
	a.rtt_ns = now_ns - s->sent_ns;
	switch (s->state) {
	case ST_ANSWERED:
		a.kind = SEQ_DUP;
		t->dups++;
		return a;
	case ST_PENDING:
		a.kind = SEQ_NEW;
		t->pending--;
		break;
	case ST_TIMEDOUT:
		a.kind = SEQ_LATE;
		t->late++;
		break;
	default:            /* ST_FAILED: answered after all */
		a.kind = SEQ_LATE;
		t->late++;
		t->failed--;
		break;
	}
	s->state = ST_ANSWERED;
	t->received++;
	if (seq + 1 < t->max_rx) {
		a.reordered = 1;
		t->reordered++;
	} else {
		t->max_rx = seq + 1;
	}
	jitter_add(t, a.rtt_ns);
	return a;
}

int seqtrack_fail(struct seqtrack *t, uint64_t seq)
{
	struct seq_slot *s = slot_of(t, seq);

	if (!s || s->state != ST_PENDING)
		return 0;
	s->state = ST_FAILED;
	t->failed++;
	t->pending--;
	return 1;
}

/* Move `oldest` past every probe that is no longer pending. */
static struct seq_slot *oldest_pending(struct seqtrack *t)
{
	while (t->pending > 0 && t->oldest < t->next_seq) {
		struct seq_slot *s = &t->slot[t->oldest & t->mask];

		if (s->seq == t->oldest && s->state == ST_PENDING)
			return s;
		t->oldest++;
	}
	return NULL;
}

int seqtrack_expire(struct seqtrack *t, int64_t now_ns, int64_t timeout_ns,
                    uint64_t *seq_out)
{
	struct seq_slot *s = oldest_pending(t);

	if (!s || now_ns - s->sent_ns < timeout_ns)
		return 0;
	s->state = ST_TIMEDOUT;
	t->timeouts++;
	t->pending--;
	if (seq_out)
		*seq_out = s->seq;
	t->oldest++;
	return 1;
}

int64_t seqtrack_next_deadline(struct seqtrack *t, int64_t timeout_ns)
{
	struct seq_slot *s = oldest_pending(t);

	return s ? s->sent_ns + timeout_ns : -1;
}

uint64_t seqtrack_expire_all(struct seqtrack *t)
{
	uint64_t n = 0;
	struct seq_slot *s;

	while ((s = oldest_pending(t)) != NULL) {
		s->state = ST_TIMEDOUT;
		t->timeouts++;
		t->pending--;
		t->oldest++;
		n++;
	}
	return n;
}

uint64_t seqtrack_lost(const struct seqtrack *t)
{
	return t->sent - t->received;
}

double seqtrack_loss_pct(const struct seqtrack *t)
{
	if (t->sent == 0)
		return 0.0;
	return (double)(t->sent - t->received) * 100.0 / (double)t->sent;
}

double seqtrack_jitter_ns(const struct seqtrack *t)
{
	return t->jitter_ns;
}

/* ---- wire format ---- */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void probe_encode_hdr(unsigned char *buf, const struct probe_hdr *h)
{
	put32(buf, PROBE_MAGIC);
	put32(buf + 4, h->id);
	put64(buf + 8, h->seq);
	put64(buf + 16, (uint64_t)h->sent_ns);
}

int probe_encode(unsigned char *buf, size_t len, const struct probe_hdr *h)
{
	size_t i;

	if (len < PROBE_HDR || len > INT32_MAX)
		return -EINVAL;
	probe_encode_hdr(buf, h);
	for (i = PROBE_HDR; i < len; i++)
		buf[i] = (unsigned char)(i & 0xff);
	return (int)len;
}

int probe_decode(const unsigned char *buf, size_t len, struct probe_hdr *h)
{
	if (len < PROBE_HDR || get32(buf) != PROBE_MAGIC)
		return -EINVAL;
	h->id = get32(buf + 4);
	h->seq = get64(buf + 8);
	h->sent_ns = (int64_t)get64(buf + 16);
	return 0;
}
