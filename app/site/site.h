/* site.h — the Flacon application: the application the framework runs
 * (routes, user loader), and what the command line does to its data. */
#ifndef FLACON_SITE_H
#define FLACON_SITE_H

#include "core/server.h"

struct db;
struct cli_command;
struct flacon_app;

/* The application as the framework runs it: routes, user loader, the
 * keys every page gets (web.h, struct web_app). */
struct web_app;
extern const struct web_app site_web;

/* createuser: validate as registration does, then create the user and
 * their student profile. 0 with *id, or -1 with a one-line message. */
int site_create_user(struct db *db, const char *username, const char *password, long long *id,
		     char *err, size_t errlen);
/* deleteuser: in one transaction, the user's logical delete, their
 * articles' logical delete and their sessions' removal. The name stays
 * taken. 0 with the counts, or -1 with a message. */
int site_delete_user(struct db *db, const char *username, long long *narticles, long long *nsessions,
		     char *err, size_t errlen);
/* createcourse. 0 with *id, or -1 with a message (name taken...). */
int site_create_course(struct db *db, const char *name, int credits, long capacity, long long *id,
		       char *err, size_t errlen);

/* The site's own commands (commands.c, seed.c) and the whole application
 * as flacon_main takes it (models, hooks, templates, those commands). */
extern const struct cli_command site_cmd_seed;
extern const struct cli_command site_cmd_createuser;
extern const struct cli_command site_cmd_deleteuser;
extern const struct cli_command site_cmd_createcourse;
extern const struct flacon_app site_flacon_app;

#endif
