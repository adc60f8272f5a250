/* blog.h — what the blog's files share: the per-request state, the
 * handlers of its pages and its commands. */
#ifndef BLOG_H
#define BLOG_H

#include <flacon.h>

#include "models.h"

/* A route flag of the blog's own (the framework leaves bits 8 and up to
 * applications): the page needs a logged-in user; anonymous visitors are
 * sent to /login. */
#define BLOG_LOGIN (1u << 8)

/* The request's state (req->user), in the request's arena: the ORM session
 * of the request and the logged-in user once looked up. */
struct blog_req {
	struct orm_session orm;
	struct user *user; /* NULL: anonymous, or not looked up yet */
	bool user_loaded;
};

static inline struct blog_req *blog_req(struct http_request *req)
{
	return req->user;
}

/* The logged-in, not deleted user, or NULL (anonymous, or a database
 * error: *failed is then set when failed is not NULL). */
struct user *blog_user(struct http_request *req, bool *failed);

/* Render template name with ctx (consumed: json_object_put) as an HTML
 * page of status. 0, or -1 (the pipeline answers 500). */
int blog_render(struct http_request *req, struct http_response *resp, int status, const char *name,
		json_object *ctx);
/* Answer an error page of status with message (NULL: a default). 0. */
int blog_fail(struct http_request *req, struct http_response *resp, int status, const char *message);

/* The pages (views.c). */
int blog_articles(struct http_request *req, struct http_response *resp);
int blog_article(struct http_request *req, struct http_response *resp);
int blog_register_form(struct http_request *req, struct http_response *resp);
int blog_register(struct http_request *req, struct http_response *resp);
int blog_login_form(struct http_request *req, struct http_response *resp);
int blog_login(struct http_request *req, struct http_response *resp);
int blog_logout(struct http_request *req, struct http_response *resp);
int blog_me(struct http_request *req, struct http_response *resp);
int blog_comment_add(struct http_request *req, struct http_response *resp);
int blog_cookie_set(struct http_request *req, struct http_response *resp);
int blog_cookie_show(struct http_request *req, struct http_response *resp);
int blog_cookie_delete(struct http_request *req, struct http_response *resp);

/* The cookie of the cookie pages, and its lifetime in seconds. */
#define BLOG_COOKIE "blog_visitor"
#define BLOG_COOKIE_MAX_AGE 3600

/* The program: its hooks (app.c) and its own commands (commands.c). */
extern const struct server_hooks blog_hooks;
extern const struct cli_command blog_createuser_cmd;
extern const struct cli_command blog_seed_cmd;

#endif
