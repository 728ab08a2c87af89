/* tenant_settings.c — per-tenant rules stored as JSON in tenants.settings. */
#include "crm/tenant_settings.h"

#include "core/err.h"
#include "entity/entity.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static json_t *load(struct gx_conn *c, int64_t tenant_id)
{
	struct gx_stmt *st;
	if (gx_conn_prepare(c, "SELECT settings FROM tenants WHERE id = ?", &st))
		return NULL;
	gx_stmt_bind_int64(st, 1, tenant_id);
	json_t *j = NULL;
	if (gx_stmt_step(st) == GX_ROW && gx_stmt_col_text(st, 0))
		j = json_loads(gx_stmt_col_text(st, 0), 0, NULL);
	gx_stmt_reset(st);
	return j;
}

int64_t gx_tenant_setting_int(struct gx_conn *c, int64_t tenant_id, const char *key, int64_t def)
{
	json_t *j = load(c, tenant_id);
	json_t *v = json_object_get(j, key);
	int64_t r = json_is_integer(v) ? json_integer_value(v) : def;
	json_decref(j);
	return r;
}

void gx_tenant_setting_str(struct gx_conn *c, int64_t tenant_id, const char *key, const char *def,
			   char *out, size_t cap)
{
	json_t *j = load(c, tenant_id);
	const char *v = json_string_value(json_object_get(j, key));
	snprintf(out, cap, "%s", v ? v : def);
	json_decref(j);
}

int gx_tenant_settings_validate(const json_t *settings, struct gx_errors *errs)
{
	if (!json_is_object(settings)) {
		gx_errors_add(errs, "settings", "type", "settings must be an object");
		return GX_EINVAL;
	}
	int bad = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)settings, key, v) {
		if (strcmp(key, "pool_return_days") == 0 || strcmp(key, "pool_cap") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000) {
				gx_errors_add(errs, key, "out_of_range", "%s must be a whole number from 0 to 100000 (0 = off)", key);
				bad++;
			}
		} else if (strcmp(key, "customer_code_pattern") == 0) {
			const char *s = json_string_value(v);
			if (!s || !*s || strlen(s) > 60 || !strstr(s, "{SEQ:")) {
				gx_errors_add(errs, key, "invalid_format",
					      "a code pattern needs {SEQ:n} and may use {YYYY} {YY} {MM} {DD}, e.g. C{YYYY}{SEQ:5}");
				bad++;
			}
		} else {
			gx_errors_add(errs, key, "unknown_field", "%s is not a tenant setting", key);
			bad++;
		}
	}
	return bad ? GX_EINVAL : 0;
}
