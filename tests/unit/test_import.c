/* test_import.c — src/io/import, export, ical and dump against a real
 * SQLite database: a GBK file made with iconv(3), modes and undo through the
 * engine, the guarded CSV writer, an export -> import -> export round trip,
 * XLSX, iCalendar read back by libical, and the full export loaded into a
 * second database and exported again identically. */
#include "gx_test.h"
#include "fixtures.h"

#include "core/buf.h"
#include "core/err.h"
#include "crm/customer.h"
#include "crm/user.h"
#include "entity/search.h"
#include "io/dump.h"
#include "io/export.h"
#include "io/ical.h"
#include "io/import.h"
#include "store/migrations.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <iconv.h>
#include <libical/ical.h>

static struct gx_store *open_db(const char *name)
{
	struct gx_store *s = gx_test_open_db(name);
	gx_user_module_init();
	gx_customer_module_init();
	gx_entity_register(&gx_import_mappings_entity);
	return s;
}

/* A context on a new tenant of s; the arena is the caller's. */
static struct gx_ctx tenant_ctx(struct gx_store *s, const char *slug, const char *name, struct gx_arena *a)
{
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, slug, name, NULL, NULL, NULL, &tid), 0);
	return (struct gx_ctx){.store = s, .arena = a, .tenant_id = tid};
}

struct mem {
	const char *data;
	size_t len, pos;
};

static int mem_src(void *ud, void *buf, size_t cap, size_t *got)
{
	struct mem *m = ud;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return 0;
}

static int buf_sink(void *ud, const char *s, size_t n)
{
	return gx_buf_add(ud, s, n);
}

/* Imports data with options from JSON text; returns the batch (caller decrefs). */
static json_t *run_import(struct gx_ctx *ctx, const char *data, size_t len, const char *opts_json)
{
	json_error_t e;
	json_t *oj = json_loads(opts_json, 0, &e);
	ASSERT_TRUE(oj != NULL);
	struct gx_import_opts o = {0};
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_import_opts_parse(oj, &o, &errs), 0);
	int64_t batch;
	ASSERT_EQ_INT(gx_import_begin(ctx, &o, &batch, &errs), 0);
	struct mem m = {data, len, 0};
	json_t *out = NULL;
	gx_import_execute(ctx, batch, &o, mem_src, &m, len, &out);
	ASSERT_TRUE(out != NULL);
	json_decref(oj);
	return out;
}

static int64_t sum_int(const json_t *batch, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(batch, "summary"), k));
}

static char *to_gbk(const char *utf8, size_t *len)
{
	iconv_t cd = iconv_open("GBK", "UTF-8");
	ASSERT_TRUE(cd != (iconv_t)-1);
	size_t inl = strlen(utf8), outl = inl * 2 + 16;
	char *out = malloc(outl), *o = out, *in = (char *)utf8;
	ASSERT_TRUE(iconv(cd, &in, &inl, &o, &outl) != (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(o - out);
	return out;
}

GX_TEST(import_gbk_modes_undo)
{
	struct gx_store *s = open_db("a.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = tenant_ctx(s, "acme", "Acme", &a);
	const char *csv = "客户编号,客户名称,手机,信用额度,备注\r\n"
			  "U-1,广州白云电器有限公司,13800001111,\"1,500.50\",\"第一行\r\n第二行\"\r\n"
			  "U-2,杭州西湖茶叶有限公司,not-a-phone,xx,\r\n"
			  "U-3,成都锦江宾馆,13800003333,2万,=1+1\r\n";
	size_t glen;
	char *gbk = to_gbk(csv, &glen);
	/* dry run and all-or-nothing leave the database as it was */
	json_t *b = run_import(&ctx, gbk, glen, "{\"entity\":\"customers\",\"dry_run\":true}");
	ASSERT_EQ_STR(json_string_value(json_object_get(b, "status")), "dry_run");
	ASSERT_EQ_INT(sum_int(b, "created"), 2);
	ASSERT_EQ_STR(json_string_value(json_object_get(json_object_get(b, "summary"), "encoding")), "GB18030");
	json_decref(b);
	b = run_import(&ctx, gbk, glen, "{\"entity\":\"customers\",\"mode\":\"all_or_nothing\"}");
	ASSERT_EQ_STR(json_string_value(json_object_get(b, "status")), "failed");
	json_decref(b);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms"), 0);
	/* skip bad rows */
	b = run_import(&ctx, gbk, glen, "{\"entity\":\"customers\"}");
	ASSERT_EQ_STR(json_string_value(json_object_get(b, "status")), "done");
	ASSERT_EQ_INT(sum_int(b, "created"), 2);
	ASSERT_EQ_INT(sum_int(b, "failed"), 1);
	int64_t batch = json_integer_value(json_object_get(b, "id"));
	json_decref(b);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT credit_limit FROM customers WHERE code = 'U-1'"), 150050);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT credit_limit FROM customers WHERE code = 'U-3'"), 2000000);
	ASSERT_TRUE(gx_test_count(s, "SELECT count(*) FROM search_terms") > 20);
	/* the error report: the row as it was, neutralised */
	struct gx_buf rep;
	gx_buf_init(&rep, 1 << 20);
	ASSERT_EQ_INT(gx_import_errors_csv(&ctx, batch, false, buf_sink, &rep), 0);
	ASSERT_TRUE(strstr(rep.data, "import_line,import_errors,客户编号") == rep.data);
	ASSERT_TRUE(strstr(rep.data, "\r\n4,") != NULL); /* U-1 spans lines 2 and 3 */
	ASSERT_TRUE(strstr(rep.data, "U-2,杭州西湖茶叶有限公司,not-a-phone,xx,") != NULL);
	gx_buf_free(&rep);
	/* a re-run changes nothing; undo deletes what the batch created */
	b = run_import(&ctx, gbk, glen, "{\"entity\":\"customers\"}");
	ASSERT_EQ_INT(sum_int(b, "unchanged"), 2);
	ASSERT_EQ_INT(sum_int(b, "created"), 0);
	json_decref(b);
	json_t *u = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_import_undo(&ctx, batch, &u, &errs), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(u, "deleted")), 2);
	json_decref(u);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE deleted_at IS NULL"), 0);
	ASSERT_EQ_INT(gx_import_undo(&ctx, batch, &u, &errs), GX_ECONFLICT);
	json_decref(errs.list);
	free(gbk);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_text_shutdown();
}

GX_TEST(csv_writer_quotes_and_neutralises)
{
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	struct gx_csv_writer w;
	gx_csv_writer_init(&w, buf_sink, &b);
	const char *cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "=cmd|' /C calc'!A0", "+1", "-2", "@x", "\tt", "'q", "中文"};
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
		ASSERT_EQ_INT(gx_csv_writer_cell(&w, cells[i], strlen(cells[i])), 0);
	ASSERT_EQ_INT(gx_csv_writer_end_row(&w), 0);
	ASSERT_EQ_INT(gx_csv_writer_flush(&w), 0);
	ASSERT_EQ_STR(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"'=cmd|' /C calc'!A0\",\"'+1\",\"'-2\",\"'@x\","
			      "\"'\tt\",\"''q\",中文\r\n");
	gx_buf_free(&b);
}

GX_TEST(export_import_export_round_trip_and_xlsx)
{
	struct gx_store *s = open_db("r.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx c1 = tenant_ctx(s, "one", "One", &a), c2 = tenant_ctx(s, "two", "Two", &a);
	const char *csv = "Customer code,Name,Kind,Tags,Mobile,Email,Credit limit,Notes,Status\n"
			  "R-1,Round Trip 甲,organisation,\"a,b\",+86 138 0000 1111,x@r.example.cn,99.99,\"line\nbreak\",customer\n"
			  "R-2,張三,person,,,,0,=SUM(1),lead\n";
	json_t *b = run_import(&c1, csv, strlen(csv), "{\"entity\":\"customers\"}");
	ASSERT_EQ_INT(sum_int(b, "created"), 2);
	json_decref(b);
	struct gx_list_query q;
	gx_list_init(&gx_customers_entity, &q);
	ASSERT_EQ_INT(gx_list_param(&c1, &gx_customers_entity, &q, "sort", "code", NULL), 0);
	struct gx_export_opts o = {.format = GX_EXPORT_CSV, .lang = 2};
	struct gx_buf e1, e2;
	gx_buf_init(&e1, 1 << 20);
	gx_buf_init(&e2, 1 << 20);
	uint64_t rows = 0;
	ASSERT_EQ_INT(gx_export_to_sink(&c1, &gx_customers_entity, &q, &o, buf_sink, &e1, &rows), 0);
	ASSERT_EQ_INT(rows, 2);
	b = run_import(&c2, e1.data, e1.len, "{\"entity\":\"customers\"}");
	ASSERT_EQ_INT(sum_int(b, "created"), 2);
	ASSERT_EQ_INT(sum_int(b, "failed"), 0);
	json_decref(b);
	/* the business columns come back equal */
	o.columns = "code,kind,name,type,status,tags,mobile,email,credit_limit,notes";
	gx_buf_free(&e1);
	gx_buf_init(&e1, 1 << 20);
	ASSERT_EQ_INT(gx_export_to_sink(&c1, &gx_customers_entity, &q, &o, buf_sink, &e1, NULL), 0);
	struct gx_list_query q2;
	gx_list_init(&gx_customers_entity, &q2);
	ASSERT_EQ_INT(gx_list_param(&c2, &gx_customers_entity, &q2, "sort", "code", NULL), 0);
	ASSERT_EQ_INT(gx_export_to_sink(&c2, &gx_customers_entity, &q2, &o, buf_sink, &e2, NULL), 0);
	ASSERT_EQ_STR(e2.data, e1.data);
	ASSERT_TRUE(strstr(e1.data, "\"'=SUM(1)\"") != NULL);
	ASSERT_TRUE(strstr(e1.data, "99.99") != NULL);
	/* XLSX: a zip file */
	char path[300];
	snprintf(path, sizeof path, "%s/c.xlsx", gx_test_tmpdir());
	o.format = GX_EXPORT_XLSX;
	o.columns = NULL;
	ASSERT_EQ_INT(gx_export_xlsx(&c1, &gx_customers_entity, &q, &o, path, &rows), 0);
	ASSERT_EQ_INT(rows, 2);
	FILE *f = fopen(path, "rb");
	char magic[2] = {0};
	ASSERT_TRUE(f && fread(magic, 1, 2, f) == 2);
	fclose(f);
	ASSERT_TRUE(magic[0] == 'P' && magic[1] == 'K');
	/* unknown columns and wrong formats are refused */
	o.format = GX_EXPORT_CSV;
	o.columns = "name,password_hash";
	struct gx_export *x = NULL;
	ASSERT_EQ_INT(gx_export_open(&c1, &gx_customers_entity, &q, &o, &x), GX_EINVAL);
	o.columns = NULL;
	o.format = GX_EXPORT_VCF;
	ASSERT_EQ_INT(gx_export_open(&c1, &gx_customers_entity, &q, &o, &x), GX_EINVAL);
	gx_buf_free(&e1);
	gx_buf_free(&e2);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_text_shutdown();
}

static int ical_sink(void *ud, const char *s, size_t n)
{
	return gx_buf_add(ud, s, n);
}

GX_TEST(ical_activity_reads_back_with_libical)
{
	json_error_t e;
	json_t *act = json_loads("{\"id\": 42, \"subject\": \"拜访，谈合同; 带样品\", \"notes\": \"第一行\\n第二行, 逗号\", "
				 "\"outcome\": \"已下单\", \"channel\": \"visit\", \"duration_min\": 45, "
				 "\"occurred_at\": \"2026-11-20T02:30:00.000Z\", \"created_at\": \"2026-11-20T03:00:00.000Z\", "
				 "\"updated_at\": \"2026-11-20T03:00:00.000Z\"}", 0, &e);
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	ASSERT_EQ_INT(gx_ical_begin(ical_sink, &b), 0);
	ASSERT_EQ_INT(gx_ical_activity(act, "上海华联", ical_sink, &b), 0);
	ASSERT_EQ_INT(gx_ical_end(ical_sink, &b), 0);
	icalcomponent *cal = icalparser_parse_string(b.data);
	ASSERT_TRUE(cal != NULL);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	ASSERT_TRUE(ev != NULL);
	ASSERT_EQ_STR(icalcomponent_get_summary(ev), "拜访，谈合同; 带样品");
	ASSERT_EQ_STR(icalcomponent_get_uid(ev), "activity-42@guanxi");
	struct icaltimetype st = icalcomponent_get_dtstart(ev), en = icalcomponent_get_dtend(ev);
	ASSERT_EQ_INT(st.hour, 2);
	ASSERT_EQ_INT(st.minute, 30);
	ASSERT_EQ_INT(en.hour, 3);
	ASSERT_EQ_INT(en.minute, 15);
	ASSERT_TRUE(icaltime_is_utc(st));
	ASSERT_EQ_STR(icalcomponent_get_description(ev), "第一行\n第二行, 逗号\n结果/Outcome: 已下单");
	icalcomponent_free(cal);
	/* no time: refused */
	json_object_del(act, "occurred_at");
	ASSERT_EQ_INT(gx_ical_activity(act, NULL, ical_sink, &b), GX_EINVAL);
	json_decref(act);
	gx_buf_free(&b);
}

GX_TEST(dump_export_import_export_identical)
{
	struct gx_store *s = open_db("d1.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = tenant_ctx(s, "dump", "导出公司", &a);
	const char *csv = "客户名称,城市,备注\n导出一号,上海,\"多行\n备注\"\n导出二号,台北,\n";
	json_t *b = run_import(&ctx, csv, strlen(csv), "{\"entity\":\"customers\"}");
	json_decref(b);
	char d1[300], d2[300];
	snprintf(d1, sizeof d1, "%s/dump1", gx_test_tmpdir());
	snprintf(d2, sizeof d2, "%s/dump2", gx_test_tmpdir());
	int tables = 0;
	uint64_t rows = 0;
	ASSERT_EQ_INT(gx_dump_export(s, d1, NULL, NULL, &tables, &rows), 0);
	ASSERT_TRUE(tables >= 15);
	ASSERT_EQ_INT(gx_dump_export(s, d1, NULL, NULL, NULL, NULL), GX_ECONFLICT);
	/* into a database with data: refused */
	char msg[600];
	ASSERT_EQ_INT(gx_dump_import(s, d1, NULL, NULL, NULL, NULL, msg, sizeof msg), GX_ECONFLICT);
	struct gx_store *s2 = open_db("d2.db");
	uint64_t rows2 = 0;
	ASSERT_EQ_INT(gx_dump_import(s2, d1, NULL, NULL, NULL, &rows2, msg, sizeof msg), 0);
	ASSERT_EQ_INT(rows2, rows);
	ASSERT_EQ_INT(gx_test_count(s2, "SELECT count(*) FROM customers"), 2);
	ASSERT_EQ_INT(gx_test_count(s2, "SELECT count(*) FROM search_terms"), gx_test_count(s, "SELECT count(*) FROM search_terms"));
	ASSERT_EQ_INT(gx_dump_export(s2, d2, NULL, NULL, NULL, NULL), 0);
	char p1[400], p2[400];
	snprintf(p1, sizeof p1, "%s/manifest.json", d1);
	snprintf(p2, sizeof p2, "%s/manifest.json", d2);
	json_t *m1 = json_load_file(p1, 0, NULL), *m2 = json_load_file(p2, 0, NULL);
	json_t *t1 = json_object_get(m1, "tables"), *t2 = json_object_get(m2, "tables");
	ASSERT_EQ_INT(json_array_size(t1), json_array_size(t2));
	for (size_t i = 0; i < json_array_size(t1); i++)
		ASSERT_EQ_STR(json_string_value(json_object_get(json_array_get(t2, i), "sha256")),
			      json_string_value(json_object_get(json_array_get(t1, i), "sha256")));
	json_decref(m1);
	json_decref(m2);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_store_close(s2);
	gx_text_shutdown();
}

/* ---- bulk search terms (entity/search.h) and the import's chunked writes ------------------------ */

/* Record ids are unique across tenants (the SQLite index's rowid is the
 * record id): tenant b's records are a's + B_IDS. */
#define B_IDS 1000

/* The terms of tenant a and tenant b (ids less B_IDS) differ in how many
 * rows (either way). */
static int64_t terms_differ(struct gx_store *s, int64_t a, int64_t b)
{
	char sql[800];
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM (SELECT entity, term, record_id FROM search_terms WHERE tenant_id = %lld "
		 "EXCEPT SELECT entity, term, record_id - %d FROM search_terms WHERE tenant_id = %lld) x) + "
		 "(SELECT count(*) FROM (SELECT entity, term, record_id - %d FROM search_terms WHERE tenant_id = %lld "
		 "EXCEPT SELECT entity, term, record_id FROM search_terms WHERE tenant_id = %lld) y)",
		 (long long)a, B_IDS, (long long)b, B_IDS, (long long)b, (long long)a);
	return gx_test_count(s, sql);
}

GX_TEST(search_bulk_writes_what_single_inserts_write)
{
	struct gx_store *s = open_db("bulk.db");
	struct gx_arena ar;
	gx_arena_init(&ar, 0);
	struct gx_ctx a = tenant_ctx(s, "single", "Single", &ar), b = tenant_ctx(s, "bulk", "Bulk", &ar);
	struct gx_conn *c;
	gx_store_writer(s, &c);
	ASSERT_EQ_INT(gx_conn_begin(c), 0);
	static const char *const names[] = {"上海华联有限公司", "張三豐", "重庆百货", "José García", "单雄信"};
	char code[32];
	/* single inserts: records 1..40, then record 7 renamed */
	for (int i = 1; i <= 40; i++) {
		snprintf(code, sizeof code, "KH-2024-%04d", i);
		struct gx_search_text t[3] = {{names[i % 5], 0}, {code, GX_SK_CODE}, {"138 0013 8000", GX_SK_PHONE}};
		ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", i, t, 3), 0);
	}
	struct gx_search_text t7[1] = {{"长乐银行", 0}};
	ASSERT_EQ_INT(gx_search_reindex(&a, c, "customers", 7, t7, 1), 0);
	ASSERT_EQ_INT(gx_search_remove(&a, c, "customers", 9), 0);
	/* the same through a bulk, with a rolled-back row and a flush between */
	ASSERT_EQ_INT(gx_search_bulk_begin(c), 0);
	ASSERT_EQ_INT(gx_search_bulk_begin(c), GX_EBUSY);
	for (int i = 1; i <= 40; i++) {
		snprintf(code, sizeof code, "KH-2024-%04d", i);
		struct gx_search_text t[3] = {{names[i % 5], 0}, {code, GX_SK_CODE}, {"138 0013 8000", GX_SK_PHONE}};
		ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", B_IDS + i, t, 3), 0);
		if (i == 20)
			ASSERT_EQ_INT(gx_search_bulk_flush(c), 0);
	}
	size_t mark = gx_search_bulk_pending(c);
	ASSERT_TRUE(mark > 0);
	struct gx_search_text bad[1] = {{"不该留下", 0}};
	ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", B_IDS + 41, bad, 1), 0);
	ASSERT_TRUE(gx_search_bulk_pending(c) > mark);
	gx_search_bulk_truncate(c, mark); /* the row of record 41 rolled back */
	ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", B_IDS + 7, t7, 1), 0);  /* was flushed: DELETE */
	ASSERT_EQ_INT(gx_search_remove(&b, c, "customers", B_IDS + 9), 0);         /* was flushed */
	ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", B_IDS + 33, t7, 1), 0); /* pending: forgotten, */
	snprintf(code, sizeof code, "KH-2024-%04d", 33);                      /* then as before */
	struct gx_search_text t33[3] = {{names[33 % 5], 0}, {code, GX_SK_CODE}, {"138 0013 8000", GX_SK_PHONE}};
	ASSERT_EQ_INT(gx_search_reindex(&b, c, "customers", B_IDS + 33, t33, 3), 0);
	ASSERT_EQ_INT(gx_search_bulk_end(c, true), 0);
	ASSERT_EQ_INT(gx_search_bulk_pending(c), 0);
	ASSERT_EQ_INT(gx_conn_commit(c), 0);
	gx_store_release(c);
	ASSERT_TRUE(gx_test_count(s, "SELECT count(*) FROM search_terms") > 400);
	ASSERT_EQ_INT(terms_differ(s, a.tenant_id, b.tenant_id), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE record_id = 1041"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE record_id IN (9, 1009)"), 0);
	ASSERT_TRUE(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE record_id = 1033") > 10);
	gx_arena_free(&ar);
	gx_store_close(s);
	gx_text_shutdown();
}

/* An import larger than one chunk of search terms (~1,000 customers): the
 * duplicate check still sees rows of earlier chunks and of the pending one
 * (the similar-name probe's cache included), a bad row's terms go with it,
 * and search finds customers of every chunk. */
GX_TEST(import_chunks_keep_duplicate_check_and_search)
{
	struct gx_store *s = open_db("chunks.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = tenant_ctx(s, "acme", "Acme", &a);
	static const char *const ch[] = {"华", "联", "恒", "通", "鑫", "源", "永", "安", "城", "东", "方", "金",
					 "泰", "宏", "达", "瑞", "丰", "兴", "百", "盛", "银", "河", "光", "虹",
					 "汇", "德", "昌", "健", "阳", "明", "珠", "嘉", "禾", "福", "田", "锦"};
	struct gx_buf b;
	gx_buf_init(&b, 1 << 24);
	gx_buf_adds(&b, "客户编号,客户名称,手机\n");
	int rows = 1290; /* the three characters repeat from row 1296 on */
	for (int i = 0; i < rows; i++) {
		/* 上海 + three characters of their own: similarity < 70 between rows */
		gx_buf_printf(&b, "K%05d,上海%s%s%s贸易有限公司,139%08d\n", i, ch[i % 36], ch[(i / 36) % 36], ch[(i * 7 + 3) % 36],
			      i);
	}
	gx_buf_adds(&b, "K09990,上海华华恒贸易,13900000000\n");   /* phone of row 0, name like it */
	gx_buf_adds(&b, "K09991,北京新客户有限公司,13800099999\n"); /* new */
	gx_buf_adds(&b, "K09992,上海联华方贸易,13800099998\n"); /* the name key of row 1 (联华方) */
	/* a duplicate of the row just before it, whose document is still
	 * pending in the bulk (not flushed: the check finds it there) */
	gx_buf_adds(&b, "K09993,广州天地一号有限公司,13700000001\n");
	gx_buf_adds(&b, "K09994,深圳另一家电子有限公司,13700000001\n");
	json_t *bt = run_import(&ctx, b.data, b.len, "{\"entity\":\"customers\"}");
	ASSERT_EQ_STR(json_string_value(json_object_get(bt, "status")), "done");
	int64_t failed = sum_int(bt, "failed"), created = sum_int(bt, "created");
	json_decref(bt);
	/* nine generated names are alike (上海华通通… and 上海华华通…: Dice 75),
	 * found across chunks and through the probe's cache (row 1120 is like
	 * row 148); and the three duplicates at the end (phone, name key, the
	 * phone of the row before) */
	ASSERT_EQ_INT(failed, 12);
	ASSERT_EQ_INT(created, rows - 9 + 2);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE code IN ('K09993', 'K09994')"), 1);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE code IN ('K00108', 'K01120', 'K01147')"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE code IN ('K09990', 'K09992')"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE code = 'K09991'"), 1);
	/* every customer has its terms: the code's, in every chunk */
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(DISTINCT record_id) FROM search_terms WHERE term LIKE 'k0%'"), created);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms t JOIN customers c ON c.id = t.record_id "
			       "WHERE t.term = 'k01289'"), 1);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE record_id NOT IN (SELECT id FROM customers)"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM search_terms WHERE term = '上海'"), created - 2);
	gx_buf_free(&b);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_text_shutdown();
}

/* A test cache of the duplicate check: keeps the first full list offered. */
struct one_list {
	char term[GX_SK_TERM_MAX + 1];
	struct gx_dup_term_rows rows;
	bool kept;
	int hits;
};

static int one_list_find(void *ud, const struct gx_sk_cond *t, const struct gx_dup_term_rows **rows)
{
	struct one_list *l = ud;
	*rows = l->kept && !t->prefix && !strcmp(l->term, t->term) ? &l->rows : NULL;
	l->hits += *rows != NULL;
	return 0;
}

static bool one_list_keep(void *ud, const struct gx_sk_cond *t, const struct gx_dup_term_rows *rows)
{
	struct one_list *l = ud;
	if (l->kept || t->prefix || rows->n != GX_DUP_TERM_ROWS)
		return false;
	snprintf(l->term, sizeof l->term, "%s", t->term);
	l->rows = *rows;
	l->kept = true;
	return true;
}

/* The similar-name check compares a row's name with a kept list through
 * the list's bigrams (counted at once) and with a list read from the
 * database one key at a time: both give the same candidates, scores and
 * reasons in the same order, for names with repeated bigrams, names of one
 * character and names longer than the 128 characters compared. */
GX_TEST(dup_check_kept_list_same_as_read)
{
	struct gx_store *s = open_db("dupkept.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = tenant_ctx(s, "acme", "Acme", &a);
	static const char *const ch[] = {"华", "联", "恒", "通"}; /* few characters: many alike, repeated bigrams */
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	gx_buf_adds(&b, "客户编号,客户名称\n");
	uint32_t x = 12345;
	for (int i = 0; i < 260; i++) {
		gx_buf_printf(&b, "K%05d,上海", i);
		for (int k = 0, len = 2 + i % 6; k < len; k++) {
			x = x * 1103515245u + 12345u;
			gx_buf_adds(&b, ch[(x >> 16) % 4]);
		}
		if (i == 7)
			for (int k = 0; k < 140; k++) /* past the 128 characters compared */
				gx_buf_adds(&b, ch[k % 3]);
		gx_buf_adds(&b, "贸易有限公司\n");
	}
	json_t *bt = run_import(&ctx, b.data, b.len, "{\"entity\":\"customers\",\"duplicates\":\"create\"}");
	ASSERT_EQ_STR(json_string_value(json_object_get(bt, "status")), "done");
	ASSERT_EQ_INT(sum_int(bt, "created"), 260);
	json_decref(bt);
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_writer(s, &c), 0);
	struct one_list l = {0};
	const struct gx_dup_cache cache = {.ud = &l, .find = one_list_find, .keep = one_list_keep};
	int found = 0;
	for (int i = 0; i < 120; i++) {
		b.len = 0;
		gx_buf_adds(&b, "上海");
		for (int k = 0, len = i % 9; k < len; k++) {
			x = x * 1103515245u + 12345u;
			gx_buf_adds(&b, ch[(x >> 16) % 4]);
		}
		if (i == 5)
			for (int k = 0; k < 140; k++)
				gx_buf_adds(&b, ch[k % 3]);
		gx_buf_adds(&b, i % 2 ? "贸易" : "贸易有限公司");
		json_t *in = json_pack("{s:s}", "name", b.data);
		struct gx_dup_candidate read[64], kept[64];
		int nread = 0, nkept = 0;
		ASSERT_EQ_INT(gx_customer_dup_candidates(&ctx, c, in, 0, NULL, read, &nread, 64), 0);
		ASSERT_EQ_INT(gx_customer_dup_candidates(&ctx, c, in, 0, &cache, kept, &nkept, 64), 0);
		json_decref(in);
		ASSERT_EQ_INT(nkept, nread);
		for (int k = 0; k < nread; k++) {
			ASSERT_EQ_INT(kept[k].id, read[k].id);
			ASSERT_EQ_INT(kept[k].score, read[k].score);
			ASSERT_EQ_STR(kept[k].reasons, read[k].reasons);
		}
		for (int k = 0; k < nread; k++)
			found += strstr(read[k].reasons, "similar_name") != NULL;
	}
	gx_store_release(c);
	ASSERT_TRUE(l.kept && l.rows.bigrams != NULL);
	ASSERT_TRUE(l.hits >= 110); /* all but the first check of each term went through the kept list */
	ASSERT_TRUE(found > 200);
	for (int i = 0; i < l.rows.n; i++)
		free(l.rows.keys[i]);
	free(l.rows.bigrams);
	gx_buf_free(&b);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_text_shutdown();
}

/* The batch records of created records are written between rows, in
 * groups: a row rolled back after it created its customer (the contact is
 * invalid) leaves no record behind; a row updating a record the batch
 * created, whether still in memory or written, keeps it "created"; undo
 * deletes exactly what the batch created. */
GX_TEST(import_batch_records_in_groups)
{
	struct gx_store *s = open_db("touch.db");
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = tenant_ctx(s, "acme", "Acme", &a);
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	gx_buf_adds(&b, "客户名称,联系人,职务\n");
	for (int i = 0; i < 150; i++) {
		gx_buf_printf(&b, "新客户%d号有限公司,", i);
		if (i % 10 == 9)
			for (int k = 0; k < 120; k++) /* longer than a contact's name may be */
				gx_buf_adds(&b, "名");
		else
			gx_buf_printf(&b, "联系人%d", i);
		gx_buf_adds(&b, ",\n");
		if (i % 10 == 4) /* the same contact again at once: an update of a record not yet written */
			gx_buf_printf(&b, "新客户%d号有限公司,联系人%d,经理\n", i, i);
	}
	gx_buf_adds(&b, "新客户3号有限公司,联系人3,总监\n"); /* an update of one written long before */
	json_t *bt = run_import(&ctx, b.data, b.len, "{\"entity\":\"contacts\",\"create_customers\":true}");
	ASSERT_EQ_STR(json_string_value(json_object_get(bt, "status")), "done");
	ASSERT_EQ_INT(sum_int(bt, "failed"), 15);
	int64_t batch = json_integer_value(json_object_get(bt, "id"));
	json_decref(bt);
	int64_t customers = gx_test_count(s, "SELECT count(*) FROM customers"),
		contacts = gx_test_count(s, "SELECT count(*) FROM contacts");
	ASSERT_EQ_INT(customers, 135);
	ASSERT_EQ_INT(contacts, 135);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM contacts WHERE title IN ('经理', '总监')"), 16);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM import_batch_records WHERE action = 'created'"), customers + contacts);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM import_batch_records WHERE action <> 'created'"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM import_batch_records r WHERE NOT EXISTS (SELECT 1 FROM "
			       "customers c WHERE c.id = r.record_id AND r.entity = 'customers') AND NOT EXISTS (SELECT 1 "
			       "FROM contacts c WHERE c.id = r.record_id AND r.entity = 'contacts')"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(DISTINCT seq) FROM import_batch_records"), customers + contacts);
	json_t *u = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_import_undo(&ctx, batch, &u, &errs), 0);
	ASSERT_EQ_INT(json_integer_value(json_object_get(u, "deleted")), customers + contacts);
	json_decref(u);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM customers WHERE deleted_at IS NULL"), 0);
	ASSERT_EQ_INT(gx_test_count(s, "SELECT count(*) FROM contacts WHERE deleted_at IS NULL"), 0);
	gx_buf_free(&b);
	gx_arena_free(&a);
	gx_store_close(s);
	gx_text_shutdown();
}
