/* customer.h — the customer file (SPEC §1, §10, §11): customers, contacts,
 * the relationship team, interactions, visibility, the customer pool,
 * duplicates and merge, handover. */
#ifndef GX_CRM_CUSTOMER_H
#define GX_CRM_CUSTOMER_H

#include <jansson.h>
#include <stdint.h>

#include "entity/entity.h"

extern const struct gx_entity gx_customers_entity;
extern const struct gx_entity gx_contacts_entity;
extern const struct gx_entity gx_relationships_entity;
extern const struct gx_entity gx_activities_entity;

void gx_customer_module_init(void);

/* Likely duplicates of a would-be customer (name, phone, mobile, email of
 * input): *out = [{"id","code","name","score","reasons":[...]}], best
 * first, at most 10. */
int gx_customer_find_duplicates(struct gx_ctx *ctx, const json_t *input, int64_t exclude_id,
				json_t **out);
/* Similarity 0..100 of two name keys (Dice over character bigrams), as the
 * duplicate check uses it. */
int gx_customer_name_similarity(const char *a, const char *b);
/* Candidate duplicate pairs across the tenant's customers with a score. */
int gx_customer_duplicate_pairs(struct gx_ctx *ctx, int limit, json_t **out);
/* Merges customer `from` into `into`: contacts, activities and relationships
 * move, tags are united, empty fields of `into` are filled from `from`, and
 * `from` is soft-deleted with merged_into set; all in one transaction with
 * history and audit. *out = the merged record and what moved. */
int gx_customer_merge(struct gx_ctx *ctx, int64_t into, int64_t from, json_t **out,
		      struct gx_errors *errs);

/* Rebuilds a customer's derived keys (name_sort, duplicate keys) and its
 * search terms (its own texts and its contacts') in c's transaction; a
 * missing or deleted customer loses its terms. For `guanxi reindex`. */
int gx_customer_reindex(struct gx_ctx *ctx, struct gx_conn *c, int64_t id);

/* Relationship team of a customer with breadth and the single-person risk. */
int gx_customer_team(struct gx_ctx *ctx, int64_t id, json_t **out);
/* Timeline: activities and field changes of the customer, newest first.
 * cursor: opaque from next_cursor (NULL for the first page). */
int gx_customer_timeline(struct gx_ctx *ctx, int64_t id, const char *cursor, int limit,
			 json_t **out);

/* Customer pool: the caller claims a pool customer (GX_ECONFLICT when not in
 * the pool, GX_ETOOBIG when over the per-rep cap) or releases one. */
int gx_customer_claim(struct gx_ctx *ctx, int64_t id, json_t **out, struct gx_errors *errs);
int gx_customer_release(struct gx_ctx *ctx, int64_t id, json_t **out);
/* Returns to the pool every customer without follow-up for the tenant's
 * pool_return_days; *moved = how many. Runs as the system. */
int gx_customer_pool_sweep(struct gx_store *s, int64_t tenant_id, int *moved);

/* Moves a leaving user's relationships (and later tasks and deals) to
 * successor `to` and disables the user; *out says what moved. */
int gx_user_handover(struct gx_ctx *ctx, int64_t from, int64_t to, json_t **out,
		     struct gx_errors *errs);

#endif
