/* Unit tests of core/log.c: the JSON and text line formats (valid JSON,
 * escaping, cutting), and the current request's id in what is written. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "core/log.h"
#include "log_capture.h"
#include "test.h"

static const struct timespec T0 = {1767323045, 123456789}; /* 2026-01-02T03:04:05.123Z */

/* The line parsed strictly as one JSON object (NULL when it is not). */
static json_object *parse_line(const char *line, size_t n)
{
	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', n - 1))
		return NULL; /* one record, one line */
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, line, (int)n - 1);
	bool whole = json_tokener_get_error(tok) == json_tokener_success &&
		     json_tokener_get_parse_end(tok) == n - 1;
	json_tokener_free(tok);
	if (!whole || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static long long jint(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : -999;
}

TEST(test_log_json_line_is_valid_json_with_escaped_message)
{
	char line[LOG_LINE_MAX];
	const char *msg = "say \"hi\" \\ back\nnext\tline \x01 caf\xc3\xa9 bad \xff end";
	struct log_record rec = {T0, 4242, "error", "0123456789abcdef0123456789abcdef", msg, NULL};
	size_t n = log_format_record(LOG_JSON, &rec, line, sizeof line);
	CHECK_INT(n, strlen(line));
	json_object *o = parse_line(line, n);
	CHECK_MSG(o != NULL, "not one JSON line: %s", line);
	CHECK_STR(jstr(o, "time"), "2026-01-02T03:04:05.123Z");
	CHECK_STR(jstr(o, "level"), "error");
	CHECK_INT(jint(o, "pid"), 4242);
	CHECK_STR(jstr(o, "request_id"), "0123456789abcdef0123456789abcdef");
	/* Everything round-trips but the byte that is not UTF-8 (U+FFFD). */
	CHECK_STR(jstr(o, "msg"),
		  "say \"hi\" \\ back\nnext\tline \x01 caf\xc3\xa9 bad \xef\xbf\xbd end");
	CHECK(strstr(line, "\\u0001") != NULL);
	json_object_put(o);
}

TEST(test_log_json_line_outside_a_request_has_no_request_id)
{
	char line[LOG_LINE_MAX];
	struct log_record rec = {T0, 1, "info", "", "worker 12 started (slot 0)", NULL};
	size_t n = log_format_record(LOG_JSON, &rec, line, sizeof line);
	json_object *o = parse_line(line, n);
	CHECK_MSG(o != NULL, "not one JSON line: %s", line);
	json_object *v;
	CHECK(!json_object_object_get_ex(o, "request_id", &v));
	CHECK_STR(jstr(o, "msg"), "worker 12 started (slot 0)");
	json_object_put(o);
}

TEST(test_log_json_long_message_is_cut_and_stays_valid)
{
	/* Quotes escape to two bytes and é is two bytes: a cut must fall
	 * between whole escapes and whole characters. */
	static const char *const fill[] = {"\"", "\xc3\xa9", "\x02", "a"};
	for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++) {
		size_t unit = strlen(fill[f]), count = 3 * LOG_LINE_MAX / unit + 1;
		char *msg = malloc(count * unit + 1);
		for (size_t i = 0; i < count; i++)
			memcpy(msg + i * unit, fill[f], unit);
		msg[count * unit] = '\0';
		for (size_t shift = 0; shift < 7; shift++) {
			char line[LOG_LINE_MAX];
			struct log_record rec = {T0, 7, "warn", "id-1", msg + (shift % unit), NULL};
			size_t n = log_format_record(LOG_JSON, &rec, line, sizeof line - shift);
			CHECK(n < sizeof line - shift);
			json_object *o = parse_line(line, n);
			CHECK_MSG(o != NULL, "fill %zu shift %zu: not one JSON line (%zu bytes)", f, shift, n);
			CHECK(o && strlen(jstr(o, "msg")) > 500); /* cut, not dropped */
			json_object_put(o);
		}
		free(msg);
	}
}

TEST(test_log_json_request_summary_has_its_fields)
{
	char line[LOG_LINE_MAX];
	struct log_request r = {"POST", "/articles/7/\"x\"", "delete article", 500, 1234};
	struct log_record rec = {T0, 9, "error", "abc", "request", &r};
	size_t n = log_format_record(LOG_JSON, &rec, line, sizeof line);
	json_object *o = parse_line(line, n);
	CHECK_MSG(o != NULL, "not one JSON line: %s", line);
	CHECK_STR(jstr(o, "msg"), "request");
	CHECK_STR(jstr(o, "request_id"), "abc");
	CHECK_STR(jstr(o, "method"), "POST");
	CHECK_STR(jstr(o, "path"), "/articles/7/\"x\"");
	CHECK_STR(jstr(o, "route"), "delete article");
	CHECK_INT(jint(o, "status"), 500);
	CHECK_INT(jint(o, "duration_ms"), 1234);
	json_object_put(o);
	/* No route matched: null, not a missing or empty field. */
	r.route = NULL;
	n = log_format_record(LOG_JSON, &rec, line, sizeof line);
	o = parse_line(line, n);
	json_object *v = NULL;
	CHECK(o && json_object_object_get_ex(o, "route", &v) && v == NULL);
	json_object_put(o);
}

TEST(test_log_text_line_is_one_line_with_the_request_id)
{
	char line[LOG_LINE_MAX];
	struct log_record rec = {T0, 77, "error", "abc123", "two\nlines", NULL};
	size_t n = log_format_record(LOG_TEXT, &rec, line, sizeof line);
	CHECK_STR(line, "2026-01-02T03:04:05Z [77] error req=abc123 two?lines\n");
	CHECK_INT(n, strlen(line));
	struct log_request r = {"GET", "/courses", "course list", 503, 12};
	rec.msg = "request";
	rec.request = &r;
	log_format_record(LOG_TEXT, &rec, line, sizeof line);
	CHECK_STR(line, "2026-01-02T03:04:05Z [77] error req=abc123 request method=GET path=/courses "
			"route=\"course list\" status=503 duration_ms=12\n");
	rec.request_id = NULL;
	rec.request = NULL;
	rec.msg = "master stopped";
	log_format_record(LOG_TEXT, &rec, line, sizeof line);
	CHECK_STR(line, "2026-01-02T03:04:05Z [77] error master stopped\n");
}

TEST(test_log_records_carry_the_current_request_id)
{
	struct log_capture c;
	log_capture_start(&c);
	log_set_format(LOG_JSON);
	log_set_request_id("req-42");
	log_error("in the request: %d", 1);
	log_set_request_id(NULL);
	log_info("between requests");
	log_set_format(LOG_TEXT);
	char *out = log_capture_end(&c);
	CHECK(out != NULL);
	char *second = out ? strchr(out, '\n') : NULL;
	CHECK(second != NULL);
	if (!second)
		goto out;
	second++;
	json_object *a = parse_line(out, (size_t)(second - out));
	json_object *b = parse_line(second, strlen(second));
	CHECK_MSG(a && b, "not two JSON lines: %s", out);
	CHECK_STR(jstr(a, "request_id"), "req-42");
	CHECK_STR(jstr(a, "msg"), "in the request: 1");
	CHECK_INT(jint(a, "pid"), getpid());
	json_object *v;
	CHECK(b && !json_object_object_get_ex(b, "request_id", &v));
	json_object_put(a);
	json_object_put(b);
out:
	free(out);
}

TEST(test_log_format_names)
{
	CHECK_INT(log_parse_format("text"), LOG_TEXT);
	CHECK_INT(log_parse_format("json"), LOG_JSON);
	CHECK_INT(log_parse_format("JSON lines"), -1);
	CHECK_INT(log_parse_format(""), -1);
}
