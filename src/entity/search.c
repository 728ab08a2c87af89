/* search.c — the search-term index of records (table search_terms): the
 * terms text/searchkey.c derives from a record's texts, replaced on every
 * write in the write's own transaction. */
#include "entity/entity.h"

#include "core/err.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <string.h>

struct index_ctx {
	struct gx_ctx *ctx;
	struct gx_stmt *st;
	const char *entity;
	int64_t id;
};

static int add_term(const char *term, size_t len, void *ud)
{
	struct index_ctx *x = ud;
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
	struct index_ctx x = {.ctx = ctx, .entity = entity, .id = id};
	/* the same term from two texts is one row */
	rc = gx_conn_prepare(c, "INSERT INTO search_terms (tenant_id, entity, term, record_id) "
				"VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &x.st);
	for (int i = 0; !rc && i < n; i++) {
		if (!texts[i].text || !*texts[i].text)
			continue;
		rc = gx_searchkey_terms(texts[i].text, texts[i].flags, add_term, &x);
	}
	return rc;
}
