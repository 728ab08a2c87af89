/* test_search.c — the search-term index of records (src/entity/search.c):
 * a reindex writes only the difference between the old and new terms. */
#include "gx_test.h"
#include "fixtures.h"

#include "core/arena.h"
#include "core/err.h"
#include "crm/customer.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "entity/search.h"
#include "store/migrations.h"
#include "store/store.h"
#include "text/searchkey.h"

/* A reindex replaces a record's terms by the difference: the same texts
 * write no row, a changed phone deletes and inserts only the terms that
 * differ (none of them both), with or without a bulk; the result is the
 * terms a fresh write gives. */
GX_TEST(search_reindex_writes_only_the_difference)
{
	struct gx_store *s = gx_test_open_db("diff.db");
	struct gx_arena ar;
	gx_arena_init(&ar, 0);
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "diff", "Diff", NULL, NULL, NULL, &tid), 0);
	struct gx_ctx a = {.store = s, .arena = &ar, .tenant_id = tid};
	struct gx_conn *c;
	gx_store_writer(s, &c);
	ASSERT_EQ_INT(gx_conn_exec(c, "CREATE TEMP TABLE st_log (op TEXT, term TEXT, rec INTEGER);"
				      "CREATE TEMP TRIGGER st_ins AFTER INSERT ON search_terms BEGIN "
				      "INSERT INTO st_log VALUES ('+', new.term, new.record_id); END;"
				      "CREATE TEMP TRIGGER st_del AFTER DELETE ON search_terms BEGIN "
				      "INSERT INTO st_log VALUES ('-', old.term, old.record_id); END;"), 0);
	struct gx_search_text t[3] = {{"張三豐", GX_SK_PERSON_NAME}, {"KH-2024-0015", GX_SK_CODE},
				      {"138 0013 8000", GX_SK_PHONE}};
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	int64_t first = gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE op = '+'");
	ASSERT_TRUE(first > 20);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE record_id = 1"), first);
	ASSERT_EQ_INT(gx_conn_exec(c, "DELETE FROM st_log"), 0);
	/* the same texts: nothing written */
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log"), 0);
	/* another phone: only its terms */
	t[2].text = "139 1234 5678";
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_TRUE(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE op = '-' AND term = '13800138000'") == 1);
	ASSERT_TRUE(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE op = '+' AND term = '5678'") == 1);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE term IN ('zhangsanfeng', 'zsf', 'kh20240015')"), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log x JOIN st_log y ON y.term = x.term AND y.op <> x.op"), 0);
	ASSERT_TRUE(gx_test_count_on(c, "SELECT count(*) FROM st_log") < first);
	ASSERT_EQ_INT(gx_conn_exec(c, "DELETE FROM st_log"), 0);
	/* through a bulk: the same texts write nothing, a record written fresh
	 * gets the same terms */
	ASSERT_EQ_INT(gx_search_bulk_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 2, t, 3), 0);
	ASSERT_EQ_INT(gx_search_bulk_end(c, true), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE rec = 1"), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE rec = 2 AND op = '+'"),
		      gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE record_id = 1"));
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT (SELECT count(*) FROM (SELECT term FROM search_terms WHERE record_id = 1 "
				  "EXCEPT SELECT term FROM search_terms WHERE record_id = 2)) + (SELECT count(*) FROM "
				  "(SELECT term FROM search_terms WHERE record_id = 2 EXCEPT SELECT term FROM search_terms "
				  "WHERE record_id = 1))"), 0);
	gx_conn_rollback(c);
	ASSERT_EQ_INT(gx_conn_exec(c, "DROP TRIGGER st_ins; DROP TRIGGER st_del; DROP TABLE st_log"), 0);
	gx_store_release(c);
	gx_arena_free(&ar);
	gx_store_close(s);
	gx_text_shutdown();
}

