/* json: a JSON Lines writer, one object per line.
 *
 *   struct json j; json_begin(&j);
 *   json_str(&j, "type", "reply"); json_int(&j, "seq", 3);
 *   json_end(&j, stdout);          // writes the line and fflush()es
 * Strings are escaped per RFC 8259 (quotes, backslash, control characters
 * as \u00XX); invalid UTF-8 bytes are replaced by U+FFFD so the output is
 * always valid JSON.  Nesting with json_obj()/json_arr() ... json_close().
 * The buffer grows on the heap; on allocation failure the object is
 * dropped and json_end() returns -1. */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 8

struct json {
	char *buf;
	size_t len, cap;
	int depth;
	int first[JSON_DEPTH];
	int failed;
};

void json_begin(struct json *j);
/* sockbox-json(7): the schema version every stream's first line carries. */
#define JSON_SCHEMA 1
/* json_begin() plus "type":"start","schema":1,"applet":APPLET, the first
 * line of every --json stream; the caller adds its own fields. */
void json_start(struct json *j, const char *applet);
/* key may be NULL inside arrays. */
void json_str(struct json *j, const char *key, const char *val);
void json_strn(struct json *j, const char *key, const char *val, size_t n);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* Fixed `decimals` digits (0..30); NaN/inf become null. */
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_close(struct json *j);
/* Closes the top-level object, writes it plus '\n' to fp, flushes, frees. */
int json_end(struct json *j, FILE *fp);
/* Closes and returns the NUL-terminated text (caller frees) without '\n'. */
char *json_take(struct json *j);

#endif
