/* fcgi_client.c — a FastCGI client of one GET request, as nginx or
 * cgi-fcgi would send it: what `flacon status` uses to ask the health
 * process (and the tests to read /metrics). Owns nothing past the call. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"

enum { FCGI_BEGIN_REQUEST = 1, FCGI_END_REQUEST = 3, FCGI_PARAMS = 4, FCGI_STDIN = 5,
       FCGI_STDOUT = 6, FCGI_STDERR = 7, FCGI_RESPONDER = 1 };

static int connect_spec(const char *spec, char *err, size_t errlen)
{
	int fd = -1;
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(spec + 5) >= sizeof sa.sun_path) {
			snprintf(err, errlen, "socket path too long: %s", spec + 5);
			return -1;
		}
		strcpy(sa.sun_path, spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
	} else {
		char host[256];
		const char *colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof host) {
			snprintf(err, errlen, "not unix:PATH or HOST:PORT: %s", spec);
			return -1;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
		int gai = getaddrinfo(*host ? host : "127.0.0.1", colon + 1, &hints, &ai);
		if (gai) {
			snprintf(err, errlen, "cannot resolve %s: %s", spec, gai_strerror(gai));
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
		freeaddrinfo(ai);
		if (ok)
			return fd;
	}
	snprintf(err, errlen, "cannot connect to %s: %s", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int record(struct buf *b, int type, const void *p, size_t n)
{
	unsigned char h[8] = {1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8), (unsigned char)n, 0, 0};
	return buf_append(b, h, 8) < 0 || (n && buf_append(b, p, n) < 0) ? -1 : 0;
}

/* A name-value pair of FCGI_PARAMS (both lengths below 128 here). */
static int param(struct buf *b, const char *name, const char *value)
{
	size_t nn = strlen(name), vn = strlen(value);
	if (nn > 127 || vn > 127)
		return -1;
	return buf_putc(b, (char)nn) < 0 || buf_putc(b, (char)vn) < 0 ||
			       buf_append(b, name, nn) < 0 || buf_append(b, value, vn) < 0
		       ? -1
		       : 0;
}

/* Read exactly n bytes before deadline_ms (CLOCK_MONOTONIC). 0 or -1. */
static int read_full(int fd, void *p, size_t n, long long deadline_ms)
{
	size_t got = 0;
	while (got < n) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long long left = deadline_ms - ((long long)t.tv_sec * 1000 + t.tv_nsec / 1000000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int cli_fcgi_get(const char *spec, const char *path, int timeout_ms, struct cli_fcgi_answer *out,
		 char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct buf req = BUF_INIT, resp = BUF_INIT;
	int rc = -1;
	int fd = connect_spec(spec, err, errlen);
	if (fd < 0)
		goto out;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	long long deadline = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000 + timeout_ms;
	const unsigned char begin[8] = {0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0};
	struct buf params = BUF_INIT;
	const char *qm = strchr(path, '?');
	char doc[128];
	snprintf(doc, sizeof doc, "%.*s", (int)(qm ? (size_t)(qm - path) : strlen(path)), path);
	int bad = record(&req, FCGI_BEGIN_REQUEST, begin, sizeof begin) < 0 ||
		  param(&params, "REQUEST_METHOD", "GET") < 0 || param(&params, "REQUEST_URI", path) < 0 ||
		  param(&params, "DOCUMENT_URI", doc) < 0 || param(&params, "SCRIPT_NAME", doc) < 0 ||
		  param(&params, "QUERY_STRING", qm ? qm + 1 : "") < 0 ||
		  param(&params, "SERVER_PROTOCOL", "HTTP/1.1") < 0 ||
		  param(&params, "REMOTE_ADDR", "127.0.0.1") < 0 ||
		  record(&req, FCGI_PARAMS, params.p, params.n) < 0 || record(&req, FCGI_PARAMS, NULL, 0) < 0 ||
		  record(&req, FCGI_STDIN, NULL, 0) < 0;
	buf_free(&params);
	if (bad) {
		snprintf(err, errlen, "out of memory, or a path longer than 127 bytes");
		goto out;
	}
	for (size_t off = 0; off < req.n;) {
		ssize_t w = write(fd, req.p + off, req.n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "writing to %s: %s", spec, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	for (;;) {
		unsigned char h[8], content[65535 + 255];
		if (read_full(fd, h, 8, deadline) < 0)
			goto readerr;
		size_t n = ((size_t)h[4] << 8 | h[5]) + h[6];
		if (read_full(fd, content, n, deadline) < 0)
			goto readerr;
		if (h[1] == FCGI_STDOUT && buf_append(&resp, content, n - h[6]) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (h[1] == FCGI_END_REQUEST)
			break;
	}
	/* CGI headers, a blank line, the body. */
	const char *p = resp.p ? resp.p : "";
	const char *end = strstr(p, "\r\n\r\n");
	if (!end) {
		snprintf(err, errlen, "%s answered no CGI headers", spec);
		goto out;
	}
	out->status = 200;
	const char *st = strstr(p, "Status: ");
	if (st && st < end)
		out->status = atoi(st + 8);
	size_t blen = resp.n - (size_t)(end + 4 - p);
	out->body = malloc(blen + 1);
	if (!out->body) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out->body, end + 4, blen);
	out->body[blen] = '\0';
	out->len = blen;
	rc = 0;
	goto out;
readerr:
	snprintf(err, errlen, "reading from %s: %s", spec, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&resp);
	return rc;
}
