/* copydata.c — `guanxi copy-data --from A --to B`: moves a whole installation
 * between SQLite and PostgreSQL (either way, or between two of a kind), every
 * row checked: counts and an order-independent checksum per table, compared
 * before the copy commits. */
#include "cli/cli.h"

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "entity/search.h"
#include "io/dump.h"
#include "store/migrations.h"
#include "store/store.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bound parameters per INSERT: under SQLite's 32766 and PostgreSQL's 65535. */
#define MAX_PARAMS 30000
#define MAX_ROWS_PER_INSERT 250
#define DEFAULT_BATCH 2000

/* One value of a row, held between reading the source and inserting. */
struct value {
	enum gx_col_type type;
	int64_t i;
	double d;
	char *text; /* owned */
};

/* An order-independent checksum of a multiset of rows: the sum modulo
 * 2^128 of each row's BLAKE2b-128 over its canonical text. */
struct sum {
	uint64_t lo, hi;
	int64_t rows;
};

struct table {
	const char *name;      /* borrowed from the schema JSON */
	json_t *columns, *pk, *refs; /* borrowed */
	size_t ncols, npk;
	size_t *pk_idx;        /* the key columns' positions in columns */
	char *sel_first, *sel_next, *cols_sql;
	struct sum src, dst;
};

/* ---- SQL text ---------------------------------------------------------------------- */

/* Appends "name" (double quotes doubled) to a growing string; false on OOM. */
static bool put_ident(char **buf, size_t *len, size_t *cap, const char *name)
{
	size_t need = *len + 2 * strlen(name) + 3;
	if (need + 1 > *cap) {
		size_t ncap = (need + 1) * 2;
		char *n = realloc(*buf, ncap);
		if (!n)
			return false;
		*buf = n;
		*cap = ncap;
	}
	(*buf)[(*len)++] = '"';
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = *p;
	}
	(*buf)[(*len)++] = '"';
	(*buf)[*len] = '\0';
	return true;
}

static bool put(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		size_t ncap = (*len + n + 1) * 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return false;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return true;
}

/* "a", "b", "c" of a JSON array of names. */
static bool put_list(char **buf, size_t *len, size_t *cap, json_t *names)
{
	for (size_t i = 0; i < json_array_size(names); i++)
		if ((i && !put(buf, len, cap, ", ")) ||
		    !put_ident(buf, len, cap, json_string_value(json_array_get(names, i))))
			return false;
	return true;
}

/* The keyset batch queries: the first page, and the page after a key. */
static int table_sql(struct table *t)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	bool ok = put_list(&b, &len, &cap, t->columns);
	t->cols_sql = ok ? strdup(b) : NULL;
	char *head = NULL, *order = NULL, *key = NULL;
	size_t hl = 0, hc = 0, ol = 0, oc = 0, kl = 0, kc = 0;
	ok = ok && t->cols_sql && put(&head, &hl, &hc, "SELECT ") && put(&head, &hl, &hc, t->cols_sql) &&
	     put(&head, &hl, &hc, " FROM ") && put_ident(&head, &hl, &hc, t->name);
	ok = ok && put(&order, &ol, &oc, " ORDER BY ") && put_list(&order, &ol, &oc, t->pk) &&
	     put(&order, &ol, &oc, " LIMIT ?");
	ok = ok && put(&key, &kl, &kc, " WHERE (") && put_list(&key, &kl, &kc, t->pk) && put(&key, &kl, &kc, ") > (");
	for (size_t i = 0; ok && i < t->npk; i++)
		ok = put(&key, &kl, &kc, i ? ", ?" : "?");
	ok = ok && put(&key, &kl, &kc, ")");
	size_t fl = 0, fc = 0, nl = 0, nc = 0;
	ok = ok && put(&t->sel_first, &fl, &fc, head) && put(&t->sel_first, &fl, &fc, order) &&
	     put(&t->sel_next, &nl, &nc, head) && put(&t->sel_next, &nl, &nc, key) &&
	     put(&t->sel_next, &nl, &nc, order);
	free(b);
	free(head);
	free(order);
	free(key);
	return ok ? 0 : GX_ENOMEM;
}

/* INSERT INTO "t" (cols) VALUES (?, ...), ... for n rows; caller frees. */
static char *insert_sql(const struct table *t, size_t n)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	bool ok = put(&b, &len, &cap, "INSERT INTO ") && put_ident(&b, &len, &cap, t->name) &&
		  put(&b, &len, &cap, " (") && put(&b, &len, &cap, t->cols_sql) && put(&b, &len, &cap, ") VALUES ");
	for (size_t r = 0; ok && r < n; r++) {
		ok = put(&b, &len, &cap, r ? ", (" : "(");
		for (size_t c = 0; ok && c < t->ncols; c++)
			ok = put(&b, &len, &cap, c ? ", ?" : "?");
		ok = ok && put(&b, &len, &cap, ")");
	}
	if (!ok) {
		free(b);
		return NULL;
	}
	return b;
}

/* ---- values and checksums ------------------------------------------------------------ */

static void value_clear(struct value *v)
{
	free(v->text);
	memset(v, 0, sizeof *v);
}

/* Copies column i of the current row into v. */
static int value_take(struct gx_stmt *st, int i, struct value *v)
{
	value_clear(v);
	v->type = gx_stmt_col_type(st, i);
	switch (v->type) {
	case GX_COL_NULL:
		return 0;
	case GX_COL_INT:
		v->i = gx_stmt_col_int64(st, i);
		return 0;
	case GX_COL_REAL:
		v->d = gx_stmt_col_double(st, i);
		return 0;
	default: {
		const char *s = gx_stmt_col_text(st, i);
		v->text = strdup(s ? s : "");
		return v->text ? 0 : GX_ENOMEM;
	}
	}
}

static int value_bind(struct gx_stmt *st, int idx, const struct value *v)
{
	switch (v->type) {
	case GX_COL_NULL: return gx_stmt_bind_null(st, idx);
	case GX_COL_INT: return gx_stmt_bind_int64(st, idx, v->i);
	case GX_COL_REAL: return gx_stmt_bind_double(st, idx, v->d);
	default: return gx_stmt_bind_text(st, idx, v->text, strlen(v->text));
	}
}

/* Adds the current row of st to the checksum. The canonical text of a row
 * is, per column, "N" for NULL or "V<length>:<text>", the text of an
 * integer in decimal and of a real as %.17g (exact), so that both engines
 * give the same text for the same value whatever types they report. */
static void sum_row(struct sum *s, struct gx_stmt *st, size_t ncols)
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 16);
	for (size_t i = 0; i < ncols; i++) {
		char num[40], head[32];
		const char *txt = NULL;
		switch (gx_stmt_col_type(st, (int)i)) {
		case GX_COL_NULL:
			break;
		case GX_COL_INT:
			snprintf(num, sizeof num, "%lld", (long long)gx_stmt_col_int64(st, (int)i));
			txt = num;
			break;
		case GX_COL_REAL:
			snprintf(num, sizeof num, "%.17g", gx_stmt_col_double(st, (int)i));
			txt = num;
			break;
		default:
			txt = gx_stmt_col_text(st, (int)i);
			txt = txt ? txt : "";
		}
		if (!txt) {
			crypto_generichash_update(&h, (const unsigned char *)"N", 1);
			continue;
		}
		size_t n = strlen(txt);
		int hn = snprintf(head, sizeof head, "V%zu:", n);
		crypto_generichash_update(&h, (const unsigned char *)head, (unsigned long long)hn);
		crypto_generichash_update(&h, (const unsigned char *)txt, n);
	}
	unsigned char d[16];
	crypto_generichash_final(&h, d, sizeof d);
	uint64_t lo = 0, hi = 0;
	for (int i = 7; i >= 0; i--) {
		lo = lo << 8 | d[i];
		hi = hi << 8 | d[8 + i];
	}
	uint64_t old = s->lo;
	s->lo += lo;
	s->hi += hi + (s->lo < old);
	s->rows++;
}

/* ---- walking a table in keyset batches ------------------------------------------------- */

typedef int (*row_fn)(void *arg, struct table *t, struct gx_stmt *st);

/* Reads every row of t through c, batch rows per query in primary-key
 * order, calling fn for each (with the statement on the row). */
static int walk(struct gx_conn *c, struct table *t, int64_t batch, row_fn fn, void *arg)
{
	struct value *last = calloc(t->npk, sizeof *last);
	if (!last)
		return GX_ENOMEM;
	bool first = true;
	int rc = 0;
	for (;;) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, first ? t->sel_first : t->sel_next, &st);
		if (rc)
			break;
		int idx = 1;
		for (size_t k = 0; !first && !rc && k < t->npk; k++)
			rc = value_bind(st, idx++, &last[k]);
		if (!rc)
			rc = gx_stmt_bind_int64(st, idx, batch);
		int64_t n = 0;
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			n++;
			rc = fn(arg, t, st);
			for (size_t k = 0; !rc && k < t->npk; k++)
				rc = value_take(st, (int)t->pk_idx[k], &last[k]);
		}
		gx_stmt_reset(st);
		if (rc < 0)
			break;
		rc = 0;
		first = false;
		if (n < batch)
			break;
	}
	for (size_t k = 0; k < t->npk; k++)
		value_clear(&last[k]);
	free(last);
	return rc;
}

/* ---- copying ------------------------------------------------------------------------- */

struct copier {
	struct gx_conn *dst;
	struct value *buf; /* rows_per_insert rows of ncols values */
	size_t nrows, rows_per_insert;
};

static int flush(struct copier *cp, struct table *t)
{
	if (!cp->nrows)
		return 0;
	char *sql = insert_sql(t, cp->nrows);
	if (!sql)
		return GX_ENOMEM;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(cp->dst, sql, &st);
	free(sql);
	for (size_t i = 0; !rc && i < cp->nrows * t->ncols; i++)
		rc = value_bind(st, (int)i + 1, &cp->buf[i]);
	if (!rc)
		rc = gx_stmt_step(st);
	if (!rc)
		rc = gx_stmt_changes(st) == (int64_t)cp->nrows ? 0 : GX_EDB;
	if (!st)
		return rc;
	gx_stmt_reset(st);
	for (size_t i = 0; i < cp->nrows * t->ncols; i++)
		value_clear(&cp->buf[i]);
	cp->nrows = 0;
	return rc < 0 ? rc : 0;
}

static int copy_row(void *arg, struct table *t, struct gx_stmt *st)
{
	struct copier *cp = arg;
	sum_row(&t->src, st, t->ncols);
	struct value *row = &cp->buf[cp->nrows * t->ncols];
	for (size_t i = 0; i < t->ncols; i++) {
		int rc = value_take(st, (int)i, &row[i]);
		if (rc)
			return rc;
	}
	return ++cp->nrows == cp->rows_per_insert ? flush(cp, t) : 0;
}

static int check_row(void *arg, struct table *t, struct gx_stmt *st)
{
	(void)arg;
	sum_row(&t->dst, st, t->ncols);
	return 0;
}

static int copy_table(struct gx_conn *src, struct gx_conn *dst, struct table *t, int64_t batch)
{
	struct copier cp = {.dst = dst};
	cp.rows_per_insert = MAX_PARAMS / t->ncols;
	if (cp.rows_per_insert > MAX_ROWS_PER_INSERT)
		cp.rows_per_insert = MAX_ROWS_PER_INSERT;
	if (cp.rows_per_insert < 1)
		cp.rows_per_insert = 1;
	cp.buf = calloc(cp.rows_per_insert * t->ncols, sizeof *cp.buf);
	if (!cp.buf)
		return GX_ENOMEM;
	int rc = walk(src, t, batch, copy_row, &cp);
	if (!rc)
		rc = flush(&cp, t);
	for (size_t i = 0; i < cp.rows_per_insert * t->ncols; i++)
		value_clear(&cp.buf[i]);
	free(cp.buf);
	return rc;
}

/* ---- the tables and their order -------------------------------------------------------- */

/* True when table a's foreign keys reference table b. */
static bool references(const struct table *a, const struct table *b)
{
	size_t k;
	json_t *r;
	json_array_foreach(a->refs, k, r)
		if (strcmp(json_string_value(r), b->name) == 0)
			return true;
	return false;
}

/* Orders the tables so that each comes after those its foreign keys
 * reference (references to itself or to tables not copied are ignored).
 * GX_EINVAL for a cycle. */
static int dependency_order(struct table *t, size_t n)
{
	bool *placed = calloc(n ? n : 1, sizeof *placed);
	struct table *out = calloc(n ? n : 1, sizeof *out);
	int rc = placed && out ? 0 : GX_ENOMEM;
	size_t done = 0;
	while (!rc && done < n) {
		size_t before = done;
		for (size_t i = 0; i < n; i++) {
			bool ready = !placed[i];
			for (size_t j = 0; ready && j < n; j++)
				ready = j == i || placed[j] || !references(&t[i], &t[j]);
			if (ready) {
				out[done++] = t[i];
				placed[i] = true;
			}
		}
		if (done == before)
			rc = GX_EINVAL;
	}
	if (!rc)
		memcpy(t, out, n * sizeof *t);
	free(placed);
	free(out);
	return rc;
}

/* The database name for messages: a URL's password hidden. */
static const char *shown(const char *url, char *buf, size_t cap)
{
	const char *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (!at || !colon || colon > at)
		snprintf(buf, cap, "%s", url);
	else
		snprintf(buf, cap, "%.*s:***%s", (int)(colon - url), url, at);
	return buf;
}

/* Opens and migrates a database; says what went wrong. */
static int open_db(const struct gx_cli *c, const char *url, bool create, struct gx_store **out)
{
	char name[1100];
	struct gx_store_opts o = {.readers = 1, .busy_timeout_ms = (int)c->cfg.busy_timeout_ms, .create = create};
	int rc = gx_store_open(url, &o, out);
	if (rc == GX_ENOTFOUND || (rc == GX_EIO && !create)) {
		fprintf(stderr, "guanxi: no database at %s\n", shown(url, name, sizeof name));
		return rc;
	}
	if (rc) {
		fprintf(stderr, "guanxi: cannot open %s: %s\n", shown(url, name, sizeof name), gx_strerror(rc));
		return rc;
	}
	int applied = 0;
	rc = gx_migrate(*out, url, &applied);
	if (rc) {
		fprintf(stderr, "guanxi: migrating %s failed; it was left as it was\n", shown(url, name, sizeof name));
		gx_store_close(*out);
		*out = NULL;
	}
	return rc;
}

/* Fills t[] from the source's schema, checking the target has each table
 * and column. */
static int load_tables(json_t *src_schema, json_t *dst_schema, struct table **out, size_t *nout)
{
	size_t n = 0, i, j;
	json_t *e, *f;
	struct table *t = calloc(json_array_size(src_schema) + 1, sizeof *t);
	if (!t)
		return GX_ENOMEM;
	int rc = 0;
	json_array_foreach(src_schema, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		if (strcmp(name, "schema_migrations") == 0)
			continue; /* each database keeps its own */
		if (strcmp(name, "search_terms") == 0)
			continue; /* the search index differs per backend: rebuilt on the target */
		struct table *x = &t[n++];
		x->name = name;
		x->columns = json_object_get(e, "columns");
		x->pk = json_object_get(e, "primary_key");
		x->refs = json_object_get(e, "references");
		x->ncols = json_array_size(x->columns);
		x->npk = json_array_size(x->pk);
		if (!x->ncols || !x->npk) {
			fprintf(stderr, "guanxi: table %s has no %s; cannot copy it in key order\n", name,
				x->ncols ? "primary key" : "columns");
			rc = GX_EINVAL;
			break;
		}
		x->pk_idx = calloc(x->npk, sizeof *x->pk_idx);
		if (!x->pk_idx) {
			rc = GX_ENOMEM;
			break;
		}
		for (size_t k = 0; k < x->npk; k++)
			for (size_t c = 0; c < x->ncols; c++)
				if (json_equal(json_array_get(x->pk, k), json_array_get(x->columns, c)))
					x->pk_idx[k] = c;
		/* the target (migrated by this binary) has the table and its columns */
		json_t *d = NULL;
		json_array_foreach(dst_schema, j, f)
			if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
				d = f;
		for (size_t c = 0; d && c < x->ncols; c++) {
			bool found = false;
			json_t *dc;
			size_t k;
			json_array_foreach(json_object_get(d, "columns"), k, dc)
				found |= json_equal(dc, json_array_get(x->columns, c));
			if (!found) {
				fprintf(stderr, "guanxi: the target's table %s has no column %s\n", name,
					json_string_value(json_array_get(x->columns, c)));
				rc = GX_EINVAL;
			}
		}
		if (!d) {
			fprintf(stderr, "guanxi: the target has no table %s\n", name);
			rc = GX_EINVAL;
		}
		if (!rc)
			rc = table_sql(x);
		if (rc)
			break;
	}
	*out = t;
	*nout = n;
	return rc;
}

static void free_tables(struct table *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].pk_idx);
		free(t[i].sel_first);
		free(t[i].sel_next);
		free(t[i].cols_sql);
	}
	free(t);
}

/* Whether the target's table holds a row; -1 on error. */
static int has_rows(struct gx_conn *dst, const struct table *t)
{
	char *sql = NULL;
	size_t len = 0, cap = 0;
	if (!put(&sql, &len, &cap, "SELECT 1 FROM ") || !put_ident(&sql, &len, &cap, t->name) ||
	    !put(&sql, &len, &cap, " LIMIT 1")) {
		free(sql);
		return -1;
	}
	struct gx_stmt *st;
	int rc = gx_conn_prepare(dst, sql, &st);
	free(sql);
	if (rc)
		return -1;
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc == GX_ROW ? 1 : rc == GX_DONE ? 0 : -1;
}

static int delete_rows(struct gx_conn *dst, const struct table *t)
{
	char *sql = NULL;
	size_t len = 0, cap = 0;
	if (!put(&sql, &len, &cap, "DELETE FROM ") || !put_ident(&sql, &len, &cap, t->name)) {
		free(sql);
		return GX_ENOMEM;
	}
	struct gx_stmt *st;
	int rc = gx_conn_prepare(dst, sql, &st);
	free(sql);
	if (!rc) {
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	return rc < 0 ? rc : 0;
}

static void sum_hex(const struct sum *s, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)s->hi, (unsigned long long)s->lo);
}

/* ---- the command ------------------------------------------------------------------------ */

int gx_cmd_copy_data(struct gx_cli *c)
{
	const char *from = gx_cli_opt(c, "from"), *to = gx_cli_opt(c, "to");
	bool force = gx_cli_opt(c, "force") != NULL;
	const char *batch_opt = gx_cli_opt(c, "batch");
	int64_t batch = DEFAULT_BATCH;
	if (batch_opt) {
		char *end;
		long long v = strtoll(batch_opt, &end, 10);
		if (*end || end == batch_opt || v < 1 || v > 100000) {
			fprintf(stderr, "guanxi: --batch is 1..100000 rows\n");
			return GX_EINVAL;
		}
		batch = v;
	}
	if (!from || !to || !*from || !*to) {
		fprintf(stderr, "guanxi: copy-data --from DB --to DB [--force]\n");
		return GX_EINVAL;
	}
	if (strcmp(from, to) == 0) {
		fprintf(stderr, "guanxi: --from and --to name the same database\n");
		return GX_EINVAL;
	}
	char from_name[1100], to_name[1100];
	shown(from, from_name, sizeof from_name);
	shown(to, to_name, sizeof to_name);
	int64_t t0 = gx_mono_ms();
	struct gx_store *src = NULL, *dst = NULL;
	json_t *src_schema = NULL, *dst_schema = NULL;
	struct table *t = NULL;
	size_t n = 0;
	struct gx_conn *rd = NULL, *wr = NULL;
	int rc = open_db(c, from, false, &src);
	if (!rc)
		rc = open_db(c, to, true, &dst);
	int vs = 0, vd = 0;
	if (!rc)
		rc = gx_schema_version(src, &vs);
	if (!rc)
		rc = gx_schema_version(dst, &vd);
	if (!rc && vs != vd) {
		fprintf(stderr, "guanxi: schema versions differ: %d and %d\n", vs, vd);
		rc = GX_EINVAL;
	}
	if (!rc)
		rc = gx_store_schema_take(src, &src_schema);
	if (!rc)
		rc = gx_store_schema_take(dst, &dst_schema);
	if (!rc)
		rc = load_tables(src_schema, dst_schema, &t, &n);
	if (!rc && (rc = dependency_order(t, n)) == GX_EINVAL)
		fprintf(stderr, "guanxi: the tables' foreign keys form a cycle; cannot order the copy\n");
	if (rc)
		goto out;
	printf("guanxi: copying %s (%s) to %s (%s), schema version %d\n", from_name, gx_store_backend(src),
	       to_name, gx_store_backend(dst), vs);
	fflush(stdout);
	/* One transaction on each side: the source's is one snapshot (a
	 * consistent copy even while a server writes), the target's commits
	 * only after every table was checked. */
	rc = gx_store_writer(dst, &wr);
	if (!rc)
		rc = gx_conn_begin(wr);
	if (rc) {
		fprintf(stderr, "guanxi: cannot lock %s for writing: %s\n", to_name, gx_strerror(rc));
		goto out;
	}
	size_t busy = 0;
	const char *first_busy = NULL;
	for (size_t i = 0; i < n; i++) {
		int h = has_rows(wr, &t[i]);
		if (h < 0) {
			rc = GX_EDB;
			goto out;
		}
		if (h && !first_busy)
			first_busy = t[i].name;
		busy += (size_t)h;
	}
	if (busy && !force) {
		fprintf(stderr, "guanxi: %s is not empty (%zu tables hold rows, %s among them); copy-data "
				"refuses to mix installations (--force deletes the target's rows first)\n",
			to_name, busy, first_busy);
		rc = GX_ECONFLICT;
		goto out;
	}
	for (size_t i = n; busy && i-- > 0;) {
		rc = delete_rows(wr, &t[i]);
		if (rc)
			goto out;
	}
	if (busy)
		printf("guanxi: --force: deleted the target's rows in %zu tables\n", busy);
	if (busy)
		rc = gx_search_clear(wr);
	if (rc)
		goto out;
	rc = gx_store_reader(src, &rd);
	if (!rc)
		rc = gx_conn_begin(rd);
	for (size_t i = 0; !rc && i < n; i++) {
		int64_t t1 = gx_mono_ms();
		rc = copy_table(rd, wr, &t[i], batch);
		if (rc)
			fprintf(stderr, "guanxi: copying table %s failed after %lld rows: %s\n", t[i].name,
				(long long)t[i].src.rows, gx_strerror(rc));
		else if (t[i].src.rows >= 10000)
			fprintf(stderr, "guanxi: %s: %lld rows copied in %.1f s\n", t[i].name,
				(long long)t[i].src.rows, (double)(gx_mono_ms() - t1) / 1000);
	}
	/* read everything back from the target, inside its transaction */
	for (size_t i = 0; !rc && i < n; i++)
		rc = walk(wr, &t[i], batch, check_row, NULL);
	if (rc)
		goto out;
	printf("%-28s %12s  %-32s  %s\n", "TABLE", "ROWS", "CHECKSUM", "CHECK");
	int64_t total = 0;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		char hs[33], hd[33];
		sum_hex(&t[i].src, hs);
		sum_hex(&t[i].dst, hd);
		bool ok = t[i].src.rows == t[i].dst.rows && strcmp(hs, hd) == 0;
		bad += !ok;
		total += t[i].src.rows;
		if (ok)
			printf("%-28s %12lld  %s  ok\n", t[i].name, (long long)t[i].src.rows, hs);
		else
			printf("%-28s %12lld  %s  MISMATCH: the target has %lld rows, checksum %s\n", t[i].name,
			       (long long)t[i].src.rows, hs, (long long)t[i].dst.rows, hd);
	}
	if (bad) {
		fprintf(stderr, "guanxi: %zu tables differ after the copy; nothing was committed\n", bad);
		rc = GX_EDB;
		goto out;
	}
	/* the search index is built on the target, in its own form */
	int64_t t2 = gx_mono_ms();
	rc = gx_dump_reindex(dst, wr);
	if (rc) {
		fprintf(stderr, "guanxi: rebuilding the search index failed: %s\n", gx_strerror(rc));
		goto out;
	}
	printf("guanxi: search index rebuilt in %.1f s\n", (double)(gx_mono_ms() - t2) / 1000);
	rc = gx_conn_commit(wr);
	if (rc)
		goto out;
	printf("guanxi: copied %lld rows of %zu tables in %.1f s; row counts and checksums match\n",
	       (long long)total, n, (double)(gx_mono_ms() - t0) / 1000);
	fflush(stdout);
	if (strcmp(gx_store_backend(dst), "postgres") == 0) {
		/* PostgreSQL plans with statistics that a bulk load leaves empty
		 * (a search then runs ten times slower until autovacuum comes),
		 * and index-only scans need the visibility map: what
		 * `vacuumdb --analyze` does after a pg_restore. Not fatal. */
		int64_t t1 = gx_mono_ms();
		int vrc = 0;
		for (size_t i = 0; !vrc && i < n; i++) {
			char *sql = NULL;
			size_t len = 0, cap = 0;
			vrc = put(&sql, &len, &cap, "VACUUM (ANALYZE) ") && put_ident(&sql, &len, &cap, t[i].name)
				      ? gx_conn_exec(wr, sql) : GX_ENOMEM;
			free(sql);
		}
		if (vrc)
			fprintf(stderr, "guanxi: VACUUM ANALYZE failed (%s); run vacuumdb --analyze on the target\n",
				gx_strerror(vrc));
		else
			printf("guanxi: VACUUM (ANALYZE) of the copied tables in %.1f s\n",
			       (double)(gx_mono_ms() - t1) / 1000);
	}
out:
	if (rc && wr)
		fprintf(stderr, "guanxi: copy-data failed (%s); %s was not changed\n", gx_strerror(rc), to_name);
	gx_store_release(rd);
	gx_store_release(wr); /* rolls back when not committed */
	free_tables(t, n);
	json_decref(src_schema);
	json_decref(dst_schema);
	gx_store_close(src);
	gx_store_close(dst);
	return rc;
}
