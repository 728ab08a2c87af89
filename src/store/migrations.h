/* migrations.h — numbered schema migrations compiled into the binary from
 * sql/migrations/NNNN_name.sql, and the runner that applies them. */
#ifndef GX_STORE_MIGRATIONS_H
#define GX_STORE_MIGRATIONS_H

#include <stddef.h>

struct gx_store;

struct gx_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct gx_migration gx_migrations[];
extern const size_t gx_migrations_count;

/* Applies pending migrations, each in its own transaction, after a backup of
 * the database file when it already holds data (backup path in the log).
 * *applied gets the number applied. GX_EDB on failure: the failing migration
 * is rolled back and the database stays at the previous version. */
int gx_migrate(struct gx_store *s, const char *db_path, int *applied);
/* The highest applied version (0 for an empty database). */
int gx_schema_version(struct gx_store *s, int *version);

#endif
