/* render.c — pages: the context every page shares (user, CSRF token,
 * notice: the site's context processor), and the helpers that build a
 * page's context (keys, counted words, dates). */
#include <string.h>

#include "site/site_priv.h"
#include "web/web.h"

int site_context(struct http_request *req, struct http_response *resp, json_object *ctx)
{
	struct user *u = site_user(req);
	if (u) {
		json_object *ju = json_object_new_object();
		site_ctx_add(ju, "id", json_object_new_int64(u->id));
		site_ctx_add(ju, "username", json_object_new_string(u->username));
		site_ctx_add(ctx, "user", ju);
		site_ctx_add(ctx, "logged_in", json_object_new_boolean(1));
	}
	/* Every page may hold a form (the log-out button at least). */
	const char *csrf = web_csrf_token(req, resp);
	if (!csrf)
		return -1;
	site_ctx_add(ctx, "csrf_token", json_object_new_string(csrf));
	const char *notice;
	const char *code = site_take_notice(req, resp, &notice);
	if (notice)
		site_ctx_add(ctx, "notice", json_object_new_string(notice));
	if (code && !strcmp(code, "registered"))
		site_ctx_add(ctx, "just_registered", json_object_new_boolean(1));
	return 0;
}

void site_ctx_add(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

const char *site_count(struct http_request *req, int64_t n, const char *one, const char *many)
{
	const char *s = arena_printf(req->arena, "%lld %s", (long long)n, n == 1 ? one : many);
	return s ? s : "";
}

/* ---- dates ---- */

const char *site_iso(struct http_request *req, int64_t t)
{
	char *out = arena_alloc(req->arena, 21);
	if (out)
		orm_datetime_iso(t, out);
	return out ? out : "";
}

const char *site_date(struct http_request *req, int64_t t)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	/* From the ISO form (no printf: lists format one per row):
	 * "2024-01-02T03:04:05Z" -> "2 Jan 2024, 03:04 UTC". */
	char iso[21];
	orm_datetime_iso(t, iso);
	char *out = arena_alloc(req->arena, 32);
	if (!out)
		return "";
	char *o = out;
	if (iso[8] != '0')
		*o++ = iso[8];
	*o++ = iso[9];
	*o++ = ' ';
	memcpy(o, months[(iso[5] - '0') * 10 + (iso[6] - '0') - 1], 3);
	o += 3;
	*o++ = ' ';
	size_t y = 0;
	while (y < 3 && iso[y] == '0')
		y++;
	memcpy(o, iso + y, 4 - y);
	o += 4 - y;
	memcpy(o, ", ", 2);
	o += 2;
	memcpy(o, iso + 11, 5);
	o += 5;
	memcpy(o, " UTC", 5);
	return out;
}
