/* export.c — list exports to CSV, XLSX (libxlsxwriter), vCard and
 * iCalendar, page by page (see export.h), and the guarded CSV writer. */
#include "io/export.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "io/ical.h"
#include "io/vcard.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

/* ---- CSV writer ------------------------------------------------------------------- */

void gx_csv_writer_init(struct gx_csv_writer *w, gx_sink_fn sink, void *ud)
{
	memset(w, 0, sizeof *w);
	w->sink = sink;
	w->ud = ud;
}

static int w_add(struct gx_csv_writer *w, const char *s, size_t n)
{
	if (w->err)
		return w->err;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		while (cap < w->len + n)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			return w->err = GX_ENOMEM;
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return 0;
}

bool gx_csv_needs_guard(const char *s, size_t n)
{
	return n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r' ||
		     s[0] == '\'');
}

int gx_csv_writer_cell(struct gx_csv_writer *w, const char *s, size_t n)
{
	if (!s) {
		s = "";
		n = 0;
	}
	int rc = w->cells++ ? w_add(w, ",", 1) : 0;
	bool guard = gx_csv_needs_guard(s, n);
	bool quote = guard;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r' || s[i] == ';' || s[i] == '\t';
	if (!rc && quote)
		rc = w_add(w, "\"", 1);
	if (!rc && guard)
		rc = w_add(w, "'", 1);
	size_t from = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (s[i] == '"') {
			rc = w_add(w, s + from, i + 1 - from);
			if (!rc)
				rc = w_add(w, "\"", 1);
			from = i + 1;
		}
	}
	if (!rc)
		rc = w_add(w, s + from, n - from);
	if (!rc && quote)
		rc = w_add(w, "\"", 1);
	if (!rc && w->len >= 65536) {
		rc = w->sink(w->ud, w->buf, w->len);
		w->len = 0;
		if (rc)
			w->err = rc;
	}
	return rc;
}

int gx_csv_writer_end_row(struct gx_csv_writer *w)
{
	w->cells = 0;
	return w_add(w, "\r\n", 2);
}

int gx_csv_writer_flush(struct gx_csv_writer *w)
{
	int rc = w->err;
	if (!rc && w->len)
		rc = w->sink(w->ud, w->buf, w->len);
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	return rc;
}

/* ---- columns ------------------------------------------------------------------------ */

int gx_export_lang(const char *s)
{
	if (!s || !*s)
		return -1;
	if (!strcasecmp(s, "zh-TW") || !strcasecmp(s, "zh-Hant") || !strcasecmp(s, "zh-HK") || !strcasecmp(s, "zh-MO") ||
	    !strncasecmp(s, "zh-Hant", 7) || !strcasecmp(s, "zh_TW"))
		return 1;
	if (!strncasecmp(s, "zh", 2))
		return 0;
	if (!strncasecmp(s, "en", 2))
		return 2;
	return -1;
}

enum xc_kind { XC_FIELD, XC_CUSTOM, XC_CCODE, XC_CNAME };

struct xcol {
	enum xc_kind kind;
	const struct gx_field *f;
	int cdef;
	char header[120];
};

struct xcdef {
	char name[64], type[16];
	char label[3][104];
};

#define XMAX_COLS 160
#define XMAX_CDEFS 64
#define PAGE 200

struct gx_export {
	struct gx_ctx ctx;
	struct gx_arena arena; /* per page */
	const struct gx_entity *e;
	struct gx_list_query q;
	struct gx_export_opts o;
	struct xcol cols[XMAX_COLS];
	int ncols;
	struct xcdef cdefs[XMAX_CDEFS];
	int ncdefs;
	int stage;       /* 0 header, 1 pages, 2 trailer, 3 done */
	char *cursor;    /* of the next page; NULL after the last */
	bool first_page;
	struct gx_buf out;
	struct gx_csv_writer w;
	uint64_t rows;
	bool need_customers;
	int ncust;
	int64_t cust_id[PAGE];
	char *cust_code[PAGE], *cust_name[PAGE];
};

static const char *const sys_label[][3] = {
	{"ID", "ID", "ID"},
	{"创建时间", "建立時間", "Created at"},
	{"更新时间", "更新時間", "Updated at"},
};
static const char *const ccode_label[3] = {"客户编号", "客戶編號", "Customer code"};
static const char *const cname_label[3] = {"客户名称", "客戶名稱", "Customer name"};
static const char *const yes_no[3][2] = {{"是", "否"}, {"是", "否"}, {"Yes", "No"}};

static int load_cdefs(struct gx_export *x)
{
	if (!x->e->custom_fields)
		return 0;
	struct gx_conn *c;
	int rc = gx_store_reader(x->ctx.store, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT name, type, label_zh_cn, label_zh_tw, label_en FROM custom_fields WHERE "
				"tenant_id = ? AND entity = ? AND deleted_at IS NULL ORDER BY position, id", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, x->ctx.tenant_id);
		gx_stmt_bind_str(st, 2, x->e->name);
		while (x->ncdefs < XMAX_CDEFS && (rc = gx_stmt_step(st)) == GX_ROW) {
			struct xcdef *d = &x->cdefs[x->ncdefs++];
			snprintf(d->name, sizeof d->name, "%s", gx_stmt_col_text(st, 0));
			snprintf(d->type, sizeof d->type, "%s", gx_stmt_col_text(st, 1));
			for (int k = 0; k < 3; k++) {
				const char *l = gx_stmt_col_text(st, 2 + k);
				snprintf(d->label[k], sizeof d->label[k], "%s", l ? l : "");
			}
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	return rc;
}

static const char *pick(const char *const l[3], int lang, const char *fallback)
{
	if (l[lang] && *l[lang])
		return l[lang];
	if (l[2] && *l[2])
		return l[2];
	return fallback;
}

static int add_col(struct gx_export *x, enum xc_kind kind, const struct gx_field *f, int cdef, const char *header)
{
	if (x->ncols == XMAX_COLS)
		return GX_ETOOBIG;
	struct xcol *c = &x->cols[x->ncols++];
	c->kind = kind;
	c->f = f;
	c->cdef = cdef;
	snprintf(c->header, sizeof c->header, "%s", header);
	if (kind == XC_CCODE || kind == XC_CNAME)
		x->need_customers = true;
	return 0;
}

/* Adds the column called name; GX_EINVAL when there is none. */
static int add_named(struct gx_export *x, const char *name)
{
	int lang = x->o.lang;
	if (!strcmp(name, "id") || !strcmp(name, "created_at") || !strcmp(name, "updated_at")) {
		int k = name[0] == 'i' ? 0 : name[0] == 'c' ? 1 : 2;
		return add_col(x, XC_FIELD, gx_entity_field(x->e, name), -1, sys_label[k][lang]);
	}
	const struct gx_field *cust = gx_entity_field(x->e, "customer_id");
	if (cust && cust->type == GX_F_REF && !strcmp(name, "customer_code"))
		return add_col(x, XC_CCODE, NULL, -1, ccode_label[lang]);
	if (cust && cust->type == GX_F_REF && !strcmp(name, "customer_name"))
		return add_col(x, XC_CNAME, NULL, -1, cname_label[lang]);
	if (!strncmp(name, "custom.", 7)) {
		for (int i = 0; i < x->ncdefs; i++) {
			if (strcmp(x->cdefs[i].name, name + 7))
				continue;
			const char *l[3] = {x->cdefs[i].label[0], x->cdefs[i].label[1], x->cdefs[i].label[2]};
			return add_col(x, XC_CUSTOM, NULL, i, pick(l, lang, x->cdefs[i].name));
		}
		return GX_EINVAL;
	}
	const struct gx_field *f = gx_entity_field(x->e, name);
	if (!f || (f->flags & (GX_FF_HIDDEN | GX_FF_VIRTUAL)))
		return GX_EINVAL;
	return add_col(x, XC_FIELD, f, -1, pick(f->label, lang, f->name));
}

static int plan_columns(struct gx_export *x)
{
	int rc = 0;
	if (x->o.columns && *x->o.columns) {
		char *copy = strdup(x->o.columns), *save = NULL;
		if (!copy)
			return GX_ENOMEM;
		for (char *t = strtok_r(copy, ", ", &save); !rc && t; t = strtok_r(NULL, ", ", &save))
			rc = add_named(x, t);
		free(copy);
		return rc;
	}
	rc = add_named(x, "id");
	for (int i = 0; !rc && i < x->e->nfields; i++) {
		const struct gx_field *f = &x->e->fields[i];
		if (f->flags & (GX_FF_HIDDEN | GX_FF_VIRTUAL))
			continue;
		if (f->type == GX_F_REF && !strcmp(f->name, "customer_id")) {
			/* a customer is known by its code and name, not an internal id */
			rc = add_named(x, "customer_code");
			if (!rc)
				rc = add_named(x, "customer_name");
			continue;
		}
		rc = add_named(x, f->name);
	}
	for (int i = 0; !rc && i < x->ncdefs; i++) {
		char n[80];
		snprintf(n, sizeof n, "custom.%s", x->cdefs[i].name);
		rc = add_named(x, n);
	}
	if (!rc)
		rc = add_named(x, "created_at");
	if (!rc)
		rc = add_named(x, "updated_at");
	return rc;
}

/* ---- pages ----------------------------------------------------------------------------- */

static int out_sink(void *ud, const char *s, size_t n)
{
	struct gx_export *x = ud;
	return gx_buf_add(&x->out, s, n);
}

/* The customers of the page's records (code and name), one query. */
static int load_customers(struct gx_export *x, json_t *items)
{
	x->ncust = 0;
	size_t n = json_array_size(items);
	if (!n || !x->need_customers)
		return 0;
	struct gx_buf sql;
	gx_buf_init(&sql, 1 << 16);
	gx_buf_adds(&sql, "SELECT id, code, name FROM customers WHERE tenant_id = ? AND id IN (");
	for (size_t i = 0; i < n; i++)
		gx_buf_adds(&sql, i ? ", ?" : "?");
	int rc = gx_buf_adds(&sql, ")");
	struct gx_conn *c = NULL;
	struct gx_stmt *st;
	if (!rc)
		rc = gx_store_reader(x->ctx.store, &c);
	if (!rc)
		rc = gx_conn_prepare(c, sql.data, &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, x->ctx.tenant_id);
		for (size_t i = 0; i < n; i++)
			gx_stmt_bind_int64(st, (int)i + 2, json_integer_value(json_object_get(json_array_get(items, i), "customer_id")));
		while (x->ncust < PAGE && (rc = gx_stmt_step(st)) == GX_ROW) {
			x->cust_id[x->ncust] = gx_stmt_col_int64(st, 0);
			x->cust_code[x->ncust] = gx_arena_strdup(&x->arena, gx_stmt_col_text(st, 1));
			x->cust_name[x->ncust] = gx_arena_strdup(&x->arena, gx_stmt_col_text(st, 2));
			x->ncust++;
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	gx_buf_free(&sql);
	return rc;
}

static int customer_of(const struct gx_export *x, int64_t id)
{
	for (int i = 0; i < x->ncust; i++)
		if (x->cust_id[i] == id)
			return i;
	return -1;
}

/* Reads the next page into *items (caller decrefs; NULL at the end). */
static int fetch_page(struct gx_export *x, json_t **items)
{
	*items = NULL;
	if (!x->first_page && !x->cursor)
		return 0;
	gx_arena_free(&x->arena);
	x->ctx.arena = &x->arena;
	int rc = 0;
	if (x->cursor) {
		char *cur = gx_arena_strdup(&x->arena, x->cursor);
		rc = cur ? gx_list_param(&x->ctx, x->e, &x->q, "cursor", cur, NULL) : GX_ENOMEM;
	}
	x->first_page = false;
	x->q.limit = PAGE;
	json_t *page = NULL;
	if (!rc)
		rc = gx_entity_list(&x->ctx, x->e, &x->q, &page);
	if (rc)
		return rc;
	free(x->cursor);
	const char *next = json_string_value(json_object_get(page, "next_cursor"));
	x->cursor = next ? strdup(next) : NULL;
	if (next && !x->cursor)
		rc = GX_ENOMEM;
	*items = json_incref(json_object_get(page, "items"));
	json_decref(page);
	if (!rc)
		rc = load_customers(x, *items);
	return rc;
}

/* Text of a money amount in major units: 1234567 -> "12345.67". */
static void money_text(int64_t minor, char *out, size_t cap)
{
	unsigned long long a = minor < 0 ? (unsigned long long)(-(minor + 1)) + 1 : (unsigned long long)minor;
	snprintf(out, cap, "%s%llu.%02llu", minor < 0 ? "-" : "", a / 100, a % 100);
}

/* One cell as text (and as a number when it is one, for XLSX). NULL for
 * an empty cell. tmp holds short results; long ones are in the arena. */
static const char *cell_text(struct gx_export *x, const json_t *rec, const struct xcol *c, char *tmp, size_t cap,
			     bool *is_num, double *num)
{
	*is_num = false;
	if (c->kind == XC_CCODE || c->kind == XC_CNAME) {
		int k = customer_of(x, json_integer_value(json_object_get(rec, "customer_id")));
		return k < 0 ? NULL : c->kind == XC_CCODE ? x->cust_code[k] : x->cust_name[k];
	}
	const json_t *v;
	const char *type;
	if (c->kind == XC_CUSTOM) {
		v = json_object_get(json_object_get(rec, "custom"), x->cdefs[c->cdef].name);
		type = x->cdefs[c->cdef].type;
	} else {
		v = json_object_get(rec, c->f->name);
		type = NULL;
	}
	if (!v || json_is_null(v))
		return NULL;
	bool money = (c->f && c->f->type == GX_F_MONEY) || (type && !strcmp(type, "money"));
	if (json_is_boolean(v))
		return yes_no[x->o.lang][json_is_true(v) ? 0 : 1];
	if (json_is_integer(v)) {
		if (money) {
			money_text(json_integer_value(v), tmp, cap);
			*is_num = true;
			*num = (double)json_integer_value(v) / 100.0;
			return tmp;
		}
		snprintf(tmp, cap, "%lld", (long long)json_integer_value(v));
		/* ids and references stay text: 16 digits are past a spreadsheet's precision */
		bool ref = c->f && (c->f->type == GX_F_REF || !strcmp(c->f->name, "id"));
		*is_num = !ref;
		*num = (double)json_integer_value(v);
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, cap, "%.15g", json_real_value(v));
		*is_num = true;
		*num = json_real_value(v);
		return tmp;
	}
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_array(v) && type && !strcmp(type, "multi_option")) {
		struct gx_buf b;
		gx_buf_init(&b, 1 << 20);
		size_t i;
		json_t *o;
		json_array_foreach(v, i, o)
			gx_buf_printf(&b, "%s%s", i ? "," : "", json_string_value(o) ? json_string_value(o) : "");
		const char *r = b.data ? gx_arena_strdup(&x->arena, b.data) : "";
		gx_buf_free(&b);
		return r;
	}
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	const char *r = text ? gx_arena_strdup(&x->arena, text) : NULL;
	free(text);
	return r;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static int csv_header(struct gx_export *x)
{
	int rc = x->o.bom ? gx_buf_add(&x->out, "\xEF\xBB\xBF", 3) : 0;
	for (int i = 0; !rc && i < x->ncols; i++)
		rc = gx_csv_writer_cell(&x->w, x->cols[i].header, strlen(x->cols[i].header));
	if (!rc)
		rc = gx_csv_writer_end_row(&x->w);
	return rc;
}

static int csv_page(struct gx_export *x, json_t *items)
{
	size_t i;
	json_t *rec;
	int rc = 0;
	json_array_foreach(items, i, rec) {
		for (int k = 0; !rc && k < x->ncols; k++) {
			char tmp[64];
			bool isn;
			double num;
			const char *t = cell_text(x, rec, &x->cols[k], tmp, sizeof tmp, &isn, &num);
			rc = gx_csv_writer_cell(&x->w, t, t ? strlen(t) : 0);
		}
		if (!rc)
			rc = gx_csv_writer_end_row(&x->w);
		if (rc)
			break;
		x->rows++;
	}
	return rc;
}

/* ---- vCard (contacts) ---------------------------------------------------------------------------- */

static const char *const compound_surnames[] = {"欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方",
						"皇甫", "令狐", "慕容", "尉迟", "尉遲", "公孙", "公孫", "长孙", "長孫",
						"宇文", "司徒", "夏侯", "端木", "澹台", "轩辕", "軒轅", NULL};

static int vcf_page(struct gx_export *x, json_t *items)
{
	size_t i;
	json_t *rec;
	int rc = 0;
	json_array_foreach(items, i, rec) {
		struct gx_vcard card = {0};
		const char *name = json_string_value(json_object_get(rec, "name"));
		card.fn = (char *)name;
		/* N: a Chinese name is surname + given name (a few surnames have
		 * two characters); a Latin one is "given family" */
		char fam[64] = "", giv[200] = "";
		if (name && (unsigned char)name[0] >= 0xE0 && strlen(name) >= 6) {
			size_t sl = 3;
			for (const char *const *s = compound_surnames; *s; s++)
				if (!strncmp(name, *s, strlen(*s)) && strlen(name) > strlen(*s))
					sl = strlen(*s);
			snprintf(fam, sizeof fam, "%.*s", (int)sl, name);
			snprintf(giv, sizeof giv, "%s", name + sl);
		} else if (name) {
			const char *sp = strrchr(name, ' ');
			if (sp) {
				snprintf(giv, sizeof giv, "%.*s", (int)(sp - name), name);
				snprintf(fam, sizeof fam, "%s", sp + 1);
			} else {
				snprintf(giv, sizeof giv, "%s", name);
			}
		}
		card.family = *fam ? fam : NULL;
		card.given = *giv ? giv : NULL;
		card.title = (char *)json_string_value(json_object_get(rec, "title"));
		card.org_unit = (char *)json_string_value(json_object_get(rec, "department"));
		int k = customer_of(x, json_integer_value(json_object_get(rec, "customer_id")));
		card.org = k >= 0 ? x->cust_name[k] : NULL;
		card.bday = (char *)json_string_value(json_object_get(rec, "birthday"));
		card.note = (char *)json_string_value(json_object_get(rec, "notes"));
		char uid[64];
		snprintf(uid, sizeof uid, "urn:guanxi:contact:%lld", (long long)json_integer_value(json_object_get(rec, "id")));
		card.uid = uid;
		struct gx_vcard_value tels[2], emails[1];
		size_t nt = 0;
		const char *mobile = json_string_value(json_object_get(rec, "mobile"));
		const char *phone = json_string_value(json_object_get(rec, "phone"));
		const char *email = json_string_value(json_object_get(rec, "email"));
		if (mobile && *mobile)
			tels[nt++] = (struct gx_vcard_value){(char *)mobile, GX_VCARD_CELL | GX_VCARD_PREF};
		if (phone && *phone)
			tels[nt++] = (struct gx_vcard_value){(char *)phone, GX_VCARD_WORK | GX_VCARD_VOICE};
		card.tel = tels;
		card.ntel = nt;
		if (email && *email) {
			emails[0] = (struct gx_vcard_value){(char *)email, GX_VCARD_WORK | GX_VCARD_INTERNET};
			card.email = emails;
			card.nemail = 1;
		}
		rc = gx_vcard_write(&card, x->o.vcard_version == 40 ? 40 : 30, out_sink, x);
		if (rc == GX_EINVAL) {
			/* a birthday or text the writer refuses: write the card without it */
			card.bday = NULL;
			rc = gx_vcard_write(&card, x->o.vcard_version == 40 ? 40 : 30, out_sink, x);
		}
		if (rc)
			break;
		x->rows++;
	}
	return rc;
}

/* ---- the export object ---------------------------------------------------------------------------- */

int gx_export_open(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   const struct gx_export_opts *o, struct gx_export **out)
{
	*out = NULL;
	if (o->format == GX_EXPORT_XLSX || (o->format == GX_EXPORT_VCF && strcmp(e->name, "contacts")) ||
	    (o->format == GX_EXPORT_ICS && strcmp(e->name, "activities")))
		return GX_EINVAL;
	struct gx_export *x = calloc(1, sizeof *x);
	if (!x)
		return GX_ENOMEM;
	x->ctx = *ctx;
	gx_arena_init(&x->arena, 0);
	x->ctx.arena = &x->arena;
	x->ctx.values = NULL;
	x->e = e;
	x->q = *q;
	x->o = *o;
	if (x->o.lang < 0 || x->o.lang > 2)
		x->o.lang = 0;
	/* a search is exported in the list's order, every page (a ranked
	 * search answers only its best 200) */
	if (x->q.q && *x->q.q)
		x->q.sort_given = true;
	x->q.count = false;
	x->first_page = true;
	gx_buf_init(&x->out, 256u << 20);
	gx_csv_writer_init(&x->w, out_sink, x);
	int rc = load_cdefs(x);
	if (!rc && o->format == GX_EXPORT_CSV)
		rc = plan_columns(x);
	if (!rc && (o->format == GX_EXPORT_VCF || o->format == GX_EXPORT_ICS))
		x->need_customers = true;
	if (rc) {
		gx_export_close(x);
		return rc;
	}
	*out = x;
	return 0;
}

int gx_export_next(struct gx_export *x, const char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	x->out.len = 0;
	if (x->out.data)
		x->out.data[0] = '\0';
	int rc = 0;
	while (!rc && x->out.len == 0 && x->stage < 3) {
		if (x->stage == 0) {
			if (x->o.format == GX_EXPORT_CSV)
				rc = csv_header(x);
			else if (x->o.format == GX_EXPORT_ICS)
				rc = gx_ical_begin(out_sink, x);
			x->stage = 1;
		} else if (x->stage == 1) {
			json_t *items = NULL;
			rc = fetch_page(x, &items);
			if (!rc && !items) {
				x->stage = 2;
				continue;
			}
			if (!rc && x->o.format == GX_EXPORT_CSV)
				rc = csv_page(x, items);
			else if (!rc && x->o.format == GX_EXPORT_VCF)
				rc = vcf_page(x, items);
			else if (!rc && x->o.format == GX_EXPORT_ICS) {
				size_t i;
				json_t *rec;
				json_array_foreach(items, i, rec) {
					int k = customer_of(x, json_integer_value(json_object_get(rec, "customer_id")));
					rc = gx_ical_activity(rec, k >= 0 ? x->cust_name[k] : NULL, out_sink, x);
					if (rc)
						break;
					x->rows++;
				}
			}
			json_decref(items);
			if (!x->cursor)
				x->stage = 2;
		} else {
			if (x->o.format == GX_EXPORT_ICS)
				rc = gx_ical_end(out_sink, x);
			x->stage = 3;
		}
		/* the CSV writer buffers: hand its bytes over with the page */
		if (!rc && x->o.format == GX_EXPORT_CSV && x->w.len) {
			rc = gx_buf_add(&x->out, x->w.buf, x->w.len);
			x->w.len = 0;
		}
	}
	if (rc)
		return rc;
	*data = x->out.data;
	*len = x->out.len;
	return 0;
}

uint64_t gx_export_rows(const struct gx_export *x)
{
	return x->rows;
}

void gx_export_close(struct gx_export *x)
{
	if (!x)
		return;
	gx_csv_writer_flush(&x->w); /* frees; its sink is out_sink, harmless */
	gx_buf_free(&x->out);
	gx_arena_free(&x->arena);
	free(x->cursor);
	free(x);
}

int gx_export_to_sink(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		      const struct gx_export_opts *o, gx_sink_fn sink, void *ud, uint64_t *rows)
{
	struct gx_export *x;
	int rc = gx_export_open(ctx, e, q, o, &x);
	if (rc)
		return rc;
	for (;;) {
		const char *d;
		size_t n;
		rc = gx_export_next(x, &d, &n);
		if (rc || !n)
			break;
		rc = sink(ud, d, n);
		if (rc)
			break;
	}
	if (rows)
		*rows = x->rows;
	gx_export_close(x);
	return rc;
}

/* ---- XLSX ----------------------------------------------------------------------------------- */

#define XLSX_MAX_ROWS 1048576

static lxw_worksheet *new_sheet(lxw_workbook *wb, const struct gx_export *x, int n, lxw_format *bold)
{
	char name[48]; /* a sheet name is at most 31 characters */
	if (n == 1)
		snprintf(name, sizeof name, "%.28s", x->e->name);
	else
		snprintf(name, sizeof name, "%.20s (%d)", x->e->name, n % 1000);
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	if (!ws)
		return NULL;
	for (int i = 0; i < x->ncols; i++)
		worksheet_write_string(ws, 0, (lxw_col_t)i, x->cols[i].header, bold);
	worksheet_freeze_panes(ws, 1, 0);
	return ws;
}

int gx_export_xlsx(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   const struct gx_export_opts *o, const char *path, uint64_t *rows)
{
	struct gx_export_opts csvo = *o;
	csvo.format = GX_EXPORT_CSV; /* same columns and cells */
	struct gx_export *x;
	int rc = gx_export_open(ctx, e, q, &csvo, &x);
	if (rc)
		return rc;
	lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = (char *)o->tmpdir};
	lxw_workbook *wb = workbook_new_opt(path, &wo);
	if (!wb) {
		gx_export_close(x);
		return GX_EIO;
	}
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *money = workbook_add_format(wb);
	format_set_num_format(money, "#,##0.00");
	int sheet = 1;
	lxw_worksheet *ws = new_sheet(wb, x, sheet, bold);
	lxw_row_t row = 1;
	if (!ws)
		rc = GX_ENOMEM;
	while (!rc) {
		json_t *items = NULL;
		rc = fetch_page(x, &items);
		if (rc || !items)
			break;
		size_t i;
		json_t *rec;
		json_array_foreach(items, i, rec) {
			if (row == XLSX_MAX_ROWS) {
				ws = new_sheet(wb, x, ++sheet, bold);
				row = 1;
				if (!ws) {
					rc = GX_ENOMEM;
					break;
				}
			}
			for (int k = 0; k < x->ncols; k++) {
				char tmp[64];
				bool isn;
				double num;
				const struct xcol *c = &x->cols[k];
				const char *t = cell_text(x, rec, c, tmp, sizeof tmp, &isn, &num);
				if (!t)
					continue;
				lxw_error err;
				bool is_money = (c->f && c->f->type == GX_F_MONEY) ||
						(c->kind == XC_CUSTOM && !strcmp(x->cdefs[c->cdef].type, "money"));
				if (isn)
					err = worksheet_write_number(ws, row, (lxw_col_t)k, num, is_money ? money : NULL);
				else
					err = worksheet_write_string(ws, row, (lxw_col_t)k, t, NULL);
				if (err == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
					/* over a cell's 32,767 characters: the start, marked */
					char *cut = gx_arena_strndup(&x->arena, t, 32000);
					size_t cl = cut ? strlen(cut) : 0;
					while (cut && cl && ((unsigned char)cut[cl] & 0xC0) == 0x80)
						cut[--cl] = '\0';
					err = worksheet_write_string(ws, row, (lxw_col_t)k, cut ? cut : "", NULL);
				}
				if (err) {
					gx_log_warn("export: xlsx cell %u,%d: %s", (unsigned)row, k, lxw_strerror(err));
					rc = GX_EIO;
					break;
				}
			}
			if (rc)
				break;
			row++;
			x->rows++;
		}
		json_decref(items);
	}
	lxw_error cerr = workbook_close(wb);
	if (!rc && cerr) {
		gx_log_warn("export: cannot write %s: %s", path, lxw_strerror(cerr));
		rc = GX_EIO;
	}
	if (rows)
		*rows = x->rows;
	gx_export_close(x);
	return rc;
}
