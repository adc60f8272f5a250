/* test_models.c — the blog's data layer against a real MariaDB whose
 * schema `blog db upgrade` made (FLACON_DATABASE_URL names it; every test
 * empties the blog's tables first). Users with their defaults and hashed
 * passwords, articles with their user (both directions), comments shared
 * by several users through comment_user (both directions, append and
 * remove), pagination, the logical delete, get and first_or_404.
 * Prints the failures and "models: N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <flacon.h>

#include "models.h"

static int failures_in_test, passed, failed;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			failures_in_test++;                                                \
		}                                                                          \
	} while (0)
#define CHECK_INT(a, b)                                                                    \
	do {                                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);                        \
		if (a_ != b_) {                                                            \
			fprintf(stderr, "  %s:%d: %s is %lld, not %lld\n", __FILE__, __LINE__, #a, \
				a_, b_);                                                   \
			failures_in_test++;                                                \
		}                                                                          \
	} while (0)
/* Stop the test here (its later checks would only repeat the failure):
 * to its out: label, which ends it. */
#define REQUIRE(cond)                                                                      \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); \
			failures_in_test++;                                                \
			goto out;                                                          \
		}                                                                          \
	} while (0)

static struct db *db;

/* A test's world: an arena, a session on it, and the tables emptied. */
struct t {
	struct arena a;
	struct orm_session s;
};

static int wipe(struct orm_session *s)
{
	/* Deleting a comment deletes its comment_user rows with it. */
	struct orm_list all = {0};
	int rc = orm_all(comment_query(s), &all);
	for (size_t i = 0; rc == 0 && i < all.n; i++)
		rc = orm_delete(s, all.items[i]);
	if (rc == 0)
		rc = orm_commit(s);
	if (rc == 0)
		rc = orm_delete_where(article_query(s), NULL);
	if (rc == 0)
		rc = orm_delete_where(user_query(s), NULL);
	return rc;
}

static void t_begin(struct t *t)
{
	arena_init(&t->a, 1 << 16);
	orm_session_init(&t->s, db, &t->a);
	int rc = wipe(&t->s);
	if (rc) {
		fprintf(stderr, "  emptying the tables failed: %s\n", orm_errmsg(&t->s));
		failures_in_test++;
	}
}

static void t_end(struct t *t)
{
	orm_session_close(&t->s);
	arena_free(&t->a);
}

/* A second session on the same arena: it loads from the database, not
 * from the first session's identity map. */
static void fresh(struct t *t, struct orm_session *s2)
{
	orm_session_init(s2, db, &t->a);
}

static struct user *mkuser(struct t *t, const char *name)
{
	struct user *u = NULL;
	int rc = blog_create_user(&t->s, name, "pw-of-" "x", &u);
	if (rc)
		fprintf(stderr, "  creating %s: %s\n", name, orm_errmsg(&t->s));
	return u;
}

static struct article *mkarticle(struct t *t, struct user *u, const char *title)
{
	struct article *a = article_new(&t->s);
	if (!a)
		return NULL;
	a->title = title;
	a->content = "text";
	/* article.user = u: the foreign key follows at the flush */
	if (orm_set_related(&t->s, a, ORM_REL(article, user), u) != 0)
		return NULL;
	return a;
}

static void test_user_gets_rdatetime_now_isdelete_false_and_an_argon2id_hash(void)
{
	struct t t;
	t_begin(&t);
	time_t before = time(NULL);
	struct user *u = mkuser(&t, "alice");
	REQUIRE(u);
	CHECK(u->id > 0);
	CHECK(!u->isdelete);
	/* the server's CURRENT_TIMESTAMP, in UTC, within a minute of now */
	CHECK(u->rdatetime >= (int64_t)before - 60 && u->rdatetime <= (int64_t)time(NULL) + 60);
	struct orm_session s2;
	fresh(&t, &s2);
	struct user *v;
	CHECK_INT(user_get(&s2, u->id, &v), 0);
	REQUIRE(v);
	CHECK(v != u);
	CHECK(!strncmp(v->password, "$argon2id$", 10));
	CHECK(web_password_verify(v->password, "pw-of-x"));
	CHECK(!web_password_verify(v->password, "pw-of-y"));
	CHECK_INT(v->rdatetime, u->rdatetime);
	orm_session_close(&s2);
out:
	t_end(&t);
}

static void test_username_taken_is_a_conflict(void)
{
	struct t t;
	t_begin(&t);
	REQUIRE(mkuser(&t, "alice"));
	struct user *again = NULL;
	CHECK_INT(blog_create_user(&t.s, "alice", "other", &again), ORM_CONFLICT);
	CHECK(again == NULL);
out:
	t_end(&t);
}

static void test_user_articles_and_article_user_backref_both_directions(void)
{
	struct t t;
	t_begin(&t);
	struct user *alice = mkuser(&t, "alice"), *bob = mkuser(&t, "bob");
	REQUIRE(alice && bob);
	struct article *a1 = mkarticle(&t, alice, "one"), *a2 = mkarticle(&t, bob, "two");
	REQUIRE(a1 && a2);
	/* the other direction: user.articles.append(article) */
	struct article *a3 = article_new(&t.s);
	REQUIRE(a3);
	a3->title = "three";
	a3->content = "text";
	CHECK_INT(orm_append(&t.s, alice, ORM_REL(user, articles), a3), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(a1->user_id, alice->id);
	CHECK_INT(a3->user_id, alice->id);
	CHECK(a2->pdatetime > 0); /* server default, read back */

	struct orm_session s2;
	fresh(&t, &s2);
	struct user *u;
	struct orm_list *arts;
	CHECK_INT(user_get(&s2, alice->id, &u), 0);
	REQUIRE(u);
	CHECK_INT(user_load_articles(&s2, u, &arts), 0);
	REQUIRE(arts);
	CHECK_INT(arts->n, 2);
	if (arts->n == 2) {
		CHECK(!strcmp(article_at(arts, 0)->title, "one"));
		CHECK(!strcmp(article_at(arts, 1)->title, "three"));
		struct user *back;
		CHECK_INT(article_load_user(&s2, article_at(arts, 1), &back), 0);
		CHECK(back == u); /* the identity map: the same object */
	}
	struct article *b;
	struct user *author;
	CHECK_INT(article_get(&s2, a2->id, &b), 0);
	REQUIRE(b);
	CHECK_INT(article_load_user(&s2, b, &author), 0);
	REQUIRE(author);
	CHECK(!strcmp(author->username, "bob"));
	orm_session_close(&s2);
out:
	t_end(&t);
}

static void test_article_without_user_is_refused_and_nothing_is_written(void)
{
	struct t t;
	t_begin(&t);
	struct article *a = article_new(&t.s);
	REQUIRE(a);
	a->title = "orphan";
	a->content = "text";
	CHECK_INT(orm_add(&t.s, a), 0);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	int64_t n = -1;
	CHECK_INT(orm_count(article_query(&t.s), &n), 0);
	CHECK_INT(n, 0);
out:
	t_end(&t);
}

/* Comments of alice and bob: c1 by both, c2 by bob. */
static void three_links(struct t *t, struct user **alice, struct user **bob, struct comment **c1,
			struct comment **c2)
{
	*alice = mkuser(t, "alice");
	*bob = mkuser(t, "bob");
	*c1 = comment_new(&t->s);
	*c2 = comment_new(&t->s);
	if (!*alice || !*bob || !*c1 || !*c2)
		return;
	(*c1)->content = "first";
	(*c2)->content = "second";
	/* comment.users.append(user) and user.comments.append(comment): the
	 * transient comments join the session by the append */
	CHECK_INT(orm_append(&t->s, *c1, ORM_REL(comment, users), *alice), 0);
	CHECK_INT(orm_append(&t->s, *c1, ORM_REL(comment, users), *bob), 0);
	CHECK_INT(orm_append(&t->s, *bob, ORM_REL(user, comments), *c2), 0);
	CHECK_INT(orm_commit(&t->s), 0);
}

static size_t list_n(struct orm_session *s, void *obj, const struct orm_relationship *r)
{
	struct orm_list *l = NULL;
	return orm_load_list(s, obj, r, &l) == 0 && l ? l->n : (size_t)-1;
}

static void test_comment_users_and_user_comments_through_comment_user_both_directions(void)
{
	struct t t;
	t_begin(&t);
	struct user *alice, *bob;
	struct comment *c1, *c2;
	three_links(&t, &alice, &bob, &c1, &c2);
	REQUIRE(alice && bob && c1 && c2 && c1->id && c2->id);
	/* the backref side was kept in step in memory */
	CHECK_INT(list_n(&t.s, bob, ORM_REL(user, comments)), 2);

	struct orm_session s2;
	fresh(&t, &s2);
	struct comment *c;
	struct user *b, *a;
	struct orm_list *l;
	CHECK_INT(comment_get(&s2, c1->id, &c), 0);
	REQUIRE(c);
	CHECK_INT(comment_load_users(&s2, c, &l), 0);
	REQUIRE(l);
	CHECK_INT(l->n, 2);
	if (l->n == 2) {
		CHECK(!strcmp(user_at(l, 0)->username, "alice"));
		CHECK(!strcmp(user_at(l, 1)->username, "bob"));
	}
	CHECK_INT(user_get(&s2, bob->id, &b), 0);
	REQUIRE(b);
	CHECK_INT(user_load_comments(&s2, b, &l), 0);
	REQUIRE(l);
	CHECK_INT(l->n, 2);
	if (l->n == 2) {
		CHECK(!strcmp(comment_at(l, 0)->content, "first"));
		CHECK(!strcmp(comment_at(l, 1)->content, "second"));
	}
	CHECK_INT(user_get(&s2, alice->id, &a), 0);
	REQUIRE(a);
	CHECK_INT(list_n(&s2, a, ORM_REL(user, comments)), 1);
	orm_session_close(&s2);
out:
	t_end(&t);
}

static void test_remove_deletes_the_association_row_only_and_append_twice_links_once(void)
{
	struct t t;
	t_begin(&t);
	struct user *alice, *bob;
	struct comment *c1, *c2;
	three_links(&t, &alice, &bob, &c1, &c2);
	REQUIRE(alice && bob && c1 && c2);
	CHECK_INT(orm_remove(&t.s, c1, ORM_REL(comment, users), bob), 0);
	CHECK_INT(orm_append(&t.s, c2, ORM_REL(comment, users), bob), 0); /* already there */
	CHECK_INT(orm_commit(&t.s), 0);

	struct orm_session s2;
	fresh(&t, &s2);
	struct comment *c;
	struct user *b;
	CHECK_INT(comment_get(&s2, c1->id, &c), 0);
	REQUIRE(c);
	CHECK_INT(list_n(&s2, c, ORM_REL(comment, users)), 1);
	CHECK_INT(user_get(&s2, bob->id, &b), 0);
	REQUIRE(b); /* the user stays */
	CHECK_INT(list_n(&s2, b, ORM_REL(user, comments)), 1);
	CHECK_INT(comment_get(&s2, c2->id, &c), 0);
	REQUIRE(c);
	CHECK_INT(list_n(&s2, c, ORM_REL(comment, users)), 1);
	int64_t n = -1;
	CHECK_INT(orm_count(comment_query(&s2), &n), 0);
	CHECK_INT(n, 2); /* both comments stay */
	orm_session_close(&s2);
out:
	t_end(&t);
}

static void test_paginate_articles_five_a_page_and_404_beyond_the_last(void)
{
	struct t t;
	t_begin(&t);
	struct user *u = mkuser(&t, "alice");
	REQUIRE(u);
	for (int i = 0; i < 12; i++)
		REQUIRE(mkarticle(&t, u, arena_printf(&t.a, "a%02d", i + 1)));
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_query *q = orm_order_by(article_query(&t.s), ORM_COL(article, id), ORM_ASC);
	struct orm_page_args args = ORM_PAGE_ARGS_DEFAULT;
	args.per_page = BLOG_PER_PAGE;
	struct orm_pagination p;
	CHECK_INT(orm_paginate(q, &args, &p), 0);
	CHECK_INT(p.total, 12);
	CHECK_INT(p.pages, 3);
	CHECK_INT(p.items.n, 5);
	CHECK(!p.has_prev && p.has_next && p.next_num == 2);
	if (p.items.n == 5)
		CHECK(!strcmp(article_at(&p.items, 0)->title, "a01"));
	args.page = 3;
	CHECK_INT(orm_paginate(q, &args, &p), 0);
	CHECK_INT(p.items.n, 2);
	CHECK(p.has_prev && p.prev_num == 2 && !p.has_next);
	if (p.items.n == 2)
		CHECK(!strcmp(article_at(&p.items, 1)->title, "a12"));
	int64_t nums[13];
	CHECK_INT(orm_iter_pages_default(&p, nums, 13), 3);
	args.page = 4;
	CHECK_INT(orm_paginate(q, &args, &p), ORM_NOT_FOUND);
	args.page = 0;
	CHECK_INT(orm_paginate(q, &args, &p), ORM_NOT_FOUND);
out:
	t_end(&t);
}

/* The sql hook of a session: copy the last UPDATE's text into ctx (a
 * char[512]). */
static void keep_update(void *ctx, const char *sql)
{
	if (!strncmp(sql, "UPDATE", 6))
		snprintf(ctx, 512, "%s", sql);
}

static void test_logical_delete_sets_isdelete_only_and_hides_the_user_from_login(void)
{
	struct t t;
	t_begin(&t);
	struct user *u = mkuser(&t, "alice");
	REQUIRE(u);
	struct user *found;
	CHECK_INT(blog_find_user(&t.s, "alice", &found), 0);
	CHECK(found == u);
	char update[512] = "";
	orm_session_set_sql_hook(&t.s, keep_update, update);
	ORM_SET(u, user, isdelete, true);
	CHECK_INT(orm_commit(&t.s), 0);
	orm_session_set_sql_hook(&t.s, NULL, NULL);
	/* one UPDATE, naming the changed column only */
	REQUIRE(*update);
	CHECK(!strncmp(update, "UPDATE `user1` SET `isdelete` = ? WHERE", 39));
	CHECK(strstr(update, "`username`") == NULL);
	struct orm_session s2;
	fresh(&t, &s2);
	CHECK_INT(blog_find_user(&s2, "alice", &found), 0);
	CHECK(found == NULL);
	struct user *row;
	CHECK_INT(user_get(&s2, u->id, &row), 0); /* the row is still there */
	REQUIRE(row);
	CHECK(row->isdelete);
	orm_session_close(&s2);
out:
	t_end(&t);
}

static void test_get_is_null_and_get_or_404_first_or_404_not_found_for_a_missing_id(void)
{
	struct t t;
	t_begin(&t);
	struct user *u = mkuser(&t, "alice");
	REQUIRE(u);
	struct article *a = mkarticle(&t, u, "there");
	REQUIRE(a);
	CHECK_INT(orm_commit(&t.s), 0);
	int64_t missing = a->id + 1000;
	struct article *got = (struct article *)1;
	CHECK_INT(article_get(&t.s, missing, &got), 0);
	CHECK(got == NULL);
	CHECK_INT(article_get_or_404(&t.s, missing, &got), ORM_NOT_FOUND);
	CHECK_INT(article_first_or_404(orm_filter_by(article_query(&t.s), "id", orm_int(missing)), &got),
		  ORM_NOT_FOUND);
	CHECK_INT(article_first_or_404(orm_filter_by(article_query(&t.s), "id", orm_int(a->id)), &got), 0);
	CHECK(got == a);
	struct user *nobody = (struct user *)1;
	CHECK_INT(user_first(orm_filter_by(user_query(&t.s), "username", orm_str("nobody")), &nobody), 0);
	CHECK(nobody == NULL);
out:
	t_end(&t);
}

/* The article count (orm_counter_*): +1 per article written, -1 per
 * article deleted, in the transaction that writes it (a rollback takes
 * its add back). */
static void test_article_count_moves_with_each_article_written_or_deleted_in_its_transaction(void)
{
	struct t t;
	t_begin(&t);
	int64_t before = -1, now = -1;
	CHECK_INT(orm_counter_read(&t.s, BLOG_ARTICLE_COUNT, &before), 0);
	struct user *u = mkuser(&t, "carol");
	REQUIRE(u);
	struct article *a1 = mkarticle(&t, u, "c1"), *a2 = mkarticle(&t, u, "c2");
	REQUIRE(a1 && a2 && mkarticle(&t, u, "c3"));
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(orm_counter_read(&t.s, BLOG_ARTICLE_COUNT, &now), 0);
	CHECK_INT(now - before, 3);
	CHECK_INT(orm_delete(&t.s, a1), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(orm_counter_read(&t.s, BLOG_ARTICLE_COUNT, &now), 0);
	CHECK_INT(now - before, 2);
	/* Rolled back: neither the article nor its count. */
	CHECK_INT(orm_begin(&t.s), 0);
	REQUIRE(mkarticle(&t, u, "c4"));
	CHECK_INT(orm_flush(&t.s), 0);
	CHECK_INT(orm_rollback(&t.s), 0);
	CHECK_INT(orm_counter_read(&t.s, BLOG_ARTICLE_COUNT, &now), 0);
	CHECK_INT(now - before, 2);
out:
	t_end(&t);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(f) {#f, f}
	T(test_user_gets_rdatetime_now_isdelete_false_and_an_argon2id_hash),
	T(test_username_taken_is_a_conflict),
	T(test_user_articles_and_article_user_backref_both_directions),
	T(test_article_without_user_is_refused_and_nothing_is_written),
	T(test_comment_users_and_user_comments_through_comment_user_both_directions),
	T(test_remove_deletes_the_association_row_only_and_append_twice_links_once),
	T(test_paginate_articles_five_a_page_and_404_beyond_the_last),
	T(test_logical_delete_sets_isdelete_only_and_hides_the_user_from_login),
	T(test_get_is_null_and_get_or_404_first_or_404_not_found_for_a_missing_id),
	T(test_article_count_moves_with_each_article_written_or_deleted_in_its_transaction),
#undef T
};

int main(void)
{
	const char *url = getenv("FLACON_DATABASE_URL");
	char err[256];
	if (!url || !*url) {
		fprintf(stderr, "test_models: set FLACON_DATABASE_URL to the test database\n");
		puts("models: 0 passed, 1 failed");
		return 1;
	}
	if (blog_models_init(err, sizeof err) < 0 || !(db = db_new(url, err, sizeof err)) || db_ensure(db) < 0) {
		fprintf(stderr, "test_models: %s\n", db ? db->err : err);
		db_close(db);
		orm_registry_free(&blog_registry);
		puts("models: 0 passed, 1 failed");
		return 1;
	}
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		failures_in_test = 0;
		tests[i].fn();
		if (failures_in_test) {
			fprintf(stderr, "FAIL %s\n", tests[i].name);
			failed++;
		} else {
			passed++;
		}
	}
	/* leave the tables empty for what runs next */
	struct t t;
	t_begin(&t);
	t_end(&t);
	db_close(db);
	orm_registry_free(&blog_registry);
	printf("models: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
