/* fcgi_raw.c — FastCGI by hand for tests (fcgi_raw.h). */
#include "fcgi_raw.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void fcgi_raw_record(unsigned char *out, size_t *n, int type, const void *body, size_t len)
{
	const unsigned char h[8] = {1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8),
				    (unsigned char)len, 0, 0};
	memcpy(out + *n, h, 8);
	memcpy(out + *n + 8, body, len);
	*n += 8 + len;
}

size_t fcgi_raw_pair(unsigned char *out, const char *name, const char *value)
{
	size_t a = strlen(name), b = strlen(value);
	out[0] = (unsigned char)a;
	out[1] = (unsigned char)b;
	memcpy(out + 2, name, a);
	memcpy(out + 2 + a, value, b);
	return 2 + a + b;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n bytes of fd before the deadline (now_ms). 0 or -1. */
static int read_full(int fd, unsigned char *dst, size_t n, long long deadline)
{
	while (n > 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return -1;
		ssize_t r = read(fd, dst, n);
		if (r <= 0)
			return -1;
		dst += r;
		n -= (size_t)r;
	}
	return 0;
}

int fcgi_raw_answer(int fd, int ms, char **out, size_t *n)
{
	long long deadline = now_ms() + ms;
	size_t cap = 0, on = 0;
	char *s = NULL;
	for (;;) {
		unsigned char h[8], body[65536 + 256];
		if (read_full(fd, h, 8, deadline) < 0)
			goto fail;
		size_t len = ((size_t)h[4] << 8) | h[5], pad = h[6];
		if (read_full(fd, body, len + pad, deadline) < 0)
			goto fail;
		if (h[1] == 3) /* FCGI_END_REQUEST */
			break;
		if (h[1] != 6 || !len) /* FCGI_STDOUT data only */
			continue;
		if (on + len + 1 > cap) {
			cap = (on + len + 1) * 2;
			char *p = realloc(s, cap);
			if (!p)
				goto fail;
			s = p;
		}
		memcpy(s + on, body, len);
		on += len;
	}
	if (!s && !(s = calloc(1, 1)))
		goto fail;
	s[on] = '\0';
	*out = s;
	*n = on;
	return 0;
fail:
	free(s);
	*out = NULL;
	*n = 0;
	return -1;
}
