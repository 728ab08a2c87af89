/* custom.c — custom fields: definitions (an entity of their own), values in
 * custom_values, validation, loading, filters, search texts; option lists. */
#include "entity/custom.h"

#include "core/err.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cf_types[] = {"text", "number", "money", "date", "option", "multi_option", "boolean", NULL};
static const char *const cf_entities[] = {"customers", "contacts", "activities", NULL};

/* ---- definitions ------------------------------------------------------------------ */

struct def {
	char name[64];
	char type[16];
	json_t *options; /* owned */
	bool required, searchable;
};

/* Loads the live definitions of entity e for the context's tenant. */
static int load_defs(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, struct def *defs, int *n, int max)
{
	*n = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT name, type, options, required, searchable FROM custom_fields "
				    "WHERE tenant_id = ? AND entity = ? AND deleted_at IS NULL ORDER BY position, id", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, entity);
	while ((rc = gx_stmt_step(st)) == GX_ROW && *n < max) {
		struct def *d = &defs[(*n)++];
		snprintf(d->name, sizeof d->name, "%s", gx_stmt_col_text(st, 0));
		snprintf(d->type, sizeof d->type, "%s", gx_stmt_col_text(st, 1));
		const char *o = gx_stmt_col_text(st, 2);
		d->options = o ? json_loads(o, 0, NULL) : NULL;
		d->required = gx_stmt_col_int64(st, 3) != 0;
		d->searchable = gx_stmt_col_int64(st, 4) != 0;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static void free_defs(struct def *defs, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(defs[i].options);
}

static const struct def *find_def(const struct def *defs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

static bool option_ok(const struct def *d, const char *v)
{
	size_t i;
	json_t *o;
	json_array_foreach(d->options, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), v) == 0)
			return true;
	return false;
}

/* ---- validation -------------------------------------------------------------------- */

static bool check_one(const struct def *d, const json_t *v, struct gx_errors *errs)
{
	char field[80];
	snprintf(field, sizeof field, "custom.%.63s", d->name);
	if (json_is_null(v)) {
		if (d->required) {
			gx_errors_add(errs, field, "required", "%s is required", field);
			return false;
		}
		return true;
	}
	const char *t = d->type;
	if (strcmp(t, "text") == 0) {
		const char *s = json_string_value(v);
		/* 500 characters: values are indexed for filters, and PostgreSQL
		 * cannot index a value over 2704 bytes */
		if (!s || strlen(s) != json_string_length(v) || gx_utf8_len(s) > 500) {
			gx_errors_add(errs, field, "type", "%s must be text of at most 500 characters", field);
			return false;
		}
		if (d->required && !*s) {
			gx_errors_add(errs, field, "required", "%s must not be empty", field);
			return false;
		}
	} else if (strcmp(t, "number") == 0) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || fabs(json_number_value(v)) > 1e15) {
			gx_errors_add(errs, field, "type", "%s must be a number", field);
			return false;
		}
	} else if (strcmp(t, "money") == 0) {
		if (!json_is_integer(v) || llabs(json_integer_value(v)) > 9007199254740991LL) {
			gx_errors_add(errs, field, "type", "%s must be an integer amount in minor units (fen, cents)", field);
			return false;
		}
	} else if (strcmp(t, "date") == 0) {
		int y, m, dd;
		const char *s = json_string_value(v);
		if (!s || strlen(s) != 10 || gx_date_parse(s, &y, &m, &dd)) {
			gx_errors_add(errs, field, "invalid_format", "%s must be a date YYYY-MM-DD", field);
			return false;
		}
	} else if (strcmp(t, "boolean") == 0) {
		if (!json_is_boolean(v)) {
			gx_errors_add(errs, field, "type", "%s must be true or false", field);
			return false;
		}
	} else if (strcmp(t, "option") == 0) {
		if (!json_is_string(v) || !option_ok(d, json_string_value(v))) {
			gx_errors_add(errs, field, "invalid_option", "%s must be one of its options", field);
			return false;
		}
	} else if (strcmp(t, "multi_option") == 0) {
		size_t i;
		json_t *o;
		if (!json_is_array(v) || json_array_size(v) > 100) {
			gx_errors_add(errs, field, "type", "%s must be a list of its options", field);
			return false;
		}
		json_array_foreach(v, i, o) {
			if (!json_is_string(o) || !option_ok(d, json_string_value(o))) {
				gx_errors_add(errs, field, "invalid_option", "%s must list only its options", field);
				return false;
			}
		}
	}
	return true;
}

int gx_custom_validate(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const json_t *custom,
		       bool is_create, struct gx_errors *errs)
{
	if (custom && !json_is_object(custom)) {
		gx_errors_add(errs, "custom", "type", "custom must be an object of custom field values");
		return GX_EINVAL;
	}
	struct def defs[64];
	int n = 0, bad = 0;
	int rc = load_defs(ctx, c, e->name, defs, &n, 64);
	if (rc)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)custom, key, v) {
		const struct def *d = find_def(defs, n, key);
		if (!d) {
			char field[300];
			snprintf(field, sizeof field, "custom.%.200s", key);
			gx_errors_add(errs, field, "unknown_field", "%s is not a custom field of %s", field, e->name);
			bad++;
		} else if (!check_one(d, v, errs)) {
			bad++;
		}
	}
	if (is_create) {
		for (int i = 0; i < n; i++) {
			if (defs[i].required && !json_object_get(custom, defs[i].name)) {
				char field[80];
				snprintf(field, sizeof field, "custom.%.63s", defs[i].name);
				gx_errors_add(errs, field, "required", "%s is required", field);
				bad++;
			}
		}
	}
	free_defs(defs, n);
	return bad ? GX_EINVAL : 0;
}

/* ---- values ------------------------------------------------------------------------------- */

static int insert_value(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id, const char *field,
			const json_t *v)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "INSERT INTO custom_values (tenant_id, entity, record_id, field, value_text, value_num) "
				    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", &st);
	if (rc)
		return rc;
	char num[64];
	const char *text;
	if (json_is_string(v)) {
		text = json_string_value(v);
	} else if (json_is_boolean(v)) {
		text = json_is_true(v) ? "true" : "false";
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		text = num;
	} else {
		snprintf(num, sizeof num, "%.17g", json_number_value(v));
		text = num;
	}
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, entity);
	gx_stmt_bind_int64(st, 3, id);
	gx_stmt_bind_str(st, 4, field);
	gx_stmt_bind_str(st, 5, text);
	if (json_is_number(v))
		gx_stmt_bind_double(st, 6, json_number_value(v));
	else
		gx_stmt_bind_null(st, 6);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc;
}

int gx_custom_load(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *items)
{
	size_t n = json_array_size(items);
	if (!n)
		return 0;
	struct def defs[64];
	int nd = 0;
	int rc = load_defs(ctx, c, e->name, defs, &nd, 64);
	if (rc)
		return rc;
	/* one query for the whole page: record ids in batches of 50 */
	for (size_t start = 0; !rc && start < n; start += 50) {
		size_t end = start + 50 < n ? start + 50 : n;
		char sql[1200];
		size_t used = (size_t)snprintf(sql, sizeof sql, "SELECT record_id, field, value_text, value_num FROM custom_values "
							     "WHERE tenant_id = ? AND entity = ? AND record_id IN (");
		for (size_t i = start; i < end; i++)
			used += (size_t)snprintf(sql + used, sizeof sql - used, i == start ? "?" : ", ?");
		snprintf(sql + used, sizeof sql - used, ") ORDER BY record_id, field, value_text");
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, sql, &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e->name);
		for (size_t i = start; i < end; i++)
			gx_stmt_bind_int64(st, (int)(3 + i - start), json_integer_value(json_object_get(json_array_get(items, i), "id")));
		for (size_t i = start; i < end; i++)
			json_object_set_new(json_array_get(items, i), "custom", json_object());
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			int64_t rid = gx_stmt_col_int64(st, 0);
			const char *field = gx_stmt_col_text(st, 1), *text = gx_stmt_col_text(st, 2);
			const struct def *d = find_def(defs, nd, field);
			if (!d)
				continue; /* the definition was deleted: its values stay stored, not shown */
			json_t *rec = NULL;
			for (size_t i = start; i < end && !rec; i++)
				if (json_integer_value(json_object_get(json_array_get(items, i), "id")) == rid)
					rec = json_array_get(items, i);
			json_t *custom = json_object_get(rec, "custom");
			json_t *v;
			if (strcmp(d->type, "number") == 0) {
				double x = gx_stmt_col_double(st, 3);
				v = x == (double)(long long)x && fabs(x) < 9e15 ? json_integer((json_int_t)x) : json_real(x);
			} else if (strcmp(d->type, "money") == 0) {
				v = json_integer((json_int_t)gx_stmt_col_double(st, 3));
			} else if (strcmp(d->type, "boolean") == 0) {
				v = json_boolean(strcmp(text, "true") == 0);
			} else {
				v = json_string(text);
			}
			if (strcmp(d->type, "multi_option") == 0) {
				json_t *arr = json_object_get(custom, field);
				if (!arr) {
					arr = json_array();
					json_object_set_new(custom, field, arr);
				}
				json_array_append_new(arr, v);
			} else {
				json_object_set_new(custom, field, v);
			}
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	free_defs(defs, nd);
	return rc;
}

int gx_custom_history_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			  const char *field, const json_t *old, const json_t *new, int64_t audit_id);

int gx_custom_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
		    const json_t *custom, int64_t audit_id)
{
	if (!json_is_object(custom) || !json_object_size(custom))
		return 0;
	json_t *before = json_pack("[{s:I}]", "id", (json_int_t)id);
	int rc = gx_custom_load(ctx, c, e, before);
	json_t *old = json_object_get(json_array_get(before, 0), "custom");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)custom, key, v) {
		if (rc)
			break;
		json_t *was = json_object_get(old, key);
		if (was ? json_equal(was, v) : json_is_null(v))
			continue;
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "DELETE FROM custom_values WHERE tenant_id = ? AND entity = ? AND record_id = ? "
					"AND field = ?", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e->name);
		gx_stmt_bind_int64(st, 3, id);
		gx_stmt_bind_str(st, 4, key);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		if (!rc && json_is_array(v)) {
			size_t i;
			json_t *o;
			json_array_foreach(v, i, o) {
				if (!rc)
					rc = insert_value(ctx, c, e->name, id, key, o);
			}
		} else if (!rc && !json_is_null(v)) {
			rc = insert_value(ctx, c, e->name, id, key, v);
		}
		char field[80];
		snprintf(field, sizeof field, "custom.%.63s", key);
		if (!rc && audit_id)
			rc = gx_custom_history_row(ctx, c, e, id, field, was, v, audit_id);
	}
	json_decref(before);
	return rc;
}

int gx_custom_search_texts(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			   struct gx_search_text *texts, int *n, int max)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT v.value_text FROM custom_values v JOIN custom_fields f ON f.tenant_id = v.tenant_id "
				    "AND f.entity = v.entity AND f.name = v.field AND f.deleted_at IS NULL AND f.searchable = 1 "
				    "WHERE v.tenant_id = ? AND v.entity = ? AND v.record_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, e->name);
	gx_stmt_bind_int64(st, 3, id);
	while (*n < max && (rc = gx_stmt_step(st)) == GX_ROW)
		texts[(*n)++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 0)), 0};
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_custom_filter(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q, const char *name,
		     const char *op, const char *value, struct gx_errors *errs)
{
	char field[300];
	snprintf(field, sizeof field, "filter[custom.%.200s]", name);
	if (q->ncustom == 4) {
		gx_errors_add(errs, field, "too_many", "at most 4 custom-field filters");
		return GX_EINVAL;
	}
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct def defs[64];
	int n = 0;
	rc = load_defs(ctx, c, e->name, defs, &n, 64);
	gx_store_release(c);
	if (rc)
		return rc;
	const struct def *d = find_def(defs, n, name);
	bool numeric = d && (strcmp(d->type, "number") == 0 || strcmp(d->type, "money") == 0);
	bool ok = d != NULL;
	if (ok && numeric) {
		char *end;
		errno = 0;
		double x = strtod(value, &end);
		ok = !errno && end != value && !*end && isfinite(x);
	}
	if (ok && strcmp(op, "=") && strcmp(op, "<>") && !numeric && strcmp(d->type, "date") != 0)
		ok = false; /* ranges only on numbers and dates */
	if (ok && (strcmp(op, "in") == 0 || strcmp(op, "null") == 0))
		ok = false;
	free_defs(defs, n);
	if (!ok) {
		gx_errors_add(errs, field, "invalid_option", "no such custom field, or the operator or value does not fit its type");
		return GX_EINVAL;
	}
	q->custom[q->ncustom].field = gx_arena_strdup(ctx->arena, name);
	q->custom[q->ncustom].op = op;
	q->custom[q->ncustom].value = value;
	q->custom[q->ncustom].numeric = numeric;
	q->ncustom++;
	return 0;
}

int gx_option_allowed(struct gx_ctx *ctx, struct gx_conn *c, const char *list, const char *const *builtin,
		      const char *value)
{
	for (const char *const *b = builtin; b && *b; b++)
		if (strcmp(*b, value) == 0)
			return 1;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT 1 FROM option_values WHERE tenant_id = ? AND list = ? AND value = ? "
				    "AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, list);
	gx_stmt_bind_str(st, 3, value);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc == GX_ROW ? 1 : rc < 0 ? rc : 0;
}

/* ---- the definitions as an entity ------------------------------------------------------------- */

#define L(cn, tw, en) {cn, tw, en}
static const struct gx_field cf_fields[] = {
	{"entity", GX_F_ENUM, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_FILTER | GX_FF_SORT, 0, 0, 0, cf_entities, NULL, L("对象", "物件", "Record type")},
	{"name", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SORT, 40, 0, 0, NULL, NULL, L("字段名", "欄位名稱", "Field name")},
	{"type", GX_F_ENUM, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_FILTER, 0, 0, 0, cf_types, NULL, L("类型", "類型", "Type")},
	{"label_zh_cn", GX_F_TEXT, GX_FF_REQUIRED, 100, 0, 0, NULL, NULL, L("名称（简体）", "名稱（簡體）", "Label (Simplified Chinese)")},
	{"label_zh_tw", GX_F_TEXT, 0, 100, 0, 0, NULL, NULL, L("名称（繁体）", "名稱（繁體）", "Label (Traditional Chinese)")},
	{"label_en", GX_F_TEXT, 0, 100, 0, 0, NULL, NULL, L("名称（英文）", "名稱（英文）", "Label (English)")},
	{"options", GX_F_JSON, 0, 10000, 0, 0, NULL, NULL, L("选项", "選項", "Options")},
	{"required", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("必填", "必填", "Required")},
	{"searchable", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("可搜索", "可搜尋", "Searchable")},
	{"position", GX_F_INT, GX_FF_SORT, 0, 0, 100000, NULL, NULL, L("顺序", "順序", "Position")},
};

/* "options" is given as a JSON array of strings and stored as its text. */
static int cf_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *values,
			   const json_t *current, struct gx_errors *errs)
{
	json_t *name = json_object_get(values, "name");
	if (json_is_string(name)) {
		const char *s = json_string_value(name);
		bool ok = islower((unsigned char)s[0]);
		for (const char *p = s; ok && *p; p++)
			ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
		if (!ok) {
			gx_errors_add(errs, "name", "invalid_format", "a field name is snake_case: a-z, 0-9 and _, starting with a letter");
			return GX_EINVAL;
		}
	}
	const char *type = json_string_value(json_object_get(values, "type"));
	if (!type && current)
		type = json_string_value(json_object_get(current, "type"));
	json_t *opts = json_object_get(values, "options");
	/* option fields need options when created; an edit may leave them be */
	bool needs = type && (strcmp(type, "option") == 0 || strcmp(type, "multi_option") == 0) &&
		     (!current || opts);
	if (opts && json_is_string(opts)) {
		/* accepted as the JSON text of an array too */
		json_t *parsed = json_loads(json_string_value(opts), 0, NULL);
		json_object_set_new(values, "options", parsed ? parsed : json_null());
		opts = json_object_get(values, "options");
	}
	if (needs || (opts && !json_is_null(opts))) {
		size_t i;
		json_t *o;
		bool ok = json_is_array(opts) && json_array_size(opts) > 0 && json_array_size(opts) <= 200 && needs;
		json_array_foreach(opts, i, o)
			ok = ok && json_is_string(o) && json_string_length(o) > 0 && json_string_length(o) <= 100;
		if (!ok) {
			gx_errors_add(errs, "options", "invalid", "option fields need \"options\": a list of 1-200 texts; other types have none");
			return GX_EINVAL;
		}
		char *text = json_dumps(opts, JSON_COMPACT);
		json_object_set_new(values, "options", json_string(text));
		free(text);
	}
	return 0;
}

const struct gx_entity gx_custom_fields_entity = {
	.name = "custom_fields",
	.path = "custom-fields",
	.table = "custom_fields",
	.fields = cf_fields,
	.nfields = sizeof cf_fields / sizeof cf_fields[0],
	.default_sort = "position",
	.hooks = {.before_write = cf_before_write},
};

static const struct gx_field ov_fields[] = {
	{"list", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_FILTER | GX_FF_SORT, 40, 0, 0, NULL, NULL, L("列表", "清單", "List")},
	{"value", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SORT, 60, 0, 0, NULL, NULL, L("值", "值", "Value")},
	{"label_zh_cn", GX_F_TEXT, GX_FF_REQUIRED, 100, 0, 0, NULL, NULL, L("名称（简体）", "名稱（簡體）", "Label (Simplified Chinese)")},
	{"label_zh_tw", GX_F_TEXT, 0, 100, 0, 0, NULL, NULL, L("名称（繁体）", "名稱（繁體）", "Label (Traditional Chinese)")},
	{"label_en", GX_F_TEXT, 0, 100, 0, 0, NULL, NULL, L("名称（英文）", "名稱（英文）", "Label (English)")},
	{"position", GX_F_INT, GX_FF_SORT, 0, 0, 100000, NULL, NULL, L("顺序", "順序", "Position")},
};
#undef L

const struct gx_entity gx_option_values_entity = {
	.name = "option_values",
	.path = "option-values",
	.table = "option_values",
	.fields = ov_fields,
	.nfields = sizeof ov_fields / sizeof ov_fields[0],
	.default_sort = "position",
};
