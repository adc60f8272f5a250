/* http_client.c — blocking HTTP/1.1 test client. */
#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int hc_port(void)
{
	const char *p = getenv("FLACON_TEST_PORT");
	return p ? atoi(p) : 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The loopback address requests come from ("" = the kernel's choice,
 * 127.0.0.1): every 127.x.y.z is this host, so a test can be a client of
 * its own address (the server sees it as REMOTE_ADDR). */
static char source_addr[INET_ADDRSTRLEN];

void hc_set_source(const char *ipv4)
{
	snprintf(source_addr, sizeof source_addr, "%s", ipv4 ? ipv4 : "");
}

int hc_raw(int port, const char *req, size_t n, struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	double t0 = now();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = 30};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (source_addr[0]) {
		struct sockaddr_in src = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, source_addr, &src.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	size_t sent = 0;
	while (sent < n) {
		ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the server may answer (413, 400) before reading all */
		sent += (size_t)w;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t got = recv(fd, buf + len, cap - len, 0);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	r->seconds = now() - t0;
	char *sep = strstr(buf, "\r\n\r\n");
	if (!sep || strncmp(buf, "HTTP/1.", 7)) {
		r->head = buf;
		r->body = buf + len;
		return 0;
	}
	*sep = '\0';
	r->head = buf;
	r->body = sep + 4;
	r->body_len = len - (size_t)(r->body - buf);
	r->status = atoi(buf + 9);
	/* De-chunk if needed (nginx answers with chunked on some paths). */
	char te[64];
	if (hc_header(r, "Transfer-Encoding", 0, te, sizeof te) && !strcasecmp(te, "chunked")) {
		char *src = r->body, *dst = r->body;
		for (;;) {
			unsigned long sz = strtoul(src, &src, 16);
			src = strstr(src, "\r\n");
			if (!src || sz == 0)
				break;
			src += 2;
			memmove(dst, src, sz);
			dst += sz;
			src += sz + 2;
		}
		*dst = '\0';
		r->body_len = (size_t)(dst - r->body);
	}
	return 0;
}

int hc_request(const char *method, const char *path, const char *headers, const char *body,
	       size_t body_len, struct http_resp *r)
{
	size_t cap = strlen(method) + strlen(path) + (headers ? strlen(headers) : 0) + body_len + 256;
	char *req = malloc(cap);
	int n = snprintf(req, cap,
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s", method,
			 path, headers ? headers : "");
	if (body) {
		n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
	}
	n += snprintf(req + n, cap - (size_t)n, "\r\n");
	if (body) {
		memcpy(req + n, body, body_len);
		n += (int)body_len;
	}
	int rc = hc_raw(hc_port(), req, (size_t)n, r);
	free(req);
	return rc;
}

int hc_get(const char *path, struct http_resp *r)
{
	return hc_request("GET", path, NULL, NULL, 0, r);
}

const char *hc_header(const struct http_resp *r, const char *name, int nth, char *out,
		      size_t outlen)
{
	if (!r->head)
		return NULL;
	size_t nl = strlen(name);
	const char *p = strstr(r->head, "\r\n");
	while (p) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			if (nth-- == 0) {
				const char *v = p + nl + 1;
				while (*v == ' ')
					v++;
				const char *e = strstr(v, "\r\n");
				size_t vl = e ? (size_t)(e - v) : strlen(v);
				if (vl >= outlen)
					vl = outlen - 1;
				memcpy(out, v, vl);
				out[vl] = '\0';
				return out;
			}
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

void hc_free(struct http_resp *r)
{
	free(r->head);
	memset(r, 0, sizeof *r);
}
