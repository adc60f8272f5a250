/* text.h — byte-level helpers for untrusted input: length-carrying strings,
 * percent-decoding, UTF-8 validation, application/x-www-form-urlencoded
 * parsing, and the decimal digits of a number. Nothing here allocates
 * except through the arena it is given. */
#ifndef FLACON_TEXT_H
#define FLACON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct text_str {
	const char *p;
	size_t n;
};

/* A decoded name=value pair. Both are NUL-terminated copies in the arena;
 * value_len counts the value's bytes (a decoded value may hold NUL). */
struct text_param {
	const char *name;
	const char *value;
	size_t value_len;
};

struct text_params {
	struct text_param *v;
	size_t n;
};

/* True when s[0..n) is well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
bool text_utf8_valid(const char *s, size_t n);
/* Number of code points in well-formed UTF-8. */
size_t text_utf8_count(const char *s, size_t n);

/* Percent-decode s[0..n) into the arena. plus_is_space turns '+' into ' '
 * (form and query encoding). Returns the NUL-terminated copy and its length
 * in *out_len, or NULL when an escape is malformed (%zz, truncated %x) or
 * the decoded bytes are not valid UTF-8. */
char *text_percent_decode(struct arena *a, const char *s, size_t n, bool plus_is_space,
		     size_t *out_len);

/* Which bytes percent-encoding leaves as they are: keep(c) true keeps c. */
typedef bool (*text_keep_fn)(unsigned char c);

/* Percent-encode s[0..n): every byte keep() refuses becomes %XX (upper-case
 * hex), the others stay. Writes the result to out when out is not NULL (no
 * terminator; room for the returned length) and returns its length, so a
 * first call with out == NULL measures. */
size_t text_percent_encode_to(char *out, const char *s, size_t n, text_keep_fn keep);
/* The same as a NUL-terminated copy in the arena; NULL when out of memory. */
char *text_percent_encode(struct arena *a, const char *s, size_t n, text_keep_fn keep);

/* Parse a query string or form body ("a=1&b=%20x") into out. Empty pairs are
 * skipped; a pair without '=' has an empty value. Returns 0, or -1 on a bad
 * encoding (out is then left empty), -2 on out of memory. */
int text_form_parse(struct arena *a, const char *s, size_t n, struct text_params *out);

/* The first value of name, or NULL. */
const struct text_param *text_params_get(const struct text_params *ps, const char *name);

/* Constant-time comparison of two equal-length buffers. */
bool text_ct_equal(const void *a, const void *b, size_t n);

/* Parse a decimal ASCII-digits-only string (no sign, no spaces) into *out.
 * Returns false for anything else or on overflow beyond max. */
bool text_parse_digits(const char *s, size_t n, long long max, long long *out);

/* The decimal digits of v at out (room for 20, no NUL written); returns
 * their count. No printf: pages write many numbers. */
size_t text_put_u64(char *out, uint64_t v);

#endif
