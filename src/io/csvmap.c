/* csvmap.c — header row → field mapping for CSV import: normalisation, the
 * synonym table (Chinese, English, Salesforce, HubSpot) and conflict rules. */
#include "io/csvmap.h"

#include "core/err.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Target fields
 * ------------------------------------------------------------------------- */

static const char *const customer_fields[] = {
	"code",    "name",     "kind",     "type",         "phone",         "mobile",
	"email",   "website",  "address",  "city",         "province",      "postcode",
	"country", "industry", "tax_id",   "bank_account", "credit_limit",  "payment_terms",
	"currency", "source",  "notes",    "tags",
};

static const char *const contact_fields[] = {
	"customer_code", "customer_name", "first_name", "last_name", "name", "title",
	"phone",         "mobile",        "email",      "birthday",  "notes",
};

/* Fields that several columns may feed (the importer joins them). */
static int multi_field(const char *f)
{
	return strcmp(f, "address") == 0 || strcmp(f, "notes") == 0 ||
	       strcmp(f, "tags") == 0 || strcmp(f, "bank_account") == 0;
}

const char *const *gx_csvmap_fields(enum gx_csvmap_target target, size_t *n)
{
	if (target == GX_CSVMAP_CONTACT) {
		if (n)
			*n = sizeof contact_fields / sizeof contact_fields[0];
		return contact_fields;
	}
	if (n)
		*n = sizeof customer_fields / sizeof customer_fields[0];
	return customer_fields;
}

const char *gx_csvmap_field(enum gx_csvmap_target target, const char *name)
{
	size_t n;
	const char *const *f = gx_csvmap_fields(target, &n);
	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i], name) == 0)
			return f[i];
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Synonyms. Sources: the column headers of Chinese CRM and ERP customer
 * lists and import templates (Simplified and Traditional forms, written out
 * rather than folded so that no OpenCC dependency is needed here), the
 * Salesforce Data Loader export in shared/data/interop/salesforce (API names
 * such as BILLINGSTREET, ACCOUNTNUMBER; report labels such as "Billing
 * Zip/Postal Code"), and the HubSpot export headers listed in
 * shared/data/interop/README.md ("Record ID", "Company name", "Phone Number",
 * "State/Region", "Country/Region", "Website URL", "Mobile Phone Number",
 * "Associated Company", ...). Headers are compared after normalisation, so
 * "Billing Street", "BILLINGSTREET" and "billing_street" are one entry.
 * ------------------------------------------------------------------------- */

enum { WEAK = 1, NORMAL = 2, STRONG = 3 };
enum { ANY = 0, SF = 1, HS = 2 };

struct synonym {
	const char *header;
	const char *customer; /* field for GX_CSVMAP_CUSTOMER, or NULL */
	const char *contact;  /* field for GX_CSVMAP_CONTACT, or NULL */
	unsigned char prio, src;
};

#define S(h, cu, co) {h, cu, co, NORMAL, ANY}
#define W(h, cu, co) {h, cu, co, WEAK, ANY}
#define SFX(h, cu, co) {h, cu, co, NORMAL, SF}
#define HSX(h, cu, co) {h, cu, co, NORMAL, HS}

static const struct synonym synonyms[] = {
	/* customer number */
	S("客户编号", "code", "customer_code"), S("客戶編號", "code", "customer_code"),
	S("客户代码", "code", "customer_code"), S("客戶代碼", "code", "customer_code"),
	S("客户编码", "code", "customer_code"), S("客戶編碼", "code", "customer_code"),
	S("客户号", "code", "customer_code"), S("客戶號", "code", "customer_code"),
	S("客户ID", "code", "customer_code"), S("客戶ID", "code", "customer_code"),
	W("编号", "code", NULL), W("編號", "code", NULL), W("代码", "code", NULL),
	W("代碼", "code", NULL), S("customer code", "code", "customer_code"),
	S("customer no", "code", "customer_code"), S("customer number", "code", "customer_code"),
	S("customer id", "code", "customer_code"), S("code", "code", NULL),
	{"account number", "code", "customer_code", STRONG, SF},
	{"id", "code", NULL, WEAK, ANY}, /* a Salesforce record id, if nothing better */
	HSX("record id", "code", NULL),
	SFX("accountid", NULL, "customer_code"),
	HSX("primary associated company id", NULL, "customer_code"),
	HSX("associated company id", NULL, "customer_code"),

	/* customer name */
	S("客户名称", "name", "customer_name"), S("客戶名稱", "name", "customer_name"),
	S("客户名", "name", "customer_name"), S("客戶名", "name", "customer_name"),
	S("客户全称", "name", "customer_name"), S("客戶全稱", "name", "customer_name"),
	W("客户", "name", "customer_name"), W("客戶", "name", "customer_name"),
	S("公司名称", "name", "customer_name"), S("公司名稱", "name", "customer_name"),
	S("公司全称", "name", "customer_name"), S("公司全稱", "name", "customer_name"),
	S("公司", "name", "customer_name"), S("企业名称", "name", "customer_name"),
	S("企業名稱", "name", "customer_name"), S("单位名称", "name", "customer_name"),
	S("單位名稱", "name", "customer_name"), S("单位", "name", "customer_name"),
	S("單位", "name", "customer_name"), S("所属客户", NULL, "customer_name"),
	S("所屬客戶", NULL, "customer_name"), S("所属公司", NULL, "customer_name"),
	S("所屬公司", NULL, "customer_name"), W("名称", "name", NULL), W("名稱", "name", NULL),
	S("customer name", "name", "customer_name"), S("customer", "name", "customer_name"),
	S("company", "name", "customer_name"), HSX("company name", "name", "customer_name"),
	SFX("account name", "name", "customer_name"), W("account", "name", "customer_name"),
	S("organisation", "name", "customer_name"), S("organization", "name", "customer_name"),
	S("organization name", "name", "customer_name"), S("business name", "name", "customer_name"),
	HSX("associated company", NULL, "customer_name"),

	/* person name */
	W("name", "name", "name"), S("姓名", "name", "name"), S("客户姓名", "name", "name"),
	S("客戶姓名", "name", "name"), S("full name", "name", "name"),
	S("联系人", NULL, "name"), S("聯絡人", NULL, "name"), S("聯繫人", NULL, "name"),
	S("联系人姓名", NULL, "name"), S("聯絡人姓名", NULL, "name"), S("联络人", NULL, "name"),
	S("contact", NULL, "name"), S("contact name", NULL, "name"),
	W("名", NULL, "first_name"), S("名字", NULL, "first_name"),
	S("first name", NULL, "first_name"), S("given name", NULL, "first_name"),
	S("forename", NULL, "first_name"), W("姓", NULL, "last_name"),
	S("姓氏", NULL, "last_name"), S("last name", NULL, "last_name"),
	S("surname", NULL, "last_name"), S("family name", NULL, "last_name"),

	/* kind and type */
	S("客户性质", "kind", NULL), S("客戶性質", "kind", NULL), S("个人/企业", "kind", NULL),
	S("個人/企業", "kind", NULL), S("kind", "kind", NULL), S("customer kind", "kind", NULL),
	SFX("ispersonaccount", "kind", NULL),
	S("客户类型", "type", NULL), S("客戶類型", "type", NULL), S("客户类别", "type", NULL),
	S("客戶類別", "type", NULL), S("客户分类", "type", NULL), S("客戶分類", "type", NULL),
	W("类型", "type", NULL), W("類型", "type", NULL), W("type", "type", NULL),
	S("customer type", "type", NULL), S("account type", "type", NULL),

	/* phones */
	S("电话", "phone", "phone"), S("電話", "phone", "phone"), S("联系电话", "phone", "phone"),
	S("聯絡電話", "phone", "phone"), S("聯繫電話", "phone", "phone"),
	S("电话号码", "phone", "phone"), S("電話號碼", "phone", "phone"),
	S("固定电话", "phone", "phone"), S("固定電話", "phone", "phone"), S("固话", "phone", "phone"),
	S("座机", "phone", "phone"), S("座機", "phone", "phone"), S("办公电话", "phone", "phone"),
	S("辦公電話", "phone", "phone"), S("公司电话", "phone", "phone"),
	S("公司電話", "phone", "phone"), S("工作电话", "phone", "phone"),
	S("phone", "phone", "phone"), S("telephone", "phone", "phone"), S("tel", "phone", "phone"),
	HSX("phone number", "phone", "phone"), S("business phone", "phone", "phone"),
	S("work phone", "phone", "phone"), S("office phone", "phone", "phone"),
	S("手机", "mobile", "mobile"), S("手機", "mobile", "mobile"), S("手机号", "mobile", "mobile"),
	S("手機號", "mobile", "mobile"), S("手机号码", "mobile", "mobile"),
	S("手機號碼", "mobile", "mobile"), S("移动电话", "mobile", "mobile"),
	S("行動電話", "mobile", "mobile"), S("流動電話", "mobile", "mobile"),
	S("mobile", "mobile", "mobile"), SFX("mobile phone", "mobile", "mobile"),
	HSX("mobile phone number", "mobile", "mobile"), S("cell", "mobile", "mobile"),
	S("cell phone", "mobile", "mobile"),

	/* e-mail and web */
	S("邮箱", "email", "email"), S("郵箱", "email", "email"), S("电子邮件", "email", "email"),
	S("電子郵件", "email", "email"), S("电子邮箱", "email", "email"),
	S("電子信箱", "email", "email"), S("邮件", "email", "email"), S("郵件", "email", "email"),
	S("電郵", "email", "email"), S("email", "email", "email"),
	S("email address", "email", "email"), W("mail", "email", "email"),
	S("网站", "website", NULL), S("網站", "website", NULL), S("网址", "website", NULL),
	S("網址", "website", NULL), S("公司网站", "website", NULL), S("公司網站", "website", NULL),
	S("主页", "website", NULL), S("website", "website", NULL), W("url", "website", NULL),
	HSX("website url", "website", NULL), S("homepage", "website", NULL),
	{"company domain name", "website", NULL, WEAK, HS},

	/* address */
	S("地址", "address", NULL), S("详细地址", "address", NULL), S("詳細地址", "address", NULL),
	S("公司地址", "address", NULL), S("通讯地址", "address", NULL),
	S("通訊地址", "address", NULL), S("联系地址", "address", NULL),
	S("聯絡地址", "address", NULL), S("办公地址", "address", NULL),
	S("辦公地址", "address", NULL), S("街道", "address", NULL), S("街道地址", "address", NULL),
	S("address", "address", NULL), S("street", "address", NULL),
	HSX("street address", "address", NULL), SFX("billing street", "address", NULL),
	S("城市", "city", NULL), S("所在城市", "city", NULL), S("縣市", "city", NULL),
	W("市", "city", NULL), S("city", "city", NULL), SFX("billing city", "city", NULL),
	S("town", "city", NULL),
	S("省份", "province", NULL), S("所在省份", "province", NULL), W("省", "province", NULL),
	S("省/直辖市", "province", NULL), S("省/自治区/直辖市", "province", NULL),
	W("州", "province", NULL), S("province", "province", NULL), S("state", "province", NULL),
	S("state/province", "province", NULL), W("region", "province", NULL),
	HSX("state/region", "province", NULL), SFX("billing state", "province", NULL),
	SFX("billing state/province", "province", NULL),
	S("邮编", "postcode", NULL), S("郵編", "postcode", NULL), S("邮政编码", "postcode", NULL),
	S("郵政編碼", "postcode", NULL), S("郵遞區號", "postcode", NULL),
	S("邮递区号", "postcode", NULL), S("postcode", "postcode", NULL),
	S("postal code", "postcode", NULL), S("zip", "postcode", NULL),
	S("zip code", "postcode", NULL), S("postal/zip code", "postcode", NULL),
	SFX("billing postal code", "postcode", NULL),
	SFX("billing zip/postal code", "postcode", NULL),
	S("国家", "country", NULL), S("國家", "country", NULL), S("国家/地区", "country", NULL),
	S("國家/地區", "country", NULL), S("国家地区", "country", NULL),
	S("country", "country", NULL), HSX("country/region", "country", NULL),
	SFX("billing country", "country", NULL),

	/* business */
	S("行业", "industry", NULL), S("行業", "industry", NULL), S("所属行业", "industry", NULL),
	S("所屬行業", "industry", NULL), S("industry", "industry", NULL),
	S("税号", "tax_id", NULL), S("稅號", "tax_id", NULL), S("纳税人识别号", "tax_id", NULL),
	S("納稅人識別號", "tax_id", NULL), S("统一社会信用代码", "tax_id", NULL),
	S("統一社會信用代碼", "tax_id", NULL), S("社会信用代码", "tax_id", NULL),
	S("信用代码", "tax_id", NULL), S("统一编号", "tax_id", NULL),
	S("統一編號", "tax_id", NULL), S("統編", "tax_id", NULL), S("tax id", "tax_id", NULL),
	S("tax number", "tax_id", NULL), S("vat number", "tax_id", NULL),
	S("vat id", "tax_id", NULL),
	S("开户行", "bank_account", NULL), S("開戶行", "bank_account", NULL),
	S("开户银行", "bank_account", NULL), S("開戶銀行", "bank_account", NULL),
	S("银行账号", "bank_account", NULL), S("銀行帳號", "bank_account", NULL),
	S("銀行賬號", "bank_account", NULL), S("银行账户", "bank_account", NULL),
	S("銀行帳戶", "bank_account", NULL), S("开户行及账号", "bank_account", NULL),
	S("開戶行及帳號", "bank_account", NULL), S("bank account", "bank_account", NULL),
	S("bank", "bank_account", NULL), S("bank name", "bank_account", NULL),
	S("信用额度", "credit_limit", NULL), S("信用額度", "credit_limit", NULL),
	S("授信额度", "credit_limit", NULL), S("授信額度", "credit_limit", NULL),
	S("信用限额", "credit_limit", NULL), S("credit limit", "credit_limit", NULL),
	S("付款条件", "payment_terms", NULL), S("付款條件", "payment_terms", NULL),
	S("付款方式", "payment_terms", NULL), S("账期", "payment_terms", NULL),
	S("帳期", "payment_terms", NULL), S("结算方式", "payment_terms", NULL),
	S("結算方式", "payment_terms", NULL), S("payment terms", "payment_terms", NULL),
	W("terms", "payment_terms", NULL),
	S("币种", "currency", NULL), S("幣種", "currency", NULL), S("幣別", "currency", NULL),
	S("货币", "currency", NULL), S("貨幣", "currency", NULL), S("currency", "currency", NULL),
	S("currency code", "currency", NULL), SFX("currencyisocode", "currency", NULL),
	S("来源", "source", NULL), S("來源", "source", NULL), S("客户来源", "source", NULL),
	S("客戶來源", "source", NULL), S("线索来源", "source", NULL),
	S("線索來源", "source", NULL), S("source", "source", NULL),
	S("lead source", "source", NULL), SFX("account source", "source", NULL),
	HSX("original source", "source", NULL),

	/* free text */
	S("备注", "notes", "notes"), S("備註", "notes", "notes"), S("备忘", "notes", "notes"),
	S("说明", "notes", "notes"), S("說明", "notes", "notes"), S("描述", "notes", "notes"),
	S("附注", "notes", "notes"), S("附註", "notes", "notes"), S("notes", "notes", "notes"),
	S("note", "notes", "notes"), S("remarks", "notes", "notes"), S("remark", "notes", "notes"),
	S("comments", "notes", "notes"), S("comment", "notes", "notes"),
	S("description", "notes", "notes"),
	S("标签", "tags", NULL), S("標籤", "tags", NULL), S("tags", "tags", NULL),
	S("tag", "tags", NULL), S("labels", "tags", NULL),

	/* contact details */
	S("职位", NULL, "title"), S("職位", NULL, "title"), S("职称", NULL, "title"),
	S("職稱", NULL, "title"), S("职务", NULL, "title"), S("職務", NULL, "title"),
	S("头衔", NULL, "title"), S("頭銜", NULL, "title"), S("title", NULL, "title"),
	HSX("job title", NULL, "title"), S("position", NULL, "title"),
	S("生日", NULL, "birthday"), S("出生日期", NULL, "birthday"),
	S("出生年月日", NULL, "birthday"), S("birthday", NULL, "birthday"),
	SFX("birthdate", NULL, "birthday"), S("date of birth", NULL, "birthday"),
	S("dob", NULL, "birthday"),
};

#undef S
#undef W
#undef SFX
#undef HSX

/* ---------------------------------------------------------------------------
 * Normalisation
 * ------------------------------------------------------------------------- */

/* Decodes one UTF-8 character; invalid bytes come back as themselves with
 * *raw set so they are copied unchanged. */
static unsigned next_cp(const unsigned char *s, size_t n, size_t *adv, int *raw)
{
	unsigned c = s[0];
	*raw = 0;
	*adv = 1;
	if (c < 0x80)
		return c;
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
	if (len == 0 || len > n) {
		*raw = 1;
		return c;
	}
	unsigned cp = c & (0x3Fu >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*raw = 1;
			return c;
		}
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	*adv = len;
	return cp;
}

int gx_csvmap_normalize(const char *s, size_t len, char *out, size_t cap, size_t *outlen)
{
	if (!s || !out || cap == 0)
		return GX_EINVAL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	int rc = 0;
	for (size_t i = 0; i < len;) {
		size_t adv;
		int raw;
		unsigned cp = next_cp(p + i, len - i, &adv, &raw);
		const unsigned char *src = p + i;
		i += adv;
		if (!raw) {
			if (cp == 0xFEFF || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
			    cp == 0x00A0 || cp == 0x3000)
				continue;
			if (cp >= 0xFF01 && cp <= 0xFF5E)
				cp -= 0xFEE0; /* full-width ASCII */
			if (cp < 0x80) {
				if (cp <= ' ' || cp == '_' || cp == '-' || cp == '.' || cp == '*' ||
				    cp == 0x7F)
					continue;
				if (cp >= 'A' && cp <= 'Z')
					cp += 'a' - 'A';
				if (o + 1 >= cap) {
					rc = GX_ETOOBIG;
					break;
				}
				out[o++] = (char)cp;
				continue;
			}
		}
		if (o + adv >= cap) {
			rc = GX_ETOOBIG;
			break;
		}
		memcpy(out + o, src, adv);
		o += adv;
	}
	while (o > 0 && out[o - 1] == ':')
		o--;
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return rc;
}

/* Normalises into a fresh string (caller frees). */
static char *norm_dup(const char *s, size_t len)
{
	char *k = malloc(len + 1);
	if (k)
		gx_csvmap_normalize(s, len, k, len + 1, NULL);
	return k;
}

static const struct synonym *find_synonym(const char *key)
{
	char buf[128];
	for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++) {
		if (gx_csvmap_normalize(synonyms[i].header, strlen(synonyms[i].header), buf,
					sizeof buf, NULL) == 0 &&
		    strcmp(buf, key) == 0)
			return &synonyms[i];
	}
	return NULL;
}

static const char *syn_field(const struct synonym *s, enum gx_csvmap_target t)
{
	if (!s)
		return NULL;
	return gx_csvmap_field(t, t == GX_CSVMAP_CONTACT ? s->contact : s->customer);
}

const char *gx_csvmap_lookup(enum gx_csvmap_target target, const char *header)
{
	if (!header)
		return NULL;
	char *k = norm_dup(header, strlen(header));
	if (!k)
		return NULL;
	const char *f = syn_field(find_synonym(k), target);
	free(k);
	return f;
}

/* ---------------------------------------------------------------------------
 * Building a mapping
 * ------------------------------------------------------------------------- */

void gx_csvmap_free(struct gx_csvmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ncols; i++) {
		free(m->cols[i].header);
		free(m->cols[i].key);
	}
	free(m->cols);
	free(m);
}

int gx_csvmap_column(const struct gx_csvmap *m, const char *field)
{
	if (!m || !field)
		return -1;
	for (size_t i = 0; i < m->ncols; i++)
		if (m->cols[i].field && strcmp(m->cols[i].field, field) == 0)
			return (int)i;
	return -1;
}

static int apply_rules(struct gx_csvmap *m, const struct gx_csvmap_rule *rules, size_t nrules)
{
	for (size_t r = 0; r < nrules; r++) {
		const struct gx_csvmap_rule *ru = &rules[r];
		long col = -1;
		if (ru->header) {
			char *k = norm_dup(ru->header, strlen(ru->header));
			if (!k)
				return GX_ENOMEM;
			for (size_t i = 0; i < m->ncols && col < 0; i++)
				if (strcmp(m->cols[i].key, k) == 0)
					col = (long)i;
			free(k);
		} else if (ru->column >= 0 && (size_t)ru->column < m->ncols) {
			col = ru->column;
		}
		if (col < 0)
			return GX_EINVAL;
		struct gx_csvmap_col *c = &m->cols[col];
		if (!ru->field || !*ru->field) {
			c->status = GX_CSVMAP_IGNORED;
			c->field = NULL;
			c->conflict = -1;
			continue;
		}
		const char *f = gx_csvmap_field(m->target, ru->field);
		if (!f)
			return GX_EINVAL;
		c->status = GX_CSVMAP_EXPLICIT;
		c->field = f;
		c->conflict = -1;
	}
	/* two explicit columns on one single-column field */
	for (size_t i = 0; i < m->ncols; i++) {
		if (m->cols[i].status != GX_CSVMAP_EXPLICIT || multi_field(m->cols[i].field))
			continue;
		for (size_t j = i + 1; j < m->ncols; j++)
			if (m->cols[j].status == GX_CSVMAP_EXPLICIT &&
			    strcmp(m->cols[i].field, m->cols[j].field) == 0)
				return GX_ECONFLICT;
	}
	return 0;
}

int gx_csvmap_build(struct gx_csvmap **out, enum gx_csvmap_target target,
		    const struct gx_csv_field *headers, size_t n,
		    const struct gx_csvmap_rule *rules, size_t nrules)
{
	if (!out || (!headers && n) || (!rules && nrules) ||
	    (target != GX_CSVMAP_CUSTOMER && target != GX_CSVMAP_CONTACT))
		return GX_EINVAL;
	*out = NULL;
	struct gx_csvmap *m = calloc(1, sizeof *m);
	if (!m)
		return GX_ENOMEM;
	m->target = target;
	m->cols = calloc(n ? n : 1, sizeof *m->cols);
	if (!m->cols) {
		free(m);
		return GX_ENOMEM;
	}
	m->ncols = n;
	unsigned char *prio = calloc(n ? n : 1, 1);
	int rc = prio ? 0 : GX_ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		struct gx_csvmap_col *c = &m->cols[i];
		const char *h = headers[i].data ? headers[i].data : "";
		size_t hl = headers[i].data ? headers[i].len : 0;
		c->conflict = -1;
		c->header = malloc(hl + 1);
		c->key = norm_dup(h, hl);
		if (!c->header || !c->key) {
			rc = GX_ENOMEM;
			break;
		}
		memcpy(c->header, h, hl);
		c->header[hl] = '\0';
		c->status = *c->key ? GX_CSVMAP_UNMAPPED : GX_CSVMAP_EMPTY;
		for (size_t j = 0; j < i && *c->key; j++) {
			if (strcmp(m->cols[j].key, c->key) == 0) {
				c->status = GX_CSVMAP_DUPLICATE;
				c->conflict = (int)j;
				break;
			}
		}
	}
	if (!rc)
		rc = apply_rules(m, rules, nrules);
	if (rc) {
		free(prio);
		gx_csvmap_free(m);
		return rc;
	}

	/* the synonym table for the remaining columns, and the source guess */
	int sf = 0, hs = 0;
	for (size_t i = 0; i < n; i++) {
		struct gx_csvmap_col *c = &m->cols[i];
		const struct synonym *s = *c->key ? find_synonym(c->key) : NULL;
		if (s && s->src == SF)
			sf++;
		if (s && s->src == HS)
			hs++;
		if (c->status != GX_CSVMAP_UNMAPPED)
			continue;
		c->field = syn_field(s, target);
		if (c->field) {
			c->status = GX_CSVMAP_MAPPED;
			prio[i] = s->prio;
		}
	}
	m->source = sf >= 2 && sf > hs ? GX_CSVMAP_SRC_SALESFORCE
		    : hs >= 2 && hs > sf ? GX_CSVMAP_SRC_HUBSPOT
					 : GX_CSVMAP_SRC_GENERIC;

	/* one column per single-column field: explicit, else highest priority,
	 * else leftmost */
	for (size_t i = 0; i < n; i++) {
		struct gx_csvmap_col *c = &m->cols[i];
		if (c->status != GX_CSVMAP_MAPPED || multi_field(c->field))
			continue;
		long win = -1;
		for (size_t j = 0; j < n; j++) {
			struct gx_csvmap_col *d = &m->cols[j];
			if (!d->field || strcmp(d->field, c->field) != 0)
				continue;
			if (d->status == GX_CSVMAP_EXPLICIT) {
				win = (long)j;
				break;
			}
			if (d->status == GX_CSVMAP_MAPPED && (win < 0 || prio[j] > prio[win]))
				win = (long)j;
		}
		if (win >= 0 && (size_t)win != i) {
			c->status = GX_CSVMAP_AMBIGUOUS;
			c->conflict = (int)win;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct gx_csvmap_col *c = &m->cols[i];
		if (c->status == GX_CSVMAP_AMBIGUOUS) {
			c->field = NULL;
			m->nambiguous++;
		} else if (c->status == GX_CSVMAP_DUPLICATE) {
			m->nduplicate++;
		} else if (c->status == GX_CSVMAP_MAPPED || c->status == GX_CSVMAP_EXPLICIT) {
			m->nmapped++;
		}
	}
	free(prio);
	*out = m;
	return 0;
}

const char *gx_csvmap_status_name(enum gx_csvmap_status s)
{
	switch (s) {
	case GX_CSVMAP_MAPPED: return "mapped";
	case GX_CSVMAP_EXPLICIT: return "explicit";
	case GX_CSVMAP_UNMAPPED: return "unmapped";
	case GX_CSVMAP_IGNORED: return "ignored";
	case GX_CSVMAP_EMPTY: return "empty";
	case GX_CSVMAP_DUPLICATE: return "duplicate";
	case GX_CSVMAP_AMBIGUOUS: return "ambiguous";
	}
	return "unknown";
}

const char *gx_csvmap_source_name(enum gx_csvmap_source s)
{
	switch (s) {
	case GX_CSVMAP_SRC_GENERIC: return "generic";
	case GX_CSVMAP_SRC_SALESFORCE: return "salesforce";
	case GX_CSVMAP_SRC_HUBSPOT: return "hubspot";
	}
	return "unknown";
}
