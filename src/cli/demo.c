/* demo.c — `guanxi demo`: loads a realistic demo company (teams and staff
 * of a Chinese SME with offices on the mainland and in Taiwan). Later
 * modules add customers, activities and transactions here. */
#include "cli/cli.h"
#include "analytics/analytics.h"

#include "core/err.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/customer.h"
#include "crm/transaction.h"
#include "crm/user.h"
#include "store/store.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- customers, contacts, teams and a year of interactions ---------------------- */

static const char *const cities[][2] = {
	{"上海", "上海"}, {"杭州", "浙江"}, {"苏州", "江苏"}, {"南京", "江苏"}, {"广州", "广东"}, {"深圳", "广东"},
	{"东莞", "广东"}, {"北京", "北京"}, {"成都", "四川"}, {"重庆", "重庆"}, {"武汉", "湖北"}, {"台北", "台灣"},
	{"新竹", "台灣"}, {"台中", "台灣"}, {"厦门", "福建"}, {"长沙", "湖南"},
};
static const char *const trade[] = {"华联", "恒通", "鑫源", "永安", "长城", "东方", "金泰", "宏达", "瑞丰", "中兴",
				    "新世纪", "百盛", "银河", "晨光", "天虹", "乐天", "汇丰", "德昌", "行健", "朝阳"};
static const char *const business[][2] = {
	{"电子科技有限公司", "电子"}, {"机械设备有限公司", "机械"}, {"贸易有限公司", "批发零售"},
	{"医药有限公司", "医药"}, {"食品有限公司", "食品"}, {"建材有限公司", "建材"}, {"百货有限公司", "零售"},
	{"物流有限公司", "物流"}, {"置业有限公司", "房地产"}, {"軟體股份有限公司", "軟體"},
};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
				       "马", "朱", "胡", "郭", "何", "林", "罗", "高", "单", "曾", "解", "仇"};
static const char *const given[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
				    "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "志明", "雅婷"};
static const char *const english[] = {"Acme Trading Ltd", "Blue Harbor Imports", "Northwind Foods",
				      "Pacific Rim Electronics", "Golden Gate Logistics", "Evergreen Pharma",
				      "Summit Machinery", "Silverline Retail", "Orchid Software", "Redwood Materials"};
static const char *const titles[] = {"总经理", "采购经理", "财务总监", "技术主管", "行政专员", "董事长", "業務經理"};
static const char *const types[] = {"end_customer", "end_customer", "end_customer", "distributor", "dealer",
				    "wholesaler", "agent"};
static const char *const statuses[] = {"lead", "prospect", "customer", "customer", "customer", "former"};
static const char *const subjects[][2] = {
	{"visit", "上门拜访，了解新项目需求"}, {"phone", "电话回访，确认交货时间"}, {"email", "发送报价单"},
	{"sms", "节日问候短信"}, {"video", "视频会议：年度合作回顾"}, {"service_centre", "客服中心受理报修"},
	{"web", "官网留言咨询产品"}, {"chat", "微信沟通付款事宜"}, {"fax", "传真确认订单"}, {"phone", "催收货款"},
};
static const char *const outcomes[] = {"有兴趣，待报价", "已下单", "需再跟进", "暂无需求", "已解决", "投诉已受理"};

/* What an interaction costs the company (CNY minor units), for the cost to
 * serve: a visit is travel plus the rep's time, a call or a video meeting
 * the time, a message almost nothing. */
static int64_t demo_activity_cost(const char *channel, int minutes)
{
	if (!strcmp(channel, "visit"))
		return 30000 + (int64_t)minutes * 150;
	if (!strcmp(channel, "service_centre"))
		return 8000 + (int64_t)minutes * 100;
	if (!strcmp(channel, "phone") || !strcmp(channel, "video"))
		return (int64_t)minutes * 100;
	return 200;
}

/* A small deterministic generator so every demo company looks the same. */
static uint32_t demo_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}
#define PICK(arr, s) (arr[demo_rand(s) % (sizeof arr / sizeof arr[0])])

static int demo_customers(struct gx_ctx *ctx, struct gx_store *s, const int64_t *staff, int nstaff, int count,
			  bool light, int *made_customers, int *made_contacts, int *made_activities)
{
	uint32_t seed = 20261124u;
	struct gx_conn *c;
	gx_store_writer(s, &c);
	int rc = gx_conn_begin(c);
	int64_t now = gx_now_ms();
	for (int i = 0; !rc && i < count; i++) {
		/* a transaction per 1000 customers keeps the WAL small on big runs */
		if (i && i % 1000 == 0) {
			rc = gx_conn_commit(c);
			if (!rc)
				rc = gx_conn_begin(c);
			if (rc)
				break;
			if (count >= 100000 && i % 100000 == 0)
				fprintf(stderr, "guanxi demo: %d customers\n", i);
		}
		char name[160], phone[32], email[96];
		bool person = i % 5 == 4, latin = i % 17 == 16;
		const char *const *city = cities[demo_rand(&seed) % (sizeof cities / sizeof cities[0])];
		const char *const *biz = business[demo_rand(&seed) % (sizeof business / sizeof business[0])];
		if (latin)
			snprintf(name, sizeof name, "%s %d", PICK(english, &seed), i);
		else if (person)
			snprintf(name, sizeof name, "%s%s", PICK(surnames, &seed), PICK(given, &seed));
		else
			snprintf(name, sizeof name, "%s%s%s", city[0], PICK(trade, &seed), biz[0]);
		snprintf(phone, sizeof phone, "13%09u", 100000000u + (unsigned)i * 7919u % 899999999u);
		snprintf(email, sizeof email, "contact%d@demo-%d.example.cn", i, i);
		json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "kind",
				       person ? "person" : "organisation", "type", PICK(types, &seed), "status",
				       PICK(statuses, &seed), "mobile", phone, "email", email, "city", city[0],
				       "province", city[1]);
		if (!person) {
			json_object_set_new(in, "industry", json_string(biz[1]));
			json_object_set_new(in, "credit_limit", json_integer((json_int_t)(demo_rand(&seed) % 50 + 1) * 1000000));
			json_object_set_new(in, "payment_terms", json_string(i % 3 ? "月结30天" : "货到付款"));
			json_object_set_new(in, "currency", json_string(strcmp(city[1], "台灣") == 0 ? "TWD" : "CNY"));
		}
		/* most customers have an owner; about one in six waits in the pool */
		if (i % 6 != 0 && nstaff)
			json_object_set_new(in, "owner_id", json_integer(staff[demo_rand(&seed) % (unsigned)nstaff]));
		json_t *cust = NULL;
		struct gx_errors errs = {0};
		rc = gx_entity_create_conn(ctx, c, &gx_customers_entity, in, &cust, &errs);
		json_t *in_owner = in; /* read below for the owner, freed at the end of the loop */
		json_decref(errs.list);
		if (rc) {
			json_decref(in_owner);
			break;
		}
		(*made_customers)++;
		int64_t cid = json_integer_value(json_object_get(cust, "id"));
		json_decref(cust);
		/* a broader team for some: the relationship breadth of seed 000 */
		int extra = i % 6 == 0 || light ? 0 : (int)(demo_rand(&seed) % 4);
		int64_t members[8] = {0};
		int nmembers = 0;
		for (int k = 0; !rc && k < extra && nstaff; k++) {
			int64_t who = staff[demo_rand(&seed) % (unsigned)nstaff];
			/* the owner or someone already on the team: skip (a failed insert
			 * would abort the whole transaction on PostgreSQL) */
			bool taken = json_is_integer(json_object_get(in_owner, "owner_id")) &&
				     json_integer_value(json_object_get(in_owner, "owner_id")) == who;
			for (int m = 0; m < nmembers; m++)
				taken = taken || members[m] == who;
			if (taken)
				continue;
			members[nmembers++] = who;
			json_t *rin = json_pack("{s:I, s:I, s:s}", "customer_id", (json_int_t)cid, "user_id",
						(json_int_t)who, "role", k % 2 ? "service" : "sales");
			json_t *rel = NULL;
			int r = gx_entity_create_conn(ctx, c, &gx_relationships_entity, rin, &rel, &errs);
			json_decref(errs.list);
			errs.list = NULL;
			json_decref(rin);
			json_decref(rel);
			if (r)
				rc = r;
		}
		int ncontacts = person || light ? 0 : 1 + (int)(demo_rand(&seed) % 3);
		int64_t first_contact = 0;
		for (int k = 0; !rc && k < ncontacts; k++) {
			char cname[32], cphone[32], bday[16];
			snprintf(cname, sizeof cname, "%s%s", PICK(surnames, &seed), PICK(given, &seed));
			snprintf(cphone, sizeof cphone, "139%08u", (unsigned)(i * 10 + k) * 104729u % 99999999u);
			snprintf(bday, sizeof bday, "19%02u-%02u-%02u", 60 + demo_rand(&seed) % 40, 1 + demo_rand(&seed) % 12,
				 1 + demo_rand(&seed) % 28);
			json_t *cin = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "customer_id", (json_int_t)cid, "name", cname,
						"title", PICK(titles, &seed), "mobile", cphone, "birthday", bday, "is_primary", k == 0);
			json_t *contact = NULL;
			rc = gx_entity_create_conn(ctx, c, &gx_contacts_entity, cin, &contact, &errs);
			json_decref(cin);
			json_decref(errs.list);
			errs.list = NULL;
			if (!rc && k == 0)
				first_contact = json_integer_value(json_object_get(contact, "id"));
			json_decref(contact);
			if (!rc)
				(*made_contacts)++;
		}
		json_decref(in_owner);
		int nact = light ? 0 : (int)(demo_rand(&seed) % 12);
		for (int k = 0; !rc && k < nact; k++) {
			const char *const *subj = subjects[demo_rand(&seed) % (sizeof subjects / sizeof subjects[0])];
			char when[40];
			gx_time_iso(now - (int64_t)(demo_rand(&seed) % 365) * 86400000LL - (int64_t)(demo_rand(&seed) % 86400) * 1000,
				    when, sizeof when);
			json_t *ain = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s}", "customer_id", (json_int_t)cid, "channel",
						subj[0], "subject", subj[1], "outcome", PICK(outcomes, &seed), "occurred_at", when,
						"duration_min", (int)(demo_rand(&seed) % 90) + 5, "direction",
						demo_rand(&seed) % 3 ? "outbound" : "inbound");
			json_object_set_new(ain, "cost", json_integer(demo_activity_cost(
				subj[0], (int)json_integer_value(json_object_get(ain, "duration_min")))));
			if (first_contact)
				json_object_set_new(ain, "contact_id", json_integer(first_contact));
			if (nstaff)
				json_object_set_new(ain, "user_id", json_integer(staff[demo_rand(&seed) % (unsigned)nstaff]));
			json_t *act = NULL;
			rc = gx_entity_create_conn(ctx, c, &gx_activities_entity, ain, &act, &errs);
			json_decref(ain);
			json_decref(errs.list);
			errs.list = NULL;
			json_decref(act);
			if (!rc)
				(*made_activities)++;
		}
	}
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	return rc;
}

/* ---- two years of purchases for the analytics ------------------------------------------------ */

struct demo_product {
	const char *name, *category;
	int price; /* CNY minor units */
	int bundle;
};
static const struct demo_product catalogue[] = {
	{"工业传感器 S1", "传感器", 128000, 0}, {"工业网关 G2", "通信", 150000, 0}, {"线缆套件", "备件", 12000, 0},
	{"伺服电机 M3", "电机", 320000, 1},   {"变频器 V5", "电机", 410000, 1},  {"备件包 A", "备件", 45000, 1},
	{"PLC 控制器 P200", "控制器", 560000, 2}, {"触摸屏 HMI-7", "人机界面", 260000, 2},
	{"安装调试服务", "服务", 80000, 2},    {"年度维保合同", "服务", 300000, 3},
};
#define NCATALOGUE (sizeof catalogue / sizeof catalogue[0])

/* Each customer buys at its own rate from its favourite bundle (so that
 * co-purchases mean something); some stop buying, some slow down lately. */
static int demo_align_status(struct gx_ctx *ctx, json_t *custs);

static int demo_transactions(struct gx_ctx *ctx, struct gx_store *s, int *made)
{
	struct gx_conn *c;
	int rc = gx_store_reader(s, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	json_t *custs = json_array();
	rc = gx_conn_prepare(c, "SELECT id, currency, status FROM customers WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY id",
			      &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		while (gx_stmt_step(st) == GX_ROW)
			json_array_append_new(custs, json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)gx_stmt_col_int64(st, 0),
							       "currency", gx_stmt_col_text(st, 1), "has",
							       gx_stmt_col_text(st, 2)));
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	uint32_t seed = 8080u;
	int64_t now = gx_now_ms(), day = 86400000LL;
	json_t *items = json_array();
	size_t i;
	json_t *cu;
	json_array_foreach(custs, i, cu) {
		if (rc)
			break;
		if (demo_rand(&seed) % 5 == 0) {
			json_object_set_new(cu, "status", json_string("prospect")); /* never bought */
			continue;
		}
		int64_t cid = json_integer_value(json_object_get(cu, "id"));
		bool twd = json_is_string(json_object_get(cu, "currency")) &&
			   strcmp(json_string_value(json_object_get(cu, "currency")), "TWD") == 0;
		int rate = 1 + (int)(demo_rand(&seed) % 10);           /* purchases per year */
		int start = 30 + (int)(demo_rand(&seed) % 700);        /* days ago of the first */
		/* a third stop buying (went to a competitor, closed), months ago */
		int stop = demo_rand(&seed) % 3 == 0 ? 90 + (int)(demo_rand(&seed) % 500) : 0; /* days ago it stopped */
		bool slowing = demo_rand(&seed) % 6 == 0;
		int bundle = (int)(demo_rand(&seed) % 4);
		int last = -1; /* days ago of the last purchase */
		for (int t = start, k = 0; t > stop && k < 60; k++) {
			last = t;
			int64_t at = now - (int64_t)t * day + (int64_t)(demo_rand(&seed) % 36000) * 1000;
			int items_now = 1 + (int)(demo_rand(&seed) % 2);
			for (int j = 0; j < items_now; j++) {
				const struct demo_product *p = &catalogue[demo_rand(&seed) % NCATALOGUE];
				if (demo_rand(&seed) % 4) /* mostly the favourite bundle */
					for (size_t q = demo_rand(&seed) % NCATALOGUE, n = 0; n < NCATALOGUE; n++, q = (q + 1) % NCATALOGUE)
						if (catalogue[q].bundle == bundle) {
							p = &catalogue[q];
							break;
						}
				int qty = 1 + (int)(demo_rand(&seed) % 3);
				int64_t amount = (int64_t)p->price * qty * (twd ? 4 : 1);
				char when[40], ref[48];
				gx_time_iso(at < now ? at : now - 60000, when, sizeof when);
				snprintf(ref, sizeof ref, "DEMO-%lld-%d-%d", (long long)cid, k, j);
				json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s}", "customer_id",
					(json_int_t)cid, "occurred_at", when, "amount", (json_int_t)amount, "cost",
					(json_int_t)(amount * (55 + demo_rand(&seed) % 25) / 100), "product", p->name, "category",
					p->category, "external_ref", ref, "quantity", (json_int_t)qty, "channel",
					demo_rand(&seed) % 3 ? "direct" : "distributor"));
			}
			/* purchases come as a Poisson process (exponential gaps),
			 * as in real data and in the BG/NBD model */
			double mean_gap = 365.0 / rate * (slowing && t < 120 ? 4 : 1);
			double u = ((double)(demo_rand(&seed) % 100000) + 1) / 100001.0;
			t -= 1 + (int)(-log(u) * mean_gap);
		}
		json_object_set_new(cu, "status",
				    json_string(last < 0 ? "prospect" : last >= 365 ? "former" : "customer"));
		if (json_array_size(items) >= GX_TX_BULK_MAX - 200 || i + 1 == json_array_size(custs)) {
			json_t *out = NULL, *errs = NULL;
			rc = gx_transactions_bulk(ctx, items, &out, &errs);
			*made += (int)json_integer_value(json_object_get(out, "created"));
			json_decref(out);
			json_decref(errs);
			json_array_clear(items);
		}
	}
	json_decref(items);
	if (!rc)
		rc = demo_align_status(ctx, custs);
	json_decref(custs);
	return rc;
}

/* The lifecycle status picked at random when the customers were made is
 * brought in line with the purchases just made (a "former customer" who bought
 * last month would puzzle whoever opens the demo): one who never bought is at
 * most a prospect, one whose last purchase is a year old or more is former,
 * the others are customers. Changed as a system change of the engine (history
 * and audit), 1000 customers a transaction. */
static int demo_align_status(struct gx_ctx *ctx, json_t *custs)
{
	struct gx_conn *c = NULL;
	int rc = 0, in_tx = 0;
	size_t i;
	json_t *cu;
	json_array_foreach(custs, i, cu) {
		const char *want = json_string_value(json_object_get(cu, "status"));
		const char *has = json_string_value(json_object_get(cu, "has"));
		if (!want || (has && (strcmp(has, want) == 0 ||
				      (strcmp(want, "prospect") == 0 && strcmp(has, "lead") == 0))))
			continue;
		if (!c) {
			gx_store_writer(ctx->store, &c);
			rc = gx_conn_begin(c);
			if (rc)
				break;
		}
		json_t *patch = json_pack("{s:s}", "status", want), *out = NULL;
		rc = gx_entity_update_conn(ctx, c, &gx_customers_entity, json_integer_value(json_object_get(cu, "id")),
					   patch, &out);
		json_decref(out);
		json_decref(patch);
		if (rc)
			break;
		if (++in_tx == 1000) {
			rc = gx_conn_commit(c);
			gx_store_release(c);
			c = NULL;
			in_tx = 0;
			if (rc)
				break;
		}
	}
	if (c) {
		if (!rc)
			rc = gx_conn_commit(c);
		gx_store_release(c); /* rolls back what was not committed */
	}
	return rc;
}

int gx_cmd_demo(struct gx_cli *c)
{
	struct gx_store *s;
	long long tid;
	int rc = gx_cli_open_tenant(c, &s, &tid);
	if (rc)
		return rc;
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
		char *pw = gx_cli_generate_password();
		if (!pw) {
			rc = GX_ENOMEM;
			break;
		}
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
			printf("%-14s ", u->username);
			gx_print_padded(stdout, u->name, 8);
			printf(" %-10s %s\n", u->role, pw);
		} else if (r != GX_ECONFLICT) {
			rc = r;
		}
		sodium_memzero(pw, strlen(pw));
		free(pw);
		json_decref(errs.list);
		json_decref(in);
		json_decref(out);
	}
	/* customers are served by the sales and service staff */
	int64_t staff[sizeof users / sizeof users[0]];
	int nstaff = 0;
	for (size_t i = 0; !rc && i < sizeof users / sizeof users[0]; i++) {
		int64_t uid;
		if (strcmp(users[i].role, "sales") && strcmp(users[i].role, "manager") && strcmp(users[i].role, "service"))
			continue;
		if (gx_user_find(&ctx, users[i].username, &uid) == 0)
			staff[nstaff++] = uid;
	}
	int made_customers = 0, made_contacts = 0, made_activities = 0;
	const char *count_s = gx_cli_opt(c, "customers");
	int count = count_s ? (int)strtol(count_s, NULL, 10) : 300;
	if (!rc && count > 0)
		rc = demo_customers(&ctx, s, staff, nstaff, count, gx_cli_opt(c, "light") != NULL, &made_customers,
				    &made_contacts, &made_activities);
	int made_transactions = 0;
	if (!rc && count > 0)
		rc = demo_transactions(&ctx, s, &made_transactions);
	/* the lifetime values on the first visit, not after the scheduler's
	 * first refit */
	json_t *fit = NULL;
	if (!rc && made_transactions > 0)
		rc = gx_analytics_refit(s, tid, 0, &fit);
	json_decref(fit);
	gx_arena_free(&a);
	gx_store_close(s);
	if (!rc)
		printf("guanxi: demo company loaded: %d teams, %d users, %d customers, %d contacts, %d activities, "
		       "%d transactions\n", made_teams, made_users, made_customers, made_contacts, made_activities,
		       made_transactions);
	else
		fprintf(stderr, "guanxi: loading the demo failed: %s\n", gx_strerror(rc));
	return rc;
}
