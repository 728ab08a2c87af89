/* pinyin.c — every reading of a Han character: ICU's default, the polyphone
 * table and, for a person's family name, the surname readings. */
#include "text/text_impl.h"

#include "core/err.h"

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

int gx_pinyin_readings(struct gx_text_worker *w, const uint32_t *cps,
		       size_t n, bool surname, struct gx_py_char *out)
{
	const struct gx_compound_surname *cs = surname ? compound(cps, n) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct gx_py_char *c = &out[i];
		memset(c, 0, sizeof *c);
		char icu[GX_PY_SYL_MAX];
		int err = gx_pinyin_icu(w, cps[i], icu);
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
