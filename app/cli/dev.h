/* dev.h — the parts of `APP dev` (SPEC section 12, the first hour), private
 * to app/cli: child processes (dev_proc.c), the embedded MariaDB
 * (dev_mariadb.c), nginx (dev_nginx.c) and the application's masters
 * (dev_serve.c), put together by dev.c. Every path is absolute, under
 * the application directory's var/. */
#ifndef FLACON_CLI_DEV_H
#define FLACON_CLI_DEV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DEV_PATH 512

struct config;

/* Where everything of one `dev` run lives: DIR/var/{run,log,tmp,db}. */
struct dev_dirs {
	char root[DEV_PATH]; /* the current directory: the application's */
	char var[DEV_PATH];
	char run[DEV_PATH];  /* sockets, pid files, nginx.conf */
	char log[DEV_PATH];
	char tmp[DEV_PATH];
	char db[DEV_PATH];   /* the embedded MariaDB: data/, its log and pid */
};

/* Set by the signal handlers of dev.c: SIGINT or SIGTERM (stop
 * everything), SIGHUP (reload the application's configuration). */
extern volatile sig_atomic_t dev_stop, dev_reload;

/* ---- dev_proc.c: child processes ------------------------------------- */

/* name found in $PATH, then in /usr/local/sbin, /usr/sbin and /sbin (a
 * user's PATH often lacks them; mariadbd and nginx live there): its path
 * into out. false when none is a regular executable file. */
bool dev_find_program(const char *name, char *out, size_t n);

/* Start argv[0] (a path) with argv as a child in a process group of its
 * own — a Ctrl-C in the terminal reaches only `dev`, which stops its
 * children in order — that receives SIGTERM when `dev` dies, however it
 * dies (PR_SET_PDEATHSIG). Standard input is /dev/null; standard output
 * and error go to log (appended) when log is given, else they are dev's.
 * keep: fds the child keeps across exec (-1 entries ignored), nkeep of
 * them. Returns the pid, or -1 with a message in err. */
pid_t dev_spawn(char *const argv[], const char *log, const int *keep, int nkeep, char *err,
		size_t errlen);

/* Has pid (a child) ended? Reaps it and stores its wait status. */
bool dev_exited(pid_t pid, int *status);

/* Stop child pid: sig, then up to secs seconds for it to end (reaped),
 * then SIGKILL to its whole process group. Returns its wait status. */
int dev_stop_child(pid_t pid, int sig, double secs);

/* Monotonic seconds. */
double dev_now(void);
/* Sleep ms milliseconds, or less when a signal comes. */
void dev_nap(int ms);
/* true when something listens on the unix socket path. */
bool dev_unix_answers(const char *path);
/* true when something listens on 127.0.0.1:port. */
bool dev_tcp_answers(int port);
/* The last lines of the text file path (at most 1 KiB) on stderr, each
 * indented: what a failed mariadbd or nginx said. */
void dev_tail(const char *path);
/* mkdir -p. 0 or -1 (errno). */
int dev_mkdirs(const char *path);

/* ---- dev_mariadb.c: the embedded database ---------------------------- */

/* The private MariaDB: datadir DIRS.db/data (kept between runs), unix
 * socket only. */
struct dev_mariadb {
	pid_t pid;         /* 0: not started by us */
	char sock[DEV_PATH];
};

/* true when url is the embedded database's: a unix socket given as a
 * relative path under var/ (the default database.url's
 * var/run/mysqld.sock). */
bool dev_mariadb_is_embedded(const char *url);
/* Is the embedded database's server installed? false after one line
 * naming the Debian package. */
bool dev_mariadb_check(void);
/* Start the embedded database of url (initialising its datadir on the
 * first run) unless a server already answers on its socket, and make sure
 * url's database and user exist. The URL with the socket's absolute path
 * goes into abs_url. 0, or -1 after saying why on stderr. */
int dev_mariadb_start(struct dev_mariadb *m, const struct dev_dirs *d, const char *url,
		      char *abs_url, size_t abs_len);
/* Shut down what dev_mariadb_start started (cleanly; SIGKILL after 60 s). */
void dev_mariadb_stop(struct dev_mariadb *m);

/* ---- dev_nginx.c: nginx in front -------------------------------------- */

struct dev_nginx {
	pid_t pid;
	char conf[DEV_PATH + 32];
};

/* Is nginx installed? false after one line naming the Debian package. */
bool dev_nginx_check(void);
/* Write DIRS.run/nginx.conf — 127.0.0.1:port, the static directory
 * (static/ or www/static) under /static/, /healthz to health_sock (when
 * not NULL), everything else to app_sock — and start nginx on it as the
 * current user, its pid, logs and temporary files under var/. Waits until
 * it answers. 0, or -1 after saying why on stderr. */
int dev_nginx_start(struct dev_nginx *n, const struct dev_dirs *d, int port, const char *app_sock,
		    const char *health_sock, long max_body);
/* true when 127.0.0.1:port can be bound (nginx would get it). */
bool dev_port_free(int port);
/* The one line saying port is taken, on stderr. */
void dev_port_taken(int port);
/* Stop it gracefully (the requests in flight finish), 10 s at most. */
void dev_nginx_stop(struct dev_nginx *n);

/* ---- dev_serve.c: the application's masters --------------------------- */

/* The application's prefork masters: each one the application's
 * executable run again (`APP dev --serve`) on listen sockets this process
 * owns, so that a rebuilt executable is taken up by starting a new master
 * beside the old one and stopping the old one once the new one's workers
 * are ready. */
/* What identifies a build of the executable: a rebuild changes one. */
struct dev_exe_id {
	unsigned long long dev, ino, size;
	long long mtime_ns;
};

struct dev_serve {
	char exe[DEV_PATH];     /* the executable watched and run */
	const char *conf_path;  /* --config to pass on, or NULL */
	int fd, health_fd;      /* the listen sockets (health_fd -1: none) */
	char sock[DEV_PATH + 64], health_sock[DEV_PATH + 64]; /* their paths */
	int expect;             /* processes per master that say ready (workers + health) */
	pid_t cur;              /* the master serving, or 0 */
	struct dev_exe_id cur_id;
	pid_t next;             /* a master starting beside it, or 0 */
	struct dev_exe_id next_id;
	int next_ready_fd;      /* its readiness pipe (one byte per ready process) */
	int next_ready;
	double next_deadline;
	double restart_at;      /* no master before this after one died */
	struct dev_exe_id seen_id;   /* a change seen, taken up once it holds still */
	double seen_at;
	struct dev_exe_id failed_id; /* a build whose master did not get ready */
	double last_check;
};

/* Bind the sockets (var/run/PROG.sock and PROG-health.sock) and start the
 * first master; waits until its workers are ready. 0, or -1 after saying
 * why on stderr. */
int dev_serve_start(struct dev_serve *s, const struct dev_dirs *d, int workers, bool health,
		    const char *conf_path);
/* One turn of the watch: a master that died is replaced; a rebuilt
 * executable starts a new master and, once it is ready, the old one is
 * stopped gracefully. Returns within about 100 ms, or when the old master
 * has finished its requests (30 s at most). */
void dev_serve_tick(struct dev_serve *s);
/* SIGHUP to the serving master (configuration and templates re-read). */
void dev_serve_reload(struct dev_serve *s);
/* Stop the masters gracefully (their workers finish what they have) and
 * close the sockets. */
void dev_serve_stop(struct dev_serve *s);
/* `APP dev --serve L,H,R` (run by dev_serve_start, not by hand): the
 * prefork master on inherited fds. Returns the exit status. */
int dev_serve_main(struct config *cfg, const char *fds);

#endif
