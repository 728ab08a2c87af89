/* api_customers.c — the customer 360 routes beyond CRUD: create with the
 * duplicate check, duplicates and merge, relationship team, timeline, the
 * customer pool, handover. */
#include "http/http.h"

#include "analytics/analytics.h"
#include "core/err.h"
#include "crm/customer.h"
#include "crm/user.h"
#include "entity/custom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool flag(struct gx_req *r, const char *name)
{
	const char *v = gx_req_query(r, name);
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* POST /api/v1/customers: likely duplicates answer 409 with the candidates
 * unless ?force=true. */
static void h_create(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	if (gx_entity_validate(&gx_customers_entity, body, true, &errs)) {
		json_decref(body);
		gx_reply_error(r, GX_EINVAL, &errs);
		return;
	}
	if (!flag(r, "force")) {
		json_t *cands = NULL;
		int rc = gx_customer_find_duplicates(&r->ctx, body, 0, &cands);
		if (rc) {
			json_decref(body);
			gx_reply_error(r, rc, NULL);
			return;
		}
		if (json_array_size(cands)) {
			json_decref(body);
			json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type", "/problems/duplicate", "title",
					      "Possible duplicate", "status", 409, "detail",
					      "customers like this one exist; merge with one of them, or send again with ?force=true",
					      "instance", r->request_id, "candidates", cands);
			char *text = json_dumps(p, JSON_COMPACT);
			json_decref(p);
			if (text) {
				gx_reply_raw(r, 409, "application/problem+json", text, strlen(text), true);
				free(text);
			} else {
				gx_reply_error(r, GX_ENOMEM, NULL);
			}
			return;
		}
		json_decref(cands);
	}
	json_t *out;
	int rc = gx_entity_create(&r->ctx, &gx_customers_entity, body, &out, &errs);
	json_decref(body);
	if (rc) {
		gx_reply_error(r, rc, &errs);
		return;
	}
	char *loc = gx_arena_printf(&r->arena, "/api/v1/customers/%lld",
				    (long long)json_integer_value(json_object_get(out, "id")));
	char *etag = gx_arena_printf(&r->arena, "\"%lld\"", (long long)json_integer_value(json_object_get(out, "version")));
	if (loc)
		gx_reply_header(r, "Location", loc);
	if (etag)
		gx_reply_header(r, "ETag", etag);
	gx_reply_json(r, 201, out);
}

/* Customer list extras: ?risk=single_person|narrow|broad|none (relationship
 * breadth) and ?member=<user id> (customers served by that user). */
int gx_customer_list_param(struct gx_req *r, struct gx_list_query *q, const char *key, const char *value,
			   struct gx_errors *errs)
{
	static const char breadth[] = "(SELECT count(*) FROM relationships r WHERE r.tenant_id = customers.tenant_id "
				      "AND r.customer_id = customers.id AND r.deleted_at IS NULL)";
	int analytic = gx_analytics_list_param(&r->arena, q, key, value, errs);
	if (analytic)
		return analytic;
	if (strcmp(key, "risk") == 0) {
		if (q->extra_where) {
			gx_errors_add(errs, key, "invalid", "risk and member cannot be combined");
			return GX_EINVAL;
		}
		const char *cond = strcmp(value, "single_person") == 0 ? " = 1"
				   : strcmp(value, "none") == 0		? " = 0"
				   : strcmp(value, "narrow") == 0		? " BETWEEN 2 AND 3"
				   : strcmp(value, "broad") == 0		? " >= 4" : NULL;
		if (!cond) {
			gx_errors_add(errs, key, "invalid_option", "risk is one of none, single_person, narrow, broad");
			return GX_EINVAL;
		}
		q->extra_where = gx_arena_printf(&r->arena, "%s%s", breadth, cond);
		return 1;
	}
	if (strcmp(key, "member") == 0) {
		char *end;
		long long uid = strtoll(value, &end, 10);
		if (!*value || *end || uid <= 0 || q->extra_where) {
			gx_errors_add(errs, key, "invalid_format", "member is a user id (and cannot be combined with risk)");
			return GX_EINVAL;
		}
		q->extra_where = "EXISTS (SELECT 1 FROM relationships m WHERE m.tenant_id = customers.tenant_id AND "
				 "m.customer_id = customers.id AND m.deleted_at IS NULL AND m.user_id = ?)";
		q->extra_args[0] = uid;
		q->nextra = 1;
		return 1;
	}
	return 0;
}

static void h_list(struct gx_req *r)
{
	gx_http_entity_list(r, &gx_customers_entity, gx_customer_list_param);
}

static void h_duplicates(struct gx_req *r)
{
	json_t *out;
	int rc = gx_customer_duplicate_pairs(&r->ctx, 500, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

/* A body of exactly {"<field>": <id>}: the id, or 0 with the answer sent. */
static int64_t body_id(struct gx_req *r, const char *field, const char *help)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return 0;
	json_t *v = json_object_get(body, field);
	int64_t id = json_is_integer(v) && json_object_size(body) == 1 && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
	json_decref(body);
	if (!id) {
		struct gx_errors errs = {0};
		gx_errors_add(&errs, field, "required", "%s", help);
		gx_reply_error(r, GX_EINVAL, &errs);
	}
	return id;
}

static void h_merge(struct gx_req *r)
{
	int64_t id, from;
	if (!gx_req_param_id(r, 0, &id) ||
	    !(from = body_id(r, "from", "send {\"from\": <id of the customer to merge into this one>}")))
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_customer_merge(&r->ctx, id, from, &out, &errs);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

static void h_team(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *out;
	int rc = gx_customer_team(&r->ctx, id, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_timeline(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	int64_t limit;
	if (!gx_req_query_int(r, "limit", 1, 200, 50, &limit))
		return;
	json_t *out;
	int rc = gx_customer_timeline(&r->ctx, id, gx_req_query(r, "cursor"), (int)limit, &out);
	if (rc == GX_EINVAL)
		gx_reply_problem(r, 400, "the cursor is not valid", NULL);
	else if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_claim(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_customer_claim(&r->ctx, id, &out, &errs);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

static void h_release(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *out;
	int rc = gx_customer_release(&r->ctx, id, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_sweep(struct gx_req *r)
{
	int moved = 0;
	int rc = gx_customer_pool_sweep(gx_srv->store, r->ctx.tenant_id, &moved);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, json_pack("{s:i}", "returned_to_pool", moved));
}

static void h_handover(struct gx_req *r)
{
	int64_t id, to;
	if (!gx_req_param_id(r, 0, &id) || !(to = body_id(r, "to", "send {\"to\": <id of the successor>}")))
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_user_handover(&r->ctx, id, to, &out, &errs);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

static const struct gx_route routes[] = {
	{"GET", "/api/v1/customers", h_list, "customers.read", 0, &gx_customers_entity},
	{"POST", "/api/v1/customers", h_create, "customers.write", 0, &gx_customers_entity},
	{"GET", "/api/v1/customers/duplicates", h_duplicates, "customers.read", 0, NULL},
	{"POST", "/api/v1/customers/pool/sweep", h_sweep, "admin.pool", 0, NULL},
	{"POST", "/api/v1/customers/{id}/merge", h_merge, "customers.merge", 0, NULL},
	{"GET", "/api/v1/customers/{id}/team", h_team, "customers.read", 0, NULL},
	{"GET", "/api/v1/customers/{id}/timeline", h_timeline, "customers.read", 0, NULL},
	{"POST", "/api/v1/customers/{id}/claim", h_claim, "customers.pool", 0, NULL},
	{"POST", "/api/v1/customers/{id}/release", h_release, "customers.pool", 0, NULL},
	{"POST", "/api/v1/users/{id}/handover", h_handover, "admin.handover", 0, NULL},
};

void gx_api_customers_init(void)
{
	gx_customer_module_init();
	gx_routes_add(routes, sizeof routes / sizeof routes[0]);
	gx_routes_add_entity(&gx_customers_entity);
	gx_routes_add_entity(&gx_contacts_entity);
	gx_routes_add_entity(&gx_relationships_entity);
	gx_routes_add_entity(&gx_activities_entity);
	gx_routes_add_entity(&gx_custom_fields_entity);
	gx_routes_add_entity(&gx_option_values_entity);
}
