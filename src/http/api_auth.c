/* api_auth.c — login, logout, the current user, own password, API keys. */
#include "http/http.h"

#include "core/err.h"
#include "crm/auth.h"
#include "crm/perm.h"
#include "crm/user.h"
#include "http/auth.h"

#include <stdio.h>
#include <string.h>

static void h_login(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "username") && strcmp(key, "password") && strcmp(key, "tenant"))
			gx_errors_add(&errs, key, "unknown_field", "%s is not a login field", key);
		else if (!json_is_string(v) || json_string_length(v) > 1024 ||
			 strlen(json_string_value(v)) != json_string_length(v))
			gx_errors_add(&errs, key, "type", "%s must be a string", key);
	}
	const char *user = json_string_value(json_object_get(body, "username"));
	const char *pass = json_string_value(json_object_get(body, "password"));
	if (!user || !*user)
		gx_errors_add(&errs, "username", "required", "username is required");
	if (!pass || !*pass)
		gx_errors_add(&errs, "password", "required", "password is required");
	if (errs.list) {
		json_decref(body);
		gx_reply_error(r, GX_EINVAL, &errs);
		return;
	}
	struct gx_login in = {
		.username = user, .password = pass,
		.tenant = json_string_value(json_object_get(body, "tenant")),
		.ip = r->ip, .user_agent = gx_req_header(r, "User-Agent"),
		.ttl_seconds = gx_srv->cfg.session_ttl,
	};
	json_t *out;
	int retry = 0;
	int rc = gx_auth_login(gx_srv->store, &in, &out, &retry);
	json_decref(body);
	if (rc == GX_ETHROTTLED) {
		char *ra = gx_arena_printf(&r->arena, "%d", retry);
		if (ra)
			gx_reply_header(r, "Retry-After", ra);
		gx_reply_problem(r, 429, "too many failed logins; wait and try again", NULL);
		return;
	}
	if (rc == GX_EAUTH) {
		gx_reply_problem(r, 401, "wrong user name or password, or the account is disabled", NULL);
		return;
	}
	if (rc) {
		gx_reply_error(r, rc, NULL);
		return;
	}
	char *cookie = gx_arena_printf(&r->arena, GX_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld",
				       json_string_value(json_object_get(out, "token")),
				       (long long)gx_srv->cfg.session_ttl);
	if (cookie)
		gx_reply_header(r, "Set-Cookie", cookie);
	gx_reply_json(r, 200, out);
}

static void h_logout(struct gx_req *r)
{
	const char *token = gx_http_token(r);
	int rc = token ? gx_auth_logout(&r->ctx, token) : 0;
	if (rc) {
		gx_reply_error(r, rc, NULL);
		return;
	}
	gx_reply_header(r, "Set-Cookie", GX_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
	gx_reply_empty(r, 204);
}

static void h_me(struct gx_req *r)
{
	json_t *user, *tenant;
	int rc = gx_entity_get(&r->ctx, &gx_users_entity, r->ctx.user_id, false, &user);
	if (rc) {
		gx_reply_error(r, rc, NULL);
		return;
	}
	rc = gx_tenant_get(&r->ctx, &tenant);
	if (rc) {
		json_decref(user);
		gx_reply_error(r, rc, NULL);
		return;
	}
	json_t *out = json_pack("{s:o, s:o, s:s?}", "user", user, "tenant", tenant, "csrf_token",
				r->cookie_auth ? r->csrf : NULL);
	gx_reply_json(r, 200, out);
}

/* Changing one's own password needs the current one. */
static void h_password(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	const char *cur = json_string_value(json_object_get(body, "current_password"));
	const char *neu = json_string_value(json_object_get(body, "new_password"));
	struct gx_errors errs = {0};
	if (!cur)
		gx_errors_add(&errs, "current_password", "required", "current_password is required");
	if (!neu)
		gx_errors_add(&errs, "new_password", "required", "new_password is required");
	if (json_object_size(body) != (size_t)((cur != NULL) + (neu != NULL)))
		gx_errors_add(&errs, NULL, "unknown_field", "only current_password and new_password are accepted");
	json_t *me = NULL;
	int rc = errs.list ? GX_EINVAL : gx_entity_get(&r->ctx, &gx_users_entity, r->ctx.user_id, false, &me);
	if (!rc) {
		rc = gx_auth_check_password(&r->ctx, json_string_value(json_object_get(me, "username")), cur);
		if (rc == GX_EAUTH || rc == GX_ETHROTTLED) {
			gx_errors_add(&errs, "current_password", "wrong_password", "the current password is wrong");
			rc = GX_EINVAL;
		}
	}
	if (!rc)
		rc = gx_auth_change_password(&r->ctx, gx_http_token(r), neu, &errs);
	json_decref(me);
	json_decref(body);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_empty(r, 204);
}

static void h_apikey_create(struct gx_req *r)
{
	json_t *body = gx_req_json(r);
	if (!body)
		return;
	struct gx_errors errs = {0};
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "name") && strcmp(key, "user_id"))
			gx_errors_add(&errs, key, "unknown_field", "%s is not a field of api_keys", key);
	}
	json_t *uid = json_object_get(body, "user_id");
	if (uid && !json_is_integer(uid))
		gx_errors_add(&errs, "user_id", "type", "user_id must be an integer");
	json_t *out = NULL;
	int rc = errs.list ? GX_EINVAL
			   : gx_apikey_create(&r->ctx, json_string_value(json_object_get(body, "name")),
					      uid ? json_integer_value(uid) : r->ctx.user_id, &out, &errs);
	json_decref(body);
	if (rc)
		gx_reply_error(r, rc, &errs);
	else
		gx_reply_json(r, 201, out);
}

static void h_apikey_list(struct gx_req *r)
{
	json_t *out;
	int rc = gx_apikey_list(&r->ctx, &out);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_json(r, 200, out);
}

static void h_apikey_revoke(struct gx_req *r)
{
	int64_t id;
	if (!gx_req_param_id(r, 0, &id))
		return;
	int rc = gx_apikey_revoke(&r->ctx, id);
	if (rc)
		gx_reply_error(r, rc, NULL);
	else
		gx_reply_empty(r, 204);
}

static const struct gx_route routes[] = {
	{"POST", "/api/v1/auth/login", h_login, NULL, GX_ROUTE_PUBLIC, NULL},
	{"POST", "/api/v1/auth/logout", h_logout, NULL, 0, NULL},
	{"GET", "/api/v1/auth/me", h_me, NULL, 0, NULL},
	{"POST", "/api/v1/auth/password", h_password, NULL, 0, NULL},
	{"GET", "/api/v1/api-keys", h_apikey_list, "admin.api_keys", 0, NULL},
	{"POST", "/api/v1/api-keys", h_apikey_create, "admin.api_keys", 0, NULL},
	{"DELETE", "/api/v1/api-keys/{id}", h_apikey_revoke, "admin.api_keys", 0, NULL},
};

void gx_api_auth_init(void)
{
	gx_routes_add(routes, sizeof routes / sizeof routes[0]);
}
