/* test_search.c — the search index of records (src/entity/search.c) on
 * SQLite: one FTS5 document per record (migration 0011), written only when
 * it changed; tenants apart; terms with quotes, dots, spaces and the
 * separator's character (U+001F); updates, removals, savepoints; the
 * migration from the term table of schema 10. */
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

#include <stdio.h>
#include <string.h>

/* Records of tenant ctx whose index holds term (exact, or as a prefix),
 * found by the MATCH the list runs; ids summed, so that a test tells which. */
static long long hits(struct gx_ctx *ctx, struct gx_conn *c, const char *term, bool prefix, long long *sum)
{
	const char *tok = gx_search_token(ctx, c, "customers", term);
	ASSERT_TRUE(tok != NULL);
	const char *match = gx_search_match(ctx, tok, prefix);
	ASSERT_TRUE(match != NULL);
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT rowid FROM search_fts WHERE search_fts MATCH ?", &st), 0);
	gx_stmt_bind_str(st, 1, match);
	long long n = 0, s = 0;
	int rc;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		n++;
		s += gx_stmt_col_int64(st, 0);
	}
	ASSERT_EQ_INT(rc, GX_DONE);
	gx_stmt_reset(st);
	if (sum)
		*sum = s;
	return n;
}

/* One database with one tenant: its context and the writer connection. */
struct fx {
	struct gx_store *s;
	struct gx_arena ar;
	struct gx_ctx ctx;
	struct gx_conn *c;
};

static void fx_open(struct fx *f, const char *file, const char *slug)
{
	f->s = gx_test_open_db(file);
	gx_arena_init(&f->ar, 0);
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(f->s, slug, slug, NULL, NULL, NULL, &tid), 0);
	f->ctx = (struct gx_ctx){.store = f->s, .arena = &f->ar, .tenant_id = tid};
	ASSERT_EQ_INT(gx_store_writer(f->s, &f->c), 0);
}

static void fx_close(struct fx *f)
{
	gx_store_release(f->c);
	gx_arena_free(&f->ar);
	gx_store_close(f->s);
	gx_text_shutdown();
}

/* A reindex writes the record's document only when its terms changed, with
 * or without a bulk; the index then holds exactly the new terms. */
GX_TEST(search_reindex_writes_only_the_difference)
{
	struct fx f;
	fx_open(&f, "diff.db", "diff");
	struct gx_ctx a = f.ctx;
	struct gx_conn *c = f.c;
	/* the writes of documents, seen in FTS5's content table */
	ASSERT_EQ_INT(gx_conn_exec(c, "CREATE TEMP TABLE st_log (op TEXT, rec INTEGER);"
				      "CREATE TEMP TRIGGER st_ins AFTER INSERT ON search_fts_content BEGIN "
				      "INSERT INTO st_log VALUES ('+', new.id); END;"
				      "CREATE TEMP TRIGGER st_del AFTER DELETE ON search_fts_content BEGIN "
				      "INSERT INTO st_log VALUES ('-', old.id); END;"), 0);
	struct gx_search_text t[3] = {{"張三豐", GX_SK_PERSON_NAME}, {"KH-2024-0015", GX_SK_CODE},
				      {"138 0013 8000", GX_SK_PHONE}};
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE op = '+'"), 1);
	ASSERT_TRUE(gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE record_id = 1") > 20);
	ASSERT_EQ_INT(hits(&a, c, "13800138000", false, NULL), 1);
	ASSERT_EQ_INT(gx_conn_exec(c, "DELETE FROM st_log"), 0);
	/* the same texts: nothing written */
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log"), 0);
	/* another phone: the old number is gone (no stale hit), the new one in */
	t[2].text = "139 1234 5678";
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log"), 2);
	ASSERT_EQ_INT(hits(&a, c, "13800138000", false, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "138", true, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "5678", false, NULL), 1);
	ASSERT_EQ_INT(hits(&a, c, "zsf", false, NULL), 1);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE term = '13800138000'"), 0);
	ASSERT_EQ_INT(gx_conn_exec(c, "DELETE FROM st_log"), 0);
	/* through a bulk: the same texts write nothing, a record written fresh
	 * gets the same terms */
	ASSERT_EQ_INT(gx_search_bulk_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t, 3), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 2, t, 3), 0);
	ASSERT_EQ_INT(gx_search_bulk_end(c, true), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE rec = 1"), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log WHERE rec = 2 AND op = '+'"), 1);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT (SELECT count(*) FROM (SELECT term FROM search_terms WHERE record_id = 1 "
				  "EXCEPT SELECT term FROM search_terms WHERE record_id = 2)) + (SELECT count(*) FROM "
				  "(SELECT term FROM search_terms WHERE record_id = 2 EXCEPT SELECT term FROM search_terms "
				  "WHERE record_id = 1))"), 0);
	gx_conn_rollback(c);
	ASSERT_EQ_INT(gx_conn_exec(c, "DROP TRIGGER st_ins; DROP TRIGGER st_del; DROP TABLE st_log"), 0);
	fx_close(&f);
}

/* The same term in two tenants: each tenant's query finds its own record
 * only, exact and as a prefix; a removal in one leaves the other. */
GX_TEST(search_index_keeps_tenants_apart)
{
	struct gx_store *s = gx_test_open_db("tenants.db");
	struct gx_arena ar;
	gx_arena_init(&ar, 0);
	int64_t ta, tb;
	ASSERT_EQ_INT(gx_tenant_create(s, "ta", "A", NULL, NULL, NULL, &ta), 0);
	ASSERT_EQ_INT(gx_tenant_create(s, "tb", "B", NULL, NULL, NULL, &tb), 0);
	/* tags 3..11: the last tenant's tag has tenant a's (1) as a prefix */
	int64_t tk = 0;
	for (int i = 3; i <= 11; i++) {
		char slug[16];
		snprintf(slug, sizeof slug, "tk%d", i);
		ASSERT_EQ_INT(gx_tenant_create(s, slug, slug, NULL, NULL, NULL, &tk), 0);
	}
	struct gx_ctx a = {.store = s, .arena = &ar, .tenant_id = ta}, b = {.store = s, .arena = &ar, .tenant_id = tb};
	struct gx_conn *c;
	gx_store_writer(s, &c);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	struct gx_search_text t[1] = {{"张三", GX_SK_PERSON_NAME}};
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 10, t, 1), 0);
	ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", 20, t, 1), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	long long sum;
	ASSERT_EQ_INT(hits(&a, c, "张三", false, &sum), 1);
	ASSERT_EQ_INT(sum, 10);
	ASSERT_EQ_INT(hits(&b, c, "张三", false, &sum), 1);
	ASSERT_EQ_INT(sum, 20);
	ASSERT_EQ_INT(hits(&a, c, "zhang", true, &sum), 1);
	ASSERT_EQ_INT(sum, 10);
	ASSERT_EQ_INT(hits(&b, c, "zs", false, &sum), 1);
	ASSERT_EQ_INT(sum, 20);
	/* tags that are prefixes of each other's digits (1 and 11) stay apart
	 * too: the head "<tag>c" ends with a letter */
	struct gx_ctx other = {.store = s, .arena = &ar, .tenant_id = tk};
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT min(search_tag) * 100 + max(search_tag) FROM tenants"), 111);
	ASSERT_EQ_INT(hits(&other, c, "张三", false, NULL), 0);
	ASSERT_EQ_INT(hits(&other, c, "zhang", true, NULL), 0);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&other, c, "customers", 30, t, 1), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	ASSERT_EQ_INT(hits(&other, c, "zhang", true, &sum), 1);
	ASSERT_EQ_INT(sum, 30);
	ASSERT_EQ_INT(hits(&a, c, "zhang", true, &sum), 1);
	ASSERT_EQ_INT(sum, 10);
	/* a tenant without a tag (none is made without one) is refused */
	struct gx_ctx untagged = {.store = s, .arena = &ar, .tenant_id = ta * 10 + 1};
	ASSERT_TRUE(gx_search_token(&untagged, c, "customers", "zhang") == NULL);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(DISTINCT tenant_id) FROM search_terms WHERE term = '张三'"), 3);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_remove(&a, c, "customers", 10), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	ASSERT_EQ_INT(hits(&a, c, "张三", false, NULL), 0);
	ASSERT_EQ_INT(hits(&b, c, "张三", false, NULL), 1);
	/* only customers are indexed on SQLite (the rowid is their id) */
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "contacts", 10, t, 1), GX_EINVAL);
	gx_store_release(c);
	gx_arena_free(&ar);
	gx_store_close(s);
	gx_text_shutdown();
}

/* Terms holding the FTS5 query syntax's characters (quotes, '*', ':', '.',
 * parentheses, spaces) are found exactly and as prefixes, and do not match
 * more than themselves; a control character (the document separator
 * U+001F) in a text is never part of a term. */
GX_TEST(search_index_terms_with_quotes_and_separators)
{
	struct fx f;
	fx_open(&f, "quotes.db", "q");
	struct gx_ctx a = f.ctx;
	struct gx_conn *c = f.c;
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	struct gx_search_text t1[2] = {{"O\"Brien \"q\" (a:b) *x*", 0}, {"zhang.san@example.com", GX_SK_EMAIL}};
	struct gx_search_text t2[1] = {{"sep\x1fhere NEAR(a b) AND OR", 0}};
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, t1, 2), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 2, t2, 1), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	/* every term of the index is found by its own exact query, by that
	 * record only */
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT term, record_id FROM search_terms ORDER BY 1, 2", &st), 0);
	char terms[64][GX_SK_TERM_MAX + 1];
	long long recs[64];
	int n = 0;
	while (n < 64 && gx_stmt_step(st) == GX_ROW) {
		snprintf(terms[n], sizeof terms[n], "%s", gx_stmt_col_text(st, 0));
		recs[n++] = gx_stmt_col_int64(st, 1);
	}
	gx_stmt_reset(st);
	ASSERT_TRUE(n > 8);
	bool quoted = false;
	for (int i = 0; i < n; i++) {
		long long sum;
		ASSERT_TRUE(strchr(terms[i], '\x1f') == NULL);
		quoted = quoted || strchr(terms[i], '"');
		long long h = hits(&a, c, terms[i], false, &sum);
		ASSERT_TRUE(h >= 1);
		/* a term both records have is found twice */
		ASSERT_TRUE(h == 2 || sum == recs[i]);
	}
	ASSERT_TRUE(quoted);
	long long sum;
	ASSERT_EQ_INT(hits(&a, c, "o\"brien \"q\" (a:b) *x*", false, &sum), 1); /* the whole text */
	ASSERT_EQ_INT(sum, 1);
	ASSERT_EQ_INT(hits(&a, c, "o\"brien \"q\" (a:b) *x", false, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "o\"b", true, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "o\"brien \"q\" (", true, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "zhang.san@", true, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "zhang.san@example.com", false, &sum), 1);
	/* U+001F became a space of the whole text: the document's separator
	 * never splits a term */
	ASSERT_EQ_INT(hits(&a, c, "sep here near(a b) and or", false, &sum), 1);
	ASSERT_EQ_INT(sum, 2);
	ASSERT_EQ_INT(hits(&a, c, "sep here near(", true, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "near(a", true, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "sep", false, &sum), 1);
	ASSERT_EQ_INT(sum, 2);
	ASSERT_EQ_INT(hits(&a, c, "\"", true, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "*", true, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "q\" ", true, NULL), 0);
	/* FTS5's operators are plain terms here */
	ASSERT_EQ_INT(hits(&a, c, "and", false, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "or", false, &sum), 1);
	fx_close(&f);
}

/* Removal and restore, and writes rolled back to a savepoint (an import's
 * bad row): nothing of the rolled-back write stays, the earlier writes of
 * the transaction do; with a bulk, the row's pending document goes with
 * gx_search_bulk_truncate and the one before it of the same record wins. */
GX_TEST(search_index_remove_restore_and_savepoints)
{
	struct fx f;
	fx_open(&f, "sp.db", "sp");
	struct gx_ctx a = f.ctx;
	struct gx_conn *c = f.c;
	struct gx_search_text one[1] = {{"上海华联", 0}}, two[1] = {{"北京百货", 0}};
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, one, 1), 0);
	ASSERT_EQ_INT(gx_search_remove(&a, c, "customers", 1), 0);
	ASSERT_EQ_INT(hits(&a, c, "华联", false, NULL), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, one, 1), 0); /* restored */
	ASSERT_EQ_INT(hits(&a, c, "华联", false, NULL), 1);
	/* a row rolled back, without a bulk */
	ASSERT_EQ_INT(gx_conn_exec(c, "SAVEPOINT r"), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 2, two, 1), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 1, two, 1), 0);
	ASSERT_EQ_INT(hits(&a, c, "北京", false, NULL), 2);
	ASSERT_EQ_INT(gx_conn_exec(c, "ROLLBACK TO SAVEPOINT r; RELEASE SAVEPOINT r"), 0);
	ASSERT_EQ_INT(hits(&a, c, "北京", false, NULL), 0);
	ASSERT_EQ_INT(hits(&a, c, "华联", false, NULL), 1);
	/* with a bulk, as the import runs its rows */
	ASSERT_EQ_INT(gx_search_bulk_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 3, two, 1), 0); /* a good row */
	size_t mark = gx_search_bulk_pending(c);
	ASSERT_EQ_INT(gx_conn_exec(c, "SAVEPOINT r"), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 3, one, 1), 0); /* the bad row updates 3, */
	ASSERT_EQ_INT(gx_search_remove(&a, c, "customers", 1), 0);          /* removes 1 */
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 4, one, 1), 0); /* and creates 4 */
	ASSERT_TRUE(gx_search_bulk_pending(c) > mark);
	gx_search_bulk_truncate(c, mark);
	ASSERT_EQ_INT(gx_conn_exec(c, "ROLLBACK TO SAVEPOINT r; RELEASE SAVEPOINT r"), 0);
	ASSERT_EQ_INT(gx_search_bulk_end(c, true), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	long long sum;
	ASSERT_EQ_INT(hits(&a, c, "北京", false, &sum), 1);
	ASSERT_EQ_INT(sum, 3);
	ASSERT_EQ_INT(hits(&a, c, "华联", false, &sum), 1);
	ASSERT_EQ_INT(sum, 1);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE record_id = 4"), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM search_fts_content"), 2);
	fx_close(&f);
}

struct termv {
	int n;
	char v[128][GX_SK_TERM_MAX + 1];
};

static int termv_add(const char *term, size_t len, void *ud)
{
	struct termv *x = ud;
	if (x->n < 128)
		snprintf(x->v[x->n++], sizeof x->v[0], "%.*s", (int)len, term);
	return 0;
}

/* A database of schema 10 with terms in search_terms (two tenants, a term
 * with a space and a quote, a row of another entity): migration 0011 moves
 * every customer's terms into the FTS5 index and drops the table; a
 * reindex of the same texts then writes nothing. */
GX_TEST(search_migration_from_schema_10)
{
	char path[300];
	snprintf(path, sizeof path, "%s/v10.db", gx_test_tmpdir());
	struct gx_store_opts o = {.readers = 2, .busy_timeout_ms = 2000, .create = 1};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(path, &o, &s), 0);
	struct gx_conn *c;
	gx_store_writer(s, &c);
	ASSERT_EQ_INT(gx_conn_exec(c, "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
				      "name TEXT NOT NULL, applied_at TEXT NOT NULL)"), 0);
	for (size_t i = 0; i < gx_migrations_count && gx_migrations[i].version <= 10; i++) {
		ASSERT_EQ_INT(gx_conn_exec(c, gx_migrations[i].sql), 0);
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, 'v', 'now')", gx_migrations[i].version);
		ASSERT_EQ_INT(gx_conn_exec(c, sql), 0);
	}
	ASSERT_EQ_INT(gx_conn_exec(c, "INSERT INTO tenants (id, slug, name, created_at, updated_at) VALUES "
				      "(1, 'one', 'One', 'now', 'now'), (2, 'two', 'Two', 'now', 'now')"), 0);
	/* the terms a write of schema 10 gave (src/entity/search.c then) */
	struct gx_search_text t[2] = {{"張三豐", GX_SK_PERSON_NAME}, {"O'Neil \"Q\" Ltd", 0}};
	static struct termv tv;
	tv.n = 0;
	for (int i = 0; i < 2; i++)
		ASSERT_EQ_INT(gx_searchkey_terms(t[i].text, t[i].flags, termv_add, &tv), 0);
	ASSERT_TRUE(tv.n > 10);
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "INSERT INTO search_terms (tenant_id, entity, term, record_id) VALUES (?, ?, ?, ?) "
				      "ON CONFLICT DO NOTHING", &st), 0);
	for (int tenant = 1; tenant <= 2; tenant++)
		for (int i = 0; i < tv.n; i++) {
			gx_stmt_bind_int64(st, 1, tenant);
			gx_stmt_bind_str(st, 2, "customers");
			gx_stmt_bind_str(st, 3, tv.v[i]);
			gx_stmt_bind_int64(st, 4, tenant == 1 ? 7 : 8);
			ASSERT_EQ_INT(gx_stmt_step(st), GX_DONE);
			gx_stmt_reset(st);
		}
	gx_stmt_bind_int64(st, 1, 1);
	gx_stmt_bind_str(st, 2, "other");
	gx_stmt_bind_str(st, 3, "zhang");
	gx_stmt_bind_int64(st, 4, 9);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_DONE);
	gx_stmt_reset(st);
	int64_t rows = gx_test_count_on(c, "SELECT count(*) FROM search_terms WHERE entity = 'customers'");
	gx_store_release(c);
	int applied = 0;
	ASSERT_EQ_INT(gx_migrate(s, path, &applied), 0);
	ASSERT_TRUE(applied >= 1);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'search_terms'"), 0);
	gx_test_search_view(s);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms"), rows);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE tenant_id = 1 AND record_id = 7"), rows / 2);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE tenant_id = 2 AND record_id = 8"), rows / 2);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE record_id = 9"), 0);
	struct gx_arena ar;
	gx_arena_init(&ar, 0);
	struct gx_ctx a = {.store = s, .arena = &ar, .tenant_id = 1};
	gx_store_writer(s, &c);
	long long sum;
	ASSERT_EQ_INT(hits(&a, c, "zhangsanfeng", false, &sum), 1);
	ASSERT_EQ_INT(sum, 7);
	ASSERT_EQ_INT(hits(&a, c, "o'neil \"q\" ltd", false, &sum), 1);
	ASSERT_EQ_INT(hits(&a, c, "张三", false, &sum), 1);
	ASSERT_EQ_INT(gx_conn_exec(c, "CREATE TEMP TABLE st_log (rec INTEGER);"
				      "CREATE TEMP TRIGGER st_ins AFTER INSERT ON search_fts_content BEGIN "
				      "INSERT INTO st_log VALUES (new.id); END;"), 0);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 7, t, 2), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	ASSERT_EQ_INT(gx_test_count_on(c, "SELECT count(*) FROM st_log"), 0);
	ASSERT_EQ_INT(gx_conn_exec(c, "DROP TRIGGER st_ins; DROP TABLE st_log"), 0);
	gx_store_release(c);
	gx_arena_free(&ar);
	gx_store_close(s);
	gx_text_shutdown();
}
