/* http_parse: see http_parse.h for the contract. */
#include "http_parse.h"

#include <string.h>

enum state {
	S_STATUS,
	S_HEADER,
	S_BODY_LENGTH,
	S_BODY_CLOSE,
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_CR,
	S_CHUNK_LF,
	S_TRAILER,
	S_DONE_PENDING,
	S_DONE,
	S_ERROR,
};

const char *http_strerror(enum http_err err)
{
	static const char *const msg[] = {
#define HTTP_ERR_MSG(name, text) [HTTP_E_##name] = (text),
		HTTP_ERR_MAP(HTTP_ERR_MSG)
#undef HTTP_ERR_MSG
	};

	if ((unsigned)err >= sizeof msg / sizeof msg[0])
		return "unknown error";
	return msg[err];
}

static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / SP / HTAB / obs-text: anything but other controls */
static int is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != b[i])
			return 0;
	return 1;
}

static void reset_response(struct http_parser *p)
{
	p->interim = 0;
	p->fields = 0;
	p->section = 0;
	p->cl_seen = p->cl_bad = 0;
	p->cl_value = 0;
	p->te_seen = p->te_bad = p->te_other = 0;
	p->te_chunked = p->te_last_chunked = 0;
	p->conn_close = 0;
}

void http_parse_init(struct http_parser *p, int head_request)
{
	memset(p, 0, offsetof(struct http_parser, line));
	p->line[0] = '\0';
	p->head = head_request ? 1 : 0;
	p->state = S_STATUS;
}

static size_t fail(struct http_parser *p, enum http_err err,
                   struct http_event *ev, size_t consumed)
{
	p->state = S_ERROR;
	p->err = err;
	ev->type = HTTP_EV_ERROR;
	ev->err = err;
	return consumed;
}

/* Append input up to and including the next LF to p->line.  Returns 1 when
 * a whole line is there (its CRLF or bare LF stripped, p->line_len its
 * length), 0 when more input is needed (all consumed), or -err.  *used
 * gets the bytes taken.  `limit` bounds the line including its CRLF.
 * A bare LF ends a line (RFC 9112 §2.2 lets a recipient accept it, and
 * every mainstream client does); a bare CR stays in the line, where the
 * status-line, field and chunk-size checks reject it as a control
 * character (§2.2: reject, or replace with SP). */
static int take_line(struct http_parser *p, const char *buf, size_t len,
                     size_t limit, size_t *used)
{
	const char *lf = memchr(buf, '\n', len);
	size_t n = lf ? (size_t)(lf - buf) + 1 : len;

	*used = n;
	if (p->line_len + n > limit)
		return -(int)HTTP_E_LINE_TOO_LONG;
	memcpy(p->line + p->line_len, buf, n);
	p->line_len += n;
	if (!lf)
		return 0;
	p->line_len -= p->line_len >= 2 && p->line[p->line_len - 2] == '\r' ? 2 : 1;
	p->line[p->line_len] = '\0';
	return 1;
}

static int parse_status(struct http_parser *p)
{
	const char *l = p->line;
	size_t n = p->cur_len, i;
	int code;

	if (n < 12 || memcmp(l, "HTTP/", 5) != 0)
		return HTTP_E_STATUS_LINE;
	if (l[5] < '0' || l[5] > '9' || l[6] != '.' || l[7] < '0' ||
	    l[7] > '9' || l[8] != ' ')
		return HTTP_E_STATUS_LINE;
	if (l[5] != '1')
		return HTTP_E_VERSION;
	for (i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return HTTP_E_STATUS_LINE;
	if (n > 12 && l[12] != ' ')
		return HTTP_E_STATUS_LINE;
	for (i = 13; i < n; i++)
		if (!is_text((unsigned char)l[i]))
			return HTTP_E_STATUS_LINE;
	code = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (code < 100 || code > 599)
		return HTTP_E_STATUS_CODE;
	if (code == 101)
		return HTTP_E_UNEXPECTED_101;
	p->version_minor = l[7] - '0';
	p->status = code;
	p->interim = code < 200;
	return HTTP_E_NONE;
}

/* Content-Length: #( 1*DIGIT ), all elements equal across all lines. */
static void note_content_length(struct http_parser *p, const char *v,
                                size_t n)
{
	size_t i = 0;

	for (;;) {
		uint64_t val = 0;
		size_t digits = 0;
		while (i < n && is_ows(v[i]))
			i++;
		while (i < n && v[i] >= '0' && v[i] <= '9') {
			uint64_t d = (uint64_t)(v[i] - '0');
			if (val > (UINT64_MAX - d) / 10) {
				p->cl_bad = 1;
				return;
			}
			val = val * 10 + d;
			digits++;
			i++;
		}
		while (i < n && is_ows(v[i]))
			i++;
		if (digits == 0 || (i < n && v[i] != ',')) {
			p->cl_bad = 1;
			return;
		}
		if (p->cl_seen && val != p->cl_value) {
			p->cl_bad = 1;
			return;
		}
		p->cl_seen = 1;
		p->cl_value = val;
		if (i >= n)
			return;
		i++; /* ',' */
	}
}

/* Transfer-Encoding: #( coding [ params ] ); empty elements are skipped. */
static void note_transfer_encoding(struct http_parser *p, const char *v,
                                   size_t n)
{
	size_t i = 0;

	p->te_seen = 1;
	while (i < n) {
		size_t start, end, name_end;
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		while (end > start && is_ows(v[end - 1]))
			end--;
		name_end = start;
		while (name_end < end && is_tchar((unsigned char)v[name_end]))
			name_end++;
		if (name_end == start) {
			p->te_bad = 1;
			return;
		}
		if (ieq(v + start, name_end - start, "chunked") &&
		    name_end == end) {
			p->te_chunked++;
			p->te_last_chunked = 1;
		} else {
			p->te_other = 1;
			p->te_last_chunked = 0;
		}
	}
}

static void note_connection(struct http_parser *p, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start;
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		start = i;
		while (i < n && v[i] != ',' && !is_ows(v[i]))
			i++;
		if (ieq(v + start, i - start, "close"))
			p->conn_close = 1;
	}
}

/* Split p->line into name/value; 0 or an error. */
static enum http_err parse_field(struct http_parser *p, struct http_event *ev)
{
	const char *l = p->line;
	size_t n = p->cur_len, i = 0, vs, ve;

	if (is_ows(l[0]))
		return HTTP_E_OBS_FOLD;
	while (i < n && is_tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ':')
		return HTTP_E_HEADER;
	vs = i + 1;
	while (vs < n && is_ows(l[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_ows(l[ve - 1]))
		ve--;
	for (size_t k = vs; k < ve; k++)
		if (!is_text((unsigned char)l[k]))
			return HTTP_E_HEADER;
	ev->data = l;
	ev->len = i;
	ev->value = l + vs;
	ev->value_len = ve - vs;
	return HTTP_E_NONE;
}

/* End of the header section: decide the framing (RFC 9112 §6.3). */
static enum http_err headers_done(struct http_parser *p)
{
	p->keep_alive = !p->conn_close && p->version_minor >= 1;
	if (p->interim) {
		p->framing = HTTP_BODY_NONE;
		return HTTP_E_NONE;
	}
	if (p->head || p->status == 204 || p->status == 304) {
		p->framing = HTTP_BODY_NONE;
		return HTTP_E_NONE;
	}
	if (p->te_seen) {
		if (p->te_bad || (p->te_chunked == 0 && !p->te_other) ||
		    p->te_chunked > 1)
			return HTTP_E_TE_BAD;
		if (p->te_other || !p->te_last_chunked)
			return HTTP_E_TE_UNSUPPORTED;
		if (p->cl_seen || p->cl_bad)
			p->keep_alive = 0;
		p->framing = HTTP_BODY_CHUNKED;
		return HTTP_E_NONE;
	}
	if (p->cl_bad)
		return HTTP_E_CONTENT_LENGTH;
	if (p->cl_seen) {
		p->framing = HTTP_BODY_LENGTH;
		p->content_length = p->cl_value;
		p->remaining = p->cl_value;
		return HTTP_E_NONE;
	}
	p->framing = HTTP_BODY_CLOSE;
	p->keep_alive = 0;
	return HTTP_E_NONE;
}

/* chunk-size [ chunk-ext ] in p->line. */
static enum http_err parse_chunk_size(struct http_parser *p)
{
	const char *l = p->line;
	size_t n = p->cur_len, i = 0;
	uint64_t v = 0;

	while (i < n) {
		unsigned char c = (unsigned char)l[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (i >= HTTP_CHUNK_DIGITS)
			return HTTP_E_CHUNK_TOO_BIG;
		v = (v << 4) | d;
		i++;
	}
	if (i == 0)
		return HTTP_E_CHUNK_SIZE;
	/* chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) */
	while (i < n && is_ows(l[i]))
		i++;
	if (i < n) {
		if (l[i] != ';')
			return HTTP_E_CHUNK_SIZE;
		for (; i < n; i++)
			if (!is_text((unsigned char)l[i]))
				return HTTP_E_CHUNK_EXT;
	}
	p->remaining = v;
	p->chunk_size = v;
	return HTTP_E_NONE;
}

/* Each step consumes from buf[*off..len) and returns 1 when the caller
 * must return (an event is in *ev, or all input is consumed), 0 to go on
 * with the next state. */

static int step_fail(struct http_parser *p, enum http_err err,
                     struct http_event *ev)
{
	fail(p, err, ev, 0);
	return 1;
}

static int step_body(struct http_parser *p, const char *buf, size_t len,
                     size_t *off, struct http_event *ev)
{
	size_t n = len - *off;

	if (p->state != S_BODY_CLOSE && n >= p->remaining) {
		n = (size_t)p->remaining;
		p->state = p->state == S_CHUNK_DATA ? S_CHUNK_CR : S_DONE_PENDING;
	}
	if (p->state != S_BODY_CLOSE)
		p->remaining -= n;
	ev->type = HTTP_EV_BODY;
	ev->data = buf + *off;
	ev->len = n;
	p->body_bytes += n;
	*off += n;
	return 1;
}

/* The end of the header section: pick the next state from the framing. */
static int end_of_headers(struct http_parser *p, struct http_event *ev)
{
	enum http_err e = headers_done(p);

	if (e)
		return step_fail(p, e, ev);
	ev->type = HTTP_EV_HEADERS_DONE;
	if (p->interim) {
		reset_response(p);
		p->interim = 1; /* for this event; status kept */
		p->state = S_STATUS;
	} else if (p->framing == HTTP_BODY_NONE ||
	           (p->framing == HTTP_BODY_LENGTH && p->remaining == 0)) {
		p->state = S_DONE_PENDING;
	} else if (p->framing == HTTP_BODY_LENGTH) {
		p->state = S_BODY_LENGTH;
	} else if (p->framing == HTTP_BODY_CHUNKED) {
		p->state = S_CHUNK_SIZE;
	} else {
		p->state = S_BODY_CLOSE;
	}
	return 1;
}

/* A complete header or trailer line is in p->line. */
static int field_line(struct http_parser *p, struct http_event *ev)
{
	int trailer = p->state == S_TRAILER;
	enum http_err e;

	if (p->cur_len == 0) {
		if (!trailer)
			return end_of_headers(p, ev);
		p->state = S_DONE_PENDING;
		return 0;
	}
	e = parse_field(p, ev);
	if (e)
		return step_fail(p, trailer ? HTTP_E_TRAILER : e, ev);
	if (++p->fields > (trailer ? HTTP_TRAILERS_MAX : HTTP_FIELDS_MAX))
		return step_fail(p, trailer ? HTTP_E_TRAILER : HTTP_E_TOO_MANY_FIELDS, ev);
	if (!trailer) {
		if (ieq(ev->data, ev->len, "content-length"))
			note_content_length(p, ev->value, ev->value_len);
		else if (ieq(ev->data, ev->len, "transfer-encoding"))
			note_transfer_encoding(p, ev->value, ev->value_len);
		else if (ieq(ev->data, ev->len, "connection"))
			note_connection(p, ev->value, ev->value_len);
	}
	ev->type = trailer ? HTTP_EV_TRAILER : HTTP_EV_HEADER;
	return 1;
}

/* Status, header and trailer lines: assemble, bound, then interpret. */
static int step_line(struct http_parser *p, const char *buf, size_t len,
                     size_t *off, struct http_event *ev)
{
	int trailer = p->state == S_TRAILER;
	size_t used;
	enum http_err e;
	int rc;

	p->seen_any = 1;
	if (p->fold_pending) {
		/* The previous field line is complete unless this one starts
		 * with SP/HTAB: obs-fold, which a user agent MUST replace with
		 * SP (RFC 9112 §5.2). */
		p->fold_pending = 0;
		if (!is_ows(buf[*off])) {
			p->cur_len = p->line_len;
			p->line_len = 0;
			return field_line(p, ev);
		}
		if (p->line_len + 1 >= HTTP_LINE_MAX)
			return step_fail(p, trailer ? HTTP_E_TRAILER : HTTP_E_LINE_TOO_LONG, ev);
		p->line[p->line_len++] = ' ';
		p->fold_skip = 1;
	}
	if (p->fold_skip) {
		while (*off < len && is_ows(buf[*off])) {
			(*off)++;
			p->section++;
		}
		if (*off == len)
			return 1;
		p->fold_skip = 0;
	}
	rc = take_line(p, buf + *off, len - *off, HTTP_LINE_MAX, &used);
	*off += used;
	if (rc < 0)
		return step_fail(p, trailer ? HTTP_E_TRAILER : (enum http_err)-rc, ev);
	p->section += used;
	if (p->section > (trailer ? HTTP_TRAILER_MAX : HTTP_SECTION_MAX))
		return step_fail(p, trailer ? HTTP_E_TRAILER : HTTP_E_SECTION_TOO_LONG, ev);
	if (rc == 0)
		return 1;
	if (p->state != S_STATUS && p->line_len > 0 && !is_ows(p->line[0])) {
		/* a field line: check it now, emit it once the next byte shows
		 * it is not folded */
		struct http_event tmp;
		p->cur_len = p->line_len;
		e = parse_field(p, &tmp);
		if (e)
			return step_fail(p, trailer ? HTTP_E_TRAILER : e, ev);
		p->fold_pending = 1;
		return 0;
	}
	/* the line stays in p->line for the event */
	p->cur_len = p->line_len;
	p->line_len = 0;
	if (p->state != S_STATUS)
		return field_line(p, ev);
	e = parse_status(p);
	if (e)
		return step_fail(p, e, ev);
	if (p->interim && ++p->interim_count > HTTP_INTERIM_MAX)
		return step_fail(p, HTTP_E_TOO_MANY_INTERIM, ev);
	p->state = S_HEADER;
	ev->type = HTTP_EV_STATUS;
	ev->data = p->line;
	ev->len = p->cur_len;
	return 1;
}

static int step_chunk_size(struct http_parser *p, const char *buf, size_t len,
                           size_t *off, struct http_event *ev)
{
	size_t used;
	enum http_err e;
	int rc = take_line(p, buf + *off, len - *off, HTTP_CHUNK_LINE_MAX, &used);

	*off += used;
	if (rc < 0) {
		e = (enum http_err)-rc;
		return step_fail(p, e == HTTP_E_LINE_TOO_LONG ? HTTP_E_CHUNK_EXT : e, ev);
	}
	if (rc == 0)
		return 1;
	p->cur_len = p->line_len;
	p->line_len = 0;
	e = parse_chunk_size(p);
	if (e)
		return step_fail(p, e, ev);
	if (p->remaining == 0) {
		p->state = S_TRAILER;
		p->fields = 0;
		p->section = 0;
	} else {
		p->state = S_CHUNK_DATA;
	}
	return 0;
}

/* The CRLF (or bare LF) that must follow each chunk's data. */
static int step_chunk_crlf(struct http_parser *p, const char *buf,
                           size_t *off, struct http_event *ev)
{
	char c = buf[*off];

	if (c == '\n') {
		(*off)++;
		p->state = S_CHUNK_SIZE;
		return 0;
	}
	if (c != '\r' || p->state != S_CHUNK_CR)
		return step_fail(p, HTTP_E_CHUNK_CRLF, ev);
	(*off)++;
	p->state = S_CHUNK_LF;
	return 0;
}

size_t http_parse_feed(struct http_parser *p, const char *buf, size_t len,
                       struct http_event *ev)
{
	size_t off = 0;

	memset(ev, 0, sizeof(*ev));
	for (;;) {
		int done;

		switch (p->state) {
		case S_ERROR:
			ev->type = HTTP_EV_ERROR;
			ev->err = p->err;
			return off;
		case S_DONE:
			return len; /* bytes after the message are ignored */
		case S_DONE_PENDING:
			p->state = S_DONE;
			ev->type = HTTP_EV_DONE;
			return off;
		default:
			break;
		}
		if (off == len)
			return off;
		switch (p->state) {
		case S_STATUS:
		case S_HEADER:
		case S_TRAILER:
			done = step_line(p, buf, len, &off, ev);
			break;
		case S_BODY_LENGTH:
		case S_BODY_CLOSE:
		case S_CHUNK_DATA:
			done = step_body(p, buf, len, &off, ev);
			break;
		case S_CHUNK_SIZE:
			done = step_chunk_size(p, buf, len, &off, ev);
			break;
		default: /* S_CHUNK_CR, S_CHUNK_LF */
			done = step_chunk_crlf(p, buf, &off, ev);
			break;
		}
		if (done)
			return off;
	}
}

void http_parse_eof(struct http_parser *p, struct http_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (p->state) {
	case S_BODY_CLOSE:
	case S_DONE_PENDING:
		p->state = S_DONE;
		ev->type = HTTP_EV_DONE;
		return;
	case S_DONE:
		ev->type = HTTP_EV_DONE;
		return;
	case S_ERROR:
		ev->type = HTTP_EV_ERROR;
		ev->err = p->err;
		return;
	case S_STATUS:
	case S_HEADER:
		fail(p, p->seen_any ? HTTP_E_EOF_HEADERS : HTTP_E_EMPTY, ev, 0);
		return;
	case S_BODY_LENGTH:
		fail(p, HTTP_E_EOF_BODY, ev, 0);
		return;
	default:
		fail(p, HTTP_E_EOF_CHUNKED, ev, 0);
		return;
	}
}

uint64_t http_parse_body_left(const struct http_parser *p)
{
	if (p->state == S_BODY_LENGTH || p->state == S_CHUNK_DATA)
		return p->remaining;
	return 0;
}

void http_parse_body_skip(struct http_parser *p, uint64_t n)
{
	if ((p->state != S_BODY_LENGTH && p->state != S_CHUNK_DATA) || n == 0)
		return;
	if (n > p->remaining)
		n = p->remaining;
	p->remaining -= n;
	p->body_bytes += n;
	if (p->remaining == 0)
		p->state = p->state == S_CHUNK_DATA ? S_CHUNK_CR : S_DONE_PENDING;
}
