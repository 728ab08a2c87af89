/* csvmap.h — maps the header row of an imported CSV to our field names:
 * normalised headers, a synonym table (Chinese Simplified and Traditional,
 * English, Salesforce and HubSpot exports), duplicate and ambiguous header
 * reports, and explicit user mappings that override. */
#ifndef GX_IO_CSVMAP_H
#define GX_IO_CSVMAP_H

#include "io/csvread.h"

#include <stddef.h>

enum gx_csvmap_target {
	GX_CSVMAP_CUSTOMER, /* code, name, kind, type, phone, ... tags */
	GX_CSVMAP_CONTACT,  /* customer_code, customer_name, first_name, ... notes */
};

/* Which product's export the header looks like (information only). */
enum gx_csvmap_source {
	GX_CSVMAP_SRC_GENERIC,
	GX_CSVMAP_SRC_SALESFORCE,
	GX_CSVMAP_SRC_HUBSPOT,
};

enum gx_csvmap_status {
	GX_CSVMAP_MAPPED,    /* by the synonym table */
	GX_CSVMAP_EXPLICIT,  /* by a user rule */
	GX_CSVMAP_UNMAPPED,  /* header not known for this target */
	GX_CSVMAP_IGNORED,   /* a user rule said to skip the column */
	GX_CSVMAP_EMPTY,     /* the header is empty */
	GX_CSVMAP_DUPLICATE, /* same normalised header as column `conflict` */
	GX_CSVMAP_AMBIGUOUS, /* its field is already taken by column `conflict` */
};

struct gx_csvmap_col {
	char *header;  /* the header as read (owned by the map) */
	char *key;     /* normalised form (owned by the map) */
	const char *field; /* static field name, NULL unless MAPPED or EXPLICIT */
	enum gx_csvmap_status status;
	int conflict;  /* column index for DUPLICATE/AMBIGUOUS, else -1 */
};

struct gx_csvmap {
	enum gx_csvmap_target target;
	enum gx_csvmap_source source;
	size_t ncols;
	struct gx_csvmap_col *cols;
	size_t nduplicate, nambiguous, nmapped;
};

/* A user's explicit mapping: the column by 0-based index (header NULL), or by
 * header text compared after normalisation (column -1). field NULL or ""
 * leaves the column out of the import. */
struct gx_csvmap_rule {
	int column;
	const char *header;
	const char *field;
};

/* Builds the mapping of a header row. Automatic mapping, after the rules:
 * the first column with a given normalised header keeps it and later ones
 * are DUPLICATE; a field may be taken by one column only (the higher
 * priority synonym wins — e.g. AccountNumber over Id for code — then the
 * leftmost; the others are AMBIGUOUS), except the multi-column fields
 * address, notes, tags and bank_account, which every matching column maps
 * to, in column order, for the importer to join. A rule beats any synonym.
 * The caller owns *out (gx_csvmap_free).
 * Errors: GX_EINVAL (a rule naming an unknown field, a column out of range
 * or a header not present), GX_ECONFLICT (two rules give one single-column
 * field), GX_ENOMEM. */
int gx_csvmap_build(struct gx_csvmap **out, enum gx_csvmap_target target,
		    const struct gx_csv_field *headers, size_t n,
		    const struct gx_csvmap_rule *rules, size_t nrules);
/* Frees a mapping; accepts NULL. */
void gx_csvmap_free(struct gx_csvmap *m);

/* Index of the first column mapped to field, or -1. */
int gx_csvmap_column(const struct gx_csvmap *m, const char *field);

/* Normalises a header into out (cap bytes, NUL-terminated): strips a BOM and
 * zero-width characters, folds full-width ASCII to ASCII and ASCII to lower
 * case, removes white space (ASCII, NBSP, ideographic space), underscores,
 * hyphens, dots, asterisks (the "required" mark of templates) and a trailing
 * colon (ASCII or full-width). *outlen gets the length (may be NULL).
 * Errors: GX_ETOOBIG if cap is too small (out holds a truncated key),
 * GX_EINVAL for NULL args. Invalid UTF-8 bytes are kept as they are. */
int gx_csvmap_normalize(const char *s, size_t len, char *out, size_t cap, size_t *outlen);

/* The field a header maps to for target (by the synonym table), or NULL
 * (also when out of memory). */
const char *gx_csvmap_lookup(enum gx_csvmap_target target, const char *header);

/* The target's field names (static array of *n strings). */
const char *const *gx_csvmap_fields(enum gx_csvmap_target target, size_t *n);

/* The static field name equal to name for target, or NULL if not a field. */
const char *gx_csvmap_field(enum gx_csvmap_target target, const char *name);

/* Static English names for logs and tests. */
const char *gx_csvmap_status_name(enum gx_csvmap_status s);
const char *gx_csvmap_source_name(enum gx_csvmap_source s);

#endif
