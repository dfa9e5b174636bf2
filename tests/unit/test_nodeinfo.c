/* Unit tests for lib/nodeinfo: -N option parsing, query bytes, nonces and
 * reply texts (golden strings from iputils ping 20221126 runs against the
 * responder of tests/integration/32-ping-ni.sh), and malformed replies:
 * every truncation of every reply kind, every buffer size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nodeinfo.h"

static void test_options(void **st)
{
	struct nodeinfo_q q;
	const char *v;
	(void)st;

	nodeinfo_init(&q);
	assert_int_equal(q.qtype, -1);
	assert_int_equal(nodeinfo_option(&q, "ipv6-global", &v), NODEINFO_OPT_DONE);
	assert_int_equal(nodeinfo_option(&q, "ipv6-linklocal", &v), NODEINFO_OPT_DONE);
	assert_int_equal(nodeinfo_option(&q, "ipv6", &v), NODEINFO_OPT_DONE);
	assert_int_equal(q.qtype, NODEINFO_QTYPE_IPV6);
	assert_int_equal(q.flags, 0x0028);
	assert_int_equal(nodeinfo_option(&q, "ipv4", &v), NODEINFO_OPT_QCONFLICT);
	assert_int_equal(nodeinfo_option(&q, "name", &v), NODEINFO_OPT_QCONFLICT);

	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_option(&q, "fqdn", &v), NODEINFO_OPT_DONE);
	assert_int_equal(q.qtype, NODEINFO_QTYPE_NAME);
	assert_int_equal(nodeinfo_option(&q, "name", &v), NODEINFO_OPT_DONE);
	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_option(&q, "ipv4-all", &v), NODEINFO_OPT_DONE);
	assert_int_equal(q.qtype, NODEINFO_QTYPE_IPV4);
	assert_int_equal(q.flags, 0x0002);

	/* whole names only; subjects need '=' */
	static const char *const bad[] = {
		"", "nam", "names", "name=x", "NAME", "ipv6-", "subject-ipv6", "subject-ipv6:x",
		"help=1", "ipv4-al", "subject",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(nodeinfo_option(&q, bad[i], &v), NODEINFO_OPT_UNKNOWN);
	assert_int_equal(nodeinfo_option(&q, "help", &v), NODEINFO_OPT_HELP);

	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_option(&q, "subject-ipv6=fd00::1", &v), NODEINFO_OPT_SUBJ_IPV6);
	assert_string_equal(v, "fd00::1");
	const uint8_t a6[16] = { 0xfd };
	nodeinfo_subject_addr(&q, NODEINFO_SUBJ_IPV6, a6, 16);
	assert_int_equal(nodeinfo_option(&q, "subject-ipv6=", &v), NODEINFO_OPT_SUBJ_IPV6);
	assert_string_equal(v, "");
	assert_int_equal(nodeinfo_option(&q, "subject-ipv4=1.2.3.4", &v), NODEINFO_OPT_SCONFLICT);
	assert_int_equal(nodeinfo_option(&q, "subject-name=x", &v), NODEINFO_OPT_SCONFLICT);
	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_option(&q, "subject-name=a", &v), NODEINFO_OPT_SUBJ_NAME);
	assert_int_equal(nodeinfo_subject_name(&q, v, 0, NULL, 0), 0);
	assert_int_equal(nodeinfo_option(&q, "subject-fqdn=b", &v), NODEINFO_OPT_SUBJ_FQDN);
	assert_int_equal(nodeinfo_option(&q, "subject-ipv4=1.2.3.4", &v), NODEINFO_OPT_SCONFLICT);
	assert_true(strstr(nodeinfo_help(), "Subject:\n  subject-ipv6=addr\n") != NULL);
}

static void test_subject_names(void **st)
{
	struct nodeinfo_q q;
	char cn[64];
	(void)st;

	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_subject_name(&q, "Node.Example.ORG", 0, cn, sizeof cn), 0);
	assert_int_equal(q.subject_type, NODEINFO_SUBJ_FQDN);
	assert_int_equal(q.subject_len, 18);
	assert_memory_equal(q.subject, "\4node\7example\3org\0", 18);
	/* one label: not fully qualified, an extra zero */
	assert_int_equal(nodeinfo_subject_name(&q, "node", 0, cn, sizeof cn), 0);
	assert_int_equal(q.subject_len, 7);
	assert_memory_equal(q.subject, "\4node\0\0", 7);
	/* subject-fqdn: always the extra zero (iputils' table says so) */
	assert_int_equal(nodeinfo_subject_name(&q, "a.b", 1, cn, sizeof cn), 0);
	assert_int_equal(q.subject_len, 6);
	assert_memory_equal(q.subject, "\1a\1b\0\0", 6);
	/* the scope is cut off */
	assert_int_equal(nodeinfo_subject_name(&q, "a.b%lo", 0, cn, sizeof cn), 0);
	assert_int_equal(q.subject_len, 5);
	assert_int_equal(nodeinfo_subject_name(&q, "a%0123456789abcdef", 0, cn, sizeof cn), -2);
	assert_int_equal(nodeinfo_subject_name(&q, "A..b", 0, cn, sizeof cn), -1);
	assert_string_equal(cn, "a..b");
	/* libidn2's checks */
	char lab[80];
	memset(lab, 'x', 64);
	lab[64] = '\0';
	assert_int_equal(nodeinfo_subject_name(&q, lab, 0, cn, sizeof cn), NODEINFO_IDN_LABEL_LONG);
	lab[63] = '\0';
	assert_int_equal(nodeinfo_subject_name(&q, lab, 0, cn, sizeof cn), 0);
	assert_int_equal(q.subject_len, 66);
	assert_int_equal(nodeinfo_subject_name(&q, "-a.b", 0, cn, sizeof cn), NODEINFO_IDN_HYPHEN);
	assert_int_equal(nodeinfo_subject_name(&q, "a-.b", 0, cn, sizeof cn), NODEINFO_IDN_HYPHEN);
	assert_int_equal(nodeinfo_subject_name(&q, "a-b.c", 0, cn, sizeof cn), 0);
	char big[400];
	for (int i = 0; i < 399; i++)
		big[i] = i % 10 == 9 ? '.' : 'a';
	big[399] = '\0';
	assert_int_equal(nodeinfo_subject_name(&q, big, 0, cn, sizeof cn), NODEINFO_IDN_NAME_LONG);
	assert_string_equal(nodeinfo_idn_error(NODEINFO_IDN_LABEL_LONG),
	                    "domain label longer than 63 characters");
	/* 255 characters of short labels: more than dn_comp() takes */
	big[255] = '\0';
	assert_int_equal(nodeinfo_subject_name(&q, big, 0, cn, sizeof cn), -1);
}

static void test_query_and_nonce(void **st)
{
	struct nodeinfo_q q;
	uint8_t b[300], r[64];
	const char *v;
	(void)st;

	nodeinfo_init(&q);
	assert_int_equal(nodeinfo_query_build(b, sizeof b, &q, 1, 1), 0);   /* no query */
	nodeinfo_option(&q, "ipv6-all", &v);
	const uint8_t a6[16] = { 0xfd, 0, 0, 0x14, [15] = 2 };
	nodeinfo_subject_addr(&q, NODEINFO_SUBJ_IPV6, a6, 16);
	assert_int_equal(nodeinfo_query_build(b, 31, &q, 42, 7), 0);        /* too small */
	assert_int_equal(nodeinfo_query_build(b, sizeof b, &q, 42, 7), 32);
	const uint8_t head[8] = { 139, 0, 0, 0, 0, 3, 0, 2 };
	assert_memory_equal(b, head, 8);
	assert_int_equal(b[8], 0);
	assert_int_equal(b[9], 7);
	assert_memory_equal(b + 16, a6, 16);

	/* a reply echoing the nonce gives the sequence back */
	memset(r, 0, sizeof r);
	r[0] = 140;
	memcpy(r + 4, b + 4, 12);
	assert_int_equal(nodeinfo_reply_seq(42, r, 16), 7);
	assert_int_equal(nodeinfo_reply_seq(43, r, 16), -1);               /* other secret */
	assert_int_equal(nodeinfo_reply_seq(42, r, 15), -1);               /* too short */
	r[15] ^= 1;
	assert_int_equal(nodeinfo_reply_seq(42, r, 16), -1);
	r[15] ^= 1;
	r[0] = 139;
	assert_int_equal(nodeinfo_reply_seq(42, r, 16), -1);               /* not a reply */
	/* nonces differ per sequence */
	uint8_t n1[8], n2[8];
	nodeinfo_nonce(42, 1, n1);
	nodeinfo_nonce(42, 2, n2);
	assert_memory_not_equal(n1 + 2, n2 + 2, 6);
	assert_int_equal(n2[1], 2);
}

/* A reply: header (code, qtype, flags, nonce for seq) + body. */
static size_t reply(uint8_t *b, int code, int qtype, int flags, uint16_t seq,
                    const void *body, size_t blen)
{
	memset(b, 0, 16);
	b[0] = 140;
	b[1] = (uint8_t)code;
	b[4] = (uint8_t)(qtype >> 8);
	b[5] = (uint8_t)qtype;
	b[6] = (uint8_t)(flags >> 8);
	b[7] = (uint8_t)flags;
	b[8] = (uint8_t)(seq >> 8);
	b[9] = (uint8_t)seq;
	memcpy(b + 16, body, blen);
	return 16 + blen;
}

static const char *text(const uint8_t *b, size_t len)
{
	static char t[4096];
	nodeinfo_reply_text(t, sizeof t, b, len);
	return t;
}

static void test_reply_texts(void **st)
{
	uint8_t b[512];
	size_t n;
	(void)st;

	static const uint8_t names[] = "\0\0\0\x1e" "\6SbHost\7Example\0" "\5short\0\0";
	n = reply(b, 0, 2, 0, 1, names, sizeof names - 1);
	assert_string_equal(text(b, n), " SbHost.Example., short; seq=1;");
	/* a dot and a space in labels, a byte above 0x7f, a pointer; the zero
	 * after the pointer makes that name not fully qualified (no dot) */
	static const uint8_t esc[] = "\0\0\0\x1e" "\3a.b\4c d\xff\0" "\1x\xc0\x04" "\0";
	n = reply(b, 0, 2, 0, 2, esc, sizeof esc - 1);
	assert_string_equal(text(b, n), " a\\.b.c\\032d\\255., x.a\\.b.c\\032d\\255; seq=2;");
	static const uint8_t ptr[] = "\0\0\0\x1e" "\1x\xc0\x7f";
	n = reply(b, 0, 2, 0, 3, ptr, sizeof ptr - 1);
	assert_string_equal(text(b, n), " parse error (truncated); seq=3;");
	n = reply(b, 0, 2, 0, 4, "\0\0", 2);
	assert_string_equal(text(b, n), " parse error (too short); seq=4;");
	n = reply(b, 0, 2, 0, 5, "\0\0\0\0", 4);
	assert_string_equal(text(b, n), "; seq=5;");

	static const uint8_t a6[] = "\0\0\0\x1e\xfd\0\0\x14\0\0\0\0\0\0\0\0\0\0\0\x02"
	                            "\0\0\0\x1e\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x14";
	n = reply(b, 0, 3, 0, 6, a6, sizeof a6 - 1);
	assert_string_equal(text(b, n), " fd00:14::2, fe80::14; seq=6;");
	n = reply(b, 0, 3, 1, 6, a6, sizeof a6 - 1);
	assert_string_equal(text(b, n), " fd00:14::2, fe80::14 (truncated); seq=6;");
	n = reply(b, 0, 3, 0, 6, a6, sizeof a6 - 4);
	assert_string_equal(text(b, n), " fd00:14::2, parse error (truncated); seq=6;");
	n = reply(b, 0, 3, 0, 6, "", 0);
	assert_string_equal(text(b, n), "; seq=6;");
	static const uint8_t a4[] = "\0\0\0\x1e\xc6\x12\x0e\x02" "\0\0\0\x1e\xc6\x12\x0f\x09";
	n = reply(b, 0, 4, 1, 7, a4, sizeof a4 - 1);
	assert_string_equal(text(b, n), " 198.18.14.2, 198.18.15.9 (truncated); seq=7;");

	n = reply(b, 1, 2, 0, 8, "", 0);
	assert_string_equal(text(b, n), " refused; seq=8;");
	n = reply(b, 2, 3, 0, 8, "", 0);
	assert_string_equal(text(b, n), " unknown; seq=8;");
	n = reply(b, 3, 3, 0, 8, "", 0);
	assert_string_equal(text(b, n), " unknown code(300); seq=8;");
	n = reply(b, 0, 9, 0, 65535, "", 0);
	assert_string_equal(text(b, n), " unknown qtype(0x09); seq=65535;");
	/* shorter than the header: nothing */
	assert_string_equal(text(b, 15), "");
}

/* Every prefix of every reply kind, and every output size: bounded
 * output, NUL-terminated, the same length reported as written in full. */
static void test_malformed(void **st)
{
	static const uint8_t bodies[][48] = {
		"\0\0\0\x1e\6SbHost\7Example\0\5short\0\0",
		"\0\0\0\x1e\3a.b\4c d\xff\0\1x\xc0\x04\0\xc0\x00\xc0\x10",
		"\0\0\0\x1e\xfd\0\0\x14\0\0\0\0\0\0\0\0\0\0\0\x02\0\0\0\x1e\xfe\x80",
		"\0\0\0\x1e\xc6\x12\x0e\x02\0\0\0\x1e\xc6\x12\x0f\x09\0\0",
		"\0\0\0\0\x3f\x3f\x3f\xc0\xff\xc0\x00\x01",
	};
	static const int qtypes[] = { 2, 3, 4, 9 };
	uint8_t b[128], *heap;
	char out[600];
	(void)st;

	for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++)
		for (size_t q = 0; q < sizeof qtypes / sizeof qtypes[0]; q++)
			for (int code = 0; code < 4; code++) {
				size_t full = reply(b, code, qtypes[q], 1, 9, bodies[k], sizeof bodies[k]);
				for (size_t len = 0; len <= full; len++) {
					/* exact-size copies, so a read past len is caught by ASan */
					heap = malloc(len ? len : 1);
					assert_non_null(heap);
					memcpy(heap, b, len);
					int want = nodeinfo_reply_text(out, sizeof out, heap, len);
					assert_true(want >= 0 && (size_t)want < sizeof out);
					assert_int_equal(strlen(out), (size_t)want);
					for (size_t cap = 0; cap < 12; cap++) {
						char small[12];
						memset(small, 'z', sizeof small);
						int w = nodeinfo_reply_text(small, cap, heap, len);
						assert_int_equal(w, want);
						if (cap)
							assert_int_equal(strlen(small), (size_t)w < cap ? (size_t)w : cap - 1);
					}
					free(heap);
				}
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_subject_names),
		cmocka_unit_test(test_query_and_nonce),
		cmocka_unit_test(test_reply_texts),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
