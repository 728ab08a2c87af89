/* demo.c — `guanxi demo`: loads a realistic demo company (teams and staff
 * of a Chinese SME with offices on the mainland and in Taiwan). Later
 * modules add customers, activities and transactions here. */
#include "cli/cli.h"

#include "core/err.h"
#include "crm/user.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct demo_team {
	const char *name, *description;
};
static const struct demo_team teams[] = {
	{"华东销售部", "上海、杭州、苏州的渠道与大客户"},
	{"华南销售部", "广州、深圳的经销商与代理商"},
	{"台北業務部", "台灣地區的客戶與代理商"},
	{"客户服务部", "投诉、报修、安装与回访"},
	{"市场部", "活动、会员与营销"},
};

struct demo_user {
	const char *username, *name, *role, *email, *phone;
	int team; /* index into teams, -1 for none */
};
static const struct demo_user users[] = {
	{"wangfang", "王芳", "manager", "wangfang@example.cn", "13800138001", 0},
	{"lijun", "李军", "sales", "lijun@example.cn", "13800138002", 0},
	{"zhangwei", "张伟", "sales", "zhangwei@example.cn", "13800138003", 0},
	{"chenjing", "陈静", "manager", "chenjing@example.cn", "13900139001", 1},
	{"liuyang", "刘洋", "sales", "liuyang@example.cn", "13900139002", 1},
	{"huangmin", "黄敏", "sales", "huangmin@example.cn", "13900139003", 1},
	{"lin.zhiming", "林志明", "manager", "zhiming.lin@example.tw", "0912345678", 2},
	{"tsai.yating", "蔡雅婷", "sales", "yating.tsai@example.tw", "0922333444", 2},
	{"zhaolei", "赵磊", "service", "zhaolei@example.cn", "13700137001", 3},
	{"sunli", "孙丽", "service", "sunli@example.cn", "13700137002", 3},
	{"zhouqiang", "周强", "marketing", "zhouqiang@example.cn", "13600136001", 4},
	{"auditor", "吴审计", "readonly", "audit@example.cn", NULL, -1},
};

int gx_cmd_demo(struct gx_cli *c)
{
	struct gx_store *s;
	int rc = gx_cli_open(c, false, &s);
	if (rc)
		return rc;
	long long tid;
	rc = gx_cli_tenant(c, s, &tid);
	if (rc) {
		gx_store_close(s);
		return rc;
	}
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid};
	int64_t team_ids[sizeof teams / sizeof teams[0]] = {0};
	int made_teams = 0, made_users = 0;
	for (size_t i = 0; !rc && i < sizeof teams / sizeof teams[0]; i++) {
		json_t *in = json_pack("{s:s, s:s}", "name", teams[i].name, "description", teams[i].description);
		json_t *out = NULL;
		struct gx_errors errs = {0};
		int r = gx_entity_create(&ctx, &gx_teams_entity, in, &out, &errs);
		if (r == 0) {
			team_ids[i] = json_integer_value(json_object_get(out, "id"));
			made_teams++;
		} else if (r != GX_ECONFLICT) {
			rc = r;
		}
		json_decref(errs.list);
		json_decref(in);
		json_decref(out);
	}
	printf("%-14s %-8s %-10s %s\n", "USERNAME", "NAME", "ROLE", "PASSWORD (shown once)");
	for (size_t i = 0; !rc && i < sizeof users / sizeof users[0]; i++) {
		const struct demo_user *u = &users[i];
		char pw[17];
		static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
		for (int k = 0; k < 16; k++)
			pw[k] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
		pw[16] = '\0';
		json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "username", u->username, "display_name",
				       u->name, "role", u->role, "email", u->email, "password", pw, "locale",
				       u->team == 2 ? "zh-TW" : "zh-CN");
		if (u->phone)
			json_object_set_new(in, "phone", json_string(u->phone));
		if (u->team >= 0 && team_ids[u->team])
			json_object_set_new(in, "team_id", json_integer(team_ids[u->team]));
		json_t *out = NULL;
		struct gx_errors errs = {0};
		int r = gx_entity_create(&ctx, &gx_users_entity, in, &out, &errs);
		if (r == 0) {
			made_users++;
			printf("%-14s %-8s %-10s %s\n", u->username, u->name, u->role, pw);
		} else if (r != GX_ECONFLICT) {
			rc = r;
		}
		json_decref(errs.list);
		json_decref(in);
		json_decref(out);
	}
	gx_arena_free(&a);
	gx_store_close(s);
	if (!rc)
		printf("guanxi: demo company loaded: %d teams, %d users\n", made_teams, made_users);
	return rc;
}
