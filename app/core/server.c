/* server.c — listen socket, worker loop and prefork master.
 *
 * A worker holds many FastCGI connections (nginx's kept upstream
 * connections, `fastcgi_keep_conn on`), one libfcgi request object each,
 * and waits on all of them and on the (non-blocking) listen socket in one
 * epoll_wait, so no kept connection pins it.
 *
 * Signals: workers keep SIGTERM/SIGINT/SIGHUP blocked for good and read
 * them from a signalfd in that same wait, so a stop or reload never
 * interrupts a request in flight, is never missed between a check and a
 * wait, and is seen at the next wait even when a socket is always ready. */
#include "core/server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"

/* ---- listen sockets ---------------------------------------------------- */

/* The unix sockets this process bound (server_listen), with the inode of
 * each socket file: a master unlinks only these at its stop, and only
 * while the path still names its socket (a master started since may have
 * bound the path again). */
/* server_set_supervised: the sockets are the supervisor's; where workers
 * say they are ready. */
static bool supervised;
static int supervised_ready_fd = -1;

#define OWNED_MAX 4
static struct owned_socket {
	int fd;
	dev_t dev;
	ino_t ino;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
} owned[OWNED_MAX];
static int nowned;

static void own_socket(int fd, const char *path)
{
	struct stat st;
	if (nowned == OWNED_MAX || stat(path, &st) < 0)
		return;
	owned[nowned] = (struct owned_socket){.fd = fd, .dev = st.st_dev, .ino = st.st_ino};
	snprintf(owned[nowned].path, sizeof owned[nowned].path, "%s", path);
	nowned++;
}

/* spec "HOST:PORT": HOST into host (may be empty); the port, or NULL when
 * spec is not of that form. */
static const char *split_host_port(const char *spec, char *host, size_t hostlen)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) >= hostlen)
		return NULL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	return colon + 1;
}

int server_listen(const char *spec, char *err, size_t errlen)
{
	int fd = -1;
	const char *path = NULL;
	if (!strncmp(spec, "unix:", 5)) {
		path = spec + 5;
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(path) >= sizeof sa.sun_path) {
			snprintf(err, errlen, "socket path too long: %s", path);
			return -1;
		}
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto syserr;
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			goto syserr;
		/* nginx's workers may run as another user. */
		chmod(path, 0666);
	} else {
		char host[256];
		const char *port = split_host_port(spec, host, sizeof host);
		if (!port) {
			snprintf(err, errlen, "server.listen must be unix:PATH or HOST:PORT, got '%s'", spec);
			return -1;
		}
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
		int gai = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
		if (gai) {
			snprintf(err, errlen, "cannot resolve %s: %s", spec, gai_strerror(gai));
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			freeaddrinfo(ai);
			goto syserr;
		}
		freeaddrinfo(ai);
	}
	if (listen(fd, 1024) < 0)
		goto syserr;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto syserr;
	if (path)
		own_socket(fd, path);
	return fd;
syserr:
	snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Sockets a service manager passed (the sd_listen_fds(3) protocol, read
 * by hand): passed_n of them from fd 3 on, -1 before the first look. */
#define PASSED_START 3
#define PASSED_MAX 16
static int passed_n = -1;
static bool passed_taken[PASSED_MAX];
static char passed_name[PASSED_MAX][64];

/* A decimal in 1..max, or -1. */
static long parse_count(const char *s, long max)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	return (*end || errno || v < 1 || v > max) ? -1 : v;
}

/* Read LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES once, and unset them so
 * that no process started from this one mistakes them for its own. */
static void passed_read(void)
{
	if (passed_n >= 0)
		return;
	passed_n = 0;
	long pid = parse_count(getenv("LISTEN_PID"), 1L << 30);
	long n = parse_count(getenv("LISTEN_FDS"), PASSED_MAX);
	const char *names = getenv("LISTEN_FDNAMES");
	if (pid == (long)getpid() && n > 0) {
		passed_n = (int)n;
		for (int i = 0; i < passed_n; i++) {
			fcntl(PASSED_START + i, F_SETFD, FD_CLOEXEC);
			size_t len = names ? strcspn(names, ":") : 0;
			snprintf(passed_name[i], sizeof passed_name[i], "%.*s", (int)len, names ? names : "");
			if (names)
				names = names[len] ? names + len + 1 : NULL;
		}
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* Is fd a listening stream socket whose address is spec's? */
static bool socket_is(int fd, const char *spec)
{
	int type = 0, acc = 0;
	socklen_t tl = sizeof type, al = sizeof acc;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0 || !acc)
		return false;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (!strncmp(spec, "unix:", 5)) {
		const struct sockaddr_un *su = (const struct sockaddr_un *)&ss;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? strnlen(su->sun_path, len - off) : 0;
		return ss.ss_family == AF_UNIX && n == strlen(spec + 5) && !memcmp(su->sun_path, spec + 5, n);
	}
	char host[256];
	const char *port = split_host_port(spec, host, sizeof host);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	if (!port || getaddrinfo(*host ? host : NULL, port, &hints, &ai))
		return false;
	bool same = false;
	for (struct addrinfo *a = ai; a && !same; a = a->ai_next) {
		if (a->ai_family != ss.ss_family)
			continue;
		if (a->ai_family == AF_INET) {
			const struct sockaddr_in *x = (const void *)a->ai_addr, *y = (const void *)&ss;
			same = x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
		} else if (a->ai_family == AF_INET6) {
			const struct sockaddr_in6 *x = (const void *)a->ai_addr, *y = (const void *)&ss;
			same = x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
		}
	}
	freeaddrinfo(ai);
	return same;
}

int server_acquire(const char *spec, bool required, bool *passed, char *err, size_t errlen)
{
	passed_read();
	*passed = false;
	for (int i = 0; i < passed_n; i++) {
		int fd = PASSED_START + i;
		if (passed_taken[i] || !socket_is(fd, spec))
			continue;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			snprintf(err, errlen, "the socket passed for %s (fd %d): %s", spec, fd, strerror(errno));
			return -1;
		}
		passed_taken[i] = true;
		*passed = true;
		log_info("listening on %s passed by the service manager (fd %d%s%s)", spec, fd,
			 passed_name[i][0] ? ", " : "", passed_name[i]);
		return fd;
	}
	if (passed_n > 0 && required) {
		snprintf(err, errlen,
			 "the service manager passed %d socket%s and none is %s: make the socket unit's "
			 "ListenStream= and server.listen name the same address",
			 passed_n, passed_n == 1 ? "" : "s", spec);
		return -1;
	}
	return server_listen(spec, err, errlen);
}

int server_passed_close_unused(void)
{
	int n = 0;
	for (int i = 0; i < passed_n; i++) {
		if (passed_taken[i])
			continue;
		log_warn("fd %d%s%s passed by the service manager is not a socket of this server; closed",
			 PASSED_START + i, passed_name[i][0] ? " " : "", passed_name[i]);
		close(PASSED_START + i);
		passed_taken[i] = true;
		n++;
	}
	return n;
}

/* Does a stopping worker answer everything queued on fd before it
 * leaves? Yes on a socket it bound (the master shuts it to new
 * connections at the stop, so the queue ends) or `APP dev`'s (the next
 * master is already there); not on one a service manager passed and
 * holds for the next master. */
static bool socket_drains(int fd)
{
	for (int i = 0; i < passed_n; i++)
		if (passed_taken[i] && PASSED_START + i == fd)
			return false;
	return true;
}

/* At a master's stop: each unix socket this process bound among fd and
 * health_fd is unlinked (while its path still names it) and shut for
 * reading, in one go. A connect() from then on is refused at once (nginx
 * moves on to the next host); one that came before is in the queue the
 * workers drain; none is queued on a socket about to close. Sockets passed
 * by a service manager or `APP dev` are not this process's: they stay as
 * they are, and connections wait in them for the next master. */
static void release_owned(int fd, int health_fd)
{
	for (int i = 0; i < nowned; i++) {
		if (owned[i].fd != fd && (health_fd < 0 || owned[i].fd != health_fd))
			continue;
		struct stat st;
		if (stat(owned[i].path, &st) == 0 && st.st_dev == owned[i].dev && st.st_ino == owned[i].ino)
			unlink(owned[i].path);
		shutdown(owned[i].fd, SHUT_RD);
	}
}

/* ---- worker ---------------------------------------------------------- */

void server_set_supervised(int ready_fd)
{
	supervised = true;
	supervised_ready_fd = ready_fd;
}

/* Never runs: the worker keeps its stop signals blocked and reads them
 * from a signalfd. A disposition of its own keeps a signal whose
 * disposition a parent set to SIG_IGN (nohup's SIGHUP) from being
 * discarded before the signalfd sees it. */
static void worker_on_signal(int sig)
{
	(void)sig;
}

/* A stopping worker closes a kept connection itself only where nginx
 * would have closed it by then: once it has been quiet this long, or
 * after an answer once it is this old. The shipped confs make nginx close
 * an idle upstream connection after 1 s (keepalive_timeout 1s) and one
 * older than 1 s after its next answer (keepalive_time 1s), so nginx
 * closes first and no close here crosses a request nginx is sending on
 * the connection (README, "nginx and keep-alive"). */
#define KEEP_CLOSE_MS 1500
/* accept() failed for want of descriptors or memory: the listen socket
 * is looked at again after this long, or when a connection closes. */
#define ACCEPT_PAUSE_MS 100

/* One FastCGI connection and the libfcgi request object bound to it (the
 * request's transport while one is answered). */
struct fcgi_transport {
	FCGX_Request fcgi;
	long long opened;      /* ms (mono_ms): accepted */
	long long quiet_since; /* ms: its last request ended, or it was accepted */
	int live_i;            /* its index in worker.live, -1: not live */
};

/* Where the listen socket stands for this worker. */
enum listen_state {
	LISTEN_ACCEPT, /* new connections are welcome */
	LISTEN_DRAIN,  /* stopping: take what is queued until accept finds none */
	LISTEN_DONE,   /* never again */
};

/* The wait set is an epoll instance: the signalfd, the listen socket
 * (while it is watched) and every live connection, level-triggered, as a
 * poll(2) of them would be. A poll costs the kernel a look at every fd it
 * is given, each time: with nginx's kept connections (16 or more a
 * worker) that was a fixed cost of every request; epoll_wait only hands
 * over the ready ones. The event of a connection carries its transport;
 * those of the signalfd and the listen socket these tags. */
static char tag_signal, tag_listen;

/* The events epoll reports are poll's (worker_serve_conn reads them as
 * such). */
_Static_assert(EPOLLIN == POLLIN && EPOLLRDHUP == POLLRDHUP && EPOLLHUP == POLLHUP &&
		       EPOLLERR == POLLERR,
	       "epoll and poll event bits differ");

/* A worker: its connections (at most cfg->worker_connections, each with
 * its own FCGX_Request), the wait set, and the long-lived buffers of the
 * request pipeline. */
struct worker {
	const struct config *cfg;
	const struct server_hooks *hooks;
	int listen_fd;
	int max;                      /* cfg->worker_connections */
	struct fcgi_transport *slots; /* max of them */
	struct fcgi_transport **live; /* live[i]->live_i == i */
	struct fcgi_transport **free_slots;
	int nlive, nfree;
	int epfd;                     /* the wait set, -1 before worker_alloc */
	bool listen_watched;          /* the listen socket is in the wait set */
	struct epoll_event *ev;       /* 2 + max: what one epoll_wait reports */
	bool stopping;                /* no new connections; each kept one closes */
	enum listen_state listen;
	long long accept_paused_until; /* mono_ms */
	long long tick_at;            /* when hooks->tick is due (mono_ms), -1: never */
	long served;
	struct http_request proto;
	struct arena arena;
	struct http_response resp;
	struct buf out;
};

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The value of param name (n bytes, no '=') among libfcgi's "NAME=value"
 * strings, or NULL; the first of the name wins, as with FCGX_GetParam. */
static const char *env_find(char **envp, const char *name, size_t n)
{
	for (char **e = envp; e && *e; e++)
		if ((*e)[0] == name[0] && !strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static const char *fcgi_getenv(struct http_request *req, const char *name)
{
	struct fcgi_transport *t = req->transport;
	return env_find(t->fcgi.envp, name, strlen(name));
}

static long fcgi_read(struct http_request *req, char *dst, size_t n)
{
	struct fcgi_transport *t = req->transport;
	if (n > 1 << 30)
		n = 1 << 30;
	return FCGX_GetStr(dst, (int)n, t->fcgi.in);
}

/* The params a request is built from (request_from_fcgi), "NAME=", in the
 * order of the CORE_ indexes. */
static const struct text_str core_params[] = {
	{"REQUEST_METHOD=", 15}, {"REQUEST_URI=", 12},    {"DOCUMENT_URI=", 13},
	{"CONTENT_TYPE=", 13},   {"CONTENT_LENGTH=", 15}, {"REMOTE_ADDR=", 12},
};
enum { CORE_METHOD, CORE_URI, CORE_DOCUMENT_URI, CORE_TYPE, CORE_LENGTH, CORE_ADDR, CORE_N };

/* Each of core_params' values in envp (NULL when absent; the first of a
 * name wins), in one pass over the params instead of one per name. */
static void env_core(char **envp, const char *v[CORE_N])
{
	for (int k = 0; k < CORE_N; k++)
		v[k] = NULL;
	for (char **e = envp; e && *e; e++) {
		const char *s = *e;
		/* Every core name begins with R, D or C: most params are
		 * passed over on their first byte. */
		if (s[0] != 'R' && s[0] != 'C' && s[0] != 'D')
			continue;
		for (int k = 0; k < CORE_N; k++) {
			if (!v[k] && s[0] == core_params[k].p[0] &&
			    !strncmp(s, core_params[k].p, core_params[k].n)) {
				v[k] = s + core_params[k].n;
				break;
			}
		}
	}
}

/* Fill req from the FastCGI params. */
static void request_from_fcgi(struct http_request *req)
{
	struct fcgi_transport *t = req->transport;
	const char *v[CORE_N];
	env_core(t->fcgi.envp, v);
	req->method = v[CORE_METHOD] ? v[CORE_METHOD] : "GET";
	const char *uri = v[CORE_URI];
	if (!uri)
		uri = v[CORE_DOCUMENT_URI];
	if (!uri)
		uri = "/";
	req->uri = uri;
	const char *qm = strchr(uri, '?');
	req->raw_path = qm ? arena_strndup(req->arena, uri, (size_t)(qm - uri)) : uri;
	if (!req->raw_path)
		req->raw_path = "/";
	req->query_string = qm ? qm + 1 : "";
	size_t plen = 0;
	req->path = text_percent_decode(req->arena, req->raw_path, strlen(req->raw_path), false, &plen);
	/* A decoded path must not smuggle NUL bytes (%00). */
	if (req->path && strlen(req->path) != plen)
		req->path = NULL;
	req->content_type = v[CORE_TYPE] ? v[CORE_TYPE] : "";
	req->content_length = -1;
	if (v[CORE_LENGTH] && *v[CORE_LENGTH]) {
		long long cl = 0;
		if (text_parse_digits(v[CORE_LENGTH], strlen(v[CORE_LENGTH]), (long long)1 << 50, &cl))
			req->content_length = cl;
		else
			req->content_length = (long long)1 << 50; /* nonsense: treat as too large */
	}
	req->remote_addr = v[CORE_ADDR];
}

/* libfcgi's output buffer: a response that fits goes out with the end of
 * the request in one write. */
#define FCGI_SMALL 8000
#define FCGI_RECORD_MAX 65528 /* content bytes per FCGI_STDOUT record (8 | n) */
#define FCGI_IOV 64

static void record_header(unsigned char h[8], int type, int request_id, size_t n)
{
	h[0] = 1;                      /* FCGI_VERSION_1 */
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(request_id >> 8);
	h[3] = (unsigned char)request_id;
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = 0;                      /* no padding */
	h[7] = 0;
}

/* writev all of iov[0..n) to fd (blocking). 0 or -1. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* The request's end, as libfcgi's FCGX_Finish_r would write it after a
 * stdout it wrote: the empty FCGI_STDOUT record that ends the stream, then
 * FCGI_END_REQUEST (appStatus, FCGI_REQUEST_COMPLETE). */
static void end_records(unsigned char e[24], const FCGX_Request *r)
{
	record_header(e, 6, r->requestId, 0);          /* FCGI_STDOUT, empty */
	record_header(e + 8, 3, r->requestId, 8);      /* FCGI_END_REQUEST */
	uint32_t st = (uint32_t)r->appStatus;
	e[16] = (unsigned char)(st >> 24);
	e[17] = (unsigned char)(st >> 16);
	e[18] = (unsigned char)(st >> 8);
	e[19] = (unsigned char)st;
	memset(e + 20, 0, 4); /* FCGI_REQUEST_COMPLETE, reserved */
}

/* Send head (status and header lines) and body as the request's stdout.
 * Small answers go through libfcgi's buffer (one write together with the
 * end records at FCGX_Finish_r); a large one goes straight from our
 * buffers in FCGI_STDOUT records, many per writev, instead of being copied
 * and written 8 KiB at a time, and its last writev carries the end records
 * too: one write for the whole answer, so nginx is woken once for it, not
 * again for 24 bytes of end records. libfcgi is then told its streams are
 * closed (FCGX_FClose on err, which has nothing to write, and the out
 * stream marked closed as FCGX_FClose leaves it), so FCGX_Finish_r writes
 * nothing more. */
static void send_response(FCGX_Request *r, const char *head, size_t head_n, const char *body,
			  size_t body_n)
{
	if (head_n + body_n <= FCGI_SMALL) {
		FCGX_PutStr(head, (int)head_n, r->out);
		if (body_n)
			FCGX_PutStr(body, (int)body_n, r->out);
		return;
	}
	const char *part[2] = {head, body};
	size_t left[2] = {head_n, body_n};
	int k = 0;
	unsigned char hdr[FCGI_IOV / 3][8];
	unsigned char end[24];
	struct iovec iov[FCGI_IOV];
	FCGX_FClose(r->err); /* unused: writes nothing, leaves out the last writer */
	for (;;) {
		int n = 0, nh = 0;
		while (left[0] + left[1] > 0 && n + 4 <= FCGI_IOV && nh < FCGI_IOV / 3) {
			size_t room = FCGI_RECORD_MAX;
			size_t rec = left[0] + left[1] < room ? left[0] + left[1] : room;
			record_header(hdr[nh], 6, r->requestId, rec);
			iov[n++] = (struct iovec){hdr[nh++], 8};
			while (rec > 0) {
				while (left[k] == 0)
					k++;
				size_t take = left[k] < rec ? left[k] : rec;
				iov[n++] = (struct iovec){(void *)part[k], take};
				part[k] += take;
				left[k] -= take;
				rec -= take;
			}
		}
		bool last = left[0] + left[1] == 0;
		if (last) {
			end_records(end, r);
			iov[n++] = (struct iovec){end, sizeof end};
		}
		if (write_all(r->ipcFd, iov, n) < 0) {
			log_warn("writing a response failed: %s", strerror(errno));
			/* Nothing more may follow a record cut short on a
			 * kept connection: close it, and write no end. */
			r->keepConnection = 0;
			last = true;
		}
		if (last)
			break;
	}
	/* What FCGX_FClose(r->out) would leave after writing the end. */
	r->out->wasFCloseCalled = 1;
	r->out->isClosed = 1;
	r->out->rdNext = r->out->stop = r->out->wrNext;
	r->nWriters = 0;
}

/* End the request: libfcgi writes the end records, and keeps the
 * connection open when nginx asked for it (FCGI_KEEP_CONN, and
 * r->keepConnection still set) and nothing failed, else closes it.
 * libfcgi's own close shuts the write side down and then waits (up to 2 s)
 * until nginx closes its end, to drain any unread input: the worker would
 * sit idle for every response's round trip through nginx. Instead read
 * what is left of the body (nginx has sent it all once FCGI_STDIN ends; a
 * refused large body is drained here, as libfcgi would) and close at
 * once: nothing unread is left to reset the connection. The choice is made
 * for each request (a kept connection carries it from one to the next). */
static void finish_request(FCGX_Request *r)
{
	char trash[4096];
	while (FCGX_GetStr(trash, (int)sizeof trash, r->in) > 0)
		;
	if (FCGX_HasSeenEOF(r->in) == EOF && FCGX_GetError(r->in) == 0)
		FCGX_Detach(r); /* close(2) without libfcgi's lingering wait */
	else
		FCGX_Attach(r);
	FCGX_Finish_r(r);
}


/* Live connection i is gone (libfcgi closed it, or the worker did): its
 * slot is free again, and the last live one takes its place. */
static void conn_forget(struct worker *w, int i)
{
	struct fcgi_transport *c = w->live[i];
	c->fcgi.listen_sock = w->listen_fd;
	int last = --w->nlive;
	w->live[i] = w->live[last];
	w->live[i]->live_i = i;
	c->live_i = -1; /* after: i may be the last */
	w->free_slots[w->nfree++] = c;
}

/* Close live connection i between requests: a plain close(2), without
 * libfcgi's lingering wait (nothing of it is unread). The close takes it
 * out of the wait set (no other descriptor refers to it). */
static void conn_close(struct worker *w, int i)
{
	FCGX_Request *r = &w->live[i]->fcgi;
	FCGX_Detach(r);
	FCGX_Free(r, 1);
	conn_forget(w, i);
}

/* What fd holds, without waiting: 1 bytes to read, 0 its end (or an
 * error), -1 nothing yet. */
static int conn_peek(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return 1;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : 0;
}

/* After libfcgi worked on live connection i: it may have closed it (an
 * end, an error, or no FCGI_KEEP_CONN). */
static void conn_update(struct worker *w, int i)
{
	if (w->live[i]->fcgi.ipcFd < 0)
		conn_forget(w, i);
}

/* hooks->tick runs now; it says when it is due next. */
static void worker_tick(struct worker *w)
{
	if (!w->hooks->tick)
		return;
	int ms = w->hooks->tick(&w->proto);
	w->tick_at = ms >= 0 ? mono_ms() + ms : -1;
}

/* The worker's end begins (signal, a shut listen socket, max_requests):
 * no new connection from now on, except, with drain_listen, those already
 * queued on the listen socket; each request that still comes on a kept
 * connection is answered (worker_answer, worker_close_quiet say when the
 * worker closes the connection itself). */
static void worker_begin_stop(struct worker *w, bool drain_listen)
{
	w->stopping = true;
	if (!drain_listen)
		w->listen = LISTEN_DONE;
	else if (w->listen == LISTEN_ACCEPT)
		w->listen = LISTEN_DRAIN;
}

/* Answer the request libfcgi has just read on c, through the pipeline of
 * http.h, and end it. The connection stays open when nginx asked for it;
 * a stopping worker (and one that reaches max_requests with this request)
 * closes it after the answer once it is KEEP_CLOSE_MS old: nginx, which
 * would not keep it either, sees its end with the end of the answer. */
static void worker_answer(struct worker *w, struct fcgi_transport *c)
{
	const struct server_hooks *hooks = w->hooks;
	arena_reset(&w->arena);
	struct http_request req = w->proto;
	req.arena = &w->arena;
	req.transport = c;
	req.getenv = fcgi_getenv;
	req.read = fcgi_read;
	request_from_fcgi(&req);
	http_request_begin(&req);
	w->resp.arena = &w->arena;
	w->resp.status = 200;
	w->resp.sent_error = false;
	http_resp_clear(&w->resp);
	uint64_t started = metrics_request_begin(req.method);
	if (hooks->request_start)
		hooks->request_start(&req);

	http_handle(hooks->app, &req, &w->resp);
	size_t body_n;
	if (http_serialize_head(&req, &w->resp, &w->out, &body_n) == 0)
		send_response(&c->fcgi, w->out.p, w->out.n, w->resp.body.p, body_n);
	http_request_end(&req, &w->resp);
	bool retire = w->cfg->max_requests && w->served + 1 >= w->cfg->max_requests;
	if ((w->stopping || retire) && mono_ms() - c->opened >= KEEP_CLOSE_MS)
		c->fcgi.keepConnection = 0;
	finish_request(&c->fcgi);
	metrics_request_end(w->resp.status, started);
	if (hooks->app->finish)
		hooks->app->finish(&req);
	/* The request's resources (its ORM session, web session, json-c
	 * trees) go now, not when the next request comes. */
	arena_run_cleanups(&w->arena);
	w->served++;
	/* Keep buffers from growing without bound after a huge page. */
	if (w->out.cap > (1u << 20))
		buf_free(&w->out);
	if (w->resp.body.cap > (1u << 20))
		buf_free(&w->resp.body);
	if (retire)
		worker_begin_stop(w, false); /* the queue is the other workers' */
	c->quiet_since = mono_ms();
	worker_tick(w);
}

/* Live connection i reported ready with revents: read its next request with
 * libfcgi and answer it. One that nginx closed is closed here at once
 * (FCGX_Accept_r would find its end too, and close it its own way).
 * libfcgi reads block: the wait only says the request has begun to arrive;
 * nginx sends its records in one go (the body as fast as it has it), so
 * the wait is that of reading the request, as it was on a new
 * connection. */
static void worker_serve_conn(struct worker *w, int i, short revents)
{
	struct fcgi_transport *c = w->live[i];
	if ((revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) && conn_peek(c->fcgi.ipcFd) == 0) {
		conn_close(w, i);
		return;
	}
	if (FCGX_Accept_r(&c->fcgi) == 0)
		worker_answer(w, c);
	conn_update(w, i);
}

/* The listen socket reported readable: accept a connection into a free
 * slot and answer its first request. */
static void worker_accept(struct worker *w)
{
	struct fcgi_transport *c = w->free_slots[w->nfree - 1];
	int rc = FCGX_Accept_r(&c->fcgi);
	if (rc < 0) {
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			/* another worker took it; or, draining, none is left */
			if (w->listen == LISTEN_DRAIN)
				w->listen = LISTEN_DONE;
			return;
		}
		if (w->accept_paused_until == 0)
			log_warn("accept on the listen socket failed: %s",
				 rc == -9999 ? "unknown error" : strerror(-rc));
		w->accept_paused_until = mono_ms() + ACCEPT_PAUSE_MS;
		if (w->listen == LISTEN_DRAIN && rc != -EMFILE && rc != -ENFILE)
			w->listen = LISTEN_DONE;
		return;
	}
	w->accept_paused_until = 0;
	w->nfree--;
	int i = w->nlive++;
	w->live[i] = c;
	c->live_i = i;
	c->opened = c->quiet_since = mono_ms();
	/* From now on the request object has no listen socket: when libfcgi
	 * closes its connection in FCGX_Accept_r (an end, garbage) it would
	 * accept another from there, behind the wait's back. */
	c->fcgi.listen_sock = -1;
	worker_answer(w, c);
	i = c->live_i;
	if (c->fcgi.ipcFd < 0) {
		conn_forget(w, i);
		return;
	}
	/* Kept: into the wait set (a connection nginx does not keep is
	 * closed by now and costs no epoll_ctl). */
	struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fcgi.ipcFd, &e) < 0) {
		log_warn("epoll_ctl on a connection: %s; closing it", strerror(errno));
		conn_close(w, i);
	}
}

/* Stopping: close the kept connections that have been quiet for
 * KEEP_CLOSE_MS (one with bytes waiting is answered instead). Returns the
 * milliseconds until the next one is due, or -1. */
static long long worker_close_quiet(struct worker *w, long long now)
{
	long long next = -1;
	for (int i = w->nlive - 1; i >= 0; i--) {
		struct fcgi_transport *c = w->live[i];
		long long due = c->quiet_since + KEEP_CLOSE_MS;
		if (due <= now) {
			if (conn_peek(c->fcgi.ipcFd) <= 0) {
				conn_close(w, i);
				continue;
			}
			due = now; /* a request came: the wait hands it over */
		}
		if (next < 0 || due - now < next)
			next = due - now;
	}
	return next;
}

/* The wait's timeout: the earliest of the tick, the next quiet connection
 * to close (drain_ms, -1: none) and the end of an accept pause. */
static int worker_timeout(const struct worker *w, long long now, long long drain_ms)
{
	long long t = drain_ms;
	if (w->tick_at >= 0) {
		long long d = w->tick_at > now ? w->tick_at - now : 0;
		if (t < 0 || d < t)
			t = d;
	}
	if (w->listen != LISTEN_DONE && w->accept_paused_until > now) {
		long long d = w->accept_paused_until - now;
		if (t < 0 || d < t)
			t = d;
	}
	return t > INT_MAX ? INT_MAX : (int)t;
}

/* Read the stop signals waiting on the signalfd: SIGTERM, SIGINT and
 * SIGHUP all end the worker (the master replaces it at a reload). */
static void worker_read_signals(struct worker *w, int sfd, bool drain)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
		worker_begin_stop(w, drain);
}

/* Allocate w's connection slots and make its wait set, with the signalfd
 * in it: 0, or -1 (out of memory or descriptors; errno says). */
static int worker_alloc(struct worker *w, int fd, int sfd)
{
	int max = w->max;
	w->slots = calloc((size_t)max, sizeof *w->slots);
	w->live = calloc((size_t)max, sizeof *w->live);
	w->free_slots = calloc((size_t)max, sizeof *w->free_slots);
	w->ev = calloc((size_t)(2 + max), sizeof *w->ev);
	if (!w->slots || !w->live || !w->free_slots || !w->ev)
		return -1;
	for (int i = 0; i < max; i++) {
		FCGX_InitRequest(&w->slots[i].fcgi, fd, FCGI_FAIL_ACCEPT_ON_INTR);
		w->slots[i].live_i = -1;
		w->free_slots[w->nfree++] = &w->slots[max - 1 - i];
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &tag_signal};
	if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, sfd, &e) < 0)
		return -1;
	return 0;
}

/* Put the listen socket into w's wait set, or take it out. 0, or -1 when
 * epoll_ctl failed (logged; the worker tries again after an accept
 * pause). */
static int worker_watch_listen(struct worker *w, bool watch)
{
	if (watch == w->listen_watched)
		return 0;
	struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = &tag_listen};
	if (epoll_ctl(w->epfd, watch ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->listen_fd, &e) < 0) {
		log_warn("epoll_ctl on the listen socket: %s", strerror(errno));
		return -1;
	}
	w->listen_watched = watch;
	return 0;
}

/* SIGTERM, SIGINT and SIGHUP: blocked for good, read from the returned
 * signalfd (-1: none could be made). */
static int worker_signals(void)
{
	struct sigaction sa = {.sa_handler = worker_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	return signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The loop of a worker: one epoll_wait on the signalfd, the listen socket and
 * every kept connection; whatever is readable is served, connection by
 * connection, each request through the pipeline of http.h.
 *
 * Stopping (SIGTERM/SIGINT/SIGHUP, or the master shut the listen socket):
 * a worker on a socket of its master's also answers every connection
 * already queued there (the master has shut the socket to new ones first)
 * until accept finds none; on a socket that systemd holds it takes no
 * more: the queue, which under load may never be empty, waits in the
 * kernel for the next master. Either way every request that comes on a
 * kept connection is answered, until nginx closes the connection or the
 * worker does where nginx would have (KEEP_CLOSE_MS); then the worker
 * leaves. max_requests retires it the same way, leaving the queue to the
 * other workers. A connection nginx handed over is never dropped by a
 * stop (SPEC 10). */
int server_worker_loop(int fd, const struct config *cfg, const struct server_hooks *hooks)
{
	int sfd = worker_signals();
	if (sfd < 0) {
		log_error("signalfd: %s; exiting", strerror(errno));
		return 1;
	}
	struct worker w = {.cfg = cfg, .hooks = hooks, .listen_fd = fd, .tick_at = -1, .epfd = -1,
			   .max = cfg->worker_connections > 0 ? cfg->worker_connections : 1,
			   .out = BUF_INIT};
	w.proto.cfg = cfg;
	if (hooks->worker_init && hooks->worker_init(cfg, &w.proto) < 0) {
		log_error("worker init failed; exiting");
		close(sfd);
		return 1;
	}
	if (supervised_ready_fd >= 0) {
		char ready = 'R';
		if (write(supervised_ready_fd, &ready, 1) < 0 && errno != EAGAIN && errno != EPIPE)
			log_warn("telling the supervisor this worker is ready: %s", strerror(errno));
		close(supervised_ready_fd);
		supervised_ready_fd = -1;
	}
	arena_init(&w.arena, 32768);
	int rc = 0;
	if (worker_alloc(&w, fd, sfd) < 0) {
		log_error("no memory or epoll instance for %d connections (%s); exiting", w.max,
			  strerror(errno));
		rc = 1;
		goto out;
	}

	bool drain = socket_drains(fd);
	for (;;) {
		long long now = mono_ms(), drain_ms = -1;
		if (w.stopping) {
			drain_ms = worker_close_quiet(&w, now);
			if (w.nlive == 0 && w.listen == LISTEN_DONE)
				break;
		}
		/* A worker that holds all the connections it may stops looking
		 * at the listen socket: a new connection is another worker's. */
		bool watch_listen = w.listen != LISTEN_DONE && w.nlive < w.max &&
				    now >= w.accept_paused_until;
		if (worker_watch_listen(&w, watch_listen) < 0) {
			w.accept_paused_until = now + ACCEPT_PAUSE_MS;
			watch_listen = w.listen_watched;
		}
		int nev = epoll_wait(w.epfd, w.ev, 2 + w.max, worker_timeout(&w, now, drain_ms));
		if (nev < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait failed: %s", strerror(errno));
			break;
		}
		bool sig = false;
		short lre = 0;
		for (int k = 0; k < nev; k++) {
			if (w.ev[k].data.ptr == &tag_signal)
				sig = true;
			else if (w.ev[k].data.ptr == &tag_listen)
				lre = watch_listen ? (short)w.ev[k].events : 0;
		}
		if (sig)
			worker_read_signals(&w, sfd, drain);
		if (w.tick_at >= 0 && mono_ms() >= w.tick_at)
			worker_tick(&w);
		/* The master has shut the socket (it stops): it polls readable
		 * from now on, and its SIGTERM is on its way. */
		if (lre & POLLRDHUP)
			worker_begin_stop(&w, true);
		/* Each connection appears once in the events, and serving one
		 * closes no other: a transport seen here is live. */
		for (int k = 0; k < nev; k++) {
			struct fcgi_transport *c = w.ev[k].data.ptr;
			if (c == (void *)&tag_signal || c == (void *)&tag_listen || c->live_i < 0)
				continue;
			worker_serve_conn(&w, c->live_i, (short)w.ev[k].events);
		}
		if (!watch_listen || w.listen == LISTEN_DONE)
			continue;
		if (lre && w.nlive < w.max)
			worker_accept(&w);
		else if (!lre && w.listen == LISTEN_DRAIN)
			w.listen = LISTEN_DONE; /* nothing was queued */
	}
out:
	for (int i = w.nlive - 1; i >= 0; i--)
		conn_close(&w, i);
	if (cfg->max_requests && w.served >= cfg->max_requests)
		metrics_worker_retiring();
	if (hooks->worker_fini)
		hooks->worker_fini(&w.proto);
	free(w.slots);
	free(w.live);
	free(w.free_slots);
	free(w.ev);
	if (w.epfd >= 0)
		close(w.epfd);
	buf_free(&w.out);
	buf_free(&w.resp.body);
	buf_free(&w.resp.headers);
	arena_free(&w.arena);
	close(sfd);
	return rc;
}

/* ---- master ---------------------------------------------------------- */

static volatile sig_atomic_t master_stop, master_reload, master_child;

static void master_on_signal(int sig)
{
	if (sig == SIGHUP)
		master_reload = 1;
	else if (sig == SIGCHLD)
		master_child = 1;
	else
		master_stop = 1;
}

struct worker_slot {
	int fd;             /* the socket it accepts on */
	const struct server_hooks *hooks; /* what it runs */
	pid_t pid;          /* 0: empty */
	unsigned gen;       /* configuration generation it runs */
	struct timespec started;
	int fails;          /* consecutive quick deaths, for back-off */
	struct timespec next_start; /* do not respawn before this */
};

static double ts_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double ts_val(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void ts_set(struct timespec *t, double v)
{
	t->tv_sec = (time_t)v;
	t->tv_nsec = (long)((v - (double)t->tv_sec) * 1e9);
}

static pid_t spawn_worker(int fd, const struct config *cfg, const struct server_hooks *hooks,
			  int index)
{
	pid_t master = getpid();
	int mslot = metrics_slot_claim(hooks->app);
	pid_t pid = fork();
	if (pid != 0)
		metrics_slot_bind(mslot, pid);
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		metrics_slot_attach(mslot);
		/* A master killed with -9 takes its workers along (SIGTERM: they
		 * answer what is queued and exit), so no worker ever serves
		 * unsupervised (SPEC 10). */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master)
			_exit(0);
		/* SIGTERM, SIGINT and SIGHUP stay blocked (the worker loop reads
		 * them from a signalfd): one that came now, while the master's
		 * handler is still installed, would otherwise be lost and the
		 * worker would never stop. */
		sigset_t stop;
		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGHUP);
		struct sigaction dfl = {.sa_handler = SIG_DFL};
		sigaction(SIGCHLD, &dfl, NULL);
		sigprocmask(SIG_SETMASK, &stop, NULL);
		(void)index;
		if (hooks->process_name)
			prctl(PR_SET_NAME, hooks->process_name);
		int rc = server_worker_loop(fd, cfg, hooks);
		_exit(rc);
	}
	log_info("worker %d started (slot %d)", (int)pid, index);
	return pid;
}

/* Wait up to secs for pid to exit (reaping it); SIGKILL after. */
static void stop_and_reap(pid_t pid, double secs)
{
	kill(pid, SIGTERM);
	double deadline = ts_now() + secs;
	int status = 0;
	while (ts_now() < deadline) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			metrics_child_exited(pid, status);
		if (r == pid || (r < 0 && errno == ECHILD))
			return;
		struct timespec ten_ms = {0, 10 * 1000 * 1000};
		nanosleep(&ten_ms, NULL);
	}
	log_warn("worker %d did not stop in %.0f s; killing it", (int)pid, secs);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == pid)
		metrics_child_exited(pid, status);
}

bool server_health_listen(const char *listen, const char *health, char *out, size_t n)
{
	if (health && *health && strcmp(health, "auto") != 0) {
		if (!strcmp(health, "off"))
			return false;
		snprintf(out, n, "%s", health);
		return true;
	}
	if (strncmp(listen, "unix:", 5) != 0)
		return false; /* HOST:PORT: name one yourself */
	size_t len = strlen(listen);
	if (len > 5 && !strcmp(listen + len - 5, ".sock"))
		snprintf(out, n, "%.*s-health.sock", (int)(len - 5), listen);
	else
		snprintf(out, n, "%s-health", listen);
	return true;
}

/* The master's state: the worker slots and the respawn budget. */
struct master {
	struct config *cfg;
	struct worker_slot *slots;
	int nslots;
	bool with_health;   /* the last slot is the health-check process */
	unsigned gen;       /* configuration generation, one more per reload */
	/* Global respawn budget: at most nslots respawns per second, so that
	 * all workers dying at once (a bad deploy, the database gone) cannot
	 * turn into a fork storm. */
	double window_start;
	int window_spawns;
};

/* SIGTERM, SIGINT, SIGHUP and SIGCHLD set the master's flags and stay
 * blocked except while it sleeps (master_sleep); the mask before goes
 * into *orig. */
static void master_signals(sigset_t *orig)
{
	struct sigaction sa = {.sa_handler = master_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, orig);
}

/* m's slots: the workers on fd, and one more process for health checks on
 * its own socket when there is one: /healthz never queues behind requests
 * that wait on a hung database (SPEC 10). 0, or -1 (out of memory). */
static int master_slots(struct master *m, int fd, int health_fd, const struct server_hooks *hooks)
{
	m->with_health = health_fd >= 0 && hooks->health;
	m->nslots = m->cfg->workers + (m->with_health ? 1 : 0);
	m->slots = calloc((size_t)m->nslots, sizeof *m->slots);
	if (!m->slots)
		return -1;
	for (int i = 0; i < m->nslots; i++) {
		bool h = m->with_health && i == m->nslots - 1;
		m->slots[i].fd = h ? health_fd : fd;
		m->slots[i].hooks = h ? hooks->health : hooks;
	}
	m->window_start = ts_now();
	m->window_spawns = 0;
	return 0;
}

/* Slot i now runs pid (as spawn_worker returned it), of this generation. */
static void slot_started(struct master *m, int i, pid_t pid)
{
	m->slots[i].pid = pid;
	m->slots[i].gen = m->gen;
	clock_gettime(CLOCK_MONOTONIC, &m->slots[i].started);
}

/* Slot s's worker ended with status: log it, empty the slot, and set when
 * it may be respawned: at once, or after a back-off doubling with each
 * quick death (0.2 s up to 5 s). */
static void slot_died(struct worker_slot *s, int status)
{
	double lived = ts_now() - ts_val(&s->started);
	if (WIFSIGNALED(status))
		log_warn("worker %d killed by signal %d after %.1f s", (int)s->pid, WTERMSIG(status),
			 lived);
	else
		log_info("worker %d exited with status %d after %.1f s", (int)s->pid,
			 WEXITSTATUS(status), lived);
	s->pid = 0;
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	s->fails = (lived < 2.0 && !clean) ? s->fails + 1 : 0;
	double delay = 0;
	if (s->fails) {
		delay = 0.1 * (1 << (s->fails < 6 ? s->fails : 6));
		if (delay > 5.0)
			delay = 5.0;
	}
	ts_set(&s->next_start, ts_now() + delay);
}

/* Reap every dead worker without waiting. */
static void master_reap(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		metrics_child_exited(pid, status);
		for (int i = 0; i < m->nslots; i++)
			if (m->slots[i].pid == pid)
				slot_died(&m->slots[i], status);
	}
}

/* SIGHUP: re-read the configuration and replace the workers one by one;
 * a configuration that does not load or check is refused (logged) and the
 * workers keep running. */
static void master_reload_config(struct master *m)
{
	struct config ncfg;
	char err[512];
	if (config_load(&ncfg, m->cfg->path, err, sizeof err) < 0 ||
	    config_check_server(&ncfg, err, sizeof err) < 0) {
		log_error("reload refused: %s", err);
		if (ncfg.env)
			config_free(&ncfg);
		return;
	}
	/* The listen sockets and worker count stay; the rest (secret keys,
	 * templates, database...) is new. */
	ncfg.workers = m->cfg->workers;
	free(ncfg.listen);
	ncfg.listen = strdup(m->cfg->listen);
	free(ncfg.health_listen);
	ncfg.health_listen = m->cfg->health_listen ? strdup(m->cfg->health_listen) : NULL;
	config_free(m->cfg);
	*m->cfg = ncfg;
	m->gen++;
	log_info("reload: configuration re-read, replacing workers");
	/* Replace one by one: start the new worker first, then stop an old
	 * one gracefully, so capacity never drops. */
	for (int i = 0; i < m->nslots && !master_stop; i++) {
		pid_t old = m->slots[i].pid;
		pid_t np = spawn_worker(m->slots[i].fd, m->cfg, m->slots[i].hooks, i);
		if (np < 0)
			continue;
		if (old > 0)
			stop_and_reap(old, 30.0);
		slot_started(m, i, np);
		m->slots[i].fails = 0;
	}
	log_info("reload: done");
}

/* Respawn the empty slots whose back-off has passed, within the respawn
 * budget. Returns when the master must look again (ts_now() time). */
static double master_respawn(struct master *m)
{
	double now = ts_now(), next_wake = now + 1.0;
	if (now - m->window_start >= 1.0) {
		m->window_start = now;
		m->window_spawns = 0;
	}
	for (int i = 0; i < m->nslots && !master_stop; i++) {
		if (m->slots[i].pid)
			continue;
		double at = ts_val(&m->slots[i].next_start);
		if (at > now || m->window_spawns >= m->nslots) {
			double w = at > now ? at : m->window_start + 1.0;
			if (w < next_wake)
				next_wake = w;
			continue;
		}
		m->window_spawns++;
		pid_t np = spawn_worker(m->slots[i].fd, m->cfg, m->slots[i].hooks, i);
		if (np > 0)
			slot_started(m, i, np);
		else
			ts_set(&m->slots[i].next_start, now + 1.0);
	}
	return next_wake;
}

/* Sleep until a signal or until next_wake (ts_now() time, at least 5 ms
 * from now), with the master's signals unblocked: orig is the mask
 * before master_signals. */
static void master_sleep(const sigset_t *orig, double next_wake)
{
	double wait = next_wake - ts_now();
	if (wait < 0.005)
		wait = 0.005;
	struct timespec ts;
	ts_set(&ts, wait);
	sigset_t waitmask = *orig;
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGCHLD);
	/* pselect with no fds: sleep until a signal or the timeout. */
	pselect(0, NULL, NULL, NULL, &ts, &waitmask);
}

/* SIGTERM or SIGINT: stop taking connections, let every worker finish what
 * it has (20 s each at most), free the slots and close the sockets. */
static void master_shutdown(struct master *m, int fd, int health_fd)
{
	log_info("master %d stopping: waiting for workers to finish", (int)getpid());
	/* No new connection from here on; the workers answer those already
	 * queued. A supervisor's sockets stay: another master serves on them. */
	if (!supervised)
		release_owned(fd, health_fd);
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].pid > 0)
			kill(m->slots[i].pid, SIGTERM);
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].pid > 0)
			stop_and_reap(m->slots[i].pid, 20.0);
	free(m->slots);
	m->slots = NULL;
	close(fd);
	if (health_fd >= 0)
		close(health_fd);
	log_info("master stopped");
}

int server_master(int fd, int health_fd, struct config *cfg, const struct server_hooks *hooks)
{
	sigset_t orig;
	master_signals(&orig);
	FCGX_Init();
	struct master m = {.cfg = cfg};
	if (metrics_setup(hooks->app, cfg->workers) < 0)
		log_warn("no shared memory for metrics: %s", strerror(errno));
	if (master_slots(&m, fd, health_fd, hooks) < 0) {
		log_error("out of memory");
		return 1;
	}
	log_info("master %d listening, %d worker%s%s", (int)getpid(), cfg->workers,
		 cfg->workers == 1 ? "" : "s", m.with_health ? " and a health-check process" : "");
	for (int i = 0; i < m.nslots; i++)
		slot_started(&m, i, spawn_worker(m.slots[i].fd, cfg, m.slots[i].hooks, i));

	while (!master_stop) {
		master_reap(&m);
		if (master_reload) {
			master_reload = 0;
			master_reload_config(&m);
		}
		double next_wake = master_respawn(&m);
		if (master_stop || master_reload || master_child) {
			master_child = 0;
			continue;
		}
		master_sleep(&orig, next_wake);
	}
	master_shutdown(&m, fd, health_fd);
	return 0;
}
