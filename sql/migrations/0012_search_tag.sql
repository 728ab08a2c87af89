-- 0012 the tenant's search tag: a small number per tenant (1, 2, ...) that
-- heads the tenant's tokens in the FTS5 index (SQLite) instead of its
-- 15-digit id: "<tag>c<term>" instead of "<tenant_id>.c.<term>". A customer
-- has ~66 tokens, so its document shrinks by about a third, and with it the
-- bytes FTS5 tokenises, hashes, merges and stores on each write (a bulk of
-- 100k customers: 6.3 s of FTS5 work down to 4.3 s, the index 299 MB down
-- to 158 MB, in the sqlite3 shell). A tag is given once, by
-- gx_tenant_create, and never changes; copies and exports carry it.
-- PostgreSQL gets the column too (copy-data and export --all move tenants
-- between backends) but does not use it: its index keeps tenant_id.
ALTER TABLE tenants ADD COLUMN search_tag BIGINT;
UPDATE tenants SET search_tag = (SELECT count(*) FROM tenants t WHERE t.id <= tenants.id);
CREATE UNIQUE INDEX tenants_search_tag ON tenants (search_tag);
-- SQLite: every document again with the new heads. A document's tokens all
-- carry its tenant's head (rowid = a customer of one tenant), so the head is
-- replaced after each separator only: a term that holds the old head's text
-- is left alone. The index is made as 0011 made it (one merge at the end).
/*pg: --*/ CREATE TEMPORARY TABLE search_docs_v11 AS
/*pg: --*/   SELECT d.rowid AS id, substr(replace(char(31) || d.terms, char(31) || t.id || '.c.', char(31) || t.search_tag || 'c'), 2) AS terms
/*pg: --*/   FROM search_fts d JOIN tenants t ON t.id = CAST(substr(d.terms, 1, instr(d.terms, '.c.') - 1) AS INTEGER);
/*pg: --*/ DROP TABLE search_vocab;
/*pg: --*/ DROP TABLE search_fts;
/*pg: --*/ CREATE VIRTUAL TABLE search_fts USING fts5(terms, tokenize = 'ascii tokenchars '' !"#$%&''''()*+,-./:;<=>?@[\]^_`{|}~''', detail = none, columnsize = 0);
/*pg: --*/ CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, instance);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 64);
/*pg: --*/ INSERT INTO search_fts (rowid, terms) SELECT id, terms FROM search_docs_v11 ORDER BY id;
/*pg: --*/ INSERT INTO search_fts (search_fts) VALUES ('optimize');
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4);
/*pg: --*/ INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 16);
/*pg: --*/ DROP TABLE search_docs_v11;
