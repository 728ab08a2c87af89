/* customer.c — customers, contacts, relationships and activities on the
 * entity engine, with record visibility, search terms, duplicate keys and
 * customer codes. Pool, merge, team, timeline and handover are in
 * customer_ops.c. */
#include "crm/customer.h"

#include "analytics/stats.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "crm/tenant_settings.h"
#include "entity/custom.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"organisation", "person", NULL};
static const char *const types[] = {"end_customer", "distributor", "dealer", "wholesaler", "agent", "other", NULL};
static const char *const statuses[] = {"lead", "prospect", "customer", "former", NULL};
static const char *const channels[] = {"visit", "phone", "email", "sms", "fax", "video", "service_centre",
				       "web", "chat", "other", NULL};
static const char *const directions[] = {"inbound", "outbound", NULL};
static const char *const rel_roles[] = {"owner", "sales", "service", "technical", "manager", "executive", "other", NULL};

#define L(cn, tw, en) {cn, tw, en}
#define T(name, len, flags, cn, tw, en) {name, GX_F_TEXT, flags, len, 0, 0, NULL, NULL, L(cn, tw, en)}
#define FS (GX_FF_FILTER | GX_FF_SORT)

static const struct gx_field customer_fields[] = {
	{"code", GX_F_TEXT, GX_FF_UNIQUE | FS | GX_FF_SEARCH, 64, 0, 0, NULL, NULL, L("客户编号", "客戶編號", "Customer code")},
	{"kind", GX_F_ENUM, GX_FF_FILTER, 0, 0, 0, kinds, NULL, L("客户性质", "客戶性質", "Person or organisation")},
	{"name", GX_F_TEXT, GX_FF_REQUIRED | FS | GX_FF_SEARCH, 200, 0, 0, NULL, NULL, L("客户名称", "客戶名稱", "Name")},
	{"name_sort", GX_F_TEXT, GX_FF_HIDDEN, 600, 0, 0, NULL, NULL, L("", "", "")},
	/* built-in types plus the tenant's option list "customer_type" */
	{"type", GX_F_TEXT, FS, 60, 0, 0, NULL, NULL, L("客户类型", "客戶類型", "Customer type")},
	{"status", GX_F_ENUM, FS, 0, 0, 0, statuses, NULL, L("客户状态", "客戶狀態", "Status")},
	T("source", 100, GX_FF_FILTER, "来源", "來源", "Source"),
	T("industry", 100, GX_FF_FILTER, "行业", "行業", "Industry"),
	T("tags", 500, GX_FF_FILTER, "标签", "標籤", "Tags"),
	{"phone", GX_F_PHONE, GX_FF_FILTER | GX_FF_SEARCH, 40, 0, 0, NULL, NULL, L("电话", "電話", "Phone")},
	{"mobile", GX_F_PHONE, GX_FF_FILTER | GX_FF_SEARCH, 40, 0, 0, NULL, NULL, L("手机", "手機", "Mobile")},
	{"fax", GX_F_PHONE, 0, 40, 0, 0, NULL, NULL, L("传真", "傳真", "Fax")},
	{"email", GX_F_EMAIL, GX_FF_FILTER | GX_FF_SEARCH, 254, 0, 0, NULL, NULL, L("邮箱", "電子郵件", "Email")},
	T("website", 300, 0, "网站", "網站", "Website"),
	T("address", 500, 0, "地址", "地址", "Address"),
	T("city", 100, FS, "城市", "城市", "City"),
	T("province", 100, FS, "省份", "省份", "Province"),
	T("postcode", 20, GX_FF_FILTER, "邮编", "郵遞區號", "Postcode"),
	T("country", 100, GX_FF_FILTER, "国家/地区", "國家/地區", "Country"),
	T("delivery_address", 500, 0, "送货地址", "送貨地址", "Delivery address"),
	T("invoice_address", 500, 0, "发票地址", "發票地址", "Invoice address"),
	T("invoice_title", 200, 0, "发票抬头", "發票抬頭", "Invoice title"),
	{"currency", GX_F_TEXT, GX_FF_FILTER, 3, 0, 0, NULL, NULL, L("币种", "幣別", "Currency")},
	T("bank_name", 200, 0, "开户银行", "開戶銀行", "Bank"),
	T("bank_account", 100, 0, "银行账号", "銀行帳號", "Bank account"),
	T("discount_terms", 500, 0, "折扣条件", "折扣條件", "Discount terms"),
	T("payment_terms", 500, GX_FF_FILTER, "付款条件", "付款條件", "Payment terms"),
	T("tax_id", 64, GX_FF_FILTER, "税号", "統一編號", "Tax ID"),
	T("tax_rule", 200, 0, "税务规则", "稅務規則", "Tax rule"),
	{"credit_limit", GX_F_MONEY, FS, 0, 0, 9007199254740991LL, NULL, NULL, L("信用额度", "信用額度", "Credit limit")},
	T("sales_rep_code", 64, GX_FF_FILTER, "业务员代码", "業務員代碼", "Sales rep code"),
	T("commission_code", 64, GX_FF_FILTER, "佣金代码", "佣金代碼", "Commission code"),
	T("interests", 2000, 0, "兴趣", "興趣", "Interests"),
	T("hobbies", 2000, 0, "爱好", "嗜好", "Hobbies"),
	T("motives", 2000, 0, "动机", "動機", "Motives"),
	T("perceptions", 2000, 0, "认知", "認知", "Perceptions"),
	T("attitudes", 2000, 0, "态度", "態度", "Attitudes"),
	T("opinions", 2000, 0, "意见", "意見", "Opinions"),
	T("evaluation_of_us", 2000, 0, "对我方的评价", "對我方的評價", "Their evaluation of us"),
	T("contract_fulfilment", 2000, 0, "合同履约与问题", "合約履行與問題", "Contract fulfilment and problems"),
	T("competitor_dealings", 2000, 0, "与竞争对手的往来", "與競爭對手的往來", "Dealings with competitors"),
	T("demand_characteristics", 2000, 0, "需求特点", "需求特點", "Demand characteristics"),
	T("potential", 2000, 0, "潜力", "潛力", "Potential"),
	T("notes", 10000, 0, "备注", "備註", "Notes"),
	{"owner_id", GX_F_REF, GX_FF_VIRTUAL, 0, 0, 0, NULL, "users", L("负责人", "負責人", "Owner")},
	{"in_pool", GX_F_BOOL, GX_FF_READONLY | GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("在公海", "在公海", "In the pool")},
	{"pool_entered_at", GX_F_DATETIME, GX_FF_READONLY | GX_FF_SORT, 0, 0, 0, NULL, NULL, L("进入公海时间", "進入公海時間", "Entered the pool")},
	{"last_follow_up_at", GX_F_DATETIME, GX_FF_READONLY | FS, 0, 0, 0, NULL, NULL, L("最近跟进", "最近跟進", "Last follow-up")},
	{"merged_into", GX_F_REF, GX_FF_READONLY | GX_FF_FILTER, 0, 0, 0, NULL, "customers", L("合并至", "合併至", "Merged into")},
	{"name_key", GX_F_TEXT, GX_FF_HIDDEN, 600, 0, 0, NULL, NULL, L("", "", "")},
	{"phone_key", GX_F_TEXT, GX_FF_HIDDEN, 100, 0, 0, NULL, NULL, L("", "", "")},
	{"email_key", GX_F_TEXT, GX_FF_HIDDEN, 300, 0, 0, NULL, NULL, L("", "", "")},
};

static const struct gx_field contact_fields[] = {
	{"customer_id", GX_F_REF, GX_FF_REQUIRED | GX_FF_FILTER, 0, 0, 0, NULL, "customers", L("客户", "客戶", "Customer")},
	{"name", GX_F_TEXT, GX_FF_REQUIRED | FS | GX_FF_SEARCH, 100, 0, 0, NULL, NULL, L("姓名", "姓名", "Name")},
	T("title", 100, GX_FF_FILTER, "职务", "職稱", "Title"),
	T("department", 100, GX_FF_FILTER, "部门", "部門", "Department"),
	{"phone", GX_F_PHONE, GX_FF_FILTER | GX_FF_SEARCH, 40, 0, 0, NULL, NULL, L("电话", "電話", "Phone")},
	{"mobile", GX_F_PHONE, GX_FF_FILTER | GX_FF_SEARCH, 40, 0, 0, NULL, NULL, L("手机", "手機", "Mobile")},
	{"email", GX_F_EMAIL, GX_FF_FILTER | GX_FF_SEARCH, 254, 0, 0, NULL, NULL, L("邮箱", "電子郵件", "Email")},
	T("wechat", 100, GX_FF_FILTER, "微信", "微信", "WeChat"),
	{"birthday", GX_F_DATE, FS, 0, 0, 0, NULL, NULL, L("生日", "生日", "Birthday")},
	{"is_primary", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("主要联系人", "主要聯絡人", "Primary contact")},
	T("preferences", 2000, 0, "偏好", "偏好", "Preferences"),
	{"consent_email", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("同意邮件", "同意郵件", "Email consent")},
	{"consent_sms", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("同意短信", "同意簡訊", "SMS consent")},
	{"consent_phone", GX_F_BOOL, GX_FF_FILTER, 0, 0, 0, NULL, NULL, L("同意电话", "同意電話", "Phone consent")},
	T("notes", 5000, 0, "备注", "備註", "Notes"),
};

static const struct gx_field relationship_fields[] = {
	{"customer_id", GX_F_REF, GX_FF_REQUIRED | GX_FF_FILTER | GX_FF_CREATE_ONLY, 0, 0, 0, NULL, "customers", L("客户", "客戶", "Customer")},
	{"user_id", GX_F_REF, GX_FF_REQUIRED | GX_FF_FILTER | GX_FF_CREATE_ONLY | GX_FF_UNIQUE, 0, 0, 0, NULL, "users", L("员工", "員工", "Staff member")},
	{"role", GX_F_ENUM, FS, 0, 0, 0, rel_roles, NULL, L("角色", "角色", "Role")},
	{"since", GX_F_DATE, FS, 0, 0, 0, NULL, NULL, L("起始日期", "起始日期", "Since")},
	T("notes", 2000, 0, "备注", "備註", "Notes"),
};

static const struct gx_field activity_fields[] = {
	{"customer_id", GX_F_REF, GX_FF_REQUIRED | GX_FF_FILTER, 0, 0, 0, NULL, "customers", L("客户", "客戶", "Customer")},
	{"contact_id", GX_F_REF, GX_FF_FILTER, 0, 0, 0, NULL, "contacts", L("联系人", "聯絡人", "Contact")},
	{"user_id", GX_F_REF, GX_FF_FILTER, 0, 0, 0, NULL, "users", L("经办人", "經辦人", "Staff member")},
	{"channel", GX_F_ENUM, GX_FF_REQUIRED | FS, 0, 0, 0, channels, NULL, L("渠道", "管道", "Channel")},
	{"direction", GX_F_ENUM, GX_FF_FILTER, 0, 0, 0, directions, NULL, L("方向", "方向", "Direction")},
	{"subject", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_SEARCH, 200, 0, 0, NULL, NULL, L("主题", "主旨", "Subject")},
	T("notes", 10000, GX_FF_SEARCH, "内容", "內容", "Notes"),
	T("outcome", 500, GX_FF_FILTER, "结果", "結果", "Outcome"),
	{"duration_min", GX_F_INT, GX_FF_SORT, 0, 0, 100000, NULL, NULL, L("时长（分钟）", "時長（分鐘）", "Duration (minutes)")},
	{"cost", GX_F_MONEY, GX_FF_SORT, 0, 0, 9007199254740991LL, NULL, NULL, L("费用", "費用", "Cost")},
	{"occurred_at", GX_F_DATETIME, FS, 0, 0, 0, NULL, NULL, L("时间", "時間", "When")},
};
#undef T
#undef L

/* ---- visibility ------------------------------------------------------------------ */

/* Which customers a role sees: admins, read-only auditors, service and
 * marketing see all; a sales rep the pool and the customers whose team
 * includes them; a manager the pool and those of their team(s). The
 * condition names the customer table as `alias`. */
static int customer_condition(const struct gx_ctx *ctx, const char *alias, struct gx_visibility *v)
{
	v->sql = NULL;
	v->nargs = 0;
	if (!ctx->role || (strcmp(ctx->role, "sales") != 0 && strcmp(ctx->role, "manager") != 0))
		return 0;
	if (strcmp(ctx->role, "sales") == 0) {
		v->sql = gx_arena_printf(ctx->arena,
			"%s.in_pool = 1 OR EXISTS (SELECT 1 FROM relationships r WHERE r.tenant_id = %s.tenant_id "
			"AND r.customer_id = %s.id AND r.deleted_at IS NULL AND r.user_id = ?)", alias, alias, alias);
		v->args[0] = ctx->user_id;
		v->nargs = 1;
	} else {
		v->sql = gx_arena_printf(ctx->arena,
			"%s.in_pool = 1 OR EXISTS (SELECT 1 FROM relationships r WHERE r.tenant_id = %s.tenant_id "
			"AND r.customer_id = %s.id AND r.deleted_at IS NULL AND (r.user_id = ? OR r.user_id IN "
			"(SELECT u.id FROM users u WHERE u.tenant_id = %s.tenant_id AND u.team_id IN "
			"(SELECT t.id FROM teams t WHERE t.tenant_id = %s.tenant_id AND (t.manager_id = ? OR t.id = "
			"(SELECT m.team_id FROM users m WHERE m.tenant_id = %s.tenant_id AND m.id = ?))))))",
			alias, alias, alias, alias, alias, alias);
		v->args[0] = v->args[1] = v->args[2] = ctx->user_id;
		v->nargs = 3;
	}
	return v->sql ? 0 : GX_ENOMEM;
}

static int customer_visibility(const struct gx_ctx *ctx, struct gx_visibility *v)
{
	return customer_condition(ctx, "customers", v);
}

/* Child records are visible when their customer is. */
static int child_visibility(const struct gx_ctx *ctx, const char *table, struct gx_visibility *v)
{
	struct gx_visibility cv;
	int rc = customer_condition(ctx, "c", &cv);
	if (rc || !cv.sql) {
		*v = cv;
		return rc;
	}
	v->sql = gx_arena_printf(ctx->arena, "EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = %s.tenant_id "
				 "AND c.id = %s.customer_id AND (%s))", table, table, cv.sql);
	memcpy(v->args, cv.args, sizeof v->args);
	v->nargs = cv.nargs;
	return v->sql ? 0 : GX_ENOMEM;
}

static int contact_visibility(const struct gx_ctx *ctx, struct gx_visibility *v)
{
	return child_visibility(ctx, "contacts", v);
}
static int relationship_visibility(const struct gx_ctx *ctx, struct gx_visibility *v)
{
	return child_visibility(ctx, "relationships", v);
}
static int activity_visibility(const struct gx_ctx *ctx, struct gx_visibility *v)
{
	return child_visibility(ctx, "activities", v);
}

/* ---- derived keys ---------------------------------------------------------------------- */

/* Digits only, for phone comparison (the last 11 digits: a mainland mobile
 * with or without +86). */
void gx_customer_phone_key(const char *in, char *out, size_t cap)
{
	char d[64];
	size_t n = 0;
	for (const char *p = in; *p && n < sizeof d - 1; p++)
		if (isdigit((unsigned char)*p))
			d[n++] = *p;
	d[n] = '\0';
	snprintf(out, cap, "%s", n > 11 ? d + n - 11 : d);
}

/* The e-mail lower-cased (ASCII), cut to cap - 1 bytes. */
void gx_customer_email_key(const char *in, char *out, size_t cap)
{
	size_t i = 0;
	for (; in[i] && i + 1 < cap; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

/* The folded name without spaces and common company suffixes, so that
 * "上海华联有限公司" and "上海華聯" compare equal. */
int gx_customer_name_key(const char *name, char *out, size_t cap)
{
	char folded[1024];
	int rc = gx_text_fold(name, folded, sizeof folded, NULL);
	if (rc)
		return rc;
	static const char *const suffixes[] = {"股份有限公司", "有限责任公司", "有限公司", "集团", "公司",
					       " co., ltd.", " co.,ltd.", " co. ltd", " co ltd", " ltd.", " ltd",
					       " inc.", " inc", " llc", " gmbh", NULL};
	size_t n = strlen(folded);
	for (const char *const *s = suffixes; *s; s++) {
		size_t k = strlen(*s);
		if (n > k && strcmp(folded + n - k, *s) == 0) {
			n -= k;
			folded[n] = '\0';
			break;
		}
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		if (folded[i] != ' ' && folded[i] != ',' && folded[i] != '.')
			out[o++] = folded[i];
	out[o] = '\0';
	return 0;
}

static int set_keys(json_t *values, const json_t *current)
{
	json_t *name = json_object_get(values, "name");
	if (json_is_string(name)) {
		char key[600], sortkey[600];
		int rc = gx_customer_name_key(json_string_value(name), key, sizeof key);
		if (!rc)
			rc = gx_text_sortkey(json_string_value(name), sortkey, sizeof sortkey);
		if (rc)
			return rc;
		json_object_set_new(values, "name_key", json_string(key));
		json_object_set_new(values, "name_sort", json_string(sortkey));
	}
	if (json_object_get(values, "phone") || json_object_get(values, "mobile")) {
		json_t *ph = json_object_get(values, "mobile");
		if (!json_is_string(ph) || !*json_string_value(ph))
			ph = json_object_get(values, "phone");
		if ((!ph || json_is_null(ph)) && current) {
			ph = json_object_get(current, "mobile");
			if (!json_is_string(ph))
				ph = json_object_get(current, "phone");
		}
		char key[64] = "";
		if (json_is_string(ph))
			gx_customer_phone_key(json_string_value(ph), key, sizeof key);
		json_object_set_new(values, "phone_key", *key ? json_string(key) : json_null());
	}
	json_t *em = json_object_get(values, "email");
	if (em) {
		char key[300] = "";
		if (json_is_string(em))
			gx_customer_email_key(json_string_value(em), key, sizeof key);
		json_object_set_new(values, "email_key", *key ? json_string(key) : json_null());
	}
	return 0;
}

/* ---- customer codes ------------------------------------------------------------------------ */

/* Expands the tenant's code pattern: {YYYY} {YY} {MM} {DD} and {SEQ:n} (the
 * tenant's n-digit running number). */
static int next_code(struct gx_ctx *ctx, struct gx_conn *c, char *out, size_t cap)
{
	char pattern[128];
	gx_tenant_setting_str(c, ctx->tenant_id, "customer_code_pattern", "C{YYYY}{SEQ:5}", pattern, sizeof pattern);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT count(*) FROM customers WHERE tenant_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	int64_t seq = gx_stmt_step(st) == GX_ROW ? gx_stmt_col_int64(st, 0) + 1 : 1;
	gx_stmt_reset(st);
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	for (int attempt = 0; attempt < 1000; attempt++, seq++) {
		size_t o = 0;
		for (const char *p = pattern; *p && o + 24 < cap;) {
			if (strncmp(p, "{YYYY}", 6) == 0) { memcpy(out + o, now, 4); o += 4; p += 6; }
			else if (strncmp(p, "{YY}", 4) == 0) { memcpy(out + o, now + 2, 2); o += 2; p += 4; }
			else if (strncmp(p, "{MM}", 4) == 0) { memcpy(out + o, now + 5, 2); o += 2; p += 4; }
			else if (strncmp(p, "{DD}", 4) == 0) { memcpy(out + o, now + 8, 2); o += 2; p += 4; }
			else if (strncmp(p, "{SEQ:", 5) == 0 && isdigit((unsigned char)p[5]) && p[6] == '}') {
				o += (size_t)snprintf(out + o, cap - o, "%0*lld", p[5] - '0', (long long)seq);
				p += 7;
			} else {
				out[o++] = *p++;
			}
		}
		out[o] = '\0';
		rc = gx_conn_prepare(c, "SELECT 1 FROM customers WHERE tenant_id = ? AND code = ?", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, out);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		if (rc == GX_DONE)
			return 0;
		if (rc < 0)
			return rc;
		if (!strstr(pattern, "{SEQ:"))
			break; /* a pattern without a number cannot make a new code */
	}
	return GX_ECONFLICT;
}

/* ---- hooks: customers -------------------------------------------------------------------- */

/* The user named by field (owner_id, user_id) must be an active user of
 * the tenant, for every record that names one: 0, GX_EINVAL (said in errs)
 * or a database error. */
static int check_active_user(struct gx_ctx *ctx, struct gx_conn *c, int64_t id, const char *field,
			     struct gx_errors *errs)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL "
				    "AND disabled_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	if (rc != GX_ROW) {
		gx_errors_add(errs, field, "not_found", "%s is not an active user", field);
		return GX_EINVAL;
	}
	return 0;
}

static int customer_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				 json_t *values, const json_t *current, struct gx_errors *errs)
{
	int bad = 0;
	json_t *type = json_object_get(values, "type");
	if (json_is_string(type)) {
		int ok = gx_option_allowed(ctx, c, "customer_type", types, json_string_value(type));
		if (ok < 0)
			return ok;
		if (!ok) {
			gx_errors_add(errs, "type", "invalid_option",
				      "type is end_customer, distributor, dealer, wholesaler, agent, other, or one of the "
				      "company's own customer types (option list customer_type)");
			bad++;
		}
	} else if (current && json_is_null(type)) {
		gx_errors_add(errs, "type", "required", "a customer keeps a type");
		bad++;
	}
	json_t *cur = json_object_get(values, "currency");
	if (json_is_string(cur)) {
		const char *s = json_string_value(cur);
		if (strlen(s) != 3 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]) ||
		    !isupper((unsigned char)s[2])) {
			gx_errors_add(errs, "currency", "invalid_format", "currency is an ISO 4217 code such as CNY, TWD, USD");
			bad++;
		}
	}
	if (bad)
		return GX_EINVAL;
	json_t *code = json_object_get(values, "code");
	if (!current && (!code || json_is_null(code) || !*json_string_value(code))) {
		char buf[96];
		int rc = next_code(ctx, c, buf, sizeof buf);
		if (rc)
			return rc;
		json_object_set_new(values, "code", json_string(buf));
	} else if (current && json_is_null(code)) {
		gx_errors_add(errs, "code", "required", "a customer keeps a code");
		return GX_EINVAL;
	}
	json_t *owner = json_object_get(values, "owner_id");
	if (current && owner) {
		gx_errors_add(errs, "owner_id", "read_only", "change the relationship team instead (relationships)");
		return GX_EINVAL;
	}
	if (!current) {
		char now[40];
		gx_time_iso(gx_now_ms(), now, sizeof now);
		int64_t owner_id = json_is_integer(owner) ? json_integer_value(owner) : 0;
		if (owner_id) {
			int rc = check_active_user(ctx, c, owner_id, "owner_id", errs);
			if (rc)
				return rc;
		} else if (ctx->role && strcmp(ctx->role, "sales") == 0) {
			owner_id = ctx->user_id; /* a rep's own new customer is theirs */
			json_object_set_new(values, "owner_id", json_integer(owner_id));
		}
		json_object_set_new(values, "in_pool", json_boolean(owner_id == 0));
		if (!owner_id)
			json_object_set_new(values, "pool_entered_at", json_string(now));
	}
	return set_keys(values, current);
}

/* The texts a customer is found by: its own and its contacts'. */
/* The search texts of a customer: its own fields (from rec, the record as
 * stored, when the caller has it; else read), its contacts' (none for a
 * customer just created) and its searchable custom values. */
static int reindex_customer_rec(struct gx_ctx *ctx, struct gx_conn *c, int64_t id, const json_t *rec, bool created)
{
	struct gx_stmt *st;
	struct gx_search_text t[64];
	int n = 0, rc;
	bool deleted = false;
	static const char *const own[] = {"name", "code", "phone", "mobile", "email"};
	static const int own_flags[] = {0, GX_SK_CODE, GX_SK_PHONE, GX_SK_PHONE, GX_SK_EMAIL};
	if (rec) {
		const char *kind = json_string_value(json_object_get(rec, "kind"));
		for (int i = 0; i < 5; i++)
			t[n++] = (struct gx_search_text){json_string_value(json_object_get(rec, own[i])),
							 i == 0 && kind && strcmp(kind, "person") == 0 ? GX_SK_PERSON_NAME
												    : own_flags[i]};
		deleted = json_is_string(json_object_get(rec, "deleted_at"));
	} else {
		rc = gx_conn_prepare(c, "SELECT name, kind, code, phone, mobile, email, deleted_at FROM customers "
					"WHERE tenant_id = ? AND id = ?", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, id);
		if (gx_stmt_step(st) == GX_ROW) {
			const char *kind = gx_stmt_col_text(st, 1);
			static const int col[] = {0, 2, 3, 4, 5};
			for (int i = 0; i < 5; i++)
				t[n++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, col[i])),
								 i == 0 && kind && strcmp(kind, "person") == 0
									 ? GX_SK_PERSON_NAME : own_flags[i]};
			deleted = gx_stmt_col_type(st, 6) != GX_COL_NULL;
		}
		gx_stmt_reset(st);
	}
	if (deleted || n == 0)
		return gx_search_remove(ctx, c, "customers", id);
	if (!created) {
		rc = gx_conn_prepare(c, "SELECT name, phone, mobile, email FROM contacts WHERE tenant_id = ? "
					"AND customer_id = ? AND deleted_at IS NULL ORDER BY +id LIMIT 14", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, id);
		while (n + 4 <= 64 && gx_stmt_step(st) == GX_ROW) {
			t[n++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 0)),
							 GX_SK_PERSON_NAME};
			t[n++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 1)), GX_SK_PHONE};
			t[n++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 2)), GX_SK_PHONE};
			t[n++] = (struct gx_search_text){gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 3)), GX_SK_EMAIL};
		}
		gx_stmt_reset(st);
	}
	rc = gx_custom_search_texts(ctx, c, &gx_customers_entity, id, t, &n, 64);
	if (rc)
		return rc;
	return created ? gx_search_index_new(ctx, c, "customers", id, t, n)
		       : gx_search_reindex(ctx, c, "customers", id, t, n);
}

static int reindex_customer(struct gx_ctx *ctx, struct gx_conn *c, int64_t id)
{
	return reindex_customer_rec(ctx, c, id, NULL, false);
}

/* Rebuilds what is derived from a customer's texts: its hidden keys (name
 * sort key, duplicate keys) and its search terms (`guanxi reindex`). */
int gx_customer_reindex(struct gx_ctx *ctx, struct gx_conn *c, int64_t id)
{
	static const char *const keys[] = {"name_sort", "name_key", "phone_key", "email_key"};
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT name, phone, mobile, email, name_sort, name_key, phone_key, email_key "
				    "FROM customers WHERE tenant_id = ? AND id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, id);
	json_t *v = NULL, *had = NULL;
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		v = json_object();
		had = json_object();
		static const char *const cols[] = {"name", "phone", "mobile", "email"};
		for (int i = 0; i < 4; i++) {
			json_object_set_new(v, cols[i], gx_stmt_col_type(st, i) == GX_COL_NULL ? json_null()
								 : json_string(gx_stmt_col_text(st, i)));
			json_object_set_new(had, keys[i], gx_stmt_col_type(st, 4 + i) == GX_COL_NULL
								  ? json_null() : json_string(gx_stmt_col_text(st, 4 + i)));
		}
		rc = 0;
	}
	gx_stmt_reset(st);
	if (rc < 0 || !v) {
		json_decref(v);
		json_decref(had);
		return rc < 0 ? rc : gx_search_remove(ctx, c, "customers", id);
	}
	rc = set_keys(v, NULL);
	/* keys as they were (a second run, most of a run after an upgrade
	 * that changed only some): no write, no index entries moved */
	bool same = true;
	for (int i = 0; !rc && i < 4; i++) {
		const char *a = json_string_value(json_object_get(v, keys[i]));
		const char *b = json_string_value(json_object_get(had, keys[i]));
		same = same && (a && b ? strcmp(a, b) == 0 : a == b);
	}
	if (!rc && !same)
		rc = gx_conn_prepare(c, "UPDATE customers SET name_sort = ?, name_key = ?, phone_key = ?, email_key = ? "
					"WHERE tenant_id = ? AND id = ?", &st);
	if (!rc && !same) {
		for (int i = 0; i < 4; i++)
			gx_stmt_bind_str(st, i + 1, json_string_value(json_object_get(v, keys[i])));
		gx_stmt_bind_int64(st, 5, ctx->tenant_id);
		gx_stmt_bind_int64(st, 6, id);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	json_decref(v);
	json_decref(had);
	return rc ? rc : reindex_customer(ctx, c, id);
}

static int customer_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				int64_t id, const json_t *before, const json_t *after, struct gx_errors *errs)
{
	/* after is the record as stored (read back by the engine); a customer
	 * just created has no contacts and no terms yet */
	int rc = reindex_customer_rec(ctx, c, id, after, !before);
	json_t *owner = ctx->values ? json_object_get(ctx->values, "owner_id") : NULL;
	if (!rc && !before && json_is_integer(owner)) {
		json_t *in = json_pack("{s:I, s:I, s:s}", "customer_id", (json_int_t)id, "user_id",
				       json_integer_value(owner), "role", "owner");
		json_t *out = NULL;
		struct gx_ctx sys = *ctx;
		sys.role = NULL; /* the new customer is not visible to its rep until this row exists */
		sys.values = NULL;
		rc = gx_entity_create_conn(&sys, c, &gx_relationships_entity, in, &out, errs);
		json_decref(in);
		json_decref(out);
	}
	return rc;
}

static int customer_rank(const char *q, const json_t *rec)
{
	struct gx_sk_record r = {
		.name = json_string_value(json_object_get(rec, "name")),
		.name_flags = json_is_string(json_object_get(rec, "kind")) &&
					strcmp(json_string_value(json_object_get(rec, "kind")), "person") == 0
				? GX_SK_PERSON_NAME : 0,
		.code = json_string_value(json_object_get(rec, "code")),
		.phone = json_string_value(json_object_get(rec, "mobile")),
		.email = json_string_value(json_object_get(rec, "email")),
	};
	if (!r.phone)
		r.phone = json_string_value(json_object_get(rec, "phone"));
	int rank = 0;
	if (gx_searchkey_rank(q, &r, &rank))
		return 1;
	return rank ? rank : 1; /* matched through a contact: still a match */
}

/* ---- hooks: children ----------------------------------------------------------------------- */

/* The customer a child record points to must exist and be visible. */
static int check_customer(struct gx_ctx *ctx, struct gx_conn *c, json_t *values, const json_t *current,
			  struct gx_errors *errs, int64_t *customer_id)
{
	json_t *cid = json_object_get(values, "customer_id");
	*customer_id = json_is_integer(cid) ? json_integer_value(cid)
					    : json_integer_value(json_object_get(current, "customer_id"));
	if (!json_is_integer(cid))
		return 0;
	json_t *cust = NULL;
	int rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, *customer_id, false, &cust);
	json_decref(cust);
	if (rc == GX_ENOTFOUND) {
		gx_errors_add(errs, "customer_id", "not_found", "customer_id does not name a customer you can see");
		return GX_EINVAL;
	}
	return rc;
}

static int contact_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				json_t *values, const json_t *current, struct gx_errors *errs)
{
	int64_t cid;
	int rc = check_customer(ctx, c, values, current, errs, &cid);
	json_t *bday = json_object_get(values, "birthday");
	if (!rc && json_is_string(bday)) {
		char today[40];
		gx_time_iso(gx_now_ms(), today, sizeof today);
		if (strncmp(json_string_value(bday), today, 10) > 0) {
			gx_errors_add(errs, "birthday", "future_date", "a birthday cannot be in the future");
			rc = GX_EINVAL;
		}
	}
	return rc;
}

static int contact_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			       int64_t id, const json_t *before, const json_t *after, struct gx_errors *errs)
{
	int64_t cid = json_integer_value(json_object_get(after, "customer_id"));
	int rc = reindex_customer(ctx, c, cid);
	if (!rc && before && json_integer_value(json_object_get(before, "customer_id")) != cid)
		rc = reindex_customer(ctx, c, json_integer_value(json_object_get(before, "customer_id")));
	/* one primary contact per customer: a new primary demotes the others */
	if (!rc && json_is_true(json_object_get(after, "is_primary")) && json_is_null(json_object_get(after, "deleted_at"))) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT id FROM contacts WHERE tenant_id = ? AND customer_id = ? AND id <> ? "
					"AND is_primary = 1 AND deleted_at IS NULL", &st);
		int64_t others[16];
		int n = 0;
		if (!rc) {
			gx_stmt_bind_int64(st, 1, ctx->tenant_id);
			gx_stmt_bind_int64(st, 2, cid);
			gx_stmt_bind_int64(st, 3, id);
			while (n < 16 && gx_stmt_step(st) == GX_ROW)
				others[n++] = gx_stmt_col_int64(st, 0);
			gx_stmt_reset(st);
		}
		json_t *patch = json_pack("{s:b}", "is_primary", 0);
		for (int i = 0; !rc && i < n; i++) {
			json_t *out = NULL;
			rc = gx_entity_update_conn(ctx, c, &gx_contacts_entity, others[i], patch, &out);
			json_decref(out);
		}
		json_decref(patch);
	}
	return rc;
}

static int relationship_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				     json_t *values, const json_t *current, struct gx_errors *errs)
{
	int64_t cid;
	int rc = check_customer(ctx, c, values, current, errs, &cid);
	if (rc)
		return rc;
	json_t *uid = json_object_get(values, "user_id");
	if (json_is_integer(uid)) {
		rc = check_active_user(ctx, c, json_integer_value(uid), "user_id", errs);
		if (rc)
			return rc;
	}
	if (!current && !json_object_get(values, "since")) {
		char now[40];
		gx_time_iso(gx_now_ms(), now, sizeof now);
		now[10] = '\0';
		json_object_set_new(values, "since", json_string(now));
	}
	return 0;
}

/* A customer with a team is out of the pool; one whose last member left
 * goes back into it. */
static int relationship_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				    int64_t id, const json_t *before, const json_t *after, struct gx_errors *errs)
{
	int64_t cid = json_integer_value(json_object_get(after, "customer_id"));
	struct gx_stmt *st;
	int rc = gx_stats_relationship_written(ctx, c, before, after);
	if (!rc)
		rc = gx_conn_prepare(c, "SELECT count(*) FROM relationships WHERE tenant_id = ? AND customer_id = ? "
				    "AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	int64_t members = gx_stmt_step(st) == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	json_t *cust = NULL;
	struct gx_ctx sys = *ctx;
	sys.role = NULL; /* the pool flag is the system's to keep right */
	rc = gx_entity_get_conn(&sys, c, &gx_customers_entity, cid, true, &cust);
	if (rc)
		return rc;
	bool in_pool = json_is_true(json_object_get(cust, "in_pool"));
	json_decref(cust);
	if (in_pool == (members == 0))
		return 0;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	json_t *patch = members ? json_pack("{s:b, s:n}", "in_pool", 0, "pool_entered_at")
				: json_pack("{s:b, s:s}", "in_pool", 1, "pool_entered_at", now);
	json_t *out = NULL;
	rc = gx_entity_update_conn(&sys, c, &gx_customers_entity, cid, patch, &out);
	json_decref(patch);
	json_decref(out);
	return rc;
}

static int activity_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				 json_t *values, const json_t *current, struct gx_errors *errs)
{
	int64_t cid;
	int rc = check_customer(ctx, c, values, current, errs, &cid);
	if (rc)
		return rc;
	json_t *contact = json_object_get(values, "contact_id");
	if (json_is_integer(contact)) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT 1 FROM contacts WHERE tenant_id = ? AND id = ? AND customer_id = ? "
					"AND deleted_at IS NULL", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, json_integer_value(contact));
		gx_stmt_bind_int64(st, 3, cid);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		if (rc < 0)
			return rc;
		if (rc != GX_ROW) {
			gx_errors_add(errs, "contact_id", "not_found", "contact_id is not a contact of this customer");
			return GX_EINVAL;
		}
	}
	if (!current) {
		if (!json_object_get(values, "user_id") && ctx->user_id)
			json_object_set_new(values, "user_id", json_integer(ctx->user_id));
		if (!json_object_get(values, "occurred_at")) {
			char now[40];
			gx_time_iso(gx_now_ms(), now, sizeof now);
			json_object_set_new(values, "occurred_at", json_string(now));
		}
		if (!json_object_get(values, "direction"))
			json_object_set_new(values, "direction", json_string("outbound"));
	}
	json_t *occ = json_object_get(values, "occurred_at");
	if (json_is_string(occ)) {
		/* normalise to UTC ISO so that text order is time order */
		int64_t ms;
		char iso[40];
		if (gx_time_parse(json_string_value(occ), &ms) == 0) {
			gx_time_iso(ms, iso, sizeof iso);
			json_object_set_new(values, "occurred_at", json_string(iso));
		}
	} else if (json_is_null(occ)) {
		gx_errors_add(errs, "occurred_at", "required", "an activity happened at some time");
		return GX_EINVAL;
	}
	return 0;
}

/* Keeps the customer's last follow-up time (a derived field: no new version,
 * so that a colleague editing the customer is not interrupted). */
static int activity_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
				int64_t id, const json_t *before, const json_t *after, struct gx_errors *errs)
{
	int64_t cid = json_integer_value(json_object_get(after, "customer_id"));
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "UPDATE customers SET last_follow_up_at = (SELECT max(occurred_at) FROM activities a "
				    "WHERE a.tenant_id = customers.tenant_id AND a.customer_id = customers.id AND "
				    "a.deleted_at IS NULL AND a.channel <> 'other') WHERE tenant_id = ? AND id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : gx_stats_activity_written(ctx, c, before, after);
}

/* ---- the entities -------------------------------------------------------------------------- */

const struct gx_entity gx_customers_entity = {
	.name = "customers",
	.table = "customers",
	.fields = customer_fields,
	.nfields = sizeof customer_fields / sizeof customer_fields[0],
	.default_sort = "-id",
	.search_index = true,
	.custom_fields = true,
	.hooks = {.before_write = customer_before_write, .after_write = customer_after_write,
		  .visibility = customer_visibility, .rank = customer_rank},
};

const struct gx_entity gx_contacts_entity = {
	.name = "contacts",
	.table = "contacts",
	.fields = contact_fields,
	.nfields = sizeof contact_fields / sizeof contact_fields[0],
	.default_sort = "name",
	.custom_fields = true,
	.hooks = {.before_write = contact_before_write, .after_write = contact_after_write,
		  .visibility = contact_visibility},
};

const struct gx_entity gx_relationships_entity = {
	.name = "relationships",
	.table = "relationships",
	.fields = relationship_fields,
	.nfields = sizeof relationship_fields / sizeof relationship_fields[0],
	.default_sort = "id",
	.hooks = {.before_write = relationship_before_write, .after_write = relationship_after_write,
		  .visibility = relationship_visibility},
};

const struct gx_entity gx_activities_entity = {
	.name = "activities",
	.table = "activities",
	.fields = activity_fields,
	.nfields = sizeof activity_fields / sizeof activity_fields[0],
	.default_sort = "-occurred_at",
	.custom_fields = true,
	.hooks = {.before_write = activity_before_write, .after_write = activity_after_write,
		  .visibility = activity_visibility},
};

void gx_customer_module_init(void)
{
	gx_entity_register(&gx_customers_entity);
	gx_entity_register(&gx_contacts_entity);
	gx_entity_register(&gx_relationships_entity);
	gx_entity_register(&gx_activities_entity);
	gx_entity_register(&gx_custom_fields_entity);
	gx_entity_register(&gx_option_values_entity);
}
