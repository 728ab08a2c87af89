/* transaction.c — transactions on the entity engine (single writes keep the
 * statistics through the hooks), and the all-or-nothing bulk import shared by
 * POST /api/v1/transactions:bulk and `guanxi import transactions FILE.csv`:
 * every row is checked, row errors are collected, and only a clean batch is
 * written, idempotently by external_ref. */
#include "crm/transaction.h"

#include "analytics/analytics.h"
#include "analytics/calendar.h"
#include "analytics/stats.h"
#include "core/err.h"
#include "core/id.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/customer.h"
#include "store/store.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define FUTURE_SKEW_MS (5 * 60 * 1000LL) /* clocks of other systems run a little ahead */
#define MONEY_MAX 1000000000000000LL     /* 10^15 minor units */

/* in entity.c: one field-history row (for changes made outside the engine) */
int gx_custom_history_row(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			  const char *field, const json_t *old, const json_t *new, int64_t audit_id);

#define L(cn, tw, en) {cn, tw, en}
#define FS (GX_FF_FILTER | GX_FF_SORT)

static const struct gx_field tx_fields[] = {
	{"customer_id", GX_F_REF, GX_FF_REQUIRED | GX_FF_FILTER, 0, 0, 0, NULL, "customers", L("客户", "客戶", "Customer")},
	{"occurred_at", GX_F_DATETIME, GX_FF_REQUIRED | FS, 0, 0, 0, NULL, NULL, L("交易时间", "交易時間", "When")},
	{"amount", GX_F_MONEY, GX_FF_REQUIRED | FS, 0, -MONEY_MAX, MONEY_MAX, NULL, NULL, L("金额", "金額", "Amount")},
	{"cost", GX_F_MONEY, FS, 0, -MONEY_MAX, MONEY_MAX, NULL, NULL, L("成本", "成本", "Cost")},
	{"currency", GX_F_TEXT, GX_FF_FILTER, 3, 0, 0, NULL, NULL, L("币种", "幣別", "Currency")},
	{"channel", GX_F_TEXT, GX_FF_FILTER, 60, 0, 0, NULL, NULL, L("渠道", "通路", "Channel")},
	{"product", GX_F_TEXT, FS | GX_FF_SEARCH, 200, 0, 0, NULL, NULL, L("产品", "產品", "Product")},
	{"category", GX_F_TEXT, FS, 100, 0, 0, NULL, NULL, L("品类", "品類", "Category")},
	{"external_ref", GX_F_TEXT, GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SEARCH, 200, 0, 0, NULL, NULL,
	 L("外部单号", "外部單號", "External reference")},
	{"quantity", GX_F_INT, FS, 0, -MONEY_MAX, MONEY_MAX, NULL, NULL, L("数量", "數量", "Quantity")},
	{"notes", GX_F_TEXT, 0, 2000, 0, 0, NULL, NULL, L("备注", "備註", "Notes")},
};
#undef L

/* ---- money and time --------------------------------------------------------------------- */

int gx_currency_exponent(const char *cur)
{
	static const char zero[] = " BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF ";
	static const char three[] = " BHD IQD JOD KWD LYD OMR TND ";
	static const char four[] = " CLF UYW ";
	char key[6];
	if (!cur || strlen(cur) != 3)
		return 2;
	snprintf(key, sizeof key, " %s ", cur);
	return strstr(zero, key) ? 0 : strstr(three, key) ? 3 : strstr(four, key) ? 4 : 2;
}

int gx_money_parse(const char *text, const char *currency, int64_t *out)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	bool neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	int exp = gx_currency_exponent(currency);
	int64_t units = 0;
	int digits = 0, group = -1; /* digits since the last thousands comma */
	bool grouped = false;
	for (; isdigit((unsigned char)*p) || *p == ','; p++) {
		if (*p == ',') {
			/* 1,234,567: groups of exactly three */
			if (!digits || (grouped && group != 3) || (!grouped && group > 3))
				return GX_EINVAL;
			grouped = true;
			group = 0;
			continue;
		}
		if (units > (MONEY_MAX / 10))
			return GX_ETOOBIG;
		units = units * 10 + (*p - '0');
		digits++;
		group = group < 0 ? 1 : group + 1;
	}
	if (!digits || (grouped && group != 3))
		return GX_EINVAL;
	int frac = 0;
	bool too_precise = false;
	if (*p == '.') {
		p++;
		int n = 0;
		for (; isdigit((unsigned char)*p); p++, n++) {
			if (n < exp) {
				units = units * 10 + (*p - '0');
				frac++;
			} else if (*p != '0') {
				too_precise = true; /* 12.345 CNY is not a whole number of fen */
			}
		}
		if (n == 0)
			return GX_EINVAL;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return GX_EINVAL;
	for (; frac < exp; frac++) {
		if (units > MONEY_MAX / 10)
			return GX_ETOOBIG;
		units *= 10;
	}
	if (too_precise || units > MONEY_MAX)
		return GX_ETOOBIG;
	*out = neg ? -units : units;
	return 0;
}

int gx_tx_time_parse(struct gx_tz *tz, const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	int64_t local;
	if (n == 10) {
		if (gx_time_parse(s, &local))
			return GX_EINVAL;
		*ms = gx_tz_day_start(tz, local / DAY_MS);
		return 0;
	}
	bool zoned = n > 19 && (s[n - 1] == 'Z' || ((s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':'));
	if (zoned)
		return gx_time_parse(s, ms);
	/* a wall-clock time of the tenant's zone */
	char buf[48];
	if (n == 16)
		snprintf(buf, sizeof buf, "%s:00Z", s);
	else if (n >= 19 && n < 40)
		snprintf(buf, sizeof buf, "%sZ", s);
	else
		return GX_EINVAL;
	if (gx_time_parse(buf, &local))
		return GX_EINVAL;
	*ms = local - gx_tz_offset(tz, local - gx_tz_offset(tz, local));
	return 0;
}

static bool currency_ok(const char *s)
{
	return s && strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	       isupper((unsigned char)s[2]);
}

/* ---- customers of a batch: found once, with the currency their transactions must use ---------- */

/* The currency a customer's transactions are in: that of those it has, else
 * the customer's own, else the tenant's. */
static int expected_currency(struct gx_ctx *ctx, struct gx_conn *c, int64_t cid, const char *tenant_currency,
			     char *out, size_t cap, int64_t *count)
{
	snprintf(out, cap, "%s", tenant_currency);
	if (count)
		*count = 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT cu.currency, s.currency, s.transaction_count FROM customers cu "
				    "LEFT JOIN customer_stats s ON s.tenant_id = cu.tenant_id AND s.customer_id = cu.id "
				    "WHERE cu.tenant_id = ? AND cu.id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, cid);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		const char *own = gx_stmt_col_text(st, 0), *used = gx_stmt_col_text(st, 1);
		if (used && gx_stmt_col_int64(st, 2) > 0)
			snprintf(out, cap, "%s", used);
		if (count)
			*count = gx_stmt_col_int64(st, 2);
		else if (own && *own)
			snprintf(out, cap, "%s", own);
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Whether the caller may see (and so book for) customer cid. */
static int customer_visible(struct gx_ctx *ctx, struct gx_conn *c, int64_t cid, bool *visible)
{
	json_t *rec = NULL;
	int rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, cid, false, &rec);
	json_decref(rec);
	*visible = rc == 0;
	return rc == GX_ENOTFOUND ? 0 : rc;
}

/* ---- the importer: checks rows, collects row errors, writes clean batches ------------------------- */

struct txin {
	int64_t row;
	/* as given */
	int64_t customer_id;
	const char *customer_code, *occurred_at, *currency_in;
	bool amount_is_text, cost_is_text;
	const char *amount_text, *cost_text;
	bool has_amount, has_cost, has_quantity;
	int64_t amount, cost, quantity;
	const char *channel, *product, *category, *external_ref, *notes;
	bool bad; /* a row error was found */
	bool skip;
	/* resolved */
	int64_t cid, at_ms, existing_id;
	char currency[8];
	char iso[40];
};

struct importer {
	struct gx_ctx *ctx;
	struct gx_conn *c;
	struct gx_stats_batch stats;
	bool stats_open;
	char tenant_currency[8];
	json_t *customers;    /* "i<id>" / "c<code>" -> {"id", "currency"} or null */
	json_t *seen;         /* external_ref -> row, in the current chunk */
	json_t *known;        /* the chunk's external_refs stored already (NULL: not looked up) */
	json_t *errors;       /* row errors */
	json_t *skipped_rows;
	json_t *ids;          /* ids created (API only) */
	size_t max_errors;
	int64_t first_id;     /* ids this import creates are >= first_id */
	int64_t now_ms;
	char now_iso[40];     /* now_ms as text: created_at of every row */
	int64_t created, skipped, failed_rows;
	bool writing;         /* cleared by the first row error: check on, write no more */
	bool keep_ids;
};

static void row_error(struct importer *im, struct txin *t, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void row_error(struct importer *im, struct txin *t, const char *field, const char *code, const char *fmt, ...)
{
	if (!t->bad)
		im->failed_rows++;
	t->bad = true;
	im->writing = false;
	if (json_array_size(im->errors) >= im->max_errors)
		return;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(im->errors, json_pack("{s:I, s:s?, s:s, s:s}", "row", (json_int_t)t->row, "field", field,
						    "code", code, "message", msg));
}

static int importer_init(struct importer *im, struct gx_ctx *ctx, struct gx_conn *c, size_t max_errors)
{
	memset(im, 0, sizeof *im);
	im->ctx = ctx;
	im->c = c;
	im->customers = json_object();
	im->seen = json_object();
	im->errors = json_array();
	im->skipped_rows = json_array();
	im->ids = json_array();
	im->max_errors = max_errors;
	im->first_id = gx_id_new();
	im->now_ms = gx_now_ms();
	gx_time_iso(im->now_ms, im->now_iso, sizeof im->now_iso);
	im->writing = true;
	int rc = gx_stats_begin(ctx, c, &im->stats);
	im->stats_open = rc == 0;
	if (!rc)
		snprintf(im->tenant_currency, sizeof im->tenant_currency, "%s", im->stats.tenant_currency);
	return rc;
}

/* Ends the statistics batch. The touched customers are rescored in the
 * transaction, unless they are many and a tenth of all: then the full
 * scoring pass the caller runs after commit (*full_pass) is cheaper. */
static int importer_end(struct importer *im, int rc, bool *full_pass)
{
	*full_pass = false;
	if (im->stats_open) {
		if (!rc)
			rc = gx_stats_flush(&im->stats);
		if (!rc && gx_stats_touched(&im->stats) >= 1000) {
			struct gx_stmt *st;
			int64_t all = 0;
			rc = gx_conn_prepare(im->c, "SELECT count(*) FROM customer_stats WHERE tenant_id = ?", &st);
			if (!rc) {
				gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
				if (gx_stmt_step(st) == GX_ROW)
					all = gx_stmt_col_int64(st, 0);
				gx_stmt_reset(st);
			}
			if (!rc && (int64_t)im->stats.ndirty * 10 >= all) {
				im->stats.ndirty = 0;
				*full_pass = true;
			}
		}
		rc = gx_stats_end(&im->stats, rc);
		im->stats_open = false;
	}
	return rc;
}

static void importer_free(struct importer *im)
{
	if (im->stats_open)
		gx_stats_end(&im->stats, GX_EINVAL);
	json_decref(im->customers);
	json_decref(im->seen);
	json_decref(im->known);
	json_decref(im->errors);
	json_decref(im->skipped_rows);
	json_decref(im->ids);
}

/* The key of a row's customer in im->customers. */
static void customer_key(const struct txin *t, char *key, size_t cap)
{
	if (t->customer_id > 0)
		snprintf(key, cap, "i%lld", (long long)t->customer_id);
	else
		snprintf(key, cap, "c%s", t->customer_code);
}

/* Finds the row's customer (by id or code), visible to the caller. */
static int resolve_customer(struct importer *im, struct txin *t)
{
	char key[300];
	customer_key(t, key, sizeof key);
	json_t *hit = json_object_get(im->customers, key);
	if (!hit) {
		int64_t cid = t->customer_id;
		int rc = 0;
		if (cid <= 0) {
			struct gx_stmt *st;
			rc = gx_conn_prepare(im->c, "SELECT id FROM customers WHERE tenant_id = ? AND code = ? AND deleted_at IS NULL", &st);
			if (rc)
				return rc;
			gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
			gx_stmt_bind_str(st, 2, t->customer_code);
			rc = gx_stmt_step(st);
			cid = rc == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
			gx_stmt_reset(st);
			if (rc < 0)
				return rc;
		}
		bool visible = false;
		if (cid > 0 && (rc = customer_visible(im->ctx, im->c, cid, &visible)))
			return rc;
		if (visible) {
			char cur[8];
			rc = expected_currency(im->ctx, im->c, cid, im->tenant_currency, cur, sizeof cur, NULL);
			if (rc)
				return rc;
			/* most customers use the tenant's currency: then the id alone
			 * (a million customers in one import: 100 MB less) */
			hit = strcmp(cur, im->tenant_currency) == 0 ? json_integer(cid)
				: json_pack("{s:I, s:s}", "id", (json_int_t)cid, "currency", cur);
		} else {
			hit = json_null();
		}
		json_object_set_new(im->customers, key, hit);
	}
	if (json_is_null(hit)) {
		if (t->customer_id > 0)
			row_error(im, t, "customer_id", "unknown_customer", "no customer %lld that you can see", (long long)t->customer_id);
		else
			row_error(im, t, "customer_code", "unknown_customer", "no customer with code '%.200s' that you can see",
				  t->customer_code);
		return 0;
	}
	if (json_is_integer(hit)) {
		t->cid = json_integer_value(hit);
		snprintf(t->currency, sizeof t->currency, "%s", im->tenant_currency);
	} else {
		t->cid = json_integer_value(json_object_get(hit, "id"));
		snprintf(t->currency, sizeof t->currency, "%s", json_string_value(json_object_get(hit, "currency")));
	}
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* An external_ref already stored: the same content is skipped, other
 * content is an error; one this import wrote is a duplicate of the batch. */
static int check_existing(struct importer *im, struct txin *t)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(im->c,
		"SELECT id, customer_id, occurred_at, amount, cost, currency, channel, product, category, quantity, notes, "
		"created_at FROM transactions WHERE tenant_id = ? AND external_ref = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
	gx_stmt_bind_str(st, 2, t->external_ref);
	rc = gx_stmt_step(st);
	if (rc == GX_ROW) {
		int64_t id = gx_stmt_col_int64(st, 0);
		int64_t at = 0;
		gx_time_parse(gx_stmt_col_text(st, 2), &at);
		bool same = gx_stmt_col_int64(st, 1) == t->cid && at == t->at_ms && gx_stmt_col_int64(st, 3) == t->amount &&
			    (gx_stmt_col_type(st, 4) == GX_COL_NULL ? !t->has_cost : t->has_cost && gx_stmt_col_int64(st, 4) == t->cost) &&
			    same_text(gx_stmt_col_text(st, 5), t->currency) && same_text(gx_stmt_col_text(st, 6), t->channel) &&
			    same_text(gx_stmt_col_text(st, 7), t->product) && same_text(gx_stmt_col_text(st, 8), t->category) &&
			    (gx_stmt_col_type(st, 9) == GX_COL_NULL ? !t->has_quantity
								     : t->has_quantity && gx_stmt_col_int64(st, 9) == t->quantity) &&
			    same_text(gx_stmt_col_text(st, 10), t->notes);
		bool ours = id >= im->first_id && same_text(gx_stmt_col_text(st, 11), im->now_iso);
		gx_stmt_reset(st);
		if (ours)
			row_error(im, t, "external_ref", "duplicate_in_batch", "external_ref '%.200s' appears earlier in this import",
				  t->external_ref);
		else if (same) {
			t->skip = true;
			t->existing_id = id;
		} else {
			row_error(im, t, "external_ref", "conflict",
				  "external_ref '%.200s' was imported before with different content (transaction %lld)",
				  t->external_ref, (long long)id);
		}
		return 0;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Checks one row with the database; row errors go to im->errors. */
static int check_row(struct importer *im, struct txin *t)
{
	int rc = 0;
	if (t->customer_id < 0) {
		/* a malformed customer_id, reported already */
	} else if (t->customer_id == 0 && !(t->customer_code && *t->customer_code)) {
		row_error(im, t, "customer_id", "required", "name the customer by customer_id or customer_code");
	} else {
		rc = resolve_customer(im, t);
		if (rc)
			return rc;
	}
	if (!t->occurred_at || !*t->occurred_at) {
		row_error(im, t, "occurred_at", "required", "occurred_at is required");
	} else if (gx_tx_time_parse(im->stats.tz, t->occurred_at, &t->at_ms)) {
		row_error(im, t, "occurred_at", "invalid_format",
			  "occurred_at '%.60s' is not a date (2026-01-31) or a time (2026-01-31T09:30:00+08:00)", t->occurred_at);
	} else if (t->at_ms > im->now_ms + FUTURE_SKEW_MS) {
		row_error(im, t, "occurred_at", "future_date", "occurred_at %.60s is in the future", t->occurred_at);
	} else {
		gx_utc_iso(t->at_ms, t->iso, sizeof t->iso);
	}
	if (t->currency_in && *t->currency_in) {
		if (!currency_ok(t->currency_in))
			row_error(im, t, "currency", "invalid_format", "currency is an ISO 4217 code such as CNY, TWD, USD");
		else if (*t->currency && strcmp(t->currency_in, t->currency) != 0)
			row_error(im, t, "currency", "mixed_currency",
				  "this customer's transactions are in %s, not %s (one currency per customer)", t->currency,
				  t->currency_in);
	}
	/* amounts in text (CSV) need the currency for their decimals */
	const char *cur = *t->currency ? t->currency : t->currency_in && currency_ok(t->currency_in) ? t->currency_in
												      : im->tenant_currency;
	for (int k = 0; k < 2; k++) {
		bool is_text = k ? t->cost_is_text : t->amount_is_text;
		const char *text = k ? t->cost_text : t->amount_text;
		const char *field = k ? "cost" : "amount";
		if (!is_text)
			continue;
		if (!text || !*text) {
			if (!k)
				row_error(im, t, field, "required", "amount is required");
			continue;
		}
		int64_t v;
		int prc = gx_money_parse(text, cur, &v);
		if (prc == GX_EINVAL)
			row_error(im, t, field, "not_a_number", "%s '%.60s' is not a number such as 12.34", field, text);
		else if (prc)
			row_error(im, t, field, "fractional", "%s '%.60s' has more decimals than %s has, or is too large", field,
				  text, cur);
		else if (k) {
			t->cost = v;
			t->has_cost = true;
		} else {
			t->amount = v;
			t->has_amount = true;
		}
	}
	if (!t->amount_is_text && !t->has_amount)
		row_error(im, t, "amount", "required", "amount is required");
	if (!t->external_ref || !*t->external_ref) {
		row_error(im, t, "external_ref", "required", "external_ref (the other system's reference) is required: "
			  "it makes a re-run skip what is in already");
	} else {
		json_t *prev = json_object_get(im->seen, t->external_ref);
		if (prev) {
			row_error(im, t, "external_ref", "duplicate_in_batch", "external_ref '%.200s' is also on row %lld",
				  t->external_ref, (long long)json_integer_value(prev));
		} else {
			json_object_set_new(im->seen, t->external_ref, json_integer(t->row));
			if (!t->bad && (!im->known || json_object_get(im->known, t->external_ref)))
				rc = check_existing(im, t);
		}
	}
	return rc;
}

static int insert_row(struct importer *im, struct txin *t)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(im->c,
		"INSERT INTO transactions (tenant_id, id, customer_id, occurred_at, amount, cost, currency, channel, product, "
		"category, external_ref, quantity, notes, created_at, updated_at, created_by, updated_by, version) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", &st);
	if (rc)
		return rc;
	int64_t id = gx_id_new();
	int k = 1;
	gx_stmt_bind_int64(st, k++, im->ctx->tenant_id);
	gx_stmt_bind_int64(st, k++, id);
	gx_stmt_bind_int64(st, k++, t->cid);
	gx_stmt_bind_str(st, k++, t->iso);
	gx_stmt_bind_int64(st, k++, t->amount);
	if (t->has_cost)
		gx_stmt_bind_int64(st, k++, t->cost);
	else
		gx_stmt_bind_null(st, k++);
	gx_stmt_bind_str(st, k++, t->currency);
	const char *texts[5] = {t->channel, t->product, t->category, t->external_ref, NULL};
	for (int i = 0; i < 4; i++)
		gx_stmt_bind_str(st, k++, texts[i] && *texts[i] ? texts[i] : NULL);
	if (t->has_quantity)
		gx_stmt_bind_int64(st, k++, t->quantity);
	else
		gx_stmt_bind_null(st, k++);
	gx_stmt_bind_str(st, k++, t->notes && *t->notes ? t->notes : NULL);
	gx_stmt_bind_str(st, k++, im->now_iso);
	gx_stmt_bind_str(st, k++, im->now_iso);
	for (int i = 0; i < 2; i++) {
		if (im->ctx->user_id)
			gx_stmt_bind_int64(st, k++, im->ctx->user_id);
		else
			gx_stmt_bind_null(st, k++);
	}
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	struct gx_tx tx = {.id = id, .customer_id = t->cid, .at_ms = t->at_ms, .occurred_at = t->iso,
			   .amount = t->amount, .cost = t->cost, .has_cost = t->has_cost, .quantity = t->quantity,
			   .has_quantity = t->has_quantity, .currency = t->currency, .product = t->product,
			   .category = t->category};
	/* aggregated per customer, month and product when the batch ends */
	rc = gx_stats_add_deferred(&im->stats, &tx);
	if (!rc) {
		im->created++;
		if (im->keep_ids)
			json_array_append_new(im->ids, json_integer(id));
	}
	return rc;
}

#define REFS_PER_QUERY 500

/* Which of the chunk's external_refs are stored already, REFS_PER_QUERY in
 * one query (most imports bring new ones: one statement per row saved);
 * check_existing then looks only at those. */
static int known_refs(struct importer *im, struct txin *rows, size_t n)
{
	static char sql[64 + REFS_PER_QUERY * 3];
	if (!sql[0]) {
		size_t k = (size_t)snprintf(sql, sizeof sql, "SELECT external_ref FROM transactions WHERE tenant_id = ? AND "
							     "external_ref IN (?");
		for (int i = 1; i < REFS_PER_QUERY; i++)
			k += (size_t)snprintf(sql + k, sizeof sql - k, ",?");
		snprintf(sql + k, sizeof sql - k, ")");
	}
	if (!im->known && !(im->known = json_object()))
		return GX_ENOMEM;
	json_object_clear(im->known);
	int rc = 0;
	for (size_t i = 0; !rc && i < n;) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(im->c, sql, &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
		int k = 0;
		for (; i < n && k < REFS_PER_QUERY; i++)
			if (rows[i].external_ref && *rows[i].external_ref)
				gx_stmt_bind_str(st, 2 + k++, rows[i].external_ref);
		for (; k < REFS_PER_QUERY; k++)
			gx_stmt_bind_null(st, 2 + k);
		while ((rc = gx_stmt_step(st)) == GX_ROW)
			json_object_set_new(im->known, gx_stmt_col_text(st, 0), json_true());
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

/* Looks up the chunk's customers not met before, REFS_PER_QUERY in one
 * query per kind (by code, by id), with what resolve_customer would find
 * for each: the visible live customer and its currency. Those it does not
 * find are left to resolve_customer (unknown, invisible: its row errors).
 * A million customers: 3 statements and a record read each saved. */
static int known_customers(struct importer *im, struct txin *rows, size_t n)
{
	struct gx_visibility vis = {0};
	int rc = gx_customers_entity.hooks.visibility ? gx_customers_entity.hooks.visibility(im->ctx, &vis) : 0;
	for (int by_id = 0; !rc && by_id < 2; by_id++) {
		static const char *const sql_head[2] = {
			"SELECT customers.id, customers.code, customers.currency, s.currency, s.transaction_count FROM customers "
			"LEFT JOIN customer_stats s ON s.tenant_id = customers.tenant_id AND s.customer_id = customers.id "
			"WHERE customers.tenant_id = ? AND customers.deleted_at IS NULL AND customers.code IN (?",
			"SELECT customers.id, customers.code, customers.currency, s.currency, s.transaction_count FROM customers "
			"LEFT JOIN customer_stats s ON s.tenant_id = customers.tenant_id AND s.customer_id = customers.id "
			"WHERE customers.tenant_id = ? AND customers.deleted_at IS NULL AND customers.id IN (?",
		};
		static char marks[REFS_PER_QUERY * 2];
		if (!marks[0])
			for (int i = 1; i < REFS_PER_QUERY; i++)
				memcpy(marks + 2 * (i - 1), ",?", 2);
		const char *text = gx_arena_printf(im->ctx->arena, "%s%s)%s%s%s", sql_head[by_id], marks,
						   vis.sql ? " AND (" : "", vis.sql ? vis.sql : "", vis.sql ? ")" : "");
		if (!text)
			rc = GX_ENOMEM;
		json_t *asked = json_object();
		for (size_t i = 0; !rc && i < n;) {
			json_object_clear(asked);
			struct gx_stmt *st;
			rc = gx_conn_prepare(im->c, text, &st);
			if (rc)
				break;
			gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
			int k = 0;
			for (; i < n && k < REFS_PER_QUERY; i++) {
				const struct txin *t = &rows[i];
				bool mine = by_id ? t->customer_id > 0 : t->customer_id == 0 && t->customer_code && *t->customer_code;
				char key[300];
				if (!mine)
					continue;
				customer_key(t, key, sizeof key);
				if (json_object_get(im->customers, key) || json_object_get(asked, key))
					continue;
				json_object_set_new(asked, key, json_true());
				if (by_id)
					gx_stmt_bind_int64(st, 2 + k++, t->customer_id);
				else
					gx_stmt_bind_str(st, 2 + k++, t->customer_code);
			}
			for (int j = 0; j < vis.nargs; j++)
				gx_stmt_bind_int64(st, 2 + REFS_PER_QUERY + j, vis.args[j]);
			if (!k) {
				/* nothing new in the rest of the chunk */
				gx_stmt_reset(st);
				break;
			}
			for (; k < REFS_PER_QUERY; k++)
				gx_stmt_bind_null(st, 2 + k);
			while ((rc = gx_stmt_step(st)) == GX_ROW) {
				int64_t cid = gx_stmt_col_int64(st, 0);
				const char *own = gx_stmt_col_text(st, 2), *used = gx_stmt_col_text(st, 3);
				/* expected_currency, as resolve_customer calls it */
				const char *cur = im->tenant_currency;
				if (used && gx_stmt_col_int64(st, 4) > 0)
					cur = used;
				if (own && *own)
					cur = own;
				char key[300];
				if (by_id)
					snprintf(key, sizeof key, "i%lld", (long long)cid);
				else
					snprintf(key, sizeof key, "c%s", gx_stmt_col_text(st, 1) ? gx_stmt_col_text(st, 1) : "");
				json_object_set_new(im->customers, key, strcmp(cur, im->tenant_currency) == 0
					? json_integer(cid) : json_pack("{s:I, s:s}", "id", (json_int_t)cid, "currency", cur));
			}
			gx_stmt_reset(st);
			rc = rc < 0 ? rc : 0;
		}
		json_decref(asked);
	}
	return rc;
}

/* Checks a chunk of rows; writes them when nothing failed so far. */
static int import_chunk(struct importer *im, struct txin *rows, size_t n)
{
	json_object_clear(im->seen);
	int rc = known_refs(im, rows, n);
	if (!rc)
		rc = known_customers(im, rows, n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = check_row(im, &rows[i]);
	for (size_t i = 0; !rc && im->writing && i < n; i++) {
		if (rows[i].skip) {
			im->skipped++;
			if (json_array_size(im->skipped_rows) < 1000)
				json_array_append_new(im->skipped_rows,
						      json_pack("{s:I, s:s, s:I}", "row", (json_int_t)rows[i].row, "external_ref",
								rows[i].external_ref, "id", (json_int_t)rows[i].existing_id));
			continue;
		}
		rc = insert_row(im, &rows[i]);
	}
	return rc;
}

struct ranked_error {
	json_t *e;
	size_t pos;
};

static int by_row(const void *a, const void *b)
{
	const struct ranked_error *x = a, *y = b;
	json_int_t rx = json_integer_value(json_object_get(x->e, "row")), ry = json_integer_value(json_object_get(y->e, "row"));
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Row errors in row order (a row's own in the order found). */
static void sort_errors(json_t *errors)
{
	size_t n = json_array_size(errors);
	struct ranked_error *v = n ? malloc(n * sizeof *v) : NULL;
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct ranked_error){json_incref(json_array_get(errors, i)), i};
	qsort(v, n, sizeof *v, by_row);
	json_array_clear(errors);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(errors, v[i].e);
	free(v);
}

/* ---- rows from JSON (the API) ------------------------------------------------------------------------ */

static const char *const text_keys[] = {"customer_code", "occurred_at", "currency", "channel", "product",
					"category", "external_ref", "notes"};

static int text_limit(const char *key)
{
	if (strcmp(key, "customer_code") == 0)
		return 64;
	if (strcmp(key, "occurred_at") == 0)
		return 40;
	const struct gx_field *f = gx_entity_field(&gx_transactions_entity, key);
	return f && f->max_len ? f->max_len : 1000;
}

static bool text_ok(const char *s)
{
	if (!gx_utf8_valid(s, strlen(s)))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* A whole number from JSON: integers, and reals without a fraction. */
static int json_whole(struct importer *im, struct txin *t, const char *key, json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != floor(d)) {
			row_error(im, t, key, "fractional", "%s must be a whole number of minor units (e.g. 1234 for 12.34)", key);
			return 0;
		}
		if (fabs(d) > (double)MONEY_MAX) {
			row_error(im, t, key, "out_of_range", "%s is too large", key);
			return 0;
		}
		*out = (int64_t)d;
	} else {
		row_error(im, t, key, "not_a_number", "%s must be a number of minor units (e.g. 1234 for 12.34)", key);
		return 0;
	}
	if (*out > MONEY_MAX || *out < -MONEY_MAX) {
		row_error(im, t, key, "out_of_range", "%s is too large", key);
		return 0;
	}
	return 1;
}

static void row_from_json(struct importer *im, struct txin *t, json_t *o)
{
	if (!json_is_object(o)) {
		row_error(im, t, NULL, "type", "each item must be a JSON object");
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (json_is_null(v))
			continue;
		bool text = false;
		for (size_t i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++)
			text |= strcmp(key, text_keys[i]) == 0;
		if (text) {
			if (!json_is_string(v)) {
				row_error(im, t, key, "type", "%s must be a string", key);
				continue;
			}
			const char *s = json_string_value(v);
			if (strlen(s) != json_string_length(v) || !text_ok(s)) {
				row_error(im, t, key, "invalid_text", "%s must be UTF-8 text without control characters", key);
				continue;
			}
			if (gx_utf8_len(s) > (size_t)text_limit(key)) {
				row_error(im, t, key, "too_long", "%s is longer than %d characters", key, text_limit(key));
				continue;
			}
			if (strcmp(key, "customer_code") == 0) t->customer_code = s;
			else if (strcmp(key, "occurred_at") == 0) t->occurred_at = s;
			else if (strcmp(key, "currency") == 0) t->currency_in = s;
			else if (strcmp(key, "channel") == 0) t->channel = s;
			else if (strcmp(key, "product") == 0) t->product = s;
			else if (strcmp(key, "category") == 0) t->category = s;
			else if (strcmp(key, "external_ref") == 0) t->external_ref = s;
			else t->notes = s;
		} else if (strcmp(key, "customer_id") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				row_error(im, t, key, "type", "customer_id must be a customer's id");
				t->customer_id = -1;
			} else {
				t->customer_id = json_integer_value(v);
			}
		} else if (strcmp(key, "amount") == 0) {
			t->has_amount = json_whole(im, t, key, v, &t->amount);
		} else if (strcmp(key, "cost") == 0) {
			t->has_cost = json_whole(im, t, key, v, &t->cost);
		} else if (strcmp(key, "quantity") == 0) {
			t->has_quantity = json_whole(im, t, key, v, &t->quantity);
		} else {
			row_error(im, t, key, "unknown_field", "%s is not a field of a transaction", key);
		}
	}
	/* a bad amount is reported once, not again as missing */
	if (!t->has_amount && json_object_get(o, "amount") && !json_is_null(json_object_get(o, "amount")))
		t->has_amount = true;
}

int gx_transactions_bulk(struct gx_ctx *ctx, const json_t *items, json_t **out, json_t **row_errors)
{
	*out = NULL;
	*row_errors = NULL;
	if (!json_is_array(items))
		return GX_EINVAL;
	size_t n = json_array_size(items);
	if (n > GX_TX_BULK_MAX)
		return GX_ETOOBIG;
	struct txin *rows = calloc(n ? n : 1, sizeof *rows);
	if (!rows)
		return GX_ENOMEM;
	struct gx_conn *c;
	int rc = gx_store_writer(ctx->store, &c);
	if (rc) {
		free(rows);
		return rc;
	}
	struct importer im;
	rc = gx_conn_begin(c);
	int irc = importer_init(&im, ctx, c, (size_t)-1);
	if (!rc)
		rc = irc;
	im.keep_ids = true;
	for (size_t i = 0; !rc && i < n; i++) {
		rows[i].row = (int64_t)i;
		row_from_json(&im, &rows[i], json_array_get(items, i));
	}
	if (!rc)
		rc = import_chunk(&im, rows, n);
	if (!rc && json_array_size(im.errors))
		rc = GX_EINVAL;
	bool full = false;
	rc = importer_end(&im, rc, &full);
	if (!rc && im.created) {
		json_t *what = json_pack("{s:I, s:I, s:s}", "created", (json_int_t)im.created, "skipped",
					 (json_int_t)im.skipped, "via", "api");
		rc = gx_audit_write(ctx, c, "import", "transactions", 0, NULL, what, NULL);
		json_decref(what);
	}
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	if (!rc && (full || im.created))
		gx_analytics_after_import(ctx->store, ctx->tenant_id, full);
	if (rc == GX_EINVAL && json_array_size(im.errors)) {
		sort_errors(im.errors);
		*row_errors = json_incref(im.errors);
	} else if (!rc) {
		*out = json_pack("{s:I, s:I, s:O, s:O}", "created", (json_int_t)im.created, "skipped", (json_int_t)im.skipped,
				 "skipped_rows", im.skipped_rows, "ids", im.ids);
	}
	importer_free(&im);
	free(rows);
	return rc;
}

/* ---- rows from CSV (the CLI) -------------------------------------------------------------------------- */

enum col {
	C_CUSTOMER_CODE, C_CUSTOMER_ID, C_OCCURRED_AT, C_AMOUNT, C_COST, C_CURRENCY, C_CHANNEL, C_PRODUCT,
	C_CATEGORY, C_EXTERNAL_REF, C_QUANTITY, C_NOTES, C_COUNT
};
static const char *const col_names[C_COUNT] = {"customer_code", "customer_id", "occurred_at", "amount", "cost",
					       "currency", "channel", "product", "category", "external_ref",
					       "quantity", "notes"};

#define CSV_CHUNK 5000

struct csv_state {
	struct importer *im;
	int64_t record;          /* 1 = header */
	int colmap[64];          /* field index -> enum col, -1 ignored */
	int nheader;
	bool header_done, header_bad;
	/* the current record */
	char *fields[64];
	int nfields;
	bool too_many_fields;
	/* the chunk */
	struct txin *rows;
	char **owned;            /* strings the rows point into */
	size_t nrows, nowned, cowned;
	int rc;
	int64_t batch_rows, in_batch;
	struct gx_store *store;
	struct gx_tx_import_summary *sum;
};

static void field_cb(void *s, size_t len, void *data)
{
	struct csv_state *cs = data;
	if (cs->nfields >= 64) {
		cs->too_many_fields = true;
		return;
	}
	char *f = malloc(len + 1);
	if (!f) {
		cs->rc = GX_ENOMEM;
		return;
	}
	memcpy(f, s ? s : "", len);
	f[len] = '\0';
	/* a UTF-8 byte-order mark before the first header */
	if (cs->record == 0 && cs->nfields == 0 && len >= 3 && memcmp(f, "\xEF\xBB\xBF", 3) == 0)
		memmove(f, f + 3, len - 2);
	cs->fields[cs->nfields++] = f;
}

static void free_fields(struct csv_state *cs)
{
	for (int i = 0; i < cs->nfields; i++)
		free(cs->fields[i]);
	cs->nfields = 0;
	cs->too_many_fields = false;
}

static void chunk_reset(struct csv_state *cs)
{
	for (size_t i = 0; i < cs->nowned; i++)
		free(cs->owned[i]);
	cs->nowned = 0;
	cs->nrows = 0;
}

static int own(struct csv_state *cs, char *s)
{
	if (cs->nowned == cs->cowned) {
		size_t cap = cs->cowned ? cs->cowned * 2 : 4096;
		char **o = realloc(cs->owned, cap * sizeof *o);
		if (!o)
			return GX_ENOMEM;
		cs->owned = o;
		cs->cowned = cap;
	}
	cs->owned[cs->nowned++] = s;
	return 0;
}

static int flush_chunk(struct csv_state *cs)
{
	int rc = import_chunk(cs->im, cs->rows, cs->nrows);
	chunk_reset(cs);
	return rc;
}

static void header_record(struct csv_state *cs)
{
	bool have[C_COUNT] = {false};
	for (int i = 0; i < cs->nfields; i++) {
		cs->colmap[i] = -1;
		char name[64];
		size_t k = 0;
		for (const char *p = cs->fields[i]; *p && k < sizeof name - 1; p++)
			name[k++] = (char)tolower((unsigned char)*p);
		name[k] = '\0';
		for (int c = 0; c < C_COUNT; c++)
			if (strcmp(name, col_names[c]) == 0 && !have[c]) {
				cs->colmap[i] = c;
				have[c] = true;
			}
	}
	cs->nheader = cs->nfields;
	struct txin hdr = {.row = 1};
	const char *missing = !have[C_CUSTOMER_CODE] && !have[C_CUSTOMER_ID] ? "customer_code"
			      : !have[C_OCCURRED_AT]				 ? "occurred_at"
			      : !have[C_AMOUNT]				 ? "amount"
			      : !have[C_EXTERNAL_REF]				 ? "external_ref" : NULL;
	if (missing) {
		row_error(cs->im, &hdr, missing, "missing_column", "the header has no %s column", missing);
		cs->header_bad = true;
	}
	cs->header_done = true;
}

static void record_cb(int term, void *data)
{
	(void)term;
	struct csv_state *cs = data;
	cs->record++;
	if (cs->rc) {
		free_fields(cs);
		return;
	}
	if (!cs->header_done) {
		header_record(cs);
		free_fields(cs);
		return;
	}
	if (cs->header_bad) {
		free_fields(cs);
		return;
	}
	struct txin *t = &cs->rows[cs->nrows++];
	memset(t, 0, sizeof *t);
	t->row = cs->record;
	t->amount_is_text = true;
	t->cost_is_text = true;
	cs->sum->rows++;
	if (cs->too_many_fields)
		row_error(cs->im, t, NULL, "too_many_columns", "the row has more than 64 fields");
	for (int i = 0; i < cs->nfields; i++) {
		char *f = cs->fields[i];
		int col = i < cs->nheader ? cs->colmap[i] : -1;
		if (col < 0 || !*f) {
			free(f);
			continue;
		}
		if (own(cs, f)) {
			free(f);
			cs->rc = GX_ENOMEM;
			continue;
		}
		if (!text_ok(f)) {
			row_error(cs->im, t, col_names[col], "invalid_text", "%s must be UTF-8 text without control characters",
				  col_names[col]);
			continue;
		}
		if (col != C_AMOUNT && col != C_COST && col != C_QUANTITY && col != C_CUSTOMER_ID &&
		    gx_utf8_len(f) > (size_t)text_limit(col_names[col])) {
			row_error(cs->im, t, col_names[col], "too_long", "%s is longer than %d characters", col_names[col],
				  text_limit(col_names[col]));
			continue;
		}
		switch (col) {
		case C_CUSTOMER_CODE: t->customer_code = f; break;
		case C_CUSTOMER_ID: {
			char *end;
			errno = 0;
			long long v = strtoll(f, &end, 10);
			if (errno || *end || v <= 0) {
				row_error(cs->im, t, "customer_id", "type", "customer_id must be a customer's id");
				t->customer_id = -1;
			} else {
				t->customer_id = v;
			}
			break;
		}
		case C_OCCURRED_AT: t->occurred_at = f; break;
		case C_AMOUNT: t->amount_text = f; break;
		case C_COST: t->cost_text = f; break;
		case C_CURRENCY: t->currency_in = f; break;
		case C_CHANNEL: t->channel = f; break;
		case C_PRODUCT: t->product = f; break;
		case C_CATEGORY: t->category = f; break;
		case C_EXTERNAL_REF: t->external_ref = f; break;
		case C_NOTES: t->notes = f; break;
		case C_QUANTITY: {
			/* whole units; "3.0" is 3 */
			int64_t q;
			if (gx_money_parse(f, "JPY", &q) == 0) {
				t->quantity = q;
				t->has_quantity = true;
			} else {
				row_error(cs->im, t, "quantity", "not_a_number", "quantity '%.40s' is not a whole number", f);
			}
			break;
		}
		default: break;
		}
	}
	cs->nfields = 0; /* the strings now belong to the chunk */
	cs->too_many_fields = false;
	if (cs->nrows == CSV_CHUNK)
		cs->rc = flush_chunk(cs);
}

/* Commits the batch so far and opens the next (with --batch N). */
static int next_batch(struct csv_state *cs, struct gx_ctx *ctx)
{
	struct importer *im = cs->im;
	bool full = false;
	bool clean = json_array_size(im->errors) == 0;
	int rc = importer_end(im, clean ? 0 : GX_EINVAL, &full);
	if (!clean)
		return GX_EINVAL;
	if (!rc && im->created) {
		json_t *what = json_pack("{s:I, s:I, s:s}", "created", (json_int_t)im->created, "skipped",
					 (json_int_t)im->skipped, "via", "csv");
		rc = gx_audit_write(ctx, im->c, "import", "transactions", 0, NULL, what, NULL);
		json_decref(what);
	}
	if (!rc)
		rc = gx_conn_commit(im->c);
	if (rc)
		return rc;
	cs->sum->batches_committed++;
	cs->sum->created += im->created;
	cs->sum->skipped += im->skipped;
	im->created = im->skipped = 0;
	if (full)
		gx_analytics_after_import(cs->store, ctx->tenant_id, true);
	rc = gx_conn_begin(im->c);
	if (!rc)
		rc = gx_stats_begin(ctx, im->c, &im->stats);
	im->stats_open = rc == 0;
	im->first_id = gx_id_new();
	return rc;
}

int gx_transactions_import_csv(struct gx_store *s, int64_t tenant_id, FILE *f, int64_t batch_rows,
			       struct gx_tx_import_summary *sum)
{
	memset(sum, 0, sizeof *sum);
	struct gx_arena arena;
	gx_arena_init(&arena, 0);
	struct gx_ctx ctx = {.store = s, .arena = &arena, .tenant_id = tenant_id};
	struct gx_conn *c;
	int rc = gx_store_writer(s, &c);
	if (rc) {
		gx_arena_free(&arena);
		return rc;
	}
	struct importer im;
	int64_t cache = 0;
	gx_stats_cache_big(s, c, &cache);
	/* the importer finds each row's customer in the tenant itself (a visible
	 * live one, or a row error) in this write transaction: SQLite's check of
	 * the same keys (two B-tree seeks a row) is left out meanwhile */
	bool fk_off = strcmp(gx_store_backend(s), "sqlite") == 0 && !gx_conn_exec(c, "PRAGMA foreign_keys=OFF");
	rc = gx_conn_begin(c);
	int irc = importer_init(&im, &ctx, c, 1000);
	if (!rc)
		rc = irc;
	struct csv_state cs = {.im = &im, .batch_rows = batch_rows, .store = s, .sum = sum};
	cs.rows = calloc(CSV_CHUNK, sizeof *cs.rows);
	if (!cs.rows)
		rc = rc ? rc : GX_ENOMEM;
	struct csv_parser p;
	bool parser = !rc && csv_init(&p, CSV_APPEND_NULL) == 0;
	if (!rc && !parser)
		rc = GX_ENOMEM;
	char buf[1 << 16];
	size_t got;
	int64_t rows_at_batch = 0;
	while (!rc && !cs.rc && (got = fread(buf, 1, sizeof buf, f)) > 0) {
		if (csv_parse(&p, buf, got, field_cb, record_cb, &cs) != got) {
			struct txin where = {.row = cs.record + 1};
			row_error(&im, &where, NULL, "malformed_csv", "the CSV cannot be read: %s", csv_strerror(csv_error(&p)));
			break;
		}
		/* --batch: commit at chunk boundaries once enough rows are in */
		if (batch_rows > 0 && !cs.rc && sum->rows - rows_at_batch >= batch_rows) {
			cs.rc = flush_chunk(&cs);
			if (!cs.rc && json_array_size(im.errors) == 0) {
				cs.rc = next_batch(&cs, &ctx);
				rows_at_batch = sum->rows;
			}
		}
	}
	if (!rc && ferror(f))
		rc = GX_EIO;
	if (parser) {
		if (!rc && !cs.rc)
			csv_fini(&p, field_cb, record_cb, &cs);
		csv_free(&p);
	}
	free_fields(&cs);
	if (!rc)
		rc = cs.rc;
	if (!rc && cs.nrows)
		rc = flush_chunk(&cs);
	chunk_reset(&cs);
	free(cs.rows);
	free(cs.owned);
	if (!rc && !cs.header_done) {
		struct txin hdr = {.row = 1};
		row_error(&im, &hdr, NULL, "empty_file", "the file has no header row");
	}
	if (!rc && json_array_size(im.errors))
		rc = GX_EINVAL;
	bool full = false;
	rc = importer_end(&im, rc, &full);
	if (!rc && im.created) {
		json_t *what = json_pack("{s:I, s:I, s:s}", "created", (json_int_t)im.created, "skipped",
					 (json_int_t)im.skipped, "via", "csv");
		rc = gx_audit_write(&ctx, c, "import", "transactions", 0, NULL, what, NULL);
		json_decref(what);
	}
	if (!rc)
		rc = gx_conn_commit(c);
	if (rc)
		gx_conn_rollback(c);
	if (fk_off && gx_conn_exec(c, "PRAGMA foreign_keys=ON"))
		gx_log_error("import: could not turn the foreign keys of the writer back on");
	gx_stats_cache_restore(c, cache);
	gx_store_release(c);
	if (!rc) {
		sum->batches_committed++;
		sum->created += im.created;
		sum->skipped += im.skipped;
		if (full || im.created)
			gx_analytics_after_import(s, tenant_id, full);
	}
	sum->failed = im.failed_rows;
	sort_errors(im.errors);
	sum->errors = json_incref(im.errors);
	importer_free(&im);
	gx_arena_free(&arena);
	return rc;
}

/* ---- the entity: single writes ------------------------------------------------------------------------ */

static int tx_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *values,
			   const json_t *current, struct gx_errors *errs)
{
	int64_t cid = json_integer_value(json_object_get(json_object_get(values, "customer_id") ? values : current,
							 "customer_id"));
	bool customer_changed = json_object_get(values, "customer_id") != NULL;
	int bad = 0;
	if (customer_changed) {
		bool visible = false;
		int rc = customer_visible(ctx, c, cid, &visible);
		if (rc)
			return rc;
		if (!visible) {
			gx_errors_add(errs, "customer_id", "unknown_customer", "customer_id does not name a customer you can see");
			return GX_EINVAL;
		}
	}
	json_t *occ = json_object_get(values, "occurred_at");
	if (json_is_string(occ)) {
		char zone[64], cur[8];
		struct gx_tz *tz = NULL;
		int rc = gx_tenant_zone(c, ctx->tenant_id, zone, sizeof zone, cur, sizeof cur);
		if (!rc)
			rc = gx_tz_open(zone, &tz);
		int64_t ms = 0;
		if (!rc && gx_tx_time_parse(tz, json_string_value(occ), &ms)) {
			gx_errors_add(errs, "occurred_at", "invalid_format", "occurred_at is not a date or time");
			bad++;
		} else if (!rc && ms > gx_now_ms() + FUTURE_SKEW_MS) {
			gx_errors_add(errs, "occurred_at", "future_date", "occurred_at is in the future");
			bad++;
		} else if (!rc) {
			char iso[40];
			gx_time_iso(ms, iso, sizeof iso);
			json_object_set_new(values, "occurred_at", json_string(iso));
		}
		gx_tz_close(tz);
		if (rc)
			return rc;
	}
	json_t *ref = json_object_get(values, "external_ref");
	if (json_is_string(ref) && !*json_string_value(ref))
		json_object_set_new(values, "external_ref", json_null());
	json_t *cur = json_object_get(values, "currency");
	if (customer_changed || cur) {
		char tz_zone[64], tcur[8], expected[8];
		int64_t count = 0;
		int rc = gx_tenant_zone(c, ctx->tenant_id, tz_zone, sizeof tz_zone, tcur, sizeof tcur);
		if (!rc)
			rc = expected_currency(ctx, c, cid, tcur, expected, sizeof expected, &count);
		if (rc)
			return rc;
		const char *given = json_string_value(cur);
		if (!given && current && !cur)
			given = json_string_value(json_object_get(current, "currency"));
		if (given && !currency_ok(given)) {
			gx_errors_add(errs, "currency", "invalid_format", "currency is an ISO 4217 code such as CNY, TWD, USD");
			bad++;
		} else if (given && strcmp(given, expected) != 0) {
			/* this very transaction may be the only one, which sets the currency */
			bool only_this = current && !customer_changed && count <= 1;
			if (!only_this) {
				gx_errors_add(errs, "currency", "mixed_currency",
					      "this customer's transactions are in %s, not %s (one currency per customer)", expected, given);
				bad++;
			}
		} else if (!given) {
			json_object_set_new(values, "currency", json_string(expected));
		}
	}
	return bad ? GX_EINVAL : 0;
}

static int tx_of_json(const json_t *r, struct gx_tx *t)
{
	memset(t, 0, sizeof *t);
	t->id = json_integer_value(json_object_get(r, "id"));
	t->customer_id = json_integer_value(json_object_get(r, "customer_id"));
	t->occurred_at = json_string_value(json_object_get(r, "occurred_at"));
	if (!t->occurred_at || gx_time_parse(t->occurred_at, &t->at_ms))
		return GX_EINVAL;
	t->amount = json_integer_value(json_object_get(r, "amount"));
	t->has_cost = json_is_integer(json_object_get(r, "cost"));
	t->cost = json_integer_value(json_object_get(r, "cost"));
	t->has_quantity = json_is_integer(json_object_get(r, "quantity"));
	t->quantity = json_integer_value(json_object_get(r, "quantity"));
	t->currency = json_string_value(json_object_get(r, "currency"));
	t->product = json_string_value(json_object_get(r, "product"));
	t->category = json_string_value(json_object_get(r, "category"));
	return 0;
}

static int tx_after_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id,
			  const json_t *before, const json_t *after, struct gx_errors *errs)
{
	struct gx_stats_batch b;
	int rc = gx_stats_begin(ctx, c, &b);
	if (!rc && !before) {
		struct gx_tx t;
		rc = tx_of_json(after, &t);
		if (!rc && json_is_null(json_object_get(after, "deleted_at")))
			rc = gx_stats_add(&b, &t);
	} else if (!rc) {
		int64_t now_cid = json_integer_value(json_object_get(after, "customer_id"));
		int64_t old_cid = json_integer_value(json_object_get(before, "customer_id"));
		rc = gx_stats_recompute(&b, now_cid);
		if (!rc && old_cid != now_cid)
			rc = gx_stats_recompute(&b, old_cid);
	}
	return gx_stats_end(&b, rc);
}

/* A transaction is visible when its customer is (the customers entity's
 * condition, evaluated on the customer row). */
static int tx_visibility(const struct gx_ctx *ctx, struct gx_visibility *v)
{
	struct gx_visibility cv = {0};
	int rc = gx_customers_entity.hooks.visibility ? gx_customers_entity.hooks.visibility(ctx, &cv) : 0;
	if (rc || !cv.sql) {
		*v = cv;
		return rc;
	}
	v->sql = gx_arena_printf(ctx->arena, "EXISTS (SELECT 1 FROM customers WHERE customers.tenant_id = "
				 "transactions.tenant_id AND customers.id = transactions.customer_id AND (%s))", cv.sql);
	memcpy(v->args, cv.args, sizeof v->args);
	v->nargs = cv.nargs;
	return v->sql ? 0 : GX_ENOMEM;
}

const struct gx_entity gx_transactions_entity = {
	.name = "transactions",
	.table = "transactions",
	.fields = tx_fields,
	.nfields = sizeof tx_fields / sizeof tx_fields[0],
	.default_sort = "-occurred_at",
	.hooks = {.before_write = tx_before_write, .after_write = tx_after_write,
		  .visibility = tx_visibility},
};

void gx_transaction_module_init(void)
{
	gx_entity_register(&gx_transactions_entity);
}

/* ---- merge ---------------------------------------------------------------------------------------------- */

int gx_transactions_move(struct gx_ctx *ctx, struct gx_conn *c, int64_t from, int64_t into, int64_t *moved)
{
	if (moved)
		*moved = 0;
	char zone[64], tcur[8], cur_from[8], cur_into[8];
	int rc = gx_tenant_zone(c, ctx->tenant_id, zone, sizeof zone, tcur, sizeof tcur);
	if (!rc)
		rc = expected_currency(ctx, c, from, tcur, cur_from, sizeof cur_from, NULL);
	if (!rc)
		rc = expected_currency(ctx, c, into, tcur, cur_into, sizeof cur_into, NULL);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT id FROM transactions WHERE tenant_id = ? AND customer_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, from);
	json_t *ids = json_array();
	while ((rc = gx_stmt_step(st)) == GX_ROW)
		json_array_append_new(ids, json_integer(gx_stmt_col_int64(st, 0)));
	gx_stmt_reset(st);
	rc = rc < 0 ? rc : 0;
	if (!rc && json_array_size(ids) && strcmp(cur_from, cur_into) != 0)
		rc = GX_ECONFLICT; /* the merged customer would mix currencies */
	if (!rc && json_array_size(ids)) {
		int64_t audit_id = gx_id_new();
		json_t *what = json_pack("{s:I, s:I, s:I}", "from", (json_int_t)from, "into", (json_int_t)into, "transactions",
					 (json_int_t)json_array_size(ids));
		rc = gx_audit_write(ctx, c, "move", "transactions", 0, NULL, what, &audit_id);
		json_decref(what);
		json_t *old = json_integer(from), *new = json_integer(into);
		size_t i;
		json_t *it;
		json_array_foreach(ids, i, it) {
			if (rc)
				break;
			rc = gx_custom_history_row(ctx, c, &gx_transactions_entity, json_integer_value(it), "customer_id", old,
						   new, audit_id);
		}
		json_decref(old);
		json_decref(new);
		if (!rc)
			rc = gx_conn_prepare(c, "UPDATE transactions SET customer_id = ?, version = version + 1 "
						"WHERE tenant_id = ? AND customer_id = ?", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, into);
			gx_stmt_bind_int64(st, 2, ctx->tenant_id);
			gx_stmt_bind_int64(st, 3, from);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
			rc = rc < 0 ? rc : 0;
		}
		struct gx_stats_batch b;
		if (!rc)
			rc = gx_stats_begin(ctx, c, &b);
		if (!rc) {
			rc = gx_stats_recompute(&b, into);
			if (!rc)
				rc = gx_stats_recompute(&b, from);
			rc = gx_stats_end(&b, rc);
		}
		if (!rc && moved)
			*moved = (int64_t)json_array_size(ids);
	}
	json_decref(ids);
	return rc;
}
