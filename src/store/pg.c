/* pg.c — the PostgreSQL backend (libpq): one PGconn per gx_conn, `?` rewritten
 * to `$n`, statements prepared once per connection and cached by SQL text,
 * parameters sent as text, whole results fetched and stepped row by row,
 * errors mapped by SQLSTATE. See docs/scaling.md. */
#include "store/store_impl.h"

#include "core/err.h"
#include "core/log.h"
#include "store/migrations.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CACHE_SLOTS 256

/* Type OIDs from the server's catalogue (pg_type.dat); stable since 7.x. */
enum {
	OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
	OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700,
};

/* The transaction-scoped advisory lock every write transaction takes: "gx"
 * and 1, and the installation's schema (advisory locks are per database
 * already). It makes BEGIN IMMEDIATE mean on PostgreSQL what it means on
 * SQLite — one writer at a time across every process using the
 * installation, not only inside one process. */
#define WRITE_LOCK "pg_advisory_xact_lock(1735917569, hashtext(coalesce(current_schema(), '')))"

struct pg_stmt {
	struct gx_stmt base;
	uint64_t hash;
	char *sql;          /* the caller's text: the cache key */
	char *pgsql;        /* the text sent to the server ($n placeholders) */
	char name[24];      /* server-side prepared statement */
	unsigned gen;       /* connection generation it was prepared in */
	int nparams;
	char **values;      /* nparams text values, NULL for SQL NULL (owned) */
	PGresult *res;      /* the result of the current execution */
	PGresult *desc;     /* column description before the first step */
	int row, nrows;
	int64_t changes;
};

struct pg_conn {
	struct gx_conn base;
	PGconn *db;
	unsigned gen;           /* bumped at each reconnect: prepared statements are gone */
	unsigned long next_name;
	struct pg_stmt *cache[CACHE_SLOTS];
	int ncached;
	char err[512];          /* the last error, for gx_conn_errmsg */
};

/* ---- errors ------------------------------------------------------------- */

static void set_err(struct pg_conn *c, const char *msg)
{
	snprintf(c->err, sizeof c->err, "%s", msg ? msg : "");
	c->err[strcspn(c->err, "\n")] = '\0';
}

/* Maps a failed result to a GX_E* code by SQLSTATE and logs it, except a
 * unique conflict (an expected answer: 409). */
static int map_result(struct pg_conn *c, const PGresult *r, const char *sql)
{
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	set_err(c, msg && *msg ? msg : PQerrorMessage(c->db));
	if (!state || PQstatus(c->db) != CONNECTION_OK) {
		/* a replica that went away costs nothing: the primary answers */
		c->base.lost |= c->base.replica;
		if (c->base.replica)
			gx_log_warn("postgres: read replica connection failure: %s", c->err);
		else
			gx_log_error("postgres: connection failure: %s", c->err);
		return GX_EDB;
	}
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0) {
		gx_log_debug("postgres conflict: %s in: %.200s", c->err, sql ? sql : "");
		return GX_ECONFLICT;
	}
	/* serialization failure, deadlock, lock_timeout, statement_timeout,
	 * too many connections: try again later */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
	    strcmp(state, "53300") == 0) {
		gx_log_warn("postgres busy (%s): %s", state, c->err);
		return GX_EBUSY;
	}
	if (strcmp(state, "53200") == 0)
		return GX_ENOMEM;
	if (strncmp(state, "54", 2) == 0) {
		gx_log_warn("postgres limit (%s): %s", state, c->err);
		return GX_ETOOBIG;
	}
	/* data exceptions (bad number or date text, invalid UTF-8): bad input
	 * that SQLite's dynamic typing would have stored as it came */
	if (strncmp(state, "22", 2) == 0) {
		gx_log_warn("postgres rejected a value (%s): %s in: %.200s", state, c->err,
			    sql ? sql : "");
		return GX_EINVAL;
	}
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
		c->base.lost |= c->base.replica;
		if (c->base.replica)
			gx_log_warn("postgres: read replica connection failure (%s): %s", state, c->err);
		else
			gx_log_error("postgres: connection failure (%s): %s", state, c->err);
		return GX_EDB;
	}
	gx_log_error("postgres error %s: %s in: %.200s", state, c->err, sql ? sql : "");
	return GX_EDB;
}

/* Notices ("relation already exists, skipping") go to the debug log. */
static void on_notice(void *arg, const char *message)
{
	(void)arg;
	gx_log_debug("postgres: %.*s", (int)strcspn(message, "\n"), message);
}

/* ---- placeholders --------------------------------------------------------- */

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || (unsigned char)ch >= 0x80;
}

/* The rewriting behind gx_pg_rewrite; with params false, `?` stays as it is
 * (statements run by exec take no parameters). */
static int rewrite(const char *sql, bool params, char **out, int *nparams)
{
	*out = NULL;
	*nparams = 0;
	size_t len = strlen(sql), nq = 0;
	for (const char *p = sql; *p; p++)
		nq += *p == '?';
	if (nq > 65535)
		return GX_ETOOBIG; /* the protocol's limit on parameters */
	char *o = malloc(len + nq * 6 + 1);
	if (!o)
		return GX_ENOMEM;
	size_t w = 0;
	int n = 0;
	const char *p = sql;
	while (*p) {
		const char *start = p;
		if (*p == '\'' || *p == '"') {
			/* E'...' strings take backslash escapes; standard ones do not */
			bool esc = *p == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
				   (p - 1 == sql || !ident_char(p[-2]));
			char q = *p++;
			for (;;) {
				if (!*p)
					goto unterminated;
				if (esc && *p == '\\' && p[1]) {
					p += 2;
				} else if (*p == q && p[1] == q) {
					p += 2;
				} else if (*p == q) {
					p++;
					break;
				} else {
					p++;
				}
			}
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (strncmp(p, "/*pg:", 5) == 0) {
			/* SQL only PostgreSQL runs (docs/store.md): uncommented */
			const char *end = strstr(p + 5, "*/");
			if (!end)
				goto unterminated;
			memcpy(o + w, p + 5, (size_t)(end - p - 5));
			w += (size_t)(end - p - 5);
			p = end + 2;
			continue;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 0; /* PostgreSQL nests block comments */
			do {
				if (!*p)
					goto unterminated;
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			} while (depth > 0);
		} else if (*p == '$' && (p == sql || !ident_char(p[-1])) && !isdigit((unsigned char)p[1])) {
			/* $tag$ ... $tag$ */
			const char *t = p + 1;
			while (*t && *t != '$' && ident_char(*t))
				t++;
			if (*t == '$') {
				size_t taglen = (size_t)(t - p) + 1;
				const char *end = p + taglen;
				for (;;) {
					end = strchr(end, '$');
					if (!end)
						goto unterminated;
					if (strncmp(end, p, taglen) == 0)
						break;
					end++;
				}
				p = end + taglen;
			} else {
				p++;
			}
		} else if (*p == '?' && params) {
			w += (size_t)snprintf(o + w, 8, "$%d", ++n);
			p++;
			continue;
		} else {
			p++;
		}
		memcpy(o + w, start, (size_t)(p - start));
		w += (size_t)(p - start);
	}
	o[w] = '\0';
	*out = o;
	*nparams = n;
	return 0;
unterminated:
	free(o);
	gx_log_error("postgres: unterminated literal or comment in: %.200s", sql);
	return GX_EINVAL;
}

int gx_pg_rewrite(const char *sql, char **out, int *nparams)
{
	return rewrite(sql, true, out, nparams);
}

/* ---- connections ------------------------------------------------------------ */

/* Session settings, sent again after a reconnect. */
static int setup_session(struct pg_conn *c)
{
	struct gx_store *s = c->base.store;
	char sql[400];
	int ms = s->opts.busy_timeout_ms > 0 ? s->opts.busy_timeout_ms : 1;
	/* lock_timeout plays SQLite's busy_timeout: a writer waits that long for
	 * the write lock, then gets GX_EBUSY. Readers are read-only like
	 * SQLite's query_only readers. */
	snprintf(sql, sizeof sql,
		 "SET lock_timeout = %d; SET standard_conforming_strings = on; "
		 "SET TIME ZONE 'UTC'%s",
		 ms, c->base.writer ? "" : "; SET default_transaction_read_only = on");
	PGresult *r = PQexec(c->db, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : map_result(c, r, sql);
	PQclear(r);
	return rc;
}

/* Sorting and keyset cursors compare text by the database's collation; with
 * C or C.UTF-8 that is code-point order, the same as SQLite's BINARY. */
static void warn_collation(struct pg_conn *c)
{
	PGresult *r = PQexec(c->db, "SELECT datcollate FROM pg_database WHERE datname = current_database()");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		const char *coll = PQgetvalue(r, 0, 0);
		if (strcmp(coll, "C") && strcmp(coll, "POSIX") && strcasecmp(coll, "C.UTF-8") &&
		    strcasecmp(coll, "C.utf8"))
			gx_log_warn("postgres: the database's collation is %s: lists sort differently "
				    "from SQLite (create it with LC_COLLATE 'C.UTF-8')", coll);
	}
	PQclear(r);
}

/* With create (guanxi init), makes the first schema of the search path when
 * none of them exists yet, so that one database can hold several guanxi
 * installations side by side: postgres://.../db?options=-csearch_path%3Dname
 * (tests give each server a schema of its own this way). */
static int create_schema(struct pg_conn *c)
{
	PGresult *r = PQexec(c->db, "SELECT current_schema() IS NULL, current_setting('search_path')");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		rc = map_result(c, r, "current_schema()");
		PQclear(r);
		return rc ? rc : GX_EDB;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		return 0;
	}
	/* the first entry that is not $user: a name, maybe "quoted" */
	char name[128] = "";
	const char *p = PQgetvalue(r, 0, 1);
	while (*p && !name[0]) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
			p++;
			n -= 2;
		}
		if (n && n < sizeof name && strncmp(p, "$user", n) != 0)
			snprintf(name, sizeof name, "%.*s", (int)n, p);
		p += strcspn(p, ",");
	}
	PQclear(r);
	if (!name[0])
		return 0; /* CREATE TABLE will say what is wrong */
	char *quoted = PQescapeIdentifier(c->db, name, strlen(name));
	if (!quoted)
		return GX_ENOMEM;
	char sql[400];
	snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", quoted);
	PQfreemem(quoted);
	r = PQexec(c->db, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = map_result(c, r, sql);
	else
		gx_log_info("postgres: created schema %s", name);
	PQclear(r);
	return rc;
}

static void stmt_free(struct pg_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->nparams; i++)
		free(st->values[i]);
	free(st->values);
	PQclear(st->res);
	PQclear(st->desc);
	free(st->sql);
	free(st->pgsql);
	free(st);
}

/* A replica must be a standby of the primary (pg_basebackup -R, streaming):
 * any other server holds other data. */
static int check_standby(struct pg_conn *c)
{
	PGresult *r = PQexec(c->db, "SELECT pg_is_in_recovery()");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = map_result(c, r, "SELECT pg_is_in_recovery()");
	else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		gx_log_error("postgres: the read replica (db_replica) is not a standby in recovery; "
			     "not reading from it");
		rc = GX_EUNSUPPORTED;
	}
	PQclear(r);
	return rc;
}

/* Later keywords win: the URL may change the timeouts and the application
 * name, but the client encoding is always UTF-8. The keepalives notice a
 * vanished server in about a minute instead of the kernel's two hours. A
 * replica gets less time to connect: the primary answers reads while it is
 * away. NULL when out of memory, else a connection to check with PQstatus. */
static PGconn *connect_to(struct gx_store *s, int replica)
{
	const char *keys[] = {"connect_timeout", "application_name", "keepalives_idle",
			      "keepalives_interval", "keepalives_count", "dbname", "client_encoding", NULL};
	const char *vals[] = {replica ? "3" : "10", replica ? "guanxi-replica" : "guanxi", "30", "10", "3",
			      replica ? s->replica : s->url, "UTF8", NULL};
	return PQconnectdbParams(keys, vals, 1);
}

static int pg_conn_open(struct gx_store *s, int writer, int replica, struct gx_conn **out)
{
	if (!PQisthreadsafe()) {
		gx_log_error("postgres: this libpq is not thread-safe");
		return GX_EUNSUPPORTED;
	}
	struct pg_conn *c = calloc(1, sizeof *c);
	if (!c)
		return GX_ENOMEM;
	c->base.store = s;
	c->base.writer = writer;
	c->base.replica = replica;
	c->db = connect_to(s, replica);
	if (!c->db) {
		free(c);
		return GX_ENOMEM;
	}
	int rc = 0;
	if (PQstatus(c->db) != CONNECTION_OK) {
		set_err(c, PQerrorMessage(c->db));
		/* the server answers 3D000 here, but libpq gives only the text */
		if (strstr(c->err, "database \"") && strstr(c->err, "does not exist")) {
			gx_log_error("postgres: %s (create it first, e.g. createdb)", c->err);
			rc = GX_ENOTFOUND;
		} else {
			if (replica)
				gx_log_warn("postgres: cannot connect to the read replica: %s", c->err);
			else
				gx_log_error("postgres: cannot connect: %s", c->err);
			rc = GX_EDB;
		}
		goto fail;
	}
	PQsetNoticeProcessor(c->db, on_notice, NULL);
	const char *enc = PQparameterStatus(c->db, "server_encoding");
	if (!enc || strcmp(enc, "UTF8") != 0) {
		gx_log_error("postgres: the database's encoding is %s; guanxi needs UTF8 "
			     "(CREATE DATABASE ... ENCODING 'UTF8')", enc ? enc : "unknown");
		rc = GX_EUNSUPPORTED;
		goto fail;
	}
	rc = setup_session(c);
	if (!rc && replica)
		rc = check_standby(c);
	if (rc)
		goto fail;
	if (writer)
		warn_collation(c);
	if (writer && s->opts.create)
		rc = create_schema(c);
	if (rc)
		goto fail;
	*out = &c->base;
	return 0;
fail:
	PQfinish(c->db);
	free(c);
	return rc;
}

static void pg_conn_close(struct gx_conn *gc)
{
	struct pg_conn *c = (struct pg_conn *)gc;
	if (!c)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		stmt_free(c->cache[i]);
	PQfinish(c->db);
	free(c);
}

/* Reconnects a broken connection, but never inside a transaction: its
 * writes are gone, and statements run after a silent reconnect would commit
 * one by one. The application's rollback ends it; the next use reconnects. */
static int ensure_conn(struct pg_conn *c)
{
	if (PQstatus(c->db) == CONNECTION_OK)
		return 0;
	if (c->base.in_tx) {
		set_err(c, "the connection was lost inside a transaction");
		return GX_EDB;
	}
	PQreset(c->db);
	if (PQstatus(c->db) != CONNECTION_OK) {
		set_err(c, PQerrorMessage(c->db));
		if (c->base.replica)
			gx_log_warn("postgres: cannot reconnect to the read replica: %s", c->err);
		else
			gx_log_error("postgres: cannot reconnect: %s", c->err);
		return GX_EDB;
	}
	c->gen++; /* the server forgot our prepared statements */
	gx_log_warn("postgres: reconnected after a lost connection");
	return setup_session(c);
}

static const char *pg_errmsg(struct gx_conn *gc)
{
	return ((struct pg_conn *)gc)->err;
}

/* Runs sql (one or more statements, no parameters). */
static int pg_exec(struct gx_conn *gc, const char *sql)
{
	struct pg_conn *c = (struct pg_conn *)gc;
	bool rollback = strcmp(sql, "ROLLBACK") == 0;
	if (rollback && PQstatus(c->db) != CONNECTION_OK)
		return 0; /* the server already ended the transaction */
	/* BEGIN IMMEDIATE is SQLite's: on PostgreSQL the writer's transaction is
	 * READ COMMITTED and takes the write lock at once (WRITE_LOCK), so
	 * write transactions run one at a time as on SQLite; a reader's
	 * transaction is a REPEATABLE READ snapshot, as a SQLite read
	 * transaction sees one snapshot of the WAL. */
	if (strcmp(sql, "BEGIN IMMEDIATE") == 0)
		sql = "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT " WRITE_LOCK;
	else if (strcmp(sql, "BEGIN") == 0 && !gc->writer)
		sql = "BEGIN ISOLATION LEVEL REPEATABLE READ";
	char *own = NULL;
	if (strstr(sql, "/*pg:")) {
		int n;
		int rc = rewrite(sql, false, &own, &n);
		if (rc)
			return rc == GX_EINVAL ? GX_EDB : rc;
		sql = own;
	}
	int rc = ensure_conn(c);
	if (rc) {
		free(own);
		return rc;
	}
	PGresult *r = PQexec(c->db, sql);
	ExecStatusType status = PQresultStatus(r);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
		rc = map_result(c, r, sql);
	} else if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		/* COMMIT of a transaction an error aborted rolls back "successfully" */
		set_err(c, "COMMIT after an error in the transaction rolled it back");
		gx_log_error("postgres: %s", c->err);
		rc = GX_EDB;
	}
	PQclear(r);
	/* A failed BEGIN (lock timeout) leaves an aborted transaction the
	 * caller does not know about: end it. */
	if (rc && !gc->in_tx && PQtransactionStatus(c->db) == PQTRANS_INERROR) {
		r = PQexec(c->db, "ROLLBACK");
		PQclear(r);
	}
	free(own);
	return rc;
}

/* ---- statements ------------------------------------------------------------- */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Drops the idle cached statements, on the server too (one round trip). */
static void cache_clear(struct pg_conn *c)
{
	char *sql = malloc(CACHE_SLOTS * 40 + 1);
	size_t used = 0;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct pg_stmt *e = c->cache[i];
		if (!e || e->base.active)
			continue;
		if (sql && e->gen == c->gen)
			used += (size_t)snprintf(sql + used, 40, "DEALLOCATE %s;", e->name);
		stmt_free(e);
		c->cache[i] = NULL;
		c->ncached--;
	}
	/* a failure only leaves statements on the server until the session ends */
	if (used && PQstatus(c->db) == CONNECTION_OK) {
		PGresult *r = PQexec(c->db, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			gx_log_debug("postgres: DEALLOCATE failed: %s", PQresultErrorMessage(r));
		PQclear(r);
	}
	free(sql);
}

/* Prepares st on the server (again after a reconnect). */
static int server_prepare(struct pg_conn *c, struct pg_stmt *st)
{
	PGresult *r = PQprepare(c->db, st->name, st->pgsql, 0, NULL);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : map_result(c, r, st->sql);
	PQclear(r);
	if (!rc)
		st->gen = c->gen;
	return rc;
}

static int ensure_prepared(struct pg_conn *c, struct pg_stmt *st)
{
	if (st->gen == c->gen)
		return 0;
	PQclear(st->desc);
	st->desc = NULL;
	return server_prepare(c, st);
}

static int pg_prepare(struct gx_conn *gc, const char *sql, struct gx_stmt **out)
{
	struct pg_conn *c = (struct pg_conn *)gc;
	int rc = ensure_conn(c);
	if (rc)
		return rc;
	if (PQtransactionStatus(c->db) == PQTRANS_INERROR) {
		/* PostgreSQL ignores every statement after an error until the
		 * rollback; say so instead of "current transaction is aborted" */
		set_err(c, "a statement after an error in the same transaction");
		gx_log_error("postgres: %s: %.200s", c->err, sql);
		return GX_EDB;
	}
	uint64_t h = fnv1a(sql);
	unsigned slot = (unsigned)(h % CACHE_SLOTS);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct pg_stmt *e = c->cache[(slot + (unsigned)i) % CACHE_SLOTS];
		if (!e)
			break;
		if (e->hash == h && strcmp(e->sql, sql) == 0) {
			if (e->base.active)
				continue; /* in use (nested query on the same text): another copy */
			*out = &e->base;
			return 0;
		}
	}
	if (c->ncached >= CACHE_SLOTS * 3 / 4)
		cache_clear(c); /* generated SQL beyond the cache: start over */
	struct pg_stmt *e = calloc(1, sizeof *e);
	if (!e)
		return GX_ENOMEM;
	e->sql = strdup(sql);
	if (!e->sql) {
		free(e);
		return GX_ENOMEM;
	}
	rc = gx_pg_rewrite(sql, &e->pgsql, &e->nparams);
	if (!rc && e->nparams) {
		e->values = calloc((size_t)e->nparams, sizeof *e->values);
		if (!e->values)
			rc = GX_ENOMEM;
	}
	if (!rc) {
		snprintf(e->name, sizeof e->name, "gx%lu", ++c->next_name);
		e->hash = h;
		e->base.conn = gc;
		rc = server_prepare(c, e);
	}
	if (rc) {
		if (rc == GX_EINVAL)
			rc = GX_EDB; /* a syntax error, as on SQLite */
		stmt_free(e);
		return rc;
	}
	for (int i = 0; i < CACHE_SLOTS; i++) {
		unsigned k = (slot + (unsigned)i) % CACHE_SLOTS;
		if (!c->cache[k]) {
			c->cache[k] = e;
			c->ncached++;
			*out = &e->base;
			return 0;
		}
	}
	stmt_free(e); /* cache full of active statements: cannot happen with the 3/4 rule */
	return GX_ENOMEM;
}

#define PST(g) ((struct pg_stmt *)(g))
#define PCONN(g) ((struct pg_conn *)(g)->conn)

/* Takes ownership of v (NULL for SQL NULL). */
static int bind_value(struct gx_stmt *g, int i, char *v, bool want)
{
	struct pg_stmt *st = PST(g);
	if (want && !v)
		return GX_ENOMEM;
	if (i < 1 || i > st->nparams) {
		free(v);
		gx_log_error("postgres: parameter %d of %d bound in: %.200s", i, st->nparams, st->sql);
		return GX_EDB;
	}
	free(st->values[i - 1]);
	st->values[i - 1] = v;
	return 0;
}

static int pg_bind_int64(struct gx_stmt *g, int i, int64_t v)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)v);
	return bind_value(g, i, strdup(num), true);
}

static int pg_bind_double(struct gx_stmt *g, int i, double v)
{
	char num[40];
	snprintf(num, sizeof num, "%.17g", v);
	return bind_value(g, i, strdup(num), true);
}

static int pg_bind_text(struct gx_stmt *g, int i, const char *s, size_t n)
{
	/* text-format parameters end at the first NUL, and PostgreSQL text
	 * cannot hold one: refuse rather than cut the value short */
	if (memchr(s, '\0', n))
		return GX_EINVAL;
	return bind_value(g, i, strndup(s, n), true);
}

static int pg_bind_null(struct gx_stmt *g, int i)
{
	return bind_value(g, i, NULL, false);
}

/* True when sql only reads, so that running it again cannot apply twice. */
static bool is_select(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0;
}

/* A replica connection whose server went away is reconnected to the
 * primary for the rest of its request (it is closed at release). */
static int move_to_primary(struct pg_conn *c)
{
	c->base.lost = 1;
	gx_log_warn("postgres: the read replica went away; this read goes to the primary");
	PQfinish(c->db);
	c->db = connect_to(c->base.store, 0);
	if (!c->db)
		return GX_ENOMEM;
	c->gen++; /* the primary knows none of our prepared statements */
	if (PQstatus(c->db) != CONNECTION_OK) {
		set_err(c, PQerrorMessage(c->db));
		gx_log_error("postgres: cannot connect: %s", c->err);
		return GX_EDB;
	}
	PQsetNoticeProcessor(c->db, on_notice, NULL);
	return setup_session(c);
}

static int execute(struct pg_stmt *st)
{
	struct pg_conn *c = PCONN(&st->base);
	int rc = ensure_conn(c);
	if (!rc)
		rc = ensure_prepared(c, st);
	if (rc)
		return rc;
	for (int attempt = 0;; attempt++) {
		bool idle = PQtransactionStatus(c->db) == PQTRANS_IDLE;
		PGresult *r = PQexecPrepared(c->db, st->name, st->nparams, (const char *const *)st->values,
					     NULL, NULL, 0);
		ExecStatusType status = PQresultStatus(r);
		if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
			st->res = r;
			st->nrows = PQntuples(r);
			st->row = -1;
			const char *n = PQcmdTuples(r);
			st->changes = n && *n ? strtoll(n, NULL, 10) : 0;
			return 0;
		}
		/* A read outside a transaction on a connection that just broke
		 * (server restarted, idle connection cut) is tried once more. */
		bool lost = PQstatus(c->db) != CONNECTION_OK;
		if (lost && idle && attempt == 0 && !c->base.in_tx && is_select(st->sql)) {
			PQclear(r);
			/* the replica went away: this read goes to the primary,
			 * and the store drops the connection at release */
			rc = c->base.replica ? move_to_primary(c) : ensure_conn(c);
			if (!rc)
				rc = ensure_prepared(c, st);
			if (rc)
				return rc;
			continue;
		}
		rc = map_result(c, r, st->sql);
		PQclear(r);
		return rc;
	}
}

static int pg_step(struct gx_stmt *g)
{
	struct pg_stmt *st = PST(g);
	if (!st->res) {
		int rc = execute(st);
		if (rc)
			return rc;
	}
	if (st->row < st->nrows)
		st->row++;
	return st->row < st->nrows ? GX_ROW : GX_DONE;
}

/* The result that describes the columns: the execution's, or before the
 * first step the prepared statement's description. */
static const PGresult *shape(struct pg_stmt *st)
{
	if (st->res)
		return st->res;
	if (!st->desc) {
		struct pg_conn *c = PCONN(&st->base);
		if (ensure_conn(c) || ensure_prepared(c, st))
			return NULL;
		PGresult *r = PQdescribePrepared(c->db, st->name);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			map_result(c, r, st->sql);
			PQclear(r);
			return NULL;
		}
		st->desc = r;
	}
	return st->desc;
}

static int pg_columns(struct gx_stmt *g)
{
	const PGresult *r = shape(PST(g));
	return r ? PQnfields(r) : 0;
}

static const char *pg_col_name(struct gx_stmt *g, int i)
{
	const PGresult *r = shape(PST(g));
	return r && i >= 0 && i < PQnfields(r) ? PQfname(r, i) : NULL;
}

/* The current row's value of column i, NULL for SQL NULL or no row. */
static const char *value(struct pg_stmt *st, int i)
{
	if (!st->res || st->row < 0 || st->row >= st->nrows || i < 0 || i >= PQnfields(st->res) ||
	    PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static enum gx_col_type pg_col_type(struct gx_stmt *g, int i)
{
	struct pg_stmt *st = PST(g);
	const char *v = value(st, i);
	if (!v)
		return GX_COL_NULL;
	switch (PQftype(st->res, i)) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: case OID_BOOL:
		return GX_COL_INT;
	case OID_FLOAT4: case OID_FLOAT8:
		return GX_COL_REAL;
	case OID_NUMERIC:
		/* sum() of BIGINT is NUMERIC: a whole value reads as an integer,
		 * as SQLite's sum() of integers does */
		return v[strspn(v, "-0123456789")] ? GX_COL_REAL : GX_COL_INT;
	default:
		return GX_COL_TEXT;
	}
}

static int64_t pg_col_int64(struct gx_stmt *g, int i)
{
	struct pg_stmt *st = PST(g);
	const char *v = value(st, i);
	if (!v)
		return 0;
	if (PQftype(st->res, i) == OID_BOOL)
		return v[0] == 't';
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E') {
		double d = strtod(v, NULL);
		if (d >= 9.2e18 || d <= -9.2e18)
			return d > 0 ? INT64_MAX : INT64_MIN;
		return (int64_t)d;
	}
	return x;
}

static double pg_col_double(struct gx_stmt *g, int i)
{
	const char *v = value(PST(g), i);
	return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct gx_stmt *g, int i)
{
	return value(PST(g), i);
}

static int64_t pg_changes(struct gx_stmt *g)
{
	return PST(g)->changes;
}

static void pg_reset(struct gx_stmt *g)
{
	struct pg_stmt *st = PST(g);
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	for (int i = 0; i < st->nparams; i++) {
		free(st->values[i]);
		st->values[i] = NULL;
	}
}

/* ---- the catalogue -------------------------------------------------------------- */

/* The tables of the schema the installation lives in (the first of the
 * search path), as gx_store_schema_take describes. */
#define PG_TABLE_OID "(SELECT c.oid FROM pg_class c WHERE c.relname = ? AND c.relnamespace = " \
		     "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()))"
static int pg_schema(struct gx_conn *c, struct json_t **out)
{
	return gx_store_schema_query(
		c, "SELECT c.relname::text FROM pg_class c WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
		   "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
		   "ORDER BY c.relname COLLATE \"C\"",
		"SELECT a.attname::text, coalesce((SELECT k.n FROM pg_index i, "
		"unnest(i.indkey::int2[]) WITH ORDINALITY AS k(att, n) WHERE i.indrelid = a.attrelid "
		"AND i.indisprimary AND k.att = a.attnum), 0) "
		"FROM pg_attribute a WHERE a.attrelid = " PG_TABLE_OID " AND a.attnum > 0 "
		"AND NOT a.attisdropped ORDER BY a.attnum",
		"SELECT DISTINCT r.relname::text FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid "
		"WHERE k.contype = 'f' AND k.conrelid = " PG_TABLE_OID " ORDER BY 1", out);
}

/* ---- read replicas ---------------------------------------------------------------- */

/* An idle connection hears nothing from the server unless the server is
 * going away (shutdown, a terminated backend): then the socket is readable
 * and reading it marks the connection bad. Costs one poll(), no round
 * trip. Reconnects a bad connection. */
static int pg_alive(struct gx_conn *gc)
{
	struct pg_conn *c = (struct pg_conn *)gc;
	if (PQstatus(c->db) == CONNECTION_OK && PQtransactionStatus(c->db) == PQTRANS_IDLE) {
		struct pollfd p = {.fd = PQsocket(c->db), .events = POLLIN};
		if (poll(&p, 1, 0) > 0) {
			if (!PQconsumeInput(c->db) || PQstatus(c->db) != CONNECTION_OK)
				set_err(c, PQerrorMessage(c->db));
			PGnotify *n;
			while ((n = PQnotifies(c->db)))
				PQfreemem(n);
		}
	}
	return ensure_conn(c);
}

/* "16/B374D848" -> 0x16B374D848; 0 for NULL or garbage. */
static uint64_t parse_lsn(const char *v)
{
	unsigned long hi, lo;
	if (!v || sscanf(v, "%lx/%lx", &hi, &lo) != 2)
		return 0;
	return ((uint64_t)hi << 32) | (lo & 0xffffffffu);
}

/* The writer: where its writes end in the WAL (the insert position, which
 * covers a commit even when synchronous_commit = off has not flushed it;
 * at a page boundary it counts the next page's header, so the replica
 * counts as behind until the next WAL record, at most the 15 s of the
 * background writer's standby snapshot: reads go to the primary meanwhile).
 * A replica: the last WAL position it replayed, 0 when it is no standby. */
static int pg_wal_pos(struct gx_conn *gc, uint64_t *pos)
{
	struct pg_conn *c = (struct pg_conn *)gc;
	const char *sql = gc->writer ? "SELECT pg_current_wal_insert_lsn()" : "SELECT pg_last_wal_replay_lsn()";
	*pos = 0;
	int rc = ensure_conn(c);
	if (rc)
		return rc;
	PGresult *r = PQexec(c->db, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = map_result(c, r, sql);
	else if (!PQgetisnull(r, 0, 0))
		*pos = parse_lsn(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

/* ---- whole-database operations ---------------------------------------------- */

static int pg_backup(struct gx_store *s, const char *path)
{
	(void)s;
	gx_log_error("backup to %s: not done by guanxi on PostgreSQL; use pg_dump -Fc "
		     "(and pg_restore), or the server's base backups and WAL archiving", path);
	return GX_EUNSUPPORTED;
}

static int pg_restore(struct gx_store *s, const char *path)
{
	(void)s;
	gx_log_error("restore from %s: not done by guanxi on PostgreSQL; use pg_restore "
		     "on a dump made with pg_dump -Fc", path);
	return GX_EUNSUPPORTED;
}

/* Runs a query returning one row of integers into v; 0 or a GX_E* code. */
static int query_ints(struct pg_conn *c, const char *sql, long long *v, int n)
{
	PGresult *r = PQexec(c->db, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = map_result(c, r, sql);
	else if (PQntuples(r) != 1 || PQnfields(r) < n)
		rc = GX_EDB;
	for (int i = 0; !rc && i < n; i++)
		v[i] = PQgetisnull(r, 0, i) ? 0 : strtoll(PQgetvalue(r, 0, i), NULL, 10);
	PQclear(r);
	return rc;
}

/* The server keeps its own pages consistent (checksums, WAL); what guanxi
 * can check is that the database answers, that each migration up to the
 * recorded version was applied once, and that no index is left invalid by
 * an interrupted build. */
static int pg_check(struct gx_store *s, char *msg, size_t cap)
{
	struct gx_conn *gc;
	int rc = gx_store_reader(s, &gc);
	if (rc) {
		snprintf(msg, cap, "cannot connect");
		return rc;
	}
	struct pg_conn *c = (struct pg_conn *)gc;
	long long v[2] = {0, 0};
	rc = ensure_conn(c);
	if (!rc)
		rc = query_ints(c, "SELECT 1", v, 1);
	if (rc || v[0] != 1) {
		snprintf(msg, cap, "the database does not answer: %s", c->err);
		rc = rc ? rc : GX_EDB;
		goto out;
	}
	rc = query_ints(c, "SELECT count(*), coalesce(max(version), 0) FROM schema_migrations", v, 2);
	if (rc) {
		snprintf(msg, cap, "no guanxi schema: %s", c->err);
		goto out;
	}
	/* every migration this binary knows up to the recorded version, once */
	long long known = 0;
	for (size_t i = 0; i < gx_migrations_count; i++)
		known += gx_migrations[i].version <= v[1];
	if (v[0] == 0 || v[0] != known) {
		snprintf(msg, cap, "schema_migrations holds %lld rows up to version %lld; %lld expected",
			 v[0], v[1], known);
		rc = GX_EDB;
		goto out;
	}
	rc = query_ints(c, "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
			   "JOIN pg_namespace n ON n.oid = t.relnamespace "
			   "WHERE NOT i.indisvalid AND n.nspname = ANY (current_schemas(false))", v, 1);
	if (!rc && v[0]) {
		snprintf(msg, cap, "%lld invalid indexes (REINDEX them)", v[0]);
		rc = GX_EDB;
		goto out;
	}
	if (!rc)
		snprintf(msg, cap, "ok");
	else
		snprintf(msg, cap, "%s", c->err);
out:
	gx_store_release(gc);
	return rc;
}

const struct gx_backend gx_pg_backend = {
	.name = "postgres",
	.conn_open = pg_conn_open,
	.conn_close = pg_conn_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.errmsg = pg_errmsg,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.columns = pg_columns,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.changes = pg_changes,
	.reset = pg_reset,
	.backup = pg_backup,
	.restore = pg_restore,
	.check = pg_check,
	.schema = pg_schema,
	.alive = pg_alive,
	.wal_pos = pg_wal_pos,
};
