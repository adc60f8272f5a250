/* main.c — the bundled `flacon` program: the site on the framework's
 * command line. */
#include "cli/cli.h"
#include "site/site.h"

int main(int argc, char **argv)
{
	return flacon_main(argc, argv, &site_flacon_app);
}
