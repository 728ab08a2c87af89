/* test_entity.c — the entity engine against a real SQLite database:
 * validation, and the checks of entity_checks.c that test_pg.c runs on
 * PostgreSQL (create/update/delete/restore, optimistic concurrency, history,
 * audit, lists with keyset pagination, tenant scoping); backup and restore. */
#include "gx_test.h"
#include "fixtures.h"
#include "entity_checks.h"

#include "core/err.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "store/migrations.h"
#include "store/store.h"

static struct gx_store *open_db(void)
{
	return gx_test_open_db("t.db");
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

/* the checks themselves are in entity_checks.c, shared with test_pg.c */
GX_TEST(entity_create_update_stale_delete_restore_history)
{
	struct gx_store *s = open_db();
	check_entity_lifecycle(s);
	gx_store_close(s);
}

GX_TEST(entity_list_keyset_walks_every_row_once)
{
	struct gx_store *s = open_db();
	check_entity_keyset(s);
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
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM tenants"), 2);
	ASSERT_EQ_INT(gx_store_restore(s, bak), 0);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM tenants"), 1);
	char junk[300];
	snprintf(junk, sizeof junk, "%s/junk.db", gx_test_tmpdir());
	FILE *f = fopen(junk, "w");
	fprintf(f, "this is not a database");
	fclose(f);
	ASSERT_TRUE(gx_store_restore(s, junk) != 0);
	ASSERT_EQ_INT(check_count_rows(s, "SELECT count(*) FROM tenants"), 1);
	char msg[100];
	ASSERT_EQ_INT(gx_store_check(s, msg, sizeof msg), 0);
	ASSERT_EQ_STR(msg, "ok");
	gx_store_close(s);
}
