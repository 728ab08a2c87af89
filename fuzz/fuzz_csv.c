/* fuzz_csv.c — libFuzzer target over the CSV import path: encoding
 * detection and conversion, delimiter detection, the streaming reader with
 * small limits and random chunking, and header mapping of the first record.
 * Nothing may crash, leak or hang, and every delivered record must keep the
 * reader's promises (valid UTF-8, no NUL, limits, increasing lines). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/csvmap.h"
#include "io/csvread.h"
#include "io/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	struct gx_csv_opts o;
	uint64_t last_line, next_index;
	int mapped;
};

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c))                                                               \
			__builtin_trap();                                               \
	} while (0)

static int on_record(void *ud, const struct gx_csv_record *r)
{
	struct state *s = ud;
	size_t total = 0;
	CHECK(r->nfields >= 1 && r->nfields <= s->o.max_columns);
	CHECK(r->line >= s->last_line && r->line >= 1);
	CHECK(r->index == s->next_index);
	s->last_line = r->line;
	s->next_index = r->index + 1;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct gx_csv_field *f = &r->fields[i];
		CHECK(f->data[f->len] == '\0');
		CHECK(strlen(f->data) == f->len);
		CHECK(gx_enc_utf8_valid_prefix(f->data, f->len) == f->len);
		CHECK(f->len <= s->o.max_field);
		total += f->len;
	}
	CHECK(total <= s->o.max_record);
	if (!s->mapped) {
		s->mapped = 1;
		for (int t = 0; t < 2; t++) {
			struct gx_csvmap *m = NULL;
			struct gx_csvmap_rule rule = {0, NULL, t ? "name" : "notes"};
			if (gx_csvmap_build(&m, t ? GX_CSVMAP_CONTACT : GX_CSVMAP_CUSTOMER,
					    r->fields, r->nfields, &rule, 1) == 0) {
				CHECK(m->ncols == r->nfields);
				for (size_t i = 0; i < m->ncols; i++)
					CHECK(!m->cols[i].field ||
					      gx_csvmap_field(m->target, m->cols[i].field));
			}
			gx_csvmap_free(m);
		}
	}
	return 0;
}

static int on_error(void *ud, const struct gx_csv_row_error *e)
{
	struct state *s = ud;
	CHECK(e->line >= s->last_line && e->line >= 1);
	CHECK(e->index == s->next_index);
	CHECK(e->message != NULL);
	s->last_line = e->line;
	s->next_index = e->index + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t cfg = data[0], cfg2 = data[1];
	data += 2;
	size -= 2;

	struct gx_enc_guess g;
	gx_enc_detect(data, size, true, &g);
	char d;
	gx_csv_detect_delim((const char *)data, size, true, cfg & 1, &d);

	static const enum gx_encoding encs[] = {
		GX_ENC_AUTO, GX_ENC_UTF8, GX_ENC_UTF16LE, GX_ENC_UTF16BE,
		GX_ENC_GB18030, GX_ENC_BIG5, GX_ENC_CP1252, GX_ENC_AUTO,
	};
	static const char delims[] = {0, ',', ';', '\t'};
	struct state s = {0};
	s.o.max_record = 16 + (size_t)(cfg & 3) * 100;
	s.o.max_field = s.o.max_record - (size_t)((cfg >> 2) & 1) * 8;
	s.o.max_columns = 1 + (size_t)((cfg >> 3) & 3) * 4;
	s.o.encoding = encs[(cfg >> 5) & 7];
	s.o.delim = delims[cfg2 & 3];
	s.o.sniff_bytes = 1 + (size_t)((cfg2 >> 2) & 7) * 9;

	struct gx_csv_handler h = {on_record, on_error, &s};
	struct gx_csv_reader *r;
	if (gx_csv_reader_new(&r, &s.o, &h) != 0)
		return 0;
	/* the real option values (defaults filled in) are what limits apply */
	s.o.max_field = s.o.max_field && s.o.max_field <= s.o.max_record ? s.o.max_field
									    : s.o.max_record;
	size_t step = 1 + (cfg2 >> 5) * 5, off = 0;
	int rc = 0;
	while (off < size && !rc) {
		size_t n = size - off < step ? size - off : step;
		rc = gx_csv_reader_feed(r, data + off, n);
		off += n;
	}
	if (!rc)
		rc = gx_csv_reader_finish(r);
	CHECK(rc == 0 || rc == GX_EUNSUPPORTED);
	gx_csv_reader_free(r);
	return 0;
}
