/* searchkey.c — the terms a text is indexed under, the plan that turns a
 * user's query into conditions on those terms, and ranking of matches. */
#include "text/searchkey.h"
#include "text/text_impl.h"

#include "core/err.h"
#include "core/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Decodes the code point of valid UTF-8 at s + *i and advances *i. */
static uint32_t u8_next(const char *str, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str + *i;
	uint32_t c = s[0];
	size_t n = 1;
	if (c >= 0xF0) {
		c &= 0x07;
		n = 4;
	} else if (c >= 0xE0) {
		c &= 0x0F;
		n = 3;
	} else if (c >= 0xC0) {
		c &= 0x1F;
		n = 2;
	}
	for (size_t k = 1; k < n; k++)
		c = (c << 6) | (s[k] & 0x3F);
	*i += n;
	return c;
}

/* Encodes c into out (4 bytes room); returns the byte count. */
static size_t u8_put(char *out, uint32_t c)
{
	unsigned char *o = (unsigned char *)out;
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (c >> 18));
	o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* The longest prefix of valid s[0..len), at most max bytes, that ends on a
 * character boundary. */
static size_t u8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* ---- character classes ------------------------------------------------------ */

enum { CL_SPACE, CL_WORD, CL_CJK, CL_OTHER };

/* Classes a character of folded text: CJK scripts are written without
 * spaces and get n-grams; other letters, digits and marks make words;
 * everything else separates. */
static int classify(uint32_t c)
{
	if (c == ' ')
		return CL_SPACE;
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
				       (c >= 'A' && c <= 'Z') ?
			       CL_WORD :
			       CL_OTHER;
	int8_t t = u_charType((UChar32)c);
	if (!u_isalnum((UChar32)c) && t != U_LETTER_NUMBER &&
	    t != U_NON_SPACING_MARK && t != U_COMBINING_SPACING_MARK &&
	    t != U_ENCLOSING_MARK)
		return CL_OTHER;
	UErrorCode e = U_ZERO_ERROR;
	switch (uscript_getScript((UChar32)c, &e)) {
	case USCRIPT_HAN:
	case USCRIPT_HIRAGANA:
	case USCRIPT_KATAKANA:
	case USCRIPT_HANGUL:
	case USCRIPT_BOPOMOFO:
		return CL_CJK;
	default:
		return CL_WORD;
	}
}

static bool is_han(uint32_t c)
{
	UErrorCode e = U_ZERO_ERROR;
	return c >= 0x2E80 && uscript_getScript((UChar32)c, &e) == USCRIPT_HAN;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- the term set ----------------------------------------------------------
 * Distinct terms in insertion (= priority) order, each with the kinds of
 * term it was produced as; ranking looks at the kinds. */

enum {
	K_WHOLE = 1u << 0,
	K_WORD = 1u << 1,
	K_COMPACT = 1u << 2,
	K_UNI = 1u << 3,
	K_BI = 1u << 4,
	K_PY = 1u << 5,
	K_PY_START = 1u << 6, /* pinyin of the run the text starts with */
	K_PY_FULL = 1u << 7,  /* ... and that run is the whole text */
	K_INI = 1u << 8,
	K_INI_START = 1u << 9,
	K_PHONE = 1u << 10,
	K_EMAIL = 1u << 11,
	K_CODE = 1u << 12,
};

#define TS_SLOTS 512 /* power of two, twice GX_SK_TERMS_MAX */

struct termset {
	int n;
	size_t used;
	uint16_t off[GX_SK_TERMS_MAX];
	uint8_t len[GX_SK_TERMS_MAX];
	unsigned kind[GX_SK_TERMS_MAX];
	int16_t slot[TS_SLOTS]; /* index + 1, 0 = empty */
	char pool[GX_SK_TERMS_MAX * (GX_SK_TERM_MAX + 1)];
};

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static const char *ts_term(const struct termset *ts, int i)
{
	return ts->pool + ts->off[i];
}

/* The index of term s[0..len) or -1; *slot gets its (or its free) slot. */
static int ts_find(const struct termset *ts, const char *s, size_t len,
		   uint32_t *slot)
{
	uint32_t h = hash(s, len) & (TS_SLOTS - 1);
	for (;;) {
		int i = ts->slot[h] - 1;
		if (i < 0)
			break;
		if (ts->len[i] == len && memcmp(ts_term(ts, i), s, len) == 0) {
			if (slot)
				*slot = h;
			return i;
		}
		h = (h + 1) & (TS_SLOTS - 1);
	}
	if (slot)
		*slot = h;
	return -1;
}

/* Adds a term cut to GX_SK_TERM_MAX; past GX_SK_TERMS_MAX terms are dropped. */
static void ts_add(struct termset *ts, const char *s, size_t len, unsigned kind)
{
	len = u8_cut(s, len, GX_SK_TERM_MAX);
	if (len == 0)
		return;
	uint32_t h;
	int i = ts_find(ts, s, len, &h);
	if (i >= 0) {
		ts->kind[i] |= kind;
		return;
	}
	if (ts->n >= GX_SK_TERMS_MAX)
		return;
	i = ts->n++;
	ts->off[i] = (uint16_t)ts->used;
	ts->len[i] = (uint8_t)len;
	ts->kind[i] = kind;
	memcpy(ts->pool + ts->used, s, len);
	ts->pool[ts->used + len] = '\0';
	ts->used += len + 1;
	ts->slot[h] = (int16_t)(i + 1);
}

static bool ts_has_prefix(const struct termset *ts, const char *p, size_t len,
			  unsigned kinds)
{
	for (int i = 0; i < ts->n; i++)
		if ((ts->kind[i] & kinds) && ts->len[i] >= len &&
		    memcmp(ts_term(ts, i), p, len) == 0)
			return true;
	return false;
}

/* ---- term generation ---------------------------------------------------------- */

#define PY_RUN_MAX 32  /* Han characters of a run that get pinyin */
#define PY_RUNS_MAX 16 /* Han runs of a text that get pinyin */
#define PHONES_MAX 4   /* numbers in one phone field */
#define PHONE_DIGITS_MAX 32

struct py_run {
	size_t start, end; /* bytes of the folded text covered */
	int n;
	struct gx_py_char c[PY_RUN_MAX];
};

struct gen {
	struct termset ts;
	char *f; /* folded text */
	size_t flen;
	unsigned flags;
	bool no_pinyin; /* ranking a query without letters: no readings needed */
	int nruns;
	struct py_run runs[PY_RUNS_MAX];
};

static void gen_free(struct gen *g)
{
	if (g) {
		free(g->f);
		free(g);
	}
}

static void add_email(struct gen *g)
{
	const char *f = g->f;
	size_t i = 0;
	while (i < g->flen) {
		size_t cs = i;
		while (i < g->flen && f[i] != ' ')
			i++;
		const char *at = memchr(f + cs, '@', i - cs);
		if (at) {
			/* the last '@' splits (quoted local parts may hold one) */
			const char *last = at;
			while ((at = memchr(at + 1, '@', (size_t)(f + i - at - 1))))
				last = at;
			ts_add(&g->ts, f + cs, i - cs, K_EMAIL);
			ts_add(&g->ts, f + cs, (size_t)(last - f) - cs, K_EMAIL);
			ts_add(&g->ts, last + 1, (size_t)(f + i - last - 1), K_EMAIL);
			return;
		}
		i++;
	}
}

static void add_digits_tails(struct termset *ts, const char *d, size_t n,
			     unsigned kind)
{
	ts_add(ts, d, n, kind);
	for (size_t k = 1; k + 4 <= n; k++)
		ts_add(ts, d + k, n - k, kind);
}

/* Each number of a phone field (digits with spaces, + - . ( ) between; any
 * other character starts the next number): its digits and every tail of
 * 4 digits or more, so "8000" and "0138000" find "138 0013 8000". */
static void add_phone(struct gen *g)
{
	char d[PHONE_DIGITS_MAX];
	size_t n = 0;
	int numbers = 0;
	for (size_t i = 0; i <= g->flen && numbers < PHONES_MAX; i++) {
		char c = i < g->flen ? g->f[i] : '\0';
		if (is_digit(c)) {
			if (n < sizeof d)
				d[n++] = c;
			continue;
		}
		if (c && strchr(" +-.()", c))
			continue;
		if (n > 0) {
			add_digits_tails(&g->ts, d, n, K_PHONE);
			numbers++;
		}
		n = 0;
	}
}

/* A code's letters and digits run together, its tails from each part (a
 * run of letters or of digits), and the tails of 4 or more digits of its
 * last digit run: "KH-2024-0015" -> kh20240015, 20240015, 0015, 240015... */
static void add_code(struct gen *g)
{
	char c[GX_SK_TERM_MAX + 1];
	size_t n = 0, parts[16];
	int np = 0, prev = 0; /* 0 separator, 1 letter, 2 digit */
	for (size_t i = 0; i < g->flen;) {
		size_t s = i;
		uint32_t ch = u8_next(g->f, &i);
		if (classify(ch) != CL_WORD) {
			prev = 0;
			continue;
		}
		int kind = ch < 0x80 && is_digit((char)ch) ? 2 : 1;
		if (i - s > sizeof c - 1 - n)
			break;
		if (kind != prev && np < (int)(sizeof parts / sizeof parts[0]))
			parts[np++] = n;
		prev = kind;
		memcpy(c + n, g->f + s, i - s);
		n += i - s;
	}
	if (n == 0)
		return;
	ts_add(&g->ts, c, n, K_CODE);
	for (int k = 1; k < np; k++)
		if (n - parts[k] >= 2)
			ts_add(&g->ts, c + parts[k], n - parts[k], K_CODE);
	size_t ds = n;
	while (ds > 0 && is_digit(c[ds - 1]))
		ds--;
	if (n - ds > 4)
		add_digits_tails(&g->ts, c + ds + 1, n - ds - 1, K_CODE);
}

/* The readings of single Han characters, per thread: one character's ICU
 * transliteration costs microseconds, and names repeat their characters.
 * Readings depend on the neighbours only at the start of a person's name
 * (surname and compound-surname readings), which is not cached. */
#define PY_CACHE 2048
static _Thread_local struct {
	uint32_t cp;
	struct gx_py_char c;
} py_cache[PY_CACHE];

static int readings_cached(struct gx_text_worker *w, uint32_t cp, struct gx_py_char *out)
{
	unsigned h = cp % PY_CACHE;
	if (cp && py_cache[h].cp == cp) {
		*out = py_cache[h].c;
		return 0;
	}
	int err = gx_pinyin_readings(w, &cp, 1, false, out);
	if (!err) {
		py_cache[h].cp = cp;
		py_cache[h].c = *out;
	}
	return err;
}

/* Records a Han run's readings for the pinyin passes. */
static int collect_han(struct gen *g, struct gx_text_worker *w, size_t start,
		       size_t end)
{
	if (g->nruns >= PY_RUNS_MAX || g->no_pinyin)
		return 0;
	struct py_run *r = &g->runs[g->nruns++];
	uint32_t cps[PY_RUN_MAX];
	size_t i = start;
	r->start = start;
	r->n = 0;
	while (i < end && r->n < PY_RUN_MAX)
		cps[r->n++] = u8_next(g->f, &i);
	r->end = i;
	bool surname = (g->flags & GX_SK_PERSON_NAME) && start == 0;
	int head = surname ? (r->n < 2 ? r->n : 2) : 0;
	int err = head ? gx_pinyin_readings(w, cps, (size_t)head, true, r->c) : 0;
	for (int k = head; !err && k < r->n; k++)
		err = readings_cached(w, cps[k], &r->c[k]);
	return err;
}

/* Unigrams and bigrams of a CJK run, and its Han runs for pinyin. */
static int add_cjk(struct gen *g, struct gx_text_worker *w, size_t start,
		   size_t end)
{
	const char *f = g->f;
	size_t a = start;
	while (a < end) {
		size_t b = a;
		u8_next(f, &b);
		ts_add(&g->ts, f + a, b - a, K_UNI);
		if (b < end) {
			size_t c = b;
			u8_next(f, &c);
			ts_add(&g->ts, f + a, c - a, K_BI);
		}
		a = b;
	}
	size_t i = start, han = SIZE_MAX;
	while (i <= end) {
		size_t s = i;
		bool h = false;
		if (i < end)
			h = is_han(u8_next(f, &i));
		else
			i++;
		if (h && han == SIZE_MAX)
			han = s;
		if (!h && han != SIZE_MAX) {
			int err = collect_han(g, w, han, s);
			if (err)
				return err;
			han = SIZE_MAX;
		}
	}
	return 0;
}

struct compact {
	char s[GX_SK_TERM_MAX];
	size_t len;
	int words;
};

static void compact_flush(struct termset *ts, struct compact *c)
{
	if (c->words >= 2)
		ts_add(ts, c->s, c->len, K_COMPACT);
	c->len = 0;
	c->words = 0;
}

/* One chunk (no spaces): words, the compact form of each '@'-separated
 * part with several words ("jean-pierre" -> jeanpierre), CJK runs. */
static int add_chunk(struct gen *g, struct gx_text_worker *w, size_t cs,
		     size_t ce)
{
	const char *f = g->f;
	struct compact cp = {.len = 0};
	if (memchr(f + cs, '@', ce - cs))
		ts_add(&g->ts, f + cs, ce - cs, K_EMAIL);
	for (size_t i = cs; i < ce;) {
		size_t s = i;
		uint32_t c = u8_next(f, &i);
		if (c == '@') {
			compact_flush(&g->ts, &cp);
			continue;
		}
		int cl = classify(c);
		if (cl != CL_WORD && cl != CL_CJK)
			continue;
		size_t e = i;
		while (e < ce) {
			size_t k = e;
			if (classify(u8_next(f, &k)) != cl)
				break;
			e = k;
		}
		if (cl == CL_WORD) {
			ts_add(&g->ts, f + s, e - s, K_WORD);
			size_t n = u8_cut(f + s, e - s, sizeof cp.s - cp.len);
			memcpy(cp.s + cp.len, f + s, n);
			cp.len += n;
			cp.words++;
		} else {
			int err = add_cjk(g, w, s, e);
			if (err)
				return err;
		}
		i = e;
	}
	compact_flush(&g->ts, &cp);
	return 0;
}

/* Pinyin spellings of characters [0, n): every combination of readings,
 * fewest non-first readings first and, among those, alternatives of
 * earlier characters first; at most GX_SK_VARIANTS_MAX. */
struct venum {
	struct termset *ts;
	unsigned kind;
	int n, count;
	int nopt[PY_RUN_MAX];
	const char *opt[PY_RUN_MAX][GX_PY_READINGS_MAX];
	uint8_t optlen[PY_RUN_MAX][GX_PY_READINGS_MAX];
	int poly[PY_RUN_MAX + 1]; /* characters in [i, n) with choices */
	char buf[GX_SK_TERM_MAX + GX_PY_SYL_MAX];
	size_t len;
};

static void venum_rec(struct venum *v, int pos, int dev)
{
	if (v->count >= GX_SK_VARIANTS_MAX)
		return;
	if (pos == v->n || v->len >= GX_SK_TERM_MAX) {
		if (dev == 0) {
			ts_add(v->ts, v->buf, v->len, v->kind);
			v->count++;
		}
		return;
	}
	if (v->poly[pos] < dev)
		return;
	/* Alternatives here before alternatives further on: users type the
	 * beginning of a name, so early characters' readings matter most. */
	size_t keep = v->len;
	int n = v->nopt[pos];
	for (int j = dev > 0 ? 1 : 0; j <= (dev > 0 ? n : 0); j++) {
		int k = j % n; /* 1, 2, ..., n-1, then 0 */
		if (k == 0 && v->poly[pos + 1] < dev)
			continue;
		memcpy(v->buf + v->len, v->opt[pos][k], v->optlen[pos][k]);
		v->len += v->optlen[pos][k];
		venum_rec(v, pos + 1, k == 0 ? dev : dev - 1);
		v->len = keep;
	}
}

static void add_variants(struct termset *ts, const struct gx_py_char *c,
			 int n, bool initials, unsigned kind)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
	struct venum v;
	v.ts = ts;
	v.kind = kind;
	v.n = n;
	v.count = 0;
	v.len = 0;
	for (int i = 0; i < n; i++) {
		v.nopt[i] = 0;
		for (int k = 0; k < c[i].n; k++) {
			const char *r = c[i].r[k];
			if (initials) {
				if (r[0] < 'a' || r[0] > 'z')
					continue;
				r = letters + (r[0] - 'a');
				bool seen = false;
				for (int j = 0; j < v.nopt[i]; j++)
					seen |= v.opt[i][j] == r;
				if (seen)
					continue;
			}
			v.opt[i][v.nopt[i]] = r;
			v.optlen[i][v.nopt[i]] = (uint8_t)(initials ? 1 : strlen(r));
			v.nopt[i]++;
		}
		if (v.nopt[i] == 0)
			return; /* callers pass runs of readable characters */
	}
	v.poly[n] = 0;
	for (int i = n - 1; i >= 0; i--)
		v.poly[i] = v.poly[i + 1] + (v.nopt[i] > 1);
	for (int d = 0; d <= v.poly[0] && v.count < GX_SK_VARIANTS_MAX; d++)
		venum_rec(&v, 0, d);
}

/* Pinyin terms: pass 0 the spellings and initials of each readable run from
 * its first syllable, pass 1 those from each later syllable ("san" and
 * "sanfeng" for 张三丰). Initials need two syllables or more. */
static void add_pinyin(struct gen *g)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int r = 0; r < g->nruns; r++) {
			const struct py_run *run = &g->runs[r];
			int a = 0;
			while (a < run->n) {
				if (run->c[a].n == 0) {
					a++;
					continue;
				}
				int b = a;
				while (b < run->n && run->c[b].n > 0)
					b++;
				unsigned start = 0;
				if (run->start == 0 && a == 0) {
					start = K_PY_START;
					if (b == run->n && run->end == g->flen)
						start |= K_PY_FULL;
				}
				for (int j = pass == 0 ? a : a + 1;
				     j < (pass == 0 ? a + 1 : b); j++) {
					unsigned py = K_PY | (j == a ? start : 0);
					unsigned ini = K_INI |
						       (j == a && start ? K_INI_START : 0);
					add_variants(&g->ts, run->c + j, b - j, false, py);
					if (b - j >= 2)
						add_variants(&g->ts, run->c + j, b - j,
							     true, ini);
				}
				a = b;
			}
		}
	}
}

/* "张 三" (family and given name kept in two fields, joined with a space)
 * is one name: drop the spaces of a person's name written only in CJK. */
static void join_cjk_name(struct gen *g)
{
	bool space = false;
	for (size_t i = 0; i < g->flen;) {
		int cl = classify(u8_next(g->f, &i));
		if (cl == CL_SPACE)
			space = true;
		else if (cl != CL_CJK)
			return;
	}
	if (!space)
		return;
	size_t o = 0;
	for (size_t i = 0; i < g->flen; i++)
		if (g->f[i] != ' ')
			g->f[o++] = g->f[i];
	g->f[o] = '\0';
	g->flen = o;
}

/* gx_text_fold_w without ICU when in[0..len) is printable ASCII (codes,
 * phones, e-mails, Latin names): for those characters NFKC_Casefold only
 * lower-cases A-Z, t2s and Latin-ASCII change nothing, and runs of spaces
 * become one, the ends trimmed. Otherwise the full fold. */
static int fold(struct gx_text_worker *w, const char *in, size_t len, char **out, size_t *outlen)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x20 || (unsigned char)in[i] > 0x7e)
			return gx_text_fold_w(w, in, len, out, outlen);
	char *f = malloc(len + 1);
	if (!f)
		return GX_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == ' ') {
			if (n && f[n - 1] != ' ')
				f[n++] = ' ';
			continue;
		}
		f[n++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	if (n && f[n - 1] == ' ')
		n--;
	f[n] = '\0';
	*out = f;
	if (outlen)
		*outlen = n;
	return 0;
}

/* Folds text (valid UTF-8) and fills a new gen the caller frees. pinyin:
 * with the pinyin terms (ranking leaves them out when the query has no
 * letter they could match). */
static int generate(struct gx_text_worker *w, const char *text, unsigned flags, bool pinyin,
		    struct gen **out)
{
	/* ~46 KB, most of it written only as far as it is used: clearing it
	 * all (calloc) was a third of the time of a short text */
	struct gen *g = malloc(sizeof *g);
	if (!g)
		return GX_ENOMEM;
	g->ts.n = 0;
	g->ts.used = 0;
	memset(g->ts.slot, 0, sizeof g->ts.slot);
	g->f = NULL;
	g->flen = 0;
	g->nruns = 0;
	g->flags = flags;
	g->no_pinyin = !pinyin;
	size_t len = u8_cut(text, strlen(text), GX_SK_INPUT_MAX);
	int err = fold(w, text, len, &g->f, &g->flen);
	if (!err) {
		ts_add(&g->ts, g->f, g->flen, K_WHOLE);
		if (flags & GX_SK_PERSON_NAME)
			join_cjk_name(g);
		if (flags & GX_SK_EMAIL)
			add_email(g);
		if (flags & GX_SK_PHONE)
			add_phone(g);
		if (flags & GX_SK_CODE)
			add_code(g);
	}
	for (size_t i = 0; !err && i < g->flen;) {
		if (g->f[i] == ' ') {
			i++;
			continue;
		}
		size_t cs = i;
		while (i < g->flen && g->f[i] != ' ')
			i++;
		err = add_chunk(g, w, cs, i);
	}
	if (err) {
		gen_free(g);
		return err;
	}
	add_pinyin(g); /* nothing without readings */
	*out = g;
	return 0;
}

static bool valid(const char *s)
{
	return s && gx_utf8_valid(s, strlen(s));
}

int gx_searchkey_terms(const char *text, unsigned flags, gx_term_cb cb,
		       void *ud)
{
	if (!cb || !valid(text))
		return GX_EINVAL;
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w)
		return GX_ENOMEM;
	struct gen *g = NULL;
	int err = generate(w, text, flags, true, &g);
	gx_text_worker_put(w); /* callbacks may be slow (database writes) */
	for (int i = 0; !err && i < g->ts.n; i++)
		err = cb(ts_term(&g->ts, i), g->ts.len[i], ud);
	gen_free(g);
	return err;
}

/* ---- query plans ---------------------------------------------------------------- */

#define PLAN_MAX 32 /* conditions gathered before the most selective are kept */

struct plan {
	int n;
	bool truncated;
	struct {
		char term[GX_SK_TERM_MAX + 1];
		size_t len;
		bool prefix;
		int score;
	} c[PLAN_MAX];
};

static void plan_add(struct plan *p, const char *s, size_t len, bool prefix,
		     int score)
{
	len = u8_cut(s, len, GX_SK_TERM_MAX);
	if (len == 0)
		return;
	for (int i = 0; i < p->n; i++)
		if (p->c[i].prefix == prefix && p->c[i].len == len &&
		    memcmp(p->c[i].term, s, len) == 0)
			return;
	if (p->n >= PLAN_MAX) {
		p->truncated = true;
		return;
	}
	memcpy(p->c[p->n].term, s, len);
	p->c[p->n].term[len] = '\0';
	p->c[p->n].len = len;
	p->c[p->n].prefix = prefix;
	p->c[p->n].score = score;
	p->n++;
}

/* Digits of a query made only of digits and phone punctuation with 7
 * digits or more; a +86 / 0086 before a mainland mobile number is dropped,
 * as numbers are often stored without it. */
static size_t phone_digits(const char *f, size_t len, char *d)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(f[i])) {
			if (n < GX_SK_TERM_MAX)
				d[n++] = f[i];
		} else if (!strchr(" +-.()", f[i])) {
			return 0;
		}
	}
	if (n < 7)
		return 0;
	size_t skip = 0;
	if (n == 13 && memcmp(d, "86", 2) == 0 && d[2] == '1')
		skip = 2;
	else if (n == 15 && memcmp(d, "0086", 4) == 0 && d[4] == '1')
		skip = 4;
	memmove(d, d + skip, n - skip);
	return n - skip;
}

/* Selectivity, higher first: CJK bigrams, prefixes of 4 bytes or more, CJK
 * unigrams, short prefixes. */
static int score(size_t len, bool prefix)
{
	if (!prefix)
		return len > 3 ? 3 : 1;
	return len >= 4 ? 2 : 0;
}

static void plan_folded(const char *f, size_t flen, struct plan *p)
{
	char d[GX_SK_TERM_MAX];
	size_t nd = phone_digits(f, flen, d);
	if (nd) {
		plan_add(p, d, nd, true, 2);
		return;
	}
	for (size_t i = 0; i < flen;) {
		if (f[i] == ' ') {
			i++;
			continue;
		}
		size_t cs = i;
		while (i < flen && f[i] != ' ')
			i++;
		if (memchr(f + cs, '@', i - cs)) {
			plan_add(p, f + cs, i - cs, true, 2);
			continue;
		}
		for (size_t k = cs; k < i;) {
			size_t s = k;
			int cl = classify(u8_next(f, &k));
			if (cl != CL_WORD && cl != CL_CJK)
				continue;
			size_t e = k;
			while (e < i) {
				size_t m = e;
				if (classify(u8_next(f, &m)) != cl)
					break;
				e = m;
			}
			if (cl == CL_WORD) {
				plan_add(p, f + s, e - s, true, score(e - s, true));
			} else {
				/* one character: its unigram; more: every bigram */
				size_t a = s, b = s;
				u8_next(f, &b);
				if (b == e)
					plan_add(p, f + a, b - a, false, 1);
				while (b < e) {
					size_t c = b;
					u8_next(f, &c);
					plan_add(p, f + a, c - a, false, 3);
					a = b;
					b = c;
				}
			}
			k = e;
		}
	}
}

/* The least string above every string that starts with t (code point
 * order = byte order in UTF-8): t with its last code point incremented. */
static void upper_bound(const char *t, size_t len, char *out)
{
	uint32_t cps[GX_SK_TERM_MAX];
	size_t n = 0;
	for (size_t i = 0; i < len;)
		cps[n++] = u8_next(t, &i);
	while (n > 0 && cps[n - 1] == 0x10FFFF)
		n--;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = cps[i];
		if (i == n - 1)
			c = c == 0xD7FF ? 0xE000 : c + 1;
		o += u8_put(out + o, c);
	}
	out[o] = '\0';
}

static void plan_finish(struct plan *p, struct gx_sk_query *out)
{
	memset(out, 0, sizeof *out);
	out->truncated = p->truncated || p->n > GX_SK_QUERY_MAX;
	/* stable selection of the most selective conditions */
	for (int s = 3; s >= 0; s--) {
		for (int i = 0; i < p->n && out->n < GX_SK_QUERY_MAX; i++) {
			if (p->c[i].score != s)
				continue;
			struct gx_sk_cond *c = &out->cond[out->n++];
			memcpy(c->term, p->c[i].term, p->c[i].len + 1);
			c->prefix = p->c[i].prefix;
			if (c->prefix) {
				upper_bound(c->term, p->c[i].len, c->upper);
			} else {
				memcpy(c->upper, c->term, p->c[i].len);
				c->upper[p->c[i].len] = '\x01';
				c->upper[p->c[i].len + 1] = '\0';
			}
		}
	}
}

static int plan_query(struct gx_text_worker *w, const char *q,
		      struct gx_sk_query *out, char **folded, size_t *flen)
{
	size_t len = u8_cut(q, strlen(q), GX_SK_QUERY_INPUT_MAX);
	char *f;
	size_t n;
	int err = fold(w, q, len, &f, &n);
	if (err)
		return err;
	struct plan *p = calloc(1, sizeof *p);
	if (!p) {
		free(f);
		return GX_ENOMEM;
	}
	plan_folded(f, n, p);
	plan_finish(p, out);
	free(p);
	if (folded) {
		*folded = f;
		*flen = n;
	} else {
		free(f);
	}
	return 0;
}

int gx_searchkey_query(const char *q, struct gx_sk_query *out)
{
	if (!out || !valid(q))
		return GX_EINVAL;
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w)
		return GX_ENOMEM;
	int err = plan_query(w, q, out, NULL, NULL);
	gx_text_worker_put(w);
	return err;
}

/* ---- ranking -------------------------------------------------------------------- */

static bool cond_holds(const struct gx_sk_cond *c, const struct termset *ts)
{
	size_t len = strlen(c->term);
	if (!c->prefix)
		return ts_find(ts, c->term, len, NULL) >= 0;
	return ts_has_prefix(ts, c->term, len, ~0u);
}

/* Whether every condition holds in one of sets[0..n). */
static bool plan_holds(const struct gx_sk_query *p, struct gen *const *sets,
		       int n)
{
	for (int i = 0; i < p->n; i++) {
		bool ok = false;
		for (int s = 0; s < n && !ok; s++)
			ok = sets[s] && cond_holds(&p->cond[i], &sets[s]->ts);
		if (!ok)
			return false;
	}
	return p->n > 0;
}

/* s without spaces, or only its letters and digits, in place. */
static size_t squeeze(char *s, size_t n, bool alnum_only)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ')
			continue;
		if (alnum_only && c < 0x80 && !is_digit((char)c) &&
		    !(c >= 'a' && c <= 'z'))
			continue;
		s[o++] = (char)c;
	}
	s[o] = '\0';
	return o;
}

static size_t digits_of(const char *s, char *d, size_t cap)
{
	size_t n = 0;
	for (; *s && n < cap; s++)
		if (is_digit(*s))
			d[n++] = *s;
	return n;
}

static bool starts(const char *s, size_t n, const char *p, size_t pn)
{
	return pn > 0 && n >= pn && memcmp(s, p, pn) == 0;
}

static bool same(const char *s, size_t n, const char *p, size_t pn)
{
	return pn > 0 && n == pn && memcmp(s, p, pn) == 0;
}

struct rank_ctx {
	struct gx_sk_query plan;
	char *qf;       /* folded query */
	size_t qn;
	char *qc;       /* ... without spaces */
	size_t qcn;
	char *qa;       /* ... letters and digits only */
	size_t qan;
	char qd[GX_SK_TERM_MAX]; /* phone digits, when phone-like */
	size_t qdn;
	struct gen *g[4]; /* name, code, phone, email */
};

/* Letters and digits of a folded code (cut to a term), for comparing
 * "KH-2024-0015" with "kh20240015". */
static size_t code_alnum(const struct gen *code, char *a)
{
	size_t n = u8_cut(code->f, code->flen, GX_SK_TERM_MAX);
	memcpy(a, code->f, n);
	return squeeze(a, n, true);
}

static int rank_of(const struct rank_ctx *x)
{
	struct gen *name = x->g[0], *code = x->g[1], *phone = x->g[2],
		   *email = x->g[3];
	char a[GX_SK_TERM_MAX + 1];
	size_t an = code ? code_alnum(code, a) : 0;
	char pd[PHONE_DIGITS_MAX * PHONES_MAX];
	size_t pdn = phone ? digits_of(phone->f, pd, sizeof pd) : 0;
	const char *at = email ? strrchr(email->f, '@') : NULL;
	size_t local = at ? (size_t)(at - email->f) : 0;

	/* exact code, phone or e-mail */
	if (code && (same(code->f, code->flen, x->qf, x->qn) ||
		     same(a, an, x->qa, x->qan)))
		return GX_SK_RANK_EXACT_KEY;
	if (x->qdn && (same(pd, pdn, x->qd, x->qdn) ||
		       (x->qdn >= 7 && pdn > x->qdn &&
			memcmp(pd + pdn - x->qdn, x->qd, x->qdn) == 0)))
		return GX_SK_RANK_EXACT_KEY;
	if (email && (same(email->f, email->flen, x->qf, x->qn) ||
		      same(email->f, local, x->qf, x->qn)))
		return GX_SK_RANK_EXACT_KEY;

	/* the name, spaces aside, or its full pinyin */
	char nc[GX_SK_INPUT_MAX + 1];
	size_t ncn = 0;
	if (name) {
		ncn = u8_cut(name->f, name->flen, GX_SK_INPUT_MAX);
		memcpy(nc, name->f, ncn);
		ncn = squeeze(nc, ncn, false);
		if (same(nc, ncn, x->qc, x->qcn))
			return GX_SK_RANK_EXACT_NAME;
		int i = ts_find(&name->ts, x->qc, x->qcn, NULL);
		if (i >= 0 && (name->ts.kind[i] & K_PY_FULL))
			return GX_SK_RANK_EXACT_NAME;
	}

	/* prefixes */
	if (name && (starts(nc, ncn, x->qc, x->qcn) ||
		     ts_has_prefix(&name->ts, x->qc, x->qcn,
				   K_PY_START | K_INI_START)))
		return GX_SK_RANK_PREFIX;
	if (starts(a, an, x->qa, x->qan) ||
	    (x->qdn >= 3 && starts(pd, pdn, x->qd, x->qdn)) ||
	    (email && starts(email->f, email->flen, x->qf, x->qn)))
		return GX_SK_RANK_PREFIX;

	struct gen *const one[1] = {name};
	if (name && plan_holds(&x->plan, one, 1))
		return GX_SK_RANK_NAME;
	if (plan_holds(&x->plan, x->g, 4))
		return GX_SK_RANK_OTHER;
	return GX_SK_RANK_NONE;
}

int gx_searchkey_rank(const char *q, const struct gx_sk_record *rec, int *rank)
{
	if (!rec || !rank || !valid(q))
		return GX_EINVAL;
	const char *fields[4] = {rec->name, rec->code, rec->phone, rec->email};
	for (int i = 0; i < 4; i++)
		if (fields[i] && !valid(fields[i]))
			return GX_EINVAL;
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w)
		return GX_ENOMEM;
	struct rank_ctx *x = calloc(1, sizeof *x);
	int err = x ? plan_query(w, q, &x->plan, &x->qf, &x->qn) : GX_ENOMEM;
	if (!err) {
		x->qc = malloc(x->qn + 1);
		x->qa = malloc(x->qn + 1);
		if (!x->qc || !x->qa)
			err = GX_ENOMEM;
	}
	if (!err) {
		memcpy(x->qc, x->qf, x->qn + 1);
		x->qcn = squeeze(x->qc, x->qn, false);
		memcpy(x->qa, x->qf, x->qn + 1);
		x->qan = squeeze(x->qa, x->qn, true);
		x->qdn = phone_digits(x->qf, x->qn, x->qd);
		const unsigned flags[4] = {rec->name_flags & GX_SK_PERSON_NAME,
					   GX_SK_CODE, GX_SK_PHONE, GX_SK_EMAIL};
		/* pinyin terms are letters a-z: a query without one cannot
		 * match them (张三, 8000), so they are not made */
		bool letters = false;
		for (size_t i = 0; i < x->qn && !letters; i++)
			letters = x->qf[i] >= 'a' && x->qf[i] <= 'z';
		for (int i = 0; i < 4 && !err; i++)
			if (fields[i])
				err = generate(w, fields[i], flags[i], letters, &x->g[i]);
	}
	gx_text_worker_put(w);
	if (!err)
		*rank = x->plan.n ? rank_of(x) : GX_SK_RANK_NONE;
	if (x) {
		for (int i = 0; i < 4; i++)
			gen_free(x->g[i]);
		free(x->qf);
		free(x->qc);
		free(x->qa);
		free(x);
	}
	return err;
}
