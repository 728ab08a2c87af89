/* stats.h — per-customer statistics (customer_stats, customer_months,
 * customer_products) kept in the same transaction as each transaction,
 * activity or relationship write, and rebuilt from scratch on demand. The
 * definitions are in docs/analytics.md. */
#ifndef GX_ANALYTICS_STATS_H
#define GX_ANALYTICS_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"

struct gx_tz;
struct gx_stats_pending;
struct gx_stats_rebuilt;

/* One transaction as the statistics see it. */
struct gx_tx {
	int64_t id, customer_id;
	int64_t at_ms;            /* occurred_at in UTC milliseconds */
	const char *occurred_at;  /* normalised ISO 8601 UTC text */
	int64_t amount;           /* minor units; < 0 is a return or credit */
	int64_t cost;             /* minor units, when has_cost */
	bool has_cost;
	int64_t quantity;         /* when has_quantity */
	bool has_quantity;
	const char *currency, *product, *category;
};

/* A batch of statistics updates inside the caller's open write transaction
 * on c: the tenant's time zone, and the customers whose scores must be
 * recomputed when the batch ends. */
struct gx_stats_batch {
	struct gx_ctx *ctx;       /* tenant; role ignored (the system's work) */
	struct gx_conn *c;
	struct gx_tz *tz;
	char tenant_currency[8];
	int64_t *dirty;           /* customers touched, for rescoring */
	size_t ndirty, cap;
	struct gx_stats_pending *pend; /* gx_stats_add_deferred's rows, not written yet */
	size_t window;            /* rows pending before a flush (0: the default) */
	bool rebuilding;          /* the service columns are written afterwards */
	bool rebuild_flushed;     /* a rebuild flushed before: rows of its customers may exist */
	struct gx_stats_rebuilt *rebuilt; /* a rebuild's customer_stats rows, written once at the end */
};

/* Starts a batch (loads the tenant's time zone). GX_ENOMEM, GX_EDB. */
int gx_stats_begin(struct gx_ctx *ctx, struct gx_conn *c, struct gx_stats_batch *b);
/* Applies one new live transaction incrementally: the customer's statistics,
 * its month and its product. GX_EDB. */
int gx_stats_add(struct gx_stats_batch *b, const struct gx_tx *t);
/* Adds one new live transaction to the batch's pending rows instead of
 * writing at once: gx_stats_flush (called by gx_stats_end, and whenever
 * b->window rows are pending) writes them aggregated, one read and one
 * upsert per customer and one upsert per customer-month and -product, in
 * customer order, still inside the caller's transaction. The same result as
 * gx_stats_add for each row. Between the add and the flush nothing may read
 * the statistics of the row's customer. Copies what it keeps of t.
 * GX_ENOMEM, GX_EDB (from a flush). */
int gx_stats_add_deferred(struct gx_stats_batch *b, const struct gx_tx *t);
/* Writes the pending rows of gx_stats_add_deferred. GX_ENOMEM, GX_EDB. */
int gx_stats_flush(struct gx_stats_batch *b);
/* Recomputes one customer's statistics, months and products from its live
 * transactions, activities and relationships (after an edit or delete). */
int gx_stats_recompute(struct gx_stats_batch *b, int64_t customer_id);
/* Recomputes only the activity part (cost to serve, activity count, last
 * contact) and the relationship breadth of one customer. */
int gx_stats_refresh_service(struct gx_stats_batch *b, int64_t customer_id);
/* Marks a customer for rescoring at gx_stats_end. */
int gx_stats_touch(struct gx_stats_batch *b, int64_t customer_id);
/* How many distinct customers the batch touched so far. */
size_t gx_stats_touched(struct gx_stats_batch *b);
/* Rescores the touched customers (tier, RFM against the stored thresholds,
 * CLV with the stored fit, decline) and releases the batch. With rc != 0
 * (the caller's failure) it only releases. Returns rc or the first error. */
int gx_stats_end(struct gx_stats_batch *b, int rc);

/* Hooks for the entity after_write of activities and relationships (one
 * line each in crm/customer.c): keep cost to serve, last contact and breadth
 * in the same transaction. before is NULL on create. */
int gx_stats_activity_written(struct gx_ctx *ctx, struct gx_conn *c, const json_t *before,
			      const json_t *after);
int gx_stats_relationship_written(struct gx_ctx *ctx, struct gx_conn *c, const json_t *before,
				  const json_t *after);

/* Rows a rebuild keeps in memory before it writes them (0: the default,
 * 8M). Tests set a few to make a rebuild cross its flush boundaries. */
extern size_t gx_stats_rebuild_window;
/* Pending rows from which a flush sorts them by radix rather than qsort
 * (0: the default, 4096). Tests set 1 to sort every flush that way. */
extern size_t gx_stats_radix_min;

/* Recomputes every statistics row of a tenant from scratch in one write
 * transaction, then runs a full scoring pass. *customers gets the number of
 * rows written. */
int gx_stats_rebuild(struct gx_store *s, int64_t tenant_id, int64_t *customers);

/* Long batch work (an import, a rebuild, a scoring pass) on SQLite: a page
 * cache of a quarter of the machine's memory, at least GX_STATS_BIG_CACHE_KIB
 * and at most GX_STATS_MAX_CACHE_KIB, for the writer connection c, so that the
 * rows a batch rewrites stay in memory instead of spilling to the WAL and
 * being read back (pread) page by page (10M transactions: about 2 GB of
 * index and summary pages are written at random). *saved gets the size to give back to
 * gx_stats_cache_restore (0: nothing to restore; PostgreSQL, or a failure,
 * which is not an error: the work only goes slower). */
#define GX_STATS_BIG_CACHE_KIB 1048576
#define GX_STATS_MAX_CACHE_KIB 4194304
void gx_stats_cache_big(struct gx_store *s, struct gx_conn *c, int64_t *saved);
void gx_stats_cache_restore(struct gx_conn *c, int64_t saved);

/* The tenant's time zone and currency (defaults UTC, CNY). */
int gx_tenant_zone(struct gx_conn *c, int64_t tenant_id, char *zone, size_t zcap, char *currency,
		   size_t ccap);

#endif
