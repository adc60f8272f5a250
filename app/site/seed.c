/* seed.c — `flacon seed`: deterministic demo data in bulk. Multi-row
 * INSERTs (prepared, values bound, BATCH rows a statement) in transactions;
 * the same options always give the same rows, up to their ids. Ids are
 * whatever AUTO_INCREMENT hands out (on a Galera cluster: steps of the
 * cluster size), so the ids a later batch refers to are read back by the
 * rows' natural keys, never computed. Seeds an empty database only
 * (--if-empty turns "not empty" into a quiet no-op for `make run`). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "site/site.h"
#include "web/web.h"

#define BATCH 500
#define SEED_PASSWORD "flacon-demo"

struct seed_opts {
	long users, articles, courses, students;
	bool if_empty;
	long enrollments; /* out: student_course rows written */
};

/* xorshift64*: the deterministic generator of the whole data set. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static const char *const demo_names[] = {"alice", "bob", "carol", "dave", "erin", "frank",
					 "grace", "heidi", "ivan", "judy"};
static const char *const words[] = {
	"flask", "nginx", "worker", "query", "index", "session", "cookie", "template", "socket",
	"latency", "cache", "schema", "migration", "request", "response", "thread", "process",
	"kernel", "buffer", "arena", "pointer", "string", "column", "table", "transaction",
	"commit", "rollback", "course", "student", "credit", "campus", "library", "lecture",
	"notes", "exam", "garden", "river", "mountain", "coffee", "morning", "evening", "bridge",
	"window", "signal", "harbor", "lantern", "compass", "orchard", "meadow", "thunder"};
#define NWORDS (sizeof words / sizeof words[0])
static const char *const subjects[] = {
	"Algorithms", "Databases", "Operating Systems", "Networks", "Compilers", "Linear Algebra",
	"Calculus", "Statistics", "Physics", "Chemistry", "Biology", "Economics", "Philosophy",
	"History", "Literature", "Music Theory", "Drawing", "Astronomy", "Geology", "Psychology",
	"Linguistics", "Ethics", "Cryptography", "Graphics", "Robotics"};
#define NSUBJECTS (sizeof subjects / sizeof subjects[0])

static bool tty;

static void progress(const char *what, long done, long total)
{
	if (tty && (done == total || done % 5000 == 0)) {
		fprintf(stderr, "\rseed: %-9s %ld/%ld", what, done, total);
		if (done == total)
			fputc('\n', stderr);
	}
}

/* A multi-row INSERT of nrows rows of ncols placeholders; SQL text in out. */
static void insert_sql(char *out, size_t n, const char *head, int ncols, long nrows)
{
	size_t o = (size_t)snprintf(out, n, "%s VALUES ", head);
	for (long r = 0; r < nrows && o < n; r++) {
		o += (size_t)snprintf(out + o, n - o, "%s(", r ? "," : "");
		for (int c = 0; c < ncols && o < n; c++)
			o += (size_t)snprintf(out + o, n - o, "%s?", c ? "," : "");
		o += (size_t)snprintf(out + o, n - o, ")");
	}
}

/* Bound values of one batch: strings and integers. */
struct batch {
	MYSQL_BIND *b;
	unsigned long *len;
	int64_t *ints;
	char *text; /* string storage */
	size_t text_used, text_cap;
	int nb;
};

static int batch_init(struct batch *bt, int ncols, size_t text_cap)
{
	size_t n = (size_t)ncols * BATCH;
	bt->b = calloc(n, sizeof *bt->b);
	bt->len = calloc(n, sizeof *bt->len);
	bt->ints = calloc(n, sizeof *bt->ints);
	bt->text = malloc(text_cap);
	bt->text_cap = text_cap;
	bt->text_used = 0;
	bt->nb = 0;
	return bt->b && bt->len && bt->ints && bt->text ? 0 : -1;
}

static void batch_free(struct batch *bt)
{
	free(bt->b);
	free(bt->len);
	free(bt->ints);
	free(bt->text);
}

static void batch_reset(struct batch *bt)
{
	bt->text_used = 0;
	bt->nb = 0;
}

static void bind_int(struct batch *bt, int64_t v)
{
	int i = bt->nb++;
	bt->ints[i] = v;
	memset(&bt->b[i], 0, sizeof bt->b[i]);
	bt->b[i].buffer_type = MYSQL_TYPE_LONGLONG;
	bt->b[i].buffer = &bt->ints[i];
}

static void bind_text(struct batch *bt, const char *s, size_t n)
{
	int i = bt->nb++;
	char *dst = bt->text + bt->text_used;
	if (bt->text_used + n > bt->text_cap)
		n = bt->text_cap - bt->text_used; /* cannot happen: sized for the worst case */
	memcpy(dst, s, n);
	bt->text_used += n;
	bt->len[i] = n;
	memset(&bt->b[i], 0, sizeof bt->b[i]);
	bt->b[i].buffer_type = MYSQL_TYPE_STRING;
	bt->b[i].buffer = dst;
	bt->b[i].buffer_length = n;
	bt->b[i].length = &bt->len[i];
}

static void bind_datetime(struct batch *bt, int64_t t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	size_t n = strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
	bind_text(bt, s, n);
}

/* Run the batch as a multi-row INSERT of rows rows. */
static int batch_run(struct db *db, struct batch *bt, const char *head, int ncols, long rows)
{
	static char sql[BATCH * 64 + 512];
	insert_sql(sql, sizeof sql, head, ncols, rows);
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st)
		return -1;
	if (mysql_stmt_bind_param(st, bt->b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	if (db_stmt_execute(db, st) < 0)
		return -1;
	if ((long)mysql_stmt_affected_rows(st) != rows) {
		snprintf(db->err, sizeof db->err, "a batch insert wrote fewer rows than asked");
		return -1;
	}
	return 0;
}

/* The natural keys of one batch's rows (username, course name), in batch
 * order, to read the rows' ids back. */
struct batch_keys {
	struct key {
		const char *p; /* NUL-terminated, in store */
		long index;    /* the row's place in the batch */
	} k[BATCH];
	char store[BATCH * 72];
	size_t used;
	long n;
};

static void keys_reset(struct batch_keys *ks)
{
	ks->used = 0;
	ks->n = 0;
}

/* Append key (at most 64 bytes: every natural key seed writes). */
static void keys_add(struct batch_keys *ks, const char *key)
{
	size_t n = strnlen(key, 64);
	char *dst = ks->store + ks->used;
	memcpy(dst, key, n);
	dst[n] = '\0';
	ks->used += n + 1;
	ks->k[ks->n].p = dst;
	ks->k[ks->n].index = ks->n;
	ks->n++;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key *)a)->p, ((const struct key *)b)->p);
}

/* ids[i] = the id of the batch's row i: runs "HEAD IN (?, ...)" with the
 * batch's keys bound, where HEAD selects (id, key) and ends with the key
 * column, e.g. "SELECT `id`, `username` FROM `user` WHERE `username`".
 * Keys compare byte for byte: the server returns them as they were
 * written. -1 (db->err) unless every key is found exactly once. */
static int read_ids(struct db *db, const char *head, struct batch_keys *ks, int64_t *ids)
{
	static char sql[BATCH * 2 + 512];
	static MYSQL_BIND pb[BATCH];
	static unsigned long plen[BATCH];
	size_t o = (size_t)snprintf(sql, sizeof sql, "%s IN (", head);
	for (long i = 0; i < ks->n && o < sizeof sql; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? "," : "");
	snprintf(sql + o, o < sizeof sql ? sizeof sql - o : 0, ")");
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st)
		return -1;
	memset(pb, 0, sizeof pb[0] * (size_t)ks->n);
	for (long i = 0; i < ks->n; i++) {
		plen[i] = strlen(ks->k[i].p);
		pb[i].buffer_type = MYSQL_TYPE_STRING;
		pb[i].buffer = (void *)ks->k[i].p;
		pb[i].buffer_length = plen[i];
		pb[i].length = &plen[i];
	}
	if (mysql_stmt_bind_param(st, pb)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	if (db_stmt_execute(db, st) < 0)
		return -1;
	/* Sorted by key (after binding: the bound pointers stay valid) for
	 * the look-up of each row. */
	qsort(ks->k, (size_t)ks->n, sizeof ks->k[0], key_cmp);
	for (long i = 0; i < ks->n; i++)
		ids[ks->k[i].index] = -1;
	long long id = 0;
	char key[128];
	unsigned long klen = 0;
	MYSQL_BIND rb[2];
	memset(rb, 0, sizeof rb);
	rb[0].buffer_type = MYSQL_TYPE_LONGLONG;
	rb[0].buffer = &id;
	rb[1].buffer_type = MYSQL_TYPE_STRING;
	rb[1].buffer = key;
	rb[1].buffer_length = sizeof key - 1;
	rb[1].length = &klen;
	int rc = 0;
	long found = 0;
	if (mysql_stmt_bind_result(st, rb)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
	}
	int f;
	while (rc == 0 && (f = mysql_stmt_fetch(st)) != MYSQL_NO_DATA) {
		if (f == 1) {
			db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			rc = -1;
			break;
		}
		key[klen < sizeof key - 1 ? klen : sizeof key - 1] = '\0';
		struct key want = {key, 0};
		struct key *hit = bsearch(&want, ks->k, (size_t)ks->n, sizeof ks->k[0], key_cmp);
		if (!hit || ids[hit->index] != -1) {
			snprintf(db->err, sizeof db->err, "reading back ids: unexpected row for \"%s\"", key);
			rc = -1;
			break;
		}
		ids[hit->index] = id;
		found++;
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	if (rc == 0 && found != ks->n) {
		snprintf(db->err, sizeof db->err, "reading back ids: %ld of %ld rows found", found, ks->n);
		rc = -1;
	}
	return rc;
}

/* Add n to the visible-article count, in slot 0 (site/counter.c: the
 * count is the sum of its slots; seed is one process among the writers). */
static int count_articles(struct db *db, int64_t n)
{
	MYSQL_STMT *st = db_prepare(db, "INSERT INTO `counter` (`name`, `slot`, `value`) VALUES ('articles', 0, ?) "
					"ON DUPLICATE KEY UPDATE `value` = `value` + VALUES(`value`)");
	if (!st)
		return -1;
	long long v = n;
	MYSQL_BIND b;
	memset(&b, 0, sizeof b);
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = &v;
	if (mysql_stmt_bind_param(st, &b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	return db_stmt_execute(db, st);
}

static int64_t count_rows(struct db *db, const char *sql)
{
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st || db_stmt_execute(db, st) < 0)
		return -1;
	int64_t v = 0;
	MYSQL_BIND b = {0};
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = &v;
	if (mysql_stmt_bind_result(st, &b) || mysql_stmt_fetch(st) != 0)
		v = -1;
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return v;
}

static void username_of(long i, char *out, size_t n)
{
	if (i < (long)(sizeof demo_names / sizeof demo_names[0]))
		snprintf(out, n, "%s", demo_names[i]);
	else
		snprintf(out, n, "user%05ld", i + 1);
}

/* One seed run: its options, the batch being filled, and the ids read
 * back by which later rows refer to earlier ones. */
struct seed {
	struct db *db;
	struct seed_opts *o;
	int64_t base;       /* 2026-01-01T00:00:00Z: deterministic dates */
	const char *hash;   /* every demo user's password hash */
	size_t hlen;
	struct batch bt;
	struct batch_keys *keys;
	int64_t *user_ids, *student_ids, *course_ids; /* by row number */
	int *course_cap, *course_n; /* each course's capacity, its students so far */
};

/* The users, alice ... judy then user00011 ..., and their ids. 0 or -1
 * (db->err). */
static int seed_users(struct seed *s)
{
	const struct seed_opts *o = s->o;
	for (long i = 0; i < o->users;) {
		long rows = o->users - i < BATCH ? o->users - i : BATCH;
		batch_reset(&s->bt);
		keys_reset(s->keys);
		for (long r = 0; r < rows; r++) {
			char name[40];
			username_of(i + r, name, sizeof name);
			bind_text(&s->bt, name, strlen(name));
			bind_text(&s->bt, s->hash, s->hlen);
			bind_datetime(&s->bt, s->base - 86400 * 30 + (i + r) * 60);
			keys_add(s->keys, name);
		}
		if (batch_run(s->db, &s->bt, "INSERT INTO `user` (`username`, `password`, `rdatetime`)", 3, rows) < 0 ||
		    read_ids(s->db, "SELECT `id`, `username` FROM `user` WHERE `username`", s->keys,
			     s->user_ids + i) < 0)
			return -1;
		i += rows;
		progress("users", i, o->users);
	}
	return 0;
}

/* Students: the first `students` users have their profile. 0 or -1. */
static int seed_students(struct seed *s)
{
	const struct seed_opts *o = s->o;
	for (long i = 0; i < o->students;) {
		long rows = o->students - i < BATCH ? o->students - i : BATCH;
		batch_reset(&s->bt);
		keys_reset(s->keys);
		for (long r = 0; r < rows; r++) {
			char name[40];
			username_of(i + r, name, sizeof name);
			bind_text(&s->bt, name, strlen(name));
			bind_int(&s->bt, 18 + (int64_t)(rng() % 12));
			bind_int(&s->bt, s->user_ids[i + r]);
			keys_add(s->keys, name);
		}
		/* A student is found by its user (student.user_id is unique). */
		if (batch_run(s->db, &s->bt, "INSERT INTO `student` (`sname`, `age`, `user_id`)", 3, rows) < 0 ||
		    read_ids(s->db, "SELECT `student`.`id`, `user`.`username` FROM `student` JOIN `user` "
				    "ON `user`.`id` = `student`.`user_id` WHERE `user`.`username`",
			     s->keys, s->student_ids + i) < 0)
			return -1;
		i += rows;
		progress("students", i, o->students);
	}
	return 0;
}

/* Bind article k: a title of three words, three to eight sentences of
 * words, a date 37 s after the one before, clicks and a random author. */
static void bind_article(struct seed *s, long k)
{
	char title[160], content[2048];
	int tn = snprintf(title, sizeof title, "%s %s and the %s",
			  words[rng() % NWORDS], words[rng() % NWORDS], words[rng() % NWORDS]);
	title[0] = (char)(title[0] - 32);
	int cn = 0;
	int sentences = 3 + (int)(rng() % 6);
	for (int n = 0; n < sentences && cn < 1800; n++) {
		int nw = 6 + (int)(rng() % 10);
		for (int w = 0; w < nw && cn < 1800; w++)
			cn += snprintf(content + cn, sizeof content - (size_t)cn, "%s%s",
				       w ? " " : "", words[rng() % NWORDS]);
		cn += snprintf(content + cn, sizeof content - (size_t)cn, ". ");
	}
	bind_text(&s->bt, title, (size_t)tn);
	bind_text(&s->bt, content, (size_t)cn);
	bind_datetime(&s->bt, s->base + k * 37);
	bind_int(&s->bt, (int64_t)(rng() % 200));
	long users = s->o->users;
	long u = users ? (long)(rng() % (uint64_t)users) : 0;
	char author[40];
	username_of(u, author, sizeof author);
	bind_int(&s->bt, users ? s->user_ids[u] : 0);
	bind_text(&s->bt, author, strlen(author));
}

/* Articles, oldest first, committed every BATCH * 20 rows with the
 * visible-article count. 0 or -1. */
static int seed_articles(struct seed *s)
{
	const struct seed_opts *o = s->o;
	/* The visible-article count starts from the articles there are (none:
	 * the database holds no user), whatever its slots said, and grows
	 * with each committed part of the articles, in its transaction. */
	if (db_exec(s->db, "DELETE FROM `counter` WHERE `name` = 'articles'") < 0 ||
	    db_exec(s->db, "INSERT INTO `counter` (`name`, `slot`, `value`) SELECT 'articles', 0, COUNT(*) "
			   "FROM `article` WHERE `isdelete` = 0") < 0)
		return -1;
	long uncounted = 0;
	for (long i = 0; i < o->articles;) {
		long rows = o->articles - i < BATCH ? o->articles - i : BATCH;
		batch_reset(&s->bt);
		for (long r = 0; r < rows; r++)
			bind_article(s, i + r);
		if (batch_run(s->db, &s->bt,
			      "INSERT INTO `article` (`title`, `content`, `pdatetime`, `click_num`, `user_id`, "
			      "`author_name`)",
			      6, rows) < 0)
			return -1;
		i += rows;
		uncounted += rows;
		if (i % (BATCH * 20) == 0) {
			if (count_articles(s->db, uncounted) < 0 || db_exec(s->db, "COMMIT") < 0 ||
			    db_exec(s->db, "START TRANSACTION") < 0)
				return -1;
			uncounted = 0;
		}
		progress("articles", i, o->articles);
	}
	if (uncounted && count_articles(s->db, uncounted) < 0)
		return -1;
	return 0;
}

/* Courses, "Algorithms 101" ..., 30 places each, and their ids. 0 or -1. */
static int seed_courses(struct seed *s)
{
	const struct seed_opts *o = s->o;
	for (long i = 0; i < o->courses;) {
		long rows = o->courses - i < BATCH ? o->courses - i : BATCH;
		batch_reset(&s->bt);
		keys_reset(s->keys);
		for (long r = 0; r < rows; r++) {
			long k = i + r;
			char name[80];
			int n = snprintf(name, sizeof name, "%s %ld", subjects[k % NSUBJECTS],
					 101 + (k / (long)NSUBJECTS) * 100 + (k % 3));
			s->course_cap[k] = 30;
			bind_text(&s->bt, name, (size_t)n);
			bind_int(&s->bt, 1 + (int64_t)(rng() % 6));
			bind_int(&s->bt, s->course_cap[k]);
			keys_add(s->keys, name);
		}
		if (batch_run(s->db, &s->bt, "INSERT INTO `course` (`cname`, `score`, `capacity`)", 3, rows) < 0 ||
		    read_ids(s->db, "SELECT `id`, `cname` FROM `course` WHERE `cname`", s->keys,
			     s->course_ids + i) < 0)
			return -1;
		i += rows;
		progress("courses", i, o->courses);
	}
	return 0;
}

/* About five courses per student, never over capacity, then each course's
 * enrolled count; the rows written into *total. 0 or -1. */
static int seed_enrollments(struct seed *s, long *total)
{
	const struct seed_opts *o = s->o;
	const char *head = "INSERT INTO `student_course` (`stu_id`, `cou_id`, `selected_at`)";
	long pending = 0, total_sel = 0;
	batch_reset(&s->bt);
	for (long st = 0; st < o->students && o->courses > 0; st++) {
		long want = o->courses < 5 ? o->courses : 5;
		long start = (long)(rng() % (uint64_t)o->courses);
		for (long k = 0, got = 0; k < o->courses && got < want; k++) {
			long c = (start + k * 7) % o->courses;
			bool dup = false;
			for (long j = 0; j < k; j++)
				dup |= (start + j * 7) % o->courses == c;
			if (dup || s->course_n[c] >= s->course_cap[c])
				continue;
			s->course_n[c]++;
			got++;
			bind_int(&s->bt, s->student_ids[st]);
			bind_int(&s->bt, s->course_ids[c]);
			bind_datetime(&s->bt, s->base + st * 11);
			if (++pending == BATCH) {
				if (batch_run(s->db, &s->bt, head, 3, pending) < 0)
					return -1;
				total_sel += pending;
				pending = 0;
				batch_reset(&s->bt);
			}
		}
	}
	if (pending && batch_run(s->db, &s->bt, head, 3, pending) < 0)
		return -1;
	total_sel += pending;
	if (db_exec(s->db, "UPDATE `course` SET `enrolled` = (SELECT COUNT(*) FROM `student_course` "
			   "WHERE `student_course`.`cou_id` = `course`.`id`)") < 0)
		return -1;
	*total = total_sel;
	return 0;
}

/* Fill the empty database as o says, in transactions: users and students,
 * then articles (committed in parts), courses and enrollments; the
 * enrollments written into o->enrollments. 0, or -1 with db->err (the
 * open transaction rolled back). */
static int seed_run(struct db *db, struct seed_opts *o)
{
	rng_state = 0x9E3779B97F4A7C15ULL;
	char hash[WEB_PASSWORD_HASH_BYTES];
	/* One Argon2id hash for every demo user: hashing each would cost
	 * 30 ms per user and the data set is public demo data anyway. */
	if (web_password_hash(SEED_PASSWORD, hash) < 0)
		return -1;
	struct seed s = {.db = db, .o = o, .base = 1767225600, .hash = hash, .hlen = strlen(hash)};
	if (batch_init(&s.bt, 6, (size_t)BATCH * 2200) < 0) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return -1;
	}
	int rc = -1;
	long enrollments = 0;
	s.keys = malloc(sizeof *s.keys);
	s.user_ids = calloc((size_t)o->users + 1, sizeof *s.user_ids);
	s.student_ids = calloc((size_t)o->students + 1, sizeof *s.student_ids);
	s.course_ids = calloc((size_t)o->courses + 1, sizeof *s.course_ids);
	s.course_cap = calloc((size_t)o->courses + 1, sizeof *s.course_cap);
	s.course_n = calloc((size_t)o->courses + 1, sizeof *s.course_n);
	if (!s.keys || !s.user_ids || !s.student_ids || !s.course_ids || !s.course_cap || !s.course_n) {
		snprintf(db->err, sizeof db->err, "out of memory");
		goto out;
	}
	if (db_exec(db, "START TRANSACTION") < 0 || seed_users(&s) < 0 || seed_students(&s) < 0 ||
	    db_exec(db, "COMMIT") < 0 || db_exec(db, "START TRANSACTION") < 0 || seed_articles(&s) < 0 ||
	    seed_courses(&s) < 0 || seed_enrollments(&s, &enrollments) < 0 || db_exec(db, "COMMIT") < 0)
		goto out;
	o->enrollments = enrollments;
	rc = 0;
out:
	if (rc < 0 && db->conn)
		db_exec(db, "ROLLBACK");
	free(s.keys);
	free(s.user_ids);
	free(s.student_ids);
	free(s.course_ids);
	free(s.course_cap);
	free(s.course_n);
	batch_free(&s.bt);
	return rc;
}

static bool parse_count(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 100000000)
		return false;
	*out = v;
	return true;
}

static int seed_main(struct config *cfg, int argc, char **argv)
{
	struct seed_opts o = {.users = 10, .articles = 120, .courses = 12, .students = -1};
	for (int i = 0; i < argc; i++) {
		long *target = NULL;
		if (!strcmp(argv[i], "--users"))
			target = &o.users;
		else if (!strcmp(argv[i], "--articles"))
			target = &o.articles;
		else if (!strcmp(argv[i], "--courses"))
			target = &o.courses;
		else if (!strcmp(argv[i], "--students"))
			target = &o.students;
		else if (!strcmp(argv[i], "--if-empty")) {
			o.if_empty = true;
			continue;
		}
		if (!target || i + 1 >= argc || !parse_count(argv[i + 1], target)) {
			cli_error("seed: bad argument %s (seed [--users N --articles N --courses N --students N] [--if-empty])\n",
				argv[i]);
			return CLI_USAGE;
		}
		i++;
	}
	if (o.students < 0 || o.students > o.users)
		o.students = o.users;
	if (o.articles > 0 && o.users == 0) {
		cli_error("seed: articles need at least one user\n");
		return CLI_USAGE;
	}
	struct db *db = cli_connect(cfg, false);
	if (!db)
		return CLI_FAILED;
	int rc = CLI_FAILED;
	int64_t existing = count_rows(db, "SELECT (SELECT COUNT(*) FROM `user`) + (SELECT COUNT(*) FROM `course`)");
	if (existing < 0) {
		cli_error("seed: %s (run '%s db upgrade' first)\n", db->err, cli_prog);
		goto out;
	}
	if (existing > 0) {
		if (o.if_empty) {
			rc = CLI_OK;
			goto out;
		}
		cli_error("seed: the database already holds users or courses; seed fills an empty one\n");
		goto out;
	}
	tty = isatty(STDERR_FILENO);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (seed_run(db, &o) < 0) {
		fprintf(stderr, "%sflacon: seed failed: %s\n", tty ? "\n" : "", db->err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* One line, naming who can log in: "Seeded 10 users (alice, ... judy;
	 * password flacon-demo), 10 students, ... in 0.31 s". */
	char names[256], first[32], last[32];
	size_t nd = sizeof demo_names / sizeof demo_names[0];
	size_t n = 0;
	names[0] = '\0';
	for (long k = 0; k < o.users && k < (long)nd; k++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", k ? ", " : "", demo_names[k]);
	if (o.users > (long)nd) {
		username_of((long)nd, first, sizeof first);
		username_of(o.users - 1, last, sizeof last);
		snprintf(names + n, sizeof names - n, ", %s", first);
		n = strlen(names);
		if (o.users > (long)nd + 1)
			snprintf(names + n, sizeof names - n, " ... %s", last);
	}
	printf("Seeded %ld user%s%s%s%s%s, %ld student%s, %ld article%s, %ld course%s, %ld enrollment%s in %.2f s\n",
	       o.users, o.users == 1 ? "" : "s", o.users ? " (" : "", names, o.users ? "; password " SEED_PASSWORD : "",
	       o.users ? ")" : "", o.students, o.students == 1 ? "" : "s", o.articles, o.articles == 1 ? "" : "s",
	       o.courses, o.courses == 1 ? "" : "s", o.enrollments, o.enrollments == 1 ? "" : "s",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = CLI_OK;
out:
	db_close(db);
	return rc;
}

const struct cli_command site_cmd_seed = {
	.name = "seed",
	.usage = "seed [--users N] [--articles N] [--courses N] [--students N] [--if-empty]",
	.help = "deterministic demo data in bulk (empty database only)",
	.run = seed_main,
	.details = "options:\n"
		   "  --users N      users (default 10: alice, bob, ... judy, then user00011 ...)\n"
		   "  --articles N   articles (default 120)\n"
		   "  --courses N    courses (default 12)\n"
		   "  --students N   users with a student profile and ~5 courses (default: all)\n"
		   "  --if-empty     do nothing, quietly, when the database holds data\n\n"
		   "Every seeded user's password is " SEED_PASSWORD ".\n",
};
