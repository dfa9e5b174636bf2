/* pure.h: the contract of every lib/pure module (include it from a new
 * module's header; the older ones follow it already).
 *
 * - No system calls: no I/O, no clocks, no allocation failures hidden
 *   behind exit(); time and bytes come in as arguments.  A module may
 *   allocate only where its header says so, and reports failure.
 * - No printing, no exit(), no global mutable state: two users of a
 *   module never see each other.
 * - Errors are returned, one way per kind of function:
 *     parsers/validators  0 on success or a negative errno (-EINVAL bad
 *                         input, -ERANGE out of range), or the module's
 *                         own error enum where callers need the reason
 *                         (http_parse's generated from one X-macro table);
 *     formatters          snprintf's convention: the length wanted,
 *                         output always NUL-terminated and cut at n-1;
 *     accounting          no failure; counters saturate where the header
 *                         says so.
 * - Every length has a bound stated in the header; incremental parsers give
 *   the same result however the input is split.
 * - Each module has tests/unit/test_<module>.c. */
#ifndef SB_PURE_H
#define SB_PURE_H
#endif
