/* status.c — `flacon status [--json]`: asks the running server, through its
 * health socket (server.health_listen), what its master and workers are
 * doing — GET /status over FastCGI — and prints it as PHP-FPM's status page
 * does, or the JSON itself for machines. */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/server.h"

static const char *jstr(json_object *o, const char *key, const char *fallback)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return fallback;
	return json_object_get_string(v);
}

static long long jint(json_object *o, const char *key, long long fallback)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return fallback;
	return json_object_get_int64(v);
}

/* "1d 2h 3m 4s" without the leading zero units. */
static const char *duration(long long s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
	if (d)
		snprintf(out, n, "%lldd %lldh %lldm %llds", d, h, m, sec);
	else if (h)
		snprintf(out, n, "%lldh %lldm %llds", h, m, sec);
	else if (m)
		snprintf(out, n, "%lldm %llds", m, sec);
	else
		snprintf(out, n, "%llds", sec);
	return out;
}

static void print_text(json_object *st)
{
	char d[64];
	json_object *workers;
	if (!json_object_object_get_ex(st, "workers", &workers) ||
	    !json_object_is_type(workers, json_type_array))
		workers = NULL;
	size_t n = workers ? json_object_array_length(workers) : 0;
	printf("master pid:       %lld\n", jint(st, "master_pid", 0));
	printf("version:          %s\n", jstr(st, "version", "-"));
	printf("configuration:    %s\n", jstr(st, "config", "(none: defaults and environment)"));
	printf("start time:       %s\n", jstr(st, "started", "-"));
	printf("uptime:           %s\n", duration(jint(st, "uptime_seconds", 0), d, sizeof d));
	printf("requests:         %lld\n", jint(st, "requests", 0));
	printf("worker starts:    %lld\n", jint(st, "worker_starts", 0));
	printf("workers:          %zu (%lld busy, %lld idle)\n\n", n, jint(st, "busy_workers", 0),
	       jint(st, "idle_workers", 0));
	printf("%-8s %-5s %9s  %-28s %9s  %-24s %s\n", "PID", "STATE", "REQUESTS", "ROUTE", "AGE",
	       "DB NODE", "UPTIME");
	for (size_t i = 0; i < n; i++) {
		json_object *w = json_object_array_get_idx(workers, i);
		char age[32] = "-";
		long long a = jint(w, "route_age_ms", -1);
		if (a >= 0)
			snprintf(age, sizeof age, "%lld ms", a);
		printf("%-8lld %-5s %9lld  %-28s %9s  %-24s %s\n", jint(w, "pid", 0),
		       jstr(w, "state", "-"), jint(w, "requests", 0), jstr(w, "route", "-"), age,
		       jstr(w, "db_node", "-"), duration(jint(w, "uptime_seconds", 0), d, sizeof d));
	}
}

static int status(struct config *cfg, int argc, char **argv)
{
	bool json = false;
	const char *socket = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			socket = argv[++i];
		else
			return cli_usage_error("status", "unknown argument");
	}
	char spec[512];
	if (socket)
		snprintf(spec, sizeof spec, "%s", socket);
	else if (!server_health_listen(cfg->listen, cfg->health_listen, spec, sizeof spec)) {
		cli_error("status: no health socket (server.health_listen is off, or server.listen "
			  "is HOST:PORT without one): set server.health_listen or pass --socket\n");
		return CLI_FAILED;
	}
	struct cli_fcgi_answer a;
	char err[512];
	if (cli_fcgi_get(spec, "/status", 5000, &a, err, sizeof err) < 0) {
		cli_error("status: is the server running? %s\n", err);
		return CLI_FAILED;
	}
	int rc = CLI_FAILED;
	json_object *st = NULL;
	if (a.status != 200) {
		cli_error("status: %s answered %d\n", spec, a.status);
		goto out;
	}
	st = json_tokener_parse(a.body);
	if (!st || !json_object_is_type(st, json_type_object)) {
		cli_error("status: %s did not answer JSON\n", spec);
		goto out;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_text(st);
	rc = CLI_OK;
out:
	json_object_put(st);
	free(a.body);
	return rc;
}

const struct cli_command cli_status = {
	.name = "status",
	.usage = "status [--json] [--socket A]",
	.help = "show the running server's workers (health socket)",
	.run = status,
	.details = "Asks the running server's health-check process (GET /status on\n"
		   "server.health_listen) and prints the master, the configuration file, the\n"
		   "uptime and, per worker, its pid, state (idle/busy), requests served, the\n"
		   "route of its current request and its age, and the database node in use.\n\n"
		   "options:\n"
		   "  --json        the answer as JSON, for machines\n"
		   "  --socket A    unix:PATH or HOST:PORT of the health socket (default: from\n"
		   "                server.listen and server.health_listen)\n",
};
