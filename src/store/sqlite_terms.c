/* sqlite_terms.c — the FTS5 tokenizer "gx_terms" for documents whose terms
 * are already made (entity/search.c, docs/search-keys.md §5): a document is
 * a head and terms separated by GX_TERMS_SEP (U+001F), and each term becomes
 * the token head + term; a query string is one token as it is. No folding,
 * no splitting at spaces or punctuation: the terms were folded and cut by
 * text/searchkey.c, and a term may hold a space, a quote or a dot. */
#include "store/sqlite_terms.h"

#include "core/err.h"

#include <sqlite3.h>
#include <string.h>

#define TOKEN_MAX 512 /* head + term; longer ones are skipped (ours are at most ~100 bytes) */

static int terms_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)ud;
	(void)argv;
	if (argc)
		return SQLITE_ERROR;
	static int dummy;
	*out = (Fts5Tokenizer *)&dummy; /* stateless */
	return SQLITE_OK;
}

static void terms_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int terms_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
			  int (*emit)(void *, int, const char *, int, int, int))
{
	(void)t;
	if (n <= 0)
		return SQLITE_OK;
	if (flags & FTS5_TOKENIZE_QUERY)
		return n <= TOKEN_MAX ? emit(ctx, 0, text, n, 0, n) : SQLITE_OK;
	const char *sep = memchr(text, GX_TERMS_SEP, (size_t)n);
	if (!sep)
		return SQLITE_OK; /* a head without terms */
	size_t head = (size_t)(sep - text);
	if (head >= TOKEN_MAX)
		return SQLITE_OK;
	char tok[TOKEN_MAX];
	memcpy(tok, text, head);
	int rc = SQLITE_OK;
	for (const char *p = sep + 1, *end = text + n; rc == SQLITE_OK && p <= end;) {
		const char *q = memchr(p, GX_TERMS_SEP, (size_t)(end - p));
		if (!q)
			q = end;
		size_t len = (size_t)(q - p);
		if (len && head + len <= TOKEN_MAX) {
			memcpy(tok + head, p, len);
			rc = emit(ctx, 0, tok, (int)(head + len), (int)(p - text), (int)(q - text));
		}
		p = q + 1;
	}
	return rc;
}

int gx_sqlite_terms_register(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return GX_EDB;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2)
		return GX_EDB;
	static fts5_tokenizer tok = {terms_create, terms_delete, terms_tokenize};
	return api->xCreateTokenizer(api, "gx_terms", NULL, &tok, NULL) == SQLITE_OK ? 0 : GX_EDB;
}
