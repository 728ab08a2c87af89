/* api_entity.c — the generic REST handlers every entity gets: list, create,
 * read, update (If-Match), soft delete, restore, field history. */
#include "http/http.h"

#include "core/err.h"
#include "entity/rowjson.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_etag(struct gx_req *r, const json_t *rec)
{
	char *etag = gx_arena_printf(&r->arena, "\"%lld\"",
				     (long long)json_integer_value(json_object_get(rec, "version")));
	if (etag)
		gx_reply_header(r, "ETag", etag);
}

struct list_args {
	struct gx_req *r;
	const struct gx_entity *e;
	struct gx_list_query *q;
	gx_list_param_fn extra;
	struct gx_errors errs;
	int rc;
};

static enum MHD_Result list_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct list_args *a = cls;
	if (a->rc)
		return MHD_YES;
	int handled = a->extra ? a->extra(a->r, a->q, key, value ? value : "", &a->errs) : 0;
	if (handled < 0)
		a->rc = handled;
	else if (!handled)
		a->rc = gx_list_param(&a->r->ctx, a->e, a->q, key, value ? value : "", &a->errs);
	return MHD_YES;
}

void gx_http_entity_list(struct gx_req *r, const struct gx_entity *e, gx_list_param_fn extra)
{
	struct gx_list_query q;
	gx_list_init(e, &q);
	struct list_args a = {.r = r, .e = e, .q = &q, .extra = extra};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, list_arg, &a);
	if (!a.rc)
		a.rc = gx_list_finish(&r->ctx, e, &q, &a.errs);
	if (a.rc) {
		json_t *errs = a.errs.list;
		gx_reply_problem(r, 400, "a list parameter is not valid; see errors", errs);
		return;
	}
	json_t *out;
	int rc = gx_entity_list(&r->ctx, e, &q, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_list(struct gx_req *r)
{
	gx_http_entity_list(r, r->route->entity, NULL);
}

static void h_create(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_entity_create(&r->ctx, r->route->entity, body, &out, &errs);
	json_decref(body);
	if (rc) {
		gx_reply_error(r, rc, &errs);
		return;
	}
	const struct gx_entity *e = r->route->entity;
	char *loc = gx_arena_printf(&r->arena, "/api/v1/%s/%lld", e->path ? e->path : e->name,
				    (long long)json_integer_value(json_object_get(out, "id")));
	if (loc)
		gx_reply_header(r, "Location", loc);
	set_etag(r, out);
	json_decref(errs.list);
	gx_reply_json(r, 201, out);
}

static void h_get(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	/* the record's JSON written straight from the row (rowjson.h) */
	struct gx_buf body;
	gx_buf_init(&body, (size_t)64 << 20);
	int64_t version;
	int rc = gx_entity_get_text(&r->ctx, r->route->entity, id, false, &body, &version);
	if (rc) {
		gx_buf_free(&body);
		gx_reply_error(r, rc, NULL);
		return;
	}
	/* "\"%lld\"" without printf */
	char *etag = gx_arena_alloc(&r->arena, 24);
	if (etag) {
		char d[22];
		int i = (int)sizeof d;
		uint64_t u = version < 0 ? 0 - (uint64_t)version : (uint64_t)version;
		do {
			d[--i] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (version < 0)
			d[--i] = '-';
		size_t n = sizeof d - (size_t)i;
		etag[0] = '"';
		memcpy(etag + 1, d + i, n);
		etag[n + 1] = '"';
		etag[n + 2] = '\0';
		gx_reply_header(r, "ETag", etag);
	}
	gx_reply_json_buf(r, 200, &body);
}

static void h_update(struct gx_req *r)
{
	int64_t id, version;
	if (!gx_req_param_id(r, 0, &id))
		return;
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	if (!gx_req_version(r, body, &version)) {
		json_decref(body);
		return;
	}
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_entity_update(&r->ctx, r->route->entity, id, version, body, &out, &errs);
	json_decref(body);
	if (rc) {
		gx_reply_error(r, rc, &errs);
		return;
	}
	set_etag(r, out);
	gx_reply_json(r, 200, out);
}

static void h_delete(struct gx_req *r)
{
	int64_t id, version = -1;
	if (!gx_req_param_id(r, 0, &id))
		return;
	if (gx_req_header(r, "If-Match") && !gx_req_version(r, NULL, &version))
		return;
	struct gx_errors errs = {0};
	int rc = gx_entity_delete(&r->ctx, r->route->entity, id, version, &errs);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_empty(r, 204);
}

static void h_restore(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	struct gx_errors errs = {0};
	json_t *out;
	int rc = gx_entity_restore(&r->ctx, r->route->entity, id, &out, &errs);
	if (rc) {
		if (rc == GX_ECONFLICT && !errs.list)
			gx_errors_add(&errs, NULL, "not_deleted", "the record is not deleted, or restoring it would duplicate another");
		gx_reply_error(r, rc, &errs);
		return;
	}
	set_etag(r, out);
	gx_reply_json(r, 200, out);
}

static void h_history(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	int64_t before, limit;
	if (!gx_req_query_int(r, "cursor", 1, 9007199254740991LL, 0, &before) ||
	    !gx_req_query_int(r, "limit", 1, 200, 50, &limit))
		return;
	json_t *out;
	int rc = gx_entity_history(&r->ctx, r->route->entity, id, before, (int)limit, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

#define ENTITY_ROUTES 7
struct entity_routes {
	struct gx_route r[ENTITY_ROUTES];
	char paths[4][128];
	char perms[2][64];
};

void gx_routes_add_entity(const struct gx_entity *e)
{
	/* lives as long as the process: routes point into it */
	struct entity_routes *t = calloc(1, sizeof *t);
	if (!t)
		return;
	const char *seg = e->path ? e->path : e->name;
	snprintf(t->paths[0], sizeof t->paths[0], "/api/v1/%s", seg);
	snprintf(t->paths[1], sizeof t->paths[1], "/api/v1/%s/{id}", seg);
	snprintf(t->perms[0], sizeof t->perms[0], "%s.read", e->name);
	snprintf(t->perms[1], sizeof t->perms[1], "%s.write", e->name);
	snprintf(t->paths[2], sizeof t->paths[2], "/api/v1/%s/{id}/restore", seg);
	snprintf(t->paths[3], sizeof t->paths[3], "/api/v1/%s/{id}/history", seg);
	struct gx_route rs[ENTITY_ROUTES] = {
		{"GET", t->paths[0], h_list, t->perms[0], 0, e},
		{"POST", t->paths[0], h_create, t->perms[1], 0, e},
		{"GET", t->paths[1], h_get, t->perms[0], 0, e},
		{"PATCH", t->paths[1], h_update, t->perms[1], 0, e},
		{"DELETE", t->paths[1], h_delete, t->perms[1], 0, e},
		{"POST", t->paths[2], h_restore, t->perms[1], 0, e},
		{"GET", t->paths[3], h_history, t->perms[0], 0, e},
	};
	memcpy(t->r, rs, sizeof rs);
	gx_routes_add(t->r, ENTITY_ROUTES);
}
