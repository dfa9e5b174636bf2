/* Fuzz the /proc/net/tcp{,6} parser.  Invariants: no crash; fed whole or
 * split at an offset taken from the input, the sockets and the bad-line
 * count are the same; every socket has a state in 1..11. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proc_tcp.h"

struct acc {
	uint64_t n, sum;
};

static int acc_cb(void *ctx, const struct diag_sock *s)
{
	struct acc *a = ctx;
	if (s->state < 1 || s->state > TS_MAX)
		abort();
	a->n++;
	/* a cheap digest of what was parsed */
	a->sum = a->sum * 31 + s->sport * 7u + s->dport + s->state + s->inode +
	         s->src[0] + s->dst[15] + s->rqueue + s->wqueue + s->v6only;
	return 0;
}

static void run(const char *d, size_t n, size_t cut, int family,
                struct acc *a, unsigned long *bad)
{
	struct proc_tcp_parser p;
	proc_tcp_init(&p, family);
	memset(a, 0, sizeof *a);
	proc_tcp_feed(&p, d, cut, acc_cb, a);
	proc_tcp_feed(&p, d + cut, n - cut, acc_cb, a);
	proc_tcp_finish(&p, acc_cb, a);
	*bad = p.bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int family = data[0] & 1 ? AF_INET6 : AF_INET;
	const char *d = (const char *)data + 2;
	size_t n = size - 2;
	size_t cut = n ? data[1] % (n + 1) : 0;
	struct acc whole, split;
	unsigned long bw, bs;
	run(d, n, 0, family, &whole, &bw);
	run(d, n, cut, family, &split, &bs);
	if (whole.n != split.n || whole.sum != split.sum || bw != bs)
		abort();
	return 0;
}
