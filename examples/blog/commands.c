/* commands.c — the blog's own commands, beside the framework's
 * (runserver, db ..., create-all, routes ...):
 *   blog createuser NAME   the password on standard input (one line)
 *   blog seed [--users N] [--articles N]
 *                          deterministic demo data: users user1..userN
 *                          (password "password"), articles spread over
 *                          them, one comment per user shared with the
 *                          next user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blog.h"

/* Run fn on a fresh ORM session on cfg's database; prints the orm error
 * with the command's name. Returns enum cli_status. */
static int with_session(const struct config *cfg, const char *cmd,
			int (*fn)(struct orm_session *s, void *arg), void *arg)
{
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	struct arena a;
	arena_init(&a, 1 << 16);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	int rc = fn(&s, arg);
	if (rc < 0)
		cli_error("%s: %s\n", cmd, rc == ORM_CONFLICT ? "already exists" : orm_errmsg(&s));
	orm_session_close(&s);
	arena_free(&a);
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

struct createuser_args {
	const char *name, *password;
};

static int createuser_run(struct orm_session *s, void *arg)
{
	struct createuser_args *a = arg;
	struct user *u;
	int rc = blog_create_user(s, a->name, a->password, &u);
	if (rc == 0)
		printf("Created user %s (id %d)\n", u->username, (int)u->id);
	return rc;
}

static int createuser(struct config *cfg, int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return cli_usage_error("createuser", "one NAME");
	if (strlen(argv[0]) > 32)
		return cli_usage_error("createuser", "NAME has at most 32 characters");
	char pw[256];
	if (!fgets(pw, sizeof pw, stdin)) {
		cli_error("createuser: no password on standard input\n");
		return CLI_FAILED;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if (!*pw) {
		cli_error("createuser: the password is empty\n");
		return CLI_FAILED;
	}
	struct createuser_args a = {argv[0], pw};
	return with_session(cfg, "createuser", createuser_run, &a);
}

const struct cli_command blog_createuser_cmd = {
	.name = "createuser",
	.usage = "createuser NAME",
	.help = "add a user; the password is read from stdin",
	.run = createuser,
};

struct seed_args {
	long users, articles;
};

static int seed_run(struct orm_session *s, void *arg)
{
	const struct seed_args *a = arg;
	if (a->users == 0) { /* seed refuses articles without users */
		printf("Seeded 0 users, 0 articles, 0 comments\n");
		return 0;
	}
	struct user **users = arena_calloc(s->arena, (size_t)a->users, sizeof *users);
	if (!users)
		return ORM_NOMEM;
	/* One hash for every demo user: Argon2id is slow on purpose. */
	char hash[WEB_PASSWORD_HASH_BYTES];
	if (web_password_hash("password", hash) < 0)
		return ORM_NOMEM;
	const char *h = arena_strdup(s->arena, hash);
	for (long i = 0; i < a->users; i++) {
		struct user *u = users[i] = user_new(s);
		if (!u || !h)
			return ORM_NOMEM;
		u->username = arena_printf(s->arena, "user%ld", i + 1);
		u->password = h;
		int rc = orm_add(s, u);
		if (rc)
			return rc;
	}
	for (long i = 0; i < a->articles; i++) {
		struct article *art = article_new(s);
		if (!art)
			return ORM_NOMEM;
		art->title = arena_printf(s->arena, "Article %ld", i + 1);
		art->content = arena_printf(s->arena, "The text of article %ld.", i + 1);
		/* article.user = user: the foreign key follows at the flush */
		int rc = orm_set_related(s, art, ORM_REL(article, user), users[i % a->users]);
		if (rc)
			return rc;
	}
	for (long i = 0; i < a->users; i++) {
		struct comment *c = comment_new(s);
		if (!c)
			return ORM_NOMEM;
		c->content = arena_printf(s->arena, "A comment by user%ld", i + 1);
		int rc = orm_append(s, c, ORM_REL(comment, users), users[i]);
		if (rc == 0 && a->users > 1)
			rc = orm_append(s, c, ORM_REL(comment, users), users[(i + 1) % a->users]);
		if (rc)
			return rc;
	}
	int rc = orm_commit(s);
	if (rc == 0)
		printf("Seeded %ld users, %ld articles, %ld comments\n", a->users, a->articles, a->users);
	return rc;
}

static int seed(struct config *cfg, int argc, char **argv)
{
	struct seed_args a = {.users = 3, .articles = 12};
	for (int i = 0; i < argc; i++) {
		long *v = !strcmp(argv[i], "--users") ? &a.users : !strcmp(argv[i], "--articles") ? &a.articles : NULL;
		char *end;
		if (!v || i + 1 >= argc)
			return cli_usage_error("seed", "options are --users N and --articles N");
		*v = strtol(argv[++i], &end, 10);
		if (*end || *v < 0 || *v > 100000)
			return cli_usage_error("seed", "N is a number from 0 to 100000");
	}
	if (a.users < 1 && a.articles > 0)
		return cli_usage_error("seed", "articles need at least one user");
	return with_session(cfg, "seed", seed_run, &a);
}

const struct cli_command blog_seed_cmd = {
	.name = "seed",
	.usage = "seed [--users N] [--articles N]",
	.help = "add demo users, articles and comments",
	.details = "  --users N      users user1..userN, password \"password\" (3)\n"
		   "  --articles N   articles, spread over the users (12)\n",
	.run = seed,
};
