/* customer_ops.c — what is special about customers beyond CRUD: likely
 * duplicates and merge, the relationship team with its breadth and risk,
 * the timeline, the customer pool (公海) and the handover of a leaving
 * employee's customers. */
#include "crm/customer.h"

#include "core/err.h"
#include "core/time.h"
#include "crm/tenant_settings.h"
#include "crm/transaction.h"
#include "crm/user.h"
#include "entity/search.h"
#include "store/store.h"
#include "text/searchkey.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- duplicates ------------------------------------------------------------------------ */

/* The first 128 characters of a name key as integers (the UTF-8 bytes of
 * each, not decoded: only equality matters); their number. */
static int name_chars(const char *s, uint32_t c[128])
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n < 128; n++) {
		int len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4, i;
		uint32_t cp = 0;
		for (i = 0; i < len && p[i]; i++)
			cp = cp << 8 | p[i];
		c[n] = cp;
		p += i; /* a sequence cut short by the end stops there */
	}
	return n;
}

/* Similarity of two name keys: Dice coefficient over character bigrams
 * (code points), 0..100. */
int gx_customer_name_similarity(const char *a, const char *b)
{
	uint32_t ca[128], cb[128];
	int na = name_chars(a, ca), nb = name_chars(b, cb);
	if (na < 2 || nb < 2)
		return na == nb && na == 1 && ca[0] == cb[0] ? 100 : 0;
	int common = 0;
	bool used[128] = {false};
	for (int i = 0; i + 1 < na; i++)
		for (int j = 0; j + 1 < nb; j++)
			if (!used[j] && ca[i] == cb[j] && ca[i + 1] == cb[j + 1]) {
				used[j] = true;
				common++;
				break;
			}
	return 200 * common / ((na - 1) + (nb - 1));
}

/* The bigrams of a kept list's keys, for comparing one key with all of
 * them at once: the greedy pairing above counts, per bigram, the smaller
 * of its two numbers of occurrences, so the common bigrams of key and
 * row r are the sum over the key's bigrams b of min(key's b, r's b), read
 * from the (bigram, row) pairs sorted. */
struct gx_dup_bigrams {
	uint8_t n[GX_DUP_TERM_ROWS]; /* bigrams of row r's key (0: fewer than 2 characters, or no key) */
	int npairs;
	struct bigram_row {
		uint64_t bigram;
		int row;
	} pair[];
};

static uint64_t bigram(const uint32_t *c, int i)
{
	return (uint64_t)c[i] << 32 | c[i + 1];
}

static int by_bigram_row(const void *a, const void *b)
{
	const struct bigram_row *x = a, *y = b;
	if (x->bigram != y->bigram)
		return x->bigram < y->bigram ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The bigrams of rows' keys; NULL when out of memory. */
static struct gx_dup_bigrams *bigrams_of(const struct gx_dup_term_rows *rows)
{
	struct gx_dup_bigrams *b = malloc(sizeof *b + (size_t)rows->n * 127 * sizeof b->pair[0]);
	if (!b)
		return NULL;
	b->npairs = 0;
	for (int r = 0; r < rows->n; r++) {
		uint32_t c[128];
		int nc = rows->keys[r] ? name_chars(rows->keys[r], c) : 0;
		b->n[r] = (uint8_t)(nc < 2 ? 0 : nc - 1);
		for (int i = 0; i + 1 < nc; i++)
			b->pair[b->npairs++] = (struct bigram_row){bigram(c, i), r};
	}
	qsort(b->pair, (size_t)b->npairs, sizeof b->pair[0], by_bigram_row);
	return b;
}

/* Adds id with reason, or raises its score to the higher one and adds the
 * reason if it is new (mobile and phone may be the same number; a prefix
 * term may list a customer twice). */
static void add_candidate(struct gx_dup_candidate *c, int *n, int max, int64_t id, int score, const char *reason)
{
	for (int i = 0; i < *n; i++) {
		if (c[i].id != id)
			continue;
		if (score > c[i].score)
			c[i].score = score;
		char probe[sizeof c[i].reasons + 2], needle[32];
		snprintf(probe, sizeof probe, ",%s,", c[i].reasons);
		snprintf(needle, sizeof needle, ",%s,", reason);
		size_t used = strlen(c[i].reasons);
		if (!strstr(probe, needle))
			snprintf(c[i].reasons + used, sizeof c[i].reasons - used, ",%s", reason);
		return;
	}
	if (*n < max) {
		c[*n].id = id;
		c[*n].score = score;
		snprintf(c[*n].reasons, sizeof c[*n].reasons, "%s", reason);
		(*n)++;
	}
}

static int by_score(const void *a, const void *b)
{
	return ((const struct gx_dup_candidate *)b)->score - ((const struct gx_dup_candidate *)a)->score;
}

/* Runs a key query and adds each hit as a candidate. */
static int key_hits(struct gx_ctx *ctx, struct gx_conn *c, const char *sql, const char *key, int64_t exclude,
		    int score, const char *reason, struct gx_dup_candidate *cand, int *n, int max)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_str(st, 2, key);
	gx_stmt_bind_int64(st, 3, exclude);
	while ((rc = gx_stmt_step(st)) == GX_ROW)
		add_candidate(cand, n, max, gx_stmt_col_int64(st, 0), score, reason);
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* A customer whose name key other is similar enough to key is a candidate. */
static void similar_hit(const char *key, int64_t id, const char *other, int64_t exclude,
			struct gx_dup_candidate *cand, int *n, int max)
{
	int sim = other && id != exclude ? gx_customer_name_similarity(key, other) : 0;
	if (sim >= 70)
		add_candidate(cand, n, max, id, sim * 8 / 10, "similar_name");
}

/* similar_hit for each row of a kept list, in its order: with the list's
 * bigrams, the key is decoded once and only the rows sharing a bigram with
 * it are counted (the same similarity as gx_customer_name_similarity). */
static void similar_kept(const char *key, const struct gx_dup_term_rows *kept, int64_t exclude,
			 struct gx_dup_candidate *cand, int *n, int max)
{
	const struct gx_dup_bigrams *b = kept->bigrams;
	uint32_t c[128];
	int nc = name_chars(key, c);
	if (!b || nc < 2) { /* one character: the exact-match rule of gx_customer_name_similarity */
		for (int i = 0; i < kept->n; i++)
			similar_hit(key, kept->ids[i], kept->keys[i], exclude, cand, n, max);
		return;
	}
	uint64_t mine[127];
	int nb = nc - 1;
	for (int i = 0; i < nb; i++)
		mine[i] = bigram(c, i);
	qsort(mine, (size_t)nb, sizeof mine[0], by_u64);
	uint8_t common[GX_DUP_TERM_ROWS] = {0};
	for (int i = 0; i < nb;) {
		int times = 1;
		while (i + times < nb && mine[i + times] == mine[i])
			times++;
		int lo = 0, hi = b->npairs; /* the first pair of this bigram */
		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;
			if (b->pair[mid].bigram < mine[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (int k = lo; k < b->npairs && b->pair[k].bigram == mine[i];) {
			int r = b->pair[k].row, theirs = 0;
			for (; k < b->npairs && b->pair[k].bigram == mine[i] && b->pair[k].row == r; k++)
				theirs++;
			common[r] += (uint8_t)(theirs < times ? theirs : times);
		}
		i += times;
	}
	for (int r = 0; r < kept->n; r++) {
		if (!b->n[r] || kept->ids[r] == exclude)
			continue;
		int sim = 200 * common[r] / (nb + b->n[r]);
		if (sim >= 70)
			add_candidate(cand, n, max, kept->ids[r], sim * 8 / 10, "similar_name");
	}
}

/* Similar names: the customers sharing the name's first search term, at
 * most GX_DUP_TERM_ROWS, streamed (an IN (…) over the term's records would
 * read every record of a common term such as 上海 first), in key order:
 * term, then record id. On SQLite (FTS5) a prefix condition is read token
 * by token of the index (search_vocab, in term order), because a prefix
 * MATCH merges every posting of the prefix before its first row. */
struct similar {
	const char *key;
	int64_t exclude;
	struct gx_dup_candidate *cand;
	int *n, max;
	struct gx_dup_term_rows rows; /* offered to the cache (and counted) */
	bool oom;
};

/* Reads the rows of st (id, name_key) into s; rc of the last step. */
static int similar_rows(struct gx_stmt *st, struct similar *s)
{
	int rc;
	while ((rc = gx_stmt_step(st)) == GX_ROW) {
		const char *other = gx_stmt_col_text(st, 1);
		similar_hit(s->key, gx_stmt_col_int64(st, 0), other, s->exclude, s->cand, s->n, s->max);
		if (s->rows.n < GX_DUP_TERM_ROWS) {
			s->rows.ids[s->rows.n] = gx_stmt_col_int64(st, 0);
			s->rows.keys[s->rows.n] = other ? strdup(other) : NULL;
			s->oom |= other && !s->rows.keys[s->rows.n];
			s->rows.n++;
		}
	}
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* FTS5: the customers of each token of t, in term order, up to
 * GX_DUP_TERM_ROWS rows in all. */
static int similar_fts(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_sk_cond *t, struct similar *s)
{
	const char *lo = gx_search_token(ctx, c, "customers", t->term), *hi = gx_search_token(ctx, c, "customers", t->upper);
	if (!lo || !hi)
		return GX_ENOMEM;
	const char *tok = t->prefix ? NULL : lo, *after = NULL;
	int rc = 0, got = 0;
	while (!rc && got < GX_DUP_TERM_ROWS) {
		struct gx_stmt *st;
		if (t->prefix) {
			rc = gx_conn_prepare(c, after ? "SELECT term FROM search_vocab WHERE term > ? AND term < ? ORDER BY term LIMIT 1"
						      : "SELECT term FROM search_vocab WHERE term >= ? AND term < ? ORDER BY term LIMIT 1",
					     &st);
			if (rc)
				return rc;
			gx_stmt_bind_str(st, 1, after ? after : lo);
			gx_stmt_bind_str(st, 2, hi);
			rc = gx_stmt_step(st);
			tok = rc == GX_ROW ? gx_arena_strdup(ctx->arena, gx_stmt_col_text(st, 0)) : NULL;
			gx_stmt_reset(st);
			if (rc < 0)
				return rc;
			if (rc != GX_ROW)
				return 0;
			if (!tok)
				return GX_ENOMEM;
			after = tok;
			rc = 0;
		}
		const char *match = gx_search_match(ctx, tok, false);
		if (!match)
			return GX_ENOMEM;
		/* CROSS JOIN: the index drives (SQLite keeps the written order);
		 * with JOIN the planner walked every customer of the tenant and
		 * asked FTS5 about each: seconds per call at 20 000 customers */
		rc = gx_conn_prepare(c, "SELECT c.id, c.name_key FROM search_fts CROSS JOIN customers c ON c.id = search_fts.rowid "
					"WHERE search_fts MATCH ? AND c.tenant_id = ? AND c.id <> ? AND c.deleted_at IS NULL "
					"LIMIT ?", &st);
		if (rc)
			return rc;
		gx_stmt_bind_str(st, 1, match);
		gx_stmt_bind_int64(st, 2, ctx->tenant_id);
		gx_stmt_bind_int64(st, 3, s->exclude);
		gx_stmt_bind_int64(st, 4, GX_DUP_TERM_ROWS - got);
		rc = similar_rows(st, s);
		got = s->rows.n;
		if (!t->prefix)
			break;
	}
	return rc;
}

static int similar_names(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_sk_cond *t, const char *key,
			 int64_t exclude, const struct gx_dup_cache *cache, struct gx_dup_candidate *cand, int *n,
			 int max)
{
	const struct gx_dup_term_rows *kept = NULL;
	int rc = cache ? cache->find(cache->ud, t, &kept) : 0;
	if (rc)
		return rc;
	if (kept) {
		similar_kept(key, kept, exclude, cand, n, max);
		return 0;
	}
	struct similar s = {.key = key, .exclude = exclude, .cand = cand, .n = n, .max = max};
	if (gx_search_fts(c)) {
		rc = similar_fts(ctx, c, t, &s);
	} else {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, "SELECT c.id, c.name_key FROM search_terms t JOIN customers c ON c.tenant_id = t.tenant_id "
					"AND c.id = t.record_id WHERE t.tenant_id = ? AND t.entity = 'customers' AND t.term >= ? "
					"AND t.term < ? AND c.id <> ? AND c.deleted_at IS NULL LIMIT 200", &st); /* GX_DUP_TERM_ROWS */
		if (rc)
			return rc;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_str(st, 2, t->term);
		gx_stmt_bind_str(st, 3, t->upper);
		gx_stmt_bind_int64(st, 4, exclude);
		rc = similar_rows(st, &s);
	}
	if (cache && !rc && !s.oom && s.rows.n == GX_DUP_TERM_ROWS) /* only a full list is worth keeping */
		s.rows.bigrams = bigrams_of(&s.rows);
	if (!cache || rc || s.oom || !cache->keep(cache->ud, t, &s.rows)) {
		for (int i = 0; i < s.rows.n; i++)
			free(s.rows.keys[i]);
		free(s.rows.bigrams);
	}
	return rc;
}

int gx_customer_dup_candidates(struct gx_ctx *ctx, struct gx_conn *c, const json_t *input, int64_t exclude,
			       const struct gx_dup_cache *cache, struct gx_dup_candidate *cand, int *n, int max)
{
	int rc = 0;
	*n = 0;
	const char *phones[2] = {json_string_value(json_object_get(input, "mobile")),
				 json_string_value(json_object_get(input, "phone"))};
	for (int i = 0; !rc && i < 2; i++) {
		char key[64];
		if (!phones[i])
			continue;
		gx_customer_phone_key(phones[i], key, sizeof key);
		if (strlen(key) >= 7)
			rc = key_hits(ctx, c, "SELECT id FROM customers WHERE tenant_id = ? AND phone_key = ? AND id <> ? "
					      "AND deleted_at IS NULL LIMIT 20", key, exclude, 90, "phone", cand, n, max);
	}
	const char *email = json_string_value(json_object_get(input, "email"));
	if (!rc && email && *email) {
		char key[300];
		gx_customer_email_key(email, key, sizeof key);
		rc = key_hits(ctx, c, "SELECT id FROM customers WHERE tenant_id = ? AND email_key = ? AND id <> ? "
				      "AND deleted_at IS NULL LIMIT 20", key, exclude, 90, "email", cand, n, max);
	}
	const char *name = json_string_value(json_object_get(input, "name"));
	char key[600];
	/* a name that folds to nothing ("...") is like no other */
	if (!rc && name && *name && !(rc = gx_customer_name_key(name, key, sizeof key)) && *key) {
		rc = key_hits(ctx, c, "SELECT id FROM customers WHERE tenant_id = ? AND name_key = ? AND id <> ? "
				      "AND deleted_at IS NULL LIMIT 20", key, exclude, 85, "name", cand, n, max);
		struct gx_sk_query plan;
		if (!rc && gx_searchkey_query(name, &plan) == 0 && plan.n > 0)
			rc = similar_names(ctx, c, &plan.cond[0], key, exclude, cache, cand, n, max);
	}
	return rc;
}

static json_t *candidates_json(struct gx_ctx *ctx, struct gx_conn *c, struct gx_dup_candidate *cand, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n && i < 10; i++) {
		json_t *rec = NULL;
		if (gx_entity_get_conn(ctx, c, &gx_customers_entity, cand[i].id, false, &rec))
			continue; /* not visible to the caller: not shown */
		json_t *reasons = json_array();
		char *save = NULL;
		for (char *t = strtok_r(cand[i].reasons, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_array_append_new(reasons, json_string(t));
		json_array_append_new(arr, json_pack("{s:O, s:O, s:O, s:i, s:o}", "id", json_object_get(rec, "id"),
						     "code", json_object_get(rec, "code"), "name",
						     json_object_get(rec, "name"), "score", cand[i].score, "reasons", reasons));
		json_decref(rec);
	}
	return arr;
}

int gx_customer_find_duplicates(struct gx_ctx *ctx, const json_t *input, int64_t exclude_id, json_t **out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_dup_candidate cand[64];
	int n = 0;
	rc = gx_customer_dup_candidates(ctx, c, input, exclude_id, NULL, cand, &n, 64);
	if (!rc) {
		qsort(cand, (size_t)n, sizeof *cand, by_score);
		*out = candidates_json(ctx, c, cand, n);
	}
	gx_store_release(c);
	return rc;
}

int gx_customer_duplicate_pairs(struct gx_ctx *ctx, int limit, json_t **out)
{
	struct gx_conn *c;
	int rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	/* customers sharing a phone, an email or a normalised name */
	static const char *const sql[] = {
		"SELECT a.id, b.id, 'phone' FROM customers a JOIN customers b ON b.tenant_id = a.tenant_id "
		"AND b.phone_key = a.phone_key AND b.id > a.id WHERE a.tenant_id = ? AND a.phone_key IS NOT NULL "
		"AND a.phone_key <> '' AND a.deleted_at IS NULL AND b.deleted_at IS NULL LIMIT ?",
		"SELECT a.id, b.id, 'email' FROM customers a JOIN customers b ON b.tenant_id = a.tenant_id "
		"AND b.email_key = a.email_key AND b.id > a.id WHERE a.tenant_id = ? AND a.email_key IS NOT NULL "
		"AND a.deleted_at IS NULL AND b.deleted_at IS NULL LIMIT ?",
		"SELECT a.id, b.id, 'name' FROM customers a JOIN customers b ON b.tenant_id = a.tenant_id "
		"AND b.name_key = a.name_key AND b.id > a.id WHERE a.tenant_id = ? AND a.name_key IS NOT NULL "
		"AND a.name_key <> '' AND a.deleted_at IS NULL AND b.deleted_at IS NULL LIMIT ?",
	};
	static const int scores[] = {90, 90, 85};
	json_t *pairs = json_object(); /* "a-b" -> pair */
	for (int k = 0; !rc && k < 3; k++) {
		struct gx_stmt *st;
		rc = gx_conn_prepare(c, sql[k], &st);
		if (rc)
			break;
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, limit);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			char key[48];
			int64_t a = gx_stmt_col_int64(st, 0), b = gx_stmt_col_int64(st, 1);
			snprintf(key, sizeof key, "%lld-%lld", (long long)a, (long long)b);
			json_t *p = json_object_get(pairs, key);
			if (!p) {
				p = json_pack("{s:I, s:I, s:i, s:[]}", "a", (json_int_t)a, "b", (json_int_t)b, "score", scores[k], "reasons");
				json_object_set_new(pairs, key, p);
			} else {
				/* two independent signals: more certain */
				json_object_set_new(p, "score", json_integer(json_integer_value(json_object_get(p, "score")) + 5 > 100
										 ? 100 : json_integer_value(json_object_get(p, "score")) + 5));
			}
			json_array_append_new(json_object_get(p, "reasons"), json_string(gx_stmt_col_text(st, 2)));
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	json_t *items = json_array();
	const char *key;
	json_t *p;
	json_object_foreach(pairs, key, p) {
		json_t *a = NULL, *b = NULL;
		/* both sides must be visible to the caller */
		if (!gx_entity_get_conn(ctx, c, &gx_customers_entity, json_integer_value(json_object_get(p, "a")), false, &a) &&
		    !gx_entity_get_conn(ctx, c, &gx_customers_entity, json_integer_value(json_object_get(p, "b")), false, &b)) {
			json_object_set(p, "a", a);
			json_object_set(p, "b", b);
			json_array_append(items, p);
		}
		json_decref(a);
		json_decref(b);
	}
	json_decref(pairs);
	gx_store_release(c);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o}", "items", items);
	return 0;
}

/* Whether user is on customer's relationship team; 1, 0 or an error. */
static int is_member(struct gx_ctx *ctx, struct gx_conn *c, int64_t customer, int64_t user)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, "SELECT 1 FROM relationships WHERE tenant_id = ? AND customer_id = ? AND user_id = ? "
				    "AND deleted_at IS NULL", &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, customer);
	gx_stmt_bind_int64(st, 3, user);
	rc = gx_stmt_step(st);
	gx_stmt_reset(st);
	return rc == GX_ROW ? 1 : rc < 0 ? rc : 0;
}

/* ---- merge ------------------------------------------------------------------------------ */

/* Appends to out {"id", <second>} for each row of sql's two id columns,
 * sql bound with the tenant and param: the records a merge, a release or
 * a handover then moves or ends one by one. */
static int ids_of(struct gx_ctx *ctx, struct gx_conn *c, const char *sql, int64_t param, const char *second,
		  json_t *out)
{
	struct gx_stmt *st;
	int rc = gx_conn_prepare(c, sql, &st);
	if (rc)
		return rc;
	gx_stmt_bind_int64(st, 1, ctx->tenant_id);
	gx_stmt_bind_int64(st, 2, param);
	while ((rc = gx_stmt_step(st)) == GX_ROW)
		json_array_append_new(out, json_pack("{s:I, s:I}", "id", (json_int_t)gx_stmt_col_int64(st, 0),
						     second, (json_int_t)gx_stmt_col_int64(st, 1)));
	gx_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

/* Moves the children listed in ids to customer `into`, through the engine so
 * that each move has its history and audit rows. */
static int move_children(struct gx_ctx *ctx, struct gx_conn *c, const struct gx_entity *e, json_t *ids,
			 int64_t into)
{
	json_t *patch = json_pack("{s:I}", "customer_id", (json_int_t)into);
	size_t i;
	json_t *it;
	int rc = 0;
	json_array_foreach(ids, i, it) {
		json_t *out = NULL;
		rc = gx_entity_update_conn(ctx, c, e, json_integer_value(json_object_get(it, "id")), patch, &out);
		json_decref(out);
		if (rc)
			break;
	}
	json_decref(patch);
	return rc;
}

int gx_customer_merge(struct gx_ctx *ctx, int64_t into, int64_t from, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	if (into == from) {
		gx_errors_add(errs, "from", "invalid", "a customer cannot be merged into itself");
		return GX_EINVAL;
	}
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	json_t *a = NULL, *b = NULL, *contacts = json_array(), *acts = json_array(), *rels = json_array();
	int rc = gx_conn_begin(c);
	/* both must be visible to the caller */
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, into, false, &a);
	if (!rc) {
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, from, false, &b);
		if (rc == GX_ENOTFOUND) {
			gx_errors_add(errs, "from", "not_found", "no such customer to merge");
			rc = GX_EINVAL;
		}
	}
	struct gx_ctx sys = *ctx;
	sys.role = NULL; /* the moves themselves are the system's */
	if (!rc)
		rc = ids_of(&sys, c, "SELECT id, 0 FROM contacts WHERE tenant_id = ? AND customer_id = ? AND deleted_at IS NULL", from, "user_id", contacts);
	if (!rc)
		rc = ids_of(&sys, c, "SELECT id, 0 FROM activities WHERE tenant_id = ? AND customer_id = ? AND deleted_at IS NULL", from, "user_id", acts);
	if (!rc)
		rc = ids_of(&sys, c, "SELECT id, user_id FROM relationships WHERE tenant_id = ? AND customer_id = ? AND deleted_at IS NULL", from, "user_id", rels);
	if (!rc)
		rc = move_children(&sys, c, &gx_contacts_entity, contacts, into);
	if (!rc)
		rc = move_children(&sys, c, &gx_activities_entity, acts, into);
	if (!rc)
		rc = gx_transactions_move(&sys, c, from, into, NULL);
	/* team members: those already on `into` keep that row; the others move */
	size_t i;
	json_t *it;
	int moved_members = 0;
	json_array_foreach(rels, i, it) {
		if (rc)
			break;
		int has = is_member(ctx, c, into, json_integer_value(json_object_get(it, "user_id")));
		if (has < 0) {
			rc = has;
			break;
		}
		int64_t rid = json_integer_value(json_object_get(it, "id"));
		if (has) {
			rc = gx_entity_delete_conn(&sys, c, &gx_relationships_entity, rid);
		} else {
			json_t *one = json_pack("[O]", it);
			rc = move_children(&sys, c, &gx_relationships_entity, one, into);
			json_decref(one);
			moved_members++;
		}
	}
	/* fill the empty fields of `into` from `from`; unite tags */
	json_t *patch = json_object();
	for (int f = 0; !rc && f < gx_customers_entity.nfields; f++) {
		const struct gx_field *fd = &gx_customers_entity.fields[f];
		if (fd->flags & (GX_FF_READONLY | GX_FF_HIDDEN | GX_FF_VIRTUAL | GX_FF_UNIQUE))
			continue;
		json_t *va = json_object_get(a, fd->name), *vb = json_object_get(b, fd->name);
		if (strcmp(fd->name, "tags") == 0 && json_is_string(va) && json_is_string(vb) && *json_string_value(vb)) {
			char merged[600];
			snprintf(merged, sizeof merged, "%s", json_string_value(va));
			char copy[600], *save = NULL;
			snprintf(copy, sizeof copy, "%s", json_string_value(vb));
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				char probe[620];
				snprintf(probe, sizeof probe, ",%s,", merged);
				char needle[620];
				snprintf(needle, sizeof needle, ",%s,", t);
				if (!strstr(probe, needle) && strlen(merged) + strlen(t) + 2 < sizeof merged) {
					size_t used = strlen(merged);
					snprintf(merged + used, sizeof merged - used, "%s%s", used ? "," : "", t);
				}
			}
			json_object_set_new(patch, "tags", json_string(merged));
		} else if ((!va || json_is_null(va) || (json_is_string(va) && !*json_string_value(va))) && vb &&
			   !json_is_null(vb)) {
			json_object_set(patch, fd->name, vb);
		}
	}
	json_t *merged_rec = NULL, *gone = NULL;
	if (!rc && json_object_size(patch))
		rc = gx_entity_update_conn(&sys, c, &gx_customers_entity, into, patch, &merged_rec);
	json_decref(merged_rec);
	merged_rec = NULL;
	json_t *mark = json_pack("{s:I}", "merged_into", (json_int_t)into);
	if (!rc)
		rc = gx_entity_update_conn(&sys, c, &gx_customers_entity, from, mark, &gone);
	json_decref(mark);
	json_decref(gone);
	if (!rc)
		rc = gx_entity_delete_conn(&sys, c, &gx_customers_entity, from);
	if (!rc) {
		json_t *what = json_pack("{s:I, s:I, s:O}", "into", (json_int_t)into, "from", (json_int_t)from, "filled", patch);
		rc = gx_audit_write(ctx, c, "merge", "customers", into, b, what, NULL);
		json_decref(what);
	}
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, into, false, &merged_rec);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	if (!rc)
		*out = json_pack("{s:o, s:I, s:i, s:i, s:i, s:O}", "customer", merged_rec, "merged_from", (json_int_t)from,
				 "contacts_moved", (int)json_array_size(contacts), "activities_moved",
				 (int)json_array_size(acts), "team_members_moved", moved_members, "fields_filled", patch);
	else
		json_decref(merged_rec);
	json_decref(patch);
	json_decref(a);
	json_decref(b);
	json_decref(contacts);
	json_decref(acts);
	json_decref(rels);
	return rc;
}

/* ---- relationship team -------------------------------------------------------------------- */

/* What is shown of a customer needs the customer visible to the caller:
 * 0, GX_ENOTFOUND or a database error. */
static int customer_visible(struct gx_ctx *ctx, int64_t id)
{
	json_t *cust = NULL;
	int rc = gx_entity_get(ctx, &gx_customers_entity, id, false, &cust);
	json_decref(cust);
	return rc;
}

int gx_customer_team(struct gx_ctx *ctx, int64_t id, json_t **out)
{
	int rc = customer_visible(ctx, id);
	if (rc)
		return rc;
	struct gx_conn *c;
	rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	struct gx_stmt *st;
	json_t *members = json_array();
	rc = gx_conn_prepare(c, "SELECT r.id, r.user_id, u.display_name, u.username, r.role, r.since, r.version, "
				"u.team_id, u.disabled_at FROM relationships r JOIN users u ON u.tenant_id = r.tenant_id "
				"AND u.id = r.user_id WHERE r.tenant_id = ? AND r.customer_id = ? AND r.deleted_at IS NULL "
				"ORDER BY r.since, r.id", &st);
	if (!rc) {
		gx_stmt_bind_int64(st, 1, ctx->tenant_id);
		gx_stmt_bind_int64(st, 2, id);
		while ((rc = gx_stmt_step(st)) == GX_ROW)
			json_array_append_new(members, gx_entity_row_json(NULL, st));
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc) {
		json_decref(members);
		return rc;
	}
	size_t breadth = json_array_size(members);
	/* seed 000: loyalty moves from a person to the company once about four
	 * staff serve a customer; one person alone is a key-person risk */
	const char *risk = breadth == 0 ? "none" : breadth == 1 ? "single_person" : breadth < 4 ? "narrow" : "broad";
	*out = json_pack("{s:I, s:o, s:i, s:s}", "customer_id", (json_int_t)id, "members", members, "breadth",
			 (int)breadth, "risk", risk);
	return 0;
}

/* ---- timeline ----------------------------------------------------------------------------- */

int gx_customer_timeline(struct gx_ctx *ctx, int64_t id, const char *cursor, int limit, json_t **out)
{
	int rc = customer_visible(ctx, id);
	if (rc)
		return rc;
	/* cursor = "<time>|<kind>|<id>" of the last item shown */
	char at[40] = "9999", kind[16] = "z";
	long long cid = 0;
	if (cursor) {
		const char *p1 = strchr(cursor, '|'), *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
		if (!p1 || !p2 || p1 - cursor >= (long)sizeof at || p2 - p1 - 1 >= (long)sizeof kind)
			return GX_EINVAL;
		memcpy(at, cursor, (size_t)(p1 - cursor));
		at[p1 - cursor] = '\0';
		memcpy(kind, p1 + 1, (size_t)(p2 - p1 - 1));
		kind[p2 - p1 - 1] = '\0';
		char *end;
		cid = strtoll(p2 + 1, &end, 10);
		if (*end || cid <= 0)
			return GX_EINVAL;
	}
	struct gx_conn *c;
	rc = gx_store_reader(ctx->store, &c);
	if (rc)
		return rc;
	/* activities, the field history of the customer and its team, and the
	 * pool and merge events of its audit, one ordered stream (later:
	 * orders, cases, tasks) */
	struct gx_stmt *st;
	rc = gx_conn_prepare(c,
		"SELECT at, kind, id, channel, subject, detail, actor, extra FROM ("
		"SELECT a.occurred_at AS at, 'activity' AS kind, a.id AS id, a.channel AS channel, a.subject AS subject, "
		"a.notes AS detail, a.user_id AS actor, a.outcome AS extra FROM activities a "
		"WHERE a.tenant_id = ? AND a.customer_id = ? AND a.deleted_at IS NULL "
		"UNION ALL "
		"SELECT h.changed_at AS at, 'change' AS kind, h.id AS id, h.entity AS channel, h.field AS subject, "
		"h.new_value AS detail, h.changed_by AS actor, h.old_value AS extra FROM field_history h "
		"WHERE h.tenant_id = ? AND h.entity = 'customers' AND h.entity_id = ? "
		"UNION ALL "
		"SELECT h.changed_at AS at, 'change' AS kind, h.id AS id, h.entity AS channel, h.field AS subject, "
		"h.new_value AS detail, h.changed_by AS actor, h.old_value AS extra FROM field_history h "
		"JOIN relationships r ON r.tenant_id = h.tenant_id AND r.id = h.entity_id "
		"WHERE h.tenant_id = ? AND h.entity = 'relationships' AND r.customer_id = ? AND h.field IN ('user_id', 'deleted_at') "
		"UNION ALL "
		"SELECT a.at AS at, 'event' AS kind, a.id AS id, a.entity AS channel, a.action AS subject, "
		"a.after AS detail, a.actor_id AS actor, NULL AS extra FROM audit_log a "
		"WHERE a.tenant_id = ? AND a.entity = 'customers' AND a.entity_id = ? "
		"AND a.action IN ('claim', 'release', 'returned_to_pool', 'merge')"
		") t WHERE (at < ? OR (at = ? AND (kind < ? OR (kind = ? AND id < ?)))) "
		"ORDER BY at DESC, kind DESC, id DESC LIMIT ?", &st);
	json_t *items = json_array();
	int n = 0;
	char last[120] = "";
	if (!rc) {
		int k = 1;
		for (int i = 0; i < 4; i++) {
			gx_stmt_bind_int64(st, k++, ctx->tenant_id);
			gx_stmt_bind_int64(st, k++, id);
		}
		gx_stmt_bind_str(st, k++, at);
		gx_stmt_bind_str(st, k++, at);
		gx_stmt_bind_str(st, k++, kind);
		gx_stmt_bind_str(st, k++, kind);
		gx_stmt_bind_int64(st, k++, cursor ? cid : INT64_MAX);
		gx_stmt_bind_int64(st, k++, limit + 1);
		while ((rc = gx_stmt_step(st)) == GX_ROW) {
			if (n++ == limit)
				break;
			json_t *row = gx_entity_row_json(NULL, st);
			snprintf(last, sizeof last, "%s|%s|%lld", gx_stmt_col_text(st, 0), gx_stmt_col_text(st, 1),
				 (long long)gx_stmt_col_int64(st, 2));
			json_array_append_new(items, row);
		}
		rc = rc < 0 ? rc : 0;
		gx_stmt_reset(st);
	}
	gx_store_release(c);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:o}", "items", items, "next_cursor", n > limit ? json_string(last) : json_null());
	return 0;
}

/* ---- the customer pool (公海) ------------------------------------------------------------------ */

int gx_customer_claim(struct gx_ctx *ctx, int64_t id, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	json_t *cust = NULL, *rel = NULL;
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, id, false, &cust);
	if (!rc && !json_is_true(json_object_get(cust, "in_pool"))) {
		gx_errors_add(errs, NULL, "not_in_pool", "this customer is not in the pool: someone serves it already");
		rc = GX_ECONFLICT;
	}
	if (!rc) {
		int64_t cap = gx_tenant_setting_int(c, ctx->tenant_id, "pool_cap", 0);
		if (cap > 0) {
			struct gx_stmt *st;
			rc = gx_conn_prepare(c, "SELECT count(*) FROM relationships r JOIN customers c ON c.tenant_id = r.tenant_id "
						"AND c.id = r.customer_id WHERE r.tenant_id = ? AND r.user_id = ? AND r.deleted_at IS NULL "
						"AND c.deleted_at IS NULL", &st);
			if (!rc) {
				gx_stmt_bind_int64(st, 1, ctx->tenant_id);
				gx_stmt_bind_int64(st, 2, ctx->user_id);
				int64_t held = gx_stmt_step(st) == GX_ROW ? gx_stmt_col_int64(st, 0) : 0;
				gx_stmt_reset(st);
				if (held >= cap) {
					gx_errors_add(errs, NULL, "pool_cap", "you already hold %lld customers, the most this company allows",
						      (long long)held);
					rc = GX_ECONFLICT;
				}
			}
		}
	}
	if (!rc) {
		json_t *in = json_pack("{s:I, s:I, s:s}", "customer_id", (json_int_t)id, "user_id", (json_int_t)ctx->user_id,
				       "role", "owner");
		rc = gx_entity_create_conn(ctx, c, &gx_relationships_entity, in, &rel, errs);
		json_decref(in);
	}
	json_decref(cust);
	cust = NULL;
	if (!rc)
		rc = gx_audit_write(ctx, c, "claim", "customers", id, NULL, rel, NULL);
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, id, false, &cust);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	json_decref(rel);
	if (rc)
		json_decref(cust);
	else
		*out = cust;
	return rc;
}

/* Ends every team membership of a customer (it then returns to the pool). */
static int end_memberships(struct gx_ctx *ctx, struct gx_conn *c, int64_t customer_id, int64_t only_user)
{
	json_t *rels = json_array();
	int rc = ids_of(ctx, c, "SELECT id, user_id FROM relationships WHERE tenant_id = ? AND customer_id = ? "
				"AND deleted_at IS NULL", customer_id, "user_id", rels);
	size_t i;
	json_t *it;
	json_array_foreach(rels, i, it) {
		if (rc)
			break;
		if (only_user && json_integer_value(json_object_get(it, "user_id")) != only_user)
			continue;
		rc = gx_entity_delete_conn(ctx, c, &gx_relationships_entity, json_integer_value(json_object_get(it, "id")));
	}
	json_decref(rels);
	return rc;
}

int gx_customer_release(struct gx_ctx *ctx, int64_t id, json_t **out)
{
	*out = NULL;
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	json_t *cust = NULL;
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_customers_entity, id, false, &cust);
	json_decref(cust);
	cust = NULL;
	/* a rep gives up their own place; a manager or admin empties the team */
	bool own_only = ctx->role && strcmp(ctx->role, "sales") == 0;
	if (!rc)
		rc = end_memberships(ctx, c, id, own_only ? ctx->user_id : 0);
	if (!rc)
		rc = gx_audit_write(ctx, c, "release", "customers", id, NULL, NULL, NULL);
	struct gx_ctx sys = *ctx;
	sys.role = NULL;
	if (!rc)
		rc = gx_entity_get_conn(&sys, c, &gx_customers_entity, id, false, &cust);
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	if (rc)
		json_decref(cust);
	else
		*out = cust;
	return rc;
}

int gx_customer_pool_sweep(struct gx_store *s, int64_t tenant_id, int *moved)
{
	*moved = 0;
	struct gx_arena a;
	gx_arena_init(&a, 0);
	struct gx_ctx sys = {.store = s, .arena = &a, .tenant_id = tenant_id};
	struct gx_conn *c;
	gx_store_writer(s, &c);
	int rc = gx_conn_begin(c);
	int64_t days = rc ? 0 : gx_tenant_setting_int(c, tenant_id, "pool_return_days", 0);
	json_t *ids = json_array();
	if (!rc && days > 0) {
		char cutoff[40];
		gx_time_iso(gx_now_ms() - days * 86400000LL, cutoff, sizeof cutoff);
		struct gx_stmt *st;
		/* no follow-up since the cut-off: measured from the last activity,
		 * or from when the current team took the customer */
		rc = gx_conn_prepare(c, "SELECT c.id FROM customers c WHERE c.tenant_id = ? AND c.in_pool = 0 AND "
					"c.deleted_at IS NULL AND (c.last_follow_up_at IS NULL OR c.last_follow_up_at < ?) AND "
					"NOT EXISTS (SELECT 1 FROM relationships r WHERE r.tenant_id = c.tenant_id AND "
					"r.customer_id = c.id AND r.deleted_at IS NULL AND r.created_at >= ?) LIMIT 10000", &st);
		if (!rc) {
			gx_stmt_bind_int64(st, 1, tenant_id);
			gx_stmt_bind_str(st, 2, cutoff);
			gx_stmt_bind_str(st, 3, cutoff);
			while ((rc = gx_stmt_step(st)) == GX_ROW)
				json_array_append_new(ids, json_integer(gx_stmt_col_int64(st, 0)));
			rc = rc < 0 ? rc : 0;
			gx_stmt_reset(st);
		}
	}
	size_t i;
	json_t *it;
	json_array_foreach(ids, i, it) {
		if (rc)
			break;
		rc = end_memberships(&sys, c, json_integer_value(it), 0);
		if (!rc) {
			json_t *what = json_pack("{s:s, s:I}", "reason", "no follow-up", "days", (json_int_t)days);
			rc = gx_audit_write(&sys, c, "returned_to_pool", "customers", json_integer_value(it), NULL, what, NULL);
			json_decref(what);
		}
		if (!rc)
			(*moved)++;
	}
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	json_decref(ids);
	gx_arena_free(&a);
	if (rc)
		*moved = 0;
	return rc;
}

/* ---- handover ---------------------------------------------------------------------------------- */

int gx_user_handover(struct gx_ctx *ctx, int64_t from, int64_t to, json_t **out, struct gx_errors *errs)
{
	*out = NULL;
	if (from == to) {
		gx_errors_add(errs, "to", "invalid", "the successor must be someone else");
		return GX_EINVAL;
	}
	struct gx_conn *c;
	gx_store_writer(ctx->store, &c);
	json_t *leaving = NULL, *successor = NULL, *rels = json_array();
	int rc = gx_conn_begin(c);
	if (!rc)
		rc = gx_entity_get_conn(ctx, c, &gx_users_entity, from, false, &leaving);
	if (!rc) {
		rc = gx_entity_get_conn(ctx, c, &gx_users_entity, to, false, &successor);
		if (rc == GX_ENOTFOUND || (!rc && !json_is_null(json_object_get(successor, "disabled_at")))) {
			gx_errors_add(errs, "to", "not_found", "the successor must be an active user");
			rc = GX_EINVAL;
		}
	}
	struct gx_ctx sys = *ctx;
	sys.role = NULL;
	if (!rc)
		rc = ids_of(ctx, c, "SELECT id, customer_id FROM relationships WHERE tenant_id = ? AND user_id = ? "
				    "AND deleted_at IS NULL", from, "customer_id", rels);
	json_t *moved = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(rels, i, it) {
		if (rc)
			break;
		int64_t rid = json_integer_value(json_object_get(it, "id"));
		int64_t cid = json_integer_value(json_object_get(it, "customer_id"));
		int has = is_member(ctx, c, cid, to);
		if (has < 0) {
			rc = has;
			break;
		}
		/* the successor takes the leaver's place in the team (or, already
		 * in it, simply stays), so the customer never falls into the pool */
		json_t *role = NULL;
		if (!has) {
			json_t *old = NULL;
			rc = gx_entity_get_conn(&sys, c, &gx_relationships_entity, rid, false, &old);
			if (!rc) {
				role = json_incref(json_object_get(old, "role"));
				json_t *in = json_pack("{s:I, s:I, s:O}", "customer_id", (json_int_t)cid, "user_id",
						       (json_int_t)to, "role", role);
				json_t *rec = NULL;
				rc = gx_entity_create_conn(&sys, c, &gx_relationships_entity, in, &rec, errs);
				json_decref(in);
				json_decref(rec);
			}
			json_decref(old);
		}
		if (!rc)
			rc = gx_entity_delete_conn(&sys, c, &gx_relationships_entity, rid);
		json_decref(role);
		if (!rc)
			json_array_append_new(moved, json_integer(cid));
	}
	json_t *disabled = NULL;
	if (!rc) {
		json_t *patch = json_pack("{s:b}", "disabled", 1);
		json_t *values = json_deep_copy(patch);
		/* through the users hook: disabled -> disabled_at, sessions end */
		rc = gx_users_entity.hooks.before_write(&sys, c, &gx_users_entity, values, leaving, errs);
		if (!rc)
			rc = gx_entity_update_conn(&sys, c, &gx_users_entity, from, values, &disabled);
		json_decref(values);
		json_decref(patch);
	}
	if (!rc) {
		json_t *what = json_pack("{s:I, s:O}", "to", (json_int_t)to, "customers", moved);
		rc = gx_audit_write(ctx, c, "handover", "users", from, NULL, what, NULL);
		json_decref(what);
	}
	if (!rc)
		rc = gx_conn_commit(c);
	gx_store_release(c);
	if (!rc)
		*out = json_pack("{s:I, s:I, s:i, s:O, s:i, s:i, s:b}", "from", (json_int_t)from, "to", (json_int_t)to,
				 "customers_moved", (int)json_array_size(moved), "customer_ids", moved, "tasks_moved", 0,
				 "deals_moved", 0, "user_disabled", 1);
	json_decref(moved);
	json_decref(disabled);
	json_decref(leaving);
	json_decref(successor);
	json_decref(rels);
	return rc;
}
