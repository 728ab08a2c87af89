/* pinyin.c — every reading of a Han character: ICU's default, the polyphone
 * table and, for a person's family name, the surname readings. */
#include "text/text_impl.h"

#include "core/err.h"

#include <stdatomic.h>
#include <string.h>

const char *gx_polyphone_find(const struct gx_polyphone *t, size_t n,
			      uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].cp == cp)
			return t[mid].readings;
		if (t[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- ICU's reading per code point, once per process ----------------------
 * Han-Latin transliterates one character in microseconds, and a name list
 * repeats a few thousand characters a million times. The CJK Unified
 * Ideographs blocks are bounded, so each code point has one slot, filled
 * the first time any thread asks. A slot is one 64-bit word: the "known"
 * bit and the reading's letters a-z five bits each (a reading has at most
 * GX_PY_SYL_MAX - 1 letters), so a reader sees either nothing or a whole
 * reading, and two threads filling the same slot store the same word: no
 * lock, no torn read. Code points outside the blocks go to ICU each time. */

static const struct py_block {
	uint32_t lo, hi; /* inclusive */
	uint32_t base;   /* of lo in py_slots */
} py_blocks[] = {
	{0x3400, 0x9FFF, 0},         /* Ext A, (Yijing hexagrams), Unified */
	{0xF900, 0xFAFF, 0x6C00},    /* Compatibility Ideographs */
	{0x20000, 0x2EE5F, 0x6E00},  /* Ext B to F, Ext I */
	{0x30000, 0x323AF, 0x15C60}, /* Ext G, Ext H */
};
#define PY_SLOTS 0x18010u
_Static_assert(0x6C00 == 0x9FFF - 0x3400 + 1 && 0x6E00 == 0x6C00 + 0x200 &&
		       0x15C60 == 0x6E00 + 0x2EE5F - 0x20000 + 1 &&
		       PY_SLOTS == 0x15C60 + 0x323AF - 0x30000 + 1,
	       "py_blocks: each base follows the previous block");
#define PY_KNOWN (UINT64_C(1) << 63)

static _Atomic uint64_t py_slots[PY_SLOTS];

static _Atomic uint64_t *py_slot(uint32_t cp)
{
	for (size_t i = 0; i < sizeof py_blocks / sizeof py_blocks[0]; i++)
		if (cp >= py_blocks[i].lo && cp <= py_blocks[i].hi)
			return &py_slots[py_blocks[i].base + (cp - py_blocks[i].lo)];
	return NULL;
}

/* The slot word of a reading; 0 if it is not letters a-z (not cached). */
static uint64_t py_pack(const char *r)
{
	uint64_t v = PY_KNOWN;
	for (int i = 0; r[i]; i++) {
		if (r[i] < 'a' || r[i] > 'z' || i >= GX_PY_SYL_MAX - 1)
			return 0;
		v |= (uint64_t)(r[i] - 'a' + 1) << (5 * i);
	}
	return v;
}

static void py_unpack(uint64_t v, char *out)
{
	int n = 0;
	for (; n < GX_PY_SYL_MAX - 1 && ((v >> (5 * n)) & 31); n++)
		out[n] = (char)('a' - 1 + ((v >> (5 * n)) & 31));
	out[n] = '\0';
}

int gx_pinyin_icu_cached(struct gx_text_worker *w, uint32_t cp, char *out)
{
	_Atomic uint64_t *slot = py_slot(cp);
	uint64_t v = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
	if (v & PY_KNOWN) {
		py_unpack(v, out);
		return 0;
	}
	int err = gx_pinyin_icu(w, cp, out);
	if (!err && slot && (v = py_pack(out)) != 0)
		atomic_store_explicit(slot, v, memory_order_relaxed);
	return err;
}

int gx_pinyin_cached_blocks(uint32_t *lo, uint32_t *hi, int max)
{
	int n = (int)(sizeof py_blocks / sizeof py_blocks[0]);
	for (int i = 0; i < n && i < max; i++) {
		lo[i] = py_blocks[i].lo;
		hi[i] = py_blocks[i].hi;
	}
	return n;
}

/* ---- readings ------------------------------------------------------------- */

/* Adds one reading (len bytes) unless present or the list is full. */
static void add(struct gx_py_char *c, const char *r, size_t len)
{
	if (len == 0 || len >= GX_PY_SYL_MAX || c->n >= GX_PY_READINGS_MAX)
		return;
	for (int i = 0; i < c->n; i++)
		if (strlen(c->r[i]) == len && memcmp(c->r[i], r, len) == 0)
			return;
	memcpy(c->r[c->n], r, len);
	c->r[c->n][len] = '\0';
	c->n++;
}

/* Adds each reading of a space-separated list. */
static void add_list(struct gx_py_char *c, const char *list)
{
	while (list && *list) {
		size_t len = strcspn(list, " ");
		add(c, list, len);
		list += len;
		list += strspn(list, " ");
	}
}

/* Users type ü as "v" (input methods) or as "u": index both. */
static void add_u_spellings(struct gx_py_char *c)
{
	int n = c->n;
	struct gx_py_char out = {0};
	for (int i = 0; i < n; i++) {
		add(&out, c->r[i], strlen(c->r[i]));
		char *v = strchr(c->r[i], 'v');
		if (v) {
			char u[GX_PY_SYL_MAX];
			memcpy(u, c->r[i], sizeof u);
			u[v - c->r[i]] = 'u';
			add(&out, u, strlen(u));
		}
	}
	*c = out;
}

static const struct gx_compound_surname *compound(const uint32_t *cps,
						   size_t n)
{
	if (n < 2)
		return NULL;
	for (size_t i = 0; i < gx_compound_surnames_n; i++)
		if (gx_compound_surnames[i].cp[0] == cps[0] &&
		    gx_compound_surnames[i].cp[1] == cps[1])
			return &gx_compound_surnames[i];
	return NULL;
}

static int readings(struct gx_text_worker *w, const uint32_t *cps, size_t n,
		    bool surname, bool cached, struct gx_py_char *out)
{
	const struct gx_compound_surname *cs = surname ? compound(cps, n) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct gx_py_char *c = &out[i];
		memset(c, 0, sizeof *c);
		char icu[GX_PY_SYL_MAX];
		int err = cached ? gx_pinyin_icu_cached(w, cps[i], icu)
				 : gx_pinyin_icu(w, cps[i], icu);
		if (err)
			return err;
		if (cs && i < 2)
			add_list(c, cs->readings[i]);
		if (surname && i == 0)
			add_list(c, gx_polyphone_find(gx_surnames, gx_surnames_n,
						      cps[0]));
		add(c, icu, strlen(icu)); /* none: no pinyin, c->n may stay 0 */
		add_list(c, gx_polyphone_find(gx_polyphones, gx_polyphones_n,
					      cps[i]));
		add_u_spellings(c);
	}
	return 0;
}

int gx_pinyin_readings(struct gx_text_worker *w, const uint32_t *cps,
		       size_t n, bool surname, struct gx_py_char *out)
{
	return readings(w, cps, n, surname, true, out);
}

int gx_pinyin_readings_uncached(struct gx_text_worker *w, const uint32_t *cps,
				size_t n, bool surname, struct gx_py_char *out)
{
	return readings(w, cps, n, surname, false, out);
}
