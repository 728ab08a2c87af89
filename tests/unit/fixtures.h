/* fixtures.h — what several unit-test files set up the same way. */
#ifndef GX_TEST_FIXTURES_H
#define GX_TEST_FIXTURES_H

struct gx_store;
struct gx_conn;

/* A database file `name` in the test's temp dir, created and migrated to the
 * current schema (two readers, a 2 s busy timeout); the test fails if it
 * cannot be. */
struct gx_store *gx_test_open_db(const char *name);

/* SQLite: creates the view search_terms (tenant_id, entity, term,
 * record_id) over the FTS5 index's entries (search_vocab), so that a test
 * reads the index as PostgreSQL's table; nothing on PostgreSQL.
 * gx_test_open_db calls it. */
void gx_test_search_view(struct gx_store *s);

/* The first column of the first row of sql, an integer query (-1 when it
 * returns no row): through connection c, or through a reader of s. */
long long gx_test_count_on(struct gx_conn *c, const char *sql);
long long gx_test_count(struct gx_store *s, const char *sql);

#endif
