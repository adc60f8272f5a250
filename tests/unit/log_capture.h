/* log_capture.h — what the process writes to stderr (the log) between
 * two calls, for the tests of log lines. */
#ifndef FLACON_TEST_LOG_CAPTURE_H
#define FLACON_TEST_LOG_CAPTURE_H

struct log_capture {
	int saved; /* the real stderr */
	int fd;    /* the temporary file standing in for it */
};

/* From now on stderr goes to a temporary file. */
void log_capture_start(struct log_capture *c);
/* Restore stderr; returns what was written (malloc'd, NUL-terminated), or
 * NULL. */
char *log_capture_end(struct log_capture *c);

#endif
