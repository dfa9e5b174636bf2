/* Fuzz probe's target-file line parser and the HTTP status-set parser.
 * Invariants: no crash; a parsed target's host and path are NUL-terminated
 * within their arrays and hold no control byte or space; tcp/udp targets
 * have a port, unix and icmp none; lengths of send/expect fit their arrays;
 * a parsed status set formats to text that parses back to the same set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_target.h"
#include "status_set.h"

static void check_target(const struct pt_target *t)
{
	if (!memchr(t->host, 0, sizeof t->host) || !memchr(t->path, 0, sizeof t->path))
		abort();
	for (const char *p = t->host; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			abort();
	for (const char *p = t->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			abort();
	if ((t->scheme == PT_TCP || t->scheme == PT_UDP) && t->port == 0)
		abort();
	if ((t->scheme == PT_UNIX || t->scheme == PT_ICMP) && t->port != 0)
		abort();
	if (t->send_len > PT_DATA_MAX || t->expect_len > PT_DATA_MAX)
		abort();
	if ((t->scheme == PT_HTTP || t->scheme == PT_HTTPS) && t->path[0] != '/')
		abort();
}

static void check_status(const char *s)
{
	struct status_set a, b;
	char buf[256];
	if (status_set_parse(s, &a) != 0)
		return;
	status_set_format(&a, buf, sizeof buf);
	if (status_set_parse(buf, &b) != 0 || a.n != b.n)
		abort();
	for (int c = 100; c <= 599; c++)
		if (status_set_has(&a, c) != status_set_has(&b, c))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt_target t;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	const char *where = NULL;
	if (pt_parse_line(s, &t, &where) == PT_OK)
		check_target(&t);
	if (where && (where < s || where > s + size))
		abort();
	check_status(s);
	free(s);
	return 0;
}
