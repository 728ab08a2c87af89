/* migrate.c — applies the numbered migrations compiled into the binary, each
 * in a transaction, after backing up a database that already holds data. */
#include "store/migrations.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int ensure_table(struct gx_conn *c)
{
	return gx_conn_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			       "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
			       "applied_at TEXT NOT NULL)");
}

static int current_version(struct gx_conn *c, int *version)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT max(version) FROM schema_migrations", &st);
	if (rc)
		return rc;
	*version = 0;
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		*version = (int)gx_stmt_col_int64(st, 0);
		rc = 0;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_schema_version(struct gx_store *s, int *version)
{
	struct gx_conn *c;
	int rc = gx_store_writer(s, &c);
	if (rc)
		return rc;
	rc = ensure_table(c);
	if (!rc)
		rc = current_version(c, version);
	gx_store_release(c);
	return rc;
}

/* Whether migration version v has been applied (a later-numbered one may
 * have landed first on a developer's database: every version counts). */
static int is_applied(struct gx_store *s, int v)
{
	struct gx_conn *c;
	gx_store_writer(s, &c);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, v);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc == GX_ROW ? 1 : rc < 0 ? rc : 0;
}

int gx_migrate(struct gx_store *s, const char *db_path, int *applied)
{
	*applied = 0;
	int version = 0, rc = gx_schema_version(s, &version);
	if (rc)
		return rc;
	int pending = 0;
	for (size_t i = 0; i < gx_migrations_count; i++) {
		int a = is_applied(s, gx_migrations[i].version);
		if (a < 0)
			return a;
		pending += !a;
	}
	if (!pending)
		return 0;
	/* An upgrade never loses data: copy the file before touching it. */
	struct stat sb;
	if (version > 0 && db_path && strcmp(gx_store_backend(s), "sqlite") == 0 &&
	    stat(db_path, &sb) == 0) {
		char bak[1200];
		snprintf(bak, sizeof bak, "%s.bak-v%d-%lld", db_path, version, (long long)gx_now_ms());
		rc = gx_store_backup(s, bak);
		if (rc) {
			gx_log_error("migration: backup to %s failed; nothing changed", bak);
			return rc;
		}
		gx_log_info("migration: backed up the database to %s", bak);
	}
	for (size_t i = 0; i < gx_migrations_count; i++) {
		const struct gx_migration *m = &gx_migrations[i];
		if (is_applied(s, m->version))
			continue;
		struct gx_conn *c;
		gx_store_writer(s, &c);
		rc = gx_conn_begin(c);
		/* Another process (a second server on the same PostgreSQL) may have
		 * applied it while this one waited for the write lock. */
		bool done_meanwhile = false;
		if (!rc) {
			struct gx_stmt *chk;
			rc = gx_conn_prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?", &chk);
			if (!rc) {
				gx_stmt_bind_int64(chk, 1, m->version);
				rc = gx_stmt_step(chk);
				done_meanwhile = rc == GX_ROW;
				rc = rc < 0 ? rc : 0;
				gx_stmt_reset(chk);
			}
		}
		if (!rc && done_meanwhile) {
			gx_store_release(c); /* rolls back the empty transaction */
			continue;
		}
		if (!rc)
			rc = gx_conn_exec(c, m->sql);
		if (!rc) {
			struct gx_stmt *st;
			char now[40];
			gx_time_iso(gx_now_ms(), now, sizeof now);
			rc = gx_conn_prepare(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", &st);
			if (!rc) {
				gx_stmt_bind_int64(st, 1, m->version);
				gx_stmt_bind_str(st, 2, m->name);
				gx_stmt_bind_str(st, 3, now);
				rc = gx_stmt_step(st);
				gx_stmt_reset(st);
			}
		}
		if (!rc)
			rc = gx_conn_commit(c);
		gx_store_release(c); /* rolls back when still open */
		if (rc) {
			gx_log_error("migration %s failed; the database stays at version %d", m->name, version);
			return rc;
		}
		gx_log_info("migration %s applied", m->name);
		if (m->version > version)
			version = m->version;
		(*applied)++;
	}
	return 0;
}
