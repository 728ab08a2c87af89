/* test_store.c — the store's pool on SQLite: readers that keep their snapshot
 * between borrows (gx_store_hold_reads) still see every commit, this
 * process's and another's, and give it up when idle. */
#include "gx_test.h"

#include "store/store.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

static struct gx_store *open_db(const char *path)
{
	struct gx_store_opts o = {.readers = 2, .busy_timeout_ms = 1000, .create = 1};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(path, &o, &s), 0);
	struct gx_conn *w;
	ASSERT_EQ_INT(gx_store_writer(s, &w), 0);
	ASSERT_EQ_INT(gx_conn_exec(w, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"), 0);
	gx_store_release(w);
	return s;
}

static long long count_rows(struct gx_store *s)
{
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT count(*) FROM t", &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	long long n = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	gx_store_release(c);
	return n;
}

static void insert_one(struct gx_store *s)
{
	struct gx_conn *w;
	ASSERT_EQ_INT(gx_store_writer(s, &w), 0);
	ASSERT_EQ_INT(gx_conn_exec(w, "INSERT INTO t VALUES (2)"), 0);
	gx_store_release(w);
}

/* Another process commits a row (its own connection, as `guanxi user add`
 * while the server runs). */
static void insert_from_child(const char *path)
{
	pid_t pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		sqlite3 *db;
		int ok = sqlite3_open(path, &db) == SQLITE_OK &&
			 sqlite3_busy_timeout(db, 1000) == SQLITE_OK &&
			 sqlite3_exec(db, "INSERT INTO t VALUES (3)", NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_close(db);
		_exit(ok ? 0 : 1);
	}
	int status;
	ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* PRAGMA wal_checkpoint on a connection of its own: frames in the WAL and
 * frames copied back; fewer copied while a reader keeps an older snapshot. */
static void checkpoint(const char *path, int *log, int *done)
{
	sqlite3 *db;
	ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	ASSERT_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st, NULL), SQLITE_OK);
	ASSERT_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	*log = sqlite3_column_int(st, 1);
	*done = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

GX_TEST(store_kept_snapshot_sees_every_commit)
{
	char path[512];
	snprintf(path, sizeof path, "%s/hold.db", gx_test_tmpdir());
	struct gx_store *s = open_db(path);
	gx_store_hold_reads(s);
	ASSERT_EQ_INT(count_rows(s), 1);
	ASSERT_EQ_INT(count_rows(s), 1); /* twice: the second borrow keeps the snapshot */
	insert_one(s);                   /* this process's writer */
	ASSERT_EQ_INT(count_rows(s), 2);
	ASSERT_EQ_INT(count_rows(s), 2);
	insert_from_child(path);         /* another process */
	ASSERT_EQ_INT(count_rows(s), 3);
	/* both readers at once: each checks at its borrow */
	struct gx_conn *a, *b;
	ASSERT_EQ_INT(gx_store_reader(s, &a), 0);
	ASSERT_EQ_INT(gx_store_reader(s, &b), 0);
	gx_store_release(b);
	gx_store_release(a);
	insert_from_child(path);
	ASSERT_EQ_INT(count_rows(s), 4);
	ASSERT_EQ_INT(count_rows(s), 4);
	gx_store_close(s);
}

/* A reader that keeps its snapshot (an open read transaction) still runs
 * its borrower's own transaction, and a commit made meanwhile is seen at the
 * next borrow. */
GX_TEST(store_kept_snapshot_and_own_transaction)
{
	char path[512];
	snprintf(path, sizeof path, "%s/own.db", gx_test_tmpdir());
	struct gx_store *s = open_db(path);
	gx_store_hold_reads(s);
	ASSERT_EQ_INT(count_rows(s), 1); /* kept from here */
	for (int i = 0; i < 2; i++) {    /* both readers of the pool */
		struct gx_conn *a, *b;
		ASSERT_EQ_INT(gx_store_reader(s, &a), 0);
		ASSERT_EQ_INT(gx_store_reader(s, &b), 0);
		struct gx_conn *c = i ? b : a;
		ASSERT_EQ_INT(gx_conn_begin(c), 0);
		struct gx_stmt *st;
		ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT count(*) FROM t", &st), 0);
		ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
		ASSERT_EQ_INT(gx_stmt_col_int64(st, 0), 1 + i);
		gx_stmt_reset(st);
		ASSERT_EQ_INT(gx_conn_commit(c), 0);
		gx_store_release(b);
		gx_store_release(a);
		insert_from_child(path);
		ASSERT_EQ_INT(count_rows(s), 2 + i);
	}
	gx_store_close(s);
}

/* gx_conn_prepare_static finds a statement by its text's address, and never
 * hands out one that is in use. */
GX_TEST(store_prepare_static_by_address)
{
	char path[512];
	snprintf(path, sizeof path, "%s/static.db", gx_test_tmpdir());
	struct gx_store *s = open_db(path);
	static const char sql[] = "SELECT count(*) FROM t WHERE x > ?";
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	struct gx_stmt *a, *b, *again;
	ASSERT_EQ_INT(gx_conn_prepare_static(c, sql, &a), 0);
	ASSERT_EQ_INT(gx_stmt_bind_int64(a, 1, 0), 0);
	ASSERT_EQ_INT(gx_stmt_step(a), GX_ROW);
	/* a is on its row: a nested use gets another statement */
	ASSERT_EQ_INT(gx_conn_prepare_static(c, sql, &b), 0);
	ASSERT_TRUE(b != a);
	ASSERT_EQ_INT(gx_stmt_bind_int64(b, 1, 5), 0);
	ASSERT_EQ_INT(gx_stmt_step(b), GX_ROW);
	ASSERT_EQ_INT(gx_stmt_col_int64(b, 0), 0);
	ASSERT_EQ_INT(gx_stmt_col_int64(a, 0), 1);
	gx_stmt_reset(b);
	gx_stmt_reset(a);
	/* free again: the address finds a cached one (the same text by
	 * gx_conn_prepare is the same cache) */
	ASSERT_EQ_INT(gx_conn_prepare_static(c, sql, &again), 0);
	ASSERT_TRUE(again == a || again == b);
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &again), 0);
	ASSERT_TRUE(again == a || again == b);
	ASSERT_EQ_INT(gx_stmt_bind_int64(again, 1, 0), 0);
	ASSERT_EQ_INT(gx_stmt_step(again), GX_ROW);
	ASSERT_EQ_INT(gx_stmt_col_int64(again, 0), 1);
	gx_stmt_reset(again);
	gx_store_release(c);
	gx_store_close(s);
}

GX_TEST(store_kept_snapshot_dropped_when_idle)
{
	char path[512];
	snprintf(path, sizeof path, "%s/idle.db", gx_test_tmpdir());
	struct gx_store *s = open_db(path);
	gx_store_hold_reads(s);
	ASSERT_EQ_INT(count_rows(s), 1); /* the reader keeps this snapshot */
	insert_from_child(path);
	int log, done;
	checkpoint(path, &log, &done);
	/* the new commit's frames cannot be copied past the kept snapshot:
	 * proof that the reader does keep it */
	ASSERT_TRUE(log > 0);
	ASSERT_TRUE(done < log);
	gx_store_idle(s); /* not yet: kept for less than GX_STORE_HOLD_MS */
	checkpoint(path, &log, &done);
	ASSERT_TRUE(done < log);
	usleep((GX_STORE_HOLD_MS + 50) * 1000);
	gx_store_idle(s);
	checkpoint(path, &log, &done);
	ASSERT_EQ_INT(done, log);
	ASSERT_EQ_INT(count_rows(s), 2);
	gx_store_close(s);
}

GX_TEST(store_reads_without_kept_snapshots)
{
	char path[512];
	snprintf(path, sizeof path, "%s/plain.db", gx_test_tmpdir());
	struct gx_store *s = open_db(path);
	ASSERT_EQ_INT(count_rows(s), 1);
	insert_from_child(path);
	int log, done;
	checkpoint(path, &log, &done);
	ASSERT_EQ_INT(done, log); /* no snapshot kept: everything copied back */
	ASSERT_EQ_INT(count_rows(s), 2);
	gx_store_close(s);
}
