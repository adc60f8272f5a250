/* test.c — registry and runner for tests/lib/test.h. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

struct test_case {
	const char *name;
	test_fn fn;
};

static struct test_case *cases;
static size_t ncases, capcases;
static int current_failed;
static const char *current_name;

void test_register(const char *name, test_fn fn)
{
	if (ncases == capcases) {
		capcases = capcases ? capcases * 2 : 64;
		cases = realloc(cases, capcases * sizeof *cases);
		if (!cases)
			abort();
	}
	cases[ncases].name = name;
	cases[ncases].fn = fn;
	ncases++;
}

void test_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	if (!current_failed)
		fprintf(stderr, "FAIL %s\n", current_name ? current_name : "?");
	current_failed = 1;
	fprintf(stderr, "  %s:%d: %s", file, line, expr);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fputs(" — ", stderr);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
}

int test_main(const char *suite, int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : getenv("TEST_FILTER");
	int passed = 0, failed = 0;
	int verbose = getenv("TEST_VERBOSE") != NULL;
	for (size_t i = 0; i < ncases; i++) {
		if (filter && *filter && !strstr(cases[i].name, filter))
			continue;
		current_name = cases[i].name;
		current_failed = 0;
		cases[i].fn();
		if (current_failed)
			failed++;
		else {
			passed++;
			if (verbose)
				fprintf(stderr, "ok   %s\n", cases[i].name);
		}
		fflush(stderr);
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	fflush(stdout);
	free(cases);
	return failed ? 1 : 0;
}
