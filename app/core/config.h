/* config.h — the configuration of SPEC section 3: an INI file
 * (conf/flacon.conf, or the file named by FLACON_CONF) overridden key by key
 * by environment variables FLACON_<SECTION>_<KEY>. Loaded once at start and
 * at reload; workers read it, never write it. */
#ifndef FLACON_CONFIG_H
#define FLACON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_PLACEHOLDER_SECRET "change-me-change-me-change-me-change-me"

struct config {
	char *secret_key;       /* app.secret_key */
	char **old_secret_keys; /* app.old_secret_keys, NULL-terminated */
	char *env;              /* app.env: "production" | "development" */
	bool development;
	char *listen;           /* server.listen */
	char *health_listen;    /* server.health_listen: "" / auto, off, or unix:PATH / HOST:PORT */
	int workers;            /* server.workers */
	long max_requests;      /* server.max_requests */
	int worker_connections; /* server.worker_connections: FastCGI connections a worker holds (128) */
	char *database_url;     /* database.url (one host, or a comma list of hosts) */
	long db_connect_timeout; /* database.connect_timeout, seconds per host (2) */
	long db_read_timeout;   /* database.read_timeout, seconds (10) */
	char *db_sync_wait_text; /* database.sync_wait as written: auto | on | off */
	int db_sync_wait;       /* -1 auto (on for a Galera node), 0 off, 1 on */
	char *cookie_name;      /* session.cookie_name */
	long session_lifetime;  /* session.lifetime, seconds */
	bool cookie_secure;     /* session.cookie_secure */
	long session_cache_entries; /* session.cache_entries: the host's session cache (4096; 0 off) */
	long session_cache_ttl_ms;  /* session.cache_ttl_ms: a cached row is used this long (1000, max 1000) */
	long max_body;          /* http.max_body, bytes */
	long auth_account_failures; /* auth.account_failures: failed logins per account (5) */
	long auth_address_failures; /* auth.address_failures: per client address (50) */
	long auth_failure_window;   /* auth.failure_window, seconds (900) */
	char *templates_dir;    /* www.templates (default www/templates) */
	char *migrations_dir;   /* database.migrations (default sql/migrations) */
	bool bench_routes;      /* server.bench_routes: serve /_hello (benchmarks) */
	char *log_format_text;  /* log.format as written: text | json */
	bool log_json;          /* log.format = json: JSON lines on stderr */
	long log_slow_ms;       /* log.slow_ms: log requests slower than this (1000; 0 off) */
	char *path;             /* the file it was read from, or NULL */
};

/* Load defaults, then path (NULL: $FLACON_CONF, else conf/flacon.conf if it
 * exists, else FLACON_SYSCONF when built with it), then the environment. On error returns -1 and writes a one-line
 * message into err; cfg is then empty. cfg must be freed with config_free(). */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
void config_free(struct config *cfg);
/* The default of www.templates for every later config_load in this process
 * (an application's own directory); dir is not copied and must outlive
 * them. NULL: "www/templates". */
void config_set_templates_default(const char *dir);
/* Check what runserver needs (secret key length, placeholder outside
 * development, workers > 0). Returns 0 or -1 with a message in err. */
int config_check_server(const struct config *cfg, char *err, size_t errlen);

#endif
