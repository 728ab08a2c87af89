/* search.h — bulk writing of search terms (search.c): during an import or
 * any other long write transaction the terms of many records are collected
 * in memory and written sorted, in multi-row INSERTs, instead of one
 * random-order INSERT per term. gx_search_reindex and gx_search_remove
 * (entity.h) keep their meaning: while a bulk is open on a connection they
 * add to it (and drop the pending terms of a record they replace).
 *
 * The caller owns the rules that make this safe:
 * - nothing may read search_terms through the connection while terms are
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

struct gx_conn;

/* Opens a bulk on c for this thread. GX_EBUSY when one is already open on
 * this thread, GX_ENOMEM. */
int gx_search_bulk_begin(struct gx_conn *c);
/* Writes the pending terms (sorted, deduplicated) through c and empties
 * the bulk; 0 when none is open. GX_EDB, GX_ENOMEM. */
int gx_search_bulk_flush(struct gx_conn *c);
/* Closes the bulk on c: writes what is pending when write is true, else
 * drops it. Returns the flush's error (the bulk is closed either way). */
int gx_search_bulk_end(struct gx_conn *c, bool write);
/* The number of pending terms (0 when no bulk is open): a mark for
 * gx_search_bulk_truncate, and the size to flush at. */
size_t gx_search_bulk_pending(struct gx_conn *c);
/* Drops the terms added after mark (a row rolled back to its savepoint). */
void gx_search_bulk_truncate(struct gx_conn *c, size_t mark);

#endif
