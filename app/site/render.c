/* render.c — the context every page shares (user, notice: the site's
 * context processor; the framework gives every template csrf_token). */
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
