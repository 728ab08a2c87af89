/* rowjson.c — a record's JSON text written straight from a statement row, the
 * same bytes as gx_entity_row_json + json_dumps (see rowjson.h). */
#include "entity/rowjson.h"

#include "core/err.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON scalars ------------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when the bytes
 * there are not one (RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF), as jansson's utf8_check_* decide. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0; /* a continuation byte, or an overlong 2-byte lead */
	if (c < 0xE0) {
		len = 2;
		cp = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		cp = c & 0x0F;
	} else if (c < 0xF5) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* A staging writer: pieces are gathered in a stack buffer and handed to the
 * gx_buf in a few large appends (a gx_buf_add per piece was a third of the
 * row's cost). */
struct jw {
	struct gx_buf *b;
	size_t n;
	int rc;
	char tmp[4096];
};

/* tmp is left as it is: "struct jw w = {.b = b}" zeroed all 4 KB of it
 * (~500 instructions a row). */
static inline void jw_init(struct jw *w, struct gx_buf *b)
{
	w->b = b;
	w->n = 0;
	w->rc = 0;
}

static void jw_flush(struct jw *w)
{
	if (!w->rc && w->n)
		w->rc = gx_buf_add(w->b, w->tmp, w->n);
	w->n = 0;
}

static void jw_put_slow(struct jw *w, const void *p, size_t n)
{
	if (w->rc)
		return;
	jw_flush(w);
	if (n > sizeof w->tmp) {
		if (!w->rc)
			w->rc = gx_buf_add(w->b, p, n);
		return;
	}
	memcpy(w->tmp, p, n);
	w->n = n;
}

/* The common case inline: the piece fits the staging buffer (after an error
 * the pieces still land there, and are dropped at the flush). */
static inline void jw_put(struct jw *w, const void *p, size_t n)
{
	if (n <= sizeof w->tmp - w->n) {
		memcpy(w->tmp + w->n, p, n);
		w->n += n;
		return;
	}
	jw_put_slow(w, p, n);
}

static inline void jw_byte(struct jw *w, char c)
{
	if (w->n < sizeof w->tmp)
		w->tmp[w->n++] = c;
	else
		jw_put_slow(w, &c, 1);
}

/* Non-zero when one of the 8 bytes of x needs a look of its own: below 0x20,
 * '"', '\\', or 0x80 and above. Exact when zero: the lowest such byte
 * always sets its high bit (no borrow reaches it from the clean bytes below). */
static inline uint64_t word_needs_look(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	uint64_t ctl = (x - ones * 0x20) & ~x;
	uint64_t is_q = (q - ones) & ~q, is_bs = (bs - ones) & ~bs;
	return (ctl | is_q | is_bs | x) & highs;
}

/* Appends the string literal of s[0..n) to w; GX_EINVAL (w unchanged) when s
 * is not well-formed UTF-8 or holds a NUL. One pass: what was written of a
 * refused string is taken back. */
static int jw_str(struct jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t blen0 = w->b->len, n0 = w->n; /* to take a refused string back */
	jw_byte(w, '"');
	size_t run = 0; /* start of the bytes not yet copied */
	for (size_t i = 0; i < n;) {
		if (n - i >= 8) { /* eight plain bytes at a time */
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (!word_needs_look(x)) {
				i += 8;
				continue;
			}
		}
		unsigned c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, n - i);
			if (!k)
				goto refuse;
			i += k;
			continue;
		}
		if (!c)
			goto refuse;
		jw_put(w, s + run, i - run);
		char esc[6] = {'\\', 0, '0', '0', 0, 0};
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		jw_put(w, esc, elen);
		run = ++i;
	}
	jw_put(w, s + run, n - run);
	jw_byte(w, '"');
	return 0;
refuse:
	if (w->b->len == blen0) {
		w->n = n0; /* all of it still in the staging buffer */
	} else {
		/* flushed on the way: the buffer's bytes since then go too */
		w->b->len = blen0 + n0;
		if (w->b->data)
			w->b->data[w->b->len] = '\0';
		w->n = 0;
	}
	return GX_EINVAL;
}

static void jw_int(struct jw *w, int64_t v)
{
	char d[24];
	int i = (int)sizeof d;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	jw_put(w, d + i, sizeof d - (size_t)i);
}

int gx_json_put_str(struct gx_buf *b, const char *s, size_t n)
{
	struct jw w;
	jw_init(&w, b);
	size_t start_len = b->len;
	int rc = jw_str(&w, s, n);
	if (rc)
		return rc;
	jw_flush(&w);
	if (w.rc) {
		b->len = start_len; /* unchanged on error */
		if (b->data)
			b->data[b->len] = '\0';
	}
	return w.rc;
}

int gx_json_put_int(struct gx_buf *b, int64_t v)
{
	struct jw w;
	jw_init(&w, b);
	jw_int(&w, v);
	jw_flush(&w);
	return w.rc;
}

/* ---- column plans ---------------------------------------------------------------------- */

enum col_kind { K_SKIP, K_INT, K_BOOL, K_JSON, K_TEXT, K_UNTYPED };

struct col {
	enum col_kind kind;
	bool is_version;
	char *name; /* the column's name, to check that a plan fits a statement */
	char *key;  /* ,"name": as JSON, with the comma that comes before it */
	size_t key_len;
};

/* How to write each column of a statement for an entity: gx_entity_field's
 * answer per column, found once per entity instead of per row. */
struct plan {
	const struct gx_entity *e;
	int ncols;
	bool fallback; /* duplicate column names: jansson keeps one, so let it */
	struct col cols[];
};

static void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->ncols; i++) {
		free(p->cols[i].name);
		free(p->cols[i].key);
	}
	free(p);
}

static enum col_kind kind_of(const struct gx_entity *e, const char *name)
{
	const struct gx_field *f = e ? gx_entity_field(e, name) : NULL;
	if (f && (f->flags & GX_FF_HIDDEN))
		return K_SKIP;
	if (!f)
		return K_UNTYPED;
	switch (f->type) {
	case GX_F_INT: case GX_F_MONEY: case GX_F_REF: return K_INT;
	case GX_F_BOOL: return K_BOOL;
	case GX_F_JSON: return K_JSON;
	default: return K_TEXT;
	}
}

static struct plan *plan_build(const struct gx_entity *e, struct gx_stmt *st)
{
	int n = gx_stmt_columns(st);
	struct plan *p = calloc(1, sizeof *p + (size_t)n * sizeof p->cols[0]);
	if (!p)
		return NULL;
	p->e = e;
	p->ncols = n;
	for (int i = 0; i < n; i++) {
		const char *name = gx_stmt_col_name(st, i);
		struct col *c = &p->cols[i];
		c->name = strdup(name ? name : "");
		if (!c->name) {
			plan_free(p);
			return NULL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(p->cols[j].name, c->name) == 0)
				p->fallback = true;
		c->kind = kind_of(e, c->name);
		c->is_version = strcmp(c->name, "version") == 0;
		struct gx_buf k;
		gx_buf_init(&k, 1 << 16);
		int rc = gx_buf_add(&k, ",", 1);
		if (!rc)
			rc = gx_json_put_str(&k, c->name, strlen(c->name));
		if (rc == GX_EINVAL) {
			gx_buf_free(&k);
			c->kind = K_SKIP; /* jansson refuses such a key: the column is left out */
			continue;
		}
		if (!rc)
			rc = gx_buf_add(&k, ":", 1);
		if (rc) {
			gx_buf_free(&k);
			plan_free(p);
			return NULL;
		}
		c->key_len = k.len;
		c->key = gx_buf_take(&k);
	}
	return p;
}

static bool plan_fits(const struct plan *p, const struct gx_entity *e, struct gx_stmt *st)
{
	if (p->e != e || p->ncols != gx_stmt_columns(st))
		return false;
	for (int i = 0; i < p->ncols; i++) {
		const char *name = gx_stmt_col_name(st, i);
		if (!name || strcmp(name, p->cols[i].name) != 0)
			return false;
	}
	return true;
}

/* Plans kept for the process's life, one per entity (the first statement
 * seen for it: the single-record GET's). Published with release stores,
 * read without the lock. */
#define PLAN_SLOTS 64
static struct plan *plans[PLAN_SLOTS];
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* The cached plan for e when it fits st; otherwise a new one the caller
 * frees (*owned set). NULL when out of memory. */
static struct plan *plan_get(const struct gx_entity *e, struct gx_stmt *st, bool *owned)
{
	*owned = false;
	int i = 0;
	for (; i < PLAN_SLOTS; i++) {
		struct plan *p = __atomic_load_n(&plans[i], __ATOMIC_ACQUIRE);
		if (!p)
			break;
		if (p->e == e) {
			/* checked once per statement: its columns are those of its
			 * SQL text, which does not change (17 column names a
			 * request otherwise) */
			if (gx_stmt_memo(st) == p)
				return p;
			if (plan_fits(p, e, st)) {
				gx_stmt_set_memo(st, p);
				return p;
			}
			i = PLAN_SLOTS; /* e's slot holds another statement's plan */
			break;
		}
	}
	struct plan *p = plan_build(e, st);
	if (!p || !e || i >= PLAN_SLOTS) {
		*owned = p != NULL;
		return p;
	}
	pthread_mutex_lock(&plan_lock);
	for (i = 0; i < PLAN_SLOTS; i++) {
		struct plan *q = plans[i];
		if (q && q->e == e)
			break; /* another thread was first */
		if (!q) {
			__atomic_store_n(&plans[i], p, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&plan_lock);
			gx_stmt_set_memo(st, p);
			return p;
		}
	}
	pthread_mutex_unlock(&plan_lock);
	*owned = true;
	return p;
}

/* ---- rows ---------------------------------------------------------------------------- */

static void put_json_column(struct jw *w, const char *text)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	if (!v) {
		jw_put(w, "null", 4);
		return;
	}
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	if (!s) {
		if (!w->rc)
			w->rc = GX_ENOMEM;
		return;
	}
	jw_put(w, s, strlen(s));
	free(s);
}

static void put_text_column(struct jw *w, const char *text)
{
	if (!text || jw_str(w, text, strlen(text)))
		jw_put(w, "null", 4);
}

/* The generic path, for statements whose columns jansson would fold. */
static int write_with_jansson(const struct gx_entity *e, struct gx_stmt *st, struct gx_buf *b, int64_t *version)
{
	json_t *o = gx_entity_row_json(e, st);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_t *v = o ? json_object_get(o, "version") : NULL;
	*version = json_integer_value(v);
	json_decref(o);
	if (!s)
		return GX_ENOMEM;
	int rc = gx_buf_adds(b, s);
	free(s);
	return rc;
}

int gx_rowjson_write(const struct gx_entity *e, struct gx_stmt *st, struct gx_buf *b, int64_t *version)
{
	*version = 0;
	bool owned;
	struct plan *p = plan_get(e, st, &owned);
	if (!p)
		return GX_ENOMEM;
	int rc = 0;
	if (p->fallback) {
		rc = write_with_jansson(e, st, b, version);
		goto out;
	}
	struct jw w;
	jw_init(&w, b);
	jw_byte(&w, '{');
	bool first = true;
	for (int i = 0; !w.rc && i < p->ncols; i++) {
		const struct col *c = &p->cols[i];
		if (c->kind == K_SKIP)
			continue;
		/* the key is kept with a comma before it */
		jw_put(&w, c->key + first, c->key_len - first);
		first = false;
		struct gx_col v;
		gx_stmt_col(st, i, &v);
		enum col_kind k = c->kind;
		if (k == K_UNTYPED)
			k = v.type == GX_COL_INT ? K_INT : K_TEXT;
		if (v.type == GX_COL_NULL) {
			jw_put(&w, "null", 4);
		} else if (k == K_INT || k == K_BOOL) {
			int64_t x = v.type == GX_COL_INT ? v.i : gx_stmt_col_int64(st, i);
			if (k == K_BOOL)
				jw_put(&w, x ? "true" : "false", x ? 4 : 5);
			else
				jw_int(&w, x);
			if (c->is_version && k == K_INT)
				*version = x;
		} else {
			const char *text = v.type == GX_COL_TEXT ? v.text : gx_stmt_col_text(st, i);
			if (k == K_JSON)
				put_json_column(&w, text);
			else
				put_text_column(&w, text);
		}
	}
	jw_byte(&w, '}');
	jw_flush(&w);
	rc = w.rc;
out:
	if (owned)
		plan_free(p);
	return rc;
}
