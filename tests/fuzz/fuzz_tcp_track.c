/* Fuzz the transition tracker with operation sequences decoded from the
 * input (snapshot begin/end, sockets from a small cookie/port space so
 * they collide, destroy notifications), in cookie and tuple mode.
 * Invariants: no crash or bad memory access (ASan); every event changes
 * state; durations are -1 only for NEW; after a snapshot with no
 * notifications pending, the table holds exactly that snapshot's sockets
 * (tuple mode, where every sighting is a distinct entry). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_track.h"

static void check_cb(void *ctx, const struct track_event *e)
{
	(void)ctx;
	if (e->old_state == e->new_state)
		abort();
	if ((e->old_state == TRACK_NEW) != (e->dur_ns < 0))
		abort();
}

static void run(const uint8_t *d, size_t n, int by_cookie)
{
	struct tcp_track t;
	if (track_init(&t, by_cookie) < 0)
		return;
	int64_t now = 0;
	int in_poll = 0;
	size_t seen = 0;
	for (size_t i = 0; i + 2 < n; i += 3) {
		uint8_t op = d[i] & 3, a = d[i + 1], b = d[i + 2];
		struct diag_sock s;
		memset(&s, 0, sizeof s);
		s.family = (a & 0x80) ? AF_INET6 : AF_INET;
		s.cookie = (uint64_t)(a & 0x3f) + 1;
		s.state = (uint8_t)(b % TS_MAX + 1);
		s.sport = (uint16_t)(a & 7);
		s.dport = (uint16_t)(b >> 5);
		s.src[0] = 127;
		now += 1000;
		switch (op) {
		case 0:
			if (in_poll) {
				track_poll_end(&t, check_cb, NULL);
				if (!by_cookie && track_count(&t) != seen)
					abort();
			}
			track_poll_begin(&t, now);
			in_poll = 1;
			seen = 0;
			break;
		case 1:
		case 2:
			if (in_poll) {
				if (track_poll_sock(&t, &s, check_cb, NULL) < 0)
					goto out;
				seen++;
			}
			break;
		case 3:
			if (!in_poll)
				track_destroyed(&t, &s, now);
			break;
		}
		if (d[i] & 4 && in_poll) {
			track_poll_end(&t, check_cb, NULL);
			if (!by_cookie && track_count(&t) != seen)
				abort();
			in_poll = 0;
		}
	}
out:
	track_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 1);
	run(data, size, 0);
	return 0;
}
