-- 0008 search terms: the per-record index holds the term too, on PostgreSQL.
-- The ranked search checks a batch of candidate ids against a prefix
-- condition with "record_id IN (...) AND term >= ? AND term < ?": with the
-- term in the index that is one short range per id, read from the index
-- alone. On SQLite the index of the WITHOUT ROWID table (0006) already ends
-- with the key's remaining column, term, so this changes nothing there: the
-- statements are inside a /*pg: */ comment, which only PostgreSQL runs.
/*pg:
DROP INDEX search_terms_record;
CREATE INDEX search_terms_record ON search_terms (tenant_id, entity, record_id, term);
*/
