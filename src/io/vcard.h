/* vcard.h — vCard 2.1/3.0/4.0 reader (streaming, as Apple, Google, Outlook
 * and Android write them) and 3.0/4.0 writer for contacts. */
#ifndef GX_IO_VCARD_H
#define GX_IO_VCARD_H

#include <stddef.h>
#include <stdint.h>

/* TYPE parameter values kept for TEL, EMAIL, ADR and URL (a bit set). */
enum {
	GX_VCARD_HOME = 1u << 0,
	GX_VCARD_WORK = 1u << 1,
	GX_VCARD_CELL = 1u << 2,
	GX_VCARD_VOICE = 1u << 3,
	GX_VCARD_FAX = 1u << 4,
	GX_VCARD_PAGER = 1u << 5,
	GX_VCARD_PREF = 1u << 6, /* TYPE=pref (2.1/3.0) or PREF=n (4.0) */
	GX_VCARD_MAIN = 1u << 7,
	GX_VCARD_TEXT = 1u << 8,
	GX_VCARD_VIDEO = 1u << 9,
	GX_VCARD_INTERNET = 1u << 10,
};

struct gx_vcard_value { /* one TEL, EMAIL or URL */
	char *value;
	unsigned types;
};

struct gx_vcard_adr {
	char *po_box, *extended, *street, *locality, *region, *postcode, *country;
	unsigned types;
};

/* A contact. All strings are UTF-8 without NUL bytes, unescaped, with line
 * breaks as "\n"; NULL when absent or empty. A parsed card owns its strings
 * (malloc'ed); a card built by the caller for the writer may point anywhere. */
struct gx_vcard {
	int version; /* 21, 30 or 40 as read (0 if no VERSION) */
	char *fn;
	char *family, *given, *additional, *prefix, *suffix; /* N */
	char *org, *org_unit; /* ORG: the name and the first unit */
	char *title;
	char *bday; /* "YYYY-MM-DD", or "--MM-DD" without a year */
	char *note; /* several NOTEs are joined with "\n" */
	char *uid;
	struct gx_vcard_value *tel, *email, *url;
	size_t ntel, nemail, nurl;
	struct gx_vcard_adr *adr;
	size_t nadr;
	uint64_t line; /* line of BEGIN:VCARD */
	unsigned skipped; /* properties ignored (unknown, binary, undecodable) */
};

/* Frees what a parsed card owns and zeroes it; accepts NULL. */
void gx_vcard_clear(struct gx_vcard *c);

struct gx_vcard_opts {
	/* Bytes of one unfolded property; longer ones are reported and skipped.
	 * 0 = 1 MiB. PHOTO, LOGO, SOUND and KEY, and any base64 value, are
	 * always skipped without being kept, whatever their size. */
	size_t max_line;
	/* Charset for 2.1/3.0 values that are not UTF-8 and carry no CHARSET
	 * parameter (any iconv name); NULL = guess with gx_enc_detect. */
	const char *default_charset;
};

struct gx_vcard_error {
	uint64_t line;        /* line where the property or card starts */
	const char *property; /* property name as written (may be "") */
	int code;             /* GX_EINVAL, GX_ETOOBIG or GX_EUNSUPPORTED */
	const char *message;  /* static English description */
};

/* Callbacks return 0 to go on or a negative GX_E* code to stop, which the
 * feeding function returns. The card is valid only during the call. A
 * property that cannot be decoded is reported to error (if not NULL) and
 * dropped; the card is still delivered. A card cut off by the end of the
 * input is reported and not delivered. */
struct gx_vcard_handler {
	int (*card)(void *ud, const struct gx_vcard *card);
	int (*error)(void *ud, const struct gx_vcard_error *err);
	void *ud;
};

struct gx_vcard_reader;

/* Creates a push reader; opts may be NULL. The caller owns *out
 * (gx_vcard_reader_free). Errors: GX_EINVAL, GX_ENOMEM. */
int gx_vcard_reader_new(struct gx_vcard_reader **out, const struct gx_vcard_opts *opts,
			const struct gx_vcard_handler *h);
/* Parses the next len bytes (any split). Memory stays bounded by max_line
 * whatever the input. Errors: GX_ENOMEM or a callback's code; afterwards
 * the reader must only be freed. */
int gx_vcard_reader_feed(struct gx_vcard_reader *r, const void *data, size_t len);
/* Ends the input. Same errors as feed. */
int gx_vcard_reader_finish(struct gx_vcard_reader *r);
/* Cards delivered so far. */
uint64_t gx_vcard_reader_count(const struct gx_vcard_reader *r);
/* Frees the reader; accepts NULL. */
void gx_vcard_reader_free(struct gx_vcard_reader *r);

/* Parses data[0..len) or the file at path; *ncards (may be NULL) gets the
 * number delivered. Errors: as feed; for files also GX_ENOTFOUND, GX_EIO. */
int gx_vcard_parse_mem(const void *data, size_t len, const struct gx_vcard_opts *opts,
		       const struct gx_vcard_handler *h, uint64_t *ncards);
int gx_vcard_parse_file(const char *path, const struct gx_vcard_opts *opts,
			const struct gx_vcard_handler *h, uint64_t *ncards);

/* Receives written text; returns 0 or a negative GX_E* code to stop. */
typedef int (*gx_vcard_sink_fn)(void *ud, const char *s, size_t n);

/* Writes one card as vCard 3.0 (version 30) or 4.0 (40): CRLF line ends,
 * text escaped (\\ \n \, \;), lines folded at 75 octets without splitting a
 * UTF-8 character; FN falls back to the display name, N is always written.
 * A year-less birthday is "--MMDD" in 4.0 and Apple's
 * X-APPLE-OMIT-YEAR=1604 form in 3.0. Errors: GX_EINVAL (bad version, NULL
 * card, invalid UTF-8 in a value), or the sink's code. */
int gx_vcard_write(const struct gx_vcard *c, int version, gx_vcard_sink_fn sink, void *ud);
/* Same, into a malloc'ed NUL-terminated string the caller frees.
 * Errors: those of gx_vcard_write, GX_ENOMEM. */
int gx_vcard_format_take(const struct gx_vcard *c, int version, char **out, size_t *len);

/* The name to show for a card: FN; else N as family+given for CJK names and
 * "given family" otherwise; else ORG; else the first EMAIL or TEL. *out is
 * malloc'ed (caller frees). Errors: GX_ENOTFOUND when the card has none of
 * them, GX_ENOMEM. */
int gx_vcard_display_name_take(const struct gx_vcard *c, char **out);

/* Hands the card's values to fn as contact fields (see csvmap.h): name,
 * first_name, last_name, title, phone (the preferred non-mobile, non-fax
 * TEL), mobile (the preferred CELL TEL), email (the preferred EMAIL),
 * birthday, notes, customer_name (ORG). Absent values are not passed.
 * Errors: GX_ENOMEM or fn's non-zero return. */
int gx_vcard_contact_fields(const struct gx_vcard *c,
			    int (*fn)(void *ud, const char *field, const char *value), void *ud);

#endif
