-- 0011 search index on FTS5 (SQLite only): the terms of a record become one
-- document of the FTS5 table search_fts, rowid = the record id (customers
-- are the only indexed entity; their ids are unique across tenants), text =
-- its terms as tokens "<tenant_id>.c.<term>", separated by U+001F; so the
-- posting lists of two tenants never mix. The tokenizer is FTS5's "ascii"
-- with every printable ASCII character (space and quotes included) a token
-- character: only a control character separates, and no term holds one, so
-- a term is one token as it is (it works in the sqlite3 shell too). FTS5
-- writes a transaction's terms as one sorted segment instead of one random
-- B-tree insert per term (docs/search-keys.md §5). search_vocab lists the
-- tokens of a range with their records (prefix conditions, counts).
-- PostgreSQL keeps search_terms: every line below starts with /*pg: --*/,
-- which PostgreSQL turns into a line comment.
/*pg: --*/ CREATE VIRTUAL TABLE search_fts USING fts5(terms, tokenize = 'ascii tokenchars '' !"#$%&''''()*+,-./:;<=>?@[\]^_`{|}~''', detail = none, columnsize = 0);
/*pg: --*/ CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, instance);
-- The rows are read in the order of the index search_terms_record (tenant,
-- entity, record, term): no sort. (A WHERE on entity made SQLite 3.40 sort
-- the 115M rows of a million customers for the GROUP BY; max(entity) in
-- the HAVING does not.)
-- FTS5 writes its in-memory terms as a segment every "hashsize" bytes
-- (1 MB by default) and merges segments as they pile up (automerge): at a
-- million customers that rewrote the index several times, more than 10 GB
-- of WAL in this one transaction. While the table is built: a 256 MB hash,
-- no merges (and no forced ones below 64 segments of a level), then one
-- merge of all segments ('optimize'), and FTS5's defaults again.
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 268435456);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 64);
/*pg: --*/ INSERT INTO search_fts (rowid, terms)
/*pg: --*/   SELECT record_id, group_concat(tenant_id || '.c.' || term, char(31))
/*pg: --*/   FROM search_terms GROUP BY tenant_id, entity, record_id HAVING max(entity) = 'customers';
/*pg: --*/ INSERT INTO search_fts (search_fts) VALUES ('optimize');
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 1048576);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 16);
/*pg: --*/ DROP TABLE search_terms;
