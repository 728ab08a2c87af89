-- 0011 search index on FTS5 (SQLite only): the terms of a record become one
-- document of the FTS5 table search_fts, rowid = the record id (customers
-- are the only indexed entity; their ids are unique), text = a head
-- "<tenant_id>.c." and the terms, each after a U+001F. The tokenizer
-- gx_terms (src/store/sqlite_terms.c, registered on every connection)
-- indexes each term as the token head || term, so the posting lists of two
-- tenants never mix. FTS5 writes a transaction's terms as one sorted segment
-- instead of one random B-tree insert per term (docs/search-keys.md §5).
-- search_vocab enumerates the tokens of a range (prefix conditions).
-- PostgreSQL keeps search_terms: every line below starts with /*pg: --*/,
-- which PostgreSQL turns into a line comment.
/*pg: --*/ CREATE VIRTUAL TABLE search_fts USING fts5(terms, tokenize = 'gx_terms', detail = none, columnsize = 0);
/*pg: --*/ CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, instance);
/*pg: --*/ INSERT INTO search_fts (rowid, terms)
/*pg: --*/   SELECT record_id, tenant_id || '.c.' || char(31) || group_concat(term, char(31))
/*pg: --*/   FROM search_terms WHERE entity = 'customers' GROUP BY tenant_id, entity, record_id;
/*pg: --*/ DROP TABLE search_terms;
