/* customer.h — the customer file (SPEC §1, §10, §11): customers, contacts,
 * the relationship team, interactions, visibility, the customer pool,
 * duplicates and merge, handover. */
#ifndef GX_CRM_CUSTOMER_H
#define GX_CRM_CUSTOMER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"

extern const struct gx_entity gx_customers_entity;
extern const struct gx_entity gx_contacts_entity;
extern const struct gx_entity gx_relationships_entity;
extern const struct gx_entity gx_activities_entity;

void gx_customer_module_init(void);

/* ---- the duplicate check: one for the API and the import ---------------- */

/* Customers having the name's first search term that the similar-name
 * check reads and compares, at most. */
#define GX_DUP_TERM_ROWS 200

/* A likely duplicate: its id, score 0..100 and why ("phone,name"). */
struct gx_dup_candidate {
	int64_t id;
	int score;
	char reasons[64]; /* comma-separated, each reason once */
};

struct gx_dup_bigrams;

/* The customers (id and name key) the similar-name check read for one
 * term, in the order the database gave them. A full list offered to a
 * cache comes with bigrams, the keys' character bigrams sorted (one
 * malloc'd block, or NULL when out of memory: the keys are then compared
 * one by one); whoever keeps the list frees keys and bigrams. */
struct gx_dup_term_rows {
	int n;
	int64_t ids[GX_DUP_TERM_ROWS];
	char *keys[GX_DUP_TERM_ROWS]; /* malloc'd; NULL: no name key */
	struct gx_dup_bigrams *bigrams;
};

struct gx_sk_cond;

/* A cache of the similar-name reads, for a caller that checks many records
 * in one transaction (the import keeps the full lists of a term). */
struct gx_dup_cache {
	void *ud;
	/* *rows = the kept rows of term, or NULL to read them; before such a
	 * read the cache makes the database current (the import writes its
	 * pending search terms). 0 or an error that ends the check. */
	int (*find)(void *ud, const struct gx_sk_cond *term, const struct gx_dup_term_rows **rows);
	/* Offered the rows just read for term: true if it keeps them (and
	 * then owns their keys), false to leave them to the check. */
	bool (*keep)(void *ud, const struct gx_sk_cond *term, const struct gx_dup_term_rows *rows);
};

/* The duplicate candidates of a would-be customer (name, phone, mobile,
 * email of input) read through c: the same phone or e-mail key (score 90),
 * the same name key (85), a name sharing the first search term with a
 * similarity of 70+ (score = similarity * 0.8). In the order found (not
 * sorted), at most max, never exclude_id; ids only: the caller shows only
 * those its user may see. cache may be NULL. 0, GX_EDB or GX_ENOMEM. */
int gx_customer_dup_candidates(struct gx_ctx *ctx, struct gx_conn *c, const json_t *input, int64_t exclude_id,
			       const struct gx_dup_cache *cache, struct gx_dup_candidate *cand, int *n, int max);
/* Likely duplicates of a would-be customer, as gx_customer_dup_candidates
 * finds them: *out = [{"id","code","name","score","reasons":[...]}], best
 * first, at most 10, only those the caller may see. */
int gx_customer_find_duplicates(struct gx_ctx *ctx, const json_t *input, int64_t exclude_id,
				json_t **out);
/* The derived keys the duplicate check compares: the last 11 digits of a
 * phone, the lower-cased e-mail, the folded name without company suffixes
 * (gx_customer_name_key: GX_EINVAL, GX_ETOOBIG, GX_ENOMEM as gx_text_fold). */
void gx_customer_phone_key(const char *in, char *out, size_t cap);
void gx_customer_email_key(const char *in, char *out, size_t cap);
int gx_customer_name_key(const char *name, char *out, size_t cap);
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
