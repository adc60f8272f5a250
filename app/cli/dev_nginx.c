/* dev_nginx.c — nginx in front of `APP dev`: a configuration generated on
 * each start into var/run/nginx.conf (127.0.0.1 only; the static directory;
 * FastCGI to the workers' socket over kept connections, and /healthz to the
 * health process's),
 * nginx run in the foreground as dev's child and as the current user, its
 * pid, logs and temporary files under var/. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dev.h"

bool dev_nginx_check(void)
{
	char path[DEV_PATH];
	if (dev_find_program("nginx", path, sizeof path))
		return true;
	cli_error("dev: nginx not found: install it (apt-get install nginx)\n");
	return false;
}

/* The framework's FastCGI params, the list of conf/nginx/flacon-fastcgi.conf
 * (production sends the same), and fastcgi_pass to pass (an upstream's
 * name, or unix:PATH). */
static void fastcgi_params(FILE *f, const char *pass)
{
	static const char *const p[][2] = {
		{"REQUEST_METHOD", "$request_method"},
		{"REQUEST_URI", "$request_uri"},
		{"QUERY_STRING", "$query_string"},
		{"CONTENT_TYPE", "$content_type if_not_empty"},
		{"CONTENT_LENGTH", "$content_length if_not_empty"},
		{"REMOTE_ADDR", "$remote_addr"},
		{"SERVER_NAME", "$server_name"},
		{"SERVER_PORT", "$server_port"},
		{"SERVER_PROTOCOL", "$server_protocol"},
		{"REQUEST_SCHEME", "$scheme"},
		{"HTTPS", "$https if_not_empty"},
		{"HTTP_X_REQUEST_ID", "$request_id"},
	};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
		fprintf(f, "            fastcgi_param %s %s;\n", p[i][0], p[i][1]);
	fprintf(f, "            fastcgi_pass %s;\n", pass);
}

/* The static directory: static/ (Flask's), else www/static (the bundled
 * site's); false when neither exists. */
static bool static_dir(const struct dev_dirs *d, char *out, size_t n)
{
	const char *cand[] = {"static", "www/static"};
	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
		struct stat st;
		snprintf(out, n, "%s/%s", d->root, cand[i]);
		if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

static int write_conf(const char *path, const struct dev_dirs *d, int port, const char *app_sock,
		      const char *health_sock, long max_body)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		cli_error("dev: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	char stat_dir[DEV_PATH + 16], favicon[DEV_PATH + 32];
	bool has_static = static_dir(d, stat_dir, sizeof stat_dir);
	snprintf(favicon, sizeof favicon, "%s/favicon.ico", stat_dir);
	bool has_favicon = has_static && access(favicon, R_OK) == 0;
	fprintf(f, "# Written by `%s dev` at each start; changes here are lost.\n", cli_prog);
	/* As root, nginx's workers would run as nobody, who may not get into
	 * the application's directory. */
	if (getuid() == 0)
		fprintf(f, "user root;\n");
	fprintf(f, "worker_processes 1;\n"
		   "daemon off;\n"
		   "pid %s/nginx.pid;\n"
		   "error_log %s/nginx-error.log warn;\n"
		   "events {\n    worker_connections 1024;\n}\n"
		   "http {\n", d->run, d->log);
	if (access("/etc/nginx/mime.types", R_OK) == 0)
		fprintf(f, "    include /etc/nginx/mime.types;\n");
	fprintf(f, "    default_type application/octet-stream;\n"
		   "    log_format dev '$remote_addr \"$request\" $status $body_bytes_sent ${request_time}s';\n");
	/* The requests on dev's output, as Flask's server prints them, when
	 * nginx may open it again (a file of another user may not be). */
	if (access("/dev/stderr", W_OK) == 0)
		fprintf(f, "    access_log /dev/stderr dev;\n");
	else
		fprintf(f, "    access_log %s/access.log dev;\n", d->log);
	fprintf(f, "    server_tokens off;\n"
		   "    client_body_temp_path %s/nginx/body;\n"
		   "    fastcgi_temp_path %s/nginx/fastcgi;\n"
		   "    proxy_temp_path %s/nginx/proxy;\n"
		   "    uwsgi_temp_path %s/nginx/uwsgi;\n"
		   "    scgi_temp_path %s/nginx/scgi;\n"
		   /* Far above http.max_body: between the two the
		    * application answers 413 itself, in its route's format. */
		   "    client_max_body_size %ld;\n"
		   /* Kept connections to the workers, as in conf/nginx.conf.in
		    * (README, "nginx and keep-alive"): nginx closes them
		    * before a stopping worker would. */
		   "    upstream app {\n"
		   "        server unix:%s;\n"
		   "        keepalive 16;\n"
		   "        keepalive_timeout 1s;\n"
		   "        keepalive_time 1s;\n"
		   "    }\n"
		   "    server {\n"
		   "        listen 127.0.0.1:%d;\n"
		   "        server_name _;\n",
		d->tmp, d->tmp, d->tmp, d->tmp, d->tmp, max_body * 2 + 65536, app_sock, port);
	if (has_static)
		fprintf(f, "        location /static/ {\n"
			   "            alias %s/;\n"
			   "            add_header Cache-Control no-cache;\n"
			   "            add_header X-Content-Type-Options nosniff;\n"
			   "        }\n", stat_dir);
	if (has_favicon)
		fprintf(f, "        location = /favicon.ico {\n            alias %s;\n        }\n", favicon);
	if (health_sock) {
		char pass[DEV_PATH + 16];
		snprintf(pass, sizeof pass, "unix:%s", health_sock);
		fprintf(f, "        location = /healthz {\n");
		fastcgi_params(f, pass);
		fprintf(f, "            fastcgi_read_timeout 5s;\n        }\n");
	}
	fprintf(f, "        location / {\n");
	fastcgi_params(f, "app");
	fprintf(f, "            fastcgi_keep_conn on;\n"
		   "            fastcgi_buffers 16 16k;\n"
		   "            fastcgi_buffer_size 32k;\n"
		   "            fastcgi_read_timeout 60s;\n"
		   "        }\n    }\n}\n");
	if (fclose(f) != 0) {
		cli_error("dev: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

void dev_port_taken(int port)
{
	cli_error("dev: port %d of 127.0.0.1 is in use; choose another with --port N or FLACON_PORT\n", port);
}

bool dev_port_free(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* nginx will say */
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

int dev_nginx_start(struct dev_nginx *n, const struct dev_dirs *d, int port, const char *app_sock,
		    const char *health_sock, long max_body)
{
	memset(n, 0, sizeof *n);
	char prog[DEV_PATH], tmp[DEV_PATH + 16], errlog[DEV_PATH + 32];
	if (!dev_find_program("nginx", prog, sizeof prog)) {
		dev_nginx_check();
		return -1;
	}
	if (!dev_port_free(port)) {
		dev_port_taken(port);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s/nginx", d->tmp);
	snprintf(errlog, sizeof errlog, "%s/nginx-error.log", d->log);
	snprintf(n->conf, sizeof n->conf, "%s/nginx.conf", d->run);
	if (dev_mkdirs(tmp) < 0) {
		cli_error("dev: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (write_conf(n->conf, d, port, app_sock, health_sock, max_body) < 0)
		return -1;
	char prefix[DEV_PATH + 2];
	snprintf(prefix, sizeof prefix, "%s/", d->var);
	char *argv[] = {prog, "-p", prefix, "-e", errlog, "-c", n->conf, NULL};
	char err[512];
	n->pid = dev_spawn(argv, NULL, NULL, 0, err, sizeof err);
	if (n->pid < 0) {
		n->pid = 0;
		cli_error("dev: %s\n", err);
		return -1;
	}
	double deadline = dev_now() + 10;
	while (!dev_stop) {
		int st;
		if (dev_exited(n->pid, &st)) {
			n->pid = 0;
			cli_error("dev: nginx stopped at start; the end of %s:\n", errlog);
			dev_tail(errlog);
			return -1;
		}
		if (dev_tcp_answers(port))
			return 0;
		if (dev_now() > deadline) {
			cli_error("dev: nginx did not answer on 127.0.0.1:%d within 10 s; see %s\n", port, errlog);
			return -1;
		}
		dev_nap(50);
	}
	return -1;
}

void dev_nginx_stop(struct dev_nginx *n)
{
	if (n->pid <= 0)
		return;
	/* SIGQUIT: graceful; the requests in flight are answered. */
	dev_stop_child(n->pid, SIGQUIT, 10);
	n->pid = 0;
}
