/* pingseq: ping's sequence bookkeeping, pure.
 *
 * Sequence numbers are 16 bits and start at 1 (the first probe is 1, as
 * iputils); the 64-bit transmit counter keeps counting past 65,535 while
 * the sequence wraps to 0.  A 65,536-entry bitmap (8 KiB) remembers which
 * sequence numbers were answered since they were last sent, so a
 * duplicate is recognised for as long as its number is not reused.
 * pingseq_ack() keeps iputils' "acked" and "pipe" accounting: the newest
 * sequence answered (replies or errors) and the largest number of probes
 * that were in flight when an answer came. */
#ifndef SB_PINGSEQ_H
#define SB_PINGSEQ_H

#include <stdint.h>

struct pingseq {
	uint64_t transmitted;
	uint16_t acked;          /* newest sequence answered */
	int pipe;                /* max in flight seen at an answer */
	uint64_t seen[65536 / 64];
};

void pingseq_init(struct pingseq *s);
/* Sequence for the next probe; clears its bit, counts it. */
uint16_t pingseq_next(struct pingseq *s);
/* An answer (reply or error) for seq arrived. */
void pingseq_ack(struct pingseq *s, uint16_t seq);
/* Probes sent but not answered, as iputils counts them (0..32767). */
int pingseq_in_flight(const struct pingseq *s);
/* 1 when seq was already answered by a reply (a duplicate). */
int pingseq_seen(const struct pingseq *s, uint16_t seq);
/* Record a reply for seq; returns 1 if it was a duplicate, else 0. */
int pingseq_mark(struct pingseq *s, uint16_t seq);
/* 1 when seq belongs to a probe sent: one of the last min(transmitted,
 * 65536) sequence numbers.  A reply for any other is forged or stray. */
int pingseq_was_sent(const struct pingseq *s, uint16_t seq);
/* Sequence number of the last probe sent (valid when transmitted > 0). */
uint16_t pingseq_last(const struct pingseq *s);

#endif
