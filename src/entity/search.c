/* search.c — the search-term index of records (table search_terms): the
 * terms text/searchkey.c derives from a record's texts, replaced on every
 * write in the write's own transaction; and the bulk form (search.h) that
 * collects the terms of many records and writes them sorted. */
#include "entity/search.h"

#include "core/err.h"
#include "entity/entity.h"
#include "store/store.h"
#include "text/searchkey.h"

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
	char entities[BULK_ENTITIES][32];
	int nentities;
};

/* Per thread: an import runs on one thread with one connection. */
static _Thread_local struct bulk *tl_bulk;

static struct bulk *bulk_of(struct gx_conn *c)
{
	return tl_bulk && tl_bulk->c == c ? tl_bulk : NULL;
}

int gx_search_bulk_begin(struct gx_conn *c)
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

size_t gx_search_bulk_pending(struct gx_conn *c)
{
	struct bulk *b = bulk_of(c);
	return b ? b->n : 0;
}

void gx_search_bulk_truncate(struct gx_conn *c, size_t mark)
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
 * removed). */
static void bulk_forget(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id)
{
	for (size_t i = 0; i < b->nrecs; i++) {
		struct term_rec *r = &b->recs[i];
		if (r->record_id != id || r->tenant_id != tenant_id || r->entity != entity)
			continue;
		for (size_t k = r->first; k < r->first + r->count; k++)
			b->ents[k].dead = 1;
		r->count = 0;
	}
}

static int bulk_add(struct bulk *b, int64_t tenant_id, uint8_t entity, int64_t id, const char *term, size_t len)
{
	if (len > GX_SK_TERM_MAX)
		return GX_EINVAL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		struct term_ent *e = realloc(b->ents, cap * sizeof *e);
		if (!e)
			return GX_ENOMEM;
		b->ents = e;
		b->cap = cap;
	}
	if (b->nbytes + len > b->capbytes) {
		size_t cap = b->capbytes ? b->capbytes * 2 : 65536;
		if (cap > UINT32_MAX)
			return GX_ETOOBIG;
		char *nb = realloc(b->bytes, cap);
		if (!nb)
			return GX_ENOMEM;
		b->bytes = nb;
		b->capbytes = cap;
	}
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

int gx_search_bulk_flush(struct gx_conn *c)
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
	return rc;
}

int gx_search_bulk_end(struct gx_conn *c, bool write)
{
	struct bulk *b = bulk_of(c);
	if (!b)
		return 0;
	int rc = write ? gx_search_bulk_flush(c) : 0;
	free(b->ents);
	free(b->bytes);
	free(b->recs);
	free(b);
	tl_bulk = NULL;
	return rc;
}

/* ---- per record -------------------------------------------------------------------------------- */

struct index_ctx {
	struct gx_ctx *ctx;
	struct gx_stmt *st;  /* one INSERT per term, or */
	struct bulk *bulk;   /* into the bulk */
	uint8_t entity_ix;
	const char *entity;
	int64_t id;
};

static int add_term(const char *term, size_t len, void *ud)
{
	struct index_ctx *x = ud;
	if (x->bulk)
		return bulk_add(x->bulk, x->ctx->tenant_id, x->entity_ix, x->id, term, len);
	gx_stmt_bind_int64(x->st, 1, x->ctx->tenant_id);
	gx_stmt_bind_str(x->st, 2, x->entity);
	gx_stmt_bind_text(x->st, 3, term, len);
	gx_stmt_bind_int64(x->st, 4, x->id);
	int rc = gx_stmt_step(x->st);
	gx_stmt_reset(x->st);
	return rc;
}

int gx_search_remove(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id)
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

int gx_search_reindex(struct gx_ctx *ctx, struct gx_conn *c, const char *entity, int64_t id,
		      const struct gx_search_text *texts, int n)
{
	int rc = gx_search_remove(ctx, c, entity, id);
	if (rc)
		return rc;
	struct index_ctx x = {.ctx = ctx, .entity = entity, .id = id, .bulk = bulk_of(c)};
	size_t first = 0;
	if (x.bulk) {
		rc = entity_index(x.bulk, entity, &x.entity_ix);
		first = x.bulk->n;
		if (!rc && x.bulk->nrecs == x.bulk->caprecs) {
			size_t cap = x.bulk->caprecs ? x.bulk->caprecs * 2 : 1024;
			struct term_rec *r = realloc(x.bulk->recs, cap * sizeof *r);
			if (!r)
				return GX_ENOMEM;
			x.bulk->recs = r;
			x.bulk->caprecs = cap;
		}
	} else {
		/* the same term from two texts is one row */
		rc = gx_conn_prepare(c, "INSERT INTO search_terms (tenant_id, entity, term, record_id) "
					"VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &x.st);
	}
	for (int i = 0; !rc && i < n; i++) {
		if (!texts[i].text || !*texts[i].text)
			continue;
		rc = gx_searchkey_terms(texts[i].text, texts[i].flags, add_term, &x);
	}
	if (!rc && x.bulk && x.bulk->n > first)
		x.bulk->recs[x.bulk->nrecs++] = (struct term_rec){.tenant_id = ctx->tenant_id, .record_id = id,
								  .first = first, .count = x.bulk->n - first,
								  .entity = x.entity_ix};
	return rc;
}
