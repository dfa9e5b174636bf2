/* ssfilter: see ssfilter.h. */
#include "ssfilter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_TOKENS 256
#define TOKBUF 2048

struct lexer {
	const char *tok[MAX_TOKENS];
	int ntok, pos;
	char buf[TOKBUF];
};

struct parser {
	struct ssfilter *f;
	struct lexer *lx;
};

/* f->err = before + what + after */
static int fail(struct ssfilter *f, const char *before, const char *what,
                const char *after)
{
	snprintf(f->err, sizeof f->err, "%s%s%s", before, what, after);
	return -1;
}

static int split(struct ssfilter *f, struct lexer *lx, char *const *words, int nwords)
{
	size_t used = 0;
	lx->ntok = lx->pos = 0;
	for (int i = 0; i < nwords; i++) {
		const char *w = words[i];
		while (*w) {
			while (*w == ' ' || *w == '\t')
				w++;
			if (!*w)
				break;
			size_t n = strcspn(w, " \t");
			if (used + n + 1 > sizeof lx->buf || lx->ntok >= MAX_TOKENS)
				return fail(f, "filter too long", "", "");
			memcpy(lx->buf + used, w, n);
			lx->buf[used + n] = 0;
			lx->tok[lx->ntok++] = lx->buf + used;
			used += n + 1;
			w += n;
		}
	}
	return 0;
}

static const char *peek(const struct lexer *lx)
{
	return lx->pos < lx->ntok ? lx->tok[lx->pos] : NULL;
}

static int is(const char *t, const char *const *alts)
{
	for (; t && *alts; alts++)
		if (strcmp(t, *alts) == 0)
			return 1;
	return 0;
}

static const char *const T_AND[] = { "and", "&", "&&", NULL };
static const char *const T_OR[] = { "or", "|", "||", NULL };
static const char *const T_NOT[] = { "not", "!", NULL };
static const char *const T_EQ[] = { "=", "==", "eq", NULL };
static const char *const T_NE[] = { "!=", "ne", "neq", NULL };
static const char *const T_GE[] = { ">=", "ge", "geq", NULL };
static const char *const T_LE[] = { "<=", "le", "leq", NULL };
static const char *const T_GT[] = { ">", "gt", NULL };
static const char *const T_LT[] = { "<", "lt", NULL };

static int node(struct parser *p, uint8_t kind, int a, int b)
{
	struct ssfilter *f = p->f;
	if (f->nn >= SSF_MAX_NODES)
		return fail(f, "filter too long", "", "");
	struct ssf_node *n = &f->n[f->nn];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->port = -1;
	n->a = (int16_t)a;
	n->b = (int16_t)b;
	return f->nn++;
}

static int parse_port(const char *s, int32_t *out)
{
	if (*s == ':')
		s++;
	if (*s == '*' && !s[1]) {
		*out = -1;
		return 0;
	}
	if (!*s)
		return -1;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > 65535)
			return -1;
	}
	*out = (int32_t)v;
	return 0;
}

/* HOST as ss's parse_hostcond reads it (numeric only). */
static int parse_host(struct ssf_node *n, const char *arg)
{
	char a[128];
	size_t len = strlen(arg);
	if (len >= sizeof a)
		return -1;
	memcpy(a, arg, len + 1);
	char *addr = a, *port = NULL;
	if (addr[0] == '[') {
		addr++;
		char *e = strchr(addr, ']');
		if (!e)
			return -1;
		*e = 0;
		port = e + 1;    /* ss takes no "/len" after a bracket either */
	} else if (addr[0] == '*') {
		port = addr + 1;
	} else {
		char *sl = strchr(addr, '/');
		port = strrchr(sl ? sl : addr, ':');
	}
	if (port && *port) {
		if (*port != ':')
			return -1;
		*port++ = 0;
		if (parse_port(port, &n->port) < 0)
			return -1;
	} else if (port) {
		*port = 0;
	}
	if (!*addr || strcmp(addr, "*") == 0)
		return 0;
	long plen = -1;
	char *sl = strchr(addr, '/');
	if (sl) {
		char *end;
		*sl = 0;
		plen = strtol(sl + 1, &end, 10);
		if (!sl[1] || *end || plen < 0 || plen > 128)
			return -1;
	}
	if (inet_pton(AF_INET, addr, n->addr) == 1) {
		n->family = AF_INET;
		if (plen > 32)
			return -1;
		n->prefix_len = (uint8_t)(plen < 0 ? 32 : plen);
	} else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
		n->family = AF_INET6;
		n->prefix_len = (uint8_t)(plen < 0 ? 128 : plen);
	} else {
		return -1;
	}
	return 0;
}

static int parse_expr(struct parser *p);

static int parse_term(struct parser *p)
{
	struct lexer *lx = p->lx;
	struct ssfilter *f = p->f;
	const char *t = peek(lx);
	if (!t)
		return fail(f, "filter ends too early", "", "");
	lx->pos++;
	if (is(t, T_NOT)) {
		int a = parse_term(p);
		return a < 0 ? a : node(p, SSF_NOT, a, -1);
	}
	if (strcmp(t, "(") == 0) {
		int a = parse_expr(p);
		if (a < 0)
			return a;
		if (!peek(lx) || strcmp(peek(lx), ")") != 0)
			return fail(f, "missing ')' in the filter", "", "");
		lx->pos++;
		return a;
	}
	int src = strcmp(t, "src") == 0, dst = strcmp(t, "dst") == 0;
	int sport = strcmp(t, "sport") == 0, dport = strcmp(t, "dport") == 0;
	if (!src && !dst && !sport && !dport)
		return fail(f, "unexpected '", t, "' in the filter");
	const char *op = peek(lx);
	if (!op)
		return fail(f, "'", t, "' needs a value");
	int eq = 1, neg = 0;
	uint8_t kind = src || sport ? SSF_SCOND : SSF_DCOND;
	if (is(op, T_EQ)) {
		lx->pos++;
	} else if ((sport || dport) && is(op, T_NE)) {
		lx->pos++;
		neg = 1;
	} else if ((sport || dport) && (is(op, T_GE) || is(op, T_LE) ||
	                                is(op, T_GT) || is(op, T_LT))) {
		lx->pos++;
		eq = 0;
		int ge = is(op, T_GE) || is(op, T_LT);   /* < is not >= */
		neg = is(op, T_GT) || is(op, T_LT);
		kind = sport ? (ge ? SSF_S_GE : SSF_S_LE) : (ge ? SSF_D_GE : SSF_D_LE);
	}
	const char *v = peek(lx);
	if (!v)
		return fail(f, "'", t, "' needs a value");
	lx->pos++;
	int i = node(p, kind, -1, -1);
	if (i < 0)
		return i;
	struct ssf_node *n = &f->n[i];
	if (sport || dport) {
		if (parse_port(v, &n->port) < 0 || (!eq && n->port < 0))
			return fail(f, "invalid port '", v, "' in the filter");
	} else if (parse_host(n, v) < 0) {
		return fail(f, "an address[/len][:port] is expected rather than '", v, "'");
	}
	return neg ? node(p, SSF_NOT, i, -1) : i;
}

static int parse_expr(struct parser *p)
{
	int left = parse_term(p);
	while (left >= 0) {
		const char *t = peek(p->lx);
		if (!t || strcmp(t, ")") == 0)
			break;
		uint8_t kind = SSF_AND;
		if (is(t, T_OR)) {
			kind = SSF_OR;
			p->lx->pos++;
		} else if (is(t, T_AND)) {
			p->lx->pos++;
		}
		int right = parse_term(p);
		if (right < 0)
			return right;
		left = node(p, kind, left, right);
	}
	return left;
}

int ssfilter_parse(struct ssfilter *f, char *const *words, int nwords)
{
	struct lexer lx_store;
	struct lexer *lx = &lx_store;
	memset(f, 0, sizeof *f);
	f->root = -1;
	if (split(f, lx, words, nwords) < 0)
		return -1;
	/* leading state / exclude words, as ss takes them */
	for (;;) {
		const char *t = peek(lx);
		int st = t && strcmp(t, "state") == 0;
		int ex = t && (strcmp(t, "exclude") == 0 || strcmp(t, "excl") == 0);
		if (!st && !ex)
			break;
		const char *name = lx->pos + 1 < lx->ntok ? lx->tok[lx->pos + 1] : NULL;
		if (!name)
			return fail(f, "'", t, "' needs a state name");
		uint32_t m = diag_state_parse(name);
		if (!m)
			return fail(f, "invalid state '", name, "' in the filter");
		if (!f->states_given)
			f->states = st ? 0 : TS_ALL_MASK;
		f->states_given = 1;
		if (st)
			f->states |= m;
		else
			f->states &= ~m;
		lx->pos += 2;
	}
	if (!peek(lx))
		return 0;
	struct parser p = { f, lx };
	int root = parse_expr(&p);
	if (root < 0)
		return -1;
	if (peek(lx))
		return fail(f, "unexpected '", peek(lx), "' in the filter");
	f->root = root;
	return 0;
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return 0;
	if (!rest)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int ssf_addr_in(uint8_t family, const uint8_t *a, uint8_t pfamily,
                const uint8_t *pfx, unsigned len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (pfamily && pfamily != family)
		return family == AF_INET6 && pfamily == AF_INET &&
		       memcmp(a, mapped, 12) == 0 && prefix_eq(a + 12, pfx, len);
	return prefix_eq(a, pfx, len);
}

/* The kernel's S_COND/D_COND. */
static int cond(const struct ssf_node *n, const struct diag_sock *s, int local)
{
	if (n->port != -1 && n->port != (local ? s->sport : s->dport))
		return 0;
	return ssf_addr_in(s->family, local ? s->src : s->dst, n->family, n->addr,
	                   n->prefix_len);
}

static int eval(const struct ssfilter *f, int i, const struct diag_sock *s)
{
	const struct ssf_node *n = &f->n[i];
	switch (n->kind) {
	case SSF_AND: return eval(f, n->a, s) && eval(f, n->b, s);
	case SSF_OR: return eval(f, n->a, s) || eval(f, n->b, s);
	case SSF_NOT: return !eval(f, n->a, s);
	case SSF_SCOND: return cond(n, s, 1);
	case SSF_DCOND: return cond(n, s, 0);
	case SSF_S_GE: return s->sport >= n->port;
	case SSF_S_LE: return s->sport <= n->port;
	case SSF_D_GE: return s->dport >= n->port;
	case SSF_D_LE: return s->dport <= n->port;
	default: return 0;
	}
}

int ssfilter_match(const struct ssfilter *f, const struct diag_sock *s)
{
	return f->root < 0 || eval(f, f->root, s);
}

static void put_op(uint8_t *p, uint8_t code, size_t yes, size_t no)
{
	struct inet_diag_bc_op op = { code, (uint8_t)yes, (uint16_t)no };
	memcpy(p, &op, sizeof op);
}

/* After AND's first block (length len), its failure exits (len + 4 from
 * each op) are moved past the second block (reloc bytes). */
static void patch(uint8_t *a, size_t len, size_t reloc)
{
	while (len > 0) {
		struct inet_diag_bc_op op;
		memcpy(&op, a, sizeof op);
		if (op.no == len + 4) {
			op.no = (uint16_t)(op.no + reloc);
			memcpy(a, &op, sizeof op);
		}
		if (op.yes == 0 || op.yes > len)
			return;
		len -= op.yes;
		a += op.yes;
	}
}

/* Compile node i at buf; returns the length or -1 (no room). */
static long compile(const struct ssfilter *f, int i, uint8_t *buf, size_t cap)
{
	const struct ssf_node *n = &f->n[i];
	switch (n->kind) {
	case SSF_SCOND:
	case SSF_DCOND: {
		size_t alen = n->family == AF_INET6 ? 16 : 4;
		size_t len = 4 + sizeof(struct inet_diag_hostcond) + alen;
		if (len > cap)
			return -1;
		put_op(buf, n->kind == SSF_SCOND ? INET_DIAG_BC_S_COND : INET_DIAG_BC_D_COND,
		       len, len + 4);
		struct inet_diag_hostcond hc;
		memset(&hc, 0, sizeof hc);     /* no uninitialised padding sent */
		hc.family = n->family;
		hc.prefix_len = n->prefix_len;
		hc.port = n->port;
		memcpy(buf + 4, &hc, sizeof hc);
		memcpy(buf + 4 + sizeof hc, n->addr, alen);
		return (long)len;
	}
	case SSF_S_GE: case SSF_S_LE: case SSF_D_GE: case SSF_D_LE: {
		static const uint8_t code[] = {
			[SSF_S_GE] = INET_DIAG_BC_S_GE, [SSF_S_LE] = INET_DIAG_BC_S_LE,
			[SSF_D_GE] = INET_DIAG_BC_D_GE, [SSF_D_LE] = INET_DIAG_BC_D_LE,
		};
		if (cap < 8)
			return -1;
		put_op(buf, code[n->kind], 8, 12);
		put_op(buf + 4, 0, 0, (size_t)n->port);
		return 8;
	}
	case SSF_AND: {
		long l1 = compile(f, n->a, buf, cap);
		if (l1 < 0)
			return -1;
		long l2 = compile(f, n->b, buf + l1, cap - (size_t)l1);
		if (l2 < 0)
			return -1;
		patch(buf, (size_t)l1, (size_t)l2);
		return l1 + l2;
	}
	case SSF_OR: {
		long l1 = compile(f, n->a, buf, cap);
		if (l1 < 0 || (size_t)l1 + 4 > cap)
			return -1;
		long l2 = compile(f, n->b, buf + l1 + 4, cap - (size_t)l1 - 4);
		if (l2 < 0)
			return -1;
		put_op(buf + l1, INET_DIAG_BC_JMP, 4, (size_t)l2 + 4);
		return l1 + l2 + 4;
	}
	case SSF_NOT: {
		long l1 = compile(f, n->a, buf, cap);
		if (l1 < 0 || (size_t)l1 + 4 > cap)
			return -1;
		put_op(buf + l1, INET_DIAG_BC_JMP, 4, 8);
		return l1 + 4;
	}
	default:
		return -1;
	}
}

int ssfilter_compile(const struct ssfilter *f, uint8_t *buf, size_t cap)
{
	if (f->root < 0)
		return 0;
	if (cap > 0xffff - 8)
		cap = 0xffff - 8;      /* jump offsets are 16 bits */
	long n = compile(f, f->root, buf, cap);
	return n < 0 ? -1 : (int)n;
}
