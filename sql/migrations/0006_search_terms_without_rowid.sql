-- 0006 search terms without rowid: on SQLite the table becomes its primary
-- key's B-tree (WITHOUT ROWID), so each term is stored twice (the key and
-- the per-record index) instead of three times (a rowid table, its key
-- index and the per-record index): a third less to write on every import,
-- create and rename, and a smaller file. Queries are unchanged.
-- PostgreSQL stores a heap either way: the /*pg: --*/ before WITHOUT ROWID
-- turns that clause into a comment there (the statement's ";" is on the
-- next line for that reason), so both backends run the same rebuild.
-- The table is dropped and created again (not renamed) so that
-- `export --all`, which reads the tables from these texts, keeps one
-- search_terms table.

CREATE TEMPORARY TABLE search_terms_v5 AS SELECT tenant_id, entity, term, record_id FROM search_terms;
DROP TABLE search_terms;
CREATE TABLE search_terms (
  tenant_id BIGINT NOT NULL,
  entity    TEXT NOT NULL,
  term      TEXT /*pg: COLLATE "C"*/ NOT NULL,
  record_id BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, entity, term, record_id)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO search_terms (tenant_id, entity, term, record_id)
  SELECT tenant_id, entity, term, record_id FROM search_terms_v5 ORDER BY tenant_id, entity, term, record_id;
DROP TABLE search_terms_v5;
CREATE INDEX search_terms_record ON search_terms (tenant_id, entity, record_id);
