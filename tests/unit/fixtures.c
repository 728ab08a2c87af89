/* fixtures.c — see fixtures.h. */
#include "fixtures.h"

#include "gx_test.h"
#include "store/migrations.h"
#include "store/store.h"

#include <stdio.h>

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
	return s;
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
