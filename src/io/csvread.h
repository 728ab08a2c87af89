/* csvread.h — streaming CSV reader for imports: detects encoding and
 * delimiter, converts to UTF-8, parses with libcsv and hands each record (or
 * a row error) to a callback, with bounded memory whatever the input. */
#ifndef GX_IO_CSVREAD_H
#define GX_IO_CSVREAD_H

#include "io/encoding.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defaults used when an option is 0. */
#define GX_CSV_DEFAULT_MAX_RECORD (1024u * 1024u) /* bytes of field content */
#define GX_CSV_DEFAULT_MAX_COLUMNS 1024u
#define GX_CSV_DEFAULT_SNIFF (64u * 1024u)

struct gx_csv_opts {
	size_t max_record;  /* content bytes of one record; 0 = 1 MiB */
	size_t max_field;   /* content bytes of one field; 0 = max_record */
	size_t max_columns; /* fields in one record; 0 = 1024 */
	size_t sniff_bytes; /* bytes examined to detect encoding/delimiter; 0 = 64 KiB */
	enum gx_encoding encoding; /* GX_ENC_AUTO (0) = detect */
	char delim;         /* ',', ';', '\t' or '|'; 0 = detect */
};

struct gx_csv_field {
	const char *data; /* UTF-8, NUL-terminated (never contains NUL) */
	size_t len;
};

struct gx_csv_record {
	const struct gx_csv_field *fields; /* valid only during the callback */
	size_t nfields;
	uint64_t line;  /* 1-based line on which the record starts */
	uint64_t index; /* 0-based record number, errored records included
			 * (the header, if any, is record 0) */
	bool blank;     /* every field is empty */
};

enum gx_csv_row_kind {
	GX_CSV_ROW_TOO_BIG = 1, /* record or field over max_record/max_field */
	GX_CSV_ROW_COLUMNS,     /* more than max_columns fields */
	GX_CSV_ROW_ENCODING,    /* invalid byte sequence for the file's encoding */
	GX_CSV_ROW_NUL,         /* NUL byte: binary junk in a text file */
	GX_CSV_ROW_QUOTE,       /* quoted field still open at end of file */
};

struct gx_csv_row_error {
	enum gx_csv_row_kind kind;
	int code;        /* GX_ETOOBIG (TOO_BIG, COLUMNS) or GX_EINVAL */
	uint64_t line;   /* line on which the record starts */
	uint64_t index;  /* record number, as in gx_csv_record */
	uint64_t offset; /* input byte offset of the bad bytes (ENCODING), else UINT64_MAX */
	const char *message; /* static English description */
};

/* Callbacks; each returns 0 to go on or a negative GX_E* code to stop the
 * read, which the feeding function then returns. A row error is not fatal:
 * the record is skipped and reading continues. */
struct gx_csv_handler {
	int (*record)(void *ud, const struct gx_csv_record *rec);
	int (*error)(void *ud, const struct gx_csv_row_error *err); /* may be NULL */
	void *ud;
};

struct gx_csv_info {
	enum gx_encoding encoding;
	int enc_confidence; /* 0..100, 100 when given explicitly or by a BOM */
	char delim;
	uint64_t records;   /* records delivered to handler.record */
	uint64_t errors;    /* row errors reported */
	uint64_t lines;     /* lines read */
	size_t peak_memory; /* largest parse-buffer memory held at once, bytes */
};

struct gx_csv_reader;

/* Creates a push reader: feed it the file's bytes in chunks of any size
 * (even one byte), then call finish. Detection waits for sniff_bytes of input
 * (or finish). opts may be NULL for defaults. The caller owns *out
 * (gx_csv_reader_free). Errors: GX_EINVAL (bad options or handler),
 * GX_ENOMEM. */
int gx_csv_reader_new(struct gx_csv_reader **out, const struct gx_csv_opts *opts,
		      const struct gx_csv_handler *h);
/* Parses the next len bytes, calling the handler for the records they
 * complete. Errors: GX_EUNSUPPORTED when the input is not text (binary file,
 * UTF-32) or the encoding is not available, GX_ENOMEM, or a callback's code.
 * After an error the reader must only be freed. */
int gx_csv_reader_feed(struct gx_csv_reader *r, const void *data, size_t len);
/* Ends the input: delivers the last record (a quoted field left open is a
 * GX_CSV_ROW_QUOTE row error). Same errors as feed. */
int gx_csv_reader_finish(struct gx_csv_reader *r);
/* Copies what the reader has found and counted so far. */
void gx_csv_reader_info(const struct gx_csv_reader *r, struct gx_csv_info *info);
/* Frees the reader; accepts NULL. */
void gx_csv_reader_free(struct gx_csv_reader *r);

/* A pull source: fills buf with up to cap bytes, sets *got (0 at end of
 * input) and returns 0, or a negative GX_E* code. */
typedef int (*gx_csv_source_fn)(void *ud, void *buf, size_t cap, size_t *got);

/* Reads a whole source through a reader. info may be NULL. Errors: as feed,
 * plus the source's codes. */
int gx_csv_read(gx_csv_source_fn src, void *src_ud, const struct gx_csv_opts *opts,
		const struct gx_csv_handler *h, struct gx_csv_info *info);
/* Reads the file at path. Errors: GX_ENOTFOUND (no such file), GX_EIO, and
 * those of gx_csv_read. */
int gx_csv_read_file(const char *path, const struct gx_csv_opts *opts,
		     const struct gx_csv_handler *h, struct gx_csv_info *info);
/* Reads data[0..len). Errors: as gx_csv_read. */
int gx_csv_read_mem(const void *data, size_t len, const struct gx_csv_opts *opts,
		    const struct gx_csv_handler *h, struct gx_csv_info *info);

/* Guesses the delimiter of UTF-8 CSV text from its first 20 records: for
 * each candidate (comma, semicolon, tab, pipe) count its occurrences outside
 * quoted fields on each record; the candidate whose most common non-zero
 * count is shared by the most records wins, then the one with the larger
 * count, then the order tab (when prefer_tab, e.g. for UTF-16 "Unicode text"),
 * comma, semicolon, tab, pipe. A record cut off by the end of the sample is
 * ignored unless at_eof. Text with none of them is one column: ','.
 * Never fails; *out always gets a delimiter. */
void gx_csv_detect_delim(const char *utf8, size_t len, bool at_eof, bool prefer_tab,
			 char *out);

#endif
