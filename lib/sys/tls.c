/* tls: OpenSSL 3 through dlopen; see tls.h for the contract.
 *
 * Every OpenSSL function used is listed once in SSL_FUNCS / CRYPTO_FUNCS;
 * the table's pointer types come from the headers themselves (typeof), so
 * a wrong prototype cannot compile.  OpenSSL's own macros that expand to
 * SSL_ctrl/SSL_CTX_ctrl are written out below with the header's
 * constants, since calling the macro would need the linked symbol. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "transport.h"

#define SSL_FUNCS(X) \
	X(OPENSSL_init_ssl) X(TLS_client_method) X(TLS_server_method) \
	X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_load_verify_file) X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_CTX_use_PrivateKey_file) X(SSL_CTX_check_private_key) \
	X(SSL_CTX_set_alpn_protos) X(SSL_CTX_use_certificate) \
	X(SSL_CTX_use_PrivateKey) X(SSL_CTX_set_default_read_buffer_len) \
	X(SSL_new) X(SSL_free) X(SSL_set_fd) X(SSL_ctrl) X(SSL_set1_host) \
	X(SSL_get0_param) X(SSL_connect) X(SSL_accept) X(SSL_read_ex) \
	X(SSL_write_ex) X(SSL_shutdown) X(SSL_get_error) \
	X(SSL_get_verify_result) X(SSL_get_version) X(SSL_get_current_cipher) \
	X(SSL_CIPHER_get_name) X(SSL_get1_peer_certificate) \
	X(SSL_get0_alpn_selected) X(SSL_get0_peername) X(SSL_CTX_get_cert_store)

#define CRYPTO_FUNCS(X) \
	X(ERR_get_error) X(ERR_error_string_n) X(ERR_clear_error) \
	X(X509_free) X(X509_get_subject_name) X(X509_get_issuer_name) \
	X(X509_NAME_print_ex) X(X509_get0_notAfter) X(X509_get0_notBefore) \
	X(ASN1_TIME_print) X(BIO_new) X(BIO_s_mem) X(BIO_read) X(BIO_free) \
	X(X509_verify_cert_error_string) X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(X509_VERIFY_PARAM_set_hostflags) X(X509_get_default_cert_file) \
	X(X509_get_default_cert_dir) X(X509_get_default_cert_file_env) \
	X(X509_get_default_cert_dir_env) \
	X(EVP_PKEY_Q_keygen) X(EVP_PKEY_free) X(X509_new) X(X509_set_version) \
	X(X509_get_serialNumber) X(ASN1_INTEGER_set) X(X509_gmtime_adj) \
	X(X509_getm_notBefore) X(X509_getm_notAfter) X(X509_set_pubkey) \
	X(X509_NAME_add_entry_by_txt) X(X509_set_issuer_name) X(X509_sign) \
	X(EVP_sha256) X(X509V3_EXT_conf_nid) X(X509V3_set_ctx) X(X509_add_ext) \
	X(BIO_new_mem_buf) X(PEM_read_bio_X509) X(X509_STORE_add_cert) \
	X(X509_EXTENSION_free) X(PEM_write_bio_X509)

/* One slot per function: filled by name in a loop (a union, so the slots
 * are both an array for dlsym and typed members for the calls). */
#define DECLARE(f) __typeof__(f) *(f);
#define COUNT(f) +1 /* NOLINT(bugprone-macro-parentheses): a term of a sum */
#define NAME(f) #f "\0"
static union {
	struct {
		SSL_FUNCS(DECLARE)
		CRYPTO_FUNCS(DECLARE)
	} f;
	void *slot[0 SSL_FUNCS(COUNT) CRYPTO_FUNCS(COUNT)];
} S;
/* "name\0name\0...": one string, no pointer table to relocate */
static const char fn_names[] = SSL_FUNCS(NAME) CRYPTO_FUNCS(NAME);
static int loaded;
#undef DECLARE
#undef COUNT
#undef NAME

struct tls_ctx {
	SSL_CTX *ctx;
	int insecure;
};

struct tls {
	SSL *ssl;
	int fd;
	int host_is_ip;
	short want;              /* for the transport's want() */
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
	unsigned long oldest = S.f.ERR_get_error();

	buf[0] = '\0';
	if (oldest) {
		char tmp[256];
		const char *r;
		S.f.ERR_error_string_n(oldest, tmp, sizeof tmp);
		/* "error:0A000086:SSL routines::certificate verify failed" */
		r = strrchr(tmp, ':');
		snprintf(buf, n, "%.*s", (int)(n - 1), r ? r + 1 : tmp);
	}
	S.f.ERR_clear_error(); /* the rest follow from the first */
	if (first)
		*first = oldest;
	return buf[0] ? buf : "unknown error";
}

int tls_load(char *err, size_t errlen)
{
	void *ssl, *crypto;

	if (loaded)
		return 0;
	crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	ssl = crypto ? dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL) : NULL;
	if (!ssl) {
		set_msg(err, errlen, "TLS needs libssl.so.3 (install the Debian "
		        "package libssl3): %s", dlerror());
		return -1;
	}
	const char *name = fn_names;
	for (size_t i = 0; i < sizeof S.slot / sizeof S.slot[0]; i++) {
		S.slot[i] = dlsym(ssl, name);
		if (!S.slot[i])
			S.slot[i] = dlsym(crypto, name);
		if (!S.slot[i]) {
			set_msg(err, errlen, "TLS needs OpenSSL 3 (the Debian package "
			        "libssl3): %s missing from libssl.so.3", name);
			return -1;
		}
		name += strlen(name) + 1;
	}
	if (!S.f.OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	                          OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL)) {
		set_msg(err, errlen, "OpenSSL initialisation failed");
		return -1;
	}
	loaded = 1;
	return 0;
}

static int proto_version(int v)
{
	return v == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

static int ctx_versions(SSL_CTX *ctx, int min, int max)
{
	if (!S.f.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
	                    proto_version(min), NULL))
		return -1;
	if (max && !S.f.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION,
	                           proto_version(max), NULL))
		return -1;
	return 0;
}

/* Fewer, larger reads from the socket: whole records in one recv(). */
static void ctx_tune(SSL_CTX *ctx)
{
	S.f.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, NULL);
	S.f.SSL_CTX_set_default_read_buffer_len(ctx, (size_t)64 * 1024);
	S.f.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
}

/* "5ad8a5d6.0": a name `openssl rehash` gives a certificate. */
static int is_hash_name(const char *s)
{
	int i;
	for (i = 0; i < 8; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	if (s[8] != '.' || !s[9])
		return 0;
	for (i = 9; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Load every certificate of a hashed directory now, instead of OpenSSL's
 * lookups by hash during each verification: no file is opened after
 * set-up (a sandbox need not allow it).  Files loaded, -1: no directory. */
static int load_ca_dir(SSL_CTX *ctx, const char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!is_hash_name(e->d_name))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		if (S.f.SSL_CTX_load_verify_file(ctx, path))
			n++;
	}
	closedir(d);
	S.f.ERR_clear_error();
	return n;
}

/* The system trust store's PEM text, read by tls_prepare() (or the first
 * tls_ctx_new()): reading it is cheap, parsing its ~150 certificates costs
 * tens of milliseconds, so a run that may never need TLS (-L over http)
 * reads it at set-up and parses it only if a redirect leads to https. */
static struct {
	char *pem;
	size_t len;
	int read;
} store;

#define STORE_FILE_MAX ((size_t)16 << 20)

static int store_append(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *p;
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > STORE_FILE_MAX ||
	    !(p = realloc(store.pem, store.len + (size_t)st.st_size + 1))) {
		close(fd);
		return -1;
	}
	store.pem = p;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + store.len + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	store.len += got;
	p[store.len++] = '\n';
	return 0;
}

/* The bundle file (SSL_CERT_FILE, else OpenSSL's default: Debian's
 * ca-certificates.crt), or only when there is none every certificate of
 * the hashed directory (SSL_CERT_DIR, else /usr/lib/ssl/certs) it is
 * made from. */
static void store_read(void)
{
	const char *f = secure_getenv(S.f.X509_get_default_cert_file_env());
	const char *d = secure_getenv(S.f.X509_get_default_cert_dir_env());
	char path[4096];
	struct dirent *e;
	DIR *dir;

	if (store.read)
		return;
	store.read = 1;
	if (store_append(f ? f : S.f.X509_get_default_cert_file()) == 0)
		return;
	dir = opendir(d ? d : S.f.X509_get_default_cert_dir());
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (is_hash_name(e->d_name) &&
		    snprintf(path, sizeof path, "%s/%s", d ? d : S.f.X509_get_default_cert_dir(),
		             e->d_name) < (int)sizeof path)
			store_append(path);
	closedir(dir);
}

/* Parse the store's text into the context: certificates added. */
static int load_default_cas(SSL_CTX *ctx)
{
	X509_STORE *xs = S.f.SSL_CTX_get_cert_store(ctx);
	BIO *b;
	X509 *x;
	int n = 0;

	store_read();
	if (!store.len || store.len > INT_MAX ||
	    !(b = S.f.BIO_new_mem_buf(store.pem, (int)store.len)))
		return 0;
	while ((x = S.f.PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (S.f.X509_STORE_add_cert(xs, x))
			n++;
		S.f.X509_free(x);
	}
	S.f.BIO_free(b);
	S.f.ERR_clear_error();
	return n;
}

int tls_prepare(char *err, size_t errlen)
{
	if (tls_load(err, errlen) < 0)
		return -1;
	store_read();
	tzset();
	return 0;
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
	t->ctx = S.f.SSL_CTX_new(S.f.TLS_client_method());
	if (!t->ctx) {
		set_msg(err, errlen, "TLS set-up: %s", ossl_reason(why, sizeof why, NULL));
		goto fail;
	}
	ctx_tune(t->ctx);
	if (ctx_versions(t->ctx, c->min_version, c->max_version) < 0) {
		set_msg(err, errlen, "TLS set-up: %s", ossl_reason(why, sizeof why, NULL));
		goto fail;
	}
	S.f.SSL_CTX_set_alpn_protos(t->ctx, alpn, sizeof alpn - 1);
	S.f.SSL_CTX_set_verify(t->ctx, c->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (c->cafile || c->capath) {
		/* as curl: a --capath that cannot be read trusts nothing (60) */
		if (c->capath)
			load_ca_dir(t->ctx, c->capath);
		if (c->cafile && !S.f.SSL_CTX_load_verify_file(t->ctx, c->cafile)) {
			*code = TLS_EX_CAFILE;
			ossl_reason(why, sizeof why, NULL);
			set_msg(err, errlen, "error setting certificate verify locations: "
			        "CAfile: %s CApath: %s", c->cafile ? c->cafile : "none",
			        c->capath ? c->capath : "none");
			goto fail;
		}
	} else if (!c->insecure && !load_default_cas(t->ctx)) {
		*code = TLS_EX_CAFILE;
		set_msg(err, errlen, "no CA certificates in %s or %s (install the "
		        "Debian package ca-certificates)", S.f.X509_get_default_cert_file(),
		        S.f.X509_get_default_cert_dir());
		goto fail;
	}
	if (c->cert) {
		const char *key = c->key ? c->key : c->cert;
		*code = TLS_EX_CLIENT_CERT;
		if (!S.f.SSL_CTX_use_certificate_chain_file(t->ctx, c->cert)) {
			set_msg(err, errlen, "unable to use client certificate %s: %s",
			        c->cert, ossl_reason(why, sizeof why, NULL));
			goto fail;
		}
		if (!S.f.SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) ||
		    !S.f.SSL_CTX_check_private_key(t->ctx)) {
			set_msg(err, errlen, "unable to use client key %s: %s", key,
			        ossl_reason(why, sizeof why, NULL));
			goto fail;
		}
	} else if (c->key) {
		*code = TLS_EX_CLIENT_CERT;
		set_msg(err, errlen, "--key needs --cert");
		goto fail;
	}
	S.f.ERR_clear_error();
	/* certificate dates are checked through the C library's time zone
	 * code: load /etc/localtime now, not in the first handshake */
	tzset();
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
		S.f.SSL_CTX_free(ctx->ctx);
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
	t->fd = fd;
	t->want = POLLIN;
	t->ssl = S.f.SSL_new(ctx->ctx);
	if (!t->ssl || !S.f.SSL_set_fd(t->ssl, fd)) {
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
		t->host_is_ip = 1;
		const char *pct = strchr(host, '%');
		snprintf(ip, sizeof ip, "%.*s", pct ? (int)(pct - host) : (int)strlen(host), host);
		if (!ctx->insecure &&
		    !S.f.X509_VERIFY_PARAM_set1_ip_asc(S.f.SSL_get0_param(t->ssl), ip))
			goto fail;
	} else {
		/* SNI (SSL_set_tlsext_host_name, a macro over SSL_ctrl) */
		if (!S.f.SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		                TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)host))
			goto fail;
		if (!ctx->insecure) {
			S.f.X509_VERIFY_PARAM_set_hostflags(S.f.SSL_get0_param(t->ssl),
			                X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!S.f.SSL_set1_host(t->ssl, host))
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
		S.f.SSL_free(t->ssl);
	free(t);
}

static int fail(struct tls *t, int code, const char *what, int r)
{
	char why[160];
	int saved = errno;
	int e = S.f.SSL_get_error(t->ssl, r);

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

	S.f.ERR_clear_error();
	errno = 0;
	r = S.f.SSL_connect(t->ssl);
	if (r == 1) {
		t->handshaken = 1;
		return 0;
	}
	e = S.f.SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	if (!t->insecure) {
		long v = S.f.SSL_get_verify_result(t->ssl);
		if (v != X509_V_OK) {
			S.f.ERR_clear_error();
			t->code = TLS_EX_VERIFY;
			set_msg(t->msg, sizeof t->msg, "SSL certificate problem: %s",
			        S.f.X509_verify_cert_error_string(v));
			return TLS_ERR;
		}
	}
	return fail(t, TLS_EX_HANDSHAKE, "TLS handshake", r);
}

int tls_server_handshake(struct tls *t)
{
	int r, e;

	S.f.ERR_clear_error();
	r = S.f.SSL_accept(t->ssl);
	if (r == 1) {
		t->handshaken = 1;
		return 0;
	}
	e = S.f.SSL_get_error(t->ssl, r);
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
	r = S.f.SSL_read_ex(t->ssl, buf, len, &got);
	if (r == 1)
		return (ssize_t)got;
	e = S.f.SSL_get_error(t->ssl, r);
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
			S.f.ERR_clear_error();
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
	S.f.ERR_clear_error();
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

	S.f.ERR_clear_error();
	errno = 0;
	r = S.f.SSL_write_ex(t->ssl, buf, len, &done);
	if (r == 1)
		return (ssize_t)done;
	e = S.f.SSL_get_error(t->ssl, r);
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
		S.f.SSL_shutdown(t->ssl);
		S.f.ERR_clear_error();
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
	return t && t->ssl ? S.f.SSL_get_verify_result(t->ssl) : 0;
}

static void name_str(const X509_NAME *n, char *out, size_t size)
{
	BIO *b = S.f.BIO_new(S.f.BIO_s_mem());
	int len;

	out[0] = '\0';
	if (!b)
		return;
	if (S.f.X509_NAME_print_ex(b, n, 0, XN_FLAG_SEP_SPLUS_SPC) >= 0) {
		len = S.f.BIO_read(b, out, (int)size - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	S.f.BIO_free(b);
}

static void time_str(const ASN1_TIME *tm, char *out, size_t size)
{
	BIO *b = S.f.BIO_new(S.f.BIO_s_mem());
	int len;

	out[0] = '\0';
	if (!b)
		return;
	if (tm && S.f.ASN1_TIME_print(b, tm)) {
		len = S.f.BIO_read(b, out, (int)size - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	S.f.BIO_free(b);
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
	snprintf(o->version, sizeof o->version, "%s", S.f.SSL_get_version(t->ssl));
	c = S.f.SSL_get_current_cipher(t->ssl);
	snprintf(o->cipher, sizeof o->cipher, "%s", c ? S.f.SSL_CIPHER_get_name(c) : "");
	S.f.SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len < sizeof o->alpn) {
		memcpy(o->alpn, alpn, alpn_len);
		o->alpn[alpn_len] = '\0';
	}
	o->verify_result = S.f.SSL_get_verify_result(t->ssl);
	snprintf(o->verify_msg, sizeof o->verify_msg, "%s",
	         S.f.X509_verify_cert_error_string(o->verify_result));
	o->host_is_ip = t->host_is_ip;
	if (!t->insecure && o->verify_result == X509_V_OK) {
		const char *m = S.f.SSL_get0_peername(t->ssl);
		snprintf(o->matched, sizeof o->matched, "%s", m ? m : "");
	}
	x = S.f.SSL_get1_peer_certificate(t->ssl);
	if (x) {
		name_str(S.f.X509_get_subject_name(x), o->subject, sizeof o->subject);
		name_str(S.f.X509_get_issuer_name(x), o->issuer, sizeof o->issuer);
		time_str(S.f.X509_get0_notBefore(x), o->not_before, sizeof o->not_before);
		time_str(S.f.X509_get0_notAfter(x), o->not_after, sizeof o->not_after);
		S.f.X509_free(x);
	}
}

/* ---- the transport seam ---- */

static ssize_t io_status(struct tls *t, ssize_t n)
{
	if (n >= 0)
		return n;
	if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
		t->want = n == TLS_WANT_READ ? POLLIN : POLLOUT;
		errno = EAGAIN;
	} else {
		errno = EPROTO;
	}
	return -1;
}

static ssize_t tr_read(void *ctx, void *buf, size_t len)
{
	return io_status(ctx, tls_read(ctx, buf, len));
}

static ssize_t tr_write(void *ctx, const void *buf, size_t len)
{
	return io_status(ctx, tls_write(ctx, buf, len));
}

static short tr_want(void *ctx)
{
	return ((struct tls *)ctx)->want;
}

static void tr_close(void *ctx)
{
	struct tls *t = ctx;
	int fd = t->fd;

	tls_shutdown(t);
	tls_free(t);
	if (fd >= 0)
		close(fd);
}

static const struct transport_ops tls_ops = { tr_read, tr_write, tr_want, tr_close };

void tls_transport(struct transport *tr, struct tls *t)
{
	tr->ops = &tls_ops;
	tr->ctx = t;
	tr->fd = t->fd;
	tr->raw = 0;
}

/* ---- in-memory server (tests, selftest) ---- */

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	S.f.X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	e = S.f.X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return 0;
	ok = S.f.X509_add_ext(x, e, -1);
	S.f.X509_EXTENSION_free(e);
	return ok;
}

static X509 *self_signed(EVP_PKEY *k, const char *name, long secs)
{
	X509 *x = S.f.X509_new();
	X509_NAME *n;
	char san[300];

	if (!x)
		return NULL;
	snprintf(san, sizeof san, is_ip_literal(name) ? "IP:%s" : "DNS:%s", name);
	n = S.f.X509_get_subject_name(x);
	if (!S.f.X509_set_version(x, X509_VERSION_3) ||
	    !S.f.ASN1_INTEGER_set(S.f.X509_get_serialNumber(x), 1) ||
	    /* an expired one ended secs ago and began before that */
	    !S.f.X509_gmtime_adj(S.f.X509_getm_notBefore(x), secs < 0 ? secs * 2 : -60) ||
	    !S.f.X509_gmtime_adj(S.f.X509_getm_notAfter(x), secs) ||
	    !S.f.X509_set_pubkey(x, k) ||
	    !S.f.X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                                  (const unsigned char *)name, -1, -1, 0) ||
	    !S.f.X509_set_issuer_name(x, n) ||
	    !add_ext(x, NID_subject_alt_name, san) ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !S.f.X509_sign(x, k, S.f.EVP_sha256())) {
		S.f.X509_free(x);
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
	t->ctx = S.f.SSL_CTX_new(S.f.TLS_server_method());
	if (!t->ctx)
		goto fail;
	ctx_tune(t->ctx);
	if (ctx_versions(t->ctx, c->min_version, c->max_version) < 0)
		goto fail;
	k = S.f.EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k || !(x = self_signed(k, c->name, c->valid_secs)))
		goto fail;
	if (!S.f.SSL_CTX_use_certificate(t->ctx, x) ||
	    !S.f.SSL_CTX_use_PrivateKey(t->ctx, k))
		goto fail;
	if (pem && pem_size) {
		BIO *b = S.f.BIO_new(S.f.BIO_s_mem());
		int len = -1;
		if (b && S.f.PEM_write_bio_X509(b, x))
			len = S.f.BIO_read(b, pem, (int)pem_size - 1);
		if (b)
			S.f.BIO_free(b);
		if (len <= 0 || (size_t)len >= pem_size - 1)
			goto fail;
		pem[len] = '\0';
	}
	S.f.X509_free(x);
	S.f.EVP_PKEY_free(k);
	return t;
fail:
	set_msg(err, errlen, "TLS server set-up: %s", ossl_reason(why, sizeof why, NULL));
	if (x)
		S.f.X509_free(x);
	if (k)
		S.f.EVP_PKEY_free(k);
	tls_ctx_free(t);
	return NULL;
}

struct tls *tls_server_new(struct tls_ctx *ctx, int fd)
{
	return tls_alloc(ctx, fd);
}
