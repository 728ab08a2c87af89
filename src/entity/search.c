/* search.c — the search index of records: the terms text/searchkey.c
 * derives from a record's texts, replaced on every write in the write's own
 * transaction; on SQLite one FTS5 document per record (search_fts), on
 * PostgreSQL one row per term (search_terms); and the bulk form (search.h)
 * that collects the terms of many records and writes them at a flush. */
#include "entity/search.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "entity/entity.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the bulk ---------------------------------------------------------------------------------- */

/* One pending term; its text is bytes[off .. off + len). */
struct term_ent {
	int64_t tenant_id, record_id;
	uint32_t off;
	uint16_t len;
	uint8_t entity; /* index into bulk.entities */
	uint8_t dead;   /* replaced by a later reindex of its record */
};

/* The terms one reindex added: a later reindex of the record drops them. */
struct term_rec {
	int64_t tenant_id, record_id;
	size_t first, count;
	uint8_t entity;
};

#define BULK_ENTITIES 16
#define BULK_ROWS_PER_INSERT 64 /* 256 parameters: well under SQLite's and PostgreSQL's limits */

struct bulk {
	struct gx_conn *c;
	struct term_ent *ents;
	size_t n, cap;
	char *bytes;
	size_t nbytes, capbytes;
	struct term_rec *recs;
	size_t nrecs, caprecs;
	uint32_t *slots; /* open addressing: the latest rec of a record, as index + 1; 0 empty */
	size_t nslots;   /* a power of two, at least twice nrecs (0: none yet) */
	char entities[BULK_ENTITIES][32];
	int nentities;
};

/* Per thread: an import runs on one thread with one connection. */
static _Thread_local struct bulk *tl_bulk;

static struct bulk *bulk_of(struct gx_conn *c)
{
	return tl_bulk && tl_bulk->c == c ? tl_bulk : NULL;
}

static int pg_bulk_begin(struct gx_conn *c)
{
	if (tl_bulk)
		return GX_EBUSY;
	struct bulk *b = calloc(1, sizeof *b);
	if (!b)
		return GX_ENOMEM;
	b->c = c;
	tl_bulk = b;
	return 0;
}

/* ---- the records of the bulk, by key --------------------------------------------------------- */

static size_t rec_hash(int64_t tenant_id, uint8_t entity, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15u ^ (uint64_t)tenant_id * 0xC2B2AE3D27D4EB4Fu ^ entity;
	return (size_t)(h ^ h >> 29);
}

/* The slot of a record: the one holding its rec, else the empty one where
 * it goes. nslots > 0. */
static uint32_t *slot_of(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id)
{
	size_t mask = b->nslots - 1;
	for (size_t i = rec_hash(tenant_id, entity, id) & mask;; i = (i + 1) & mask) {
		uint32_t v = b->slots[i];
		if (!v)
			return &b->slots[i];
		const struct term_rec *r = &b->recs[v - 1];
		if (r->record_id == id && r->tenant_id == tenant_id && r->entity == entity)
			return &b->slots[i];
	}
}

/* Sizes the table to nslots (a power of two) and enters every rec, a later
 * rec of a record replacing an earlier one. */
static int slots_rebuild(struct bulk *b, size_t nslots)
{
	if (!nslots)
		return 0;
	if (nslots != b->nslots) {
		uint32_t *v = calloc(nslots, sizeof *v);
		if (!v)
			return GX_ENOMEM;
		free(b->slots);
		b->slots = v;
		b->nslots = nslots;
	} else {
		memset(b->slots, 0, nslots * sizeof *b->slots);
	}
	for (size_t i = 0; i < b->nrecs; i++) {
		const struct term_rec *r = &b->recs[i];
		*slot_of(b, r->tenant_id, r->entity, r->record_id) = (uint32_t)(i + 1);
	}
	return 0;
}

static size_t pg_bulk_pending(struct gx_conn *c)
{
	struct bulk *b = bulk_of(c);
	return b ? b->n : 0;
}

static void pg_bulk_truncate(struct gx_conn *c, size_t mark)
{
	struct bulk *b = bulk_of(c);
	if (!b || mark >= b->n)
		return;
	b->nbytes = b->ents[mark].off;
	b->n = mark;
	while (b->nrecs && b->recs[b->nrecs - 1].first >= mark)
		b->nrecs--;
	if (b->nrecs) {
		struct term_rec *r = &b->recs[b->nrecs - 1];
		if (r->first + r->count > mark)
			r->count = mark - r->first;
	}
	slots_rebuild(b, b->nslots); /* drop the slots of the recs cut off */
}

static int entity_index(struct bulk *b, const char *entity, uint8_t *out)
{
	for (int i = 0; i < b->nentities; i++)
		if (!strcmp(b->entities[i], entity)) {
			*out = (uint8_t)i;
			return 0;
		}
	if (b->nentities == BULK_ENTITIES || strlen(entity) >= sizeof b->entities[0])
		return GX_ETOOBIG;
	memcpy(b->entities[b->nentities], entity, strlen(entity) + 1); /* length checked above */
	*out = (uint8_t)b->nentities++;
	return 0;
}

/* Marks the pending terms of a record dead (it is being reindexed or
 * removed). Only its latest rec can hold live terms: each reindex forgets
 * the one before. */
static void bulk_forget(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id)
{
	if (!b->nslots)
		return;
	uint32_t v = *slot_of(b, tenant_id, entity, id);
	if (!v)
		return;
	struct term_rec *r = &b->recs[v - 1];
	for (size_t k = r->first; k < r->first + r->count; k++)
		b->ents[k].dead = 1;
	r->count = 0;
}

/* Records the terms ents[first ..] as the latest rec of a record. */
static int bulk_rec(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id, size_t first)
{
	if (b->nrecs == b->caprecs) {
		size_t cap = b->caprecs ? b->caprecs * 2 : 1024;
		if (cap > UINT32_MAX - 1)
			return GX_ETOOBIG;
		struct term_rec *r = realloc(b->recs, cap * sizeof *r);
		if (!r)
			return GX_ENOMEM;
		b->recs = r;
		b->caprecs = cap;
	}
	b->recs[b->nrecs++] = (struct term_rec){.tenant_id = tenant_id, .record_id = id, .first = first,
						.count = b->n - first, .entity = entity};
	if (b->nrecs * 2 > b->nslots) {
		int rc = slots_rebuild(b, b->nslots ? b->nslots * 2 : 4096);
		if (rc) {
			b->nrecs--;
			return rc;
		}
		return 0;
	}
	*slot_of(b, tenant_id, entity, id) = (uint32_t)b->nrecs;
	return 0;
}

static int bulk_add(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id, const char *term, size_t len)
{
	if (len > GX_SK_TERM_MAX)
		return GX_EINVAL;
	if (b->nbytes + len > UINT32_MAX)
		return GX_ETOOBIG;
	int rc = gx_grow(&b->ents, &b->cap, b->n + 1, sizeof *b->ents, 4096);
	if (!rc)
		rc = gx_grow(&b->bytes, &b->capbytes, b->nbytes + len, 1, 65536);
	if (rc)
		return rc;
	memcpy(b->bytes + b->nbytes, term, len);
	b->ents[b->n++] = (struct term_ent){.tenant_id = tenant_id, .record_id = id, .off = (uint32_t)b->nbytes,
					    .len = (uint16_t)len, .entity = entity};
	b->nbytes += len;
	return 0;
}

/* The primary key's order: tenant, entity, term (bytes, as SQLite's BINARY
 * and PostgreSQL's "C" collation compare), record. */
static int ent_cmp(const void *pa, const void *pb, void *ud)
{
	const struct term_ent *a = pa, *b = pb;
	const struct bulk *bk = ud;
	if (a->tenant_id != b->tenant_id)
		return a->tenant_id < b->tenant_id ? -1 : 1;
	if (a->entity != b->entity)
		return strcmp(bk->entities[a->entity], bk->entities[b->entity]);
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(bk->bytes + a->off, bk->bytes + b->off, n);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->record_id != b->record_id)
		return a->record_id < b->record_id ? -1 : 1;
	return 0;
}

static const char *insert_sql(int rows)
{
	static const char head[] = "INSERT INTO search_terms (tenant_id, entity, term, record_id) VALUES ";
	static const char one[] = "(?, ?, ?, ?)";
	static const char tail[] = " ON CONFLICT DO NOTHING";
	static _Thread_local char sql[sizeof head + BULK_ROWS_PER_INSERT * (sizeof one + 2) + sizeof tail];
	size_t o = 0;
	memcpy(sql, head, sizeof head - 1);
	o += sizeof head - 1;
	for (int i = 0; i < rows; i++) {
		if (i) {
			memcpy(sql + o, ", ", 2);
			o += 2;
		}
		memcpy(sql + o, one, sizeof one - 1);
		o += sizeof one - 1;
	}
	memcpy(sql + o, tail, sizeof tail);
	return sql;
}

static int pg_bulk_flush(struct gx_conn *c)
{
	struct bulk *b = bulk_of(c);
	if (!b || !b->n)
		return 0;
	/* live entries, sorted, duplicates (two texts giving one term) once */
	size_t live = 0;
	for (size_t i = 0; i < b->n; i++)
		if (!b->ents[i].dead)
			b->ents[live++] = b->ents[i];
	qsort_r(b->ents, live, sizeof *b->ents, ent_cmp, b);
	size_t u = 0;
	for (size_t i = 0; i < live; i++)
		if (!u || ent_cmp(&b->ents[u - 1], &b->ents[i], b))
			b->ents[u++] = b->ents[i];
	int rc = 0;
	struct gx_stmt *full = NULL;
	for (size_t i = 0; !rc && i < u;) {
		int rows = u - i >= BULK_ROWS_PER_INSERT ? BULK_ROWS_PER_INSERT : 1;
		struct gx_stmt *st;
		if (rows == BULK_ROWS_PER_INSERT && full)
			st = full;
		else
			rc = gx_conn_prepare(c, insert_sql(rows), &st);
		if (rc)
			break;
		if (rows == BULK_ROWS_PER_INSERT)
			full = st;
		for (int r = 0; r < rows; r++) {
			const struct term_ent *e = &b->ents[i + (size_t)r];
			gx_stmt_bind_int64(st, 4 * r + 1, e->tenant_id);
			gx_stmt_bind_str(st, 4 * r + 2, b->entities[e->entity]);
			gx_stmt_bind_text(st, 4 * r + 3, b->bytes + e->off, e->len);
			gx_stmt_bind_int64(st, 4 * r + 4, e->record_id);
		}
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
		i += (size_t)rows;
	}
	b->n = b->nbytes = b->nrecs = 0;
	if (b->nslots)
		memset(b->slots, 0, b->nslots * sizeof *b->slots);
	return rc;
}

static int pg_bulk_end(struct gx_conn *c, bool write)
{
	struct bulk *b = bulk_of(c);
	if (!b)
		return 0;
	int rc = write ? pg_bulk_flush(c) : 0;
	free(b->ents);
	free(b->bytes);
	free(b->recs);
	free(b->slots);
	free(b);
	tl_bulk = NULL;
	return rc;
}

/* ---- per record --------------------------------------------------------------------------------
 *
 * A write replaces a record's terms by the difference: the terms it has in
 * the table are read (the record index holds them, in its own pages) and
 * compared with the new ones; only those that went are deleted and only
 * those that came are inserted. A rename touches a few rows instead of
 * deleting and inserting all of them at random places of the term index,
 * and a reindex that changes nothing writes nothing. */

/* A record's terms: text bytes[off .. off + len), sorted by byte order. */
struct termset {
	struct tref {
		uint32_t off;
		uint16_t len;
	} *v;
	size_t n, cap;
	char *bytes;
	size_t nbytes, capbytes;
};

static int set_add(const char *term, size_t len, void *ud)
{
	struct termset *t = ud;
	if (len > UINT16_MAX)
		return GX_ETOOBIG;
	if (t->nbytes + len > UINT32_MAX)
		return GX_ETOOBIG;
	int rc = gx_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v, 256);
	if (!rc)
		rc = gx_grow(&t->bytes, &t->capbytes, t->nbytes + len, 1, 8192);
	if (rc)
		return rc;
	memcpy(t->bytes + t->nbytes, term, len);
	t->v[t->n++] = (struct tref){.off = (uint32_t)t->nbytes, .len = (uint16_t)len};
	t->nbytes += len;
	return 0;
}

static int tref_cmp(const char *pa, size_t la, const char *pb, size_t lb)
{
	int c = memcmp(pa, pb, la < lb ? la : lb);
	return c ? c : la < lb ? -1 : la > lb;
}

static int set_cmp(const void *pa, const void *pb, void *ud)
{
	const struct tref *a = pa, *b = pb;
	const char *bytes = ud;
	return tref_cmp(bytes + a->off, a->len, bytes + b->off, b->len);
}

/* Sorts and drops repeats (two texts may give one term). */
static void set_sort(struct termset *t)
{
	if (t->n < 2)
		return;
	qsort_r(t->v, t->n, sizeof *t->v, set_cmp, t->bytes);
	size_t u = 1;
	for (size_t i = 1; i < t->n; i++)
		if (set_cmp(&t->v[u - 1], &t->v[i], t->bytes))
			t->v[u++] = t->v[i];
	t->n = u;
}

static void set_free(struct termset *t)
{
	free(t->v);
	free(t->bytes);
}

/* The record's terms as the table holds them, sorted. */
static int read_terms(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id, struct termset *out)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT term FROM search_terms WHERE tenant_id = ? AND entity = ? AND record_id = ?",
				 &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, entity);
	gx_stmt_bind_int64(st, 3, id);
	while (!rc && (rc = gx_stmt_step(st)) == GX_ROW) {
		const char *t = gx_stmt_col_text(st, 0);
		rc = set_add(t ? t : "", t ? strlen(t) : 0, out);
	}
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	set_sort(out);
	return 0;
}

/* Runs sql, a statement over one term row bound as (tenant_id, entity, term,
 * record_id): the delete and the insert of a record's changed terms. */
static int term_row(struct gx_ctx *ctx, struct gx_conn *c, const char *sql, const char *entity, int64_t id,
		    const char *term, size_t len)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, entity);
	gx_stmt_bind_text(st, 3, term, len);
	gx_stmt_bind_int64(st, 4, id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static const char delete_term_sql[] =
	"DELETE FROM search_terms WHERE tenant_id = ? AND entity = ? AND term = ? AND record_id = ?";
static const char insert_term_sql[] =
	"INSERT INTO search_terms (tenant_id, entity, term, record_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

static int pg_remove(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id)
{
	struct bulk *b = bulk_of(c);
	if (b) {
		uint8_t ix;
		int rc = entity_index(b, entity, &ix);
		if (rc)
			return rc;
		bulk_forget(b, ctx->tenant_id, ix, id);
	}
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "DELETE FROM search_terms WHERE tenant_id = ? AND entity = ? AND record_id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, entity);
	gx_stmt_bind_int64(st, 3, id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc;
}

static int pg_reindex(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
		      const struct gx_search_text *texts, int n, bool fresh)
{
	struct termset now = {0}, was = {0};
	int rc = 0;
	for (int i = 0; !rc && i < n; i++)
		if (texts[i].text && *texts[i].text)
			rc = gx_searchkey_terms(texts[i].text, texts[i].flags, set_add, &now);
	set_sort(&now);
	struct bulk *b = bulk_of(c);
	uint8_t ix = 0;
	if (!rc && b) {
		rc = entity_index(b, entity, &ix);
		if (!rc)
			bulk_forget(b, ctx->tenant_id, ix, id); /* its pending terms are not in the table */
	}
	if (!rc && !fresh)
		rc = read_terms(ctx, c, entity, id, &was);
	size_t first = b ? b->n : 0, i = 0, j = 0;
	while (!rc && (i < now.n || j < was.n)) {
		const struct tref *x = i < now.n ? &now.v[i] : NULL, *y = j < was.n ? &was.v[j] : NULL;
		int cmp = !x ? 1 : !y ? -1 : tref_cmp(now.bytes + x->off, x->len, was.bytes + y->off, y->len);
		if (cmp == 0) {
			i++;
			j++;
		} else if (cmp > 0) {
			rc = term_row(ctx, c, delete_term_sql, entity, id, was.bytes + y->off, y->len);
			j++;
		} else {
			rc = b ? bulk_add(b, ctx->tenant_id, ix, id, now.bytes + x->off, x->len)
			       : term_row(ctx, c, insert_term_sql, entity, id, now.bytes + x->off, x->len);
			i++;
		}
	}
	if (!rc && b && b->n > first)
		rc = bulk_rec(b, ctx->tenant_id, ix, id, first);
	set_free(&now);
	set_free(&was);
	return rc;
}

/* ---- SQLite: one FTS5 document per record ------------------------------------------------------
 *
 * Migration 0011: the table search_fts holds a record's terms as one
 * document, rowid = the record id, text = its tokens "<head><term>",
 * sorted, separated by TERMS_SEP. The head is the tenant's search tag
 * (tenants.search_tag, a small number given at the tenant's creation,
 * migration 0012) and "c" for customers: "1cb1.example.cn". A tag instead
 * of the 15-digit tenant id keeps a customer's ~66 tokens short: the
 * tokenizer, FTS5's hash and segments and the stored document handle a
 * third of the bytes. The table's tokenizer is FTS5's "ascii"
 * with every printable ASCII character a token character, so only a
 * control character separates, and no term holds one (text/searchkey.c
 * folds them to spaces): a term with a space, a quote or a dot is one
 * token. FTS5 keeps a transaction's tokens in memory and writes them as
 * one sorted segment, so a write is one row of the content table and no
 * random B-tree insert per term. The stored document is the record's old
 * terms: a write compares the new document with it and writes nothing when
 * they are equal. */

#define FTS_HEAD_MAX 32
#define TERMS_SEP '\x1f'

bool gx_search_fts(const struct gx_conn *c)
{
	return strcmp(gx_conn_backend(c), "sqlite") == 0;
}

/* ctx's tenant's search tag, read once per context (a tag never changes;
 * the context remembers whose tag it holds, as a caller may reuse it for
 * another tenant). GX_ENOTFOUND for a tenant without one. */
static int fts_tag(struct gx_ctx *ctx, struct gx_conn *c, int64_t *tag)
{
	if (ctx->search_tag_of == ctx->tenant_id && ctx->search_tag > 0) {
		*tag = ctx->search_tag;
		return 0;
	}
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT search_tag FROM tenants WHERE id = ?", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	rc = gx_stmt_step(st);
	int64_t t = rc == GX_ROW && gx_stmt_col_type(st, 0) != GX_COL_NULL ? gx_stmt_col_int64(st, 0) : 0;
	gx_stmt_reset(st);
	if (rc < 0)
		return rc;
	if (t <= 0)
		return GX_ENOTFOUND;
	ctx->search_tag = *tag = t;
	ctx->search_tag_of = ctx->tenant_id;
	return 0;
}

/* Runs sql, whose one parameter is id, to its end. */
static int exec_id(struct gx_conn *c, const char *sql, int64_t id)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, id);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

int gx_search_tags_fill(struct gx_conn *c)
{
	/* one tenant at a time, in order of id, each the next number (one
	 * UPDATE of all would give SQLite's once-evaluated max() to each) */
	for (;;) {
		struct gx_stmt *st;
		int rc = gx_conn_prepare(c, "SELECT id FROM tenants WHERE search_tag IS NULL ORDER BY id LIMIT 1", &st);
		if (rc)
			return rc;
		rc = gx_stmt_step(st);
		int64_t id = rc == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
		gx_stmt_reset(st);
		if (rc != GX_ROW)
			return rc < 0 ? rc : 0;
		rc = exec_id(c, "UPDATE tenants SET search_tag = (SELECT COALESCE(max(search_tag), 0) + 1 FROM tenants) "
				"WHERE id = ?", id);
		if (rc)
			return rc;
	}
}

/* "<tag>c": customers are the one entity indexed (the rowid is their id; a
 * second entity needs its own table). The tag is digits only, so the "c"
 * ends the head: tenant 1's "1c..." never meets tenant 12's "12c...". */
static int fts_head(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, char *out, size_t *len)
{
	if (strcmp(entity, "customers"))
		return GX_EINVAL;
	int64_t tag;
	int rc = fts_tag(ctx, c, &tag);
	if (rc)
		return rc;
	int n = snprintf(out, FTS_HEAD_MAX, "%lldc", (long long)tag);
	if (n < 0 || n >= FTS_HEAD_MAX)
		return GX_ETOOBIG;
	*len = (size_t)n;
	return 0;
}

char *gx_search_token(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, const char *term)
{
	char head[FTS_HEAD_MAX];
	size_t n;
	if (fts_head(ctx, c, entity, head, &n))
		return NULL;
	return gx_arena_printf(ctx->arena, "%s%s", head, term);
}

char *gx_search_match(struct gx_ctx *ctx, const char *token, bool prefix)
{
	size_t n = strlen(token), quotes = 0;
	for (size_t i = 0; i < n; i++)
		quotes += token[i] == '"';
	char *out = gx_arena_alloc(ctx->arena, n + quotes + 5);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (token[i] == '"')
			out[o++] = '"'; /* FTS5 strings double their quotes */
		out[o++] = token[i];
	}
	out[o++] = '"';
	if (prefix) {
		out[o++] = ' ';
		out[o++] = '*';
	}
	out[o] = '\0';
	return out;
}

bool gx_search_doc_has(const char *doc, size_t len, const char *lo, const char *hi)
{
	const char *end = doc + len, *p = doc;
	size_t nlo = strlen(lo), nhi = strlen(hi);
	while (p < end) {
		const char *q = memchr(p, TERMS_SEP, (size_t)(end - p));
		if (!q)
			q = end;
		size_t n = (size_t)(q - p);
		/* token >= lo AND token < hi, as the SQL compared */
		if (tref_cmp(p, n, lo, nlo) >= 0 && tref_cmp(p, n, hi, nhi) < 0)
			return true;
		p = q + 1;
	}
	return false;
}

/* A record's document: head || term for each term, separated; empty when
 * there are no terms. t is sorted. */
static int fts_doc(const char *head, size_t nhead, const struct termset *t, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!t->n)
		return 0;
	size_t cap = t->n * (nhead + 1) + t->nbytes + 1;
	char *d = malloc(cap);
	if (!d)
		return GX_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			d[o++] = TERMS_SEP;
		memcpy(d + o, head, nhead);
		o += nhead;
		memcpy(d + o, t->bytes + t->v[i].off, t->v[i].len);
		o += t->v[i].len;
	}
	d[o] = '\0';
	*out = d;
	*len = o;
	return 0;
}

/* Deletes the document of id (when had_row) and inserts doc (when len). */
static int fts_write(struct gx_conn *c, int64_t id, bool had_row, const char *doc, size_t len)
{
	struct gx_stmt *st;
	int rc = 0;
	if (had_row) {
		rc = exec_id(c, "DELETE FROM search_fts WHERE rowid = ?", id);
		if (rc)
			return rc;
	}
	if (len) {
		rc = gx_conn_prepare(c, "INSERT INTO search_fts (rowid, terms) VALUES (?, ?)", &st);
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, id);
		gx_stmt_bind_text(st, 2, doc, len);
		rc = gx_stmt_step(st);
		gx_stmt_reset(st);
	}
	return rc < 0 ? rc : 0;
}

/* The bulk on SQLite: the documents to write, in the order the records were
 * written; the last of a record wins at the flush, which writes them in
 * rowid order (FTS5 writes its memory to disk whenever a rowid goes down).
 * A rec of kind FTS_NONE stands for "the table holds the right document"
 * (an unchanged record, or one removed at once) and overrides an earlier
 * pending one; dropping the recs of a rolled-back row (truncate) makes the
 * earlier rec of its records the last again. */
enum { FTS_NONE, FTS_PUT };

struct fts_rec {
	int64_t id;
	size_t mark;     /* gx_search_bulk_pending before the rec: unique, increasing */
	size_t off, len; /* the document in fts_bulk.bytes */
	uint32_t nterms;
	uint8_t kind, had_row;
};

struct fts_bulk {
	struct gx_conn *c;
	struct fts_rec *recs;
	size_t n, cap;
	char *bytes;
	size_t nbytes, capbytes;
	size_t nterms;
};

static _Thread_local struct fts_bulk *tl_fts;

static struct fts_bulk *fts_bulk_of(struct gx_conn *c)
{
	return tl_fts && tl_fts->c == c ? tl_fts : NULL;
}

static size_t fts_pending(const struct fts_bulk *b)
{
	return b->nterms + b->n;
}

static int fts_bulk_add(struct fts_bulk *b, int64_t id, int kind, bool had_row, const char *doc, size_t len,
			size_t nterms)
{
	int rc = gx_grow(&b->recs, &b->cap, b->n + 1, sizeof *b->recs, 1024);
	if (!rc)
		rc = gx_grow(&b->bytes, &b->capbytes, b->nbytes + len, 1, 65536);
	if (rc)
		return rc;
	if (len)
		memcpy(b->bytes + b->nbytes, doc, len);
	b->recs[b->n] = (struct fts_rec){.id = id, .mark = fts_pending(b), .off = b->nbytes, .len = len,
					 .nterms = (uint32_t)nterms, .kind = (uint8_t)kind, .had_row = had_row};
	b->n++;
	b->nbytes += len;
	b->nterms += nterms;
	return 0;
}

static int fts_rec_cmp(const void *pa, const void *pb)
{
	const struct fts_rec *a = pa, *b = pb;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->mark < b->mark ? -1 : a->mark > b->mark;
}

static int fts_bulk_flush(struct fts_bulk *b)
{
	if (b->n)
		qsort(b->recs, b->n, sizeof *b->recs, fts_rec_cmp);
	int rc = 0;
	for (size_t i = 0; !rc && i < b->n; i++) {
		const struct fts_rec *r = &b->recs[i];
		if (i + 1 < b->n && b->recs[i + 1].id == r->id)
			continue; /* a later rec of the record wins */
		if (r->kind == FTS_PUT)
			rc = fts_write(b->c, r->id, r->had_row, b->bytes + r->off, r->len);
	}
	b->n = b->nbytes = b->nterms = 0;
	return rc;
}

static int fts_remove(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id)
{
	char head[FTS_HEAD_MAX];
	size_t nhead;
	int rc = fts_head(ctx, c, entity, head, &nhead);
	if (rc)
		return rc;
	struct fts_bulk *b = fts_bulk_of(c);
	rc = fts_write(c, id, true, NULL, 0);
	if (!rc && b)
		rc = fts_bulk_add(b, id, FTS_NONE, false, NULL, 0, 0);
	return rc;
}

static int fts_reindex(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
		       const struct gx_search_text *texts, int n, bool fresh)
{
	char head[FTS_HEAD_MAX];
	size_t nhead;
	int rc = fts_head(ctx, c, entity, head, &nhead);
	if (rc)
		return rc;
	struct termset now = {0};
	for (int i = 0; !rc && i < n; i++)
		if (texts[i].text && *texts[i].text)
			rc = gx_searchkey_terms(texts[i].text, texts[i].flags, set_add, &now);
	set_sort(&now);
	char *doc = NULL;
	size_t len = 0;
	if (!rc)
		rc = fts_doc(head, nhead, &now, &doc, &len);
	/* the document the table holds (a pending one of the bulk is not in
	 * it); a record just made holds none */
	struct gx_stmt *st = NULL;
	if (!rc && !fresh)
		rc = gx_conn_prepare(c, "SELECT terms FROM search_fts WHERE rowid = ?", &st);
	bool had_row = false, same = false;
	if (!rc && !fresh) {
		gx_stmt_bind_int64(st, 1, id);
		rc = gx_stmt_step(st);
		if (rc == GX_ROW) {
			const char *was = gx_stmt_col_text(st, 0);
			had_row = true;
			same = was && strlen(was) == len && (!len || !memcmp(was, doc, len));
		}
		gx_stmt_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	struct fts_bulk *b = fts_bulk_of(c);
	if (!rc && b)
		rc = fts_bulk_add(b, id, same || (!had_row && !len) ? FTS_NONE : FTS_PUT, had_row, doc, same ? 0 : len,
				  same ? 0 : now.n);
	else if (!rc && !same)
		rc = fts_write(c, id, had_row, doc, len);
	free(doc);
	set_free(&now);
	return rc;
}

/* ---- the public functions: FTS5 on SQLite, the term table on PostgreSQL ------------------------- */

int gx_search_bulk_begin(struct gx_conn *c)
{
	if (!gx_search_fts(c))
		return pg_bulk_begin(c);
	if (tl_fts)
		return GX_EBUSY;
	struct fts_bulk *b = calloc(1, sizeof *b);
	if (!b)
		return GX_ENOMEM;
	b->c = c;
	tl_fts = b;
	return 0;
}

int gx_search_bulk_flush(struct gx_conn *c)
{
	struct fts_bulk *b = fts_bulk_of(c);
	return b ? fts_bulk_flush(b) : pg_bulk_flush(c);
}

int gx_search_bulk_end(struct gx_conn *c, bool write)
{
	struct fts_bulk *b = fts_bulk_of(c);
	if (!b)
		return pg_bulk_end(c, write);
	int rc = write ? fts_bulk_flush(b) : 0;
	free(b->recs);
	free(b->bytes);
	free(b);
	tl_fts = NULL;
	return rc;
}

size_t gx_search_bulk_pending(struct gx_conn *c)
{
	struct fts_bulk *b = fts_bulk_of(c);
	return b ? fts_pending(b) : pg_bulk_pending(c);
}

/* Past this many pending documents a read flushes them rather than scan them */
#define BULK_SCAN_MAX 64

bool gx_search_bulk_may_hold(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, const char *term,
			     const char *upper)
{
	struct fts_bulk *b = fts_bulk_of(c);
	if (!b)
		return gx_search_bulk_pending(c) > 0; /* PostgreSQL: any pending term may */
	if (b->n == 0)
		return false;
	if (b->n > BULK_SCAN_MAX)
		return true;
	char *lo = gx_search_token(ctx, c, entity, term), *hi = gx_search_token(ctx, c, entity, upper);
	if (!lo || !hi)
		return true;
	/* every pending document, also one a later record of the bulk replaces:
	 * a match too many costs a flush, never a miss */
	for (size_t i = 0; i < b->n; i++) {
		const struct fts_rec *r = &b->recs[i];
		if (r->kind == FTS_PUT && r->len && gx_search_doc_has(b->bytes + r->off, r->len, lo, hi))
			return true;
	}
	return false;
}

void gx_search_bulk_truncate(struct gx_conn *c, size_t mark)
{
	struct fts_bulk *b = fts_bulk_of(c);
	if (!b) {
		pg_bulk_truncate(c, mark);
		return;
	}
	while (b->n && b->recs[b->n - 1].mark >= mark) {
		const struct fts_rec *r = &b->recs[--b->n];
		b->nbytes = r->off;
		b->nterms -= r->nterms;
	}
}

int gx_search_clear(struct gx_conn *c)
{
	return gx_conn_exec(c, gx_search_fts(c) ? "DELETE FROM search_fts" : "DELETE FROM search_terms");
}

int gx_search_remove(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id)
{
	return gx_search_fts(c) ? fts_remove(ctx, c, entity, id) : pg_remove(ctx, c, entity, id);
}

int gx_search_reindex(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
		      const struct gx_search_text *texts, int n)
{
	return gx_search_fts(c) ? fts_reindex(ctx, c, entity, id, texts, n, false)
				: pg_reindex(ctx, c, entity, id, texts, n, false);
}

int gx_search_index_new(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
			const struct gx_search_text *texts, int n)
{
	return gx_search_fts(c) ? fts_reindex(ctx, c, entity, id, texts, n, true)
				: pg_reindex(ctx, c, entity, id, texts, n, true);
}
