/* tls: a nonblocking TLS client (and a small test server) over an already
 * connected descriptor, through OpenSSL 3 loaded with dlopen on first use.
 *
 * Nothing here is linked against libssl: tls_load() dlopens the versioned
 * libssl.so.3 / libcrypto.so.3 and resolves every function through one
 * table, so an applet that never calls it pays nothing (no library mapped,
 * no relocation at start-up).  Call it and tls_ctx_new() during set-up:
 * they open the libraries and the CA files (a sandbox installed afterwards
 * need not allow open/mmap for them).
 *
 * The connection functions never block and never wait: they return
 * TLS_WANT_READ / TLS_WANT_WRITE, and the caller polls the descriptor (or
 * its event loop does) and calls again.  Timeouts are the caller's.
 *
 * Errors carry curl's exit codes (tls_code()) and one line of text
 * (tls_errmsg()): 35 handshake failure, 60 untrusted chain or name
 * mismatch, 58 bad client certificate, 77 unreadable CA file/directory,
 * 56 alert or receive failure, 2 libssl missing (set-up). */
#ifndef SB_TLS_H
#define SB_TLS_H

#include <stddef.h>
#include <sys/types.h>

enum {
	TLS_WANT_READ = -2,
	TLS_WANT_WRITE = -3,
	TLS_ERR = -1,
};

/* curl's exit codes for TLS failures */
enum {
	TLS_EX_SETUP = 2,
	TLS_EX_RECV = 56,
	TLS_EX_CLIENT_CERT = 58,
	TLS_EX_HANDSHAKE = 35,
	TLS_EX_VERIFY = 60,
	TLS_EX_CAFILE = 77,
};

#define TLS_ERRMSG_MAX 256

struct tls_conf {
	const char *cafile;      /* --cacert (NULL: system trust store) */
	const char *capath;      /* --capath */
	const char *cert, *key;  /* --cert / --key (key defaults to cert) */
	int insecure;            /* -k: no chain or name verification */
	int min_version;         /* 0 or 12: TLS 1.2; 13: TLS 1.3 */
	int max_version;         /* 0: none; 12, 13 */
};

struct tls_ctx;
struct tls;

/* dlopen libssl.so.3 and libcrypto.so.3 once; 0, or -1 with a message
 * naming the Debian package in err. */
int tls_load(char *err, size_t errlen);

/* tls_load(), and read (not parse) the system trust store: for a run that
 * may need TLS later (a redirect to https), so that no file is opened
 * after set-up while TLS costs nothing until then. */
int tls_prepare(char *err, size_t errlen);

/* A client context (loads CA files and the client certificate now).
 * NULL on failure with *code (77, 58, 2) and a message in err. */
struct tls_ctx *tls_ctx_new(const struct tls_conf *c, int *code,
                            char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *ctx);

/* A client connection over a connected NONBLOCKING fd (not owned).  `host`
 * is the URL's host: a name gets SNI and name verification, an IP literal
 * (no brackets) is checked against the IP-address SANs. */
struct tls *tls_new(struct tls_ctx *ctx, int fd, const char *host);
void tls_free(struct tls *t);

/* One handshake step: 0 done, TLS_WANT_READ/WRITE, TLS_ERR. */
int tls_handshake(struct tls *t);
/* > 0 bytes, 0 end of stream, TLS_WANT_READ/WRITE, TLS_ERR.  Reads as many
 * whole records as are available, up to len.  tls_eof_clean() tells
 * whether the end came with a close_notify. */
ssize_t tls_read(struct tls *t, void *buf, size_t len);
ssize_t tls_write(struct tls *t, const void *buf, size_t len);
int tls_eof_clean(const struct tls *t);
/* Send close_notify (best effort, never waits). */
void tls_shutdown(struct tls *t);

/* After TLS_ERR: the curl exit code and one line of text. */
int tls_code(const struct tls *t);
const char *tls_errmsg(const struct tls *t);

struct tls_info {
	char version[16];        /* "TLSv1.3" */
	char cipher[64];         /* "TLS_AES_256_GCM_SHA384" */
	char alpn[16];           /* "http/1.1" or "" */
	char subject[256], issuer[256];
	char not_before[40], not_after[40]; /* "Dec  1 00:00:00 2027 GMT" */
	long verify_result;      /* X509_V_OK (0) or an X509_V_ERR_* */
	char verify_msg[96];     /* its text: "self-signed certificate" */
	char matched[256];       /* the certificate name the host matched, or "" */
	int host_is_ip;
};
void tls_get_info(const struct tls *t, struct tls_info *out);
/* curl's %{ssl_verify_result} before/without a handshake: 0 */
long tls_verify_result(const struct tls *t);

/* The transport ops (transport.h) over a handshaken client connection:
 * read/write map TLS_WANT_* to EAGAIN and want(), other failures to -1
 * with errno EPROTO (then tls_code()/tls_errmsg() say what); close sends
 * close_notify, frees `t` and closes its fd. */
struct transport;
void tls_transport(struct transport *tr, struct tls *t);

/* ---- for tests and the selftest: an in-memory server ---- */

/* A server context with a fresh self-signed certificate (EC P-256) for
 * `name` (CN, and a DNS SAN, or an IP SAN for an IP literal), valid for
 * `valid_secs` from now (negative: expired that long ago).  With `ca_pem` set,
 * the certificate's PEM is copied there (size bytes, NUL-terminated) so a
 * client can trust it via a file (a --cacert).  min/max_version as in
 * tls_conf. */
struct tls_server_conf {
	const char *name;
	long valid_secs;
	int min_version, max_version;
};
struct tls_ctx *tls_server_ctx_new(const struct tls_server_conf *c,
                                   char *pem, size_t pem_size,
                                   char *err, size_t errlen);
struct tls *tls_server_new(struct tls_ctx *ctx, int fd);
/* The server side's handshake step; same results as tls_handshake(). */
int tls_server_handshake(struct tls *t);

#endif
