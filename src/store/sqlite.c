/* sqlite.c — the SQLite backend: WAL, busy timeout, one writer connection,
 * reader connections, a prepared-statement cache per connection, backup API. */
#include "store/store_impl.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SLOTS 256
#define BY_ADDR_SLOTS 64

struct sq_stmt {
	struct gx_stmt base;
	sqlite3_stmt *st;
	int64_t changes;
	uint64_t hash;
	char *sql;
};

/* The wal-index header (walformat.html, "The WAL-Index Header"): two copies
 * of 48 bytes at the start of the -shm file, which every commit of any
 * connection or process rewrites (the second copy first). */
#define WALHDR 48
#define WALHDR_WORDS (WALHDR / 8)
#define WALHDR_ISINIT 12 /* the byte that says the header is initialised */

struct sq_conn {
	struct gx_conn base;
	sqlite3 *db;
	struct sq_stmt *cache[CACHE_SLOTS];
	int ncached;
	/* statements of static SQL text by the text's address (sq_prepare_static) */
	struct {
		const char *sql;
		struct sq_stmt *e;
	} by_addr[BY_ADDR_SLOTS];
	/* a reader's snapshot kept between borrows (see "kept snapshots") */
	sqlite3_stmt *pin;               /* a read: begins the snapshot */
	sqlite3_stmt *begin, *commit;    /* BEGIN and COMMIT of the kept snapshot */
	const volatile uint64_t *shm;   /* the wal-index header, as SQLite maps it */
	uint64_t hdr[WALHDR_WORDS];     /* the header read just before the snapshot began */
	int64_t held_ms;                /* since when the snapshot is kept; 0: none */
	int no_hold;                    /* no wal-index to look at: never keep one */
};

static void hold_drop(struct sq_conn *c);

static int map_rc(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_DONE: return 0;
	case SQLITE_ROW: return GX_ROW;
	case SQLITE_NOMEM: return GX_ENOMEM;
	case SQLITE_BUSY: case SQLITE_LOCKED: return GX_EBUSY;
	case SQLITE_TOOBIG: return GX_ETOOBIG;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return GX_ECONFLICT;
		gx_log_error("sqlite constraint: %s", db ? sqlite3_errmsg(db) : "?");
		return GX_EDB;
	case SQLITE_CANTOPEN: return GX_EIO;
	}
	gx_log_error("sqlite error %d: %s", rc, db ? sqlite3_errmsg(db) : "?");
	return GX_EDB;
}

static int sq_exec_db(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		gx_log_error("sqlite: %s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return map_rc(NULL, rc) ? map_rc(NULL, rc) : GX_EDB;
	}
	return 0;
}

/* Before SQLite initialises: no memory statistics, so that its allocator
 * takes no global mutex (the pool threads contended for it on every read).
 * Its small blocks (Debian's SQLite has no lookaside: ~8 a single-record
 * read) go to malloc, which release builds take from jemalloc; a per-thread
 * cache of them here saved ~0.5k of ~128k instructions a request on top of
 * jemalloc (callgrind, wrk -t1 -c4), and was removed. No-op (SQLITE_MISUSE)
 * when SQLite is already initialised. */
static void sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_conn_open(struct gx_store *s, int writer, int replica, struct gx_conn **out)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	pthread_once(&configured, sq_configure);
	(void)replica; /* SQLite has none: gx_store_open refuses one */
	struct sq_conn *c = calloc(1, sizeof *c);
	if (!c)
		return GX_ENOMEM;
	c->base.store = s;
	c->base.writer = writer;
	const char *path = s->url;
	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE;
	if (writer && s->opts.create)
		flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		int err = (rc == SQLITE_CANTOPEN && !s->opts.create) ? GX_ENOTFOUND : map_rc(c->db, rc);
		gx_log_error("cannot open database %s: %s", path, sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return err;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, s->opts.busy_timeout_ms);
	/* synchronous=FULL: an acknowledged write survives power loss, not only
	 * a killed process. */
	const char *setup = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16000;"
				   : "PRAGMA foreign_keys=ON; PRAGMA query_only=1; PRAGMA cache_size=-16000;";
	if ((rc = sq_exec_db(c->db, setup))) {
		sqlite3_close(c->db);
		free(c);
		return rc;
	}
	*out = &c->base;
	return 0;
}

static void sq_conn_close(struct gx_conn *gc)
{
	struct sq_conn *c = (struct sq_conn *)gc;
	if (!c)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (c->cache[i]) {
			sqlite3_finalize(c->cache[i]->st);
			free(c->cache[i]->sql);
			free(c->cache[i]);
		}
	}
	sqlite3_finalize(c->pin);
	sqlite3_finalize(c->begin);
	sqlite3_finalize(c->commit);
	sqlite3_close(c->db);
	free(c);
}

static int sq_exec(struct gx_conn *gc, const char *sql)
{
	struct sq_conn *c = (struct sq_conn *)gc;
	/* BEGIN, COMMIT, a PRAGMA: on the connection's own transaction state */
	hold_drop(c);
	return sq_exec_db(c->db, sql);
}

static const char *sq_errmsg(struct gx_conn *gc)
{
	return sqlite3_errmsg(((struct sq_conn *)gc)->db);
}

/* The statement cache's key: a hash of the SQL text 8 bytes at a time
 * (byte-at-a-time FNV-1a over a 400-byte SELECT cost ~1.8k instructions a
 * request). Collisions only cost a strcmp: entries are compared in full. */
static uint64_t sql_hash(const char *s, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, s + i, n - i);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 29;
	return h;
}

static void cache_clear(struct sq_conn *c)
{
	memset(c->by_addr, 0, sizeof c->by_addr);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct sq_stmt *e = c->cache[i];
		if (e && !e->base.active) {
			sqlite3_finalize(e->st);
			free(e->sql);
			free(e);
			c->cache[i] = NULL;
			c->ncached--;
		}
	}
}

static int sq_prepare(struct gx_conn *gc, const char *sql, struct gx_stmt **out)
{
	struct sq_conn *c = (struct sq_conn *)gc;
	size_t sql_len = strlen(sql);
	uint64_t h = sql_hash(sql, sql_len);
	unsigned slot = (unsigned)(h % CACHE_SLOTS);
	/* open addressing, linear probe */
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct sq_stmt *e = c->cache[(slot + i) % CACHE_SLOTS];
		if (!e)
			break;
		if (e->hash == h && strcmp(e->sql, sql) == 0) {
			if (e->base.active)
				break; /* in use (nested query on the same text): fresh one below */
			*out = &e->base;
			return 0;
		}
	}
	if (c->ncached >= CACHE_SLOTS * 3 / 4)
		cache_clear(c); /* generated SQL beyond the cache: start over */
	struct sq_stmt *e = calloc(1, sizeof *e);
	if (!e)
		return GX_ENOMEM;
	e->sql = strdup(sql);
	if (!e->sql) {
		free(e);
		return GX_ENOMEM;
	}
	int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL);
	if (rc != SQLITE_OK) {
		gx_log_error("sqlite prepare: %s in: %.200s", sqlite3_errmsg(c->db), sql);
		free(e->sql);
		free(e);
		return GX_EDB;
	}
	e->hash = h;
	e->base.conn = gc;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		unsigned k = (slot + (unsigned)i) % CACHE_SLOTS;
		if (!c->cache[k]) {
			c->cache[k] = e;
			c->ncached++;
			*out = &e->base;
			return 0;
		}
	}
	/* cache full of active statements: cannot happen with the 3/4 rule */
	sqlite3_finalize(e->st);
	free(e->sql);
	free(e);
	return GX_ENOMEM;
}

/* sq_prepare for text that never changes at its address (store.h): the
 * address finds the cached statement without hashing and comparing the
 * text (~0.5k instructions for a 400-byte SELECT). */
static int sq_prepare_static(struct gx_conn *gc, const char *sql, struct gx_stmt **out)
{
	struct sq_conn *c = (struct sq_conn *)gc;
	uintptr_t a = (uintptr_t)sql;
	unsigned slot = (unsigned)((a >> 4) ^ (a >> 12)) % BY_ADDR_SLOTS;
	struct sq_stmt *e = c->by_addr[slot].e;
	if (e && c->by_addr[slot].sql == sql && !e->base.active) {
		*out = &e->base;
		return 0;
	}
	int rc = sq_prepare(gc, sql, out);
	if (!rc) {
		c->by_addr[slot].sql = sql;
		c->by_addr[slot].e = (struct sq_stmt *)*out;
	}
	return rc;
}

#define ST(g) (((struct sq_stmt *)(g))->st)
#define DB(g) (((struct sq_conn *)(g)->conn)->db)

static int sq_bind_int64(struct gx_stmt *g, int i, int64_t v)
{
	return map_rc(DB(g), sqlite3_bind_int64(ST(g), i, v));
}
static int sq_bind_double(struct gx_stmt *g, int i, double v)
{
	return map_rc(DB(g), sqlite3_bind_double(ST(g), i, v));
}
static int sq_bind_text(struct gx_stmt *g, int i, const char *s, size_t n)
{
	return map_rc(DB(g), sqlite3_bind_text64(ST(g), i, s, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}
static int sq_bind_null(struct gx_stmt *g, int i)
{
	return map_rc(DB(g), sqlite3_bind_null(ST(g), i));
}
static int sq_step(struct gx_stmt *g)
{
	int rc = sqlite3_step(ST(g));
	if (rc == SQLITE_ROW)
		return GX_ROW;
	if (rc == SQLITE_DONE) {
		((struct sq_stmt *)g)->changes = sqlite3_changes64(DB(g));
		return GX_DONE;
	}
	return map_rc(DB(g), sqlite3_extended_errcode(DB(g)));
}
static int sq_columns(struct gx_stmt *g) { return sqlite3_column_count(ST(g)); }
static const char *sq_col_name(struct gx_stmt *g, int i) { return sqlite3_column_name(ST(g), i); }
static enum gx_col_type sq_col_type(struct gx_stmt *g, int i)
{
	switch (sqlite3_column_type(ST(g), i)) {
	case SQLITE_INTEGER: return GX_COL_INT;
	case SQLITE_FLOAT: return GX_COL_REAL;
	case SQLITE_NULL: return GX_COL_NULL;
	default: return GX_COL_TEXT;
	}
}
static int64_t sq_col_int64(struct gx_stmt *g, int i) { return sqlite3_column_int64(ST(g), i); }
static double sq_col_double(struct gx_stmt *g, int i) { return sqlite3_column_double(ST(g), i); }
static const char *sq_col_text(struct gx_stmt *g, int i)
{
	return (const char *)sqlite3_column_text(ST(g), i);
}
/* One sqlite3_column_* call per column (each enters and leaves the
 * connection's mutex slot and checks for a malloc failure), then the value
 * itself: a reader's connection is used by one thread at a time
 * (SQLITE_OPEN_NOMUTEX), so the unprotected value is safe to read. */
static void sq_col(struct gx_stmt *g, int i, struct gx_col *out)
{
	sqlite3_value *v = sqlite3_column_value(ST(g), i);
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		out->type = GX_COL_INT;
		out->i = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		out->type = GX_COL_REAL;
		out->d = sqlite3_value_double(v);
		break;
	case SQLITE_NULL:
		out->type = GX_COL_NULL;
		break;
	default:
		out->type = GX_COL_TEXT;
		out->text = (const char *)sqlite3_value_text(v); /* what sqlite3_column_text gives */
	}
}
static int64_t sq_changes(struct gx_stmt *g) { return ((struct sq_stmt *)g)->changes; }
static void sq_reset(struct gx_stmt *g)
{
	sqlite3_reset(ST(g));
	sqlite3_clear_bindings(ST(g));
}

/* ---- kept snapshots (gx_store_hold_reads) ------------------------------------------
 * Each autocommit read takes a WAL read lock and drops it at the end: two
 * fcntl calls on the -shm file, and the pool threads meet on SQLite's -shm
 * mutex (1.8 fcntl and a futex wait per API request, ~15 % of its CPU). A
 * reader that keeps its read transaction open between borrows takes none
 * of that, and it may as long as its snapshot is the latest commit: at each
 * borrow the wal-index header is compared with the copy read before the
 * snapshot began. Every commit (this process's writer, another process
 * such as `guanxi user add`) rewrites the header before it returns, so
 * "unchanged" means nothing has been committed since the copy, and the
 * snapshot, which began after it, is the latest; "changed" drops it and the
 * borrow's first statement begins a new one. A commit that lands between
 * the copy and the snapshot only costs a needless drop at the next borrow.
 * The snapshot is an explicit read transaction (BEGIN, then one read) that
 * COMMIT ends: the borrower's statements run inside it, and each one's end
 * skips what SQLite does at the end of an autocommit statement (a commit
 * attempt and, in Debian's build with unlock-notify, a process-wide mutex
 * that the pool threads took in turn on every read). exec (BEGIN, COMMIT,
 * PRAGMA) drops it first, and none is begun while the borrower's own
 * transaction is open. gx_store_idle drops snapshots kept longer than
 * GX_STORE_HOLD_MS by idle connections, which would hold checkpoints back. */

/* Copies the header; false while a commit is rewriting it (the two copies
 * differ) or before SQLite has initialised it. */
static bool hdr_read(const volatile uint64_t *shm, uint64_t out[WALHDR_WORDS])
{
	uint64_t second[WALHDR_WORDS];
	for (int i = 0; i < WALHDR_WORDS; i++)
		out[i] = shm[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int i = 0; i < WALHDR_WORDS; i++)
		second[i] = shm[WALHDR_WORDS + i];
	return memcmp(out, second, WALHDR) == 0 && ((const unsigned char *)out)[WALHDR_ISINIT];
}

static void hold_drop(struct sq_conn *c)
{
	if (c->held_ms) {
		/* a read transaction commits even with reads in progress; should
		 * it not, ROLLBACK ends it (and them): an old snapshot must not
		 * stay open under the next borrower */
		if (sqlite3_step(c->commit) != SQLITE_DONE) {
			gx_log_error("sqlite: cannot end a kept snapshot: %s", sqlite3_errmsg(c->db));
			sqlite3_reset(c->commit);
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		}
		sqlite3_reset(c->commit);
		c->held_ms = 0;
	}
}

/* Finds the wal-index SQLite has mapped for this connection (once): after a
 * read in WAL mode the database file's xShmMap hands back region 0. */
static int hold_setup(struct sq_conn *c)
{
	sqlite3_stmt *jm = NULL;
	bool wal = false;
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &jm, NULL) == SQLITE_OK &&
	    sqlite3_step(jm) == SQLITE_ROW)
		wal = sqlite3_stricmp((const char *)sqlite3_column_text(jm, 0), "wal") == 0;
	sqlite3_finalize(jm);
	if (!wal)
		return GX_EUNSUPPORTED;
	if ((!c->pin && sqlite3_prepare_v3(c->db, "SELECT 1 FROM sqlite_schema", -1,
					   SQLITE_PREPARE_PERSISTENT, &c->pin, NULL) != SQLITE_OK) ||
	    (!c->begin && sqlite3_prepare_v3(c->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &c->begin,
					     NULL) != SQLITE_OK) ||
	    (!c->commit && sqlite3_prepare_v3(c->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &c->commit,
					      NULL) != SQLITE_OK))
		return GX_EDB;
	int rc = GX_EUNSUPPORTED;
	if (sqlite3_step(c->pin) == SQLITE_ROW) {
		sqlite3_file *f = NULL;
		volatile void *region = NULL;
		if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
		    f->pMethods && f->pMethods->iVersion >= 2 && f->pMethods->xShmMap &&
		    f->pMethods->xShmMap(f, 0, 32768, 0, &region) == SQLITE_OK && region) {
			c->shm = (const volatile uint64_t *)region; /* page-aligned */
			rc = 0;
		}
	}
	sqlite3_reset(c->pin);
	return rc;
}

static void sq_reader_take(struct gx_conn *gc)
{
	struct sq_conn *c = (struct sq_conn *)gc;
	if (c->no_hold)
		return;
	uint64_t now[WALHDR_WORDS];
	if (c->held_ms) {
		if (hdr_read(c->shm, now) && memcmp(now, c->hdr, WALHDR) == 0)
			return; /* nothing committed since: the kept snapshot is the latest */
		hold_drop(c);
		if (sqlite3_txn_state(c->db, NULL) != SQLITE_TXN_NONE)
			return; /* a statement left active holds it: not ours to keep */
	}
	if (!c->shm && hold_setup(c)) {
		c->no_hold = 1;
		return;
	}
	/* the copy first, then the snapshot (see above) */
	if (!hdr_read(c->shm, c->hdr))
		return; /* a commit in progress: read in autocommit mode this time */
	if (!sqlite3_get_autocommit(c->db))
		return; /* the borrower's own transaction is open: not ours to keep */
	int rc = sqlite3_step(c->begin);
	sqlite3_reset(c->begin);
	if (rc != SQLITE_DONE)
		return;
	rc = sqlite3_step(c->pin);
	sqlite3_reset(c->pin);
	if (rc != SQLITE_ROW) {
		sqlite3_step(c->commit);
		sqlite3_reset(c->commit);
		return;
	}
	c->held_ms = gx_mono_ms();
	if (!c->held_ms)
		c->held_ms = 1;
}

static int64_t sq_reader_held(struct gx_conn *gc)
{
	return ((struct sq_conn *)gc)->held_ms;
}

static void sq_reader_drop(struct gx_conn *gc)
{
	hold_drop((struct sq_conn *)gc);
}

/* Copies src into dst page by page with the backup API, retrying while busy. */
static int copy_db(sqlite3 *dst, sqlite3 *src)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return map_rc(dst, sqlite3_errcode(dst));
	int rc;
	while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
	       rc == SQLITE_LOCKED) {
		if (rc != SQLITE_OK)
			sqlite3_sleep(20);
	}
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return map_rc(dst, rc);
	return map_rc(dst, frc);
}

static int sq_backup(struct gx_store *s, const char *path)
{
	const char *src_path = strncmp(s->url, "file:", 5) == 0 ? s->url + 5 : s->url;
	char tmp[1100];
	snprintf(tmp, sizeof tmp, "%s.partial", path);
	unlink(tmp);
	sqlite3 *src = NULL, *dst = NULL;
	int rc = GX_EIO;
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(src, s->opts.busy_timeout_ms);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto out;
	rc = copy_db(dst, src);
	if (!rc)
		rc = sq_exec_db(dst, "PRAGMA journal_mode=DELETE;");
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (!rc && rename(tmp, path) != 0)
		rc = GX_EIO;
	if (rc)
		unlink(tmp);
	return rc;
}

static int check_db(sqlite3 *db, char *msg, size_t cap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, cap, "%s", sqlite3_errmsg(db));
		return GX_EDB;
	}
	int rc = GX_EDB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		snprintf(msg, cap, "%s", r ? r : "");
		rc = r && strcmp(r, "ok") == 0 ? 0 : GX_EDB;
	} else {
		snprintf(msg, cap, "%s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc;
}

static int sq_restore(struct gx_store *s, const char *path)
{
	sqlite3 *src = NULL;
	char msg[256];
	int rc;
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		return GX_EIO;
	}
	rc = check_db(src, msg, sizeof msg);
	if (rc) {
		gx_log_error("backup %s fails its integrity check: %s", path, msg);
		sqlite3_close(src);
		return GX_EINVAL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(src, "SELECT max(version) FROM schema_migrations", -1, &st, NULL) != SQLITE_OK) {
		gx_log_error("%s is not a guanxi database", path);
		sqlite3_close(src);
		return GX_EINVAL;
	}
	sqlite3_finalize(st);
	struct gx_conn *w;
	gx_store_writer(s, &w);
	rc = copy_db(((struct sq_conn *)w)->db, src);
	/* the writer's cached statements refer to the old schema */
	cache_clear((struct sq_conn *)w);
	gx_store_release(w);
	sqlite3_close(src);
	return rc;
}

static int sq_check(struct gx_store *s, char *msg, size_t cap)
{
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	rc = check_db(((struct sq_conn *)c)->db, msg, cap);
	gx_store_release(c);
	return rc;
}

static int sq_schema(struct gx_conn *c, struct json_t **out)
{
	return gx_store_schema_query(
		/* ordinary tables: not the search index's FTS5 tables (virtual) nor
		 * their shadow tables, which FTS5 writes itself */
		c, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
		   "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
		"SELECT name, pk FROM pragma_table_info(?) ORDER BY cid",
		"SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1", out);
}

const struct gx_backend gx_sqlite_backend = {
	.name = "sqlite",
	.conn_open = sq_conn_open,
	.conn_close = sq_conn_close,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.prepare_static = sq_prepare_static,
	.errmsg = sq_errmsg,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.columns = sq_columns,
	.col_name = sq_col_name,
	.col_type = sq_col_type,
	.col_int64 = sq_col_int64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col = sq_col,
	.changes = sq_changes,
	.reset = sq_reset,
	.backup = sq_backup,
	.restore = sq_restore,
	.check = sq_check,
	.schema = sq_schema,
	.reader_take = sq_reader_take,
	.reader_held = sq_reader_held,
	.reader_drop = sq_reader_drop,
};
