/* dump.h — the exit door: every tenant's data as JSON Lines, one file per
 * table, with a manifest (schema version, tenants, row counts, SHA-256 of
 * each file); and the load of such a directory into an empty database. */
#ifndef GX_IO_DUMP_H
#define GX_IO_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gx_store;

/* Told about each table as it is written or loaded (rows so far). */
typedef void (*gx_dump_progress_fn)(void *ud, const char *table, uint64_t rows, bool done);

/* Writes every table of the schema (as the migrations create them; login
 * sessions excepted) to dir/<table>.jsonl — one JSON object per row, keys
 * in column order, rows in primary-key order, read in one snapshot — and
 * dir/manifest.json. dir is created if missing and must not hold a
 * manifest already. *tables and *rows (may be NULL) get the totals.
 * Errors: GX_ECONFLICT (dir holds an export), GX_EIO, GX_EDB, GX_ENOMEM. */
int gx_dump_export(struct gx_store *s, const char *dir, gx_dump_progress_fn progress, void *ud, int *tables,
		   uint64_t *rows);

/* Loads an export made by gx_dump_export into s, which must hold no tenant
 * yet, in one transaction: the manifest is checked first (format, a schema
 * version this binary knows, every file's size, row count and SHA-256),
 * then every row is inserted. An export from an older schema loads too
 * (columns added since take their defaults). Errors: GX_ECONFLICT (the
 * database has data), GX_EINVAL (msg says what is wrong with the export),
 * GX_EIO, GX_EDB, GX_ENOMEM; on any error nothing is loaded. msg (may be
 * NULL) gets a sentence for the user. */
int gx_dump_import(struct gx_store *s, const char *dir, gx_dump_progress_fn progress, void *ud, int *tables,
		   uint64_t *rows, char *msg, size_t msgcap);

/* Rebuilds every customer's search index and hidden keys through c (of s),
 * in c's open transaction: after a load of rows as they are (import --all,
 * copy-data), since the index is not carried (it differs per backend).
 * GX_EDB, GX_ENOMEM. */
struct gx_conn;
int gx_dump_reindex(struct gx_store *s, struct gx_conn *c);

#endif
