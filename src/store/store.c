/* store.c — the storage front: connection pool, single writer, read replica
 * routing, dispatch to the backend (store/sqlite.c, or store/pg.c for
 * postgres:// URLs). */
#include "store/store_impl.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gx_store_open(const char *url, const struct gx_store_opts *opts, struct gx_store **out)
{
	*out = NULL;
	bool pg = strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
	struct gx_store *s = calloc(1, sizeof *s);
	if (!s)
		return GX_ENOMEM;
	if (strlen(url) >= sizeof s->url) {
		free(s);
		return GX_EINVAL;
	}
	memcpy(s->url, url, strlen(url) + 1);
	s->opts = *opts;
	if (s->opts.readers < 1)
		s->opts.readers = 1;
	s->be = pg ? &gx_pg_backend : &gx_sqlite_backend;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_init(&s->writer_lock, NULL);
	const char *replica = opts->replica ? opts->replica : "";
	s->opts.replica = NULL; /* the copy in s->replica is the one kept */
	if (*replica && (!s->be->alive || !s->be->wal_pos)) {
		gx_log_error("a read replica (db_replica) needs PostgreSQL");
		gx_store_close(s);
		return GX_EUNSUPPORTED;
	}
	if (strlen(replica) >= sizeof s->replica) {
		gx_store_close(s);
		return GX_EINVAL;
	}
	memcpy(s->replica, replica, strlen(replica) + 1);
	/* The writer opens first: it creates the file and sets WAL mode (on
	 * PostgreSQL: it proves the server answers before serving anything). */
	int rc = s->be->conn_open(s, 1, 0, &s->writer);
	if (rc) {
		gx_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void gx_store_close(struct gx_store *s)
{
	if (!s)
		return;
	for (int pool = 0; pool < 2; pool++) {
		struct gx_conn *c = pool ? s->free_replicas : s->free_readers;
		while (c) {
			struct gx_conn *next = c->next_free;
			s->be->conn_close(c);
			c = next;
		}
	}
	if (s->writer)
		s->be->conn_close(s->writer);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->writer_lock);
	free(s);
}

const char *gx_store_backend(const struct gx_store *s)
{
	return s->be->name;
}

const char *gx_conn_backend(const struct gx_conn *c)
{
	return c->store->be->name;
}

/* Takes a free connection of the primary's (replica 0) or the replica's
 * pool, opens one while the pool is below opts.readers, else waits. */
static int pool_take(struct gx_store *s, int replica, struct gx_conn **out)
{
	struct gx_conn **free_list = replica ? &s->free_replicas : &s->free_readers;
	int *n = replica ? &s->nreplicas : &s->nreaders;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (*free_list) {
			struct gx_conn *c = *free_list;
			*free_list = c->next_free;
			pthread_mutex_unlock(&s->lock);
			c->next_free = NULL;
			*out = c;
			return 0;
		}
		if (*n < s->opts.readers) {
			(*n)++;
			pthread_mutex_unlock(&s->lock);
			int rc = s->be->conn_open(s, 0, replica, out);
			if (rc) {
				pthread_mutex_lock(&s->lock);
				(*n)--;
				pthread_cond_broadcast(&s->cond);
				pthread_mutex_unlock(&s->lock);
			}
			return rc;
		}
		pthread_cond_wait(&s->cond, &s->lock);
	}
}

/* Closes a borrowed replica connection that failed, and leaves the replica
 * alone for a while: reads go to the primary meanwhile. */
#define REPLICA_RETRY_MS 5000
static void replica_failed(struct gx_store *s, struct gx_conn *c)
{
	if (c)
		s->be->conn_close(c);
	pthread_mutex_lock(&s->lock);
	if (c) {
		s->nreplicas--;
		pthread_cond_broadcast(&s->cond);
	}
	int was_down = s->replica_down;
	s->replica_down = 1;
	s->replica_retry_ms = gx_mono_ms() + REPLICA_RETRY_MS;
	pthread_mutex_unlock(&s->lock);
	if (!was_down)
		gx_log_warn("the read replica does not answer; reads go to the primary (tried again "
			    "every %d s)", REPLICA_RETRY_MS / 1000);
}

/* A replica connection that answers and has replayed this store's writes,
 * or an error (the caller reads from the primary). */
static int replica_reader(struct gx_store *s, struct gx_conn **out)
{
	pthread_mutex_lock(&s->lock);
	int64_t now = gx_mono_ms();
	if (s->replica_down && now < s->replica_retry_ms) {
		pthread_mutex_unlock(&s->lock);
		return GX_EBUSY;
	}
	if (s->replica_down)
		s->replica_retry_ms = now + REPLICA_RETRY_MS; /* this thread tries; the others wait */
	int behind = s->written_pos > s->replayed_pos;
	pthread_mutex_unlock(&s->lock);
	struct gx_conn *c = NULL;
	int rc = pool_take(s, 1, &c);
	if (rc) {
		replica_failed(s, NULL);
		return rc;
	}
	/* a server that stopped closed its connections: notice it here, not
	 * in the middle of a request */
	rc = s->be->alive(c);
	uint64_t pos = 0;
	if (!rc && behind)
		rc = s->be->wal_pos(c, &pos);
	if (rc) {
		replica_failed(s, c);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	if (pos > s->replayed_pos)
		s->replayed_pos = pos;
	int fresh = s->replayed_pos >= s->written_pos;
	int was_down = s->replica_down;
	s->replica_down = 0;
	pthread_mutex_unlock(&s->lock);
	if (was_down)
		gx_log_info("the read replica answers again; reads go to it");
	if (!fresh) {
		/* it has not replayed our last write yet: read it on the primary */
		gx_store_release(c);
		return GX_EBUSY;
	}
	*out = c;
	return 0;
}

int gx_store_reader(struct gx_store *s, struct gx_conn **out)
{
	if (s->replica[0] && replica_reader(s, out) == 0)
		return 0;
	int rc = pool_take(s, 0, out);
	if (!rc && s->hold_reads)
		s->be->reader_take(*out);
	return rc;
}

void gx_store_hold_reads(struct gx_store *s)
{
	if (s->be->reader_take && !s->replica[0])
		s->hold_reads = 1;
}

void gx_store_idle(struct gx_store *s)
{
	if (!s->hold_reads)
		return;
	int64_t now = gx_mono_ms();
	struct gx_conn *stale = NULL;
	/* take the stale ones out of the pool, drop outside the lock */
	pthread_mutex_lock(&s->lock);
	for (struct gx_conn **pp = &s->free_readers; *pp;) {
		struct gx_conn *c = *pp;
		int64_t since = s->be->reader_held(c);
		if (since && now - since >= GX_STORE_HOLD_MS) {
			*pp = c->next_free;
			c->next_free = stale;
			stale = c;
		} else {
			pp = &c->next_free;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!stale)
		return;
	for (struct gx_conn *c = stale; c; c = c->next_free)
		s->be->reader_drop(c);
	pthread_mutex_lock(&s->lock);
	while (stale) {
		struct gx_conn *next = stale->next_free;
		stale->next_free = s->free_readers;
		s->free_readers = stale;
		stale = next;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int gx_store_writer(struct gx_store *s, struct gx_conn **out)
{
	pthread_mutex_lock(&s->writer_lock);
	*out = s->writer;
	return 0;
}

void gx_store_release(struct gx_conn *c)
{
	if (!c)
		return;
	struct gx_store *s = c->store;
	if (c->in_tx)
		gx_conn_rollback(c);
	if (c->writer) {
		/* readers on the replica wait until it has replayed this */
		uint64_t pos = 0;
		if (c->dirty && s->replica[0]) {
			if (s->be->wal_pos(c, &pos) || !pos)
				pos = UINT64_MAX; /* unknown: the primary answers reads until the next write */
			/* writes are serialised by writer_lock: this position
			 * covers every earlier write too */
			pthread_mutex_lock(&s->lock);
			s->written_pos = pos;
			pthread_mutex_unlock(&s->lock);
		}
		c->dirty = 0;
		pthread_mutex_unlock(&s->writer_lock);
		return;
	}
	if (c->replica && c->lost) {
		replica_failed(s, c);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (c->replica) {
		c->next_free = s->free_replicas;
		s->free_replicas = c;
	} else {
		c->next_free = s->free_readers;
		s->free_readers = c;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int gx_conn_begin(struct gx_conn *c)
{
	c->dirty |= c->writer;
	int rc = c->store->be->exec(c, c->writer ? "BEGIN IMMEDIATE" : "BEGIN");
	if (!rc)
		c->in_tx = 1;
	return rc;
}

int gx_conn_commit(struct gx_conn *c)
{
	int rc = c->store->be->exec(c, "COMMIT");
	if (!rc)
		c->in_tx = 0;
	return rc;
}

int gx_conn_rollback(struct gx_conn *c)
{
	c->in_tx = 0;
	return c->store->be->exec(c, "ROLLBACK");
}

int gx_conn_exec(struct gx_conn *c, const char *sql)
{
	c->dirty |= c->writer;
	return c->store->be->exec(c, sql);
}

const char *gx_conn_errmsg(struct gx_conn *c)
{
	return c->store->be->errmsg(c);
}

int gx_conn_prepare(struct gx_conn *c, const char *sql, struct gx_stmt **out)
{
	return c->store->be->prepare(c, sql, out);
}

int gx_conn_prepare_static(struct gx_conn *c, const char *sql, struct gx_stmt **out)
{
	const struct gx_backend *be = c->store->be;
	return be->prepare_static ? be->prepare_static(c, sql, out) : be->prepare(c, sql, out);
}

#define BE(st) ((st)->conn->store->be)
int gx_stmt_bind_int64(struct gx_stmt *st, int i, int64_t v) { return BE(st)->bind_int64(st, i, v); }
int gx_stmt_bind_double(struct gx_stmt *st, int i, double v) { return BE(st)->bind_double(st, i, v); }
int gx_stmt_bind_text(struct gx_stmt *st, int i, const char *s, size_t n) { return BE(st)->bind_text(st, i, s, n); }
int gx_stmt_bind_null(struct gx_stmt *st, int i) { return BE(st)->bind_null(st, i); }
int gx_stmt_bind_str(struct gx_stmt *st, int i, const char *s)
{
	return s ? BE(st)->bind_text(st, i, s, strlen(s)) : BE(st)->bind_null(st, i);
}
int gx_stmt_step(struct gx_stmt *st)
{
	st->active = 1;
	st->conn->dirty |= st->conn->writer;
	return BE(st)->step(st);
}
int gx_stmt_columns(struct gx_stmt *st) { return BE(st)->columns(st); }
const char *gx_stmt_col_name(struct gx_stmt *st, int i) { return BE(st)->col_name(st, i); }
enum gx_col_type gx_stmt_col_type(struct gx_stmt *st, int i) { return BE(st)->col_type(st, i); }
int64_t gx_stmt_col_int64(struct gx_stmt *st, int i) { return BE(st)->col_int64(st, i); }
double gx_stmt_col_double(struct gx_stmt *st, int i) { return BE(st)->col_double(st, i); }
const char *gx_stmt_col_text(struct gx_stmt *st, int i) { return BE(st)->col_text(st, i); }
void gx_stmt_col(struct gx_stmt *st, int i, struct gx_col *out)
{
	const struct gx_backend *be = BE(st);
	if (be->col) {
		be->col(st, i, out);
		return;
	}
	out->type = be->col_type(st, i);
	if (out->type == GX_COL_INT)
		out->i = be->col_int64(st, i);
	else if (out->type == GX_COL_REAL)
		out->d = be->col_double(st, i);
	else if (out->type == GX_COL_TEXT)
		out->text = be->col_text(st, i);
}
int64_t gx_stmt_changes(struct gx_stmt *st) { return BE(st)->changes(st); }
const void *gx_stmt_memo(struct gx_stmt *st) { return st->memo; }
void gx_stmt_set_memo(struct gx_stmt *st, const void *memo) { st->memo = memo; }

void gx_stmt_reset(struct gx_stmt *st)
{
	if (!st)
		return;
	st->active = 0;
	BE(st)->reset(st);
}
#undef BE

int gx_store_backup(struct gx_store *s, const char *path) { return s->be->backup(s, path); }
int gx_store_restore(struct gx_store *s, const char *path) { return s->be->restore(s, path); }
int gx_store_check(struct gx_store *s, char *msg, size_t cap) { return s->be->check(s, msg, cap); }

int gx_store_schema_take(struct gx_store *s, struct json_t **out)
{
	*out = NULL;
	struct gx_conn *c;
	/* the writer: a replica may not have replayed the latest migration */
	int rc = gx_store_writer(s, &c);
	if (rc)
		return rc;
	rc = s->be->schema(c, out);
	gx_store_release(c);
	return rc;
}

int gx_store_schema_query(struct gx_conn *c, const char *tables_sql, const char *columns_sql,
			  const char *refs_sql, struct json_t **out)
{
	json_t *list = json_array();
	struct gx_stmt *tables = NULL, *cols = NULL, *refs = NULL;
	int rc = list ? gx_conn_prepare(c, tables_sql, &tables) : GX_ENOMEM;
	while (!rc && (rc = gx_stmt_step(tables)) == GX_ROW) {
		rc = 0;
		const char *name = gx_stmt_col_text(tables, 0);
		json_t *t = json_pack("{s:s, s:[], s:[], s:[]}", "name", name ? name : "", "columns",
				      "primary_key", "references");
		if (!t || json_array_append_new(list, t)) {
			rc = GX_ENOMEM;
			break;
		}
		json_t *columns = json_object_get(t, "columns"), *pk = json_object_get(t, "primary_key");
		json_t *pos = json_array(); /* key position of each column */
		rc = pos ? gx_conn_prepare(c, columns_sql, &cols) : GX_ENOMEM;
		if (!rc)
			rc = gx_stmt_bind_str(cols, 1, name);
		while (!rc && (rc = gx_stmt_step(cols)) == GX_ROW) {
			rc = json_array_append_new(columns, json_string(gx_stmt_col_text(cols, 0))) ||
			     json_array_append_new(pos, json_integer(gx_stmt_col_int64(cols, 1)))
				 ? GX_ENOMEM : 0;
		}
		gx_stmt_reset(cols);
		rc = rc < 0 ? rc : 0;
		/* the key's columns in key order */
		for (size_t k = 1; !rc && k <= json_array_size(columns); k++)
			for (size_t i = 0; !rc && i < json_array_size(columns); i++)
				if ((size_t)json_integer_value(json_array_get(pos, i)) == k &&
				    json_array_append(pk, json_array_get(columns, i)))
					rc = GX_ENOMEM;
		json_decref(pos);
		if (!rc)
			rc = gx_conn_prepare(c, refs_sql, &refs);
		if (!rc)
			rc = gx_stmt_bind_str(refs, 1, name);
		while (!rc && (rc = gx_stmt_step(refs)) == GX_ROW)
			rc = json_array_append_new(json_object_get(t, "references"),
						   json_string(gx_stmt_col_text(refs, 0))) ? GX_ENOMEM : 0;
		gx_stmt_reset(refs);
		rc = rc < 0 ? rc : 0;
	}
	gx_stmt_reset(tables);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}
