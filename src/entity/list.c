/* list.c — list queries of the entity engine: filter[field][op]=value,
 * sort=-field, q= search, keyset cursors (never OFFSET), optional count. */
#include "entity/entity.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "core/utf8.h"
#include "store/store.h"
#include "text/searchkey.h"
#include "entity/custom.h"
#include "entity/search.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

char *gx_entity_select_sql(const struct gx_entity *e, struct gx_arena *a);

#define GX_LIST_MAX_LIMIT 200
#define GX_LIST_MAX_IN 100

void gx_list_init(const struct gx_entity *e, struct gx_list_query *q)
{
	memset(q, 0, sizeof *q);
	q->limit = 50;
	const char *s = e->default_sort ? e->default_sort : "-id";
	q->sort_desc = s[0] == '-';
	q->sort_column = q->sort_desc ? s + 1 : s;
	const struct gx_field *f = gx_entity_field(e, q->sort_column);
	q->sort_type = f ? f->type : GX_F_INT;
}

static bool is_int_type(enum gx_ftype t)
{
	return t == GX_F_INT || t == GX_F_MONEY || t == GX_F_REF || t == GX_F_BOOL;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return GX_EINVAL;
	*out = v;
	return 0;
}

/* Checks a filter value's form for its field type. */
static bool filter_value_ok(const struct gx_field *f, const char *v)
{
	int64_t x;
	int y, m, d;
	switch (f->type) {
	case GX_F_INT: case GX_F_MONEY: case GX_F_REF:
		return parse_int(v, &x) == 0;
	case GX_F_BOOL:
		return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
	case GX_F_DATE:
		return strlen(v) == 10 && gx_date_parse(v, &y, &m, &d) == 0;
	case GX_F_DATETIME:
		return gx_time_parse(v, &x) == 0 || (strlen(v) == 10 && gx_date_parse(v, &y, &m, &d) == 0);
	case GX_F_ENUM:
		for (const char *const *o = f->options; o && *o; o++)
			if (strcmp(*o, v) == 0)
				return true;
		return false;
	default:
		return true;
	}
}

static int parse_cursor(struct gx_ctx *ctx, struct gx_list_query *q, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 2048)
		return GX_EINVAL;
	unsigned char *raw = gx_arena_alloc(ctx->arena, n);
	size_t len;
	if (!raw || sodium_base642bin(raw, n, s, n, NULL, &len, NULL,
				      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return GX_EINVAL;
	json_error_t jerr;
	json_t *a = json_loadb((const char *)raw, len, 0, &jerr);
	int rc = GX_EINVAL;
	if (json_is_array(a) && json_array_size(a) == 2 &&
	    json_is_integer(json_array_get(a, 1))) {
		json_t *v = json_array_get(a, 0);
		q->cursor_id = json_integer_value(json_array_get(a, 1));
		q->has_cursor = true;
		rc = 0;
		if (json_is_null(v))
			q->cursor_null = true;
		else if (json_is_integer(v) && is_int_type(q->sort_type))
			q->cursor_value = gx_arena_printf(ctx->arena, "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v) && !is_int_type(q->sort_type))
			q->cursor_value = gx_arena_strdup(ctx->arena, json_string_value(v));
		else
			rc = GX_EINVAL;
	}
	json_decref(a);
	return rc;
}

int gx_list_param(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q,
		  const char *key, const char *value, struct gx_errors *errs)
{
	if (!gx_utf8_valid(key, strlen(key)) || !gx_utf8_valid(value, strlen(value))) {
		gx_errors_add(errs, NULL, "invalid_text", "query parameters must be UTF-8 text");
		return GX_EINVAL;
	}
	if (strcmp(key, "limit") == 0) {
		int64_t n;
		if (parse_int(value, &n) || n < 1 || n > GX_LIST_MAX_LIMIT) {
			gx_errors_add(errs, "limit", "out_of_range", "limit must be between 1 and %d",
				      GX_LIST_MAX_LIMIT);
			return GX_EINVAL;
		}
		q->limit = (int)n;
		return 0;
	}
	if (strcmp(key, "q") == 0) {
		struct gx_sk_query plan;
		if (strlen(value) > 512 || gx_searchkey_query(value, &plan) != 0) {
			gx_errors_add(errs, "q", "invalid_text", "q must be UTF-8 text of at most 512 bytes");
			return GX_EINVAL;
		}
		q->q = value;
		return 0;
	}
	if (strcmp(key, "count") == 0 || strcmp(key, "deleted") == 0) {
		bool v = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
		if (!v && strcmp(value, "false") != 0 && strcmp(value, "0") != 0) {
			gx_errors_add(errs, key, "type", "%s must be true or false", key);
			return GX_EINVAL;
		}
		if (key[0] == 'c')
			q->count = v;
		else
			q->deleted = v;
		return 0;
	}
	if (strcmp(key, "sort") == 0) {
		bool desc = value[0] == '-';
		const char *name = desc ? value + 1 : value;
		const struct gx_field *f = gx_entity_field(e, name);
		if (!f || !(f->flags & GX_FF_SORT) || (f->flags & GX_FF_HIDDEN)) {
			gx_errors_add(errs, "sort", "invalid_option", "cannot sort %s by '%s'", e->name, name);
			return GX_EINVAL;
		}
		q->sort_column = f->name;
		q->sort_type = f->type;
		q->sort_desc = desc;
		q->sort_given = true;
		return 0;
	}
	if (strcmp(key, "cursor") == 0) {
		/* checked again against the final sort by gx_list_finish */
		q->cursor_raw = value;
		if (parse_cursor(ctx, q, value)) {
			gx_errors_add(errs, "cursor", "invalid_format", "the cursor is not valid for this list");
			return GX_EINVAL;
		}
		return 0;
	}
	if (strncmp(key, "filter[", 7) == 0) {
		const char *name = key + 7, *close = strchr(name, ']');
		if (!close) {
			gx_errors_add(errs, key, "invalid_format", "filter parameters look like filter[field] or filter[field][op]");
			return GX_EINVAL;
		}
		char *fname = gx_arena_strndup(ctx->arena, name, (size_t)(close - name));
		if (fname && e->custom_fields && strncmp(fname, "custom.", 7) == 0) {
			static const char *const cops[][2] = {
				{"", "="}, {"[eq]", "="}, {"[ne]", "<>"}, {"[gt]", ">"}, {"[gte]", ">="},
				{"[lt]", "<"}, {"[lte]", "<="}};
			const char *cop = NULL;
			for (size_t i = 0; i < sizeof cops / sizeof cops[0]; i++)
				if (strcmp(close + 1, cops[i][0]) == 0)
					cop = cops[i][1];
			if (!cop) {
				gx_errors_add(errs, key, "invalid_option", "custom-field filters take eq, ne, gt, gte, lt, lte");
				return GX_EINVAL;
			}
			return gx_custom_filter(ctx, e, q, fname + 7, cop, value, errs);
		}
		const char *op = "=", *rest = close + 1;
		if (*rest) {
			static const char *const ops[][2] = {
				{"[eq]", "="}, {"[ne]", "<>"}, {"[gt]", ">"}, {"[gte]", ">="},
				{"[lt]", "<"}, {"[lte]", "<="}, {"[in]", "in"}, {"[null]", "null"},
				{"[has]", "has"}};
			op = NULL;
			for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
				if (strcmp(rest, ops[i][0]) == 0)
					op = ops[i][1];
			if (!op) {
				gx_errors_add(errs, key, "invalid_option",
					      "filter operators are eq, ne, gt, gte, lt, lte, in, null, has");
				return GX_EINVAL;
			}
		}
		const struct gx_field *f = fname ? gx_entity_field(e, fname) : NULL;
		if (!f || !(f->flags & GX_FF_FILTER) || (f->flags & GX_FF_HIDDEN)) {
			gx_errors_add(errs, key, "invalid_option", "cannot filter %s by '%s'", e->name,
				      fname ? fname : "");
			return GX_EINVAL;
		}
		if (q->nfilters == GX_LIST_MAX_FILTERS) {
			gx_errors_add(errs, key, "too_many", "at most %d filters", GX_LIST_MAX_FILTERS);
			return GX_EINVAL;
		}
		bool ok = true;
		if (strcmp(op, "has") == 0) {
			/* one item of a comma-separated text list (tags) */
			ok = f->type == GX_F_TEXT && *value && !strchr(value, ',');
		} else if (strcmp(op, "null") == 0) {
			ok = strcmp(value, "true") == 0 || strcmp(value, "false") == 0;
		} else if (strcmp(op, "in") == 0) {
			int count = 0;
			char *copy = gx_arena_strdup(ctx->arena, value), *save = NULL;
			for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; ok && t;
			     t = strtok_r(NULL, ",", &save)) {
				ok = filter_value_ok(f, t) && ++count <= GX_LIST_MAX_IN;
			}
			ok = ok && count > 0;
		} else {
			ok = filter_value_ok(f, value);
		}
		if (!ok) {
			gx_errors_add(errs, key, "invalid_format", "'%s' is not a valid value for %s", value,
				      f->name);
			return GX_EINVAL;
		}
		struct gx_list_filter *flt = &q->filters[q->nfilters++];
		flt->field = f;
		flt->column = f->name;
		flt->type = f->type;
		flt->op = op;
		flt->value = value;
		return 0;
	}
	gx_errors_add(errs, key, "unknown_parameter", "'%s' is not a list parameter", key);
	return GX_EINVAL;
}

int gx_list_finish(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q, struct gx_errors *errs)
{
	if (!q->cursor_raw)
		return 0;
	q->has_cursor = q->cursor_null = false;
	q->cursor_value = NULL;
	if (parse_cursor(ctx, q, q->cursor_raw)) {
		gx_errors_add(errs, "cursor", "invalid_format", "the cursor is not valid for this list");
		return GX_EINVAL;
	}
	return 0;
}

static void bind_typed(struct gx_stmt *st, int idx, enum gx_ftype t, const char *v)
{
	int64_t x = 0;
	if (t == GX_F_BOOL)
		gx_stmt_bind_int64(st, idx, strcmp(v, "true") == 0);
	else if (is_int_type(t) && parse_int(v, &x) == 0)
		gx_stmt_bind_int64(st, idx, x);
	else
		gx_stmt_bind_str(st, idx, v);
}

/* Escapes LIKE wildcards so user text matches literally. */
static char *like_pattern(struct gx_arena *a, const char *q)
{
	size_t n = strlen(q);
	char *p = gx_arena_alloc(a, 2 * n + 3), *o = p;
	if (!p)
		return NULL;
	*o++ = '%';
	for (const char *s = q; *s; s++) {
		char ch = *s;
		if (ch == '%' || ch == '_' || ch == '\\')
			*o++ = '\\';
		*o++ = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/* Builds the WHERE clause (without the keyset condition) and binds nothing;
 * the binding order is replayed by bind_where. */
struct where_ctx {
	struct gx_visibility vis;
	struct gx_sk_query plan;
	bool use_plan;
	bool no_search; /* the search is done apart (ranked_search): no term conditions */
	bool fts;       /* SQLite: the index is search_fts; match[i] is cond i's MATCH */
	const char *match[GX_SK_QUERY_MAX];
};

static int build_where(const struct gx_entity *e, const struct gx_list_query *q,
		       const struct where_ctx *w, struct gx_buf *b)
{
	int rc = gx_buf_printf(b, " WHERE tenant_id = ? AND deleted_at IS %s", q->deleted ? "NOT NULL" : "NULL");
	for (int i = 0; !rc && i < q->nfilters; i++) {
		const struct gx_list_filter *f = &q->filters[i];
		if (strcmp(f->op, "null") == 0) {
			rc = gx_buf_printf(b, " AND %s IS %s", f->column,
					   strcmp(f->value, "true") == 0 ? "NULL" : "NOT NULL");
		} else if (strcmp(f->op, "in") == 0) {
			rc = gx_buf_printf(b, " AND %s IN (", f->column);
			/* one placeholder per non-empty item, as bind_where binds them */
			int items = 0;
			for (const char *p = f->value; !rc && *p;) {
				size_t len = strcspn(p, ",");
				if (len)
					rc = gx_buf_adds(b, items++ ? ", ?" : "?");
				p += len + (p[len] == ',');
			}
			if (!rc)
				rc = gx_buf_adds(b, ")");
		} else if (strcmp(f->op, "has") == 0) {
			rc = gx_buf_printf(b, " AND lower(',' || %s || ',') LIKE ? ESCAPE '\\'", f->column);
		} else {
			rc = gx_buf_printf(b, " AND %s %s ?", f->column, f->op);
		}
	}
	if (!rc && w->no_search) {
		/* nothing: ranked_search picks the ids */
	} else if (!rc && w->use_plan) {
		for (int i = 0; !rc && i < w->plan.n; i++)
			rc = gx_buf_adds(b, w->fts ? " AND id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)"
						   : " AND id IN (SELECT record_id FROM search_terms WHERE tenant_id = ? "
						     "AND entity = ? AND term >= ? AND term < ?)");
	} else if (!rc && q->q && *q->q) {
		int n = 0;
		for (int i = 0; !rc && i < e->nfields; i++) {
			if (!(e->fields[i].flags & GX_FF_SEARCH))
				continue;
			rc = gx_buf_printf(b, "%s lower(%s) LIKE ? ESCAPE '\\'", n++ ? " OR" : " AND (",
					   e->fields[i].name);
		}
		if (!rc)
			rc = gx_buf_adds(b, n ? ")" : " AND 1 = 0");
	}
	for (int i = 0; !rc && i < q->ncustom; i++)
		rc = gx_buf_printf(b, " AND id IN (SELECT record_id FROM custom_values WHERE tenant_id = ? AND entity = ? "
				      "AND field = ? AND %s %s ?)", q->custom[i].numeric ? "value_num" : "value_text",
				   q->custom[i].op);
	if (!rc && q->extra_where)
		rc = gx_buf_printf(b, " AND (%s)", q->extra_where);
	if (!rc && w->vis.sql)
		rc = gx_buf_printf(b, " AND (%s)", w->vis.sql);
	return rc;
}

static int bind_where(struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		      const struct where_ctx *w, struct gx_stmt *st, int k)
{
	gx_stmt_bind_int64(st, k++, ctx->tenant_id);
	for (int i = 0; i < q->nfilters; i++) {
		const struct gx_list_filter *f = &q->filters[i];
		if (strcmp(f->op, "null") == 0)
			continue;
		if (strcmp(f->op, "has") == 0) {
			/* ",item," inside ",a,b,c," (wildcards in the item escaped) */
			char *item = like_pattern(ctx->arena, f->value);
			char *pat = item ? gx_arena_printf(ctx->arena, "%%,%.*s,%%", (int)strlen(item) - 2, item + 1) : NULL;
			gx_stmt_bind_str(st, k++, pat);
			continue;
		}
		if (strcmp(f->op, "in") == 0) {
			char *copy = gx_arena_strdup(ctx->arena, f->value), *save = NULL;
			for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
				bind_typed(st, k++, f->type, t);
		} else {
			bind_typed(st, k++, f->type, f->value);
		}
	}
	if (w->no_search) {
		/* nothing */
	} else if (w->use_plan) {
		for (int i = 0; i < w->plan.n; i++) {
			if (w->fts) {
				gx_stmt_bind_str(st, k++, w->match[i]);
				continue;
			}
			gx_stmt_bind_int64(st, k++, ctx->tenant_id);
			gx_stmt_bind_str(st, k++, e->name);
			gx_stmt_bind_str(st, k++, w->plan.cond[i].term);
			gx_stmt_bind_str(st, k++, w->plan.cond[i].upper);
		}
	} else if (q->q && *q->q) {
		char *pat = like_pattern(ctx->arena, q->q);
		for (int i = 0; i < e->nfields; i++)
			if (e->fields[i].flags & GX_FF_SEARCH)
				gx_stmt_bind_str(st, k++, pat);
	}
	for (int i = 0; i < q->ncustom; i++) {
		gx_stmt_bind_int64(st, k++, ctx->tenant_id);
		gx_stmt_bind_str(st, k++, e->name);
		gx_stmt_bind_str(st, k++, q->custom[i].field);
		if (q->custom[i].numeric)
			gx_stmt_bind_double(st, k++, strtod(q->custom[i].value, NULL));
		else
			gx_stmt_bind_str(st, k++, q->custom[i].value);
	}
	for (int i = 0; i < q->nextra; i++)
		gx_stmt_bind_int64(st, k++, q->extra_args[i]);
	for (int i = 0; i < w->vis.nargs; i++)
		gx_stmt_bind_int64(st, k++, w->vis.args[i]);
	return k;
}

static json_t *make_cursor(const json_t *item, const char *col)
{
	json_t *v = json_object_get(item, col);
	json_t *a = json_pack("[O, O]", v ? v : json_null(), json_object_get(item, "id"));
	char *s = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(a);
	if (!s)
		return NULL;
	size_t n = strlen(s), cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	json_t *r = NULL;
	if (out) {
		sodium_bin2base64(out, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		r = json_string(out);
	}
	free(out);
	free(s);
	return r;
}

/* ranking reads the newest GX_RANK_WINDOW matches, plus every record with a
 * term equal to the whole folded query (an exact code, phone, email or name)
 * wherever it is: ranking costs ~80 us a record, so the window stays small */
#define GX_RANK_WINDOW 60
#define GX_RANK_EXACT 20

struct ranked {
	int rank;
	size_t pos;
	json_t *item;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->rank != y->rank)
		return y->rank - x->rank;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Orders candidates by the entity's rank for q and keeps q->limit of them. */
static json_t *rank_items(const struct gx_entity *e, const struct gx_list_query *q, json_t *items)
{
	size_t n = json_array_size(items);
	struct ranked *r = calloc(n ? n : 1, sizeof *r);
	if (!r)
		return items;
	for (size_t i = 0; i < n; i++) {
		r[i].item = json_array_get(items, i);
		r[i].rank = e->hooks.rank(q->q, r[i].item);
		r[i].pos = i;
	}
	qsort(r, n, sizeof *r, by_rank);
	json_t *out = json_array();
	for (size_t i = 0; i < n && (int)i < q->limit; i++)
		json_array_append(out, r[i].item);
	free(r);
	json_decref(items);
	return out;
}

/* ---- the ranked search: the newest matches, without materialising every one --------------
 *
 * A search answers the newest GX_RANK_WINDOW visible records that satisfy
 * every condition of the plan. Broad conditions (`zs`, `zhang`, a common
 * surname) match a large part of the table, and an "id IN (every match)"
 * per condition reads all of them before the newest few are kept. Here:
 *
 * 1. Each condition's matches are counted up to GX_SEARCH_CAP rows.
 * 2. The condition with the fewest drives. When it has at most
 *    GX_SEARCH_CAP rows, they are all read. Otherwise its distinct terms
 *    (at most GX_SEARCH_TERMS of them, the first in term order) are merged
 *    newest first, GX_SEARCH_STEP ids per term and round: for one term the
 *    index holds the ids in order, so each round is a short range read.
 * 3. Candidates, newest first, GX_SEARCH_STEP at a time, are checked
 *    against the other conditions (a condition with at most GX_SEARCH_CAP
 *    rows is read whole once; a broader one is looked up for the batch's
 *    ids only) and then read from the entity's table with the list's
 *    filters and visibility.
 * 4. It stops at GX_RANK_WINDOW rows, or after GX_SEARCH_SCAN candidates.
 *
 * Every statement is one index range or point read with a fixed text, so
 * a prepared (generic) plan is as good as a custom one on PostgreSQL. */
#define GX_SEARCH_CAP 2000
#define GX_SEARCH_TERMS 64
#define GX_SEARCH_STEP 64
#define GX_SEARCH_SCAN 20000
/* After GX_SEARCH_ESCALATE batches that left the window short (two broad
 * conditions whose matches rarely meet: `john smith`), each broad condition
 * with at most GX_SEARCH_WHOLE rows is read whole once and checked in memory,
 * and a merged driving condition whose terms the merge all holds is read
 * whole too, from below the last candidate on: the same candidates in the
 * same order, with a few range reads instead of a statement per 64. */
#define GX_SEARCH_ESCALATE 4
#define GX_SEARCH_WHOLE 30000

struct idset {
	int64_t *v;
	size_t n, cap;
};

static int idset_add(struct idset *s, int64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		int64_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return GX_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int by_id_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts newest first and drops repeats. */
static void idset_sort(struct idset *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof *s->v, by_id_desc);
	size_t o = 1;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[o - 1])
			s->v[o++] = s->v[i];
	s->n = o;
}

static bool idset_has(const struct idset *s, int64_t id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof id, by_id_desc) != NULL;
}

static void cond_bind(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_stmt *st, const struct gx_sk_cond *cd)
{
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, e->name);
	gx_stmt_bind_str(st, 3, cd->term);
	gx_stmt_bind_str(st, 4, cd->upper);
}

/* FTS5 (SQLite): binds a condition's token range (the tokens of
 * search_vocab from head || term to head || upper) at k, k + 1. */
static int cond_bind_fts(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, struct gx_stmt *st, int k,
			 const struct gx_sk_cond *cd)
{
	const char *lo = gx_search_token(ctx, c, e->name, cd->term), *hi = gx_search_token(ctx, c, e->name, cd->upper);
	if (!lo || !hi)
		return GX_ENOMEM;
	gx_stmt_bind_str(st, k, lo);
	gx_stmt_bind_str(st, k + 1, hi);
	return 0;
}

/* Rows of a condition (a term of a record: on FTS5 the index's entries,
 * read from search_vocab, which does not merge a prefix's postings as a
 * prefix MATCH does), counted up to cap + 1. */
static int cond_count(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const struct gx_sk_cond *cd,
		      int cap, int *out)
{
	struct gx_stmt *st;
	bool fts = gx_search_fts(c);
	int rc = gx_conn_prepare(c, fts ? "SELECT count(*) FROM (SELECT 1 FROM search_vocab WHERE term >= ? AND term < ? "
					  "LIMIT ?) x"
					: "SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE tenant_id = ? AND entity = ? "
					  "AND term >= ? AND term < ? LIMIT ?) x", &st);
	if (rc)
		return rc;
	if (fts) {
		rc = cond_bind_fts(ctx, c, e, st, 1, cd);
		gx_stmt_bind_int64(st, 3, cap + 1);
		if (rc) {
			gx_stmt_reset(st);
			return rc;
		}
		rc = gx_stmt_step(st);
		*out = rc == GX_ROW ? (int)gx_stmt_col_int64(st, 0) : 0;
		gx_stmt_reset(st);
		return rc < 0 ? rc : 0;
	}
	cond_bind(ctx, e, st, cd);
	gx_stmt_bind_int64(st, 5, cap + 1);
	rc = gx_stmt_step(st);
	*out = rc == GX_ROW ? (int)gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Every record id of a condition, newest first, when it has at most max
 * rows; else out is left empty and *whole false. */
static int cond_read(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const struct gx_sk_cond *cd,
		     size_t max, struct idset *out, bool *whole)
{
	struct gx_stmt *st;
	int rc;
	out->n = 0;
	if (gx_search_fts(c)) {
		/* the index's entries of the range in term order, as the term
		 * table's rows were read: a prefix MATCH would set up and merge
		 * every token of the prefix before its first row */
		rc = gx_conn_prepare(c, "SELECT doc FROM search_vocab WHERE term >= ? AND term < ? LIMIT ?", &st);
		if (rc)
			return rc;
		rc = cond_bind_fts(ctx, c, e, st, 1, cd);
		gx_stmt_bind_int64(st, 3, (int64_t)max + 1);
		if (rc) {
			gx_stmt_reset(st);
			return rc;
		}
	} else {
		rc = gx_conn_prepare(c, "SELECT record_id FROM search_terms WHERE tenant_id = ? AND entity = ? "
					"AND term >= ? AND term < ? LIMIT ?", &st);
		if (rc)
			return rc;
		cond_bind(ctx, e, st, cd);
		gx_stmt_bind_int64(st, 5, (int64_t)max + 1);
	}
	while (!rc && (rc = gx_stmt_step(st)) == GX_ROW)
		rc = idset_add(out, gx_stmt_col_int64(st, 0));
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	*whole = out->n <= max;
	if (!*whole)
		out->n = 0;
	idset_sort(out);
	return 0;
}

/* A broad condition's distinct terms, in term order, at most GX_SEARCH_TERMS. */
static int cond_terms(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const struct gx_sk_cond *cd,
		      const char **terms, int *n)
{
	*n = 0;
	bool fts = gx_search_fts(c);
	if (!cd->prefix) {
		/* FTS5: the merge reads the token (head || term) */
		terms[*n] = fts ? gx_search_token(ctx, c, e->name, cd->term) : cd->term;
		if (!terms[(*n)++])
			return GX_ENOMEM;
		return 0;
	}
	const char *after = NULL;
	while (*n < GX_SEARCH_TERMS) {
		struct gx_stmt *st;
		int rc = gx_conn_prepare(c, fts ? (after ? "SELECT term FROM search_vocab WHERE term > ? AND term < ? "
							   "ORDER BY term LIMIT 1"
							 : "SELECT term FROM search_vocab WHERE term >= ? AND term < ? "
							   "ORDER BY term LIMIT 1")
					     : after ? "SELECT term FROM search_terms WHERE tenant_id = ? AND entity = ? AND term > ? "
						       "AND term < ? ORDER BY term LIMIT 1"
						     : "SELECT term FROM search_terms WHERE tenant_id = ? AND entity = ? AND term >= ? "
						       "AND term < ? ORDER BY term LIMIT 1", &st);
		if (rc)
			return rc;
		if (fts) {
			rc = cond_bind_fts(ctx, c, e, st, 1, cd);
			if (!rc && after)
				gx_stmt_bind_str(st, 1, after);
			if (rc) {
				gx_stmt_reset(st);
				return rc;
			}
		} else {
			cond_bind(ctx, e, st, cd);
			if (after)
				gx_stmt_bind_str(st, 3, after);
		}
		rc = gx_stmt_step(st);
		char *t = rc == GX_ROW ? gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 0)) : NULL;
		gx_stmt_reset(st);
		if (rc < 0)
			return rc;
		if (rc != GX_ROW)
			break;
		if (!t)
			return GX_ENOMEM;
		terms[(*n)++] = t;
		after = t;
	}
	return 0;
}

/* The newest-first merge of a broad condition's terms. */
struct merge {
	const char *term[GX_SEARCH_TERMS];
	int64_t below[GX_SEARCH_TERMS]; /* next read: ids below this; 0 = the term is read out */
	int n;
};

/* Next round: ids of the merged terms, newest first, all those above the
 * round's watermark (so none is missed by the terms not yet read out). */
static int merge_round(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, struct merge *m,
		       struct idset *out)
{
	out->n = 0;
	struct gx_stmt *st;
	bool fts = gx_search_fts(c);
	int rc = gx_conn_prepare(c, fts ? "SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid < ? "
					  "ORDER BY rowid DESC LIMIT ?"
					: "SELECT record_id FROM search_terms WHERE tenant_id = ? AND entity = ? AND term = ? "
					  "AND record_id < ? ORDER BY record_id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	int64_t mark = 0;
	int64_t last[GX_SEARCH_TERMS];
	bool out_now[GX_SEARCH_TERMS];
	for (int i = 0; i < m->n; i++) {
		last[i] = 0;
		out_now[i] = false;
		if (!m->below[i])
			continue;
		if (fts) {
			/* m->term[i] is a token of the index (cond_terms) */
			const char *match = gx_search_match(ctx, m->term[i], false);
			if (!match)
				return GX_ENOMEM;
			gx_stmt_bind_str(st, 1, match);
			gx_stmt_bind_int64(st, 2, m->below[i]);
			gx_stmt_bind_int64(st, 3, GX_SEARCH_STEP);
		} else {
			gx_stmt_bind_int64(st, 1, ctx->tenant_id);
			gx_stmt_bind_str(st, 2, e->name);
			gx_stmt_bind_str(st, 3, m->term[i]);
			gx_stmt_bind_int64(st, 4, m->below[i]);
			gx_stmt_bind_int64(st, 5, GX_SEARCH_STEP);
		}
		int got = 0;
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			last[i] = gx_stmt_col_int64(st, 0);
			rc = idset_add(out, last[i]);
			got++;
		}
		gx_stmt_reset(st);
		if (rc < 0)
			return rc;
		rc = 0;
		if (got < GX_SEARCH_STEP)
			out_now[i] = true; /* read out */
		else if (last[i] > mark)
			mark = last[i];
	}
	/* keep the ids above the mark; every term with ids at or below it
	 * (read out or not) continues from it in the next round */
	size_t o = 0;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i] > mark)
			out->v[o++] = out->v[i];
	out->n = o;
	for (int i = 0; i < m->n; i++)
		if (m->below[i])
			m->below[i] = out_now[i] && (last[i] == 0 || last[i] > mark) ? 0 : mark + 1;
	idset_sort(out);
	return 0;
}

/* Completes "... IN (?" of sql[0..len) to GX_SEARCH_STEP placeholders. */
static void close_in_list(char *sql, size_t cap, int len)
{
	for (int i = 1; i < GX_SEARCH_STEP && len + 8 < (int)cap; i++)
		len += snprintf(sql + len, cap - (size_t)len, ", ?");
	snprintf(sql + len, cap - (size_t)len, ")");
}

/* Of ids (at most GX_SEARCH_STEP), those with a term of the broad condition cd. */
static int cond_filter(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const struct gx_sk_cond *cd,
		       const int64_t *ids, size_t n, struct idset *out)
{
	out->n = 0;
	if (gx_search_fts(c)) {
		/* the candidates' documents, their tokens tested here (a prefix
		 * MATCH would merge the whole prefix first), read from FTS5's
		 * content table (its shadow table search_fts_content: id, c0):
		 * one statement for the batch, no virtual-table call per id */
		const char *lo = gx_search_token(ctx, c, e->name, cd->term), *hi = gx_search_token(ctx, c, e->name, cd->upper);
		if (!lo || !hi)
			return GX_ENOMEM;
		char sql[600];
		int len = snprintf(sql, sizeof sql, "SELECT id, c0 FROM search_fts_content WHERE id IN (?");
		close_in_list(sql, sizeof sql, len);
		struct gx_stmt *st;
		int rc = gx_conn_prepare(c, sql, &st);
		if (rc)
			return rc;
		for (size_t i = 0; i < GX_SEARCH_STEP; i++)
			gx_stmt_bind_int64(st, (int)i + 1, i < n ? ids[i] : -1);
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			const char *doc = gx_stmt_col_text(st, 1);
			rc = doc && gx_search_doc_has(doc, strlen(doc), lo, hi) ? idset_add(out, gx_stmt_col_int64(st, 0)) : 0;
		}
		gx_stmt_reset(st);
		if (rc < 0)
			return rc;
		idset_sort(out);
		return 0;
	}
	char sql[1024];
	/* exact: the primary key's (term, record_id) points; a prefix: per id,
	 * the term range within the record index, which holds the terms after
	 * the record id (SQLite: the WITHOUT ROWID key's columns; PostgreSQL:
	 * migration 0008), so each id is one short range read and not a walk
	 * over all its ~100 terms nor over the whole term range */
	int len = snprintf(sql, sizeof sql, "SELECT DISTINCT record_id FROM search_terms WHERE tenant_id = ? AND entity = ? AND %s "
			   "AND record_id IN (?", cd->prefix ? "term >= ? AND term < ?" : "term = ?");
	close_in_list(sql, sizeof sql, len);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	int k = 1;
	gx_stmt_bind_int64(st, k++, ctx->tenant_id);
	gx_stmt_bind_str(st, k++, e->name);
	gx_stmt_bind_str(st, k++, cd->term);
	if (cd->prefix)
		gx_stmt_bind_str(st, k++, cd->upper);
	for (size_t i = 0; i < GX_SEARCH_STEP; i++)
		gx_stmt_bind_int64(st, k++, i < n ? ids[i] : -1);
	while (!rc && (rc = gx_stmt_step(st)) == GX_ROW)
		rc = idset_add(out, gx_stmt_col_int64(st, 0));
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	idset_sort(out);
	return 0;
}

/* The entity's rows for ids (at most GX_SEARCH_STEP, newest first) that pass
 * the list's filters and visibility, appended to items (in the order of
 * ids) up to want. */
static int fetch_rows(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, const struct gx_list_query *q,
		      const struct where_ctx *w, const char *sql, const int64_t *ids, size_t n, json_t *items, size_t want)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	int k = bind_where(ctx, e, q, w, st, 1);
	for (size_t i = 0; i < GX_SEARCH_STEP; i++)
		gx_stmt_bind_int64(st, k++, i < n ? ids[i] : -1);
	json_t *rows[GX_SEARCH_STEP] = {0};
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		json_t *row = gx_entity_row_json(e, st);
		int64_t id = json_integer_value(json_object_get(row, "id"));
		size_t i = 0;
		while (i < n && ids[i] != id)
			i++;
		if (i < n && !rows[i])
			rows[i] = row;
		else
			json_decref(row);
	}
	gx_stmt_reset(st);
	/* in the order of ids (newest first) */
	for (size_t i = 0; i < n; i++) {
		if (rows[i] && json_array_size(items) < want)
			json_array_append(items, rows[i]);
		json_decref(rows[i]);
	}
	return rc < 0 ? rc : 0;
}

/* The statement fetch_rows runs: the entity's rows with the list's filters
 * and visibility (w without the search: wf.no_search) and "id IN" a batch. */
static int fetch_sql(struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		     const struct where_ctx *wf, struct gx_buf *sql)
{
	char *select = gx_entity_select_sql(e, ctx->arena);
	int rc = select ? gx_buf_adds(sql, select) : GX_ENOMEM;
	if (!rc)
		rc = build_where(e, q, wf, sql);
	if (!rc)
		rc = gx_buf_adds(sql, " AND id IN (?");
	for (int i = 1; !rc && i < GX_SEARCH_STEP; i++)
		rc = gx_buf_adds(sql, ", ?");
	if (!rc)
		rc = gx_buf_adds(sql, ")"); /* no ORDER BY: it could make the table's id order the plan */
	return rc;
}

/* Adds to items (once) the visible records with a term equal to the whole
 * folded query, so an exact hit is ranked even when older than the window.
 * Called for a search without filters: their rows are read in one
 * statement with the entity's visibility, as the window's are. */
static int add_exact_matches(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			     const struct gx_list_query *q, const struct where_ctx *w, json_t *items)
{
	char folded[GX_SK_TERM_MAX * 4];
	if (gx_text_fold(q->q, folded, sizeof folded, NULL) || !*folded || strlen(folded) > GX_SK_TERM_MAX)
		return 0;
	struct gx_stmt *st;
	int rc;
	if (gx_search_fts(c)) {
		const char *tok = gx_search_token(ctx, c, e->name, folded);
		const char *match = tok ? gx_search_match(ctx, tok, false) : NULL;
		if (!match)
			return GX_ENOMEM;
		rc = gx_conn_prepare(c, "SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT ?", &st);
		if (rc)
			return rc;
		gx_stmt_bind_str(st, 1, match);
		gx_stmt_bind_int64(st, 2, GX_RANK_EXACT);
	} else {
		rc = gx_conn_prepare(c, "SELECT record_id FROM search_terms WHERE tenant_id = ? AND entity = ? "
					"AND term = ? LIMIT ?", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, e->name);
		gx_stmt_bind_str(st, 3, folded);
		gx_stmt_bind_int64(st, 4, GX_RANK_EXACT);
	}
	int64_t ids[GX_RANK_EXACT];
	int n = 0;
	while (n < GX_RANK_EXACT && (rc = gx_stmt_step(st)) == GX_ROW)
		ids[n++] = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	/* those not in the window yet */
	size_t m = 0;
	for (int i = 0; i < n; i++) {
		bool have = false;
		size_t j;
		json_t *it;
		json_array_foreach(items, j, it)
			have = have || json_integer_value(json_object_get(it, "id")) == ids[i];
		if (!have)
			ids[m++] = ids[i];
	}
	if (!m)
		return 0;
	struct where_ctx wf = *w;
	wf.no_search = true;
	struct gx_buf sql;
	gx_buf_init(&sql, 1 << 17);
	rc = fetch_sql(ctx, e, q, &wf, &sql);
	if (!rc)
		rc = fetch_rows(ctx, c, e, q, &wf, sql.data, ids, m, items, SIZE_MAX);
	gx_buf_free(&sql);
	return rc;
}

static int ranked_search(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			 const struct gx_list_query *q, const struct where_ctx *w, json_t *items)
{
	const struct gx_sk_query *p = &w->plan;
	int count[GX_SK_QUERY_MAX], d = 0, rc = 0;
	for (int i = 0; !rc && i < p->n; i++) {
		rc = cond_count(ctx, c, e, &p->cond[i], GX_SEARCH_CAP, &count[i]);
		if (!rc && count[i] < count[d])
			d = i;
		if (!rc && count[i] == 0)
			return 0; /* nothing has this term */
	}
	if (rc)
		return rc;
	/* the entity's rows for a batch of ids */
	struct where_ctx wf = *w;
	wf.no_search = true;
	struct gx_buf sql;
	gx_buf_init(&sql, 1 << 17);
	rc = fetch_sql(ctx, e, q, &wf, &sql);
	struct idset small[GX_SK_QUERY_MAX] = {0}, cand = {0}, pass = {0}, part = {0};
	struct merge *m = NULL;
	bool whole[GX_SK_QUERY_MAX] = {0}; /* small[i] holds every id of condition i */
	for (int i = 0; !rc && i < p->n; i++)
		if (count[i] <= GX_SEARCH_CAP)
			rc = cond_read(ctx, c, e, &p->cond[i], GX_SEARCH_CAP, &small[i], &whole[i]);
	if (!rc && count[d] > GX_SEARCH_CAP) {
		m = calloc(1, sizeof *m);
		rc = m ? cond_terms(ctx, c, e, &p->cond[d], m->term, &m->n) : GX_ENOMEM;
		for (int i = 0; m && i < m->n; i++)
			m->below[i] = INT64_MAX;
	}
	size_t want = GX_RANK_WINDOW, seen = 0, pos = 0, batches = 0;
	int64_t last = INT64_MAX; /* the last candidate taken */
	while (!rc && json_array_size(items) < want && seen < GX_SEARCH_SCAN) {
		if (batches == GX_SEARCH_ESCALATE) {
			for (int j = 0; !rc && j < p->n; j++)
				if (j != d && !whole[j])
					rc = cond_read(ctx, c, e, &p->cond[j], GX_SEARCH_WHOLE, &small[j], &whole[j]);
			if (!rc && m && m->n < GX_SEARCH_TERMS) {
				/* the merge holds every term: the whole read is the same set */
				struct idset rest = {0};
				bool all = false;
				rc = cond_read(ctx, c, e, &p->cond[d], GX_SEARCH_WHOLE, &rest, &all);
				if (!rc && all) {
					size_t o = 0;
					for (size_t i = 0; i < rest.n; i++)
						if (rest.v[i] < last)
							rest.v[o++] = rest.v[i];
					rest.n = o;
					free(cand.v);
					cand = rest;
					rest = (struct idset){0};
					pos = 0;
					free(m);
					m = NULL;
					if (cand.n == 0)
						break;
				}
				free(rest.v);
			}
			if (rc)
				break;
		}
		/* the next candidates of the driving condition, newest first */
		if (m) {
			if (pos == cand.n) {
				rc = merge_round(ctx, c, e, m, &cand);
				pos = 0;
				bool more = false;
				for (int i = 0; i < m->n; i++)
					more = more || m->below[i];
				if (!rc && cand.n == 0 && !more)
					break;
				if (rc || cand.n == 0)
					continue;
			}
		} else if (pos == 0 && cand.n == 0) {
			cand = small[d];
			small[d] = (struct idset){0};
			if (cand.n == 0)
				break;
		} else if (pos == cand.n) {
			break;
		}
		size_t n = cand.n - pos < GX_SEARCH_STEP ? cand.n - pos : GX_SEARCH_STEP;
		pass.n = 0;
		for (size_t i = 0; !rc && i < n; i++)
			rc = idset_add(&pass, cand.v[pos + i]);
		pos += n;
		seen += n;
		batches++;
		last = cand.v[pos - 1];
		/* the other conditions */
		for (int j = 0; !rc && pass.n && j < p->n; j++) {
			if (j == d)
				continue;
			if (whole[j]) {
				size_t o = 0;
				for (size_t i = 0; i < pass.n; i++)
					if (idset_has(&small[j], pass.v[i]))
						pass.v[o++] = pass.v[i];
				pass.n = o;
			} else {
				rc = cond_filter(ctx, c, e, &p->cond[j], pass.v, pass.n, &part);
				size_t o = 0;
				for (size_t i = 0; !rc && i < pass.n; i++)
					if (idset_has(&part, pass.v[i]))
						pass.v[o++] = pass.v[i];
				pass.n = o;
			}
		}
		if (!rc && pass.n)
			rc = fetch_rows(ctx, c, e, q, &wf, sql.data, pass.v, pass.n, items, want);
	}
	for (int i = 0; i < p->n; i++)
		free(small[i].v);
	free(cand.v);
	free(pass.v);
	free(part.v);
	free(m);
	gx_buf_free(&sql);
	return rc;
}

int gx_entity_list(struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   json_t **out)
{
	*out = NULL;
	struct where_ctx w = {0};
	int rc = e->hooks.visibility ? e->hooks.visibility(ctx, &w.vis) : 0;
	if (rc)
		return rc;
	if (e->search_index && q->q && *q->q) {
		rc = gx_searchkey_query(q->q, &w.plan);
		if (rc)
			return rc;
		w.use_plan = w.plan.n > 0;
		w.fts = strcmp(gx_store_backend(ctx->store), "sqlite") == 0;
	}
	/* A search without an explicit sort answers the best matches first:
	 * up to GX_RANK_WINDOW candidates ranked by the entity, no cursor. */
	bool ranked = w.use_plan && e->hooks.rank && !q->sort_given && !q->has_cursor;
	struct gx_buf where, sql;
	gx_buf_init(&where, 1 << 16);
	gx_buf_init(&sql, 1 << 17);
	rc = build_where(e, q, &w, &where);
	const char *col = q->sort_column;
	const char *dir = q->sort_desc ? "DESC" : "ASC";
	const char *cmp = q->sort_desc ? "<" : ">";
	bool by_id = strcmp(col, "id") == 0;
	/* a field with a hidden "<field>_sort" twin sorts by it (pinyin order of
	 * Chinese names); the twin is selected for the cursor, not shown */
	const char *sort_col = col;
	char twin[80];
	snprintf(twin, sizeof twin, "%s_sort", col);
	const struct gx_field *tf = gx_entity_field(e, twin);
	if (tf && (tf->flags & GX_FF_HIDDEN))
		sort_col = tf->name;
	char *select = gx_entity_select_sql(e, ctx->arena);
	char *from = select ? strstr(select, " FROM ") : NULL;
	if (!from)
		rc = rc ? rc : GX_ENOMEM;
	if (!rc)
		rc = gx_buf_add(&sql, select, (size_t)(from - select));
	if (!rc && sort_col != col)
		rc = gx_buf_printf(&sql, ", %s", sort_col);
	if (!rc)
		rc = gx_buf_adds(&sql, from);
	if (!rc)
		rc = gx_buf_add(&sql, where.data, where.len);
	/* The order is "NULLs last, value, id". Two statements, the values then
	 * the NULLs, so that an index on (tenant_id, value, id) serves each
	 * (an ORDER BY (value IS NULL), ... would sort the whole table). A
	 * keyset cursor continues after (value, id), or after id among the
	 * NULLs. cur: what the part binds after the WHERE's parameters. */
	struct {
		char *sql;
		int cur; /* 0 nothing, 1 the cursor's id, 2 its value, value and id */
	} part[2] = {{0}};
	int nparts = 0;
	if (!rc && by_id) {
		part[nparts].cur = q->has_cursor ? 1 : 0;
		part[nparts++].sql = gx_arena_printf(ctx->arena, "%s%s ORDER BY id %s LIMIT ?", sql.data,
						     q->has_cursor ? (q->sort_desc ? " AND id < ?" : " AND id > ?") : "", dir);
	} else if (!rc) {
		if (!q->has_cursor || !q->cursor_null) {
			part[nparts].cur = q->has_cursor ? 2 : 0;
			part[nparts++].sql = q->has_cursor
				? gx_arena_printf(ctx->arena, "%s AND %s IS NOT NULL AND %s %s= ? AND (%s %s ? OR id %s ?) "
							      "ORDER BY %s %s, id %s LIMIT ?", sql.data, sort_col, sort_col, cmp,
						  sort_col, cmp, cmp, sort_col, dir, dir)
				: gx_arena_printf(ctx->arena, "%s AND %s IS NOT NULL ORDER BY %s %s, id %s LIMIT ?", sql.data,
						  sort_col, sort_col, dir, dir);
		}
		bool after_null = q->has_cursor && q->cursor_null;
		part[nparts].cur = after_null ? 1 : 0;
		part[nparts++].sql = gx_arena_printf(ctx->arena, "%s AND %s IS NULL%s ORDER BY id %s LIMIT ?", sql.data, sort_col,
						     after_null ? (q->sort_desc ? " AND id < ?" : " AND id > ?") : "", dir);
	}
	for (int i = 0; !rc && i < nparts; i++)
		if (!part[i].sql)
			rc = GX_ENOMEM;
	struct gx_conn *c = NULL;
	struct gx_stmt *st = NULL;
	json_t *items = json_array();
	const char *last_sort = NULL;
	if (!rc)
		rc = gx_store_reader(ctx->store, &c);
	/* the MATCH of each condition: its token holds the tenant's search
	 * tag, read through the connection */
	for (int i = 0; !rc && w.use_plan && w.fts && i < w.plan.n; i++) {
		const char *tok = gx_search_token(ctx, c, e->name, w.plan.cond[i].term);
		w.match[i] = tok ? gx_search_match(ctx, tok, w.plan.cond[i].prefix) : NULL;
		if (!w.match[i])
			rc = GX_ENOMEM;
	}
	/* newest first by id: the streaming search (ranked_search) */
	bool streamed = ranked && by_id && q->sort_desc;
	/* PostgreSQL and "id IN (the terms in a range)" (a sorted or paged
	 * search, a count): a prepared statement's generic plan, or a plan
	 * made before the tables were analysed (a bulk load), can be a nested
	 * loop that reads the range once per row of the table: seconds at a
	 * few thousand rows. Such a statement is planned for its actual
	 * parameters and without nested loops (a hash or merge semi-join
	 * reads the range once); the session settings are reset after. The
	 * streaming search's statements are single index reads and need none. */
	bool pg_search = !rc && w.use_plan && (!streamed || q->count) &&
			 strcmp(gx_store_backend(ctx->store), "postgres") == 0;
	if (pg_search && !streamed)
		rc = gx_conn_exec(c, "SET plan_cache_mode = force_custom_plan; SET enable_nestloop = off");
	if (!rc && streamed)
		rc = ranked_search(ctx, c, e, q, &w, items);
	int n = 0, want = ranked ? GX_RANK_WINDOW : q->limit + 1;
	for (int i = 0; !rc && !streamed && i < nparts && n < want; i++) {
		rc = gx_conn_prepare(c, part[i].sql, &st);
		if (rc)
			break;
		int k = bind_where(ctx, e, q, &w, st, 1);
		if (part[i].cur == 2) {
			bind_typed(st, k++, q->sort_type, q->cursor_value);
			bind_typed(st, k++, q->sort_type, q->cursor_value);
		}
		if (part[i].cur)
			gx_stmt_bind_int64(st, k++, q->cursor_id);
		gx_stmt_bind_int64(st, k++, want - n);
		int ncols = gx_stmt_columns(st);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (!ranked && n == q->limit) {
				n++;
				break;
			}
			n++;
			json_array_append_new(items, gx_entity_row_json(e, st));
			if (sort_col != col) {
				/* the twin is the last column */
				const char *v = gx_stmt_col_type(st, ncols - 1) == GX_COL_NULL ? NULL : gx_stmt_col_text(st, ncols - 1);
				last_sort = v ? gx_arena_strdup(ctx->arena, v) : NULL;
			}
		}
		if (rc == GX_ROW || rc == GX_DONE)
			rc = 0;
		gx_stmt_reset(st);
	}
	/* only for a plain search: an exact hit must not slip past a filter */
	if (!rc && ranked && !q->nfilters && !q->ncustom && !q->extra_where && !q->deleted)
		rc = add_exact_matches(ctx, c, e, q, &w, items);
	/* ranked before the custom values are loaded: for the kept ones only */
	if (!rc && ranked)
		items = rank_items(e, q, items);
	if (!rc && e->custom_fields)
		rc = gx_custom_load(ctx, c, e, items);
	json_t *total = NULL;
	if (!rc && q->count && pg_search && streamed)
		rc = gx_conn_exec(c, "SET plan_cache_mode = force_custom_plan; SET enable_nestloop = off");
	if (!rc && q->count) {
		char *csql = gx_arena_printf(ctx->arena, "SELECT count(*) FROM %s%s", e->table, where.data);
		rc = csql ? gx_conn_prepare(c, csql, &st) : GX_ENOMEM;
		if (!rc) {
			bind_where(ctx, e, q, &w, st, 1);
			rc = gx_stmt_step(st);
			if (rc == GX_ROW) {
				total = json_integer(gx_stmt_col_int64(st, 0));
				rc = 0;
			}
			gx_stmt_reset(st);
		}
	}
	if (pg_search) {
		int rrc = gx_conn_exec(c, "RESET plan_cache_mode; RESET enable_nestloop");
		rc = rc ? rc : rrc;
	}
	gx_store_release(c);
	gx_buf_free(&where);
	gx_buf_free(&sql);
	if (rc) {
		json_decref(items);
		json_decref(total);
		return rc;
	}
	json_t *next = json_null();
	if (!ranked && n > q->limit) {
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		if (sort_col != col) {
			json_t *tmp = json_pack("{s:O, s:o}", "id", json_object_get(last, "id"), "v",
						last_sort ? json_string(last_sort) : json_null());
			next = make_cursor(tmp, "v");
			json_decref(tmp);
		} else {
			next = make_cursor(last, col);
		}
		if (!next)
			next = json_null();
	}
	*out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
	if (total)
		json_object_set_new(*out, "total", total);
	return 0;
}
