/* writeout: curl's --write-out (-w) format language, rendered from a set
 * of transfer values.
 *
 * "%{name}" is a variable, "%%" a percent sign, "\n" "\r" "\t" the
 * control characters (any other "\x" is written as is, as curl does).
 * "%{stdout}" / "%{stderr}" switch the stream the following text goes to
 * (emit()'s `stream` 1 or 2).  "%{json}" is every variable as one JSON
 * object.  An unknown variable calls unknown() with its name and writes
 * nothing.  Numbers are written as curl writes them: times in seconds with
 * six decimals, http_code with three digits.  Strings that are unknown
 * (NULL) are written as "" (and as null inside %{json}).  Pure. */
#ifndef SB_WRITEOUT_H
#define SB_WRITEOUT_H

#include <stddef.h>
#include <stdint.h>

struct wo_vars {
	const char *url;             /* as given on the command line */
	const char *url_effective;   /* the last one fetched */
	const char *method;
	const char *content_type;    /* NULL: none */
	const char *errormsg;        /* NULL: none */
	const char *remote_ip;       /* NULL: not connected */
	const char *filename_effective;
	const char *redirect_url;    /* Location not followed, or NULL */
	int http_code;               /* 0: no response */
	int exitcode;
	int remote_port;             /* 0: not connected */
	int http_version_minor;      /* -1: none */
	int ssl_verify_result;       /* OpenSSL's X509_V_* (0: ok or no TLS) */
	unsigned num_redirects;
	unsigned num_connects;
	unsigned num_headers;
	uint64_t size_download, size_header, size_request;
	double time_namelookup, time_connect, time_appconnect,
	       time_pretransfer, time_starttransfer, time_redirect,
	       time_total;           /* seconds */
};

struct wo_sink {
	void (*emit)(void *ctx, int stream, const char *s, size_t n);
	void (*unknown)(void *ctx, const char *name, size_t n);
	void *ctx;
};

void writeout_render(const char *fmt, const struct wo_vars *v,
                     const struct wo_sink *sink);

#endif
