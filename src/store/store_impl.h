/* store_impl.h — private: what a storage backend provides to store.c. */
#ifndef GX_STORE_IMPL_H
#define GX_STORE_IMPL_H

#include "store/store.h"

#include <pthread.h>

struct gx_backend {
	const char *name;
	/* connections */
	/* replica: a reader on s->replica instead of s->url */
	int (*conn_open)(struct gx_store *s, int writer, int replica, struct gx_conn **out);
	void (*conn_close)(struct gx_conn *c);
	int (*exec)(struct gx_conn *c, const char *sql);
	int (*prepare)(struct gx_conn *c, const char *sql, struct gx_stmt **out);
	/* gx_conn_prepare_static (NULL: prepare) */
	int (*prepare_static)(struct gx_conn *c, const char *sql, struct gx_stmt **out);
	const char *(*errmsg)(struct gx_conn *c);
	/* statements */
	int (*bind_int64)(struct gx_stmt *st, int idx, int64_t v);
	int (*bind_double)(struct gx_stmt *st, int idx, double v);
	int (*bind_text)(struct gx_stmt *st, int idx, const char *s, size_t n);
	int (*bind_null)(struct gx_stmt *st, int idx);
	int (*step)(struct gx_stmt *st);
	int (*columns)(struct gx_stmt *st);
	const char *(*col_name)(struct gx_stmt *st, int i);
	enum gx_col_type (*col_type)(struct gx_stmt *st, int i);
	int64_t (*col_int64)(struct gx_stmt *st, int i);
	double (*col_double)(struct gx_stmt *st, int i);
	const char *(*col_text)(struct gx_stmt *st, int i);
	/* gx_stmt_col in one call (NULL: store.c asks col_type and the rest) */
	void (*col)(struct gx_stmt *st, int i, struct gx_col *out);
	int64_t (*changes)(struct gx_stmt *st);
	void (*reset)(struct gx_stmt *st);
	/* whole-database operations */
	int (*backup)(struct gx_store *s, const char *path);
	int (*restore)(struct gx_store *s, const char *path);
	int (*check)(struct gx_store *s, char *msg, size_t cap);
	/* the catalogue: gx_store_schema_take */
	int (*schema)(struct gx_conn *c, struct json_t **out);
	/* read replicas (NULL when the backend has none) */
	/* 0 when the idle connection c is usable, reconnecting when the server
	 * closed it; GX_EDB when it cannot be had */
	int (*alive)(struct gx_conn *c);
	/* The writer's WAL position after its writes, or a replica's replayed
	 * position (0 when unknown: not a standby) */
	int (*wal_pos)(struct gx_conn *c, uint64_t *pos);
	/* readers that keep their snapshot between borrows (gx_store_hold_reads;
	 * NULL when the backend does not): reader_take runs at each borrow and
	 * drops a kept snapshot that is no longer the latest commit;
	 * reader_held says since when (monotonic ms, 0: none) a free connection
	 * keeps one, reader_drop drops it */
	void (*reader_take)(struct gx_conn *c);
	int64_t (*reader_held)(struct gx_conn *c);
	void (*reader_drop)(struct gx_conn *c);
};

/* Every backend's connection starts with this header. */
struct gx_conn {
	struct gx_store *store;
	int writer;
	int replica;   /* a reader on the replica */
	int lost;      /* a replica connection whose server went away: the store
			* closes it at release and reads from the primary a while */
	int in_tx;
	int dirty;     /* the writer ran something since it was borrowed */
	struct gx_conn *next_free;
};

/* Every backend's statement starts with this header. */
struct gx_stmt {
	struct gx_conn *conn;
	int active; /* stepped since last reset */
	const void *memo; /* gx_stmt_memo; NULL in a new statement (calloc) */
};

struct gx_store {
	const struct gx_backend *be;
	char url[1024];
	struct gx_store_opts opts;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct gx_conn *free_readers;
	int hold_reads; /* gx_store_hold_reads: set before the readers are used */
	struct gx_conn *writer;
	pthread_mutex_t writer_lock;
	int nreaders;
	/* read replica (PostgreSQL), all under lock: its own pool of up to
	 * opts.readers connections; the WAL position after this store's last
	 * write and the replica's replayed position last seen (a replica
	 * connection is used only when replayed >= written); while down, the
	 * time of the next attempt */
	char replica[1024];
	struct gx_conn *free_replicas;
	int nreplicas;
	uint64_t written_pos, replayed_pos;
	int replica_down;
	int64_t replica_retry_ms;
};

extern const struct gx_backend gx_sqlite_backend;
extern const struct gx_backend gx_pg_backend;

/* PostgreSQL: rewrites each `?` outside string literals, quoted identifiers,
 * comments and dollar-quoted strings to $1..$n (*nparams gets n), and
 * uncomments block comments that begin with "pg:" (SQL only PostgreSQL
 * runs, docs/store.md). Owner of
 * *out: the caller (free). GX_ENOMEM, GX_ETOOBIG past 65535 parameters,
 * GX_EINVAL for an unterminated literal or comment. */
int gx_pg_rewrite(const char *sql, char **out, int *nparams);

/* The body of a backend's schema op, from its catalogue queries:
 * tables_sql gives the table names, sorted; columns_sql (?: a table) its
 * columns in table order, each with its position in the primary key (0: not
 * in it); refs_sql (?: a table) the tables its foreign keys reference. */
int gx_store_schema_query(struct gx_conn *c, const char *tables_sql, const char *columns_sql,
			  const char *refs_sql, struct json_t **out);

#endif
