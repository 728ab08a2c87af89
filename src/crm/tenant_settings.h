/* tenant_settings.h — per-tenant rules kept in tenants.settings (JSON):
 * customer_code_pattern, pool_return_days, pool_cap. */
#ifndef GX_CRM_TENANT_SETTINGS_H
#define GX_CRM_TENANT_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct gx_conn;
struct gx_errors;

/* Reads a setting through c (inside or outside a transaction); def when
 * unset or unreadable. */
int64_t gx_tenant_setting_int(struct gx_conn *c, int64_t tenant_id, const char *key, int64_t def);
void gx_tenant_setting_str(struct gx_conn *c, int64_t tenant_id, const char *key, const char *def,
			   char *out, size_t cap);
/* Checks a settings object from a client: known keys with valid values.
 * Adds to errs; returns 0 or GX_EINVAL. */
int gx_tenant_settings_validate(const json_t *settings, struct gx_errors *errs);

#endif
