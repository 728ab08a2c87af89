/* vcard.c — vCard reader (line splitting, unfolding, quoted-printable,
 * charsets, escapes, bounded memory for huge PHOTOs) and 3.0/4.0 writer. */
#include "io/vcard.h"

#include "core/err.h"
#include "io/encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_MAX_LINE (1024u * 1024u)
#define NAME_MAX_LEN 40

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------- */

struct sbuf {
	char *d;
	size_t len, cap;
	int oom;
};

static int sb_add(struct sbuf *b, const void *s, size_t n)
{
	if (b->oom)
		return GX_ENOMEM;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->d, cap);
		if (!d) {
			b->oom = 1;
			return GX_ENOMEM;
		}
		b->d = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

static int sb_adds(struct sbuf *b, const char *s)
{
	return sb_add(b, s, strlen(s));
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int has_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);
	return n >= pl && strncasecmp(s, p, pl) == 0;
}

static int eq_ci(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* ---------------------------------------------------------------------------
 * Cards
 * ------------------------------------------------------------------------- */

static void free_values(struct gx_vcard_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].value);
	free(v);
}

void gx_vcard_clear(struct gx_vcard *c)
{
	if (!c)
		return;
	free(c->fn);
	free(c->family);
	free(c->given);
	free(c->additional);
	free(c->prefix);
	free(c->suffix);
	free(c->org);
	free(c->org_unit);
	free(c->title);
	free(c->bday);
	free(c->note);
	free(c->uid);
	free_values(c->tel, c->ntel);
	free_values(c->email, c->nemail);
	free_values(c->url, c->nurl);
	for (size_t i = 0; i < c->nadr; i++) {
		struct gx_vcard_adr *a = &c->adr[i];
		free(a->po_box);
		free(a->extended);
		free(a->street);
		free(a->locality);
		free(a->region);
		free(a->postcode);
		free(a->country);
	}
	free(c->adr);
	memset(c, 0, sizeof *c);
}

/* Stores s (malloc'ed, may be NULL) in *dst unless *dst is already set or s
 * is empty; takes ownership of s either way. */
static void set_once(char **dst, char *s)
{
	if (!*dst && s && *s) {
		*dst = s;
		return;
	}
	free(s);
}

static char *unescape(const char *s, size_t n);

/* set_once of the unescaped text value v[0..n). */
static int set_text(char **dst, const char *v, size_t n)
{
	if (*dst)
		return 0;
	char *t = unescape(v, n);
	if (!t)
		return GX_ENOMEM;
	set_once(dst, t);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Value decoding
 * ------------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quoted-printable: =XX is a byte; '=' before a line end was already removed
 * when lines were joined; anything else is kept as it is. */
static char *qp_decode(const char *s, size_t n, size_t *outlen)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '=' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			o[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	*outlen = k;
	return o;
}

/* Unescapes a text value: \n \N \, \; \\ and the \: and \" that Google and
 * Apple write; other backslashes stay. Line breaks (CRLF, CR) become "\n".
 * Returns a malloc'ed string. */
static char *unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			if (e == 'n' || e == 'N') {
				o[k++] = '\n';
				i++;
				continue;
			}
			if (e == ',' || e == ';' || e == '\\' || e == ':' || e == '"') {
				o[k++] = e;
				i++;
				continue;
			}
		}
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
			c = '\n';
		}
		o[k++] = c;
	}
	o[k] = '\0';
	return o;
}

/* Splits a structured value on unescaped ';' into at most max components,
 * each unescaped (missing ones are NULL). Returns 0 or GX_ENOMEM. */
static int split_components(const char *s, size_t n, char **out, int max)
{
	int k = 0;
	size_t start = 0;
	for (int i = 0; i < max; i++)
		out[i] = NULL;
	for (size_t i = 0; i <= n && k < max; i++) {
		if (i < n && s[i] == '\\') {
			i++;
			continue;
		}
		if (i == n || s[i] == ';') {
			out[k] = unescape(s + start, i - start);
			if (!out[k]) {
				for (int j = 0; j < k; j++)
					free(out[j]);
				return GX_ENOMEM;
			}
			k++;
			start = i + 1;
		}
	}
	return 0;
}

static char *trim_take(char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s), a = 0;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
	return s;
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && y > 0)
		return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
	return d[m - 1];
}

/* Reads up to maxd digits; returns the count read. */
static int digits(const char *s, size_t n, size_t *i, int maxd, int *val)
{
	int k = 0, v = 0;
	while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	*val = v;
	return k;
}

static int is_date_sep(const char *s, size_t n, size_t *i)
{
	if (*i < n && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.')) {
		(*i)++;
		return 1;
	}
	/* 年 月 (E5 B9 B4, E6 9C 88) */
	if (*i + 3 <= n && (memcmp(s + *i, "\xE5\xB9\xB4", 3) == 0 ||
			    memcmp(s + *i, "\xE6\x9C\x88", 3) == 0)) {
		*i += 3;
		return 1;
	}
	return 0;
}

/* Parses the birthday forms producers write — 19800322, 1980-03-22,
 * 1980/3/22, 1980年3月22日, --0322, --03-22, with or without a time — into
 * "YYYY-MM-DD" or "--MM-DD" (buf of 11+ bytes). omit_year is Apple's
 * X-APPLE-OMIT-YEAR: that year means "no year". Returns 0 or GX_EINVAL. */
static int parse_date(const char *s, size_t n, int omit_year, char *buf)
{
	size_t i = 0;
	int y = 0, m = 0, d = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i + 2 <= n && s[i] == '-' && s[i + 1] == '-') {
		i += 2;
		if (digits(s, n, &i, 2, &m) != 2)
			return GX_EINVAL;
		is_date_sep(s, n, &i);
		if (digits(s, n, &i, 2, &d) < 1)
			return GX_EINVAL;
	} else {
		int k = digits(s, n, &i, 8, &y);
		if (k == 8) {
			d = y % 100;
			m = y / 100 % 100;
			y /= 10000;
		} else if (k == 4) {
			if (!is_date_sep(s, n, &i) || digits(s, n, &i, 2, &m) < 1 ||
			    !is_date_sep(s, n, &i) || digits(s, n, &i, 2, &d) < 1)
				return GX_EINVAL;
			if (i + 3 <= n && memcmp(s + i, "\xE6\x97\xA5", 3) == 0) /* 日 */
				i += 3;
		} else {
			return GX_EINVAL;
		}
		if (omit_year && y == omit_year)
			y = 0;
		else if (y < 1)
			return GX_EINVAL;
	}
	/* whatever follows must be a time or nothing */
	if (i < n && s[i] != 'T' && s[i] != 't' && s[i] != ' ' && s[i] != '\t')
		return GX_EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > days_in(y, m))
		return GX_EINVAL;
	buf[0] = '\0';
	if (y) {
		char *p = buf;
		int v[3] = {y, m, d};
		int w[3] = {4, 2, 2};
		for (int f = 0; f < 3; f++) {
			if (f)
				*p++ = '-';
			for (int j = w[f] - 1, x = v[f]; j >= 0; j--, x /= 10)
				p[j] = (char)('0' + x % 10);
			p += w[f];
		}
		*p = '\0';
	} else {
		buf[0] = '-';
		buf[1] = '-';
		buf[2] = (char)('0' + m / 10);
		buf[3] = (char)('0' + m % 10);
		buf[4] = '-';
		buf[5] = (char)('0' + d / 10);
		buf[6] = (char)('0' + d % 10);
		buf[7] = '\0';
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------------- */

struct gx_vcard_reader {
	struct gx_vcard_opts o;
	struct gx_vcard_handler h;
	int stop, failed, done;

	/* physical line being read */
	char *pl;
	size_t pllen, plcap;
	int plover, pending_cr;
	uint64_t line;

	/* logical line (one property, unfolded) */
	char *ll;
	size_t lllen, llcap;
	int llover, llactive, llskip, llqp, llb64;
	uint64_t llline;

	int depth; /* 1 inside a card, more inside a nested (AGENT) card */
	struct gx_vcard card;
	uint64_t ncards;
};

struct prop {
	char name[NAME_MAX_LEN];
	unsigned types;
	char charset[48];
	int qp, b64, omit_year;
};

static void report(struct gx_vcard_reader *r, uint64_t line, const char *prop, int code,
		   const char *msg)
{
	if (r->stop || !r->h.error)
		return;
	struct gx_vcard_error e = {line, prop ? prop : "", code, msg};
	int rc = r->h.error(r->h.ud, &e);
	if (rc)
		r->stop = rc < 0 ? rc : GX_EINVAL;
}

static void skipped(struct gx_vcard_reader *r)
{
	if (r->depth == 1)
		r->card.skipped++;
}

static unsigned type_bit(const char *s, size_t n)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {
		{"home", GX_VCARD_HOME},   {"work", GX_VCARD_WORK},   {"cell", GX_VCARD_CELL},
		{"mobile", GX_VCARD_CELL}, {"voice", GX_VCARD_VOICE}, {"fax", GX_VCARD_FAX},
		{"pager", GX_VCARD_PAGER}, {"pref", GX_VCARD_PREF},   {"main", GX_VCARD_MAIN},
		{"text", GX_VCARD_TEXT},   {"video", GX_VCARD_VIDEO}, {"internet", GX_VCARD_INTERNET},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (eq_ci(s, n, t[i].name))
			return t[i].bit;
	return 0;
}

static void add_types(struct prop *p, const char *v, size_t n)
{
	size_t st = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || v[i] == ',') {
			size_t a = st, b = i;
			while (a < b && (v[a] == '"' || v[a] == ' '))
				a++;
			while (b > a && (v[b - 1] == '"' || v[b - 1] == ' '))
				b--;
			p->types |= type_bit(v + a, b - a);
			st = i + 1;
		}
	}
}

static void set_encoding(struct prop *p, const char *v, size_t n)
{
	if (eq_ci(v, n, "quoted-printable"))
		p->qp = 1;
	else if (eq_ci(v, n, "base64") || eq_ci(v, n, "b"))
		p->b64 = 1;
}

/* Parses "group.NAME;p1;p2=v" (head[0..n)) into p. */
static void parse_head(const char *s, size_t n, struct prop *p)
{
	memset(p, 0, sizeof *p);
	size_t i = 0, name_start = 0;
	while (i < n && s[i] != ';') {
		if (s[i] == '.')
			name_start = i + 1; /* drop the group ("item1.") */
		i++;
	}
	size_t nl = i - name_start;
	if (nl >= sizeof p->name)
		nl = sizeof p->name - 1;
	for (size_t k = 0; k < nl; k++) {
		char c = s[name_start + k];
		p->name[k] = (char)((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
	}
	while (i < n) {
		i++; /* skip ';' */
		size_t st = i, eq = 0;
		int q = 0;
		while (i < n && (q || s[i] != ';')) {
			if (s[i] == '"')
				q = !q;
			if (s[i] == '=' && !eq && !q)
				eq = i;
			i++;
		}
		const char *tok = s + st;
		size_t tl = i - st;
		if (!eq) { /* vCard 2.1 bare parameter: an encoding or a type */
			if (eq_ci(tok, tl, "quoted-printable") || eq_ci(tok, tl, "base64"))
				set_encoding(p, tok, tl);
			else
				add_types(p, tok, tl);
			continue;
		}
		const char *k = tok, *v = s + eq + 1;
		size_t kl = eq - st, vl = i - eq - 1;
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v++;
			vl -= 2;
		}
		if (eq_ci(k, kl, "type")) {
			add_types(p, v, vl);
		} else if (eq_ci(k, kl, "pref")) {
			p->types |= GX_VCARD_PREF;
		} else if (eq_ci(k, kl, "encoding")) {
			set_encoding(p, v, vl);
		} else if (eq_ci(k, kl, "charset")) {
			if (vl >= sizeof p->charset)
				vl = sizeof p->charset - 1;
			memcpy(p->charset, v, vl);
			p->charset[vl] = '\0';
		} else if (eq_ci(k, kl, "x-apple-omit-year")) {
			size_t j = 0;
			int y = 0;
			if (digits(v, vl, &j, 4, &y) == 4)
				p->omit_year = y;
		}
	}
}

/* Turns the raw value into UTF-8 text: quoted-printable first, then the
 * CHARSET (before unescaping, because Shift_JIS and Big5 have '\' as a
 * trail byte). *out is malloc'ed. Returns 0, GX_EINVAL/GX_EUNSUPPORTED for
 * an undecodable value, or GX_ENOMEM. */
static int decode_value(struct gx_vcard_reader *r, const struct prop *p, const char *v,
			size_t n, char **out, size_t *outlen)
{
	char *bytes;
	size_t bl;
	if (p->qp)
		bytes = qp_decode(v, n, &bl);
	else
		bytes = dup_n(v, bl = n);
	if (!bytes)
		return GX_ENOMEM;
	const char *cs = p->charset[0] ? p->charset : NULL;
	if (cs && (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
		   strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0))
		cs = NULL;
	if (!cs && gx_enc_utf8_valid_prefix(bytes, bl) == bl) {
		*out = bytes;
		*outlen = bl;
		return 0;
	}
	if (!cs)
		cs = r->o.default_charset;
	if (!cs) {
		struct gx_enc_guess g;
		int rc = gx_enc_detect(bytes, bl, true, &g);
		if (rc || g.enc == GX_ENC_UTF8) {
			free(bytes);
			return rc == GX_ENOMEM ? rc : GX_EINVAL;
		}
		cs = gx_enc_name(g.enc);
	}
	int rc = gx_enc_convert_take(cs, bytes, bl, out, outlen, NULL);
	free(bytes);
	return rc;
}

static int add_value(struct gx_vcard_value **arr, size_t *n, char *v, unsigned types)
{
	if (!v || !*v) {
		free(v);
		return 0;
	}
	struct gx_vcard_value *a = realloc(*arr, (*n + 1) * sizeof **arr);
	if (!a) {
		free(v);
		return GX_ENOMEM;
	}
	*arr = a;
	a[*n].value = v;
	a[*n].types = types;
	(*n)++;
	return 0;
}

/* Trims a value and strips a URI scheme such as "tel:" or "mailto:" in
 * place, as often as it appears, so that what is kept never starts with it
 * (and reads back the same after writing). */
static char *clean_uri(char *v, const char *scheme)
{
	size_t n = strlen(scheme);
	for (;;) {
		v = trim_take(v);
		if (!v || n == 0 || strncasecmp(v, scheme, n) != 0)
			return v;
		memmove(v, v + n, strlen(v + n) + 1);
	}
}

static int apply_property(struct gx_vcard_reader *r, const struct prop *p, const char *v,
			  size_t n)
{
	struct gx_vcard *c = &r->card;
	const char *nm = p->name;
	char *comp[7];
	int rc = 0;
	if (strcmp(nm, "VERSION") == 0) {
		c->version = has_prefix_ci(v, n, "2.1") ? 21 : has_prefix_ci(v, n, "3.0") ? 30
			   : has_prefix_ci(v, n, "4.0")  ? 40 : 0;
	} else if (strcmp(nm, "FN") == 0) {
		return set_text(&c->fn, v, n);
	} else if (strcmp(nm, "N") == 0) {
		if (c->family || c->given || c->additional || c->prefix || c->suffix)
			return 0; /* the first N wins (4.0 ALTID variants) */
		if ((rc = split_components(v, n, comp, 5)) != 0)
			return rc;
		set_once(&c->family, comp[0]);
		set_once(&c->given, comp[1]);
		set_once(&c->additional, comp[2]);
		set_once(&c->prefix, comp[3]);
		set_once(&c->suffix, comp[4]);
	} else if (strcmp(nm, "ORG") == 0) {
		if (c->org || c->org_unit)
			return 0;
		if ((rc = split_components(v, n, comp, 2)) != 0)
			return rc;
		set_once(&c->org, comp[0]);
		set_once(&c->org_unit, comp[1]);
	} else if (strcmp(nm, "TITLE") == 0) {
		return set_text(&c->title, v, n);
	} else if (strcmp(nm, "UID") == 0) {
		return set_text(&c->uid, v, n);
	} else if (strcmp(nm, "NOTE") == 0) {
		char *t = unescape(v, n);
		if (!t)
			return GX_ENOMEM;
		if (!*t) {
			free(t);
		} else if (!c->note) {
			c->note = t;
		} else {
			size_t a = strlen(c->note), b = strlen(t);
			char *j = realloc(c->note, a + b + 2);
			if (!j) {
				free(t);
				return GX_ENOMEM;
			}
			j[a] = '\n';
			memcpy(j + a + 1, t, b + 1);
			c->note = j;
			free(t);
		}
	} else if (strcmp(nm, "TEL") == 0 || strcmp(nm, "EMAIL") == 0 || strcmp(nm, "URL") == 0) {
		char *t = unescape(v, n);
		if (!t)
			return GX_ENOMEM;
		t = clean_uri(t, nm[0] == 'T' ? "tel:" : nm[0] == 'E' ? "mailto:" : "");
		rc = nm[0] == 'T'   ? add_value(&c->tel, &c->ntel, t, p->types)
		     : nm[0] == 'E' ? add_value(&c->email, &c->nemail, t, p->types)
				    : add_value(&c->url, &c->nurl, t, p->types);
	} else if (strcmp(nm, "ADR") == 0) {
		if ((rc = split_components(v, n, comp, 7)) != 0)
			return rc;
		int any = 0;
		for (int i = 0; i < 7; i++) {
			if (comp[i] && !*comp[i]) {
				free(comp[i]);
				comp[i] = NULL;
			}
			any |= comp[i] != NULL;
		}
		struct gx_vcard_adr *a = any ? realloc(c->adr, (c->nadr + 1) * sizeof *a) : NULL;
		if (!a) {
			for (int i = 0; i < 7; i++)
				free(comp[i]);
			return any ? GX_ENOMEM : 0;
		}
		c->adr = a;
		a += c->nadr++;
		*a = (struct gx_vcard_adr){comp[0], comp[1], comp[2], comp[3],
					   comp[4], comp[5], comp[6], p->types};
	} else if (strcmp(nm, "BDAY") == 0) {
		char buf[16];
		if (c->bday)
			return 0;
		if (parse_date(v, n, p->omit_year, buf) != 0)
			return GX_EINVAL;
		c->bday = dup_n(buf, strlen(buf));
		if (!c->bday)
			return GX_ENOMEM;
	} else {
		skipped(r);
	}
	return 0;
}

static void emit_card(struct gx_vcard_reader *r)
{
	r->ncards++;
	int rc = r->h.card(r->h.ud, &r->card);
	if (rc)
		r->stop = rc < 0 ? rc : GX_EINVAL;
	gx_vcard_clear(&r->card);
}

static void process_property(struct gx_vcard_reader *r, const char *s, size_t n)
{
	size_t colon = 0;
	int q = 0, found = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (s[i] == ':' && !q) {
			colon = i;
			found = 1;
			break;
		}
	}
	if (!found) {
		if (r->depth == 1) {
			skipped(r);
			report(r, r->llline, "", GX_EINVAL, "line without a colon ignored");
		}
		return;
	}
	struct prop p;
	parse_head(s, colon, &p);
	const char *v = s + colon + 1;
	size_t vl = n - colon - 1;
	if (strcmp(p.name, "BEGIN") == 0 && eq_ci(v, vl, "vcard")) {
		if (r->depth++ == 0) {
			gx_vcard_clear(&r->card);
			r->card.line = r->llline;
		}
		return;
	}
	if (strcmp(p.name, "END") == 0 && eq_ci(v, vl, "vcard")) {
		if (r->depth > 0 && --r->depth == 0)
			emit_card(r);
		return;
	}
	if (r->depth != 1)
		return; /* outside any card, or inside an embedded AGENT card */
	if (p.b64) {
		skipped(r);
		return;
	}
	char *val;
	size_t len;
	int rc = decode_value(r, &p, v, vl, &val, &len);
	if (rc == GX_ENOMEM) {
		r->stop = rc;
		return;
	}
	if (rc) {
		skipped(r);
		report(r, r->llline, p.name, rc,
		       rc == GX_EUNSUPPORTED ? "unknown CHARSET; property ignored"
					     : "value not valid in its charset; property ignored");
		return;
	}
	if (memchr(val, '\0', len)) {
		free(val);
		skipped(r);
		report(r, r->llline, p.name, GX_EINVAL, "NUL byte in value; property ignored");
		return;
	}
	rc = apply_property(r, &p, val, len);
	free(val);
	if (rc == GX_ENOMEM)
		r->stop = rc;
	else if (rc) {
		skipped(r);
		report(r, r->llline, p.name, rc, "value not understood; property ignored");
	}
}

static int buf_append(char **b, size_t *len, size_t *cap, size_t max, const char *s, size_t n,
		      int *over)
{
	if (*len + n > max) {
		n = *len < max ? max - *len : 0;
		*over = 1;
	}
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;
		while (c < *len + n + 1)
			c *= 2;
		if (c > max + 1)
			c = max + 1;
		char *d = realloc(*b, c);
		if (!d)
			return GX_ENOMEM;
		*b = d;
		*cap = c;
	}
	if (n)
		memcpy(*b + *len, s, n);
	*len += n;
	return 0;
}

static void ll_append(struct gx_vcard_reader *r, const char *s, size_t n, int over)
{
	if (over)
		r->llover = 1;
	if (buf_append(&r->ll, &r->lllen, &r->llcap, r->o.max_line, s, n, &r->llover))
		r->stop = GX_ENOMEM;
}

static void finish_logical(struct gx_vcard_reader *r)
{
	if (!r->llactive)
		return;
	r->llactive = 0;
	if (r->llskip)
		return;
	if (r->llover) {
		if (r->depth == 1) {
			skipped(r);
			report(r, r->llline, "", GX_ETOOBIG, "property longer than the limit; ignored");
		}
		return;
	}
	process_property(r, r->ll, r->lllen);
}

static int contains_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++)
		if (strncasecmp(s + i, w, wl) == 0)
			return 1;
	return 0;
}

static void start_logical(struct gx_vcard_reader *r, const char *s, size_t n, int over)
{
	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	if (n == 0)
		return;
	/* head: up to the first ':' outside quotes (in what we have of it) */
	size_t head = n;
	int q = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (s[i] == ':' && !q) {
			head = i;
			break;
		}
	}
	struct prop p;
	parse_head(s, head, &p);
	r->llactive = 1;
	r->llline = r->line;
	r->lllen = 0;
	r->llover = 0;
	r->llqp = p.qp;
	/* Binary values are never kept: PHOTO & co by name, anything else by
	 * its base64 encoding. A 2.1 BASE64 value may go on over unindented
	 * lines until a blank line. */
	r->llskip = p.b64 || strcmp(p.name, "PHOTO") == 0 || strcmp(p.name, "LOGO") == 0 ||
		    strcmp(p.name, "SOUND") == 0 || strcmp(p.name, "KEY") == 0;
	r->llb64 = r->llskip && contains_ci(s, head, "base64");
	if (r->llskip)
		skipped(r);
	else
		ll_append(r, s, n, over);
}

static void handle_physical(struct gx_vcard_reader *r, const char *s, size_t n, int over)
{
	if (r->llactive) {
		if (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
			if (!r->llskip)
				ll_append(r, s + 1, n - 1, over);
			return;
		}
		if (r->llqp && !r->llskip && r->lllen > 0 && r->ll[r->lllen - 1] == '=') {
			r->lllen--; /* quoted-printable soft line break */
			ll_append(r, s, n, over);
			return;
		}
		if (r->llb64) {
			size_t i = 0;
			while (i < n && (s[i] == ' ' || s[i] == '\t'))
				i++;
			if (i == n) {
				r->llb64 = 0; /* blank line ends a 2.1 base64 block */
				finish_logical(r);
				return;
			}
			if (!memchr(s, ':', n))
				return; /* raw base64 data */
		}
		finish_logical(r);
		if (r->stop)
			return;
	}
	start_logical(r, s, n, over);
}

static void end_physical(struct gx_vcard_reader *r)
{
	handle_physical(r, r->pl ? r->pl : "", r->pllen, r->plover);
	r->pllen = 0;
	r->plover = 0;
	r->line++;
}

int gx_vcard_reader_new(struct gx_vcard_reader **out, const struct gx_vcard_opts *opts,
			const struct gx_vcard_handler *h)
{
	if (!out || !h || !h->card)
		return GX_EINVAL;
	*out = NULL;
	struct gx_vcard_reader *r = calloc(1, sizeof *r);
	if (!r)
		return GX_ENOMEM;
	if (opts)
		r->o = *opts;
	if (!r->o.max_line)
		r->o.max_line = DEFAULT_MAX_LINE;
	r->h = *h;
	r->line = 1;
	*out = r;
	return 0;
}

void gx_vcard_reader_free(struct gx_vcard_reader *r)
{
	if (!r)
		return;
	free(r->pl);
	free(r->ll);
	gx_vcard_clear(&r->card);
	free(r);
}

uint64_t gx_vcard_reader_count(const struct gx_vcard_reader *r)
{
	return r ? r->ncards : 0;
}

int gx_vcard_reader_feed(struct gx_vcard_reader *r, const void *data, size_t len)
{
	if (!r || (!data && len))
		return GX_EINVAL;
	if (r->failed || r->done)
		return r->stop ? r->stop : GX_EINVAL;
	const char *s = data;
	size_t i = 0;
	while (i < len && !r->stop) {
		char ch = s[i];
		if (r->pending_cr) {
			if (ch == '\r') { /* CR CR LF, as some iOS exports have */
				i++;
				continue;
			}
			r->pending_cr = 0;
			end_physical(r);
			if (ch == '\n')
				i++;
			continue;
		}
		if (ch == '\r') {
			r->pending_cr = 1;
			i++;
			continue;
		}
		if (ch == '\n') {
			end_physical(r);
			i++;
			continue;
		}
		/* copy the run up to the next line end in one go */
		size_t j = i;
		while (j < len && s[j] != '\r' && s[j] != '\n')
			j++;
		if (buf_append(&r->pl, &r->pllen, &r->plcap, r->o.max_line, s + i, j - i, &r->plover))
			r->stop = GX_ENOMEM;
		i = j;
	}
	if (r->stop) {
		r->failed = 1;
		return r->stop;
	}
	return 0;
}

int gx_vcard_reader_finish(struct gx_vcard_reader *r)
{
	if (!r)
		return GX_EINVAL;
	if (r->failed)
		return r->stop ? r->stop : GX_EINVAL;
	if (r->done)
		return 0;
	if (r->pending_cr || r->pllen || r->plover) {
		r->pending_cr = 0;
		end_physical(r);
	}
	if (!r->stop)
		finish_logical(r);
	if (!r->stop && r->depth > 0) {
		report(r, r->card.line, "END", GX_EINVAL, "card not closed by END:VCARD; ignored");
		gx_vcard_clear(&r->card);
		r->depth = 0;
	}
	if (r->stop) {
		r->failed = 1;
		return r->stop;
	}
	r->done = 1;
	return 0;
}

int gx_vcard_parse_mem(const void *data, size_t len, const struct gx_vcard_opts *opts,
		       const struct gx_vcard_handler *h, uint64_t *ncards)
{
	struct gx_vcard_reader *r;
	int rc = gx_vcard_reader_new(&r, opts, h);
	if (rc)
		return rc;
	rc = gx_vcard_reader_feed(r, data, len);
	if (!rc)
		rc = gx_vcard_reader_finish(r);
	if (ncards)
		*ncards = r->ncards;
	gx_vcard_reader_free(r);
	return rc;
}

int gx_vcard_parse_file(const char *path, const struct gx_vcard_opts *opts,
			const struct gx_vcard_handler *h, uint64_t *ncards)
{
	if (!path)
		return GX_EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? GX_ENOTFOUND : GX_EIO;
	struct gx_vcard_reader *r;
	int rc = gx_vcard_reader_new(&r, opts, h);
	char *buf = rc ? NULL : malloc(65536);
	if (!rc && !buf)
		rc = GX_ENOMEM;
	while (!rc) {
		ssize_t n = read(fd, buf, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = GX_EIO;
		else if (n == 0)
			break;
		else
			rc = gx_vcard_reader_feed(r, buf, (size_t)n);
	}
	if (!rc)
		rc = gx_vcard_reader_finish(r);
	if (ncards)
		*ncards = r ? r->ncards : 0;
	free(buf);
	gx_vcard_reader_free(r);
	close(fd);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------- */

struct writer {
	gx_vcard_sink_fn sink;
	void *ud;
	int version;
	struct sbuf line; /* the property being built, unfolded */
	int rc;
};

static int valid_text(const char *s)
{
	return !s || gx_enc_utf8_valid_prefix(s, strlen(s)) == strlen(s);
}

static void w_esc(struct writer *w, const char *s)
{
	for (; s && *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case '\\': e = "\\\\"; break;
		case ',': e = "\\,"; break;
		case ';': e = "\\;"; break;
		case '\n': e = "\\n"; break;
		case '\r':
			if (s[1] == '\n')
				s++;
			e = "\\n";
			break;
		}
		if (e)
			sb_adds(&w->line, e);
		else
			sb_add(&w->line, s, 1);
	}
}

/* Sends the built line folded at 75 octets: each continuation starts with
 * one space, and no cut falls inside a UTF-8 character. */
static void w_flush(struct writer *w)
{
	const char *s = w->line.d ? w->line.d : "";
	size_t n = w->line.len, first = 1;
	if (w->line.oom && !w->rc)
		w->rc = GX_ENOMEM;
	while (!w->rc) {
		size_t budget = first ? 75 : 74, cut = n;
		if (cut > budget) {
			cut = budget;
			while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
				cut--;
		}
		if (!first)
			w->rc = w->sink(w->ud, " ", 1);
		if (!w->rc)
			w->rc = w->sink(w->ud, s, cut);
		if (!w->rc)
			w->rc = w->sink(w->ud, "\r\n", 2);
		s += cut;
		n -= cut;
		first = 0;
		if (n == 0)
			break;
	}
	w->line.len = 0;
}

static void w_types(struct writer *w, unsigned t)
{
	static const struct {
		unsigned bit;
		const char *v3, *v4;
	} names[] = {
		{GX_VCARD_HOME, "HOME", "home"},      {GX_VCARD_WORK, "WORK", "work"},
		{GX_VCARD_CELL, "CELL", "cell"},      {GX_VCARD_VOICE, "VOICE", "voice"},
		{GX_VCARD_FAX, "FAX", "fax"},         {GX_VCARD_PAGER, "PAGER", "pager"},
		{GX_VCARD_MAIN, "MAIN", "main"},      {GX_VCARD_TEXT, "TEXT", "text"},
		{GX_VCARD_VIDEO, "VIDEO", "video"},   {GX_VCARD_INTERNET, "INTERNET", NULL},
		{GX_VCARD_PREF, "PREF", NULL},
	};
	int any = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *nm = w->version == 40 ? names[i].v4 : names[i].v3;
		if (!(t & names[i].bit) || !nm)
			continue;
		sb_adds(&w->line, any ? "," : ";TYPE=");
		sb_adds(&w->line, nm);
		any = 1;
	}
	if (w->version == 40 && (t & GX_VCARD_PREF))
		sb_adds(&w->line, ";PREF=1");
}

static void w_text(struct writer *w, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	sb_adds(&w->line, name);
	sb_adds(&w->line, ":");
	w_esc(w, v);
	w_flush(w);
}

static void w_values(struct writer *w, const char *name, const struct gx_vcard_value *v,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].value || !*v[i].value)
			continue;
		sb_adds(&w->line, name);
		w_types(w, v[i].types);
		sb_adds(&w->line, ":");
		w_esc(w, v[i].value);
		w_flush(w);
	}
}

static void w_components(struct writer *w, const char *const *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			sb_adds(&w->line, ";");
		w_esc(w, v[i]);
	}
	w_flush(w);
}

int gx_vcard_write(const struct gx_vcard *c, int version, gx_vcard_sink_fn sink, void *ud)
{
	if (!c || !sink || (version != 30 && version != 40))
		return GX_EINVAL;
	const char *texts[] = {c->fn,  c->family, c->given, c->additional, c->prefix,
			       c->suffix, c->org, c->org_unit, c->title, c->bday,
			       c->note, c->uid};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (!valid_text(texts[i]))
			return GX_EINVAL;
	for (size_t i = 0; i < c->ntel; i++)
		if (!valid_text(c->tel[i].value))
			return GX_EINVAL;
	for (size_t i = 0; i < c->nemail; i++)
		if (!valid_text(c->email[i].value))
			return GX_EINVAL;
	for (size_t i = 0; i < c->nurl; i++)
		if (!valid_text(c->url[i].value))
			return GX_EINVAL;
	for (size_t i = 0; i < c->nadr; i++) {
		const struct gx_vcard_adr *a = &c->adr[i];
		const char *f[] = {a->po_box, a->extended, a->street, a->locality,
				   a->region, a->postcode, a->country};
		for (int k = 0; k < 7; k++)
			if (!valid_text(f[k]))
				return GX_EINVAL;
	}
	char bday[16] = "";
	if (c->bday && *c->bday && parse_date(c->bday, strlen(c->bday), 0, bday) != 0)
		return GX_EINVAL;
	char *fn = NULL;
	if (!c->fn || !*c->fn) {
		int rc = gx_vcard_display_name_take(c, &fn);
		if (rc && rc != GX_ENOTFOUND)
			return rc;
	}

	struct writer w = {sink, ud, version, {0}, 0};
	sb_adds(&w.line, "BEGIN:VCARD");
	w_flush(&w);
	sb_adds(&w.line, version == 40 ? "VERSION:4.0" : "VERSION:3.0");
	w_flush(&w);
	const char *n[] = {c->family, c->given, c->additional, c->prefix, c->suffix};
	sb_adds(&w.line, "N:");
	w_components(&w, n, 5);
	sb_adds(&w.line, "FN:");
	w_esc(&w, c->fn && *c->fn ? c->fn : fn);
	w_flush(&w);
	free(fn);
	if ((c->org && *c->org) || (c->org_unit && *c->org_unit)) {
		const char *o[] = {c->org, c->org_unit};
		sb_adds(&w.line, "ORG:");
		w_components(&w, o, c->org_unit && *c->org_unit ? 2 : 1);
	}
	w_text(&w, "TITLE", c->title);
	w_values(&w, "TEL", c->tel, c->ntel);
	w_values(&w, "EMAIL", c->email, c->nemail);
	for (size_t i = 0; i < c->nadr; i++) {
		const struct gx_vcard_adr *a = &c->adr[i];
		const char *f[] = {a->po_box, a->extended, a->street, a->locality,
				   a->region, a->postcode, a->country};
		sb_adds(&w.line, "ADR");
		w_types(&w, a->types);
		sb_adds(&w.line, ":");
		w_components(&w, f, 7);
	}
	w_values(&w, "URL", c->url, c->nurl);
	if (bday[0]) {
		char v[32];
		if (bday[0] == '-' && version == 40) { /* --MMDD */
			memcpy(v, "--", 2);
			memcpy(v + 2, bday + 2, 2);
			memcpy(v + 4, bday + 5, 3);
			sb_adds(&w.line, "BDAY:");
		} else if (bday[0] == '-') { /* Apple's year-less form */
			memcpy(v, "1604", 4);
			memcpy(v + 4, bday + 1, 7);
			sb_adds(&w.line, "BDAY;X-APPLE-OMIT-YEAR=1604:");
		} else if (version == 40) { /* YYYYMMDD */
			memcpy(v, bday, 4);
			memcpy(v + 4, bday + 5, 2);
			memcpy(v + 6, bday + 8, 3);
			sb_adds(&w.line, "BDAY:");
		} else {
			memcpy(v, bday, 11);
			sb_adds(&w.line, "BDAY:");
		}
		sb_adds(&w.line, v);
		w_flush(&w);
	}
	w_text(&w, "NOTE", c->note);
	w_text(&w, "UID", c->uid);
	sb_adds(&w.line, "END:VCARD");
	w_flush(&w);
	free(w.line.d);
	return w.rc;
}

static int sink_sbuf(void *ud, const char *s, size_t n)
{
	return sb_add(ud, s, n);
}

int gx_vcard_format_take(const struct gx_vcard *c, int version, char **out, size_t *len)
{
	if (!out)
		return GX_EINVAL;
	*out = NULL;
	struct sbuf b = {0};
	int rc = gx_vcard_write(c, version, sink_sbuf, &b);
	if (!rc && !b.d)
		rc = sb_add(&b, "", 0);
	if (rc) {
		free(b.d);
		return rc;
	}
	*out = b.d;
	if (len)
		*len = b.len;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Contact view
 * ------------------------------------------------------------------------- */

/* True if s holds a Han, kana or Hangul character (names written without a
 * space between family and given name). */
static int has_cjk(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p && p[i];) {
		unsigned c = p[i], cp;
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (len == 1) {
			i++;
			continue;
		}
		cp = c & (0x3Fu >> (len - 1));
		for (size_t k = 1; k < len; k++) {
			if (!p[i + k]) /* valid UTF-8 is checked elsewhere; never overrun */
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3Fu);
		}
		i += len;
		if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
		    (cp >= 0xF900 && cp <= 0xFAFF) || cp >= 0x20000)
			return 1;
	}
	return 0;
}

/* N as a display name: "张三" for CJK names, "John Doe" otherwise. */
static int compose_n(const struct gx_vcard *c, struct sbuf *b)
{
	const char *f = c->family && *c->family ? c->family : NULL;
	const char *g = c->given && *c->given ? c->given : NULL;
	if (!f && !g)
		return GX_ENOTFOUND;
	if (f && g && (has_cjk(f) || has_cjk(g))) {
		sb_adds(b, f);
		sb_adds(b, g);
	} else {
		if (g)
			sb_adds(b, g);
		if (f && g)
			sb_adds(b, " ");
		if (f)
			sb_adds(b, f);
	}
	return b->oom ? GX_ENOMEM : 0;
}

int gx_vcard_display_name_take(const struct gx_vcard *c, char **out)
{
	if (!c || !out)
		return GX_EINVAL;
	*out = NULL;
	struct sbuf b = {0};
	int rc = 0;
	if (c->fn && *c->fn)
		rc = sb_adds(&b, c->fn);
	else if ((rc = compose_n(c, &b)) != GX_ENOTFOUND)
		;
	else if (c->org && *c->org)
		rc = sb_adds(&b, c->org);
	else if (c->nemail && c->email[0].value && *c->email[0].value)
		rc = sb_adds(&b, c->email[0].value);
	else if (c->ntel && c->tel[0].value && *c->tel[0].value)
		rc = sb_adds(&b, c->tel[0].value);
	else
		rc = GX_ENOTFOUND;
	if (rc) {
		free(b.d);
		return rc;
	}
	*out = b.d;
	return 0;
}

/* The preferred value among those whose types include `want` and exclude
 * `avoid` (PREF first, then the first). */
static const char *pick(const struct gx_vcard_value *v, size_t n, unsigned want, unsigned avoid)
{
	const char *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].value || !*v[i].value || (v[i].types & want) != want || (v[i].types & avoid))
			continue;
		if (v[i].types & GX_VCARD_PREF)
			return v[i].value;
		if (!first)
			first = v[i].value;
	}
	return first;
}

int gx_vcard_contact_fields(const struct gx_vcard *c,
			    int (*fn)(void *ud, const char *field, const char *value), void *ud)
{
	if (!c || !fn)
		return GX_EINVAL;
	struct sbuf b = {0};
	const char *name = c->fn && *c->fn ? c->fn : NULL;
	int rc = 0;
	if (!name && compose_n(c, &b) == 0)
		name = b.d;
	if (b.oom)
		return GX_ENOMEM;
	const struct {
		const char *field, *value;
	} f[] = {
		{"name", name},
		{"first_name", c->given},
		{"last_name", c->family},
		{"title", c->title},
		{"phone", pick(c->tel, c->ntel, 0, GX_VCARD_CELL | GX_VCARD_FAX | GX_VCARD_PAGER)},
		{"mobile", pick(c->tel, c->ntel, GX_VCARD_CELL, 0)},
		{"email", pick(c->email, c->nemail, 0, 0)},
		{"birthday", c->bday},
		{"notes", c->note},
		{"customer_name", c->org},
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0] && !rc; i++)
		if (f[i].value && *f[i].value)
			rc = fn(ud, f[i].field, f[i].value);
	free(b.d);
	return rc;
}
