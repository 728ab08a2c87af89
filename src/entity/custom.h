/* custom.h — tenant-defined custom fields of an entity: definitions in
 * custom_fields, values in custom_values, shown as "custom": {...} on the
 * record, validated, filterable (filter[custom.NAME]) and searchable. */
#ifndef GX_ENTITY_CUSTOM_H
#define GX_ENTITY_CUSTOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"

/* Validates a "custom" object of input against the tenant's definitions for
 * e (all required ones must be there on create). Adds "custom.NAME" errors.
 * 0, GX_EINVAL or a store error. */
int gx_custom_validate(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
		       const json_t *custom, bool is_create, struct gx_errors *errs);
/* Writes the values of custom (null removes) for record id, with a field
 * history row per change pointing at audit_id (none when audit_id is 0). */
int gx_custom_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
		    const json_t *custom, int64_t audit_id);
/* Loads the custom values of the records in items (an array of records with
 * "id") and sets "custom" on each. */
int gx_custom_load(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *items);
/* The searchable custom texts of a record, appended to texts (up to max). */
int gx_custom_search_texts(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			   struct gx_search_text *texts, int *n, int max);
/* Resolves filter[custom.NAME][op]=value into q (a condition on
 * custom_values). GX_EINVAL with errs for an unknown field or bad value. */
int gx_custom_filter(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q,
		     const char *name, const char *op, const char *value, struct gx_errors *errs);
/* Whether value is allowed in the tenant's option list `list` (built-in
 * values given in builtin). */
int gx_option_allowed(struct gx_ctx *ctx, struct gx_conn *c, const char *list, const char *const *builtin,
		      const char *value);

extern const struct gx_entity gx_custom_fields_entity;
extern const struct gx_entity gx_option_values_entity;

#endif
