/* fields.c — what the pages show of a model beyond its columns: the
 * computed fields of article, user and course (orm_field tables, named in
 * models.c), read by templates through orm_tmpl_obj as if they were
 * columns. Dates in words, counts with the word that fits, a course's
 * seats; "selected" asks the page which courses the student chose. */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "site/site_priv.h"

/* The date of a page: "2 Jan 2024, 03:04 UTC" (the ISO form is the
 * column itself). */
#define SITE_DATE_FORMAT "%-d %b %Y, %H:%M UTC"

/* n and its word into a (see site_count_text); *len its length. */
static const char *count_text(struct arena *a, int64_t n, const char *one, const char *many,
			      size_t *len)
{
	/* No printf: a list makes one per row. */
	const char *word = n == 1 ? one : many;
	size_t wl = strlen(word), k = 0;
	char *s = arena_alloc(a, 21 + wl + 2);
	if (!s)
		return NULL;
	if (n < 0)
		s[k++] = '-';
	k += text_put_u64(s + k, n < 0 ? -(uint64_t)n : (uint64_t)n);
	s[k++] = ' ';
	memcpy(s + k, word, wl + 1);
	*len = k + wl;
	return s;
}

const char *site_count_text(struct arena *a, int64_t n, const char *one, const char *many)
{
	size_t len;
	return count_text(a, n, one, many, &len);
}

/* *out = text s of len bytes (its length known: no strlen), or -1 when it
 * could not be made. */
static int text_n(const char *s, size_t len, struct tmpl_value *out)
{
	if (!s)
		return -1;
	*out = tmpl_strn(s, len);
	return 0;
}

/* *out = text, or -1 when it could not be made. */
static int text(const char *s, struct tmpl_value *out)
{
	if (!s)
		return -1;
	*out = tmpl_str(s);
	return 0;
}

static int article_pdate(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct article *ar = obj;
	size_t n = 0;
	(void)env;
	const char *s = orm_datetime_format_len(a, ar->pdatetime, SITE_DATE_FORMAT, &n);
	return text_n(s, n, out);
}

struct orm_deferred site_article_clicks = {
	.model = &article_model, .column = "click_num", .unless = "isdelete"};

/* The count as read plus this worker's views not yet written. */
static int64_t shown_clicks(const struct article *ar)
{
	return ar->click_num + orm_deferred_pending(&site_article_clicks, ar->id);
}

static int article_clicks(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	(void)env;
	(void)a;
	*out = tmpl_int(shown_clicks(obj));
	return 0;
}

static int article_views(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	size_t n = 0;
	(void)env;
	const char *s = count_text(a, shown_clicks(obj), "view", "views", &n);
	return text_n(s, n, out);
}

/* {id, username} of the author from the article's own columns (the name
 * is copied in at creation: no join, no second query). */
static int article_author(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct article *ar = obj;
	(void)env;
	struct tmpl_map *m = tmpl_map_new(a);
	if (!m || tmpl_map_set_int(m, "id", ar->user_id) < 0 ||
	    tmpl_map_set_str(m, "username", ar->author_name) < 0)
		return -1;
	*out = tmpl_map_value(m);
	return 0;
}

const struct orm_field site_article_fields[] = {
	{"pdate", article_pdate},
	{"click_num", article_clicks},
	{"views", article_views},
	{"author", article_author},
	{NULL, NULL},
};

static int user_rdate(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct user *u = obj;
	(void)env;
	size_t n = 0;
	if (!orm_loaded(u, user_col_rdatetime))
		return 0;
	const char *s = orm_datetime_format_len(a, u->rdatetime, SITE_DATE_FORMAT, &n);
	return text_n(s, n, out);
}

const struct orm_field site_user_fields[] = {
	{"rdate", user_rdate},
	{NULL, NULL},
};

static int course_credits_text(const void *obj, const void *env, struct arena *a,
			       struct tmpl_value *out)
{
	const struct course *c = obj;
	size_t n = 0;
	(void)env;
	const char *s = count_text(a, c->score, "credit", "credits", &n);
	return text_n(s, n, out);
}

/* "3 of 30 seats" */
static int course_seats_text(const void *obj, const void *env, struct arena *a,
			     struct tmpl_value *out)
{
	const struct course *c = obj;
	(void)env;
	return text(arena_printf(a, "%lld of %lld %s", (long long)c->enrolled, (long long)c->capacity,
				 c->capacity == 1 ? "seat" : "seats"),
		    out);
}

static int course_full(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct course *c = obj;
	(void)env;
	(void)a;
	*out = tmpl_bool(c->enrolled >= c->capacity);
	return 0;
}

/* env: the logged-in student's courses (struct orm_objset of objects of
 * the same session: asked once per row of the list, in constant time),
 * or NULL. */
static int course_selected(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	(void)a;
	*out = tmpl_bool(env && orm_objset_has(env, obj));
	return 0;
}

const struct orm_field site_course_fields[] = {
	{"credits_text", course_credits_text},
	{"seats_text", course_seats_text},
	{"full", course_full},
	{"selected", course_selected},
	{NULL, NULL},
};
