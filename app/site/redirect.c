/* redirect.c — where an answer sends the browser next: 303 redirects with
 * a flash notice (set here, taken by the next page), and SPEC 7's rule for a safe local `next`. */
#include <string.h>

#include "site/site_priv.h"
#include "web/web.h"

/* ---- flash notices ---- */

/* The notice codes a redirect may carry, and the text a page shows. */
static const struct {
	const char *code, *text;
} notices[] = {
	/* No text: the home page greets a new user by name instead
	 * ("Welcome, NAME", not "Welcome back"). */
	{"registered", NULL},
	{"logged_in", "You are logged in."},
	{"logged_out", "You are logged out."},
	{"article_created", "Your article is published."},
	{"article_deleted", "The article was deleted."},
	{"course_selected", "Course selected."},
	{"course_dropped", "Course dropped."},
};

#define FLASH_COOKIE "flash"

int site_redirect(struct http_response *resp, const char *location, const char *notice_code)
{
	if (notice_code) {
		struct http_cookie_opts o = {.max_age = 60, .path = "/", .httponly = true, .samesite = "Lax"};
		if (http_resp_set_cookie(resp, FLASH_COOKIE, notice_code, &o) < 0)
			return -1;
	}
	return http_resp_redirect(resp, 303, location);
}

const char *site_take_notice(struct http_request *req, struct http_response *resp, const char **text)
{
	*text = NULL;
	const char *code = http_req_cookie(req, FLASH_COOKIE);
	if (!code)
		return NULL;
	http_resp_delete_cookie(resp, FLASH_COOKIE, "/");
	for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
		if (!strcmp(code, notices[i].code)) {
			*text = notices[i].text;
			return notices[i].code;
		}
	return NULL;
}

/* ---- redirects ---- */

/* A local redirect target keeps its bytes but spaces and non-ASCII. */
static bool next_keep(unsigned char c)
{
	return c < 0x80 && c != ' ';
}

const char *site_safe_next(struct http_request *req, const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	size_t extra = 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "/";
		if (*p >= 0x80 || *p == ' ')
			extra += 2;
	}
	if (!extra)
		return next;
	const char *out = text_percent_encode(req->arena, next, strlen(next), next_keep);
	return out ? out : "/";
}
