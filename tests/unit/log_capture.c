/* log_capture.c — stderr into a temporary file and back (log_capture.h). */
#include "log_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void log_capture_start(struct log_capture *c)
{
	char path[] = "/tmp/flacon-log-XXXXXX";
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	c->fd = mkstemp(path);
	if (c->fd >= 0) {
		unlink(path);
		dup2(c->fd, STDERR_FILENO);
	}
}

char *log_capture_end(struct log_capture *c)
{
	char *out = NULL;
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	if (c->fd < 0)
		return NULL;
	off_t n = lseek(c->fd, 0, SEEK_END);
	if (n >= 0 && (out = malloc((size_t)n + 1)) && pread(c->fd, out, (size_t)n, 0) == n)
		out[n] = '\0';
	else {
		free(out);
		out = NULL;
	}
	close(c->fd);
	return out;
}
