/* score.c — analytics settings, and the scores of each customer: profit and
 * profitability tier, RFM quintiles and segment, predictive CLV from the
 * stored BG/NBD + Gamma-Gamma fit, decline warning. Scores are computed per
 * customer at each write and for every customer in the scoring pass. */
#include "analytics/analytics.h"

#include "analytics/calendar.h"
#include "analytics/clv.h"
#include "analytics/stats.h"
#include "core/err.h"
#include "core/id.h"
#include "core/log.h"
#include "core/time.h"
#include "store/store.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL
#define WEEK_DAYS 7.0

/* ---- settings ------------------------------------------------------------------------- */

struct setting {
	const char *name;
	bool real;
	double min, max, def;
	size_t off;
};

#define S_INT(n, lo, hi, d) {#n, false, lo, hi, d, offsetof(struct gx_analytics_settings, n)}
#define S_REAL(n, lo, hi, d) {#n, true, lo, hi, d, offsetof(struct gx_analytics_settings, n)}
static const struct setting settings[] = {
	S_INT(tier_high_min, -1e15, 1e15, 1000000),
	S_INT(tier_break_even_min, -1e15, 1e15, 0),
	S_REAL(tier_drain_ratio, 0, 1000, 2.0),
	S_INT(decline_window_days, 7, 3650, 90),
	S_INT(decline_baseline_days, 7, 7300, 360),
	S_REAL(decline_drop, 0.01, 1, 0.5),
	S_INT(decline_min_purchases, 1, 1000, 4),
	S_INT(clv_horizon_months, 1, 120, 12),
	S_REAL(clv_discount_rate, 0, 1, 0.10),
	S_INT(clv_prediction_days, 1, 3650, 90),
	S_INT(clv_refit_hours, 1, 8760, 24),
	S_INT(score_interval_minutes, 1, 10080, 60),
};
#undef S_INT
#undef S_REAL
#define NSETTINGS (sizeof settings / sizeof settings[0])

static void settings_defaults(struct gx_analytics_settings *s)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		char *p = (char *)s + settings[i].off;
		if (settings[i].real)
			*(double *)p = settings[i].def;
		else
			*(int64_t *)p = (int64_t)settings[i].def;
	}
}

static json_t *settings_stored(struct gx_conn *c, int64_t tenant_id)
{
	struct gx_stmt *st;
	if (gx_conn_prepare(c, "SELECT settings FROM analytics_settings WHERE tenant_id = ?", &st))
		return NULL;
	gx_stmt_bind_int64(st, 1, tenant_id);
	json_t *j = NULL;
	if (gx_stmt_step(st) == GX_ROW && gx_stmt_col_text(st, 0))
		j = json_loads(gx_stmt_col_text(st, 0), 0, NULL);
	gx_stmt_reset(st);
	return json_is_object(j) ? j : (json_decref(j), NULL);
}

static void settings_apply(struct gx_analytics_settings *s, const json_t *j)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		json_t *v = json_object_get(j, settings[i].name);
		if (!json_is_number(v))
			continue;
		char *p = (char *)s + settings[i].off;
		if (settings[i].real)
			*(double *)p = json_number_value(v);
		else if (json_is_integer(v))
			*(int64_t *)p = json_integer_value(v);
	}
}

int gx_analytics_settings_load(struct gx_conn *c, int64_t tenant_id, struct gx_analytics_settings *s)
{
	settings_defaults(s);
	json_t *j = settings_stored(c, tenant_id);
	settings_apply(s, j);
	json_decref(j);
	return 0;
}

static json_t *settings_json(const struct gx_analytics_settings *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *p = (const char *)s + settings[i].off;
		json_object_set_new(o, settings[i].name, settings[i].real ? json_real(*(const double *)p)
									  : json_integer(*(const int64_t *)p));
	}
	return o;
}

int gx_analytics_settings_get(struct gx_ctx *ctx, json_t **out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_analytics_settings s;
	gx_analytics_settings_load(c, ctx->tenant_id, &s);
	gx_store_release(c);
	*out = settings_json(&s);
	return 0;
}

int gx_analytics_settings_put(struct gx_ctx *ctx, const json_t *input, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	if (!json_is_object(input)) {
		gx_errors_add(errs, NULL, "type", "send the settings as a JSON object");
		return GX_EINVAL;
	}
	int bad = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)input, key, v) {
		const struct setting *d = NULL;
		for (size_t i = 0; i < NSETTINGS; i++)
			if (strcmp(settings[i].name, key) == 0)
				d = &settings[i];
		if (!d) {
			gx_errors_add(errs, key, "unknown_field", "%s is not an analytics setting", key);
			bad++;
		} else if (json_is_null(v)) {
			continue; /* back to the default */
		} else if ((d->real ? !json_is_number(v) : !json_is_integer(v)) ||
			   json_number_value(v) < d->min || json_number_value(v) > d->max) {
			gx_errors_add(errs, key, "out_of_range", "%s must be %s from %g to %g", key,
				      d->real ? "a number" : "a whole number", d->min, d->max);
			bad++;
		}
	}
	if (bad)
		return GX_EINVAL;
	struct gx_conn *c;
	int rc = gx_store_writer(ctx->store, &c);
	if (rc)
		return rc;
	rc = gx_conn_begin(c);
	json_t *stored = rc ? NULL : settings_stored(c, ctx->tenant_id);
	if (!stored)
		stored = json_object();
	json_object_foreach((json_t *)input, key, v) {
		if (json_is_null(v))
			json_object_del(stored, key);
		else
			json_object_set(stored, key, v);
	}
	struct gx_analytics_settings s;
	settings_defaults(&s);
	settings_apply(&s, stored);
	if (!rc && s.tier_break_even_min > s.tier_high_min) {
		gx_errors_add(errs, "tier_break_even_min", "out_of_range",
			      "tier_break_even_min must not be above tier_high_min");
		rc = GX_EINVAL;
	}
	char *text = json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS);
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_stmt *st;
	if (!rc)
		rc = text ? gx_conn_prepare(c, "INSERT INTO analytics_settings (tenant_id, settings, updated_at, updated_by) "
					       "VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET "
					       "settings = excluded.settings, updated_at = excluded.updated_at, "
					       "updated_by = excluded.updated_by", &st)
			  : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, text);
		gx_stmt_bind_str(st, 3, now);
		if (ctx->user_id)
			gx_stmt_bind_int64(st, 4, ctx->user_id);
		else
			gx_stmt_bind_null(st, 4);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		rc = gx_audit_write(ctx, c, "update", "analytics_settings", 0, NULL, stored, NULL);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	free(text);
	json_decref(stored);
	if (rc)
		return rc;
	/* thresholds changed: every score follows */
	rc = gx_analytics_score_all(ctx->store, ctx->tenant_id, NULL);
	if (!rc)
		*out = settings_json(&s);
	return rc;
}

/* ---- segments, tiers and their labels ------------------------------------------------------------ */

struct label {
	const char *key, *zh_cn, *zh_tw, *en;
};

static const struct label segment_labels[] = {
	{"champions", "冠军客户", "冠軍客戶", "Champions"},
	{"loyal", "忠诚客户", "忠誠客戶", "Loyal"},
	{"potential_loyalists", "潜在忠诚客户", "潛在忠誠客戶", "Potential loyalists"},
	{"new", "新客户", "新客戶", "New customers"},
	{"promising", "有潜力客户", "有潛力客戶", "Promising"},
	{"need_attention", "需要关注", "需要關注", "Need attention"},
	{"about_to_sleep", "即将沉睡", "即將沉睡", "About to sleep"},
	{"at_risk", "有流失风险", "有流失風險", "At risk"},
	{"cannot_lose", "不能失去", "不能失去", "Cannot lose them"},
	{"hibernating", "休眠客户", "休眠客戶", "Hibernating"},
	{"lost", "已流失", "已流失", "Lost"},
	{NULL, NULL, NULL, NULL},
};

static const struct label tier_labels[] = {
	{"highly_profitable", "高收益客户", "高收益客戶", "Highly profitable"},
	{"break_even", "持平客户", "持平客戶", "Break-even"},
	{"unprofitable", "非盈利客户", "非獲利客戶", "Unprofitable"},
	{"resource_draining", "消耗资源客户", "消耗資源客戶", "Resource-draining"},
	{NULL, NULL, NULL, NULL},
};

static json_t *label_json(const struct label *t, const char *key)
{
	for (; key && t->key; t++)
		if (strcmp(t->key, key) == 0)
			return json_pack("{s:s, s:s, s:s}", "zh-CN", t->zh_cn, "zh-TW", t->zh_tw, "en", t->en);
	return json_null();
}

json_t *gx_analytics_segment_label(const char *key)
{
	return label_json(segment_labels, key);
}

json_t *gx_analytics_tier_label(const char *key)
{
	return label_json(tier_labels, key);
}

/* The R × F grid (rows R = 5..1, columns F = 1..5): the widely used mapping
 * of the named segments onto recency and frequency scores. */
static const char *const segment_grid[5][5] = {
	/* R=5 */ {"new", "potential_loyalists", "potential_loyalists", "champions", "champions"},
	/* R=4 */ {"promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"},
	/* R=3 */ {"about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"},
	/* R=2 */ {"hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"},
	/* R=1 */ {"lost", "hibernating", "at_risk", "at_risk", "cannot_lose"},
};

const char *gx_analytics_segment_of(int r, int f)
{
	if (r < 1 || r > 5 || f < 1 || f > 5)
		return NULL;
	return segment_grid[5 - r][f - 1];
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void gx_analytics_quintiles(int64_t *v, size_t n, int64_t t[4])
{
	if (n)
		qsort(v, n, sizeof *v, cmp_i64);
	for (int k = 1; k <= 4; k++) {
		size_t idx = n ? (size_t)((k * n + 4) / 5) : 0; /* ceil(k n / 5) */
		t[k - 1] = n ? v[idx ? idx - 1 : 0] : 0;
	}
}

int gx_analytics_quintile_score(int64_t v, const int64_t t[4])
{
	int s = 1;
	for (int k = 0; k < 4; k++)
		s += v > t[k];
	return s;
}

/* ---- the state of a currency: RFM thresholds and the CLV fit -------------------------------------- */

struct cur_state {
	char currency[8];
	bool has_breaks;
	int64_t rb[4], fb[4], mb[4];
	bool has_fit, has_gg;
	struct gx_bgnbd_params bg;
	struct gx_gg_params gg;
	struct gx_clv_memo *memo; /* a full pass: the (x, T) memo of this fit */
	bool memo_failed;
};

struct scorer {
	struct gx_ctx *ctx;
	struct gx_conn *c;
	struct gx_tz *tz;
	struct gx_analytics_settings set;
	int64_t now_ms, today;
	char now_iso[40];
	struct cur_state cur[16];
	int ncur;
	bool memoise;             /* a full pass: memo the CLV terms per currency */
};

static bool breaks_parse(const char *text, int64_t t[4])
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	bool ok = json_is_array(a) && json_array_size(a) == 4;
	for (size_t i = 0; ok && i < 4; i++) {
		ok = json_is_integer(json_array_get(a, i));
		if (ok)
			t[i] = json_integer_value(json_array_get(a, i));
	}
	json_decref(a);
	return ok;
}

static int load_currency(struct scorer *sc, const char *currency, struct cur_state **out)
{
	for (int i = 0; i < sc->ncur; i++)
		if (strcmp(sc->cur[i].currency, currency) == 0) {
			*out = &sc->cur[i];
			return 0;
		}
	struct cur_state *cs = sc->ncur < 16 ? &sc->cur[sc->ncur++] : &sc->cur[15];
	gx_clv_memo_free(cs->memo);
	memset(cs, 0, sizeof *cs);
	snprintf(cs->currency, sizeof cs->currency, "%s", currency);
	*out = cs;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(sc->c, "SELECT r_breaks, f_breaks, m_breaks FROM analytics_state WHERE tenant_id = ? "
					"AND currency = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, sc->ctx->tenant_id);
	gx_stmt_bind_str(st, 2, currency);
	if ((rc = gx_stmt_step(st)) == GX_ROW)
		cs->has_breaks = breaks_parse(gx_stmt_col_text(st, 0), cs->rb) &&
				 breaks_parse(gx_stmt_col_text(st, 1), cs->fb) &&
				 breaks_parse(gx_stmt_col_text(st, 2), cs->mb);
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	rc = gx_conn_prepare(sc->c, "SELECT r, alpha, a, b, bgnbd_loglik, gg_p, gg_q, gg_v, gg_loglik FROM clv_fits "
				    "WHERE tenant_id = ? AND currency = ? AND status = 'ok' ORDER BY id DESC LIMIT 1", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, sc->ctx->tenant_id);
	gx_stmt_bind_str(st, 2, currency);
	if ((rc = gx_stmt_step(st)) == GX_ROW) {
		cs->has_fit = true;
		cs->bg = (struct gx_bgnbd_params){.r = gx_stmt_col_double(st, 0), .alpha = gx_stmt_col_double(st, 1),
						  .a = gx_stmt_col_double(st, 2), .b = gx_stmt_col_double(st, 3),
						  .loglik = gx_stmt_col_double(st, 4)};
		cs->has_gg = gx_stmt_col_type(st, 5) != GX_COL_NULL;
		if (cs->has_gg)
			cs->gg = (struct gx_gg_params){.p = gx_stmt_col_double(st, 5), .q = gx_stmt_col_double(st, 6),
						       .v = gx_stmt_col_double(st, 7), .loglik = gx_stmt_col_double(st, 8)};
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static int scorer_init(struct scorer *sc, struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz)
{
	memset(sc, 0, sizeof *sc);
	sc->ctx = ctx;
	sc->c = c;
	sc->tz = tz;
	sc->now_ms = gx_now_ms();
	sc->today = gx_tz_day(tz, sc->now_ms);
	gx_time_iso(sc->now_ms, sc->now_iso, sizeof sc->now_iso);
	return gx_analytics_settings_load(c, ctx->tenant_id, &sc->set);
}

/* ---- one customer's scores -------------------------------------------------------------------- */

/* The statistics a score is computed from (see STATS_COLS). */
struct srec {
	int64_t customer_id;
	char currency[8];
	int64_t transaction_count, purchase_count, revenue, purchase_amount, first_day_amount, gross_margin,
		cost_to_serve;
	bool has_first;
	int64_t first_day, last_day, first_ms;
	/* the stored scores of the indexed columns: write_scores leaves the
	 * indexes alone when they stay */
	char tier[24], segment[24];
	bool has_clv;
	int64_t clv, decline;
};

#define STATS_COLS "customer_id, currency, transaction_count, purchase_count, revenue, purchase_amount, " \
		   "first_day_amount, gross_margin, cost_to_serve, first_purchase_day, last_purchase_day, first_purchase_at, " \
		   "tier, segment, clv, decline"

static void srec_read(struct gx_stmt *st, struct srec *r)
{
	memset(r, 0, sizeof *r);
	r->customer_id = gx_stmt_col_int64(st, 0);
	snprintf(r->currency, sizeof r->currency, "%s", gx_stmt_col_text(st, 1) ? gx_stmt_col_text(st, 1) : "");
	r->transaction_count = gx_stmt_col_int64(st, 2);
	r->purchase_count = gx_stmt_col_int64(st, 3);
	r->revenue = gx_stmt_col_int64(st, 4);
	r->purchase_amount = gx_stmt_col_int64(st, 5);
	r->first_day_amount = gx_stmt_col_int64(st, 6);
	r->gross_margin = gx_stmt_col_int64(st, 7);
	r->cost_to_serve = gx_stmt_col_int64(st, 8);
	r->has_first = gx_stmt_col_type(st, 9) != GX_COL_NULL && r->purchase_count > 0;
	if (r->has_first) {
		r->first_day = gx_stmt_col_int64(st, 9);
		r->last_day = gx_stmt_col_int64(st, 10);
		if (!gx_stmt_col_text(st, 11) || gx_time_parse(gx_stmt_col_text(st, 11), &r->first_ms))
			r->first_ms = r->first_day * DAY_MS;
	}
	snprintf(r->tier, sizeof r->tier, "%s", gx_stmt_col_text(st, 12) ? gx_stmt_col_text(st, 12) : "");
	snprintf(r->segment, sizeof r->segment, "%s", gx_stmt_col_text(st, 13) ? gx_stmt_col_text(st, 13) : "");
	r->has_clv = gx_stmt_col_type(st, 14) != GX_COL_NULL;
	r->clv = r->has_clv ? gx_stmt_col_int64(st, 14) : 0;
	r->decline = gx_stmt_col_int64(st, 15);
}

/* Revenue in the decline windows. */
struct window {
	int64_t customer_id;
	int64_t recent, baseline, baseline_purchases;
};

const char *gx_analytics_tier(const struct gx_analytics_settings *s, int64_t margin, int64_t cost_to_serve,
			      bool has_data)
{
	if (!has_data)
		return NULL;
	int64_t profit = margin - cost_to_serve;
	if (profit >= s->tier_high_min)
		return "highly_profitable";
	if (profit >= s->tier_break_even_min)
		return "break_even";
	if ((double)cost_to_serve > s->tier_drain_ratio * (double)(margin > 0 ? margin : 0))
		return "resource_draining";
	return "unprofitable";
}

/* The summary the CLV model takes, in weeks up to today. */
static struct gx_clv_summary clv_summary(const struct srec *r, int64_t today)
{
	struct gx_clv_summary s = {0};
	if (!r->has_first)
		return s;
	s.has_purchase = 1;
	s.x = (double)(r->purchase_count - 1);
	s.t_x = s.x > 0 ? (double)(r->last_day - r->first_day) / WEEK_DAYS : 0;
	int64_t end = today > r->last_day ? today : r->last_day;
	s.T = (double)(end - r->first_day) / WEEK_DAYS;
	s.monetary = s.x > 0 ? (double)(r->purchase_amount - r->first_day_amount) / s.x : 0;
	if (s.monetary < 0)
		s.monetary = 0;
	return s;
}

static void compute_scores(struct scorer *sc, struct cur_state *cs, const struct srec *r, const struct window *w,
			   struct gx_scores *o)
{
	memset(o, 0, sizeof *o);
	const struct gx_analytics_settings *set = &sc->set;
	o->profit = r->gross_margin - r->cost_to_serve;
	o->tier = gx_analytics_tier(set, r->gross_margin, r->cost_to_serve,
				    r->transaction_count > 0 || r->cost_to_serve != 0);
	if (r->has_first && cs && cs->has_breaks) {
		o->r = gx_analytics_quintile_score(r->last_day, cs->rb);
		o->f = gx_analytics_quintile_score(r->purchase_count, cs->fb);
		o->m = gx_analytics_quintile_score(r->revenue, cs->mb);
		o->cell[0] = (char)('0' + o->r);
		o->cell[1] = (char)('0' + o->f);
		o->cell[2] = (char)('0' + o->m);
		o->cell[3] = '\0';
		o->segment = gx_analytics_segment_of(o->r, o->f);
	}
	if (r->has_first && cs && cs->has_fit) {
		struct gx_clv_summary s = clv_summary(r, sc->today);
		struct gx_clv_opts opts = {.months = (int)set->clv_horizon_months,
					   .annual_discount = set->clv_discount_rate,
					   .units_per_month = 365.25 / 12 / WEEK_DAYS};
		double predict = (double)set->clv_prediction_days / WEEK_DAYS;
		/* a full pass: the same values, each distinct (x, T) computed once */
		if (sc->memoise && !cs->memo && !cs->memo_failed)
			cs->memo_failed = gx_clv_memo_new(&cs->bg, &opts, predict, &cs->memo) != 0;
		double pa, ey;
		if (!gx_bgnbd_p_alive(&cs->bg, s.x, s.t_x, s.T, &pa) &&
		    !(cs->memo ? gx_clv_memo_expected(cs->memo, s.x, s.t_x, s.T, &ey)
			       : gx_bgnbd_conditional_expected(&cs->bg, s.x, s.t_x, s.T, predict, &ey))) {
			o->has_bg = true;
			o->p_alive = pa;
			o->expected_purchases = ey;
		}
		double spend, clv;
		if (o->has_bg && cs->has_gg && !gx_gg_expected_spend(&cs->gg, s.x, s.monetary, &spend) &&
		    !(cs->memo ? gx_clv_memo_discounted(cs->memo, &cs->gg, &s, &clv)
			       : gx_clv_discounted(&cs->bg, &cs->gg, &s, &opts, &clv)) && isfinite(clv)) {
			o->has_gg = true;
			o->expected_spend = spend;
			o->clv = llround(clv);
		}
	}
	/* decline: the recent window against the customer's own baseline */
	if (w && r->has_first) {
		double window = (double)set->decline_window_days;
		int64_t recent_start = sc->now_ms - set->decline_window_days * DAY_MS;
		int64_t base_start = recent_start - set->decline_baseline_days * DAY_MS;
		int64_t from = r->first_ms > base_start ? r->first_ms : base_start;
		double span = (double)(recent_start - from) / DAY_MS;
		if (span >= window && w->baseline_purchases >= set->decline_min_purchases && w->baseline > 0) {
			double expected = (double)w->baseline * window / span;
			o->has_decline = true;
			o->decline_recent = w->recent;
			o->decline_expected = llround(expected);
			o->decline = (double)w->recent < (1.0 - set->decline_drop) * expected;
		}
	}
}

/* Writes the scores of a customer whose stored row is old. An UPDATE
 * rewrites the entry of every index on a column it sets, changed or not:
 * when tier, segment, clv and decline stay, they are left out of the SET
 * (they were each indexed before 0013; decline still is, by a partial
 * index of the declining rows). */
static int write_scores(struct scorer *sc, const struct srec *old, const struct gx_scores *o)
{
	bool same = strcmp(old->tier, o->tier ? o->tier : "") == 0 &&
		    strcmp(old->segment, o->r ? o->segment : "") == 0 && old->has_clv == o->has_gg &&
		    (!o->has_gg || old->clv == o->clv) && old->decline == (int64_t)o->decline;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(sc->c, same
		? "UPDATE customer_stats SET profit = ?, r_score = ?, f_score = ?, m_score = ?, rfm_cell = ?, "
		  "p_alive = ?, expected_purchases = ?, expected_spend = ?, "
		  "decline_recent = ?, decline_expected = ?, scored_at = ? WHERE tenant_id = ? AND customer_id = ?"
		: "UPDATE customer_stats SET profit = ?, tier = ?, r_score = ?, f_score = ?, m_score = ?, rfm_cell = ?, "
		  "segment = ?, p_alive = ?, expected_purchases = ?, expected_spend = ?, clv = ?, decline = ?, "
		  "decline_recent = ?, decline_expected = ?, scored_at = ? WHERE tenant_id = ? AND customer_id = ?", &st);
	if (rc)
		return rc;
	int k = 1;
	gx_stmt_bind_int64(st, k++, o->profit);
	if (!same)
		gx_stmt_bind_str(st, k++, o->tier);
	if (o->r) {
		gx_stmt_bind_int64(st, k++, o->r);
		gx_stmt_bind_int64(st, k++, o->f);
		gx_stmt_bind_int64(st, k++, o->m);
		gx_stmt_bind_str(st, k++, o->cell);
		if (!same)
			gx_stmt_bind_str(st, k++, o->segment);
	} else {
		for (int i = 0; i < (same ? 4 : 5); i++)
			gx_stmt_bind_null(st, k++);
	}
	if (o->has_bg) {
		gx_stmt_bind_double(st, k++, o->p_alive);
		gx_stmt_bind_double(st, k++, o->expected_purchases);
	} else {
		gx_stmt_bind_null(st, k++);
		gx_stmt_bind_null(st, k++);
	}
	if (o->has_gg)
		gx_stmt_bind_double(st, k++, o->expected_spend);
	else
		gx_stmt_bind_null(st, k++);
	if (!same) {
		if (o->has_gg)
			gx_stmt_bind_int64(st, k++, o->clv);
		else
			gx_stmt_bind_null(st, k++);
		gx_stmt_bind_int64(st, k++, o->decline);
	}
	if (o->has_decline) {
		gx_stmt_bind_int64(st, k++, o->decline_recent);
		gx_stmt_bind_int64(st, k++, o->decline_expected);
	} else {
		gx_stmt_bind_null(st, k++);
		gx_stmt_bind_null(st, k++);
	}
	gx_stmt_bind_str(st, k++, sc->now_iso);
	gx_stmt_bind_int64(st, k++, sc->ctx->tenant_id);
	gx_stmt_bind_int64(st, k++, old->customer_id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* The window sums of one customer (load_windows sums them for all). */
static const char window_sql[] =
	"SELECT customer_id, COALESCE(sum(CASE WHEN occurred_at >= ? THEN amount ELSE 0 END), 0), "
	"COALESCE(sum(CASE WHEN occurred_at < ? THEN amount ELSE 0 END), 0), "
	"COALESCE(sum(CASE WHEN occurred_at < ? AND amount > 0 THEN 1 ELSE 0 END), 0) "
	"FROM transactions WHERE tenant_id = ? AND deleted_at IS NULL AND occurred_at >= ? AND occurred_at < ?";

static int window_bind(struct scorer *sc, struct gx_stmt *st)
{
	char recent[40], base[40];
	int64_t recent_start = sc->now_ms - sc->set.decline_window_days * DAY_MS;
	gx_time_iso(recent_start, recent, sizeof recent);
	gx_time_iso(recent_start - sc->set.decline_baseline_days * DAY_MS, base, sizeof base);
	gx_stmt_bind_str(st, 1, recent);
	gx_stmt_bind_str(st, 2, recent);
	gx_stmt_bind_str(st, 3, recent);
	gx_stmt_bind_int64(st, 4, sc->ctx->tenant_id);
	gx_stmt_bind_str(st, 5, base);
	gx_stmt_bind_str(st, 6, sc->now_iso);
	return 7;
}

static int window_of(struct scorer *sc, int64_t cid, struct window *w)
{
	memset(w, 0, sizeof *w);
	w->customer_id = cid;
	char *sql = gx_arena_printf(sc->ctx->arena, "%s AND customer_id = ? GROUP BY customer_id", window_sql);
	struct gx_stmt *st;
	int rc = sql ? gx_conn_prepare(sc->c, sql, &st) : GX_ENOMEM;
	if (rc)
		return rc;
	int k = window_bind(sc, st);
	gx_stmt_bind_int64(st, k, cid);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		w->recent = gx_stmt_col_int64(st, 1);
		w->baseline = gx_stmt_col_int64(st, 2);
		w->baseline_purchases = gx_stmt_col_int64(st, 3);
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_analytics_score_customers(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz, const int64_t *ids,
				 size_t n)
{
	struct scorer sc;
	int rc = scorer_init(&sc, ctx, c, tz);
	for (size_t i = 0; !rc && i < n; i++) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT " STATS_COLS " FROM customer_stats WHERE tenant_id = ? AND customer_id = ?", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, ids[i]);
		struct srec r;
		rc = gx_stmt_step(st);
		bool found = rc == GX_ROW;
		if (found)
			srec_read(st, &r);
		gx_stmt_reset(st);
		if (rc < 0)
			break;
		rc = 0;
		if (!found)
			continue;
		struct cur_state *cs = NULL;
		if (*r.currency)
			rc = load_currency(&sc, r.currency, &cs);
		struct window w;
		if (!rc && r.has_first)
			rc = window_of(&sc, r.customer_id, &w);
		struct gx_scores o;
		if (!rc) {
			compute_scores(&sc, cs, &r, r.has_first ? &w : NULL, &o);
			rc = write_scores(&sc, &r, &o);
		}
	}
	return rc;
}

/* ---- the full scoring pass --------------------------------------------------------------------------- */

struct vals {
	char currency[8];
	int64_t *r, *f, *m;
	size_t n, cap;
};

static int vals_push(struct vals *v, int64_t r, int64_t f, int64_t m)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		int64_t *a = realloc(v->r, cap * sizeof *a);
		if (!a)
			return GX_ENOMEM;
		v->r = a;
		a = realloc(v->f, cap * sizeof *a);
		if (!a)
			return GX_ENOMEM;
		v->f = a;
		a = realloc(v->m, cap * sizeof *a);
		if (!a)
			return GX_ENOMEM;
		v->m = a;
		v->cap = cap;
	}
	v->r[v->n] = r;
	v->f[v->n] = f;
	v->m[v->n] = m;
	v->n++;
	return 0;
}

static json_t *breaks_json(const int64_t t[4])
{
	return json_pack("[I, I, I, I]", (json_int_t)t[0], (json_int_t)t[1], (json_int_t)t[2], (json_int_t)t[3]);
}

/* Stores the thresholds of one currency's values. */
static int store_breaks(struct scorer *sc, struct vals *v)
{
	int64_t rb[4], fb[4], mb[4];
	gx_analytics_quintiles(v->r, v->n, rb);
	gx_analytics_quintiles(v->f, v->n, fb);
	gx_analytics_quintiles(v->m, v->n, mb);
	json_t *j[3] = {breaks_json(rb), breaks_json(fb), breaks_json(mb)};
	char *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = json_dumps(j[i], JSON_COMPACT);
	struct gx_stmt *st;
	int rc = t[0] && t[1] && t[2] ? gx_conn_prepare(sc->c,
		"INSERT INTO analytics_state (tenant_id, currency, r_breaks, f_breaks, m_breaks, n_scored, scored_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, currency) DO UPDATE SET r_breaks = excluded.r_breaks, "
		"f_breaks = excluded.f_breaks, m_breaks = excluded.m_breaks, n_scored = excluded.n_scored, "
		"scored_at = excluded.scored_at", &st) : GX_ENOMEM;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, sc->ctx->tenant_id);
		gx_stmt_bind_str(st, 2, v->currency);
		gx_stmt_bind_str(st, 3, t[0]);
		gx_stmt_bind_str(st, 4, t[1]);
		gx_stmt_bind_str(st, 5, t[2]);
		gx_stmt_bind_int64(st, 6, (int64_t)v->n);
		gx_stmt_bind_str(st, 7, sc->now_iso);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	for (int i = 0; i < 3; i++) {
		free(t[i]);
		json_decref(j[i]);
	}
	return rc;
}

/* The ids of the tenant's live customers in order (the partial index
 * customers_live), for a bsearch: *out is the caller's to free. */
static int live_ids(struct gx_conn *c, int64_t tenant_id, int64_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT id FROM customers WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY id", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, tenant_id);
	int64_t *live = NULL;
	size_t cap = 0;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 4096;
			int64_t *v = realloc(live, nc * sizeof *v);
			if (!v) {
				rc = GX_ENOMEM;
				break;
			}
			live = v;
			cap = nc;
		}
		live[(*n)++] = gx_stmt_col_int64(st, 0);
	}
	gx_stmt_reset(st);
	if (rc < 0) {
		free(live);
		*n = 0;
		return rc;
	}
	*out = live;
	return 0;
}

static int by_vals_currency(const void *a, const void *b)
{
	return strcmp(((const struct vals *)a)->currency, ((const struct vals *)b)->currency);
}

/* Adds one customer's values to the values of its currency (v[0..*nv), at
 * most 16 currencies: more than anyone uses; *last remembers the previous
 * row's). */
static int vals_add(struct vals *v, int *nv, int *last, const char *cur, int64_t r, int64_t f, int64_t m)
{
	if (*last < 0 || strcmp(v[*last].currency, cur) != 0) {
		for (*last = 0; *last < *nv && strcmp(v[*last].currency, cur) != 0; ++*last)
			;
		if (*last == *nv) {
			if (*nv == 16) {
				*last = -1;
				return 0;
			}
			snprintf(v[(*nv)++].currency, sizeof v[0].currency, "%s", cur);
		}
	}
	return vals_push(&v[*last], r, f, m);
}

/* Stores the thresholds of v[0..nv) in currency order, names them in
 * currencies, frees the values, and drops the thresholds of a currency
 * nobody buys in any more. rc: an earlier error (only frees). */
static int breaks_store(struct scorer *sc, struct vals *v, int nv, json_t *currencies, int rc)
{
	qsort(v, (size_t)nv, sizeof v[0], by_vals_currency);
	for (int i = 0; i < nv; i++) {
		if (!rc) {
			rc = store_breaks(sc, &v[i]);
			json_array_append_new(currencies, json_string(v[i].currency));
		}
		free(v[i].r);
		free(v[i].f);
		free(v[i].m);
	}
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(sc->c, "DELETE FROM analytics_state WHERE tenant_id = ? AND scored_at <> ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, sc->ctx->tenant_id);
		gx_stmt_bind_str(st, 2, sc->now_iso);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

/* The quintile thresholds of each currency from the statistics of the live
 * customers with purchases, read as the refit reads them: the live ids in
 * order, then customer_stats in table order (NOT INDEXED on SQLite) with a
 * bsearch per row. A join to customers fetched each customer's row at
 * random and sorted by currency: 46 % of a scoring pass at 1M customers. */
static int compute_breaks(struct scorer *sc, json_t *currencies)
{
	int64_t *live = NULL;
	size_t nlive = 0;
	int rc = live_ids(sc->c, sc->ctx->tenant_id, &live, &nlive);
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(sc->c, strcmp(gx_store_backend(sc->ctx->store), "sqlite") == 0
			? "SELECT customer_id, currency, last_purchase_day, purchase_count, revenue FROM customer_stats "
			  "NOT INDEXED WHERE tenant_id = ? AND purchase_count > 0 AND currency IS NOT NULL"
			: "SELECT customer_id, currency, last_purchase_day, purchase_count, revenue FROM customer_stats "
			  "WHERE tenant_id = ? AND purchase_count > 0 AND currency IS NOT NULL", &st);
	struct vals v[16];
	int nv = 0, last = -1;
	memset(v, 0, sizeof v);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, sc->ctx->tenant_id);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			int64_t id = gx_stmt_col_int64(st, 0);
			if (!bsearch(&id, live, nlive, sizeof *live, cmp_i64))
				continue;
			rc = vals_add(v, &nv, &last, gx_stmt_col_text(st, 1), gx_stmt_col_int64(st, 2),
				      gx_stmt_col_int64(st, 3), gx_stmt_col_int64(st, 4));
			if (rc)
				break;
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	free(live);
	return breaks_store(sc, v, nv, currencies, rc);
}

/* The same thresholds from rows in memory (gx_analytics_score_rows). */
static int breaks_of_rows(struct scorer *sc, const struct gx_score_row *rows, size_t n, json_t *currencies)
{
	int64_t *live = NULL;
	size_t nlive = 0;
	int rc = live_ids(sc->c, sc->ctx->tenant_id, &live, &nlive);
	struct vals v[16];
	int nv = 0, last = -1;
	memset(v, 0, sizeof v);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct gx_score_row *r = &rows[i];
		if (r->purchase_count <= 0 || !*r->currency ||
		    !bsearch(&r->customer_id, live, nlive, sizeof *live, cmp_i64))
			continue;
		rc = vals_add(v, &nv, &last, r->currency, r->last_day, r->purchase_count, r->revenue);
	}
	free(live);
	return breaks_store(sc, v, nv, currencies, rc);
}

static int by_customer(const void *a, const void *b)
{
	int64_t x = ((const struct window *)a)->customer_id, y = ((const struct window *)b)->customer_id;
	return x < y ? -1 : x > y;
}

/* The decline windows of every customer with a transaction in them: the
 * rows of the windows' span in time order (its index), summed per customer
 * in a hash table here rather than by GROUP BY customer_id, which sorts
 * them in a temporary B-tree first (4.5M rows of 10M: 13 % of a rebuild). */
static int load_windows(struct scorer *sc, struct window **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(sc->c,
		"SELECT customer_id, amount, CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END FROM transactions "
		"WHERE tenant_id = ? AND deleted_at IS NULL AND occurred_at >= ? AND occurred_at < ?", &st);
	if (rc)
		return rc;
	char recent[40], base[40];
	int64_t recent_start = sc->now_ms - sc->set.decline_window_days * DAY_MS;
	gx_time_iso(recent_start, recent, sizeof recent);
	gx_time_iso(recent_start - sc->set.decline_baseline_days * DAY_MS, base, sizeof base);
	gx_stmt_bind_str(st, 1, recent);
	gx_stmt_bind_int64(st, 2, sc->ctx->tenant_id);
	gx_stmt_bind_str(st, 3, base);
	gx_stmt_bind_str(st, 4, sc->now_iso);
	size_t cap = 0, slots = 0;
	struct window *w = NULL;
	uint32_t *slot = NULL; /* open addressing: index + 1 into w, 0 empty */
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		if ((*n + 1) * 2 > slots) {
			size_t ns = slots ? slots * 2 : 4096;
			uint32_t *v = calloc(ns, sizeof *v);
			if (!v) {
				rc = GX_ENOMEM;
				break;
			}
			for (size_t i = 0; i < *n; i++) {
				size_t k = ((uint64_t)w[i].customer_id * 0x9E3779B97F4A7C15ull >> 20) & (ns - 1);
				while (v[k])
					k = (k + 1) & (ns - 1);
				v[k] = (uint32_t)i + 1;
			}
			free(slot);
			slot = v;
			slots = ns;
		}
		int64_t cid = gx_stmt_col_int64(st, 0), amount = gx_stmt_col_int64(st, 1);
		size_t k = ((uint64_t)cid * 0x9E3779B97F4A7C15ull >> 20) & (slots - 1);
		while (slot[k] && w[slot[k] - 1].customer_id != cid)
			k = (k + 1) & (slots - 1);
		if (!slot[k]) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 1024;
				struct window *nw = realloc(w, cap * sizeof *nw);
				if (!nw) {
					rc = GX_ENOMEM;
					break;
				}
				w = nw;
			}
			w[*n] = (struct window){.customer_id = cid};
			slot[k] = (uint32_t)++*n;
		}
		struct window *x = &w[slot[k] - 1];
		if (gx_stmt_col_int64(st, 2)) {
			x->recent += amount;
		} else {
			x->baseline += amount;
			x->baseline_purchases += amount > 0;
		}
	}
	gx_stmt_reset(st);
	free(slot);
	if (rc < 0) {
		free(w);
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(w, *n, sizeof *w, by_customer);
	*out = w;
	return 0;
}

#define CHUNK 2000

/* The scores of one statistics row: its currency's state and fit, its
 * decline window (w: every customer's, sorted; none means zero sums). */
static int score_one(struct scorer *sc, const struct srec *r, const struct window *w, size_t nw, struct gx_scores *o)
{
	struct cur_state *cs = NULL;
	int rc = *r->currency ? load_currency(sc, r->currency, &cs) : 0;
	if (rc)
		return rc;
	struct window key = {.customer_id = r->customer_id}, zero = key;
	const struct window *hit = nw ? bsearch(&key, w, nw, sizeof *w, by_customer) : NULL;
	compute_scores(sc, cs, r, r->has_first ? (hit ? hit : &zero) : NULL, o);
	return 0;
}

/* The end of a scoring pass: the memos freed, the summary made. */
static int score_finish(struct scorer *sc, json_t *currencies, int64_t scored, int rc, json_t **summary)
{
	for (int i = 0; i < sc->ncur; i++)
		gx_clv_memo_free(sc->cur[i].memo);
	if (!rc && summary)
		*summary = json_pack("{s:I, s:O, s:s}", "customers", (json_int_t)scored, "currencies", currencies,
				     "scored_at", sc->now_iso);
	json_decref(currencies);
	return rc;
}

int gx_analytics_score_in(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz, json_t **summary)
{
	if (summary)
		*summary = NULL;
	int64_t tenant_id = ctx->tenant_id;
	struct scorer sc;
	int rc = scorer_init(&sc, ctx, c, tz);
	sc.memoise = true;
	json_t *currencies = json_array();
	if (!rc)
		rc = compute_breaks(&sc, currencies);
	struct window *w = NULL;
	size_t nw = 0;
	if (!rc)
		rc = load_windows(&sc, &w, &nw);
	int64_t after = INT64_MIN, scored = 0;
	struct srec *rows = rc ? NULL : malloc(CHUNK * sizeof *rows);
	if (!rc && !rows)
		rc = GX_ENOMEM;
	while (!rc) {
		/* a chunk at a time, read before written */
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT " STATS_COLS " FROM customer_stats WHERE tenant_id = ? AND customer_id > ? "
					"ORDER BY customer_id LIMIT ?", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, tenant_id);
		gx_stmt_bind_int64(st, 2, after);
		gx_stmt_bind_int64(st, 3, CHUNK);
		size_t n = 0;
		while ((rc = gx_stmt_step(st)) == GX_ROW)
			srec_read(st, &rows[n++]);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
		for (size_t i = 0; !rc && i < n; i++) {
			struct gx_scores o;
			rc = score_one(&sc, &rows[i], w, nw, &o);
			if (!rc)
				rc = write_scores(&sc, &rows[i], &o);
			scored++;
		}
		if (n < CHUNK)
			break;
		after = rows[n - 1].customer_id;
	}
	free(rows);
	free(w);
	return score_finish(&sc, currencies, scored, rc, summary);
}

int gx_analytics_score_rows(struct gx_ctx *ctx, struct gx_conn *c, struct gx_tz *tz,
			    const struct gx_score_row *rows, size_t n,
			    int (*put)(void *u, size_t i, const struct gx_scores *o, const char *scored_at),
			    void *u, json_t **summary)
{
	if (summary)
		*summary = NULL;
	struct scorer sc;
	int rc = scorer_init(&sc, ctx, c, tz);
	sc.memoise = true;
	json_t *currencies = json_array();
	if (!rc)
		rc = breaks_of_rows(&sc, rows, n, currencies);
	struct window *w = NULL;
	size_t nw = 0;
	if (!rc)
		rc = load_windows(&sc, &w, &nw);
	for (size_t i = 0; !rc && i < n; i++) {
		/* the row as srec_read would read it back (no stored scores) */
		const struct gx_score_row *x = &rows[i];
		struct srec r = {.customer_id = x->customer_id, .transaction_count = x->transaction_count,
				 .purchase_count = x->purchase_count, .revenue = x->revenue,
				 .purchase_amount = x->purchase_amount, .first_day_amount = x->first_day_amount,
				 .gross_margin = x->gross_margin, .cost_to_serve = x->cost_to_serve,
				 .has_first = x->has_first && x->purchase_count > 0};
		memcpy(r.currency, x->currency, sizeof r.currency);
		if (r.has_first) {
			r.first_day = x->first_day;
			r.last_day = x->last_day;
			r.first_ms = x->first_ms;
		}
		struct gx_scores o;
		rc = score_one(&sc, &r, w, nw, &o);
		if (!rc)
			rc = put(u, i, &o, sc.now_iso);
	}
	free(w);
	return score_finish(&sc, currencies, (int64_t)n, rc, summary);
}

int gx_analytics_score_all(struct gx_store *s, int64_t tenant_id, json_t **summary)
{
	if (summary)
		*summary = NULL;
	struct gx_arena arena;
	gx_arena_init(&arena, 0);
	struct gx_ctx ctx = {.store = s, .arena = &arena, .tenant_id = tenant_id};
	struct gx_conn *c;
	int rc = gx_store_writer(s, &c);
	if (rc) {
		gx_arena_free(&arena);
		return rc;
	}
	char zone[64], tcur[8];
	struct gx_tz *tz = NULL;
	int64_t cache = 0;
	gx_stats_cache_big(s, c, &cache);
	rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_tenant_zone(c, tenant_id, zone, sizeof zone, tcur, sizeof tcur);
	if (!rc)
		rc = gx_tz_open(zone, &tz);
	json_t *out = NULL;
	if (!rc)
		rc = gx_analytics_score_in(&ctx, c, tz, &out);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_stats_cache_restore(c, cache);
	gx_store_release(c);
	gx_tz_close(tz);
	if (!rc && summary)
		*summary = out;
	else
		json_decref(out);
	gx_arena_free(&arena);
	if (rc)
		gx_log_error("analytics scoring of tenant %lld failed: %s", (long long)tenant_id, gx_strerror(rc));
	return rc;
}

/* ---- the CLV fit ---------------------------------------------------------------------------------- */

struct fitset {
	char currency[8];
	struct gx_clv_summary *s;
	size_t n, cap;
};

static int fit_store(struct gx_conn *c, int64_t tenant_id, int64_t user_id, const struct fitset *fs,
		     const char *now_iso, int64_t today, json_t *fits)
{
	struct gx_bgnbd_params bg = {0};
	struct gx_gg_params gg = {0};
	size_t repeaters = 0;
	for (size_t i = 0; i < fs->n; i++)
		repeaters += fs->s[i].x > 0;
	const char *err = NULL;
	int frc = gx_bgnbd_fit(fs->s, fs->n, &bg);
	if (frc == GX_ENOMEM)
		return frc;
	if (frc)
		err = "not enough purchase history to fit BG/NBD: customers with repeat purchases are needed";
	bool has_gg = false;
	if (!frc) {
		int grc = gx_gg_fit(fs->s, fs->n, &gg);
		if (grc == GX_ENOMEM)
			return grc;
		has_gg = grc == 0 && isfinite(gg.p) && isfinite(gg.q) && isfinite(gg.v) && gg.q > 1;
	}
	int64_t id = gx_id_new();
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c,
		"INSERT INTO clv_fits (tenant_id, id, currency, fitted_at, cutoff, cutoff_day, time_unit, n_customers, "
		"n_repeaters, status, error, r, alpha, a, b, bgnbd_loglik, gg_p, gg_q, gg_v, gg_loglik, gg_n, created_by) "
		"VALUES (?, ?, ?, ?, ?, ?, 'week', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc)
		return rc;
	int k = 1;
	gx_stmt_bind_int64(st, k++, tenant_id);
	gx_stmt_bind_int64(st, k++, id);
	gx_stmt_bind_str(st, k++, fs->currency);
	gx_stmt_bind_str(st, k++, now_iso);
	gx_stmt_bind_str(st, k++, now_iso);
	gx_stmt_bind_int64(st, k++, today);
	gx_stmt_bind_int64(st, k++, (int64_t)fs->n);
	gx_stmt_bind_int64(st, k++, (int64_t)repeaters);
	gx_stmt_bind_str(st, k++, frc ? "failed" : "ok");
	gx_stmt_bind_str(st, k++, err);
	double bgv[5] = {bg.r, bg.alpha, bg.a, bg.b, bg.loglik};
	for (int i = 0; i < 5; i++) {
		if (frc)
			gx_stmt_bind_null(st, k++);
		else
			gx_stmt_bind_double(st, k++, bgv[i]);
	}
	double ggv[4] = {gg.p, gg.q, gg.v, gg.loglik};
	for (int i = 0; i < 4; i++) {
		if (has_gg)
			gx_stmt_bind_double(st, k++, ggv[i]);
		else
			gx_stmt_bind_null(st, k++);
	}
	if (has_gg)
		gx_stmt_bind_int64(st, k++, (int64_t)gg.n_used);
	else
		gx_stmt_bind_null(st, k++);
	if (user_id)
		gx_stmt_bind_int64(st, k++, user_id);
	else
		gx_stmt_bind_null(st, k++);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	json_t *f = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s?}", "id", (json_int_t)id, "currency",
			      fs->currency, "fitted_at", now_iso, "cutoff", now_iso, "time_unit", "week", "n_customers",
			      (json_int_t)fs->n, "n_repeaters", (json_int_t)repeaters, "status", frc ? "failed" : "ok",
			      "error", err);
	if (!frc)
		json_object_set_new(f, "bgnbd", json_pack("{s:f, s:f, s:f, s:f, s:f}", "r", bg.r, "alpha", bg.alpha, "a",
							  bg.a, "b", bg.b, "loglik", bg.loglik));
	json_object_set_new(f, "gamma_gamma", has_gg ? json_pack("{s:f, s:f, s:f, s:f, s:I}", "p", gg.p, "q", gg.q, "v",
								 gg.v, "loglik", gg.loglik, "n", (json_int_t)gg.n_used)
						     : json_null());
	json_array_append_new(fits, f);
	return 0;
}

static int by_currency(const void *a, const void *b)
{
	return strcmp(((const struct fitset *)a)->currency, ((const struct fitset *)b)->currency);
}

/* CPU seconds of the calling thread (what a fit costs on a loaded machine,
 * where its wall time says more about the others). */
static double thread_cpu(void)
{
	struct timespec t;
	return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) ? 0 : (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int gx_analytics_refit(struct gx_store *s, int64_t tenant_id, int64_t user_id, json_t **out)
{
	*out = NULL;
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	char zone[64], tcur[8];
	struct gx_tz *tz = NULL;
	rc = gx_tenant_zone(c, tenant_id, zone, sizeof zone, tcur, sizeof tcur);
	if (!rc)
		rc = gx_tz_open(zone, &tz);
	int64_t now = gx_now_ms(), today = tz ? gx_tz_day(tz, now) : 0;
	char now_iso[40];
	gx_time_iso(now, now_iso, sizeof now_iso);
	int64_t t0 = gx_mono_ms();
	double cpu0 = thread_cpu();
	/* The calibration summaries, per currency, from the statistics of the
	 * live customers: two scans in one snapshot instead of a join. The ids
	 * of the live customers walk the partial index customers_live in order;
	 * the statistics are read in table order (on SQLite NOT INDEXED: with
	 * the tenant's key alone the planner walks an index and fetches each
	 * row from wherever it lies, 9x the time of the scan at 1M customers;
	 * the join fetched each customer's row too: 7.9 s against 0.4 s), and
	 * each row goes to its currency's set if its customer is live. */
	struct fitset sets[16];
	int nsets = 0;
	struct gx_stmt *st;
	int64_t *live = NULL;
	size_t nlive = 0;
	if (!rc)
		rc = gx_conn_begin(c);
	if (!rc)
		rc = live_ids(c, tenant_id, &live, &nlive);
	if (!rc)
		rc = gx_conn_prepare(c, strcmp(gx_store_backend(s), "sqlite") == 0
			? "SELECT customer_id, currency, purchase_count, first_purchase_day, last_purchase_day, purchase_amount, "
			  "first_day_amount FROM customer_stats NOT INDEXED WHERE tenant_id = ?"
			: "SELECT customer_id, currency, purchase_count, first_purchase_day, last_purchase_day, purchase_amount, "
			  "first_day_amount FROM customer_stats WHERE tenant_id = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, tenant_id);
		int last = -1;
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			int64_t id = gx_stmt_col_int64(st, 0);
			const char *cur = gx_stmt_col_text(st, 1);
			if (!cur || gx_stmt_col_int64(st, 2) <= 0 || !bsearch(&id, live, nlive, sizeof *live, cmp_i64))
				continue;
			if (last < 0 || strcmp(sets[last].currency, cur) != 0) {
				for (last = 0; last < nsets && strcmp(sets[last].currency, cur) != 0; last++)
					;
				if (last == nsets) {
					if (nsets == 16) {
						last = -1;
						continue; /* more currencies than anyone uses */
					}
					memset(&sets[nsets], 0, sizeof sets[nsets]);
					snprintf(sets[nsets].currency, sizeof sets[nsets].currency, "%s", cur);
					nsets++;
				}
			}
			struct fitset *fs = &sets[last];
			if (fs->n == fs->cap) {
				size_t cap = fs->cap ? fs->cap * 2 : 1024;
				struct gx_clv_summary *ns = realloc(fs->s, cap * sizeof *ns);
				if (!ns) {
					rc = GX_ENOMEM;
					break;
				}
				fs->s = ns;
				fs->cap = cap;
			}
			struct srec r = {.purchase_count = gx_stmt_col_int64(st, 2), .has_first = true,
					 .first_day = gx_stmt_col_int64(st, 3), .last_day = gx_stmt_col_int64(st, 4),
					 .purchase_amount = gx_stmt_col_int64(st, 5),
					 .first_day_amount = gx_stmt_col_int64(st, 6)};
			fs->s[fs->n++] = clv_summary(&r, today);
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	free(live);
	gx_store_release(c);
	gx_tz_close(tz);
	qsort(sets, (size_t)nsets, sizeof sets[0], by_currency); /* the fits in currency order */
	json_t *fits = json_array();
	if (!rc && nsets) {
		rc = gx_store_writer(s, &c);
		if (!rc) {
			rc = gx_conn_begin(c);
			for (int i = 0; !rc && i < nsets; i++)
				rc = fit_store(c, tenant_id, user_id, &sets[i], now_iso, today, fits);
			if (!rc)
				rc = gx_conn_commit(c);
			gx_store_release(c);
		}
	}
	for (int i = 0; i < nsets; i++)
		free(sets[i].s);
	double fit_seconds = (double)(gx_mono_ms() - t0) / 1000.0, score_seconds = 0;
	double fit_cpu = thread_cpu() - cpu0;
	json_t *summary = NULL;
	if (!rc) {
		t0 = gx_mono_ms();
		rc = gx_analytics_score_all(s, tenant_id, &summary);
		score_seconds = (double)(gx_mono_ms() - t0) / 1000.0;
	}
	if (rc) {
		json_decref(fits);
		json_decref(summary);
		return rc;
	}
	/* the seconds: what the benchmark of issue 4 reads (bench/analytics.sh) */
	*out = json_pack("{s:o, s:o, s:f, s:f, s:f}", "fits", fits, "scoring", summary, "fit_seconds", fit_seconds,
			 "fit_cpu_seconds", fit_cpu, "score_seconds", score_seconds);
	return 0;
}

int gx_analytics_scheduled(struct gx_store *s, int64_t tenant_id)
{
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	struct gx_analytics_settings set;
	gx_analytics_settings_load(c, tenant_id, &set);
	char last_fit[40] = "", last_score[40] = "";
	int64_t customers = 0;
	struct gx_stmt *st;
	static const char *const sql[] = {
		"SELECT max(fitted_at) FROM clv_fits WHERE tenant_id = ?",
		"SELECT min(scored_at) FROM analytics_state WHERE tenant_id = ?",
		"SELECT count(*) FROM customer_stats WHERE tenant_id = ? AND purchase_count > 0",
	};
	for (int i = 0; !rc && i < 3; i++) {
		rc = gx_conn_prepare(c, sql[i], &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, tenant_id);
		if (gx_stmt_step(st) == GX_ROW) {
			const char *v = gx_stmt_col_text(st, 0);
			if (i == 0)
				snprintf(last_fit, sizeof last_fit, "%s", v ? v : "");
			else if (i == 1)
				snprintf(last_score, sizeof last_score, "%s", v ? v : "");
			else
				customers = gx_stmt_col_int64(st, 0);
		}
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc || customers == 0)
		return rc;
	int64_t now = gx_now_ms(), fit_ms = 0, score_ms = 0;
	if (*last_fit)
		gx_time_parse(last_fit, &fit_ms);
	if (*last_score)
		gx_time_parse(last_score, &score_ms);
	if (!*last_fit || now - fit_ms >= set.clv_refit_hours * 3600000LL) {
		json_t *out = NULL;
		rc = gx_analytics_refit(s, tenant_id, 0, &out);
		json_decref(out);
		return rc;
	}
	if (!*last_score || now - score_ms >= set.score_interval_minutes * 60000LL)
		rc = gx_analytics_score_all(s, tenant_id, NULL);
	return rc;
}

void gx_analytics_after_import(struct gx_store *s, int64_t tenant_id, bool many)
{
	bool full = many;
	if (!full) {
		struct gx_conn *c;
		if (gx_store_reader(s, &c))
			return;
		struct gx_stmt *st;
		/* customers with purchases per currency against the last pass */
		if (!gx_conn_prepare(c, "SELECT s.currency, count(*), max(a.n_scored) FROM customer_stats s "
					"LEFT JOIN analytics_state a ON a.tenant_id = s.tenant_id AND a.currency = s.currency "
					"WHERE s.tenant_id = ? AND s.purchase_count > 0 AND s.currency IS NOT NULL "
					"GROUP BY s.currency", &st)) {
			gx_stmt_bind_int64(st, 1, tenant_id);
			while (!full && gx_stmt_step(st) == GX_ROW) {
				int64_t n = gx_stmt_col_int64(st, 1);
				full = gx_stmt_col_type(st, 2) == GX_COL_NULL || n * 10 > gx_stmt_col_int64(st, 2) * 11;
			}
			gx_stmt_reset(st);
		}
		gx_store_release(c);
	}
	if (full && gx_analytics_score_all(s, tenant_id, NULL))
		gx_log_error("analytics: scoring after an import failed; the scheduler will retry");
}
