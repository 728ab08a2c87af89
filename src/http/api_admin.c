/* api_admin.c — health, metrics, the tenant's settings, the audit log, and
 * the registration of every API route. */
#include "http/http.h"

#include "core/err.h"
#include "core/utf8.h"
#include "crm/user.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void h_healthz(struct gx_req *r)
{
	/* a cheap read proves the database answers */
	struct gx_conn *c;
	struct gx_stmt *st;
	int rc = gx_store_reader(gx_srv->store, &c);
	if (!rc) {
		rc = gx_conn_prepare(c, "SELECT 1", &st);
		if (!rc) {
			rc = gx_stmt_step(st) == GX_ROW ? 0 : GX_EDB;
			gx_stmt_reset(st);
		}
		gx_store_release(c);
	}
	if (rc) {
		gx_reply_problem(r, 503, "the database does not answer", NULL);
		return;
	}
	gx_reply_json(r, 200, json_pack("{s:s, s:s, s:s}", "status", "ok", "version", GX_VERSION,
					 "database", gx_store_backend(gx_srv->store)));
}

static void h_tenant_get(struct gx_req *r)
{
	json_t *out;
	int rc = gx_tenant_get(&r->ctx, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_tenant_update(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_tenant_update(&r->ctx, body, &out, &errs);
	json_decref(body);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 200, out);
}

/* GET /api/v1/audit?entity=users&id=123&cursor=&limit= — newest first. */
static void h_audit(struct gx_req *r)
{
	const char *entity = gx_req_query(r, "entity");
	int64_t id, before, limit;
	if (!gx_req_query_int(r, "id", 1, 9007199254740991LL, 0, &id) ||
	    !gx_req_query_int(r, "cursor", 1, 9007199254740991LL, 0, &before) ||
	    !gx_req_query_int(r, "limit", 1, 200, 50, &limit))
		return;
	if (entity && (strlen(entity) > 64 || !gx_utf8_valid(entity, strlen(entity)))) {
		gx_reply_problem(r, 400, "entity is not valid", NULL);
		return;
	}
	struct gx_conn *c;
	int rc = gx_store_reader(gx_srv->store, &c);
	if (rc) {
		gx_reply_error(r, rc, NULL);
		return;
	}
	struct gx_stmt *st;
	json_t *items = json_array();
	rc = gx_conn_prepare(c,
		"SELECT id, at, actor_id, action, entity, entity_id, before, after, ip, request_id "
		"FROM audit_log WHERE tenant_id = ? AND (CAST(? AS TEXT) IS NULL OR entity = ?) "
		"AND (CAST(? AS BIGINT) IS NULL OR entity_id = ?) AND id < ? ORDER BY id DESC LIMIT ?", &st);
	int n = 0;
	int64_t last = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, r->ctx.tenant_id);
		gx_stmt_bind_str(st, 2, entity);
		gx_stmt_bind_str(st, 3, entity);
		if (id) {
			gx_stmt_bind_int64(st, 4, id);
			gx_stmt_bind_int64(st, 5, id);
		} else {
			gx_stmt_bind_null(st, 4);
			gx_stmt_bind_null(st, 5);
		}
		gx_stmt_bind_int64(st, 6, before ? before : INT64_MAX);
		gx_stmt_bind_int64(st, 7, limit + 1);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (n++ == limit)
				break;
			json_t *row = gx_entity_row_json(NULL, st);
			/* before/after are stored as JSON text: give them back as JSON */
			for (int k = 0; k < 2; k++) {
				const char *col = k ? "after" : "before";
				const char *txt = json_string_value(json_object_get(row, col));
				if (txt)
					json_object_set_new(row, col, json_loads(txt, 0, NULL));
			}
			last = gx_stmt_col_int64(st, 0);
			json_array_append_new(items, row);
		}
		if (rc == GX_ROW || rc == GX_DONE)
			rc = 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc) {
		json_decref(items);
		gx_reply_error(r, rc, NULL);
		return;
	}
	json_t *next = n > limit ? json_sprintf("%lld", (long long)last) : json_null();
	gx_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static const struct gx_route routes[] = {
	{"GET", "/healthz", h_healthz, NULL, GX_ROUTE_PUBLIC, NULL},
	{"GET", "/metrics", gx_metrics_handler, NULL, GX_ROUTE_PUBLIC, NULL},
	{"GET", "/api/v1/tenant", h_tenant_get, NULL, 0, NULL},
	{"PATCH", "/api/v1/tenant", h_tenant_update, "admin.tenant", 0, NULL},
	{"GET", "/api/v1/audit", h_audit, "admin.audit", 0, NULL},
};

void gx_api_init(void)
{
	gx_user_module_init();
	gx_routes_add(routes, sizeof routes / sizeof routes[0]);
	gx_api_auth_init();
	gx_routes_add_entity(&gx_users_entity);
	gx_routes_add_entity(&gx_teams_entity);
	gx_api_customers_init();
	gx_api_io_init();
	gx_api_analytics_init();
	gx_api_openapi_init();
}
