/* Fast local HTTP server for scripts/bench/http.sh (built by it with cc).
 *
 * Prints "listening on 127.0.0.1:PORT", then serves each connection in a
 * forked child:
 *   /cl     1 GiB with Content-Length
 *   /c16k   1 GiB in 16 KiB chunks
 *   /c100   100 MiB in 100-byte chunks
 *   /c1m    1 GiB in 1 MiB chunks
 * Bodies are prebuilt 1-4 MiB blocks written with write(2), so the server's
 * cost per byte is one kernel copy and no interpreter: the client is what
 * is measured. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1u << 20)
#define GIB (1ull << 30)

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* count chunks of `size` bytes, framed, in one block */
static char *chunk_block(size_t size, size_t count, size_t *len)
{
	char head[32];
	int hl = snprintf(head, sizeof head, "%zx\r\n", size);
	size_t one = (size_t)hl + size + 2;
	char *b = malloc(one * count), *p = b;
	for (size_t i = 0; i < count; i++) {
		memcpy(p, head, (size_t)hl);
		p += hl;
		for (size_t k = 0; k < size; k++)
			p[k] = "0123456789abcdefghijklmnopqrstuvwxyz"[k % 36];
		p += size;
		memcpy(p, "\r\n", 2);
		p += 2;
	}
	*len = one * count;
	return b;
}

static void serve(int c)
{
	char req[4096];
	size_t got = 0;
	while (got < sizeof req - 1) {
		ssize_t n = read(c, req + got, sizeof req - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	int head = strncmp(req, "HEAD ", 5) == 0;
	if (strncmp(req + (head ? 5 : 4), "/cl ", 4) == 0) {
		static char block[4 * MIB];
		char h[128];
		for (size_t i = 0; i < sizeof block; i++)
			block[i] = "sockbox-bench-"[i % 14];
		int hl = snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n", GIB);
		write_all(c, h, (size_t)hl);
		for (unsigned i = 0; !head && i < GIB / sizeof block; i++)
			if (write_all(c, block, sizeof block) < 0)
				return;
	} else {
		int small = strncmp(req + (head ? 5 : 4), "/c100 ", 6) == 0;
		int large = strncmp(req + (head ? 5 : 4), "/c1m ", 5) == 0;
		size_t len, size = small ? 100 : large ? MIB : 16384;
		/* ~800 KiB / 4 MiB blocks */
		size_t count = small ? 8192 : large ? 4 : 256;
		unsigned long long total = small ? 100ull * MIB : GIB;
		char *b = chunk_block(size, count, &len);
		const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
		write_all(c, h, strlen(h));
		for (unsigned long long i = 0; !head && i < total / (size * count); i++)
			if (write_all(c, b, len) < 0)
				return;
		write_all(c, "0\r\n\r\n", 5);
	}
	shutdown(c, SHUT_WR);
	while (read(c, req, sizeof req) > 0)
		;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	signal(SIGCHLD, SIG_IGN);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		perror("http_bench_server");
		return 1;
	}
	printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			serve(c);
			_exit(0);
		}
		close(c);
	}
}
