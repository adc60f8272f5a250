/* ceiling_hello.c — the libfcgi hello ceiling of `make bench` (SPEC 9): a
 * bare libfcgi program, not Flacon, answering every request with a tiny
 * 200 text. nginx passes /_ceiling/hello to it without keep-alive.
 * Usage: ceiling_hello SOCKET [PROCS]   (PROCS processes, default 2, on
 * one listen socket; SIGTERM stops them) */
#include "ceiling.h"

static void serve(FCGX_Request *req)
{
	static const char answer[] = "Status: 200 OK\r\n"
				     "Content-Type: text/plain; charset=utf-8\r\n"
				     "Content-Length: 6\r\n"
				     "\r\n"
				     "hello\n";
	FCGX_PutStr(answer, (int)sizeof answer - 1, req->out);
}

int main(int argc, char **argv)
{
	int procs = argc > 2 ? ceiling_procs(argv[2]) : 2;
	if (argc < 2 || argc > 3 || procs < 0) {
		fprintf(stderr, "usage: ceiling_hello SOCKET [PROCS]\n");
		return 2;
	}
	return ceiling_run(argv[1], procs, NULL, serve);
}
