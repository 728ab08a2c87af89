/* export.h — exports any entity list (the list API's filters, sort and
 * search, record visibility included) to CSV, XLSX, vCard (contacts) or
 * iCalendar (activities), page by page in constant memory, with headers
 * from the field descriptors' labels (zh-CN, zh-TW, en) and the tenant's
 * custom fields as columns; and a CSV writer that neutralises formulas. */
#ifndef GX_IO_EXPORT_H
#define GX_IO_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entity/entity.h"

/* ---- CSV writing ------------------------------------------------------------ */

typedef int (*gx_sink_fn)(void *ud, const char *s, size_t n);

/* RFC 4180 CSV into a sink, buffered: fields quoted when they hold a
 * delimiter, quote or line break; CRLF row ends. A cell starting with
 * = + - @, TAB or CR (which Excel and LibreOffice would run as a formula:
 * "CSV injection") gets a leading ' — and so does one starting with ' so
 * that the importer, which removes that one quote, gets back exactly what
 * was exported. */
struct gx_csv_writer {
	gx_sink_fn sink;
	void *ud;
	char *buf;
	size_t len, cap;
	int cells; /* in the current row */
	int err;
};
void gx_csv_writer_init(struct gx_csv_writer *w, gx_sink_fn sink, void *ud);
/* Appends one cell (s[0..n), UTF-8). Errors: GX_ENOMEM, the sink's code. */
int gx_csv_writer_cell(struct gx_csv_writer *w, const char *s, size_t n);
/* Ends the row (CRLF). */
int gx_csv_writer_end_row(struct gx_csv_writer *w);
/* Sends what is buffered to the sink and frees the buffer (also after an
 * error, then returning it). */
int gx_csv_writer_flush(struct gx_csv_writer *w);
/* True when s would be neutralised. */
bool gx_csv_needs_guard(const char *s, size_t n);

/* ---- list exports ------------------------------------------------------------- */

enum gx_export_format { GX_EXPORT_CSV, GX_EXPORT_XLSX, GX_EXPORT_VCF, GX_EXPORT_ICS };

struct gx_export_opts {
	enum gx_export_format format;
	int lang;             /* 0 zh-CN, 1 zh-TW, 2 en: header labels, yes/no */
	bool bom;             /* CSV: UTF-8 byte-order mark (Excel on Windows) */
	const char *columns;  /* "name,phone,custom.grade" or NULL for all */
	int vcard_version;    /* 30 or 40 (default 30: what phones read best) */
	const char *tmpdir;   /* XLSX: where libxlsxwriter spills rows (NULL: TMPDIR) */
};

/* Parses "zh-CN", "zh-TW", "en" (also zh, zh-Hant, zh-HK, en-US ...) into
 * 0, 1, 2; -1 when unknown. */
int gx_export_lang(const char *s);

struct gx_export;

/* Starts an export of entity e's list q (copied; the strings it points to
 * must outlive the export) for ctx's caller. Search results come in the
 * list's sort order (not ranked), every page. ctx is copied: its store,
 * tenant, user and role must stay valid; the export has its own arena.
 * GX_EINVAL (an unknown column, or a format the entity has not: vCard is
 * for contacts, iCalendar for activities, XLSX goes through
 * gx_export_xlsx), GX_ENOMEM, GX_EDB. The caller owns *out
 * (gx_export_close). */
int gx_export_open(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   const struct gx_export_opts *o, struct gx_export **out);
/* The next piece of output (the header, then one page of 200 records at a
 * time, then the trailer): *data and *len valid until the next call; *len 0 at
 * the end. Errors from the list engine stop the export. */
int gx_export_next(struct gx_export *x, const char **data, size_t *len);
/* Records written so far. */
uint64_t gx_export_rows(const struct gx_export *x);
/* Ends an export; accepts NULL. */
void gx_export_close(struct gx_export *x);

/* The whole export into sink (CSV, vCard, iCalendar). *rows may be NULL. */
int gx_export_to_sink(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		      const struct gx_export_opts *o, gx_sink_fn sink, void *ud, uint64_t *rows);
/* An XLSX workbook at path (libxlsxwriter in constant-memory mode: rows go
 * to a temporary file as they are written), a sheet per 1,048,575 rows,
 * numbers and amounts as numbers, everything else as text cells (which a
 * spreadsheet never evaluates: no formula injection). */
int gx_export_xlsx(const struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   const struct gx_export_opts *o, const char *path, uint64_t *rows);

#endif
