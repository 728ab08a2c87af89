/* fold.c — text folding (NFKC case fold, Traditional→Simplified, Latin to
 * ASCII) and pinyin sort keys, over a pool of ICU/OpenCC handles. */
#include "text/searchkey.h"
#include "text/text_impl.h"

#include "core/err.h"
#include "core/utf8.h"

#include <opencc/opencc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ucol.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>

/* ---- the handle pool -----------------------------------------------------
 * ICU transliterators and collators and OpenCC converters are not documented
 * as safe for concurrent use of one instance, and a mutex around a single
 * set would serialise every request. So each thread borrows a whole set for
 * the length of one call; the pool grows to the peak number of concurrent
 * callers and its handles are reused until gx_text_shutdown(). */

/* The last few texts this worker folded: an import folds each customer's
 * name four times (the duplicate check's name key and query, the name key
 * of the customer hook, the search terms), and OpenCC's t2s is most of a
 * fold. The fold is a function of the text alone, so a hit returns the
 * same bytes. Short texts only; replaced round-robin. */
#define FOLD_MEMO 4
#define FOLD_MEMO_IN 192
#define FOLD_MEMO_OUT 384

struct fold_memo {
	uint16_t inlen, outlen; /* inlen 0: empty entry */
	char in[FOLD_MEMO_IN];
	char out[FOLD_MEMO_OUT];
};

struct gx_text_worker {
	struct gx_text_worker *next;
	opencc_t cc;              /* t2s, (opencc_t)-1 when not open */
	UTransliterator *latin;   /* Latin accents and letters to ASCII */
	UTransliterator *han;     /* Han-Latin */
	UCollator *coll;          /* "zh" */
	struct fold_memo memo[FOLD_MEMO];
	unsigned memo_next;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
/* OpenCC keeps global error state while loading; load one at a time. */
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gx_text_worker *pool_free;

struct gx_text_worker *gx_text_worker_get(void)
{
	pthread_mutex_lock(&pool_mu);
	struct gx_text_worker *w = pool_free;
	if (w)
		pool_free = w->next;
	pthread_mutex_unlock(&pool_mu);
	if (!w) {
		w = calloc(1, sizeof *w);
		if (w)
			w->cc = (opencc_t)-1;
	}
	return w;
}

void gx_text_worker_put(struct gx_text_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&pool_mu);
	w->next = pool_free;
	pool_free = w;
	pthread_mutex_unlock(&pool_mu);
}

static int worker_cc(struct gx_text_worker *w);
static int worker_latin(struct gx_text_worker *w);
static int worker_han(struct gx_text_worker *w);
static int worker_coll(struct gx_text_worker *w);

static void worker_free(struct gx_text_worker *w)
{
	if (w->cc != (opencc_t)-1)
		opencc_close(w->cc);
	if (w->latin)
		utrans_close(w->latin);
	if (w->han)
		utrans_close(w->han);
	if (w->coll)
		ucol_close(w->coll);
	free(w);
}

int gx_text_init(void)
{
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w)
		return GX_ENOMEM;
	int err = worker_cc(w);
	if (!err)
		err = worker_latin(w);
	if (!err)
		err = worker_han(w);
	if (!err)
		err = worker_coll(w);
	gx_text_worker_put(w);
	return err;
}

void gx_text_shutdown(void)
{
	pthread_mutex_lock(&pool_mu);
	struct gx_text_worker *w = pool_free;
	pool_free = NULL;
	pthread_mutex_unlock(&pool_mu);
	while (w) {
		struct gx_text_worker *next = w->next;
		worker_free(w);
		w = next;
	}
}

static int worker_cc(struct gx_text_worker *w)
{
	if (w->cc != (opencc_t)-1)
		return 0;
	/* The absolute path first: a bare name is also looked up in the
	 * current directory. */
	static const char *const paths[] = {
		"/usr/share/opencc/" OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP,
		OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP,
	};
	pthread_mutex_lock(&open_mu);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		w->cc = opencc_open(paths[i]);
		if (w->cc != (opencc_t)-1)
			break;
	}
	pthread_mutex_unlock(&open_mu);
	if (w->cc == (opencc_t)-1)
		return GX_EIO;
	gx_t2s_init(); /* once per process, whichever way text is first folded */
	return 0;
}

static int worker_latin(struct gx_text_worker *w)
{
	if (w->latin)
		return 0;
	/* Marks are removed only after a Latin letter, so Japanese voicing
	 * marks, Thai vowels or Devanagari signs are kept. Latin-ASCII then
	 * handles letters that do not decompose (ø, ł, æ, ß). */
	static const UChar rules[] =
		u":: NFD ;\n"
		u"[:Latin:] [:Mn:]* { [:Mn:] > ;\n"
		u":: NFC ;\n"
		u":: [:Latin:] Latin-ASCII ;\n";
	UErrorCode e = U_ZERO_ERROR;
	UParseError pe;
	w->latin = utrans_openU(u"gx-latin-fold", -1, UTRANS_FORWARD, rules,
				-1, &pe, &e);
	if (U_FAILURE(e)) {
		w->latin = NULL;
		return e == U_MEMORY_ALLOCATION_ERROR ? GX_ENOMEM : GX_EIO;
	}
	return 0;
}

static int worker_han(struct gx_text_worker *w)
{
	if (w->han)
		return 0;
	UErrorCode e = U_ZERO_ERROR;
	w->han = utrans_openU(u"Han-Latin", -1, UTRANS_FORWARD, NULL, 0, NULL,
			      &e);
	if (U_FAILURE(e)) {
		w->han = NULL;
		return e == U_MEMORY_ALLOCATION_ERROR ? GX_ENOMEM : GX_EIO;
	}
	return 0;
}

static int worker_coll(struct gx_text_worker *w)
{
	if (w->coll)
		return 0;
	UErrorCode e = U_ZERO_ERROR;
	w->coll = ucol_open("zh", &e);
	if (U_FAILURE(e)) {
		w->coll = NULL;
		return e == U_MEMORY_ALLOCATION_ERROR ? GX_ENOMEM : GX_EIO;
	}
	return 0;
}

/* ---- UTF-16 buffers ------------------------------------------------------- */

struct u16 {
	UChar *s;
	int32_t len, cap;
};

static int u16_reserve(struct u16 *b, int32_t cap)
{
	if (cap <= b->cap)
		return 0;
	UChar *p = realloc(b->s, (size_t)cap * sizeof *p);
	if (!p)
		return GX_ENOMEM;
	b->s = p;
	b->cap = cap;
	return 0;
}

static int u16_from_utf8(struct u16 *b, const char *in, size_t len)
{
	UErrorCode e = U_ZERO_ERROR;
	int32_t need = 0;
	u_strFromUTF8(NULL, 0, &need, in, (int32_t)len, &e);
	if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
		return GX_EINVAL;
	int err = u16_reserve(b, need + 1);
	if (err)
		return err;
	e = U_ZERO_ERROR;
	u_strFromUTF8(b->s, b->cap, &b->len, in, (int32_t)len, &e);
	return U_FAILURE(e) ? GX_EINVAL : 0;
}

/* Malloc'd UTF-8 copy of s[0..len). */
static int u16_to_utf8(const UChar *s, int32_t len, char **out, size_t *outlen)
{
	UErrorCode e = U_ZERO_ERROR;
	int32_t need = 0;
	u_strToUTF8(NULL, 0, &need, s, len, &e);
	if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
		return GX_EINVAL;
	char *p = malloc((size_t)need + 1);
	if (!p)
		return GX_ENOMEM;
	e = U_ZERO_ERROR;
	u_strToUTF8(p, need + 1, NULL, s, len, &e);
	if (U_FAILURE(e)) {
		free(p);
		return GX_EINVAL;
	}
	p[need] = '\0';
	*out = p;
	if (outlen)
		*outlen = (size_t)need;
	return 0;
}

/* Applies Normalizer2 n to src, result in dst. */
static int u16_normalize(const UNormalizer2 *n, const struct u16 *src,
			 struct u16 *dst)
{
	for (;;) {
		UErrorCode e = U_ZERO_ERROR;
		dst->len = unorm2_normalize(n, src->s, src->len, dst->s, dst->cap,
					    &e);
		if (e == U_BUFFER_OVERFLOW_ERROR) {
			int err = u16_reserve(dst, dst->len + 1);
			if (err)
				return err;
			continue;
		}
		return U_FAILURE(e) ? GX_EIO : 0;
	}
}

/* Transliterates b in place, growing it as needed. */
static int u16_translit(UTransliterator *t, struct u16 *b, struct u16 *tmp)
{
	int32_t cap = b->len * 2 + 16;
	for (;;) {
		int err = u16_reserve(tmp, cap);
		if (err)
			return err;
		memcpy(tmp->s, b->s, (size_t)b->len * sizeof *b->s);
		int32_t len = b->len, limit = b->len;
		UErrorCode e = U_ZERO_ERROR;
		utrans_transUChars(t, tmp->s, &len, tmp->cap, 0, &limit, &e);
		if (e == U_BUFFER_OVERFLOW_ERROR && cap < GX_TEXT_INPUT_MAX * 8) {
			cap *= 2;
			continue;
		}
		if (U_FAILURE(e))
			return e == U_MEMORY_ALLOCATION_ERROR ? GX_ENOMEM : GX_EIO;
		tmp->len = len;
		struct u16 swap = *b;
		*b = *tmp;
		*tmp = swap;
		return 0;
	}
}

/* ---- folding ---------------------------------------------------------------- */

static bool needs_t2s(const struct u16 *b)
{
	for (int32_t i = 0; i < b->len;) {
		UChar32 c;
		U16_NEXT(b->s, i, b->len, c);
		if (c < 0x2E80) /* below the CJK radicals: no Han */
			continue;
		UErrorCode e = U_ZERO_ERROR;
		if (uscript_getScript(c, &e) == USCRIPT_HAN)
			return true;
	}
	return false;
}

/* Non-ASCII Latin letters or combining marks: the only input the Latin
 * transliterator changes, so pure ASCII or CJK text skips it. */
static bool needs_latin(const struct u16 *b)
{
	for (int32_t i = 0; i < b->len;) {
		UChar32 c;
		U16_NEXT(b->s, i, b->len, c);
		if (c < 0x80)
			continue;
		UErrorCode e = U_ZERO_ERROR;
		UScriptCode sc = uscript_getScript(c, &e);
		if (sc == USCRIPT_LATIN || sc == USCRIPT_INHERITED)
			return true;
	}
	return false;
}

static int fold_t2s(struct gx_text_worker *w, struct u16 *b)
{
	int err = worker_cc(w);
	if (err)
		return err;
	if (gx_t2s_by_character(w->cc, b->s, b->len))
		return 0;
	char *utf8;
	size_t n;
	err = u16_to_utf8(b->s, b->len, &utf8, &n);
	if (err)
		return err;
	char *conv = opencc_convert_utf8(w->cc, utf8, n);
	free(utf8);
	if (!conv)
		return GX_ENOMEM;
	err = u16_from_utf8(b, conv, strlen(conv));
	opencc_convert_utf8_free(conv);
	return err;
}

/* White space and controls to one space, trimmed, in place. */
static void collapse_space(struct u16 *b)
{
	int32_t o = 0;
	bool space = false;
	for (int32_t i = 0; i < b->len;) {
		int32_t start = i;
		UChar32 c;
		U16_NEXT(b->s, i, b->len, c);
		if (u_isUWhiteSpace(c) || u_iscntrl(c)) {
			space = o > 0;
			continue;
		}
		if (space)
			b->s[o++] = ' ';
		space = false;
		while (start < i)
			b->s[o++] = b->s[start++];
	}
	b->len = o;
}

/* A malloc'd copy of the fold of in[0..len) from w's memo; GX_ENOTFOUND
 * when it is not there. */
static int memo_get(struct gx_text_worker *w, const char *in, size_t len,
		    char **out, size_t *outlen)
{
	for (int i = 0; i < FOLD_MEMO; i++) {
		const struct fold_memo *m = &w->memo[i];
		if (m->inlen != len || memcmp(m->in, in, len) != 0)
			continue;
		char *p = malloc((size_t)m->outlen + 1);
		if (!p)
			return GX_ENOMEM;
		memcpy(p, m->out, m->outlen);
		p[m->outlen] = '\0';
		*out = p;
		if (outlen)
			*outlen = m->outlen;
		return 0;
	}
	return GX_ENOTFOUND;
}

static void memo_put(struct gx_text_worker *w, const char *in, size_t len,
		     const char *out, size_t outlen)
{
	if (len == 0 || len > FOLD_MEMO_IN || outlen > FOLD_MEMO_OUT)
		return;
	struct fold_memo *m = &w->memo[w->memo_next++ % FOLD_MEMO];
	m->inlen = (uint16_t)len;
	m->outlen = (uint16_t)outlen;
	memcpy(m->in, in, len);
	memcpy(m->out, out, outlen);
}

static int fold_w(struct gx_text_worker *w, const char *in, size_t len,
		  char **out, size_t *outlen);

int gx_text_fold_w(struct gx_text_worker *w, const char *in, size_t len,
		   char **out, size_t *outlen)
{
	if (len > 0 && len <= FOLD_MEMO_IN) {
		int err = memo_get(w, in, len, out, outlen);
		if (err != GX_ENOTFOUND)
			return err;
	}
	size_t n = 0;
	int err = fold_w(w, in, len, out, &n);
	if (!err) {
		memo_put(w, in, len, *out, n);
		if (outlen)
			*outlen = n;
	}
	return err;
}

/* gx_text_fold_w without the memo. */
static int fold_w(struct gx_text_worker *w, const char *in, size_t len,
		  char **out, size_t *outlen)
{
	if (len > GX_TEXT_INPUT_MAX)
		return GX_ETOOBIG;
	if (len == 0) {
		*out = calloc(1, 1);
		if (outlen)
			*outlen = 0;
		return *out ? 0 : GX_ENOMEM;
	}
	struct u16 a = {0}, b = {0};
	UErrorCode e = U_ZERO_ERROR;
	const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
	int err = U_FAILURE(e) ? GX_EIO : 0;
	if (!err)
		err = u16_from_utf8(&a, in, len);
	if (!err)
		err = u16_normalize(nfkc_cf, &a, &b);
	if (!err && needs_t2s(&b))
		err = fold_t2s(w, &b);
	if (!err && needs_latin(&b)) {
		err = worker_latin(w);
		if (!err)
			err = u16_translit(w->latin, &b, &a);
	}
	if (!err) {
		collapse_space(&b);
		err = u16_to_utf8(b.s, b.len, out, outlen);
	}
	free(a.s);
	free(b.s);
	return err;
}

int gx_text_fold(const char *in, char *out, size_t cap, size_t *outlen)
{
	if (!in || !out || cap == 0)
		return GX_EINVAL;
	size_t len = strlen(in);
	if (!gx_utf8_valid(in, len))
		return GX_EINVAL;
	struct gx_text_worker *w = gx_text_worker_get();
	if (!w)
		return GX_ENOMEM;
	char *f = NULL;
	size_t flen = 0;
	int err = gx_text_fold_w(w, in, len, &f, &flen);
	gx_text_worker_put(w);
	if (!err && flen + 1 > cap)
		err = GX_ETOOBIG;
	if (!err) {
		memcpy(out, f, flen + 1);
		if (outlen)
			*outlen = flen;
	}
	free(f);
	return err;
}

/* ---- sort keys -------------------------------------------------------------- */

int gx_text_sortkey(const char *in, char *out, size_t cap)
{
	if (!in || !out || cap < 3)
		return GX_EINVAL;
	size_t len = strlen(in);
	if (len > GX_TEXT_INPUT_MAX)
		return GX_ETOOBIG;
	if (!gx_utf8_valid(in, len))
		return GX_EINVAL;
	struct u16 a = {0};
	int err = u16_from_utf8(&a, in, len);
	if (err)
		return err;
	struct gx_text_worker *w = gx_text_worker_get();
	uint8_t *key = NULL;
	err = w ? worker_coll(w) : GX_ENOMEM;
	if (!err) {
		int32_t need = ucol_getSortKey(w->coll, a.s, a.len, NULL, 0);
		key = need > 0 ? malloc((size_t)need) : NULL;
		if (need <= 0)
			err = GX_EIO;
		else if (!key)
			err = GX_ENOMEM;
		else
			need = ucol_getSortKey(w->coll, a.s, a.len, key, need);
		if (!err) {
			/* Every key ends in one 0 byte: dropping it keeps the
			 * order and the hex free of "00" at the end. */
			size_t n = (size_t)need - 1, max = (cap - 1) / 2;
			if (n > max)
				n = max;
			static const char hex[] = "0123456789abcdef";
			for (size_t i = 0; i < n; i++) {
				out[2 * i] = hex[key[i] >> 4];
				out[2 * i + 1] = hex[key[i] & 15];
			}
			out[2 * n] = '\0';
		}
	}
	gx_text_worker_put(w);
	free(key);
	free(a.s);
	return err;
}

int gx_text_sortkey_version(char *out, size_t cap)
{
	if (!out || cap == 0)
		return GX_EINVAL;
	struct gx_text_worker *w = gx_text_worker_get();
	int err = w ? worker_coll(w) : GX_ENOMEM;
	if (!err) {
		UVersionInfo icu, coll;
		char sicu[U_MAX_VERSION_STRING_LENGTH];
		char scoll[U_MAX_VERSION_STRING_LENGTH];
		u_getVersion(icu);
		ucol_getVersion(w->coll, coll);
		u_versionToString(icu, sicu);
		u_versionToString(coll, scoll);
		int n = snprintf(out, cap, "icu-%s-zh-%s", sicu, scoll);
		if (n < 0 || (size_t)n >= cap)
			err = GX_ETOOBIG;
	}
	gx_text_worker_put(w);
	return err;
}

/* ---- Han-Latin, used by pinyin.c ---------------------------------------- */

int gx_pinyin_icu(struct gx_text_worker *w, uint32_t cp, char *out)
{
	out[0] = '\0';
	int err = worker_han(w);
	if (err)
		return err;
	UChar buf[32];
	int32_t len = 0;
	U16_APPEND_UNSAFE(buf, len, (UChar32)cp);
	int32_t limit = len;
	UErrorCode e = U_ZERO_ERROR;
	utrans_transUChars(w->han, buf, &len, (int32_t)(sizeof buf / sizeof buf[0]),
			   0, &limit, &e);
	if (U_FAILURE(e))
		return 0; /* a reading longer than any syllable: none */
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&e);
	UChar d[64];
	int32_t dlen = U_SUCCESS(e) ?
		unorm2_normalize(nfd, buf, len, d, (int32_t)(sizeof d / sizeof d[0]), &e) : 0;
	if (U_FAILURE(e))
		return 0;
	/* Tones are combining marks after NFD; ü is u + U+0308 -> "v". */
	size_t n = 0;
	for (int32_t i = 0; i < dlen; i++) {
		UChar c = d[i];
		if (c >= 'A' && c <= 'Z')
			c = (UChar)(c - 'A' + 'a');
		if (c >= 'a' && c <= 'z') {
			if (n + 1 >= GX_PY_SYL_MAX)
				goto none;
			out[n++] = (char)c;
		} else if (c == 0x0308 && n > 0 && out[n - 1] == 'u') {
			out[n - 1] = 'v';
		} else if (!(c >= 0x0300 && c <= 0x036F)) {
			goto none; /* untransliterated Han, spaces: no reading */
		}
	}
	out[n] = '\0';
	return 0;
none:
	out[0] = '\0';
	return 0;
}
