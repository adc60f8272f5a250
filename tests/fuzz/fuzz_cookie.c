/* fuzz_cookie.c — libFuzzer target: http_cookie_parse on arbitrary bytes, then
 * the invariants every caller relies on (names are tokens, values valid
 * UTF-8 with their length), and a set-then-parse round trip. */
#include <stdint.h>
#include <string.h>

#include "core/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, 4096);
	struct text_params ps;
	if (http_cookie_parse(&a, (const char *)data, size, &ps) == 0) {
		for (size_t i = 0; i < ps.n; i++) {
			const struct text_param *p = &ps.v[i];
			if (!p->name[0] || strpbrk(p->name, " \t;=\"") ||
			    !text_utf8_valid(p->value, p->value_len) || p->value[p->value_len] != '\0')
				__builtin_trap();
		}
	}
	/* Any NUL-free UTF-8 value set on a response reads back the same. */
	char *v = arena_strndup(&a, (const char *)data, size);
	if (v && strlen(v) == size && text_utf8_valid(v, size)) {
		struct http_response resp = {.arena = &a};
		if (http_resp_set_cookie(&resp, "k", v, NULL) == 0) {
			const char *line = resp.headers.p + strlen("Set-Cookie: ");
			const char *end = strstr(line, "; Path=/\r\n");
			if (!end || http_cookie_parse(&a, line, (size_t)(end - line), &ps) != 0 ||
			    ps.n != 1 || strcmp(ps.v[0].value, v) != 0)
				__builtin_trap();
		}
		buf_free(&resp.headers);
	}
	arena_free(&a);
	return 0;
}
