/* test_t2s.c — the character-by-character Traditional→Simplified path
 * (src/text/t2s.c) answers exactly what OpenCC answers: the same texts are
 * folded with it and with OpenCC forced, and must agree. */
#include "gx_test.h"

#include "core/err.h"
#include "text/searchkey.h"
#include "text/text_impl.h"

#include <stdbool.h>
#include <stdint.h>

extern const char *const gx_t2s_phrases[];
extern const size_t gx_t2s_phrases_n;

#define BATCH 64 /* > the fold memo's 4 entries: each pass recomputes */
#define TEXT_MAX 256

static void put_utf8(char *s, size_t *n, uint32_t c)
{
	if (c < 0x80) {
		s[(*n)++] = (char)c;
	} else if (c < 0x800) {
		s[(*n)++] = (char)(0xC0 | c >> 6);
		s[(*n)++] = (char)(0x80 | (c & 0x3F));
	} else {
		s[(*n)++] = (char)(0xE0 | c >> 12);
		s[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[(*n)++] = (char)(0x80 | (c & 0x3F));
	}
	s[*n] = '\0';
}

static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*st >> 33);
}

/* Folds texts[0..n) both ways and compares; returns how many folded by
 * character changed. */
static int compare_batch(char texts[][TEXT_MAX], int n)
{
	static char fast[BATCH][TEXT_MAX * 3];
	int changed = 0;
	gx_t2s_force_opencc(false);
	for (int i = 0; i < n; i++) {
		size_t len = 0;
		ASSERT_EQ_INT(gx_text_fold(texts[i], fast[i], sizeof fast[i], &len), 0);
	}
	gx_t2s_force_opencc(true);
	for (int i = 0; i < n; i++) {
		char ref[TEXT_MAX * 3];
		size_t len = 0;
		ASSERT_EQ_INT(gx_text_fold(texts[i], ref, sizeof ref, &len), 0);
		if (strcmp(fast[i], ref) != 0)
			GX_FAIL("\"%s\": by character \"%s\", OpenCC \"%s\"", texts[i], fast[i], ref);
		changed += strcmp(ref, texts[i]) != 0;
	}
	gx_t2s_force_opencc(false);
	return changed;
}

GX_TEST(t2s_by_character_is_exactly_opencc)
{
	ASSERT_EQ_INT(gx_text_init(), 0);
	/* the build's table matches the installed OpenCC (else this test
	 * would compare OpenCC with itself) */
	ASSERT_TRUE(gx_t2s_fast_available());
	ASSERT_TRUE(gx_t2s_phrases_n > 100);
	static char texts[BATCH][TEXT_MAX];
	int n = 0, changed = 0;
	/* every phrase alone and inside other text */
	for (size_t i = 0; i < gx_t2s_phrases_n; i++) {
		snprintf(texts[n++], TEXT_MAX, "%s", gx_t2s_phrases[i]);
		snprintf(texts[n++], TEXT_MAX, "後來%s髮廊", gx_t2s_phrases[i]);
		if (n >= BATCH - 1) {
			changed += compare_batch(texts, n);
			n = 0;
		}
	}
	/* every BMP Han character, seven at a time */
	for (uint32_t c = 0x3400; c <= 0x9FFF; c += 7) {
		size_t len = 0;
		for (uint32_t k = c; k < c + 7 && k <= 0x9FFF; k++)
			put_utf8(texts[n], &len, k);
		if (++n == BATCH) {
			changed += compare_batch(texts, n);
			n = 0;
		}
	}
	/* random mixes of Han, phrase starts, ASCII, Latin accents, fullwidth */
	uint64_t st = 20261124;
	for (int r = 0; r < 20000; r++) {
		size_t len = 0;
		int chars = 1 + (int)(rnd(&st) % 12);
		for (int k = 0; k < chars; k++) {
			uint32_t pick = rnd(&st) % 10, c;
			if (pick < 5)
				c = 0x4E00 + rnd(&st) % (0x9FFF - 0x4E00);
			else if (pick < 7) {
				const char *p = gx_t2s_phrases[rnd(&st) % gx_t2s_phrases_n];
				size_t pl = strlen(p);
				memcpy(texts[n] + len, p, pl);
				len += pl;
				texts[n][len] = '\0';
				continue;
			} else if (pick < 8)
				c = 'A' + rnd(&st) % 58;
			else if (pick < 9)
				c = 0xC0 + rnd(&st) % 0x40;
			else
				c = 0xFF01 + rnd(&st) % 0x5E;
			put_utf8(texts[n], &len, c);
		}
		if (++n == BATCH) {
			changed += compare_batch(texts, n);
			n = 0;
		}
	}
	if (n)
		changed += compare_batch(texts, n);
	ASSERT_TRUE(changed > 1000); /* the texts did exercise the conversion */

	/* the phrase cases that a character-by-character conversion gets wrong */
	char out[64];
	size_t len;
	ASSERT_EQ_INT(gx_text_fold("乾隆", out, sizeof out, &len), 0);
	ASSERT_EQ_STR(out, "乾隆");
	ASSERT_EQ_INT(gx_text_fold("乾燥", out, sizeof out, &len), 0);
	ASSERT_EQ_STR(out, "干燥");
	ASSERT_EQ_INT(gx_text_fold("後來發展", out, sizeof out, &len), 0);
	ASSERT_EQ_STR(out, "后来发展");
	gx_text_shutdown();
}

/* The path itself: it converts a text in which no phrase occurs (有限 begins
 * with 有, the first character of some phrases), and leaves one with a
 * phrase (乾隆) to OpenCC, unchanged. */
GX_TEST(t2s_by_character_takes_only_phrase_free_text)
{
	ASSERT_EQ_INT(gx_text_init(), 0);
	opencc_t cc = opencc_open("/usr/share/opencc/t2s.json");
	ASSERT_TRUE(cc != (opencc_t)-1);
	UChar s[] = {0x5F8C, 0x4F86, 0x0041}; /* 後來A */
	ASSERT_TRUE(gx_t2s_by_character(cc, s, 3));
	ASSERT_EQ_INT(s[0], 0x540E); /* 后 */
	ASSERT_EQ_INT(s[1], 0x6765); /* 来 */
	ASSERT_EQ_INT(s[2], 0x0041);
	UChar y[] = {0x6709, 0x9650}; /* 有限 */
	ASSERT_TRUE(gx_t2s_by_character(cc, y, 2));
	ASSERT_EQ_INT(y[0], 0x6709);
	UChar p[] = {0x4E7E, 0x9686}; /* 乾隆 */
	ASSERT_TRUE(!gx_t2s_by_character(cc, p, 2));
	ASSERT_EQ_INT(p[0], 0x4E7E);
	UChar astral[] = {0xD840, 0xDC00, 0x5F8C}; /* U+20000 後 */
	ASSERT_TRUE(!gx_t2s_by_character(cc, astral, 3));
	ASSERT_EQ_INT(astral[2], 0x5F8C);
	gx_t2s_force_opencc(true);
	ASSERT_TRUE(!gx_t2s_by_character(cc, s, 3));
	gx_t2s_force_opencc(false);
	opencc_close(cc);
	gx_text_shutdown();
}
