/* test_entity.c — the entity engine against a real SQLite database:
 * validation, create/update/delete/restore, optimistic concurrency, history,
 * audit, lists with keyset pagination, tenant scoping. */
#include "gx_test.h"

#include "core/err.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "store/migrations.h"
#include "store/store.h"

static struct gx_store *open_db(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/t.db", gx_test_tmpdir());
	struct gx_store_opts o = {.readers = 2, .busy_timeout_ms = 1000, .create = 1};
	struct gx_store *s;
	ASSERT_EQ_INT(gx_store_open(path, &o, &s), 0);
	int applied;
	ASSERT_EQ_INT(gx_migrate(s, path, &applied), 0);
	ASSERT_TRUE(applied >= 1);
	return s;
}

static json_t *team(struct gx_ctx *ctx, const char *name)
{
	json_t *in = json_pack("{s:s}", "name", name), *out = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_create(ctx, &gx_teams_entity, in, &out, &errs), 0);
	json_decref(in);
	return out;
}

static int count_rows(struct gx_store *s, const char *sql)
{
	struct gx_conn *c;
	struct gx_stmt *st;
	gx_store_reader(s, &c);
	gx_conn_prepare(c, sql, &st);
	int n = gx_stmt_step(st) == GX_ROW ? (int)gx_stmt_col_int64(st, 0) : -1;
	gx_stmt_reset(st);
	gx_store_release(c);
	return n;
}

GX_TEST(entity_validation_names_each_bad_field)
{
	json_error_t e;
	json_t *in = json_loads("{\"username\": 5, \"display_name\": \"\", \"role\": \"boss\", "
				"\"email\": \"not-an-email\", \"bogus\": 1, \"id\": 7}", 0, &e);
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_validate(&gx_users_entity, in, true, &errs), GX_EINVAL);
	char *text = json_dumps(errs.list, 0);
	ASSERT_TRUE(strstr(text, "\"field\": \"username\", \"code\": \"type\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"field\": \"display_name\", \"code\": \"required\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"field\": \"role\", \"code\": \"invalid_option\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"field\": \"email\", \"code\": \"invalid_format\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"field\": \"bogus\", \"code\": \"unknown_field\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"field\": \"id\", \"code\": \"read_only\"") != NULL);
	ASSERT_TRUE(strstr(text, "password_hash") == NULL);
	free(text);
	json_decref(errs.list);
	json_decref(in);
}

GX_TEST(entity_create_update_stale_delete_restore_history)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid, .user_id = 1};
	json_t *t = team(&ctx, "华东销售部");
	int64_t id = json_integer_value(json_object_get(t, "id"));
	ASSERT_EQ_INT(json_integer_value(json_object_get(t, "version")), 1);

	/* a unique name clashes */
	json_t *dup = json_pack("{s:s}", "name", "华东销售部"), *out = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_teams_entity, dup, &out, &errs), GX_ECONFLICT);
	json_decref(errs.list);
	errs.list = NULL;

	json_t *patch = json_pack("{s:s}", "description", "上海'; DROP TABLE teams;--");
	ASSERT_EQ_INT(gx_entity_update(&ctx, &gx_teams_entity, id, 1, patch, &out, &errs), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "version")), 2);
	ASSERT_EQ_STR(json_string_value(json_object_get(out, "description")), "上海'; DROP TABLE teams;--");
	json_decref(out);
	/* the same stale version again: refused, nothing written */
	ASSERT_EQ_INT(gx_entity_update(&ctx, &gx_teams_entity, id, 1, patch, &out, &errs), GX_ESTALE);
	json_decref(patch);

	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_teams_entity, id, 1, NULL), GX_ESTALE);
	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_teams_entity, id, 2, NULL), 0);
	ASSERT_EQ_INT(gx_entity_get(&ctx, &gx_teams_entity, id, false, &out), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_restore(&ctx, &gx_teams_entity, id, &out, NULL), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "version")), 4);
	json_decref(out);

	ASSERT_EQ_INT(gx_entity_history(&ctx, &gx_teams_entity, id, 0, 50, &out), 0);
	/* description (update), deleted_at twice; the creation is in the audit */
	ASSERT_EQ_INT(json_array_size(json_object_get(out, "items")), 3);
	json_decref(out);
	ASSERT_EQ_INT(count_rows(s, "SELECT count(*) FROM audit_log WHERE action IN ('create','update','delete','restore')"), 4);

	/* another tenant sees nothing */
	struct gx_ctx other = ctx;
	other.tenant_id = tid + 1;
	ASSERT_EQ_INT(gx_entity_get(&other, &gx_teams_entity, id, true, &out), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_delete(&other, &gx_teams_entity, id, -1, NULL), GX_ENOTFOUND);
	json_decref(t);
	json_decref(dup);
	gx_arena_free(&a);
	gx_store_close(s);
}

GX_TEST(entity_list_keyset_walks_every_row_once)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	for (int i = 0; i < 53; i++) {
		char name[32];
		snprintf(name, sizeof name, "team %02d", i % 10 == 0 ? 199 - i : i);
		json_t *in = i % 3 ? json_pack("{s:s, s:s}", "name", name, "description", "d")
				   : json_pack("{s:s}", "name", name);
		json_t *out;
		struct gx_errors errs = {0};
		ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_teams_entity, in, &out, &errs), 0);
		json_decref(in);
		json_decref(out);
	}
	const char *sorts[] = {"name", "-name", "id", "-id", "created_at"};
	for (int k = 0; k < 5; k++) {
		struct gx_list_query q;
		gx_list_init(&gx_teams_entity, &q);
		ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "sort", sorts[k], NULL), 0);
		ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "limit", "7", NULL), 0);
		int seen = 0;
		json_t *all = json_object();
		for (int page = 0; page < 20; page++) {
			json_t *out;
			ASSERT_EQ_INT(gx_entity_list(&ctx, &gx_teams_entity, &q, &out), 0);
			size_t i;
			json_t *it;
			json_array_foreach(json_object_get(out, "items"), i, it) {
				const char *nm = json_string_value(json_object_get(it, "name"));
				ASSERT_TRUE(json_object_get(all, nm) == NULL);
				json_object_set_new(all, nm, json_true());
				seen++;
			}
			const char *next = json_string_value(json_object_get(out, "next_cursor"));
			if (!next) {
				json_decref(out);
				break;
			}
			ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "cursor", gx_arena_strdup(&a, next), NULL), 0);
			json_decref(out);
		}
		ASSERT_EQ_INT(seen, 53);
		json_decref(all);
	}
	struct gx_list_query q;
	gx_list_init(&gx_teams_entity, &q);
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "filter[password_hash]", "x", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "sort", "name; DROP", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "cursor", "!!!", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "limit", "201", &errs), GX_EINVAL);
	json_decref(errs.list);
	gx_arena_free(&a);
	gx_store_close(s);
}

GX_TEST(store_backup_restore_round_trip)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "one", "One", NULL, NULL, NULL, &tid), 0);
	char bak[300];
	snprintf(bak, sizeof bak, "%s/backup.db", gx_test_tmpdir());
	ASSERT_EQ_INT(gx_store_backup(s, bak), 0);
	ASSERT_EQ_INT(gx_tenant_create(s, "two", "Two", NULL, NULL, NULL, NULL), 0);
	ASSERT_EQ_INT(count_rows(s, "SELECT count(*) FROM tenants"), 2);
	ASSERT_EQ_INT(gx_store_restore(s, bak), 0);
	ASSERT_EQ_INT(count_rows(s, "SELECT count(*) FROM tenants"), 1);
	char junk[300];
	snprintf(junk, sizeof junk, "%s/junk.db", gx_test_tmpdir());
	FILE *f = fopen(junk, "w");
	fprintf(f, "this is not a database");
	fclose(f);
	ASSERT_TRUE(gx_store_restore(s, junk) != 0);
	ASSERT_EQ_INT(count_rows(s, "SELECT count(*) FROM tenants"), 1);
	char msg[100];
	ASSERT_EQ_INT(gx_store_check(s, msg, sizeof msg), 0);
	ASSERT_EQ_STR(msg, "ok");
	gx_store_close(s);
}
