/* render.c — the context every page shares (user, notice: the site's
 * context processor; the framework gives every template csrf_token). */
#include <string.h>

#include "site/site_priv.h"
#include "web/web.h"

int site_context(struct http_request *req, struct http_response *resp, struct tmpl_map *ctx)
{
	struct user *u = site_user(req);
	/* the user object itself, as a Flask processor returns current_user */
	if (u && (tmpl_map_set(ctx, "user", orm_tmpl_obj(u, NULL, req->arena)) < 0 ||
		  tmpl_map_set_bool(ctx, "logged_in", true) < 0))
		return -1;
	const char *notice;
	const char *code = site_take_notice(req, resp, &notice);
	if (notice && tmpl_map_set_str(ctx, "notice", notice) < 0)
		return -1;
	if (code && !strcmp(code, "registered") && tmpl_map_set_bool(ctx, "just_registered", true) < 0)
		return -1;
	return 0;
}
