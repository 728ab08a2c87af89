/* reports.c — the read models behind /api/v1/analytics/...: RFM grid and
 * segments, profitability tiers, Pareto/ABC, retention and cohorts, decline
 * list, CLV summary, balanced scorecard, one customer's insights and
 * next-best products, and the customer-list filters on the analytics. Each
 * reads customer_stats / customer_months / customer_products (O(customers)),
 * restricted to the customers the caller's role may see. */
#include "analytics/analytics.h"

#include "analytics/calendar.h"
#include "analytics/stats.h"
#include "core/err.h"
#include "core/time.h"
#include "crm/customer.h"
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const char *const segment_order[] = {"champions", "loyal", "potential_loyalists", "new", "promising",
					    "need_attention", "about_to_sleep", "at_risk", "cannot_lose",
					    "hibernating", "lost"};
#define NSEGMENTS 11
static const char *const tier_order[] = {"highly_profitable", "break_even", "unprofitable", "resource_draining"};
#define NTIERS 4

/* ---- shared helpers ------------------------------------------------------------------------- */

/* The customers entity's visibility condition for ctx (naming the table
 * "customers", which every query below joins without an alias). */
static int vis_get(struct gx_ctx *ctx, struct gx_visibility *v)
{
	memset(v, 0, sizeof *v);
	return gx_customers_entity.hooks.visibility ? gx_customers_entity.hooks.visibility(ctx, v) : 0;
}

/* sql_fmt has one %s where " AND (visibility)" goes. */
static char *with_vis(struct gx_ctx *ctx, const char *sql_fmt, const struct gx_visibility *v)
{
	char *cond = v->sql ? gx_arena_printf(ctx->arena, " AND (%s)", v->sql) : "";
	return cond ? gx_arena_printf(ctx->arena, sql_fmt, cond) : NULL;
}

static int bind_vis(struct gx_stmt *st, int k, const struct gx_visibility *v)
{
	for (int i = 0; i < v->nargs; i++)
		gx_stmt_bind_int64(st, k++, v->args[i]);
	return k;
}

struct env {
	struct gx_ctx *ctx;
	struct gx_conn *c;
	struct gx_visibility vis;
	struct gx_analytics_settings set;
	char currency[8];
	char zone[64];
	struct gx_tz *tz;
	int64_t now_ms, today;
};

static int env_open(struct gx_ctx *ctx, const char *currency, struct env *e)
{
	memset(e, 0, sizeof *e);
	e->ctx = ctx;
	if (currency && (strlen(currency) != 3 || currency[0] < 'A' || currency[0] > 'Z' || currency[1] < 'A' ||
			 currency[1] > 'Z' || currency[2] < 'A' || currency[2] > 'Z'))
		return GX_EINVAL;
	int rc = vis_get(ctx, &e->vis);
	if (!rc)
		rc = gx_store_reader(ctx->store, &e->c);
	char tcur[8];
	if (!rc)
		rc = gx_tenant_zone(e->c, ctx->tenant_id, e->zone, sizeof e->zone, tcur, sizeof tcur);
	if (!rc) {
		snprintf(e->currency, sizeof e->currency, "%s", currency ? currency : tcur);
		gx_analytics_settings_load(e->c, ctx->tenant_id, &e->set);
		rc = gx_tz_open(e->zone, &e->tz);
	}
	e->now_ms = gx_now_ms();
	if (!rc)
		e->today = gx_tz_day(e->tz, e->now_ms);
	return rc;
}

static void env_close(struct env *e)
{
	gx_store_release(e->c);
	gx_tz_close(e->tz);
}

static json_t *ratio(double num, double den)
{
	return den > 0 ? json_real(num / den) : json_null();
}

static json_t *day_json(int64_t day)
{
	int y, m, d;
	gx_day_civil(day, &y, &m, &d);
	char buf[16];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	return json_string(buf);
}

static int last_scored(struct env *e, char *at, size_t cap, json_t **thresholds)
{
	*at = '\0';
	if (thresholds)
		*thresholds = json_null();
	struct gx_stmt *st;
	int rc = gx_conn_prepare(e->c, "SELECT scored_at, r_breaks, f_breaks, m_breaks FROM analytics_state "
				       "WHERE tenant_id = ? AND currency = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, e->ctx->tenant_id);
	gx_stmt_bind_str(st, 2, e->currency);
	if (gx_stmt_step(st) == GX_ROW) {
		snprintf(at, cap, "%s", gx_stmt_col_text(st, 0) ? gx_stmt_col_text(st, 0) : "");
		if (thresholds) {
			json_t *r = json_loads(gx_stmt_col_text(st, 1), 0, NULL);
			json_t *dates = json_array();
			size_t i;
			json_t *v;
			json_array_foreach(r, i, v)
				json_array_append_new(dates, day_json(json_integer_value(v)));
			json_decref(r);
			json_decref(*thresholds);
			*thresholds = json_pack("{s:o, s:o, s:o}", "recency_last_purchase_day", dates, "frequency",
						json_loads(gx_stmt_col_text(st, 2), 0, NULL), "monetary",
						json_loads(gx_stmt_col_text(st, 3), 0, NULL));
		}
	}
	gx_stmt_reset(st);
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* ---- RFM --------------------------------------------------------------------------------------- */

int gx_analytics_rfm(struct gx_ctx *ctx, const char *currency, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, currency, &e);
	int64_t cnt[5][5] = {{0}}, rev[5][5] = {{0}}, unscored = 0, total = 0, revenue_total = 0;
	int64_t seg_cnt[NSEGMENTS] = {0}, seg_rev[NSEGMENTS] = {0};
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.r_score, s.f_score, s.revenue, s.segment FROM customer_stats s JOIN customers ON "
		"customers.tenant_id = s.tenant_id AND customers.id = s.customer_id WHERE s.tenant_id = ? AND "
		"s.currency = ? AND s.purchase_count > 0 AND customers.deleted_at IS NULL%s", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e.currency);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			total++;
			int64_t revenue = gx_stmt_col_int64(st, 2);
			revenue_total += revenue;
			if (gx_stmt_col_type(st, 0) == GX_COL_NULL) {
				unscored++;
				continue;
			}
			int r = (int)gx_stmt_col_int64(st, 0), f = (int)gx_stmt_col_int64(st, 1);
			if (r < 1 || r > 5 || f < 1 || f > 5)
				continue;
			cnt[r - 1][f - 1]++;
			rev[r - 1][f - 1] += revenue;
			const char *seg = gx_stmt_col_text(st, 3);
			for (int i = 0; seg && i < NSEGMENTS; i++)
				if (strcmp(seg, segment_order[i]) == 0) {
					seg_cnt[i]++;
					seg_rev[i] += revenue;
				}
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	char at[40] = "";
	json_t *thresholds = NULL;
	if (!rc)
		rc = last_scored(&e, at, sizeof at, &thresholds);
	env_close(&e);
	if (rc) {
		json_decref(thresholds);
		return rc;
	}
	json_t *segments = json_array(), *grid = json_array();
	for (int i = 0; i < NSEGMENTS; i++)
		json_array_append_new(segments, json_pack("{s:s, s:o, s:I, s:I, s:o, s:o}", "segment", segment_order[i],
							  "label", gx_analytics_segment_label(segment_order[i]),
							  "customers", (json_int_t)seg_cnt[i], "revenue", (json_int_t)seg_rev[i],
							  "share_of_customers", ratio((double)seg_cnt[i], (double)(total - unscored)),
							  "share_of_revenue", ratio((double)seg_rev[i], (double)revenue_total)));
	for (int r = 5; r >= 1; r--)
		for (int f = 1; f <= 5; f++) {
			const char *seg = gx_analytics_segment_of(r, f);
			json_array_append_new(grid, json_pack("{s:i, s:i, s:I, s:I, s:s, s:o}", "r", r, "f", f, "customers",
							      (json_int_t)cnt[r - 1][f - 1], "revenue",
							      (json_int_t)rev[r - 1][f - 1], "segment", seg, "label",
							      gx_analytics_segment_label(seg)));
		}
	*out = json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:o, s:o}", "currency", e.currency, "scored_at",
			 *at ? json_string(at) : json_null(), "customers", (json_int_t)total, "unscored",
			 (json_int_t)unscored, "revenue", (json_int_t)revenue_total, "thresholds", thresholds, "segments",
			 segments, "grid", grid);
	return 0;
}

/* ---- profitability tiers ---------------------------------------------------------------------- */

int gx_analytics_tiers(struct gx_ctx *ctx, const char *currency, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, currency, &e);
	int64_t cnt[NTIERS] = {0}, rev[NTIERS] = {0}, margin[NTIERS] = {0}, cts[NTIERS] = {0}, none = 0, profit_total = 0;
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.tier, count(*), sum(s.revenue), sum(s.gross_margin), sum(s.cost_to_serve) FROM customer_stats s "
		"JOIN customers ON customers.tenant_id = s.tenant_id AND customers.id = s.customer_id WHERE s.tenant_id = ? "
		"AND (s.currency = ? OR s.currency IS NULL) AND customers.deleted_at IS NULL%s GROUP BY s.tier", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e.currency);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			const char *tier = gx_stmt_col_text(st, 0);
			int i = -1;
			for (int k = 0; tier && k < NTIERS; k++)
				if (strcmp(tier, tier_order[k]) == 0)
					i = k;
			if (i < 0) {
				none += gx_stmt_col_int64(st, 1);
				continue;
			}
			cnt[i] = gx_stmt_col_int64(st, 1);
			rev[i] = gx_stmt_col_int64(st, 2);
			margin[i] = gx_stmt_col_int64(st, 3);
			cts[i] = gx_stmt_col_int64(st, 4);
			profit_total += margin[i] - cts[i];
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	env_close(&e);
	if (rc)
		return rc;
	json_t *tiers = json_array();
	for (int i = 0; i < NTIERS; i++)
		json_array_append_new(tiers, json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "tier", tier_order[i], "label",
						       gx_analytics_tier_label(tier_order[i]), "customers", (json_int_t)cnt[i],
						       "revenue", (json_int_t)rev[i], "gross_margin", (json_int_t)margin[i],
						       "cost_to_serve", (json_int_t)cts[i], "profit",
						       (json_int_t)(margin[i] - cts[i]), "share_of_profit",
						       ratio((double)(margin[i] - cts[i]), (double)profit_total)));
	*out = json_pack("{s:s, s:{s:I, s:I, s:f, s:s}, s:o, s:I, s:I}", "currency", e.currency, "thresholds",
			 "tier_high_min", (json_int_t)e.set.tier_high_min, "tier_break_even_min",
			 (json_int_t)e.set.tier_break_even_min, "tier_drain_ratio", e.set.tier_drain_ratio, "rule",
			 "profit = gross margin - cost to serve; >= tier_high_min: highly_profitable; >= tier_break_even_min: "
			 "break_even; below it: resource_draining when cost to serve > tier_drain_ratio x max(gross margin, 0), "
			 "else unprofitable",
			 "tiers", tiers, "profit", (json_int_t)profit_total, "without_data", (json_int_t)none);
	return 0;
}

/* ---- Pareto / ABC -------------------------------------------------------------------------------- */

struct pcust {
	int64_t id, revenue, profit, clv;
	bool has_clv;
	char *name, *code, *segment, *tier;
};

static int by_revenue(const void *a, const void *b)
{
	const struct pcust *x = a, *y = b;
	if (x->revenue != y->revenue)
		return x->revenue > y->revenue ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_profit(const void *a, const void *b)
{
	const struct pcust *x = a, *y = b;
	if (x->profit != y->profit)
		return x->profit > y->profit ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static json_t *curve(struct pcust *v, size_t n, bool profit, double total)
{
	json_t *pts = json_array();
	double cum = 0;
	size_t done = 0;
	for (int i = 0; i <= 20; i++) {
		size_t upto = (size_t)llround((double)i * (double)n / 20.0);
		for (; done < upto; done++)
			cum += (double)(profit ? v[done].profit : v[done].revenue);
		json_array_append_new(pts, json_pack("{s:f, s:I, s:o}", "customers_share", i / 20.0, "customers",
						     (json_int_t)upto, "value_share", ratio(cum, total)));
	}
	return pts;
}

int gx_analytics_pareto(struct gx_ctx *ctx, const char *currency, int limit, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, currency, &e);
	struct pcust *v = NULL;
	size_t n = 0, cap = 0;
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.customer_id, customers.name, customers.code, s.revenue, s.gross_margin - s.cost_to_serve, "
		"s.clv, s.segment, s.tier FROM customer_stats s JOIN customers ON customers.tenant_id = s.tenant_id AND "
		"customers.id = s.customer_id WHERE s.tenant_id = ? AND s.currency = ? AND s.transaction_count > 0 AND "
		"customers.deleted_at IS NULL%s", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e.currency);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				struct pcust *nv = realloc(v, cap * sizeof *nv);
				if (!nv) {
					rc = GX_ENOMEM;
					break;
				}
				v = nv;
			}
			struct pcust *p = &v[n++];
			p->id = gx_stmt_col_int64(st, 0);
			p->name = gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 1) ? gx_stmt_col_text(st, 1) : "");
			p->code = gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 2) ? gx_stmt_col_text(st, 2) : "");
			p->revenue = gx_stmt_col_int64(st, 3);
			p->profit = gx_stmt_col_int64(st, 4);
			p->has_clv = gx_stmt_col_type(st, 5) != GX_COL_NULL;
			p->clv = gx_stmt_col_int64(st, 5);
			p->segment = gx_stmt_col_text(st, 6) ? gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 6)) : NULL;
			p->tier = gx_stmt_col_text(st, 7) ? gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 7)) : NULL;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	env_close(&e);
	if (rc) {
		free(v);
		return rc;
	}
	double total_rev = 0, total_profit = 0;
	for (size_t i = 0; i < n; i++) {
		total_rev += (double)v[i].revenue;
		total_profit += (double)v[i].profit;
	}
	size_t top = (n + 4) / 5; /* the top 20 %, rounded up */
	if (n)
		qsort(v, n, sizeof *v, by_profit);
	double top_profit = 0;
	for (size_t i = 0; i < top; i++)
		top_profit += (double)v[i].profit;
	json_t *profit_curve = curve(v, n, true, total_profit);
	if (n)
		qsort(v, n, sizeof *v, by_revenue);
	double top_rev = 0;
	for (size_t i = 0; i < top; i++)
		top_rev += (double)v[i].revenue;
	json_t *revenue_curve = curve(v, n, false, total_rev);
	/* ABC by cumulative revenue: A up to 80 %, B to 95 %, C the rest */
	int64_t abc_n[3] = {0}, abc_rev[3] = {0};
	json_t *mvc = json_array();
	double cum = 0;
	for (size_t i = 0; i < n; i++) {
		double before = total_rev > 0 ? cum / total_rev : 1;
		int cls = before < 0.80 ? 0 : before < 0.95 ? 1 : 2;
		cum += (double)v[i].revenue;
		abc_n[cls]++;
		abc_rev[cls] += v[i].revenue;
		if ((int)i < limit)
			json_array_append_new(mvc, json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:s, s:o, s:o, s:o}",
							     "rank", (json_int_t)(i + 1), "customer_id", (json_int_t)v[i].id,
							     "name", v[i].name, "code", v[i].code, "revenue",
							     (json_int_t)v[i].revenue, "profit", (json_int_t)v[i].profit,
							     "share", ratio((double)v[i].revenue, total_rev), "cumulative_share",
							     ratio(cum, total_rev), "class", cls == 0 ? "A" : cls == 1 ? "B" : "C",
							     "clv", v[i].has_clv ? json_integer(v[i].clv) : json_null(),
							     "segment", str_or_null(v[i].segment), "tier", str_or_null(v[i].tier)));
	}
	free(v);
	json_t *abc = json_object();
	for (int k = 0; k < 3; k++)
		json_object_set_new(abc, k == 0 ? "A" : k == 1 ? "B" : "C",
				    json_pack("{s:I, s:I, s:o}", "customers", (json_int_t)abc_n[k], "revenue",
					      (json_int_t)abc_rev[k], "share_of_revenue", ratio((double)abc_rev[k], total_rev)));
	*out = json_pack("{s:s, s:I, s:I, s:f, s:I, s:I, s:{s:o, s:o}, s:{s:o, s:o}, s:o, s:o}", "currency", e.currency,
			 "customers", (json_int_t)n, "top_customers", (json_int_t)top, "top_fraction", 0.2, "revenue",
			 (json_int_t)llround(total_rev), "profit", (json_int_t)llround(total_profit), "top_share",
			 "revenue", ratio(top_rev, total_rev), "profit", total_profit > 0 ? json_real(top_profit / total_profit) : json_null(),
			 "curve", "revenue", revenue_curve, "profit", profit_curve, "abc", abc, "most_valuable", mvc);
	return 0;
}

/* ---- retention and cohorts ------------------------------------------------------------------------ */

enum period { P_MONTH, P_QUARTER, P_YEAR };

static int64_t period_of(enum period p, int y, int m)
{
	return p == P_MONTH ? (int64_t)y * 12 + (m - 1) : p == P_QUARTER ? (int64_t)y * 4 + (m - 1) / 3 : y;
}

static json_t *period_label(enum period p, int64_t idx)
{
	char buf[16];
	if (p == P_MONTH)
		snprintf(buf, sizeof buf, "%04lld-%02lld", (long long)(idx / 12), (long long)(idx % 12 + 1));
	else if (p == P_QUARTER)
		snprintf(buf, sizeof buf, "%04lld-Q%lld", (long long)(idx / 4), (long long)(idx % 4 + 1));
	else
		snprintf(buf, sizeof buf, "%04lld", (long long)idx);
	return json_string(buf);
}

/* Streams (customer, month with a purchase, first purchase month) of the
 * visible customers from month `from` on, ordered by customer and month. */
static int months_query(struct env *e, const char *from, struct gx_stmt **st)
{
	char *sql = with_vis(e->ctx,
		"SELECT cm.customer_id, cm.month, s.first_purchase_month FROM customer_months cm JOIN customer_stats s ON "
		"s.tenant_id = cm.tenant_id AND s.customer_id = cm.customer_id JOIN customers ON customers.tenant_id = "
		"cm.tenant_id AND customers.id = cm.customer_id WHERE cm.tenant_id = ? AND cm.purchases > 0 AND "
		"cm.month >= ? AND customers.deleted_at IS NULL%s ORDER BY cm.customer_id, cm.month", &e->vis);
	int rc = sql ? gx_conn_prepare(e->c, sql, st) : GX_ENOMEM;
	if (rc)
		return rc;
	gx_stmt_bind_int64(*st, 1, e->ctx->tenant_id);
	gx_stmt_bind_str(*st, 2, from);
	bind_vis(*st, 3, &e->vis);
	return 0;
}

int gx_analytics_retention(struct gx_ctx *ctx, const char *period, int periods, json_t **out)
{
	*out = NULL;
	enum period p = !period || strcmp(period, "month") == 0 ? P_MONTH
			: strcmp(period, "quarter") == 0	    ? P_QUARTER
			: strcmp(period, "year") == 0		    ? P_YEAR : (enum period)-1;
	if ((int)p < 0 || periods < 1 || periods > 120)
		return GX_EINVAL;
	struct env e;
	int rc = env_open(ctx, NULL, &e);
	if (rc) {
		env_close(&e);
		return rc;
	}
	int y, m, d;
	gx_day_civil(e.today, &y, &m, &d);
	int64_t now_p = period_of(p, y, m), first_p = now_p - periods + 1;
	/* the month the period before the first one starts in */
	int64_t start_month = p == P_MONTH ? first_p - 1 : p == P_QUARTER ? (first_p - 1) * 3 : (first_p - 1) * 12;
	char from[16];
	snprintf(from, sizeof from, "%04lld-%02lld", (long long)(start_month / 12), (long long)(start_month % 12 + 1));
	int64_t *active = calloc((size_t)periods + 1, sizeof *active), *retained = calloc((size_t)periods + 1, sizeof *retained);
	int64_t *fresh = calloc((size_t)periods + 1, sizeof *fresh);
	if (!active || !retained || !fresh)
		rc = GX_ENOMEM;
	struct gx_stmt *st;
	if (!rc)
		rc = months_query(&e, from, &st);
	if (!rc) {
		int64_t cur = 0, last_p = INT64_MIN;
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			int64_t cid = gx_stmt_col_int64(st, 0);
			int cy, cm2, fy = 0, fm = 0;
			if (gx_month_parse(gx_stmt_col_text(st, 1), &cy, &cm2))
				continue;
			int64_t pi = period_of(p, cy, cm2);
			if (cid != cur) {
				cur = cid;
				last_p = INT64_MIN;
			}
			if (pi == last_p)
				continue;
			/* index 0 is the period before the first shown */
			int64_t idx = pi - first_p + 1;
			if (idx >= 0 && idx <= periods) {
				active[idx]++;
				if (last_p == pi - 1)
					retained[idx]++;
				const char *fpm = gx_stmt_col_text(st, 2);
				if (fpm && !gx_month_parse(fpm, &fy, &fm) && period_of(p, fy, fm) == pi)
					fresh[idx]++;
			}
			last_p = pi;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	int64_t buyers = 0, repeaters = 0;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT count(*), COALESCE(sum(CASE WHEN s.purchase_count >= 2 THEN 1 ELSE 0 END), 0) FROM customer_stats s "
		"JOIN customers ON customers.tenant_id = s.tenant_id AND customers.id = s.customer_id WHERE s.tenant_id = ? "
		"AND s.purchase_count > 0 AND customers.deleted_at IS NULL%s", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		bind_vis(st, 2, &e.vis);
		if ((rc = gx_stmt_step(st)) == GX_ROW) {
			buyers = gx_stmt_col_int64(st, 0);
			repeaters = gx_stmt_col_int64(st, 1);
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	env_close(&e);
	json_t *items = json_array();
	for (int i = 1; !rc && i <= periods; i++) {
		int64_t base = active[i - 1];
		json_array_append_new(items, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "period",
						       period_label(p, first_p + i - 1), "active", (json_int_t)active[i],
						       "new", (json_int_t)fresh[i], "base", (json_int_t)base, "retained",
						       (json_int_t)retained[i], "reactivated",
						       (json_int_t)(active[i] - fresh[i] - retained[i]), "retention_rate",
						       ratio((double)retained[i], (double)base), "attrition_rate",
						       base > 0 ? json_real(1.0 - (double)retained[i] / (double)base) : json_null()));
	}
	free(active);
	free(retained);
	free(fresh);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:s, s:o, s:I, s:I, s:o, s:s}", "period", p == P_MONTH ? "month" : p == P_QUARTER ? "quarter" : "year",
			 "items", items, "customers", (json_int_t)buyers, "repeat_customers", (json_int_t)repeaters,
			 "repeat_purchase_rate", ratio((double)repeaters, (double)buyers), "rule",
			 "active: a purchase in the period; retained: active in the period and the one before; "
			 "retention_rate = retained / active in the period before; attrition_rate = 1 - retention_rate");
	return 0;
}

int gx_analytics_cohorts(struct gx_ctx *ctx, int months, json_t **out)
{
	*out = NULL;
	if (months < 1 || months > 120)
		return GX_EINVAL;
	struct env e;
	int rc = env_open(ctx, NULL, &e);
	if (rc) {
		env_close(&e);
		return rc;
	}
	int y, m, d;
	gx_day_civil(e.today, &y, &m, &d);
	int64_t now_m = (int64_t)y * 12 + m - 1, first_m = now_m - months + 1;
	char from[16];
	snprintf(from, sizeof from, "%04lld-%02lld", (long long)(first_m / 12), (long long)(first_m % 12 + 1));
	/* counts[c][k]: customers of cohort c active k months after it */
	int64_t *counts = calloc((size_t)months * (size_t)months, sizeof *counts);
	int64_t *size = calloc((size_t)months, sizeof *size);
	if (!counts || !size)
		rc = GX_ENOMEM;
	struct gx_stmt *st;
	if (!rc)
		rc = months_query(&e, from, &st);
	if (!rc) {
		int64_t cur = 0;
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			int64_t cid = gx_stmt_col_int64(st, 0);
			int cy, cm2, fy, fm;
			if (gx_month_parse(gx_stmt_col_text(st, 1), &cy, &cm2) ||
			    gx_month_parse(gx_stmt_col_text(st, 2), &fy, &fm))
				continue;
			int64_t c = (int64_t)fy * 12 + fm - 1 - first_m, k = (int64_t)cy * 12 + cm2 - 1 - ((int64_t)fy * 12 + fm - 1);
			if (c < 0 || c >= months || k < 0 || c + k >= months)
				continue;
			if (cid != cur) {
				cur = cid;
				size[c]++;
			}
			counts[c * months + k]++;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	env_close(&e);
	json_t *cohorts = json_array();
	for (int c = 0; !rc && c < months; c++) {
		json_t *act = json_array(), *rates = json_array();
		for (int k = 0; c + k < months; k++) {
			json_array_append_new(act, json_integer(counts[c * months + k]));
			json_array_append_new(rates, ratio((double)counts[c * months + k], (double)size[c]));
		}
		json_array_append_new(cohorts, json_pack("{s:o, s:I, s:o, s:o}", "cohort", period_label(P_MONTH, first_m + c),
							 "customers", (json_int_t)size[c], "active", act, "retention", rates));
	}
	free(counts);
	free(size);
	if (rc) {
		json_decref(cohorts);
		return rc;
	}
	*out = json_pack("{s:i, s:o, s:s}", "months", months, "cohorts", cohorts, "rule",
			 "cohort: the month of the first purchase (tenant time zone); active[k]: customers of the cohort "
			 "with a purchase k months later; retention[k] = active[k] / customers");
	return 0;
}

/* ---- decline ---------------------------------------------------------------------------------------- */

static json_t *decline_rule(const struct gx_analytics_settings *s)
{
	return json_pack("{s:I, s:I, s:f, s:I, s:s}", "window_days", (json_int_t)s->decline_window_days, "baseline_days",
			 (json_int_t)s->decline_baseline_days, "drop", s->decline_drop, "min_baseline_purchases",
			 (json_int_t)s->decline_min_purchases, "description",
			 "expected = revenue in the baseline (the baseline_days before the recent window, from the first "
			 "purchase if later) x window_days / baseline span; flagged when the baseline has at least "
			 "min_baseline_purchases purchases, spans at least one window, and recent revenue (the last "
			 "window_days) < (1 - drop) x expected");
}

int gx_analytics_decline(struct gx_ctx *ctx, int limit, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, NULL, &e);
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.customer_id, customers.name, customers.code, s.decline_recent, s.decline_expected, "
		"s.last_purchase_at, s.revenue, s.currency, s.segment, s.clv FROM customer_stats s JOIN customers ON "
		"customers.tenant_id = s.tenant_id AND customers.id = s.customer_id WHERE s.tenant_id = ? AND s.customer_id IN "
		"(SELECT customer_id FROM customer_stats WHERE tenant_id = ? AND decline = 1) "
		"AND customers.deleted_at IS NULL%s ORDER BY s.decline_expected - s.decline_recent DESC, s.customer_id", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	json_t *items = json_array();
	int64_t count = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, ctx->tenant_id);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			count++;
			if (count > limit)
				continue;
			int64_t recent = gx_stmt_col_int64(st, 3), expected = gx_stmt_col_int64(st, 4);
			json_array_append_new(items, json_pack("{s:I, s:s?, s:s?, s:I, s:I, s:o, s:s?, s:I, s:s?, s:s?, s:o}",
				"customer_id", (json_int_t)gx_stmt_col_int64(st, 0), "name", gx_stmt_col_text(st, 1), "code",
				gx_stmt_col_text(st, 2), "recent", (json_int_t)recent, "expected", (json_int_t)expected,
				"ratio", ratio((double)recent, (double)expected), "last_purchase_at", gx_stmt_col_text(st, 5),
				"revenue", (json_int_t)gx_stmt_col_int64(st, 6), "currency", gx_stmt_col_text(st, 7), "segment",
				gx_stmt_col_text(st, 8), "clv",
				gx_stmt_col_type(st, 9) == GX_COL_NULL ? json_null() : json_integer(gx_stmt_col_int64(st, 9))));
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	json_t *rule = decline_rule(&e.set);
	env_close(&e);
	if (rc) {
		json_decref(items);
		json_decref(rule);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:o}", "rule", rule, "count", (json_int_t)count, "items", items);
	return 0;
}

/* ---- CLV --------------------------------------------------------------------------------------------- */

static int latest_fit(struct env *e, bool ok_only, json_t **out)
{
	*out = json_null();
	struct gx_stmt *st;
	int rc = gx_conn_prepare(e->c, ok_only
		? "SELECT id, fitted_at, cutoff, time_unit, n_customers, n_repeaters, status, error, r, alpha, a, b, "
		  "bgnbd_loglik, gg_p, gg_q, gg_v, gg_loglik, gg_n FROM clv_fits WHERE tenant_id = ? AND currency = ? "
		  "AND status = 'ok' ORDER BY id DESC LIMIT 1"
		: "SELECT id, fitted_at, cutoff, time_unit, n_customers, n_repeaters, status, error, r, alpha, a, b, "
		  "bgnbd_loglik, gg_p, gg_q, gg_v, gg_loglik, gg_n FROM clv_fits WHERE tenant_id = ? AND currency = ? "
		  "ORDER BY id DESC LIMIT 1", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, e->ctx->tenant_id);
	gx_stmt_bind_str(st, 2, e->currency);
	if (gx_stmt_step(st) == GX_ROW) {
		json_t *f = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s?}", "id", (json_int_t)gx_stmt_col_int64(st, 0),
				      "fitted_at", gx_stmt_col_text(st, 1), "cutoff", gx_stmt_col_text(st, 2), "time_unit",
				      gx_stmt_col_text(st, 3), "n_customers", (json_int_t)gx_stmt_col_int64(st, 4),
				      "n_repeaters", (json_int_t)gx_stmt_col_int64(st, 5), "status", gx_stmt_col_text(st, 6),
				      "error", gx_stmt_col_text(st, 7));
		if (gx_stmt_col_type(st, 8) != GX_COL_NULL)
			json_object_set_new(f, "bgnbd", json_pack("{s:f, s:f, s:f, s:f, s:f}", "r", gx_stmt_col_double(st, 8),
								  "alpha", gx_stmt_col_double(st, 9), "a",
								  gx_stmt_col_double(st, 10), "b", gx_stmt_col_double(st, 11),
								  "loglik", gx_stmt_col_double(st, 12)));
		json_object_set_new(f, "gamma_gamma", gx_stmt_col_type(st, 13) == GX_COL_NULL ? json_null()
			: json_pack("{s:f, s:f, s:f, s:f, s:I}", "p", gx_stmt_col_double(st, 13), "q", gx_stmt_col_double(st, 14),
				    "v", gx_stmt_col_double(st, 15), "loglik", gx_stmt_col_double(st, 16), "n",
				    (json_int_t)gx_stmt_col_int64(st, 17)));
		json_decref(*out);
		*out = f;
	}
	gx_stmt_reset(st);
	return 0;
}

int gx_analytics_clv(struct gx_ctx *ctx, const char *currency, int limit, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, currency, &e);
	json_t *fit = NULL, *last = NULL, *top = json_array();
	if (!rc)
		rc = latest_fit(&e, true, &fit);
	if (!rc)
		rc = latest_fit(&e, false, &last);
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.customer_id, customers.name, customers.code, s.clv, s.p_alive, s.expected_purchases, "
		"s.expected_spend, s.revenue, s.segment FROM customer_stats s JOIN customers ON customers.tenant_id = "
		"s.tenant_id AND customers.id = s.customer_id WHERE s.tenant_id = ? AND s.currency = ? AND "
		"s.p_alive IS NOT NULL AND customers.deleted_at IS NULL%s ORDER BY s.clv DESC, s.customer_id", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	int64_t n = 0, with_clv = 0;
	double total_clv = 0, total_pa = 0, total_ey = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e.currency);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			n++;
			bool has_clv = gx_stmt_col_type(st, 3) != GX_COL_NULL;
			if (has_clv) {
				with_clv++;
				total_clv += (double)gx_stmt_col_int64(st, 3);
			}
			total_pa += gx_stmt_col_double(st, 4);
			total_ey += gx_stmt_col_double(st, 5);
			if (n <= limit)
				json_array_append_new(top, json_pack("{s:I, s:s?, s:s?, s:o, s:f, s:f, s:o, s:I, s:s?}",
					"customer_id", (json_int_t)gx_stmt_col_int64(st, 0), "name", gx_stmt_col_text(st, 1),
					"code", gx_stmt_col_text(st, 2), "clv",
					has_clv ? json_integer(gx_stmt_col_int64(st, 3)) : json_null(), "p_alive",
					gx_stmt_col_double(st, 4), "expected_purchases", gx_stmt_col_double(st, 5),
					"expected_spend", gx_stmt_col_type(st, 6) == GX_COL_NULL ? json_null()
											: json_real(gx_stmt_col_double(st, 6)),
					"revenue", (json_int_t)gx_stmt_col_int64(st, 7), "segment", gx_stmt_col_text(st, 8)));
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	struct gx_analytics_settings set = e.set;
	env_close(&e);
	if (rc) {
		json_decref(fit);
		json_decref(last);
		json_decref(top);
		return rc;
	}
	*out = json_pack("{s:s, s:o, s:o, s:{s:I, s:I, s:f}, s:{s:I, s:I, s:I, s:o, s:o, s:o}, s:o}", "currency", e.currency,
			 "fit", fit, "last_attempt", last, "options", "prediction_days", (json_int_t)set.clv_prediction_days,
			 "horizon_months", (json_int_t)set.clv_horizon_months, "annual_discount_rate", set.clv_discount_rate,
			 "summary", "customers", (json_int_t)n, "with_clv", (json_int_t)with_clv, "total_clv",
			 (json_int_t)llround(total_clv), "mean_clv", ratio(total_clv, (double)with_clv), "mean_p_alive",
			 ratio(total_pa, (double)n), "expected_purchases", n ? json_real(total_ey) : json_real(0), "top", top);
	return 0;
}

/* ---- balanced scorecard ------------------------------------------------------------------------------- */

int gx_analytics_scorecard(struct gx_ctx *ctx, const char *currency, json_t **out)
{
	*out = NULL;
	struct env e;
	int rc = env_open(ctx, currency, &e);
	/* one pass over the visible statistics */
	int64_t n = 0, buyers = 0, repeaters = 0, revenue = 0, margin = 0, cts = 0, profitable = 0, with_clv = 0,
		activities = 0, contacted = 0, declining = 0, breadth = 0, single = 0, broad = 0, none = 0, high = 0,
		high_profit = 0, scored_alive = 0;
	double clv_sum = 0, alive_sum = 0, sat_sum = 0;
	int64_t sat_n = 0;
	char contact_from[40];
	gx_time_iso(e.now_ms - 90 * DAY_MS, contact_from, sizeof contact_from);
	struct gx_stmt *st;
	char *sql = rc ? NULL : with_vis(ctx,
		"SELECT s.purchase_count, s.revenue, s.gross_margin, s.cost_to_serve, s.clv, s.activity_count, "
		"s.last_contact_at, s.decline, s.relationship_breadth, s.tier, s.satisfaction, s.p_alive, s.currency "
		"FROM customer_stats s JOIN customers ON customers.tenant_id = s.tenant_id AND customers.id = s.customer_id "
		"WHERE s.tenant_id = ? AND (s.currency = ? OR s.currency IS NULL) AND customers.deleted_at IS NULL%s", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e.currency);
		bind_vis(st, 3, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			n++;
			int64_t pc = gx_stmt_col_int64(st, 0), mg = gx_stmt_col_int64(st, 2), ct = gx_stmt_col_int64(st, 3);
			buyers += pc > 0;
			repeaters += pc > 1;
			revenue += gx_stmt_col_int64(st, 1);
			margin += mg;
			cts += ct;
			if (gx_stmt_col_int64(st, 1) != 0 || ct != 0)
				profitable += mg - ct > 0;
			if (gx_stmt_col_type(st, 4) != GX_COL_NULL) {
				with_clv++;
				clv_sum += (double)gx_stmt_col_int64(st, 4);
			}
			activities += gx_stmt_col_int64(st, 5);
			const char *lc = gx_stmt_col_text(st, 6);
			contacted += lc && strcmp(lc, contact_from) >= 0;
			declining += gx_stmt_col_int64(st, 7) != 0;
			int64_t b = gx_stmt_col_int64(st, 8);
			breadth += b;
			single += b == 1;
			broad += b >= 4;
			none += b == 0;
			const char *tier = gx_stmt_col_text(st, 9);
			if (tier && strcmp(tier, "highly_profitable") == 0) {
				high++;
				high_profit += mg - ct;
			}
			if (gx_stmt_col_type(st, 10) != GX_COL_NULL) {
				sat_n++;
				sat_sum += gx_stmt_col_double(st, 10);
			}
			if (gx_stmt_col_type(st, 11) != GX_COL_NULL) {
				scored_alive++;
				alive_sum += gx_stmt_col_double(st, 11);
			}
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	/* revenue and annual retention from the monthly summaries: the last 12
	 * months against the 12 before */
	int y, m, d;
	gx_day_civil(e.today, &y, &m, &d);
	int64_t now_m = (int64_t)y * 12 + m - 1;
	char m12[16], m24[16];
	snprintf(m12, sizeof m12, "%04lld-%02lld", (long long)((now_m - 11) / 12), (long long)((now_m - 11) % 12 + 1));
	snprintf(m24, sizeof m24, "%04lld-%02lld", (long long)((now_m - 23) / 12), (long long)((now_m - 23) % 12 + 1));
	int64_t rev12 = 0, rev_prev = 0, active12 = 0, active_prev = 0, retained = 0, new12 = 0;
	sql = rc ? NULL : with_vis(ctx,
		"SELECT cm.customer_id, sum(CASE WHEN cm.month >= ? THEN cm.revenue ELSE 0 END), "
		"sum(CASE WHEN cm.month < ? THEN cm.revenue ELSE 0 END), "
		"max(CASE WHEN cm.month >= ? AND cm.purchases > 0 THEN 1 ELSE 0 END), "
		"max(CASE WHEN cm.month < ? AND cm.purchases > 0 THEN 1 ELSE 0 END), max(s.first_purchase_month) "
		"FROM customer_months cm JOIN customer_stats s ON s.tenant_id = cm.tenant_id AND s.customer_id = cm.customer_id "
		"JOIN customers ON customers.tenant_id = cm.tenant_id AND customers.id = cm.customer_id WHERE cm.tenant_id = ? "
		"AND cm.month >= ? AND s.currency = ? AND customers.deleted_at IS NULL%s GROUP BY cm.customer_id", &e.vis);
	if (!rc)
		rc = sql ? gx_conn_prepare(e.c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		int k = 1;
		for (int i = 0; i < 4; i++)
			gx_stmt_bind_str(st, k++, m12);
		gx_stmt_bind_int64(st, k++, ctx->tenant_id);
		gx_stmt_bind_str(st, k++, m24);
		gx_stmt_bind_str(st, k++, e.currency);
		bind_vis(st, k, &e.vis);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			rev12 += gx_stmt_col_int64(st, 1);
			rev_prev += gx_stmt_col_int64(st, 2);
			bool now_active = gx_stmt_col_int64(st, 3) != 0, was_active = gx_stmt_col_int64(st, 4) != 0;
			active12 += now_active;
			active_prev += was_active;
			retained += now_active && was_active;
			const char *fpm = gx_stmt_col_text(st, 5);
			new12 += fpm && strcmp(fpm, m12) >= 0;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	char fit_at[40] = "";
	if (!rc) {
		json_t *fit = NULL;
		rc = latest_fit(&e, true, &fit);
		if (json_is_object(fit))
			snprintf(fit_at, sizeof fit_at, "%s", json_string_value(json_object_get(fit, "fitted_at")));
		json_decref(fit);
	}
	env_close(&e);
	if (rc)
		return rc;
	json_t *retention = ratio((double)retained, (double)active_prev);
	json_t *attrition = active_prev > 0 ? json_real(1.0 - (double)retained / (double)active_prev) : json_null();
	json_t *repeat_rate = ratio((double)repeaters, (double)buyers);
	json_t *satisfaction = sat_n ? json_real(sat_sum / (double)sat_n) : json_null();
	json_t *financial = json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:I}",
		"revenue_12m", (json_int_t)rev12, "revenue_prior_12m", (json_int_t)rev_prev, "revenue_growth",
		rev_prev > 0 ? json_real((double)(rev12 - rev_prev) / (double)rev_prev) : json_null(),
		"revenue", (json_int_t)revenue, "gross_margin", (json_int_t)margin, "profit", (json_int_t)(margin - cts),
		"profit_per_customer", ratio((double)(margin - cts), (double)n), "profitable_share",
		ratio((double)profitable, (double)n), "highly_profitable_profit_share",
		ratio((double)high_profit, (double)(margin - cts)), "highly_profitable_customers", (json_int_t)high);
	json_t *customer = json_pack("{s:I, s:I, s:I, s:O, s:O, s:O, s:o, s:o, s:o}",
		"customers", (json_int_t)n, "active_12m", (json_int_t)active12, "new_12m", (json_int_t)new12,
		"retention_rate_12m", retention, "attrition_rate_12m", attrition, "repeat_purchase_rate", repeat_rate,
		"mean_clv", ratio(clv_sum, (double)with_clv), "mean_p_alive", ratio(alive_sum, (double)scored_alive),
		"satisfaction", json_incref(satisfaction));
	json_t *process = json_pack("{s:I, s:I, s:o, s:o, s:I, s:o}",
		"activities", (json_int_t)activities, "cost_to_serve", (json_int_t)cts, "cost_to_serve_share_of_margin",
		ratio((double)cts, (double)margin), "contacted_90d_share", ratio((double)contacted, (double)n),
		"declining_customers", (json_int_t)declining, "declining_share", ratio((double)declining, (double)buyers));
	json_t *learning = json_pack("{s:o, s:o, s:o, s:o, s:s?}",
		"mean_relationship_breadth", ratio((double)breadth, (double)n), "single_person_share",
		ratio((double)single, (double)n), "broad_team_share", ratio((double)broad, (double)n), "no_team_share",
		ratio((double)none, (double)n), "clv_model_fitted_at", *fit_at ? fit_at : NULL);
	json_t *kpis = json_pack("[{s:s, s:s, s:o, s:s}, {s:s, s:s, s:o, s:s}, {s:s, s:s, s:O, s:O, s:s}, "
				 "{s:s, s:s, s:O, s:s}, {s:s, s:s, s:O, s:s}]",
		"kpi", "customer_profitability", "perspective", "financial", "value",
		ratio((double)(margin - cts), (double)n), "definition", "mean profit per customer: gross margin - cost to serve",
		"kpi", "lifetime_value", "perspective", "customer", "value", ratio(clv_sum, (double)with_clv), "definition",
		"mean predictive CLV (BG/NBD + Gamma-Gamma, discounted)",
		"kpi", "retention", "perspective", "customer", "retention_rate", retention, "attrition_rate", attrition,
		"definition", "customers buying in the last 12 months among those who bought in the 12 before",
		"kpi", "satisfaction", "perspective", "customer", "value", satisfaction, "definition",
		sat_n ? "mean latest satisfaction of the customers with a rating"
		      : "mean latest satisfaction: no survey data yet",
		"kpi", "loyalty", "perspective", "customer", "value", repeat_rate, "definition",
		"repeat-purchase rate: customers with two or more purchase days among buyers");
	json_decref(retention);
	json_decref(attrition);
	json_decref(repeat_rate);
	json_decref(satisfaction);
	if (!kpis) {
		json_decref(financial);
		json_decref(customer);
		json_decref(process);
		json_decref(learning);
		return GX_ENOMEM;
	}
	*out = json_pack("{s:s, s:{s:o, s:o, s:o, s:o}, s:o}", "currency", e.currency, "perspectives", "financial",
			 financial, "customer", customer, "internal_process", process, "learning_and_growth", learning,
			 "kpis", kpis);
	return 0;
}

/* ---- one customer ------------------------------------------------------------------------------------ */

/* A product the customer owns: its other buyers (0: none). */
struct rec_own {
	const char *product;
	int64_t others;
};

/* A candidate: a product bought with one the customer owns. */
struct rec_cand {
	const char *product, *category;
	int64_t buyers; /* customers who own it (0: none) */
	double score;
	int64_t co;
	size_t *because; /* indexes into the owned products, in their order */
	int64_t *cnt;    /* co-buyers of each of those and this one */
	size_t nb, cb;
};

/* A map from product names to indexes for the next-best products: open
 * addressing in the request's arena. jansson objects cost a tenth of an
 * insights request here (two lookups for each of ~800 pair rows). The keys
 * are not copied: they must live as long as the map. */
struct smap {
	const char **key;
	size_t *val;
	size_t n, mask;
	struct gx_arena *ar;
};

static size_t smap_slot(const struct smap *m, const char *k)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	size_t i = (size_t)h & m->mask;
	while (m->key[i] && strcmp(m->key[i], k) != 0)
		i = (i + 1) & m->mask;
	return i;
}

static int smap_init(struct smap *m, struct gx_arena *ar, size_t size)
{
	m->ar = ar;
	m->n = 0;
	m->mask = size - 1;
	m->key = gx_arena_alloc(ar, size * sizeof *m->key);
	m->val = gx_arena_alloc(ar, size * sizeof *m->val);
	if (!m->key || !m->val)
		return GX_ENOMEM;
	memset(m->key, 0, size * sizeof *m->key);
	return 0;
}

/* The index stored for k, or SIZE_MAX. */
static size_t smap_get(const struct smap *m, const char *k)
{
	size_t i = smap_slot(m, k);
	return m->key[i] ? m->val[i] : SIZE_MAX;
}

/* Stores k -> v (k not yet in the map); grows at half full. */
static int smap_put(struct smap *m, const char *k, size_t v)
{
	if (2 * (m->n + 1) > m->mask + 1) {
		struct smap old = *m;
		int rc = smap_init(m, m->ar, 2 * (old.mask + 1));
		if (rc)
			return rc;
		for (size_t i = 0; i <= old.mask; i++)
			if (old.key[i]) {
				size_t j = smap_slot(m, old.key[i]);
				m->key[j] = old.key[i];
				m->val[j] = old.val[i];
				m->n++;
			}
	}
	size_t i = smap_slot(m, k);
	m->key[i] = k;
	m->val[i] = v;
	m->n++;
	return 0;
}

/* Candidates whose buyers one statement of the next-best products looks up
 * (product IN (...)); unused places repeat the first. */
#define REC_LOOKUP 32

/* best first: score, then co-buyers, then name */
static int by_rec(const void *x, const void *y)
{
	const struct rec_cand *a = x, *b = y;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->co != b->co)
		return a->co < b->co ? 1 : -1;
	return strcmp(a->product, b->product);
}

int gx_analytics_recommend(struct gx_ctx *ctx, struct gx_conn *c, int64_t customer_id, int limit, json_t **out)
{
	*out = NULL;
	struct gx_arena *ar = ctx->arena;
	/* what the customer owns, with how many others own each (product_buyers
	 * counts the customer itself) */
	struct rec_own *own = NULL;
	size_t nown = 0, cown = 0;
	struct smap owned; /* product -> index in own */
	struct gx_stmt *st;
	int rc = smap_init(&owned, ar, 64) ? GX_ENOMEM : gx_conn_prepare(c, "SELECT cp.product, pb.customers FROM customer_products cp LEFT JOIN product_buyers pb "
					    "ON pb.tenant_id = cp.tenant_id AND pb.product = cp.product WHERE cp.tenant_id = ? AND "
					    "cp.customer_id = ? AND cp.purchases > 0 ORDER BY cp.product", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, customer_id);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (nown == cown) {
				size_t cap = cown ? cown * 2 : 16;
				struct rec_own *v = realloc(own, cap * sizeof *v);
				if (!v) {
					rc = GX_ENOMEM;
					break;
				}
				own = v;
				cown = cap;
			}
			const char *p = gx_arena_strdup(ar, gx_stmt_col_text(st, 0));
			if (!p) {
				rc = GX_ENOMEM;
				break;
			}
			int64_t others = gx_stmt_col_type(st, 1) == GX_COL_NULL ? 0 : gx_stmt_col_int64(st, 1) - 1;
			own[nown] = (struct rec_own){p, others > 0 ? others : 0};
			if (smap_put(&owned, p, nown)) {
				rc = GX_ENOMEM;
				break;
			}
			nown++;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	/* co-purchases from the kept pairs (0007): for each product the customer
	 * owns, the others' products bought with it, with how many own those. A
	 * pair (p, q) with q not owned counts only other customers, as the
	 * definition wants. The buyers of each candidate are looked up once
	 * afterwards (REC_LOOKUP at a time), not joined to every pair row: a
	 * customer with 7 products reads ~800 pair rows for ~120 candidates. */
	struct rec_cand *cand = NULL;
	size_t ncand = 0, ccand = 0;
	struct smap cidx; /* product -> index in cand */
	if (!rc && smap_init(&cidx, ar, 256))
		rc = GX_ENOMEM;
	for (size_t i = 0; !rc && i < nown; i++) {
		rc = gx_conn_prepare(c, "SELECT other, customers FROM product_pairs WHERE tenant_id = ? AND product = ? "
					"AND customers > 0", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, own[i].product);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			const char *q = gx_stmt_col_text(st, 0);
			if (smap_get(&owned, q) != SIZE_MAX)
				continue;
			size_t hit = smap_get(&cidx, q);
			struct rec_cand *e;
			if (hit != SIZE_MAX) {
				e = &cand[hit];
			} else {
				if (ncand == ccand) {
					size_t cap = ccand ? ccand * 2 : 64;
					struct rec_cand *v = realloc(cand, cap * sizeof *v);
					if (!v) {
						rc = GX_ENOMEM;
						break;
					}
					cand = v;
					ccand = cap;
				}
				e = &cand[ncand];
				memset(e, 0, sizeof *e);
				e->product = gx_arena_strdup(ar, q);
				if (!e->product) {
					rc = GX_ENOMEM;
					break;
				}
				if (smap_put(&cidx, e->product, ncand)) {
					rc = GX_ENOMEM;
					break;
				}
				ncand++;
			}
			if (e->nb == e->cb) {
				size_t cap = e->cb ? e->cb * 2 : 4;
				size_t *v = gx_arena_alloc(ar, cap * sizeof *v);
				int64_t *w = gx_arena_alloc(ar, cap * sizeof *w);
				if (!v || !w) {
					rc = GX_ENOMEM;
					break;
				}
				if (e->nb) {
					memcpy(v, e->because, e->nb * sizeof *v);
					memcpy(w, e->cnt, e->nb * sizeof *w);
				}
				e->because = v;
				e->cnt = w;
				e->cb = cap;
			}
			e->because[e->nb] = i;
			e->cnt[e->nb++] = gx_stmt_col_int64(st, 1);
			e->co += gx_stmt_col_int64(st, 1);
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	for (size_t at = 0; !rc && at < ncand; at += REC_LOOKUP) {
		rc = gx_conn_prepare(c, "SELECT product, customers, category FROM product_buyers WHERE tenant_id = ? AND product "
					"IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				     &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		for (size_t k = 0; k < REC_LOOKUP; k++)
			gx_stmt_bind_str(st, (int)k + 2, cand[at + k < ncand ? at + k : at].product);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			size_t hit = gx_stmt_col_text(st, 0) ? smap_get(&cidx, gx_stmt_col_text(st, 0)) : SIZE_MAX;
			int64_t buyers = gx_stmt_col_type(st, 1) == GX_COL_NULL ? 0 : gx_stmt_col_int64(st, 1);
			if (hit == SIZE_MAX || buyers <= 0)
				continue;
			struct rec_cand *e = &cand[hit];
			e->buyers = buyers;
			if (gx_stmt_col_text(st, 2) && !(e->category = gx_arena_strdup(ar, gx_stmt_col_text(st, 2)))) {
				rc = GX_ENOMEM;
				break;
			}
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	/* the cosine: co-buyers / sqrt(others owning p * owners of q), summed
	 * over the owned products p in their order */
	for (size_t j = 0; !rc && j < ncand; j++) {
		struct rec_cand *e = &cand[j];
		for (size_t k = 0; k < e->nb; k++) {
			double np = (double)own[e->because[k]].others, nq = (double)e->buyers;
			if (np > 0 && nq > 0)
				e->score += (double)e->cnt[k] / sqrt(np * nq);
		}
	}
	json_t *items = rc ? NULL : json_array();
	if (!rc && !items)
		rc = GX_ENOMEM;
	if (!rc && ncand)
		qsort(cand, ncand, sizeof *cand, by_rec);
	for (size_t i = 0; !rc && i < ncand && i < (size_t)limit; i++) {
		const struct rec_cand *e = &cand[i];
		json_t *because = json_array();
		for (size_t k = 0; because && k < e->nb; k++)
			json_array_append_new(because, json_string(own[e->because[k]].product));
		json_t *it = because ? json_pack("{s:s, s:s?, s:f, s:I, s:o}", "product", e->product, "category", e->category,
						 "score", e->score, "co_customers", (json_int_t)e->co, "because", because)
				     : NULL;
		if (!it || json_array_append_new(items, it))
			rc = GX_ENOMEM;
	}
	free(own);
	free(cand);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = items;
	return 0;
}

int gx_analytics_insights(struct gx_ctx *ctx, int64_t customer_id, json_t **out)
{
	*out = NULL;
	json_t *cust = NULL;
	struct env e;
	int rc = env_open(ctx, NULL, &e);
	/* one read transaction: one snapshot, and one lock of the WAL instead
	 * of one per statement (a hundred: a tenth of the request's time) */
	if (!rc)
		rc = gx_conn_begin(e.c);
	if (!rc)
		rc = gx_entity_get_conn(ctx, e.c, &gx_customers_entity, customer_id, false, &cust);
	if (rc) {
		env_close(&e);
		return rc;
	}
	json_t *stats = NULL;
	struct gx_stmt *st;
	rc = gx_conn_prepare(e.c, "SELECT * FROM customer_stats WHERE tenant_id = ? AND customer_id = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, customer_id);
		if ((rc = gx_stmt_step(st)) == GX_ROW)
			stats = gx_entity_row_json(NULL, st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc && stats) {
		json_object_del(stats, "tenant_id");
		/* the reals the generic row reader gives as text */
		static const char *const reals[] = {"p_alive", "expected_purchases", "expected_spend", "satisfaction"};
		for (size_t i = 0; i < 4; i++) {
			json_t *v = json_object_get(stats, reals[i]);
			if (json_is_string(v))
				json_object_set_new(stats, reals[i], json_real(strtod(json_string_value(v), NULL)));
		}
	}
	json_t *monthly = json_array(), *products = json_array(), *recs = NULL, *fit = NULL;
	if (!rc) {
		int y, m, d;
		gx_day_civil(e.today, &y, &m, &d);
		int64_t from_m = (int64_t)y * 12 + m - 1 - 11;
		char from[16];
		snprintf(from, sizeof from, "%04lld-%02lld", (long long)(from_m / 12), (long long)(from_m % 12 + 1));
		rc = gx_conn_prepare(e.c, "SELECT month, revenue, purchases, transactions FROM customer_months WHERE tenant_id = ? "
					  "AND customer_id = ? AND month >= ? ORDER BY month", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, ctx->tenant_id);
			gx_stmt_bind_int64(st, 2, customer_id);
			gx_stmt_bind_str(st, 3, from);
			while (gx_stmt_step(st) == GX_ROW)
				json_array_append_new(monthly, json_pack("{s:s, s:I, s:I, s:I}", "month", gx_stmt_col_text(st, 0),
									 "revenue", (json_int_t)gx_stmt_col_int64(st, 1), "purchases",
									 (json_int_t)gx_stmt_col_int64(st, 2), "transactions",
									 (json_int_t)gx_stmt_col_int64(st, 3)));
			gx_stmt_reset(st);
		}
	}
	if (!rc) {
		rc = gx_conn_prepare(e.c, "SELECT product, category, quantity, revenue, purchases, last_at FROM customer_products "
					  "WHERE tenant_id = ? AND customer_id = ? ORDER BY revenue DESC, product LIMIT 20", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, ctx->tenant_id);
			gx_stmt_bind_int64(st, 2, customer_id);
			while (gx_stmt_step(st) == GX_ROW)
				json_array_append_new(products, json_pack("{s:s, s:s?, s:I, s:I, s:I, s:s?}", "product",
					gx_stmt_col_text(st, 0), "category", gx_stmt_col_text(st, 1), "quantity",
					(json_int_t)gx_stmt_col_int64(st, 2), "revenue", (json_int_t)gx_stmt_col_int64(st, 3),
					"purchases", (json_int_t)gx_stmt_col_int64(st, 4), "last_at", gx_stmt_col_text(st, 5)));
			gx_stmt_reset(st);
		}
	}
	if (!rc)
		rc = gx_analytics_recommend(ctx, e.c, customer_id, 5, &recs);
	if (!rc && stats && json_is_string(json_object_get(stats, "currency"))) {
		snprintf(e.currency, sizeof e.currency, "%s", json_string_value(json_object_get(stats, "currency")));
		rc = latest_fit(&e, true, &fit);
	}
	struct gx_analytics_settings set = e.set;
	env_close(&e);
	if (rc) {
		json_decref(cust);
		json_decref(stats);
		json_decref(monthly);
		json_decref(products);
		json_decref(recs);
		json_decref(fit);
		return rc;
	}
	json_t *s = stats ? stats : json_object();
	const char *segment = json_string_value(json_object_get(s, "segment"));
	const char *tier = json_string_value(json_object_get(s, "tier"));
	json_t *rfm = json_is_integer(json_object_get(s, "r_score"))
		? json_pack("{s:O, s:O, s:O, s:O, s:s?, s:o}", "r", json_object_get(s, "r_score"), "f",
			    json_object_get(s, "f_score"), "m", json_object_get(s, "m_score"), "cell",
			    json_object_get(s, "rfm_cell"), "segment", segment, "label", gx_analytics_segment_label(segment))
		: json_null();
	int64_t margin = json_integer_value(json_object_get(s, "gross_margin"));
	int64_t cts = json_integer_value(json_object_get(s, "cost_to_serve"));
	json_t *tier_j = json_pack("{s:s?, s:o, s:I, s:I, s:I}", "tier", tier, "label", gx_analytics_tier_label(tier),
				   "profit", (json_int_t)(margin - cts), "gross_margin", (json_int_t)margin,
				   "cost_to_serve", (json_int_t)cts);
	json_t *pa = json_object_get(s, "p_alive");
	json_t *clv = json_pack("{s:O, s:O, s:I, s:O, s:O, s:I, s:f, s:o}", "p_alive", pa ? pa : json_null(),
				"expected_purchases", json_object_get(s, "expected_purchases") ? json_object_get(s, "expected_purchases") : json_null(),
				"prediction_days", (json_int_t)set.clv_prediction_days, "expected_spend",
				json_object_get(s, "expected_spend") ? json_object_get(s, "expected_spend") : json_null(),
				"clv", json_object_get(s, "clv") ? json_object_get(s, "clv") : json_null(), "horizon_months",
				(json_int_t)set.clv_horizon_months, "annual_discount_rate", set.clv_discount_rate, "fit",
				fit ? fit : json_null());
	json_t *recent = json_object_get(s, "decline_recent"), *expected = json_object_get(s, "decline_expected");
	json_t *decline = json_pack("{s:b, s:O, s:O, s:o, s:o}", "flag", json_integer_value(json_object_get(s, "decline")) != 0,
				    "recent", recent ? recent : json_null(), "expected", expected ? expected : json_null(),
				    "ratio", json_is_integer(expected) && json_integer_value(expected) > 0
						     ? json_real((double)json_integer_value(recent) / (double)json_integer_value(expected))
						     : json_null(),
				    "rule", decline_rule(&set));
	*out = json_pack("{s:{s:O, s:O, s:O}, s:O, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O}", "customer", "id",
			 json_object_get(cust, "id"), "code", json_object_get(cust, "code"), "name",
			 json_object_get(cust, "name"), "stats", s, "rfm", rfm, "tier", tier_j, "clv", clv, "decline",
			 decline, "monthly", monthly, "products", products, "recommendations", recs, "scored_at",
			 json_object_get(s, "scored_at") ? json_object_get(s, "scored_at") : json_null());
	json_decref(s);
	json_decref(cust);
	return *out ? 0 : GX_ENOMEM;
}

int gx_analytics_attach(struct gx_ctx *ctx, json_t *items)
{
	size_t n = json_array_size(items);
	if (!n)
		return 0;
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < n; i++) {
		json_t *it = json_array_get(items, i);
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT currency, revenue, purchase_count, last_purchase_at, segment, rfm_cell, tier, "
					"clv, p_alive, decline, gross_margin - cost_to_serve FROM customer_stats "
					"WHERE tenant_id = ? AND customer_id = ?", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, json_integer_value(json_object_get(it, "id")));
		json_t *a = json_null();
		if (gx_stmt_step(st) == GX_ROW)
			a = json_pack("{s:s?, s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:b, s:I}", "currency",
				      gx_stmt_col_text(st, 0), "revenue", (json_int_t)gx_stmt_col_int64(st, 1), "purchase_count",
				      (json_int_t)gx_stmt_col_int64(st, 2), "last_purchase_at", gx_stmt_col_text(st, 3), "segment",
				      gx_stmt_col_text(st, 4), "rfm_cell", gx_stmt_col_text(st, 5), "tier", gx_stmt_col_text(st, 6),
				      "clv", gx_stmt_col_type(st, 7) == GX_COL_NULL ? json_null() : json_integer(gx_stmt_col_int64(st, 7)),
				      "p_alive", gx_stmt_col_type(st, 8) == GX_COL_NULL ? json_null() : json_real(gx_stmt_col_double(st, 8)),
				      "decline", gx_stmt_col_int64(st, 9) != 0, "profit", (json_int_t)gx_stmt_col_int64(st, 10));
		gx_stmt_reset(st);
		json_object_set_new(it, "analytics", a ? a : json_null());
	}
	gx_store_release(c);
	return rc;
}

/* ---- customer-list filters ------------------------------------------------------------------------ */

static int add_condition(struct gx_arena *a, struct gx_list_query *q, const char *cond)
{
	const char *exists = gx_arena_printf(a, "EXISTS (SELECT 1 FROM customer_stats cs WHERE cs.tenant_id = "
						"customers.tenant_id AND cs.customer_id = customers.id AND %s)", cond);
	q->extra_where = exists && q->extra_where ? gx_arena_printf(a, "(%s) AND %s", q->extra_where, exists) : exists;
	return q->extra_where ? 1 : GX_ENOMEM;
}

/* A comma-separated list of keys from `allowed` as a quoted SQL list (the
 * literals come from the table, never from the input). */
static char *key_list(struct gx_arena *a, const char *value, const char *const *allowed, int n)
{
	char *outs = gx_arena_strdup(a, "");
	int count = 0;
	for (const char *p = value; outs && *p;) {
		size_t len = strcspn(p, ",");
		int hit = -1;
		for (int i = 0; i < n; i++)
			if (strlen(allowed[i]) == len && strncmp(allowed[i], p, len) == 0)
				hit = i;
		if (hit < 0)
			return NULL;
		outs = gx_arena_printf(a, "%s%s'%s'", outs, count++ ? ", " : "", allowed[hit]);
		p += len + (p[len] == ',');
	}
	return count ? outs : NULL;
}

int gx_analytics_list_param(struct gx_arena *a, struct gx_list_query *q, const char *key, const char *value,
			    struct gx_errors *errs)
{
	if (strcmp(key, "segment") == 0 || strcmp(key, "tier") == 0) {
		bool seg = key[0] == 's';
		char *list = key_list(a, value, seg ? segment_order : tier_order, seg ? NSEGMENTS : NTIERS);
		if (!list) {
			gx_errors_add(errs, key, "invalid_option", seg ? "segment is one or more (comma-separated) of champions, loyal, "
						   "potential_loyalists, new, promising, need_attention, about_to_sleep, at_risk, "
						   "cannot_lose, hibernating, lost"
						 : "tier is one or more (comma-separated) of highly_profitable, break_even, "
						   "unprofitable, resource_draining");
			return GX_EINVAL;
		}
		return add_condition(a, q, gx_arena_printf(a, "cs.%s IN (%s)", key, list));
	}
	if (strcmp(key, "rfm") == 0) {
		if (strlen(value) != 3 || value[0] < '1' || value[0] > '5' || value[1] < '1' || value[1] > '5' ||
		    value[2] < '1' || value[2] > '5') {
			gx_errors_add(errs, key, "invalid_format", "rfm is a cell of three scores 1-5, e.g. 545");
			return GX_EINVAL;
		}
		return add_condition(a, q, gx_arena_printf(a, "cs.rfm_cell = '%c%c%c'", value[0], value[1], value[2]));
	}
	if (strcmp(key, "min_clv") == 0 || strcmp(key, "max_clv") == 0) {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (!*value || *end || errno) {
			gx_errors_add(errs, key, "invalid_format", "%s is an amount in minor units", key);
			return GX_EINVAL;
		}
		return add_condition(a, q, gx_arena_printf(a, "cs.clv %s %lld", key[1] == 'i' ? ">=" : "<=", v));
	}
	if (strcmp(key, "min_p_alive") == 0 || strcmp(key, "max_p_alive") == 0) {
		char *end;
		double v = strtod(value, &end);
		if (!*value || *end || !(v >= 0 && v <= 1)) {
			gx_errors_add(errs, key, "invalid_format", "%s is a probability from 0 to 1", key);
			return GX_EINVAL;
		}
		return add_condition(a, q, gx_arena_printf(a, "cs.p_alive %s %.9f", key[1] == 'i' ? ">=" : "<=", v));
	}
	if (strcmp(key, "decline") == 0) {
		bool on = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
		if (!on && strcmp(value, "false") != 0 && strcmp(value, "0") != 0) {
			gx_errors_add(errs, key, "type", "decline is true or false");
			return GX_EINVAL;
		}
		return add_condition(a, q, on ? "cs.decline = 1" : "cs.decline = 0");
	}
	return 0;
}
