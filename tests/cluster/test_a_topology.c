/* The topology itself (SPEC 11): three synced Galera nodes with the
 * settings that lose nothing, three hosts that nginx spreads requests
 * over, one writer node (the first of the list every host is given), and
 * `flacon seed` on a cluster, where ids come in steps of the cluster size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

TEST(test_three_synced_nodes_with_the_settings_that_lose_nothing)
{
	for (int n = 1; n <= CT_NODES; n++) {
		char state[64];
		CHECK(ct_sql_str(n, state, sizeof state,
				 "SELECT GROUP_CONCAT(VARIABLE_VALUE ORDER BY VARIABLE_NAME SEPARATOR ' ') "
				 "FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN "
				 "('wsrep_cluster_status', 'wsrep_local_state', 'wsrep_ready')"));
		CHECK_MSG(!strcmp(state, "Primary 4 ON"), "node %d: %s", n, state);
		CHECK_INT(ct_sql_int(n, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
					"WHERE VARIABLE_NAME = 'wsrep_cluster_size'"),
			  3);
		CHECK_INT(ct_sql_int(n, "SELECT @@innodb_flush_log_at_trx_commit"), 1);
		CHECK_INT(ct_sql_int(n, "SELECT @@innodb_autoinc_lock_mode"), 2);
		CHECK_INT(ct_sql_int(n, "SELECT @@binlog_format = 'ROW'"), 1);
	}
}

TEST(test_nginx_spreads_requests_over_the_three_hosts)
{
	for (int h = 1; h <= CT_HOSTS; h++)
		CHECK_MSG(ct_call(ct_host(h), NULL, "GET", "/healthz", NULL, NULL) == 200,
			  "host %d", h);
	int by_host[CT_HOSTS + 1] = {0}, ok = 0;
	for (int i = 0; i < 30; i++) {
		struct http_resp r;
		ok += ct_call(ct_nginx(), NULL, "GET", "/healthz", NULL, &r) == 200;
		by_host[ct_upstream_host(&r)]++;
		hc_free(&r);
	}
	CHECK_INT(ok, 30);
	for (int h = 1; h <= CT_HOSTS; h++)
		CHECK_MSG(by_host[h] >= 5, "host %d answered %d of 30", h, by_host[h]);
}

TEST(test_every_host_writes_to_the_first_node_of_the_list)
{
	/* Traffic through every host, writes included. */
	for (int h = 1; h <= CT_HOSTS; h++) {
		struct ct_user u = {0};
		CHECK_INT(ct_register(ct_host(h), &u, "one"), 201);
		CHECK(ct_article(ct_host(h), &u, "one writer", "first of the list") > 0);
	}
	/* Every worker of every host is connected to node 1 only: one writer
	 * node at a time (SPEC 11). */
	long long on[CT_NODES + 1];
	for (int n = 1; n <= CT_NODES; n++)
		on[n] = ct_sql_int(n, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
				      "WHERE USER = 'flacon'");
	CHECK_MSG(on[1] > 0 && on[2] == 0 && on[3] == 0,
		  "connections of the hosts on nodes 1, 2, 3: %lld, %lld, %lld", on[1], on[2], on[3]);
}

/* flacon with the hosts' configuration but another database of the
 * cluster, nothing else of the caller's environment; its exit status. */
static int flacon_on(const char *db, const char *args)
{
	char url[512];
	snprintf(url, sizeof url, "%s", ct_env("CL_DB_URL"));
	char *slash = strrchr(url, '/');
	if (!slash)
		return -1;
	snprintf(slash + 1, sizeof url - (size_t)(slash + 1 - url), "%s", db);
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin FLACON_CONF='%s/flacon.conf' "
		 "FLACON_DATABASE_URL='%s' '%s' %s >'%s/seed.out' 2>&1",
		 ct_dir(), url, ct_env("CL_BIN"), args,
		 ct_dir());
	int rc = system(cmd);
	if (rc != 0) {
		char path[600], line[512];
		snprintf(path, sizeof path, "%s/seed.out", ct_dir());
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof line, f))
			fprintf(stderr, "  | %s", line);
		if (f)
			fclose(f);
	}
	return rc;
}

TEST(test_seed_on_the_cluster_assumes_nothing_about_ids)
{
	/* Galera hands out AUTO_INCREMENT values in steps of the cluster size
	 * (wsrep_auto_increment_control): ids are not consecutive. */
	CHECK_INT(ct_sql_int(1, "SELECT @@auto_increment_increment"), 3);
	ct_sql_exec(1, "DROP DATABASE IF EXISTS flacon_seed");
	CHECK(ct_sql_exec(1, "CREATE DATABASE flacon_seed CHARACTER SET utf8mb4 "
			     "COLLATE utf8mb4_unicode_ci") == 0);
	CHECK_MSG(flacon_on("flacon_seed", "db upgrade") == 0, "db upgrade on flacon_seed");
	CHECK_MSG(flacon_on("flacon_seed", "seed --users 40 --articles 600 --courses 12") == 0,
		  "flacon seed on the cluster failed");
	/* What seed wrote, read on another node. */
	CHECK_INT(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.user"), 40);
	CHECK_INT(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.article"), 600);
	CHECK_INT(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.course"), 12);
	CHECK_INT(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.article a LEFT JOIN "
				"flacon_seed.user u ON u.id = a.user_id WHERE u.id IS NULL"),
		  0);
	CHECK_INT(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.course c WHERE c.enrolled <> "
				"(SELECT COUNT(*) FROM flacon_seed.student_course sc WHERE sc.cou_id = c.id)"),
		  0);
	CHECK_MSG(ct_sql_int(3, "SELECT COUNT(*) FROM flacon_seed.student_course") > 0,
		  "seed enrolled nobody");
	ct_sql_exec(1, "DROP DATABASE IF EXISTS flacon_seed");
}
