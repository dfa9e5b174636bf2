/* Fuzz the URL parser and redirect resolution.
 * Invariants: no crash; a parsed URL formats to a string that parses back
 * to the same host, port and path; resolution against a fixed base gives a
 * URL with the same property; no control byte ever reaches the path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

static void check_roundtrip(const struct url *u)
{
	static struct url v;
	char buf[URL_PATH_MAX + 600];
	int n = url_format(u, buf, sizeof buf);

	if (n < 0)
		abort();
	if (url_parse(buf, (size_t)n, &v) != 0)
		abort();
	if (strcmp(u->host, v.host) || strcmp(u->path, v.path) || u->port != v.port)
		abort();
	for (const char *p = u->path; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p >= 0x7f)
			abort();
	if (u->path[0] != '/')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, base, out;
	const char *s = (const char *)data;

	if (url_parse(s, size, &u) == 0)
		check_roundtrip(&u);
	if (url_parse("http://a:81/b/c/d;p?q", 21, &base) != 0)
		abort();
	if (url_resolve(&base, s, size, &out) == 0)
		check_roundtrip(&out);
	return 0;
}
