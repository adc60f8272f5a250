/* test_mustache_spec.c — runs the official Mustache spec (../shared/mustache-
 * spec, or $MUSTACHE_SPEC_DIR) against app/tmpl. Every spec case is its own
 * test, registered at load time from the JSON files; one test per spec file
 * checks the file is there and passes whole, and one checks that all 163
 * cases ran. Every case runs twice: from json-c (tmpl_render) and from the
 * same data read through the generic value interface (struct tmpl_value,
 * tmpl_map, tmpl_render_stack), so both paths keep the same rules. A
 * missing spec directory fails, it never skips. */
#include "test.h"

#include <json.h>
#include <stdlib.h>

#include "tmpl/tmpl.h"

#define SPEC_CASES 163
#define MAX_CASES 300
#define TEMPLATE_NAME "spec template"

static const char *const spec_files[] = {
	"comments", "delimiters", "interpolation", "inverted",
	"partials", "sections", "~inheritance",
};
#define NFILES (sizeof spec_files / sizeof spec_files[0])

struct spec_case {
	int file;
	char *test_name;             /* "spec/<file>/<case>", owned */
	struct json_object *tc;      /* borrowed from files[] */
};

static struct json_object *files[NFILES]; /* parsed files, NULL if missing */
static char *file_errors[NFILES];
static struct spec_case cases[MAX_CASES];
static int ncases;
static int too_many;

static const char *spec_dir(void)
{
	const char *d = getenv("MUSTACHE_SPEC_DIR");
	return d && *d ? d : "../shared/mustache-spec";
}

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ---- the generic value path ----
 * The same data read through tmpl_value's interface instead of the
 * engine's json-c fast path: the top-level object through a tmpl_map
 * (tmpl_render_stack), everything under it through ops of this file. */

static int gen_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out);
static size_t gen_len(const struct tmpl_value *list);
static int gen_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out);
static const struct tmpl_ops gen_map_ops = {.get = gen_get};
static const struct tmpl_ops gen_list_ops = {.len = gen_len, .at = gen_at};

static struct tmpl_value gen_value(struct json_object *j)
{
	struct tmpl_value v = tmpl_json(j); /* scalars as tmpl_json gives them */
	if (v.kind == TMPL_MAP)
		v.ops = &gen_map_ops;
	else if (v.kind == TMPL_LIST)
		v.ops = &gen_list_ops;
	return v;
}

static int gen_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out)
{
	struct json_object *v;
	if (strlen(name) != len || hash != tmpl_name_hash(name, len))
		return TMPL_ENOMEM; /* the engine broke its contract */
	if (!json_object_object_get_ex((struct json_object *)map->obj, name, &v))
		return 0;
	*out = gen_value(v);
	return 1;
}

static size_t gen_len(const struct tmpl_value *list)
{
	return json_object_array_length(list->obj);
}

static int gen_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = gen_value(json_object_array_get_idx(list->obj, i));
	return 0;
}

/* Render data through the generic path: an object becomes a tmpl_map of
 * its keys in arena a. */
static int render_generic(struct tmpl_set *set, struct json_object *data, struct arena *a,
			  struct buf *out)
{
	struct tmpl_value v = gen_value(data);
	if (json_object_is_type(data, json_type_object)) {
		struct tmpl_map *m = tmpl_map_new(a);
		json_object_object_foreach(data, key, val) {
			if (tmpl_map_set(m, key, gen_value(val)) < 0)
				return TMPL_ENOMEM;
		}
		v = tmpl_map_value(m);
	}
	return tmpl_render_stack(set, TEMPLATE_NAME, &v, 1, out);
}

/* Render one case (generic: through render_generic); returns 0 when the
 * output matches, else -1 with a description of the difference in why. */
static int run_one(struct json_object *tc, bool generic, char *why, size_t whylen)
{
	struct arena a;
	arena_init(&a, 4096);
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[256];
	struct json_object *partials, *data = NULL, *v;
	const char *tmpl = str_field(tc, "template");
	const char *expected = str_field(tc, "expected");
	int rc = -1;

	if (!set || !tmpl || !expected) {
		snprintf(why, whylen, "bad test case or out of memory");
		goto out;
	}
	if (json_object_object_get_ex(tc, "partials", &partials)) {
		json_object_object_foreach(partials, name, src) {
			if (tmpl_set_add(set, name, json_object_get_string(src),
					 (size_t)json_object_get_string_len(src), err, sizeof err) < 0) {
				snprintf(why, whylen, "partial %s: %s", name, err);
				goto out;
			}
		}
	}
	if (tmpl_set_add(set, TEMPLATE_NAME, tmpl, strlen(tmpl), err, sizeof err) < 0) {
		snprintf(why, whylen, "template: %s", err);
		goto out;
	}
	if (json_object_object_get_ex(tc, "data", &v))
		data = v;
	int r = generic ? render_generic(set, data, &a, &out) : tmpl_render(set, TEMPLATE_NAME, data, &out);
	if (r < 0) {
		snprintf(why, whylen, "%srender: %s", generic ? "generic " : "", tmpl_strerror(r));
		goto out;
	}
	if (out.n != strlen(expected) || (out.n && memcmp(out.p, expected, out.n) != 0)) {
		struct json_object *got = json_object_new_string_len(out.p ? out.p : "", (int)out.n);
		struct json_object *want = json_object_new_string(expected);
		snprintf(why, whylen, "%sgot %s, want %s", generic ? "generic path: " : "",
			 json_object_to_json_string_ext(got, JSON_C_TO_STRING_NOSLASHESCAPE),
			 json_object_to_json_string_ext(want, JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(got);
		json_object_put(want);
		goto out;
	}
	rc = 0;
out:
	buf_free(&out);
	tmpl_set_free(set);
	arena_free(&a);
	return rc;
}

static void run_case(int i)
{
	char why[2048];
	if (i >= ncases) {
		CHECK_MSG(0, "no spec case %d", i);
		return;
	}
	/* Each case twice: json-c as tmpl_render reads it, and the same data
	 * through the generic value interface (tmpl_render_stack). */
	int ok = run_one(cases[i].tc, false, why, sizeof why) == 0;
	CHECK_MSG(ok, "%s", why);
	ok = run_one(cases[i].tc, true, why, sizeof why) == 0;
	CHECK_MSG(ok, "%s", why);
}

/* One distinct function per case, since tests are plain function pointers:
 * spec_case_1000 runs case 0, spec_case_1001 case 1, ... */
#define SPEC_FN(n) static void spec_case_##n(void) { run_case(n - 1000); }
#define SPEC_FN10(p) SPEC_FN(p##0) SPEC_FN(p##1) SPEC_FN(p##2) SPEC_FN(p##3) \
	SPEC_FN(p##4) SPEC_FN(p##5) SPEC_FN(p##6) SPEC_FN(p##7) SPEC_FN(p##8) SPEC_FN(p##9)
#define SPEC_FN100(p) SPEC_FN10(p##0) SPEC_FN10(p##1) SPEC_FN10(p##2) SPEC_FN10(p##3) \
	SPEC_FN10(p##4) SPEC_FN10(p##5) SPEC_FN10(p##6) SPEC_FN10(p##7) SPEC_FN10(p##8) \
	SPEC_FN10(p##9)
SPEC_FN100(10)
SPEC_FN100(11)
SPEC_FN100(12)

#define SPEC_REF(n) spec_case_##n,
#define SPEC_REF10(p) SPEC_REF(p##0) SPEC_REF(p##1) SPEC_REF(p##2) SPEC_REF(p##3) \
	SPEC_REF(p##4) SPEC_REF(p##5) SPEC_REF(p##6) SPEC_REF(p##7) SPEC_REF(p##8) SPEC_REF(p##9)
#define SPEC_REF100(p) SPEC_REF10(p##0) SPEC_REF10(p##1) SPEC_REF10(p##2) SPEC_REF10(p##3) \
	SPEC_REF10(p##4) SPEC_REF10(p##5) SPEC_REF10(p##6) SPEC_REF10(p##7) SPEC_REF10(p##8) \
	SPEC_REF10(p##9)
static test_fn const spec_fns[MAX_CASES] = {SPEC_REF100(10) SPEC_REF100(11) SPEC_REF100(12)};

__attribute__((constructor)) static void load_spec(void)
{
	char path[4096];
	for (size_t f = 0; f < NFILES; f++) {
		snprintf(path, sizeof path, "%s/%s.json", spec_dir(), spec_files[f]);
		files[f] = json_object_from_file(path);
		if (!files[f]) {
			const char *e = json_util_get_last_err();
			file_errors[f] = strdup(e ? e : "?");
			if (file_errors[f])
				file_errors[f][strcspn(file_errors[f], "\n")] = '\0';
			continue;
		}
		struct json_object *tests;
		if (!json_object_object_get_ex(files[f], "tests", &tests) ||
		    !json_object_is_type(tests, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(tests); j++) {
			struct json_object *tc = json_object_array_get_idx(tests, j);
			const char *name = str_field(tc, "name");
			if (ncases == MAX_CASES) {
				too_many = 1;
				break;
			}
			struct spec_case *sc = &cases[ncases];
			size_t len = strlen(spec_files[f]) + strlen(name ? name : "?") + 8;
			sc->file = (int)f;
			sc->tc = tc;
			sc->test_name = malloc(len);
			if (!sc->test_name)
				abort();
			snprintf(sc->test_name, len, "spec/%s/%s", spec_files[f], name ? name : "?");
			test_register(sc->test_name, spec_fns[ncases]);
			ncases++;
		}
	}
}

__attribute__((destructor)) static void unload_spec(void)
{
	for (int i = 0; i < ncases; i++)
		free(cases[i].test_name);
	for (size_t f = 0; f < NFILES; f++) {
		json_object_put(files[f]);
		free(file_errors[f]);
	}
}

/* The file was read, has cases, and every one of them passes. */
static void check_file(const char *stem)
{
	size_t f = 0;
	int n = 0, failed = 0;
	char why[2048];

	while (f < NFILES && strcmp(spec_files[f], stem) != 0)
		f++;
	if (f == NFILES || !files[f]) {
		CHECK_MSG(0, "cannot read %s/%s.json: %s", spec_dir(), stem,
			  f < NFILES && file_errors[f] ? file_errors[f] : "?");
		return;
	}
	for (int i = 0; i < ncases; i++) {
		if (cases[i].file != (int)f)
			continue;
		n++;
		if (run_one(cases[i].tc, false, why, sizeof why) < 0 ||
		    run_one(cases[i].tc, true, why, sizeof why) < 0)
			failed++;
	}
	CHECK_MSG(n > 0, "%s.json has no test cases", stem);
	CHECK_MSG(failed == 0, "%s.json: %d of %d cases fail", stem, failed, n);
}

TEST(test_spec_comments_all_pass) { check_file("comments"); }
TEST(test_spec_delimiters_all_pass) { check_file("delimiters"); }
TEST(test_spec_interpolation_all_pass) { check_file("interpolation"); }
TEST(test_spec_inverted_all_pass) { check_file("inverted"); }
TEST(test_spec_partials_all_pass) { check_file("partials"); }
TEST(test_spec_sections_all_pass) { check_file("sections"); }
TEST(test_spec_inheritance_all_pass) { check_file("~inheritance"); }

TEST(test_spec_runs_all_163_cases)
{
	CHECK_MSG(!too_many, "more than %d spec cases", MAX_CASES);
	CHECK_INT(ncases, SPEC_CASES);
}
