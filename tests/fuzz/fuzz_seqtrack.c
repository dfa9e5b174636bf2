/* Fuzz the probe accounting and the probe wire format.
 * The input is a script of sends, replies (any seq, in and out of the
 * window), failures and expiries on a small window.  Invariants: no crash;
 * every probe is in exactly one state, so pending + received + failed
 * never exceeds sent; loss is within [0, 100]; jitter is finite and not
 * negative; after expire_all nothing is pending; a decoded probe encodes
 * back to the same header bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seqtrack.h"

static void check(const struct seqtrack *t)
{
	double loss = seqtrack_loss_pct(t), j = seqtrack_jitter_ns(t);

	if (t->received > t->sent || t->pending + t->received + t->failed > t->sent)
		abort();
	if (t->pending > t->mask + 1 || t->late > t->received)
		abort();
	if (!(loss >= 0.0 && loss <= 100.0) || !isfinite(j) || j < 0.0)
		abort();
	if (seqtrack_lost(t) != t->sent - t->received)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seqtrack t;
	int64_t now = 0;
	size_t i;

	if (size >= PROBE_HDR) {
		struct probe_hdr h;
		unsigned char back[PROBE_HDR];

		if (probe_decode(data, size, &h) == 0) {
			probe_encode_hdr(back, &h);
			if (memcmp(back, data, PROBE_HDR) != 0)
				abort();
		}
	}
	if (size < 1 || seqtrack_init(&t, (size_t)(data[0] % 16) + 1) != 0)
		return 0;
	for (i = 1; i + 1 < size; i += 2) {
		uint8_t op = data[i] & 3, arg = data[i + 1];
		uint64_t seq;

		now += data[i] >> 2;
		switch (op) {
		case 0:
			seqtrack_send(&t, now);
			break;
		case 1:   /* a reply: recent seqs mostly, sometimes far off */
			seq = arg < 240 ? t.next_seq - 1 - (arg % 40) : UINT64_MAX - arg;
			seqtrack_recv(&t, seq, now);
			break;
		case 2:
			seqtrack_fail(&t, t.next_seq - 1 - (arg % 40));
			break;
		default:
			while (seqtrack_expire(&t, now, arg, &seq))
				if (seq >= t.next_seq)
					abort();
			break;
		}
		check(&t);
	}
	seqtrack_expire_all(&t);
	if (t.pending != 0 || seqtrack_next_deadline(&t, 1) != -1)
		abort();
	check(&t);
	seqtrack_free(&t);
	return 0;
}
