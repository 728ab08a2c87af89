/* user.h — users, teams and tenants: the people and companies of the CRM. */
#ifndef GX_CRM_USER_H
#define GX_CRM_USER_H

#include <jansson.h>
#include <stdint.h>

#include "entity/entity.h"

extern const struct gx_entity gx_users_entity;
extern const struct gx_entity gx_teams_entity;

/* Registers the entities of this module with the engine. */
void gx_user_module_init(void);

/* Tenants (server-level: no tenant_id of their own). */
int gx_tenant_create(struct gx_store *s, const char *slug, const char *name, const char *time_zone,
		     const char *currency, const char *locale, int64_t *id_out);
int gx_tenant_find(struct gx_store *s, const char *slug, int64_t *id_out);
int gx_tenant_list(struct gx_store *s, json_t **out);
int gx_tenant_get(struct gx_ctx *ctx, json_t **out);
/* Updates the caller's tenant settings (name, time_zone, currency, locale). */
int gx_tenant_update(struct gx_ctx *ctx, const json_t *input, json_t **out, struct gx_errors *errs);

/* Looks up a user id by user name in the context's tenant. */
int gx_user_find(struct gx_ctx *ctx, const char *username, int64_t *id_out);

#endif
