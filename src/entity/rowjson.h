/* rowjson.h — a record's JSON text written straight from a statement row (the
 * single-record GET), without building a jansson tree and dumping it. */
#ifndef GX_ENTITY_ROWJSON_H
#define GX_ENTITY_ROWJSON_H

#include "core/buf.h"
#include "entity/entity.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* Appends s[0..n) as a JSON string literal, escaped as jansson's json_dumps
 * escapes it (", \, \b \f \n \r \t, other bytes below 0x20 as \u00XX, the
 * rest as they are). Returns 0; GX_EINVAL when s is not well-formed UTF-8 or
 * holds a NUL (b is then unchanged); GX_ENOMEM or GX_ETOOBIG from b. */
int gx_json_put_str(struct gx_buf *b, const char *s, size_t n);
/* Appends v in decimal. Returns 0, GX_ENOMEM or GX_ETOOBIG. */
int gx_json_put_int(struct gx_buf *b, int64_t v);

/* Appends the current row of st as a compact JSON object: the very bytes of
 * json_dumps(gx_entity_row_json(e, st), JSON_COMPACT | JSON_ENCODE_ANY) —
 * columns in order, hidden fields left out, NULL as null, INT/MONEY/REF
 * fields as numbers, BOOL as true/false, JSON fields re-encoded (null when
 * they do not parse), other text as strings (null when not valid UTF-8).
 * *version gets the "version" column's value (0 when there is none or it is
 * NULL). e may be NULL (columns by their SQLite type). Returns 0, GX_ENOMEM
 * or GX_ETOOBIG; on error b may hold part of the object. */
int gx_rowjson_write(const struct gx_entity *e, struct gx_stmt *st, struct gx_buf *b, int64_t *version);

/* gx_entity_get's answer as JSON text appended to out (the same bytes as
 * json_dumps of gx_entity_get's object, custom fields included) and its
 * version (for the ETag). Defined in entity.c. Returns 0, GX_ENOTFOUND,
 * GX_ENOMEM, GX_ETOOBIG or the store's errors. */
int gx_entity_get_text(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, bool with_deleted,
		       struct gx_buf *out, int64_t *version);

#endif
