/* ssfilter: ss's filter language for TCP sockets, parsed, evaluated and
 * compiled to the kernel's inet_diag bytecode.
 *
 *   FILTER := [ state STATE | exclude STATE ]... [ EXPR ]
 *   EXPR   := TERM { [and|&|&&|or|||||] TERM }     (left to right, no
 *             precedence between and/or, as ss's grammar; juxtaposition
 *             is and)
 *   TERM   := not TERM | ! TERM | ( EXPR )
 *           | sport OP PORT | dport OP PORT
 *           | src [=] HOST | dst [=] HOST
 *   OP     := = == eq (or nothing) | != ne neq | < lt | > gt | <= le leq
 *           | >= ge geq
 *   PORT   := N | :N            HOST := ADDR[/LEN][:PORT] | [V6][/LEN][:PORT]
 *             | *:PORT | :PORT  (ADDR numeric; IPv6 in brackets or with /LEN)
 * Tokens are separated by blanks, as ss's are.  STATE as diag_state_parse
 * (names and the groups all, connected, synchronized, bucket, big);
 * "state" lists add up, "exclude" removes from them (from all at first).
 *
 * Meaning, as ss's bytecode gives it in the kernel: "sport > P" is "not
 * sport <= P"; an IPv4 HOST also matches v4-mapped IPv6 addresses; a HOST
 * of another family never matches; a port of -1 (none given) matches any.
 *
 * ssfilter_compile() writes the expression as inet_diag bytecode (ss's
 * scheme: a block's success falls through to its end, its failure jumps
 * to end + 4).  Evaluating in user space gives the same answer, so a
 * caller may do both.  No I/O, no globals; bounded by SSF_MAX_NODES. */
#ifndef SB_SSFILTER_H
#define SB_SSFILTER_H

#include <stddef.h>
#include <stdint.h>
#include "diag_msg.h"

#define SSF_MAX_NODES 128
#define SSF_BC_MAX 4096

enum ssf_kind {
	SSF_AND, SSF_OR, SSF_NOT,
	SSF_SCOND, SSF_DCOND,          /* host condition */
	SSF_S_GE, SSF_S_LE, SSF_D_GE, SSF_D_LE,
};

struct ssf_node {
	uint8_t kind;
	uint8_t family;                /* conds: 0 (any), AF_INET, AF_INET6 */
	uint8_t prefix_len;
	int32_t port;                  /* -1: any */
	uint8_t addr[16];
	int16_t a, b;                  /* children (node index), -1 none */
};

struct ssfilter {
	struct ssf_node n[SSF_MAX_NODES];
	int nn;
	int root;                      /* -1: no expression */
	uint32_t states;               /* 1 << TS_x; 0 when none was given */
	int states_given;
	char err[160];                 /* why parsing failed */
};

/* Parse the words (as given on the command line; each may hold several
 * blank-separated tokens).  0, or -1 with f->err set. */
int ssfilter_parse(struct ssfilter *f, char *const *words, int nwords);
/* 1 when the socket matches the expression (always 1 without one). */
int ssfilter_match(const struct ssfilter *f, const struct diag_sock *s);

/* Whether address a (of family, network order) lies in the prefix pfx/len
 * of pfamily (0: any family; len 0 holds every address); an IPv4 prefix
 * also holds v4-mapped IPv6 addresses, as the kernel's filter does. */
int ssf_addr_in(uint8_t family, const uint8_t *a, uint8_t pfamily,
                const uint8_t *pfx, unsigned len);
/* Bytecode into buf; returns its length, 0 without an expression, or -1
 * when it does not fit. */
int ssfilter_compile(const struct ssfilter *f, uint8_t *buf, size_t cap);

#endif
