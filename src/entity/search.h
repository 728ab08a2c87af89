/* search.h — the search index's helpers (search.c). On SQLite the index is
 * the FTS5 table search_fts (one document per record, migration 0011); on
 * PostgreSQL the table search_terms (one row per term). The bulk: during an
 * import or any other long write transaction the terms of many records are
 * collected in memory and written at a flush (SQLite: the documents in
 * rowid order; PostgreSQL: the terms sorted, in multi-row INSERTs).
 * gx_search_reindex and gx_search_remove (entity.h) keep their meaning:
 * while a bulk is open on a connection they add to it (and a record's
 * later write replaces its pending one).
 *
 * The caller owns the rules that make this safe:
 * - nothing may read the index through the connection while terms are
 *   pending: call gx_search_bulk_flush first;
 * - a flush writes inside the caller's transaction; a savepoint rolled back
 *   after a flush takes those rows with it, so flush where no savepoint
 *   that may roll back is open (between rows), or truncate to a mark taken
 *   after the flush;
 * - the bulk is per thread and per connection: begin and end on the thread
 *   that writes. */
#ifndef GX_ENTITY_SEARCH_H
#define GX_ENTITY_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/searchkey.h"

struct gx_conn;
struct gx_ctx;

/* True when c's store keeps the index in FTS5 (SQLite). */
bool gx_search_fts(const struct gx_conn *c);
/* Empties the whole index (every tenant) in c's transaction. GX_EDB. */
int gx_search_clear(struct gx_conn *c);
/* Gives every tenant without a search tag one (migration 0012 gave the
 * tenants of its day theirs, gx_tenant_create gives new ones theirs; rows
 * loaded from an export of an older schema have none). In c's transaction.
 * GX_EDB. */
int gx_search_tags_fill(struct gx_conn *c);
/* FTS5: the token of term in the index of entity for ctx's tenant
 * ("<tag>c<term>", the tenant's search tag read through c once per ctx),
 * in ctx's arena; NULL when out of memory, the entity is not indexed or
 * the tenant has no tag. */
char *gx_search_token(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, const char *term);
/* FTS5: the MATCH expression of one token, exact or as a prefix, quoted
 * (a '"' in it doubled), in ctx's arena; NULL when out of memory. */
char *gx_search_match(struct gx_ctx *ctx, const char *token, bool prefix);
/* FTS5: whether a stored document (search_fts.terms, len bytes) holds a
 * token within [lo, hi) (gx_search_token of a condition's term and upper). */
bool gx_search_doc_has(const char *doc, size_t len, const char *lo, const char *hi);

/* Opens a bulk on c for this thread. GX_EBUSY when one is already open on
 * this thread, GX_ENOMEM. */
int gx_search_bulk_begin(struct gx_conn *c);
/* Writes the pending terms (sorted, deduplicated) through c and empties
 * the bulk; 0 when none is open. GX_EDB, GX_ENOMEM. */
int gx_search_bulk_flush(struct gx_conn *c);
/* Closes the bulk on c: writes what is pending when write is true, else
 * drops it. Returns the flush's error (the bulk is closed either way). */
int gx_search_bulk_end(struct gx_conn *c, bool write);
/* The number of pending terms (0 when no bulk is open; on SQLite plus the
 * number of pending records): a mark for gx_search_bulk_truncate, and the
 * size to flush at. */
size_t gx_search_bulk_pending(struct gx_conn *c);
/* Whether a pending document of the bulk on c may hold a token of ctx's
 * tenant in [term, upper) of entity (a condition of entity/search keys):
 * a read of that range must flush the bulk first to see it. On SQLite the
 * pending documents are scanned (up to a few dozen; more answer true); on
 * PostgreSQL true whenever terms are pending. The FTS5 table's document of
 * a record the bulk has since rewritten may still answer the read: a
 * caller that reads the record itself sees it as it is. */
bool gx_search_bulk_may_hold(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, const char *term,
			     const char *upper);
/* Drops the terms added after mark (a row rolled back to its savepoint). */
void gx_search_bulk_truncate(struct gx_conn *c, size_t mark);

#endif
