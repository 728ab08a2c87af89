/* api_analytics.c — the analytics routes: transactions (CRUD and the bulk
 * import), /api/v1/analytics/... (RFM, CLV and its refit, tiers, Pareto,
 * retention, cohorts, decline, scorecard, settings, the filtered customer
 * list) and GET /api/v1/customers/{id}/insights. */
#include "http/http.h"

#include "analytics/analytics.h"
#include "core/err.h"
#include "crm/customer.h"
#include "crm/transaction.h"
#include "store/store.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An optional whole-number query argument within [lo, hi]; answers 400
 * itself and returns false when malformed. */
static bool query_int(struct gx_req *r, const char *name, long long def, long long lo, long long hi, long long *out)
{
	const char *v = gx_req_query(r, name);
	*out = def;
	if (!v)
		return true;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || x < lo || x > hi) {
		char *detail = gx_arena_printf(&r->arena, "%s must be a whole number from %lld to %lld", name, lo, hi);
		gx_reply_problem(r, 400, detail ? detail : "a query argument is not valid", NULL);
		return false;
	}
	*out = x;
	return true;
}

/* Answers a read: 400 for bad arguments (GX_EINVAL), else the error or 200. */
static void answer(struct gx_req *r, int rc, json_t *out, const char *bad)
{
	if (rc == GX_EINVAL)
		gx_reply_problem(r, 400, bad, NULL);
	else if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static const char bad_currency[] = "currency must be an ISO 4217 code such as CNY";

/* ---- transactions ------------------------------------------------------------------------- */

static void h_bulk(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	json_t *items = json_object_get(body, "items");
	if (!json_is_array(items) || json_object_size(body) != 1) {
		json_decref(body);
		struct gx_errors errs = {0};
		gx_errors_add(&errs, "items", "required", "send {\"items\": [ {transaction}, ... ]}");
		gx_reply_error(r, GX_EINVAL, &errs);
		return;
	}
	if (json_array_size(items) > GX_TX_BULK_MAX) {
		json_decref(body);
		char *detail = gx_arena_printf(&r->arena, "at most %d transactions per request; split the batch",
					       GX_TX_BULK_MAX);
		gx_reply_problem(r, 413, detail, NULL);
		return;
	}
	json_t *out = NULL, *row_errors = NULL;
	int rc = gx_transactions_bulk(&r->ctx, items, &out, &row_errors);
	json_decref(body);
	if (rc == GX_EINVAL && row_errors) {
		char *detail = gx_arena_printf(&r->arena, "%zu row error(s); nothing was imported",
					       json_array_size(row_errors));
		gx_reply_problem(r, 422, detail, row_errors);
	} else if (rc) {
		json_decref(row_errors);
		gx_reply_error(r, rc, NULL);
	} else {
		gx_reply_json(r, 200, out);
	}
}

/* ---- analytics reads ------------------------------------------------------------------------ */

static void h_rfm(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_rfm(&r->ctx, gx_req_query(r, "currency"), &out);
	answer(r, rc, out, bad_currency);
}

static void h_tiers(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_tiers(&r->ctx, gx_req_query(r, "currency"), &out);
	answer(r, rc, out, bad_currency);
}

static void h_pareto(struct gx_req *r)
{
	long long limit;
	if (!query_int(r, "limit", 20, 1, 200, &limit))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_pareto(&r->ctx, gx_req_query(r, "currency"), (int)limit, &out);
	answer(r, rc, out, bad_currency);
}

static void h_retention(struct gx_req *r)
{
	long long periods;
	if (!query_int(r, "periods", 12, 1, 120, &periods))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_retention(&r->ctx, gx_req_query(r, "period"), (int)periods, &out);
	answer(r, rc, out, "period is month, quarter or year");
}

static void h_cohorts(struct gx_req *r)
{
	long long months;
	if (!query_int(r, "months", 12, 1, 120, &months))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_cohorts(&r->ctx, (int)months, &out);
	answer(r, rc, out, "months must be from 1 to 120");
}

static void h_decline(struct gx_req *r)
{
	long long limit;
	if (!query_int(r, "limit", 50, 1, 1000, &limit))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_decline(&r->ctx, (int)limit, &out);
	answer(r, rc, out, "bad arguments");
}

static void h_clv(struct gx_req *r)
{
	long long limit;
	if (!query_int(r, "limit", 20, 1, 200, &limit))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_clv(&r->ctx, gx_req_query(r, "currency"), (int)limit, &out);
	answer(r, rc, out, bad_currency);
}

static void h_refit(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_refit(gx_srv->store, r->ctx.tenant_id, r->ctx.user_id, &out);
	answer(r, rc, out, "the model cannot be fitted");
}

static void h_rescore(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_score_all(gx_srv->store, r->ctx.tenant_id, &out);
	answer(r, rc, out, "scoring failed");
}

static void h_scorecard(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_scorecard(&r->ctx, gx_req_query(r, "currency"), &out);
	answer(r, rc, out, bad_currency);
}

static void h_settings_get(struct gx_req *r)
{
	json_t *out = NULL;
	int rc = gx_analytics_settings_get(&r->ctx, &out);
	answer(r, rc, out, "bad arguments");
}

static void h_settings_put(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	json_t *out = NULL;
	int rc = gx_analytics_settings_put(&r->ctx, body, &out, &errs);
	json_decref(body);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

static void h_insights(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *out = NULL;
	int rc = gx_analytics_insights(&r->ctx, id, &out);
	answer(r, rc, out, "bad arguments");
}

static void h_recommendations(struct gx_req *r)
{
	int64_t id;
	long long limit;
	if (!gx_req_param_id(r, 0, &id) || !query_int(r, "limit", 10, 1, 100, &limit))
		return;
	json_t *cust = NULL;
	int rc = gx_entity_get(&r->ctx, &gx_customers_entity, id, false, &cust);
	json_decref(cust);
	struct gx_conn *c = NULL;
	if (!rc)
		rc = gx_store_reader(gx_srv->store, &c);
	json_t *items = NULL;
	if (!rc)
		rc = gx_analytics_recommend(&r->ctx, c, id, (int)limit, &items);
	gx_store_release(c);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/analytics/customers: the customer list (every list parameter
 * of /api/v1/customers) narrowed by segment, tier, rfm, min_clv, max_clv,
 * min_p_alive, max_p_alive, decline, each record with its "analytics". */
struct list_args {
	struct gx_req *r;
	struct gx_list_query *q;
	struct gx_errors errs;
	int rc;
};

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct list_args *a = cls;
	if (a->rc)
		return MHD_YES;
	int handled = gx_analytics_list_param(&a->r->arena, a->q, key, value ? value : "", &a->errs);
	if (handled < 0)
		a->rc = handled;
	else if (!handled)
		a->rc = gx_list_param(&a->r->ctx, &gx_customers_entity, a->q, key, value ? value : "", &a->errs);
	return MHD_YES;
}

static void h_customers(struct gx_req *r)
{
	struct gx_list_query q;
	gx_list_init(&gx_customers_entity, &q);
	struct list_args a = {.r = r, .q = &q};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &a);
	if (a.rc) {
		gx_reply_problem(r, 400, "a list parameter is not valid; see errors", a.errs.list);
		return;
	}
	json_t *out = NULL;
	int rc = gx_entity_list(&r->ctx, &gx_customers_entity, &q, &out);
	if (!rc)
		rc = gx_analytics_attach(&r->ctx, json_object_get(out, "items"));
	if (rc) {
		json_decref(out);
		gx_reply_error(r, rc, NULL);
		return;
	}
	gx_reply_json(r, 200, out);
}

static const struct gx_route routes[] = {
	{"POST", "/api/v1/transactions:bulk", h_bulk, "transactions.write", GX_ROUTE_BULK, NULL},
	{"GET", "/api/v1/analytics/rfm", h_rfm, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/tiers", h_tiers, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/pareto", h_pareto, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/retention", h_retention, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/cohorts", h_cohorts, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/decline", h_decline, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/clv", h_clv, "analytics.read", 0, NULL},
	{"POST", "/api/v1/analytics/clv:refit", h_refit, "analytics.refit", 0, NULL},
	{"POST", "/api/v1/analytics/rescore", h_rescore, "analytics.refit", 0, NULL},
	{"GET", "/api/v1/analytics/scorecard", h_scorecard, "analytics.read", 0, NULL},
	{"GET", "/api/v1/analytics/customers", h_customers, "analytics.read", 0, &gx_customers_entity},
	{"GET", "/api/v1/analytics/settings", h_settings_get, "analytics.read", 0, NULL},
	{"PATCH", "/api/v1/analytics/settings", h_settings_put, "admin.analytics", 0, NULL},
	{"GET", "/api/v1/customers/{id}/insights", h_insights, "customers.read", 0, NULL},
	{"GET", "/api/v1/customers/{id}/recommendations", h_recommendations, "customers.read", 0, NULL},
};

void gx_api_analytics_init(void)
{
	gx_transaction_module_init();
	gx_routes_add(routes, sizeof routes / sizeof routes[0]);
	gx_routes_add_entity(&gx_transactions_entity);
}
