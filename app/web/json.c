/* json.c — the JSON answer writer: API answers written straight into the
 * response body, no json-c tree in between (web.h, web_jw_*); and the strict
 * reading of a JSON request body (web_json_body). */
#include "web/web.h"

#include <json.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "orm/orm.h"

/* Room for n more bytes at the end of the answer, or NULL (remembered as
 * an error). Writers fill it, then jw_done() moves the end. */
static char *jw_room(struct web_jw *w, size_t n)
{
	if (w->err || buf_reserve(w->b, n) < 0) {
		w->err = true;
		return NULL;
	}
	return w->b->p + w->b->n;
}

static void jw_done(struct web_jw *w, char *end)
{
	w->b->n = (size_t)(end - w->b->p);
	w->b->p[w->b->n] = '\0';
}

/* One byte, after the separator the level needs. */
static void jw_punct(struct web_jw *w, char c, bool comma_after)
{
	char *o = jw_room(w, 2);
	if (!o)
		return;
	if (w->comma && c != '}' && c != ']')
		*o++ = ',';
	*o++ = c;
	jw_done(w, o);
	w->comma = comma_after;
}

void web_jw_start(struct web_jw *w, struct http_response *resp)
{
	buf_reset(&resp->body);
	w->b = &resp->body;
	w->comma = false;
	w->err = false;
}

void web_jw_object(struct web_jw *w)
{
	jw_punct(w, '{', false);
}

void web_jw_object_end(struct web_jw *w)
{
	jw_punct(w, '}', true);
}

void web_jw_array(struct web_jw *w)
{
	jw_punct(w, '[', false);
}

void web_jw_array_end(struct web_jw *w)
{
	jw_punct(w, ']', true);
}

void web_jw_key(struct web_jw *w, const char *key)
{
	size_t n = strlen(key);
	char *o = jw_room(w, n + 4);
	if (!o)
		return;
	if (w->comma)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	jw_done(w, o);
	w->comma = false;
}

/* Bytes that JSON strings escape (as json-c does: no "\/"), and the
 * length of each escape beyond the byte itself. */
static const unsigned char jw_extra[256] = {
	[0x00] = 5, [0x01] = 5, [0x02] = 5, [0x03] = 5, [0x04] = 5, [0x05] = 5, [0x06] = 5,
	[0x07] = 5, ['\b'] = 1, ['\t'] = 1, ['\n'] = 1, [0x0b] = 5, ['\f'] = 1, ['\r'] = 1,
	[0x0e] = 5, [0x0f] = 5, [0x10] = 5, [0x11] = 5, [0x12] = 5, [0x13] = 5, [0x14] = 5,
	[0x15] = 5, [0x16] = 5, [0x17] = 5, [0x18] = 5, [0x19] = 5, [0x1a] = 5, [0x1b] = 5,
	[0x1c] = 5, [0x1d] = 5, [0x1e] = 5, [0x1f] = 5, ['"'] = 1, ['\\'] = 1,
};

void web_jw_strn(struct web_jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	/* Measure first, so the buffer grows at most once. */
	size_t len = n;
	for (size_t i = 0; i < n; i++)
		len += jw_extra[u[i]];
	char *o = jw_room(w, len + 3);
	if (!o)
		return;
	if (w->comma)
		*o++ = ',';
	*o++ = '"';
	if (len == n) {
		memcpy(o, s, n);
		o += n;
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = u[i];
			if (!jw_extra[c]) {
				*o++ = (char)c;
				continue;
			}
			*o++ = '\\';
			switch (c) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			case '\n': *o++ = 'n'; break;
			case '\r': *o++ = 'r'; break;
			case '\t': *o++ = 't'; break;
			default:
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
		}
	}
	*o++ = '"';
	jw_done(w, o);
	w->comma = true;
}

void web_jw_str(struct web_jw *w, const char *s)
{
	web_jw_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void web_jw_int(struct web_jw *w, int64_t v)
{
	char tmp[20], *o = jw_room(w, 22);
	if (!o)
		return;
	if (w->comma)
		*o++ = ',';
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = sizeof tmp;
	do {
		tmp[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*o++ = '-';
	memcpy(o, tmp + k, sizeof tmp - k);
	o += sizeof tmp - k;
	jw_done(w, o);
	w->comma = true;
}

/* A literal token (true, false, null). */
static void jw_token(struct web_jw *w, const char *t, size_t n)
{
	char *o = jw_room(w, n + 1);
	if (!o)
		return;
	if (w->comma)
		*o++ = ',';
	memcpy(o, t, n);
	jw_done(w, o + n);
	w->comma = true;
}

void web_jw_bool(struct web_jw *w, bool v)
{
	if (v)
		jw_token(w, "true", 4);
	else
		jw_token(w, "false", 5);
}

void web_jw_null(struct web_jw *w)
{
	jw_token(w, "null", 4);
}

void web_jw_datetime(struct web_jw *w, int64_t t)
{
	char iso[21];
	orm_datetime_iso(t, iso);
	web_jw_strn(w, iso, 20);
}

int web_jw_finish(struct web_jw *w, struct http_response *resp, int status)
{
	resp->status = status;
	resp->content_type = "application/json";
	return w->err ? -1 : 0;
}

/* ---- strict JSON bodies ---- */

/* RFC 8259 forbids raw control characters inside strings; json-c's strict
 * mode lets some through, so look for them first. */
static bool json_raw_control_in_string(const char *s, size_t n)
{
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (in_string) {
			if (c < 0x20)
				return true;
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		}
	}
	return false;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* SPEC 7: a \u escape that is half of a surrogate pair without its other
 * half is invalid UTF-16, so invalid text (json-c would store U+FFFD). Runs
 * on JSON json-c accepted, so every backslash is inside a string. */
static bool json_lone_surrogate(const char *s, size_t n)
{
	bool want_low = false; /* the previous escape was a high surrogate */
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			if (want_low)
				return true;
			continue;
		}
		if (i + 1 >= n)
			return want_low;
		if (s[i + 1] != 'u') {
			if (want_low)
				return true;
			i++; /* \" \\ \n ...: the escaped byte is not special */
			continue;
		}
		int u = i + 6 <= n ? hex4(s + i + 2) : -1;
		if (u < 0)
			return false; /* json-c refused it already */
		bool high = u >= 0xD800 && u <= 0xDBFF, low = u >= 0xDC00 && u <= 0xDFFF;
		if (want_low != low)
			return true;
		want_low = high;
		i += 5;
	}
	return want_low;
}

int web_json_body(const struct http_request *req, json_object **out, const char **why)
{
	*out = NULL;
	if (!text_utf8_valid(req->body, req->body_len)) {
		*why = "The body is not valid UTF-8.";
		return 400;
	}
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	bool trailing = false;
	for (size_t i = used; obj && i < req->body_len; i++)
		if (!req->body[i] || !strchr(" \t\r\n", req->body[i]))
			trailing = true;
	if (!obj || jerr != json_tokener_success || trailing ||
	    json_raw_control_in_string(req->body, req->body_len) ||
	    json_lone_surrogate(req->body, req->body_len) ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		*why = "The body must be one JSON object.";
		return 400;
	}
	*out = obj;
	return 0;
}
