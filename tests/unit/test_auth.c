/* test_auth.c — the authenticated-token cache of crm/auth.c: a cached answer
 * is the database's, a token that differs from a cached one is looked up
 * (and refused), and gx_auth_invalidate ends the cached answers of every
 * thread at once. */
#include "gx_test.h"
#include "fixtures.h"

#include "core/err.h"
#include "crm/auth.h"
#include "crm/user.h"
#include "store/migrations.h"
#include "store/store.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>

static struct gx_store *open_db(void)
{
	return gx_test_open_db("t.db");
}

static void exec_sql(struct gx_store *s, const char *sql)
{
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_writer(s, &c), 0);
	int rc = gx_conn_exec(c, sql);
	gx_store_release(c);
	ASSERT_EQ_INT(rc, 0);
}

/* A tenant, a user (id 5, sales) and a session whose token is written to
 * token (as gx_auth_login makes them: "<tenant>.<secret>", stored hashed). */
static void add_session(struct gx_store *s, char *token, size_t cap)
{
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	snprintf(token, cap, "%lld.cache-test-secret-0123456789abcdef", (long long)tid);
	unsigned char h[32];
	char hex[65], sql[600];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(sql, sizeof sql,
		 "INSERT INTO users (tenant_id, id, username, display_name, role, password_hash, created_at, "
		 "updated_at) VALUES (%lld, 5, 'ann', 'Ann', 'sales', 'x', '2026-01-01T00:00:00.000Z', "
		 "'2026-01-01T00:00:00.000Z'); "
		 "INSERT INTO sessions (tenant_id, id, user_id, token_hash, csrf_token, created_at, expires_at) "
		 "VALUES (%lld, 7, 5, '%s', 'csrf-abc', '2026-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z')",
		 (long long)tid, (long long)tid, hex);
	exec_sql(s, sql);
}

GX_TEST(auth_cache_answers_as_the_database_and_refuses_a_near_token)
{
	struct gx_store *s = open_db();
	char token[120];
	add_session(s, token, sizeof token);
	struct gx_principal p;
	for (int i = 0; i < 3; i++) { /* the first from the database, then cached */
		ASSERT_EQ_INT(gx_auth_lookup(s, token, &p), 0);
		ASSERT_EQ_INT(p.user_id, 5);
		ASSERT_EQ_STR(p.role, "sales");
		ASSERT_EQ_STR(p.csrf, "csrf-abc");
		ASSERT_TRUE(!p.api_key);
	}
	/* the same tenant prefix and length, one character off */
	char near[120];
	snprintf(near, sizeof near, "%s", token);
	near[strlen(near) - 1] ^= 1;
	ASSERT_EQ_INT(gx_auth_lookup(s, near, &p), GX_EAUTH);
	ASSERT_EQ_INT(p.user_id, 0);
	ASSERT_EQ_INT(gx_auth_lookup(s, token, &p), 0);
	gx_store_close(s);
}

/* A second thread with a cache of its own, driven step by step. */
struct other {
	struct gx_store *s;
	const char *token;
	sem_t go, done;
	int rc, steps;
};

static void *other_main(void *arg)
{
	struct other *o = arg;
	for (int i = 0; i < o->steps; i++) {
		sem_wait(&o->go);
		struct gx_principal p;
		o->rc = gx_auth_lookup(o->s, o->token, &p);
		sem_post(&o->done);
	}
	return NULL;
}

static int other_lookup(struct other *o)
{
	sem_post(&o->go);
	sem_wait(&o->done);
	return o->rc;
}

GX_TEST(auth_cache_invalidate_ends_every_threads_answers)
{
	struct gx_store *s = open_db();
	char token[120];
	add_session(s, token, sizeof token);
	struct other o = {.s = s, .token = token, .steps = 3};
	sem_init(&o.go, 0, 0);
	sem_init(&o.done, 0, 0);
	pthread_t t;
	ASSERT_EQ_INT(pthread_create(&t, NULL, other_main, &o), 0);
	struct gx_principal p;
	ASSERT_EQ_INT(gx_auth_lookup(s, token, &p), 0);
	ASSERT_EQ_INT(other_lookup(&o), 0);
	/* revoked behind the cache's back (another process would do this):
	 * both threads keep their answer for up to GX_AUTH_CACHE_MS ... */
	exec_sql(s, "UPDATE sessions SET revoked_at = '2026-01-02T00:00:00.000Z'");
	ASSERT_EQ_INT(gx_auth_lookup(s, token, &p), 0);
	ASSERT_EQ_INT(other_lookup(&o), 0);
	/* ... unless this process says something changed: then neither does */
	gx_auth_invalidate();
	ASSERT_EQ_INT(gx_auth_lookup(s, token, &p), GX_EAUTH);
	ASSERT_EQ_INT(other_lookup(&o), GX_EAUTH);
	pthread_join(t, NULL);
	sem_destroy(&o.go);
	sem_destroy(&o.done);
	gx_store_close(s);
}
