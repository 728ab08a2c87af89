/* openapi.c — GET /api/v1/openapi.json: an OpenAPI 3.1 description built at
 * run time from the route table (gx_routes_all) and the entities' field
 * descriptors, so that it cannot drift from what the server does. */
#include "http/http.h"

#include "core/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "custom_fields" -> "CustomFields" */
static void schema_name(const struct gx_entity *e, const char *suffix, char *out, size_t cap)
{
	size_t o = 0;
	bool up = true;
	for (const char *p = e->name; *p && o + 1 < cap; p++) {
		if (*p == '_' || *p == '-') {
			up = true;
			continue;
		}
		out[o++] = up ? (char)toupper((unsigned char)*p) : *p;
		up = false;
	}
	out[o] = '\0';
	snprintf(out + o, cap - o, "%s", suffix);
}

static json_t *ref(const char *kind, const char *name)
{
	char r[200];
	snprintf(r, sizeof r, "#/components/%s/%s", kind, name);
	return json_pack("{s:s}", "$ref", r);
}

static json_t *labels(const struct gx_field *f)
{
	if (!f->label[0] && !f->label[2])
		return NULL;
	return json_pack("{s:s?, s:s?, s:s?}", "zh-CN", f->label[0], "zh-TW", f->label[1], "en", f->label[2]);
}

/* The JSON Schema of one field; nullable adds "null" to its type. */
static json_t *field_schema(const struct gx_field *f, bool nullable)
{
	json_t *s = json_object();
	const char *type = "string";
	switch (f->type) {
	case GX_F_INT: case GX_F_MONEY: case GX_F_REF: type = "integer"; break;
	case GX_F_BOOL: type = "boolean"; break;
	default: break;
	}
	if (f->type == GX_F_JSON) {
		json_object_set_new(s, "type", nullable ? json_pack("[s, s, s]", "array", "object", "null")
						       : json_pack("[s, s]", "array", "object"));
	} else {
		json_object_set_new(s, "type", nullable ? json_pack("[s, s]", type, "null") : json_string(type));
	}
	int64_t lo = f->min, hi = f->max;
	switch (f->type) {
	case GX_F_TEXT: case GX_F_EMAIL: case GX_F_PHONE:
		json_object_set_new(s, "maxLength", json_integer(f->max_len ? f->max_len : 1000));
		if (f->type == GX_F_EMAIL)
			json_object_set_new(s, "format", json_string("email"));
		break;
	case GX_F_DATE:
		json_object_set_new(s, "format", json_string("date"));
		break;
	case GX_F_DATETIME:
		json_object_set_new(s, "format", json_string("date-time"));
		break;
	case GX_F_INT: case GX_F_MONEY: case GX_F_REF:
		if (lo >= hi) {
			lo = f->type == GX_F_REF ? 1 : -9007199254740991LL;
			hi = 9007199254740991LL;
		}
		json_object_set_new(s, "minimum", json_integer(lo));
		json_object_set_new(s, "maximum", json_integer(hi));
		break;
	case GX_F_ENUM: {
		json_t *e = json_array();
		for (const char *const *o = f->options; o && *o; o++)
			json_array_append_new(e, json_string(*o));
		if (nullable)
			json_array_append_new(e, json_null());
		json_object_set_new(s, "enum", e);
		break;
	}
	default:
		break;
	}
	char desc[300] = "";
	if (f->type == GX_F_MONEY)
		snprintf(desc, sizeof desc, "amount in minor units (fen, cents) of the record's currency");
	else if (f->type == GX_F_REF && f->ref)
		snprintf(desc, sizeof desc, "id of a record of %s", f->ref);
	if (f->flags & GX_FF_UNIQUE)
		snprintf(desc + strlen(desc), sizeof desc - strlen(desc), "%sunique per tenant", *desc ? "; " : "");
	if (f->flags & GX_FF_VIRTUAL)
		snprintf(desc + strlen(desc), sizeof desc - strlen(desc), "%sinput only", *desc ? "; " : "");
	if (*desc)
		json_object_set_new(s, "description", json_string(desc));
	if (f->label[2] && *f->label[2])
		json_object_set_new(s, "title", json_string(f->label[2]));
	json_t *l = labels(f);
	if (l)
		json_object_set_new(s, "x-labels", l);
	return s;
}

static const struct gx_field sys_fields[] = {
	{"id", GX_F_INT, GX_FF_READONLY, 0, 1, 9007199254740991LL, NULL, NULL, {NULL, NULL, NULL}},
	{"created_at", GX_F_DATETIME, GX_FF_READONLY, 0, 0, 0, NULL, NULL, {NULL, NULL, NULL}},
	{"updated_at", GX_F_DATETIME, GX_FF_READONLY, 0, 0, 0, NULL, NULL, {NULL, NULL, NULL}},
	{"created_by", GX_F_REF, GX_FF_READONLY, 0, 0, 0, NULL, "users", {NULL, NULL, NULL}},
	{"updated_by", GX_F_REF, GX_FF_READONLY, 0, 0, 0, NULL, "users", {NULL, NULL, NULL}},
	{"deleted_at", GX_F_DATETIME, GX_FF_READONLY, 0, 0, 0, NULL, NULL, {NULL, NULL, NULL}},
	{"version", GX_F_INT, GX_FF_READONLY, 0, 1, 9007199254740991LL, NULL, NULL, {NULL, NULL, NULL}},
};

/* Record, create-input, update-input and list schemas of an entity. */
static void entity_schemas(const struct gx_entity *e, json_t *schemas)
{
	char name[96];
	schema_name(e, "", name, sizeof name);
	if (json_object_get(schemas, name))
		return;
	json_t *rec = json_object(), *cre = json_object(), *upd = json_object();
	json_t *rec_req = json_array(), *cre_req = json_array();
	for (int i = 0; i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		if (f->flags & GX_FF_HIDDEN)
			continue;
		bool required = f->flags & GX_FF_REQUIRED;
		if (!(f->flags & GX_FF_VIRTUAL)) {
			json_t *s = field_schema(f, !required);
			if (f->flags & GX_FF_READONLY)
				json_object_set_new(s, "readOnly", json_true());
			json_object_set_new(rec, f->name, s);
			json_array_append_new(rec_req, json_string(f->name));
		}
		if (f->flags & GX_FF_READONLY)
			continue;
		json_object_set_new(cre, f->name, field_schema(f, !required));
		if (required)
			json_array_append_new(cre_req, json_string(f->name));
		if (!(f->flags & GX_FF_CREATE_ONLY))
			json_object_set_new(upd, f->name, field_schema(f, !required));
	}
	for (size_t i = 0; i < sizeof sys_fields / sizeof sys_fields[0]; i++) {
		const struct gx_field *f = &sys_fields[i];
		bool nullable = f->type != GX_F_INT && strcmp(f->name, "created_at") && strcmp(f->name, "updated_at");
		json_t *s = field_schema(f, nullable);
		json_object_set_new(s, "readOnly", json_true());
		json_object_set_new(rec, f->name, s);
		json_array_append_new(rec_req, json_string(f->name));
	}
	if (e->custom_fields) {
		json_t *c = json_pack("{s:s, s:s, s:b}", "type", "object", "description",
				      "the tenant's custom fields of this record (see custom-fields)", "additionalProperties", 1);
		json_object_set(rec, "custom", c);
		json_object_set(cre, "custom", c);
		json_object_set_new(upd, "custom", c);
	}
	char n2[110];
	json_object_set_new(schemas, name,
			    json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", rec, "required", rec_req,
				      "additionalProperties", 0));
	snprintf(n2, sizeof n2, "%sCreate", name);
	json_t *cs = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", cre, "additionalProperties", 0);
	if (json_array_size(cre_req))
		json_object_set_new(cs, "required", cre_req);
	else
		json_decref(cre_req);
	json_object_set_new(schemas, n2, cs);
	snprintf(n2, sizeof n2, "%sUpdate", name);
	json_object_set_new(upd, "version", json_pack("{s:s, s:i, s:s}", "type", "integer", "minimum", 1, "description",
						     "the version read (or send If-Match)"));
	json_object_set_new(schemas, n2, json_pack("{s:s, s:o, s:b}", "type", "object", "properties", upd,
						   "additionalProperties", 0));
	snprintf(n2, sizeof n2, "%sList", name);
	json_object_set_new(schemas, n2,
			    json_pack("{s:s, s:{s:{s:s, s:o}, s:{s:[s, s]}, s:{s:s, s:i}}, s:[s, s]}", "type", "object",
				      "properties", "items", "type", "array", "items", ref("schemas", name), "next_cursor",
				      "type", "string", "null", "total", "type", "integer", "minimum", 0, "required", "items",
				      "next_cursor"));
}

static json_t *problem_responses(json_t *resp, bool body, bool item)
{
	static const char *const codes[] = {"401", "403", "429"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		json_object_set_new(resp, codes[i], ref("responses", "Problem"));
	if (body) {
		json_object_set_new(resp, "400", ref("responses", "Problem"));
		json_object_set_new(resp, "413", ref("responses", "Problem"));
		json_object_set_new(resp, "415", ref("responses", "Problem"));
		json_object_set_new(resp, "422", ref("responses", "Problem"));
		json_object_set_new(resp, "409", ref("responses", "Problem"));
	}
	if (item)
		json_object_set_new(resp, "404", ref("responses", "Problem"));
	return resp;
}

static json_t *json_content(json_t *schema)
{
	return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *ok(const char *desc, json_t *content)
{
	json_t *r = json_pack("{s:s}", "description", desc);
	if (content)
		json_object_set_new(r, "content", content);
	return r;
}

static json_t *list_params(const struct gx_entity *e)
{
	json_t *p = json_pack("[o, o, o, o, o]", ref("parameters", "limit"), ref("parameters", "cursor"), ref("parameters", "q"),
			      ref("parameters", "count"), ref("parameters", "deleted"));
	json_t *sorts = json_array();
	for (int i = 0; i < e->nfields + 7; i++) {
		const struct gx_field *f = i < e->nfields ? &e->fields[i] : &sys_fields[i - e->nfields];
		if (!(f->flags & GX_FF_SORT) && i < e->nfields)
			continue;
		if (f->flags & GX_FF_HIDDEN)
			continue;
		char d[80];
		snprintf(d, sizeof d, "-%s", f->name);
		json_array_append_new(sorts, json_string(f->name));
		json_array_append_new(sorts, json_string(d));
	}
	json_array_append_new(p, json_pack("{s:s, s:s, s:s, s:{s:s, s:o}}", "name", "sort", "in", "query", "description",
					   "sort field, '-' for descending", "schema", "type", "string", "enum", sorts));
	for (int i = 0; i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		if (!(f->flags & GX_FF_FILTER) || (f->flags & GX_FF_HIDDEN))
			continue;
		char n[96];
		snprintf(n, sizeof n, "filter[%s]", f->name);
		json_array_append_new(p, json_pack("{s:s, s:s, s:s, s:o}", "name", n, "in", "query", "description",
						   "equals; also filter[field][ne|gt|gte|lt|lte|in|null]", "schema",
						   field_schema(f, false)));
	}
	return p;
}

/* Describes an operation of a generic entity route; false when the route
 * is not one of them. */
static bool entity_operation(const struct gx_route *rt, json_t *op, json_t *schemas)
{
	const struct gx_entity *e = rt->entity;
	if (!e)
		return false;
	entity_schemas(e, schemas);
	char name[96], list[110], create[110], update[110];
	schema_name(e, "", name, sizeof name);
	snprintf(list, sizeof list, "%sList", name);
	snprintf(create, sizeof create, "%sCreate", name);
	snprintf(update, sizeof update, "%sUpdate", name);
	const char *m = rt->method, *p = rt->pattern;
	bool item = strstr(p, "{id}") != NULL;
	const char *tail = item ? strstr(p, "{id}") + 4 : "";
	json_t *resp = json_object();
	if (!strcmp(m, "GET") && !item) {
		json_object_set_new(op, "summary", json_sprintf("List %s (keyset pages, filters, sort, search)", e->name));
		json_object_set_new(op, "parameters", list_params(e));
		json_object_set_new(resp, "200", ok("a page", json_content(ref("schemas", list))));
		json_object_set_new(resp, "400", ref("responses", "Problem"));
	} else if (!strcmp(m, "POST") && !item) {
		json_object_set_new(op, "summary", json_sprintf("Create a record of %s", e->name));
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content",
								 json_content(ref("schemas", create))));
		json_object_set_new(resp, "201", ok("created", json_content(ref("schemas", name))));
		problem_responses(resp, true, false);
	} else if (!strcmp(m, "GET") && !*tail) {
		json_object_set_new(op, "summary", json_sprintf("Read a record of %s", e->name));
		json_object_set_new(resp, "200", ok("the record (ETag: its version)", json_content(ref("schemas", name))));
	} else if (!strcmp(m, "PATCH") && !*tail) {
		json_object_set_new(op, "summary", json_sprintf("Update a record of %s (If-Match: its version)", e->name));
		json_object_set_new(op, "parameters", json_pack("[o]", ref("parameters", "IfMatch")));
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content",
								 json_content(ref("schemas", update))));
		json_object_set_new(resp, "200", ok("the updated record", json_content(ref("schemas", name))));
		json_object_set_new(resp, "412", ref("responses", "Problem"));
		json_object_set_new(resp, "428", ref("responses", "Problem"));
		problem_responses(resp, true, true);
	} else if (!strcmp(m, "DELETE") && !*tail) {
		json_object_set_new(op, "summary", json_sprintf("Delete a record of %s (soft: restorable)", e->name));
		json_object_set_new(resp, "204", ok("deleted", NULL));
		json_object_set_new(resp, "412", ref("responses", "Problem"));
	} else if (!strcmp(m, "POST") && !strcmp(tail, "/restore")) {
		json_object_set_new(op, "summary", json_sprintf("Restore a deleted record of %s", e->name));
		json_object_set_new(resp, "200", ok("the restored record", json_content(ref("schemas", name))));
		json_object_set_new(resp, "409", ref("responses", "Problem"));
	} else if (!strcmp(m, "GET") && !strcmp(tail, "/history")) {
		json_object_set_new(op, "summary", json_sprintf("Field history of a record of %s, newest first", e->name));
		json_object_set_new(resp, "200", ok("a page of changes", json_content(ref("schemas", "History"))));
	} else {
		json_decref(resp);
		return false;
	}
	problem_responses(resp, false, item);
	json_object_set_new(op, "responses", resp);
	return true;
}

/* What the route table cannot say about the routes of the io module. */
static void known_operation(const struct gx_route *rt, json_t *op)
{
	json_t *resp = json_object_get(op, "responses");
	const char *p = rt->pattern;
	if (!strcmp(p, "/api/v1/imports") && !strcmp(rt->method, "POST")) {
		json_object_set_new(op, "summary", json_string("Import customers or contacts from a CSV or vCard file (a batch job)"));
		json_t *file = json_pack("{s:s, s:s}", "type", "string", "contentMediaType", "text/csv");
		json_object_set_new(op, "requestBody", json_pack(
			"{s:b, s:{s:{s:o}, s:{s:{s:s, s:s}}, s:{s:{s:s, s:{s:{s:s, s:s}, s:{s:s}}}}}}", "required", 1, "content",
			"text/csv", "schema", file, "text/vcard", "schema", "type", "string", "contentMediaType", "text/vcard",
			"multipart/form-data", "schema", "type", "object", "properties", "file", "type", "string",
			"contentMediaType", "application/octet-stream", "options", "type", "string"));
		const char *const qp[] = {"entity", "mode", "dry_run", "key", "duplicates", "mapping_id", "encoding", "delimiter",
					  "customer", "create_customers", "owner_id", "format", "wait", NULL};
		json_t *params = json_array();
		for (const char *const *k = qp; *k; k++)
			json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s}}", "name", *k, "in", "query", "schema", "type", "string"));
		json_object_set_new(op, "parameters", params);
		json_object_set_new(resp, "202", ok("the batch, running: poll Location", json_content(ref("schemas", "ImportBatch"))));
		json_object_set_new(resp, "200", ok("the finished batch (wait=true)", json_content(ref("schemas", "ImportBatch"))));
		json_object_del(resp, "default");
	} else if (!strncmp(p, "/api/v1/imports/{id}", 20) && !strcmp(rt->method, "GET") && !strcmp(p + 20, "")) {
		json_object_set_new(op, "summary", json_string("An import batch: status, progress, summary"));
		json_object_set_new(resp, "200", ok("the batch", json_content(ref("schemas", "ImportBatch"))));
		json_object_del(resp, "default");
	} else if (!strcmp(p, "/api/v1/imports/{id}/errors.csv")) {
		json_object_set_new(op, "summary", json_string("The rows an import could not take, with the reasons (CSV)"));
		json_object_set_new(resp, "200", ok("CSV", json_pack("{s:{s:{s:s}}}", "text/csv", "schema", "type", "string")));
		json_object_del(resp, "default");
	} else if (!strcmp(p, "/api/v1/exports/{entity}")) {
		json_object_set_new(op, "summary", json_string("Export a list (the list API's filters, sort and q) as CSV, XLSX, vCard or iCalendar"));
		json_t *params = json_object_get(op, "parameters");
		json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:[s, s, s, s]}}", "name", "format", "in", "query",
							"schema", "type", "string", "enum", "csv", "xlsx", "vcf", "ics"));
		json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:[s, s, s]}}", "name", "lang", "in", "query", "schema",
							"type", "string", "enum", "zh-CN", "zh-TW", "en"));
		json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s}}", "name", "bom", "in", "query", "schema", "type", "boolean"));
		json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s}}", "name", "columns", "in", "query", "schema", "type", "string"));
		json_t *content = json_pack("{s:{s:{s:s}}, s:{s:{s:s, s:s}}, s:{s:{s:s}}, s:{s:{s:s}}}", "text/csv", "schema", "type",
					    "string", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "schema",
					    "type", "string", "contentEncoding", "binary", "text/vcard", "schema", "type", "string",
					    "text/calendar", "schema", "type", "string");
		json_object_set_new(resp, "200", ok("the file", content));
		json_object_del(resp, "default");
	}
}

static json_t *components(void)
{
	json_t *c = json_object();
	json_object_set_new(c, "securitySchemes",
			    json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}", "bearer", "type", "http", "scheme",
				      "bearer", "apiKey", "type", "apiKey", "in", "header", "name", "X-API-Key", "session", "type",
				      "apiKey", "in", "cookie", "name", "gx_session"));
	json_t *schemas = json_object();
	json_object_set_new(schemas, "Problem",
			    json_pack("{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:[s, s]}, "
				      "s:{s:s}, s:{s:s}}}}}, s:[s, s, s]}",
				      "type", "object", "description", "RFC 9457 problem details", "properties", "type", "type",
				      "string", "title", "type", "string", "status", "type", "integer", "detail", "type", "string",
				      "instance", "type", "string", "errors", "type", "array", "items", "type", "object", "properties",
				      "field", "type", "string", "null", "code", "type", "string", "message", "type", "string",
				      "required", "type", "title", "status"));
	json_object_set_new(schemas, "History",
			    json_pack("{s:s, s:{s:{s:s, s:{s:s}}, s:{s:[s, s]}}}", "type", "object", "properties", "items", "type",
				      "array", "items", "type", "object", "next_cursor", "type", "string", "null"));
	json_object_set_new(schemas, "ImportBatch",
			    json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:[s, s, s, s, s, s, s]}, s:{s:s}, s:{s:s}, s:{}, s:{}}, s:[s, s]}",
				      "type", "object", "properties", "id", "type", "integer", "entity", "type", "string", "status",
				      "type", "string", "enum", "queued", "running", "done", "failed", "dry_run", "undone", "interrupted",
				      "mode", "type", "string", "progress", "type", "object", "summary", "error", "required", "id",
				      "status"));
	json_object_set_new(c, "schemas", schemas);
	json_object_set_new(c, "responses", json_pack("{s:{s:s, s:{s:{s:o}}}}", "Problem", "description",
						      "a problem (RFC 9457)", "content", "application/problem+json", "schema",
						      ref("schemas", "Problem")));
	json_object_set_new(c, "parameters", json_pack(
		"{s:{s:s, s:s, s:{s:s, s:i, s:i}}, s:{s:s, s:s, s:{s:s}}, s:{s:s, s:s, s:s, s:{s:s, s:i}},"
		" s:{s:s, s:s, s:{s:s}}, s:{s:s, s:s, s:{s:s}}, s:{s:s, s:s, s:s, s:{s:s}}}",
		"limit", "name", "limit", "in", "query", "schema", "type", "integer", "minimum", 1, "maximum", 200,
		"cursor", "name", "cursor", "in", "query", "schema", "type", "string",
		"q", "name", "q", "in", "query", "description", "search (Chinese, pinyin, initials, phone, e-mail)", "schema", "type",
		"string", "maxLength", 512,
		"count", "name", "count", "in", "query", "schema", "type", "boolean",
		"deleted", "name", "deleted", "in", "query", "schema", "type", "boolean",
		"IfMatch", "name", "If-Match", "in", "header", "description", "the record's ETag (its version), e.g. \"3\"",
		"schema", "type", "string"));
	return c;
}

int gx_openapi_build(json_t **out);
int gx_openapi_build(json_t **out)
{
	const struct gx_route **routes;
	int n = gx_routes_all(&routes);
	json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:[{s:[]}, {s:[]}, {s:[]}]}",
				"openapi", "3.1.0", "info", "title", "guanxi CRM API", "version", GX_VERSION, "description",
				"Generated from the server's route table and entity descriptors. Errors are RFC 9457 problem+json; "
				"lists page with keyset cursors; writes take If-Match.",
				"servers", "url", "/",
				"components", components(), "security", "bearer", "apiKey", "session");
	if (!doc)
		return GX_ENOMEM;
	json_t *paths = json_object();
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	for (int i = 0; i < n; i++) {
		const struct gx_route *rt = routes[i];
		json_t *item = json_object_get(paths, rt->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		char method[16];
		size_t k = 0;
		for (; rt->method[k] && k < sizeof method - 1; k++)
			method[k] = (char)tolower((unsigned char)rt->method[k]);
		method[k] = '\0';
		if (json_object_get(item, method))
			continue; /* registered twice: the first one answers */
		json_t *op = json_object();
		/* operationId: method and path as one identifier */
		char opid[300];
		size_t o = (size_t)snprintf(opid, sizeof opid, "%s", method);
		for (const char *p = rt->pattern; *p && o + 2 < sizeof opid; p++) {
			if (isalnum((unsigned char)*p))
				opid[o++] = *p;
			else if (o && opid[o - 1] != '_')
				opid[o++] = '_';
		}
		while (o && opid[o - 1] == '_')
			o--;
		opid[o] = '\0';
		json_object_set_new(op, "operationId", json_string(opid));
		/* tag: the resource after /api/v1/ */
		char tag[64] = "server";
		if (!strncmp(rt->pattern, "/api/v1/", 8)) {
			size_t tl = strcspn(rt->pattern + 8, "/");
			snprintf(tag, sizeof tag, "%.*s", (int)(tl < 63 ? tl : 63), rt->pattern + 8);
		}
		json_object_set_new(op, "tags", json_pack("[s]", tag));
		/* path parameters */
		json_t *params = json_array();
		for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
			const char *close = strchr(p, '}');
			if (!close)
				break;
			char pn[64];
			snprintf(pn, sizeof pn, "%.*s", (int)(close - p - 1), p + 1);
			json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o}", "name", pn, "in", "path", "required", 1, "schema",
								!strcmp(pn, "id") ? json_pack("{s:s, s:i}", "type", "integer", "minimum", 1)
										  : json_pack("{s:s}", "type", "string")));
		}
		if (rt->flags & GX_ROUTE_PUBLIC)
			json_object_set_new(op, "security", json_array());
		if (rt->perm)
			json_object_set_new(op, "x-permission", json_string(rt->perm));
		if (entity_operation(rt, op, schemas)) {
			json_t *more = json_object_get(op, "parameters");
			if (more)
				json_array_extend(params, more);
			json_object_set(op, "parameters", params);
		} else {
			json_object_set(op, "parameters", params);
			json_object_set_new(op, "summary", json_sprintf("%s %s", rt->method, rt->pattern));
			bool body = !strcmp(rt->method, "POST") || !strcmp(rt->method, "PATCH") || !strcmp(rt->method, "PUT");
			json_t *resp = json_object();
			json_object_set_new(resp, "default", ok("the answer (JSON unless the operation says otherwise)",
								json_content(json_pack("{}"))));
			if (!(rt->flags & GX_ROUTE_PUBLIC))
				problem_responses(resp, body, strchr(rt->pattern, '{') != NULL);
			json_object_set_new(op, "responses", resp);
			if (body && strcmp(rt->pattern, "/api/v1/imports"))
				json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", 0, "content",
										 json_content(json_pack("{s:s}", "type", "object"))));
			known_operation(rt, op);
		}
		json_decref(params);
		if (!json_array_size(json_object_get(op, "parameters")))
			json_object_del(op, "parameters");
		json_object_set_new(item, method, op);
	}
	json_object_set_new(doc, "paths", paths);
	*out = doc;
	return 0;
}

static void h_openapi(struct gx_req *r)
{
	json_t *doc;
	int rc = gx_openapi_build(&doc);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, doc);
}

static const struct gx_route routes[] = {
	{"GET", "/api/v1/openapi.json", h_openapi, NULL, GX_ROUTE_PUBLIC, NULL},
};

void gx_api_openapi_init(void)
{
	gx_routes_add(routes, 1);
}
