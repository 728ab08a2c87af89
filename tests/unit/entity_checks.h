/* entity_checks.h — the entity engine's checks that hold on every store:
 * one set, run on SQLite by test_entity.c and on PostgreSQL by test_pg.c.
 * Each takes an open, migrated store and leaves it open. */
#ifndef GX_ENTITY_CHECKS_H
#define GX_ENTITY_CHECKS_H

#include <stdint.h>

struct gx_store;

/* create, a unique clash, update, a stale version, delete, a name freed by
 * the delete, restore, history, audit, users, tenant scoping */
void check_entity_lifecycle(struct gx_store *s);
/* the keyset walk over every sort, the count, byte order, search, filters
 * and refused parameters */
void check_entity_keyset(struct gx_store *s);
/* The first column of the first row of sql (on a reader). */
int64_t check_count_rows(struct gx_store *s, const char *sql);

#endif
