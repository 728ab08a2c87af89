/* dump.c — full export of a database as JSON Lines plus a manifest, and
 * its load into an empty database (see dump.h, docs/import-export.md). */
#include "io/dump.h"

#include "core/err.h"
#include "core/log.h"
#include "core/arena.h"
#include "core/time.h"
#include "crm/customer.h"
#include "entity/entity.h"
#include "entity/search.h"
#include "store/migrations.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_TABLES 128
#define MAX_PK 8
#define PAGE_ROWS 5000
#define MAX_LINE (256u << 20)

struct tdef {
	char name[64];
	char pk[MAX_PK][64];
	int npk;
};

/* ---- the schema, from the migrations compiled in ------------------------------------- */

/* sql without comments (-- to end of line, block comments). Caller frees. */
static char *strip_comments(const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
			*o++ = ' ';
		} else if (*p == '\'') {
			/* a literal may hold anything */
			*o++ = *p++;
			while (*p && !(*p == '\'' && p[1] != '\'')) {
				if (*p == '\'')
					*o++ = *p++;
				*o++ = *p++;
			}
			if (*p)
				*o++ = *p++;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static const char *skip_ws(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

static size_t ident(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < cap) {
		out[n] = (char)tolower((unsigned char)p[n]);
		n++;
	}
	out[n] = '\0';
	return n;
}

/* The primary key columns of a CREATE TABLE body. */
static void parse_pk(const char *body, size_t len, struct tdef *t)
{
	/* a table constraint PRIMARY KEY (a, b) at depth 0 of the body */
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == '(')
			depth++;
		else if (body[i] == ')')
			depth--;
		if (depth == 0 && !strncasecmp(body + i, "PRIMARY KEY", 11)) {
			const char *p = skip_ws(body + i + 11);
			if (*p == '(') {
				p++;
				while (*p && *p != ')' && t->npk < MAX_PK) {
					p = skip_ws(p);
					p += ident(p, t->pk[t->npk], sizeof t->pk[0]);
					if (*t->pk[t->npk])
						t->npk++;
					p = skip_ws(p);
					if (*p == ',')
						p++;
					else if (*p != ')')
						break;
				}
				return;
			}
			/* a column constraint: the column is the first word of this line */
			size_t s = i;
			while (s > 0 && body[s - 1] != ',' && body[s - 1] != '(')
				s--;
			ident(skip_ws(body + s), t->pk[0], sizeof t->pk[0]);
			t->npk = *t->pk[0] ? 1 : 0;
			return;
		}
	}
}

/* The tables the migrations create (and do not drop), in creation order. */
static int schema_tables(struct tdef *tables, int *n)
{
	*n = 0;
	for (size_t m = 0; m < gx_migrations_count; m++) {
		char *sql = strip_comments(gx_migrations[m].sql);
		if (!sql)
			return GX_ENOMEM;
		for (const char *p = sql; *p; p++) {
			if (!strncasecmp(p, "DROP TABLE", 10) && (p == sql || !isalnum((unsigned char)p[-1]))) {
				const char *q = skip_ws(p + 10);
				if (!strncasecmp(q, "IF EXISTS", 9))
					q = skip_ws(q + 9);
				char name[64];
				ident(q, name, sizeof name);
				for (int i = 0; i < *n; i++)
					if (!strcmp(tables[i].name, name)) {
						memmove(&tables[i], &tables[i + 1], (size_t)(*n - i - 1) * sizeof *tables);
						(*n)--;
						break;
					}
				continue;
			}
			if (strncasecmp(p, "CREATE TABLE", 12) || (p > sql && isalnum((unsigned char)p[-1])))
				continue;
			const char *q = skip_ws(p + 12);
			if (!strncasecmp(q, "IF NOT EXISTS", 13))
				q = skip_ws(q + 13);
			if (*n == MAX_TABLES) {
				free(sql);
				return GX_ETOOBIG;
			}
			struct tdef *t = &tables[*n];
			memset(t, 0, sizeof *t);
			q += ident(q, t->name, sizeof t->name);
			q = skip_ws(q);
			if (*q != '(' || !*t->name)
				continue;
			const char *body = q + 1;
			int depth = 1;
			const char *e = body;
			while (*e && depth) {
				if (*e == '(')
					depth++;
				else if (*e == ')')
					depth--;
				e++;
			}
			parse_pk(body, (size_t)(e - body), t);
			/* login sessions are live credentials, not data to carry */
			if (strcmp(t->name, "sessions") && t->npk)
				(*n)++;
			p = e - 1;
		}
		free(sql);
	}
	return 0;
}

static bool known_table(const struct tdef *t, int n, const char *name, const struct tdef **out)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i].name, name)) {
			*out = &t[i];
			return true;
		}
	return false;
}

static int max_schema_version(void)
{
	int v = 0;
	for (size_t i = 0; i < gx_migrations_count; i++)
		if (gx_migrations[i].version > v)
			v = gx_migrations[i].version;
	return v;
}

/* ---- export --------------------------------------------------------------------------- */

struct out_file {
	FILE *f;
	crypto_hash_sha256_state h;
	uint64_t bytes;
};

static int out_write(struct out_file *o, const char *s, size_t n)
{
	if (fwrite(s, 1, n, o->f) != n)
		return GX_EIO;
	crypto_hash_sha256_update(&o->h, (const unsigned char *)s, n);
	o->bytes += n;
	return 0;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static json_t *row_json(struct gx_stmt *st, int ncols)
{
	json_t *o = json_object();
	for (int i = 0; o && i < ncols; i++) {
		json_t *v;
		switch (gx_stmt_col_type(st, i)) {
		case GX_COL_NULL: v = json_null(); break;
		case GX_COL_INT: v = json_integer(gx_stmt_col_int64(st, i)); break;
		case GX_COL_REAL: v = json_real(gx_stmt_col_double(st, i)); break;
		default: v = json_string(gx_stmt_col_text(st, i)); break;
		}
		json_object_set_new(o, gx_stmt_col_name(st, i), v ? v : json_null());
	}
	return o;
}

static void bind_json_value(struct gx_stmt *st, int k, const json_t *v)
{
	if (json_is_integer(v))
		gx_stmt_bind_int64(st, k, json_integer_value(v));
	else if (json_is_real(v))
		gx_stmt_bind_double(st, k, json_real_value(v));
	else if (json_is_string(v))
		gx_stmt_bind_text(st, k, json_string_value(v), json_string_length(v));
	else if (json_is_true(v) || json_is_false(v))
		gx_stmt_bind_int64(st, k, json_is_true(v));
	else
		gx_stmt_bind_null(st, k);
}

static int export_table(struct gx_conn *c, const struct tdef *t, const char *dir, json_t *tables,
			gx_dump_progress_fn progress, void *ud, uint64_t *total)
{
	char path[1200], order[600] = "", keyset[1400] = "";
	snprintf(path, sizeof path, "%s/%s.jsonl", dir, t->name);
	struct out_file o = {0};
	o.f = fopen(path, "wx");
	if (!o.f)
		return errno == EEXIST ? GX_ECONFLICT : GX_EIO;
	crypto_hash_sha256_init(&o.h);
	size_t used = 0, kused = 0;
	kused += (size_t)snprintf(keyset + kused, sizeof keyset - kused, "(");
	for (int i = 0; i < t->npk; i++) {
		used += (size_t)snprintf(order + used, sizeof order - used, "%s%s", i ? ", " : "", t->pk[i]);
		kused += (size_t)snprintf(keyset + kused, sizeof keyset - kused, "%s%s", i ? ", " : "", t->pk[i]);
	}
	kused += (size_t)snprintf(keyset + kused, sizeof keyset - kused, ") > (");
	for (int i = 0; i < t->npk; i++)
		kused += (size_t)snprintf(keyset + kused, sizeof keyset - kused, "%s?", i ? ", " : "");
	snprintf(keyset + kused, sizeof keyset - kused, ")");
	char first_sql[2400], next_sql[4000];
	snprintf(first_sql, sizeof first_sql, "SELECT * FROM %s ORDER BY %s LIMIT %d", t->name, order, PAGE_ROWS);
	snprintf(next_sql, sizeof next_sql, "SELECT * FROM %s WHERE %s ORDER BY %s LIMIT %d", t->name, keyset, order, PAGE_ROWS);
	json_t *columns = json_array(), *last = NULL;
	int pkidx[MAX_PK];
	uint64_t rows = 0;
	int rc = 0;
	for (;;) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, last ? next_sql : first_sql, &st);
		if (rc)
			break;
		for (int i = 0; last && i < t->npk; i++)
			bind_json_value(st, i + 1, json_array_get(last, (size_t)i));
		int ncols = gx_stmt_columns(st);
		if (!json_array_size(columns)) {
			for (int i = 0; i < ncols; i++)
				json_array_append_new(columns, json_string(gx_stmt_col_name(st, i)));
			for (int k = 0; k < t->npk; k++) {
				pkidx[k] = -1;
				for (int i = 0; i < ncols; i++)
					if (!strcasecmp(gx_stmt_col_name(st, i), t->pk[k]))
						pkidx[k] = i;
				if (pkidx[k] < 0)
					rc = GX_EDB;
			}
		}
		int n = 0;
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			rc = 0;
			json_t *row = row_json(st, ncols);
			char *text = row ? json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
			if (!text) {
				json_decref(row);
				rc = GX_ENOMEM;
				break;
			}
			rc = out_write(&o, text, strlen(text));
			if (!rc)
				rc = out_write(&o, "\n", 1);
			free(text);
			json_decref(last);
			last = json_array();
			for (int k = 0; k < t->npk; k++)
				json_array_append(last, json_object_get(row, gx_stmt_col_name(st, pkidx[k])));
			json_decref(row);
			n++;
			rows++;
		}
		rc = rc == GX_DONE ? 0 : rc;
		gx_stmt_reset(st);
		if (progress && !rc)
			progress(ud, t->name, rows, false);
		if (rc || n < PAGE_ROWS)
			break;
	}
	json_decref(last);
	if (fclose(o.f) != 0 && !rc)
		rc = GX_EIO;
	if (rc) {
		json_decref(columns);
		return rc;
	}
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[2 * crypto_hash_sha256_BYTES + 1], file[80];
	crypto_hash_sha256_final(&o.h, digest);
	hex(digest, sizeof digest, sha);
	snprintf(file, sizeof file, "%s.jsonl", t->name);
	json_t *pk = json_array();
	for (int k = 0; k < t->npk; k++)
		json_array_append_new(pk, json_string(t->pk[k]));
	json_array_append_new(tables, json_pack("{s:s, s:s, s:I, s:I, s:s, s:o, s:o}", "name", t->name, "file", file, "rows",
						(json_int_t)rows, "bytes", (json_int_t)o.bytes, "sha256", sha, "columns",
						columns, "primary_key", pk));
	if (progress)
		progress(ud, t->name, rows, true);
	*total += rows;
	return 0;
}

int gx_dump_export(struct gx_store *s, const char *dir, gx_dump_progress_fn progress, void *ud, int *ntables,
		   uint64_t *nrows)
{
	if (ntables)
		*ntables = 0;
	if (nrows)
		*nrows = 0;
	struct tdef *defs = calloc(MAX_TABLES, sizeof *defs);
	if (!defs)
		return GX_ENOMEM;
	int n = 0;
	int rc = schema_tables(defs, &n);
	if (!rc && mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = GX_EIO;
	char mpath[1200];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
	struct stat sb;
	if (!rc && stat(mpath, &sb) == 0)
		rc = GX_ECONFLICT;
	int version = 0;
	if (!rc)
		rc = gx_schema_version(s, &version);
	struct gx_conn *c = NULL;
	if (!rc)
		rc = gx_store_reader(s, &c);
	/* one read transaction: every table from the same snapshot */
	if (!rc)
		rc = gx_conn_begin(c);
	json_t *tables = json_array(), *tenants = json_array();
	uint64_t total = 0;
	for (int i = 0; !rc && i < n; i++)
		rc = export_table(c, &defs[i], dir, tables, progress, ud, &total);
	if (!rc) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT id, slug, name FROM tenants ORDER BY id", &st);
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			rc = 0;
			json_array_append_new(tenants, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)gx_stmt_col_int64(st, 0),
								 "slug", gx_stmt_col_text(st, 1), "name", gx_stmt_col_text(st, 2)));
		}
		rc = rc == GX_DONE ? 0 : rc;
		if (c && !rc)
			gx_stmt_reset(st);
	}
	if (c) {
		gx_conn_rollback(c);
		gx_store_release(c);
	}
	if (!rc) {
		char now[40];
		gx_time_iso(gx_now_ms(), now, sizeof now);
		json_t *m = json_pack("{s:s, s:i, s:s, s:i, s:s, s:s, s:O, s:I, s:O}", "format", "guanxi-export", "format_version", 1,
				      "guanxi_version", GX_VERSION, "schema_version", version, "backend", gx_store_backend(s),
				      "created_at", now, "tenants", tenants, "rows", (json_int_t)total, "tables", tables);
		if (!m || json_dump_file(m, mpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			rc = GX_EIO;
		json_decref(m);
	}
	if (!rc && ntables)
		*ntables = (int)json_array_size(tables);
	if (!rc && nrows)
		*nrows = total;
	json_decref(tables);
	json_decref(tenants);
	free(defs);
	return rc;
}

/* ---- import ------------------------------------------------------------------------------ */

static bool is_ident(const char *s)
{
	if (!s || !*s || strlen(s) > 63)
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* The live table's column names (to check the manifest's against). */
static int live_columns(struct gx_conn *c, const char *table, json_t **out)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT * FROM %s LIMIT 1", table);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	*out = json_array();
	for (int i = 0; i < gx_stmt_columns(st); i++)
		json_array_append_new(*out, json_string(gx_stmt_col_name(st, i)));
	gx_stmt_reset(st);
	return 0;
}

static bool has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

static int load_table(struct gx_conn *c, const char *dir, const json_t *t, gx_dump_progress_fn progress, void *ud,
		      uint64_t *total, char *msg, size_t msgcap)
{
	const char *name = json_string_value(json_object_get(t, "name"));
	const char *file = json_string_value(json_object_get(t, "file"));
	json_t *cols = json_object_get(t, "columns");
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	json_t *live = NULL;
	int rc = live_columns(c, name, &live);
	size_t i;
	json_t *col;
	json_array_foreach(cols, i, col) {
		if (rc)
			break;
		if (!is_ident(json_string_value(col)) || !has_string(live, json_string_value(col))) {
			snprintf(msg, msgcap, "%s: column %s is not in this version's schema", name,
				 json_string_value(col) ? json_string_value(col) : "?");
			rc = GX_EINVAL;
		}
	}
	json_decref(live);
	if (rc)
		return rc;
	size_t ncols = json_array_size(cols);
	size_t cap = 64 + strlen(name) + ncols * 72;
	char *sql = malloc(cap);
	if (!sql)
		return GX_ENOMEM;
	size_t used = (size_t)snprintf(sql, cap, "INSERT INTO %s (", name);
	json_array_foreach(cols, i, col)
		used += (size_t)snprintf(sql + used, cap - used, "%s%s", i ? ", " : "", json_string_value(col));
	used += (size_t)snprintf(sql + used, cap - used, ") VALUES (");
	for (i = 0; i < ncols; i++)
		used += (size_t)snprintf(sql + used, cap - used, "%s?", i ? ", " : "");
	snprintf(sql + used, cap - used, ")");
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, msgcap, "%s is missing", path);
		free(sql);
		return GX_EINVAL;
	}
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	uint64_t rows = 0, bytes = 0;
	while (!rc && (len = getline(&line, &lcap, f)) > 0) {
		crypto_hash_sha256_update(&h, (const unsigned char *)line, (size_t)len);
		bytes += (uint64_t)len;
		if ((size_t)len > MAX_LINE || line[len - 1] != '\n') {
			snprintf(msg, msgcap, "%s: line %llu is cut off or too long", file, (unsigned long long)rows + 1);
			rc = GX_EINVAL;
			break;
		}
		json_error_t jerr;
		json_t *row = json_loadb(line, (size_t)len, 0, &jerr);
		if (!json_is_object(row) || json_object_size(row) != ncols) {
			snprintf(msg, msgcap, "%s: line %llu is not a row of %s", file, (unsigned long long)rows + 1, name);
			json_decref(row);
			rc = GX_EINVAL;
			break;
		}
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, sql, &st);
		if (!rc) {
			json_array_foreach(cols, i, col) {
				json_t *v = json_object_get(row, json_string_value(col));
				if (!v) {
					snprintf(msg, msgcap, "%s: line %llu has no %s", file, (unsigned long long)rows + 1,
						 json_string_value(col));
					rc = GX_EINVAL;
					break;
				}
				bind_json_value(st, (int)i + 1, v);
			}
			if (!rc)
				rc = gx_stmt_step(st);
			gx_stmt_reset(st);
			if (rc && !*msg)
				snprintf(msg, msgcap, "%s: line %llu could not be inserted: %s", file,
					 (unsigned long long)rows + 1, gx_conn_errmsg(c));
		}
		json_decref(row);
		rows++;
		if (progress && rows % 10000 == 0)
			progress(ud, name, rows, false);
	}
	free(line);
	fclose(f);
	free(sql);
	if (rc)
		return rc;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256_final(&h, digest);
	hex(digest, sizeof digest, sha);
	const char *want = json_string_value(json_object_get(t, "sha256"));
	if (!want || strcmp(want, sha) || bytes != (uint64_t)json_integer_value(json_object_get(t, "bytes")) ||
	    rows != (uint64_t)json_integer_value(json_object_get(t, "rows"))) {
		snprintf(msg, msgcap, "%s does not match the manifest (changed or damaged since the export: sha256 %s)", file, sha);
		return GX_EINVAL;
	}
	if (progress)
		progress(ud, name, rows, true);
	*total += rows;
	return 0;
}

int gx_dump_reindex(struct gx_store *s, struct gx_conn *c)
{
	struct gx_stmt *st;
	int64_t after = 0;
	struct gx_ctx ctx = {.store = s};
	/* tenants of an export made before migration 0012 come without a tag */
	int rc = gx_search_tags_fill(c);
	bool bulk = false;
	if (!rc) {
		rc = gx_search_bulk_begin(c);
		bulk = !rc;
	}
	while (!rc) {
		int64_t ids[1024], tids[1024];
		int n = 0;
		rc = gx_conn_prepare(c, "SELECT id, tenant_id FROM customers WHERE id > ? ORDER BY id LIMIT 1024", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, after);
		while (n < 1024 && (rc = gx_stmt_step(st)) == GX_ROW) {
			ids[n] = gx_stmt_col_int64(st, 0);
			tids[n++] = gx_stmt_col_int64(st, 1);
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
		if (rc || !n)
			break;
		struct gx_arena a;
		gx_arena_init(&a, 0);
		/* one context: it reads a tenant's search tag once, not per customer */
		ctx.arena = &a;
		for (int i = 0; !rc && i < n; i++) {
			ctx.tenant_id = tids[i];
			rc = gx_customer_reindex(&ctx, c, ids[i]);
		}
		gx_arena_free(&a);
		if (!rc && gx_search_bulk_pending(c) >= 65536)
			rc = gx_search_bulk_flush(c);
		after = ids[n - 1];
	}
	if (bulk) {
		int frc = gx_search_bulk_end(c, !rc);
		rc = rc ? rc : frc;
	}
	return rc;
}

int gx_dump_import(struct gx_store *s, const char *dir, gx_dump_progress_fn progress, void *ud, int *ntables,
		   uint64_t *nrows, char *msg, size_t msgcap)
{
	char dummy[8];
	if (!msg) {
		msg = dummy;
		msgcap = sizeof dummy;
	}
	*msg = '\0';
	if (ntables)
		*ntables = 0;
	if (nrows)
		*nrows = 0;
	char mpath[1200];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
	json_error_t jerr;
	json_t *m = json_load_file(mpath, 0, &jerr);
	if (!m) {
		snprintf(msg, msgcap, "cannot read %s: %s", mpath, jerr.text);
		return GX_EINVAL;
	}
	struct tdef *defs = calloc(MAX_TABLES, sizeof *defs);
	int n = 0;
	int rc = defs ? schema_tables(defs, &n) : GX_ENOMEM;
	json_t *tables = json_object_get(m, "tables");
	const char *fmt = json_string_value(json_object_get(m, "format"));
	int version = (int)json_integer_value(json_object_get(m, "schema_version"));
	if (!rc && (!fmt || strcmp(fmt, "guanxi-export") || json_integer_value(json_object_get(m, "format_version")) != 1 ||
		    !json_is_array(tables))) {
		snprintf(msg, msgcap, "%s is not a guanxi export manifest (format_version 1)", mpath);
		rc = GX_EINVAL;
	}
	if (!rc && version > max_schema_version()) {
		snprintf(msg, msgcap, "the export is of schema version %d, newer than this guanxi's %d: use guanxi %s or later",
			 version, max_schema_version(), json_string_value(json_object_get(m, "guanxi_version")));
		rc = GX_EINVAL;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tables, i, t) {
		const struct tdef *def;
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *file = json_string_value(json_object_get(t, "file"));
		char want[80];
		snprintf(want, sizeof want, "%s.jsonl", name ? name : "");
		if (name && !strcmp(name, "search_terms"))
			continue; /* an export of schema 10 or older: the index is rebuilt below */
		if (!rc && (!name || !known_table(defs, n, name, &def) || !file || strcmp(file, want) ||
			    !json_is_array(json_object_get(t, "columns")))) {
			snprintf(msg, msgcap, "the manifest names a table this version does not have: %s", name ? name : "?");
			rc = GX_EINVAL;
		}
	}
	struct gx_conn *c = NULL;
	if (!rc) {
		gx_store_writer(s, &c);
		rc = gx_conn_begin(c);
	}
	if (!rc) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT count(*) FROM tenants", &st);
		if (!rc) {
			int64_t have = gx_stmt_step(st) == GX_ROW ? gx_stmt_col_int64(st, 0) : -1;
			gx_stmt_reset(st);
			if (have != 0) {
				snprintf(msg, msgcap, "the database already holds data: import --all loads into an empty one");
				rc = GX_ECONFLICT;
			}
		}
	}
	uint64_t total = 0;
	json_array_foreach(tables, i, t) {
		if (rc)
			break;
		if (strcmp(json_string_value(json_object_get(t, "name")), "search_terms"))
			rc = load_table(c, dir, t, progress, ud, &total, msg, msgcap);
	}
	/* the search index is derived data: not in the export, rebuilt here */
	if (!rc)
		rc = gx_dump_reindex(s, c);
	if (!rc)
		rc = gx_conn_commit(c);
	if (c)
		gx_store_release(c); /* rolls back when not committed */
	if (!rc && ntables)
		*ntables = (int)json_array_size(tables);
	if (!rc && nrows)
		*nrows = total;
	if (rc && !*msg)
		snprintf(msg, msgcap, "%s", gx_strerror(rc));
	json_decref(m);
	free(defs);
	return rc;
}
