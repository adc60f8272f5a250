/* new.c — `APP new NAME` (SPEC section 12, the first hour): writes a new
 * application into the directory NAME: a Makefile on the pkg-config line,
 * main.c on flacon_main, app.c with one model, one page listing it and a
 * form (CSRF) that adds a row, its templates, a test file on the
 * in-process test client, a README and a configuration for development
 * only (no secret key: `dev` and the test client supply one). Every
 * program on flacon_main has it, so `flacon new NAME` works. The files'
 * text is below, with @NAME@ standing for the name. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* The longest name: it names the program, the database and its user
 * (the test client's databases are NAME_tc_XXXXXXXX: 44 < 64). */
#define NEW_NAME_MAX 32

/* ---- The files' text ------------------------------------------------------- */

static const char makefile[] =
	"# @NAME@, a Flacon application built from the installed framework alone:\n"
	"# the compiler and linker flags come from pkg-config (set PKG_CONFIG_PATH\n"
	"# to PREFIX/lib/pkgconfig when Flacon is installed outside the usual\n"
	"# places).\n"
	"#   make          ./@NAME@\n"
	"#   make check    builds and runs tests/test_pages.c (the framework's\n"
	"#                 in-process test client; it needs a MariaDB server: the\n"
	"#                 one `./@NAME@ dev` runs, or FLACON_TEST_DATABASE_URL's)\n"
	"CC      ?= cc\n"
	"CFLAGS  ?= -O2 -g\n"
	"CFLAGS  += -std=c17 -Wall -Wextra -Werror $(XCFLAGS)\n"
	"FLACON  := $(shell pkg-config --cflags --libs flacon)\n"
	"ifeq ($(FLACON)$(filter clean,$(MAKECMDGOALS)),)\n"
	"$(error pkg-config knows no flacon: make install Flacon, then set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)\n"
	"endif\n"
	"\n"
	"SRC     := app.c\n"
	"HEADERS := app.h\n"
	"\n"
	".PHONY: all check clean\n"
	"all: @NAME@\n"
	"\n"
	"@NAME@: main.c $(SRC) $(HEADERS)\n"
	"\t$(CC) $(CFLAGS) -o $@ main.c $(SRC) $(FLACON) $(XLDLIBS)\n"
	"\n"
	"test_pages: tests/test_pages.c $(SRC) $(HEADERS)\n"
	"\t$(CC) $(CFLAGS) -I. -o $@ tests/test_pages.c $(SRC) $(FLACON) $(XLDLIBS)\n"
	"\n"
	"check: test_pages\n"
	"\t./test_pages\n"
	"\n"
	"clean:\n"
	"\trm -f @NAME@ test_pages\n";

static const char app_h[] =
	"/* app.h — what @NAME@'s files share: the application, as main.c hands it\n"
	" * to flacon_main and tests/test_pages.c to the test client. */\n"
	"#ifndef APP_H\n"
	"#define APP_H\n"
	"\n"
	"#include <flacon.h>\n"
	"\n"
	"extern const struct flacon_app @NAME@_app;\n"
	"\n"
	"#endif\n";

static const char main_c[] =
	"/* main.c — the @NAME@ program: the framework's whole command line (dev,\n"
	" * runserver, db ..., create-all, drop-all, routes, help) for the models,\n"
	" * pages and templates of app.c. */\n"
	"#include \"app.h\"\n"
	"\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\treturn flacon_main(argc, argv, &@NAME@_app);\n"
	"}\n";

static const char app_c[] =
	"/* app.c — @NAME@: its model, its pages and the application that main.c\n"
	" * hands to flacon_main. The framework does the rest: sessions, CSRF,\n"
	" * error pages, the ORM session of each request, security headers. */\n"
	"#include \"app.h\"\n"
	"\n"
	"/* The model. As Flask-SQLAlchemy's\n"
	" *     class Note(db.Model):\n"
	" *         id = db.Column(db.Integer, primary_key=True)\n"
	" *         body = db.Column(db.String(200), nullable=False)\n"
	" * this gives struct note { struct orm_obj orm; int32_t id; const char *body; },\n"
	" * the table's metadata and note_new, note_get, note_query, note_at... */\n"
	"struct note;\n"
	"#define NOTE_COLUMNS(X)                                         \\\n"
	"\tX(note, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC) \\\n"
	"\tX(note, body, ORM_STRING, .length = 200, .flags = ORM_NOT_NULL)\n"
	"ORM_MODEL_DECLARE(note, NOTE_COLUMNS, ORM_NO_RELS)\n"
	"ORM_MODEL_DEFINE(note, NOTE_COLUMNS, ORM_NO_RELS);\n"
	"\n"
	"/* Every table of the application (SQLAlchemy's MetaData), for create-all,\n"
	" * db migrate and the workers. */\n"
	"static struct orm_model *models[] = {&note_model};\n"
	"static struct orm_registry registry = {.models = models, .nmodels = sizeof models / sizeof models[0]};\n"
	"\n"
	"/* GET /: the notes, newest first, and the form that adds one. As Flask's\n"
	" *     render_template(\"index.html\", notes=Note.query.order_by(Note.id.desc()).all())\n"
	" * the template reads the objects' columns ({{body}}); {{csrf_token}} is the\n"
	" * framework's. */\n"
	"static int index_page(struct http_request *req, struct http_response *resp)\n"
	"{\n"
	"\tstruct orm_list notes;\n"
	"\tint rc = orm_all(orm_order_by(note_query(web_orm(req)), ORM_COL(note, id), ORM_DESC), &notes);\n"
	"\tif (rc)\n"
	"\t\treturn web_orm_error(req, resp, rc);\n"
	"\tstruct tmpl_map *ctx = web_context(req);\n"
	"\tif (tmpl_map_set(ctx, \"notes\", orm_tmpl_list(&notes, NULL, req->arena)) < 0)\n"
	"\t\treturn -1; /* -1: the framework answers 500 */\n"
	"\treturn web_render_value(req, resp, 200, \"index\", tmpl_map_value(ctx));\n"
	"}\n"
	"\n"
	"/* POST /notes (body): a new note, then back to the list. The route's\n"
	" * HTTP_ROUTE_FORM flag has the framework decode the form and answer 403\n"
	" * to a POST without the right csrf_token before this runs. */\n"
	"static int add_note(struct http_request *req, struct http_response *resp)\n"
	"{\n"
	"\tconst char *body = http_req_form(req, \"body\");\n"
	"\tif (!body || !*body)\n"
	"\t\treturn web_abort(req, resp, 422, \"A note needs some text.\");\n"
	"\tstruct orm_session *s = web_orm(req);\n"
	"\tstruct note *n = note_new(s);\n"
	"\tif (!n)\n"
	"\t\treturn -1;\n"
	"\tn->body = body;\n"
	"\tint rc = orm_add(s, n);\n"
	"\tif (rc == 0)\n"
	"\t\trc = orm_commit(s);\n"
	"\tif (rc) /* longer than the column: 422; the database unusable: 503 */\n"
	"\t\treturn web_orm_error(req, resp, rc);\n"
	"\treturn http_resp_redirect(resp, 303, \"/\");\n"
	"}\n"
	"\n"
	"static const struct http_route routes[] = {\n"
	"\t{\"GET\", \"/\", index_page, 0, \"index\"},\n"
	"\t{\"POST\", \"/notes\", add_note, HTTP_ROUTE_FORM, \"add_note\"},\n"
	"\t{\"GET\", \"/healthz\", web_healthz, 0, \"healthz\"},\n"
	"};\n"
	"\n"
	"static const struct web_app web = {\n"
	"\t.routes = routes,\n"
	"\t.nroutes = sizeof routes / sizeof routes[0],\n"
	"\t.process_name = \"@NAME@-worker\",\n"
	"};\n"
	"\n"
	"const struct flacon_app @NAME@_app = {\n"
	"\t.registry = &registry,\n"
	"\t.web = &web,\n"
	"\t.templates_dir = \"templates\",\n"
	"\t.name = \"@NAME@\",\n"
	"};\n";

static const char layout[] =
	"<!doctype html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<title>{{$title}}@NAME@{{/title}}</title>\n"
	"<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
	"</head>\n"
	"<body>\n"
	"<header><a href=\"/\">@NAME@</a></header>\n"
	"<main>\n"
	"{{$body}}{{/body}}\n"
	"</main>\n"
	"</body>\n"
	"</html>\n";

static const char index_page[] =
	"{{<layout}}\n"
	"{{$title}}Notes{{/title}}\n"
	"{{$body}}\n"
	"<h1>Notes</h1>\n"
	"<form method=\"post\" action=\"/notes\">\n"
	"<input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\n"
	"<input name=\"body\" maxlength=\"200\" required autofocus>\n"
	"<button>Add</button>\n"
	"</form>\n"
	"<ul class=\"notes\">\n"
	"{{#notes}}\n"
	"<li>{{body}}</li>\n"
	"{{/notes}}\n"
	"{{^notes}}\n"
	"<li class=\"empty\">No notes yet.</li>\n"
	"{{/notes}}\n"
	"</ul>\n"
	"{{/body}}\n"
	"{{/layout}}\n";

static const char style[] =
	"body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }\n"
	"header a { font-weight: bold; text-decoration: none; }\n"
	"ul.notes { padding-left: 1.2rem; }\n"
	"li.empty { color: #777; list-style: none; }\n";

static const char conf[] =
	"# conf/flacon.conf — @NAME@'s configuration, for development only. Every\n"
	"# key can be overridden by FLACON_<SECTION>_<KEY> in the environment, and\n"
	"# FLACON_CONF names another file. There is no secret key here on purpose:\n"
	"# `./@NAME@ dev` keeps a random one in var/secret_key and the tests make\n"
	"# their own; a server in production needs app.env = production and a real\n"
	"# key (docs/tutorial.md of Flacon, \"Deploying\").\n"
	"\n"
	"[app]\n"
	"env = development\n"
	"\n"
	"[server]\n"
	"listen = unix:var/run/@NAME@.sock\n"
	"\n"
	"[database]\n"
	"# The private MariaDB that `./@NAME@ dev` runs under var/ (unix socket only).\n"
	"url = mariadb://@NAME@@localhost/@NAME@?socket=var/run/mysqld.sock\n";

static const char gitignore[] =
	"/@NAME@\n"
	"/test_pages\n"
	"/var/\n";

static const char test_pages[] =
	"/* test_pages.c — @NAME@'s pages on the framework's in-process test client\n"
	" * (<flacon/test.h>, Flask's app.test_client()): the whole pipeline in this\n"
	" * process, no server, no nginx. The client makes a throw-away database on\n"
	" * the server of FLACON_TEST_DATABASE_URL, else of database.url (the one\n"
	" * `./@NAME@ dev` runs), builds it as `db upgrade` (or create-all) would,\n"
	" * and drops it at the end. Prints the failures and\n"
	" * \"tests: N passed, M failed\"; exits 1 when one failed. */\n"
	"#include <stdio.h>\n"
	"\n"
	"#include \"app.h\"\n"
	"\n"
	"static struct flacon_client *c;\n"
	"static int failed_checks;\n"
	"\n"
	"#define CHECK(cond)                                                                        \\\n"
	"\tdo {                                                                               \\\n"
	"\t\tif (!(cond)) {                                                             \\\n"
	"\t\t\tfprintf(stderr, \"  %s:%d: CHECK(%s) failed\\n\", __FILE__, __LINE__, \\\n"
	"\t\t\t\t#cond);                                                    \\\n"
	"\t\t\tfailed_checks++;                                                   \\\n"
	"\t\t}                                                                          \\\n"
	"\t} while (0)\n"
	"\n"
	"static void test_the_list_is_empty_at_first(void)\n"
	"{\n"
	"\tconst struct flacon_response *r = flacon_client_get(c, \"/\");\n"
	"\tCHECK(r->status == 200);\n"
	"\tCHECK(flacon_resp_contains(r, \"No notes yet.\"));\n"
	"}\n"
	"\n"
	"static void test_the_form_adds_a_note_shown_escaped(void)\n"
	"{\n"
	"\tstruct flacon_form *f = flacon_client_form(c, flacon_client_get(c, \"/\"), \"/notes\");\n"
	"\tCHECK(f != NULL);\n"
	"\tif (!f)\n"
	"\t\treturn;\n"
	"\tCHECK(flacon_form_get(f, \"csrf_token\") != NULL);\n"
	"\tflacon_form_set(f, \"body\", \"buy <milk>\");\n"
	"\tCHECK(flacon_form_submit(c, f)->status == 303);\n"
	"\tconst struct flacon_response *r = flacon_client_get(c, \"/\");\n"
	"\tCHECK(flacon_resp_contains(r, \"<li>buy &lt;milk&gt;</li>\"));\n"
	"\tCHECK(!flacon_resp_contains(r, \"No notes yet.\"));\n"
	"}\n"
	"\n"
	"static void test_a_post_without_the_csrf_token_is_403(void)\n"
	"{\n"
	"\tconst struct flacon_response *r = flacon_client_post_form(c, \"/notes\", \"body\", \"forged\", NULL);\n"
	"\tCHECK(r->status == 403);\n"
	"\tCHECK(!flacon_resp_contains(flacon_client_get(c, \"/\"), \"forged\"));\n"
	"}\n"
	"\n"
	"static void test_an_empty_note_is_422(void)\n"
	"{\n"
	"\tstruct flacon_form *f = flacon_client_form(c, flacon_client_get(c, \"/\"), \"/notes\");\n"
	"\tCHECK(f != NULL);\n"
	"\tif (!f)\n"
	"\t\treturn;\n"
	"\tflacon_form_set(f, \"body\", \"\");\n"
	"\tCHECK(flacon_form_submit(c, f)->status == 422);\n"
	"}\n"
	"\n"
	"int main(void)\n"
	"{\n"
	"\tstatic const struct {\n"
	"\t\tconst char *name;\n"
	"\t\tvoid (*run)(void);\n"
	"\t} tests[] = {\n"
	"#define T(fn) {#fn, fn}\n"
	"\t\tT(test_the_list_is_empty_at_first),\n"
	"\t\tT(test_the_form_adds_a_note_shown_escaped),\n"
	"\t\tT(test_a_post_without_the_csrf_token_is_403),\n"
	"\t\tT(test_an_empty_note_is_422),\n"
	"#undef T\n"
	"\t};\n"
	"\tchar err[512];\n"
	"\tc = flacon_client_open(&@NAME@_app, NULL, err, sizeof err);\n"
	"\tif (!c) {\n"
	"\t\tfprintf(stderr, \"the test client: %s\\n\", err);\n"
	"\t\treturn 1;\n"
	"\t}\n"
	"\tint failed = 0, n = sizeof tests / sizeof tests[0];\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\tfailed_checks = 0;\n"
	"\t\ttests[i].run();\n"
	"\t\tif (failed_checks) {\n"
	"\t\t\tfprintf(stderr, \"FAIL %s\\n\", tests[i].name);\n"
	"\t\t\tfailed++;\n"
	"\t\t}\n"
	"\t}\n"
	"\tflacon_client_close(c);\n"
	"\tprintf(\"tests: %d passed, %d failed\\n\", n - failed, failed);\n"
	"\treturn failed > 0;\n"
	"}\n";

static const char readme[] =
	"# @NAME@\n"
	"\n"
	"A web application on Flacon, written by\n"
	"`flacon new @NAME@`. It builds from the installed framework alone.\n"
	"\n"
	"| file | what it holds |\n"
	"|---|---|\n"
	"| `app.c` | the model (`note`), the pages (`GET /`, `POST /notes` with its CSRF check) and the application handed to `flacon_main` |\n"
	"| `main.c` | `main`: the framework's command line (`./@NAME@ --help` lists it) |\n"
	"| `templates/` | `layout.mustache` and the page, `index.mustache` |\n"
	"| `static/` | served under `/static/` |\n"
	"| `tests/test_pages.c` | the pages on the in-process test client |\n"
	"| `conf/flacon.conf` | development only: no secret key, the private database under `var/` |\n"
	"\n"
	"## Build and run\n"
	"\n"
	"Flacon installed with `make install PREFIX=...` (set\n"
	"`PKG_CONFIG_PATH=PREFIX/lib/pkgconfig` when that is not a usual place):\n"
	"\n"
	"```sh\n"
	"make\n"
	"./@NAME@ dev\n"
	"```\n"
	"\n"
	"`./@NAME@ dev` serves the application on http://127.0.0.1:8080/\n"
	"(`--port N` or `FLACON_PORT` for another port) in development mode: a\n"
	"private MariaDB under `var/` (its data kept between runs), the tables\n"
	"created, nginx in front, templates re-read when they change, the program\n"
	"taken up again when `make` rebuilds it. Ctrl-C stops all of it. It needs\n"
	"the Debian packages `mariadb-server` and `nginx` (it says so when one is\n"
	"missing).\n"
	"\n"
	"## Test\n"
	"\n"
	"```sh\n"
	"make check\n"
	"```\n"
	"\n"
	"runs `tests/test_pages.c` on the framework's test client, on a throw-away\n"
	"database of the MariaDB server that `./@NAME@ dev` runs (keep it running\n"
	"in another terminal) or of the server `FLACON_TEST_DATABASE_URL` names\n"
	"(`mariadb://USER@localhost/DB?socket=PATH`: the test database is\n"
	"`DB_tc_` and 8 hex digits, so USER needs the rights on `DB\\_%`).\n"
	"\n"
	"## Next\n"
	"\n"
	"Flacon's `docs/tutorial.md` goes on from here: a second model and a\n"
	"relationship, login, migrations (`./@NAME@ db init`, `db migrate`,\n"
	"`db upgrade`), more tests, and the way to production. `docs/app.md` has\n"
	"the Flask → Flacon table, `docs/orm.md` the ORM.\n";

/* The files, in the order they are written (directories first). */
static const struct new_file {
	const char *path; /* relative to the application's directory */
	const char *text; /* NULL: a directory */
} files[] = {
	{"templates", NULL},
	{"tests", NULL},
	{"static", NULL},
	{"conf", NULL},
	{"Makefile", makefile},
	{"main.c", main_c},
	{"app.h", app_h},
	{"app.c", app_c},
	{"templates/layout.mustache", layout},
	{"templates/index.mustache", index_page},
	{"static/style.css", style},
	{"tests/test_pages.c", test_pages},
	{"conf/flacon.conf", conf},
	{"README.md", readme},
	{".gitignore", gitignore},
};

/* Names the generated Makefile uses for its own targets. */
static const char *const reserved[] = {"all", "check", "clean", "test_pages", NULL};
/* The prefixes of libflacon's names: NAME_app would be one of them. */
static const char *const prefixes[] = {"arena", "buf", "cli", "config", "db", "flacon", "http",
				       "log", "orm", "server", "text", "tmpl", "web", NULL};

/* NULL when name can name an application (a lowercase letter, then
 * lowercase letters, digits and underscores: a C identifier, a program,
 * a database and a MariaDB user), else why not. */
static const char *name_problem(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > NEW_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return "NAME starts with a lowercase letter and has at most 32 characters";
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return "NAME has only lowercase letters, digits and underscores (it names the program, "
			       "a C identifier and the database)";
	for (size_t i = 0; reserved[i]; i++)
		if (!strcmp(name, reserved[i]))
			return "NAME is one of the Makefile's targets (all, check, clean, test_pages)";
	for (size_t i = 0; prefixes[i]; i++)
		if (!strcmp(name, prefixes[i]))
			return "NAME is a prefix of the framework's names (arena, buf, cli, config, db, flacon, "
			       "http, log, orm, server, text, tmpl, web)";
	return NULL;
}

/* 1 when dir exists and holds nothing, 0 when it does not exist, -1 when
 * it exists and is not an empty directory (errno: ENOTDIR, ENOTEMPTY or
 * why it cannot be read). */
static int dir_state(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int rc = 1;
	struct dirent *e;
	while (rc == 1 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = -1;
	closedir(d);
	if (rc < 0)
		errno = ENOTEMPTY;
	return rc;
}

/* Write text to path (which must not exist), every @NAME@ replaced by
 * name. 0, or -1 with errno. */
static int write_file(const char *path, const char *text, const char *name)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	static const char mark[] = "@NAME@";
	for (const char *p = text, *m; *p; p = m + sizeof mark - 1) {
		m = strstr(p, mark);
		if (!m) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(m - p), f);
		fputs(name, f);
	}
	bool ok = !ferror(f);
	int e = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	errno = e;
	return ok ? 0 : -1;
}

static int new_main(struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	if (argc != 1 || argv[0][0] == '-')
		return cli_usage_error("new", "one NAME");
	/* NAME may be a path: the application is named after its last part. */
	char dir[4096];
	size_t len = strlen(argv[0]);
	while (len > 1 && argv[0][len - 1] == '/')
		len--;
	if (len >= sizeof dir - 64)
		return cli_usage_error("new", "the path is too long");
	memcpy(dir, argv[0], len);
	dir[len] = '\0';
	const char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : dir;
	const char *why = name_problem(name);
	if (why)
		return cli_usage_error("new", why);
	int state = dir_state(dir);
	if (state < 0) {
		if (errno == ENOTEMPTY)
			cli_error("new: %s exists and is not empty; give a new directory, or empty it\n", dir);
		else
			cli_error("new: %s: %s\n", dir, strerror(errno));
		return CLI_FAILED;
	}
	if (state == 0 && mkdir(dir, 0755) < 0) {
		cli_error("new: cannot create %s: %s\n", dir, strerror(errno));
		return CLI_FAILED;
	}
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[sizeof dir + 64];
		int rc = snprintf(path, sizeof path, "%s/%s", dir, files[i].path) < (int)sizeof path ? 0 : -1;
		if (rc == 0)
			rc = files[i].text ? write_file(path, files[i].text, name) : mkdir(path, 0755);
		if (rc < 0) {
			cli_error("new: cannot write %s: %s\n", path, strerror(errno));
			return CLI_FAILED;
		}
	}
	printf("Created the application %s in %s/:\n", name, dir);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (files[i].text)
			printf("  %s\n", files[i].path);
	/* "./NAME dev" and "make check" (10 characters), their comments aligned */
	int run = (int)strlen(name) + 6, w = run > 10 ? run : 10;
	printf("\nNext (with Flacon installed and PKG_CONFIG_PATH set, see %s/README.md):\n"
	       "  cd %s\n"
	       "  make\n"
	       "  ./%s dev%*s  # http://127.0.0.1:8080/, Ctrl-C stops it\n"
	       "  make check%*s  # its tests, with ./%s dev running\n",
	       dir, dir, name, w - run, "", w - 10, "", name);
	return CLI_OK;
}

const struct cli_command cli_new = {
	.name = "new",
	.usage = "new NAME",
	.help = "write a new application into the directory NAME",
	.run = new_main,
	.details = "NAME (or the last part of a path) names the program, its database and its\n"
		   "database user: a lowercase letter, then lowercase letters, digits and\n"
		   "underscores, at most 32, not a prefix of the framework's names (web, orm...).\n"
		   "The directory must not exist or be empty.\n"
		   "Written: Makefile (pkg-config flacon; make, make check), main.c on\n"
		   "flacon_main, app.c (a model, a page, a form with CSRF), templates/,\n"
		   "static/, tests/test_pages.c on the test client, README.md and\n"
		   "conf/flacon.conf for development (no secret key: `NAME dev` keeps a\n"
		   "random one in var/secret_key; production needs a real one).\n",
};
