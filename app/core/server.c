/* server.c — listen socket, worker accept loop and prefork master.
 *
 * Signals: workers keep SIGTERM/SIGINT/SIGHUP blocked while they handle a
 * request and unblock them only inside ppoll() on the (non-blocking) listen
 * socket, so a stop or reload never interrupts a request in flight and is
 * never missed between a flag check and a blocking accept(). */
#include "core/server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
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

static volatile sig_atomic_t worker_stop;


void server_set_supervised(int ready_fd)
{
	supervised = true;
	supervised_ready_fd = ready_fd;
}

static void worker_on_signal(int sig)
{
	(void)sig;
	worker_stop = 1;
}

struct fcgi_transport {
	FCGX_Request fcgi;
};

static const char *fcgi_getenv(struct http_request *req, const char *name)
{
	struct fcgi_transport *t = req->transport;
	return FCGX_GetParam(name, t->fcgi.envp);
}

static long fcgi_read(struct http_request *req, char *dst, size_t n)
{
	struct fcgi_transport *t = req->transport;
	if (n > 1 << 30)
		n = 1 << 30;
	return FCGX_GetStr(dst, (int)n, t->fcgi.in);
}

/* Fill req from the FastCGI params. */
static void request_from_fcgi(struct http_request *req)
{
	const char *v;
	req->method = (v = http_req_env(req, "REQUEST_METHOD")) ? v : "GET";
	const char *uri = http_req_env(req, "REQUEST_URI");
	if (!uri)
		uri = http_req_env(req, "DOCUMENT_URI");
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
	req->content_type = (v = http_req_env(req, "CONTENT_TYPE")) ? v : "";
	req->content_length = -1;
	if ((v = http_req_env(req, "CONTENT_LENGTH")) && *v) {
		long long cl = 0;
		if (text_parse_digits(v, strlen(v), (long long)1 << 50, &cl))
			req->content_length = cl;
		else
			req->content_length = (long long)1 << 50; /* nonsense: treat as too large */
	}
	req->remote_addr = http_req_env(req, "REMOTE_ADDR");
}

/* libfcgi's output buffer: a response that fits goes out with the end of
 * the request in one write. */
#define FCGI_SMALL 8000
#define FCGI_RECORD_MAX 65528 /* content bytes per FCGI_STDOUT record (8 | n) */
#define FCGI_IOV 64

static void record_header(unsigned char h[8], int request_id, size_t n)
{
	h[0] = 1;                      /* FCGI_VERSION_1 */
	h[1] = 6;                      /* FCGI_STDOUT */
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

/* Send head (status and header lines) and body as the request's stdout.
 * Small answers go through libfcgi's buffer (one write together with the
 * end records at FCGX_Finish_r); a large one goes straight from our
 * buffers in FCGI_STDOUT records, many per writev, instead of being copied
 * and written 8 KiB at a time. */
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
	struct iovec iov[FCGI_IOV];
	while (left[0] + left[1] > 0) {
		int n = 0, nh = 0;
		while (left[0] + left[1] > 0 && n + 3 <= FCGI_IOV && nh < FCGI_IOV / 3) {
			size_t room = FCGI_RECORD_MAX;
			size_t rec = left[0] + left[1] < room ? left[0] + left[1] : room;
			record_header(hdr[nh], r->requestId, rec);
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
		if (write_all(r->ipcFd, iov, n) < 0) {
			log_warn("writing a response failed: %s", strerror(errno));
			return;
		}
	}
}

/* End the request. libfcgi's own close shuts the write side down and then
 * waits (up to 2 s) until nginx closes its end, to drain any unread input:
 * the worker would sit idle for every response's round trip through
 * nginx. Instead read what is left of the body (nginx has sent it all once
 * FCGI_STDIN ends; a refused large body is drained here, as libfcgi
 * would) and close at once: nothing unread is left to reset the
 * connection. */
static void finish_request(FCGX_Request *r)
{
	char trash[4096];
	while (FCGX_GetStr(trash, (int)sizeof trash, r->in) > 0)
		;
	if (FCGX_HasSeenEOF(r->in) == EOF && FCGX_GetError(r->in) == 0)
		FCGX_Detach(r); /* close(2) without libfcgi's lingering wait */
	FCGX_Finish_r(r);
}

int server_worker_loop(int fd, const struct config *cfg, const struct server_hooks *hooks)
{
	struct sigaction sa = {.sa_handler = worker_on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	sigset_t block, unblocked;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGHUP);

	struct http_request proto = {0};
	proto.cfg = cfg;
	if (hooks->worker_init && hooks->worker_init(cfg, &proto) < 0) {
		log_error("worker init failed; exiting");
		return 1;
	}
	if (supervised_ready_fd >= 0) {
		char ready = 'R';
		if (write(supervised_ready_fd, &ready, 1) < 0 && errno != EAGAIN && errno != EPIPE)
			log_warn("telling the supervisor this worker is ready: %s", strerror(errno));
		close(supervised_ready_fd);
		supervised_ready_fd = -1;
	}

	struct fcgi_transport t;
	FCGX_InitRequest(&t.fcgi, fd, FCGI_FAIL_ACCEPT_ON_INTR);
	struct arena arena;
	arena_init(&arena, 32768);
	struct http_response resp = {0};
	struct buf out = BUF_INIT;
	long served = 0;

	/* After SIGTERM a worker drains a socket of its master's: it answers
	 * every connection already queued (the master has shut the socket to
	 * new ones first) and leaves when accept finds none. On a socket that
	 * systemd holds, it leaves after the request in hand: the queue, which
	 * under load may never be empty, waits in the kernel for the next
	 * master. A connection nginx handed over is never dropped by a stop
	 * (SPEC 10). */
	bool draining = false, drain = socket_drains(fd);
	int tick_ms = -1; /* the last tick's answer: the longest the poll may wait */
	while (cfg->max_requests == 0 || served < cfg->max_requests) {
		if (worker_stop && !drain)
			break;
		if (worker_stop)
			draining = true;
		if (!draining) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLRDHUP};
			struct timespec wait = {tick_ms / 1000, (long)(tick_ms % 1000) * 1000000L};
			int pr = ppoll(&pfd, 1, tick_ms >= 0 ? &wait : NULL, &unblocked);
			if (pr < 0) {
				if (errno == EINTR)
					continue;
				log_error("poll on listen socket failed: %s", strerror(errno));
				break;
			}
			if (pr == 0) {
				if (hooks->tick)
					tick_ms = hooks->tick(&proto);
				continue;
			}
			/* The master has shut the socket (it stops): it polls
			 * readable from now on, and the SIGTERM on its way would
			 * never interrupt this poll. */
			if (pfd.revents & POLLRDHUP)
				draining = true;
			/* A ready socket wins over a pending signal: ppoll returns
			 * without delivering it, and on a socket that is never
			 * empty (systemd's, under load) the stop would never
			 * arrive. Look for it here. */
			sigset_t pending;
			if (sigpending(&pending) == 0 &&
			    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
			     sigismember(&pending, SIGHUP)))
				worker_stop = 1;
			if (worker_stop && !drain)
				break;
		}
		if (FCGX_Accept_r(&t.fcgi) < 0) {
			if (draining)
				break; /* the queue is empty (EAGAIN) */
			continue;  /* another worker took it (EAGAIN), or a reset */
		}

		arena_reset(&arena);
		struct http_request req = proto;
		req.arena = &arena;
		req.transport = &t;
		req.getenv = fcgi_getenv;
		req.read = fcgi_read;
		request_from_fcgi(&req);
		http_request_begin(&req);
		resp.arena = &arena;
		resp.status = 200;
		resp.sent_error = false;
		http_resp_clear(&resp);
		uint64_t started = metrics_request_begin(req.method);
		if (hooks->request_start)
			hooks->request_start(&req);

		http_handle(hooks->app, &req, &resp);
		size_t body_n;
		if (http_serialize_head(&req, &resp, &out, &body_n) == 0)
			send_response(&t.fcgi, out.p, out.n, resp.body.p, body_n);
		http_request_end(&req, &resp);
		finish_request(&t.fcgi);
		metrics_request_end(resp.status, started);
		if (hooks->app->finish)
			hooks->app->finish(&req);
		/* The request's resources (its ORM session, web session, json-c
		 * trees) go now, not when the next request comes. */
		arena_run_cleanups(&arena);
		served++;
		if (hooks->tick)
			tick_ms = hooks->tick(&proto);
		/* Keep buffers from growing without bound after a huge page. */
		if (out.cap > (1u << 20))
			buf_free(&out);
		if (resp.body.cap > (1u << 20))
			buf_free(&resp.body);
	}
	if (cfg->max_requests && served >= cfg->max_requests)
		metrics_worker_retiring();
	FCGX_Free(&t.fcgi, 1);
	if (hooks->worker_fini)
		hooks->worker_fini(&proto);
	buf_free(&out);
	buf_free(&resp.body);
	buf_free(&resp.headers);
	arena_free(&arena);
	return 0;
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
		/* SIGTERM, SIGINT and SIGHUP stay blocked until the worker loop
		 * has its own handlers: one that came now, while the master's
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
