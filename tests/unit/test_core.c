/* test_core.c — unit tests of src/core: arena, bounded buffer, UTF-8, time,
 * ids, configuration precedence. */
#include "gx_test.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/id.h"
#include "core/time.h"
#include "core/utf8.h"

#include <stdint.h>

GX_TEST(arena_allocates_aligned_and_respects_limit)
{
	struct gx_arena a;
	gx_arena_init(&a, 100000);
	for (int i = 0; i < 1000; i++) {
		char *p = gx_arena_alloc(&a, (size_t)(i % 37) + 1);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ_INT((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	ASSERT_TRUE(gx_arena_alloc(&a, 200000) == NULL); /* over the limit */
	char *big = gx_arena_alloc(&a, 20000);            /* bigger than a chunk, within the limit */
	ASSERT_TRUE(big != NULL);
	ASSERT_EQ_STR(gx_arena_printf(&a, "%s-%d", "中文", 42), "中文-42");
	gx_arena_free(&a);
	gx_arena_free(NULL);
}

GX_TEST(buf_refuses_to_grow_past_max)
{
	struct gx_buf b;
	gx_buf_init(&b, 10);
	ASSERT_EQ_INT(gx_buf_adds(&b, "0123456789"), 0);
	ASSERT_EQ_INT(gx_buf_adds(&b, "x"), GX_ETOOBIG);
	ASSERT_EQ_INT(b.len, 10);
	ASSERT_EQ_STR(b.data, "0123456789");
	gx_buf_free(&b);
	gx_buf_init(&b, 1000);
	gx_buf_add_json_str(&b, "a\"b\\c\n\x01张");
	ASSERT_EQ_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001张\"");
	gx_buf_free(&b);
}

GX_TEST(utf8_width_counts_terminal_columns)
{
	ASSERT_EQ_INT((int)gx_utf8_width(""), 0);
	ASSERT_EQ_INT((int)gx_utf8_width("admin"), 5);
	ASSERT_EQ_INT((int)gx_utf8_width("王芳"), 4);
	ASSERT_EQ_INT((int)gx_utf8_width("林志明 manager"), 14);
	ASSERT_EQ_INT((int)gx_utf8_width("蔡雅婷"), 6);
	ASSERT_EQ_INT((int)gx_utf8_width("ＡＢ"), 4);       /* full-width */
	ASSERT_EQ_INT((int)gx_utf8_width("ｶﾅ"), 2);         /* half-width katakana */
	ASSERT_EQ_INT((int)gx_utf8_width("José"), 4);
	ASSERT_EQ_INT((int)gx_utf8_width("Jose\xcc\x81"), 4); /* e + combining acute */
	ASSERT_EQ_INT((int)gx_utf8_width("\xf0\xa0\x80\x80"), 2); /* U+20000, plane 2 */
}

GX_TEST(utf8_validation_is_strict)
{
	ASSERT_TRUE(gx_utf8_valid("张三 abc", strlen("张三 abc")));
	ASSERT_TRUE(!gx_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	ASSERT_TRUE(!gx_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	ASSERT_TRUE(!gx_utf8_valid("\xe5\xbc", 2));         /* truncated */
	ASSERT_TRUE(!gx_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	ASSERT_TRUE(!gx_utf8_valid("a\0b", 3));             /* NUL */
	ASSERT_EQ_INT(gx_utf8_len("張三abc"), 5);
}

GX_TEST(utf8_validation_sees_every_position_of_long_text)
{
	/* long ASCII runs are checked eight bytes at a time: a NUL, a lone
	 * continuation byte, a byte that is never UTF-8 or a truncated sequence
	 * anywhere is refused; a well-formed sequence anywhere is accepted */
	static const char *bad[] = {"\x00", "\x80", "\xFF", "\xC0\xAF", "\xE5\xBC"};
	static const char *good[] = {"\x7F", "\x01", "\xC3\xA9", "\xE5\xBC\xA0", "\xF0\x9F\x98\x80"};
	for (size_t n = 1; n <= 40; n++) {
		char s[48];
		for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			size_t blen = bad[k][0] ? strlen(bad[k]) : 1;
			for (size_t at = 0; at + blen <= n; at++) {
				memset(s, 'x', n);
				memcpy(s + at, bad[k], blen);
				if (gx_utf8_valid(s, n))
					GX_FAIL("bad sequence %zu accepted at %zu of %zu", k, at, n);
			}
		}
		for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
			size_t glen = strlen(good[k]);
			for (size_t at = 0; at + glen <= n; at++) {
				memset(s, 'x', n);
				memcpy(s + at, good[k], glen);
				if (!gx_utf8_valid(s, n))
					GX_FAIL("good sequence %zu refused at %zu of %zu", k, at, n);
			}
		}
	}
}

GX_TEST(time_parse_and_format_round_trip)
{
	int64_t ms;
	ASSERT_EQ_INT(gx_time_parse("2026-11-24T12:00:00.250Z", &ms), 0);
	char out[40];
	gx_time_iso(ms, out, sizeof out);
	ASSERT_EQ_STR(out, "2026-11-24T12:00:00.250Z");
	ASSERT_EQ_INT(gx_time_parse("2026-11-24T20:00:00+08:00", &ms), 0);
	gx_time_iso(ms, out, sizeof out);
	ASSERT_EQ_STR(out, "2026-11-24T12:00:00.000Z");
	ASSERT_EQ_INT(gx_time_parse("2024-02-29", &ms), 0);
	ASSERT_EQ_INT(gx_time_parse("2023-02-29", &ms), GX_EINVAL);
	ASSERT_EQ_INT(gx_time_parse("2026-11-24T12:00:00", &ms), GX_EINVAL); /* no zone */
	ASSERT_EQ_INT(gx_time_parse("2026-13-01", &ms), GX_EINVAL);
	ASSERT_EQ_INT(gx_time_parse("not a date", &ms), GX_EINVAL);
}

GX_TEST(ids_are_unique_increasing_and_exact_in_javascript)
{
	int64_t prev = 0;
	for (int i = 0; i < 20000; i++) {
		int64_t id = gx_id_new();
		ASSERT_TRUE(id > prev);
		ASSERT_TRUE(id < 9007199254740992LL);
		prev = id;
	}
}

GX_TEST(config_precedence_file_env_flag)
{
	char path[300];
	snprintf(path, sizeof path, "%s/guanxi.conf", gx_test_tmpdir());
	FILE *f = fopen(path, "w");
	fprintf(f, "# comment\nlisten = 127.0.0.1:9000\nbody_max = 4096\ndb = \"from-file.db\"\n");
	fclose(f);
	struct gx_config c;
	gx_config_defaults(&c);
	ASSERT_EQ_INT(gx_config_load_file(&c, path, NULL), 0);
	ASSERT_EQ_STR(c.listen, "127.0.0.1:9000");
	ASSERT_EQ_STR(c.db, "from-file.db");
	setenv("GUANXI_BODY_MAX", "8192", 1);
	setenv("GUANXI_DB", "from-env.db", 1);
	ASSERT_EQ_INT(gx_config_load_env(&c), 0);
	ASSERT_EQ_INT(c.body_max, 8192);
	ASSERT_EQ_STR(c.db, "from-env.db");
	ASSERT_EQ_INT(gx_config_set(&c, "db", "from-flag.db"), 0); /* flags last */
	ASSERT_EQ_STR(c.db, "from-flag.db");
	ASSERT_EQ_STR(c.listen, "127.0.0.1:9000");
	ASSERT_EQ_INT(gx_config_set(&c, "body-max", "12"), GX_EINVAL); /* below minimum */
	ASSERT_EQ_INT(gx_config_set(&c, "nope", "1"), GX_ENOTFOUND);
	f = fopen(path, "w");
	fprintf(f, "listen = 1\nthis line is bad\n");
	fclose(f);
	int bad = 0;
	ASSERT_EQ_INT(gx_config_load_file(&c, path, &bad), GX_EINVAL);
	ASSERT_EQ_INT(bad, 2);
}
