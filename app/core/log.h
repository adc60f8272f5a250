/* log.h — one-line log records on stderr, as text ("time [pid] level
 * req=ID message") or as JSON lines (log.format); a record written while
 * a request is served carries that request's id. */
#ifndef FLACON_LOG_H
#define FLACON_LOG_H

#include <stddef.h>
#include <time.h>

enum log_format {
	LOG_TEXT, /* 2026-01-02T03:04:05Z [123] error req=ID message */
	LOG_JSON, /* {"time":...,"level":...,"pid":...,"request_id":...,"msg":...} */
};

/* The format of every later record of this process (LOG_TEXT until set). */
void log_set_format(enum log_format f);
/* "text" / "json" to a format; -1 for anything else. */
int log_parse_format(const char *name);

/* The id of the request this process is serving, put into every record
 * until the next call; copied (at most LOG_REQUEST_ID_MAX bytes). NULL:
 * between requests. */
#define LOG_REQUEST_ID_MAX 64
/* The longest record written (longer messages are cut). */
#define LOG_LINE_MAX 4096
void log_set_request_id(const char *id);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The summary of one request (one that erred or was slow): its route's
 * name (NULL: none matched), method, path without the query, status and
 * duration. In JSON each is a field of its own. */
struct log_request {
	const char *method;
	const char *path;
	const char *route;
	int status;
	long duration_ms;
};
void log_request(const char *level, const struct log_request *r);

/* One record, as the functions above write it. */
struct log_record {
	struct timespec time;     /* CLOCK_REALTIME */
	int pid;
	const char *level;        /* "info", "warn", "error" */
	const char *request_id;   /* NULL or "": none */
	const char *msg;
	const struct log_request *request; /* NULL: an ordinary record */
};

/* Format rec in format f into out (n bytes, n >= LOG_LINE_MAX): one line ending in
 * '\n', NUL-terminated. A message too long for out is cut (never inside
 * an escape or a UTF-8 sequence), so a JSON record is always valid JSON;
 * in JSON, control characters, quotes and backslashes are escaped and
 * bytes that are not UTF-8 become U+FFFD; in text, control characters
 * become '?' so that a record is one line. Returns the length. */
size_t log_format_record(enum log_format f, const struct log_record *rec, char *out, size_t n);

#endif
