/* test_analytics.c — analytics against a real SQLite database: the
 * statistics kept incrementally by every write agree with a rebuild from
 * scratch; quintiles and segments; money and local days; the CSV import
 * (all-or-nothing, idempotent); profitability tiers. */
#include "gx_test.h"
#include "fixtures.h"

#include "analytics/analytics.h"
#include "analytics/calendar.h"
#include "analytics/stats.h"
#include "core/err.h"
#include "core/time.h"
#include "crm/customer.h"
#include "crm/transaction.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "store/migrations.h"
#include "store/store.h"

#define DAY_MS 86400000LL

static struct gx_store *open_db(void)
{
	return gx_test_open_db("a.db");
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int64_t customer(struct gx_ctx *ctx, const char *name, const char *code)
{
	json_t *in = json_pack("{s:s, s:s}", "name", name, "code", code), *out = NULL;
	struct gx_errors errs = {0};
	int rc = gx_entity_create(ctx, &gx_customers_entity, in, &out, &errs);
	if (rc) {
		char *t = json_dumps(errs.list, 0);
		GX_FAIL("customer %s: %d %s", name, rc, t ? t : "");
	}
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(in);
	json_decref(out);
	return id;
}

/* Every maintained statistics row (all-zero rows left out: a customer whose
 * last transaction went keeps one, a rebuild writes none), months,
 * products and the product patterns (0007), as text lines. with_scores adds the scores. */
static char *snapshot(struct gx_store *s, bool with_scores)
{
	static const char *const sql[] = {
		"SELECT customer_id, currency, transaction_count, purchase_count, repeat_count, revenue, purchase_amount, "
		"first_day_amount, cost, gross_margin, first_purchase_at, last_purchase_at, first_purchase_day, "
		"last_purchase_day, first_purchase_month, cost_to_serve, activity_count, last_contact_at, "
		"relationship_breadth FROM customer_stats WHERE transaction_count > 0 OR activity_count > 0 OR "
		"relationship_breadth > 0 ORDER BY customer_id",
		"SELECT customer_id, month, revenue, purchases, transactions FROM customer_months ORDER BY customer_id, month",
		"SELECT customer_id, product, category, quantity, revenue, purchases, last_at FROM customer_products "
		"ORDER BY customer_id, product",
		"SELECT customer_id, profit, tier, r_score, f_score, m_score, rfm_cell, segment, round(p_alive * 1000000), "
		"round(expected_purchases * 1000000), round(expected_spend * 1000), clv, decline, decline_recent, "
		"decline_expected FROM customer_stats WHERE transaction_count > 0 OR activity_count > 0 OR "
		"relationship_breadth > 0 ORDER BY customer_id",
		"SELECT product, customers, category FROM product_buyers ORDER BY product",
		"SELECT product, other, customers FROM product_pairs ORDER BY product, other",
	};
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	for (int q = 0; q < 6; q++) {
		if (q == 3 && !with_scores)
			continue;
		struct gx_stmt *st;
		ASSERT_EQ_INT(gx_conn_prepare(c, sql[q], &st), 0);
		while (gx_stmt_step(st) == GX_ROW) {
			for (int i = 0; i < gx_stmt_columns(st); i++) {
				const char *v = gx_stmt_col_type(st, i) == GX_COL_NULL ? "-" : gx_stmt_col_text(st, i);
				size_t n = strlen(v) + 2;
				if (len + n + 1 >= cap) {
					cap *= 2;
					out = realloc(out, cap);
				}
				len += (size_t)snprintf(out + len, cap - len, "%s|", v);
			}
			out[len++] = '\n';
			out[len] = '\0';
		}
		gx_stmt_reset(st);
		len += (size_t)snprintf(out + len, cap - len, "--\n");
	}
	gx_store_release(c);
	return out;
}

/* Every index of the database (name and definition), as text: a rebuild
 * that drops the summary tables' indexes must make each again. */
static char *index_list(struct gx_store *s)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, "SELECT name, COALESCE(sql, '-') FROM sqlite_master WHERE type = 'index' "
					 "ORDER BY name", &st), 0);
	while (gx_stmt_step(st) == GX_ROW) {
		const char *name = gx_stmt_col_text(st, 0), *sql = gx_stmt_col_text(st, 1);
		size_t n = strlen(name) + strlen(sql) + 3;
		if (len + n + 1 >= cap) {
			cap = (cap + n) * 2;
			out = realloc(out, cap);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s|%s\n", name, sql);
	}
	gx_stmt_reset(st);
	gx_store_release(c);
	return out;
}

static void assert_same(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return;
	/* show the first line that differs */
	const char *pa = a, *pb = b;
	while (*pa && *pa == *pb) {
		pa++;
		pb++;
	}
	while (pa > a && pa[-1] != '\n') {
		pa--;
		pb--;
	}
	GX_FAIL("incremental and rebuilt statistics differ:\n  incremental: %.300s\n  rebuilt:     %.300s", pa, pb);
}

static const char *const products[][2] = {
	{"传感器 S1", "传感器"}, {"网关 G2", "通信"}, {"伺服电机 M3", "电机"}, {"变频器 V5", "电机"},
	{"PLC P200", "控制器"}, {"HMI-7", "人机界面"}, {"维保合同", "服务"}, {"备件包", NULL},
};

/* Random transactions through every write path (bulk, single create,
 * update, delete, restore, move), activities and team changes, then a
 * rebuild from scratch must give the same rows. */
GX_TEST(analytics_incremental_equals_rebuild)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", "Asia/Shanghai", "CNY", NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	gx_customer_module_init();
	gx_transaction_module_init();
	enum { NC = 12 };
	int64_t cust[NC];
	for (int i = 0; i < NC; i++) {
		char name[32], code[16];
		snprintf(name, sizeof name, "客户 %d", i);
		snprintf(code, sizeof code, "K%02d", i);
		cust[i] = customer(&ctx, name, code);
	}
	uint32_t seed = 20261124u;
	int64_t now = gx_now_ms();
	/* every flush (the bulk, the rebuilds) sorts its rows by radix; the
	 * single writes below are the reference */
	gx_stats_radix_min = 1;
	/* an activity of customer 0 from before its statistics existed (written
	 * without the hook): its first statistics row, written by the bulk below,
	 * must start with it */
	{
		struct gx_conn *w;
		ASSERT_EQ_INT(gx_store_writer(s, &w), 0);
		struct gx_stmt *st;
		ASSERT_EQ_INT(gx_conn_prepare(w, "INSERT INTO activities (tenant_id, id, customer_id, channel, subject, "
						 "cost, occurred_at, created_at, updated_at) VALUES (?, 900001, ?, 'visit', "
						 "'拜访', 1234, '2026-01-05T08:00:00.000Z', '2026-01-05T08:00:00.000Z', "
						 "'2026-01-05T08:00:00.000Z')", &st), 0);
		gx_stmt_bind_int64(st, 1, tid);
		gx_stmt_bind_int64(st, 2, cust[0]);
		ASSERT_EQ_INT(gx_stmt_step(st), GX_DONE);
		gx_stmt_reset(st);
		gx_store_release(w);
	}
	/* a bulk batch: same-day purchases, returns, night-time purchases that
	 * are the next local day */
	json_t *items = json_array();
	int64_t at = now, who = cust[0];
	for (int k = 0; k < 300; k++) {
		char when[40], ref[32];
		if (k % 7 == 6) {
			at += 60000; /* the same customer again a minute later: the same day, mostly */
		} else if (k % 50 == 3 || k % 50 == 40) {
			/* the oldest day of customers 1 and 2, twice each, far apart in the batch */
			who = cust[1 + (k % 100 >= 50)];
			at = now - 800 * DAY_MS + (k % 50 == 40) * 3600000LL;
		} else {
			at = now - (int64_t)(rnd(&seed) % (k % 2 ? 700 : 60)) * DAY_MS - (int64_t)(rnd(&seed) % 86400) * 1000;
			who = cust[rnd(&seed) % (NC - 2)];
		}
		gx_time_iso(at, when, sizeof when);
		snprintf(ref, sizeof ref, "B-%04d", k);
		int p = (int)(rnd(&seed) % 8);
		int64_t amount = (int64_t)(rnd(&seed) % 50000) + 100;
		if (rnd(&seed) % 10 == 0)
			amount = -amount / 3; /* a return */
		json_t *it = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I}", "customer_id", (json_int_t)who,
				       "occurred_at", when, "amount", (json_int_t)amount, "external_ref", ref, "product",
				       products[p][0], "quantity", (json_int_t)(rnd(&seed) % 5 + 1));
		if (products[p][1])
			json_object_set_new(it, "category", json_string(products[p][1]));
		if (rnd(&seed) % 3)
			json_object_set_new(it, "cost", json_integer(amount * 6 / 10));
		json_array_append_new(items, it);
	}
	json_t *out = NULL, *row_errors = NULL;
	int rc = gx_transactions_bulk(&ctx, items, &out, &row_errors);
	if (rc) {
		char *t = json_dumps(row_errors, 0);
		GX_FAIL("bulk: %d %.500s", rc, t ? t : "");
	}
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "created")), 300);
	json_decref(out);
	char q[200];
	snprintf(q, sizeof q, "SELECT activity_count * 100000 + cost_to_serve FROM customer_stats WHERE tenant_id = %lld "
		 "AND customer_id = %lld AND transaction_count > 0", (long long)tid, (long long)cust[0]);
	ASSERT_EQ_INT(gx_test_count(s, q), 101234);
	/* the same batch again: everything skipped, nothing new */
	ASSERT_EQ_INT(gx_transactions_bulk(&ctx, items, &out, &row_errors), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "created")), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "skipped")), 300);
	json_decref(out);
	json_decref(items);
	/* single writes through the engine */
	json_t *ids = json_array();
	for (int k = 0; k < 40; k++) {
		char when[40];
		gx_time_iso(now - (int64_t)(rnd(&seed) % 400) * DAY_MS - (int64_t)(rnd(&seed) % 86400) * 1000, when, sizeof when);
		json_t *in = json_pack("{s:I, s:s, s:I, s:s}", "customer_id", (json_int_t)cust[rnd(&seed) % NC], "occurred_at",
				       when, "amount", (json_int_t)(rnd(&seed) % 9000 + 1), "product", products[rnd(&seed) % 8][0]);
		struct gx_errors errs = {0};
		ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_transactions_entity, in, &out, &errs), 0);
		json_array_append_new(ids, json_incref(json_object_get(out, "id")));
		json_decref(out);
		json_decref(in);
	}
	/* activities with cost to serve, in the writer's transaction as the
	 * activities hook does it */
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_writer(s, &c), 0);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	for (int k = 0; k < 25; k++) {
		char when[40];
		gx_time_iso(now - (int64_t)(rnd(&seed) % 200) * DAY_MS, when, sizeof when);
		json_t *in = json_pack("{s:I, s:s, s:s, s:I, s:s}", "customer_id", (json_int_t)cust[rnd(&seed) % NC], "channel",
				       k % 4 ? "visit" : "other", "subject", "拜访", "cost", (json_int_t)(rnd(&seed) % 3000), "occurred_at", when);
		struct gx_errors errs = {0};
		ASSERT_EQ_INT(gx_entity_create_conn(&ctx, c, &gx_activities_entity, in, &out, &errs), 0);
		ASSERT_EQ_INT(gx_stats_activity_written(&ctx, c, NULL, out), 0);
		json_decref(out);
		json_decref(in);
	}
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	gx_store_release(c);

	/* 1: only the incremental path so far */
	ASSERT_EQ_INT(gx_analytics_score_all(s, tid, NULL), 0);
	char *inc = snapshot(s, true);
	char *idx = index_list(s);
	ASSERT_TRUE(strstr(idx, "customer_products_product|") && strstr(idx, "customer_stats_decline|"));
	int64_t n = 0;
	ASSERT_EQ_INT(gx_stats_rebuild(s, tid, &n), 0);
	ASSERT_TRUE(n >= NC - 2);
	char *reb = snapshot(s, true);
	assert_same(inc, reb);
	/* the tenant alone in the summary tables: their indexes were dropped
	 * for the rows and made again, the same */
	char *idx2 = index_list(s);
	ASSERT_EQ_STR(idx2, idx);
	free(idx2);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customer_products INDEXED BY customer_products_product "
				     "WHERE tenant_id > 0 AND product > ''"),
		      gx_test_count(s, "SELECT count(*) FROM customer_products"));
	/* the partial index of the declining rows (0013) holds them all */
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customer_stats INDEXED BY customer_stats_decline "
				     "WHERE tenant_id > 0 AND decline = 1"),
		      gx_test_count(s, "SELECT count(*) FROM customer_stats WHERE decline = 1"));
	{
		/* and the decline report's lookup of the flagged ids takes it */
		struct gx_conn *r;
		ASSERT_EQ_INT(gx_store_reader(s, &r), 0);
		struct gx_stmt *st;
		ASSERT_EQ_INT(gx_conn_prepare(r, "EXPLAIN QUERY PLAN SELECT customer_id FROM customer_stats WHERE "
						 "tenant_id = ? AND decline = 1", &st), 0);
		gx_stmt_bind_int64(st, 1, tid);
		bool used = false;
		while (gx_stmt_step(st) == GX_ROW)
			used = used || strstr(gx_stmt_col_text(st, 3), "customer_stats_decline") != NULL;
		gx_stmt_reset(st);
		gx_store_release(r);
		ASSERT_TRUE(used);
	}
	free(idx);
	ASSERT_TRUE(strstr(inc, "|CNY|") != NULL);
	free(reb);
	/* a rebuild that writes every 7 rows (its later flushes add to rows
	 * its earlier ones wrote) gives the same */
	gx_stats_rebuild_window = 7;
	rc = gx_stats_rebuild(s, tid, &n);
	gx_stats_rebuild_window = 0;
	ASSERT_EQ_INT(rc, 0);
	reb = snapshot(s, true);
	assert_same(inc, reb);
	free(inc);
	free(reb);

	/* 2: edits, deletes, restores and a merge move recompute their customers */
	for (int k = 0; k < 10; k++) {
		int64_t id = json_integer_value(json_array_get(ids, (size_t)k * 3));
		json_t *cur = NULL;
		ASSERT_EQ_INT(gx_entity_get(&ctx, &gx_transactions_entity, id, false, &cur), 0);
		char when[40];
		gx_time_iso(now - (int64_t)(rnd(&seed) % 300) * DAY_MS, when, sizeof when);
		json_t *patch = k % 2 ? json_pack("{s:I, s:s}", "amount", (json_int_t)(rnd(&seed) % 7000 + 1), "occurred_at", when)
				      : json_pack("{s:I}", "customer_id", (json_int_t)cust[rnd(&seed) % NC]);
		struct gx_errors errs = {0};
		rc = gx_entity_update(&ctx, &gx_transactions_entity, id, json_integer_value(json_object_get(cur, "version")),
				      patch, &out, &errs);
		if (rc) {
			char *t = json_dumps(errs.list, 0);
			GX_FAIL("update: %d %s", rc, t ? t : "");
		}
		json_decref(out);
		json_decref(patch);
		json_decref(cur);
	}
	for (int k = 0; k < 6; k++) {
		int64_t id = json_integer_value(json_array_get(ids, (size_t)k * 5 + 1));
		struct gx_errors errs = {0};
		ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_transactions_entity, id, -1, &errs), 0);
		if (k % 2) {
			ASSERT_EQ_INT(gx_entity_restore(&ctx, &gx_transactions_entity, id, &out, &errs), 0);
			json_decref(out);
		}
	}
	json_decref(ids);
	ASSERT_EQ_INT(gx_store_writer(s, &c), 0);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	int64_t moved = 0;
	ASSERT_EQ_INT(gx_transactions_move(&ctx, c, cust[NC - 3], cust[0], &moved), 0);
	ASSERT_TRUE(moved > 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	gx_store_release(c);

	ASSERT_EQ_INT(gx_analytics_score_all(s, tid, NULL), 0);
	inc = snapshot(s, true);
	ASSERT_EQ_INT(gx_stats_rebuild(s, tid, &n), 0);
	reb = snapshot(s, true);
	assert_same(inc, reb);
	free(inc);
	free(reb);
	gx_stats_radix_min = 0;
	gx_arena_free(&a);
	gx_store_close(s);
}

/* A rebuild of one tenant beside another's rows: the summary tables are
 * not emptied whole, their indexes stay; the other tenant's rows stay as
 * they were, and the tenant's own equal what its writes kept. */
GX_TEST(analytics_rebuild_beside_another_tenant)
{
	struct gx_store *s = open_db();
	int64_t tid[2];
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", "Asia/Shanghai", "CNY", NULL, &tid[0]), 0);
	ASSERT_EQ_INT(gx_tenant_create(s, "beta", "Beta", "Asia/Taipei", "TWD", NULL, &tid[1]), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	gx_customer_module_init();
	gx_transaction_module_init();
	int64_t now = gx_now_ms();
	for (int t = 0; t < 2; t++) {
		struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid[t]};
		int64_t c1 = customer(&ctx, "甲", "C1"), c2 = customer(&ctx, "乙", "C2");
		json_t *items = json_array();
		for (int k = 0; k < 9; k++) {
			char when[40], ref[16];
			gx_time_iso(now - (int64_t)(k * 37 % 300) * DAY_MS, when, sizeof when);
			snprintf(ref, sizeof ref, "R-%d", k);
			json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:s, s:s}", "customer_id",
							       (json_int_t)(k % 3 ? c1 : c2), "occurred_at", when, "amount",
							       (json_int_t)(1000 + 100 * k + 7 * t), "external_ref", ref,
							       "product", products[k % 4][0]));
		}
		json_t *out = NULL, *row_errors = NULL;
		ASSERT_EQ_INT(gx_transactions_bulk(&ctx, items, &out, &row_errors), 0);
		ASSERT_EQ_INT(json_integer_value(json_object_get(out, "created")), 9);
		json_decref(out);
		json_decref(items);
	}
	ASSERT_EQ_INT(gx_analytics_score_all(s, tid[0], NULL), 0);
	ASSERT_EQ_INT(gx_analytics_score_all(s, tid[1], NULL), 0);
	char *inc = snapshot(s, true), *idx = index_list(s);
	int64_t n = 0;
	ASSERT_EQ_INT(gx_stats_rebuild(s, tid[0], &n), 0);
	ASSERT_EQ_INT(n, 2);
	char *reb = snapshot(s, true), *idx2 = index_list(s);
	assert_same(inc, reb);
	ASSERT_EQ_STR(idx2, idx);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(DISTINCT tenant_id) FROM customer_products"), 2);
	free(inc);
	free(reb);
	free(idx);
	free(idx2);
	gx_arena_free(&a);
	gx_store_close(s);
}

GX_TEST(analytics_quintiles_and_segments)
{
	int64_t v[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, t[4];
	gx_analytics_quintiles(v, 10, t);
	ASSERT_EQ_INT(t[0], 2);
	ASSERT_EQ_INT(t[1], 4);
	ASSERT_EQ_INT(t[2], 6);
	ASSERT_EQ_INT(t[3], 8);
	int want[10] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
	for (int i = 0; i < 10; i++)
		ASSERT_EQ_INT(gx_analytics_quintile_score(i + 1, t), want[i]);
	/* one-time buyers are the lowest frequency, however many they are */
	int64_t f[10] = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5};
	gx_analytics_quintiles(f, 10, t);
	ASSERT_EQ_INT(gx_analytics_quintile_score(1, t), 1);
	ASSERT_EQ_INT(gx_analytics_quintile_score(2, t), 4);
	ASSERT_EQ_INT(gx_analytics_quintile_score(5, t), 5);
	ASSERT_EQ_STR(gx_analytics_segment_of(5, 5), "champions");
	ASSERT_EQ_STR(gx_analytics_segment_of(5, 1), "new");
	ASSERT_EQ_STR(gx_analytics_segment_of(4, 1), "promising");
	ASSERT_EQ_STR(gx_analytics_segment_of(3, 3), "need_attention");
	ASSERT_EQ_STR(gx_analytics_segment_of(3, 4), "loyal");
	ASSERT_EQ_STR(gx_analytics_segment_of(1, 5), "cannot_lose");
	ASSERT_EQ_STR(gx_analytics_segment_of(2, 3), "at_risk");
	ASSERT_EQ_STR(gx_analytics_segment_of(1, 1), "lost");
	ASSERT_EQ_STR(gx_analytics_segment_of(2, 2), "hibernating");
	ASSERT_EQ_STR(gx_analytics_segment_of(3, 1), "about_to_sleep");
	ASSERT_EQ_STR(gx_analytics_segment_of(5, 3), "potential_loyalists");
	ASSERT_TRUE(gx_analytics_segment_of(0, 3) == NULL);
	json_t *l = gx_analytics_segment_label("at_risk");
	ASSERT_EQ_STR(json_string_value(json_object_get(l, "zh-TW")), "有流失風險");
	json_decref(l);
}

GX_TEST(analytics_tiers)
{
	struct gx_analytics_settings s = {.tier_high_min = 100000, .tier_break_even_min = 0, .tier_drain_ratio = 2};
	ASSERT_EQ_STR(gx_analytics_tier(&s, 150000, 20000, true), "highly_profitable");
	ASSERT_EQ_STR(gx_analytics_tier(&s, 50000, 50000, true), "break_even");
	ASSERT_EQ_STR(gx_analytics_tier(&s, 10000, 15000, true), "unprofitable");
	ASSERT_EQ_STR(gx_analytics_tier(&s, 10000, 25000, true), "resource_draining");
	ASSERT_EQ_STR(gx_analytics_tier(&s, -500, 0, true), "unprofitable");
	ASSERT_EQ_STR(gx_analytics_tier(&s, 0, 300, true), "resource_draining");
	ASSERT_TRUE(gx_analytics_tier(&s, 0, 0, false) == NULL);
}

GX_TEST(analytics_money_parse)
{
	int64_t v;
	ASSERT_EQ_INT(gx_money_parse("12.34", "CNY", &v), 0);
	ASSERT_EQ_INT(v, 1234);
	ASSERT_EQ_INT(gx_money_parse("12.3", "CNY", &v), 0);
	ASSERT_EQ_INT(v, 1230);
	ASSERT_EQ_INT(gx_money_parse("-7", "CNY", &v), 0);
	ASSERT_EQ_INT(v, -700);
	ASSERT_EQ_INT(gx_money_parse("1,234,567.89", "USD", &v), 0);
	ASSERT_EQ_INT(v, 123456789);
	ASSERT_EQ_INT(gx_money_parse("12.340", "CNY", &v), 0);
	ASSERT_EQ_INT(v, 1234);
	ASSERT_EQ_INT(gx_money_parse("1500", "JPY", &v), 0);
	ASSERT_EQ_INT(v, 1500);
	ASSERT_EQ_INT(gx_money_parse("1.234", "KWD", &v), 0);
	ASSERT_EQ_INT(v, 1234);
	/* 0.1 + 0.2 exactly: no floating point on the way */
	ASSERT_EQ_INT(gx_money_parse("0.29", "CNY", &v), 0);
	ASSERT_EQ_INT(v, 29);
	ASSERT_EQ_INT(gx_money_parse("12.345", "CNY", &v), GX_ETOOBIG);
	ASSERT_EQ_INT(gx_money_parse("1.5", "JPY", &v), GX_ETOOBIG);
	ASSERT_EQ_INT(gx_money_parse("abc", "CNY", &v), GX_EINVAL);
	ASSERT_EQ_INT(gx_money_parse("", "CNY", &v), GX_EINVAL);
	ASSERT_EQ_INT(gx_money_parse("1,23", "CNY", &v), GX_EINVAL);
	ASSERT_EQ_INT(gx_money_parse("12.", "CNY", &v), GX_EINVAL);
	ASSERT_EQ_INT(gx_money_parse("1e5", "CNY", &v), GX_EINVAL);
	ASSERT_EQ_INT(gx_money_parse("99999999999999999999", "CNY", &v), GX_ETOOBIG);
}

GX_TEST(analytics_local_days)
{
	struct gx_tz *tz;
	ASSERT_EQ_INT(gx_tz_open("Asia/Shanghai", &tz), 0);
	int64_t ms;
	/* 23:30 UTC is 07:30 the next day in Shanghai */
	ASSERT_EQ_INT(gx_time_parse("2026-01-31T23:30:00Z", &ms), 0);
	ASSERT_EQ_INT(gx_tz_day(tz, ms), gx_day_from_civil(2026, 2, 1));
	ASSERT_EQ_INT(gx_tz_day_start(tz, gx_day_from_civil(2026, 2, 1)), ms - 7 * 3600000LL - 30 * 60000LL);
	char m[8];
	gx_day_month(gx_tz_day(tz, ms), m, sizeof m);
	ASSERT_EQ_STR(m, "2026-02");
	/* a date, and a wall-clock time without zone, are local */
	ASSERT_EQ_INT(gx_tx_time_parse(tz, "2026-02-01", &ms), 0);
	ASSERT_EQ_INT(ms, gx_tz_day_start(tz, gx_day_from_civil(2026, 2, 1)));
	int64_t z;
	ASSERT_EQ_INT(gx_tx_time_parse(tz, "2026-02-01 10:15:00", &ms), 0);
	ASSERT_EQ_INT(gx_time_parse("2026-02-01T10:15:00+08:00", &z), 0);
	ASSERT_EQ_INT(ms, z);
	ASSERT_EQ_INT(gx_tx_time_parse(tz, "2026-02-01T10:15:00Z", &ms), 0);
	ASSERT_EQ_INT(gx_time_parse("2026-02-01T10:15:00Z", &z), 0);
	ASSERT_EQ_INT(ms, z);
	ASSERT_EQ_INT(gx_tx_time_parse(tz, "01/02/2026", &ms), GX_EINVAL);
	gx_tz_close(tz);
	/* daylight saving: New York midnight moves */
	ASSERT_EQ_INT(gx_tz_open("America/New_York", &tz), 0);
	ASSERT_EQ_INT(gx_time_parse("2026-07-01T04:00:00Z", &z), 0);
	ASSERT_EQ_INT(gx_tz_day_start(tz, gx_day_from_civil(2026, 7, 1)), z);
	ASSERT_EQ_INT(gx_time_parse("2026-01-01T05:00:00Z", &z), 0);
	ASSERT_EQ_INT(gx_tz_day_start(tz, gx_day_from_civil(2026, 1, 1)), z);
	gx_tz_close(tz);
	ASSERT_EQ_INT(gx_tz_open("No/Such_Zone", &tz), 0);
	ASSERT_EQ_INT(gx_tz_offset(tz, 0), 0);
	gx_tz_close(tz);
	/* the digits by hand: the same text as gx_time_iso and "%04d-%02d" */
	static const int64_t edge[] = {0, 1, 999, 86399999, 86400000, 951782400000LL /* 2000-02-29 */,
				       4107542399999LL /* 2100-02-28 23:59:59.999 */, 253402300799999LL,
				       253402300800000LL, -1, -86400001};
	uint32_t seed = 7u;
	for (int i = 0; i < 20000; i++) {
		int64_t when = i < (int)(sizeof edge / sizeof edge[0]) ? edge[i]
			     : (int64_t)(((uint64_t)rnd(&seed) << 32 | rnd(&seed)) % 4102444800000ULL);
		char a[40], b[40], ma[16], mb[16];
		gx_time_iso(when, a, sizeof a);
		gx_utc_iso(when, b, sizeof b);
		ASSERT_EQ_STR(b, a);
		int64_t day = when >= 0 ? when / DAY_MS : -1 - (-when - 1) / DAY_MS;
		int cy, cm, cd;
		gx_day_civil(day, &cy, &cm, &cd);
		snprintf(ma, sizeof ma, "%04d-%02d", cy, cm);
		gx_day_month(day, mb, sizeof mb);
		ASSERT_EQ_STR(mb, ma);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
}

GX_TEST(analytics_csv_import_all_or_nothing)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", "Asia/Taipei", "TWD", NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	gx_customer_module_init();
	gx_transaction_module_init();
	customer(&ctx, "台北客戶", "TP1");
	customer(&ctx, "新竹客戶", "HC1");
	char good[300], bad[300];
	snprintf(good, sizeof good, "%s/good.csv", gx_test_tmpdir());
	snprintf(bad, sizeof bad, "%s/bad.csv", gx_test_tmpdir());
	write_file(good, "\xEF\xBB\xBF" "customer_code,occurred_at,amount,cost,currency,product,category,external_ref,quantity\n"
			 "TP1,2026-01-05,12.34,8.00,TWD,\"感測器, S1\",感測器,E-1,2\n"
			 "TP1,2026-01-05 20:00:00,\"1,000.50\",,TWD,網關,通訊,E-2,1\n"
			 "HC1,2026-03-01T09:00:00+08:00,-3.5,,,網關,通訊,E-3,\n");
	struct gx_tx_import_summary sum;
	struct gx_conn *w;
	FILE *f = fopen(good, "rb");
	int rc = gx_transactions_import_csv(s, tid, f, 0, &sum);
	fclose(f);
	if (rc) {
		char *t = json_dumps(sum.errors, 0);
		GX_FAIL("import: %d %s", rc, t ? t : "");
	}
	ASSERT_EQ_INT(sum.rows, 3);
	ASSERT_EQ_INT(sum.created, 3);
	json_decref(sum.errors);
	ASSERT_EQ_INT(gx_store_writer(s, &w), 0);
	ASSERT_EQ_INT(gx_test_count_on(w, "PRAGMA foreign_keys"), 1);
	gx_store_release(w);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT sum(amount) FROM transactions"), 1234 + 100050 - 350);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT purchase_count FROM customer_stats s JOIN customers c ON c.id = s.customer_id "
			       "WHERE c.code = 'TP1'"), 1); /* the same local day */
	/* again: all skipped */
	f = fopen(good, "rb");
	ASSERT_EQ_INT(gx_transactions_import_csv(s, tid, f, 0, &sum), 0);
	fclose(f);
	ASSERT_EQ_INT(sum.created, 0);
	ASSERT_EQ_INT(sum.skipped, 3);
	json_decref(sum.errors);
	/* a file with bad rows writes nothing, and names every bad row */
	write_file(bad, "customer_code,occurred_at,amount,currency,external_ref\n"
			"TP1,2026-02-01,5.00,TWD,N-1\n"
			"NOPE,2026-02-01,5.00,TWD,N-2\n"
			"TP1,2099-02-01,5.00,TWD,N-3\n"
			"TP1,2026-02-01,five,TWD,N-4\n"
			"TP1,2026-02-01,5.001,TWD,N-5\n"
			"TP1,2026-02-01,5.00,USD,N-6\n"
			"TP1,2026-02-01,5.00,TWD,N-1\n"
			"TP1,2026-01-05,99.00,TWD,E-1\n");
	f = fopen(bad, "rb");
	ASSERT_EQ_INT(gx_transactions_import_csv(s, tid, f, 0, &sum), GX_EINVAL);
	fclose(f);
	ASSERT_EQ_INT(sum.created, 0);
	ASSERT_EQ_INT(sum.failed, 7);
	char *t = json_dumps(sum.errors, JSON_COMPACT);
	static const char *const want[] = {
		"{\"row\":3,\"field\":\"customer_code\",\"code\":\"unknown_customer\"",
		"{\"row\":4,\"field\":\"occurred_at\",\"code\":\"future_date\"",
		"{\"row\":5,\"field\":\"amount\",\"code\":\"not_a_number\"",
		"{\"row\":6,\"field\":\"amount\",\"code\":\"fractional\"",
		"{\"row\":7,\"field\":\"currency\",\"code\":\"mixed_currency\"",
		"{\"row\":8,\"field\":\"external_ref\",\"code\":\"duplicate_in_batch\"",
		"{\"row\":9,\"field\":\"external_ref\",\"code\":\"conflict\"",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(t, want[i]))
			GX_FAIL("missing %s in %s", want[i], t);
	free(t);
	json_decref(sum.errors);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM transactions"), 3);
	/* the import leaves SQLite's foreign-key checks out while it runs (it
	 * finds every customer itself): the writer has them back after a good
	 * and after a failed import */
	ASSERT_EQ_INT(gx_store_writer(s, &w), 0);
	ASSERT_EQ_INT(gx_test_count_on(w, "PRAGMA foreign_keys"), 1);
	gx_store_release(w);
	/* no header columns it needs */
	write_file(bad, "name,amount\nx,1\n");
	f = fopen(bad, "rb");
	ASSERT_EQ_INT(gx_transactions_import_csv(s, tid, f, 0, &sum), GX_EINVAL);
	fclose(f);
	ASSERT_TRUE(json_array_size(sum.errors) >= 1);
	json_decref(sum.errors);
	gx_arena_free(&a);
	gx_store_close(s);
}
