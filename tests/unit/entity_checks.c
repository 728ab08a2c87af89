/* entity_checks.c — the entity engine's checks shared by the SQLite and the
 * PostgreSQL unit tests (see entity_checks.h). */
#include "entity_checks.h"

#include "gx_test.h"

#include "core/err.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "store/store.h"

int64_t check_count_rows(struct gx_store *s, const char *sql)
{
	struct gx_conn *c;
	struct gx_stmt *st;
	gx_store_reader(s, &c);
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	int64_t n = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	gx_store_release(c);
	return n;
}

/* Creates the team in (taken) and returns it as stored. */
static json_t *create_team(struct gx_ctx *ctx, json_t *in)
{
	json_t *out = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_create(ctx, &gx_teams_entity, in, &out, &errs), 0);
	json_decref(in);
	return out;
}

static json_t *team(struct gx_ctx *ctx, const char *name)
{
	return create_team(ctx, json_pack("{s:s}", "name", name));
}

void check_entity_lifecycle(struct gx_store *s)
{
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid, .user_id = 1};
	json_t *t = team(&ctx, "华东销售部");
	int64_t id = json_integer_value(json_object_get(t, "id"));
	ASSERT_EQ_INT(json_integer_value(json_object_get(t, "version")), 1);

	/* a unique name clashes, and the error names the field */
	json_t *dup = json_pack("{s:s}", "name", "华东销售部"), *out = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_teams_entity, dup, &out, &errs), GX_ECONFLICT);
	char *why = json_dumps(errs.list, 0);
	ASSERT_TRUE(why && strstr(why, "\"field\": \"name\"") != NULL);
	free(why);
	json_decref(errs.list);
	errs.list = NULL;

	json_t *patch = json_pack("{s:s}", "description", "上海'; DROP TABLE teams;-- ?");
	ASSERT_EQ_INT(gx_entity_update(&ctx, &gx_teams_entity, id, 1, patch, &out, &errs), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "version")), 2);
	ASSERT_EQ_STR(json_string_value(json_object_get(out, "description")), "上海'; DROP TABLE teams;-- ?");
	json_decref(out);
	/* the same stale version again: refused, nothing written */
	ASSERT_EQ_INT(gx_entity_update(&ctx, &gx_teams_entity, id, 1, patch, &out, &errs), GX_ESTALE);
	json_decref(patch);

	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_teams_entity, id, 1, NULL), GX_ESTALE);
	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_teams_entity, id, 2, NULL), 0);
	ASSERT_EQ_INT(gx_entity_get(&ctx, &gx_teams_entity, id, false, &out), GX_ENOTFOUND);
	/* the name is free again while the team is deleted (partial index) */
	json_t *t2 = team(&ctx, "华东销售部");
	ASSERT_EQ_INT(gx_entity_restore(&ctx, &gx_teams_entity, id, &out, NULL), GX_ECONFLICT);
	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_teams_entity,
				       json_integer_value(json_object_get(t2, "id")), -1, NULL), 0);
	ASSERT_EQ_INT(gx_entity_restore(&ctx, &gx_teams_entity, id, &out, NULL), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "version")), 4);
	json_decref(out);

	ASSERT_EQ_INT(gx_entity_history(&ctx, &gx_teams_entity, id, 0, 50, &out), 0);
	/* description (update), deleted_at twice; the creation is in the audit */
	ASSERT_EQ_INT(json_array_size(json_object_get(out, "items")), 3);
	json_decref(out);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM audit_log WHERE action IN "
					  "('create','update','delete','restore')"), 6);

	/* users: a unique user name per tenant, references checked */
	json_t *u = json_pack("{s:s, s:s, s:s, s:s, s:I}", "username", "zhangsan", "display_name", "张三",
			      "role", "sales", "password", "pw-zhangsan-1", "team_id", (json_int_t)id);
	ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_users_entity, u, &out, &errs), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(out, "team_id")), id);
	ASSERT_TRUE(json_object_get(out, "password_hash") == NULL);
	json_decref(out);
	ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_users_entity, u, &out, &errs), GX_ECONFLICT);
	json_decref(errs.list);
	errs.list = NULL;
	json_decref(u);
	int64_t uid = 0;
	ASSERT_EQ_INT(gx_user_find(&ctx, "zhangsan", &uid), 0);
	ASSERT_TRUE(uid > 0);

	/* another tenant sees nothing */
	struct gx_ctx other = ctx;
	other.tenant_id = tid + 1;
	ASSERT_EQ_INT(gx_entity_get(&other, &gx_teams_entity, id, true, &out), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_delete(&other, &gx_teams_entity, id, -1, NULL), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_user_find(&other, "zhangsan", &uid), GX_ENOTFOUND);
	json_decref(t);
	json_decref(t2);
	json_decref(dup);
	gx_arena_free(&a);
}

/* Walks every page of the teams sorted by sort, 7 a page: each of the 53
 * rows once, the total on every page, names in byte order when sorted by
 * name (the PostgreSQL test cluster is C.UTF-8, as SQLite compares). */
static void walk_sort(struct gx_ctx *ctx, const char *sort)
{
	struct gx_list_query q;
	gx_list_init(&gx_teams_entity, &q);
	ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, "sort", sort, NULL), 0);
	ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, "limit", "7", NULL), 0);
	ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, "count", "true", NULL), 0);
	int order = !strcmp(sort, "name") ? 1 : !strcmp(sort, "-name") ? -1 : 0;
	int seen = 0;
	json_t *all = json_object();
	const char *prev = NULL;
	for (int page = 0; page < 20; page++) {
		json_t *out;
		ASSERT_EQ_INT(gx_entity_list(ctx, &gx_teams_entity, &q, &out), 0);
		ASSERT_EQ_INT(json_integer_value(json_object_get(out, "total")), 53);
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(out, "items"), i, it) {
			const char *nm = json_string_value(json_object_get(it, "name"));
			ASSERT_TRUE(json_object_get(all, nm) == NULL);
			json_object_set_new(all, nm, json_true());
			if (order && prev)
				ASSERT_TRUE(order > 0 ? strcmp(prev, nm) < 0 : strcmp(prev, nm) > 0);
			prev = gx_arena_strdup(ctx->arena, nm);
			seen++;
		}
		const char *next = json_string_value(json_object_get(out, "next_cursor"));
		if (!next) {
			json_decref(out);
			break;
		}
		ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, "cursor",
					    gx_arena_strdup(ctx->arena, next), NULL), 0);
		json_decref(out);
	}
	ASSERT_EQ_INT(seen, 53);
	json_decref(all);
}

/* How many teams the list finds with the parameters given in pairs. */
static int64_t list_total(struct gx_ctx *ctx, const char *const *params, int n)
{
	struct gx_list_query q;
	gx_list_init(&gx_teams_entity, &q);
	for (int i = 0; i + 1 < n; i += 2)
		ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, params[i], params[i + 1], NULL), 0);
	ASSERT_EQ_INT(gx_list_param(ctx, &gx_teams_entity, &q, "count", "true", NULL), 0);
	json_t *out;
	ASSERT_EQ_INT(gx_entity_list(ctx, &gx_teams_entity, &q, &out), 0);
	int64_t total = json_integer_value(json_object_get(out, "total"));
	json_decref(out);
	return total;
}

void check_entity_keyset(struct gx_store *s)
{
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	for (int i = 0; i < 53; i++) {
		char name[32];
		/* mixed case, CJK and NULL descriptions exercise the sort order */
		snprintf(name, sizeof name, i % 4 == 0 ? "Team %02d" : i % 4 == 1 ? "team %02d" :
			 i % 4 == 2 ? "团队 %02d" : "_x%02d", i % 10 == 0 ? 199 - i : i);
		json_decref(i % 3 ? create_team(&ctx, json_pack("{s:s, s:s}", "name", name, "description",
								   i % 2 ? "d" : "D"))
				  : team(&ctx, name));
	}
	const char *sorts[] = {"name", "-name", "id", "-id", "created_at", "-updated_at"};
	for (size_t k = 0; k < sizeof sorts / sizeof sorts[0]; k++)
		walk_sort(&ctx, sorts[k]);

	/* search (CJK; '_' is no wildcard) and a filter beside it */
	const char *cjk[] = {"q", "团队"};
	ASSERT_EQ_INT(list_total(&ctx, cjk, 2), 13);
	const char *under[] = {"q", "_X", "filter[id][gt]", "0"};
	ASSERT_EQ_INT(list_total(&ctx, under, 4), 13);

	/* parameters refused by name, not passed to SQL */
	struct gx_list_query q;
	gx_list_init(&gx_teams_entity, &q);
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "filter[password_hash]", "x", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "sort", "name; DROP", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "cursor", "!!!", &errs), GX_EINVAL);
	ASSERT_EQ_INT(gx_list_param(&ctx, &gx_teams_entity, &q, "limit", "201", &errs), GX_EINVAL);
	json_decref(errs.list);
	gx_arena_free(&a);
}
