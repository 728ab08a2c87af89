/* fixtures.c — see fixtures.h. */
#include "fixtures.h"

#include "gx_test.h"
#include "store/migrations.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

struct gx_store *gx_test_open_db(const char *name)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", gx_test_tmpdir(), name);
	struct gx_store_opts o = {.readers = 2, .busy_timeout_ms = 2000, .create = 1};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(path, &o, &s), 0);
	int applied;
	ASSERT_EQ_INT(gx_migrate(s, path, &applied), 0);
	ASSERT_TRUE(applied >= 1);
	gx_test_search_view(s);
	return s;
}

void gx_test_search_view(struct gx_store *s)
{
	if (strcmp(gx_store_backend(s), "sqlite"))
		return;
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_writer(s, &c), 0);
	/* the index's own entries (the tokens "<tag>c<term>" and their
	 * documents), as the rows of PostgreSQL's table: the tag is digits, so
	 * the first "c" ends it */
	ASSERT_EQ_INT(gx_conn_exec(c, "CREATE VIEW IF NOT EXISTS search_terms AS SELECT t.id AS tenant_id, "
				      "'customers' AS entity, substr(v.term, instr(v.term, 'c') + 1) AS term, v.doc AS record_id "
				      "FROM search_vocab v JOIN tenants t ON t.search_tag = "
				      "CAST(substr(v.term, 1, instr(v.term, 'c') - 1) AS INTEGER)"), 0);
	gx_store_release(c);
}

long long gx_test_count_on(struct gx_conn *c, const char *sql)
{
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &st), 0);
	long long n = gx_stmt_step(st) == GX_ROW ? (long long)gx_stmt_col_int64(st, 0) : -1;
	gx_stmt_reset(st);
	return n;
}

long long gx_test_count(struct gx_store *s, const char *sql)
{
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	long long n = gx_test_count_on(c, sql);
	gx_store_release(c);
	return n;
}
