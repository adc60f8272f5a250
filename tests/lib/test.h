/* test.h — the tiny test framework every suite uses.
 * A test is `TEST(test_name) { CHECK(cond); ... }`; tests register themselves
 * at load time and run in file order. test_main() runs them all and prints
 * "SUITE: N passed, N failed". A test fails if any CHECK fails. */
#ifndef FLACON_TEST_H
#define FLACON_TEST_H

#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
/* Run every registered test whose name contains filter (NULL = all);
 * prints the suite line; returns the process exit status (0 = all passed). */
int test_main(const char *suite, int argc, char **argv);
void test_fail(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define TEST(name)                                                     \
	static void name(void);                                        \
	__attribute__((constructor)) static void name##_register(void) \
	{                                                              \
		test_register(#name, name);                            \
	}                                                              \
	static void name(void)

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond))                                          \
			test_fail(__FILE__, __LINE__, #cond, NULL);   \
	} while (0)

/* A check the rest of the test depends on: when cond is false the test
 * fails and jumps to its clean-up, the label `out` it must have. Never
 * `if (!x) goto out;`, which would end a test early without failing it. */
#define REQUIRE(cond)                                                 \
	do {                                                          \
		if (!(cond)) {                                        \
			test_fail(__FILE__, __LINE__, #cond, NULL);   \
			goto out;                                     \
		}                                                     \
	} while (0)

#define CHECK_MSG(cond, ...)                                           \
	do {                                                           \
		if (!(cond))                                           \
			test_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

#define CHECK_INT(a, b)                                                         \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (a_ != b_)                                                   \
			test_fail(__FILE__, __LINE__, #a " == " #b, "%lld != %lld", a_, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                         \
			test_fail(__FILE__, __LINE__, #a " == " #b, "\"%s\" != \"%s\"", \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");     \
	} while (0)

#endif
