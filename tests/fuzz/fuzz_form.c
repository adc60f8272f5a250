/* fuzz_form.c — libFuzzer target: text_form_parse and text_percent_decode on
 * arbitrary bytes. Whatever they accept must be valid UTF-8 of the stated
 * length; what they refuse must leave the output empty. */
#include <stdint.h>
#include <string.h>

#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, 4096);
	const char *s = (const char *)data;
	struct text_params ps;
	int rc = text_form_parse(&a, s, size, &ps);
	if (rc == 0) {
		for (size_t i = 0; i < ps.n; i++) {
			const struct text_param *p = &ps.v[i];
			if (!text_utf8_valid(p->name, strlen(p->name)) ||
			    !text_utf8_valid(p->value, p->value_len) || p->value[p->value_len] != '\0')
				__builtin_trap();
			if (text_params_get(&ps, p->name) == NULL)
				__builtin_trap();
		}
	} else if (rc != -1 || ps.n != 0) {
		__builtin_trap();
	}
	for (int plus = 0; plus < 2; plus++) {
		size_t n = (size_t)-1;
		char *d = text_percent_decode(&a, s, size, plus, &n);
		if (d) {
			if (n > size || d[n] != '\0' || !text_utf8_valid(d, n))
				__builtin_trap();
		}
	}
	/* The digits parser shares the input. */
	long long v;
	if (text_parse_digits(s, size, 1000000, &v) && (v < 0 || v > 1000000))
		__builtin_trap();
	(void)text_utf8_count(s, size);
	arena_free(&a);
	return 0;
}
