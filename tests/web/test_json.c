/* test_json.c — the JSON answer writer (web/json.c, web_jw_*): nesting and
 * commas, json-c's string escapes, integers at their limits, literals,
 * dates, the status and content type of web_jw_finish. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "web/web.h"

TEST(test_jw_nesting_commas_and_scalars)
{
	struct http_response resp = {0};
	struct web_jw w;
	buf_puts(&resp.body, "stale");
	web_jw_start(&w, &resp);
	web_jw_object(&w);
	web_jw_key(&w, "a");
	web_jw_array(&w);
	web_jw_int(&w, 0);
	web_jw_int(&w, -7);
	web_jw_int(&w, INT64_MAX);
	web_jw_int(&w, INT64_MIN);
	web_jw_bool(&w, true);
	web_jw_bool(&w, false);
	web_jw_null(&w);
	web_jw_array(&w);
	web_jw_array_end(&w);
	web_jw_object(&w);
	web_jw_object_end(&w);
	web_jw_array_end(&w);
	web_jw_key(&w, "s");
	web_jw_str(&w, NULL);
	web_jw_key(&w, "t");
	web_jw_datetime(&w, 86400 + 3661);
	web_jw_object_end(&w);
	CHECK_INT(web_jw_finish(&w, &resp, 201), 0);
	CHECK_STR(resp.body.p, "{\"a\":[0,-7,9223372036854775807,-9223372036854775808,true,false,"
			       "null,[],{}],\"s\":\"\",\"t\":\"1970-01-02T01:01:01Z\"}");
	CHECK_INT(resp.body.n, strlen(resp.body.p));
	CHECK_INT(resp.status, 201);
	CHECK_STR(resp.content_type, "application/json");
	buf_free(&resp.body);
}

TEST(test_jw_strings_escape_as_json_c_does)
{
	struct http_response resp = {0};
	struct web_jw w;
	web_jw_start(&w, &resp);
	web_jw_array(&w);
	web_jw_str(&w, "plain \xe4\xbd\xa0 / ok");
	web_jw_strn(&w, "q\"b\\\b\f\n\r\t\x01\x1f\x7f", 12);
	web_jw_strn(&w, "nul\0x", 5);
	web_jw_array_end(&w);
	CHECK_INT(web_jw_finish(&w, &resp, 200), 0);
	CHECK_STR(resp.body.p, "[\"plain \xe4\xbd\xa0 / ok\","
			       "\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\","
			       "\"nul\\u0000x\"]");
	buf_free(&resp.body);
}

/* web_json_body on s[0..n): its return code, and the object's "k" (or "-"). */
static int body(const char *s, size_t n, const char **why)
{
	struct http_request req = {0};
	req.body = s;
	req.body_len = n;
	json_object *obj = (json_object *)1;
	*why = NULL;
	int rc = web_json_body(&req, &obj, why);
	if (rc == 0) {
		CHECK(json_object_is_type(obj, json_type_object));
		json_object_put(obj);
	} else {
		CHECK(obj == NULL);
	}
	return rc;
}

#define BODY(lit, why) body(lit, sizeof lit - 1, why)

TEST(test_json_body_strict)
{
	const char *why;
	CHECK_INT(BODY("{\"k\":\"v\"}", &why), 0);
	CHECK_INT(BODY(" {\"k\":[1,2.5,null,true]} \r\n\t", &why), 0);
	CHECK_INT(BODY("{\"k\":\"\\ud83d\\ude00 \\u00e9\"}", &why), 0);
	CHECK_INT(BODY("{\"k\":\"\xe4\xbd\xa0\"}", &why), 0);
	/* not UTF-8 */
	CHECK_INT(BODY("{\"k\":\"\xff\"}", &why), 400);
	CHECK_STR(why, "The body is not valid UTF-8.");
	/* not one object */
	const char *bad[] = {"", "[1]", "\"s\"", "{\"k\":1} x", "{\"k\":1}{}",
			     "{\"k\":1,}", "{\"k\":\"a\tb\"}", "{\"k\":\"a\nb\"}",
			     "{\"k\":\"\\ud800\"}", "{\"k\":\"\\udc00\\ud800\"}",
			     "{\"k\":\"\\ud800x\"}", "{\"k\":\"\\ud800\\n\"}", "{\"k\":01}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_MSG(body(bad[i], strlen(bad[i]), &why) == 400, "accepted: %s", bad[i]);
		CHECK_STR(why, "The body must be one JSON object.");
	}
	/* a NUL byte after the object is not whitespace */
	CHECK_INT(body("{\"k\":1}\0", 8, &why), 400);
	CHECK_INT(body("{\"k\":1} \n", 9, &why), 0);
	/* an escaped backslash before a u is not an escape */
	CHECK_INT(BODY("{\"k\":\"\\\\ud800\"}", &why), 0);
}
