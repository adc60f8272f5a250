/* Unit tests of core/arena.c and core/buf.c. */
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "test.h"

TEST(test_arena_alignment_and_reuse_after_reset)
{
	struct arena a;
	arena_init(&a, 1024);
	void *first = arena_alloc(&a, 3);
	void *second = arena_alloc(&a, 5);
	CHECK(((uintptr_t)second % _Alignof(max_align_t)) == 0);
	CHECK(first != second);
	for (int i = 0; i < 100; i++)
		CHECK(arena_alloc(&a, 100) != NULL);
	char *big = arena_alloc(&a, 100000);
	CHECK(big != NULL);
	memset(big, 1, 100000);
	arena_reset(&a);
	CHECK(arena_alloc(&a, 3) == first);
	arena_free(&a);
}

TEST(test_arena_strings)
{
	struct arena a;
	arena_init(&a, 64);
	CHECK_STR(arena_strndup(&a, "hello world", 5), "hello");
	CHECK_STR(arena_printf(&a, "%d-%s", 7, "x"), "7-x");
	char *z = arena_calloc(&a, 10, 10);
	CHECK(z && z[0] == 0 && z[99] == 0);
	CHECK(arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
	arena_free(&a);
}

TEST(test_buf_append_and_html_escape)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "x");
	CHECK_INT(buf_html_len("<script>\"a\"&'b'</script>", 25), 59);
	CHECK_INT(buf_append_html(&b, "<script>\"a\"&'b'</script>", 25), 0);
	CHECK_STR(b.p, "x&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;");
	CHECK_INT(b.n, 60);
	/* nothing to escape: the bytes as they are (NUL and non-ASCII too) */
	CHECK_INT(buf_html_len("a\0\xc3\xa9/", 5), 5);
	CHECK_INT(buf_append_html(&b, "a\0\xc3\xa9/", 5), 0);
	CHECK(b.n == 65 && !memcmp(b.p + 60, "a\0\xc3\xa9/", 6));
	CHECK_INT(buf_html_len("", 0), 0);
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	CHECK_INT(b.n, 4000);
	CHECK(!memcmp(b.p + 3996, "0999", 4));
	buf_free(&b);
}

TEST(test_arena_fail_after_fails_exactly_the_nth_allocation_once)
{
	struct arena a;
	arena_init(&a, 256);
	unsigned long before = arena_failures();
	arena_fail_after(3);
	void *p1 = arena_alloc(&a, 8);
	char *p2 = arena_strdup(&a, "two");
	char *p3 = arena_printf(&a, "%d", 3); /* the third: fails */
	void *p4 = arena_calloc(&a, 2, 8);
	CHECK(p1 != NULL);
	CHECK_STR(p2, "two");
	CHECK(p3 == NULL);
	CHECK(p4 != NULL);
	CHECK_INT(arena_failures() - before, 1);
	/* 0 turns a pending failure off */
	arena_fail_after(2);
	arena_fail_after(0);
	CHECK(arena_alloc(&a, 8) != NULL && arena_alloc(&a, 8) != NULL);
	CHECK_INT(arena_failures() - before, 1);
	arena_free(&a);
}

TEST(test_arena_fail_from_fails_the_nth_allocation_and_every_later_one)
{
	struct arena a;
	arena_init(&a, 256);
	unsigned long before = arena_failures();
	arena_fail_from(2);
	CHECK(arena_alloc(&a, 8) != NULL);
	CHECK(arena_alloc(&a, 8) == NULL);
	CHECK(arena_strdup(&a, "x") == NULL);
	CHECK(arena_calloc(&a, 1, 8) == NULL);
	CHECK_INT(arena_failures() - before, 3);
	arena_fail_from(0);
	CHECK(arena_alloc(&a, 8) != NULL);
	CHECK_INT(arena_failures() - before, 3);
	arena_free(&a);
}

/* Cleanup handlers: what the log records of their runs. */
struct cleanup_log {
	char order[16];
	size_t n;
};

static void note_a(void *p)
{
	struct cleanup_log *l = p;
	l->order[l->n++] = 'a';
}

static void note_b(void *p)
{
	struct cleanup_log *l = p;
	l->order[l->n++] = 'b';
}

TEST(test_arena_cleanups_run_last_first_once_at_reset_and_free)
{
	struct arena a;
	struct cleanup_log l = {{0}, 0};
	arena_init(&a, 256);
	CHECK_INT(arena_cleanup_add(&a, note_a, &l), 0);
	CHECK_INT(arena_cleanup_add(&a, note_b, &l), 0);
	arena_reset(&a);
	CHECK_STR(l.order, "ba");
	arena_reset(&a); /* already run: not again */
	CHECK_INT(l.n, 2);
	CHECK_INT(arena_cleanup_add(&a, note_a, &l), 0);
	arena_run_cleanups(&a);
	CHECK_STR(l.order, "baa");
	CHECK_INT(arena_cleanup_add(&a, note_b, &l), 0);
	arena_free(&a);
	CHECK_STR(l.order, "baab");
}

TEST(test_arena_cleanup_add_out_of_memory_registers_nothing)
{
	struct arena a;
	struct cleanup_log l = {{0}, 0};
	arena_init(&a, 256);
	arena_fail_after(1);
	CHECK_INT(arena_cleanup_add(&a, note_a, &l), -1);
	arena_fail_after(0);
	arena_free(&a);
	CHECK_INT(l.n, 0);
}

/* A request that makes one oversized allocation among ordinary ones, over
 * and over (as a worker's arena sees it): the blocks kept by each reset
 * are reused, so the arena does not grow. */
TEST(test_arena_with_oversized_allocations_stays_flat_across_resets)
{
	struct arena a;
	arena_init(&a, 1024);
	size_t after_first = 0;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 6; i++)
			CHECK(arena_alloc(&a, 300) != NULL);
		unsigned char *big = arena_alloc(&a, 5000);
		CHECK(big != NULL);
		if (big)
			memset(big, 0xab, 5000);
		for (int i = 0; i < 6; i++)
			CHECK(arena_alloc(&a, 300) != NULL);
		arena_reset(&a);
		if (round == 1)
			after_first = mallinfo2().uordblks;
	}
	/* A block (1 KiB) more per round would be 200 KiB. */
	size_t now = mallinfo2().uordblks;
	CHECK_MSG(now <= after_first + 4096, "heap in use %zu bytes after 200 rounds, %zu after 2", now,
		  after_first);
	arena_free(&a);
}

/* The escape of s by the definition, a byte at a time, for comparing. */
static size_t html_ref(char *d, const unsigned char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
			: s[i] == '"' ? "&quot;" : s[i] == '\'' ? "&#39;" : NULL;
		if (e) {
			memcpy(d + w, e, strlen(e));
			w += strlen(e);
		} else {
			d[w++] = (char)s[i];
		}
	}
	return w;
}

TEST(test_buf_html_escape_in_one_pass_matches_the_definition_at_every_place)
{
	/* every length to 40 (whole words of 8 and 16, the overlapping last
	 * word, byte tails), each special byte and its neighbours (0x21, 0x23,
	 * 0x25, 0x28, 0x3b, 0x3d, 0x3f, non-ASCII) at every position */
	const unsigned char probe[] = {'&', '<', '>', '"', '\'', 0x21, 0x23, 0x25, 0x28,
				       0x3b, 0x3d, 0x3f, 0xa6, 0xbc, 0};
	for (size_t n = 0; n <= 40; n++) {
		for (size_t at = 0; at < (n ? n : 1); at++) {
			for (size_t k = 0; k < sizeof probe; k++) {
				unsigned char s[40];
				char got[6 * 40 + 8], want[6 * 40 + 8];
				for (size_t i = 0; i < n; i++)
					s[i] = (unsigned char)('a' + i % 26);
				if (n)
					s[at] = probe[k];
				if (n > 9 && k < 5)
					s[n - 1 - at % 3] = '>'; /* a second one, near the end */
				memset(got, 'X', sizeof got);
				size_t len = buf_html_escape(got, (const char *)s, n);
				size_t wl = html_ref(want, s, n);
				CHECK(len == wl && !memcmp(got, want, wl));
				CHECK(got[6 * n] == 'X'); /* nothing past its room */
				CHECK_INT(buf_html_len((const char *)s, n), wl);
				if (len != wl || memcmp(got, want, wl))
					return;
			}
		}
	}
}
