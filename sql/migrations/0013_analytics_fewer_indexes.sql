-- 0013 analytics: fewer B-trees per summary row (docs/analytics.md §15).
-- Every secondary index of the summary tables costs each import (its keys
-- land at random) and each rebuild (CREATE INDEX at the end); checked with
-- EXPLAIN QUERY PLAN against every query that reads them:
--   customer_months_month (tenant_id, month): no query uses it (retention,
--     cohorts and the scorecard read a tenant's months through the primary
--     key with month as a filter);
--   customer_stats_segment, _tier, _clv, _revenue: the reports that SQLite
--     drove through them (tiers, top CLV, Pareto) read every row of the
--     tenant anyway, and walking the index with a table lookup per entry
--     costs as much as the scan (1M rows: 1.01 s and 1.26 s through the
--     index, 1.08 s and 1.14 s without); the customer-list filters (segment,
--     tier, clv, decline) are EXISTS by primary key per customer;
--   customer_stats_decline (tenant_id, decline): the decline report selects
--     the few flagged rows: kept as a partial index of those rows only, so
--     a row that is not declining writes no entry.
-- customer_products_product stays: the category of product_buyers is
-- recomputed through it after an edit. On SQLite customer_stats also
-- becomes its primary key's B-tree (WITHOUT ROWID, as the other summary
-- tables in 0009): one B-tree a row instead of two (the rowid table and its
-- key index). PostgreSQL stores a heap either way: /*pg: --*/ comments the
-- clause out there (the ";" is on the next line for that reason). Columns,
-- keys and results are unchanged; the table is dropped and created again
-- (not renamed) so that `export --all`, which reads the tables from these
-- texts, keeps one customer_stats.

DROP INDEX customer_months_month;

CREATE TEMPORARY TABLE customer_stats_v12 AS SELECT * FROM customer_stats;
DROP TABLE customer_stats;
CREATE TABLE customer_stats (
  tenant_id            BIGINT NOT NULL,
  customer_id          BIGINT NOT NULL,
  currency             TEXT,
  transaction_count    BIGINT NOT NULL DEFAULT 0,
  purchase_count       BIGINT NOT NULL DEFAULT 0,
  repeat_count         BIGINT NOT NULL DEFAULT 0,
  revenue              BIGINT NOT NULL DEFAULT 0,
  purchase_amount      BIGINT NOT NULL DEFAULT 0,
  first_day_amount     BIGINT NOT NULL DEFAULT 0,
  cost                 BIGINT NOT NULL DEFAULT 0,
  gross_margin         BIGINT NOT NULL DEFAULT 0,
  first_purchase_at    TEXT,
  last_purchase_at     TEXT,
  first_purchase_day   BIGINT,
  last_purchase_day    BIGINT,
  first_purchase_month TEXT,
  cost_to_serve        BIGINT NOT NULL DEFAULT 0,
  activity_count       BIGINT NOT NULL DEFAULT 0,
  last_contact_at      TEXT,
  relationship_breadth BIGINT NOT NULL DEFAULT 0,
  satisfaction         DOUBLE PRECISION,
  satisfaction_at      TEXT,
  -- scores: per customer at each write, across customers at each scoring pass
  profit               BIGINT NOT NULL DEFAULT 0,
  tier                 TEXT,
  r_score              INTEGER,
  f_score              INTEGER,
  m_score              INTEGER,
  rfm_cell             TEXT,
  segment              TEXT,
  p_alive              DOUBLE PRECISION,
  expected_purchases   DOUBLE PRECISION,
  expected_spend       DOUBLE PRECISION,
  clv                  BIGINT,
  decline              INTEGER NOT NULL DEFAULT 0,
  decline_recent       BIGINT,
  decline_expected     BIGINT,
  scored_at            TEXT,
  updated_at           TEXT NOT NULL,
  PRIMARY KEY (tenant_id, customer_id)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO customer_stats SELECT * FROM customer_stats_v12 ORDER BY tenant_id, customer_id;
DROP TABLE customer_stats_v12;
CREATE INDEX customer_stats_decline ON customer_stats (tenant_id, customer_id) WHERE decline = 1;
