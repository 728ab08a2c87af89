/* fixtures.h — what several unit-test files set up the same way. */
#ifndef GX_TEST_FIXTURES_H
#define GX_TEST_FIXTURES_H

struct gx_store;

/* A database file `name` in the test's temp dir, created and migrated to the
 * current schema (two readers, a 2 s busy timeout); the test fails if it
 * cannot be. */
struct gx_store *gx_test_open_db(const char *name);

#endif
