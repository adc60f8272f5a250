/* http_client.h — a small blocking HTTP/1.1 client for end-to-end tests:
 * sends exactly the bytes it is told (so tests can send garbage) and parses
 * the answer. One connection per request (Connection: close). */
#ifndef FLACON_HTTP_CLIENT_H
#define FLACON_HTTP_CLIENT_H

#include <stddef.h>

struct http_resp {
	int status;        /* 0 when no answer could be read */
	char *head;        /* the status line and headers, NUL-terminated */
	char *body;        /* NUL-terminated; body_len bytes */
	size_t body_len;
	double seconds;    /* wall time of the exchange */
};

/* The port of the server under test: $FLACON_TEST_PORT. */
int hc_port(void);
/* Make the following requests come from this loopback address (e.g.
 * "127.0.0.7"; NULL or "": the default again). Process-wide. */
void hc_set_source(const char *ipv4);
/* Send raw request bytes to 127.0.0.1:port and read the whole answer.
 * Returns 0 and fills r (free with hc_free), or -1 on connect failure. */
int hc_raw(int port, const char *req, size_t n, struct http_resp *r);
/* Build and send: method path, extra header lines ("Name: v\r\n..." or
 * NULL), body (may be NULL). */
int hc_request(const char *method, const char *path, const char *headers, const char *body,
	       size_t body_len, struct http_resp *r);
int hc_get(const char *path, struct http_resp *r);
/* Value of header name (case-insensitive) in r, copied into a static
 * buffer per call site use; NULL when absent. The nth (0-based) one. */
const char *hc_header(const struct http_resp *r, const char *name, int nth, char *out,
		      size_t outlen);
void hc_free(struct http_resp *r);

#endif
