/* config.c — INI loader with environment overrides (SPEC section 3). */
#include "core/config.h"
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum key_type { K_STR, K_INT, K_BOOL, K_LIST };

struct key_def {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset;
	long min, max;
};

#define OFF(f) offsetof(struct config, f)
static const struct key_def keys[] = {
	{"app", "secret_key", K_STR, OFF(secret_key), 0, 0},
	{"app", "old_secret_keys", K_LIST, OFF(old_secret_keys), 0, 0},
	{"app", "env", K_STR, OFF(env), 0, 0},
	{"server", "listen", K_STR, OFF(listen), 0, 0},
	{"server", "health_listen", K_STR, OFF(health_listen), 0, 0},
	{"server", "workers", K_INT, OFF(workers), 1, 1024},
	{"server", "max_requests", K_INT, OFF(max_requests), 0, 1000000000L},
	{"server", "worker_connections", K_INT, OFF(worker_connections), 1, 4096},
	{"database", "url", K_STR, OFF(database_url), 0, 0},
	{"database", "connect_timeout", K_INT, OFF(db_connect_timeout), 1, 3600},
	{"database", "read_timeout", K_INT, OFF(db_read_timeout), 1, 86400},
	{"database", "sync_wait", K_STR, OFF(db_sync_wait_text), 0, 0},
	{"session", "cookie_name", K_STR, OFF(cookie_name), 0, 0},
	{"session", "lifetime", K_INT, OFF(session_lifetime), 1, 100L * 365 * 86400},
	{"session", "cookie_secure", K_BOOL, OFF(cookie_secure), 0, 0},
	{"session", "cache_entries", K_INT, OFF(session_cache_entries), 0, 1L << 20},
	/* At most a second: SPEC 6's bound across the hosts of a cluster. */
	{"session", "cache_ttl_ms", K_INT, OFF(session_cache_ttl_ms), 0, 1000},
	{"http", "max_body", K_INT, OFF(max_body), 0, 1L << 30},
	{"auth", "account_failures", K_INT, OFF(auth_account_failures), 1, 1000000},
	{"auth", "address_failures", K_INT, OFF(auth_address_failures), 1, 1000000},
	{"auth", "failure_window", K_INT, OFF(auth_failure_window), 1, 30L * 86400},
	{"www", "templates", K_STR, OFF(templates_dir), 0, 0},
	{"database", "migrations", K_STR, OFF(migrations_dir), 0, 0},
	{"server", "bench_routes", K_BOOL, OFF(bench_routes), 0, 0},
	{"log", "format", K_STR, OFF(log_format_text), 0, 0},
	{"log", "slow_ms", K_INT, OFF(log_slow_ms), 0, 86400000L},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static void free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split a comma list into a NULL-terminated heap array; empty items dropped. */
static char **split_list(const char *v)
{
	size_t cap = 2;
	for (const char *p = v; *p; p++)
		if (*p == ',')
			cap++;
	char **list = calloc(cap, sizeof *list);
	if (!list)
		return NULL;
	char *copy = strdup(v);
	if (!copy) {
		free(list);
		return NULL;
	}
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *t = trim(tok);
		if (*t && !(list[n++] = strdup(t))) {
			free(copy);
			free_list(list);
			return NULL;
		}
	}
	free(copy);
	return list;
}

static int set_value(struct config *cfg, const struct key_def *k, const char *value,
		     const char *origin, char *err, size_t errlen)
{
	void *field = (char *)cfg + k->offset;
	switch (k->type) {
	case K_STR: {
		char *copy = strdup(value);
		if (!copy)
			goto nomem;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case K_LIST: {
		char **list = split_list(value);
		if (!list)
			goto nomem;
		free_list(*(char ***)field);
		*(char ***)field = list;
		return 0;
	}
	case K_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			snprintf(err, errlen, "%s: %s.%s must be an integer in %ld..%ld, got '%s'",
				 origin, k->section, k->key, k->min, k->max, value);
			return -1;
		}
		if (k->offset == OFF(workers))
			cfg->workers = (int)v;
		else if (k->offset == OFF(worker_connections))
			cfg->worker_connections = (int)v;
		else
			*(long *)field = v;
		return 0;
	}
	case K_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "yes") ||
		    !strcasecmp(value, "on"))
			*(bool *)field = true;
		else if (!strcasecmp(value, "false") || !strcmp(value, "0") ||
			 !strcasecmp(value, "no") || !strcasecmp(value, "off"))
			*(bool *)field = false;
		else {
			snprintf(err, errlen, "%s: %s.%s must be true or false, got '%s'", origin,
				 k->section, k->key, value);
			return -1;
		}
		return 0;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static const struct key_def *find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcasecmp(keys[i].section, section) && !strcasecmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	char section[64] = "";
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		char origin[600];
		snprintf(origin, sizeof origin, "%s:%d", path, lineno);
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1]) {
				snprintf(err, errlen, "%s: bad section header", origin);
				rc = -1;
				break;
			}
			*close = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: expected key = value", origin);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		const struct key_def *k = find_key(section, key);
		if (!k) {
			snprintf(err, errlen, "%s: unknown key %s.%s", origin, section, key);
			rc = -1;
			break;
		}
		if (set_value(cfg, k, value, origin, err, errlen) < 0) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int load_env(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char name[128];
		snprintf(name, sizeof name, "FLACON_%s_%s", keys[i].section, keys[i].key);
		for (char *p = name; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		const char *v = getenv(name);
		if (v && set_value(cfg, &keys[i], v, name, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static const char *templates_default;

void config_set_templates_default(const char *dir)
{
	templates_default = dir;
}

static int set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->workers = cpus > 0 ? (int)cpus : 2;
	cfg->worker_connections = 128;
	cfg->session_lifetime = 2678400;
	cfg->session_cache_entries = 4096;
	cfg->session_cache_ttl_ms = 1000;
	cfg->db_connect_timeout = 2;
	cfg->db_read_timeout = 10;
	cfg->db_sync_wait = -1;
	cfg->max_body = 1048576;
	cfg->auth_account_failures = 5;
	cfg->auth_address_failures = 50;
	cfg->auth_failure_window = 900;
	cfg->log_slow_ms = 1000;
	cfg->env = strdup("production");
	cfg->listen = strdup("unix:var/run/flacon.sock");
	cfg->health_listen = strdup("auto");
	cfg->database_url = strdup("mariadb://flacon@localhost/flacon?socket=var/run/mysqld.sock");
	cfg->cookie_name = strdup("session");
	cfg->templates_dir = strdup(templates_default ? templates_default : "www/templates");
	cfg->migrations_dir = strdup("sql/migrations");
	cfg->log_format_text = strdup("text");
	cfg->old_secret_keys = calloc(1, sizeof(char *));
	if (!cfg->env || !cfg->listen || !cfg->health_listen || !cfg->database_url || !cfg->cookie_name ||
	    !cfg->templates_dir || !cfg->migrations_dir || !cfg->old_secret_keys ||
	    !cfg->log_format_text)
		return -1;
	return 0;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	if (set_defaults(cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!path)
		path = getenv("FLACON_CONF");
	if (!path && access("conf/flacon.conf", R_OK) == 0)
		path = "conf/flacon.conf";
#ifdef FLACON_SYSCONF
	/* An installed build (make deb, the container image) also finds its
	 * system-wide file, so `flacon db upgrade` works from any directory. */
	if (!path && access(FLACON_SYSCONF, R_OK) == 0)
		path = FLACON_SYSCONF;
#endif
	if (path) {
		if (load_file(cfg, path, err, errlen) < 0)
			goto fail;
		if (!(cfg->path = strdup(path))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (load_env(cfg, err, errlen) < 0)
		goto fail;
	if (strcmp(cfg->env, "production") && strcmp(cfg->env, "development")) {
		snprintf(err, errlen, "app.env must be production or development, got '%s'", cfg->env);
		goto fail;
	}
	cfg->development = strcmp(cfg->env, "development") == 0;
	if (cfg->db_sync_wait_text) {
		const char *v = cfg->db_sync_wait_text;
		if (!strcasecmp(v, "auto"))
			cfg->db_sync_wait = -1;
		else if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") ||
			 !strcasecmp(v, "on"))
			cfg->db_sync_wait = 1;
		else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
			 !strcasecmp(v, "off"))
			cfg->db_sync_wait = 0;
		else {
			snprintf(err, errlen, "database.sync_wait must be auto, on or off, got '%s'", v);
			goto fail;
		}
	}
	int lf = log_parse_format(cfg->log_format_text);
	if (lf < 0) {
		snprintf(err, errlen, "log.format must be text or json, got '%s'", cfg->log_format_text);
		goto fail;
	}
	cfg->log_json = lf == LOG_JSON;
	if (!*cfg->cookie_name || strpbrk(cfg->cookie_name, "=;, \t\"")) {
		snprintf(err, errlen, "session.cookie_name is not a valid cookie name");
		goto fail;
	}
	return 0;
fail:
	config_free(cfg);
	return -1;
}

int config_check_server(const struct config *cfg, char *err, size_t errlen)
{
	/* One line an operator can act on: the variable to set and how. */
	if (!cfg->secret_key || !*cfg->secret_key) {
		snprintf(err, errlen,
			 "no secret key: set FLACON_APP_SECRET_KEY (or secret_key in [app] of %s) "
			 "to at least 32 random bytes, e.g. $(head -c 32 /dev/urandom | base64)",
			 cfg->path ? cfg->path : "flacon.conf");
		return -1;
	}
	if (strlen(cfg->secret_key) < 32) {
		snprintf(err, errlen,
			 "app.secret_key is shorter than 32 bytes: set FLACON_APP_SECRET_KEY to at "
			 "least 32 random bytes, e.g. $(head -c 32 /dev/urandom | base64)");
		return -1;
	}
	if (!strcmp(cfg->secret_key, CONFIG_PLACEHOLDER_SECRET) && !cfg->development) {
		snprintf(err, errlen,
			 "app.secret_key is the placeholder; set a real one (or app.env = development)");
		return -1;
	}
	/* A retired key still verifies cookies, so it must be as strong. */
	for (int i = 0; cfg->old_secret_keys && cfg->old_secret_keys[i]; i++) {
		const char *k = cfg->old_secret_keys[i];
		if (strlen(k) < 32) {
			snprintf(err, errlen, "app.old_secret_keys: key %d is shorter than 32 bytes", i + 1);
			return -1;
		}
		if (!strcmp(k, CONFIG_PLACEHOLDER_SECRET) && !cfg->development) {
			snprintf(err, errlen,
				 "app.old_secret_keys: key %d is the placeholder; remove it (or app.env = development)",
				 i + 1);
			return -1;
		}
	}
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->health_listen);
	free(cfg->secret_key);
	free_list(cfg->old_secret_keys);
	free(cfg->env);
	free(cfg->listen);
	free(cfg->database_url);
	free(cfg->db_sync_wait_text);
	free(cfg->cookie_name);
	free(cfg->templates_dir);
	free(cfg->migrations_dir);
	free(cfg->log_format_text);
	free(cfg->path);
	memset(cfg, 0, sizeof *cfg);
}
