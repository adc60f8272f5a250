/* test_objset.c — struct orm_objset: the set of a list's objects answers
 * what orm_list_contains answers, for members, non-members, NULL, an empty
 * list and a list large enough to collide in the table. */
#include "orm_test.h"

TEST(test_objset_answers_as_list_contains_for_members_and_others)
{
	static char objs[1000][24]; /* stand-ins: the set reads addresses only */
	struct orm_obj *items[600];
	struct arena a;
	arena_init(&a, 4096);
	for (size_t sizes[] = {0, 1, 7, 8, 9, 600}, si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		size_t n = sizes[si];
		/* every other object, from a shifting start: members and
		 * non-members interleave in memory */
		for (size_t i = 0; i < n; i++)
			items[i] = (struct orm_obj *)(void *)objs[(2 * i + si) % 1000];
		struct orm_list l = {items, n, n};
		struct orm_objset s;
		REQUIRE(orm_objset_init(&s, &l, &a) == 0);
		int wrong = 0;
		for (size_t k = 0; k < 1000; k++)
			wrong += orm_objset_has(&s, objs[k]) != orm_list_contains(&l, objs[k]);
		CHECK_MSG(wrong == 0, "%zu objects: %d answers differ", n, wrong);
		CHECK(!orm_objset_has(&s, NULL));
	}
out:
	arena_free(&a);
}
