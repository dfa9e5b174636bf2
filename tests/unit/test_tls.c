/* Unit tests for lib/tls: a client and an in-process server over a
 * socketpair (both nonblocking, stepped alternately: no threads, no
 * timing), with certificates generated in memory.  Covers the handshake,
 * verification failures and their curl codes, versions, --capath loaded
 * at set-up, reads of many records into one buffer, close_notify versus a
 * bare close, and info. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tls.h"
#include "transport.h"

struct pair {
	int cfd, sfd;
	struct tls_ctx *cctx, *sctx;
	struct tls *c, *s;
	char cafile[64];
};

static char errbuf[TLS_ERRMSG_MAX];

/* A server for `name` (valid `days`), its certificate in a temp file. */
static void pair_server(struct pair *p, const char *name, int days,
                        int smin, int smax)
{
	struct tls_server_conf sc = { name, (long)days * 86400, smin, smax };
	char pem[8192];
	int fds[2], fd;

	memset(p, 0, sizeof *p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                            0, fds), 0);
	p->cfd = fds[0];
	p->sfd = fds[1];
	p->sctx = tls_server_ctx_new(&sc, pem, sizeof pem, errbuf, sizeof errbuf);
	assert_non_null(p->sctx);
	strcpy(p->cafile, "/tmp/test_tls.XXXXXX");
	fd = mkstemp(p->cafile);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pem, strlen(pem)), (ssize_t)strlen(pem));
	close(fd);
	p->s = tls_server_new(p->sctx, p->sfd);
	assert_non_null(p->s);
}

static int pair_client(struct pair *p, const struct tls_conf *conf,
                       const char *host)
{
	int code = -1;
	p->cctx = tls_ctx_new(conf, &code, errbuf, sizeof errbuf);
	if (!p->cctx)
		return code;
	p->c = tls_new(p->cctx, p->cfd, host);
	assert_non_null(p->c);
	return 0;
}

static void pair_free(struct pair *p)
{
	tls_free(p->c);
	tls_free(p->s);
	tls_ctx_free(p->cctx);
	tls_ctx_free(p->sctx);
	if (p->cfd >= 0)
		close(p->cfd);
	if (p->sfd >= 0)
		close(p->sfd);
	unlink(p->cafile);
}

/* Step both handshakes until the client is done or fails.  Returns the
 * client's last result (0 or TLS_ERR). */
static int pair_handshake(struct pair *p)
{
	int cr = TLS_WANT_WRITE, sr = TLS_WANT_READ;

	for (int i = 0; i < 100; i++) {
		if (cr != 0)
			cr = tls_handshake(p->c);
		if (sr != 0 && sr != TLS_ERR)
			sr = tls_server_handshake(p->s);
		if (cr == TLS_ERR || (cr == 0 && sr == 0))
			return cr;
		if (cr == 0 && sr == TLS_ERR)
			return cr;
	}
	fail_msg("handshake did not finish");
	return TLS_ERR;
}

static struct tls_conf conf_ca(const struct pair *p)
{
	struct tls_conf c = { 0 };
	c.cafile = p->cafile;
	return c;
}

static void test_handshake_and_info(void **state)
{
	struct pair p;
	struct tls_conf c;
	struct tls_info info;

	pair_server(&p, "localhost", 1, 0, 0);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(tls_verify_result(p.c), 0);
	assert_int_equal(pair_handshake(&p), 0);
	tls_get_info(p.c, &info);
	assert_string_equal(info.version, "TLSv1.3");
	assert_true(strstr(info.cipher, "TLS_AES") != NULL);
	assert_string_equal(info.subject, "CN=localhost");
	assert_string_equal(info.issuer, "CN=localhost");
	assert_true(strstr(info.not_after, "GMT") != NULL);
	assert_int_equal(info.verify_result, 0);
	pair_free(&p);
}

/* The server writes `n` bytes (many records) then closes cleanly or not;
 * the client reads them all with big reads. */
static void transfer(int clean)
{
	const size_t n = 1 << 20;
	char *src = malloc(n), *dst = malloc(n + 1);
	size_t sent = 0, got = 0;
	struct pair p;
	struct tls_conf c;
	int reads = 0, eof = 0;

	assert_non_null(src);
	assert_non_null(dst);
	for (size_t i = 0; i < n; i++)
		src[i] = (char)(i * 7 + i / 251);
	pair_server(&p, "localhost", 1, 0, 0);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(pair_handshake(&p), 0);
	for (int i = 0; i < 100000 && !eof; i++) {
		if (sent < n) {
			ssize_t w = tls_write(p.s, src + sent, n - sent);
			if (w > 0)
				sent += (size_t)w;
			else
				assert_true(w == TLS_WANT_WRITE || w == TLS_WANT_READ);
			if (sent == n) {
				if (clean) {
					tls_shutdown(p.s);
				}
				close(p.sfd);
				p.sfd = -1;
			}
		}
		ssize_t r = tls_read(p.c, dst + got, n + 1 - got);
		if (r > 0) {
			got += (size_t)r;
			reads++;
		} else if (r == 0) {
			eof = 1;
		} else {
			assert_int_equal(r, TLS_WANT_READ);
		}
	}
	assert_true(eof);
	assert_int_equal(got, n);
	assert_memory_equal(src, dst, n);
	/* 1 MiB is 64 records: reading drains several per call */
	assert_true(reads < 64);
	assert_int_equal(tls_eof_clean(p.c), clean);
	/* the end is sticky */
	assert_int_equal(tls_read(p.c, dst, 10), 0);
	pair_free(&p);
	free(src);
	free(dst);
}

static void test_transfer_close_notify(void **state) { transfer(1); }
static void test_transfer_bare_close(void **state) { transfer(0); }

static void expect_fail(const char *srv_name, int days, const char *host,
                        int insecure, int code, const char *msg)
{
	struct pair p;
	struct tls_conf c;

	pair_server(&p, srv_name, days, 0, 0);
	c = conf_ca(&p);
	c.insecure = insecure;
	assert_int_equal(pair_client(&p, &c, host), 0);
	if (code == 0) {
		assert_int_equal(pair_handshake(&p), 0);
	} else {
		assert_int_equal(pair_handshake(&p), TLS_ERR);
		assert_int_equal(tls_code(p.c), code);
		if (!strstr(tls_errmsg(p.c), msg))
			fail_msg("message '%s' lacks '%s'", tls_errmsg(p.c), msg);
	}
	pair_free(&p);
}

static void test_wrong_name(void **state)
{
	expect_fail("localhost", 1, "other.example", 0, TLS_EX_VERIFY, "mismatch");
	expect_fail("localhost", 1, "other.example", 1, 0, NULL);
}

static void test_expired(void **state)
{
	expect_fail("localhost", -1, "localhost", 0, TLS_EX_VERIFY, "expired");
	expect_fail("localhost", -1, "localhost", 1, 0, NULL);
}

static void test_ip_san(void **state)
{
	expect_fail("127.0.0.1", 1, "127.0.0.1", 0, 0, NULL);
	expect_fail("127.0.0.1", 1, "127.0.0.2", 0, TLS_EX_VERIFY, "mismatch");
	expect_fail("::1", 1, "::1", 0, 0, NULL);
}

static void test_untrusted(void **state)
{
	struct pair p;
	struct tls_conf c = { 0 }; /* system trust store */

	pair_server(&p, "localhost", 1, 0, 0);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(pair_handshake(&p), TLS_ERR);
	assert_int_equal(tls_code(p.c), TLS_EX_VERIFY);
	assert_true(tls_verify_result(p.c) != 0);
	pair_free(&p);
}

static void test_versions(void **state)
{
	struct pair p;
	struct tls_conf c;
	struct tls_info info;

	/* a TLS 1.2-only server: fine with the default minimum */
	pair_server(&p, "localhost", 1, 12, 12);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(pair_handshake(&p), 0);
	tls_get_info(p.c, &info);
	assert_string_equal(info.version, "TLSv1.2");
	pair_free(&p);
	/* ... refused with --tlsv1.3 */
	pair_server(&p, "localhost", 1, 12, 12);
	c = conf_ca(&p);
	c.min_version = 13;
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(pair_handshake(&p), TLS_ERR);
	assert_int_equal(tls_code(p.c), TLS_EX_HANDSHAKE);
	pair_free(&p);
}

static void test_setup_errors(void **state)
{
	struct tls_conf c = { 0 };
	int code = 0;

	c.cafile = "/nonexistent/ca.pem";
	assert_null(tls_ctx_new(&c, &code, errbuf, sizeof errbuf));
	assert_int_equal(code, TLS_EX_CAFILE);
	assert_non_null(strstr(errbuf, "/nonexistent/ca.pem"));
	memset(&c, 0, sizeof c);
	c.cert = "/nonexistent/cert.pem";
	assert_null(tls_ctx_new(&c, &code, errbuf, sizeof errbuf));
	assert_int_equal(code, TLS_EX_CLIENT_CERT);
	memset(&c, 0, sizeof c);
	c.key = "/nonexistent/key.pem";
	assert_null(tls_ctx_new(&c, &code, errbuf, sizeof errbuf));
	assert_int_equal(code, TLS_EX_CLIENT_CERT);
}

/* The transport ops: EAGAIN and want() for TLS_WANT_*, EPROTO for a TLS
 * failure, bytes through; close frees the connection and closes its fd. */
static void test_transport(void **state)
{
	struct pair p;
	struct tls_conf c;
	struct transport tr = { 0 };
	char buf[64];

	pair_server(&p, "localhost", 1, 0, 0);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(pair_handshake(&p), 0);
	tls_transport(&tr, p.c);
	assert_int_equal(tr.fd, p.cfd);
	assert_int_equal(tr.raw, 0);
	assert_int_equal(transport_read(&tr, buf, sizeof buf), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(transport_want(&tr), POLLIN);
	assert_int_equal(transport_write(&tr, "ping", 4), 4);
	assert_int_equal(tls_read(p.s, buf, sizeof buf), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(tls_write(p.s, "pong", 4), 4);
	assert_int_equal(transport_read(&tr, buf, sizeof buf), 4);
	/* garbage from the peer: a TLS failure, not a socket error */
	assert_int_equal(write(p.sfd, "\x17\x03\x03\x00\x05junk!", 10), 10);
	assert_int_equal(transport_read(&tr, buf, sizeof buf), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(tls_code(p.c), TLS_EX_RECV);
	transport_close(&tr);
	p.c = NULL;
	p.cfd = -1;   /* closed by the transport */
	pair_free(&p);
}

/* --capath: every "HASH.N" file is loaded at set-up; other names are not. */
static void capath_case(const char *name, int want)
{
	struct pair p;
	struct tls_conf c = { 0 };
	char dir[] = "/tmp/test_tls_dir.XXXXXX", path[128];

	pair_server(&p, "localhost", 1, 0, 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(link(p.cafile, path), 0);
	c.capath = dir;
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	unlink(path);
	rmdir(dir);
	/* removed before the handshake: nothing is looked up later */
	if (want == 0) {
		assert_int_equal(pair_handshake(&p), 0);
	} else {
		assert_int_equal(pair_handshake(&p), TLS_ERR);
		assert_int_equal(tls_code(p.c), want);
	}
	pair_free(&p);
}

static void test_capath(void **state)
{
	capath_case("0a1b2c3d.0", 0);
	capath_case("0a1b2c3d.12", 0);
	capath_case("cert.pem", TLS_EX_VERIFY);
	capath_case("0a1b2c3d.r0", TLS_EX_VERIFY);
}

/* tls_prepare() reads the system store (here SSL_CERT_FILE) at once; the
 * context made later parses it from memory: the file may be gone by then.
 * In a child, and first in the list: the store is read once per process. */
static void test_prepare_store(void **state)
{
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pair p;
		struct tls_conf c = { 0 };
		pair_server(&p, "localhost", 1, 0, 0);
		setenv("SSL_CERT_FILE", p.cafile, 1);
		if (tls_prepare(errbuf, sizeof errbuf) < 0)
			_exit(10);
		unlink(p.cafile);
		if (pair_client(&p, &c, "localhost") != 0)
			_exit(11);
		_exit(pair_handshake(&p) == 0 ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The peer goes away mid-handshake: 35, with the reason. */
static void test_peer_gone(void **state)
{
	struct pair p;
	struct tls_conf c;

	pair_server(&p, "localhost", 1, 0, 0);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(tls_handshake(p.c), TLS_WANT_READ);
	close(p.sfd);
	p.sfd = -1;
	assert_int_equal(tls_handshake(p.c), TLS_ERR);
	assert_int_equal(tls_code(p.c), TLS_EX_HANDSHAKE);
	pair_free(&p);
}

/* Garbage instead of a ServerHello: 35. */
static void test_not_tls(void **state)
{
	struct pair p;
	struct tls_conf c;
	char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";

	pair_server(&p, "localhost", 1, 0, 0);
	c = conf_ca(&p);
	assert_int_equal(pair_client(&p, &c, "localhost"), 0);
	assert_int_equal(tls_handshake(p.c), TLS_WANT_READ);
	assert_int_equal(write(p.sfd, junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
	assert_int_equal(tls_handshake(p.c), TLS_ERR);
	assert_int_equal(tls_code(p.c), TLS_EX_HANDSHAKE);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: before any test reads the system store into this process */
		cmocka_unit_test(test_prepare_store),
		cmocka_unit_test(test_handshake_and_info),
		cmocka_unit_test(test_transfer_close_notify),
		cmocka_unit_test(test_transfer_bare_close),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_ip_san),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_setup_errors),
		cmocka_unit_test(test_capath),
		cmocka_unit_test(test_transport),
		cmocka_unit_test(test_peer_gone),
		cmocka_unit_test(test_not_tls),
	};
	signal(SIGPIPE, SIG_IGN);
	if (tls_load(errbuf, sizeof errbuf) < 0) {
		printf("1..0 # SKIP %s\n", errbuf);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
