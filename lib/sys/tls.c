/* tls: OpenSSL 3 through dlopen; see tls.h for the contract.
 *
 * Every OpenSSL function used is listed once in SSL_FUNCS / CRYPTO_FUNCS;
 * the table's pointer types come from the headers themselves (typeof), so
 * a wrong prototype cannot compile.  OpenSSL's own macros that expand to
 * SSL_ctrl/SSL_CTX_ctrl are written out below with the header's
 * constants, since calling the macro would need the linked symbol. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

#define SSL_FUNCS(X) \
	X(OPENSSL_init_ssl) X(TLS_client_method) X(TLS_server_method) \
	X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_load_verify_locations) X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_CTX_use_PrivateKey_file) X(SSL_CTX_check_private_key) \
	X(SSL_CTX_set_alpn_protos) X(SSL_CTX_use_certificate) \
	X(SSL_CTX_use_PrivateKey) X(SSL_CTX_set_default_read_buffer_len) \
	X(SSL_new) X(SSL_free) X(SSL_set_fd) X(SSL_ctrl) X(SSL_set1_host) \
	X(SSL_get0_param) X(SSL_connect) X(SSL_accept) X(SSL_read_ex) \
	X(SSL_write_ex) X(SSL_shutdown) X(SSL_get_error) \
	X(SSL_get_verify_result) X(SSL_get_version) X(SSL_get_current_cipher) \
	X(SSL_CIPHER_get_name) X(SSL_get1_peer_certificate) \
	X(SSL_get0_alpn_selected)

#define CRYPTO_FUNCS(X) \
	X(ERR_get_error) X(ERR_error_string_n) X(ERR_clear_error) \
	X(X509_free) X(X509_get_subject_name) X(X509_get_issuer_name) \
	X(X509_NAME_print_ex) X(X509_get0_notAfter) X(X509_get0_notBefore) \
	X(ASN1_TIME_print) X(BIO_new) X(BIO_s_mem) X(BIO_read) X(BIO_free) \
	X(X509_verify_cert_error_string) X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(X509_VERIFY_PARAM_set_hostflags) \
	X(EVP_PKEY_Q_keygen) X(EVP_PKEY_free) X(X509_new) X(X509_set_version) \
	X(X509_get_serialNumber) X(ASN1_INTEGER_set) X(X509_gmtime_adj) \
	X(X509_getm_notBefore) X(X509_getm_notAfter) X(X509_set_pubkey) \
	X(X509_NAME_add_entry_by_txt) X(X509_set_issuer_name) X(X509_sign) \
	X(EVP_sha256) X(X509V3_EXT_conf_nid) X(X509V3_set_ctx) X(X509_add_ext) \
	X(X509_EXTENSION_free) X(PEM_write_bio_X509)

#define DECLARE(f) __typeof__(f) *f;
static struct {
	int loaded;
	SSL_FUNCS(DECLARE)
	CRYPTO_FUNCS(DECLARE)
} S;
#undef DECLARE

struct tls_ctx {
	SSL_CTX *ctx;
	int insecure;
};

struct tls {
	SSL *ssl;
	int insecure;
	int handshaken;
	int eof_clean;
	int has_end;             /* end or error seen: sticky */
	ssize_t end;
	int code;
	char msg[TLS_ERRMSG_MAX];
};

static void set_msg(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_msg(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

/* The oldest queued OpenSSL error as text ("tlsv1 alert protocol
 * version"), clearing the queue. */
static const char *ossl_reason(char *buf, size_t n, unsigned long *first)
{
	unsigned long e = S.ERR_get_error(), f = e;
	buf[0] = '\0';
	while (e) {
		f = e;
		e = S.ERR_get_error(); /* keep the first: it is the cause */
		if (!buf[0]) {
			char tmp[256];
			const char *r;
			S.ERR_error_string_n(f, tmp, sizeof tmp);
			/* "error:0A000086:SSL routines::certificate verify failed" */
			r = strrchr(tmp, ':');
			snprintf(buf, n, "%.*s", (int)(n - 1), r ? r + 1 : tmp);
		}
	}
	if (first)
		*first = f;
	return buf[0] ? buf : "unknown error";
}

int tls_load(char *err, size_t errlen)
{
	void *ssl, *crypto;

	if (S.loaded)
		return 0;
	crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	ssl = crypto ? dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL) : NULL;
	if (!ssl) {
		set_msg(err, errlen, "TLS needs libssl.so.3 (install the Debian "
		        "package libssl3): %s", dlerror());
		return -1;
	}
#define RESOLVE(f) \
	if (!(*(void **)&S.f = dlsym(ssl, #f)) && \
	    !(*(void **)&S.f = dlsym(crypto, #f))) { \
		set_msg(err, errlen, "TLS needs OpenSSL 3 (the Debian package " \
		        "libssl3): %s missing from libssl.so.3", #f); \
		return -1; \
	}
	SSL_FUNCS(RESOLVE)
	CRYPTO_FUNCS(RESOLVE)
#undef RESOLVE
	if (!S.OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	                        OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL)) {
		set_msg(err, errlen, "OpenSSL initialisation failed");
		return -1;
	}
	S.loaded = 1;
	return 0;
}

static int proto_version(int v)
{
	return v == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

static int ctx_versions(SSL_CTX *ctx, int min, int max)
{
	if (!S.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
	                    proto_version(min), NULL))
		return -1;
	if (max && !S.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION,
	                           proto_version(max), NULL))
		return -1;
	return 0;
}

/* Fewer, larger reads from the socket: whole records in one recv(). */
static void ctx_tune(SSL_CTX *ctx)
{
	S.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, NULL);
	S.SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
	S.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
}

struct tls_ctx *tls_ctx_new(const struct tls_conf *c, int *code,
                            char *err, size_t errlen)
{
	static const unsigned char alpn[] = "\x08http/1.1";
	struct tls_ctx *t;
	char why[160];

	*code = TLS_EX_SETUP;
	if (tls_load(err, errlen) < 0)
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t) {
		set_msg(err, errlen, "out of memory");
		return NULL;
	}
	t->insecure = c->insecure;
	t->ctx = S.SSL_CTX_new(S.TLS_client_method());
	if (!t->ctx) {
		set_msg(err, errlen, "TLS set-up: %s", ossl_reason(why, sizeof why, NULL));
		goto fail;
	}
	ctx_tune(t->ctx);
	if (ctx_versions(t->ctx, c->min_version, c->max_version) < 0) {
		set_msg(err, errlen, "TLS set-up: %s", ossl_reason(why, sizeof why, NULL));
		goto fail;
	}
	S.SSL_CTX_set_alpn_protos(t->ctx, alpn, sizeof alpn - 1);
	S.SSL_CTX_set_verify(t->ctx, c->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (c->cafile || c->capath) {
		if (!S.SSL_CTX_load_verify_locations(t->ctx, c->cafile, c->capath)) {
			*code = TLS_EX_CAFILE;
			ossl_reason(why, sizeof why, NULL);
			set_msg(err, errlen, "error setting certificate verify locations: "
			        "CAfile: %s CApath: %s", c->cafile ? c->cafile : "none",
			        c->capath ? c->capath : "none");
			goto fail;
		}
	} else if (!c->insecure && !S.SSL_CTX_set_default_verify_paths(t->ctx)) {
		*code = TLS_EX_CAFILE;
		set_msg(err, errlen, "cannot load the system trust store: %s",
		        ossl_reason(why, sizeof why, NULL));
		goto fail;
	}
	if (c->cert) {
		const char *key = c->key ? c->key : c->cert;
		*code = TLS_EX_CLIENT_CERT;
		if (!S.SSL_CTX_use_certificate_chain_file(t->ctx, c->cert)) {
			set_msg(err, errlen, "unable to use client certificate %s: %s",
			        c->cert, ossl_reason(why, sizeof why, NULL));
			goto fail;
		}
		if (!S.SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) ||
		    !S.SSL_CTX_check_private_key(t->ctx)) {
			set_msg(err, errlen, "unable to use client key %s: %s", key,
			        ossl_reason(why, sizeof why, NULL));
			goto fail;
		}
	} else if (c->key) {
		*code = TLS_EX_CLIENT_CERT;
		set_msg(err, errlen, "--key needs --cert");
		goto fail;
	}
	S.ERR_clear_error();
	*code = 0;
	return t;
fail:
	tls_ctx_free(t);
	return NULL;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->ctx)
		S.SSL_CTX_free(ctx->ctx);
	free(ctx);
}

static int is_ip_literal(const char *host)
{
	unsigned char buf[16];
	char tmp[64];
	const char *pct = strchr(host, '%');
	size_t n = pct ? (size_t)(pct - host) : strlen(host);

	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, host, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET, tmp, buf) == 1 || inet_pton(AF_INET6, tmp, buf) == 1;
}

static struct tls *tls_alloc(struct tls_ctx *ctx, int fd)
{
	struct tls *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->insecure = ctx->insecure;
	t->ssl = S.SSL_new(ctx->ctx);
	if (!t->ssl || !S.SSL_set_fd(t->ssl, fd)) {
		tls_free(t);
		return NULL;
	}
	return t;
}

struct tls *tls_new(struct tls_ctx *ctx, int fd, const char *host)
{
	struct tls *t = tls_alloc(ctx, fd);
	if (!t)
		return NULL;
	if (is_ip_literal(host)) {
		char ip[64];
		const char *pct = strchr(host, '%');
		snprintf(ip, sizeof ip, "%.*s", pct ? (int)(pct - host) : (int)strlen(host), host);
		if (!ctx->insecure &&
		    !S.X509_VERIFY_PARAM_set1_ip_asc(S.SSL_get0_param(t->ssl), ip))
			goto fail;
	} else {
		/* SNI (SSL_set_tlsext_host_name, a macro over SSL_ctrl) */
		if (!S.SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		                TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)host))
			goto fail;
		if (!ctx->insecure) {
			S.X509_VERIFY_PARAM_set_hostflags(S.SSL_get0_param(t->ssl),
			                X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!S.SSL_set1_host(t->ssl, host))
				goto fail;
		}
	}
	return t;
fail:
	tls_free(t);
	return NULL;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	if (t->ssl)
		S.SSL_free(t->ssl);
	free(t);
}

static int fail(struct tls *t, int code, const char *what, int r)
{
	char why[160];
	int e = S.SSL_get_error(t->ssl, r);
	int saved = errno;

	t->code = code;
	if (e == SSL_ERROR_SYSCALL) {
		ossl_reason(why, sizeof why, NULL);
		if (saved)
			set_msg(t->msg, sizeof t->msg, "%s: %s", what, strerror(saved));
		else
			set_msg(t->msg, sizeof t->msg, "%s: connection closed by peer", what);
		return TLS_ERR;
	}
	if (e == SSL_ERROR_ZERO_RETURN) {
		set_msg(t->msg, sizeof t->msg, "%s: connection closed by peer", what);
		return TLS_ERR;
	}
	set_msg(t->msg, sizeof t->msg, "%s: %s", what,
	        ossl_reason(why, sizeof why, NULL));
	return TLS_ERR;
}

int tls_handshake(struct tls *t)
{
	int r, e;

	S.ERR_clear_error();
	errno = 0;
	r = S.SSL_connect(t->ssl);
	if (r == 1) {
		t->handshaken = 1;
		return 0;
	}
	e = S.SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	if (!t->insecure) {
		long v = S.SSL_get_verify_result(t->ssl);
		if (v != X509_V_OK) {
			S.ERR_clear_error();
			t->code = TLS_EX_VERIFY;
			set_msg(t->msg, sizeof t->msg, "SSL certificate problem: %s",
			        S.X509_verify_cert_error_string(v));
			return TLS_ERR;
		}
	}
	return fail(t, TLS_EX_HANDSHAKE, "TLS handshake", r);
}

int tls_server_handshake(struct tls *t)
{
	int r, e;

	S.ERR_clear_error();
	r = S.SSL_accept(t->ssl);
	if (r == 1) {
		t->handshaken = 1;
		return 0;
	}
	e = S.SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	return fail(t, TLS_EX_HANDSHAKE, "TLS handshake", r);
}

/* One SSL_read_ex: > 0 bytes, or a status (0 end, want, error). */
static ssize_t read_once(struct tls *t, char *buf, size_t len)
{
	size_t got = 0;
	int r, e;

	errno = 0;
	r = S.SSL_read_ex(t->ssl, buf, len, &got);
	if (r == 1)
		return (ssize_t)got;
	e = S.SSL_get_error(t->ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		t->eof_clean = 1;
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0) {
			S.ERR_clear_error();
			return 0; /* TCP close without close_notify */
		}
		return fail(t, TLS_EX_RECV, "TLS receive", r);
	default: {
		/* OpenSSL 3 reports an EOF without close_notify as an error */
		unsigned long first = 0;
		char why[160];
		ossl_reason(why, sizeof why, &first);
		if (ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return 0;
		t->code = TLS_EX_RECV;
		set_msg(t->msg, sizeof t->msg, "TLS receive: %s", why);
		return TLS_ERR;
	}
	}
}

ssize_t tls_read(struct tls *t, void *buf, size_t len)
{
	char *p = buf;
	size_t have = 0;

	if (t->has_end)
		return t->end;
	S.ERR_clear_error();
	/* one record per SSL_read_ex: go on until the buffer is full or the
	 * socket is drained, so the caller writes big slices */
	while (have < len) {
		ssize_t r = read_once(t, p + have, len - have);
		if (r > 0) {
			have += (size_t)r;
			continue;
		}
		if (r != TLS_WANT_READ && r != TLS_WANT_WRITE) {
			t->has_end = 1;
			t->end = r;
		}
		if (have == 0)
			return r;
		break; /* the data now, the end or error on the next call */
	}
	return (ssize_t)have;
}

ssize_t tls_write(struct tls *t, const void *buf, size_t len)
{
	size_t done = 0;
	int r, e;

	S.ERR_clear_error();
	errno = 0;
	r = S.SSL_write_ex(t->ssl, buf, len, &done);
	if (r == 1)
		return (ssize_t)done;
	e = S.SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	return fail(t, TLS_EX_RECV, "TLS send", r);
}

int tls_eof_clean(const struct tls *t)
{
	return t->eof_clean;
}

void tls_shutdown(struct tls *t)
{
	if (t && t->handshaken && !t->has_end) {
		S.SSL_shutdown(t->ssl);
		S.ERR_clear_error();
	}
}

int tls_code(const struct tls *t)
{
	return t->code ? t->code : TLS_EX_HANDSHAKE;
}

const char *tls_errmsg(const struct tls *t)
{
	return t->msg[0] ? t->msg : "TLS error";
}

long tls_verify_result(const struct tls *t)
{
	return t && t->ssl ? S.SSL_get_verify_result(t->ssl) : 0;
}

static void name_str(const X509_NAME *n, char *out, size_t size)
{
	BIO *b = S.BIO_new(S.BIO_s_mem());
	int len;

	out[0] = '\0';
	if (!b)
		return;
	if (S.X509_NAME_print_ex(b, n, 0, XN_FLAG_SEP_SPLUS_SPC) >= 0) {
		len = S.BIO_read(b, out, (int)size - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	S.BIO_free(b);
}

static void time_str(const ASN1_TIME *tm, char *out, size_t size)
{
	BIO *b = S.BIO_new(S.BIO_s_mem());
	int len;

	out[0] = '\0';
	if (!b)
		return;
	if (tm && S.ASN1_TIME_print(b, tm)) {
		len = S.BIO_read(b, out, (int)size - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	S.BIO_free(b);
}

void tls_get_info(const struct tls *t, struct tls_info *o)
{
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	const SSL_CIPHER *c;
	X509 *x;

	memset(o, 0, sizeof *o);
	if (!t || !t->ssl)
		return;
	snprintf(o->version, sizeof o->version, "%s", S.SSL_get_version(t->ssl));
	c = S.SSL_get_current_cipher(t->ssl);
	snprintf(o->cipher, sizeof o->cipher, "%s", c ? S.SSL_CIPHER_get_name(c) : "");
	S.SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len < sizeof o->alpn) {
		memcpy(o->alpn, alpn, alpn_len);
		o->alpn[alpn_len] = '\0';
	}
	o->verify_result = S.SSL_get_verify_result(t->ssl);
	x = S.SSL_get1_peer_certificate(t->ssl);
	if (x) {
		name_str(S.X509_get_subject_name(x), o->subject, sizeof o->subject);
		name_str(S.X509_get_issuer_name(x), o->issuer, sizeof o->issuer);
		time_str(S.X509_get0_notBefore(x), o->not_before, sizeof o->not_before);
		time_str(S.X509_get0_notAfter(x), o->not_after, sizeof o->not_after);
		S.X509_free(x);
	}
}

/* ---- in-memory server (tests, selftest) ---- */

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	S.X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	e = S.X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return 0;
	ok = S.X509_add_ext(x, e, -1);
	S.X509_EXTENSION_free(e);
	return ok;
}

static X509 *self_signed(EVP_PKEY *k, const char *name, long secs)
{
	X509 *x = S.X509_new();
	X509_NAME *n;
	char san[300];

	if (!x)
		return NULL;
	snprintf(san, sizeof san, is_ip_literal(name) ? "IP:%s" : "DNS:%s", name);
	n = S.X509_get_subject_name(x);
	if (!S.X509_set_version(x, X509_VERSION_3) ||
	    !S.ASN1_INTEGER_set(S.X509_get_serialNumber(x), 1) ||
	    /* an expired one ended secs ago and began before that */
	    !S.X509_gmtime_adj(S.X509_getm_notBefore(x), secs < 0 ? secs * 2 : -60) ||
	    !S.X509_gmtime_adj(S.X509_getm_notAfter(x), secs) ||
	    !S.X509_set_pubkey(x, k) ||
	    !S.X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                                  (const unsigned char *)name, -1, -1, 0) ||
	    !S.X509_set_issuer_name(x, n) ||
	    !add_ext(x, NID_subject_alt_name, san) ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !S.X509_sign(x, k, S.EVP_sha256())) {
		S.X509_free(x);
		return NULL;
	}
	return x;
}

struct tls_ctx *tls_server_ctx_new(const struct tls_server_conf *c,
                                   char *pem, size_t pem_size,
                                   char *err, size_t errlen)
{
	struct tls_ctx *t;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	char why[160];

	if (tls_load(err, errlen) < 0)
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t) {
		set_msg(err, errlen, "out of memory");
		return NULL;
	}
	t->ctx = S.SSL_CTX_new(S.TLS_server_method());
	if (!t->ctx)
		goto fail;
	ctx_tune(t->ctx);
	if (ctx_versions(t->ctx, c->min_version, c->max_version) < 0)
		goto fail;
	k = S.EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k || !(x = self_signed(k, c->name, c->valid_secs)))
		goto fail;
	if (!S.SSL_CTX_use_certificate(t->ctx, x) ||
	    !S.SSL_CTX_use_PrivateKey(t->ctx, k))
		goto fail;
	if (pem && pem_size) {
		BIO *b = S.BIO_new(S.BIO_s_mem());
		int len = -1;
		if (b && S.PEM_write_bio_X509(b, x))
			len = S.BIO_read(b, pem, (int)pem_size - 1);
		if (b)
			S.BIO_free(b);
		if (len <= 0 || (size_t)len >= pem_size - 1)
			goto fail;
		pem[len] = '\0';
	}
	S.X509_free(x);
	S.EVP_PKEY_free(k);
	return t;
fail:
	set_msg(err, errlen, "TLS server set-up: %s", ossl_reason(why, sizeof why, NULL));
	if (x)
		S.X509_free(x);
	if (k)
		S.EVP_PKEY_free(k);
	tls_ctx_free(t);
	return NULL;
}

struct tls *tls_server_new(struct tls_ctx *ctx, int fd)
{
	return tls_alloc(ctx, fd);
}
