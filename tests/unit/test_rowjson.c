/* test_rowjson.c — entity/rowjson.c: JSON strings and numbers, and whole rows,
 * checked byte for byte against jansson's json_dumps of gx_entity_row_json. */
#include "gx_test.h"
#include "fixtures.h"

#include "core/err.h"
#include "crm/user.h"
#include "entity/entity.h"
#include "entity/rowjson.h"
#include "store/migrations.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

/* What jansson writes for s (NULL when it refuses s). Caller frees. */
static char *jansson_str(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (!j)
		return NULL;
	char *out = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return out;
}

/* Checks gx_json_put_str against jansson for s[0..n); returns whether valid. */
static int check_str(const char *s, size_t n)
{
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	ASSERT_EQ_INT(gx_buf_adds(&b, "x"), 0);
	int rc = gx_json_put_str(&b, s, n);
	char *want = memchr(s, 0, n) ? NULL : jansson_str(s, n);
	if (want) {
		ASSERT_EQ_INT(rc, 0);
		ASSERT_EQ_STR(b.data + 1, want);
	} else {
		ASSERT_EQ_INT(rc, GX_EINVAL);
		ASSERT_EQ_STR(b.data, "x"); /* unchanged */
	}
	free(want);
	gx_buf_free(&b);
	return rc == 0;
}

GX_TEST(rowjson_strings_escape_as_jansson)
{
	/* every control character, quote, backslash, slash, DEL */
	for (int c = 1; c < 0x80; c++) {
		char s[4] = {'a', (char)c, 'b', 0};
		ASSERT_TRUE(check_str(s, 3));
	}
	const char *ok[] = {"", "plain", "华东销售部", "\xF0\x9F\x98\x80 emoji", "line\u2028sep",
			    "tab\there\r\n\"q\"\\", "\x7F\x1F\x01", "é\xC2\x80\xDF\xBF\xEF\xBF\xBF\xF4\x8F\xBF\xBF"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ASSERT_TRUE(check_str(ok[i], strlen(ok[i])));
	struct gx_buf b;
	gx_buf_init(&b, 1 << 10);
	ASSERT_EQ_INT(gx_json_put_str(&b, "a\x01\"", 3), 0);
	ASSERT_EQ_STR(b.data, "\"a\\u0001\\\"\"");
	gx_buf_free(&b);
}

GX_TEST(rowjson_invalid_utf8_is_refused_never_emitted)
{
	const char *bad[] = {
		"\x80",             /* lone continuation byte */
		"a\xC0\x80",        /* overlong NUL */
		"\xC1\xBF",         /* overlong */
		"\xE0\x80\x80",     /* overlong 3-byte */
		"\xE0\x9F\xBF",     /* overlong 3-byte, highest */
		"\xED\xA0\x80",     /* surrogate U+D800 */
		"\xED\xBF\xBF",     /* surrogate U+DFFF */
		"\xF0\x8F\xBF\xBF", /* overlong 4-byte */
		"\xF4\x90\x80\x80", /* above U+10FFFF */
		"\xF5\x80\x80\x80", /* lead byte past F4 */
		"\xFF",
		"\xE4\xB8",         /* truncated */
		"ok\xF0\x9F\x98",   /* truncated at the end */
		"\xC3\x28",         /* bad continuation */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ASSERT_TRUE(!check_str(bad[i], strlen(bad[i])));
	/* a NUL inside is refused too (jansson's json_string stops at it) */
	ASSERT_TRUE(!check_str("a\0b", 3));
	/* refused after more than the 4 KB staged before a flush: what was
	 * already written is taken back, and a valid one as long is written */
	static char big[10000];
	const size_t lens[] = {1, 4094, 4095, 4096, 4097, 8200, 9999};
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k];
		memset(big, 'a', n);
		big[n / 2] = '"'; /* an escape on the way */
		ASSERT_TRUE(check_str(big, n));
		big[n - 1] = (char)0xFF;
		ASSERT_TRUE(!check_str(big, n));
	}
}

GX_TEST(rowjson_random_bytes_agree_with_jansson)
{
	/* bytes drawn mostly from the interesting ones: ASCII, escapes, lead and
	 * continuation bytes of every length */
	static const unsigned char alphabet[] = {'a', '"', '\\', '/', 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC2,
						 0xC0, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xA0, 0x9F, 0x90};
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	int valid = 0;
	for (int t = 0; t < 20000; t++) {
		char s[12];
		size_t n = 1 + (size_t)(t % 11);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s[i] = (char)alphabet[x % sizeof alphabet];
		}
		valid += check_str(s, n);
	}
	ASSERT_TRUE(valid > 100); /* both branches were exercised */
	ASSERT_TRUE(valid < 19900);
}

GX_TEST(rowjson_one_odd_byte_anywhere_in_a_long_string)
{
	/* plain text read eight bytes at a time: one byte that needs escaping or
	 * checking, or a neighbour of one, at every position of strings of 1 to
	 * 40 bytes, after and before plain bytes */
	static const char *odd[] = {"\x1F", " ", "!", "\"", "#", "[", "\\", "]", "\x7F", "\x01", "\x00",
				    "\xC3\xA9", "\xE5\x8D\x8E", "\xF0\x9F\x98\x80", "\x80", "\xFF", "\xC3"};
	int valid = 0, refused = 0;
	for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
		size_t olen = odd[k][0] ? strlen(odd[k]) : 1;
		for (size_t n = olen; n <= 40; n++)
			for (size_t at = 0; at + olen <= n; at++) {
				char s[48];
				memset(s, 'a' + (int)(n % 26), n);
				memcpy(s + at, odd[k], olen);
				if (check_str(s, n))
					valid++;
				else
					refused++;
			}
	}
	ASSERT_TRUE(valid > 5000);
	ASSERT_TRUE(refused > 1000); /* NUL, lone bytes */
}

GX_TEST(rowjson_integers)
{
	int64_t v[] = {0, 1, -1, 9007199254740991LL, INT64_MAX, INT64_MIN, 374664254477107LL};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct gx_buf b;
		gx_buf_init(&b, 64);
		ASSERT_EQ_INT(gx_json_put_int(&b, v[i]), 0);
		char want[32];
		snprintf(want, sizeof want, "%" PRId64, v[i]);
		ASSERT_EQ_STR(b.data, want);
		gx_buf_free(&b);
	}
}

/* ---- rows -------------------------------------------------------------------------- */

#define F(n, t, fl) {n, t, fl, 0, 0, 0, NULL, NULL, {NULL, NULL, NULL}}
static const struct gx_field kinds_fields[] = {
	F("name", GX_F_TEXT, 0),    F("amount", GX_F_MONEY, 0),  F("owner_id", GX_F_REF, 0),
	F("active", GX_F_BOOL, 0),  F("tags", GX_F_JSON, 0),     F("secret", GX_F_TEXT, GX_FF_HIDDEN),
	F("born", GX_F_DATE, 0),    F("n", GX_F_INT, 0),
};
#undef F
static const struct gx_entity kinds_entity = {
	.name = "kinds", .table = "kinds", .fields = kinds_fields,
	.nfields = sizeof kinds_fields / sizeof kinds_fields[0],
};

static struct gx_store *open_db(void)
{
	return gx_test_open_db("t.db");
}

/* Runs sql (one row) and checks gx_rowjson_write against jansson for e;
 * returns the version it reported. */
static int64_t check_row(struct gx_conn *c, const struct gx_entity *e, const char *sql)
{
	struct gx_stmt *st;
	ASSERT_EQ_INT(gx_conn_prepare(c, sql, &st), 0);
	ASSERT_EQ_INT(gx_stmt_step(st), GX_ROW);
	json_t *o = gx_entity_row_json(e, st);
	char *want = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
	int64_t want_version = json_integer_value(json_object_get(o, "version"));
	json_decref(o);
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	int64_t version = -1;
	ASSERT_EQ_INT(gx_rowjson_write(e, st, &b, &version), 0);
	gx_stmt_reset(st);
	ASSERT_EQ_STR(b.data, want);
	ASSERT_EQ_INT(version, want_version);
	free(want);
	gx_buf_free(&b);
	return version;
}

GX_TEST(rowjson_rows_match_jansson_for_every_field_kind)
{
	struct gx_store *s = open_db();
	struct gx_conn *c;
	ASSERT_EQ_INT(gx_store_reader(s, &c), 0);
	/* typed fields, NULLs, invalid UTF-8, JSON that does and does not parse,
	 * a hidden column, columns the entity does not know */
	const char *rows[] = {
		"SELECT 7 AS id, 'A \"q\" \\ 华' AS name, 1234 AS amount, 99 AS owner_id, 1 AS active, "
		"'{\"b\":[1,2.5,{\"c\":null}],\"a\":\"\\u00e9\"}' AS tags, 'pw' AS secret, '2026-01-02' AS born, "
		"-5 AS n, 3 AS version, 'x' AS extra, 4.5 AS ratio, 12 AS extra_int",
		"SELECT 8 AS id, NULL AS name, NULL AS amount, NULL AS owner_id, 0 AS active, NULL AS tags, "
		"NULL AS born, NULL AS n, NULL AS version",
		"SELECT 9 AS id, CAST(x'41ff42' AS TEXT) AS name, '12' AS amount, 2 AS active, 'not json' AS tags, "
		"'[1,' AS born, 'tab\tnl\n' AS n, 1 AS version",
		"SELECT 10 AS id, char(1,31,127,8232) AS name, '[]' AS tags, '\"s\"' AS born, 42 AS version",
		"SELECT 11 AS id, '' AS name",
	};
	ASSERT_EQ_INT(check_row(c, &kinds_entity, rows[0]), 3);
	ASSERT_EQ_INT(check_row(c, &kinds_entity, rows[1]), 0);
	for (size_t i = 2; i < sizeof rows / sizeof rows[0]; i++)
		check_row(c, &kinds_entity, rows[i]);
	/* again: the plan cached for the entity is used, or refused when it
	 * does not fit the statement */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check_row(c, &kinds_entity, rows[i]);
	/* no entity: columns by their SQLite type */
	check_row(c, NULL, rows[0]);
	check_row(c, NULL, rows[2]);
	/* the same name twice: jansson keeps one key */
	check_row(c, &kinds_entity, "SELECT 1 AS id, 'a' AS name, 'b' AS name, 2 AS version");
	check_row(c, NULL, "SELECT 1 AS id, 5 AS version, 6 AS version");
	gx_store_release(c);
	gx_store_close(s);
}

GX_TEST(rowjson_entity_get_text_equals_entity_get)
{
	struct gx_store *s = open_db();
	int64_t tid;
	ASSERT_EQ_INT(gx_tenant_create(s, "acme", "Acme", NULL, NULL, NULL, &tid), 0);
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx ctx = {.store = s, .arena = &a, .tenant_id = tid, .user_id = 1};
	json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "username", "wang.fang", "display_name",
			       "王芳 \"Fang\"\n", "role", "sales", "password", "Secret-pass-2026!", "email",
			       "fang@example.com");
	json_t *rec = NULL;
	struct gx_errors errs = {0};
	ASSERT_EQ_INT(gx_entity_create(&ctx, &gx_users_entity, in, &rec, &errs), 0);
	json_decref(in);
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	json_decref(rec);

	json_t *got;
	ASSERT_EQ_INT(gx_entity_get(&ctx, &gx_users_entity, id, false, &got), 0);
	char *want = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(got);
	for (int round = 0; round < 2; round++) { /* the SQL text and plan cached the second time */
		struct gx_buf b;
		gx_buf_init(&b, 1 << 20);
		int64_t version = 0;
		ASSERT_EQ_INT(gx_entity_get_text(&ctx, &gx_users_entity, id, false, &b, &version), 0);
		ASSERT_EQ_STR(b.data, want);
		ASSERT_EQ_INT(version, 1);
		ASSERT_TRUE(strstr(b.data, "password") == NULL);
		gx_buf_free(&b);
	}
	free(want);

	/* tenant scoping and soft delete hold as for gx_entity_get */
	struct gx_buf b;
	gx_buf_init(&b, 1 << 20);
	int64_t version;
	struct gx_ctx other = ctx;
	other.tenant_id = tid + 1;
	ASSERT_EQ_INT(gx_entity_get_text(&other, &gx_users_entity, id, false, &b, &version), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_get_text(&ctx, &gx_users_entity, id + 1000, false, &b, &version), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_delete(&ctx, &gx_users_entity, id, 1, NULL), 0);
	ASSERT_EQ_INT(gx_entity_get_text(&ctx, &gx_users_entity, id, false, &b, &version), GX_ENOTFOUND);
	ASSERT_EQ_INT(gx_entity_get_text(&ctx, &gx_users_entity, id, true, &b, &version), 0);
	ASSERT_EQ_INT(version, 2);
	ASSERT_TRUE(strstr(b.data, "\"deleted_at\":\"") != NULL);
	gx_buf_free(&b);
	gx_arena_free(&a);
	gx_store_close(s);
}
