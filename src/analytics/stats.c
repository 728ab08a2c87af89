/* stats.c — per-customer statistics: the incremental path (one transaction
 * at a time, in the writer's transaction), the per-customer recompute (edits,
 * deletes) and the tenant rebuild, which share one aggregator. */
#include "analytics/stats.h"

#include "analytics/analytics.h"
#include "analytics/calendar.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_MS 86400000LL

static void pending_free(struct gx_stats_pending *p);
static void rebuilt_free(struct gx_stats_rebuilt *rb);
static int pattern_owner(struct gx_stats_batch *b, int64_t cid, const char *product, const char *cat, bool gained);
static int patterns_write(struct gx_stats_batch *b);

/* ---- helpers ------------------------------------------------------------------------ */

static void bind_opt_str(struct gx_stmt *st, int i, const char *s)
{
	if (s && *s)
		gx_stmt_bind_str(st, i, s);
	else
		gx_stmt_bind_null(st, i);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int step_done(struct gx_stmt *st)
{
	int rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

void gx_stats_cache_big(struct gx_store *s, struct gx_conn *c, int64_t *saved)
{
	*saved = 0;
	if (strcmp(gx_store_backend(s), "sqlite") != 0)
		return;
	struct gx_stmt *st;
	if (gx_conn_prepare(c, "PRAGMA cache_size", &st))
		return;
	int64_t now = gx_stmt_step(st) == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	/* a quarter of the memory, within [GX_STATS_BIG_CACHE_KIB,
	 * GX_STATS_MAX_CACHE_KIB]: SQLite takes pages as the work needs them */
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	int64_t kib = pages > 0 && page > 0 ? (int64_t)pages / 4 * (page / 1024) : 0;
	if (kib < GX_STATS_BIG_CACHE_KIB)
		kib = GX_STATS_BIG_CACHE_KIB;
	if (kib > GX_STATS_MAX_CACHE_KIB)
		kib = GX_STATS_MAX_CACHE_KIB;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%lld", (long long)kib);
	if (now && !gx_conn_exec(c, sql))
		*saved = now;
}

void gx_stats_cache_restore(struct gx_conn *c, int64_t saved)
{
	if (!saved)
		return;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)saved);
	if (gx_conn_exec(c, sql))
		gx_log_error("analytics: could not give back the page cache (%s)", sql);
}

int gx_tenant_zone(struct gx_conn *c, int64_t tenant_id, char *zone, size_t zcap, char *currency,
		   size_t ccap)
{
	copy_text(zone, zcap, "UTC");
	copy_text(currency, ccap, "CNY");
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT time_zone, currency FROM tenants WHERE id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, tenant_id);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		if (gx_stmt_col_text(st, 0))
			copy_text(zone, zcap, gx_stmt_col_text(st, 0));
		if (gx_stmt_col_text(st, 1))
			copy_text(currency, ccap, gx_stmt_col_text(st, 1));
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_stats_begin(struct gx_ctx *ctx, struct gx_conn *c, struct gx_stats_batch *b)
{
	memset(b, 0, sizeof *b);
	b->ctx = ctx;
	b->c = c;
	char zone[64];
	int rc = gx_tenant_zone(c, ctx->tenant_id, zone, sizeof zone, b->tenant_currency, sizeof b->tenant_currency);
	if (!rc)
		rc = gx_tz_open(zone, &b->tz);
	return rc;
}

int gx_stats_touch(struct gx_stats_batch *b, int64_t customer_id)
{
	if (b->ndirty && b->dirty[b->ndirty - 1] == customer_id)
		return 0;
	int rc = gx_grow(&b->dirty, &b->cap, b->ndirty + 1, sizeof *b->dirty, 64);
	if (rc)
		return rc;
	b->dirty[b->ndirty++] = customer_id;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

size_t gx_stats_touched(struct gx_stats_batch *b)
{
	if (b->ndirty) {
		qsort(b->dirty, b->ndirty, sizeof *b->dirty, cmp_i64);
		size_t n = 0;
		for (size_t i = 0; i < b->ndirty; i++)
			if (!n || b->dirty[n - 1] != b->dirty[i])
				b->dirty[n++] = b->dirty[i];
		b->ndirty = n;
	}
	return b->ndirty;
}

int gx_stats_end(struct gx_stats_batch *b, int rc)
{
	if (!rc)
		rc = gx_stats_flush(b);
	pending_free(b->pend);
	rebuilt_free(b->rebuilt);
	if (!rc && gx_stats_touched(b))
		rc = gx_analytics_score_customers(b->ctx, b->c, b->tz, b->dirty, b->ndirty);
	free(b->dirty);
	gx_tz_close(b->tz);
	memset(b, 0, sizeof *b);
	return rc;
}

/* ---- the purchase part of a statistics row -------------------------------------------- */

struct srow {
	bool exists;
	char currency[8];
	int64_t tx_count, purchase_count, revenue, purchase_amount, first_day_amount, cost;
	bool has_first;
	int64_t first_day, last_day;
	char first_at[40], last_at[40];
};

static int srow_load(struct gx_stats_batch *b, int64_t cid, struct srow *r)
{
	memset(r, 0, sizeof *r);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"SELECT currency, transaction_count, purchase_count, revenue, purchase_amount, first_day_amount, cost, "
		"first_purchase_at, last_purchase_at, first_purchase_day, last_purchase_day FROM customer_stats "
		"WHERE tenant_id = ? AND customer_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		r->exists = true;
		copy_text(r->currency, sizeof r->currency, gx_stmt_col_text(st, 0));
		r->tx_count = gx_stmt_col_int64(st, 1);
		r->purchase_count = gx_stmt_col_int64(st, 2);
		r->revenue = gx_stmt_col_int64(st, 3);
		r->purchase_amount = gx_stmt_col_int64(st, 4);
		r->first_day_amount = gx_stmt_col_int64(st, 5);
		r->cost = gx_stmt_col_int64(st, 6);
		r->has_first = gx_stmt_col_type(st, 9) != GX_COL_NULL;
		if (r->has_first) {
			copy_text(r->first_at, sizeof r->first_at, gx_stmt_col_text(st, 7));
			copy_text(r->last_at, sizeof r->last_at, gx_stmt_col_text(st, 8));
			r->first_day = gx_stmt_col_int64(st, 9);
			r->last_day = gx_stmt_col_int64(st, 10);
		}
		rc = 0;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Binds the purchase columns of a statistics row from k on, in the order
 * tenant_id, customer_id, currency, transaction_count, purchase_count,
 * repeat_count, revenue, purchase_amount, first_day_amount, cost,
 * gross_margin, first_purchase_at, last_purchase_at, first_purchase_day,
 * last_purchase_day, first_purchase_month; returns the next index. */
static int bind_purchase(struct gx_stmt *st, int k, int64_t tenant_id, int64_t cid, const struct srow *r)
{
	char month[8] = "";
	if (r->has_first)
		gx_day_month(r->first_day, month, sizeof month);
	gx_stmt_bind_int64(st, k++, tenant_id);
	gx_stmt_bind_int64(st, k++, cid);
	bind_opt_str(st, k++, r->currency);
	gx_stmt_bind_int64(st, k++, r->tx_count);
	gx_stmt_bind_int64(st, k++, r->purchase_count);
	gx_stmt_bind_int64(st, k++, r->purchase_count > 1 ? r->purchase_count - 1 : 0);
	gx_stmt_bind_int64(st, k++, r->revenue);
	gx_stmt_bind_int64(st, k++, r->purchase_amount);
	gx_stmt_bind_int64(st, k++, r->first_day_amount);
	gx_stmt_bind_int64(st, k++, r->cost);
	gx_stmt_bind_int64(st, k++, r->revenue - r->cost);
	if (r->has_first) {
		gx_stmt_bind_str(st, k++, r->first_at);
		gx_stmt_bind_str(st, k++, r->last_at);
		gx_stmt_bind_int64(st, k++, r->first_day);
		gx_stmt_bind_int64(st, k++, r->last_day);
		gx_stmt_bind_str(st, k++, month); /* both backends copy what they bind */
	} else {
		for (int i = 0; i < 5; i++)
			gx_stmt_bind_null(st, k++);
	}
	return k;
}

/* Writes the purchase columns (the service columns keep their values, or
 * start at zero on a new row). */
static int srow_save(struct gx_stats_batch *b, int64_t cid, const struct srow *r)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"INSERT INTO customer_stats (tenant_id, customer_id, currency, transaction_count, purchase_count, "
		"repeat_count, revenue, purchase_amount, first_day_amount, cost, gross_margin, first_purchase_at, "
		"last_purchase_at, first_purchase_day, last_purchase_day, first_purchase_month, updated_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (tenant_id, customer_id) DO UPDATE SET currency = excluded.currency, "
		"transaction_count = excluded.transaction_count, purchase_count = excluded.purchase_count, "
		"repeat_count = excluded.repeat_count, revenue = excluded.revenue, "
		"purchase_amount = excluded.purchase_amount, first_day_amount = excluded.first_day_amount, "
		"cost = excluded.cost, gross_margin = excluded.gross_margin, "
		"first_purchase_at = excluded.first_purchase_at, last_purchase_at = excluded.last_purchase_at, "
		"first_purchase_day = excluded.first_purchase_day, last_purchase_day = excluded.last_purchase_day, "
		"first_purchase_month = excluded.first_purchase_month, updated_at = excluded.updated_at", &st);
	if (rc)
		return rc;
	char now[40];
	gx_utc_iso(gx_now_ms(), now, sizeof now);
	int k = bind_purchase(st, 1, b->ctx->tenant_id, cid, r);
	gx_stmt_bind_str(st, k++, now);
	return step_done(st);
}

/* ---- a rebuild's rows: held in memory, scored, written once ----------------------------- */

/* A rebuild empties customer_stats, so instead of an upsert per customer at
 * each flush, another for its activities and its team, and an UPDATE of
 * every row by the scoring pass, it keeps the rows here (about 200 bytes a
 * customer), in customer order, and writes each once, scores included, with
 * a plain INSERT in key order (rebuilt_write). */
struct rrow {
	int64_t cid;
	struct srow r;
	int64_t activity_count, cost_to_serve, breadth;
	char *last_contact; /* owned; NULL: none */
};

struct gx_stats_rebuilt {
	struct rrow *v;
	size_t n, cap;
	size_t sorted; /* v[0..sorted) in customer order; the rest appended since */
};

static void rebuilt_free(struct gx_stats_rebuilt *rb)
{
	if (!rb)
		return;
	for (size_t i = 0; i < rb->n; i++)
		free(rb->v[i].last_contact);
	free(rb->v);
	free(rb);
}

static int by_rrow(const void *x, const void *y)
{
	int64_t a = ((const struct rrow *)x)->cid, b = ((const struct rrow *)y)->cid;
	return a < b ? -1 : a > b;
}

/* Puts the rows appended since the last call in customer order. */
static void rebuilt_sort(struct gx_stats_rebuilt *rb)
{
	if (!rb || rb->sorted == rb->n)
		return;
	bool ordered = true;
	for (size_t i = rb->sorted ? rb->sorted : 1; ordered && i < rb->n; i++)
		ordered = rb->v[i - 1].cid < rb->v[i].cid;
	if (!ordered)
		qsort(rb->v, rb->n, sizeof *rb->v, by_rrow);
	rb->sorted = rb->n;
}

/* The row of customer cid (*out NULL when none yet; create: a new row,
 * zero, appended). The pointer holds until the next append. */
static int rebuilt_get(struct gx_stats_batch *b, int64_t cid, bool create, struct rrow **out)
{
	*out = NULL;
	if (!b->rebuilt && !(b->rebuilt = calloc(1, sizeof *b->rebuilt)))
		return GX_ENOMEM;
	struct gx_stats_rebuilt *rb = b->rebuilt;
	struct rrow key = {.cid = cid};
	*out = rb->sorted ? bsearch(&key, rb->v, rb->sorted, sizeof *rb->v, by_rrow) : NULL;
	if (*out || !create)
		return 0;
	int rc = gx_grow(&rb->v, &rb->cap, rb->n + 1, sizeof *rb->v, 4096);
	if (rc)
		return rc;
	*out = &rb->v[rb->n++];
	**out = (struct rrow){.cid = cid};
	return 0;
}

/* srow_load and srow_save of a rebuild. */
static int rebuilt_load(struct gx_stats_batch *b, int64_t cid, struct srow *r)
{
	struct rrow *x;
	int rc = rebuilt_get(b, cid, false, &x);
	if (x)
		*r = x->r;
	else
		memset(r, 0, sizeof *r);
	return rc;
}

static int rebuilt_save(struct gx_stats_batch *b, int64_t cid, const struct srow *r)
{
	struct rrow *x;
	int rc = rebuilt_get(b, cid, true, &x);
	if (!rc) {
		x->r = *r;
		x->r.exists = true;
	}
	return rc;
}

struct rebuilt_put {
	struct gx_stats_batch *b;
	char now[40];
};

/* Writes row i of the rebuild with its scores o (gx_analytics_score_rows):
 * the columns srow_save, rebuild_service and write_scores set. */
static int rebuilt_put(void *u, size_t i, const struct gx_scores *o, const char *scored_at)
{
	struct rebuilt_put *w = u;
	struct gx_stats_batch *b = w->b;
	const struct rrow *x = &b->rebuilt->v[i];
	const struct srow *r = &x->r;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"INSERT INTO customer_stats (tenant_id, customer_id, currency, transaction_count, purchase_count, "
		"repeat_count, revenue, purchase_amount, first_day_amount, cost, gross_margin, first_purchase_at, "
		"last_purchase_at, first_purchase_day, last_purchase_day, first_purchase_month, cost_to_serve, "
		"activity_count, last_contact_at, relationship_breadth, profit, tier, r_score, f_score, m_score, "
		"rfm_cell, segment, p_alive, expected_purchases, expected_spend, clv, decline, decline_recent, "
		"decline_expected, scored_at, updated_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?)", &st);
	if (rc)
		return rc;
	int k = bind_purchase(st, 1, b->ctx->tenant_id, x->cid, r);
	gx_stmt_bind_int64(st, k++, x->cost_to_serve);
	gx_stmt_bind_int64(st, k++, x->activity_count);
	bind_opt_str(st, k++, x->last_contact);
	gx_stmt_bind_int64(st, k++, x->breadth);
	gx_stmt_bind_int64(st, k++, o->profit);
	bind_opt_str(st, k++, o->tier);
	if (o->r) {
		gx_stmt_bind_int64(st, k++, o->r);
		gx_stmt_bind_int64(st, k++, o->f);
		gx_stmt_bind_int64(st, k++, o->m);
		gx_stmt_bind_str(st, k++, o->cell);
		gx_stmt_bind_str(st, k++, o->segment);
	} else {
		for (int j = 0; j < 5; j++)
			gx_stmt_bind_null(st, k++);
	}
	if (o->has_bg) {
		gx_stmt_bind_double(st, k++, o->p_alive);
		gx_stmt_bind_double(st, k++, o->expected_purchases);
	} else {
		gx_stmt_bind_null(st, k++);
		gx_stmt_bind_null(st, k++);
	}
	if (o->has_gg) {
		gx_stmt_bind_double(st, k++, o->expected_spend);
		gx_stmt_bind_int64(st, k++, o->clv);
	} else {
		gx_stmt_bind_null(st, k++);
		gx_stmt_bind_null(st, k++);
	}
	gx_stmt_bind_int64(st, k++, o->decline);
	if (o->has_decline) {
		gx_stmt_bind_int64(st, k++, o->decline_recent);
		gx_stmt_bind_int64(st, k++, o->decline_expected);
	} else {
		gx_stmt_bind_null(st, k++);
		gx_stmt_bind_null(st, k++);
	}
	gx_stmt_bind_str(st, k++, scored_at);
	gx_stmt_bind_str(st, k++, w->now);
	return step_done(st);
}

/* Scores the rebuild's rows and writes them, in customer order. *customers
 * gets the number written. */
static int rebuilt_write(struct gx_stats_batch *b, int64_t *customers)
{
	struct gx_stats_rebuilt *rb = b->rebuilt;
	size_t n = rb ? rb->n : 0;
	rebuilt_sort(rb);
	struct gx_score_row *rows = n ? malloc(n * sizeof *rows) : NULL;
	if (n && !rows)
		return GX_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct rrow *x = &rb->v[i];
		const struct srow *r = &x->r;
		struct gx_score_row *s = &rows[i];
		*s = (struct gx_score_row){.customer_id = x->cid, .transaction_count = r->tx_count,
					   .purchase_count = r->purchase_count, .revenue = r->revenue,
					   .purchase_amount = r->purchase_amount, .first_day_amount = r->first_day_amount,
					   .gross_margin = r->revenue - r->cost, .cost_to_serve = x->cost_to_serve,
					   .has_first = r->has_first && r->purchase_count > 0};
		copy_text(s->currency, sizeof s->currency, r->currency);
		if (s->has_first) {
			s->first_day = r->first_day;
			s->last_day = r->last_day;
			/* as the scoring reads it back from first_purchase_at */
			if (gx_time_parse(r->first_at, &s->first_ms))
				s->first_ms = r->first_day * 86400000LL;
		}
	}
	struct rebuilt_put w = {.b = b};
	gx_utc_iso(gx_now_ms(), w.now, sizeof w.now);
	json_t *summary = NULL;
	int rc = gx_analytics_score_rows(b->ctx, b->c, b->tz, rows, n, rebuilt_put, &w, &summary);
	if (!rc)
		*customers = json_integer_value(json_object_get(summary, "customers"));
	json_decref(summary);
	free(rows);
	return rc;
}

/* ---- the service part: activities and the relationship team ------------------------- */

/* The service columns of a customer, from its live activities and team. */
struct service {
	int64_t count, cost, breadth;
	char last[40];
};

static int service_read(struct gx_stats_batch *b, int64_t cid, struct service *v)
{
	memset(v, 0, sizeof *v);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"SELECT count(*), COALESCE(sum(cost), 0), max(CASE WHEN channel <> 'other' THEN occurred_at END) "
		"FROM activities WHERE tenant_id = ? AND customer_id = ? AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		v->count = gx_stmt_col_int64(st, 0);
		v->cost = gx_stmt_col_int64(st, 1);
		copy_text(v->last, sizeof v->last, gx_stmt_col_text(st, 2));
	}
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	rc = gx_conn_prepare(b->c, "SELECT count(*) FROM relationships WHERE tenant_id = ? AND customer_id = ? "
				   "AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW)
		v->breadth = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_stats_refresh_service(struct gx_stats_batch *b, int64_t cid)
{
	struct service v;
	int rc = service_read(b, cid, &v);
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(b->c,
			"INSERT INTO customer_stats (tenant_id, customer_id, activity_count, cost_to_serve, last_contact_at, "
			"relationship_breadth, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
			"ON CONFLICT (tenant_id, customer_id) DO UPDATE SET activity_count = excluded.activity_count, "
			"cost_to_serve = excluded.cost_to_serve, last_contact_at = excluded.last_contact_at, "
			"relationship_breadth = excluded.relationship_breadth, updated_at = excluded.updated_at", &st);
	if (rc)
		return rc;
	char now[40];
	gx_utc_iso(gx_now_ms(), now, sizeof now);
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	gx_stmt_bind_int64(st, 3, v.count);
	gx_stmt_bind_int64(st, 4, v.cost);
	bind_opt_str(st, 5, v.last);
	gx_stmt_bind_int64(st, 6, v.breadth);
	gx_stmt_bind_str(st, 7, now);
	rc = step_done(st);
	if (!rc)
		rc = gx_stats_touch(b, cid);
	return rc;
}

/* Writes the new row of a customer that had none: its purchase columns r
 * and its service columns in one INSERT (srow_save and then
 * gx_stats_refresh_service wrote it twice: a second B-tree update of every
 * new row of an import). */
static int srow_insert_new(struct gx_stats_batch *b, int64_t cid, const struct srow *r)
{
	struct service v;
	int rc = service_read(b, cid, &v);
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(b->c,
			"INSERT INTO customer_stats (tenant_id, customer_id, currency, transaction_count, purchase_count, "
			"repeat_count, revenue, purchase_amount, first_day_amount, cost, gross_margin, first_purchase_at, "
			"last_purchase_at, first_purchase_day, last_purchase_day, first_purchase_month, activity_count, "
			"cost_to_serve, last_contact_at, relationship_breadth, updated_at) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc)
		return rc;
	char now[40];
	gx_utc_iso(gx_now_ms(), now, sizeof now);
	int k = bind_purchase(st, 1, b->ctx->tenant_id, cid, r);
	gx_stmt_bind_int64(st, k++, v.count);
	gx_stmt_bind_int64(st, k++, v.cost);
	bind_opt_str(st, k++, v.last);
	gx_stmt_bind_int64(st, k++, v.breadth);
	gx_stmt_bind_str(st, k++, now);
	return step_done(st);
}

/* ---- incremental: one new transaction ------------------------------------------------------ */

/* fresh: the customer had no statistics row before this write, hence no
 * months or products either (they are written with it and never removed
 * without it): a plain INSERT, without the upsert's look for a row. */
static int month_add(struct gx_stats_batch *b, bool fresh, int64_t cid, const char *month, int64_t revenue,
		     int64_t purchases, int64_t transactions)
{
	struct gx_stmt *st;
#define MONTH_INSERT \
	"INSERT INTO customer_months (tenant_id, customer_id, month, revenue, purchases, transactions) " \
	"VALUES (?, ?, ?, ?, ?, ?)"
	/* a rebuild's first flush writes into the emptied table, each row once */
	int rc = gx_conn_prepare(b->c, fresh || (b->rebuilding && !b->rebuild_flushed) ? MONTH_INSERT
		: MONTH_INSERT " ON CONFLICT (tenant_id, customer_id, month) DO UPDATE SET "
		"revenue = customer_months.revenue + excluded.revenue, "
		"purchases = customer_months.purchases + excluded.purchases, "
		"transactions = customer_months.transactions + excluded.transactions", &st);
#undef MONTH_INSERT
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	gx_stmt_bind_str(st, 3, month);
	gx_stmt_bind_int64(st, 4, revenue);
	gx_stmt_bind_int64(st, 5, purchases);
	gx_stmt_bind_int64(st, 6, transactions);
	return step_done(st);
}

/* Adds to a customer's product row. *owner (may be NULL) gets 2 when the
 * customer owns the product now and did not before (purchases went from 0
 * up), 1 when it owns it and did before, 0 when it does not own it; *cat
 * (cap 200+) the row's category then. */
static int product_add(struct gx_stats_batch *b, bool fresh, int64_t cid, const char *product, const char *category,
		       int64_t quantity, int64_t revenue, int64_t purchases, const char *last_at, int *owner,
		       char *cat, size_t ccap)
{
	struct gx_stmt *st;
#define PRODUCT_INSERT \
	"INSERT INTO customer_products (tenant_id, customer_id, product, category, quantity, revenue, purchases, " \
	"last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
#define PRODUCT_UPSERT \
	PRODUCT_INSERT " ON CONFLICT (tenant_id, customer_id, product) DO UPDATE SET " \
	"quantity = customer_products.quantity + excluded.quantity, " \
	"revenue = customer_products.revenue + excluded.revenue, " \
	"purchases = customer_products.purchases + excluded.purchases, " \
	"last_at = CASE WHEN excluded.last_at > customer_products.last_at THEN excluded.last_at " \
	"ELSE customer_products.last_at END, " \
	"category = CASE WHEN customer_products.category IS NULL OR excluded.category > customer_products.category " \
	"THEN excluded.category ELSE customer_products.category END"
	/* RETURNING costs SQLite a temporary table: only when asked */
	int rc = gx_conn_prepare(b->c, owner ? PRODUCT_UPSERT " RETURNING purchases, category"
				       : fresh || (b->rebuilding && !b->rebuild_flushed) ? PRODUCT_INSERT : PRODUCT_UPSERT, &st);
#undef PRODUCT_UPSERT
#undef PRODUCT_INSERT
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	gx_stmt_bind_str(st, 3, product);
	bind_opt_str(st, 4, category);
	gx_stmt_bind_int64(st, 5, quantity);
	gx_stmt_bind_int64(st, 6, revenue);
	gx_stmt_bind_int64(st, 7, purchases);
	gx_stmt_bind_str(st, 8, last_at);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW && owner) {
		int64_t now = gx_stmt_col_int64(st, 0);
		*owner = now <= 0 ? 0 : now - purchases <= 0 ? 2 : 1;
		copy_text(cat, ccap, gx_stmt_col_text(st, 1));
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Whether another live purchase of the customer falls on local day `day`. */
static int other_purchase_that_day(struct gx_stats_batch *b, int64_t cid, int64_t tx_id, int64_t day, bool *found)
{
	char from[40], to[40];
	gx_utc_iso(gx_tz_day_start(b->tz, day), from, sizeof from);
	gx_utc_iso(gx_tz_day_start(b->tz, day + 1), to, sizeof to);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"SELECT 1 FROM transactions WHERE tenant_id = ? AND customer_id = ? AND occurred_at >= ? AND "
		"occurred_at < ? AND id <> ? AND amount > 0 AND deleted_at IS NULL LIMIT 1", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	gx_stmt_bind_str(st, 3, from);
	gx_stmt_bind_str(st, 4, to);
	gx_stmt_bind_int64(st, 5, tx_id);
	rc = gx_stmt_step(st);
	*found = rc == GX_ROW;
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_stats_add(struct gx_stats_batch *b, const struct gx_tx *t)
{
	int64_t day = gx_tz_day(b->tz, t->at_ms);
	struct srow r;
	int rc = gx_stats_flush(b);
	if (!rc)
		rc = srow_load(b, t->customer_id, &r);
	bool positive = t->amount > 0, same_day = false;
	if (!rc && positive)
		rc = other_purchase_that_day(b, t->customer_id, t->id, day, &same_day);
	if (rc)
		return rc;
	copy_text(r.currency, sizeof r.currency, t->currency);
	r.tx_count++;
	r.revenue += t->amount;
	if (t->has_cost)
		r.cost += t->cost;
	if (positive) {
		r.purchase_amount += t->amount;
		if (!same_day)
			r.purchase_count++;
		if (!r.has_first || day < r.first_day) {
			if (!r.has_first) {
				r.last_day = day;
				copy_text(r.last_at, sizeof r.last_at, t->occurred_at);
			}
			r.has_first = true;
			r.first_day = day;
			r.first_day_amount = t->amount;
			copy_text(r.first_at, sizeof r.first_at, t->occurred_at);
		} else if (day == r.first_day) {
			r.first_day_amount += t->amount;
			if (strcmp(t->occurred_at, r.first_at) < 0)
				copy_text(r.first_at, sizeof r.first_at, t->occurred_at);
		}
		if (day > r.last_day || (day == r.last_day && strcmp(t->occurred_at, r.last_at) > 0)) {
			r.last_day = day;
			copy_text(r.last_at, sizeof r.last_at, t->occurred_at);
		}
	}
	/* a new row starts with the service part as it stands */
	rc = r.exists ? srow_save(b, t->customer_id, &r) : srow_insert_new(b, t->customer_id, &r);
	char month[8];
	gx_day_month(day, month, sizeof month);
	if (!rc)
		rc = month_add(b, false, t->customer_id, month, t->amount, positive, 1);
	if (!rc && t->product && *t->product) {
		int owner = 0;
		char cat[256] = "";
		rc = product_add(b, false, t->customer_id, t->product, t->category, t->has_quantity ? t->quantity : 0,
				 t->amount, positive, t->occurred_at, &owner, cat, sizeof cat);
		if (!rc && owner)
			rc = pattern_owner(b, t->customer_id, t->product, cat, owner == 2);
		if (!rc)
			rc = patterns_write(b);
	}
	if (!rc)
		rc = gx_stats_touch(b, t->customer_id);
	return rc;
}

/* ---- deferred: many new transactions, written aggregated --------------------------------------- */

/* One pending transaction, compactly; strings are interned in the pending
 * set (index + 1, 0 for none). */
struct prow {
	int64_t cid, id, at_ms, amount, cost, quantity;
	int64_t day;
	uint32_t product, category, currency;
	bool has_cost, has_quantity;
};

struct gx_stats_pending {
	struct prow *rows;
	size_t n, cap;
	char **str;          /* interned strings */
	size_t nstr, cstr;
	uint32_t *slots;     /* open addressing: string index + 1, 0 empty */
	size_t nslots;
	/* product patterns (product_buyers, product_pairs): changes not written yet */
	uint64_t *pair_keys; /* open addressing: product << 32 | other (string indexes + 1), 0 empty */
	int64_t *pair_vals;
	size_t npairs, pair_slots;
	struct buyer {
		int64_t delta;
		uint32_t category; /* the greatest category seen */
		bool touched;
	} *buyers;           /* per string index */
	size_t cbuyers;
	bool any_buyer;
	uint32_t *gained;    /* products the customer being flushed came to own */
	size_t ngained, cgained;
};

/* Rows kept before a flush (about 72 bytes each, and as much again while
 * they are sorted): the larger, the fewer times a customer's row, months and
 * products are rewritten in a long import (a file in time order meets most
 * customers in every million rows: 10M rows in 4M windows rewrote each of a
 * million customers three times). 16M rows: about 2.3 GB at the flush. */
#define PENDING_WINDOW ((size_t)1 << 24)
/* a rebuild: the same (a second window reads back what the first wrote) */
#define REBUILD_WINDOW ((size_t)1 << 24)
size_t gx_stats_rebuild_window;

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The index + 1 of s among the interned strings (0 for NULL or ""). */
static int intern(struct gx_stats_pending *p, const char *s, uint32_t *out)
{
	*out = 0;
	if (!s || !*s)
		return 0;
	if ((p->nstr + 1) * 2 > p->nslots) {
		size_t n = p->nslots ? p->nslots * 2 : 256;
		uint32_t *sl = calloc(n, sizeof *sl);
		if (!sl)
			return GX_ENOMEM;
		for (size_t i = 0; i < p->nstr; i++) {
			size_t k = str_hash(p->str[i]) & (n - 1);
			while (sl[k])
				k = (k + 1) & (n - 1);
			sl[k] = (uint32_t)i + 1;
		}
		free(p->slots);
		p->slots = sl;
		p->nslots = n;
	}
	size_t k = str_hash(s) & (p->nslots - 1);
	for (; p->slots[k]; k = (k + 1) & (p->nslots - 1))
		if (strcmp(p->str[p->slots[k] - 1], s) == 0) {
			*out = p->slots[k];
			return 0;
		}
	if (p->nstr == p->cstr) {
		size_t cap = p->cstr ? p->cstr * 2 : 64;
		char **v = realloc(p->str, cap * sizeof *v);
		if (!v)
			return GX_ENOMEM;
		p->str = v;
		p->cstr = cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return GX_ENOMEM;
	p->str[p->nstr++] = copy;
	p->slots[k] = (uint32_t)p->nstr;
	*out = (uint32_t)p->nstr;
	return 0;
}

static const char *pstr(const struct gx_stats_pending *p, uint32_t i)
{
	return i ? p->str[i - 1] : NULL;
}

static void pending_free(struct gx_stats_pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstr; i++)
		free(p->str[i]);
	free(p->str);
	free(p->slots);
	free(p->rows);
	free(p->pair_keys);
	free(p->pair_vals);
	free(p->buyers);
	free(p->gained);
	free(p);
}

static struct gx_stats_pending *pending_get(struct gx_stats_batch *b)
{
	if (!b->pend)
		b->pend = calloc(1, sizeof *b->pend);
	return b->pend;
}

/* ---- product patterns: who owns what, and what together ------------------------------------------ */

static int pair_add(struct gx_stats_pending *p, uint32_t u, uint32_t v, int64_t d)
{
	if ((p->npairs + 1) * 2 > p->pair_slots) {
		size_t n = p->pair_slots ? p->pair_slots * 2 : 1024;
		uint64_t *k = calloc(n, sizeof *k);
		int64_t *val = calloc(n, sizeof *val);
		if (!k || !val) {
			free(k);
			free(val);
			return GX_ENOMEM;
		}
		for (size_t i = 0; i < p->pair_slots; i++) {
			if (!p->pair_keys[i])
				continue;
			size_t j = (p->pair_keys[i] * 0x9E3779B97F4A7C15ull >> 20) & (n - 1);
			while (k[j])
				j = (j + 1) & (n - 1);
			k[j] = p->pair_keys[i];
			val[j] = p->pair_vals[i];
		}
		free(p->pair_keys);
		free(p->pair_vals);
		p->pair_keys = k;
		p->pair_vals = val;
		p->pair_slots = n;
	}
	uint64_t key = (uint64_t)u << 32 | v;
	size_t j = (key * 0x9E3779B97F4A7C15ull >> 20) & (p->pair_slots - 1);
	while (p->pair_keys[j] && p->pair_keys[j] != key)
		j = (j + 1) & (p->pair_slots - 1);
	if (!p->pair_keys[j]) {
		p->pair_keys[j] = key;
		p->npairs++;
	}
	p->pair_vals[j] += d;
	return 0;
}

/* Notes a change of product u's buyers: delta customers, and a category of
 * one of its owners' rows (the greatest is kept). */
static int buyer_add(struct gx_stats_pending *p, uint32_t u, int64_t delta, const char *category)
{
	if (p->cbuyers < p->nstr) {
		size_t cap = p->nstr * 2;
		struct buyer *v = realloc(p->buyers, cap * sizeof *v);
		if (!v)
			return GX_ENOMEM;
		memset(v + p->cbuyers, 0, (cap - p->cbuyers) * sizeof *v);
		p->buyers = v;
		p->cbuyers = cap;
	}
	uint32_t cat = 0;
	int rc = intern(p, category, &cat);
	if (rc)
		return rc;
	struct buyer *by = &p->buyers[u - 1];
	by->delta += delta;
	by->touched = true;
	if (cat && (!by->category || strcmp(pstr(p, cat), pstr(p, by->category)) > 0))
		by->category = cat;
	p->any_buyer = true;
	return 0;
}

/* A product row of the customer being flushed that it owns after the
 * upsert (gained: it did not before). */
static int pattern_note(struct gx_stats_batch *b, uint32_t product, const char *cat, bool gained)
{
	struct gx_stats_pending *p = b->pend;
	int rc = buyer_add(p, product, gained, cat);
	if (rc || !gained)
		return rc;
	if (p->ngained == p->cgained) {
		size_t cap = p->cgained ? p->cgained * 2 : 16;
		uint32_t *v = realloc(p->gained, cap * sizeof *v);
		if (!v)
			return GX_ENOMEM;
		p->gained = v;
		p->cgained = cap;
	}
	p->gained[p->ngained++] = product;
	return 0;
}

/* The products customer cid owns (purchases > 0), interned, with their
 * categories when cats is given. The caller frees *out (and *cats). */
static int owned_set(struct gx_stats_batch *b, int64_t cid, uint32_t **out, uint32_t **cats, size_t *n)
{
	struct gx_stats_pending *p = b->pend;
	*out = NULL;
	if (cats)
		*cats = NULL;
	*n = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c, "SELECT product, category FROM customer_products WHERE tenant_id = ? AND "
				      "customer_id = ? AND purchases > 0 ORDER BY product", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	size_t cap = 0;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			uint32_t *v = realloc(*out, cap * sizeof *v);
			uint32_t *c = cats ? realloc(*cats, cap * sizeof *c) : NULL;
			if (v)
				*out = v;
			if (c)
				*cats = c;
			if (!v || (cats && !c)) {
				rc = GX_ENOMEM;
				break;
			}
		}
		rc = intern(p, gx_stmt_col_text(st, 0), &(*out)[*n]);
		if (!rc && cats)
			rc = intern(p, gx_stmt_col_text(st, 1), &(*cats)[*n]);
		if (rc)
			break;
		(*n)++;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static bool in_set(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* The customer came to own the products in p->gained: each makes a pair
 * with every product it owns now, own[0..n) (both orders). */
static int pattern_gains(struct gx_stats_batch *b, const uint32_t *own, size_t n)
{
	struct gx_stats_pending *p = b->pend;
	int rc = 0;
	for (size_t i = 0; !rc && i < p->ngained; i++) {
		uint32_t u = p->gained[i];
		for (size_t k = 0; !rc && k < n; k++) {
			uint32_t v = own[k];
			if (v == u)
				continue;
			rc = pair_add(p, u, v, 1);
			/* a pair of two gained products is added from both sides */
			if (!rc && !in_set(p->gained, p->ngained, v))
				rc = pair_add(p, v, u, 1);
		}
	}
	p->ngained = 0;
	return rc;
}

/* The immediate path: one product row of customer cid, owned after the
 * write. */
static int pattern_owner(struct gx_stats_batch *b, int64_t cid, const char *product, const char *cat, bool gained)
{
	struct gx_stats_pending *p = pending_get(b);
	if (!p)
		return GX_ENOMEM;
	uint32_t u;
	int rc = intern(p, product, &u);
	if (!rc)
		rc = pattern_note(b, u, cat, gained);
	if (!rc && p->ngained) {
		uint32_t *own;
		size_t n;
		rc = owned_set(b, cid, &own, NULL, &n);
		if (!rc)
			rc = pattern_gains(b, own, n);
		free(own);
	}
	return rc;
}

/* Writes the pattern changes noted so far. */
static int patterns_write(struct gx_stats_batch *b)
{
	struct gx_stats_pending *p = b->pend;
	if (!p)
		return 0;
	int rc = 0;
	struct gx_stmt *st;
	for (size_t i = 0; !rc && p->npairs && i < p->pair_slots; i++) {
		if (!p->pair_keys[i] || !p->pair_vals[i])
			continue;
		rc = gx_conn_prepare(b->c, "INSERT INTO product_pairs (tenant_id, product, other, customers) VALUES (?, ?, ?, ?) "
					   "ON CONFLICT (tenant_id, product, other) DO UPDATE SET "
					   "customers = product_pairs.customers + excluded.customers", &st);
		if (rc)
			break;
		const char *u = pstr(p, (uint32_t)(p->pair_keys[i] >> 32)), *v = pstr(p, (uint32_t)p->pair_keys[i]);
		gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
		gx_stmt_bind_str(st, 2, u);
		gx_stmt_bind_str(st, 3, v);
		gx_stmt_bind_int64(st, 4, p->pair_vals[i]);
		rc = step_done(st);
		if (!rc && p->pair_vals[i] < 0) {
			rc = gx_conn_prepare(b->c, "DELETE FROM product_pairs WHERE tenant_id = ? AND product = ? AND other = ? "
						   "AND customers <= 0", &st);
			if (!rc) {
				gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
				gx_stmt_bind_str(st, 2, u);
				gx_stmt_bind_str(st, 3, v);
				rc = step_done(st);
			}
		}
	}
	if (p->pair_slots) {
		memset(p->pair_keys, 0, p->pair_slots * sizeof *p->pair_keys);
		memset(p->pair_vals, 0, p->pair_slots * sizeof *p->pair_vals);
	}
	p->npairs = 0;
	for (size_t i = 0; p->any_buyer && i < p->cbuyers && i < p->nstr; i++) {
		struct buyer *by = &p->buyers[i];
		if (!by->touched)
			continue;
		if (!rc)
			rc = gx_conn_prepare(b->c,
				"INSERT INTO product_buyers (tenant_id, product, customers, category) VALUES (?, ?, ?, ?) "
				"ON CONFLICT (tenant_id, product) DO UPDATE SET customers = product_buyers.customers + "
				"excluded.customers, category = CASE WHEN product_buyers.category IS NULL OR "
				"excluded.category > product_buyers.category THEN excluded.category ELSE product_buyers.category END",
				&st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
			gx_stmt_bind_str(st, 2, p->str[i]);
			gx_stmt_bind_int64(st, 3, by->delta);
			bind_opt_str(st, 4, pstr(p, by->category));
			rc = step_done(st);
		}
		if (!rc && by->delta < 0) {
			rc = gx_conn_prepare(b->c, "DELETE FROM product_buyers WHERE tenant_id = ? AND product = ? AND customers <= 0",
					     &st);
			if (!rc) {
				gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
				gx_stmt_bind_str(st, 2, p->str[i]);
				rc = step_done(st);
			}
		}
		memset(by, 0, sizeof *by);
	}
	p->any_buyer = false;
	return rc;
}

/* After a recompute of customer cid: the difference between the products it
 * owned (old, with their categories) and owns now. A product whose owner row
 * lost its category or went looks its category up again. */
static int patterns_recomputed(struct gx_stats_batch *b, int64_t cid, const uint32_t *old, const uint32_t *old_cat,
			       size_t nold)
{
	struct gx_stats_pending *p = b->pend;
	uint32_t *now = NULL, *now_cat = NULL;
	size_t nnow = 0;
	int rc = owned_set(b, cid, &now, &now_cat, &nnow);
	for (size_t i = 0; !rc && i < nold; i++)
		for (size_t k = 0; !rc && k < nold; k++)
			if (i != k && !(in_set(now, nnow, old[i]) && in_set(now, nnow, old[k])))
				rc = pair_add(p, old[i], old[k], -1);
	for (size_t i = 0; !rc && i < nnow; i++)
		for (size_t k = 0; !rc && k < nnow; k++)
			if (i != k && !(in_set(old, nold, now[i]) && in_set(old, nold, now[k])))
				rc = pair_add(p, now[i], now[k], 1);
	for (size_t i = 0; !rc && i < nold; i++)
		if (!in_set(now, nnow, old[i]))
			rc = buyer_add(p, old[i], -1, NULL);
	for (size_t i = 0; !rc && i < nnow; i++)
		rc = buyer_add(p, now[i], in_set(old, nold, now[i]) ? 0 : 1, pstr(p, now_cat[i]));
	if (!rc)
		rc = patterns_write(b);
	for (size_t i = 0; !rc && i < nold; i++) {
		bool same = false;
		for (size_t k = 0; k < nnow && !same; k++)
			same = now[k] == old[i] && now_cat[k] == old_cat[i];
		if (same)
			continue;
		struct gx_stmt *st;
		rc = gx_conn_prepare(b->c,
			"UPDATE product_buyers SET category = (SELECT max(category) FROM customer_products WHERE tenant_id = ? "
			"AND product = ? AND purchases > 0) WHERE tenant_id = ? AND product = ?", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
			gx_stmt_bind_str(st, 2, pstr(p, old[i]));
			gx_stmt_bind_int64(st, 3, b->ctx->tenant_id);
			gx_stmt_bind_str(st, 4, pstr(p, old[i]));
			rc = step_done(st);
		}
	}
	free(now);
	free(now_cat);
	return rc;
}

/* The rebuild: every pattern from customer_products (wiped before). */
static int patterns_rebuild(struct gx_stats_batch *b)
{
	struct gx_stats_pending *p = pending_get(b);
	if (!p)
		return GX_ENOMEM;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c, "SELECT customer_id, product, category FROM customer_products WHERE tenant_id = ? "
				      "AND purchases > 0 ORDER BY customer_id, product", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	uint32_t *own = NULL;
	size_t n = 0, cap = 0;
	int64_t cur = 0;
	for (;;) {
		int step = gx_stmt_step(st);
		if (step < 0) {
			rc = step;
			break;
		}
		int64_t cid = step == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
		if (n && (step != GX_ROW || cid != cur)) {
			for (size_t i = 0; !rc && i < n; i++)
				for (size_t k = 0; !rc && k < n; k++)
					if (i != k)
						rc = pair_add(p, own[i], own[k], 1);
			n = 0;
		}
		if (rc || step != GX_ROW)
			break;
		cur = cid;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uint32_t *v = realloc(own, cap * sizeof *v);
			if (!v) {
				rc = GX_ENOMEM;
				break;
			}
			own = v;
		}
		rc = intern(p, gx_stmt_col_text(st, 1), &own[n]);
		if (!rc)
			rc = buyer_add(p, own[n], 1, gx_stmt_col_text(st, 2));
		if (rc)
			break;
		n++;
	}
	gx_stmt_reset(st);
	free(own);
	if (!rc)
		rc = patterns_write(b);
	return rc;
}

int gx_stats_add_deferred(struct gx_stats_batch *b, const struct gx_tx *t)
{
	struct gx_stats_pending *p = pending_get(b);
	if (!p)
		return GX_ENOMEM;
	int rc = gx_grow(&p->rows, &p->cap, p->n + 1, sizeof *p->rows, 4096);
	if (rc)
		return rc;
	struct prow *r = &p->rows[p->n];
	*r = (struct prow){.cid = t->customer_id, .id = t->id, .at_ms = t->at_ms, .amount = t->amount,
			   .cost = t->has_cost ? t->cost : 0, .has_cost = t->has_cost,
			   .quantity = t->has_quantity ? t->quantity : 0, .has_quantity = t->has_quantity,
			   .day = gx_tz_day(b->tz, t->at_ms)};
	rc = intern(p, t->product, &r->product);
	if (!rc && r->product)
		rc = intern(p, t->category, &r->category);
	if (!rc)
		rc = intern(p, t->currency, &r->currency);
	if (rc)
		return rc;
	p->n++;
	return p->n >= (b->window ? b->window : PENDING_WINDOW) ? gx_stats_flush(b) : 0;
}

static int by_customer_time(const void *x, const void *y)
{
	const struct prow *a = x, *b = y;
	if (a->cid != b->cid)
		return a->cid < b->cid ? -1 : 1;
	if (a->at_ms != b->at_ms)
		return a->at_ms < b->at_ms ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Sorts v[0..n) as qsort with by_customer_time would (the order is total:
 * ids are unique), for less: a stable radix sort on the customer's offset
 * from the smallest, 11 bits a pass, then each customer's rows by time,
 * which they mostly are already (table order, a file in time order). A
 * flush of 10M rows: qsort's merge sort was a ninth of a rebuild. */
#define RADIX_BITS 11
size_t gx_stats_radix_min;

static void sort_by_customer_time(struct prow *v, size_t n)
{
	if (n < (gx_stats_radix_min ? gx_stats_radix_min : 4096)) {
		qsort(v, n, sizeof *v, by_customer_time);
		return;
	}
	int64_t lo = v[0].cid, hi = v[0].cid;
	for (size_t i = 1; i < n; i++) {
		if (v[i].cid < lo)
			lo = v[i].cid;
		if (v[i].cid > hi)
			hi = v[i].cid;
	}
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	int bits = 0;
	while (bits < 64 && span >> bits)
		bits++;
	struct prow *tmp = bits <= 3 * RADIX_BITS ? malloc(n * sizeof *v) : NULL;
	if (!tmp) {
		qsort(v, n, sizeof *v, by_customer_time); /* sparse ids, or no memory for the copy */
		return;
	}
	size_t at[1u << RADIX_BITS];
	struct prow *src = v, *dst = tmp;
	for (int shift = 0; shift < bits; shift += RADIX_BITS) {
		memset(at, 0, sizeof at);
		for (size_t i = 0; i < n; i++)
			at[((uint64_t)src[i].cid - (uint64_t)lo) >> shift & ((1u << RADIX_BITS) - 1)]++;
		size_t sum = 0;
		for (size_t k = 0; k < (1u << RADIX_BITS); k++) {
			size_t c = at[k];
			at[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[at[((uint64_t)src[i].cid - (uint64_t)lo) >> shift & ((1u << RADIX_BITS) - 1)]++] = src[i];
		struct prow *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
	free(tmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].cid == v[i].cid)
			j++;
		if (j - i > 64) {
			qsort(v + i, j - i, sizeof *v, by_customer_time);
		} else {
			for (size_t k = i + 1; k < j; k++) {
				struct prow x = v[k];
				size_t m = k;
				for (; m > i && by_customer_time(&v[m - 1], &x) > 0; m--)
					v[m] = v[m - 1];
				v[m] = x;
			}
		}
		i = j;
	}
}
#undef RADIX_BITS

static int by_product_time(const void *x, const void *y)
{
	const struct prow *a = x, *b = y;
	if (a->product != b->product)
		return a->product < b->product ? -1 : 1;
	return a->at_ms < b->at_ms ? -1 : a->at_ms > b->at_ms;
}

/* Whether the customer had, before the pending rows g[0..n), a live purchase
 * on local day d: its stored first and last purchase days answer most
 * cases without a query. */
static int had_purchase_on(struct gx_stats_batch *b, const struct srow *orig, const struct prow *g, size_t n,
			   int64_t d, bool *found)
{
	*found = false;
	if (!orig->has_first || d < orig->first_day || d > orig->last_day)
		return 0;
	if (d == orig->first_day || d == orig->last_day) {
		*found = true;
		return 0;
	}
	char from[40], to[40];
	gx_utc_iso(gx_tz_day_start(b->tz, d), from, sizeof from);
	gx_utc_iso(gx_tz_day_start(b->tz, d + 1), to, sizeof to);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c,
		"SELECT id FROM transactions WHERE tenant_id = ? AND customer_id = ? AND occurred_at >= ? AND "
		"occurred_at < ? AND amount > 0 AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, g[0].cid);
	gx_stmt_bind_str(st, 3, from);
	gx_stmt_bind_str(st, 4, to);
	while (!*found && (rc = gx_stmt_step(st)) == GX_ROW) {
		int64_t id = gx_stmt_col_int64(st, 0);
		bool pending = false;
		for (size_t i = 0; i < n && !pending; i++)
			pending = g[i].id == id;
		*found = !pending;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

struct prodrow {
	uint32_t product, category;
	int64_t purchases;
};

/* Every customer_products row of customer cid, interned. The caller frees
 * *out. */
static int product_rows(struct gx_stats_batch *b, int64_t cid, struct prodrow **out, size_t *n)
{
	struct gx_stats_pending *p = b->pend;
	*out = NULL;
	*n = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c, "SELECT product, purchases, category FROM customer_products WHERE tenant_id = ? "
				      "AND customer_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	size_t cap = 0;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct prodrow *v = realloc(*out, cap * sizeof *v);
			if (!v) {
				rc = GX_ENOMEM;
				break;
			}
			*out = v;
		}
		struct prodrow *r = &(*out)[*n];
		r->purchases = gx_stmt_col_int64(st, 1);
		rc = intern(p, gx_stmt_col_text(st, 0), &r->product);
		if (!rc)
			rc = intern(p, gx_stmt_col_text(st, 2), &r->category);
		if (rc)
			break;
		(*n)++;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Writes one customer's pending rows g[0..n), in time order. */
static int flush_customer(struct gx_stats_batch *b, struct gx_stats_pending *p, struct prow *g, size_t n)
{
	int64_t cid = g[0].cid;
	struct srow r, orig;
	/* a rebuild's first flush writes into emptied tables: nothing to read */
	int rc = 0;
	if (b->rebuilding && !b->rebuild_flushed)
		memset(&orig, 0, sizeof orig);
	else if (b->rebuilding)
		rc = rebuilt_load(b, cid, &orig);
	else
		rc = srow_load(b, cid, &orig);
	if (rc)
		return rc;
	r = orig;
	int64_t prev_day = 0;
	bool any = false;
	for (size_t i = 0; !rc && i < n; i++) {
		const struct prow *t = &g[i];
		copy_text(r.currency, sizeof r.currency, pstr(p, t->currency));
		r.tx_count++;
		r.revenue += t->amount;
		r.cost += t->cost;
		if (t->amount <= 0)
			continue;
		r.purchase_amount += t->amount;
		/* a purchase day counts once: rows are in time order, days with it */
		if (!any || t->day != prev_day) {
			bool before = false;
			rc = had_purchase_on(b, &orig, g, n, t->day, &before);
			if (!before)
				r.purchase_count++;
		}
		any = true;
		prev_day = t->day;
		char at[40];
		gx_utc_iso(t->at_ms, at, sizeof at);
		if (!r.has_first || t->day < r.first_day) {
			if (!r.has_first) {
				r.last_day = t->day;
				copy_text(r.last_at, sizeof r.last_at, at);
			}
			r.has_first = true;
			r.first_day = t->day;
			r.first_day_amount = t->amount;
			copy_text(r.first_at, sizeof r.first_at, at);
		} else if (t->day == r.first_day) {
			r.first_day_amount += t->amount;
			if (strcmp(at, r.first_at) < 0)
				copy_text(r.first_at, sizeof r.first_at, at);
		}
		if (t->day > r.last_day || (t->day == r.last_day && strcmp(at, r.last_at) > 0)) {
			r.last_day = t->day;
			copy_text(r.last_at, sizeof r.last_at, at);
		}
	}
	if (!rc)
		rc = b->rebuilding ? rebuilt_save(b, cid, &r)
		     : orig.exists ? srow_save(b, cid, &r) : srow_insert_new(b, cid, &r);
	/* months: the rows are in time order, so a month's rows are together
	 * (the upsert adds, so a month met twice is still right) */
	for (size_t i = 0; !rc && i < n;) {
		char month[8];
		gx_day_month(g[i].day, month, sizeof month);
		int64_t rev = 0, purchases = 0, count = 0;
		size_t j = i;
		for (; j < n; j++) {
			char m2[8];
			if (j > i && g[j].day != g[j - 1].day) {
				gx_day_month(g[j].day, m2, sizeof m2);
				if (strcmp(m2, month) != 0)
					break;
			}
			rev += g[j].amount;
			purchases += g[j].amount > 0;
			count++;
		}
		rc = month_add(b, !orig.exists, cid, month, rev, purchases, count);
		i = j;
	}
	/* products: one upsert each; what the customer owned before (its rows:
	 * product, purchases, category) says which it comes to own */
	qsort(g, n, sizeof *g, by_product_time);
	struct prodrow *old = NULL;
	size_t nold = 0;
	if (!rc && !b->rebuilding && orig.exists && g[n - 1].product)
		rc = product_rows(b, cid, &old, &nold);
	for (size_t i = 0; !rc && i < n;) {
		size_t j = i;
		int64_t qty = 0, rev = 0, purchases = 0, last = g[i].at_ms;
		const char *category = NULL;
		for (; j < n && g[j].product == g[i].product; j++) {
			qty += g[j].quantity;
			rev += g[j].amount;
			purchases += g[j].amount > 0;
			if (g[j].at_ms > last)
				last = g[j].at_ms;
			const char *c = pstr(p, g[j].category);
			if (c && (!category || strcmp(c, category) > 0))
				category = c;
		}
		if (g[i].product) {
			char at[40];
			gx_utc_iso(last, at, sizeof at);
			rc = product_add(b, !orig.exists, cid, pstr(p, g[i].product), category, qty, rev, purchases, at, NULL,
					 NULL, 0);
			if (!rc && !b->rebuilding) {
				/* the row after the upsert, as the upsert computes it */
				const struct prodrow *o = NULL;
				for (size_t k = 0; k < nold && !o; k++)
					if (old[k].product == g[i].product)
						o = &old[k];
				int64_t before = o ? o->purchases : 0;
				const char *cat = o ? pstr(p, o->category) : NULL;
				if (category && (!cat || strcmp(category, cat) > 0))
					cat = category;
				if (before + purchases > 0)
					rc = pattern_note(b, g[i].product, cat, before <= 0);
			}
		}
		i = j;
	}
	if (!rc && p->ngained) {
		/* what it owns now: what it owned, and what it gained */
		size_t nown = 0;
		uint32_t *own = malloc((nold + p->ngained + 1) * sizeof *own);
		if (!own)
			rc = GX_ENOMEM;
		for (size_t k = 0; own && k < nold; k++)
			if (old[k].purchases > 0)
				own[nown++] = old[k].product;
		for (size_t k = 0; own && k < p->ngained; k++)
			own[nown++] = p->gained[k];
		if (!rc)
			rc = pattern_gains(b, own, nown);
		free(own);
	}
	free(old);
	/* a rebuild scores every row after */
	if (!rc && !b->rebuilding)
		rc = gx_stats_touch(b, cid);
	return rc;
}

int gx_stats_flush(struct gx_stats_batch *b)
{
	struct gx_stats_pending *p = b->pend;
	if (!p || !p->n)
		return 0;
	/* customer order: the upserts walk the indexes forward */
	sort_by_customer_time(p->rows, p->n);
	int rc = 0;
	for (size_t i = 0; !rc && i < p->n;) {
		size_t j = i + 1;
		while (j < p->n && p->rows[j].cid == p->rows[i].cid)
			j++;
		rc = flush_customer(b, p, &p->rows[i], j - i);
		i = j;
	}
	p->n = 0;
	b->rebuild_flushed = b->rebuilding;
	rebuilt_sort(b->rebuilt);
	if (!rc)
		rc = patterns_write(b);
	return rc;
}

/* ---- the aggregator: a customer's transactions in time order ---------------------------- */

struct magg {
	char month[8];
	int64_t revenue, purchases, transactions;
};

struct pagg {
	char *product, *category;
	int64_t quantity, revenue, purchases;
	char last_at[40];
};

struct cagg {
	int64_t customer_id;
	struct srow r;
	int64_t last_purchase_day_seen;
	bool any_purchase;
	struct magg *months;
	size_t nmonths, cmonths;
	struct pagg *products;
	size_t nproducts, cproducts;
};

static void cagg_reset(struct cagg *a, int64_t cid)
{
	for (size_t i = 0; i < a->nproducts; i++) {
		free(a->products[i].product);
		free(a->products[i].category);
	}
	a->nproducts = a->nmonths = 0;
	a->customer_id = cid;
	memset(&a->r, 0, sizeof a->r);
	a->any_purchase = false;
}

static void cagg_free(struct cagg *a)
{
	cagg_reset(a, 0);
	free(a->months);
	free(a->products);
}

/* Adds one row; rows come in (occurred_at, id) order. */
static int cagg_row(struct cagg *a, struct gx_tz *tz, const struct gx_tx *t)
{
	int64_t day = gx_tz_day(tz, t->at_ms);
	struct srow *r = &a->r;
	copy_text(r->currency, sizeof r->currency, t->currency);
	r->tx_count++;
	r->revenue += t->amount;
	if (t->has_cost)
		r->cost += t->cost;
	if (t->amount > 0) {
		r->purchase_amount += t->amount;
		if (!a->any_purchase || day != a->last_purchase_day_seen)
			r->purchase_count++;
		if (!a->any_purchase) {
			r->has_first = true;
			r->first_day = day;
			copy_text(r->first_at, sizeof r->first_at, t->occurred_at);
		}
		if (day == r->first_day)
			r->first_day_amount += t->amount;
		r->last_day = day;
		copy_text(r->last_at, sizeof r->last_at, t->occurred_at);
		a->any_purchase = true;
		a->last_purchase_day_seen = day;
	}
	char month[8];
	gx_day_month(day, month, sizeof month);
	if (!a->nmonths || strcmp(a->months[a->nmonths - 1].month, month) != 0) {
		if (a->nmonths == a->cmonths) {
			size_t cap = a->cmonths ? a->cmonths * 2 : 16;
			struct magg *m = realloc(a->months, cap * sizeof *m);
			if (!m)
				return GX_ENOMEM;
			a->months = m;
			a->cmonths = cap;
		}
		struct magg *m = &a->months[a->nmonths++];
		memset(m, 0, sizeof *m);
		copy_text(m->month, sizeof m->month, month);
	}
	struct magg *m = &a->months[a->nmonths - 1];
	m->revenue += t->amount;
	m->purchases += t->amount > 0;
	m->transactions++;
	if (t->product && *t->product) {
		if (a->nproducts == a->cproducts) {
			size_t cap = a->cproducts ? a->cproducts * 2 : 16;
			struct pagg *p = realloc(a->products, cap * sizeof *p);
			if (!p)
				return GX_ENOMEM;
			a->products = p;
			a->cproducts = cap;
		}
		struct pagg *p = &a->products[a->nproducts++];
		memset(p, 0, sizeof *p);
		p->product = strdup(t->product);
		p->category = t->category && *t->category ? strdup(t->category) : NULL;
		if (!p->product) {
			a->nproducts--;
			free(p->category);
			return GX_ENOMEM;
		}
		p->quantity = t->has_quantity ? t->quantity : 0;
		p->revenue = t->amount;
		p->purchases = t->amount > 0;
		copy_text(p->last_at, sizeof p->last_at, t->occurred_at);
	}
	return 0;
}

static int by_product(const void *x, const void *y)
{
	return strcmp(((const struct pagg *)x)->product, ((const struct pagg *)y)->product);
}

/* Writes the aggregate of one customer: months and products are inserted
 * (the caller removed the old ones), the purchase columns upserted. */
static int cagg_write(struct gx_stats_batch *b, struct cagg *a)
{
	int rc = srow_save(b, a->customer_id, &a->r);
	for (size_t i = 0; !rc && i < a->nmonths; i++)
		rc = month_add(b, false, a->customer_id, a->months[i].month, a->months[i].revenue, a->months[i].purchases,
			       a->months[i].transactions);
	if (!rc && a->nproducts) {
		/* one row per product: rows in time order, merged by name */
		qsort(a->products, a->nproducts, sizeof *a->products, by_product);
		for (size_t i = 0; !rc && i < a->nproducts;) {
			struct pagg sum = a->products[i];
			size_t j = i + 1;
			for (; j < a->nproducts && strcmp(a->products[j].product, sum.product) == 0; j++) {
				const struct pagg *p = &a->products[j];
				sum.quantity += p->quantity;
				sum.revenue += p->revenue;
				sum.purchases += p->purchases;
				if (strcmp(p->last_at, sum.last_at) > 0)
					memcpy(sum.last_at, p->last_at, sizeof sum.last_at);
				if (p->category && (!sum.category || strcmp(p->category, sum.category) > 0))
					sum.category = p->category;
			}
			rc = product_add(b, false, a->customer_id, sum.product, sum.category, sum.quantity, sum.revenue,
					 sum.purchases, sum.last_at, NULL, NULL, 0);
			i = j;
		}
	}
	return rc;
}

/* Reads the current row of a transactions SELECT (columns: id, customer_id,
 * occurred_at, amount, cost, currency, product, category, quantity). The
 * strings stay valid until the next step. */
static int tx_from_row(struct gx_stmt *st, struct gx_tx *t)
{
	memset(t, 0, sizeof *t);
	t->id = gx_stmt_col_int64(st, 0);
	t->customer_id = gx_stmt_col_int64(st, 1);
	t->occurred_at = gx_stmt_col_text(st, 2);
	if (!t->occurred_at || gx_time_parse(t->occurred_at, &t->at_ms))
		return GX_EINVAL;
	t->amount = gx_stmt_col_int64(st, 3);
	t->has_cost = gx_stmt_col_type(st, 4) != GX_COL_NULL;
	t->cost = t->has_cost ? gx_stmt_col_int64(st, 4) : 0;
	t->currency = gx_stmt_col_text(st, 5);
	t->product = gx_stmt_col_text(st, 6);
	t->category = gx_stmt_col_text(st, 7);
	t->has_quantity = gx_stmt_col_type(st, 8) != GX_COL_NULL;
	t->quantity = t->has_quantity ? gx_stmt_col_int64(st, 8) : 0;
	return 0;
}

static int delete_rows(struct gx_stats_batch *b, const char *sql, int64_t cid)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(b->c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	if (cid)
		gx_stmt_bind_int64(st, 2, cid);
	return step_done(st);
}

int gx_stats_recompute(struct gx_stats_batch *b, int64_t cid)
{
	int rc = gx_stats_flush(b);
	if (!rc && !pending_get(b))
		rc = GX_ENOMEM;
	/* the products it owned, for the patterns */
	uint32_t *old = NULL, *old_cat = NULL;
	size_t nold = 0;
	if (!rc)
		rc = owned_set(b, cid, &old, &old_cat, &nold);
	if (!rc)
		rc = delete_rows(b, "DELETE FROM customer_months WHERE tenant_id = ? AND customer_id = ?", cid);
	if (!rc)
		rc = delete_rows(b, "DELETE FROM customer_products WHERE tenant_id = ? AND customer_id = ?", cid);
	struct gx_stmt *st = NULL;
	if (!rc)
		rc = gx_conn_prepare(b->c,
			"SELECT id, customer_id, occurred_at, amount, cost, currency, product, category, quantity "
			"FROM transactions WHERE tenant_id = ? AND customer_id = ? AND deleted_at IS NULL "
			"ORDER BY occurred_at, id", &st);
	if (rc) {
		free(old);
		free(old_cat);
		return rc;
	}
	struct cagg a = {0};
	cagg_reset(&a, cid);
	gx_stmt_bind_int64(st, 1, b->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	struct gx_tx t;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		rc = tx_from_row(st, &t);
		if (!rc)
			rc = cagg_row(&a, b->tz, &t);
		if (rc)
			break;
	}
	gx_stmt_reset(st);
	rc = rc < 0 ? rc : 0;
	if (!rc)
		rc = cagg_write(b, &a);
	cagg_free(&a);
	if (!rc)
		rc = patterns_recomputed(b, cid, old, old_cat, nold);
	free(old);
	free(old_cat);
	if (!rc)
		rc = gx_stats_refresh_service(b, cid);
	return rc;
}

/* ---- hooks of activities and relationships ---------------------------------------------------- */

static int service_written(struct gx_ctx *ctx, struct gx_conn *c, const json_t *before, const json_t *after)
{
	struct gx_stats_batch b;
	int rc = gx_stats_begin(ctx, c, &b);
	int64_t now_cid = json_integer_value(json_object_get(after, "customer_id"));
	int64_t old_cid = json_integer_value(json_object_get(before, "customer_id"));
	if (!rc && now_cid)
		rc = gx_stats_refresh_service(&b, now_cid);
	if (!rc && old_cid && old_cid != now_cid)
		rc = gx_stats_refresh_service(&b, old_cid);
	return gx_stats_end(&b, rc);
}

int gx_stats_activity_written(struct gx_ctx *ctx, struct gx_conn *c, const json_t *before, const json_t *after)
{
	return service_written(ctx, c, before, after);
}

int gx_stats_relationship_written(struct gx_ctx *ctx, struct gx_conn *c, const json_t *before,
				  const json_t *after)
{
	return service_written(ctx, c, before, after);
}

/* ---- rebuild ---------------------------------------------------------------------------------- */

static int rebuild_service(struct gx_stats_batch *b)
{
	/* activities, then teams, grouped per customer in one pass each, into
	 * the rebuild's rows (a customer without transactions gets one) */
	static const char *const sql[] = {
		"SELECT customer_id, count(*), COALESCE(sum(cost), 0), max(CASE WHEN channel <> 'other' THEN occurred_at END) "
		"FROM activities WHERE tenant_id = ? AND deleted_at IS NULL GROUP BY customer_id",
		"SELECT customer_id, count(*) FROM relationships WHERE tenant_id = ? AND deleted_at IS NULL GROUP BY customer_id",
	};
	int rc = 0;
	for (int k = 0; !rc && k < 2; k++) {
		struct gx_stmt *sel;
		rc = gx_conn_prepare(b->c, sql[k], &sel);
		if (rc)
			break;
		gx_stmt_bind_int64(sel, 1, b->ctx->tenant_id);
		while ((rc = gx_stmt_step(sel)) == GX_ROW) {
			struct rrow *x;
			rc = rebuilt_get(b, gx_stmt_col_int64(sel, 0), true, &x);
			if (rc)
				break;
			if (k == 1) {
				x->breadth = gx_stmt_col_int64(sel, 1);
				continue;
			}
			x->activity_count = gx_stmt_col_int64(sel, 1);
			x->cost_to_serve = gx_stmt_col_int64(sel, 2);
			const char *last = gx_stmt_col_text(sel, 3);
			free(x->last_contact);
			x->last_contact = last && *last ? strdup(last) : NULL;
			if (last && *last && !x->last_contact) {
				rc = GX_ENOMEM;
				break;
			}
		}
		gx_stmt_reset(sel);
		rc = rc < 0 ? rc : 0;
		/* the customers met first here in order, for the next pass's lookups */
		rebuilt_sort(b->rebuilt);
	}
	return rc;
}

/* The secondary indexes of the summary tables a rebuild emptied whole, on
 * SQLite: dropped before the rows go in and made again after (CREATE INDEX
 * sorts the keys once and writes each B-tree in order; entered row by row,
 * the keys of customer_products_product (product, customer) land at
 * random all over their trees). All in the rebuild's transaction: a reader
 * keeps the old rows and indexes until the commit, a failure rolls the drop
 * back. Not on PostgreSQL, where DROP INDEX would lock the readers out until
 * the commit. */
#define REBUILD_MAX_INDEXES 16

struct dropped {
	char *sql[REBUILD_MAX_INDEXES];
	int n;
};

static int indexes_drop(struct gx_conn *c, const char *table, struct dropped *d)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
				    "AND sql IS NOT NULL ORDER BY name", &st);
	if (rc)
		return rc;
	gx_stmt_bind_str(st, 1, table);
	char names[REBUILD_MAX_INDEXES][64];
	int n = 0;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		const char *name = gx_stmt_col_text(st, 0), *sql = gx_stmt_col_text(st, 1);
		if (d->n == REBUILD_MAX_INDEXES || !name || strlen(name) >= sizeof names[0] || strchr(name, '"'))
			continue; /* left in place: only slower */
		if (!(d->sql[d->n] = strdup(sql))) {
			rc = GX_ENOMEM;
			break;
		}
		snprintf(names[n++], sizeof names[0], "%s", name);
		d->n++;
	}
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	rc = 0;
	for (int i = 0; !rc && i < n; i++) {
		char sql[sizeof names[0] + 16];
		snprintf(sql, sizeof sql, "DROP INDEX \"%.63s\"", names[i]);
		rc = gx_conn_exec(c, sql);
	}
	return rc;
}

/* Makes the dropped indexes again, unless the rebuild failed (rc: its
 * rollback brings them back); frees d's text either way. */
static int indexes_make(struct gx_conn *c, struct dropped *d, int rc)
{
	for (int i = 0; i < d->n; i++) {
		if (!rc)
			rc = gx_conn_exec(c, d->sql[i]);
		free(d->sql[i]);
		d->sql[i] = NULL;
	}
	d->n = 0;
	return rc;
}

int gx_stats_rebuild(struct gx_store *s, int64_t tenant_id, int64_t *customers)
{
	*customers = 0;
	struct gx_arena arena;
	gx_arena_init(&arena, 0);
	struct gx_ctx ctx = {.store = s, .arena = &arena, .tenant_id = tenant_id};
	struct gx_conn *c;
	int rc = gx_store_writer(s, &c);
	if (rc) {
		gx_arena_free(&arena);
		return rc;
	}
	int64_t cache = 0;
	gx_stats_cache_big(s, c, &cache);
	rc = gx_conn_begin(c);
	struct gx_stats_batch b = {0};
	if (!rc)
		rc = gx_stats_begin(&ctx, c, &b);
	/* the tenant's rows go; when a table holds no other tenant's rows, a
	 * DELETE without WHERE clears it whole (SQLite drops its pages instead of
	 * deleting row by row from the table and each index: a quarter of a
	 * rebuild's time at 100k customers) */
	static const char *const wipe[][3] = {
		{"SELECT (SELECT min(tenant_id) FROM customer_stats), (SELECT max(tenant_id) FROM customer_stats)",
		 "DELETE FROM customer_stats", "DELETE FROM customer_stats WHERE tenant_id = ?"},
		{"SELECT (SELECT min(tenant_id) FROM customer_months), (SELECT max(tenant_id) FROM customer_months)",
		 "DELETE FROM customer_months", "DELETE FROM customer_months WHERE tenant_id = ?"},
		{"SELECT (SELECT min(tenant_id) FROM customer_products), (SELECT max(tenant_id) FROM customer_products)",
		 "DELETE FROM customer_products", "DELETE FROM customer_products WHERE tenant_id = ?"},
		{"SELECT (SELECT min(tenant_id) FROM product_buyers), (SELECT max(tenant_id) FROM product_buyers)",
		 "DELETE FROM product_buyers", "DELETE FROM product_buyers WHERE tenant_id = ?"},
		{"SELECT (SELECT min(tenant_id) FROM product_pairs), (SELECT max(tenant_id) FROM product_pairs)",
		 "DELETE FROM product_pairs", "DELETE FROM product_pairs WHERE tenant_id = ?"},
	};
	static const char *const table[] = {"customer_stats", "customer_months", "customer_products"};
	bool sqlite = strcmp(gx_store_backend(s), "sqlite") == 0;
	struct dropped dropped = {0};
	for (int i = 0; !rc && i < 5; i++) {
		struct gx_stmt *st;
		bool alone = false;
		rc = gx_conn_prepare(c, wipe[i][0], &st);
		if (!rc) {
			rc = gx_stmt_step(st);
			alone = rc == GX_ROW && (gx_stmt_col_type(st, 0) == GX_COL_NULL ||
						 (gx_stmt_col_int64(st, 0) == tenant_id && gx_stmt_col_int64(st, 1) == tenant_id));
			gx_stmt_reset(st);
			rc = rc < 0 ? rc : 0;
		}
		if (!rc && alone)
			rc = gx_conn_prepare(c, wipe[i][1], &st);
		if (!rc)
			rc = alone ? step_done(st) : delete_rows(&b, wipe[i][2], 0);
		/* customer_stats keeps its one index (0013): a partial index of the
		 * few declining rows, cheaper kept than made again from every row */
		if (!rc && alone && (i == 1 || i == 2) && sqlite)
			rc = indexes_drop(c, table[i], &dropped);
	}
	/* one pass in table order (no sort, no index walk), aggregated in memory
	 * per customer and written in customer order */
	struct gx_stmt *st = NULL;
	if (!rc)
		rc = gx_conn_prepare(c,
			"SELECT id, customer_id, occurred_at, amount, cost, currency, product, category, quantity "
			"FROM transactions WHERE tenant_id = ? AND deleted_at IS NULL", &st);
	if (!rc) {
		b.rebuilding = true;
		b.window = gx_stats_rebuild_window ? gx_stats_rebuild_window : REBUILD_WINDOW;
		gx_stmt_bind_int64(st, 1, tenant_id);
		struct gx_tx t;
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			rc = tx_from_row(st, &t);
			if (!rc)
				rc = gx_stats_add_deferred(&b, &t);
			if (rc)
				break;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
		if (!rc)
			rc = gx_stats_flush(&b);
		if (!rc)
			rc = patterns_rebuild(&b);
	}
	if (!rc)
		rc = rebuild_service(&b);
	/* the full scoring pass in the same transaction, over the rows in
	 * memory: each row is written once, with its scores, before the indexes
	 * are made */
	if (!rc)
		rc = rebuilt_write(&b, customers);
	rc = indexes_make(c, &dropped, rc);
	b.ndirty = 0;
	rc = gx_stats_end(&b, rc);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_stats_cache_restore(c, cache);
	gx_store_release(c);
	gx_arena_free(&arena);
	return rc;
}
