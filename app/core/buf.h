/* buf.h — a growable byte buffer (heap-owned), the output type of renderers
 * and response bodies. The buffer owns its bytes; buf_free() releases them. */
#ifndef FLACON_BUF_H
#define FLACON_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct buf {
	char *p;    /* bytes, always NUL-terminated when cap > 0 */
	size_t n;   /* length, not counting the terminator */
	size_t cap; /* allocated size */
};

#define BUF_INIT {NULL, 0, 0}

/* Make room for extra more bytes. Returns 0, or -1 when out of memory. */
int buf_reserve(struct buf *b, size_t extra);
/* Append n bytes of p (may contain NUL). Returns 0 or -1 (out of memory). */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s with &, <, >, ", ' replaced by HTML entities (&amp; &lt; &gt;
 * &quot; &#39;), the framework's one HTML escaper (the templates' {{x}}).
 * Returns 0 or -1 (out of memory). */
int buf_append_html(struct buf *b, const char *s, size_t n);
/* The length s[0..n) takes once buf_append_html has escaped it. */
size_t buf_html_len(const char *s, size_t n);
/* s[0..n) escaped as buf_append_html does into d, which has room for 6 * n
 * bytes (the most it can take), in one pass, several bytes at a time: it
 * may write bytes of no meaning after the escaped ones, within the 6 * n
 * (no NUL). Returns the escaped length. */
size_t buf_html_escape(char *d, const char *s, size_t n);
/* Nonzero when one of the 8 bytes of x is one HTML escapes (& < > " '),
 * exactly: 0x26 and 0x27 ('&', '\'') differ in bit 0, 0x3c and 0x3e ('<',
 * '>') in bit 1, so three has-a-zero-byte tests cover the five. A flag
 * may show falsely above a true one (never below it, never alone). */
static inline uint64_t buf_html_special8(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
	uint64_t a = (x | ones) ^ (ones * 0x27);
	uint64_t q = x ^ (ones * 0x22);
	uint64_t t = (x | ones * 2) ^ (ones * 0x3e);
	return (((a - ones) & ~a) | ((q - ones) & ~q) | ((t - ones) & ~t)) & high;
}

#ifdef __SSE2__
/* The bytes of x that HTML escapes, one bit each (bit i: byte i). */
static inline unsigned buf_html_special16(__m128i x)
{
	__m128i e = _mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('&')), _mm_cmpeq_epi8(x, _mm_set1_epi8('<'))),
		_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('>')),
			     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
					  _mm_cmpeq_epi8(x, _mm_set1_epi8('\'')))));
	return (unsigned)_mm_movemask_epi8(e);
}
#endif

/* Whether s[0..n), 8 <= n <= 32, holds no byte HTML escapes: the usual
 * short value ({{name}}, a date), tested in line in overlapping loads
 * within s, so that it is copied as it is. */
static inline bool buf_html_plain_short(const char *s, size_t n)
{
#ifdef __SSE2__
	if (n < 16) /* two overlapping words as one vector */
		return !buf_html_special16(
			_mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)s),
					   _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8))));
	return !(buf_html_special16(_mm_loadu_si128((const __m128i *)(const void *)s)) |
		 buf_html_special16(_mm_loadu_si128((const __m128i *)(const void *)(s + n - 16))));
#else
	uint64_t w[4];
	memcpy(&w[0], s, 8);
	memcpy(&w[1], s + n - 8, 8);
	uint64_t m = buf_html_special8(w[0]) | buf_html_special8(w[1]);
	if (n > 16) {
		memcpy(&w[2], s + 8, 8);
		memcpy(&w[3], s + n - 16, 8);
		m |= buf_html_special8(w[2]) | buf_html_special8(w[3]);
	}
	return !m;
#endif
}

/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
