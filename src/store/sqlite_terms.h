/* sqlite_terms.h — the FTS5 tokenizer of the search index on SQLite
 * (sqlite_terms.c): a document is HEAD SEP TERM SEP TERM ..., each term
 * indexed as the token HEAD TERM; a query string is one token. */
#ifndef GX_STORE_SQLITE_TERMS_H
#define GX_STORE_SQLITE_TERMS_H

#include <sqlite3.h>

/* The separator of a document's head and terms (no term holds a control
 * character: text/searchkey.c folds them to spaces). */
#define GX_TERMS_SEP '\x1f'

/* Registers the tokenizer "gx_terms" on db (every connection needs it
 * before it touches the table). 0 or GX_EDB (no FTS5 in this SQLite). */
int gx_sqlite_terms_register(sqlite3 *db);

#endif
