/* bulk_insert.c — issue 3's figure: customers per second created through the
 * entity engine in bulk, below the CSV import (no file reading, header
 * mapping, cell conversion, upsert keys or duplicate check): validation,
 * the customer hooks (code, derived keys, pool), INSERT, read-back, audit
 * row, the search terms (~65 per customer) collected and written sorted
 * (entity/search.h), one transaction, the page cache and statement journal
 * the import uses. The rows come from a CSV of bench/gen_customers.sh,
 * read into memory before the clock starts.
 *
 * Usage: bulk_insert DB CSV [--savepoints]
 *   DB           a database made by `guanxi init` (first tenant is used)
 *   --savepoints one savepoint per row, as the import takes (a bad row is
 *                rolled back alone)
 * Prints: rows, wall seconds, CPU seconds, rows per wall and CPU second.
 * Built by bench/bulk_insert.sh against build/release/libguanxi.a. */
#include "core/arena.h"
#include "core/err.h"
#include "crm/customer.h"
#include "entity/entity.h"
#include "entity/search.h"
#include "store/migrations.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROWS 10000000
#define TERMS_CHUNK 65536 /* as the import (src/io/import.c) */

static double now_s(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Splits one line of the generated CSV (only the amount is quoted). */
static int split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		if (*p == '"') {
			f[n++] = ++p;
			p = strchr(p, '"');
			if (!p)
				return -1;
			*p++ = '\0';
		} else {
			f[n++] = p;
			p += strcspn(p, ",\r\n");
		}
		if (*p != ',') {
			*p = '\0';
			break;
		}
		*p++ = '\0';
	}
	return n;
}

static const char *type_of(const char *zh)
{
	return !strcmp(zh, "经销商") ? "dealer" : !strcmp(zh, "代理商") ? "agent" : !strcmp(zh, "批发商") ? "wholesaler"
									   : "end_customer";
}

/* The rows as the engine's input, in memory. */
static json_t **load(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	size_t cap = 1024;
	json_t **rows = malloc(cap * sizeof *rows);
	char line[4096];
	*n = 0;
	bool header = true;
	while (rows && fgets(line, sizeof line, fp) && *n < MAX_ROWS) {
		if (header) {
			header = false;
			continue;
		}
		char *f[11];
		if (split(line, f, 11) != 11)
			continue;
		char amount[64];
		size_t k = 0;
		for (const char *q = f[8]; *q && *q != '.' && k + 1 < sizeof amount; q++)
			if (*q != ',')
				amount[k++] = *q;
		amount[k] = '\0';
		if (*n == cap) {
			cap *= 2;
			json_t **r2 = realloc(rows, cap * sizeof *rows);
			if (!r2)
				break;
			rows = r2;
		}
		rows[(*n)++] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "code", f[0], "name", f[1],
					 "type", type_of(f[2]), "mobile", f[3], "email", f[4], "city", f[5], "province", f[6],
					 "industry", f[7], "credit_limit", (json_int_t)strtoll(amount, NULL, 10) * 100,
					 "payment_terms", f[9], "notes", f[10]);
	}
	fclose(fp);
	return rows;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bulk_insert DB CSV [--savepoints]\n");
		return 2;
	}
	bool savepoints = argc > 3 && !strcmp(argv[3], "--savepoints");
	size_t n = 0;
	json_t **rows = load(argv[2], &n);
	if (!rows || !n) {
		fprintf(stderr, "bulk_insert: no rows in %s\n", argv[2]);
		return 1;
	}
	struct gx_store_opts o = {.readers = 1, .busy_timeout_ms = 5000};
	struct gx_store *s;
	int rc = gx_store_open(argv[1], &o, &s);
	int applied = 0;
	if (!rc)
		rc = gx_migrate(s, argv[1], &applied);
	if (!rc)
		rc = gx_text_init();
	if (rc) {
		fprintf(stderr, "bulk_insert: cannot open %s: %s\n", argv[1], gx_strerror(rc));
		return 1;
	}
	gx_customer_module_init();
	struct gx_conn *c;
	gx_store_writer(s, &c);
	int64_t tid = 0;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT min(id) FROM tenants", &st);
	if (!rc && gx_stmt_step(st) == GX_ROW)
		tid = gx_stmt_col_int64(st, 0);
	if (!rc)
		gx_stmt_reset(st);
	/* what the import sets on SQLite for its duration */
	gx_conn_exec(c, "PRAGMA cache_size=-262144");
	gx_conn_exec(c, "PRAGMA temp_store=MEMORY");
	struct gx_arena arena;
	gx_arena_init(&arena, 0);
	struct gx_ctx ctx = {.store = s, .arena = &arena, .tenant_id = tid, .ip = "bench"};
	double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_search_bulk_begin(c);
	size_t done = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		json_t *out = NULL;
		struct gx_errors errs = {0};
		if (savepoints)
			rc = gx_conn_exec(c, "SAVEPOINT bench_row");
		if (!rc)
			rc = gx_entity_create_conn(&ctx, c, &gx_customers_entity, rows[i], &out, &errs);
		if (!rc && savepoints)
			rc = gx_conn_exec(c, "RELEASE SAVEPOINT bench_row");
		if (rc) {
			char *e = errs.list ? json_dumps(errs.list, 0) : NULL;
			fprintf(stderr, "bulk_insert: row %zu: %s %s\n", i + 1, gx_strerror(rc), e ? e : "");
			free(e);
		}
		json_decref(out);
		json_decref(errs.list);
		gx_arena_free(&arena);
		if (!rc && gx_search_bulk_pending(c) >= TERMS_CHUNK)
			rc = gx_search_bulk_flush(c);
		done += !rc;
	}
	int erc = gx_search_bulk_end(c, !rc);
	if (!rc)
		rc = erc;
	if (!rc)
		rc = gx_conn_commit(c);
	double w1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	gx_store_release(c);
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	gx_store_close(s);
	gx_text_shutdown();
	if (rc) {
		fprintf(stderr, "bulk_insert: failed: %s\n", gx_strerror(rc));
		return 1;
	}
	printf("rows %zu wall %.2f cpu %.2f rows_per_s %.0f rows_per_cpu_s %.0f\n", done, w1 - w0, c1 - c0,
	       (double)done / (w1 - w0), (double)done / (c1 - c0));
	return 0;
}
