/* log.c — stderr logger in text or JSON lines; owns the process's log
 * format and the id of the request being served. Each record is written
 * with a single write(2) so that lines from several workers never
 * interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"

static enum log_format cur_format = LOG_TEXT;
static char cur_request_id[LOG_REQUEST_ID_MAX + 1];

void log_set_format(enum log_format f)
{
	cur_format = f;
}

int log_parse_format(const char *name)
{
	if (!strcmp(name, "text"))
		return LOG_TEXT;
	if (!strcmp(name, "json"))
		return LOG_JSON;
	return -1;
}

void log_set_request_id(const char *id)
{
	if (!id) {
		cur_request_id[0] = '\0';
		return;
	}
	size_t n = strnlen(id, LOG_REQUEST_ID_MAX);
	memcpy(cur_request_id, id, n);
	cur_request_id[n] = '\0';
}

/* ---- formatting ------------------------------------------------------- */

/* The length of the UTF-8 sequence at s (at most n bytes), 0 when the
 * bytes there are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;
	if (!len || len > n || !text_utf8_valid((const char *)s, len))
		return 0;
	return len;
}

/* Write s escaped as the inside of a JSON string into dst, at most room
 * bytes, whole escapes and whole UTF-8 sequences only. Returns the bytes
 * written. */
static size_t json_escape(char *dst, size_t room, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;
	for (size_t i = 0; i < n;) {
		char esc[8];
		const char *piece = esc;
		size_t k, adv = 1;
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			k = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			k = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
		} else if (c < 0x80) {
			piece = (const char *)p + i;
			k = 1;
		} else if ((adv = utf8_seq(p + i, n - i))) {
			piece = (const char *)p + i;
			k = adv;
		} else {
			piece = "\\ufffd";
			k = 6;
			adv = 1;
		}
		if (w + k > room)
			break;
		memcpy(dst + w, piece, k);
		w += k;
		i += adv;
	}
	return w;
}

/* Write s with control characters as '?' into dst, at most room bytes. */
static size_t text_clean(char *dst, size_t room, const char *s)
{
	size_t w = 0;
	for (; *s && w < room; s++)
		dst[w++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	return w;
}

/* A cursor over the output line. */
struct line {
	char *p;
	size_t n, len; /* n: the room, keeping one byte for the NUL */
};

static void put(struct line *l, const char *s, size_t k)
{
	if (k > l->n - l->len)
		k = l->n - l->len;
	memcpy(l->p + l->len, s, k);
	l->len += k;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct line *l, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k > 0)
		put(l, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* A JSON string field ,"key":"value" with value cut at max bytes. */
static void put_json_field(struct line *l, const char *key, const char *value, size_t max)
{
	putf(l, ",\"%s\":", key);
	if (!value) {
		puts_(l, "null");
		return;
	}
	puts_(l, "\"");
	size_t room = l->n - l->len;
	l->len += json_escape(l->p + l->len, room < max ? room : max, value);
	puts_(l, "\"");
}

/* What follows the message: the request's fields. */
static void request_tail(enum log_format f, const struct log_request *r, struct line *l)
{
	if (f == LOG_JSON) {
		put_json_field(l, "method", r->method, 32);
		put_json_field(l, "path", r->path, 1024);
		put_json_field(l, "route", r->route, 256);
		putf(l, ",\"status\":%d,\"duration_ms\":%ld", r->status, r->duration_ms);
		return;
	}
	puts_(l, " method=");
	l->len += text_clean(l->p + l->len, 32 < l->n - l->len ? 32 : l->n - l->len,
			     r->method ? r->method : "-");
	puts_(l, " path=");
	l->len += text_clean(l->p + l->len, 1024 < l->n - l->len ? 1024 : l->n - l->len,
			     r->path ? r->path : "-");
	if (r->route) {
		puts_(l, " route=\"");
		l->len += text_clean(l->p + l->len, 256 < l->n - l->len ? 256 : l->n - l->len, r->route);
		puts_(l, "\"");
	} else {
		puts_(l, " route=-");
	}
	putf(l, " status=%d duration_ms=%ld", r->status, r->duration_ms);
}

size_t log_format_record(enum log_format f, const struct log_record *rec, char *out, size_t n)
{
	char tailbuf[2048];
	struct line tail = {tailbuf, sizeof tailbuf - 1, 0};
	if (rec->request)
		request_tail(f, rec->request, &tail);
	/* What must follow the message: the tail, then '"}' or nothing, '\n'. */
	size_t reserve = tail.len + (f == LOG_JSON ? 2 : 0) + 1;

	struct line l = {out, n - 1, 0};
	char when[40];
	struct tm tm;
	gmtime_r(&rec->time.tv_sec, &tm);
	size_t wn = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	bool has_id = rec->request_id && *rec->request_id;
	if (f == LOG_JSON) {
		snprintf(when + wn, sizeof when - wn, ".%03dZ", (int)(rec->time.tv_nsec / 1000000));
		putf(&l, "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%d", when, rec->level, rec->pid);
		if (has_id)
			put_json_field(&l, "request_id", rec->request_id, LOG_REQUEST_ID_MAX * 6);
		puts_(&l, ",\"msg\":\"");
	} else {
		snprintf(when + wn, sizeof when - wn, "Z");
		putf(&l, "%s [%d] %s ", when, rec->pid, rec->level);
		if (has_id) {
			puts_(&l, "req=");
			l.len += text_clean(l.p + l.len, LOG_REQUEST_ID_MAX, rec->request_id);
			puts_(&l, " ");
		}
	}
	size_t room = l.n - l.len > reserve ? l.n - l.len - reserve : 0;
	const char *msg = rec->msg ? rec->msg : "";
	l.len += f == LOG_JSON ? json_escape(l.p + l.len, room, msg) : text_clean(l.p + l.len, room, msg);
	if (f == LOG_JSON)
		puts_(&l, "\"");
	put(&l, tail.p, tail.len);
	if (f == LOG_JSON)
		puts_(&l, "}");
	puts_(&l, "\n");
	out[l.len] = '\0';
	return l.len;
}

/* ---- writing ---------------------------------------------------------- */

static void emit(const char *level, const char *msg, const struct log_request *r)
{
	char line[LOG_LINE_MAX];
	struct log_record rec = {
		.pid = (int)getpid(),
		.level = level,
		.request_id = cur_request_id,
		.msg = msg,
		.request = r,
	};
	clock_gettime(CLOCK_REALTIME, &rec.time);
	size_t n = log_format_record(cur_format, &rec, line, sizeof line);
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	vsnprintf(msg, sizeof msg, fmt, ap);
	emit(level, msg, NULL);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warn", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
}

void log_request(const char *level, const struct log_request *r)
{
	emit(level, "request", r);
}
