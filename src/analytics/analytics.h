/* analytics.h — what each customer is worth and who is slipping away (SPEC
 * §8): per-tenant settings, scoring (RFM, profitability tiers, predictive CLV,
 * decline), the stored CLV fit, and the read models behind
 * /api/v1/analytics/... Definitions, formulas and thresholds are in
 * docs/analytics.md. Every read answers only the customers the caller's role
 * may see. */
#ifndef GX_ANALYTICS_ANALYTICS_H
#define GX_ANALYTICS_ANALYTICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"

struct gx_tz;

/* ---- settings --------------------------------------------------------------------- */

struct gx_analytics_settings {
	int64_t tier_high_min;       /* profit >= this: highly profitable (minor units) */
	int64_t tier_break_even_min; /* profit >= this: break-even */
	double tier_drain_ratio;     /* cost to serve > ratio * max(margin, 0): resource-draining */
	int64_t decline_window_days; /* the recent window */
	int64_t decline_baseline_days;
	double decline_drop;         /* flagged when recent < (1 - drop) * expected */
	int64_t decline_min_purchases;
	int64_t clv_horizon_months;
	double clv_discount_rate;    /* effective annual */
	int64_t clv_prediction_days; /* expected purchases stored for this many days */
	int64_t clv_refit_hours;     /* the scheduler refits when the fit is older */
	int64_t score_interval_minutes; /* the scheduler rescores when older */
};

/* The tenant's settings (defaults for unset keys) through c. */
int gx_analytics_settings_load(struct gx_conn *c, int64_t tenant_id, struct gx_analytics_settings *s);
/* *out = the settings as JSON (every key, with its value). */
int gx_analytics_settings_get(struct gx_ctx *ctx, json_t **out);
/* Merges input (known keys with valid values, or null to reset one) into
 * the stored settings and rescores. GX_EINVAL with errs. */
int gx_analytics_settings_put(struct gx_ctx *ctx, const json_t *input, json_t **out,
			      struct gx_errors *errs);

/* ---- scoring ---------------------------------------------------------------------- */

/* Rescores customers ids[0..n) inside c's open write transaction: profit and
 * tier, RFM against the stored quintile thresholds, CLV with the stored fit,
 * decline. */
int gx_analytics_score_customers(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz,
				 const int64_t *ids, size_t n);
/* The full scoring pass of a tenant in its own write transaction: new RFM
 * quintile thresholds per currency, then every customer scored. *summary
 * (may be NULL) = {"customers", "currencies", "scored_at"}. */
int gx_analytics_score_all(struct gx_store *s, int64_t tenant_id, json_t **summary);
/* The same pass inside c's open write transaction (tz: the tenant's zone),
 * for a rebuild that scores before it commits. */
int gx_analytics_score_in(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz, json_t **summary);
/* A customer's statistics as a scoring pass reads them, and the scores it
 * computes (the columns of customer_stats they go to are named alike). */
struct gx_score_row {
	int64_t customer_id;
	char currency[8];          /* "" when none */
	int64_t transaction_count, purchase_count, revenue, purchase_amount, first_day_amount, gross_margin,
		cost_to_serve;
	bool has_first;            /* a first purchase day (and purchase_count > 0) */
	int64_t first_day, last_day, first_ms;
};
struct gx_scores {
	int64_t profit;
	const char *tier;          /* NULL: none */
	int r, f, m;               /* 0: no RFM (then cell and segment are none too) */
	char cell[4];
	const char *segment;
	bool has_bg, has_gg;       /* p_alive and expected_purchases; expected_spend and clv */
	double p_alive, expected_purchases, expected_spend;
	int64_t clv;
	bool decline, has_decline; /* has_decline: decline_recent and decline_expected */
	int64_t decline_recent, decline_expected;
};
/* The full scoring pass of gx_analytics_score_in over rows[0..n) held in
 * memory instead of read from customer_stats (a rebuild, which writes each
 * row once with its scores): the same thresholds (from the rows of live
 * customers; stored in analytics_state) and the same scores, handed to
 * put(u, i, scores, scored_at) for each row in turn; put's error stops the
 * pass and is returned. GX_ENOMEM, GX_EDB. */
int gx_analytics_score_rows(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz,
			    const struct gx_score_row *rows, size_t n,
			    int (*put)(void *u, size_t i, const struct gx_scores *o, const char *scored_at),
			    void *u, json_t **summary);
/* Fits BG/NBD and Gamma-Gamma per currency on the statistics, stores the
 * fits (clv_fits) and runs the full scoring pass. user_id is recorded.
 * *out = {"fits": [...], ...}. */
int gx_analytics_refit(struct gx_store *s, int64_t tenant_id, int64_t user_id, json_t **out);
/* After an import committed: the full scoring pass when many customers
 * changed (many), when a currency has no RFM thresholds yet, or when the
 * customers with purchases grew by a tenth since the last pass; failures are
 * logged (the scheduler catches up). */
void gx_analytics_after_import(struct gx_store *s, int64_t tenant_id, bool many);
/* The periodic job: refit when the newest fit is older than clv_refit_hours,
 * rescore when the last pass is older than score_interval_minutes. */
int gx_analytics_scheduled(struct gx_store *s, int64_t tenant_id);

/* ---- reads (visibility of ctx applied) -------------------------------------------- */

/* currency NULL = the tenant's. */
int gx_analytics_rfm(struct gx_ctx *ctx, const char *currency, json_t **out);
int gx_analytics_tiers(struct gx_ctx *ctx, const char *currency, json_t **out);
int gx_analytics_pareto(struct gx_ctx *ctx, const char *currency, int limit, json_t **out);
/* period: "month", "quarter" or "year"; periods: how many, newest last. */
int gx_analytics_retention(struct gx_ctx *ctx, const char *period, int periods, json_t **out);
int gx_analytics_cohorts(struct gx_ctx *ctx, int months, json_t **out);
int gx_analytics_decline(struct gx_ctx *ctx, int limit, json_t **out);
int gx_analytics_clv(struct gx_ctx *ctx, const char *currency, int limit, json_t **out);
int gx_analytics_scorecard(struct gx_ctx *ctx, const char *currency, json_t **out);
/* Everything for one customer; GX_ENOTFOUND when not visible. */
int gx_analytics_insights(struct gx_ctx *ctx, int64_t customer_id, json_t **out);
/* Next-best products of a customer (item-to-item co-purchase). */
int gx_analytics_recommend(struct gx_ctx *ctx, struct gx_conn *c, int64_t customer_id, int limit,
			   json_t **out);
/* Attaches the statistics of each customer in items (records with "id") as
 * "analytics". */
int gx_analytics_attach(struct gx_ctx *ctx, json_t *items);

/* A customer-list parameter on the analytics: segment, tier, rfm (cell
 * "545"), min_clv, max_clv, min_p_alive, max_p_alive, decline (true/false).
 * Adds a condition to q->extra_where (ANDed with one already there). Returns
 * 1 when handled, 0 when key is not one of them, GX_EINVAL with errs. */
int gx_analytics_list_param(struct gx_arena *a, struct gx_list_query *q, const char *key,
			    const char *value, struct gx_errors *errs);

/* Labels: the segment or tier key's {"zh-CN","zh-TW","en"} (NULL key: null). */
json_t *gx_analytics_segment_label(const char *key);
json_t *gx_analytics_tier_label(const char *key);
/* The profitability tier of a customer (NULL without data). */
const char *gx_analytics_tier(const struct gx_analytics_settings *s, int64_t margin, int64_t cost_to_serve,
			      bool has_data);
/* The named segment of an R and F score (1..5). */
const char *gx_analytics_segment_of(int r, int f);
/* Quintile thresholds of n values (sorted ascending in place): t[k-1] is the
 * largest value of the k-th fifth, k = 1..4. */
void gx_analytics_quintiles(int64_t *v, size_t n, int64_t t[4]);
/* 1..5: one plus the number of thresholds v exceeds. */
int gx_analytics_quintile_score(int64_t v, const int64_t t[4]);

#endif
