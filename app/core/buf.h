/* buf.h — a growable byte buffer (heap-owned), the output type of renderers
 * and response bodies. The buffer owns its bytes; buf_free() releases them. */
#ifndef FLACON_BUF_H
#define FLACON_BUF_H

#include <stdarg.h>
#include <stddef.h>

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
/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
