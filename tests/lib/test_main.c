/* test_main.c — entry point of every C test suite; SUITE_NAME comes from the
 * Makefile (the directory name under tests/). */
#include "test.h"

int main(int argc, char **argv)
{
	return test_main(SUITE_NAME, argc, argv);
}
