/* test_cookie.c — cookie parsing and formatting (SPEC section 6, framework
 * API): malformed headers tolerated, values encoded, dates in GMT. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "test.h"

static const char *value_of(struct text_params *ps, const char *name)
{
	const struct text_param *p = text_params_get(ps, name);
	return p ? p->value : NULL;
}

TEST(test_cookie_parse_simple_pairs)
{
	struct arena a;
	arena_init(&a, 1024);
	struct text_params ps;
	const char *h = "a=1; b=two;c=3";
	CHECK_INT(http_cookie_parse(&a, h, strlen(h), &ps), 0);
	CHECK_INT(ps.n, 3);
	CHECK_STR(value_of(&ps, "a"), "1");
	CHECK_STR(value_of(&ps, "b"), "two");
	CHECK_STR(value_of(&ps, "c"), "3");
	arena_free(&a);
}

TEST(test_cookie_parse_malformed_header_keeps_good_pairs)
{
	struct arena a;
	arena_init(&a, 1024);
	struct text_params ps;
	const char *h = "a=1; garbage; =nameless; b c=space; d=\"quoted\"; ;; e=x\"y; "
			"f=back\\slash; g=ok ; h=com,ma; session=tok%2Dx";
	CHECK_INT(http_cookie_parse(&a, h, strlen(h), &ps), 0);
	CHECK_STR(value_of(&ps, "a"), "1");
	CHECK_STR(value_of(&ps, "d"), "quoted");
	CHECK_STR(value_of(&ps, "g"), "ok");
	CHECK_STR(value_of(&ps, "session"), "tok-x");
	CHECK(!value_of(&ps, "garbage"));
	CHECK(!value_of(&ps, "b c"));
	CHECK(!value_of(&ps, "e"));
	CHECK(!value_of(&ps, "f"));
	CHECK(!value_of(&ps, "h"));
	CHECK(!value_of(&ps, ""));
	CHECK_INT(ps.n, 4);
	arena_free(&a);
}

TEST(test_cookie_parse_quoted_and_empty_values)
{
	struct arena a;
	arena_init(&a, 1024);
	struct text_params ps;
	const char *h = "q=\"\"; e=; x=\"a b\"; y=\"half";
	CHECK_INT(http_cookie_parse(&a, h, strlen(h), &ps), 0);
	CHECK_STR(value_of(&ps, "q"), "");
	CHECK_STR(value_of(&ps, "e"), "");
	CHECK(!value_of(&ps, "x")); /* a space inside quotes is still not allowed */
	CHECK(!value_of(&ps, "y"));
	CHECK_INT(http_cookie_parse(&a, "", 0, &ps), 0);
	CHECK_INT(ps.n, 0);
	CHECK_INT(http_cookie_parse(&a, NULL, 0, &ps), 0);
	CHECK_INT(ps.n, 0);
	CHECK_INT(http_cookie_parse(&a, ";;; ;", 5, &ps), 0);
	CHECK_INT(ps.n, 0);
	arena_free(&a);
}

TEST(test_cookie_parse_plain_encoded_utf8_and_invalid_values_and_their_lengths)
{
	struct arena a;
	arena_init(&a, 1024);
	struct text_params ps;
	/* plain ASCII (copied as is, '+' stays), percent-encoded (decoded),
	 * raw UTF-8 (kept), a '%' that decodes nothing (kept raw), raw bytes
	 * that are not UTF-8 (skipped), encoded bytes that are not UTF-8
	 * (kept raw: valid ASCII text). */
	const char *h = "p=abc+DEF_-.~09; e=%C3%A9t%C3%A9; u=\xc3\xa9t\xc3\xa9; r=50%; bad=\xff\xfe; "
			"enc=%FF%FE";
	CHECK_INT(http_cookie_parse(&a, h, strlen(h), &ps), 0);
	const struct text_param *p = text_params_get(&ps, "p");
	CHECK(p && !strcmp(p->value, "abc+DEF_-.~09") && p->value_len == 13);
	p = text_params_get(&ps, "e");
	CHECK(p && !strcmp(p->value, "\xc3\xa9t\xc3\xa9") && p->value_len == 5);
	p = text_params_get(&ps, "u");
	CHECK(p && !strcmp(p->value, "\xc3\xa9t\xc3\xa9") && p->value_len == 5);
	p = text_params_get(&ps, "r");
	CHECK(p && !strcmp(p->value, "50%") && p->value_len == 3);
	CHECK(!value_of(&ps, "bad"));
	p = text_params_get(&ps, "enc");
	CHECK(p && !strcmp(p->value, "%FF%FE") && p->value_len == 6);
	CHECK_INT(ps.n, 5);
	arena_free(&a);
}

TEST(test_cookie_parse_first_of_duplicate_names_wins)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, "n=first; n=second");
	CHECK_STR(http_req_cookie(&f.req, "n"), "first");
	CHECK(!http_req_cookie(&f.req, "missing"));
	fake_free(&f);
}

TEST(test_cookie_parse_undecodable_values)
{
	struct arena a;
	arena_init(&a, 1024);
	struct text_params ps;
	/* Bad escapes stay raw; bytes that are not UTF-8, raw or decoded, make
	 * the pair malformed. */
	const char *h = "p=100%; z=%zz; bad=%FF; raw=\xff\xfe; u=%C3%A9t%C3%A9; r=\xc3\xa9";
	CHECK_INT(http_cookie_parse(&a, h, strlen(h), &ps), 0);
	CHECK_STR(value_of(&ps, "p"), "100%");
	CHECK_STR(value_of(&ps, "z"), "%zz");
	CHECK_STR(value_of(&ps, "u"), "\xc3\xa9t\xc3\xa9");
	CHECK_STR(value_of(&ps, "r"), "\xc3\xa9");
	CHECK(!value_of(&ps, "raw"));
	const char *bad = value_of(&ps, "bad");
	CHECK(!bad || text_utf8_valid(bad, strlen(bad)));
	arena_free(&a);
}

TEST(test_cookie_parse_64k_header)
{
	struct arena a;
	arena_init(&a, 4096);
	size_t cap = 65536;
	char *h = malloc(cap + 1);
	size_t n = 0;
	int pairs = 0;
	while (n + 32 < cap) {
		n += (size_t)snprintf(h + n, cap - n, "k%d=v%d; ", pairs, pairs);
		pairs++;
	}
	while (n < cap)
		h[n++] = 'x'; /* a trailing nameless run */
	h[n] = '\0';
	struct text_params ps;
	CHECK_INT(http_cookie_parse(&a, h, n, &ps), 0);
	CHECK_INT(ps.n, pairs);
	CHECK_STR(value_of(&ps, "k0"), "v0");
	char last[32];
	snprintf(last, sizeof last, "k%d", pairs - 1);
	CHECK(value_of(&ps, last) != NULL);

	/* One 64 KiB value. */
	memcpy(h, "big=", 4);
	memset(h + 4, 'A', cap - 4);
	h[cap] = '\0';
	CHECK_INT(http_cookie_parse(&a, h, cap, &ps), 0);
	CHECK_INT(ps.n, 1);
	CHECK_INT(ps.n ? ps.v[0].value_len : 0, cap - 4);
	free(h);
	arena_free(&a);
}

TEST(test_cookie_parse_garbage_never_crashes)
{
	struct arena a;
	arena_init(&a, 4096);
	unsigned seed = 12345;
	char h[512];
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof h);
		for (size_t i = 0; i < n; i++) {
			/* Bias towards the characters the parser cares about. */
			static const char special[] = "=;\" %\\,\t";
			int r = rand_r(&seed);
			h[i] = (r & 1) ? special[(r >> 1) % (sizeof special - 1)] : (char)(r >> 3);
		}
		struct text_params ps;
		CHECK_INT(http_cookie_parse(&a, h, n, &ps), 0);
		for (size_t k = 0; k < ps.n; k++)
			CHECK(ps.v[k].name[0] && text_utf8_valid(ps.v[k].value, ps.v[k].value_len));
		arena_reset(&a);
	}
	arena_free(&a);
}

TEST(test_cookie_format_every_attribute)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	struct http_cookie_opts o = {
		.max_age = 3600,
		.expires = 784111777, /* Sun, 06 Nov 1994 08:49:37 GMT */
		.path = "/p",
		.domain = "example.com",
		.secure = true,
		.httponly = true,
		.samesite = "Strict",
	};
	CHECK_INT(http_resp_set_cookie(&f.resp, "n", "v a;l\"u,e\\%", &o), 0);
	CHECK_STR(f.resp.headers.p,
		  "Set-Cookie: n=v%20a%3Bl%22u%2Ce%5C%25; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
		  "Max-Age=3600; Domain=example.com; Path=/p; Secure; HttpOnly; SameSite=Strict\r\n");
	buf_reset(&f.resp.headers);
	CHECK_INT(http_resp_set_cookie(&f.resp, "n", "v", NULL), 0);
	CHECK_STR(f.resp.headers.p, "Set-Cookie: n=v; Path=/\r\n");
	fake_free(&f);
}

TEST(test_cookie_format_refuses_bad_names_and_attributes)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	struct http_cookie_opts o = {.max_age = -1, .path = "/a\r\nX-Evil: 1"};
	CHECK_INT(http_resp_set_cookie(&f.resp, "a;b", "v", NULL), -1);
	CHECK_INT(http_resp_set_cookie(&f.resp, "", "v", NULL), -1);
	CHECK_INT(http_resp_set_cookie(&f.resp, "a b", "v", NULL), -1);
	CHECK_INT(http_resp_set_cookie(&f.resp, "a", "v", &o), -1);
	o.path = "/; Domain=evil";
	CHECK_INT(http_resp_set_cookie(&f.resp, "a", "v", &o), -1);
	CHECK_INT(http_resp_set_cookie(&f.resp, "a", "line\r\nX-Evil: 1", NULL), 0);
	CHECK(!strstr(f.resp.headers.p, "\r\nX-Evil"));
	fake_free(&f);
}

TEST(test_cookie_value_round_trips)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	const char *v = "h\xc3\xa9llo; w\xc3\xb6rld=\"1,2\" 100% \\o/ \xf0\x9f\x8d\xb7";
	CHECK_INT(http_resp_set_cookie(&f.resp, "rt", v, NULL), 0);
	const char *sent = fake_set_cookie_value(&f, "rt");
	char *hdr = arena_printf(&f.arena, "x=1; rt=%s; y=2", sent);
	struct fake g;
	fake_init(&g, test_config(), NULL, hdr);
	CHECK_STR(http_req_cookie(&g.req, "rt"), v);
	CHECK_STR(http_req_cookie(&g.req, "y"), "2");
	fake_free(&g);
	fake_free(&f);
}

static void with_tz(const char *tz, const char *expect_local_differs)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	time_t t = 784111777;
	struct tm lt;
	localtime_r(&t, &lt);
	/* The zone is really in force (else the test would prove nothing). */
	CHECK_MSG(lt.tm_hour != 8, "TZ %s not applied (%s)", tz, expect_local_differs);
	char d[40];
	http_date(t, d, sizeof d);
	CHECK_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	struct http_cookie_opts o = {.max_age = 60, .expires = t, .path = "/"};
	CHECK_INT(http_resp_set_cookie(&f.resp, "z", "1", &o), 0);
	CHECK(strstr(f.resp.headers.p, "; Expires=Sun, 06 Nov 1994 08:49:37 GMT;") != NULL);
	fake_free(&f);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

TEST(test_cookie_expires_is_gmt_whatever_the_time_zone)
{
	with_tz("America/New_York", "UTC-5");
	with_tz("Asia/Tokyo", "UTC+9");
	with_tz("EST5EDT", "POSIX rule");
}

TEST(test_http_date_clamps_out_of_range_times)
{
	char d[40];
	http_date(0, d, sizeof d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date((time_t)-5, d, sizeof d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date((time_t)0x7fffffffffffffffLL, d, sizeof d);
	CHECK_STR(d, "Fri, 31 Dec 9999 23:59:59 GMT");
	http_date((time_t)2147483648LL, d, sizeof d); /* past 2038 */
	CHECK_STR(d, "Tue, 19 Jan 2038 03:14:08 GMT");
}

TEST(test_cookie_delete_format)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	CHECK_INT(http_resp_delete_cookie(&f.resp, "session", NULL), 0);
	CHECK_STR(f.resp.headers.p,
		  "Set-Cookie: session=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/\r\n");
	buf_reset(&f.resp.headers);
	CHECK_INT(http_resp_delete_cookie(&f.resp, "x", "/sub"), 0);
	CHECK_STR(f.resp.headers.p,
		  "Set-Cookie: x=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/sub\r\n");
	fake_free(&f);
}

TEST(test_remember_cookie_format)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	CHECK_INT(web_remember_username(&f.req, &f.resp, "Alice"), 0);
	CHECK_STR(fake_set_cookie_line(&f, "username"),
		  "username=Alice; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax");
	fake_free(&f);
}
