/* user.c — the users and teams entities (descriptors and domain rules) and
 * tenants. */
#include "crm/user.h"

#include "core/err.h"
#include "core/id.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/auth.h"
#include "crm/perm.h"
#include "crm/tenant_settings.h"
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const locales[] = {"zh-CN", "zh-TW", "en", NULL};

#define L(cn, tw, en) {cn, tw, en}
static const struct gx_field user_fields[] = {
	{"username", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_CREATE_ONLY | GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SORT | GX_FF_SEARCH,
	 64, 0, 0, NULL, NULL, L("用户名", "使用者名稱", "User name")},
	{"display_name", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_FILTER | GX_FF_SORT | GX_FF_SEARCH,
	 100, 0, 0, NULL, NULL, L("姓名", "姓名", "Name")},
	{"email", GX_F_EMAIL, GX_FF_FILTER | GX_FF_SORT | GX_FF_SEARCH, 254, 0, 0, NULL, NULL,
	 L("邮箱", "電子郵件", "Email")},
	{"phone", GX_F_PHONE, GX_FF_FILTER | GX_FF_SEARCH, 40, 0, 0, NULL, NULL, L("电话", "電話", "Phone")},
	{"role", GX_F_ENUM, GX_FF_REQUIRED | GX_FF_FILTER | GX_FF_SORT, 0, 0, 0, gx_roles, NULL,
	 L("角色", "角色", "Role")},
	{"team_id", GX_F_REF, GX_FF_FILTER, 0, 0, 0, NULL, "teams", L("团队", "團隊", "Team")},
	{"locale", GX_F_ENUM, GX_FF_FILTER, 0, 0, 0, locales, NULL, L("语言", "語言", "Language")},
	{"password", GX_F_TEXT, GX_FF_VIRTUAL | GX_FF_SECRET, 1024, 0, 0, NULL, NULL,
	 L("密码", "密碼", "Password")},
	{"password_hash", GX_F_TEXT, GX_FF_HIDDEN | GX_FF_SECRET, 200, 0, 0, NULL, NULL,
	 L("密码", "密碼", "Password")},
	{"disabled", GX_F_BOOL, GX_FF_VIRTUAL, 0, 0, 0, NULL, NULL, L("停用", "停用", "Disabled")},
	{"disabled_at", GX_F_DATETIME, GX_FF_READONLY | GX_FF_FILTER | GX_FF_SORT, 0, 0, 0, NULL, NULL,
	 L("停用时间", "停用時間", "Disabled at")},
	{"last_login_at", GX_F_DATETIME, GX_FF_READONLY | GX_FF_SORT, 0, 0, 0, NULL, NULL,
	 L("最近登录", "最近登入", "Last login")},
};

static const struct gx_field team_fields[] = {
	{"name", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SORT | GX_FF_SEARCH,
	 100, 0, 0, NULL, NULL, L("团队名称", "團隊名稱", "Team name")},
	{"description", GX_F_TEXT, GX_FF_SEARCH, 2000, 0, 0, NULL, NULL, L("说明", "說明", "Description")},
	{"manager_id", GX_F_REF, GX_FF_FILTER, 0, 0, 0, NULL, "users", L("经理", "經理", "Manager")},
	{"parent_id", GX_F_REF, GX_FF_FILTER, 0, 0, 0, NULL, "teams", L("上级团队", "上級團隊", "Parent team")},
};
#undef L

/* True when a live record id exists in table for the context's tenant. */
static int exists(struct gx_ctx *ctx, struct gx_conn *c, const char *sql, int64_t id)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc == GX_ROW ? 1 : rc < 0 ? rc : 0;
}

static int check_ref(struct gx_ctx *ctx, struct gx_conn *c, json_t *values, const char *field,
		     const char *sql, struct gx_errors *errs)
{
	json_t *v = json_object_get(values, field);
	if (!json_is_integer(v))
		return 0;
	int rc = exists(ctx, c, sql, json_integer_value(v));
	if (rc < 0)
		return rc;
	if (!rc) {
		gx_errors_add(errs, field, "not_found", "%s does not name an existing record", field);
		return GX_EINVAL;
	}
	return 0;
}

#define TEAM_EXISTS "SELECT 1 FROM teams WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL"
#define USER_EXISTS "SELECT 1 FROM users WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL"

static bool username_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || strchr("\"'<>\\/;:,", *p))
			return false;
	return *s != '\0';
}

static int active_admins(struct gx_ctx *ctx, struct gx_conn *c, int64_t *n)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT count(*) FROM users WHERE tenant_id = ? AND role = 'admin' "
				    "AND disabled_at IS NULL AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	rc = gx_stmt_step(st);
	*n = rc == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	return rc == GX_ROW ? 0 : rc;
}

static int user_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			     json_t *values, const json_t *current, struct gx_errors *errs)
{
	int bad = 0;
	json_t *un = json_object_get(values, "username");
	if (json_is_string(un) && !username_ok(json_string_value(un))) {
		gx_errors_add(errs, "username", "invalid_format",
			      "a user name has no spaces, quotes, slashes or punctuation like ;:,<>");
		bad++;
	}
	json_t *pw = json_object_get(values, "password");
	if (json_is_string(pw)) {
		if (!gx_password_acceptable(json_string_value(pw), "password", errs)) {
			bad++;
		} else {
			char hash[GX_PWHASH_LEN];
			int rc = gx_password_hash(json_string_value(pw), hash);
			if (rc)
				return rc;
			json_object_set_new(values, "password_hash", json_string(hash));
			/* a password set for someone: whoever held a session
			 * with the old one is out (this transaction's) */
			if (current) {
				rc = gx_auth_end_sessions(ctx, c, json_integer_value(json_object_get(current, "id")), NULL);
				if (rc)
					return rc;
			}
		}
	} else if (pw || !current) {
		gx_errors_add(errs, "password", "required", "a new user needs a password");
		bad++;
	}
	json_object_del(values, "password");
	json_t *dis = json_object_get(values, "disabled");
	if (json_is_boolean(dis)) {
		bool was = current && !json_is_null(json_object_get(current, "disabled_at"));
		if (json_is_true(dis) && !was) {
			char now[40];
			gx_time_iso(gx_now_ms(), now, sizeof now);
			json_object_set_new(values, "disabled_at", json_string(now));
		} else if (json_is_false(dis) && was) {
			json_object_set_new(values, "disabled_at", json_null());
		}
	} else if (dis) {
		gx_errors_add(errs, "disabled", "type", "disabled must be true or false");
		bad++;
	}
	json_object_del(values, "disabled");
	int rc = check_ref(ctx, c, values, "team_id", TEAM_EXISTS, errs);
	if (rc && rc != GX_EINVAL)
		return rc;
	return bad || rc ? GX_EINVAL : 0;
}

/* Keeps at least one active admin in every tenant, and ends the sessions of
 * a user who is disabled or deleted. */
static int user_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			    int64_t id, const json_t *before, const json_t *after, struct gx_errors *errs)
{
	/* a role, a disabling or a deletion counts from the next request on
	 * (also when this transaction rolls back: the cache only refills) */
	gx_auth_invalidate();
	bool was_admin = before && strcmp(json_string_value(json_object_get(before, "role")), "admin") == 0 &&
			 json_is_null(json_object_get(before, "disabled_at")) &&
			 json_is_null(json_object_get(before, "deleted_at"));
	if (was_admin) {
		int64_t n = 0;
		int rc = active_admins(ctx, c, &n);
		if (rc)
			return rc;
		if (n == 0) {
			gx_errors_add(errs, "role", "last_admin",
				      "this is the last active administrator; make someone else admin first");
			return GX_ECONFLICT;
		}
	}
	bool gone = !json_is_null(json_object_get(after, "disabled_at")) ||
		    !json_is_null(json_object_get(after, "deleted_at"));
	if (gone)
		return gx_auth_end_sessions(ctx, c, id, NULL);
	return 0;
}

static int team_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			     json_t *values, const json_t *current, struct gx_errors *errs)
{
	int rc = check_ref(ctx, c, values, "manager_id", USER_EXISTS, errs);
	if (rc)
		return rc;
	rc = check_ref(ctx, c, values, "parent_id", TEAM_EXISTS, errs);
	if (rc)
		return rc;
	json_t *parent = json_object_get(values, "parent_id");
	if (current && json_is_integer(parent) &&
	    json_integer_value(parent) == json_integer_value(json_object_get(current, "id"))) {
		gx_errors_add(errs, "parent_id", "cycle", "a team cannot be its own parent");
		return GX_EINVAL;
	}
	return 0;
}

const struct gx_entity gx_users_entity = {
	.name = "users",
	.table = "users",
	.fields = user_fields,
	.nfields = sizeof user_fields / sizeof user_fields[0],
	.default_sort = "username",
	.hooks = {.before_write = user_before_write, .after_write = user_after_write},
};

const struct gx_entity gx_teams_entity = {
	.name = "teams",
	.table = "teams",
	.fields = team_fields,
	.nfields = sizeof team_fields / sizeof team_fields[0],
	.default_sort = "name",
	.hooks = {.before_write = team_before_write},
};

void gx_user_module_init(void)
{
	gx_entity_register(&gx_users_entity);
	gx_entity_register(&gx_teams_entity);
}

int gx_user_find(struct gx_ctx *ctx, const char *username, int64_t *id_out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT id FROM users WHERE tenant_id = ? AND username = ? AND deleted_at IS NULL", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, username);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			*id_out = gx_stmt_col_int64(st, 0);
			rc = 0;
		} else if (rc == GX_DONE) {
			rc = GX_ENOTFOUND;
		}
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc;
}

/* ---- tenants ------------------------------------------------------------------------ */

static bool slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 63)
		return false;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return false;
	return true;
}

static bool valid_time_zone(const char *tz)
{
	/* an IANA name: Area/City, letters, digits, _ + - / */
	if (strlen(tz) > 64 || !strchr(tz, '/'))
		return strcmp(tz, "UTC") == 0;
	for (const char *p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
			return false;
	return true;
}

static bool valid_currency(const char *c)
{
	return strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
	       isupper((unsigned char)c[2]);
}

static bool valid_locale(const char *l)
{
	for (const char *const *x = locales; *x; x++)
		if (strcmp(*x, l) == 0)
			return true;
	return false;
}

int gx_tenant_create(struct gx_store *s, const char *slug, const char *name, const char *time_zone,
		     const char *currency, const char *locale, int64_t *id_out)
{
	if (!slug_ok(slug) || !name || !*name || !gx_utf8_valid(name, strlen(name)) || strlen(name) > 200 ||
	    (time_zone && !valid_time_zone(time_zone)) || (currency && !valid_currency(currency)) ||
	    (locale && !valid_locale(locale)))
		return GX_EINVAL;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	int64_t id = gx_id_new();
	struct gx_conn *c;
	gx_store_writer(s, &c);
	struct gx_stmt *st;
	/* the search tag: the next small number (migration 0012; the writer
	 * is one at a time, and the unique index refuses a duplicate anyway) */
	int rc = gx_conn_prepare(c, "INSERT INTO tenants (id, slug, name, time_zone, currency, locale, "
				    "created_at, updated_at, search_tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
				    "(SELECT COALESCE(max(search_tag), 0) + 1 FROM tenants))", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, id);
		gx_stmt_bind_str(st, 2, slug);
		gx_stmt_bind_str(st, 3, name);
		gx_stmt_bind_str(st, 4, time_zone ? time_zone : "Asia/Shanghai");
		gx_stmt_bind_str(st, 5, currency ? currency : "CNY");
		gx_stmt_bind_str(st, 6, locale ? locale : "zh-CN");
		gx_stmt_bind_str(st, 7, now);
		gx_stmt_bind_str(st, 8, now);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (!rc && id_out)
		*id_out = id;
	return rc;
}

int gx_tenant_find(struct gx_store *s, const char *slug, int64_t *id_out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT id FROM tenants WHERE slug = ?", &st);
	if (!rc) {
		gx_stmt_bind_str(st, 1, slug);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			*id_out = gx_stmt_col_int64(st, 0);
			rc = 0;
		} else if (rc == GX_DONE) {
			rc = GX_ENOTFOUND;
		}
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc;
}

#define TENANT_COLS "SELECT id, slug, name, time_zone, currency, locale, settings, created_at, " \
		    "updated_at, disabled_at, version FROM tenants"

static int tenant_query_conn(struct gx_conn *c, const char *sql, int64_t id, json_t *items)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (!rc) {
		if (id)
			gx_stmt_bind_int64(st, 1, id);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			json_t *row = gx_entity_row_json(NULL, st);
			/* settings are stored as JSON text: give them back as an object */
			json_t *settings = json_loads(json_string_value(json_object_get(row, "settings")), 0, NULL);
			json_object_set_new(row, "settings", settings ? settings : json_object());
			json_array_append_new(items, row);
		}
		if (rc == GX_DONE)
			rc = 0;
		gx_stmt_reset(st);
	}
	return rc;
}

static int tenant_query(struct gx_store *s, const char *sql, int64_t id, json_t *items)
{
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	rc = tenant_query_conn(c, sql, id, items);
	gx_store_release(c);
	return rc;
}

static int tenant_get_conn(struct gx_conn *c, int64_t id, json_t **out)
{
	json_t *items = json_array();
	int rc = tenant_query_conn(c, TENANT_COLS " WHERE id = ?", id, items);
	if (!rc && json_array_size(items) == 0)
		rc = GX_ENOTFOUND;
	if (!rc)
		*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return rc;
}

int gx_tenant_list(struct gx_store *s, json_t **out)
{
	json_t *items = json_array();
	int rc = tenant_query(s, TENANT_COLS " ORDER BY slug", 0, items);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = items;
	return 0;
}

int gx_tenant_get(struct gx_ctx *ctx, json_t **out)
{
	json_t *items = json_array();
	int rc = tenant_query(ctx->store, TENANT_COLS " WHERE id = ?", ctx->tenant_id, items);
	if (!rc && json_array_size(items) == 0)
		rc = GX_ENOTFOUND;
	if (!rc)
		*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return rc;
}

int gx_tenant_update(struct gx_ctx *ctx, const json_t *input, json_t **out, struct gx_errors *errs)
{
	static const char *const allowed[] = {"name", "time_zone", "currency", "locale", "settings", NULL};
	int bad = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)input, key, v) {
		bool known = false;
		for (const char *const *a = allowed; *a; a++)
			known |= strcmp(*a, key) == 0;
		if (!known) {
			gx_errors_add(errs, key, "unknown_field", "%s cannot be set on the tenant", key);
			bad++;
			continue;
		}
		const char *s = json_string_value(v);
		if (strcmp(key, "settings") == 0) {
			if (gx_tenant_settings_validate(v, errs))
				bad++;
		} else if (!s) {
			gx_errors_add(errs, key, "type", "%s must be a string", key);
			bad++;
		} else if (strcmp(key, "name") == 0 && (!*s || gx_utf8_len(s) > 200)) {
			gx_errors_add(errs, key, "too_long", "the name needs 1 to 200 characters");
			bad++;
		} else if (strcmp(key, "time_zone") == 0 && !valid_time_zone(s)) {
			gx_errors_add(errs, key, "invalid_format", "use an IANA time zone such as Asia/Shanghai");
			bad++;
		} else if (strcmp(key, "currency") == 0 && !valid_currency(s)) {
			gx_errors_add(errs, key, "invalid_format", "use an ISO 4217 code such as CNY or TWD");
			bad++;
		} else if (strcmp(key, "locale") == 0 && !valid_locale(s)) {
			gx_errors_add(errs, key, "invalid_option", "locale must be zh-CN, zh-TW or en");
			bad++;
		}
	}
	if (bad)
		return GX_EINVAL;
	json_t *before = NULL, *after = NULL;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = tenant_get_conn(c, ctx->tenant_id, &before);
	json_object_foreach((json_t *)input, key, v) {
		if (rc)
			break;
		/* key is one of the allowed column names checked above */
		char *sql = gx_arena_printf(ctx->arena, "UPDATE tenants SET %s = ?, updated_at = ?, "
					    "version = version + 1 WHERE id = ?", key);
		struct gx_stmt *st;
		rc = sql ? gx_conn_prepare(c, sql, &st) : GX_ENOMEM;
		char *merged = NULL;
		if (!rc && strcmp(key, "settings") == 0) {
			/* settings merge into the stored ones */
			json_t *old = json_deep_copy(json_object_get(before, "settings"));
			if (!json_is_object(old)) {
				json_decref(old);
				old = json_object();
			}
			json_object_update(old, v);
			merged = json_dumps(old, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(old);
		}
		if (!rc) {
			gx_stmt_bind_str(st, 1, merged ? merged : json_string_value(v));
			gx_stmt_bind_str(st, 2, now);
			gx_stmt_bind_int64(st, 3, ctx->tenant_id);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
		}
		free(merged);
	}
	if (!rc)
		rc = tenant_get_conn(c, ctx->tenant_id, &after);
	if (!rc)
		rc = gx_audit_write(ctx, c, "update", "tenant", ctx->tenant_id, before, after, NULL);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	gx_auth_invalidate();
	if (rc) {
		json_decref(after);
		after = NULL;
	}
	json_decref(before);
	if (!rc)
		*out = after;
	return rc;
}
