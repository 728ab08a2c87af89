/* entity.c — the generic engine behind every entity: validate, create, read,
 * update with optimistic concurrency, soft delete, restore, field history and
 * audit. Lists live in entity/list.c. */
#include "entity/entity.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/id.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "entity/custom.h"
#include "entity/rowjson.h"
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- system columns every entity table has ------------------------------ */

#define SYS(n, t) {n, t, GX_FF_READONLY | GX_FF_FILTER | GX_FF_SORT, 0, 0, 0, NULL, NULL, {NULL, NULL, NULL}}
static const struct gx_field sys_fields[] = {
	SYS("id", GX_F_INT),
	SYS("created_at", GX_F_DATETIME),
	SYS("updated_at", GX_F_DATETIME),
	SYS("created_by", GX_F_REF),
	SYS("updated_by", GX_F_REF),
	SYS("deleted_at", GX_F_DATETIME),
	SYS("version", GX_F_INT),
};
#undef SYS
#define NSYS ((int)(sizeof sys_fields / sizeof sys_fields[0]))

const struct gx_field *gx_entity_field(const struct gx_entity *e, const char *name)
{
	for (int i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return &e->fields[i];
	for (int i = 0; i < NSYS; i++)
		if (strcmp(sys_fields[i].name, name) == 0)
			return &sys_fields[i];
	return NULL;
}

/* ---- registry ------------------------------------------------------------ */

static const struct gx_entity *registry[64];
static int nregistry;

void gx_entity_register(const struct gx_entity *e)
{
	for (int i = 0; i < nregistry; i++)
		if (registry[i] == e)
			return;
	/* the system columns' names are reserved (column_field relies on it) */
	for (int i = 0; i < e->nfields; i++)
		for (int k = 0; k < NSYS; k++)
			if (strcmp(e->fields[i].name, sys_fields[k].name) == 0) {
				fprintf(stderr, "guanxi: entity %s: field %s is a system column\n", e->name, e->fields[i].name);
				abort();
			}
	if (nregistry < (int)(sizeof registry / sizeof registry[0]))
		registry[nregistry++] = e;
}

const struct gx_entity *gx_entity_find(const char *name)
{
	for (int i = 0; i < nregistry; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

/* ---- errors --------------------------------------------------------------- */

void gx_errors_add(struct gx_errors *e, const char *field, const char *code, const char *fmt, ...)
{
	if (!e)
		return;
	if (!e->list)
		e->list = json_array();
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(e->list, json_pack("{s:s?, s:s, s:s}", "field", field, "code", code,
						 "message", msg));
}

/* ---- validation ------------------------------------------------------------ */

static bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254)
		return false;
	const char *dot = strrchr(at, '.');
	if (!dot || dot == at + 1 || !dot[1])
		return false;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static bool valid_phone(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr("+-() .#*x", *p))
			return false;
	}
	return digits >= 3 && digits <= 32;
}

static bool has_control_chars(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
			return true;
	return false;
}

/* Checks one value against its field; adds an error and returns false when bad. */
static bool check_value(const struct gx_field *f, const json_t *v, struct gx_errors *errs)
{
	const char *n = f->name;
	if (json_is_null(v)) {
		if (f->flags & GX_FF_REQUIRED) {
			gx_errors_add(errs, n, "required", "%s is required", n);
			return false;
		}
		return true;
	}
	switch (f->type) {
	case GX_F_INT: case GX_F_MONEY: case GX_F_REF: {
		if (!json_is_integer(v)) {
			gx_errors_add(errs, n, "type", "%s must be an integer", n);
			return false;
		}
		json_int_t x = json_integer_value(v);
		int64_t lo = f->min, hi = f->max;
		if (lo >= hi) {
			/* default range: exact in JSON/JavaScript numbers */
			lo = f->type == GX_F_REF ? 1 : -9007199254740991LL;
			hi = 9007199254740991LL;
		}
		if (x < lo || x > hi) {
			gx_errors_add(errs, n, "out_of_range", "%s must be between %lld and %lld", n,
				      (long long)lo, (long long)hi);
			return false;
		}
		return true;
	}
	case GX_F_BOOL:
		if (!json_is_boolean(v)) {
			gx_errors_add(errs, n, "type", "%s must be true or false", n);
			return false;
		}
		return true;
	case GX_F_JSON: {
		if (!json_is_array(v) && !json_is_object(v) && !json_is_string(v)) {
			gx_errors_add(errs, n, "type", "%s must be a list or an object", n);
			return false;
		}
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		size_t len = text ? strlen(text) : 0;
		free(text);
		if (len > (size_t)(f->max_len ? f->max_len : 10000)) {
			gx_errors_add(errs, n, "too_long", "%s is too large", n);
			return false;
		}
		return true;
	}
	default:
		break;
	}
	if (!json_is_string(v)) {
		gx_errors_add(errs, n, "type", "%s must be a string", n);
		return false;
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (strlen(s) != len || !gx_utf8_valid(s, len)) {
		gx_errors_add(errs, n, "invalid_text", "%s must be UTF-8 text without NUL", n);
		return false;
	}
	int max = f->max_len ? f->max_len : 1000;
	if (gx_utf8_len(s) > (size_t)max) {
		gx_errors_add(errs, n, "too_long", "%s is longer than %d characters", n, max);
		return false;
	}
	if (has_control_chars(s)) {
		gx_errors_add(errs, n, "invalid_text", "%s contains control characters", n);
		return false;
	}
	if ((f->flags & GX_FF_REQUIRED) && len == 0) {
		gx_errors_add(errs, n, "required", "%s must not be empty", n);
		return false;
	}
	int y, m, d;
	int64_t ms;
	switch (f->type) {
	case GX_F_EMAIL:
		if (len && !valid_email(s)) {
			gx_errors_add(errs, n, "invalid_format", "%s is not an email address", n);
			return false;
		}
		break;
	case GX_F_PHONE:
		if (len && !valid_phone(s)) {
			gx_errors_add(errs, n, "invalid_format", "%s is not a phone number", n);
			return false;
		}
		break;
	case GX_F_DATE:
		if (len != 10 || gx_date_parse(s, &y, &m, &d)) {
			gx_errors_add(errs, n, "invalid_format", "%s must be a date YYYY-MM-DD", n);
			return false;
		}
		break;
	case GX_F_DATETIME:
		if (gx_time_parse(s, &ms)) {
			gx_errors_add(errs, n, "invalid_format",
				      "%s must be an ISO 8601 time with zone, e.g. 2026-01-31T09:30:00Z", n);
			return false;
		}
		break;
	case GX_F_ENUM: {
		for (const char *const *o = f->options; o && *o; o++)
			if (strcmp(*o, s) == 0)
				return true;
		char allowed[400] = "";
		size_t used = 0;
		for (const char *const *o = f->options; o && *o && used < sizeof allowed - 40; o++)
			used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
						 used ? ", " : "", *o);
		gx_errors_add(errs, n, "invalid_option", "%s must be one of: %s", n, allowed);
		return false;
	}
	default:
		break;
	}
	return true;
}

int gx_entity_validate(const struct gx_entity *e, const json_t *input, bool is_create,
		       struct gx_errors *errs)
{
	int bad = 0;
	if (!json_is_object(input)) {
		gx_errors_add(errs, NULL, "type", "the request body must be a JSON object");
		return GX_EINVAL;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)input, key, v) {
		if (e->custom_fields && strcmp(key, "custom") == 0)
			continue; /* checked against the tenant's definitions, with the database */
		const struct gx_field *f = gx_entity_field(e, key);
		if (!f || (f->flags & GX_FF_HIDDEN)) {
			gx_errors_add(errs, key, "unknown_field", "%s is not a field of %s", key, e->name);
			bad++;
			continue;
		}
		if (f->flags & GX_FF_READONLY) {
			gx_errors_add(errs, key, "read_only", "%s cannot be set", key);
			bad++;
			continue;
		}
		if (!is_create && (f->flags & GX_FF_CREATE_ONLY)) {
			gx_errors_add(errs, key, "read_only", "%s cannot be changed once created", key);
			bad++;
			continue;
		}
		if (!check_value(f, v, errs))
			bad++;
	}
	if (is_create) {
		for (int i = 0; i < e->nfields; i++) {
			const struct gx_field *f = &e->fields[i];
			if ((f->flags & GX_FF_REQUIRED) && !json_object_get(input, f->name)) {
				gx_errors_add(errs, f->name, "required", "%s is required", f->name);
				bad++;
			}
		}
	}
	return bad ? GX_EINVAL : 0;
}

/* ---- rows <-> JSON ----------------------------------------------------------- */

/* The field of a column. The columns mostly come in the entity's field
 * order (select_list), so the field after the previous match is tried
 * first: a lookup by name among ~60 fields for every column of every row
 * was a tenth of a search request's CPU. */
static const struct gx_field *column_field(const struct gx_entity *e, int *next, const char *name)
{
	int i = *next;
	while (i < e->nfields && (e->fields[i].flags & (GX_FF_HIDDEN | GX_FF_VIRTUAL)))
		i++;
	if (i < e->nfields && strcmp(e->fields[i].name, name) == 0) {
		*next = i + 1;
		return &e->fields[i];
	}
	/* id and the columns after the fields are system columns, whose names
	 * no entity field may take (the INSERT lists both): no scan of the
	 * fields for them */
	for (int k = 0; k < NSYS; k++)
		if (strcmp(sys_fields[k].name, name) == 0)
			return &sys_fields[k];
	const struct gx_field *f = gx_entity_field(e, name);
	for (int k = 0; f && k < e->nfields; k++)
		if (&e->fields[k] == f)
			*next = k + 1;
	return f;
}

json_t *gx_entity_row_json(const struct gx_entity *e, struct gx_stmt *st)
{
	json_t *o = json_object();
	int n = gx_stmt_columns(st), next = 0;
	for (int i = 0; i < n; i++) {
		const char *name = gx_stmt_col_name(st, i);
		const struct gx_field *f = e ? column_field(e, &next, name) : NULL;
		if (f && (f->flags & GX_FF_HIDDEN))
			continue;
		json_t *v;
		if (gx_stmt_col_type(st, i) == GX_COL_NULL)
			v = json_null();
		else if (!f)
			v = gx_stmt_col_type(st, i) == GX_COL_INT ? json_integer(gx_stmt_col_int64(st, i))
								  : json_string(gx_stmt_col_text(st, i));
		else if (f->type == GX_F_INT || f->type == GX_F_MONEY || f->type == GX_F_REF)
			v = json_integer(gx_stmt_col_int64(st, i));
		else if (f->type == GX_F_BOOL)
			v = json_boolean(gx_stmt_col_int64(st, i) != 0);
		else if (f->type == GX_F_JSON)
			v = json_loads(gx_stmt_col_text(st, i), JSON_DECODE_ANY, NULL);
		else
			v = json_string(gx_stmt_col_text(st, i));
		/* column names are our SQL's identifiers: ASCII, no check */
		json_object_set_new_nocheck(o, name, v ? v : json_null());
	}
	return o;
}

/* Appends the SELECT column list of e (hidden and virtual fields left out). */
static int select_list(const struct gx_entity *e, struct gx_buf *b)
{
	int rc = gx_buf_adds(b, "id");
	for (int i = 0; !rc && i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		if (f->flags & (GX_FF_HIDDEN | GX_FF_VIRTUAL))
			continue;
		rc = gx_buf_printf(b, ", %s", f->name);
	}
	if (!rc)
		rc = gx_buf_adds(b, ", created_at, updated_at, created_by, updated_by, deleted_at, version");
	return rc;
}

/* The SELECT text of each entity, built once: it depends only on the static
 * descriptors, and rebuilding it cost about 1 us a request. The strings live
 * as long as the process. get_sql holds the single-record read's whole text
 * (WHERE included) for entities without a visibility rule, without and with
 * deleted records: appending the WHERE clause per request cost ~0.5 us. */
static struct {
	const struct gx_entity *e;
	char *sql;
	char *get_sql[2];
} select_cache[64];
static pthread_mutex_t select_lock = PTHREAD_MUTEX_INITIALIZER;

#define GET_WHERE " WHERE tenant_id = ? AND id = ?"
#define GET_LIVE " AND deleted_at IS NULL"

char *gx_entity_select_sql(const struct gx_entity *e, struct gx_arena *a);
char *gx_entity_select_sql(const struct gx_entity *e, struct gx_arena *a)
{
	char *sql = NULL;
	pthread_mutex_lock(&select_lock);
	size_t i = 0;
	for (; i < sizeof select_cache / sizeof select_cache[0] && select_cache[i].e; i++)
		if (select_cache[i].e == e)
			sql = select_cache[i].sql;
	if (!sql) {
		struct gx_buf b;
		gx_buf_init(&b, 1 << 16);
		int rc = gx_buf_adds(&b, "SELECT ");
		if (!rc)
			rc = select_list(e, &b);
		if (!rc)
			rc = gx_buf_printf(&b, " FROM %s", e->table);
		if (!rc && i < sizeof select_cache / sizeof select_cache[0]) {
			char *get0 = NULL, *get1 = NULL;
			size_t n = b.len;
			/* all three or none: a slot is complete once e is set */
			if (!gx_buf_adds(&b, GET_WHERE GET_LIVE))
				get0 = strdup(b.data);
			b.len = n;
			if (!gx_buf_adds(&b, GET_WHERE))
				get1 = strdup(b.data);
			b.len = n;
			b.data[n] = '\0';
			if (get0 && get1) {
				select_cache[i].get_sql[0] = get0;
				select_cache[i].get_sql[1] = get1;
				select_cache[i].sql = sql = gx_buf_take(&b);
				__atomic_store_n(&select_cache[i].e, e, __ATOMIC_RELEASE);
			} else {
				free(get0);
				free(get1);
				sql = gx_arena_strndup(a, b.data, b.len);
			}
		} else if (!rc) {
			sql = gx_arena_strndup(a, b.data, b.len); /* more entities than slots */
		}
		gx_buf_free(&b);
	}
	pthread_mutex_unlock(&select_lock);
	return sql;
}

/* The single-record read's SQL text for e (see select_cache); *kept says
 * that the text is select_cache's, which lives as long as the process. */
static char *get_sql(struct gx_ctx *ctx, const struct gx_entity *e, bool with_deleted,
		     const struct gx_visibility *vis, bool *kept)
{
	*kept = false;
	if (!vis->sql) {
		/* no lock: a slot is complete once its e is published */
		for (size_t i = 0; i < sizeof select_cache / sizeof select_cache[0]; i++) {
			const struct gx_entity *ce = __atomic_load_n(&select_cache[i].e, __ATOMIC_ACQUIRE);
			if (!ce)
				break;
			if (ce == e) {
				*kept = true;
				return select_cache[i].get_sql[with_deleted];
			}
		}
	}
	char *base = gx_entity_select_sql(e, ctx->arena);
	return base ? gx_arena_printf(ctx->arena, "%s" GET_WHERE "%s%s%s%s", base, with_deleted ? "" : GET_LIVE,
				      vis->sql ? " AND (" : "", vis->sql ? vis->sql : "", vis->sql ? ")" : "")
		    : NULL;
}

static int bind_json(struct gx_stmt *st, int idx, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return gx_stmt_bind_text(st, idx, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return gx_stmt_bind_int64(st, idx, json_integer_value(v));
	case JSON_TRUE: return gx_stmt_bind_int64(st, idx, 1);
	case JSON_FALSE: return gx_stmt_bind_int64(st, idx, 0);
	case JSON_REAL: return gx_stmt_bind_double(st, idx, json_real_value(v));
	case JSON_ARRAY: case JSON_OBJECT: {
		char *text = json_dumps(v, JSON_COMPACT);
		int rc = text ? gx_stmt_bind_str(st, idx, text) : GX_ENOMEM;
		free(text);
		return rc;
	}
	default: return gx_stmt_bind_null(st, idx);
	}
}

/* Text form of a value for the field history ("" never stands for null). */
static char *history_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* ---- reads ------------------------------------------------------------------ */

/* Prepares and runs the single-record read; on 0 *st is on the row (the
 * caller resets it). GX_ENOTFOUND when there is none. */
static int get_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
		   bool with_deleted, struct gx_stmt **out)
{
	*out = NULL;
	struct gx_visibility vis = {0};
	if (e->hooks.visibility) {
		int vrc = e->hooks.visibility(ctx, &vis);
		if (vrc)
			return vrc;
	}
	bool kept;
	char *sql = get_sql(ctx, e, with_deleted, &vis, &kept);
	if (!sql)
		return GX_ENOMEM;
	struct gx_stmt *st;
	int rc = kept ? gx_conn_prepare_static(c, sql, &st) : gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, id);
	for (int i = 0; i < vis.nargs; i++)
		gx_stmt_bind_int64(st, 3 + i, vis.args[i]);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		*out = st;
		return 0;
	}
	gx_stmt_reset(st);
	return rc == GX_DONE ? GX_ENOTFOUND : rc;
}

int gx_entity_get_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
		       int64_t id, bool with_deleted, json_t **out)
{
	*out = NULL;
	struct gx_stmt *st;
	int rc = get_row(ctx, c, e, id, with_deleted, &st);
	if (!rc) {
		*out = gx_entity_row_json(e, st);
		rc = *out ? 0 : GX_ENOMEM;
		gx_stmt_reset(st);
	}
	if (!rc && e->custom_fields) {
		json_t *one = json_pack("[O]", *out);
		rc = gx_custom_load(ctx, c, e, one);
		json_decref(one);
	}
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int gx_entity_get(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, bool with_deleted,
		  json_t **out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	rc = gx_entity_get_conn(ctx, c, e, id, with_deleted, out);
	gx_store_release(c);
	return rc;
}

int gx_entity_get_text(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, bool with_deleted,
		       struct gx_buf *out, int64_t *version)
{
	*version = 0;
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	if (e->custom_fields) {
		/* custom values come from another table: through the tree */
		json_t *rec;
		rc = gx_entity_get_conn(ctx, c, e, id, with_deleted, &rec);
		gx_store_release(c);
		if (rc)
			return rc;
		char *s = json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);
		*version = json_integer_value(json_object_get(rec, "version"));
		json_decref(rec);
		rc = s ? gx_buf_adds(out, s) : GX_ENOMEM;
		free(s);
		return rc;
	}
	struct gx_stmt *st;
	rc = get_row(ctx, c, e, id, with_deleted, &st);
	if (!rc) {
		rc = gx_rowjson_write(e, st, out, version);
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc;
}

/* Reads a record the caller has just written: without the visibility rule,
 * which may only hold once the after_write hook has run (a rep's new
 * customer is theirs when its relationship row exists). */
static int read_back(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id, json_t **out)
{
	struct gx_ctx sys = *ctx;
	sys.role = NULL;
	return gx_entity_get_conn(&sys, c, e, id, true, out);
}

/* ---- audit and history ------------------------------------------------------------ */

/* One member's value as audit JSON; strings and integers (nearly every
 * column) are written here, the rest by jansson. */
static int audit_value(struct gx_buf *b, const json_t *v)
{
	char num[32];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return gx_buf_add_json_str(b, json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return gx_buf_adds(b, num);
	case JSON_TRUE:
		return gx_buf_adds(b, "true");
	case JSON_FALSE:
		return gx_buf_adds(b, "false");
	default: {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		int rc = t ? gx_buf_adds(b, t) : GX_ENOMEM;
		free(t);
		return rc;
	}
	}
}

/* A record as audit text: its non-null members in the record's order (nulls
 * say nothing and would make every audit row of a wide record mostly
 * "null"). Written directly: jansson's copy-and-dump was ~50k instructions a
 * customer, a sixth of an import's create. */
static char *audit_text(const json_t *rec)
{
	if (!rec)
		return NULL;
	if (!json_is_object(rec))
		return json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);
	struct gx_buf b;
	gx_buf_init(&b, (size_t)1 << 30);
	int rc = gx_buf_add(&b, "{", 1);
	bool first = true;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rec, k, v) {
		if (rc)
			break;
		if (json_is_null(v))
			continue;
		if (!first)
			rc = gx_buf_add(&b, ",", 1);
		first = false;
		if (!rc)
			rc = gx_buf_add_json_str(&b, k);
		if (!rc)
			rc = gx_buf_add(&b, ":", 1);
		if (!rc)
			rc = audit_value(&b, v);
	}
	if (!rc)
		rc = gx_buf_add(&b, "}", 1);
	if (rc) {
		gx_buf_free(&b);
		return NULL;
	}
	return gx_buf_take(&b);
}

int gx_audit_write(struct gx_ctx *ctx, struct gx_conn *c, const char *action, const char *entity,
		   int64_t entity_id, const json_t *before, const json_t *after, int64_t *audit_id)
{
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	/* a caller may choose the id first, to point history rows at it */
	int64_t id = audit_id && *audit_id ? *audit_id : gx_id_new();
	char *b = audit_text(before), *a = audit_text(after);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c,
		"INSERT INTO audit_log (tenant_id, id, at, actor_id, action, entity, entity_id, "
		"before, after, ip, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, id);
		gx_stmt_bind_str(st, 3, now);
		if (ctx->user_id)
			gx_stmt_bind_int64(st, 4, ctx->user_id);
		else
			gx_stmt_bind_null(st, 4);
		gx_stmt_bind_str(st, 5, action);
		gx_stmt_bind_str(st, 6, entity);
		if (entity_id)
			gx_stmt_bind_int64(st, 7, entity_id);
		else
			gx_stmt_bind_null(st, 7);
		gx_stmt_bind_str(st, 8, b);
		gx_stmt_bind_str(st, 9, a);
		gx_stmt_bind_str(st, 10, ctx->ip);
		gx_stmt_bind_str(st, 11, ctx->request_id);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	free(b);
	free(a);
	if (!rc && audit_id)
		*audit_id = id;
	return rc;
}

static int history_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
		       int64_t entity_id, const struct gx_field *f, const json_t *old,
		       const json_t *new, int64_t audit_id, const char *now)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c,
		"INSERT INTO field_history (tenant_id, id, entity, entity_id, field, old_value, "
		"new_value, changed_by, changed_at, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc)
		return rc;
	bool secret = f->flags & (GX_FF_SECRET | GX_FF_HIDDEN);
	char *o = secret ? NULL : history_text(old);
	char *n = secret ? strdup("(changed)") : history_text(new);
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, gx_id_new());
	gx_stmt_bind_str(st, 3, e->name);
	gx_stmt_bind_int64(st, 4, entity_id);
	gx_stmt_bind_str(st, 5, f->name);
	gx_stmt_bind_str(st, 6, o);
	gx_stmt_bind_str(st, 7, n);
	if (ctx->user_id)
		gx_stmt_bind_int64(st, 8, ctx->user_id);
	else
		gx_stmt_bind_null(st, 8);
	gx_stmt_bind_str(st, 9, now);
	gx_stmt_bind_int64(st, 10, audit_id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	free(o);
	free(n);
	return rc;
}

int gx_custom_history_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			  const char *field, const json_t *old, const json_t *new, int64_t audit_id);
int gx_custom_history_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			  const char *field, const json_t *old, const json_t *new, int64_t audit_id)
{
	struct gx_field f = {.name = field, .type = GX_F_TEXT};
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	return history_row(ctx, c, e, id, &f, old, new, audit_id, now);
}

/* Names the unique fields among values as the cause of a conflict. */
static void conflict_errors(const struct gx_entity *e, const json_t *values, struct gx_errors *errs)
{
	int named = 0;
	for (int i = 0; i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		if ((f->flags & GX_FF_UNIQUE) && json_object_get(values, f->name)) {
			gx_errors_add(errs, f->name, "duplicate", "another %s record has this %s",
				      e->name, f->name);
			named++;
		}
	}
	if (!named)
		gx_errors_add(errs, NULL, "duplicate", "the record conflicts with an existing one");
}

/* ---- create -------------------------------------------------------------------- */

/* Inserts values (validated, hooks run) in c's open transaction, with
 * audit, history and after_write; *out gets the stored record. */
static int insert_in_tx(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			json_t *values, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	int64_t id = gx_id_new();
	/* the columns are those present in values: the text differs by row
	 * (appends, not printf: this ran once per imported row) */
	struct gx_buf cols, qs;
	gx_buf_init(&cols, 1 << 16);
	gx_buf_init(&qs, 1 << 16);
	int rc = gx_buf_adds(&cols, "INSERT INTO ");
	if (!rc)
		rc = gx_buf_adds(&cols, e->table);
	if (!rc)
		rc = gx_buf_adds(&cols, " (tenant_id, id, created_at, updated_at, created_by, updated_by, version");
	if (!rc)
		rc = gx_buf_adds(&qs, ") VALUES (?, ?, ?, ?, ?, ?, 1");
	/* the values of the columns, in order, for the binds below */
	json_t **bound = gx_arena_alloc(ctx->arena, (size_t)(e->nfields + 1) * sizeof *bound);
	int nbound = 0;
	if (!bound)
		rc = GX_ENOMEM;
	for (int i = 0; !rc && i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		json_t *v = f->flags & GX_FF_VIRTUAL ? NULL : json_object_get(values, f->name);
		if (v) {
			bound[nbound++] = v;
			rc = gx_buf_add(&cols, ", ", 2);
			if (!rc)
				rc = gx_buf_adds(&cols, f->name);
			if (!rc)
				rc = gx_buf_add(&qs, ", ?", 3);
		}
	}
	if (!rc)
		rc = gx_buf_add(&qs, ")", 1);
	if (!rc)
		rc = gx_buf_add(&cols, qs.data, qs.len);
	struct gx_stmt *st = NULL;
	if (!rc)
		rc = gx_conn_prepare(c, cols.data, &st);
	gx_buf_free(&cols);
	gx_buf_free(&qs);
	if (!rc) {
		int k = 1;
		gx_stmt_bind_int64(st, k++, ctx->tenant_id);
		gx_stmt_bind_int64(st, k++, id);
		gx_stmt_bind_str(st, k++, now);
		gx_stmt_bind_str(st, k++, now);
		for (int j = 0; j < 2; j++) {
			if (ctx->user_id)
				gx_stmt_bind_int64(st, k++, ctx->user_id);
			else
				gx_stmt_bind_null(st, k++);
		}
		for (int i = 0; i < nbound; i++)
			bind_json(st, k++, bound[i]);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		if (rc == GX_ECONFLICT)
			conflict_errors(e, values, errs);
	}
	json_t *after = NULL, *custom = e->custom_fields ? json_object_get(values, "custom") : NULL;
	int64_t audit_id = gx_id_new();
	if (!rc && custom)
		rc = gx_custom_write(ctx, c, e, id, custom, 0); /* 0: no history on create */
	if (!rc)
		rc = read_back(ctx, c, e, id, &after);
	/* the audit row holds the created record whole; field history starts
	 * with the first change (a row per field here would double the size of
	 * every import for no information) */
	if (!rc)
		rc = gx_audit_write(ctx, c, "create", e->name, id, NULL, after, &audit_id);
	if (!rc && e->hooks.after_write) {
		const json_t *saved = ctx->values;
		ctx->values = values;
		rc = e->hooks.after_write(ctx, c, e, id, NULL, after, errs);
		ctx->values = saved;
	}
	if (rc) {
		json_decref(after);
		return rc;
	}
	*out = after;
	return 0;
}

int gx_entity_create_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			  const json_t *input, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	int rc = gx_entity_validate(e, input, true, errs);
	if (rc)
		return rc;
	json_t *values = json_deep_copy(input);
	if (!values)
		return GX_ENOMEM;
	if (e->hooks.before_write)
		rc = e->hooks.before_write(ctx, c, e, values, NULL, errs);
	/* custom fields are checked even when the hook found errors: the
	 * client gets every error at once */
	if ((!rc || rc == GX_EINVAL) && e->custom_fields) {
		int crc = gx_custom_validate(ctx, c, e, json_object_get(values, "custom"), true, errs);
		if (!rc)
			rc = crc;
	}
	if (!rc)
		rc = insert_in_tx(ctx, c, e, values, out, errs);
	json_decref(values);
	return rc;
}

int gx_entity_create(struct gx_ctx *ctx, const struct gx_entity *e, const json_t *input,
		     json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	int rc = gx_entity_validate(e, input, true, errs);
	if (rc)
		return rc;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_create_conn(ctx, c, e, input, out, errs);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c); /* rolls back on error */
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- update ---------------------------------------------------------------------- */

/* Writes the changed fields of values over current (the stored record) in
 * c's open transaction: UPDATE with version + 1, field history, audit and the
 * after_write hook. *after gets the new record (or current when nothing
 * changed). */
static int apply_update(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			const json_t *current, const json_t *values, json_t **after,
			struct gx_errors *errs)
{
	*after = NULL;
	int64_t version = json_integer_value(json_object_get(current, "version"));
	const struct gx_field *changed[128];
	int nchanged = 0, rc = 0;
	for (int i = 0; i < e->nfields && nchanged < 128; i++) {
		const struct gx_field *f = &e->fields[i];
		json_t *v = json_object_get(values, f->name);
		if (!v || (f->flags & GX_FF_VIRTUAL))
			continue;
		json_t *old = json_object_get(current, f->name);
		if ((f->flags & GX_FF_HIDDEN) || !old || !json_equal(old, v))
			changed[nchanged++] = f;
	}
	int64_t audit_id = gx_id_new();
	json_t *custom = e->custom_fields ? json_object_get(values, "custom") : NULL;
	bool custom_changed = false;
	if (custom) {
		json_t *old = json_object_get(current, "custom");
		const char *k;
		json_t *cv;
		json_object_foreach(custom, k, cv) {
			json_t *was = json_object_get(old, k);
			if (was ? !json_equal(was, cv) : !json_is_null(cv))
				custom_changed = true;
		}
	}
	if (!nchanged && !custom_changed) {
		*after = json_incref((json_t *)current); /* nothing changed: no new version */
		return 0;
	}
	if (custom_changed)
		rc = gx_custom_write(ctx, c, e, id, custom, audit_id);
	if (rc)
		return rc;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_buf set;
	gx_buf_init(&set, 1 << 16);
	for (int i = 0; i < nchanged; i++)
		gx_buf_printf(&set, "%s = ?, ", changed[i]->name);
	char *sql = gx_arena_printf(ctx->arena,
		"UPDATE %s SET %supdated_at = ?, updated_by = ?, version = version + 1 "
		"WHERE tenant_id = ? AND id = ? AND version = ?", e->table, set.data ? set.data : "");
	gx_buf_free(&set);
	struct gx_stmt *st = NULL;
	rc = sql ? gx_conn_prepare(c, sql, &st) : GX_ENOMEM;
	if (!rc) {
		int k = 1;
		for (int i = 0; i < nchanged; i++)
			bind_json(st, k++, json_object_get(values, changed[i]->name));
		gx_stmt_bind_str(st, k++, now);
		if (ctx->user_id)
			gx_stmt_bind_int64(st, k++, ctx->user_id);
		else
			gx_stmt_bind_null(st, k++);
		gx_stmt_bind_int64(st, k++, ctx->tenant_id);
		gx_stmt_bind_int64(st, k++, id);
		gx_stmt_bind_int64(st, k++, version);
		rc = gx_stmt_step(st);
		if (!rc && gx_stmt_changes(st) != 1)
			rc = GX_ESTALE;
		gx_stmt_reset(st);
		if (rc == GX_ECONFLICT)
			conflict_errors(e, values, errs);
	}
	if (!rc)
		rc = read_back(ctx, c, e, id, after);
	if (!rc)
		rc = gx_audit_write(ctx, c, "update", e->name, id, current, *after, &audit_id);
	for (int i = 0; !rc && i < nchanged; i++) {
		/* derived hidden columns (sort and duplicate keys) are no one's
		 * change; a hidden secret (a password) is, without its value */
		if ((changed[i]->flags & GX_FF_HIDDEN) && !(changed[i]->flags & GX_FF_SECRET))
			continue;
		rc = history_row(ctx, c, e, id, changed[i], json_object_get(current, changed[i]->name),
				 json_object_get(values, changed[i]->name), audit_id, now);
	}
	if (!rc && e->hooks.after_write)
		rc = e->hooks.after_write(ctx, c, e, id, current, *after, errs);
	if (rc) {
		json_decref(*after);
		*after = NULL;
	}
	return rc;
}

int gx_entity_update_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			  int64_t id, const json_t *patch, json_t **out)
{
	json_t *current = NULL;
	int rc = gx_entity_get_conn(ctx, c, e, id, true, &current);
	if (!rc)
		rc = apply_update(ctx, c, e, id, current, patch, out, NULL);
	json_decref(current);
	return rc;
}

int gx_entity_update(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		     int64_t expected_version, const json_t *input, json_t **out,
		     struct gx_errors *errs)
{
	*out = NULL;
	int rc = gx_entity_validate(e, input, false, errs);
	if (rc)
		return rc;
	json_t *values = json_deep_copy(input), *current = NULL, *after = NULL;
	if (!values)
		return GX_ENOMEM;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, e, id, false, &current);
	if (!rc && json_integer_value(json_object_get(current, "version")) != expected_version)
		rc = GX_ESTALE;
	if (!rc && e->hooks.before_write)
		rc = e->hooks.before_write(ctx, c, e, values, current, errs);
	if ((!rc || rc == GX_EINVAL) && e->custom_fields && json_object_get(values, "custom")) {
		int crc = gx_custom_validate(ctx, c, e, json_object_get(values, "custom"), false, errs);
		if (!rc)
			rc = crc;
	}
	if (!rc)
		rc = apply_update(ctx, c, e, id, current, values, &after, errs);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	json_decref(values);
	json_decref(current);
	if (rc) {
		json_decref(after);
		return rc;
	}
	*out = after;
	return 0;
}

/* ---- soft delete and restore ---------------------------------------------------------- */

/* Soft-deletes (deleting) or restores a record in c's open transaction. */
static int set_deleted_in_tx(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			     int64_t expected_version, bool deleting, json_t **out, struct gx_errors *errs)
{
	if (out)
		*out = NULL;
	json_t *current = NULL, *after = NULL;
	int rc = gx_entity_get_conn(ctx, c, e, id, true, &current);
	if (!rc) {
		bool is_deleted = !json_is_null(json_object_get(current, "deleted_at"));
		if (is_deleted == deleting)
			rc = deleting ? GX_ENOTFOUND : GX_ECONFLICT;
		else if (expected_version >= 0 &&
			 json_integer_value(json_object_get(current, "version")) != expected_version)
			rc = GX_ESTALE;
	}
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	if (!rc) {
		char *sql = gx_arena_printf(ctx->arena,
			"UPDATE %s SET deleted_at = ?, updated_at = ?, updated_by = ?, "
			"version = version + 1 WHERE tenant_id = ? AND id = ?", e->table);
		struct gx_stmt *st = NULL;
		rc = sql ? gx_conn_prepare(c, sql, &st) : GX_ENOMEM;
		if (!rc) {
			gx_stmt_bind_str(st, 1, deleting ? now : NULL);
			gx_stmt_bind_str(st, 2, now);
			if (ctx->user_id)
				gx_stmt_bind_int64(st, 3, ctx->user_id);
			else
				gx_stmt_bind_null(st, 3);
			gx_stmt_bind_int64(st, 4, ctx->tenant_id);
			gx_stmt_bind_int64(st, 5, id);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
			if (rc == GX_ECONFLICT && errs)
				conflict_errors(e, current, errs);
		}
	}
	int64_t audit_id = 0;
	if (!rc)
		rc = read_back(ctx, c, e, id, &after);
	if (!rc)
		rc = gx_audit_write(ctx, c, deleting ? "delete" : "restore", e->name, id, current,
				    after, &audit_id);
	if (!rc)
		rc = history_row(ctx, c, e, id, gx_entity_field(e, "deleted_at"),
				 json_object_get(current, "deleted_at"),
				 json_object_get(after, "deleted_at"), audit_id, now);
	if (!rc && e->hooks.after_write)
		rc = e->hooks.after_write(ctx, c, e, id, current, after, errs);
	json_decref(current);
	if (!rc && out)
		*out = after;
	else
		json_decref(after);
	return rc;
}

int gx_entity_delete_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id)
{
	return set_deleted_in_tx(ctx, c, e, id, -1, true, NULL, NULL);
}

int gx_entity_restore_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id)
{
	return set_deleted_in_tx(ctx, c, e, id, -1, false, NULL, NULL);
}

static int set_deleted(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		       int64_t expected_version, bool deleting, json_t **out,
		       struct gx_errors *errs)
{
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = set_deleted_in_tx(ctx, c, e, id, expected_version, deleting, out, errs);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	if (rc && out) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int gx_entity_delete(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		     int64_t expected_version, struct gx_errors *errs)
{
	return set_deleted(ctx, e, id, expected_version, true, NULL, errs);
}

int gx_entity_restore(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, json_t **out,
		      struct gx_errors *errs)
{
	return set_deleted(ctx, e, id, -1, false, out, errs);
}

/* ---- history ------------------------------------------------------------------ */

int gx_entity_history(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		      int64_t before_id, int limit, json_t **out)
{
	*out = NULL;
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	json_t *probe = NULL;
	rc = gx_entity_get_conn(ctx, c, e, id, true, &probe); /* 404 for foreign ids */
	json_decref(probe);
	struct gx_stmt *st = NULL;
	if (!rc)
		rc = gx_conn_prepare(c,
			"SELECT id, field, old_value, new_value, changed_by, changed_at, audit_id "
			"FROM field_history WHERE tenant_id = ? AND entity = ? AND entity_id = ? "
			"AND id < ? ORDER BY id DESC LIMIT ?", &st);
	json_t *items = json_array();
	int64_t last = 0;
	int n = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e->name);
		gx_stmt_bind_int64(st, 3, id);
		gx_stmt_bind_int64(st, 4, before_id > 0 ? before_id : INT64_MAX);
		gx_stmt_bind_int64(st, 5, limit + 1);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (n++ == limit)
				break;
			json_t *row = gx_entity_row_json(NULL, st);
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
		return rc;
	}
	json_t *next = n > limit ? json_sprintf("%lld", (long long)last) : json_null();
	*out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
	return 0;
}
