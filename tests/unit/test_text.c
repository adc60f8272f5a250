/* Unit tests of core/text.c: percent-decoding, UTF-8, forms, digits. */
#include <stdint.h>
#include <string.h>

#include "core/text.h"
#include "test.h"

static struct arena A;

/* Decode into the test's arena A (each test inits and frees it). */
static const char *dec(const char *s, bool plus)
{
	return text_percent_decode(&A, s, strlen(s), plus, NULL);
}

TEST(test_percent_decode_plain_and_escapes)
{
	arena_init(&A, 1024);
	CHECK_STR(dec("abc", false), "abc");
	CHECK_STR(dec("a%20b", false), "a b");
	CHECK_STR(dec("a+b", true), "a b");
	CHECK_STR(dec("a+b", false), "a+b");
	CHECK_STR(dec("%E4%BD%A0%e5%a5%bd", false), "\xe4\xbd\xa0\xe5\xa5\xbd");
	CHECK_STR(dec("%F0%9F%98%80", false), "\xf0\x9f\x98\x80");
	arena_free(&A);
}

TEST(test_percent_decode_rejects_bad_escapes)
{
	arena_init(&A, 1024);
	CHECK(dec("%zz", false) == NULL);
	CHECK(dec("abc%", false) == NULL);
	CHECK(dec("abc%4", false) == NULL);
	CHECK(dec("%g0", false) == NULL);
	arena_free(&A);
}

TEST(test_percent_decode_rejects_invalid_utf8)
{
	arena_init(&A, 1024);
	CHECK(dec("%C0%AF", false) == NULL);       /* overlong '/' */
	CHECK(dec("%ED%A0%80", false) == NULL);    /* surrogate U+D800 */
	CHECK(dec("%F4%90%80%80", false) == NULL); /* above U+10FFFF */
	CHECK(dec("%FF", false) == NULL);
	CHECK(dec("%E4%BD", false) == NULL);       /* truncated */
	arena_free(&A);
}

TEST(test_percent_decode_keeps_nul_with_length)
{
	arena_init(&A, 1024);
	size_t n = 0;
	const char *s = text_percent_decode(&A, "a%00b", 5, false, &n);
	CHECK(s != NULL);
	CHECK_INT(n, 3);
	CHECK(s && s[1] == '\0' && s[2] == 'b');
	arena_free(&A);
}

TEST(test_utf8_valid_boundaries)
{
	CHECK(text_utf8_valid("", 0));
	CHECK(text_utf8_valid("\x7f", 1));
	CHECK(text_utf8_valid("\xc2\x80", 2));
	CHECK(!text_utf8_valid("\xc1\xbf", 2));
	CHECK(text_utf8_valid("\xef\xbf\xbf", 3));
	CHECK(text_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	CHECK(!text_utf8_valid("\xf4\x90\x80\x80", 4));
	CHECK(!text_utf8_valid("\xe0\x80\x80", 3));
	CHECK(!text_utf8_valid("\x80", 1));
	CHECK_INT(text_utf8_count("a\xe4\xbd\xa0\xf0\x9f\x98\x80", 8), 3);
}

TEST(test_form_parse_pairs)
{
	arena_init(&A, 1024);
	struct text_params ps;
	const char *q = "a=1&b=x+y&&c&d=%26%3D&a=2";
	CHECK_INT(text_form_parse(&A, q, strlen(q), &ps), 0);
	CHECK_INT(ps.n, 5);
	CHECK_STR(text_params_get(&ps, "a")->value, "1");
	CHECK_STR(text_params_get(&ps, "b")->value, "x y");
	CHECK_STR(text_params_get(&ps, "c")->value, "");
	CHECK_STR(text_params_get(&ps, "d")->value, "&=");
	CHECK(text_params_get(&ps, "zz") == NULL);
	arena_free(&A);
}

TEST(test_form_parse_rejects_bad_encoding)
{
	arena_init(&A, 1024);
	struct text_params ps;
	CHECK_INT(text_form_parse(&A, "a=%zz", 5, &ps), -1);
	CHECK_INT(text_form_parse(&A, "%zz=1", 5, &ps), -1);
	CHECK_INT(text_form_parse(&A, "a=%C0%80", 8, &ps), -1);
	CHECK_INT(text_form_parse(&A, "", 0, &ps), 0);
	CHECK_INT(ps.n, 0);
	arena_free(&A);
}

TEST(test_parse_digits_only_ascii_digits)
{
	long long v = -1;
	CHECK(text_parse_digits("42", 2, 1000, &v) && v == 42);
	CHECK(!text_parse_digits("", 0, 1000, &v));
	CHECK(!text_parse_digits("1.5", 3, 1000, &v));
	CHECK(!text_parse_digits("+2", 2, 1000, &v));
	CHECK(!text_parse_digits(" 2", 2, 1000, &v));
	CHECK(!text_parse_digits("1e3", 3, 1000, &v));
	CHECK(!text_parse_digits("1001", 4, 1000, &v));
	CHECK(!text_parse_digits("99999999999999999999999", 23, 1LL << 62, &v));
}

TEST(test_ct_equal)
{
	CHECK(text_ct_equal("abc", "abc", 3));
	CHECK(!text_ct_equal("abc", "abd", 3));
}

static bool keep_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

TEST(test_text_percent_encode_keeps_what_keep_accepts)
{
	arena_init(&A, 1024);
	CHECK_STR(text_percent_encode(&A, "ab9", 3, keep_alnum), "ab9");
	/* upper-case hex, every refused byte (NUL, high bytes, '%') escaped */
	CHECK_STR(text_percent_encode(&A, "a b%Z\xff", 6, keep_alnum), "a%20b%25%5A%FF");
	CHECK_STR(text_percent_encode(&A, "x\0y", 3, keep_alnum), "x%00y");
	CHECK_STR(text_percent_encode(&A, "", 0, keep_alnum), "");
	/* the measuring call and the writing call agree, and nothing past len */
	char out[16];
	memset(out, '#', sizeof out);
	CHECK_INT(text_percent_encode_to(NULL, "\xe4-a", 3, keep_alnum), 7);
	CHECK_INT(text_percent_encode_to(out, "\xe4-a", 3, keep_alnum), 7);
	CHECK(!memcmp(out, "%E4%2Da#", 8));
	/* and it decodes back */
	const char *enc = text_percent_encode(&A, "\xe4\xbd\xa0 /?", 6, keep_alnum);
	CHECK_STR(dec(enc, false), "\xe4\xbd\xa0 /?");
	arena_free(&A);
}

TEST(test_put_u64_writes_the_decimal_digits_of_edges_and_powers_of_ten)
{
	char out[24];
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {{0, "0"}, {7, "7"}, {10, "10"}, {99, "99"}, {100, "100"},
		     {1234567890, "1234567890"}, {UINT64_C(18446744073709551615), "18446744073709551615"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'x', sizeof out);
		size_t n = text_put_u64(out, cases[i].v);
		CHECK_INT(n, strlen(cases[i].s));
		CHECK(memcmp(out, cases[i].s, n) == 0);
		CHECK(out[n] == 'x'); /* nothing written after the digits */
	}
}
