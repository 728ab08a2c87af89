/* import.c — CSV and vCard import of customers and contacts through the
 * entity engine as one undoable batch (see import.h, docs/import-export.md). */
#include "io/import.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/id.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"
#include "crm/customer.h"
#include "entity/custom.h"
#include "entity/search.h"
#include "io/csvmap.h"
#include "io/export.h"
#include "io/vcard.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 160
#define MAX_CDEFS 64
#define MAX_ERROR_ROWS 10000          /* error rows kept for the report */
#define MAX_ERROR_BYTES (8u << 20)    /* and their cells, at most */
#define MAX_RAW_CELL 2000             /* bytes of one cell kept in the report */
#define LIVE_MAX 64

/* ---- names ------------------------------------------------------------------ */

const char *gx_import_mode_name(enum gx_import_mode m)
{
	return m == GX_IMPORT_ALL_OR_NOTHING ? "all_or_nothing" : "skip_bad";
}

const char *gx_import_key_name(enum gx_import_key k)
{
	static const char *const n[] = {"auto", "id", "code", "email", "phone", "none"};
	return (unsigned)k < 6 ? n[k] : "auto";
}

static const char *dups_name(enum gx_import_dups d)
{
	return d == GX_IMPORT_DUP_CREATE ? "create" : "report";
}

/* ---- options --------------------------------------------------------------------- */

static bool json_truthy(const json_t *v, bool *out)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return true;
	}
	const char *s = json_string_value(v);
	if (!s)
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !*s) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

static bool json_id(const json_t *v, int64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = json_integer_value(v);
		return true;
	}
	const char *s = json_string_value(v);
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno || *end || x <= 0)
		return false;
	*out = x;
	return true;
}

int gx_import_opts_parse(const json_t *in, struct gx_import_opts *o, struct gx_errors *errs)
{
	int bad = 0;
	const char *key;
	json_t *v;
	if (!json_is_object(in)) {
		gx_errors_add(errs, NULL, "type", "import options are a JSON object");
		return GX_EINVAL;
	}
	json_object_foreach((json_t *)in, key, v) {
		const char *s = json_string_value(v);
		bool b;
		if (!strcmp(key, "entity")) {
			if (!s || (strcmp(s, "customers") && strcmp(s, "contacts"))) {
				gx_errors_add(errs, key, "invalid_option", "entity is customers or contacts");
				bad++;
			} else {
				o->entity = s;
			}
		} else if (!strcmp(key, "mode")) {
			if (s && !strcmp(s, "skip_bad"))
				o->mode = GX_IMPORT_SKIP_BAD;
			else if (s && !strcmp(s, "all_or_nothing"))
				o->mode = GX_IMPORT_ALL_OR_NOTHING;
			else if (s && !strcmp(s, "dry_run"))
				o->dry_run = true;
			else {
				gx_errors_add(errs, key, "invalid_option", "mode is skip_bad, all_or_nothing or dry_run");
				bad++;
			}
		} else if (!strcmp(key, "dry_run") || !strcmp(key, "create_customers")) {
			if (!json_truthy(v, &b)) {
				gx_errors_add(errs, key, "type", "%s is true or false", key);
				bad++;
			} else if (key[0] == 'd') {
				o->dry_run = b;
			} else {
				o->create_customers = b;
			}
		} else if (!strcmp(key, "key")) {
			static const char *const names[] = {"auto", "id", "code", "email", "phone", "none"};
			int k = -1;
			for (int i = 0; s && i < 6; i++)
				if (!strcmp(s, names[i]))
					k = i;
			if (k < 0) {
				gx_errors_add(errs, key, "invalid_option", "key is auto, id, code, email, phone or none");
				bad++;
			} else {
				o->key = (enum gx_import_key)k;
			}
		} else if (!strcmp(key, "duplicates")) {
			if (s && !strcmp(s, "report"))
				o->duplicates = GX_IMPORT_DUP_REPORT;
			else if (s && !strcmp(s, "create"))
				o->duplicates = GX_IMPORT_DUP_CREATE;
			else {
				gx_errors_add(errs, key, "invalid_option", "duplicates is report or create");
				bad++;
			}
		} else if (!strcmp(key, "mapping")) {
			if (json_is_string(v)) {
				/* a JSON text, as a query parameter or form field gives it */
				gx_errors_add(errs, key, "type", "mapping is a JSON object or array (send it in the options part)");
				bad++;
			} else if (!json_is_object(v) && !json_is_array(v)) {
				gx_errors_add(errs, key, "type", "mapping is an object {\"header\": \"field\"} or a list of rules");
				bad++;
			} else {
				o->mapping = v;
			}
		} else if (!strcmp(key, "mapping_id") || !strcmp(key, "owner_id")) {
			int64_t id;
			if (!json_id(v, &id)) {
				gx_errors_add(errs, key, "type", "%s is a record id", key);
				bad++;
			} else if (key[0] == 'm') {
				o->mapping_id = id;
			} else {
				o->owner_id = id;
			}
		} else if (!strcmp(key, "encoding")) {
			enum gx_encoding enc;
			if (!s || gx_enc_from_name(s, &enc)) {
				gx_errors_add(errs, key, "invalid_option",
					      "encoding is auto, utf-8, gb18030 (gbk), big5, utf-16le, utf-16be or windows-1252");
				bad++;
			} else {
				o->encoding = enc;
			}
		} else if (!strcmp(key, "delimiter")) {
			char d = 0;
			if (s && (!strcmp(s, ",") || !strcmp(s, "comma")))
				d = ',';
			else if (s && (!strcmp(s, ";") || !strcmp(s, "semicolon")))
				d = ';';
			else if (s && (!strcmp(s, "\t") || !strcmp(s, "tab")))
				d = '\t';
			else if (s && (!strcmp(s, "|") || !strcmp(s, "pipe")))
				d = '|';
			else if (s && (!strcmp(s, "auto") || !*s))
				d = 0;
			else {
				gx_errors_add(errs, key, "invalid_option", "delimiter is auto, comma, semicolon, tab or pipe");
				bad++;
			}
			o->delimiter = d;
		} else if (!strcmp(key, "customer") || !strcmp(key, "filename") || !strcmp(key, "format")) {
			if (!s || strlen(s) > 500 || !gx_utf8_valid(s, strlen(s))) {
				gx_errors_add(errs, key, "type", "%s is a text", key);
				bad++;
			} else if (key[0] == 'c') {
				o->customer = *s ? s : NULL;
			} else if (key[0] == 'f' && key[1] == 'i') {
				o->filename = s;
			} else if (strcmp(s, "csv") && strcmp(s, "vcf") && strcmp(s, "auto")) {
				gx_errors_add(errs, key, "invalid_option", "format is csv, vcf or auto");
				bad++;
			} else {
				o->format = strcmp(s, "auto") ? s : NULL;
			}
		} else {
			gx_errors_add(errs, key, "unknown_parameter", "'%s' is not an import option", key);
			bad++;
		}
	}
	return bad ? GX_EINVAL : 0;
}

/* ---- live batches (running in this process) ------------------------------------------ */

struct live {
	int64_t tenant_id, id;
	char entity[16];
	char status[16];
	bool dry_run;
	enum gx_import_mode mode;
	char created_at[40];
	struct gx_import_progress p;
};

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct live lives[LIVE_MAX];

static int live_add(int64_t tenant_id, int64_t id, const struct gx_import_opts *o)
{
	int rc = GX_EBUSY;
	pthread_mutex_lock(&live_lock);
	for (int i = 0; i < LIVE_MAX; i++) {
		if (lives[i].id)
			continue;
		memset(&lives[i], 0, sizeof lives[i]);
		lives[i].tenant_id = tenant_id;
		lives[i].id = id;
		snprintf(lives[i].entity, sizeof lives[i].entity, "%s", o->entity);
		snprintf(lives[i].status, sizeof lives[i].status, "queued");
		lives[i].dry_run = o->dry_run;
		lives[i].mode = o->mode;
		gx_time_iso(gx_now_ms(), lives[i].created_at, sizeof lives[i].created_at);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&live_lock);
	return rc;
}

static void live_set(int64_t id, const char *status, const struct gx_import_progress *p)
{
	pthread_mutex_lock(&live_lock);
	for (int i = 0; i < LIVE_MAX; i++) {
		if (lives[i].id != id)
			continue;
		if (status)
			snprintf(lives[i].status, sizeof lives[i].status, "%s", status);
		if (p)
			lives[i].p = *p;
	}
	pthread_mutex_unlock(&live_lock);
}

static void live_remove(int64_t id)
{
	pthread_mutex_lock(&live_lock);
	for (int i = 0; i < LIVE_MAX; i++)
		if (lives[i].id == id)
			memset(&lives[i], 0, sizeof lives[i]);
	pthread_mutex_unlock(&live_lock);
}

static json_t *progress_json(const struct gx_import_progress *p)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "bytes", (json_int_t)p->bytes, "total_bytes",
			      (json_int_t)p->total_bytes, "rows", (json_int_t)p->rows, "created", (json_int_t)p->created,
			      "updated", (json_int_t)p->updated, "unchanged", (json_int_t)p->unchanged, "failed",
			      (json_int_t)p->failed);
	if (o && p->total_bytes)
		json_object_set_new(o, "percent", json_integer((json_int_t)(p->bytes * 100 / p->total_bytes)));
	return o;
}

/* The live batch id of the tenant as JSON, or NULL. */
static json_t *live_json(int64_t tenant_id, int64_t id)
{
	json_t *out = NULL;
	pthread_mutex_lock(&live_lock);
	for (int i = 0; i < LIVE_MAX; i++) {
		const struct live *l = &lives[i];
		if (!l->id || l->tenant_id != tenant_id || (id && l->id != id))
			continue;
		out = json_pack("{s:I, s:s, s:s, s:s, s:b, s:o, s:n, s:s}", "id", (json_int_t)l->id, "entity", l->entity,
				"status", l->status, "mode", gx_import_mode_name(l->mode), "dry_run", l->dry_run,
				"progress", progress_json(&l->p), "summary", "created_at", l->created_at);
		break;
	}
	pthread_mutex_unlock(&live_lock);
	return out;
}

/* ---- small SQL helpers ---------------------------------------------------------------- */

/* Binds the parameters fmt describes ('i' int64, 's' text or NULL), one
 * per character, the way both helpers below take them. */
static void bind_fmt(struct gx_stmt *st, const char *fmt, va_list ap)
{
	for (int k = 1; fmt[k - 1]; k++) {
		if (fmt[k - 1] == 'i')
			gx_stmt_bind_int64(st, k, va_arg(ap, int64_t));
		else
			gx_stmt_bind_str(st, k, va_arg(ap, const char *));
	}
}

/* Runs sql with int64 and text parameters described by fmt ('i' int64,
 * 's' text or NULL) and returns the first column of the first row as an
 * int64 in *out (0 when no row). */
static int sql_int(struct gx_conn *c, const char *sql, int64_t *out, const char *fmt, ...)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	bind_fmt(st, fmt, ap);
	va_end(ap);
	rc = gx_stmt_step(st);
	if (out)
		*out = rc == GX_ROW && gx_stmt_col_type(st, 0) != GX_COL_NULL ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Ids of the rows sql finds (at most max), same parameters as sql_int. */
static int sql_ids(struct gx_conn *c, const char *sql, int64_t *ids, int *n, int max, const char *fmt, ...)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	bind_fmt(st, fmt, ap);
	va_end(ap);
	*n = 0;
	while (*n < max && (rc = gx_stmt_step(st)) == GX_ROW)
		ids[(*n)++] = gx_stmt_col_int64(st, 0);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* ---- the import plan: slots (what a column can feed) and the mapping ---------------- */

enum slot_kind { SL_FIELD, SL_CUSTOM, SL_ID, SL_CUSTOMER_CODE, SL_CUSTOMER_NAME, SL_FIRST, SL_LAST };

struct cdef {
	char name[64], type[16];
	char label[3][104];
	json_t *options;
};

struct slot {
	enum slot_kind kind;
	const struct gx_field *f; /* SL_FIELD */
	int cdef;                 /* SL_CUSTOM */
	char name[80];            /* "phone", "custom.grade", "customer_code" */
	const char *label[3];
	bool multi;               /* several columns are joined */
	const char *sep;
	bool readonly;            /* shown in the mapping, never written */
};

/* who claims a column for a field, weakest first: a synonym that lost to
 * a stronger one in csvmap (it may still fill in for it), a synonym, an
 * engine label or name, a rule */
enum { PRIO_NONE, PRIO_WEAK, PRIO_SYNONYM, PRIO_LABEL, PRIO_RULE };

struct colmap {
	int slot;    /* -1: not imported */
	int fallback; /* a slot another column took: this one fills it when that cell is empty, else -1 */
	int prio;
	const char *status; /* mapped, explicit, label, unmapped, ignored, read_only, ambiguous, duplicate, empty */
	int conflict;
};

struct plan {
	const struct gx_entity *e;
	bool contacts;
	int lang; /* 0 zh-CN, 1 zh-TW, 2 en: for texts written into notes */
	struct slot slots[MAX_SLOTS];
	int nslots;
	struct cdef cdefs[MAX_CDEFS];
	int ncdefs;
	size_t ncols;
	char **headers;
	struct colmap *cols;
	enum gx_import_key key;  /* resolved */
	int key_slot;            /* the slot the key reads, -1 for none */
	const char *source;      /* salesforce, hubspot, generic */
	json_t *mapping_json;    /* the report */
	bool header_done;
};

static void plan_free(struct plan *p)
{
	for (int i = 0; i < p->ncdefs; i++)
		json_decref(p->cdefs[i].options);
	for (size_t i = 0; i < p->ncols; i++)
		free(p->headers ? p->headers[i] : NULL);
	free(p->headers);
	free(p->cols);
	json_decref(p->mapping_json);
	memset(p, 0, sizeof *p);
}

static int slot_find(const struct plan *p, const char *name)
{
	for (int i = 0; i < p->nslots; i++)
		if (!strcmp(p->slots[i].name, name))
			return i;
	return -1;
}

static int add_slot(struct plan *p, enum slot_kind kind, const char *name)
{
	if (p->nslots == MAX_SLOTS)
		return -1;
	struct slot *s = &p->slots[p->nslots];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->cdef = -1;
	snprintf(s->name, sizeof s->name, "%s", name);
	return p->nslots++;
}

static int load_cdefs(struct gx_ctx *ctx, struct gx_conn *c, struct plan *p)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT name, type, label_zh_cn, label_zh_tw, label_en, options FROM custom_fields "
				    "WHERE tenant_id = ? AND entity = ? AND deleted_at IS NULL ORDER BY position, id", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, p->e->name);
	while (p->ncdefs < MAX_CDEFS && (rc = gx_stmt_step(st)) == GX_ROW) {
		struct cdef *d = &p->cdefs[p->ncdefs++];
		memset(d, 0, sizeof *d);
		snprintf(d->name, sizeof d->name, "%s", gx_stmt_col_text(st, 0));
		snprintf(d->type, sizeof d->type, "%s", gx_stmt_col_text(st, 1));
		for (int k = 0; k < 3; k++) {
			const char *l = gx_stmt_col_text(st, 2 + k);
			snprintf(d->label[k], sizeof d->label[k], "%s", l ? l : "");
		}
		const char *o = gx_stmt_col_text(st, 5);
		d->options = o ? json_loads(o, 0, NULL) : NULL;
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static bool is_multi_field(const char *n)
{
	return !strcmp(n, "address") || !strcmp(n, "notes") || !strcmp(n, "tags") || !strcmp(n, "bank_account") ||
	       !strcmp(n, "preferences");
}

/* Builds the slots of the entity: its fields (read-only ones marked), the
 * pseudo fields, the tenant's custom fields. */
static int plan_slots(struct gx_ctx *ctx, struct gx_conn *c, struct plan *p)
{
	static const char *const code_label[3] = {"客户编号", "客戶編號", "Customer code"};
	static const char *const cname_label[3] = {"客户名称", "客戶名稱", "Customer name"};
	const struct gx_entity *e = p->e;
	for (int i = 0; i < e->nfields; i++) {
		const struct gx_field *f = &e->fields[i];
		if (f->flags & GX_FF_HIDDEN)
			continue;
		int k = add_slot(p, SL_FIELD, f->name);
		if (k < 0)
			return GX_ENOMEM;
		struct slot *s = &p->slots[k];
		s->f = f;
		memcpy(s->label, f->label, sizeof s->label);
		s->readonly = (f->flags & GX_FF_READONLY) != 0;
		s->multi = is_multi_field(f->name);
		s->sep = !strcmp(f->name, "tags") ? "," : !strcmp(f->name, "notes") || !strcmp(f->name, "preferences") ? "\n" : " ";
	}
	add_slot(p, SL_ID, "id");
	if (p->contacts) {
		int k = add_slot(p, SL_CUSTOMER_CODE, "customer_code");
		memcpy(p->slots[k].label, code_label, sizeof code_label);
		k = add_slot(p, SL_CUSTOMER_NAME, "customer_name");
		memcpy(p->slots[k].label, cname_label, sizeof cname_label);
		add_slot(p, SL_FIRST, "first_name");
		add_slot(p, SL_LAST, "last_name");
	}
	int rc = load_cdefs(ctx, c, p);
	for (int i = 0; !rc && i < p->ncdefs; i++) {
		char name[80];
		snprintf(name, sizeof name, "custom.%s", p->cdefs[i].name);
		int k = add_slot(p, SL_CUSTOM, name);
		if (k < 0)
			return GX_ENOMEM;
		p->slots[k].cdef = i;
		for (int l = 0; l < 3; l++)
			p->slots[k].label[l] = p->cdefs[i].label[l][0] ? p->cdefs[i].label[l] : NULL;
	}
	return rc;
}

/* Header variants for engine fields that the csvmap synonym table has no
 * field for (it knows the common columns only). */
static const struct {
	const char *header, *customer, *contact;
} overlay[] = {
	{"开户行", "bank_name", NULL}, {"開戶行", "bank_name", NULL}, {"开户银行", "bank_name", NULL},
	{"開戶銀行", "bank_name", NULL}, {"bank", "bank_name", NULL}, {"bank name", "bank_name", NULL},
	{"传真", "fax", NULL}, {"傳真", "fax", NULL}, {"fax", "fax", NULL}, {"传真号码", "fax", NULL},
	{"状态", "status", NULL}, {"狀態", "status", NULL}, {"客户状态", "status", NULL},
	{"客戶狀態", "status", NULL}, {"客户阶段", "status", NULL}, {"客戶階段", "status", NULL},
	{"status", "status", NULL}, {"lifecycle stage", "status", NULL},
	{"负责人", "owner_id", NULL}, {"負責人", "owner_id", NULL}, {"所有人", "owner_id", NULL},
	{"owner", "owner_id", NULL}, {"company owner", "owner_id", NULL}, {"account owner", "owner_id", NULL},
	{"发票抬头", "invoice_title", NULL}, {"發票抬頭", "invoice_title", NULL},
	{"开票名称", "invoice_title", NULL}, {"送货地址", "delivery_address", NULL},
	{"送貨地址", "delivery_address", NULL}, {"收货地址", "delivery_address", NULL},
	{"收貨地址", "delivery_address", NULL}, {"shipping address", "delivery_address", NULL},
	{"发票地址", "invoice_address", NULL}, {"發票地址", "invoice_address", NULL},
	{"billing address", "invoice_address", NULL},
	{"业务员", "sales_rep_code", NULL}, {"業務員", "sales_rep_code", NULL},
	{"业务员编号", "sales_rep_code", NULL}, {"業務員編號", "sales_rep_code", NULL},
	{"部门", NULL, "department"}, {"部門", NULL, "department"}, {"department", NULL, "department"},
	{"微信", NULL, "wechat"}, {"微信号", NULL, "wechat"}, {"微信號", NULL, "wechat"},
	{"wechat", NULL, "wechat"}, {"wechat id", NULL, "wechat"},
	{"主要联系人", NULL, "is_primary"}, {"主要聯絡人", NULL, "is_primary"},
	{"首要联系人", NULL, "is_primary"}, {"primary contact", NULL, "is_primary"},
	{"偏好", NULL, "preferences"},
};

/* The slot a header names by an engine field's name or label (any
 * language), a custom field's name or label, or the overlay; -1. System
 * fields (id, created_at, ...) are never matched by name: "ID" columns of
 * other products' exports are their own record ids. */
static int label_slot(const struct plan *p, const char *key)
{
	char nk[400];
	for (int i = 0; i < p->nslots; i++) {
		const struct slot *s = &p->slots[i];
		if (s->kind == SL_ID || s->kind == SL_FIRST || s->kind == SL_LAST)
			continue;
		/* a reference by its name ("owner_id", "customer_id") would take
		 * other products' "OwnerId", "AccountId" columns, which hold their
		 * own record ids: references map by label or rule only */
		bool ref = s->kind == SL_FIELD && s->f->type == GX_F_REF;
		const char *cands[5] = {s->kind == SL_CUSTOM ? s->name + 7 : ref ? NULL : s->name, s->label[0], s->label[1],
					s->label[2], s->kind == SL_CUSTOM ? s->name : NULL};
		for (int k = 0; k < 5; k++) {
			if (!cands[k] || !*cands[k])
				continue;
			if (gx_csvmap_normalize(cands[k], strlen(cands[k]), nk, sizeof nk, NULL) == 0 && !strcmp(nk, key))
				return i;
		}
	}
	for (size_t i = 0; i < sizeof overlay / sizeof overlay[0]; i++) {
		const char *f = p->contacts ? overlay[i].contact : overlay[i].customer;
		if (!f)
			continue;
		if (gx_csvmap_normalize(overlay[i].header, strlen(overlay[i].header), nk, sizeof nk, NULL) == 0 &&
		    !strcmp(nk, key))
			return slot_find(p, f);
	}
	return -1;
}

/* The slot an explicit rule's field names; -1 for unknown. */
static int rule_slot(const struct plan *p, const char *field)
{
	return slot_find(p, field);
}

/* Rules from a JSON mapping into (column, header, field) triples. */
struct rule {
	int column;
	const char *header;
	const char *field;
};

static int rules_from_json(const json_t *m, struct rule *rules, int *n, int max, struct gx_errors *errs)
{
	*n = 0;
	if (!m)
		return 0;
	const char *k;
	json_t *v;
	if (json_is_object(m)) {
		json_object_foreach((json_t *)m, k, v) {
			if (*n == max || (!json_is_string(v) && !json_is_null(v))) {
				gx_errors_add(errs, "mapping", "type", "a mapping gives each header a field name (or \"\" to skip it)");
				return GX_EINVAL;
			}
			char *end;
			long col = strtol(k, &end, 10);
			bool numeric = *k && !*end && col >= 1;
			rules[*n].column = numeric ? (int)col - 1 : -1; /* numbers count columns from 1 */
			rules[*n].header = numeric ? NULL : k;
			rules[*n].field = json_is_string(v) ? json_string_value(v) : "";
			(*n)++;
		}
		return 0;
	}
	size_t i;
	json_array_foreach((json_t *)m, i, v) {
		json_t *col = json_object_get(v, "column"), *hdr = json_object_get(v, "header"), *f = json_object_get(v, "field");
		if (*n == max || !json_is_object(v) || (!json_is_integer(col) && !json_is_string(hdr)) ||
		    (f && !json_is_string(f) && !json_is_null(f)) || (json_is_integer(col) && json_integer_value(col) < 1)) {
			gx_errors_add(errs, "mapping", "type",
				      "a mapping rule is {\"column\": n (from 1) or \"header\": \"...\", \"field\": \"...\"}");
			return GX_EINVAL;
		}
		rules[*n].column = json_is_integer(col) ? (int)json_integer_value(col) - 1 : -1;
		rules[*n].header = json_is_integer(col) ? NULL : json_string_value(hdr);
		rules[*n].field = json_is_string(f) ? json_string_value(f) : "";
		(*n)++;
	}
	return 0;
}

/* Checks that every rule's field exists (before any file is read). */
static int rules_check(const struct plan *p, const struct rule *rules, int n, struct gx_errors *errs)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		if (!*rules[i].field)
			continue;
		int s = rule_slot(p, rules[i].field);
		if (s < 0 || p->slots[s].readonly) {
			gx_errors_add(errs, "mapping", "unknown_field", "'%s' is not a field %s can import", rules[i].field,
				      p->e->name);
			bad++;
		}
	}
	return bad ? GX_EINVAL : 0;
}

static const char *csvfield_to_slot_name(const struct plan *p, const char *f)
{
	(void)p;
	return f; /* csvmap's names are the engine's and the pseudo fields' */
}

/* Maps the header row. Fatal problems (a rule naming a missing header, a
 * duplicate header of a field, no column at all) go to errs with GX_EINVAL. */
static int plan_header(struct plan *p, const struct gx_csv_field *h, size_t n, const struct rule *rules, int nrules,
		       struct gx_errors *errs)
{
	p->ncols = n;
	p->headers = calloc(n ? n : 1, sizeof *p->headers);
	p->cols = calloc(n ? n : 1, sizeof *p->cols);
	if (!p->headers || !p->cols)
		return GX_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		p->headers[i] = strndup(h[i].data, h[i].len);
		if (!p->headers[i])
			return GX_ENOMEM;
		p->cols[i] = (struct colmap){.slot = -1, .fallback = -1, .status = "unmapped", .conflict = -1};
	}
	struct gx_csvmap *m = NULL;
	int rc = gx_csvmap_build(&m, p->contacts ? GX_CSVMAP_CONTACT : GX_CSVMAP_CUSTOMER, h, n, NULL, 0);
	if (rc)
		return rc;
	p->source = gx_csvmap_source_name(m->source);
	int bad = 0;
	bool *ruled = calloc(n ? n : 1, sizeof *ruled);
	if (!ruled) {
		gx_csvmap_free(m);
		return GX_ENOMEM;
	}
	/* explicit rules first */
	for (int r = 0; r < nrules; r++) {
		int col = rules[r].column;
		if (col < 0) {
			char want[400];
			gx_csvmap_normalize(rules[r].header, strlen(rules[r].header), want, sizeof want, NULL);
			for (size_t i = 0; i < n && col < 0; i++)
				if (!strcmp(p->headers[i], rules[r].header))
					col = (int)i;
			for (size_t i = 0; i < n && col < 0; i++)
				if (!strcmp(m->cols[i].key, want))
					col = (int)i;
		}
		if (col < 0 || (size_t)col >= n) {
			if (rules[r].header)
				gx_errors_add(errs, "mapping", "not_found", "the file has no column '%s'", rules[r].header);
			else
				gx_errors_add(errs, "mapping", "not_found", "the file has no column %d", rules[r].column + 1);
			bad++;
			continue;
		}
		ruled[col] = true;
		if (!*rules[r].field) {
			p->cols[col] = (struct colmap){.slot = -1, .fallback = -1, .status = "ignored", .conflict = -1};
			continue;
		}
		p->cols[col] = (struct colmap){.slot = rule_slot(p, rules[r].field), .fallback = -1, .prio = PRIO_RULE,
					       .status = "explicit", .conflict = -1};
	}
	/* then labels and synonyms */
	for (size_t i = 0; i < n; i++) {
		if (ruled[i])
			continue;
		const struct gx_csvmap_col *mc = &m->cols[i];
		if (mc->status == GX_CSVMAP_EMPTY) {
			p->cols[i].status = "empty";
			continue;
		}
		int s = label_slot(p, mc->key);
		int prio = PRIO_LABEL;
		if (s < 0 && (mc->status == GX_CSVMAP_MAPPED || mc->status == GX_CSVMAP_DUPLICATE ||
			      mc->status == GX_CSVMAP_AMBIGUOUS)) {
			const char *f = mc->field ? mc->field
						  : gx_csvmap_lookup(p->contacts ? GX_CSVMAP_CONTACT : GX_CSVMAP_CUSTOMER,
								     p->headers[i]);
			s = f ? slot_find(p, csvfield_to_slot_name(p, f)) : -1;
			prio = mc->status == GX_CSVMAP_AMBIGUOUS ? PRIO_WEAK : PRIO_SYNONYM;
		}
		if (s < 0)
			continue;
		if (p->slots[s].readonly) {
			p->cols[i] = (struct colmap){.slot = -1, .fallback = -1, .status = "read_only", .conflict = -1};
			continue;
		}
		if (mc->status == GX_CSVMAP_DUPLICATE && !p->slots[s].multi) {
			gx_errors_add(errs, "header", "duplicate_header",
				      "columns %d and %d are both '%s' (%s): rename one, or map one of them explicitly",
				      mc->conflict + 1, (int)i + 1, p->headers[i], p->slots[s].name);
			bad++;
			continue;
		}
		p->cols[i] = (struct colmap){.slot = s, .fallback = -1, .prio = prio,
					     .status = prio == PRIO_LABEL ? "label" : "mapped", .conflict = -1};
	}
	free(ruled);
	/* one column per single-valued slot: the strongest claim, then the leftmost */
	for (size_t i = 0; i < n; i++) {
		int s = p->cols[i].slot;
		if (s < 0 || p->slots[s].multi)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (j == i || p->cols[j].slot != s)
				continue;
			bool j_wins = p->cols[j].prio > p->cols[i].prio || (p->cols[j].prio == p->cols[i].prio && j < i);
			if (j_wins) {
				if (p->cols[i].prio == PRIO_RULE && p->cols[j].prio == PRIO_RULE) {
					gx_errors_add(errs, "mapping", "conflict", "columns %d and %d are both mapped to %s",
						      (int)j + 1, (int)i + 1, p->slots[s].name);
					bad++;
				}
				/* the winner's cell may be empty on a row (Salesforce's
				 * AccountNumber often is; its Id then makes the code) */
				p->cols[i] = (struct colmap){.slot = -1, .fallback = s, .status = "fallback", .conflict = (int)j};
				break;
			}
		}
	}
	gx_csvmap_free(m);
	size_t mapped = 0;
	for (size_t i = 0; i < n; i++)
		mapped += p->cols[i].slot >= 0;
	if (!bad && !mapped) {
		gx_errors_add(errs, "header", "no_columns",
			      "no column of the header row names a field of %s; map the columns explicitly", p->e->name);
		bad++;
	}
	/* the report */
	p->mapping_json = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct colmap *cm = &p->cols[i];
		int fs = cm->slot >= 0 ? cm->slot : cm->fallback;
		json_t *o = json_pack("{s:i, s:s, s:s?, s:s}", "column", (int)i + 1, "header", p->headers[i], "field",
				      fs >= 0 ? p->slots[fs].name : NULL, "status", cm->status);
		if (o && cm->conflict >= 0)
			json_object_set_new(o, "conflict", json_integer(cm->conflict + 1));
		json_array_append_new(p->mapping_json, o);
	}
	p->header_done = true;
	return bad ? GX_EINVAL : 0;
}

/* Mapping for vCards: every card gives contact fields by name. */
static int plan_vcard(struct plan *p)
{
	p->mapping_json = json_array();
	p->source = "vcard";
	p->header_done = true;
	return 0;
}

static bool slot_mapped(const struct plan *p, const char *name)
{
	int s = slot_find(p, name);
	if (s < 0)
		return false;
	if (!p->cols)
		return true; /* vCard: every field may come */
	for (size_t i = 0; i < p->ncols; i++)
		if (p->cols[i].slot == s)
			return true;
	return false;
}

/* Resolves the upsert key against what the file maps. */
static int plan_key(struct plan *p, enum gx_import_key want, struct gx_errors *errs)
{
	p->key = GX_IMPORT_KEY_NONE;
	p->key_slot = -1;
	static const char *const key_field[] = {NULL, "id", "code", "email", "phone"};
	if (want == GX_IMPORT_KEY_NONE)
		return 0;
	if (p->contacts) {
		/* contacts are matched within their customer (email, mobile,
		 * phone, name), or by id */
		if (want == GX_IMPORT_KEY_ID && !slot_mapped(p, "id")) {
			gx_errors_add(errs, "key", "not_mapped", "key id needs a column mapped to id");
			return GX_EINVAL;
		}
		if (want == GX_IMPORT_KEY_CODE) {
			gx_errors_add(errs, "key", "invalid_option", "contacts have no code; use auto, id, email, phone or none");
			return GX_EINVAL;
		}
		p->key = want == GX_IMPORT_KEY_AUTO && slot_mapped(p, "id") ? GX_IMPORT_KEY_ID : want;
		return 0;
	}
	if (want != GX_IMPORT_KEY_AUTO) {
		bool ok = slot_mapped(p, key_field[want]) || (want == GX_IMPORT_KEY_PHONE && slot_mapped(p, "mobile"));
		if (!ok) {
			gx_errors_add(errs, "key", "not_mapped", "key %s needs a column mapped to %s", key_field[want],
				      key_field[want]);
			return GX_EINVAL;
		}
		p->key = want;
		return 0;
	}
	if (slot_mapped(p, "id"))
		p->key = GX_IMPORT_KEY_ID;
	else if (slot_mapped(p, "code"))
		p->key = GX_IMPORT_KEY_CODE;
	else if (slot_mapped(p, "email"))
		p->key = GX_IMPORT_KEY_EMAIL;
	else if (slot_mapped(p, "mobile") || slot_mapped(p, "phone"))
		p->key = GX_IMPORT_KEY_PHONE;
	return 0;
}

/* ---- cell values ------------------------------------------------------------------------ */

/* Undoes the export's formula neutralisation: a leading ' before = + - @,
 * tab, CR or another ' is removed (see export.h). */
static const char *unneutralise(const char *s)
{
	if (s[0] == '\'' && (s[1] == '=' || s[1] == '+' || s[1] == '-' || s[1] == '@' || s[1] == '\t' || s[1] == '\r' ||
			     s[1] == '\''))
		return s + 1;
	return s;
}

/* Copies s into the arena trimmed of ASCII, NBSP and ideographic space,
 * with vertical tabs (Excel's in-cell line break in some exports) as line
 * breaks. */
static char *clean_text(struct gx_arena *a, const char *s, size_t n)
{
	const unsigned char *b = (const unsigned char *)s, *e = b + n;
	for (;;) {
		if (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
			b++;
		else if (e - b >= 2 && b[0] == 0xC2 && b[1] == 0xA0)
			b += 2;
		else if (e - b >= 3 && b[0] == 0xE3 && b[1] == 0x80 && b[2] == 0x80)
			b += 3;
		else
			break;
	}
	for (;;) {
		if (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - b >= 2 && e[-2] == 0xC2 && e[-1] == 0xA0)
			e -= 2;
		else if (e - b >= 3 && e[-3] == 0xE3 && e[-2] == 0x80 && e[-1] == 0x80)
			e -= 3;
		else
			break;
	}
	char *out = gx_arena_strndup(a, (const char *)b, (size_t)(e - b));
	for (char *q = out; q && *q; q++)
		if (*q == '\v')
			*q = '\n';
	return out;
}

/* Full-width ASCII (Ａ-Ｚ, ０-９, （ ） ＋ － ...) to ASCII, in place. */
static void fold_fullwidth(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	while (*r) {
		if (r[0] == 0xEF && (r[1] == 0xBC || r[1] == 0xBD) && r[2]) {
			unsigned cp = ((r[0] & 0x0Fu) << 12) | ((r[1] & 0x3Fu) << 6) | (r[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				*w++ = (unsigned char)(cp - 0xFEE0);
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static bool ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static bool in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (ieq(v, *list))
			return true;
	return false;
}

/* Amount in major units ("12,345.67", "¥1,000", "5万", "(300)") to minor
 * units (x100). GX_EINVAL when not an amount. */
static int parse_money(const char *in, int64_t *out)
{
	char buf[128];
	size_t o = 0;
	bool neg = false, paren = false;
	int64_t mult = 1;
	const char *s = in;
	static const char *const skip[] = {"¥", "￥", "元", "NT$", "HK$", "US$", "RMB", "CNY", "TWD", "USD", "HKD",
					   "EUR", "€", "£", "$", NULL};
	while (*s && o < sizeof buf - 1) {
		bool skipped = false;
		for (const char *const *k = skip; *k; k++) {
			size_t kl = strlen(*k);
			if (!strncasecmp(s, *k, kl)) {
				s += kl;
				skipped = true;
				break;
			}
		}
		if (skipped)
			continue;
		if (!strncmp(s, "万", 3) || !strncmp(s, "萬", 3)) {
			mult = 10000;
			s += 3;
			continue;
		}
		if (!strncmp(s, "亿", 3) || !strncmp(s, "億", 3)) {
			mult = 100000000;
			s += 3;
			continue;
		}
		char ch = *s++;
		if (ch == ' ' || ch == ',' || ch == '\'')
			continue;
		if (ch == '(' && o == 0) {
			paren = true;
			continue;
		}
		if (ch == ')' && paren) {
			paren = false;
			neg = true;
			continue;
		}
		if (ch == '-' && o == 0 && !neg) {
			neg = true;
			continue;
		}
		if (ch == '+' && o == 0)
			continue;
		if (!isdigit((unsigned char)ch) && ch != '.')
			return GX_EINVAL;
		buf[o++] = ch;
	}
	buf[o] = '\0';
	if (*s || paren || !o)
		return GX_EINVAL;
	char *dot = strchr(buf, '.');
	if (dot && strchr(dot + 1, '.'))
		return GX_EINVAL;
	int64_t whole = 0, frac = 0;
	int fdig = 0;
	for (const char *p = buf; *p && p != dot; p++) {
		if (whole > (INT64_C(9007199254740991) - 9) / 10)
			return GX_EINVAL;
		whole = whole * 10 + (*p - '0');
	}
	if (dot) {
		/* with a 万 multiplier up to 6 decimals make whole fen */
		for (const char *p = dot + 1; *p; p++, fdig++) {
			if (fdig == 8)
				return GX_EINVAL;
			frac = frac * 10 + (*p - '0');
		}
	}
	/* amount = (whole + frac/10^fdig) * mult * 100 minor units, exactly */
	int64_t scale = 1;
	for (int i = 0; i < fdig; i++)
		scale *= 10;
	if (whole > INT64_C(9007199254740991) / 100 / mult)
		return GX_EINVAL;
	int64_t minor = whole * mult * 100;
	int64_t num = frac * mult * 100;
	if (num % scale)
		return GX_EINVAL; /* a fraction of a fen */
	minor += num / scale;
	*out = neg ? -minor : minor;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "y", "1", "是", "对", "對", "有", "√", "✓", "✔", "on", "t", NULL};
	static const char *const no[] = {"false", "no", "n", "0", "否", "不", "无", "無", "×", "✗", "off", "f", NULL};
	if (in_list(s, yes))
		*out = true;
	else if (in_list(s, no))
		*out = false;
	else
		return GX_EINVAL;
	return 0;
}

/* Dates: 1980-03-22, 1980/3/22, 1980.3.22, 1980年3月22日, 19800322, an
 * ISO time (date part). *yearless gets "MM-DD" for --03-22, --0322 and
 * 3月22日 (out then empty). GX_EINVAL otherwise. */
static int parse_date(const char *in, char *out, size_t cap, char *yearless, size_t ycap)
{
	int y = 0, m = 0, d = 0;
	char rest[64] = "";
	*out = '\0';
	if (yearless)
		*yearless = '\0';
	char s[96];
	snprintf(s, sizeof s, "%s", in);
	fold_fullwidth(s);
	if ((sscanf(s, "--%2d-%2d%63s", &m, &d, rest) >= 2 || (strlen(s) == 6 && sscanf(s, "--%2d%2d", &m, &d) == 2) ||
	     (sscanf(s, "%d月%d日%63s", &m, &d, rest) >= 2 && !strstr(s, "年"))) &&
	    !*rest && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
		if (yearless)
			snprintf(yearless, ycap, "%02d-%02d", m, d);
		return 0;
	}
	rest[0] = '\0';
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8)
		sscanf(s, "%4d%2d%2d", &y, &m, &d);
	else if (sscanf(s, "%d年%d月%d日%63s", &y, &m, &d, rest) >= 3)
		;
	else if (sscanf(s, "%4d-%2d-%2d%63s", &y, &m, &d, rest) >= 3) {
		if (*rest && rest[0] != 'T' && rest[0] != ' ')
			return GX_EINVAL;
		rest[0] = '\0';
	} else if (sscanf(s, "%4d/%2d/%2d%63s", &y, &m, &d, rest) >= 3 || sscanf(s, "%4d.%2d.%2d%63s", &y, &m, &d, rest) >= 3) {
		if (*rest && rest[0] != ' ')
			return GX_EINVAL;
		rest[0] = '\0';
	} else {
		return GX_EINVAL;
	}
	if (*rest)
		return GX_EINVAL;
	char iso[16];
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
	int yy, mm, dd;
	if (y < 1800 || y > 2200 || gx_date_parse(iso, &yy, &mm, &dd))
		return GX_EINVAL;
	snprintf(out, cap, "%s", iso);
	return 0;
}

/* Splits a cell holding several phones or e-mails: the first goes to
 * *first, the others (joined with ", ") to *rest (NULL when none). */
static void split_multi(struct gx_arena *a, char *s, const char *seps, char **first, char **rest)
{
	*first = s;
	*rest = NULL;
	size_t n = strlen(s);
	size_t cut = n;
	for (const char *const *sep = (const char *const[]){"/", "、", ";", "；", ",", "，", " or ", "|", NULL}; *sep; sep++) {
		if (!strstr(seps, *sep) && strcmp(seps, "*"))
			continue;
		char *hit = strstr(s, *sep);
		if (hit && (size_t)(hit - s) < cut)
			cut = (size_t)(hit - s);
	}
	if (cut == n)
		return;
	char *tail = s + cut;
	/* skip the separator */
	while (*tail && (strchr("/;,| ", *tail) || (unsigned char)*tail >= 0x80)) {
		if ((unsigned char)*tail >= 0x80) {
			if (!strncmp(tail, "、", 3) || !strncmp(tail, "；", 3) || !strncmp(tail, "，", 3))
				tail += 3;
			else
				break;
		} else if (!strncmp(tail, " or ", 4)) {
			tail += 4;
		} else {
			tail++;
		}
	}
	s[cut] = '\0';
	char *t = clean_text(a, s, strlen(s));
	*first = t ? t : s;
	if (*tail) {
		/* the separators between the others become ", " */
		char *r = clean_text(a, tail, strlen(tail));
		*rest = r;
	}
}

/* A phone cell: full-width digits folded, 转/轉/分机 extension to " x",
 * several numbers split (the others to *extra). GX_EINVAL with a message
 * for Excel's scientific notation (1.38001E+10: digits are lost). */
static int clean_phone(struct gx_arena *a, const char *in, char **out, char **extra, const char **why)
{
	char *s = gx_arena_strdup(a, in);
	if (!s)
		return GX_ENOMEM;
	fold_fullwidth(s);
	if (strchr(s, 'E') || strchr(s, 'e')) {
		double x;
		char *end;
		x = strtod(s, &end);
		if (!*end && x > 1000 && strpbrk(s, "Ee")) {
			*why = "looks like a number Excel turned into scientific notation (digits are lost): format the column as text and export again";
			return GX_EINVAL;
		}
	}
	/* RFC 3966 extensions (tel:+1-418-656-9254;ext=102) before ';' splits */
	for (char *e = strcasestr(s, ";ext="); e; e = strcasestr(e, ";ext=")) {
		memcpy(e, " x", 2);
		memmove(e + 2, e + 5, strlen(e + 5) + 1);
	}
	char *first, *rest;
	split_multi(a, s, "/、;；,，|", &first, &rest);
	/* extensions */
	struct gx_buf b;
	gx_buf_init(&b, 256);
	for (const char *p = first; *p;) {
		if (!strncmp(p, "转", 3) || !strncmp(p, "轉", 3)) {
			gx_buf_adds(&b, " x");
			p += 3;
		} else if (!strncmp(p, "分机", 6) || !strncmp(p, "分機", 6)) {
			gx_buf_adds(&b, " x");
			p += 6;
		} else if (!strncasecmp(p, "ext.", 4)) {
			gx_buf_adds(&b, " x");
			p += 4;
		} else if (!strncasecmp(p, "ext", 3)) {
			gx_buf_adds(&b, " x");
			p += 3;
		} else {
			gx_buf_add(&b, p, 1);
			p++;
		}
	}
	*out = b.data ? gx_arena_strdup(a, b.data) : first;
	gx_buf_free(&b);
	*extra = rest;
	return 0;
}

static const char *const kind_org[] = {"organisation", "organization", "企业", "企業", "公司", "单位", "單位", "组织",
				       "組織", "法人", "机构", "機構", "company", "business", "b2b", "org", "false", NULL};
static const char *const kind_person[] = {"person", "个人", "個人", "自然人", "individual", "consumer", "b2c",
					  "true", NULL};

static const struct {
	const char *value;
	const char *const *words;
} type_words[] = {
	{"end_customer", (const char *const[]){"end_customer", "end customer", "终端客户", "終端客戶", "终端", "終端",
					       "直客", "直接客户", "直接客戶", "最终用户", "最終用戶", "customer",
					       "customer - direct", "customer - channel", "direct", NULL}},
	{"distributor", (const char *const[]){"distributor", "分销商", "分銷商", "总经销", "總經銷", "渠道商",
					      "channel partner / reseller", "reseller", "channel partner", NULL}},
	{"dealer", (const char *const[]){"dealer", "经销商", "經銷商", "零售商", "retailer", NULL}},
	{"wholesaler", (const char *const[]){"wholesaler", "批发商", "批發商", "wholesale", NULL}},
	{"agent", (const char *const[]){"agent", "代理商", "代理", "agency", NULL}},
	{"other", (const char *const[]){"other", "其他", "其它", "installation partner", "technology partner", NULL}},
};

static const struct {
	const char *value;
	const char *const *words;
} status_words[] = {
	{"lead", (const char *const[]){"lead", "线索", "線索", "new", "新客户", "新客戶", NULL}},
	{"prospect", (const char *const[]){"prospect", "潜在客户", "潛在客戶", "意向客户", "意向客戶", "商机", "商機",
					   "opportunity", NULL}},
	{"customer", (const char *const[]){"customer", "客户", "客戶", "成交客户", "成交客戶", "已成交", "正式客户",
					   "正式客戶", "active", NULL}},
	{"former", (const char *const[]){"former", "流失客户", "流失客戶", "流失", "已流失", "前客户", "前客戶", "lost",
					 "inactive", "churned", "former customer", NULL}},
};

static const struct {
	const char *iso;
	const char *const *words;
} currency_words[] = {
	{"CNY", (const char *const[]){"人民币", "人民幣", "rmb", "cny", "¥", "￥", "元", "yuan", NULL}},
	{"TWD", (const char *const[]){"新台币", "新台幣", "台币", "台幣", "ntd", "nt$", "twd", NULL}},
	{"HKD", (const char *const[]){"港币", "港幣", "港元", "hk$", "hkd", NULL}},
	{"USD", (const char *const[]){"美元", "美金", "us$", "usd", "$", NULL}},
	{"EUR", (const char *const[]){"欧元", "歐元", "eur", "€", NULL}},
	{"JPY", (const char *const[]){"日元", "日圓", "日币", "jpy", "円", NULL}},
	{"GBP", (const char *const[]){"英镑", "英鎊", "gbp", "£", NULL}},
};

/* ---- the running import --------------------------------------------------------------------- */

struct err_row {
	uint64_t line, record;
	json_t *errors; /* [{field, code, message}] */
	json_t *raw;    /* [cells] */
};

struct imp {
	struct gx_ctx *ctx;      /* the caller's */
	struct gx_ctx rctx;      /* per row: the caller's with a row arena */
	struct gx_arena row_arena;
	struct gx_conn *c;
	const struct gx_import_opts *o;
	int64_t batch_id;
	struct plan plan;
	struct rule rules[256];
	int nrules;
	json_t *saved_rules;
	struct gx_import_progress p;
	uint64_t blank, duplicates, seq;
	int64_t default_customer;
	/* row errors kept for the report */
	struct err_row *errs;
	size_t nerrs, cap_errs, err_bytes;
	uint64_t errs_dropped;
	int fatal;               /* error that stops the import */
	struct gx_errors fatal_errs;
	int64_t last_progress_ms;
	int64_t started_mono;
	size_t term_mark;        /* pending search terms when the row began */
	struct touch *touches;   /* "created" batch records not yet written */
	size_t ntouch, cap_touch, touch_mark;
	struct probe *probes;    /* the duplicate check's similar-name candidates */
	size_t nprobes;
	const char *encoding;
	char delimiter;
	int enc_confidence;
	struct gx_csv_info info;
};

static void report_progress(struct imp *im, bool force)
{
	int64_t now = gx_mono_ms();
	if (!force && now - im->last_progress_ms < 200)
		return;
	im->last_progress_ms = now;
	live_set(im->batch_id, NULL, &im->p);
	if (im->o->progress)
		im->o->progress(im->o->progress_ud, &im->p);
}

/* Keeps a row error for the report (bounded). */
static void keep_error(struct imp *im, uint64_t line, uint64_t record, json_t *errors, json_t *raw)
{
	if (im->nerrs == MAX_ERROR_ROWS || im->err_bytes > MAX_ERROR_BYTES) {
		im->errs_dropped++;
		json_decref(errors);
		json_decref(raw);
		return;
	}
	if (im->nerrs == im->cap_errs) {
		size_t cap = im->cap_errs ? im->cap_errs * 2 : 64;
		struct err_row *e = realloc(im->errs, cap * sizeof *e);
		if (!e) {
			im->errs_dropped++;
			json_decref(errors);
			json_decref(raw);
			return;
		}
		im->errs = e;
		im->cap_errs = cap;
	}
	size_t bytes = 64;
	size_t i;
	json_t *v;
	json_array_foreach(raw, i, v)
		bytes += json_string_length(v) + 8;
	json_array_foreach(errors, i, v)
		bytes += 160;
	im->err_bytes += bytes;
	im->errs[im->nerrs++] = (struct err_row){line, record, errors, raw};
}

static json_t *raw_cells(const struct gx_csv_record *rec)
{
	json_t *a = json_array();
	for (size_t i = 0; rec && i < rec->nfields; i++) {
		size_t n = rec->fields[i].len;
		if (n > MAX_RAW_CELL) {
			n = MAX_RAW_CELL;
			while (n > 0 && ((unsigned char)rec->fields[i].data[n] & 0xC0) == 0x80)
				n--; /* keep whole UTF-8 characters */
		}
		json_array_append_new(a, json_stringn(rec->fields[i].data, n));
	}
	return a;
}

/* A row's values by slot (NULL: not given), in the row arena. */
struct row {
	char *v[MAX_SLOTS];
	struct gx_buf extra; /* texts moved to notes (other phones, ...) */
	uint64_t line, record;
};

static void row_extra(struct row *r, const char *label, const char *text)
{
	if (!text || !*text)
		return;
	if (r->extra.len)
		gx_buf_adds(&r->extra, "\n");
	gx_buf_printf(&r->extra, "%s: %s", label, text);
}

/* Sets (or, for a multi-column field, appends) slot s of the row. Cells
 * are trimmed, except one our export neutralised ('\t..., '\r...), whose
 * leading white space is part of the value (as_is). */
static void row_set(struct imp *im, struct row *r, int s, const char *val, size_t len, bool as_is)
{
	struct gx_arena *a = &im->row_arena;
	char *t = as_is ? gx_arena_strndup(a, val, len) : clean_text(a, val, len);
	if (!t || !*t)
		return;
	const struct slot *sl = &im->plan.slots[s];
	if (r->v[s] && sl->multi) {
		char *j = gx_arena_printf(a, "%s%s%s", r->v[s], sl->sep, t);
		if (j)
			r->v[s] = j;
	} else if (!r->v[s]) {
		r->v[s] = t;
	}
}

static const char *lang_label(const struct imp *im, const struct slot *s)
{
	const char *l = s->label[im->plan.lang];
	return l && *l ? l : s->name;
}

/* Converts the row's texts into the engine's input: `in` gets the fields,
 * in.custom the custom fields. Bad values go to errs. */
static int row_values(struct imp *im, struct row *r, json_t *in, struct gx_errors *errs)
{
	struct plan *p = &im->plan;
	struct gx_arena *a = &im->row_arena;
	int bad = 0;
	json_t *custom = NULL;
	/* what goes into notes must be known before notes is set */
	for (int s = 0; s < p->nslots; s++) {
		const struct slot *sl = &p->slots[s];
		char *v = r->v[s];
		if (!v || sl->kind != SL_FIELD)
			continue;
		const char *n = sl->f->name;
		if (sl->f->type == GX_F_PHONE) {
			char *out, *extra;
			const char *why = NULL;
			if (clean_phone(a, v, &out, &extra, &why)) {
				gx_errors_add(errs, n, "invalid_format", "%s %s", n, why ? why : "is not a phone number");
				bad++;
				r->v[s] = NULL;
				continue;
			}
			r->v[s] = out;
			row_extra(r, lang_label(im, sl), extra);
		} else if (sl->f->type == GX_F_EMAIL) {
			char *s2 = gx_arena_strdup(a, strncasecmp(v, "mailto:", 7) ? v : v + 7);
			char *first, *rest;
			if (!s2)
				return GX_ENOMEM;
			fold_fullwidth(s2);
			split_multi(a, s2, ";；,，、| ", &first, &rest);
			r->v[s] = first;
			row_extra(r, lang_label(im, sl), rest);
		}
	}
	for (int s = 0; s < p->nslots; s++) {
		const struct slot *sl = &p->slots[s];
		char *v = r->v[s];
		if (sl->kind == SL_CUSTOM) {
			if (!v)
				continue;
			const struct cdef *d = &p->cdefs[sl->cdef];
			json_t *jv = NULL;
			const char *t = d->type;
			char date[16], yl[16];
			bool b;
			int64_t m;
			if (!strcmp(t, "number")) {
				char *end, buf[64];
				size_t o = 0;
				for (const char *q = v; *q && o < sizeof buf - 1; q++)
					if (*q != ',' && *q != ' ')
						buf[o++] = *q;
				buf[o] = '\0';
				errno = 0;
				double x = strtod(buf, &end);
				if (!errno && end != buf && !*end && isfinite(x))
					jv = x == (double)(long long)x && fabs(x) < 9e15 ? json_integer((json_int_t)x) : json_real(x);
			} else if (!strcmp(t, "money")) {
				if (!parse_money(v, &m))
					jv = json_integer(m);
			} else if (!strcmp(t, "date")) {
				if (!parse_date(v, date, sizeof date, yl, sizeof yl) && *date)
					jv = json_string(date);
			} else if (!strcmp(t, "boolean")) {
				if (!parse_bool(v, &b))
					jv = json_boolean(b);
			} else if (!strcmp(t, "multi_option")) {
				jv = json_array();
				char *copy = gx_arena_strdup(a, v), *save = NULL;
				for (char *tok = copy ? strtok_r(copy, ",;|，；、", &save) : NULL; tok;
				     tok = strtok_r(NULL, ",;|，；、", &save)) {
					char *c2 = clean_text(a, tok, strlen(tok));
					if (c2 && *c2)
						json_array_append_new(jv, json_string(c2));
				}
			} else if (!strcmp(t, "option")) {
				/* the option as written, or one that differs in case */
				size_t i;
				json_t *opt;
				json_array_foreach(d->options, i, opt)
					if (json_is_string(opt) && ieq(json_string_value(opt), v))
						jv = json_string(json_string_value(opt));
				if (!jv)
					jv = json_string(v); /* the engine names the options */
			} else {
				jv = json_string(v);
			}
			if (!jv) {
				gx_errors_add(errs, sl->name, "invalid_format", "'%s' is not a valid %s for %s", v, t, sl->name);
				bad++;
				continue;
			}
			if (!custom)
				custom = json_object();
			json_object_set_new(custom, d->name, jv);
			continue;
		}
		if (sl->kind != SL_FIELD || !v)
			continue;
		const struct gx_field *f = sl->f;
		const char *n = f->name;
		json_t *jv = NULL;
		switch (f->type) {
		case GX_F_MONEY: {
			int64_t m;
			if (parse_money(v, &m)) {
				gx_errors_add(errs, n, "invalid_format", "'%s' is not an amount (%s)", v, n);
				bad++;
			} else {
				jv = json_integer(m);
			}
			break;
		}
		case GX_F_INT: {
			char *end;
			errno = 0;
			long long x = strtoll(v, &end, 10);
			if (errno || *end || end == v) {
				gx_errors_add(errs, n, "invalid_format", "'%s' is not a whole number (%s)", v, n);
				bad++;
			} else {
				jv = json_integer(x);
			}
			break;
		}
		case GX_F_BOOL: {
			bool b;
			if (parse_bool(v, &b)) {
				gx_errors_add(errs, n, "invalid_format", "'%s' is not yes or no (%s)", v, n);
				bad++;
			} else {
				jv = json_boolean(b);
			}
			break;
		}
		case GX_F_DATE: {
			char date[16], yl[16];
			if (parse_date(v, date, sizeof date, yl, sizeof yl)) {
				gx_errors_add(errs, n, "invalid_format", "'%s' is not a date such as 1980-03-22 (%s)", v, n);
				bad++;
			} else if (*date) {
				jv = json_string(date);
			} else {
				/* no year: the date field cannot hold it; keep it in notes */
				row_extra(r, lang_label(im, sl), yl);
			}
			break;
		}
		case GX_F_REF: {
			if (!strcmp(n, "owner_id")) {
				int64_t uid = 0;
				char *end;
				long long x = strtoll(v, &end, 10);
				int rc;
				if (!*end && x > 0)
					rc = sql_int(im->c, "SELECT id FROM users WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL "
							    "AND disabled_at IS NULL", &uid, "ii", im->ctx->tenant_id, (int64_t)x);
				else
					rc = sql_int(im->c, "SELECT id FROM users WHERE tenant_id = ? AND (username = ? OR display_name = ?) "
							    "AND deleted_at IS NULL AND disabled_at IS NULL ORDER BY id LIMIT 1", &uid,
						     "iss", im->ctx->tenant_id, v, v);
				if (rc)
					return rc;
				if (!uid) {
					gx_errors_add(errs, n, "not_found", "no active user '%s' (%s: a user name or id)", v, n);
					bad++;
				} else {
					jv = json_integer(uid);
				}
			} else {
				char *end;
				long long x = strtoll(v, &end, 10);
				if (*end || x <= 0) {
					gx_errors_add(errs, n, "invalid_format", "'%s' is not a record id (%s)", v, n);
					bad++;
				} else {
					jv = json_integer(x);
				}
			}
			break;
		}
		default: {
			const char *val = v;
			if (!strcmp(n, "kind")) {
				val = in_list(v, kind_org) ? "organisation" : in_list(v, kind_person) ? "person" : v;
			} else if (!strcmp(n, "type")) {
				for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
					if (in_list(v, type_words[i].words))
						val = type_words[i].value;
				/* Salesforce keeps the stage in TYPE ("Prospect") */
				for (size_t i = 0; val == v && i < sizeof status_words / sizeof status_words[0]; i++) {
					if (in_list(v, status_words[i].words) && !r->v[slot_find(p, "status")]) {
						json_object_set_new(in, "status", json_string(status_words[i].value));
						val = NULL;
					}
				}
			} else if (!strcmp(n, "status")) {
				for (size_t i = 0; i < sizeof status_words / sizeof status_words[0]; i++)
					if (in_list(v, status_words[i].words))
						val = status_words[i].value;
			} else if (!strcmp(n, "currency")) {
				char *cur = gx_arena_strdup(a, v);
				for (char *q = cur; q && *q; q++)
					*q = (char)toupper((unsigned char)*q);
				val = cur ? cur : v;
				for (size_t i = 0; i < sizeof currency_words / sizeof currency_words[0]; i++)
					if (in_list(v, currency_words[i].words))
						val = currency_words[i].iso;
			} else if (!strcmp(n, "tags")) {
				/* one comma-separated list, whatever the separators */
				struct gx_buf b;
				gx_buf_init(&b, 4096);
				char *copy = gx_arena_strdup(a, v), *save = NULL;
				for (char *tok = copy ? strtok_r(copy, ",;|，；、\n", &save) : NULL; tok;
				     tok = strtok_r(NULL, ",;|，；、\n", &save)) {
					char *c2 = clean_text(a, tok, strlen(tok));
					if (c2 && *c2)
						gx_buf_printf(&b, "%s%s", b.len ? "," : "", c2);
				}
				val = b.data ? gx_arena_strdup(a, b.data) : NULL;
				gx_buf_free(&b);
			}
			if (val)
				jv = json_string(val);
			break;
		}
		}
		if (jv)
			json_object_set_new(in, n, jv);
	}
	/* notes: the row's own, then what was moved there */
	if (r->extra.len) {
		int ns = slot_find(p, "notes");
		const char *own = ns >= 0 ? r->v[ns] : NULL;
		char *notes = gx_arena_printf(a, "%s%s%s", own ? own : "", own ? "\n" : "", r->extra.data);
		if (notes)
			json_object_set_new(in, "notes", json_string(notes));
	}
	if (custom)
		json_object_set_new(in, "custom", custom);
	return bad ? GX_EINVAL : 0;
}

/* ---- batch records ---------------------------------------------------------------------------- */

/* A created record's row of import_batch_records is kept in memory and
 * written between rows, TOUCH_ROWS per INSERT (an INSERT per row was ~3 %
 * of an import): like the search terms, a row rolled back to its
 * savepoint drops its own (touch_mark), and the batch writes the rest
 * before it commits. Updates are written at once: they read what the
 * batch recorded before. */
#define TOUCH_ROWS 64

struct touch {
	const char *entity; /* a literal or the entity's name: lives as long as the process */
	int64_t id;
	uint64_t seq;
};

/* Writes the created records kept in memory; called between rows (outside
 * a row's savepoint) and before the commit. */
static int touches_flush(struct imp *im)
{
	static const char head[] = "INSERT INTO import_batch_records (tenant_id, batch_id, entity, record_id, seq, action) VALUES ",
			  one[] = "(?, ?, ?, ?, ?, 'created')", tail[] = " ON CONFLICT DO NOTHING";
	char sql[sizeof head + TOUCH_ROWS * (sizeof one + 2) + sizeof tail];
	int rc = 0;
	for (size_t i = 0; !rc && i < im->ntouch;) {
		size_t n = im->ntouch - i < TOUCH_ROWS ? im->ntouch - i : TOUCH_ROWS, o = 0;
		memcpy(sql, head, sizeof head - 1);
		o = sizeof head - 1;
		for (size_t k = 0; k < n; k++) {
			if (k) {
				memcpy(sql + o, ", ", 2);
				o += 2;
			}
			memcpy(sql + o, one, sizeof one - 1);
			o += sizeof one - 1;
		}
		memcpy(sql + o, tail, sizeof tail); /* with its NUL */
		struct gx_stmt *st;
		rc = gx_conn_prepare(im->c, sql, &st);
		if (rc)
			break;
		for (size_t k = 0; k < n; k++) {
			const struct touch *t = &im->touches[i + k];
			int b = (int)k * 5;
			gx_stmt_bind_int64(st, b + 1, im->ctx->tenant_id);
			gx_stmt_bind_int64(st, b + 2, im->batch_id);
			gx_stmt_bind_str(st, b + 3, t->entity);
			gx_stmt_bind_int64(st, b + 4, t->id);
			gx_stmt_bind_int64(st, b + 5, (int64_t)t->seq);
		}
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
		i += n;
	}
	im->ntouch = im->touch_mark = 0;
	return rc;
}

static int record_touch(struct imp *im, const char *entity, int64_t id, const char *action, const json_t *before,
			const json_t *after)
{
	struct gx_conn *c = im->c;
	bool creating = !strcmp(action, "created");
	for (size_t i = 0; !creating && i < im->ntouch; i++)
		if (im->touches[i].id == id && !strcmp(im->touches[i].entity, entity)) {
			im->seq++; /* as the INSERT that finds it would */
			return 0;  /* a record this batch created stays "created" */
		}
	if (creating) {
		int grc = gx_grow(&im->touches, &im->cap_touch, im->ntouch + 1, sizeof *im->touches, TOUCH_ROWS * 2);
		if (grc)
			return grc;
		im->touches[im->ntouch++] = (struct touch){entity, id, ++im->seq};
		return 0;
	}
	char *b = before ? json_dumps(before, JSON_COMPACT) : NULL, *af = after ? json_dumps(after, JSON_COMPACT) : NULL;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "INSERT INTO import_batch_records (tenant_id, batch_id, entity, record_id, seq, action, "
				    "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", &st);
	int64_t changes = 0;
	if (!rc) {
		gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, im->batch_id);
		gx_stmt_bind_str(st, 3, entity);
		gx_stmt_bind_int64(st, 4, id);
		gx_stmt_bind_int64(st, 5, (int64_t)++im->seq);
		gx_stmt_bind_str(st, 6, action);
		gx_stmt_bind_str(st, 7, b);
		gx_stmt_bind_str(st, 8, af);
		rc = gx_stmt_step(st);
		changes = gx_stmt_changes(st);
		gx_stmt_reset(st);
	}
	free(b);
	free(af);
	if (rc || changes || strcmp(action, "updated"))
		return rc;
	/* touched before in this batch: a record it created stays "created";
	 * an update keeps the first "before" of each field and the last "after" */
	rc = gx_conn_prepare(c, "SELECT action, before, after FROM import_batch_records WHERE tenant_id = ? AND batch_id = ? "
				"AND entity = ? AND record_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, im->batch_id);
	gx_stmt_bind_str(st, 3, entity);
	gx_stmt_bind_int64(st, 4, id);
	json_t *ob = NULL, *oa = NULL;
	bool created = false;
	if (gx_stmt_step(st) == GX_ROW) {
		created = !strcmp(gx_stmt_col_text(st, 0), "created");
		const char *t1 = gx_stmt_col_text(st, 1), *t2 = gx_stmt_col_text(st, 2);
		ob = t1 ? json_loads(t1, 0, NULL) : json_object();
		oa = t2 ? json_loads(t2, 0, NULL) : json_object();
	}
	gx_stmt_reset(st);
	if (!created && ob && oa) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)before, k, v)
			if (!json_object_get(ob, k))
				json_object_set(ob, k, v);
		json_object_update(oa, (json_t *)after);
		b = json_dumps(ob, JSON_COMPACT);
		af = json_dumps(oa, JSON_COMPACT);
		rc = gx_conn_prepare(c, "UPDATE import_batch_records SET before = ?, after = ? WHERE tenant_id = ? AND "
					"batch_id = ? AND entity = ? AND record_id = ?", &st);
		if (!rc) {
			gx_stmt_bind_str(st, 1, b);
			gx_stmt_bind_str(st, 2, af);
			gx_stmt_bind_int64(st, 3, im->ctx->tenant_id);
			gx_stmt_bind_int64(st, 4, im->batch_id);
			gx_stmt_bind_str(st, 5, entity);
			gx_stmt_bind_int64(st, 6, id);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
		}
		free(b);
		free(af);
	}
	json_decref(ob);
	json_decref(oa);
	return rc;
}

/* ---- the similar-name probe's cache ------------------------------------------------------------- */

/* The duplicate check reads, per row, the first PROBE_MAX customers having
 * the first term of the row's name (in key order: by record id for an
 * exact term) and compares their name keys. In an import that is the same
 * few hundred rows again and again (every 上海… company probes 上海). A
 * full list of an exact term cannot change while the batch only creates
 * customers: new ids are larger, so they sort after the 200th. It is kept
 * here and dropped whole when the batch updates or restores a customer
 * (a name, and so a term or a key, may change). Lists that are not full
 * are read from the database each time. */
#define PROBE_MAX GX_DUP_TERM_ROWS
#define PROBE_SLOTS 1024

struct probe {
	char term[GX_SK_TERM_MAX + 1]; /* "" = free slot */
	struct gx_dup_term_rows rows;
};

static void probe_clear(struct imp *im)
{
	if (!im->probes)
		return;
	for (size_t i = 0; i < PROBE_SLOTS; i++) {
		struct probe *p = &im->probes[i];
		for (int k = 0; k < p->rows.n; k++)
			free(p->rows.keys[k]);
		free(p->rows.bigrams);
		p->rows.bigrams = NULL;
		p->rows.n = 0;
		p->term[0] = '\0';
	}
	im->nprobes = 0;
}

static size_t probe_slot(const char *term)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *q = (const unsigned char *)term; *q; q++)
		h = (h ^ *q) * 1099511628211ULL;
	return (size_t)(h % PROBE_SLOTS);
}

static struct probe *probe_find(struct imp *im, const char *term)
{
	if (!im->probes)
		return NULL;
	for (size_t i = probe_slot(term), k = 0; k < PROBE_SLOTS; k++, i = (i + 1) % PROBE_SLOTS) {
		struct probe *p = &im->probes[i];
		if (!p->term[0])
			return NULL;
		if (!strcmp(p->term, term))
			return p;
	}
	return NULL;
}

/* A free slot for term (the cache starts over when 3/4 full); NULL when
 * out of memory: the probe then reads the database as before. */
static struct probe *probe_new(struct imp *im, const char *term)
{
	if (!im->probes && !(im->probes = calloc(PROBE_SLOTS, sizeof *im->probes)))
		return NULL;
	if (im->nprobes >= PROBE_SLOTS * 3 / 4)
		probe_clear(im);
	size_t i = probe_slot(term);
	while (im->probes[i].term[0])
		i = (i + 1) % PROBE_SLOTS;
	struct probe *p = &im->probes[i];
	snprintf(p->term, sizeof p->term, "%s", term);
	p->rows.n = 0;
	im->nprobes++;
	return p;
}

/* A savepoint statement (what: a literal). On SQLite a prepared statement
 * from the connection's cache: sqlite3_exec would parse it again for each
 * row. PostgreSQL does not prepare SAVEPOINT: a plain exec there. */
static int savepoint(struct gx_conn *c, const char *what)
{
	if (strcmp(gx_conn_backend(c), "sqlite"))
		return gx_conn_exec(c, what);
	struct gx_stmt *st;
	int rc = gx_conn_prepare_static(c, what, &st);
	if (rc)
		return rc;
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Writes the pending search terms before a read of search_terms. Called
 * only before the row has written anything: the row's savepoint is
 * released and taken again around the flush, so that rolling the row back
 * cannot take the earlier rows' terms with it. */
static int flush_terms(struct imp *im)
{
	if (!gx_search_bulk_pending(im->c))
		return 0;
	int rc = savepoint(im->c, "RELEASE SAVEPOINT gx_import_row");
	if (!rc)
		rc = gx_search_bulk_flush(im->c);
	if (!rc)
		rc = savepoint(im->c, "SAVEPOINT gx_import_row");
	im->term_mark = 0;
	return rc;
}

/* The duplicate check's cache (struct gx_dup_cache): a kept full list of
 * an exact term, else the pending search terms are written so that the
 * check reads every earlier row of the file. */
static int probe_cache_find(void *ud, const struct gx_sk_cond *t, const struct gx_dup_term_rows **rows)
{
	struct imp *im = ud;
	struct probe *pr = t->prefix ? NULL : probe_find(im, t->term);
	*rows = pr ? &pr->rows : NULL;
	/* a flush only when a pending document may hold the term: on SQLite
	 * each flush before a savepoint makes FTS5 write a segment of it (a
	 * file of unrelated names flushed before every row) */
	if (pr || !gx_search_bulk_may_hold(im->ctx, im->c, "customers", t->term, t->upper))
		return 0;
	return flush_terms(im);
}

/* Keeps a full list of an exact term (see struct probe). */
static bool probe_cache_keep(void *ud, const struct gx_sk_cond *t, const struct gx_dup_term_rows *rows)
{
	struct imp *im = ud;
	struct probe *pr = !t->prefix && rows->n == PROBE_MAX ? probe_new(im, t->term) : NULL;
	if (pr)
		pr->rows = *rows;
	return pr != NULL;
}

/* The API's duplicate check, read through the import's connection (rows
 * earlier in the file count) with the probe cache. */
static int find_dups(struct imp *im, const json_t *in, struct gx_dup_candidate *cand, int *n, int max)
{
	const struct gx_dup_cache cache = {.ud = im, .find = probe_cache_find, .keep = probe_cache_keep};
	return gx_customer_dup_candidates(im->ctx, im->c, in, 0, &cache, cand, n, max);
}

/* ---- one row ---------------------------------------------------------------------------------- */

/* The fields of in that differ from current: *patch (new), *before and
 * *after (what undo needs). Custom values compared one by one. */
static void diff_record(const json_t *in, const json_t *current, json_t **patch, json_t **before, json_t **after)
{
	*patch = json_object();
	*before = json_object();
	*after = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)in, k, v) {
		if (!strcmp(k, "custom")) {
			json_t *cur = json_object_get(current, "custom"), *cp = NULL, *cb = NULL, *ca = NULL;
			const char *ck;
			json_t *cv;
			json_object_foreach(v, ck, cv) {
				json_t *was = json_object_get(cur, ck);
				if (was && json_equal(was, cv))
					continue;
				if (!cp) {
					cp = json_object();
					cb = json_object();
					ca = json_object();
				}
				json_object_set(cp, ck, cv);
				json_object_set_new(cb, ck, was ? json_incref(was) : json_null());
				json_object_set(ca, ck, cv);
			}
			if (cp) {
				json_object_set_new(*patch, "custom", cp);
				json_object_set_new(*before, "custom", cb);
				json_object_set_new(*after, "custom", ca);
			}
			continue;
		}
		if (!strcmp(k, "owner_id"))
			continue; /* an owner is set on create only: the team is managed in relationships */
		json_t *was = json_object_get(current, k);
		if (was && json_equal(was, v))
			continue;
		json_object_set(*patch, k, v);
		json_object_set_new(*before, k, was ? json_incref(was) : json_null());
		json_object_set(*after, k, v);
	}
}

/* Finds the customer a contact row belongs to; 0 with an error in errs. */
static int resolve_customer(struct imp *im, struct row *r, json_t *in, int64_t *cid, struct gx_errors *errs)
{
	struct plan *p = &im->plan;
	int64_t tid = im->ctx->tenant_id;
	*cid = 0;
	json_t *given = json_object_get(in, "customer_id");
	if (json_is_integer(given)) {
		*cid = json_integer_value(given);
		return 0;
	}
	int sc = slot_find(p, "customer_code"), sn = slot_find(p, "customer_name");
	const char *code = sc >= 0 ? r->v[sc] : NULL, *name = sn >= 0 ? r->v[sn] : NULL;
	int rc = 0;
	if (code) {
		rc = sql_int(im->c, "SELECT id FROM customers WHERE tenant_id = ? AND code = ? AND deleted_at IS NULL", cid, "is",
			     tid, code);
		if (!rc && !*cid && !name) {
			gx_errors_add(errs, "customer_code", "not_found", "no customer has the code '%s'", code);
			return GX_EINVAL;
		}
	}
	if (!rc && !*cid && name) {
		char key[600];
		int64_t ids[8];
		int n = 0;
		rc = gx_customer_name_key(name, key, sizeof key);
		if (!rc)
			rc = sql_ids(im->c, "SELECT id FROM customers WHERE tenant_id = ? AND name_key = ? AND deleted_at IS NULL "
					    "ORDER BY id LIMIT 8", ids, &n, 8, "is", tid, key);
		if (!rc && n > 1) {
			/* the one written exactly so, if there is one */
			int64_t exact = 0;
			rc = sql_int(im->c, "SELECT count(*) FROM customers WHERE tenant_id = ? AND name_key = ? AND name = ? AND "
					    "deleted_at IS NULL", &exact, "iss", tid, key, name);
			if (!rc && exact == 1)
				rc = sql_int(im->c, "SELECT id FROM customers WHERE tenant_id = ? AND name_key = ? AND name = ? AND "
						    "deleted_at IS NULL", cid, "iss", tid, key, name);
			else if (!rc) {
				gx_errors_add(errs, "customer_name", "ambiguous",
					      "%d customers are named like '%s'; give the customer code", n, name);
				return GX_EINVAL;
			}
		} else if (!rc && n == 1) {
			*cid = ids[0];
		}
		if (!rc && !*cid && im->o->create_customers) {
			json_t *cin = json_pack("{s:s}", "name", name), *out = NULL;
			struct gx_errors cerrs = {0};
			rc = gx_entity_create_conn(&im->rctx, im->c, &gx_customers_entity, cin, &out, &cerrs);
			json_decref(cin);
			if (rc == GX_EINVAL && cerrs.list) {
				size_t i;
				json_t *e;
				json_array_foreach(cerrs.list, i, e)
					gx_errors_add(errs, "customer_name", json_string_value(json_object_get(e, "code")), "%s",
						      json_string_value(json_object_get(e, "message")));
			}
			json_decref(cerrs.list);
			if (!rc) {
				*cid = json_integer_value(json_object_get(out, "id"));
				rc = record_touch(im, "customers", *cid, "created", NULL, NULL);
			}
			json_decref(out);
			if (rc)
				return rc;
		}
		if (!rc && !*cid && im->default_customer && !strcmp(im->plan.source, "vcard")) {
			/* a card's ORG is a hint: unknown, the card goes to the
			 * default customer and the ORG into its notes */
			*cid = im->default_customer;
			json_t *own = json_object_get(in, "notes");
			char *notes = gx_arena_printf(&im->row_arena, "%s%s%s: %s", json_is_string(own) ? json_string_value(own) : "",
						      json_is_string(own) ? "\n" : "", lang_label(im, &p->slots[sn]), name);
			if (notes)
				json_object_set_new(in, "notes", json_string(notes));
		}
		if (!rc && !*cid) {
			gx_errors_add(errs, "customer_name", "not_found", "no customer is named '%s'", name);
			return GX_EINVAL;
		}
	}
	if (!rc && !*cid && !code && !name) {
		if (im->default_customer) {
			*cid = im->default_customer;
		} else if (im->o->create_customers) {
			/* a person's card without a company: the person is the customer */
			json_t *nm = json_object_get(in, "name");
			json_t *cin = json_pack("{s:O, s:s}", "name", nm ? nm : json_string("?"), "kind", "person"), *out = NULL;
			struct gx_errors cerrs = {0};
			rc = gx_entity_create_conn(&im->rctx, im->c, &gx_customers_entity, cin, &out, &cerrs);
			json_decref(cin);
			json_decref(cerrs.list);
			if (rc == GX_EINVAL) {
				gx_errors_add(errs, "customer_name", "invalid", "could not create a customer for this contact");
				return rc;
			}
			if (!rc) {
				*cid = json_integer_value(json_object_get(out, "id"));
				rc = record_touch(im, "customers", *cid, "created", NULL, NULL);
			}
			json_decref(out);
		} else {
			gx_errors_add(errs, "customer_code", "required",
				      "the row names no customer (map a customer code or name column, or give a default customer)");
			return GX_EINVAL;
		}
	}
	if (!rc)
		json_object_set_new(in, "customer_id", json_integer(*cid));
	return rc;
}

/* The existing record a row updates (0: none). */
static int find_existing(struct imp *im, struct row *r, json_t *in, int64_t *id, struct gx_errors *errs)
{
	struct plan *p = &im->plan;
	int64_t tid = im->ctx->tenant_id;
	*id = 0;
	int rc = 0;
	int ids_n = 0;
	int64_t ids[8];
	if (p->key == GX_IMPORT_KEY_NONE)
		return 0;
	if (p->key == GX_IMPORT_KEY_ID) {
		const char *v = r->v[slot_find(p, "id")];
		if (!v)
			return 0;
		char *end;
		long long x = strtoll(v, &end, 10);
		if (*end || x <= 0) {
			gx_errors_add(errs, "id", "invalid_format", "'%s' is not a record id", v);
			return GX_EINVAL;
		}
		char *sql = gx_arena_printf(&im->row_arena, "SELECT id FROM %s WHERE tenant_id = ? AND id = ?", p->e->table);
		rc = sql ? sql_int(im->c, sql, id, "ii", tid, (int64_t)x) : GX_ENOMEM;
		if (!rc && !*id) {
			gx_errors_add(errs, "id", "not_found", "no %s has the id %lld", p->e->name, x);
			return GX_EINVAL;
		}
		return rc;
	}
	if (p->contacts) {
		int64_t cid = json_integer_value(json_object_get(in, "customer_id"));
		const char *email = json_string_value(json_object_get(in, "email"));
		const char *mobile = json_string_value(json_object_get(in, "mobile"));
		const char *phone = json_string_value(json_object_get(in, "phone"));
		const char *name = json_string_value(json_object_get(in, "name"));
		/* within the customer: the first key that the row has and matches */
		static const char *const sqls[] = {
			"SELECT id FROM contacts WHERE tenant_id = ? AND customer_id = ? AND lower(email) = lower(?) AND deleted_at IS NULL ORDER BY id LIMIT 8",
			"SELECT id FROM contacts WHERE tenant_id = ? AND customer_id = ? AND mobile = ? AND deleted_at IS NULL ORDER BY id LIMIT 8",
			"SELECT id FROM contacts WHERE tenant_id = ? AND customer_id = ? AND phone = ? AND deleted_at IS NULL ORDER BY id LIMIT 8",
			"SELECT id FROM contacts WHERE tenant_id = ? AND customer_id = ? AND name = ? AND deleted_at IS NULL ORDER BY id LIMIT 8",
		};
		const char *vals[4] = {email, mobile, phone, name};
		int from = p->key == GX_IMPORT_KEY_PHONE ? 1 : 0, to = p->key == GX_IMPORT_KEY_EMAIL ? 1 : p->key == GX_IMPORT_KEY_PHONE ? 3 : 4;
		for (int i = from; !rc && i < to && !*id; i++) {
			if (!vals[i] || !*vals[i])
				continue;
			rc = sql_ids(im->c, sqls[i], ids, &ids_n, 8, "iis", tid, cid, vals[i]);
			if (!rc && ids_n)
				*id = ids[0]; /* the oldest: the one re-runs keep updating */
		}
		return rc;
	}
	const char *sql = NULL, *val = NULL;
	char key[300];
	if (p->key == GX_IMPORT_KEY_CODE) {
		val = json_string_value(json_object_get(in, "code"));
		sql = "SELECT id FROM customers WHERE tenant_id = ? AND code = ? LIMIT 8";
	} else if (p->key == GX_IMPORT_KEY_EMAIL) {
		const char *e = json_string_value(json_object_get(in, "email"));
		if (e) {
			gx_customer_email_key(e, key, sizeof key);
			val = key;
		}
		sql = "SELECT id FROM customers WHERE tenant_id = ? AND email_key = ? AND deleted_at IS NULL ORDER BY id LIMIT 8";
	} else if (p->key == GX_IMPORT_KEY_PHONE) {
		const char *ph = json_string_value(json_object_get(in, "mobile"));
		if (!ph || !*ph)
			ph = json_string_value(json_object_get(in, "phone"));
		if (ph) {
			gx_customer_phone_key(ph, key, sizeof key);
			val = strlen(key) >= 7 ? key : NULL;
		}
		sql = "SELECT id FROM customers WHERE tenant_id = ? AND phone_key = ? AND deleted_at IS NULL ORDER BY id LIMIT 8";
	}
	if (!sql || !val || !*val)
		return 0;
	rc = sql_ids(im->c, sql, ids, &ids_n, 8, "is", tid, val);
	if (!rc && ids_n > 1) {
		gx_errors_add(errs, gx_import_key_name(p->key), "ambiguous",
			      "%d customers have this %s; import with key=code or key=id to say which", ids_n,
			      gx_import_key_name(p->key));
		return GX_EINVAL;
	}
	if (!rc && ids_n == 1)
		*id = ids[0];
	return rc;
}

/* Moves the engine's errors into the row's. */
static void take_errors(struct gx_errors *dst, struct gx_errors *src)
{
	size_t i;
	json_t *e;
	json_array_foreach(src->list, i, e)
		gx_errors_add(dst, json_string_value(json_object_get(e, "field")),
			      json_string_value(json_object_get(e, "code")) ? json_string_value(json_object_get(e, "code")) : "invalid",
			      "%s", json_string_value(json_object_get(e, "message")) ? json_string_value(json_object_get(e, "message")) : "");
	json_decref(src->list);
	src->list = NULL;
}

/* Writes one row (validated, upserted) in the open transaction; a row
 * error is GX_EINVAL with errs filled. */
static int write_row(struct imp *im, struct row *r, struct gx_errors *errs)
{
	struct plan *p = &im->plan;
	const struct gx_entity *e = p->e;
	json_t *in = json_object();
	int rc = row_values(im, r, in, errs);
	if (rc == GX_EINVAL) {
		/* the values that did convert are checked too: every error of
		 * the row at once */
		struct gx_errors verrs = {0};
		json_object_del(in, "custom");
		gx_entity_validate(e, in, false, &verrs);
		take_errors(errs, &verrs);
		json_decref(in);
		return rc;
	}
	if (!rc && p->contacts) {
		int fs = slot_find(p, "first_name"), ls = slot_find(p, "last_name");
		const char *fn = r->v[fs], *ln = r->v[ls];
		if (!json_object_get(in, "name") && (fn || ln)) {
			/* 张 + 三 → 张三; John + Doe → John Doe */
			bool cjk = (fn && (unsigned char)fn[0] >= 0xE0) || (ln && (unsigned char)ln[0] >= 0xE0);
			char *full = cjk ? gx_arena_printf(&im->row_arena, "%s%s", ln ? ln : "", fn ? fn : "")
					 : gx_arena_printf(&im->row_arena, "%s%s%s", fn ? fn : "", fn && ln ? " " : "", ln ? ln : "");
			if (full)
				json_object_set_new(in, "name", json_string(full));
		}
		int64_t cid;
		rc = resolve_customer(im, r, in, &cid, errs);
	}
	int64_t id = 0;
	if (!rc)
		rc = find_existing(im, r, in, &id, errs);
	struct gx_errors eerrs = {0};
	if (!rc && id) {
		json_t *current = NULL, *patch = NULL, *before = NULL, *after = NULL;
		rc = gx_entity_get_conn(&im->rctx, im->c, e, id, true, &current);
		if (rc == GX_ENOTFOUND) {
			gx_errors_add(errs, gx_import_key_name(p->key), "forbidden",
				      "this row matches a record you cannot see");
			rc = GX_EINVAL;
		}
		if (!rc) {
			diff_record(in, current, &patch, &before, &after);
			bool was_deleted = !json_is_null(json_object_get(current, "deleted_at"));
			if (!json_object_size(patch) && !was_deleted) {
				im->p.unchanged++;
			} else {
				/* names and keys may change: the probe cache starts over */
				probe_clear(im);
				/* validate like an API update, then write through the engine */
				json_t *check = json_deep_copy(patch);
				if (!check)
					rc = GX_ENOMEM;
				if (!rc) {
					json_object_del(check, "custom");
					rc = gx_entity_validate(e, check, false, &eerrs);
				}
				json_decref(check);
				if (!rc && e->hooks.before_write)
					rc = e->hooks.before_write(&im->rctx, im->c, e, patch, current, &eerrs);
				if (!rc && json_object_get(patch, "custom"))
					rc = gx_custom_validate(&im->rctx, im->c, e, json_object_get(patch, "custom"), false, &eerrs);
				if (!rc && was_deleted) {
					/* a record a former batch created and its undo deleted:
					 * the same row brings it back (undo deletes it again) */
					json_object_set(before, "deleted_at", json_object_get(current, "deleted_at"));
					json_object_set_new(after, "deleted_at", json_null());
					rc = gx_entity_restore_conn(&im->rctx, im->c, e, id);
					if (rc == GX_ECONFLICT) {
						gx_errors_add(errs, "code", "duplicate", "the deleted record this row matches cannot come back: "
							      "another record has its values now");
						rc = GX_EINVAL;
					}
				}
				json_t *out = NULL;
				if (!rc && json_object_size(patch))
					rc = gx_entity_update_conn(&im->rctx, im->c, e, id, patch, &out);
				json_decref(out);
				if (rc == GX_ECONFLICT) {
					gx_errors_add(errs, "code", "duplicate", "another %s record has this value", e->name);
					rc = GX_EINVAL;
				}
				if (!rc)
					rc = record_touch(im, e->name, id, "updated", before, after);
				if (!rc)
					im->p.updated++;
			}
		}
		json_decref(current);
		json_decref(patch);
		json_decref(before);
		json_decref(after);
	} else if (!rc) {
		if (!p->contacts && im->o->owner_id && !json_object_get(in, "owner_id"))
			json_object_set_new(in, "owner_id", json_integer(im->o->owner_id));
		if (!p->contacts && im->o->duplicates == GX_IMPORT_DUP_REPORT) {
			struct gx_dup_candidate cand[32];
			int n = 0;
			rc = gx_entity_validate(e, in, true, &eerrs); /* the API validates before its duplicate check */
			if (!rc)
				rc = find_dups(im, in, cand, &n, 32);
			/* only the candidates the caller may see, as the API shows them */
			int shown = 0;
			struct gx_buf b;
			gx_buf_init(&b, 4096);
			for (int i = 0; !rc && i < n && shown < 5; i++) {
				json_t *rec = NULL;
				if (gx_entity_get_conn(&im->rctx, im->c, e, cand[i].id, false, &rec))
					continue;
				gx_buf_printf(&b, "%s%s %s (%s)", shown ? "; " : "", json_string_value(json_object_get(rec, "code")),
					      json_string_value(json_object_get(rec, "name")), cand[i].reasons);
				shown++;
				json_decref(rec);
			}
			if (!rc && shown) {
				gx_errors_add(errs, "name", "duplicate",
					      "looks like existing customer %s; import with duplicates=create to add it anyway, "
					      "or with a key column to update it", b.data);
				im->duplicates++;
				rc = GX_EINVAL;
			}
			gx_buf_free(&b);
		}
		json_t *out = NULL;
		if (!rc)
			rc = gx_entity_create_conn(&im->rctx, im->c, e, in, &out, &eerrs);
		if (rc == GX_ECONFLICT) {
			take_errors(errs, &eerrs);
			if (!errs->list)
				gx_errors_add(errs, NULL, "duplicate", "the record conflicts with an existing one");
			rc = GX_EINVAL;
		}
		if (!rc) {
			rc = record_touch(im, e->name, json_integer_value(json_object_get(out, "id")), "created", NULL, NULL);
			if (!rc)
				im->p.created++;
		}
		json_decref(out);
	}
	if (rc == GX_EINVAL)
		take_errors(errs, &eerrs);
	json_decref(eerrs.list);
	json_decref(in);
	return rc;
}

/* Search terms collected before they are written sorted (~1,000 customers). */
#define IMPORT_TERMS_CHUNK 65536

/* Runs one row in a savepoint; a bad row is rolled back to it and kept
 * for the report. Fatal errors stop the import. */
static int process_row(struct imp *im, struct row *r, json_t *raw)
{
	if (im->o->cancel && *im->o->cancel) {
		json_decref(raw);
		return GX_EBUSY;
	}
	im->p.rows++;
	struct gx_errors errs = {0};
	int rc = savepoint(im->c, "SAVEPOINT gx_import_row");
	im->term_mark = gx_search_bulk_pending(im->c);
	im->touch_mark = im->ntouch;
	if (!rc)
		rc = write_row(im, r, &errs);
	if (rc == GX_EINVAL) {
		gx_search_bulk_truncate(im->c, im->term_mark);
		im->ntouch = im->touch_mark;
		rc = savepoint(im->c, "ROLLBACK TO SAVEPOINT gx_import_row");
		if (!rc)
			rc = savepoint(im->c, "RELEASE SAVEPOINT gx_import_row");
		im->p.failed++;
		if (!errs.list)
			gx_errors_add(&errs, NULL, "invalid", "the row could not be imported");
		keep_error(im, r->line, r->record, errs.list, raw);
		errs.list = NULL;
		raw = NULL;
	} else if (!rc) {
		rc = savepoint(im->c, "RELEASE SAVEPOINT gx_import_row");
	}
	/* between rows, outside any savepoint: the collected terms go in
	 * sorted chunks */
	if (!rc && gx_search_bulk_pending(im->c) >= IMPORT_TERMS_CHUNK)
		rc = gx_search_bulk_flush(im->c);
	if (!rc && im->ntouch >= TOUCH_ROWS)
		rc = touches_flush(im);
	json_decref(errs.list);
	json_decref(raw);
	gx_buf_free(&r->extra);
	/* the engine allocates per call: a fresh arena every row keeps a
	 * million-row import in constant memory */
	gx_arena_free(&im->row_arena);
	if ((im->p.rows & 255) == 0)
		report_progress(im, false);
	return rc;
}

/* ---- CSV and vCard callbacks ------------------------------------------------------------------ */

static void set_cell(struct imp *im, struct row *r, int s, const struct gx_csv_field *f)
{
	const char *v = unneutralise(f->data);
	size_t skip = (size_t)(v - f->data);
	row_set(im, r, s, v, f->len - skip, skip && (v[0] == '\t' || v[0] == '\r'));
}

static int on_record(void *ud, const struct gx_csv_record *rec)
{
	struct imp *im = ud;
	if (im->fatal)
		return im->fatal;
	if (!im->plan.header_done) {
		int rc = plan_header(&im->plan, rec->fields, rec->nfields, im->rules, im->nrules, &im->fatal_errs);
		if (!rc)
			rc = plan_key(&im->plan, im->o->key, &im->fatal_errs);
		if (rc)
			im->fatal = rc;
		return rc;
	}
	if (rec->blank) {
		im->blank++;
		return 0;
	}
	struct row r;
	memset(r.v, 0, sizeof r.v);
	gx_buf_init(&r.extra, 1 << 20);
	r.line = rec->line;
	r.record = rec->index;
	for (size_t i = 0; i < rec->nfields && i < im->plan.ncols; i++) {
		int s = im->plan.cols[i].slot;
		if (s >= 0)
			set_cell(im, &r, s, &rec->fields[i]);
	}
	for (size_t i = 0; i < rec->nfields && i < im->plan.ncols; i++) {
		int s = im->plan.cols[i].fallback;
		if (s >= 0 && !r.v[s])
			set_cell(im, &r, s, &rec->fields[i]);
	}
	json_t *raw = raw_cells(rec);
	int rc = process_row(im, &r, raw);
	if (rc)
		im->fatal = rc;
	return rc;
}

static int on_row_error(void *ud, const struct gx_csv_row_error *err)
{
	struct imp *im = ud;
	if (!im->plan.header_done) {
		/* the header row itself is broken: nothing can be mapped */
		gx_errors_add(&im->fatal_errs, "header", "invalid", "the header row is unreadable: %s", err->message);
		im->fatal = GX_EINVAL;
		return GX_EINVAL;
	}
	im->p.rows++;
	im->p.failed++;
	struct gx_errors errs = {0};
	static const char *const codes[] = {"", "too_big", "too_many_columns", "encoding", "binary", "unterminated_quote"};
	gx_errors_add(&errs, NULL, (unsigned)err->kind < 6 ? codes[err->kind] : "invalid", "%s", err->message);
	keep_error(im, err->line, err->index, errs.list, json_array());
	return 0;
}

static int add_field(void *ud, const char *field, const char *value)
{
	void **pair = ud;
	struct imp *im = pair[0];
	struct row *r = pair[1];
	int s = slot_find(&im->plan, field);
	if (s >= 0)
		row_set(im, r, s, value, strlen(value), false);
	return 0;
}

/* The engine's rule for a phone number: 3 to 32 digits and + - ( ) . # * x
 * and spaces. */
static bool phone_like(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr("+-() .#*x", *p))
			return false;
	}
	return digits >= 3 && digits <= 32;
}

static int on_card(void *ud, const struct gx_vcard *card)
{
	struct imp *im = ud;
	if (im->fatal)
		return im->fatal;
	struct row r;
	memset(r.v, 0, sizeof r.v);
	gx_buf_init(&r.extra, 1 << 20);
	r.line = card->line;
	r.record = im->p.rows;
	void *pair[2] = {im, &r};
	int rc = gx_vcard_contact_fields(card, add_field, pair);
	/* other phones and e-mails of the card go to notes */
	const char *ph = r.v[slot_find(&im->plan, "phone")], *mo = r.v[slot_find(&im->plan, "mobile")];
	const char *em = r.v[slot_find(&im->plan, "email")];
	int ps = slot_find(&im->plan, "phone");
	for (size_t i = 0; !rc && i < card->ntel; i++) {
		const char *t = card->tel[i].value;
		if (t && (!ph || strcmp(t, ph)) && (!mo || strcmp(t, mo)))
			row_extra(&r, lang_label(im, &im->plan.slots[ps]), t);
	}
	int es = slot_find(&im->plan, "email");
	for (size_t i = 0; !rc && i < card->nemail; i++) {
		const char *t = card->email[i].value;
		if (t && (!em || strcmp(t, em)))
			row_extra(&r, lang_label(im, &im->plan.slots[es]), t);
	}
	char *dn = NULL;
	gx_vcard_display_name_take(card, &dn);
	/* a card without FN or N (a company card, a bare e-mail) is named as
	 * phones show it: the organisation, the e-mail, the number */
	int ns = slot_find(&im->plan, "name");
	if (!rc && !r.v[ns] && dn)
		row_set(im, &r, ns, dn, strlen(dn), false);
	/* vCard TEL is free text ("BusinessPhone", "9"): a value that is no
	 * phone number moves to the notes instead of losing the contact */
	int ms = slot_find(&im->plan, "mobile");
	for (int k = 0; k < 2; k++) {
		int sl = k ? ms : ps;
		if (r.v[sl] && !phone_like(r.v[sl])) {
			row_extra(&r, lang_label(im, &im->plan.slots[sl]), r.v[sl]);
			r.v[sl] = NULL;
		}
	}
	json_t *raw = json_pack("[s?, s?]", dn, card->org);
	free(dn);
	if (rc) {
		json_decref(raw);
		gx_buf_free(&r.extra);
		return rc;
	}
	rc = process_row(im, &r, raw);
	if (rc)
		im->fatal = rc;
	return rc;
}

static int on_card_error(void *ud, const struct gx_vcard_error *err)
{
	struct imp *im = ud;
	/* an undecodable property is left out of the card, which still comes;
	 * only a cut-off card is lost: report that one */
	if (strcmp(err->message, "card not terminated by END:VCARD") && !strstr(err->message, "END:VCARD"))
		return 0;
	im->p.rows++;
	im->p.failed++;
	struct gx_errors errs = {0};
	gx_errors_add(&errs, NULL, "truncated", "%s", err->message);
	keep_error(im, err->line, 0, errs.list, json_array());
	return 0;
}

/* ---- begin, execute ------------------------------------------------------------------------------ */

static const struct gx_entity *target_entity(const char *name)
{
	if (name && !strcmp(name, "customers"))
		return &gx_customers_entity;
	if (name && !strcmp(name, "contacts"))
		return &gx_contacts_entity;
	return NULL;
}

static json_t *opts_json(const struct gx_import_opts *o)
{
	json_t *j = json_pack("{s:s, s:s, s:b, s:s, s:s, s:s?, s:s?, s:s?, s:b}", "entity", o->entity, "mode",
			      gx_import_mode_name(o->mode), "dry_run", o->dry_run, "key", gx_import_key_name(o->key),
			      "duplicates", dups_name(o->duplicates), "encoding",
			      o->encoding ? gx_enc_name(o->encoding) : NULL, "customer", o->customer, "format", o->format,
			      "create_customers", o->create_customers);
	if (j && o->mapping)
		json_object_set(j, "mapping", (json_t *)o->mapping);
	if (j && o->mapping_id)
		json_object_set_new(j, "mapping_id", json_integer(o->mapping_id));
	if (j && o->owner_id)
		json_object_set_new(j, "owner_id", json_integer(o->owner_id));
	if (j && o->delimiter) {
		char d[2] = {o->delimiter, 0};
		json_object_set_new(j, "delimiter", json_string(d));
	}
	return j;
}

int gx_import_begin(struct gx_ctx *ctx, const struct gx_import_opts *o, int64_t *batch_id, struct gx_errors *errs)
{
	*batch_id = 0;
	if (!target_entity(o->entity)) {
		gx_errors_add(errs, "entity", "invalid_option", "entity is customers or contacts");
		return GX_EINVAL;
	}
	if (o->format && !strcmp(o->format, "vcf") && strcmp(o->entity, "contacts")) {
		gx_errors_add(errs, "format", "invalid_option", "vCards import as contacts");
		return GX_EINVAL;
	}
	int64_t id = gx_id_new();
	int rc = live_add(ctx->tenant_id, id, o);
	if (rc) {
		gx_errors_add(errs, NULL, "busy", "too many imports are running; try again later");
		return GX_EBUSY;
	}
	*batch_id = id;
	return 0;
}

/* Stores the batch row (insert) and its row errors through c. */
static int store_batch(struct imp *im, const char *status, json_t *summary, const char *error)
{
	struct gx_conn *c = im->c;
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	char created[40] = "";
	pthread_mutex_lock(&live_lock);
	for (int i = 0; i < LIVE_MAX; i++)
		if (lives[i].id == im->batch_id)
			snprintf(created, sizeof created, "%s", lives[i].created_at);
	pthread_mutex_unlock(&live_lock);
	char *opts = NULL, *sum = summary ? json_dumps(summary, JSON_COMPACT) : NULL;
	json_t *oj = opts_json(im->o);
	opts = oj ? json_dumps(oj, JSON_COMPACT) : NULL;
	json_decref(oj);
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "INSERT INTO import_batches (tenant_id, id, entity, status, mode, dry_run, filename, format, "
				    "options, summary, rows_read, created, updated, unchanged, failed, error, created_at, created_by, "
				    "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (!rc) {
		int k = 1;
		gx_stmt_bind_int64(st, k++, im->ctx->tenant_id);
		gx_stmt_bind_int64(st, k++, im->batch_id);
		gx_stmt_bind_str(st, k++, im->o->entity);
		gx_stmt_bind_str(st, k++, status);
		gx_stmt_bind_str(st, k++, gx_import_mode_name(im->o->mode));
		gx_stmt_bind_int64(st, k++, im->o->dry_run);
		gx_stmt_bind_str(st, k++, im->o->filename);
		gx_stmt_bind_str(st, k++, im->plan.source && !strcmp(im->plan.source, "vcard") ? "vcf" : "csv");
		gx_stmt_bind_str(st, k++, opts);
		gx_stmt_bind_str(st, k++, sum);
		gx_stmt_bind_int64(st, k++, (int64_t)im->p.rows);
		gx_stmt_bind_int64(st, k++, (int64_t)im->p.created);
		gx_stmt_bind_int64(st, k++, (int64_t)im->p.updated);
		gx_stmt_bind_int64(st, k++, (int64_t)im->p.unchanged);
		gx_stmt_bind_int64(st, k++, (int64_t)im->p.failed);
		gx_stmt_bind_str(st, k++, error);
		gx_stmt_bind_str(st, k++, *created ? created : now);
		if (im->ctx->user_id)
			gx_stmt_bind_int64(st, k++, im->ctx->user_id);
		else
			gx_stmt_bind_null(st, k++);
		gx_stmt_bind_str(st, k++, now);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	free(opts);
	free(sum);
	for (size_t i = 0; !rc && i < im->nerrs; i++) {
		char *et = json_dumps(im->errs[i].errors, JSON_COMPACT), *rt = json_dumps(im->errs[i].raw, JSON_COMPACT);
		rc = gx_conn_prepare(c, "INSERT INTO import_errors (tenant_id, batch_id, seq, line, record, errors, raw) "
					"VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
			gx_stmt_bind_int64(st, 2, im->batch_id);
			gx_stmt_bind_int64(st, 3, (int64_t)i + 1);
			gx_stmt_bind_int64(st, 4, (int64_t)im->errs[i].line);
			gx_stmt_bind_int64(st, 5, (int64_t)im->errs[i].record);
			gx_stmt_bind_str(st, 6, et ? et : "[]");
			gx_stmt_bind_str(st, 7, rt);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
		}
		free(et);
		free(rt);
	}
	return rc;
}

static json_t *make_summary(struct imp *im, const char *status)
{
	json_t *s = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s?, s:I}", "rows", (json_int_t)im->p.rows,
			      "created", (json_int_t)im->p.created, "updated", (json_int_t)im->p.updated, "unchanged",
			      (json_int_t)im->p.unchanged, "failed", (json_int_t)im->p.failed, "blank", (json_int_t)im->blank,
			      "duplicates", (json_int_t)im->duplicates, "status", status, "key", gx_import_key_name(im->plan.key),
			      "source", im->plan.source, "elapsed_ms", (json_int_t)(gx_mono_ms() - im->started_mono));
	if (!s)
		return NULL;
	if (im->encoding) {
		char d[3] = {im->delimiter == '\t' ? '\\' : im->delimiter, im->delimiter == '\t' ? 't' : 0, 0};
		json_object_set_new(s, "encoding", json_string(im->encoding));
		json_object_set_new(s, "encoding_confidence", json_integer(im->enc_confidence));
		json_object_set_new(s, "delimiter", json_string(d));
	}
	if (im->plan.mapping_json)
		json_object_set(s, "mapping", im->plan.mapping_json);
	if (im->errs_dropped)
		json_object_set_new(s, "errors_not_kept", json_integer((json_int_t)im->errs_dropped));
	/* the first errors inline; all of them in errors.csv */
	json_t *first = json_array();
	for (size_t i = 0; i < im->nerrs && i < 20; i++)
		json_array_append_new(first, json_pack("{s:I, s:O}", "line", (json_int_t)im->errs[i].line, "errors",
						       im->errs[i].errors));
	json_object_set_new(s, "errors", first);
	if (im->fatal_errs.list)
		json_object_set(s, "header_errors", im->fatal_errs.list);
	return s;
}

struct feed_src {
	gx_csv_source_fn fn;
	void *ud;
	struct imp *im;
};

/* A pull source that counts bytes for the progress. */
static int counting_src(void *ud, void *buf, size_t cap, size_t *got)
{
	struct feed_src *f = ud;
	int rc = f->fn(f->ud, buf, cap, got);
	if (!rc)
		f->im->p.bytes += *got;
	return rc;
}

static int load_saved_mapping(struct imp *im, struct gx_errors *errs)
{
	if (!im->o->mapping_id)
		return 0;
	struct gx_stmt *st;
	int rc = gx_conn_prepare(im->c, "SELECT rules, entity FROM import_mappings WHERE tenant_id = ? AND id = ? AND "
					"deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, im->ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, im->o->mapping_id);
	json_t *rules = NULL;
	bool other = false;
	if (gx_stmt_step(st) == GX_ROW) {
		const char *t = gx_stmt_col_text(st, 0);
		rules = t ? json_loads(t, 0, NULL) : NULL;
		other = strcmp(gx_stmt_col_text(st, 1), im->o->entity) != 0;
	}
	gx_stmt_reset(st);
	if (!rules || other) {
		json_decref(rules);
		gx_errors_add(errs, "mapping_id", "not_found", "no saved mapping %lld for %s", (long long)im->o->mapping_id,
			      im->o->entity);
		return GX_EINVAL;
	}
	/* the saved rules first, the request's own after them (they win) */
	int n = 0;
	rc = rules_from_json(rules, im->rules, &n, 128, errs);
	/* the rules point into the JSON: it lives as long as the import */
	im->saved_rules = rules;
	im->nrules = n;
	return rc;
}

/* A bulk write touches far more pages than a request: with the writer's
 * usual page cache (16 MB) SQLite spills modified pages to the WAL again and
 * again during one long transaction. The import raises it for its duration
 * and keeps the savepoints' statement journal in memory (SQLite only; *was
 * gets the cache size to restore, 0 when unchanged). */
#define IMPORT_CACHE_KIB (256 * 1024)
static void bulk_cache(struct gx_conn *c, struct gx_store *s, int64_t *was)
{
	*was = 0;
	if (strcmp(gx_store_backend(s), "sqlite"))
		return;
	int64_t cur = 0;
	if (sql_int(c, "PRAGMA cache_size", &cur, "") || !cur)
		return;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", IMPORT_CACHE_KIB);
	if (!gx_conn_exec(c, sql))
		*was = cur;
	/* the statement journal of the per-row savepoints: a copy of every
	 * page a row changes; as a file that is ~100 pwrite calls per row */
	gx_conn_exec(c, "PRAGMA temp_store=MEMORY");
}

static void bulk_cache_restore(struct gx_conn *c, int64_t was)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)was);
	gx_conn_exec(c, sql);
	gx_conn_exec(c, "PRAGMA temp_store=DEFAULT");
}

static bool looks_like_vcard(const unsigned char *b, size_t n)
{
	size_t i = 0;
	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n' || b[i] == '\t'))
		i++;
	return n - i >= 11 && !strncasecmp((const char *)b + i, "BEGIN:VCARD", 11);
}

int gx_import_execute(struct gx_ctx *ctx, int64_t batch_id, const struct gx_import_opts *o, gx_csv_source_fn src,
		      void *src_ud, uint64_t total_bytes, json_t **summary)
{
	if (summary)
		*summary = NULL;
	struct imp *im = calloc(1, sizeof *im);
	if (!im) {
		live_remove(batch_id);
		return GX_ENOMEM;
	}
	im->ctx = ctx;
	im->o = o;
	im->batch_id = batch_id;
	im->started_mono = gx_mono_ms();
	im->last_progress_ms = im->started_mono;
	im->p.total_bytes = total_bytes;
	im->rctx = *ctx;
	gx_arena_init(&im->row_arena, 0);
	im->rctx.arena = &im->row_arena;
	im->plan.e = target_entity(o->entity);
	im->plan.contacts = im->plan.e == &gx_contacts_entity;
	im->plan.key_slot = -1;
	live_set(batch_id, "running", &im->p);
	int rc = im->plan.e ? 0 : GX_EINVAL;
	gx_store_writer(ctx->store, &im->c);
	int64_t cache_was = 0;
	if (!rc)
		bulk_cache(im->c, ctx->store, &cache_was);
	/* one transaction for the whole batch: commit only a finished batch */
	if (!rc)
		rc = gx_conn_begin(im->c);
	if (!rc)
		rc = gx_search_bulk_begin(im->c);
	if (!rc) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(im->c, "SELECT locale FROM tenants WHERE id = ?", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, ctx->tenant_id);
			if (gx_stmt_step(st) == GX_ROW && gx_stmt_col_text(st, 0)) {
				const char *l = gx_stmt_col_text(st, 0);
				im->plan.lang = !strcmp(l, "zh-TW") ? 1 : !strncmp(l, "en", 2) ? 2 : 0;
			}
			gx_stmt_reset(st);
		}
	}
	if (!rc)
		rc = plan_slots(&im->rctx, im->c, &im->plan);
	if (!rc)
		rc = load_saved_mapping(im, &im->fatal_errs);
	if (!rc && o->mapping) {
		int n = 0;
		rc = rules_from_json(o->mapping, im->rules + im->nrules, &n, 256 - im->nrules, &im->fatal_errs);
		im->nrules += n;
	}
	if (!rc)
		rc = rules_check(&im->plan, im->rules, im->nrules, &im->fatal_errs);
	if (!rc && o->customer) {
		rc = sql_int(im->c, "SELECT id FROM customers WHERE tenant_id = ? AND code = ? AND deleted_at IS NULL",
			     &im->default_customer, "is", ctx->tenant_id, o->customer);
		if (!rc && !im->default_customer) {
			gx_errors_add(&im->fatal_errs, "customer", "not_found", "no customer has the code '%s'", o->customer);
			rc = GX_EINVAL;
		}
	}
	/* read the first chunk to tell a vCard from a CSV */
	unsigned char *first = NULL;
	size_t nfirst = 0;
	struct feed_src fs = {src, src_ud, im};
	if (!rc) {
		first = malloc(65536);
		if (!first)
			rc = GX_ENOMEM;
		while (!rc && nfirst < 65536) {
			size_t got = 0;
			rc = counting_src(&fs, first + nfirst, 65536 - nfirst, &got);
			if (!got)
				break;
			nfirst += got;
		}
	}
	bool vcf = !rc && (o->format ? !strcmp(o->format, "vcf") : looks_like_vcard(first, nfirst));
	if (!rc && vcf && !im->plan.contacts) {
		gx_errors_add(&im->fatal_errs, "format", "invalid_option", "a vCard file imports as contacts");
		rc = GX_EINVAL;
	}
	if (!rc && vcf) {
		plan_vcard(&im->plan);
		rc = plan_key(&im->plan, o->key == GX_IMPORT_KEY_ID ? GX_IMPORT_KEY_AUTO : o->key, &im->fatal_errs);
		struct gx_vcard_handler h = {on_card, on_card_error, im};
		struct gx_vcard_reader *vr = NULL;
		if (!rc)
			rc = gx_vcard_reader_new(&vr, NULL, &h);
		if (!rc)
			rc = gx_vcard_reader_feed(vr, first, nfirst);
		unsigned char *buf = first;
		while (!rc) {
			size_t got = 0;
			rc = counting_src(&fs, buf, 65536, &got);
			if (rc || !got)
				break;
			rc = gx_vcard_reader_feed(vr, buf, got);
		}
		if (!rc)
			rc = gx_vcard_reader_finish(vr);
		gx_vcard_reader_free(vr);
	} else if (!rc) {
		struct gx_csv_opts copts = {.encoding = o->encoding, .delim = o->delimiter};
		struct gx_csv_handler h = {on_record, on_row_error, im};
		struct gx_csv_reader *cr = NULL;
		rc = gx_csv_reader_new(&cr, &copts, &h);
		if (!rc)
			rc = gx_csv_reader_feed(cr, first, nfirst);
		unsigned char *buf = first;
		while (!rc) {
			size_t got = 0;
			rc = counting_src(&fs, buf, 65536, &got);
			if (rc || !got)
				break;
			rc = gx_csv_reader_feed(cr, buf, got);
		}
		if (!rc)
			rc = gx_csv_reader_finish(cr);
		if (cr) {
			gx_csv_reader_info(cr, &im->info);
			im->encoding = im->info.encoding ? gx_enc_name(im->info.encoding) : NULL;
			im->delimiter = im->info.delim;
			im->enc_confidence = im->info.enc_confidence;
		}
		gx_csv_reader_free(cr);
		if (!rc && !im->plan.header_done) {
			gx_errors_add(&im->fatal_errs, "header", "empty", "the file is empty: no header row");
			rc = GX_EINVAL;
		}
	}
	free(first);
	if (rc && im->fatal && rc != im->fatal)
		rc = im->fatal;
	report_progress(im, true);
	/* decide: commit the batch, or leave the database as it was */
	const char *status;
	const char *error = NULL;
	if (rc == GX_EUNSUPPORTED)
		error = "the file is not text (a spreadsheet, a PDF, binary data?): save it as CSV (UTF-8, GBK or Big5) and try again";
	else if (rc == GX_EBUSY)
		error = "the import was cancelled (the server is stopping)";
	else if (rc == GX_EINVAL && im->fatal_errs.list)
		error = json_string_value(json_object_get(json_array_get(im->fatal_errs.list, 0), "message"));
	else if (rc)
		error = gx_strerror(rc);
	bool keep = !rc && !o->dry_run && !(o->mode == GX_IMPORT_ALL_OR_NOTHING && im->p.failed);
	if (im->c) {
		/* the last chunk of search terms and batch records, when the batch is kept */
		int frc = gx_search_bulk_end(im->c, keep);
		if (!frc && keep)
			frc = touches_flush(im);
		if (frc && keep) {
			rc = frc;
			error = gx_strerror(rc);
			keep = false;
		}
	}
	status = rc ? "failed" : o->dry_run ? "dry_run" : keep ? "done" : "failed";
	if (!rc && !keep && !o->dry_run)
		error = "rows had errors and the mode is all_or_nothing: nothing was imported";
	json_t *sum = make_summary(im, status);
	int src2 = 0;
	if (keep) {
		src2 = store_batch(im, status, sum, error);
		if (!src2)
			src2 = gx_conn_commit(im->c);
		if (src2) {
			/* the commit failed: nothing of the batch is kept */
			gx_conn_rollback(im->c);
			keep = false;
			status = "failed";
			error = "the database refused the batch; nothing was imported";
			json_object_set_new(sum, "status", json_string(status));
			rc = src2;
		}
	}
	if (!keep) {
		/* the batch's rows go; its record and errors stay */
		if (im->c)
			gx_conn_rollback(im->c);
		im->p.created = im->p.updated = 0;
		if (!o->dry_run)
			json_object_set_new(sum, "imported", json_false());
		int r2 = gx_conn_begin(im->c);
		if (!r2)
			r2 = store_batch(im, status, sum, error);
		if (!r2)
			r2 = gx_conn_commit(im->c);
		if (r2)
			gx_log_error("import %lld: cannot record the batch: %s", (long long)batch_id, gx_strerror(r2));
	}
	gx_search_bulk_end(im->c, false); /* no-op unless an early error left it open */
	if (cache_was)
		bulk_cache_restore(im->c, cache_was);
	gx_store_release(im->c);
	live_remove(batch_id);
	if (summary && gx_import_get(ctx, batch_id, summary))
		*summary = NULL;
	json_decref(sum);
	for (size_t i = 0; i < im->nerrs; i++) {
		json_decref(im->errs[i].errors);
		json_decref(im->errs[i].raw);
	}
	free(im->errs);
	json_decref(im->fatal_errs.list);
	json_decref(im->saved_rules);
	plan_free(&im->plan);
	probe_clear(im);
	free(im->probes);
	free(im->touches);
	gx_arena_free(&im->row_arena);
	free(im);
	return rc;
}

/* ---- reading batches --------------------------------------------------------------------------- */

#define BATCH_COLS "id, entity, status, mode, dry_run, filename, format, options, summary, rows_read, created, updated, " \
		   "unchanged, failed, error, created_at, created_by, finished_at, undone_at, undone_by"

static json_t *batch_json(struct gx_stmt *st)
{
	json_t *o = gx_entity_row_json(NULL, st);
	if (!o)
		return NULL;
	json_object_set_new(o, "dry_run", json_boolean(json_integer_value(json_object_get(o, "dry_run")) != 0));
	for (int k = 0; k < 2; k++) {
		const char *col = k ? "summary" : "options";
		const char *t = json_string_value(json_object_get(o, col));
		if (t)
			json_object_set_new(o, col, json_loads(t, 0, NULL));
	}
	struct gx_import_progress p = {
		.rows = (uint64_t)json_integer_value(json_object_get(o, "rows_read")),
		.created = (uint64_t)json_integer_value(json_object_get(o, "created")),
		.updated = (uint64_t)json_integer_value(json_object_get(o, "updated")),
		.unchanged = (uint64_t)json_integer_value(json_object_get(o, "unchanged")),
		.failed = (uint64_t)json_integer_value(json_object_get(o, "failed")),
	};
	json_object_set_new(o, "progress", progress_json(&p));
	json_object_set_new(json_object_get(o, "progress"), "percent", json_integer(100));
	for (const char *const *k = (const char *const[]){"rows_read", "created", "updated", "unchanged", "failed", NULL}; *k; k++)
		json_object_del(o, *k);
	return o;
}

int gx_import_get(struct gx_ctx *ctx, int64_t batch_id, json_t **out)
{
	*out = live_json(ctx->tenant_id, batch_id);
	if (*out)
		return 0;
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	rc = gx_conn_prepare(c, "SELECT " BATCH_COLS " FROM import_batches WHERE tenant_id = ? AND id = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, batch_id);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			*out = batch_json(st);
			rc = *out ? 0 : GX_ENOMEM;
		} else if (rc == GX_DONE) {
			rc = GX_ENOTFOUND;
		}
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc == GX_ENOTFOUND) {
		/* it may have finished between the two looks */
		*out = live_json(ctx->tenant_id, batch_id);
		if (*out)
			rc = 0;
	}
	return rc;
}

int gx_import_list(struct gx_ctx *ctx, int64_t before_id, int limit, json_t **out)
{
	*out = NULL;
	json_t *items = json_array();
	if (!before_id) {
		/* running batches first */
		pthread_mutex_lock(&live_lock);
		int64_t ids[LIVE_MAX];
		int n = 0;
		for (int i = 0; i < LIVE_MAX; i++)
			if (lives[i].id && lives[i].tenant_id == ctx->tenant_id)
				ids[n++] = lives[i].id;
		pthread_mutex_unlock(&live_lock);
		for (int i = 0; i < n; i++) {
			json_t *l = live_json(ctx->tenant_id, ids[i]);
			if (l)
				json_array_append_new(items, l);
		}
	}
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc) {
		json_decref(items);
		return rc;
	}
	struct gx_stmt *st;
	int n = 0;
	int64_t last = 0;
	rc = gx_conn_prepare(c, "SELECT " BATCH_COLS " FROM import_batches WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
		gx_stmt_bind_int64(st, 3, limit + 1);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (n++ == limit)
				break;
			json_t *b = batch_json(st);
			json_object_del(b, "summary"); /* the list stays small: GET one for the mapping and errors */
			last = gx_stmt_col_int64(st, 0);
			json_array_append_new(items, b);
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
			 n > limit ? json_sprintf("%lld", (long long)last) : json_null());
	return *out ? 0 : GX_ENOMEM;
}

/* ---- the error report ------------------------------------------------------------------------------ */

int gx_import_errors_csv(struct gx_ctx *ctx, int64_t batch_id, bool bom, int (*sink)(void *ud, const char *s, size_t n),
			 void *ud)
{
	json_t *batch = NULL;
	int rc = gx_import_get(ctx, batch_id, &batch);
	if (rc)
		return rc;
	if (!strcmp(json_string_value(json_object_get(batch, "status")), "running") ||
	    !strcmp(json_string_value(json_object_get(batch, "status")), "queued")) {
		json_decref(batch);
		return GX_ECONFLICT;
	}
	struct gx_csv_writer w;
	gx_csv_writer_init(&w, sink, ud);
	if (bom)
		rc = sink(ud, "\xEF\xBB\xBF", 3);
	/* header: where and why, then the file's own header */
	json_t *mapping = json_object_get(json_object_get(batch, "summary"), "mapping");
	const char *fixed[2] = {"import_line", "import_errors"};
	for (int i = 0; !rc && i < 2; i++)
		rc = gx_csv_writer_cell(&w, fixed[i], strlen(fixed[i]));
	size_t i;
	json_t *m;
	json_array_foreach(mapping, i, m) {
		const char *h = json_string_value(json_object_get(m, "header"));
		if (!rc && h)
			rc = gx_csv_writer_cell(&w, h, strlen(h));
	}
	if (!rc)
		rc = gx_csv_writer_end_row(&w);
	json_decref(batch);
	struct gx_conn *c;
	if (!rc)
		rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	/* keyset by seq, pages of 200 */
	int64_t after = 0;
	for (;;) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT seq, line, errors, raw FROM import_errors WHERE tenant_id = ? AND batch_id = ? "
					"AND seq > ? ORDER BY seq LIMIT 200", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, batch_id);
		gx_stmt_bind_int64(st, 3, after);
		int n = 0;
		while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
			rc = 0;
			n++;
			after = gx_stmt_col_int64(st, 0);
			char line[32];
			snprintf(line, sizeof line, "%lld", (long long)gx_stmt_col_int64(st, 1));
			json_t *errs = json_loads(gx_stmt_col_text(st, 2), 0, NULL);
			const char *rt = gx_stmt_col_text(st, 3);
			json_t *raw = rt ? json_loads(rt, 0, NULL) : NULL;
			struct gx_buf msg;
			gx_buf_init(&msg, 1 << 16);
			size_t k;
			json_t *e;
			json_array_foreach(errs, k, e) {
				const char *f = json_string_value(json_object_get(e, "field"));
				gx_buf_printf(&msg, "%s%s%s%s", k ? "; " : "", f ? f : "", f ? ": " : "",
					      json_string_value(json_object_get(e, "message")));
			}
			rc = gx_csv_writer_cell(&w, line, strlen(line));
			if (!rc)
				rc = gx_csv_writer_cell(&w, msg.data ? msg.data : "", msg.len);
			json_t *cell;
			json_array_foreach(raw, k, cell) {
				if (!rc)
					rc = gx_csv_writer_cell(&w, json_string_value(cell), json_string_length(cell));
			}
			if (!rc)
				rc = gx_csv_writer_end_row(&w);
			gx_buf_free(&msg);
			json_decref(errs);
			json_decref(raw);
		}
		rc = rc == GX_DONE ? 0 : rc;
		gx_stmt_reset(st);
		if (rc || n < 200)
			break;
	}
	gx_store_release(c);
	if (!rc)
		rc = gx_csv_writer_flush(&w);
	return rc;
}

/* ---- undo ------------------------------------------------------------------------------------------------ */

int gx_import_undo(struct gx_ctx *ctx, int64_t batch_id, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	int rc = gx_conn_begin(c);
	char status[16] = "";
	struct gx_stmt *st;
	if (!rc)
		rc = gx_conn_prepare(c, "SELECT status FROM import_batches WHERE tenant_id = ? AND id = ?", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, batch_id);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			snprintf(status, sizeof status, "%s", gx_stmt_col_text(st, 0));
			rc = 0;
		} else if (rc == GX_DONE) {
			rc = GX_ENOTFOUND;
		}
		gx_stmt_reset(st);
	}
	if (!rc && strcmp(status, "done")) {
		gx_errors_add(errs, "status", "not_undoable", "only a finished import can be undone (this one is %s)", status);
		rc = GX_ECONFLICT;
	}
	int64_t deleted = 0, restored = 0, conflicts = 0, gone = 0;
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx rctx = *ctx;
	rctx.arena = &a;
	/* newest first: contacts go before the customers they were added to */
	int64_t before_seq = INT64_MAX;
	while (!rc) {
		rc = gx_conn_prepare(c, "SELECT seq, entity, record_id, action, before, after FROM import_batch_records WHERE "
					"tenant_id = ? AND batch_id = ? AND seq < ? ORDER BY seq DESC LIMIT 200", &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, batch_id);
		gx_stmt_bind_int64(st, 3, before_seq);
		json_t *page = json_array();
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			before_seq = gx_stmt_col_int64(st, 0);
			json_array_append_new(page, gx_entity_row_json(NULL, st));
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
		size_t i;
		json_t *it;
		json_array_foreach(page, i, it) {
			if (rc)
				break;
			const struct gx_entity *e = gx_entity_find(json_string_value(json_object_get(it, "entity")));
			int64_t id = json_integer_value(json_object_get(it, "record_id"));
			if (!e) {
				rc = GX_EINVAL;
				break;
			}
			json_t *cur = NULL;
			rc = gx_entity_get_conn(&rctx, c, e, id, true, &cur);
			if (rc == GX_ENOTFOUND) {
				gone++;
				rc = 0;
				continue;
			}
			if (!rc && !strcmp(json_string_value(json_object_get(it, "action")), "created")) {
				if (json_is_null(json_object_get(cur, "deleted_at"))) {
					rc = gx_entity_delete_conn(&rctx, c, e, id);
					deleted++;
				}
			} else if (!rc) {
				json_t *bef = json_loads(json_string_value(json_object_get(it, "before")), 0, NULL);
				json_t *aft = json_loads(json_string_value(json_object_get(it, "after")), 0, NULL);
				json_t *patch = json_object();
				bool deleted_again = false;
				const char *k;
				json_t *v;
				json_object_foreach(aft, k, v) {
					if (!strcmp(k, "custom")) {
						json_t *cp = json_object(), *curc = json_object_get(cur, "custom");
						const char *ck;
						json_t *cv;
						json_object_foreach(v, ck, cv) {
							json_t *now = json_object_get(curc, ck);
							if ((now && json_equal(now, cv)) || (!now && json_is_null(cv)))
								json_object_set(cp, ck, json_object_get(json_object_get(bef, "custom"), ck));
							else
								conflicts++;
						}
						if (json_object_size(cp))
							json_object_set(patch, "custom", cp);
						json_decref(cp);
						continue;
					}
					json_t *now = json_object_get(cur, k);
					if (!strcmp(k, "deleted_at")) {
						/* the batch brought a deleted record back: delete it again */
						if (json_is_null(now) && !json_is_null(json_object_get(bef, k)))
							deleted_again = true;
						continue;
					}
					if ((now && json_equal(now, v)) || (!now && json_is_null(v))) {
						json_t *old = json_object_get(bef, k);
						json_object_set(patch, k, old ? old : json_null());
					} else {
						conflicts++; /* changed since the import: the later change stays */
					}
				}
				if (json_object_size(patch)) {
					struct gx_errors herrs = {0};
					/* derived keys (name, phone, e-mail) follow the restored values */
					if (e->hooks.before_write && e == &gx_customers_entity)
						rc = e->hooks.before_write(&rctx, c, e, patch, cur, &herrs);
					json_decref(herrs.list);
					json_t *o2 = NULL;
					if (!rc)
						rc = gx_entity_update_conn(&rctx, c, e, id, patch, &o2);
					json_decref(o2);
					restored++;
				}
				if (!rc && deleted_again) {
					rc = gx_entity_delete_conn(&rctx, c, e, id);
					deleted++;
				}
				json_decref(patch);
				json_decref(bef);
				json_decref(aft);
			}
			json_decref(cur);
			gx_arena_free(&a);
		}
		size_t got = json_array_size(page);
		json_decref(page);
		if (got < 200)
			break;
	}
	char now[40];
	gx_time_iso(gx_now_ms(), now, sizeof now);
	if (!rc) {
		rc = gx_conn_prepare(c, "UPDATE import_batches SET status = 'undone', undone_at = ?, undone_by = ? WHERE "
					"tenant_id = ? AND id = ?", &st);
		if (!rc) {
			gx_stmt_bind_str(st, 1, now);
			if (ctx->user_id)
				gx_stmt_bind_int64(st, 2, ctx->user_id);
			else
				gx_stmt_bind_null(st, 2);
			gx_stmt_bind_int64(st, 3, ctx->tenant_id);
			gx_stmt_bind_int64(st, 4, batch_id);
			rc = gx_stmt_step(st);
			gx_stmt_reset(st);
		}
	}
	json_t *what = NULL;
	if (!rc) {
		what = json_pack("{s:I, s:I, s:I, s:I, s:I}", "batch", (json_int_t)batch_id, "deleted", (json_int_t)deleted,
				 "restored", (json_int_t)restored, "conflicts", (json_int_t)conflicts, "gone", (json_int_t)gone);
		rc = gx_audit_write(ctx, c, "import_undo", "import_batches", batch_id, NULL, what, NULL);
	}
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	gx_arena_free(&a);
	if (rc) {
		json_decref(what);
		return rc;
	}
	*out = what;
	return 0;
}

/* ---- saved mappings ------------------------------------------------------------------------------------------- */

static const char *const mapping_entities[] = {"customers", "contacts", NULL};

static int mapping_before_write(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *values,
				const json_t *current, struct gx_errors *errs)
{
	json_t *rules = json_object_get(values, "rules");
	if (!rules)
		return 0;
	struct rule r[256];
	int n = 0;
	if (json_is_string(rules)) {
		json_t *parsed = json_loads(json_string_value(rules), 0, NULL);
		if (!parsed) {
			gx_errors_add(errs, "rules", "type", "rules is a mapping object or a list of rules");
			return GX_EINVAL;
		}
		json_object_set_new(values, "rules", parsed);
		rules = parsed;
	}
	int rc = rules_from_json(rules, r, &n, 256, errs);
	if (rc)
		return rc;
	const char *ent = json_string_value(json_object_get(values, "entity"));
	if (!ent && current)
		ent = json_string_value(json_object_get(current, "entity"));
	struct plan p = {.e = target_entity(ent)};
	p.contacts = p.e == &gx_contacts_entity;
	if (p.e) {
		rc = plan_slots(ctx, c, &p);
		if (!rc)
			rc = rules_check(&p, r, n, errs);
	}
	plan_free(&p);
	if (rc)
		return rc;
	char *text = json_dumps(rules, JSON_COMPACT);
	json_object_set_new(values, "rules", json_string(text ? text : "{}"));
	free(text);
	return 0;
}

#define L(cn, tw, en) {cn, tw, en}
static const struct gx_field mapping_fields[] = {
	{"name", GX_F_TEXT, GX_FF_REQUIRED | GX_FF_UNIQUE | GX_FF_FILTER | GX_FF_SORT | GX_FF_SEARCH, 100, 0, 0, NULL, NULL,
	 L("名称", "名稱", "Name")},
	{"entity", GX_F_ENUM, GX_FF_REQUIRED | GX_FF_FILTER | GX_FF_CREATE_ONLY, 0, 0, 0, mapping_entities, NULL,
	 L("导入对象", "匯入物件", "Imports")},
	{"rules", GX_F_JSON, GX_FF_REQUIRED, 20000, 0, 0, NULL, NULL, L("字段对应", "欄位對應", "Column mapping")},
	{"description", GX_F_TEXT, 0, 500, 0, 0, NULL, NULL, L("说明", "說明", "Description")},
};
#undef L

const struct gx_entity gx_import_mappings_entity = {
	.name = "import_mappings",
	.path = "import-mappings",
	.table = "import_mappings",
	.fields = mapping_fields,
	.nfields = sizeof mapping_fields / sizeof mapping_fields[0],
	.default_sort = "name",
	.hooks = {.before_write = mapping_before_write},
};
