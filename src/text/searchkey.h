/* searchkey.h — search keys for Chinese and Latin text: folding, the terms a
 * record is indexed under, query plans over those terms, ranking and pinyin
 * sort keys. See docs/search-keys.md. All functions are thread-safe. */
#ifndef GX_TEXT_SEARCHKEY_H
#define GX_TEXT_SEARCHKEY_H

#include <stdbool.h>
#include <stddef.h>

/* ---- limits ------------------------------------------------------------- */

#define GX_SK_TERM_MAX 64     /* bytes per term, cut at a UTF-8 boundary */
#define GX_SK_TERMS_MAX 256   /* distinct terms per text; extra ones dropped */
#define GX_SK_INPUT_MAX 4096  /* bytes of a text that are indexed */
#define GX_SK_VARIANTS_MAX 16 /* pinyin spellings per run (polyphones) */
#define GX_SK_QUERY_MAX 8     /* conditions per query */
#define GX_SK_QUERY_INPUT_MAX 512 /* bytes of a query that are planned */
#define GX_TEXT_INPUT_MAX (1 << 20) /* bytes gx_text_fold accepts */
#define GX_TEXT_SORTKEY_MAX 256 /* suggested buffer for gx_text_sortkey */

/* ---- folding and sorting ------------------------------------------------ */

/* Folds UTF-8 text for matching: NFKC with case folding, Traditional to
 * Simplified Chinese (OpenCC t2s), Latin accents and letters to ASCII
 * ("José" -> "jose", "Straße" -> "strasse", "Søren" -> "soren"), runs of
 * white space and control characters to one space, trimmed. Writes a
 * NUL-terminated result into out[0..cap) and its length to *outlen (may be
 * NULL). GX_EINVAL: NULL or invalid UTF-8; GX_ETOOBIG: the result does not
 * fit or the input is over GX_TEXT_INPUT_MAX; GX_ENOMEM; GX_EIO: OpenCC's
 * t2s.json or ICU data cannot be loaded. */
int gx_text_fold(const char *in, char *out, size_t cap, size_t *outlen);

/* Writes a sort key for in: lower-case hex of the ICU "zh" (pinyin) collation
 * key, so that memcmp/strcmp/"ORDER BY" with binary collation orders names
 * as Chinese readers expect: digits, then Han by pinyin (阿 < 张 < 赵),
 * then Latin letters case-insensitively. A key longer than cap - 1 is cut to
 * an even length: cut keys still order consistently (a < b gives
 * key(a) <= key(b)). GX_EINVAL: NULL, cap < 3 or invalid UTF-8;
 * GX_ETOOBIG: input over GX_TEXT_INPUT_MAX; GX_ENOMEM; GX_EIO. */
int gx_text_sortkey(const char *in, char *out, size_t cap);

/* Writes the collator's version ("icu-<ICU>-zh-<collator>") to out: stored
 * sort keys must be recomputed when it changes. GX_ETOOBIG if cap is too
 * small, GX_EIO if the collator cannot be opened. */
int gx_text_sortkey_version(char *out, size_t cap);

/* Opens one set of ICU and OpenCC handles now (ICU compiles Han-Latin on
 * first use, ~150 ms) so the first request does not wait, and reports
 * missing data at start-up: GX_EIO (OpenCC t2s.json or ICU data missing),
 * GX_ENOMEM. Optional: every function opens what it needs lazily. */
int gx_text_init(void);

/* Frees the pooled ICU and OpenCC handles. Call once at exit when no other
 * thread uses this module; later calls reopen handles as needed. Does not
 * call u_cleanup() (ICU may be used elsewhere in the process). */
void gx_text_shutdown(void);

/* ---- indexing: terms ----------------------------------------------------- */

enum {
	GX_SK_PERSON_NAME = 1u << 0, /* surname readings for the first character */
	GX_SK_PHONE = 1u << 1,       /* digits, and digit tails of 4 or more */
	GX_SK_EMAIL = 1u << 2,       /* whole address, local part, domain */
	GX_SK_CODE = 1u << 3,        /* compact code, tails at part boundaries */
};

/* Receives one term (NUL-terminated, len bytes, at most GX_SK_TERM_MAX).
 * Return 0 to go on; anything else stops and is returned to the caller. */
typedef int (*gx_term_cb)(const char *term, size_t len, void *ud);

/* Calls cb once for each distinct term that text (UTF-8, NUL-terminated) is
 * indexed under, most useful first: the folded whole text, GX_SK_* specials,
 * words, CJK unigrams and bigrams, full pinyin from each syllable on and
 * initials (see docs/search-keys.md). Only the first GX_SK_INPUT_MAX bytes
 * are indexed and at most GX_SK_TERMS_MAX terms are produced. Terms are
 * owned by this function and valid during the call only. Returns 0, cb's
 * non-zero result, GX_EINVAL (NULL or invalid UTF-8), GX_ENOMEM or GX_EIO.
 * An empty text produces no terms. */
int gx_searchkey_terms(const char *text, unsigned flags, gx_term_cb cb,
		       void *ud);

/* ---- querying -------------------------------------------------------------- */

/* One condition: the record must have a term equal to term (exact) or
 * starting with it (prefix), i.e. upper is the least string above every
 * such term: "term >= ? AND term < ?" with (term, upper). For exact
 * conditions upper is term followed by U+0001, so the range form works for
 * them too. upper is "" when no bound exists (never for folded text). */
struct gx_sk_cond {
	char term[GX_SK_TERM_MAX + 1];
	char upper[GX_SK_TERM_MAX + 5];
	bool prefix;
};

/* A query plan: every condition must hold (AND). n == 0: nothing to search
 * for (empty or punctuation-only input). truncated: conditions past
 * GX_SK_QUERY_MAX were dropped, so the matches are a superset; rank them
 * with gx_searchkey_rank. Conditions come most selective first. */
struct gx_sk_query {
	int n;
	bool truncated;
	struct gx_sk_cond cond[GX_SK_QUERY_MAX];
};

/* Plans the user input q (UTF-8) into *out (caller's memory, no heap kept):
 * CJK runs become exact unigrams/bigrams (張三丰 -> 张三, 三丰), words
 * prefix conditions (zhangs), phone-like input one digits prefix, e-mail
 * addresses one prefix, punctuated chunks (c-2024, jean-pierre) their
 * compact form. Only the first GX_SK_QUERY_INPUT_MAX bytes are read.
 * GX_EINVAL (NULL or invalid UTF-8), GX_ENOMEM, GX_EIO. */
int gx_searchkey_query(const char *q, struct gx_sk_query *out);

/* ---- ranking ---------------------------------------------------------------- */

/* The fields of a found record that ranking looks at; any may be NULL. */
struct gx_sk_record {
	const char *name;
	unsigned name_flags; /* GX_SK_PERSON_NAME for people */
	const char *code;
	const char *phone;
	const char *email;
};

/* Ranks, highest first. */
enum {
	GX_SK_RANK_NONE = 0,          /* the record does not match */
	GX_SK_RANK_OTHER = 100,       /* matches through other fields/terms */
	GX_SK_RANK_NAME = 200,        /* the name alone satisfies the query */
	GX_SK_RANK_PREFIX = 300,      /* name, pinyin, initials, code, phone
				       * or e-mail starts with the query */
	GX_SK_RANK_EXACT_NAME = 400,  /* name or its full pinyin equals it */
	GX_SK_RANK_EXACT_KEY = 500,   /* code, phone or e-mail equals it */
};

/* Sets *rank to one GX_SK_RANK_* for query q against rec: the highest rule
 * that holds. GX_SK_RANK_OTHER means the plan is satisfied by the union of
 * the fields' terms; GX_SK_RANK_NONE that it is not. Sort results by rank
 * descending, then by gx_text_sortkey of the name. GX_EINVAL (NULL or
 * invalid UTF-8 in q or a field), GX_ENOMEM, GX_EIO. */
int gx_searchkey_rank(const char *q, const struct gx_sk_record *rec,
		      int *rank);

#endif
