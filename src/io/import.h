/* import.h — imports customers and contacts from CSV (any encoding the
 * readers detect) or vCard through the entity engine, as one undoable batch:
 * header mapping (synonyms, field labels, custom fields, explicit and saved
 * rules), per-row conversion and validation, upsert by id, code, email or
 * phone, duplicate detection, dry run, skip-bad-rows and all-or-nothing
 * modes, a row-level error report, and undo. */
#ifndef GX_IO_IMPORT_H
#define GX_IO_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "entity/entity.h"
#include "io/csvread.h"

enum gx_import_mode {
	GX_IMPORT_SKIP_BAD = 0,       /* import the good rows, report the bad ones */
	GX_IMPORT_ALL_OR_NOTHING = 1, /* one bad row and nothing is imported */
};

/* How a row finds the record it updates. AUTO: the id column when mapped,
 * else the first mapped of code, email, phone (customers) or, within the
 * row's customer, email, mobile, phone, name (contacts). */
enum gx_import_key {
	GX_IMPORT_KEY_AUTO = 0,
	GX_IMPORT_KEY_ID,
	GX_IMPORT_KEY_CODE,
	GX_IMPORT_KEY_EMAIL,
	GX_IMPORT_KEY_PHONE,
	GX_IMPORT_KEY_NONE, /* every row is a new record */
};

/* What a new customer that looks like an existing one (the API's duplicate
 * check: same phone, email or name, or a similar name) becomes. */
enum gx_import_dups {
	GX_IMPORT_DUP_REPORT = 0, /* a row error naming the candidates (the API's 409) */
	GX_IMPORT_DUP_CREATE,     /* created anyway (the API's ?force=true) */
};

struct gx_import_progress {
	uint64_t bytes, total_bytes; /* input read so far, input size (0 = unknown) */
	uint64_t rows, created, updated, unchanged, failed;
};

struct gx_import_opts {
	const char *entity;     /* "customers" or "contacts" */
	const char *format;     /* "csv", "vcf" or NULL (by content) */
	const char *filename;   /* for the record, may be NULL */
	enum gx_import_mode mode;
	bool dry_run;           /* do everything, then roll back */
	enum gx_import_key key;
	enum gx_import_dups duplicates;
	/* explicit mapping, over the automatic one: a JSON object
	 * {"header or column number": "field" | "" (skip)}, or an array of
	 * {"column": n | "header": "...", "field": "..."}; fields are entity
	 * fields, "custom.NAME", and for contacts customer_code,
	 * customer_name, first_name, last_name. Borrowed. */
	const json_t *mapping;
	int64_t mapping_id;     /* a saved mapping (import_mappings) applied first */
	enum gx_encoding encoding; /* GX_ENC_AUTO = detect */
	char delimiter;         /* 0 = detect */
	/* contacts: the code of the customer for rows and cards that name
	 * none, and whether a customer named in a row but not found (or a
	 * card without one) is created */
	const char *customer;
	bool create_customers;
	int64_t owner_id;       /* customers: owner of the customers created */
	/* progress, called every 256 rows and at the end (may be NULL) */
	void (*progress)(void *ud, const struct gx_import_progress *p);
	void *progress_ud;
	/* set to non-zero from another thread to stop: the import then rolls
	 * back and fails with GX_EBUSY */
	volatile int *cancel;
};

/* Parses import options from JSON (the API's query parameters and the
 * multipart "options" part use the same names: entity, mode
 * (skip_bad|all_or_nothing), dry_run, key (auto|id|code|email|phone|none),
 * duplicates (report|create), mapping, mapping_id, encoding, delimiter,
 * customer, create_customers, owner_id, format, filename) into o; strings
 * point into in, which must outlive o. GX_EINVAL with errs. */
int gx_import_opts_parse(const json_t *in, struct gx_import_opts *o, struct gx_errors *errs);

/* Records a new batch (status running) for o in its own transaction and
 * sets *batch_id. GX_EINVAL (errs) for an unknown entity or mapping. */
int gx_import_begin(struct gx_ctx *ctx, const struct gx_import_opts *o, int64_t *batch_id,
		    struct gx_errors *errs);

/* Runs batch batch_id: reads src to its end and writes every row in ONE
 * transaction (each row in a savepoint), which commits only when the batch
 * succeeds (not a dry run, no bad row in all-or-nothing mode); otherwise
 * the database is left exactly as before. Then the batch's status, counts
 * and row errors are stored. *summary (caller owns; may be NULL) gets the
 * batch as gx_import_get returns it. total_bytes (0 if unknown) is for the
 * progress. Returns 0 when the batch ran (even with row errors), or the
 * fatal error that stopped it: GX_EINVAL (header problems, detail in the
 * summary's "error"), GX_EUNSUPPORTED (not text), GX_EBUSY (cancelled),
 * GX_EDB, GX_ENOMEM, or the source's code. */
int gx_import_execute(struct gx_ctx *ctx, int64_t batch_id, const struct gx_import_opts *o,
		      gx_csv_source_fn src, void *src_ud, uint64_t total_bytes, json_t **summary);

/* The batch as JSON: {id, entity, status, mode, dry_run, filename,
 * progress, summary, error, created_at, finished_at, undone_at, ...}.
 * GX_ENOTFOUND when not in the context's tenant. */
int gx_import_get(struct gx_ctx *ctx, int64_t batch_id, json_t **out);
/* Batches newest first: {"items": [...], "next_cursor": "<id>" | null}. */
int gx_import_list(struct gx_ctx *ctx, int64_t before_id, int limit, json_t **out);

/* Writes the batch's row-error report as CSV (UTF-8 with BOM when bom):
 * import_line, import_errors, then the row's cells under the file's own
 * header, cells neutralised against formula injection. GX_ENOTFOUND. */
int gx_import_errors_csv(struct gx_ctx *ctx, int64_t batch_id, bool bom,
			 int (*sink)(void *ud, const char *s, size_t n), void *ud);

/* Undoes a finished batch in one transaction through the engine (history
 * and audit show it): records it created are soft-deleted, fields it
 * updated are restored where they still hold the imported value (fields
 * changed since are kept and counted as conflicts). *out = {batch,
 * deleted, restored, conflicts}. GX_ENOTFOUND, GX_ECONFLICT (errs) when
 * the batch is not done (running, failed, a dry run, undone already). */
int gx_import_undo(struct gx_ctx *ctx, int64_t batch_id, json_t **out, struct gx_errors *errs);

/* The saved mappings entity (/api/v1/import-mappings). */
extern const struct gx_entity gx_import_mappings_entity;

/* Name tables for options and summaries. */
const char *gx_import_mode_name(enum gx_import_mode m);
const char *gx_import_key_name(enum gx_import_key k);

#endif
