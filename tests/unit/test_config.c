/* Unit tests of core/config.c: defaults, INI file, env overrides, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "db/db.h"
#include "test.h"

static const char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/flacon-conf-%d.ini", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

TEST(test_config_defaults)
{
	struct config c;
	char err[256];
	unsetenv("FLACON_CONF");
	CHECK_INT(config_load(&c, write_conf("# empty\n"), err, sizeof err), 0);
	CHECK_STR(c.env, "production");
	CHECK(!c.development);
	CHECK_STR(c.listen, "unix:var/run/flacon.sock");
	CHECK(c.workers >= 1);
	CHECK_INT(c.max_requests, 0);
	CHECK_INT(c.session_lifetime, 2678400);
	CHECK_INT(c.max_body, 1048576);
	CHECK_STR(c.cookie_name, "session");
	CHECK(!c.cookie_secure);
	CHECK(c.old_secret_keys && c.old_secret_keys[0] == NULL);
	CHECK_STR(c.database_url, "mariadb://flacon@localhost/flacon?socket=var/run/mysqld.sock");
	config_free(&c);
}

TEST(test_config_file_and_env_override)
{
	struct config c;
	char err[256];
	const char *p = write_conf("[app]\nsecret_key = 0123456789abcdef0123456789abcdef\n"
				   "old_secret_keys = one-0123456789abcdef0123456789abcdef, two-0123456789abcdef0123456789abcdef ,three-0123456789abcdef0123456789abcdef\nenv = development\n"
				   "[server]\nworkers = 3\n[http]\nmax_body = 2048\n"
				   "[session]\ncookie_secure = true\n");
	setenv("FLACON_SERVER_WORKERS", "5", 1);
	setenv("FLACON_SESSION_COOKIE_NAME", "sid", 1);
	CHECK_INT(config_load(&c, p, err, sizeof err), 0);
	unsetenv("FLACON_SERVER_WORKERS");
	unsetenv("FLACON_SESSION_COOKIE_NAME");
	CHECK_INT(c.workers, 5);
	CHECK_INT(c.max_body, 2048);
	CHECK_STR(c.cookie_name, "sid");
	CHECK(c.cookie_secure);
	CHECK(c.development);
	CHECK_STR(c.old_secret_keys[0], "one-0123456789abcdef0123456789abcdef");
	CHECK_STR(c.old_secret_keys[1], "two-0123456789abcdef0123456789abcdef");
	CHECK_STR(c.old_secret_keys[2], "three-0123456789abcdef0123456789abcdef");
	CHECK(c.old_secret_keys[3] == NULL);
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	config_free(&c);
}

TEST(test_config_flacon_conf_env_names_the_file)
{
	struct config c;
	char err[256];
	setenv("FLACON_CONF", write_conf("[server]\nmax_requests = 77\n"), 1);
	CHECK_INT(config_load(&c, NULL, err, sizeof err), 0);
	unsetenv("FLACON_CONF");
	CHECK_INT(c.max_requests, 77);
	config_free(&c);
}

TEST(test_config_errors_are_one_line)
{
	struct config c;
	char err[256];
	CHECK_INT(config_load(&c, write_conf("[server]\nworkers = lots\n"), err, sizeof err), -1);
	CHECK(strstr(err, "server.workers") != NULL);
	CHECK(strchr(err, '\n') == NULL);
	CHECK_INT(config_load(&c, write_conf("[app]\nsecrte_key = x\n"), err, sizeof err), -1);
	CHECK(strstr(err, "unknown key") != NULL);
	CHECK_INT(config_load(&c, "/nonexistent/flacon.conf", err, sizeof err), -1);
	setenv("FLACON_APP_ENV", "staging", 1);
	CHECK_INT(config_load(&c, write_conf(""), err, sizeof err), -1);
	unsetenv("FLACON_APP_ENV");
}

TEST(test_config_placeholder_secret_refused_outside_development)
{
	struct config c;
	char err[256];
	CHECK_INT(config_load(&c, write_conf("[app]\nsecret_key = " CONFIG_PLACEHOLDER_SECRET "\n"),
			      err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	CHECK(strstr(err, "placeholder") != NULL);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[app]\nenv = development\nsecret_key = "
					     CONFIG_PLACEHOLDER_SECRET "\n"), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[app]\nsecret_key = short\n"), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf(""), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	config_free(&c);
}

TEST(test_config_missing_secret_names_the_variable_to_set)
{
	struct config c;
	char err[256];
	unsetenv("FLACON_APP_SECRET_KEY");
	CHECK_INT(config_load(&c, write_conf("[app]\nenv = production\n"), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	CHECK(strstr(err, "FLACON_APP_SECRET_KEY") != NULL);
	CHECK(strchr(err, '\n') == NULL);
	config_free(&c);
}

TEST(test_config_bench_routes_off_by_default)
{
	struct config c;
	char err[256];
	unsetenv("FLACON_SERVER_BENCH_ROUTES");
	CHECK_INT(config_load(&c, write_conf(""), err, sizeof err), 0);
	CHECK(!c.bench_routes);
	config_free(&c);
	setenv("FLACON_SERVER_BENCH_ROUTES", "on", 1);
	CHECK_INT(config_load(&c, write_conf(""), err, sizeof err), 0);
	CHECK(c.bench_routes);
	config_free(&c);
	unsetenv("FLACON_SERVER_BENCH_ROUTES");
}

/* SPEC 3/6: a retired key still verifies cookies, so it is held to the
 * same rules as secret_key: 32 bytes at least, never the placeholder
 * outside development. */
TEST(test_config_old_secret_keys_are_checked_like_the_secret_key)
{
	struct config c;
	char err[256];
	const char *good = "secret_key = 0123456789abcdef0123456789abcdef-new\n";
	char text[512];
	snprintf(text, sizeof text, "[app]\n%sold_secret_keys = 0123456789abcdef0123456789abcdef-old, x\n",
		 good);
	CHECK_INT(config_load(&c, write_conf(text), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	CHECK_MSG(strstr(err, "old_secret_keys") && strstr(err, "key 2") && strstr(err, "32 bytes"),
		  "%s", err);
	config_free(&c);
	snprintf(text, sizeof text, "[app]\n%sold_secret_keys = " CONFIG_PLACEHOLDER_SECRET "\n", good);
	CHECK_INT(config_load(&c, write_conf(text), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	CHECK_MSG(strstr(err, "old_secret_keys") && strstr(err, "placeholder"), "%s", err);
	config_free(&c);
	snprintf(text, sizeof text, "[app]\nenv = development\n%sold_secret_keys = " CONFIG_PLACEHOLDER_SECRET "\n", good);
	CHECK_INT(config_load(&c, write_conf(text), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	config_free(&c);
	snprintf(text, sizeof text, "[app]\n%sold_secret_keys = 0123456789abcdef0123456789abcdef-old\n", good);
	CHECK_INT(config_load(&c, write_conf(text), err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	config_free(&c);
}

TEST(test_login_throttling_keys_have_their_defaults_and_can_be_set)
{
	struct config c;
	char err[256];
	CHECK_INT(config_load(&c, write_conf(""), err, sizeof err), 0);
	CHECK_INT(c.auth_account_failures, 5);
	CHECK_INT(c.auth_address_failures, 50);
	CHECK_INT(c.auth_failure_window, 900);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[auth]\naccount_failures = 3\naddress_failures = 7\n"
					     "failure_window = 60\n"), err, sizeof err), 0);
	CHECK_INT(c.auth_account_failures, 3);
	CHECK_INT(c.auth_address_failures, 7);
	CHECK_INT(c.auth_failure_window, 60);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[auth]\naccount_failures = 0\n"), err, sizeof err), -1);
}

TEST(test_db_url_parse)
{
	struct db_url u;
	char err[128];
	CHECK_INT(db_url_parse("mariadb://bob:p%40ss@db.example:3307/shop?socket=/tmp/my.sock", &u,
			       err, sizeof err), 0);
	CHECK_STR(u.user, "bob");
	CHECK_STR(u.password, "p@ss");
	CHECK_STR(u.host, "db.example");
	CHECK_INT(u.port, 3307);
	CHECK_STR(u.dbname, "shop");
	CHECK_STR(u.socket, "/tmp/my.sock");
	db_url_free(&u);
	CHECK_INT(db_url_parse("mariadb://flacon@localhost/flacon", &u, err, sizeof err), 0);
	CHECK_STR(u.user, "flacon");
	CHECK(u.password == NULL && u.socket == NULL);
	db_url_free(&u);
	CHECK_INT(db_url_parse("postgres://x/y", &u, err, sizeof err), -1);
	CHECK_INT(db_url_parse("mariadb://x", &u, err, sizeof err), -1);
	CHECK_INT(db_url_parse("mariadb://x:99999/db", &u, err, sizeof err), -1);
}

TEST(test_db_url_parse_takes_a_cluster_host_list_in_order)
{
	struct db_url u;
	char err[128];
	CHECK_INT(db_url_parse("mariadb://u:p@h1:3306,h2:3307,h3/shop", &u, err, sizeof err), 0);
	CHECK_INT(u.nhosts, 3);
	CHECK_STR(u.hosts[0].name, "h1");
	CHECK_INT(u.hosts[0].port, 3306);
	CHECK_STR(u.hosts[1].name, "h2");
	CHECK_INT(u.hosts[1].port, 3307);
	CHECK_STR(u.hosts[2].name, "h3");
	CHECK_INT(u.hosts[2].port, 0); /* the default port */
	CHECK_STR(u.host, "h1");       /* the first host, as for one server */
	CHECK_STR(u.dbname, "shop");
	CHECK_STR(u.password, "p");
	db_url_free(&u);
	CHECK_INT(db_url_parse("mariadb://flacon@localhost/flacon", &u, err, sizeof err), 0);
	CHECK_INT(u.nhosts, 1);
	db_url_free(&u);
	CHECK_INT(db_url_parse("mariadb://u@h1,,h3/db", &u, err, sizeof err), -1);
	CHECK_INT(db_url_parse("mariadb://u@h1:3306,h2:x/db", &u, err, sizeof err), -1);
}

TEST(test_database_sync_wait_and_timeouts_are_configuration_keys)
{
	struct config c;
	char err[256];
	setenv("FLACON_DATABASE_SYNC_WAIT", "off", 1);
	setenv("FLACON_DATABASE_READ_TIMEOUT", "7", 1);
	CHECK_INT(config_load(&c, "/dev/null", err, sizeof err), 0);
	CHECK_INT(c.db_sync_wait, 0);
	CHECK_INT(c.db_read_timeout, 7);
	CHECK_INT(c.db_connect_timeout, 2);
	struct db_options o = db_options_from_config(&c);
	CHECK_INT(o.read_timeout, 7);
	CHECK_INT(o.sync_wait, 0);
	config_free(&c);
	setenv("FLACON_DATABASE_SYNC_WAIT", "sometimes", 1);
	CHECK_INT(config_load(&c, "/dev/null", err, sizeof err), -1);
	unsetenv("FLACON_DATABASE_SYNC_WAIT");
	unsetenv("FLACON_DATABASE_READ_TIMEOUT");
	CHECK_INT(config_load(&c, "/dev/null", err, sizeof err), 0);
	CHECK_INT(c.db_sync_wait, -1); /* auto: on for a Galera node */
	config_free(&c);
}

TEST(test_config_log_format_and_slow_ms)
{
	struct config c;
	char err[256];
	unsetenv("FLACON_CONF");
	CHECK_INT(config_load(&c, write_conf("# empty\n"), err, sizeof err), 0);
	CHECK(!c.log_json);
	CHECK_INT(c.log_slow_ms, 1000);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[log]\nformat = json\nslow_ms = 0\n"), err, sizeof err), 0);
	CHECK(c.log_json);
	CHECK_INT(c.log_slow_ms, 0);
	config_free(&c);
	setenv("FLACON_LOG_FORMAT", "text", 1);
	setenv("FLACON_LOG_SLOW_MS", "250", 1);
	CHECK_INT(config_load(&c, write_conf("[log]\nformat = json\n"), err, sizeof err), 0);
	unsetenv("FLACON_LOG_FORMAT");
	unsetenv("FLACON_LOG_SLOW_MS");
	CHECK(!c.log_json);
	CHECK_INT(c.log_slow_ms, 250);
	config_free(&c);
	CHECK_INT(config_load(&c, write_conf("[log]\nformat = xml\n"), err, sizeof err), -1);
	CHECK_MSG(strstr(err, "log.format must be text or json") != NULL, "%s", err);
	CHECK_INT(config_load(&c, write_conf("[log]\nslow_ms = -1\n"), err, sizeof err), -1);
}
