/* main.c — the `blog` program: the framework's whole command line
 * (runserver, db ..., create-all, drop-all, session-gc, routes) for the
 * blog's models, routes and templates, plus createuser and seed. */
#include "blog.h"

static const struct cli_command *const commands[] = {&blog_createuser_cmd, &blog_seed_cmd, NULL};

static const struct flacon_app blog_app = {
	.registry = &blog_registry,
	.models_init = blog_models_init,
	.web = &blog_web,
	.templates_dir = "templates",
	.commands = commands,
};

int main(int argc, char **argv)
{
	return flacon_main(argc, argv, &blog_app);
}
