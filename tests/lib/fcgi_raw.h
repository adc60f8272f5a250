/* fcgi_raw.h — FastCGI by hand, for tests that talk to the workers'
 * socket directly (kept connections, drains, params nginx would not
 * send): records of request id 1, name-value pairs, and one answer read
 * back. */
#ifndef FLACON_TEST_FCGI_RAW_H
#define FLACON_TEST_FCGI_RAW_H

#include <stddef.h>

/* Append a record (version 1, request id 1) of type with len bytes of
 * body at out + *n, and move *n past it. */
void fcgi_raw_record(unsigned char *out, size_t *n, int type, const void *body, size_t len);
/* Write a name-value pair (both shorter than 128 bytes) at out; its size. */
size_t fcgi_raw_pair(unsigned char *out, const char *name, const char *value);
/* Read records on fd until FCGI_END_REQUEST (the connection may stay open
 * after it), within ms in all: the FCGI_STDOUT bytes into *out (malloc'd,
 * NUL-terminated; the caller frees) and their count into *n. 0, or -1
 * when the answer did not come whole in time (*out NULL). */
int fcgi_raw_answer(int fd, int ms, char **out, size_t *n);

#endif
