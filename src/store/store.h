/* store.h — the storage interface every module uses: a pool of connections to
 * one database (SQLite now, PostgreSQL later), prepared statements cached per
 * connection, transactions. SQL is written once with `?` placeholders in the
 * subset both engines accept. */
#ifndef GX_STORE_STORE_H
#define GX_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct gx_store;
struct gx_conn;
struct gx_stmt;

struct gx_store_opts {
	int readers;           /* reader connections (at least 1) */
	int busy_timeout_ms;   /* how long a locked database is waited for */
	int create;            /* create the database when missing */
	const char *replica;   /* PostgreSQL: a read replica's URL for the readers
				* (NULL or "": none); see gx_store_reader */
};

enum { GX_DONE = 0, GX_ROW = 1 };
enum gx_col_type { GX_COL_NULL, GX_COL_INT, GX_COL_REAL, GX_COL_TEXT };

/* Opens the database named by url (a file path, or "file:" path). Owner: the
 * caller, released with gx_store_close. GX_EDB/GX_EIO when it cannot open,
 * GX_ENOTFOUND when it does not exist and opts->create is 0, GX_EUNSUPPORTED
 * for a replica on SQLite. An unreachable replica is not an error. */
int gx_store_open(const char *url, const struct gx_store_opts *opts, struct gx_store **out);
void gx_store_close(struct gx_store *s);
/* Backend name: "sqlite" or "postgres". */
const char *gx_store_backend(const struct gx_store *s);
/* The backend name of a connection's store. */
const char *gx_conn_backend(const struct gx_conn *c);

/* Borrows a connection for reading (may wait for a free one). With a
 * replica, the connection is on the replica when it answers and has replayed
 * every write this store committed (read-your-own-writes within the
 * process), else on the primary: a replica that is down or behind never
 * fails a read. */
int gx_store_reader(struct gx_store *s, struct gx_conn **out);
/* Lets reader connections keep their read snapshot from one borrow to the
 * next while nothing has been committed since (SQLite: no WAL read lock to
 * take and drop per read; a borrow still sees every commit made before it,
 * by any connection or process). A no-op where the backend has no such
 * thing. The caller then calls gx_store_idle every GX_STORE_IDLE_MS or so:
 * a kept snapshot holds checkpoints back. Call before the readers are used
 * from several threads (the server does at start). */
void gx_store_hold_reads(struct gx_store *s);
/* Drops the snapshots that free readers have kept longer than
 * GX_STORE_HOLD_MS. */
void gx_store_idle(struct gx_store *s);
#define GX_STORE_IDLE_MS 100
#define GX_STORE_HOLD_MS 500
/* Borrows the single writer connection (waits while another thread holds it).
 * Reads through it see its own uncommitted writes. */
int gx_store_writer(struct gx_store *s, struct gx_conn **out);
/* Gives a borrowed connection back; rolls back an open transaction. NULL ok. */
void gx_store_release(struct gx_conn *c);

/* Transactions. begin on the writer takes the write lock at once. */
int gx_conn_begin(struct gx_conn *c);
int gx_conn_commit(struct gx_conn *c);
int gx_conn_rollback(struct gx_conn *c);
/* Runs one or more statements without results (DDL, migrations). */
int gx_conn_exec(struct gx_conn *c, const char *sql);

/* Prepares sql (or takes it from the connection's cache). The statement
 * belongs to the connection; call gx_stmt_reset when done (done for you on
 * release). GX_EDB on a syntax error. */
int gx_conn_prepare(struct gx_conn *c, const char *sql, struct gx_stmt **out);
/* gx_conn_prepare for SQL text that lives, unchanged, as long as the process
 * (a literal, a text built once and kept): the cache may find it by its
 * address instead of hashing and comparing the text. */
int gx_conn_prepare_static(struct gx_conn *c, const char *sql, struct gx_stmt **out);
/* Bind parameters, 1-based. Text is copied. */
int gx_stmt_bind_int64(struct gx_stmt *st, int idx, int64_t v);
int gx_stmt_bind_double(struct gx_stmt *st, int idx, double v);
int gx_stmt_bind_text(struct gx_stmt *st, int idx, const char *s, size_t n);
int gx_stmt_bind_str(struct gx_stmt *st, int idx, const char *s); /* NULL binds NULL */
int gx_stmt_bind_null(struct gx_stmt *st, int idx);
/* Steps: GX_ROW, GX_DONE, or a negative error (GX_ECONFLICT for a unique or
 * key violation, GX_EBUSY, GX_EDB). */
int gx_stmt_step(struct gx_stmt *st);
int gx_stmt_columns(struct gx_stmt *st);
const char *gx_stmt_col_name(struct gx_stmt *st, int i);
enum gx_col_type gx_stmt_col_type(struct gx_stmt *st, int i);
int64_t gx_stmt_col_int64(struct gx_stmt *st, int i);
double gx_stmt_col_double(struct gx_stmt *st, int i);
/* Text of column i, valid until the next step/reset; NULL for SQL NULL. */
const char *gx_stmt_col_text(struct gx_stmt *st, int i);
/* Column i's type and value in one call (a row writer's per-column
 * gx_stmt_col_type + gx_stmt_col_* was most of its cost): i for GX_COL_INT,
 * d for GX_COL_REAL, text (NUL-terminated, valid until the next step/reset)
 * for GX_COL_TEXT; the other members are left as they were. */
struct gx_col {
	enum gx_col_type type;
	int64_t i;
	double d;
	const char *text;
};
void gx_stmt_col(struct gx_stmt *st, int i, struct gx_col *out);
/* Rows changed by the last INSERT/UPDATE/DELETE on this statement. */
int64_t gx_stmt_changes(struct gx_stmt *st);
void gx_stmt_reset(struct gx_stmt *st);
/* A pointer the caller may keep with a statement, e.g. what it has checked
 * about its columns once (entity/rowjson.c): NULL until set, and NULL again
 * in the statement the cache gives after it has dropped this one. */
const void *gx_stmt_memo(struct gx_stmt *st);
void gx_stmt_set_memo(struct gx_stmt *st, const void *memo);

/* Online, consistent copy of the whole database to path (SQLite backup API),
 * safe while the server runs. */
int gx_store_backup(struct gx_store *s, const char *path);
/* Replaces the database's content with the backup at path after checking it
 * (integrity_check and a guanxi schema). Stop the server first. */
int gx_store_restore(struct gx_store *s, const char *path);
/* Runs PRAGMA integrity_check (or the backend's equivalent); 0 when ok. */
int gx_store_check(struct gx_store *s, char *msg, size_t cap);
/* The tables of the database's schema (the engine's own left out), for
 * tools that copy whole databases: a JSON array of {"name", "columns": [in
 * table order], "primary_key": [columns in key order], "references":
 * [tables its foreign keys point to]}, sorted by name. Owner of *out: the
 * caller (json_decref). GX_EDB, GX_ENOMEM. */
struct json_t;
int gx_store_schema_take(struct gx_store *s, struct json_t **out);

/* The message of the last database error on this connection. */
const char *gx_conn_errmsg(struct gx_conn *c);

#endif
