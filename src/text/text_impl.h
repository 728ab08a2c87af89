/* text_impl.h — private to src/text: the pool of ICU/OpenCC handles, folding
 * and per-character pinyin readings, and the polyphone tables. */
#ifndef GX_TEXT_IMPL_H
#define GX_TEXT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <opencc/opencc.h>
#include <unicode/umachine.h>

/* ---- polyphones.c ------------------------------------------------------ */

/* One character and its readings: toneless pinyin separated by one space,
 * "v" for ü, most usual first. Tables are sorted by cp. */
struct gx_polyphone {
	uint32_t cp;
	const char *readings;
};
struct gx_compound_surname {
	uint32_t cp[2];
	const char *readings[2];
};
extern const struct gx_polyphone gx_polyphones[];
extern const size_t gx_polyphones_n;
extern const struct gx_polyphone gx_surnames[];
extern const size_t gx_surnames_n;
extern const struct gx_compound_surname gx_compound_surnames[];
extern const size_t gx_compound_surnames_n;

/* The readings string for cp in a sorted table, or NULL. */
const char *gx_polyphone_find(const struct gx_polyphone *t, size_t n,
			      uint32_t cp);

/* ---- t2s.c: Traditional→Simplified without OpenCC where that is exact -- */

/* Checks that the installed OpenCC t2s files are those of the build and
 * loads the phrase starts; until then (or when they differ) nothing is
 * converted here. Idempotent, thread-safe. */
void gx_t2s_init(void);
/* True when gx_t2s_by_character may convert. */
bool gx_t2s_fast_available(void);
/* Tests: true sends every text to OpenCC. */
void gx_t2s_force_opencc(bool on);
/* Converts s[0..len) in place character by character with cc's single-
 * character answers and returns true — only when OpenCC would answer the
 * same for the whole text (no phrase can start in it); false leaves s
 * unchanged for the caller to give to OpenCC. */
bool gx_t2s_by_character(opencc_t cc, UChar *s, int32_t len);

/* ---- fold.c: the handle pool -------------------------------------------- */

/* A set of ICU/OpenCC handles used by one thread at a time. Handles are
 * opened lazily and reused; workers are never freed before
 * gx_text_shutdown(). */
struct gx_text_worker;

/* Takes a worker from the pool (or makes one); NULL when out of memory. */
struct gx_text_worker *gx_text_worker_get(void);
/* Returns a worker to the pool; accepts NULL. */
void gx_text_worker_put(struct gx_text_worker *w);

/* Folds valid UTF-8 in[0..len) (see gx_text_fold) into a malloc'd,
 * NUL-terminated string the caller frees. GX_ENOMEM, GX_EIO (OpenCC or ICU
 * data missing), GX_ETOOBIG (over GX_TEXT_INPUT_MAX). */
int gx_text_fold_w(struct gx_text_worker *w, const char *in, size_t len,
		   char **out, size_t *outlen);

/* ---- pinyin.c ----------------------------------------------------------- */

#define GX_PY_READINGS_MAX 6 /* readings kept per character */
#define GX_PY_SYL_MAX 8      /* bytes of one syllable, NUL included */

/* The readings of one Han character, preferred first; n == 0 when it has no
 * pinyin (it then breaks the pinyin run). */
struct gx_py_char {
	int n;
	char r[GX_PY_READINGS_MAX][GX_PY_SYL_MAX];
};

/* Fills out[i] with the readings of the Han characters cps[0..n): the ICU
 * default reading, the polyphone table and, when surname is true, the
 * surname (and compound-surname) readings of cps[0] (and cps[1]) first.
 * Each reading with ü is followed by its "u" spelling. GX_EIO when ICU's
 * Han-Latin data is missing. */
int gx_pinyin_readings(struct gx_text_worker *w, const uint32_t *cps,
		       size_t n, bool surname, struct gx_py_char *out);

/* gx_pinyin_readings asking ICU for every character: the reference the
 * unit tests compare the cached readings with. */
int gx_pinyin_readings_uncached(struct gx_text_worker *w, const uint32_t *cps,
				size_t n, bool surname, struct gx_py_char *out);

/* ICU's default toneless reading of one character into out (GX_PY_SYL_MAX
 * bytes); 0 with out[0] == '\0' when there is none. GX_EIO if Han-Latin
 * cannot be opened. (fold.c) */
int gx_pinyin_icu(struct gx_text_worker *w, uint32_t cp, char *out);

/* gx_pinyin_icu through a process-wide table of the CJK ideograph blocks:
 * ICU is asked once per code point (pinyin.c). Thread-safe, lock-free. */
int gx_pinyin_icu_cached(struct gx_text_worker *w, uint32_t cp, char *out);

/* The code point ranges gx_pinyin_icu_cached keeps, for the unit tests:
 * fills lo[i], hi[i] (inclusive) for i < max and returns their count. */
int gx_pinyin_cached_blocks(uint32_t *lo, uint32_t *hi, int max);

#endif
