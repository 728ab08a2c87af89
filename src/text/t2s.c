/* t2s.c — Traditional→Simplified character by character where that is what
 * OpenCC would answer, without OpenCC's cost (~6k instructions a character:
 * a sixth of creating a customer).
 *
 * Why it is exact. OpenCC's t2s.json cuts text by longest match against the
 * phrase dictionary TSPhrases (unmatched characters form runs), then converts
 * each piece by longest match against TSPhrases and TSCharacters. If no
 * TSPhrases key is a prefix of the text at any position, nothing matches a
 * phrase, so every character is converted on its own — exactly as OpenCC
 * converts that character alone. So: a text in which a phrase occurs goes
 * to OpenCC (有限公司 contains 有, the first character of a phrase, but no
 * phrase); any other is mapped through a table of single-character
 * conversions that OpenCC itself filled. The phrases come from the installed
 * dictionary at build time (scripts/gen_t2s.sh); at start-up the SHA-256 of
 * t2s.json and TSPhrases.ocd2 must equal the build's, or every text goes to
 * OpenCC. */
#include "text/text_impl.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

extern const char gx_t2s_digest[];
extern const char *const gx_t2s_phrases[];
extern const size_t gx_t2s_phrases_n;

#define OPENCC_DIR "/usr/share/opencc/"
#define MAX_PHRASES 4096
#define PHRASE_MAX 16 /* UTF-16 units */

/* The phrases in UTF-16, sorted by their first unit; n_phrases < 0: the
 * path is off. */
struct phrase {
	UChar s[PHRASE_MAX];
	int32_t len;
};
static struct phrase phrases[MAX_PHRASES];
static int n_phrases = -1;
static bool forced_off;

/* BMP code point → its conversion + 1 (0: not asked yet; NOT_ONE: OpenCC
 * gives something other than one BMP character). Filled lazily by any
 * thread: every writer stores the same value, so relaxed atomics suffice. */
#define NOT_ONE UINT32_MAX
static uint32_t single[0x10000];

static int cmp_phrase(const void *a, const void *b)
{
	const struct phrase *x = a, *y = b;
	return (x->s[0] > y->s[0]) - (x->s[0] < y->s[0]);
}

/* Adds the bytes of an installed OpenCC file to the digest; false when it
 * cannot be read. */
static bool hash_file(crypto_hash_sha256_state *h, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", OPENCC_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	unsigned char buf[16384];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_hash_sha256_update(h, buf, n);
	bool ok = !ferror(f);
	fclose(f);
	return ok;
}

static void init_once(void)
{
	if (!gx_t2s_digest[0])
		return;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	if (!hash_file(&h, "t2s.json") || !hash_file(&h, "TSPhrases.ocd2"))
		return;
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, d);
	char hex[2 * sizeof d + 1];
	sodium_bin2hex(hex, sizeof hex, d, sizeof d);
	if (strcmp(hex, gx_t2s_digest) != 0)
		return; /* another OpenCC dictionary than the build's */
	if (gx_t2s_phrases_n > MAX_PHRASES)
		return;
	for (size_t i = 0; i < gx_t2s_phrases_n; i++) {
		struct phrase *ph = &phrases[i];
		UErrorCode e = U_ZERO_ERROR;
		u_strFromUTF8(ph->s, PHRASE_MAX, &ph->len, gx_t2s_phrases[i], -1, &e);
		/* a phrase the scan below could not compare: keep the path off */
		if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || ph->len < 1 || U16_IS_SURROGATE(ph->s[0]))
			return;
	}
	qsort(phrases, gx_t2s_phrases_n, sizeof phrases[0], cmp_phrase);
	n_phrases = (int)gx_t2s_phrases_n;
}

void gx_t2s_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

bool gx_t2s_fast_available(void)
{
	return n_phrases >= 0 && !forced_off;
}

void gx_t2s_force_opencc(bool on)
{
	forced_off = on;
}

/* Whether some phrase is a prefix of s[i..len): OpenCC's segmentation
 * would cut a phrase there. */
static bool phrase_at(const UChar *s, int32_t i, int32_t len)
{
	int lo = 0, hi = n_phrases; /* the first phrase starting with s[i] */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (phrases[mid].s[0] < s[i])
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int k = lo; k < n_phrases && phrases[k].s[0] == s[i]; k++) {
		const struct phrase *ph = &phrases[k];
		if (ph->len <= len - i && memcmp(ph->s, s + i, (size_t)ph->len * sizeof *s) == 0)
			return true;
	}
	return false;
}

/* The conversion of c alone (+1), asked of OpenCC the first time. */
static uint32_t single_of(opencc_t cc, uint32_t c)
{
	uint32_t v = __atomic_load_n(&single[c], __ATOMIC_RELAXED);
	if (v)
		return v;
	char in[8];
	int32_t n = 0;
	bool bad = false;
	U8_APPEND((uint8_t *)in, n, (int32_t)sizeof in, (UChar32)c, bad);
	in[n] = '\0';
	char *out = bad ? NULL : opencc_convert_utf8(cc, in, (size_t)n);
	if (!out)
		return 0; /* out of memory: the caller uses OpenCC for the text */
	int32_t off = 0, len = (int32_t)strlen(out);
	UChar32 r = -1;
	if (len > 0)
		U8_NEXT(out, off, len, r);
	opencc_convert_utf8_free(out);
	v = (r >= 0 && r <= 0xFFFF && off == len) ? (uint32_t)r + 1 : NOT_ONE;
	__atomic_store_n(&single[c], v, __ATOMIC_RELAXED);
	return v;
}

bool gx_t2s_by_character(opencc_t cc, UChar *s, int32_t len)
{
	if (!gx_t2s_fast_available())
		return false;
	for (int32_t i = 0; i < len; i++) {
		/* surrogates (characters beyond the BMP), NUL (OpenCC stops at it)
		 * and phrases: OpenCC */
		if (U16_IS_SURROGATE(s[i]) || s[i] == 0 || phrase_at(s, i, len))
			return false;
	}
	for (int32_t i = 0; i < len; i++) {
		uint32_t v = single_of(cc, s[i]);
		if (v == 0 || v == NOT_ONE)
			return false; /* s is unchanged until every character maps */
	}
	for (int32_t i = 0; i < len; i++)
		s[i] = (UChar)(__atomic_load_n(&single[s[i]], __ATOMIC_RELAXED) - 1);
	return true;
}
