/* errors.c — the application's error answers: JSON under /api, an HTML
 * error page elsewhere (the pipeline's error hook and the handlers'), the
 * API's error object, and the map from ORM errors to statuses. */
#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "site/site_priv.h"
#include "tmpl/tmpl.h"
#include "web/web.h"

static bool is_api_path(const struct http_request *req)
{
	const char *p = req->raw_path ? req->raw_path : "";
	return !strncmp(p, "/api/", 5) || !strcmp(p, "/api");
}

static const char *api_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 422: return "validation";
	case 429: return "too_many_requests";
	case 503: return "unavailable";
	default: return "internal";
	}
}

static const char *default_message(int status)
{
	switch (status) {
	case 400: return "The request could not be understood.";
	case 403: return "You may not do that.";
	case 404: return "There is nothing here.";
	case 405: return "This address does not accept that method.";
	case 413: return "The request body is too large.";
	case 415: return "Send application/json.";
	case 500: return "Something went wrong on our side. Please try again.";
	case 503: return "The service is unavailable. Please try again shortly.";
	default: return http_reason(status);
	}
}

/* The error answer of the pipeline and of handlers: JSON under /api, an
 * HTML page elsewhere. Never reveals internals: a 500's message is fixed. */
void site_error(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	/* A database that is down, hung, outside the primary component or
	 * still conflicting after the retries is a 503, never a 500 (SPEC 7). */
	if (status == 500 && web_db(req) && db_unavailable(web_db(req)))
		status = 503;
	const char *msg = status >= 500 || !message ? default_message(status) : message;
	resp->status = status;
	if (is_api_path(req)) {
		site_api_error(resp, status, api_code(status), msg);
		return;
	}
	if (status == 503)
		http_resp_header(resp, "Retry-After", "1");
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->body);
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "status", json_object_new_int(status));
	json_object_object_add(ctx, "reason", json_object_new_string(http_reason(status)));
	json_object_object_add(ctx, "message", json_object_new_string(msg));
	if (!web_tmpl(req) || tmpl_render(web_tmpl(req), "error", ctx, &resp->body) < 0) {
		buf_reset(&resp->body);
		buf_printf(&resp->body, "<!doctype html><title>%d</title><h1>%d %s</h1>\n", status, status,
			   http_reason(status));
	}
	json_object_put(ctx);
}

int site_fail(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	http_resp_clear(resp);
	site_error(req, resp, status, message);
	return 0;
}

int site_api_error(struct http_response *resp, int status, const char *code, const char *message)
{
	struct web_jw w;
	http_resp_clear(resp);
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "error");
	web_jw_str(&w, code);
	web_jw_key(&w, "message");
	web_jw_str(&w, message);
	web_jw_object_end(&w);
	if (status == 503 && http_resp_header(resp, "Retry-After", "1") < 0)
		return -1;
	return web_jw_finish(&w, resp, status);
}

int site_orm_error(struct http_request *req, struct http_response *resp, int err)
{
	switch (err) {
	case ORM_NOT_FOUND:
		return site_fail(req, resp, 404, NULL);
	case ORM_CONFLICT:
		return site_fail(req, resp, 409, NULL);
	case ORM_INVALID:
		return site_fail(req, resp, 422, NULL);
	case ORM_UNAVAILABLE:
	case ORM_RETRY:
		log_warn("database unavailable: %s", orm_errmsg(&site_req(req)->orm));
		return site_fail(req, resp, 503, NULL);
	default:
		/* -1 is a 500, which site_error turns into a 503 when the
		 * database is unusable (down, hung, no quorum) */
		log_error("database error: %s", orm_errmsg(&site_req(req)->orm));
		return -1;
	}
}
