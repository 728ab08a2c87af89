/* auth.c — argon2id passwords, sessions, API keys and login throttling. */
#include "crm/auth.h"

#include "core/err.h"
#include "core/id.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/perm.h"
#include "crm/user.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- passwords ------------------------------------------------------------------ */

int gx_password_hash(const char *password, char *out)
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return GX_ENOMEM; /* argon2 could not get its memory */
	return 0;
}

bool gx_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool gx_password_acceptable(const char *password, const char *field, struct gx_errors *errs)
{
	size_t n = strlen(password);
	if (n < 8 || n > 1024 || !gx_utf8_valid(password, n)) {
		gx_errors_add(errs, field, "weak_password", "a password needs 8 to 1024 characters");
		return false;
	}
	return true;
}

/* ---- tokens ----------------------------------------------------------------------- */

static void token_hash(const char *token, char hex[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

static void random_text(char *out, size_t bytes)
{
	unsigned char raw[48];
	if (bytes > sizeof raw)
		bytes = sizeof raw;
	randombytes_buf(raw, bytes);
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			  raw, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The tenant id a token starts with, then sep. Plain digits are read here
 * (strtoll's locale-aware parse was ~400 instructions a request); anything
 * else (a sign, spaces, 19 digits or more) as strtoll reads it. */
static int parse_tenant_prefix(const char *s, char sep, int64_t *tenant)
{
	int64_t v = 0;
	int n = 0;
	for (; n < 18 && s[n] >= '0' && s[n] <= '9'; n++)
		v = v * 10 + (s[n] - '0');
	if (!n || (s[n] >= '0' && s[n] <= '9')) {
		char *end;
		long long w = strtoll(s, &end, 10);
		if (end == s || *end != sep || w <= 0)
			return GX_EAUTH;
		*tenant = w;
		return 0;
	}
	if (s[n] != sep || v <= 0)
		return GX_EAUTH;
	*tenant = v;
	return 0;
}

/* ---- the authenticated-token cache --------------------------------------------------
 * Every request authenticates; the lookup joins sessions, users and tenants.
 * Answers are kept for GX_AUTH_CACHE_MS, and all of them are dropped at once
 * (a generation bump) by any change that could end or alter a session in
 * this process: logout, a user written (role, disabled, deleted, password),
 * an API key revoked, a tenant changed. Another process's change (a second
 * server on the same PostgreSQL) is seen within GX_AUTH_CACHE_MS.
 *
 * Each thread keeps its own cache (the pool threads shared one behind a
 * mutex, whose cache line moved between the cores on every request), keyed
 * by a 128-bit SipHash of the token under a key drawn at random once per
 * process (a keyed hash: without the key no one can make another token
 * collide with a cached one), compared in constant time. Only a miss
 * computes the token's BLAKE2b, to look it up in the database. An answer is
 * stamped with the generation read before its lookup began, so one that
 * raced with a change is never served. */

#define GX_AUTH_CACHE_SLOTS 256 /* per thread */
#define GX_AUTH_CACHE_MS 2000

struct auth_slot {
	unsigned char mac[crypto_shorthash_siphashx24_BYTES];
	uint64_t generation; /* 0: empty */
	int64_t cached_ms, valid_until_ms;
	struct gx_principal p;
};
static _Atomic uint64_t auth_generation = 1;
static unsigned char mac_key[crypto_shorthash_siphashx24_KEYBYTES];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_tls; /* frees a thread's cache when it ends */
static bool cache_tls_ok;
static __thread struct auth_slot *thread_cache;

static void cache_init(void)
{
	randombytes_buf(mac_key, sizeof mac_key);
	cache_tls_ok = pthread_key_create(&cache_tls, free) == 0;
}

/* This thread's cache, made at its first use; NULL (no caching) when out of
 * memory. */
static struct auth_slot *cache_mine(void)
{
	if (!thread_cache) {
		pthread_once(&cache_once, cache_init);
		if (!cache_tls_ok)
			return NULL;
		struct auth_slot *c = calloc(GX_AUTH_CACHE_SLOTS, sizeof *c);
		if (c && pthread_setspecific(cache_tls, c) != 0) {
			free(c);
			c = NULL;
		}
		thread_cache = c;
	}
	return thread_cache;
}

void gx_auth_invalidate(void)
{
	atomic_fetch_add(&auth_generation, 1);
}

static struct auth_slot *slot_of(struct auth_slot *cache, const unsigned char *mac)
{
	uint32_t v;
	memcpy(&v, mac, sizeof v);
	return &cache[v % GX_AUTH_CACHE_SLOTS];
}

static bool cache_get(struct auth_slot *cache, const unsigned char *mac, struct gx_principal *p)
{
	const struct auth_slot *e = slot_of(cache, mac);
	if (e->generation != atomic_load(&auth_generation) ||
	    sodium_memcmp(e->mac, mac, sizeof e->mac) != 0)
		return false;
	int64_t now = gx_now_ms();
	if (now - e->cached_ms >= GX_AUTH_CACHE_MS || now >= e->valid_until_ms)
		return false;
	*p = e->p;
	return true;
}

static void cache_put(struct auth_slot *cache, const unsigned char *mac, const struct gx_principal *p,
		      uint64_t generation, int64_t valid_until)
{
	struct auth_slot *e = slot_of(cache, mac);
	memcpy(e->mac, mac, sizeof e->mac);
	e->generation = generation;
	e->cached_ms = gx_now_ms();
	e->valid_until_ms = valid_until;
	e->p = *p;
}

int gx_auth_lookup(struct gx_store *s, const char *token, struct gx_principal *p)
{
	memset(p, 0, sizeof *p);
	size_t n = strlen(token);
	if (n < 20 || n > 200)
		return GX_EAUTH;
	bool api_key = strncmp(token, "gxk_", 4) == 0;
	if (parse_tenant_prefix(api_key ? token + 4 : token, api_key ? '_' : '.', &p->tenant_id))
		return GX_EAUTH;
	struct auth_slot *cache = cache_mine();
	unsigned char mac[crypto_shorthash_siphashx24_BYTES];
	if (cache) {
		crypto_shorthash_siphashx24(mac, (const unsigned char *)token, n, mac_key);
		if (cache_get(cache, mac, p))
			return 0;
	}
	uint64_t generation = atomic_load(&auth_generation);
	char hash[65], now[40];
	token_hash(token, hash);
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, api_key ?
		"SELECT k.user_id, '', u.role, k.expires_at FROM api_keys k "
		"JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id "
		"JOIN tenants t ON t.id = k.tenant_id "
		"WHERE k.tenant_id = ? AND k.key_hash = ? AND k.revoked_at IS NULL "
		"AND (k.expires_at IS NULL OR k.expires_at > ?) AND u.disabled_at IS NULL "
		"AND u.deleted_at IS NULL AND t.disabled_at IS NULL" :
		"SELECT s.user_id, s.csrf_token, u.role, s.expires_at FROM sessions s "
		"JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id "
		"JOIN tenants t ON t.id = s.tenant_id "
		"WHERE s.tenant_id = ? AND s.token_hash = ? AND s.revoked_at IS NULL "
		"AND s.expires_at > ? AND u.disabled_at IS NULL AND u.deleted_at IS NULL "
		"AND t.disabled_at IS NULL", &st);
	int64_t valid_until = INT64_MAX;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, p->tenant_id);
		gx_stmt_bind_str(st, 2, hash);
		gx_stmt_bind_str(st, 3, now);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			p->user_id = gx_stmt_col_int64(st, 0);
			snprintf(p->csrf, sizeof p->csrf, "%s", gx_stmt_col_text(st, 1));
			snprintf(p->role, sizeof p->role, "%s", gx_stmt_col_text(st, 2));
			p->api_key = api_key;
			const char *exp = gx_stmt_col_type(st, 3) == GX_COL_NULL ? NULL : gx_stmt_col_text(st, 3);
			int64_t exp_ms;
			if (exp && gx_time_parse(exp, &exp_ms) == 0)
				valid_until = exp_ms;
			rc = 0;
		} else if (rc == GX_DONE) {
			rc = GX_EAUTH;
		}
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (!rc && cache)
		cache_put(cache, mac, p, generation, valid_until);
	return rc;
}

/* ---- throttling -------------------------------------------------------------------------- */

#define THROTTLE_SLOTS 4096
struct throttle_entry {
	uint64_t key;
	int failures;
	int64_t first_ms;
};
static struct throttle_entry throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static int max_failures = 5, window_s = 900;

void gx_auth_throttle_config(int maxf, int window)
{
	max_failures = maxf;
	window_s = window;
}

void gx_auth_throttle_reset(void)
{
	pthread_mutex_lock(&throttle_lock);
	memset(throttle, 0, sizeof throttle);
	pthread_mutex_unlock(&throttle_lock);
}

static uint64_t throttle_key(const char *a, const char *b)
{
	unsigned char h[8];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)a, strlen(a) + 1);
	crypto_generichash_update(&st, (const unsigned char *)b, strlen(b) + 1);
	crypto_generichash_final(&st, h, sizeof h);
	uint64_t k;
	memcpy(&k, h, sizeof k);
	return k | 1; /* 0 marks a free slot */
}

/* Seconds until key may try again (0 = allowed); counts a failure when fail. */
static int throttle_check(uint64_t key, int limit, bool fail)
{
	int64_t now = gx_mono_ms();
	struct throttle_entry *e = &throttle[key % THROTTLE_SLOTS];
	int wait = 0;
	pthread_mutex_lock(&throttle_lock);
	if (e->key != key || now - e->first_ms > (int64_t)window_s * 1000) {
		if (fail) {
			e->key = key;
			e->failures = 0;
			e->first_ms = now;
		} else if (e->key == key) {
			e->key = 0; /* window over */
		}
	}
	if (e->key == key) {
		if (fail)
			e->failures++;
		if (e->failures >= limit)
			wait = (int)((e->first_ms + (int64_t)window_s * 1000 - now) / 1000) + 1;
	}
	pthread_mutex_unlock(&throttle_lock);
	return wait;
}

static int throttled(const struct gx_login *in, bool fail)
{
	/* per address and user name; and per user name from any address, with
	 * a higher limit so that one attacker cannot lock a user out alone */
	int a = throttle_check(throttle_key(in->ip ? in->ip : "", in->username), max_failures, fail);
	int b = throttle_check(throttle_key("*", in->username), max_failures * 4, fail);
	return a > b ? a : b;
}

/* Copies at most cap - 1 bytes of s, cut at a character boundary, with
 * every byte that is not part of valid UTF-8 (or a control) replaced by '?':
 * client-supplied text such as the User-Agent is stored, never trusted. */
static void clean_text(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	while (s && *s && o + 1 < cap) {
		const unsigned char c = (unsigned char)*s;
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || strnlen(s, len) < len || !gx_utf8_valid(s, len) || c < 0x20) {
			out[o++] = '?';
			s++;
			continue;
		}
		if (o + len >= cap)
			break;
		memcpy(out + o, s, len);
		o += len;
		s += len;
	}
	out[o] = '\0';
}

/* ---- login and logout ------------------------------------------------------------------------ */

/* The hash of a random password: verifying against it costs what a real
 * check costs, so the answer time does not tell which user names exist. */
static char dummy[GX_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	char pw[80];
	random_text(pw, 16);
	gx_password_hash(pw, dummy);
}

static const char *dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_init);
	return dummy;
}

struct found_user {
	int64_t tenant_id, id;
	char hash[GX_PWHASH_LEN];
	bool disabled;
	int matches;
};

static int find_login_user(struct gx_store *s, const struct gx_login *in, struct found_user *u)
{
	memset(u, 0, sizeof *u);
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, in->tenant ?
		"SELECT u.tenant_id, u.id, u.password_hash, u.disabled_at FROM users u "
		"JOIN tenants t ON t.id = u.tenant_id WHERE u.username = ? AND t.slug = ? "
		"AND u.deleted_at IS NULL AND t.disabled_at IS NULL" :
		"SELECT u.tenant_id, u.id, u.password_hash, u.disabled_at FROM users u "
		"JOIN tenants t ON t.id = u.tenant_id WHERE u.username = ? AND CAST(? AS TEXT) IS NULL "
		"AND u.deleted_at IS NULL AND t.disabled_at IS NULL LIMIT 2", &st);
	if (!rc) {
		gx_stmt_bind_str(st, 1, in->username);
		gx_stmt_bind_str(st, 2, in->tenant);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (u->matches++ == 0) {
				u->tenant_id = gx_stmt_col_int64(st, 0);
				u->id = gx_stmt_col_int64(st, 1);
				snprintf(u->hash, sizeof u->hash, "%s", gx_stmt_col_text(st, 2));
				u->disabled = gx_stmt_col_type(st, 3) != GX_COL_NULL;
			}
		}
		if (rc == GX_DONE)
			rc = 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc;
}

static int user_json(struct gx_ctx *ctx, struct gx_conn *c, int64_t id, json_t **out);

int gx_auth_login(struct gx_store *s, const struct gx_login *in, json_t **out, int *retry_after)
{
	*out = NULL;
	*retry_after = 0;
	int wait = throttled(in, false);
	if (wait) {
		*retry_after = wait;
		return GX_ETHROTTLED;
	}
	struct found_user u;
	int rc = find_login_user(s, in, &u);
	if (rc)
		return rc;
	bool ok = gx_password_verify(u.matches == 1 ? u.hash : dummy_hash(), in->password);
	struct gx_arena arena;
	gx_arena_init(&arena, 0);
	struct gx_ctx ctx = {.store = s, .arena = &arena, .tenant_id = u.tenant_id, .user_id = u.id,
			     .ip = in->ip};
	if (!ok || u.matches != 1 || u.disabled) {
		if (!ok)
			throttled(in, true);
		if (u.matches == 1) {
			struct gx_conn *c;
			gx_store_writer(s, &c);
			json_t *what = json_pack("{s:s, s:s}", "username", in->username, "reason",
						 !ok ? "bad password" : "user disabled");
			gx_audit_write(&ctx, c, "login_failed", "users", u.id, NULL, what, NULL);
			json_decref(what);
			gx_store_release(c);
		}
		gx_arena_free(&arena);
		return GX_EAUTH;
	}
	char secret[80], token[120], hash[65], csrf[48], now[40], expires[40];
	random_text(secret, 32);
	snprintf(token, sizeof token, "%lld.%s", (long long)u.tenant_id, secret);
	token_hash(token, hash);
	random_text(csrf, 24);
	int64_t now_ms = gx_now_ms();
	gx_time_iso(now_ms, now, sizeof now);
	gx_time_iso(now_ms + in->ttl_seconds * 1000, expires, sizeof expires);
	struct gx_conn *c;
	gx_store_writer(s, &c);
	rc = gx_conn_begin(c);
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(c, "INSERT INTO sessions (tenant_id, id, user_id, token_hash, csrf_token, "
				     "created_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, u.tenant_id);
		gx_stmt_bind_int64(st, 2, gx_id_new());
		gx_stmt_bind_int64(st, 3, u.id);
		gx_stmt_bind_str(st, 4, hash);
		gx_stmt_bind_str(st, 5, csrf);
		gx_stmt_bind_str(st, 6, now);
		gx_stmt_bind_str(st, 7, expires);
		gx_stmt_bind_str(st, 8, in->ip);
		char ua[301];
		clean_text(in->user_agent, ua, sizeof ua);
		gx_stmt_bind_str(st, 9, in->user_agent ? ua : NULL);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	if (!rc)
		rc = gx_conn_prepare(c, "UPDATE users SET last_login_at = ? WHERE tenant_id = ? AND id = ?", &st);
	if (!rc) {
		gx_stmt_bind_str(st, 1, now);
		gx_stmt_bind_int64(st, 2, u.tenant_id);
		gx_stmt_bind_int64(st, 3, u.id);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	if (!rc)
		rc = gx_audit_write(&ctx, c, "login", "users", u.id, NULL, NULL, NULL);
	json_t *user = NULL;
	if (!rc)
		rc = user_json(&ctx, c, u.id, &user);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	gx_arena_free(&arena);
	if (rc) {
		json_decref(user);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:s, s:o}", "token", token, "csrf_token", csrf, "expires_at",
			 expires, "user", user);
	return *out ? 0 : GX_ENOMEM;
}

int gx_auth_logout(struct gx_ctx *ctx, const char *token)
{
	if (strncmp(token, "gxk_", 4) == 0)
		return 0;
	char hash[65], now[40];
	token_hash(token, hash);
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? "
				    "AND token_hash = ? AND revoked_at IS NULL", &st);
	if (!rc) {
		gx_stmt_bind_str(st, 1, now);
		gx_stmt_bind_int64(st, 2, ctx->tenant_id);
		gx_stmt_bind_str(st, 3, hash);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	if (!rc)
		rc = gx_audit_write(ctx, c, "logout", "users", ctx->user_id, NULL, NULL, NULL);
	gx_store_release(c);
	gx_auth_invalidate();
	return rc;
}

int gx_auth_end_sessions(struct gx_ctx *ctx, struct gx_conn *c, int64_t user_id, const char *keep_token)
{
	char keep[65] = "", now[40];
	if (keep_token && strncmp(keep_token, "gxk_", 4) != 0)
		token_hash(keep_token, keep);
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "UPDATE sessions SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? "
				    "AND token_hash <> ? AND revoked_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_str(st, 1, now);
	gx_stmt_bind_int64(st, 2, ctx->tenant_id);
	gx_stmt_bind_int64(st, 3, user_id);
	gx_stmt_bind_str(st, 4, keep);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	gx_auth_invalidate();
	return rc;
}

int gx_auth_change_password(struct gx_ctx *ctx, const char *token, const char *new_password,
			    struct gx_errors *errs)
{
	if (!gx_password_acceptable(new_password, "new_password", errs))
		return GX_EINVAL;
	char hash[GX_PWHASH_LEN];
	int rc = gx_password_hash(new_password, hash);
	if (rc)
		return rc;
	json_t *patch = json_pack("{s:s}", "password_hash", hash), *out = NULL;
	if (!patch)
		return GX_ENOMEM;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_update_conn(ctx, c, &gx_users_entity, ctx->user_id, patch, &out);
	if (!rc)
		rc = gx_auth_end_sessions(ctx, c, ctx->user_id, token);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	json_decref(out);
	json_decref(patch);
	return rc;
}

/* ---- API keys ---------------------------------------------------------------------------- */

extern const struct gx_entity gx_users_entity;

static int user_json(struct gx_ctx *ctx, struct gx_conn *c, int64_t id, json_t **out)
{
	return gx_entity_get_conn(ctx, c, &gx_users_entity, id, false, out);
}

int gx_apikey_create(struct gx_ctx *ctx, const char *name, int64_t user_id, json_t **out,
		     struct gx_errors *errs)
{
	*out = NULL;
	if (!name || !*name || strlen(name) > 200 || !gx_utf8_valid(name, strlen(name))) {
		gx_errors_add(errs, "name", "required", "an API key needs a name of at most 200 characters");
		return GX_EINVAL;
	}
	char secret[80], key[120], hash[65], now[40], prefix[16];
	random_text(secret, 32);
	snprintf(key, sizeof key, "gxk_%lld_%s", (long long)ctx->tenant_id, secret);
	token_hash(key, hash);
	snprintf(prefix, sizeof prefix, "%.12s", key);
	gx_time_iso(gx_now_ms(), now, sizeof now);
	int64_t id = gx_id_new();
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	json_t *user = NULL;
	int rc = gx_conn_begin(c);
	if (!rc) {
		rc = user_json(ctx, c, user_id, &user);
		if (rc == GX_ENOTFOUND) {
			gx_errors_add(errs, "user_id", "not_found", "no such user");
			rc = GX_EINVAL;
		}
	}
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(c, "INSERT INTO api_keys (tenant_id, id, user_id, name, key_prefix, "
				     "key_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, id);
		gx_stmt_bind_int64(st, 3, user_id);
		gx_stmt_bind_str(st, 4, name);
		gx_stmt_bind_str(st, 5, prefix);
		gx_stmt_bind_str(st, 6, hash);
		gx_stmt_bind_str(st, 7, now);
		gx_stmt_bind_int64(st, 8, ctx->user_id);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	json_t *rec = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)id, "name", name,
				"key_prefix", prefix, "user_id", (json_int_t)user_id, "created_at", now);
	if (!rc)
		rc = gx_audit_write(ctx, c, "create", "api_keys", id, NULL, rec, NULL);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	json_decref(user);
	if (rc) {
		json_decref(rec);
		return rc;
	}
	json_object_set_new(rec, "key", json_string(key));
	*out = rec;
	return 0;
}

int gx_apikey_list(struct gx_ctx *ctx, json_t **out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	json_t *items = json_array();
	rc = gx_conn_prepare(c, "SELECT id, name, key_prefix, user_id, created_at, created_by, "
			     "expires_at, last_used_at, revoked_at FROM api_keys WHERE tenant_id = ? "
			     "ORDER BY id DESC LIMIT 1000", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		while ((rc = gx_stmt_step(st)) == GX_ROW)
			json_array_append_new(items, gx_entity_row_json(NULL, st));
		if (rc == GX_DONE)
			rc = 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
	return 0;
}

int gx_apikey_revoke(struct gx_ctx *ctx, int64_t id)
{
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	struct gx_stmt *st;
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_conn_prepare(c, "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? "
				     "AND revoked_at IS NULL", &st);
	if (!rc) {
		gx_stmt_bind_str(st, 1, now);
		gx_stmt_bind_int64(st, 2, ctx->tenant_id);
		gx_stmt_bind_int64(st, 3, id);
		rc = gx_stmt_step(st);
		if (!rc && gx_stmt_changes(st) != 1)
			rc = GX_ENOTFOUND;
		gx_stmt_reset(st);
	}
	if (!rc)
		rc = gx_audit_write(ctx, c, "revoke", "api_keys", id, NULL, NULL, NULL);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	gx_auth_invalidate();
	return rc;
}

int gx_auth_check_password(struct gx_ctx *ctx, const char *username, const char *password)
{
	struct gx_login in = {.username = username, .password = password, .ip = ctx->ip};
	if (throttled(&in, false))
		return GX_ETHROTTLED;
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	char hash[GX_PWHASH_LEN] = "";
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT password_hash FROM users WHERE tenant_id = ? AND id = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, ctx->user_id);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW)
			snprintf(hash, sizeof hash, "%s", gx_stmt_col_text(st, 0));
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc)
		return rc;
	if (!gx_password_verify(*hash ? hash : dummy_hash(), password)) {
		throttled(&in, true);
		return GX_EAUTH;
	}
	return 0;
}
