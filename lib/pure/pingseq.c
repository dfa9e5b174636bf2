/* pingseq: sequence bookkeeping for ping (see pingseq.h). */
#include "pingseq.h"

#include <string.h>

void pingseq_init(struct pingseq *s)
{
	memset(s, 0, sizeof *s);
}

uint16_t pingseq_next(struct pingseq *s)
{
	uint16_t seq = (uint16_t)(s->transmitted + 1);

	s->seen[seq >> 6] &= ~(UINT64_C(1) << (seq & 63));
	s->transmitted++;
	return seq;
}

uint16_t pingseq_last(const struct pingseq *s)
{
	return (uint16_t)s->transmitted;
}

int pingseq_was_sent(const struct pingseq *s, uint16_t seq)
{
	if (s->transmitted == 0)
		return 0;
	/* how many probes ago seq was sent (0 = the last one) */
	uint16_t ago = (uint16_t)(pingseq_last(s) - seq);
	return (uint64_t)ago < s->transmitted;
}

void pingseq_ack(struct pingseq *s, uint16_t seq)
{
	uint16_t diff = (uint16_t)((uint16_t)s->transmitted - seq);

	/* Answers for numbers "ahead" of what we sent are not ours. */
	if (diff > 0x7fff)
		return;
	if ((int)diff + 1 > s->pipe)
		s->pipe = (int)diff + 1;
	if ((int16_t)(uint16_t)(seq - s->acked) > 0 ||
	    (uint16_t)((uint16_t)s->transmitted - s->acked) > 0x7fff)
		s->acked = seq;
}

int pingseq_in_flight(const struct pingseq *s)
{
	uint16_t d = (uint16_t)((uint16_t)s->transmitted - s->acked);

	return d <= 0x7fff ? d : 0;
}

int pingseq_seen(const struct pingseq *s, uint16_t seq)
{
	return (int)((s->seen[seq >> 6] >> (seq & 63)) & 1);
}

int pingseq_mark(struct pingseq *s, uint16_t seq)
{
	int was = pingseq_seen(s, seq);

	s->seen[seq >> 6] |= UINT64_C(1) << (seq & 63);
	return was;
}
