/* nodeinfo: RFC 4620 node information queries and replies (see nodeinfo.h). */
#include "nodeinfo.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

#define IFNAME_MAX 16   /* IFNAMSIZ, without pulling in net/if.h */

struct ni_optdef {
	const char *name;
	int has_arg;
	int qtype;            /* 0: a subject or help */
	uint16_t flag;
	enum nodeinfo_opt kind;
};

/* iputils' table, in its order (the order decides nothing here: every
 * name is matched whole). */
static const struct ni_optdef ni_opts[] = {
	{ "name", 0, NODEINFO_QTYPE_NAME, 0, NODEINFO_OPT_DONE },
	{ "fqdn", 0, NODEINFO_QTYPE_NAME, 0, NODEINFO_OPT_DONE },
	{ "ipv6", 0, NODEINFO_QTYPE_IPV6, 0, NODEINFO_OPT_DONE },
	{ "ipv6-all", 0, NODEINFO_QTYPE_IPV6, 0x0002, NODEINFO_OPT_DONE },
	{ "ipv6-compatible", 0, NODEINFO_QTYPE_IPV6, 0x0004, NODEINFO_OPT_DONE },
	{ "ipv6-linklocal", 0, NODEINFO_QTYPE_IPV6, 0x0008, NODEINFO_OPT_DONE },
	{ "ipv6-sitelocal", 0, NODEINFO_QTYPE_IPV6, 0x0010, NODEINFO_OPT_DONE },
	{ "ipv6-global", 0, NODEINFO_QTYPE_IPV6, 0x0020, NODEINFO_OPT_DONE },
	{ "ipv4", 0, NODEINFO_QTYPE_IPV4, 0, NODEINFO_OPT_DONE },
	{ "ipv4-all", 0, NODEINFO_QTYPE_IPV4, 0x0002, NODEINFO_OPT_DONE },
	{ "subject-ipv6", 1, 0, 0, NODEINFO_OPT_SUBJ_IPV6 },
	{ "subject-ipv4", 1, 0, 0, NODEINFO_OPT_SUBJ_IPV4 },
	{ "subject-name", 1, 0, 0, NODEINFO_OPT_SUBJ_NAME },
	{ "subject-fqdn", 1, 0, 0, NODEINFO_OPT_SUBJ_FQDN },
	{ "help", 0, 0, 0, NODEINFO_OPT_HELP },
};

void nodeinfo_init(struct nodeinfo_q *q)
{
	memset(q, 0, sizeof *q);
	q->qtype = -1;
	q->subject_type = -1;
}

static int subject_type_of(enum nodeinfo_opt k)
{
	if (k == NODEINFO_OPT_SUBJ_IPV6)
		return NODEINFO_SUBJ_IPV6;
	if (k == NODEINFO_OPT_SUBJ_IPV4)
		return NODEINFO_SUBJ_IPV4;
	return NODEINFO_SUBJ_FQDN;
}

enum nodeinfo_opt nodeinfo_option(struct nodeinfo_q *q, const char *arg,
                                  const char **value)
{
	*value = NULL;
	for (size_t i = 0; i < sizeof ni_opts / sizeof ni_opts[0]; i++) {
		const struct ni_optdef *d = &ni_opts[i];
		size_t l = strlen(d->name);

		if (strncmp(arg, d->name, l))
			continue;
		if (d->has_arg ? arg[l] != '=' : arg[l] != '\0')
			continue;
		if (d->qtype) {
			if (q->qtype >= 0 && q->qtype != d->qtype)
				return NODEINFO_OPT_QCONFLICT;
			q->qtype = d->qtype;
			q->flags |= d->flag;
			return NODEINFO_OPT_DONE;
		}
		if (d->kind != NODEINFO_OPT_HELP) {
			int t = subject_type_of(d->kind);
			if (q->subject_len && q->subject_type >= 0 && q->subject_type != t)
				return NODEINFO_OPT_SCONFLICT;
			q->subject_type = t;
			*value = arg + l + 1;
		}
		return d->kind;
	}
	return NODEINFO_OPT_UNKNOWN;
}

void nodeinfo_subject_addr(struct nodeinfo_q *q, int type, const uint8_t *addr,
                           size_t len)
{
	if (len > sizeof q->subject)
		len = sizeof q->subject;
	q->subject_type = type;
	memcpy(q->subject, addr, len);
	q->subject_len = len;
}

/* The checks libidn2's idn2_lookup_ul() (iputils is built with it)
 * makes on an ASCII name, the whole argument scope included. */
static int idn_check(const char *name)
{
	size_t lab = 0;

	if (strlen(name) > 255)
		return NODEINFO_IDN_NAME_LONG;
	for (const char *c = name;; c++) {
		if (*c == '.' || !*c) {
			if (lab > 63)
				return NODEINFO_IDN_LABEL_LONG;
			if (lab && (c[-(long)lab] == '-' || c[-1] == '-'))
				return NODEINFO_IDN_HYPHEN;
			lab = 0;
			if (!*c)
				return 0;
			continue;
		}
		lab++;
	}
}

const char *nodeinfo_idn_error(int code)
{
	switch (code) {
	case NODEINFO_IDN_NAME_LONG: return "domain name longer than 255 characters";
	case NODEINFO_IDN_LABEL_LONG: return "domain label longer than 63 characters";
	case NODEINFO_IDN_HYPHEN: return "string start/ends with forbidden hyphen";
	default: return "unknown error";
	}
}

int nodeinfo_subject_name(struct nodeinfo_q *q, const char *name, int fqdn_opt,
                          char *cname, size_t cname_sz)
{
	char low[1100];
	unsigned char *dnptrs[2];
	unsigned char enc[NODEINFO_SUBJECT_MAX + 40];
	const char *scope = strchr(name, '%');
	size_t namelen = scope ? (size_t)(scope - name) : strlen(name);
	int dots = 0, fqdn = fqdn_opt ? -1 : 0, n;

	int idn = idn_check(name);

	if (idn)
		return idn;
	if (scope && strlen(scope + 1) >= IFNAME_MAX)
		return -2;
	/* Longer than any name dn_comp() accepts (255 bytes, 4 characters
	 * each at most): refused as it would refuse it. */
	if (namelen >= sizeof low)
		namelen = sizeof low - 1;
	for (size_t i = 0; i < namelen; i++) {
		char c = name[i];
		low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		if (c == '.')
			dots++;
	}
	low[namelen] = '\0';
	if (cname_sz)
		snprintf(cname, cname_sz, "%s", low);
	if (namelen == sizeof low - 1)
		return -1;
	if (fqdn == 0)
		fqdn = dots ? 1 : -1;
	size_t cap = namelen + 4 < sizeof enc - 1 ? namelen + 4 : sizeof enc - 1;
	dnptrs[0] = enc;
	dnptrs[1] = NULL;
	n = dn_comp(low, enc, (int)cap, dnptrs, dnptrs + 2);
	if (n < 0 || (size_t)n >= cap || (size_t)n + 1 > sizeof q->subject)
		return -1;
	if (fqdn < 0)
		enc[n] = 0;
	memcpy(q->subject, enc, (size_t)n + (fqdn < 0));
	q->subject_len = (size_t)n + (fqdn < 0);
	q->subject_type = NODEINFO_SUBJ_FQDN;
	return 0;
}

const char *nodeinfo_help(void)
{
	return "ping -6 -N <nodeinfo opt>\nHelp:\n  help\nQuery:\n  name\n  ipv6\n"
	       "  ipv6-all\n  ipv6-compatible\n  ipv6-global\n  ipv6-linklocal\n"
	       "  ipv6-sitelocal\n  ipv4\n  ipv4-all\nSubject:\n  subject-ipv6=addr\n"
	       "  subject-ipv4=addr\n  subject-name=name\n  subject-fqdn=name\n";
}

/* splitmix64: the six secret bytes of a nonce from (secret, seq). */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void nodeinfo_nonce(uint64_t secret, uint16_t seq, uint8_t nonce[8])
{
	uint64_t h = mix(secret ^ ((uint64_t)seq << 17));

	nonce[0] = (uint8_t)(seq >> 8);
	nonce[1] = (uint8_t)seq;
	for (int i = 2; i < 8; i++)
		nonce[i] = (uint8_t)(h >> (8 * (i - 2)));
}

size_t nodeinfo_query_build(uint8_t *buf, size_t cap, const struct nodeinfo_q *q,
                            uint64_t secret, uint16_t seq)
{
	size_t len = NODEINFO_HDR_LEN + q->subject_len;

	if (cap < len || q->qtype < 0)
		return 0;
	buf[0] = NODEINFO_QUERY;
	buf[1] = (uint8_t)(q->subject_type < 0 ? 0 : q->subject_type);
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(q->qtype >> 8);
	buf[5] = (uint8_t)q->qtype;
	buf[6] = (uint8_t)(q->flags >> 8);
	buf[7] = (uint8_t)q->flags;
	nodeinfo_nonce(secret, seq, buf + 8);
	memcpy(buf + NODEINFO_HDR_LEN, q->subject, q->subject_len);
	return len;
}

int nodeinfo_reply_seq(uint64_t secret, const uint8_t *msg, size_t len)
{
	uint8_t want[8];
	uint16_t seq;

	if (len < NODEINFO_HDR_LEN || msg[0] != NODEINFO_REPLY)
		return -1;
	seq = (uint16_t)(msg[8] << 8 | msg[9]);
	nodeinfo_nonce(secret, seq, want);
	return memcmp(want, msg + 8, 8) ? -1 : seq;
}

/* ---- reply text ---------------------------------------------------------- */

/* iputils' putchar_safe(): printable as is, anything else as \ooo of the
 * (signed) char.  dn_expand() already escapes, so this rarely applies. */
static void put_safe(struct strbuf *o, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		sb_printf(o, "%c", c);
	else
		sb_printf(o, "\\%03o", (unsigned)(int)(signed char)c);
}

static void put_names(struct strbuf *o, const uint8_t *msg, size_t len)
{
	const uint8_t *h = msg + NODEINFO_HDR_LEN, *end = msg + len, *p = h + 4;
	int continued = 0;

	if (len < NODEINFO_HDR_LEN + 4) {
		sb_printf(o, " parse error (too short)");
		return;
	}
	while (p < end) {
		char name[1024];
		int fqdn = 1, r;

		if (continued)
			sb_printf(o, ",");
		r = dn_expand(h, end, p, name, sizeof name);
		if (r < 0) {
			sb_printf(o, " parse error (truncated)");
			break;
		}
		if (p + r < end && p[r] == 0)
			fqdn = 0;
		sb_printf(o, " ");
		for (size_t i = 0; name[i]; i++)
			put_safe(o, (unsigned char)name[i]);
		if (fqdn)
			sb_printf(o, ".");
		p += r + !fqdn;
		continued = 1;
	}
}

static void put_addrs(struct strbuf *o, const uint8_t *msg, size_t len, int qtype)
{
	const uint8_t *p = msg + NODEINFO_HDR_LEN, *end = msg + len;
	int af = qtype == NODEINFO_QTYPE_IPV4 ? AF_INET : AF_INET6;
	size_t alen = af == AF_INET ? 4 : 16;
	int continued = 0;

	while (p < end) {
		char a[INET6_ADDRSTRLEN];

		if (continued)
			sb_printf(o, ",");
		if ((size_t)(end - p) < 4 + alen) {
			sb_printf(o, " parse error (truncated)");
			break;
		}
		if (inet_ntop(af, p + 4, a, sizeof a))
			sb_printf(o, " %s", a);
		p += 4 + alen;
		continued = 1;
	}
	if (msg[7] & 1)
		sb_printf(o, " (truncated)");
}

int nodeinfo_reply_text(char *buf, size_t n, const uint8_t *msg, size_t len)
{
	struct strbuf o = sb_init(buf, n);
	int qtype;

	if (n)
		buf[0] = '\0';
	if (len < NODEINFO_HDR_LEN)
		return 0;
	qtype = msg[4] << 8 | msg[5];
	switch (msg[1]) {
	case 0:
		if (qtype == NODEINFO_QTYPE_NAME)
			put_names(&o, msg, len);
		else if (qtype == NODEINFO_QTYPE_IPV4 || qtype == NODEINFO_QTYPE_IPV6)
			put_addrs(&o, msg, len, qtype);
		else
			sb_printf(&o, " unknown qtype(0x%02x)", qtype);
		break;
	case 1:
		sb_printf(&o, " refused");
		break;
	case 2:
		sb_printf(&o, " unknown");
		break;
	default:
		/* iputils byte-swaps the one-byte code (ntohs): 3 -> 300 */
		sb_printf(&o, " unknown code(%02x)", (unsigned)msg[1] << 8);
	}
	sb_printf(&o, "; seq=%u;", (unsigned)(msg[8] << 8 | msg[9]));
	return sb_done(&o);
}
