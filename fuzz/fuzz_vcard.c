/* fuzz_vcard.c — libFuzzer target over the vCard reader and writer: any
 * input parses without crash, leak or hang (with random chunking and a small
 * line limit), and every card it yields, written as 3.0 and 4.0, reads back
 * as one card with the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/encoding.h"
#include "io/vcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c))                                                               \
			__builtin_trap();                                               \
	} while (0)

static int same(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && strcmp(a, b) == 0;
}

static void check_text(const char *s)
{
	if (s) {
		CHECK(*s);
		CHECK(gx_enc_utf8_valid_prefix(s, strlen(s)) == strlen(s));
	}
}

struct rt {
	const struct gx_vcard *orig;
	int version, seen;
};

static void same_values(const struct gx_vcard_value *a, size_t na,
			const struct gx_vcard_value *b, size_t nb, unsigned mask)
{
	CHECK(na == nb);
	for (size_t i = 0; i < na; i++) {
		CHECK(same(a[i].value, b[i].value));
		CHECK((a[i].types & mask) == (b[i].types & mask));
	}
}

/* Compares the card read back (d) with the one that was written (c). */
static int compare(void *ud, const struct gx_vcard *d)
{
	struct rt *t = ud;
	const struct gx_vcard *c = t->orig;
	CHECK(t->seen++ == 0); /* exactly one card comes back */
	CHECK(d->version == t->version);
	char *name = NULL;
	if (c->fn)
		CHECK(same(c->fn, d->fn));
	else if (gx_vcard_display_name_take(c, &name) == 0)
		CHECK(same(name, d->fn));
	else
		CHECK(d->fn == NULL);
	free(name);
	CHECK(same(c->family, d->family) && same(c->given, d->given));
	CHECK(same(c->additional, d->additional) && same(c->prefix, d->prefix));
	CHECK(same(c->suffix, d->suffix));
	CHECK(same(c->org, d->org) && same(c->org_unit, d->org_unit));
	CHECK(same(c->title, d->title) && same(c->bday, d->bday));
	CHECK(same(c->note, d->note) && same(c->uid, d->uid));
	unsigned mask = t->version == 40 ? ~(unsigned)GX_VCARD_INTERNET : ~0u;
	same_values(c->tel, c->ntel, d->tel, d->ntel, mask);
	same_values(c->email, c->nemail, d->email, d->nemail, mask);
	same_values(c->url, c->nurl, d->url, d->nurl, mask);
	CHECK(c->nadr == d->nadr);
	for (size_t i = 0; i < c->nadr; i++) {
		const struct gx_vcard_adr *a = &c->adr[i], *b = &d->adr[i];
		CHECK(same(a->po_box, b->po_box) && same(a->extended, b->extended));
		CHECK(same(a->street, b->street) && same(a->locality, b->locality));
		CHECK(same(a->region, b->region) && same(a->postcode, b->postcode));
		CHECK(same(a->country, b->country));
		CHECK((a->types & mask) == (b->types & mask));
	}
	return 0;
}

static void roundtrip(const struct gx_vcard *c, int version)
{
	char *out;
	size_t len;
	CHECK(gx_vcard_format_take(c, version, &out, &len) == 0);
	struct rt t = {c, version, 0};
	struct gx_vcard_handler h = {compare, NULL, &t};
	struct gx_vcard_opts o = {.max_line = 1 << 24};
	CHECK(gx_vcard_parse_mem(out, len, &o, &h, NULL) == 0);
	CHECK(t.seen == 1);
	free(out);
}

static int on_card(void *ud, const struct gx_vcard *c)
{
	const char *t[] = {c->fn, c->family, c->given, c->additional, c->prefix, c->suffix,
			   c->org, c->org_unit, c->title, c->bday, c->note, c->uid};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		check_text(t[i]);
	roundtrip(c, 30);
	roundtrip(c, 40);
	return 0;
}

static int on_error(void *ud, const struct gx_vcard_error *e)
{
	CHECK(e->message && e->property);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t cfg = data[0];
	data++;
	size--;
	struct gx_vcard_opts o = {.max_line = (cfg & 1) ? 64 : 0,
				  .default_charset = (cfg & 2) ? "GB18030" : NULL};
	struct gx_vcard_handler h = {on_card, on_error, NULL};
	struct gx_vcard_reader *r;
	if (gx_vcard_reader_new(&r, &o, &h) != 0)
		return 0;
	size_t step = 1 + (size_t)(cfg >> 2) * 3, off = 0;
	int rc = 0;
	while (off < size && !rc) {
		size_t n = size - off < step ? size - off : step;
		rc = gx_vcard_reader_feed(r, data + off, n);
		off += n;
	}
	if (!rc)
		rc = gx_vcard_reader_finish(r);
	CHECK(rc == 0);
	gx_vcard_reader_free(r);
	return 0;
}
