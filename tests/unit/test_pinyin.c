/* test_pinyin.c — the caches of src/text give what they cache, byte for
 * byte: ICU's pinyin reading per code point, and a worker's recent folds. */
#include "gx_test.h"

#include "core/err.h"
#include "text/searchkey.h"
#include "text/text_impl.h"

#include <pthread.h>
#include <stdbool.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

static void done(void)
{
	gx_text_shutdown();
#if defined(__SANITIZE_ADDRESS__)
	ASSERT_EQ_INT(__lsan_do_recoverable_leak_check(), 0);
#endif
}

static void expect_same_chars(uint32_t cp, const struct gx_py_char *a, const struct gx_py_char *b)
{
	if (a->n != b->n)
		GX_FAIL("U+%04X: %d readings cached, %d from ICU", (unsigned)cp, a->n, b->n);
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->r[i], b->r[i]) != 0)
			GX_FAIL("U+%04X reading %d: cached \"%s\", ICU \"%s\"", (unsigned)cp, i, a->r[i], b->r[i]);
}

/* Every code point of the cached blocks: the cached reading (when the slot
 * is filled, and when it is read back) equals ICU's, and so do the
 * readings built on it, for a company and as a surname. */
GX_TEST(pinyin_cache_same_as_icu)
{
	struct gx_text_worker *w = gx_text_worker_get();
	ASSERT_TRUE(w != NULL);
	uint32_t lo[8], hi[8];
	int nb = gx_pinyin_cached_blocks(lo, hi, 8);
	ASSERT_TRUE(nb >= 1 && nb <= 8);
	ASSERT_TRUE(lo[0] <= 0x4E00 && hi[0] >= 0x9FFF); /* the Unified Ideographs at least */
	long with_reading = 0, seven = 0, checked = 0;
	for (int b = 0; b < nb; b++) {
		for (uint32_t cp = lo[b]; cp <= hi[b]; cp++) {
			char direct[GX_PY_SYL_MAX], cold[GX_PY_SYL_MAX], warm[GX_PY_SYL_MAX];
			ASSERT_EQ_INT(gx_pinyin_icu(w, cp, direct), 0);
			ASSERT_EQ_INT(gx_pinyin_icu_cached(w, cp, cold), 0);
			ASSERT_EQ_INT(gx_pinyin_icu_cached(w, cp, warm), 0);
			if (strcmp(direct, cold) != 0 || strcmp(direct, warm) != 0)
				GX_FAIL("U+%04X: ICU \"%s\", cached \"%s\" then \"%s\"", (unsigned)cp, direct, cold, warm);
			with_reading += direct[0] != '\0';
			seven += strlen(direct) == GX_PY_SYL_MAX - 1;
			for (int surname = 0; surname < 2; surname++) {
				struct gx_py_char ref, got;
				ASSERT_EQ_INT(gx_pinyin_readings_uncached(w, &cp, 1, surname, &ref), 0);
				ASSERT_EQ_INT(gx_pinyin_readings(w, &cp, 1, surname, &got), 0);
				expect_same_chars(cp, &got, &ref);
			}
			checked++;
		}
	}
	/* ICU has readings for the Unified block: a test over nothing fails */
	ASSERT_TRUE(with_reading >= 20000);
	ASSERT_TRUE(checked >= 0x9FFF - 0x4E00 + 1);
	fprintf(stderr, "  %ld code points, %ld with a reading, %ld of %d letters\n", checked, with_reading, seven,
		GX_PY_SYL_MAX - 1);
	/* a compound surname's two characters read through the cache too */
	static const uint32_t ouyang[] = {0x6B27, 0x9633}, zhangsan[] = {0x5F20, 0x4E09};
	struct gx_py_char ref[2], got[2];
	ASSERT_EQ_INT(gx_pinyin_readings_uncached(w, ouyang, 2, true, ref), 0);
	ASSERT_EQ_INT(gx_pinyin_readings(w, ouyang, 2, true, got), 0);
	expect_same_chars(ouyang[0], &got[0], &ref[0]);
	expect_same_chars(ouyang[1], &got[1], &ref[1]);
	ASSERT_EQ_STR(got[1].r[0], "yang");
	ASSERT_EQ_INT(gx_pinyin_readings(w, zhangsan, 2, true, got), 0);
	ASSERT_EQ_STR(got[0].r[0], "zhang");
	ASSERT_EQ_STR(got[1].r[0], "san");
	/* outside the blocks: ICU each time, the same answer */
	char a[GX_PY_SYL_MAX], b2[GX_PY_SYL_MAX];
	ASSERT_EQ_INT(gx_pinyin_icu_cached(w, 0x3007, a), 0); /* 〇 */
	ASSERT_EQ_INT(gx_pinyin_icu(w, 0x3007, b2), 0);
	ASSERT_EQ_STR(a, b2);
	gx_text_worker_put(w);
	done();
}

/* Threads filling the table at once, each from another end: every reading
 * read back equals ICU's. */
struct fill {
	uint32_t start;
	long bad;
};

static void *fill_thread(void *arg)
{
	struct fill *f = arg;
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w) {
		f->bad = -1;
		return NULL;
	}
	for (uint32_t k = 0; k <= 0x9FFF - 0x4E00; k++) {
		uint32_t cp = 0x4E00 + (f->start + k * 7919u) % (0x9FFF - 0x4E00 + 1);
		char c[GX_PY_SYL_MAX], d[GX_PY_SYL_MAX];
		if (gx_pinyin_icu_cached(w, cp, c) || gx_pinyin_icu(w, cp, d) || strcmp(c, d) != 0)
			f->bad++;
	}
	gx_text_worker_put(w);
	return NULL;
}

GX_TEST(pinyin_cache_threads)
{
	struct fill f[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		f[i] = (struct fill){.start = (uint32_t)i * 5000u, .bad = 0};
		ASSERT_EQ_INT(pthread_create(&t[i], NULL, fill_thread, &f[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ASSERT_EQ_INT(f[i].bad, 0);
	}
	done();
}

/* The fold memo: texts folded again (hits), after other texts pushed them
 * out (misses) and from several workers at once give the same bytes as the
 * first fold; texts over the memo's size are folded each time. */
GX_TEST(text_fold_memo)
{
	static const char *const texts[] = {"上海華聯電子科技有限公司", "José GARCÍA", "重慶　百貨", "ＡＢＣ-01",
					    "欧阳娜娜", "Ærøskøbing", "張三 zs", "  台北  新竹  "};
	enum { N = sizeof texts / sizeof texts[0] };
	char first[N][512];
	for (int i = 0; i < N; i++)
		ASSERT_EQ_INT(gx_text_fold(texts[i], first[i], sizeof first[i], NULL), 0);
	ASSERT_EQ_STR(first[0], "上海华联电子科技有限公司");
	ASSERT_EQ_STR(first[1], "jose garcia");
	ASSERT_EQ_STR(first[2], "重庆 百货");
	ASSERT_EQ_STR(first[7], "台北 新竹");
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 3 * N; k++) {
			int i = (k * 5 + round) % N; /* repeats and evictions */
			char again[512];
			size_t len = 0;
			ASSERT_EQ_INT(gx_text_fold(texts[i], again, sizeof again, &len), 0);
			ASSERT_EQ_STR(again, first[i]);
			ASSERT_EQ_INT(len, strlen(first[i]));
			char small[4];
			ASSERT_EQ_INT(gx_text_fold(texts[i], small, sizeof small, NULL), GX_ETOOBIG);
		}
	}
	/* a long text (past the memo) folds the same each time */
	char *big = malloc(4000), a[4096], b[4096];
	ASSERT_TRUE(big != NULL);
	size_t n = 0;
	while (n + 3 < 3900) {
		memcpy(big + n, "華", 3);
		n += 3;
	}
	big[n] = '\0';
	ASSERT_EQ_INT(gx_text_fold(big, a, sizeof a, NULL), 0);
	ASSERT_EQ_INT(gx_text_fold(big, b, sizeof b, NULL), 0);
	ASSERT_EQ_STR(a, b);
	ASSERT_TRUE(strncmp(a, "华华", 6) == 0);
	free(big);
	done();
}
