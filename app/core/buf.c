/* buf.c — growable byte buffer. */
#include "buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t extra)
{
	if (b->n + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + extra + 1) {
		if (cap > ((size_t)-1) / 2)
			return -1;
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int len = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	if ((size_t)len < sizeof tmp)
		return buf_append(b, tmp, (size_t)len);
	if (buf_reserve(b, (size_t)len) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return 0;
}

/* The entity of each byte HTML escapes, and its length beyond the byte. */
static const char *const html_entity[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};
static const unsigned char html_extra[256] = {
	['&'] = 4, ['<'] = 3, ['>'] = 3, ['"'] = 5, ['\''] = 4,
};

size_t buf_html_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = n;
	for (size_t i = 0; i < n; i++)
		len += html_extra[u[i]];
	return len;
}

/* The entities again, each in 8 bytes (what follows the entity is
 * overwritten later), by html_slot[byte] - 1. */
static const char html_entity8[5][8] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
static const unsigned char html_slot[256] = {
	['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5,
};

size_t buf_html_escape(char *d, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *w = d;
	size_t i = 0;
	if (n >= 8 && n <= 16) { /* the usual short text: two words, overlapping */
		uint64_t x, y;
		memcpy(&x, u, 8);
		memcpy(&y, u + n - 8, 8);
		if (!(buf_html_special8(x) | buf_html_special8(y))) {
			memcpy(d, &x, 8);
			memcpy(d + n - 8, &y, 8);
			return n;
		}
	}
#ifdef __SSE2__
	/* Sixteen bytes at a time, as the eight below, compared exactly. */
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		unsigned m = buf_html_special16(x);
		_mm_storeu_si128((__m128i *)(void *)w, x);
		if (!m) {
			w += 16;
			i += 16;
			continue;
		}
		size_t j = (size_t)__builtin_ctz(m);
		w += j;
		i += j;
		unsigned char c = u[i++];
		memcpy(w, html_entity8[html_slot[c] - 1], 8);
		w += html_extra[c] + 1u;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Eight bytes at a time, stored before they are looked at: up to the
	 * first byte to escape they stand (the lowest flagged byte is a true
	 * one: a has-a-zero test only flags falsely above a true zero), the
	 * entity goes over the rest. Room: while i + 8 <= n, w - d <= 6 * i,
	 * so 8 bytes from w, and the 8 of an entity, stay within 6 * n; and
	 * what is left of the input fills at least as far as they reached. */
	while (i + 8 <= n) {
		uint64_t x, m;
		memcpy(&x, u + i, 8);
		memcpy(w, &x, 8);
		if (!(m = buf_html_special8(x))) {
			w += 8;
			i += 8;
			continue;
		}
		size_t j = (size_t)__builtin_ctzll(m) >> 3;
		w += j;
		i += j;
		unsigned char c = u[i++];
		memcpy(w, html_entity8[html_slot[c] - 1], 8);
		w += html_extra[c] + 1u;
	}
	/* the last n % 8, when nothing before them grew and none is to be
	 * escaped: one move over the last 8 bytes */
	if (i < n && n >= 8 && (size_t)(w - d) == i) {
		uint64_t x;
		memcpy(&x, u + n - 8, 8);
		if (!buf_html_special8(x)) {
			memcpy(d + n - 8, &x, 8);
			return n;
		}
	}
#endif
	for (; i < n; i++) {
		unsigned char c = u[i];
		size_t k = html_extra[c];
		if (!k) {
			*w++ = (char)c;
			continue;
		}
		memcpy(w, html_entity[c], k + 1);
		w += k + 1;
	}
	return (size_t)(w - d);
}

int buf_append_html(struct buf *b, const char *s, size_t n)
{
	size_t len = buf_html_len(s, n);
	if (len == n)
		return buf_append(b, s, n);
	if (buf_reserve(b, len) < 0)
		return -1;
	const unsigned char *u = (const unsigned char *)s;
	char *w = b->p + b->n;
	for (size_t i = 0; i < n; i++) {
		const char *e = html_entity[u[i]];
		if (!e) {
			*w++ = (char)u[i];
			continue;
		}
		size_t k = html_extra[u[i]] + 1u;
		memcpy(w, e, k);
		w += k;
	}
	b->n += len;
	b->p[b->n] = '\0';
	return 0;
}

void buf_reset(struct buf *b)
{
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}
