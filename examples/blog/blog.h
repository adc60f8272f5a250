/* blog.h — what the blog's files share: the handlers of its pages and
 * its commands. */
#ifndef BLOG_H
#define BLOG_H

#include <flacon.h>

#include "models.h"

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

/* The program: the application (app.c) and its own commands (commands.c). */
extern const struct web_app blog_web;
extern const struct cli_command blog_createuser_cmd;
extern const struct cli_command blog_seed_cmd;

#endif
