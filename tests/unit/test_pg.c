/* test_pg.c — the PostgreSQL backend: placeholder rewriting (always), and
 * when GX_TEST_PG_URL names a database (scripts/pg.sh start prints one), the
 * store and the entity engine against it, each test in a schema of its own. */
#include "gx_test.h"
#include "entity_checks.h"

#include "core/err.h"
#include "core/id.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <time.h>
#include <unistd.h>

/* ---- placeholders (no server needed) ------------------------------------ */

static void rewrites(const char *in, const char *want, int want_n)
{
	char *out = NULL;
	int n = -1;
	ASSERT_EQ_INT(gx_pg_rewrite(in, &out, &n), 0);
	ASSERT_EQ_STR(out, want);
	ASSERT_EQ_INT(n, want_n);
	free(out);
}

GX_TEST(pg_rewrite_placeholders_outside_literals)
{
	rewrites("SELECT 1", "SELECT 1", 0);
	rewrites("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?",
		 "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4", 4);
	rewrites("SELECT '?', 'it''s ?', ? FROM t", "SELECT '?', 'it''s ?', $1 FROM t", 1);
	rewrites("SELECT \"odd?name\" FROM t WHERE x = ?", "SELECT \"odd?name\" FROM t WHERE x = $1", 1);
	rewrites("SELECT 1 -- why?\nWHERE x = ?", "SELECT 1 -- why?\nWHERE x = $1", 1);
	rewrites("SELECT /* a ? /* nested ? */ still ? */ ?", "SELECT /* a ? /* nested ? */ still ? */ $1", 1);
	rewrites("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
	/* a standard string ends at the quote after a backslash */
	rewrites("SELECT lower(x) LIKE ? ESCAPE '\\' AND y = ?", "SELECT lower(x) LIKE $1 ESCAPE '\\' AND y = $2", 2);
	rewrites("SELECT $$ ? $$, $q$ it's ? $q$, ?", "SELECT $$ ? $$, $q$ it's ? $q$, $1", 1);
	/* SQL only PostgreSQL runs, kept in a comment SQLite skips */
	rewrites("CREATE TABLE t (x TEXT /*pg: COLLATE \"C\"*/ NOT NULL, y TEXT /* ? */)",
		 "CREATE TABLE t (x TEXT  COLLATE \"C\" NOT NULL, y TEXT /* ? */)", 0);
	rewrites("SELECT '/*pg: no */', x /*pg:+ 1*/ FROM t WHERE y = ?",
		 "SELECT '/*pg: no */', x + 1 FROM t WHERE y = $1", 1);
	rewrites("SELECT name FROM t WHERE a = ? OR b = ? OR c = ? OR d = ? OR e = ? OR f = ? "
		 "OR g = ? OR h = ? OR i = ? OR j = ?",
		 "SELECT name FROM t WHERE a = $1 OR b = $2 OR c = $3 OR d = $4 OR e = $5 OR f = $6 "
		 "OR g = $7 OR h = $8 OR i = $9 OR j = $10", 10);
	char *out = NULL;
	int n;
	ASSERT_EQ_INT(gx_pg_rewrite("SELECT 'open", &out, &n), GX_EINVAL);
	ASSERT_EQ_INT(gx_pg_rewrite("SELECT 1 /* open", &out, &n), GX_EINVAL);
	ASSERT_EQ_INT(gx_pg_rewrite("SELECT $x$ open", &out, &n), GX_EINVAL);
	ASSERT_TRUE(out == NULL);
}

/* ---- against a server ----------------------------------------------------- */

static char schema[64];

/* The test database URL with a fresh schema first on the search path, or
 * NULL (and a line saying so) when GX_TEST_PG_URL is not set. */
static const char *pg_url(void)
{
	static char url[1024];
	const char *base = getenv("GX_TEST_PG_URL");
	if (!base || !*base) {
		printf("  skipped: GX_TEST_PG_URL is not set (scripts/pg.sh start DIR PORT prints one)\n");
		return NULL;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(schema, sizeof schema, "gxt_%ld_%ld", (long)getpid(), (long)(ts.tv_nsec % 1000000));
	snprintf(url, sizeof url, "%s%soptions=-csearch_path%%3D%s", base, strchr(base, '?') ? "&" : "?",
		 schema);
	/* create the schema through a connection on the default search path */
	struct gx_store_opts o = {.readers = 1, .busy_timeout_ms = 1000};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(base, &o, &s), 0);
	struct gx_conn *c;
	gx_store_writer(s, &c);
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
	ASSERT_EQ_INT(gx_conn_exec(c, sql), 0);
	gx_store_release(c);
	gx_store_close(s);
	return url;
}

static void drop_schema(struct gx_store *s)
{
	struct gx_conn *c;
	gx_store_writer(s, &c);
	char sql[128];
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
	ASSERT_EQ_INT(gx_conn_exec(c, sql), 0);
	gx_store_release(c);
}

static struct gx_store *open_url(const char *url, int readers, int busy_ms)
{
	struct gx_store_opts o = {.readers = readers, .busy_timeout_ms = busy_ms, .create = 1};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(url, &o, &s), 0);
	ASSERT_EQ_STR(gx_store_backend(s), "postgres");
	return s;
}

static struct gx_store *open_migrated(const char *url)
{
	struct gx_store *s = open_url(url, 2, 1000);
	int applied;
	ASSERT_EQ_INT(gx_migrate(s, url, &applied), 0);
	ASSERT_TRUE(applied >= 1);
	ASSERT_EQ_INT(gx_migrate(s, url, &applied), 0);
	ASSERT_EQ_INT(applied, 0);
	return s;
}

static int64_t one_int(struct gx_conn *c, const char *sql)
{
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	int64_t v = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	return v;
}

/* Ends the server process pid through the connection killer, and gives
 * the server a moment to close it. */
static void kill_backend(struct gx_conn *killer, int64_t pid)
{
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(killer, "SELECT pg_terminate_backend(?)", &st), 0);
	gx_stmt_bind_int64(st, 1, pid);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	gx_stmt_reset(st);
	usleep(100000);
}

static int insert_kv(struct gx_conn *c, int64_t k, const char *v)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "INSERT INTO kv (k, v) VALUES (?, ?)", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, k);
	gx_stmt_bind_str(st, 2, v);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc;
}

/* One row in a transaction of its own. */
static void commit_kv(struct gx_conn *c, int64_t k, const char *v)
{
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(insert_kv(c, k, v), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
}

GX_TEST(pg_store_types_binds_conflicts_and_transactions)
{
	const char *url = pg_url();
	if (!url)
		return;
	struct gx_store *s = open_url(url, 1, 1000);
	struct gx_conn *w;
	gx_store_writer(s, &w);
	ASSERT_EQ_INT(gx_conn_exec(w, "CREATE TABLE kv (k BIGINT NOT NULL PRIMARY KEY, v TEXT, "
				      "r REAL, n INTEGER)"), 0);
	/* values come back as they went in; '?' inside a literal is no parameter */
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(w, "INSERT INTO kv (k, v, r, n) VALUES (?, ?, ?, ?)", &st), 0);
	ASSERT_EQ_INT(gx_stmt_bind_int64(st, 1, INT64_MAX), 0);
	ASSERT_EQ_INT(gx_stmt_bind_str(st, 2, "张三's ? 'quoted'; DROP TABLE kv;--"), 0);
	ASSERT_EQ_INT(gx_stmt_bind_double(st, 3, 2.5), 0);
	ASSERT_EQ_INT(gx_stmt_bind_null(st, 4), 0);
	ASSERT_EQ_INT(gx_stmt_bind_int64(st, 5, 1), GX_EDB); /* no fifth parameter */
	ASSERT_EQ_INT(gx_stmt_step(st), GX_DONE);
	ASSERT_EQ_INT(gx_stmt_changes(st), 1);
	gx_stmt_reset(st);
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT k, v, r, n, 'why?' AS q FROM kv WHERE v <> '?' AND k = ?", &st), 0);
	ASSERT_EQ_INT(gx_stmt_columns(st), 5); /* known before the first step */
	ASSERT_EQ_STR(gx_stmt_col_name(st, 4), "q");
	gx_stmt_bind_int64(st, 1, INT64_MAX);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 0), GX_COL_INT);
	ASSERT_TRUE(gx_stmt_col_int64(st, 0) == INT64_MAX);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 1), GX_COL_TEXT);
	ASSERT_EQ_STR(gx_stmt_col_text(st, 1), "张三's ? 'quoted'; DROP TABLE kv;--");
	ASSERT_EQ_INT(gx_stmt_col_type(st, 2), GX_COL_REAL);
	ASSERT_NEAR(gx_stmt_col_double(st, 2), 2.5, 1e-9);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 3), GX_COL_NULL);
	ASSERT_TRUE(gx_stmt_col_text(st, 3) == NULL);
	ASSERT_EQ_STR(gx_stmt_col_text(st, 4), "why?");
	ASSERT_EQ_INT(gx_stmt_step(st), GX_DONE);
	gx_stmt_reset(st);
	/* a NUL cannot be stored in PostgreSQL text: refused, not cut short */
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT ?", &st), 0);
	ASSERT_EQ_INT(gx_stmt_bind_text(st, 1, "a\0b", 3), GX_EINVAL);
	gx_stmt_reset(st);

	/* unique conflict; the statement after it still works (autocommit) */
	ASSERT_EQ_INT(insert_kv(w, 1, "one"), 0);
	ASSERT_EQ_INT(insert_kv(w, 1, "again"), GX_ECONFLICT);
	ASSERT_EQ_INT(insert_kv(w, 2, "two"), 0);
	/* bad number text is bad input, not a storage failure */
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT v FROM kv WHERE k = ?", &st), 0);
	gx_stmt_bind_str(st, 1, "not a number");
	ASSERT_EQ_INT(gx_stmt_step(st), GX_EINVAL);
	gx_stmt_reset(st);

	/* sum() of BIGINT is NUMERIC on PostgreSQL: whole values read as ints */
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT sum(k), count(*), avg(k) FROM kv WHERE k < 10", &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 0), GX_COL_INT);
	ASSERT_EQ_INT(gx_stmt_col_int64(st, 0), 3);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 1), GX_COL_INT);
	ASSERT_EQ_INT(gx_stmt_col_type(st, 2), GX_COL_REAL);
	ASSERT_NEAR(gx_stmt_col_double(st, 2), 1.5, 1e-9);
	gx_stmt_reset(st);

	/* the same text nested while stepping (a second copy is prepared) */
	struct gx_stmt *outer, *inner;
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT k FROM kv WHERE k < ? ORDER BY k", &outer), 0);
	gx_stmt_bind_int64(outer, 1, 10);
	int rows = 0;
	while (gx_stmt_step(outer) == GX_ROW) {
		ASSERT_EQ_INT(gx_conn_prepare(w, "SELECT k FROM kv WHERE k < ? ORDER BY k", &inner), 0);
		ASSERT_TRUE(inner != outer);
		gx_stmt_bind_int64(inner, 1, gx_stmt_col_int64(outer, 0) + 1);
		int n = 0;
		while (gx_stmt_step(inner) == GX_ROW)
			n++;
		gx_stmt_reset(inner);
		ASSERT_EQ_INT(n, gx_stmt_col_int64(outer, 0));
		rows++;
	}
	gx_stmt_reset(outer);
	ASSERT_EQ_INT(rows, 2);

	/* an error inside a transaction: later statements refuse until rollback */
	ASSERT_EQ_INT(gx_conn_begin(w), 0);
	ASSERT_EQ_INT(insert_kv(w, 3, "three"), 0);
	ASSERT_EQ_INT(insert_kv(w, 1, "dup"), GX_ECONFLICT);
	ASSERT_EQ_INT(insert_kv(w, 4, "four"), GX_EDB);
	ASSERT_EQ_INT(gx_conn_rollback(w), 0);
	/* code that means to go on after a failed statement says so with a
	 * savepoint (standard SQL, the same on SQLite) */
	ASSERT_EQ_INT(gx_conn_begin(w), 0);
	ASSERT_EQ_INT(gx_conn_exec(w, "SAVEPOINT maybe"), 0);
	ASSERT_EQ_INT(insert_kv(w, 1, "dup"), GX_ECONFLICT);
	ASSERT_EQ_INT(gx_conn_exec(w, "ROLLBACK TO SAVEPOINT maybe"), 0);
	ASSERT_EQ_INT(gx_conn_exec(w, "SAVEPOINT maybe"), 0);
	ASSERT_EQ_INT(insert_kv(w, 5, "five"), 0);
	ASSERT_EQ_INT(gx_conn_exec(w, "RELEASE SAVEPOINT maybe"), 0);
	ASSERT_EQ_INT(gx_conn_commit(w), 0);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM kv WHERE k < 10"), 3);
	ASSERT_EQ_INT(gx_conn_exec(w, "DELETE FROM kv WHERE k = 5"), 0);
	/* committing such a transaction is an error, not a silent rollback */
	ASSERT_EQ_INT(gx_conn_begin(w), 0);
	ASSERT_EQ_INT(insert_kv(w, 3, "three"), 0);
	ASSERT_EQ_INT(insert_kv(w, 1, "dup"), GX_ECONFLICT);
	ASSERT_EQ_INT(gx_conn_commit(w), GX_EDB);
	gx_store_release(w); /* rolls back (nothing left to roll back) */
	gx_store_writer(s, &w);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM kv WHERE k < 10"), 2);
	/* a syntax error is GX_EDB */
	ASSERT_EQ_INT(gx_conn_prepare(w, "SELEKT 1", &st), GX_EDB);
	/* readers are read-only */
	struct gx_conn *r;
	gx_store_reader(s, &r);
	ASSERT_EQ_INT(insert_kv(r, 5, "five"), GX_EDB);
	gx_store_release(r);

	/* more distinct statements than the cache holds */
	for (int i = 0; i < 600; i++) {
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT %d + ?", i);
		ASSERT_EQ_INT(gx_conn_prepare(w, sql, &st), 0);
		gx_stmt_bind_int64(st, 1, 1);
		ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
		ASSERT_EQ_INT(gx_stmt_col_int64(st, 0), i + 1);
		gx_stmt_reset(st);
	}
	ASSERT_TRUE(one_int(w, "SELECT count(*) FROM pg_prepared_statements") <= 256);
	gx_store_release(w);
	drop_schema(s);
	gx_store_close(s);
}

GX_TEST(pg_store_one_writer_across_stores_and_reader_snapshots)
{
	const char *url = pg_url();
	if (!url)
		return;
	/* two stores stand for two processes on one database */
	struct gx_store *a = open_url(url, 1, 300), *b = open_url(url, 1, 300);
	struct gx_conn *wa, *wb, *rb;
	gx_store_writer(a, &wa);
	ASSERT_EQ_INT(gx_conn_exec(wa, "CREATE TABLE kv (k BIGINT NOT NULL PRIMARY KEY, v TEXT)"), 0);
	ASSERT_EQ_INT(gx_conn_begin(wa), 0);
	ASSERT_EQ_INT(insert_kv(wa, 1, "a"), 0);
	/* b's writer waits for the write lock, then gives up: busy */
	gx_store_writer(b, &wb);
	ASSERT_EQ_INT(gx_conn_begin(wb), GX_EBUSY);
	/* b's reader sees the last committed state, not a's open transaction */
	gx_store_reader(b, &rb);
	ASSERT_EQ_INT(gx_conn_begin(rb), 0);
	ASSERT_EQ_INT(one_int(rb, "SELECT count(*) FROM kv"), 0);
	ASSERT_EQ_INT(gx_conn_commit(wa), 0);
	/* ...and keeps its snapshot until its transaction ends */
	ASSERT_EQ_INT(one_int(rb, "SELECT count(*) FROM kv"), 0);
	ASSERT_EQ_INT(gx_conn_commit(rb), 0);
	ASSERT_EQ_INT(one_int(rb, "SELECT count(*) FROM kv"), 1);
	gx_store_release(rb);
	/* the write lock is free again; the failed begin left nothing open */
	commit_kv(wb, 2, "b");
	gx_store_release(wb);
	gx_store_release(wa);
	ASSERT_EQ_INT(check_count_rows(a, "SELECT count(*) FROM kv"), 2);
	drop_schema(a);
	gx_store_close(b);
	gx_store_close(a);
}

GX_TEST(pg_store_reconnects_outside_transactions_only)
{
	const char *url = pg_url();
	if (!url)
		return;
	struct gx_store *s = open_url(url, 1, 1000), *killer = open_url(url, 1, 1000);
	struct gx_conn *w, *r, *k;
	gx_store_writer(s, &w);
	ASSERT_EQ_INT(gx_conn_exec(w, "CREATE TABLE kv (k BIGINT NOT NULL PRIMARY KEY, v TEXT)"), 0);
	gx_store_reader(s, &r);
	int64_t pid = one_int(r, "SELECT pg_backend_pid()");
	gx_store_writer(killer, &k);
	kill_backend(k, pid);
	/* a read outside a transaction is retried on a new connection */
	ASSERT_TRUE(one_int(r, "SELECT pg_backend_pid()") != pid);
	gx_store_release(r);

	/* the writer loses its connection inside a transaction: the rest fails,
	 * nothing of it is committed, and the next transaction works */
	ASSERT_EQ_INT(gx_conn_begin(w), 0);
	ASSERT_EQ_INT(insert_kv(w, 1, "lost"), 0);
	kill_backend(k, one_int(w, "SELECT pg_backend_pid()"));
	ASSERT_EQ_INT(insert_kv(w, 2, "after"), GX_EDB);
	ASSERT_EQ_INT(insert_kv(w, 3, "after"), GX_EDB); /* no silent reconnect */
	ASSERT_TRUE(gx_conn_commit(w) != 0);
	gx_store_release(w); /* rolls back */
	gx_store_writer(s, &w);
	commit_kv(w, 4, "new");
	gx_store_release(w);
	gx_store_release(k);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM kv"), 1);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT k FROM kv"), 4);
	drop_schema(s);
	gx_store_close(killer);
	gx_store_close(s);
}

GX_TEST(pg_store_check_backup_and_migrations)
{
	const char *url = pg_url();
	if (!url)
		return;
	struct gx_store *s = open_migrated(url);
	int v = 0;
	ASSERT_EQ_INT(gx_schema_version(s, &v), 0);
	ASSERT_EQ_INT(v, (int)gx_migrations[gx_migrations_count - 1].version);
	char msg[200];
	ASSERT_EQ_INT(gx_store_check(s, msg, sizeof msg), 0);
	ASSERT_EQ_STR(msg, "ok");
	char path[300];
	snprintf(path, sizeof path, "%s/backup.db", gx_test_tmpdir());
	ASSERT_EQ_INT(gx_store_backup(s, path), GX_EUNSUPPORTED);
	ASSERT_EQ_INT(gx_store_restore(s, path), GX_EUNSUPPORTED);
	/* the migrations' PostgreSQL-only comments were applied: byte order for
	 * the prefix ranges over search terms */
	struct gx_conn *c;
	gx_store_reader(s, &c);
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT count(*) FROM information_schema.columns WHERE "
				      "table_schema = current_schema() AND table_name = 'search_terms' "
				      "AND column_name = 'term' AND collation_name = 'C'", &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	ASSERT_EQ_INT(gx_stmt_col_int64(st, 0), 1);
	gx_stmt_reset(st);
	gx_store_release(c);
	ASSERT_EQ_INT(gx_tenant_create(s, "one", "One", NULL, NULL, NULL, NULL), 0);
	ASSERT_EQ_INT(gx_tenant_create(s, "one", "One again", NULL, NULL, NULL, NULL), GX_ECONFLICT);
	int64_t id = 0;
	ASSERT_EQ_INT(gx_tenant_find(s, "one", &id), 0);
	ASSERT_TRUE(id > 0);
	drop_schema(s);
	gx_store_close(s);
}

/* ---- the entity engine on PostgreSQL (as tests/unit/test_entity.c) -------------- */

/* Runs check (from entity_checks.c, shared with test_entity.c) on a fresh
 * migrated schema, when there is a server. */
static void on_migrated(void (*check)(struct gx_store *))
{
	const char *url = pg_url();
	if (!url)
		return;
	struct gx_store *s = open_migrated(url);
	check(s);
	drop_schema(s);
	gx_store_close(s);
}

GX_TEST(pg_entity_create_update_stale_delete_restore_history)
{
	on_migrated(check_entity_lifecycle);
}

GX_TEST(pg_entity_list_keyset_walks_every_row_once)
{
	on_migrated(check_entity_keyset);
}

/* ---- ready for Citus: tenant_id leads every key ------------------------------ */

/* Prints each row of sql (offenders) and returns how many there were. */
static int offenders(struct gx_conn *c, const char *what, const char *sql)
{
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &st), 0);
	int n = 0, rc;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		fprintf(stderr, "  %s: %s\n", what, gx_stmt_col_text(st, 0));
		n++;
	}
	ASSERT_EQ_INT(rc, GX_DONE);
	gx_stmt_reset(st);
	return n;
}

GX_TEST(pg_schema_keys_lead_with_tenant_id)
{
	const char *url = pg_url();
	if (!url)
		return;
	struct gx_store *s = open_migrated(url);
	struct gx_conn *c;
	gx_store_reader(s, &c);
	/* tenants is the reference table; schema_migrations stays on the
	 * coordinator; every other table is distributed by tenant_id */
	int bad = offenders(c, "table without tenant_id",
		"SELECT t.relname FROM pg_class t WHERE t.relnamespace = current_schema()::regnamespace "
		"AND t.relkind = 'r' AND t.relname NOT IN ('tenants', 'schema_migrations') "
		"AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid "
		"AND a.attname = 'tenant_id' AND NOT a.attisdropped)");
	/* Citus enforces a unique index or primary key only when it holds the
	 * distribution column; leading with it also keeps a tenant's rows together */
	bad += offenders(c, "unique key not led by tenant_id",
		"SELECT t.relname || '.' || i.relname FROM pg_index x "
		"JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
		"WHERE t.relnamespace = current_schema()::regnamespace AND x.indisunique "
		"AND t.relname NOT IN ('tenants', 'schema_migrations') "
		"AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid "
		"AND a.attnum = x.indkey[0]) IS DISTINCT FROM 'tenant_id'");
	/* a foreign key between distributed tables must join on tenant_id
	 * (references to the tenants reference table are fine) */
	bad += offenders(c, "foreign key without tenant_id",
		"SELECT t.relname || '.' || k.conname FROM pg_constraint k "
		"JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid "
		"WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace "
		"AND r.relname <> 'tenants' AND NOT ("
		"(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = k.conkey[1]) = 'tenant_id' "
		"AND (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attnum = k.confkey[1]) = 'tenant_id')");
	ASSERT_EQ_INT(bad, 0);
	gx_store_release(c);
	drop_schema(s);
	gx_store_close(s);
}
