/* fuzz_tmpl.c — libFuzzer target for app/tmpl: compiles the input as a
 * template and, when it compiles, renders it against a small fixed context,
 * directly and as an indented partial, with fixed partials and parents it
 * may call (itself included, to exercise the recursion limit).
 * Build with clang -fsanitize=fuzzer,address,undefined -I app -I/usr/include/json-c
 * from this file, every .c file of app/tmpl, app/core/buf.c and -ljson-c. */
#include <json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl/tmpl.h"

static const char context_json[] =
	"{\"name\": \"<b>Flacon</b> & \\\"co\\\"\", \"n\": 42, \"d\": 1.21, \"t\": true,"
	" \"f\": false, \"z\": null, \"s\": \"\", \"list\": [1, \"two\", {\"name\": \"x\"}, [3]],"
	" \"obj\": {\"a\": {\"b\": {\"c\": \"deep\"}}, \"list\": []},"
	" \"kids\": [{\"name\": \"k1\", \"kids\": [{\"name\": \"k2\", \"kids\": []}]}]}";

static const char *const fixed[][2] = {
	{"p", "{{#list}}<{{.}}>\n{{/list}}"},
	{"parent", "[{{$a}}A{{/a}}|\n  {{$b}}\n  B\n  {{/b}}\n|{{>t}}]"},
	{"node", "{{name}}({{#kids}}{{>node}}{{/kids}})"},
	{"wrap", "  {{>t}}\n  {{<parent}}{{$a}}\n    x\n  {{/a}}{{/parent}}\n"},
};

static struct json_object *context;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_set *set;
	struct buf out = BUF_INIT;
	char err[256];

	if (!context && !(context = json_tokener_parse(context_json)))
		abort();
	if (!(set = tmpl_set_new()))
		return 0;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (tmpl_set_add(set, fixed[i][0], fixed[i][1], strlen(fixed[i][1]), err,
				 sizeof err) < 0)
			abort();
	if (tmpl_set_add(set, "t", (const char *)data, size, err, sizeof err) == 0) {
		int rc = tmpl_render(set, "t", context, &out);
		if (rc != 0 && rc != TMPL_EDEPTH && rc != TMPL_ELIMIT)
			abort();
		buf_reset(&out);
		rc = tmpl_render(set, "wrap", context, &out);
		if (rc != 0 && rc != TMPL_EDEPTH && rc != TMPL_ELIMIT)
			abort();
	} else if (!memchr(err, ':', strlen(err))) {
		abort(); /* every compile error carries "name:line: message" */
	}
	buf_free(&out);
	tmpl_set_free(set);
	return 0;
}
