/* auth.h — passwords (argon2id), login sessions, API keys and login
 * throttling. Tokens are random, carry their tenant id, and are stored only
 * as hashes. */
#ifndef GX_CRM_AUTH_H
#define GX_CRM_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"

#define GX_PWHASH_LEN 128

/* Hashes a password with argon2id into out (GX_PWHASH_LEN bytes). */
int gx_password_hash(const char *password, char *out);
bool gx_password_verify(const char *hash, const char *password);
/* Password rules: 8..1024 bytes of UTF-8. Adds to errs under field. */
bool gx_password_acceptable(const char *password, const char *field, struct gx_errors *errs);

/* Who a token belongs to. */
struct gx_principal {
	int64_t tenant_id, user_id;
	char role[16];
	char csrf[64];
	bool api_key;
};

/* Looks up a session token or API key. GX_EAUTH when unknown, expired,
 * revoked, or its user or tenant is disabled. */
int gx_auth_lookup(struct gx_store *s, const char *token, struct gx_principal *p);

struct gx_login {
	const char *username, *password, *tenant; /* tenant slug, optional */
	const char *ip, *user_agent;
	int64_t ttl_seconds;
};
/* Checks the credentials, creates a session and returns
 * {"token","csrf_token","expires_at","user":{...},"tenant":{...}}.
 * GX_EAUTH for bad credentials (after a constant-cost hash check),
 * GX_ETHROTTLED when too many recent failures (*retry_after seconds). */
int gx_auth_login(struct gx_store *s, const struct gx_login *in, json_t **out, int *retry_after);
/* Checks the password of the context's user (throttled like a login).
 * GX_EAUTH when wrong, GX_ETHROTTLED. */
int gx_auth_check_password(struct gx_ctx *ctx, const char *username, const char *password);
/* Drops every cached token answer (call after any change that can end or
 * alter a session: user, tenant, API key, logout). */
void gx_auth_invalidate(void);
/* Revokes the session whose token this is (no-op for API keys). */
int gx_auth_logout(struct gx_ctx *ctx, const char *token);
/* Revokes every session of user_id but the one of keep_token (NULL: all),
 * inside c's open write transaction. */
int gx_auth_end_sessions(struct gx_ctx *ctx, struct gx_conn *c, int64_t user_id, const char *keep_token);
/* Changes the context user's own password (already checked as theirs) and
 * ends their other sessions, in one transaction: whoever else knew the old
 * password is out. GX_EINVAL (errs) for an unacceptable password. */
int gx_auth_change_password(struct gx_ctx *ctx, const char *token, const char *new_password,
			    struct gx_errors *errs);

/* Throttling settings (from the config); call once at start. */
void gx_auth_throttle_config(int max_failures, int window_seconds);
void gx_auth_throttle_reset(void);

/* API keys: creates one for user_id and returns {"id","key",...} with the
 * key shown this once. */
int gx_apikey_create(struct gx_ctx *ctx, const char *name, int64_t user_id, json_t **out,
		     struct gx_errors *errs);
int gx_apikey_list(struct gx_ctx *ctx, json_t **out);
int gx_apikey_revoke(struct gx_ctx *ctx, int64_t id);

#endif
