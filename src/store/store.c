/* store.c — the storage front: connection pool, single writer, dispatch to
 * the backend (store/sqlite.c, or store/pg.c for postgres:// URLs). */
#include "store/store_impl.h"

#include "core/err.h"
#include "core/log.h"

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
	/* The writer opens first: it creates the file and sets WAL mode (on
	 * PostgreSQL: it proves the server answers before serving anything). */
	int rc = s->be->conn_open(s, 1, &s->writer);
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
	struct gx_conn *c = s->free_readers;
	while (c) {
		struct gx_conn *next = c->next_free;
		s->be->conn_close(c);
		c = next;
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

int gx_store_reader(struct gx_store *s, struct gx_conn **out)
{
	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (s->free_readers) {
			struct gx_conn *c = s->free_readers;
			s->free_readers = c->next_free;
			pthread_mutex_unlock(&s->lock);
			c->next_free = NULL;
			*out = c;
			return 0;
		}
		if (s->nreaders < s->opts.readers) {
			s->nreaders++;
			pthread_mutex_unlock(&s->lock);
			int rc = s->be->conn_open(s, 0, out);
			if (rc) {
				pthread_mutex_lock(&s->lock);
				s->nreaders--;
				pthread_cond_signal(&s->cond);
				pthread_mutex_unlock(&s->lock);
			}
			return rc;
		}
		pthread_cond_wait(&s->cond, &s->lock);
	}
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
		pthread_mutex_unlock(&s->writer_lock);
		return;
	}
	pthread_mutex_lock(&s->lock);
	c->next_free = s->free_readers;
	s->free_readers = c;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int gx_conn_begin(struct gx_conn *c)
{
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

#define BE(st) ((st)->conn->store->be)
int gx_stmt_bind_int64(struct gx_stmt *st, int i, int64_t v) { return BE(st)->bind_int64(st, i, v); }
int gx_stmt_bind_double(struct gx_stmt *st, int i, double v) { return BE(st)->bind_double(st, i, v); }
int gx_stmt_bind_text(struct gx_stmt *st, int i, const char *s, size_t n) { return BE(st)->bind_text(st, i, s, n); }
int gx_stmt_bind_null(struct gx_stmt *st, int i) { return BE(st)->bind_null(st, i); }
int gx_stmt_bind_str(struct gx_stmt *st, int i, const char *s)
{
	return s ? BE(st)->bind_text(st, i, s, strlen(s)) : BE(st)->bind_null(st, i);
}
int gx_stmt_step(struct gx_stmt *st) { st->active = 1; return BE(st)->step(st); }
int gx_stmt_columns(struct gx_stmt *st) { return BE(st)->columns(st); }
const char *gx_stmt_col_name(struct gx_stmt *st, int i) { return BE(st)->col_name(st, i); }
enum gx_col_type gx_stmt_col_type(struct gx_stmt *st, int i) { return BE(st)->col_type(st, i); }
int64_t gx_stmt_col_int64(struct gx_stmt *st, int i) { return BE(st)->col_int64(st, i); }
double gx_stmt_col_double(struct gx_stmt *st, int i) { return BE(st)->col_double(st, i); }
const char *gx_stmt_col_text(struct gx_stmt *st, int i) { return BE(st)->col_text(st, i); }
int64_t gx_stmt_changes(struct gx_stmt *st) { return BE(st)->changes(st); }
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
