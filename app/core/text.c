/* text.c — percent-decoding, UTF-8 validation and form parsing. */
#include "core/text.h"

#include <string.h>

bool text_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2; cp = c & 0x1F; min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3; cp = c & 0x0F; min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			unsigned cc = s[i + k];
			if ((cc & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

size_t text_utf8_count(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t text_percent_encode_to(char *out, const char *s, size_t n, text_keep_fn keep)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (keep(c)) {
			if (out)
				out[o] = (char)c;
			o++;
		} else {
			if (out) {
				out[o] = '%';
				out[o + 1] = hex[c >> 4];
				out[o + 2] = hex[c & 15];
			}
			o += 3;
		}
	}
	return o;
}

char *text_percent_encode(struct arena *a, const char *s, size_t n, text_keep_fn keep)
{
	size_t len = text_percent_encode_to(NULL, s, n, keep);
	char *out = arena_alloc(a, len + 1);
	if (!out)
		return NULL;
	text_percent_encode_to(out, s, n, keep);
	out[len] = '\0';
	return out;
}

char *text_percent_decode(struct arena *a, const char *s, size_t n, bool plus_is_space,
		     size_t *out_len)
{
	char *out = arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return NULL;
			int h = hexval((unsigned char)s[i + 1]);
			int l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	if (!text_utf8_valid(out, o))
		return NULL;
	if (out_len)
		*out_len = o;
	return out;
}

int text_form_parse(struct arena *a, const char *s, size_t n, struct text_params *out)
{
	out->v = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	size_t pairs = 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '&')
			pairs++;
	struct text_param *v = arena_alloc(a, pairs * sizeof *v);
	if (!v)
		return -2;
	size_t count = 0;
	size_t start = 0;
	while (start <= n) {
		const char *amp = memchr(s + start, '&', n - start);
		size_t end = amp ? (size_t)(amp - s) : n;
		if (end > start) {
			const char *pair = s + start;
			size_t plen = end - start;
			const char *eq = memchr(pair, '=', plen);
			size_t klen = eq ? (size_t)(eq - pair) : plen;
			size_t vlen = 0;
			char *name = text_percent_decode(a, pair, klen, true, NULL);
			char *value = eq ? text_percent_decode(a, eq + 1, plen - klen - 1, true, &vlen)
					 : arena_strdup(a, "");
			if (!name || !value)
				return -1;
			v[count].name = name;
			v[count].value = value;
			v[count].value_len = vlen;
			count++;
		}
		if (!amp)
			break;
		start = end + 1;
	}
	out->v = v;
	out->n = count;
	return 0;
}

const struct text_param *text_params_get(const struct text_params *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

bool text_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

bool text_parse_digits(const char *s, size_t n, long long max, long long *out)
{
	if (n == 0)
		return false;
	long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

size_t text_put_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, k = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		out[k++] = tmp[--n];
	return k;
}
