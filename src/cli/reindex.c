/* reindex.c — `guanxi reindex [customers|contacts|all] [--tenant SLUG]`:
 * rebuilds the search terms and the hidden sort and duplicate keys of every
 * record, in chunked transactions with progress on stderr. Needed after an
 * ICU or OpenCC upgrade changes folding or sort keys
 * (gx_text_sortkey_version), and after a bulk load that wrote rows as they
 * are (`import --all` of a generated dump). */
#include "cli/cli.h"

#include "core/err.h"
#include "core/time.h"
#include "crm/customer.h"
#include "crm/user.h"
#include "entity/search.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REINDEX_BATCH 1000
#define REINDEX_BATCH_MAX 1000000

/* What one target walks: the ids of the customers whose terms hold it. A
 * contact's texts are indexed under its customer, so "contacts" walks the
 * customers that have contacts. */
struct target {
	const char *name;
	const char *count_sql;
	const char *next_sql; /* tenant, after id, limit */
};

static const struct target targets[] = {
	{"customers", "SELECT count(*) FROM customers WHERE tenant_id = ?",
	 "SELECT id FROM customers WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?"},
	{"contacts", "SELECT count(DISTINCT customer_id) FROM contacts WHERE tenant_id = ?",
	 "SELECT DISTINCT customer_id FROM contacts WHERE tenant_id = ? AND customer_id > ? "
	 "ORDER BY customer_id LIMIT ?"},
};

static int count_rows(struct gx_conn *c, const char *sql, int64_t tid, int64_t *out)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, tid);
	rc = gx_stmt_step(st);
	*out = rc == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* One chunk: the next ids after *after, each reindexed, in one transaction.
 * *done = ids handled (0 at the end). */
static int reindex_chunk(struct gx_store *s, const struct target *t, int64_t tid, int batch, int64_t *after,
			 int *done)
{
	*done = 0;
	struct gx_conn *c;
	int rc = gx_store_writer(s, &c);
	if (rc)
		return rc;
	int64_t *ids = malloc((size_t)batch * sizeof *ids);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	/* a large page cache (this command's own connection) saves re-reading
	 * the pages of the index and of the customers */
	if (!strcmp(gx_store_backend(s), "sqlite"))
		gx_conn_exec(c, "PRAGMA cache_size=-1000000; PRAGMA mmap_size=68719476736");
	rc = ids ? gx_conn_begin(c) : GX_ENOMEM;
	/* the chunk's new terms are written at its end, as an import writes
	 * them (entity/search.h): on SQLite the changed documents in rowid
	 * order (FTS5 writes its memory out whenever a rowid goes down); on
	 * PostgreSQL the term rows sorted in key order, since a row goes to a
	 * random place of the term index */
	bool bulk = false;
	if (!rc) {
		rc = gx_search_bulk_begin(c);
		bulk = !rc;
	}
	struct gx_stmt *st = NULL;
	if (!rc)
		rc = gx_conn_prepare(c, t->next_sql, &st);
	int n = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, tid);
		gx_stmt_bind_int64(st, 2, *after);
		gx_stmt_bind_int64(st, 3, batch);
		while (n < batch && (rc = gx_stmt_step(st)) == GX_ROW)
			ids[n++] = gx_stmt_col_int64(st, 0);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	for (int i = 0; !rc && i < n; i++) {
		rc = gx_customer_reindex(&ctx, c, ids[i]);
		if (rc)
			fprintf(stderr, "guanxi: reindex: customer %lld: %s (%s)\n", (long long)ids[i], gx_strerror(rc),
				gx_conn_errmsg(c));
	}
	if (bulk) {
		int frc = gx_search_bulk_end(c, !rc);
		if (frc && !rc)
			fprintf(stderr, "guanxi: reindex: writing the terms: %s (%s)\n", gx_strerror(frc), gx_conn_errmsg(c));
		rc = rc ? rc : frc;
	}
	if (!rc)
		rc = gx_conn_commit(c);
	else
		gx_conn_rollback(c);
	if (!rc && n) {
		*after = ids[n - 1];
		*done = n;
	}
	gx_arena_free(&a);
	free(ids);
	gx_store_release(c);
	return rc;
}

static int reindex_tenant(struct gx_store *s, const struct target *t, int64_t tid, const char *slug, int batch,
			  int64_t from, int64_t *total_done)
{
	int64_t total = 0, after = from, done = 0;
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	rc = count_rows(c, t->count_sql, tid, &total);
	gx_store_release(c);
	int64_t start = gx_now_ms(), shown = start;
	while (!rc) {
		int n;
		rc = reindex_chunk(s, t, tid, batch, &after, &n);
		if (rc || n == 0)
			break;
		done += n;
		int64_t now = gx_now_ms();
		if (now - shown >= 2000) {
			fprintf(stderr, "guanxi: reindex %s, tenant %s: %lld of %lld (%.0f a second), last id %lld\n", t->name,
				slug, (long long)done, (long long)total, (double)done * 1000.0 / (double)(now - start + 1),
				(long long)after);
			shown = now;
		}
	}
	if (!rc)
		printf("guanxi: reindex %s, tenant %s: %lld customers in %.1f s\n", t->name, slug, (long long)done,
		       (double)(gx_now_ms() - start) / 1000.0);
	*total_done += done;
	return rc;
}

int gx_cmd_reindex(struct gx_cli *c)
{
	const char *what = c->npos ? c->pos[0] : "all";
	const char *bs = gx_cli_opt(c, "batch"), *as = gx_cli_opt(c, "after");
	char *end = NULL, *aend = NULL;
	long batch = bs ? strtol(bs, &end, 10) : REINDEX_BATCH;
	long long after = as ? strtoll(as, &aend, 10) : 0;
	if (c->npos > 1 || (strcmp(what, "customers") && strcmp(what, "contacts") && strcmp(what, "all")) ||
	    (bs && (!*bs || *end || batch < 1 || batch > REINDEX_BATCH_MAX)) || (as && (!*as || *aend || after < 0))) {
		fprintf(stderr, "guanxi: reindex [customers|contacts|all] [--tenant SLUG] [--batch 1-%d] [--after ID]\n",
			REINDEX_BATCH_MAX);
		return GX_EINVAL;
	}
	/* all: every customer's terms hold its contacts' too */
	const struct target *t = strcmp(what, "contacts") == 0 ? &targets[1] : &targets[0];
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	json_t *list = NULL;
	if (gx_cli_opt(c, "tenant")) {
		long long tid;
		rc = gx_cli_tenant(c, s, &tid);
		if (!rc)
			list = json_pack("[{s:I, s:s}]", "id", (json_int_t)tid, "slug", gx_cli_opt(c, "tenant"));
	} else {
		rc = gx_tenant_list(s, &list);
	}
	if (!rc && !list)
		rc = GX_ENOMEM;
	char version[128] = "";
	if (!rc)
		gx_text_sortkey_version(version, sizeof version);
	int64_t done = 0;
	size_t i;
	json_t *tn;
	json_array_foreach(list, i, tn) {
		if (rc)
			break;
		rc = reindex_tenant(s, t, json_integer_value(json_object_get(tn, "id")),
				    json_string_value(json_object_get(tn, "slug")), (int)batch, after, &done);
	}
	if (rc)
		fprintf(stderr, "guanxi: reindex failed: %s; the chunks committed before stay rebuilt: run it again, "
			"or continue with --after the last id shown\n", gx_strerror(rc));
	else
		printf("guanxi: reindexed %lld customers (sort keys %s)\n", (long long)done, version);
	json_decref(list);
	gx_store_close(s);
	return rc;
}
