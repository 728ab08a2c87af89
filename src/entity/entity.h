/* entity.h — the metadata engine: each entity is a static table of field
 * descriptors, and one generic engine validates, creates, reads, updates
 * (optimistic concurrency), soft-deletes, restores, lists (filters, sort,
 * keyset pagination) and records field history and audit for all of them. */
#ifndef GX_ENTITY_ENTITY_H
#define GX_ENTITY_ENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"

struct gx_store;
struct gx_conn;
struct gx_stmt;

enum gx_ftype {
	GX_F_TEXT, GX_F_INT, GX_F_MONEY, GX_F_BOOL, GX_F_DATE, GX_F_DATETIME,
	GX_F_ENUM, GX_F_REF, GX_F_EMAIL, GX_F_PHONE,
	GX_F_JSON, /* an array or object, stored as JSON text */
};

enum {
	GX_FF_REQUIRED = 1 << 0,    /* must be given on create */
	GX_FF_READONLY = 1 << 1,    /* maintained by the system; clients cannot set it */
	GX_FF_HIDDEN = 1 << 2,      /* never leaves the server (password hashes) */
	GX_FF_FILTER = 1 << 3,      /* usable in filter[...] */
	GX_FF_SORT = 1 << 4,        /* usable in sort= */
	GX_FF_SEARCH = 1 << 5,      /* matched by q= */
	GX_FF_UNIQUE = 1 << 6,      /* unique per tenant (a unique index backs it) */
	GX_FF_CREATE_ONLY = 1 << 7, /* settable on create, fixed afterwards */
	GX_FF_VIRTUAL = 1 << 8,     /* input only, no column: a hook consumes it */
	GX_FF_SECRET = 1 << 9,      /* history and audit record "changed", not the value */
};

struct gx_field {
	const char *name;          /* snake_case API name and column name */
	enum gx_ftype type;
	unsigned flags;
	int max_len;               /* text: most code points (0 = 1000) */
	int64_t min, max;          /* numbers: range when min < max */
	const char *const *options;/* enum: allowed values, NULL-terminated */
	const char *ref;           /* ref: the entity it points to */
	const char *label[3];      /* zh-CN, zh-TW, en */
};

/* The request-scoped context every engine call runs in. */
struct gx_ctx {
	struct gx_store *store;
	struct gx_arena *arena;
	int64_t tenant_id;
	int64_t user_id;           /* 0 for the system (CLI, jobs) */
	const char *role;
	const char *ip;
	const char *request_id;
	/* during after_write on create: the validated input, virtual fields
	 * included */
	const json_t *values;
	/* the tenant's search tag (entity/search.c), read once: valid while
	 * search_tag_of equals tenant_id */
	int64_t search_tag, search_tag_of;
};

/* Validation and conflict details, collected as a JSON array of
 * {"field","code","message"} (the problem+json "errors" member). */
struct gx_errors {
	json_t *list;
};
void gx_errors_add(struct gx_errors *e, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A record-visibility condition a domain module adds to every read of an
 * entity (SQL naming the entity's table, with up to 6 int64 parameters);
 * sql NULL means no restriction. */
struct gx_visibility {
	const char *sql;
	int64_t args[6];
	int nargs;
};

/* A text a record is found by (see text/searchkey.h for the flags). */
struct gx_search_text {
	const char *text;
	unsigned flags;
};

struct gx_entity;
/* Hooks a domain module may give; each returns 0 or a GX_E* code. */
struct gx_entity_hooks {
	/* After generic validation: domain rules, and turning virtual fields into
	 * columns (values is the validated input, current the stored record or
	 * NULL on create). Add to errs and return GX_EINVAL to reject. */
	int (*before_write)(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			    json_t *values, const json_t *current, struct gx_errors *errs);
	/* After the write, in the same transaction (statistics, search keys). */
	int (*after_write)(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			   int64_t id, const json_t *before, const json_t *after,
			   struct gx_errors *errs);
	/* Who may see which records (called for every get and list). */
	int (*visibility)(const struct gx_ctx *ctx, struct gx_visibility *v);
	/* Search ranking of a found record for q (higher first; 0 = no match). */
	int (*rank)(const char *q, const json_t *record);
};

struct gx_entity {
	const char *name;            /* API resource and audit name: "users" */
	const char *table;
	const struct gx_field *fields;
	int nfields;
	const char *default_sort;    /* e.g. "-id" */
	bool search_index;           /* q= uses the search_terms index (CJK, pinyin) */
	bool custom_fields;          /* has tenant-defined custom fields ("custom") */
	const char *path;            /* URL segment when not the name ("custom-fields") */
	struct gx_entity_hooks hooks;
};

/* Looks up a field by name (NULL when unknown). */
const struct gx_field *gx_entity_field(const struct gx_entity *e, const char *name);

/* Validates input for create (is_create) or update. Unknown, read-only,
 * mistyped, too long, out-of-range and missing required fields are added to
 * errs. Returns 0 or GX_EINVAL. */
int gx_entity_validate(const struct gx_entity *e, const json_t *input, bool is_create,
		       struct gx_errors *errs);

/* Creates a record; *out gets the stored record (caller owns, json_decref).
 * GX_EINVAL with errs filled, GX_ECONFLICT on a unique clash (errs names the
 * field), GX_EDB. */
int gx_entity_create(struct gx_ctx *ctx, const struct gx_entity *e, const json_t *input,
		     json_t **out, struct gx_errors *errs);
/* The same inside c's open write transaction. */
int gx_entity_create_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			  const json_t *input, json_t **out, struct gx_errors *errs);
/* Reads one record of the context's tenant. GX_ENOTFOUND when missing or
 * (unless with_deleted) soft-deleted. */
int gx_entity_get(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, bool with_deleted,
		  json_t **out);
/* The same through a given connection (inside a write transaction). */
int gx_entity_get_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
		       int64_t id, bool with_deleted, json_t **out);
/* Applies a partial update when the stored version equals expected_version.
 * GX_ESTALE when it does not, GX_ENOTFOUND, GX_EINVAL (errs), GX_ECONFLICT. */
int gx_entity_update(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		     int64_t expected_version, const json_t *input, json_t **out,
		     struct gx_errors *errs);
/* Applies patch (trusted: no validation, no before_write hook) to a record
 * inside c's open write transaction, with history, audit and after_write.
 * For system changes (pool, merge, handover). Deleted records included. */
int gx_entity_update_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e,
			  int64_t id, const json_t *patch, json_t **out);
/* Soft-deletes a record inside c's open write transaction (system use). */
int gx_entity_delete_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id);
/* Restores a soft-deleted record inside c's open write transaction, as
 * gx_entity_restore does (version + 1, history, audit "restore",
 * after_write). GX_ENOTFOUND, GX_ECONFLICT (not deleted, or a unique value
 * is taken by another record now), GX_EDB. */
int gx_entity_restore_conn(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, int64_t id);
/* Soft delete (sets deleted_at) and restore. expected_version < 0 skips the
 * version check. */
int gx_entity_delete(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		     int64_t expected_version, struct gx_errors *errs);
int gx_entity_restore(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id, json_t **out,
		      struct gx_errors *errs);

/* A list request, parsed from the query string by gx_list_parse. */
#define GX_LIST_MAX_FILTERS 16
struct gx_list_filter {
	const struct gx_field *field; /* NULL for the system fields below */
	const char *column;
	enum gx_ftype type;
	const char *op;               /* "=", "<>", ">=", "<=", ">", "<", "in", "null" */
	const char *value;
};
struct gx_list_query {
	struct gx_list_filter filters[GX_LIST_MAX_FILTERS];
	int nfilters;
	const char *sort_column;
	enum gx_ftype sort_type;
	bool sort_desc;
	const char *q;
	bool sort_given;
	int limit;
	bool count;
	bool deleted;                 /* list the deleted records (trash) instead */
	const char *cursor_raw;
	bool has_cursor;
	bool cursor_null;
	const char *cursor_value;
	int64_t cursor_id;
	/* filters on custom fields (custom_values) */
	struct {
		const char *field, *op, *value;
		bool numeric;
	} custom[4];
	int ncustom;
	/* extra SQL condition a domain module adds (record visibility), with
	 * up to four int64 parameters */
	const char *extra_where;
	int64_t extra_args[4];
	int nextra;
};

/* Parses one query parameter into q. GX_EINVAL with errs filled for an
 * unknown or unfilterable field, bad operator, bad value or bad cursor. */
int gx_list_param(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q,
		  const char *key, const char *value, struct gx_errors *errs);
/* Checks what depends on several parameters (the cursor against the final
 * sort); call after the last gx_list_param. GX_EINVAL with errs filled. */
int gx_list_finish(struct gx_ctx *ctx, const struct gx_entity *e, struct gx_list_query *q,
		   struct gx_errors *errs);
/* Initialises q with the entity's default sort and limit 50. */
void gx_list_init(const struct gx_entity *e, struct gx_list_query *q);
/* Runs the list; *out = {"items":[...],"next_cursor":...,("total")}. */
int gx_entity_list(struct gx_ctx *ctx, const struct gx_entity *e, const struct gx_list_query *q,
		   json_t **out);

/* The field history of a record, newest first, keyset-paginated by id.
 * before_id 0 starts at the newest. */
int gx_entity_history(struct gx_ctx *ctx, const struct gx_entity *e, int64_t id,
		      int64_t before_id, int limit, json_t **out);

/* Writes one audit row (and nothing else) through c; used by the engine and
 * by non-entity writes (login, logout, API keys). before/after may be NULL. */
int gx_audit_write(struct gx_ctx *ctx, struct gx_conn *c, const char *action, const char *entity,
		   int64_t entity_id, const json_t *before, const json_t *after, int64_t *audit_id);

/* Replaces the search terms of a record with those of texts (in c's
 * transaction). */
int gx_search_reindex(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
		      const struct gx_search_text *texts, int n);
/* The same for a record created in c's transaction, which holds no terms
 * yet: nothing is read back to compare. */
int gx_search_index_new(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
			const struct gx_search_text *texts, int n);
/* Removes a record's search terms. */
int gx_search_remove(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id);

/* Converts the current row of st (columns named as fields of e, or typed by
 * the database when e is NULL) into JSON. */
json_t *gx_entity_row_json(const struct gx_entity *e, struct gx_stmt *st);

/* The entities registered by domain modules, looked up by API name. */
const struct gx_entity *gx_entity_find(const char *name);
void gx_entity_register(const struct gx_entity *e);

#endif
