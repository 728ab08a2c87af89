-- 0009 analytics summaries without rowid: on SQLite customer_months,
-- customer_products, product_buyers and product_pairs become their primary
-- key's B-tree (WITHOUT ROWID), as search_terms did in 0006: a row is one
-- B-tree entry instead of two (the rowid table and its key index), so the
-- statistics of an import or a rebuild write one B-tree less per row, and
-- a read by key (the next-best products read ~1,000 pair rows per customer)
-- is one lookup instead of an index lookup and a table lookup. Columns,
-- keys and queries are unchanged. PostgreSQL stores a heap either way: the
-- /*pg: --*/ before WITHOUT ROWID turns the clause into a comment there (the
-- ";" is on the next line for that reason). Dropped and created again (not
-- renamed) so that `export --all`, which reads the tables from these texts,
-- keeps one table of each.

CREATE TEMPORARY TABLE customer_months_v8 AS
  SELECT tenant_id, customer_id, month, revenue, purchases, transactions FROM customer_months;
DROP TABLE customer_months;
CREATE TABLE customer_months (
  tenant_id    BIGINT NOT NULL,
  customer_id  BIGINT NOT NULL,
  month        TEXT NOT NULL,
  revenue      BIGINT NOT NULL DEFAULT 0,
  purchases    BIGINT NOT NULL DEFAULT 0,
  transactions BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, customer_id, month)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO customer_months (tenant_id, customer_id, month, revenue, purchases, transactions)
  SELECT tenant_id, customer_id, month, revenue, purchases, transactions FROM customer_months_v8
  ORDER BY tenant_id, customer_id, month;
DROP TABLE customer_months_v8;
CREATE INDEX customer_months_month ON customer_months (tenant_id, month);

CREATE TEMPORARY TABLE customer_products_v8 AS
  SELECT tenant_id, customer_id, product, category, quantity, revenue, purchases, last_at FROM customer_products;
DROP TABLE customer_products;
CREATE TABLE customer_products (
  tenant_id   BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  product     TEXT NOT NULL,
  category    TEXT,
  quantity    BIGINT NOT NULL DEFAULT 0,
  revenue     BIGINT NOT NULL DEFAULT 0,
  purchases   BIGINT NOT NULL DEFAULT 0,
  last_at     TEXT,
  PRIMARY KEY (tenant_id, customer_id, product)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO customer_products (tenant_id, customer_id, product, category, quantity, revenue, purchases, last_at)
  SELECT tenant_id, customer_id, product, category, quantity, revenue, purchases, last_at FROM customer_products_v8
  ORDER BY tenant_id, customer_id, product;
DROP TABLE customer_products_v8;
CREATE INDEX customer_products_product ON customer_products (tenant_id, product, customer_id);

CREATE TEMPORARY TABLE product_buyers_v8 AS SELECT tenant_id, product, customers, category FROM product_buyers;
DROP TABLE product_buyers;
CREATE TABLE product_buyers (
  tenant_id BIGINT NOT NULL,
  product   TEXT NOT NULL,
  customers BIGINT NOT NULL DEFAULT 0,
  category  TEXT,
  PRIMARY KEY (tenant_id, product)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO product_buyers (tenant_id, product, customers, category)
  SELECT tenant_id, product, customers, category FROM product_buyers_v8 ORDER BY tenant_id, product;
DROP TABLE product_buyers_v8;

CREATE TEMPORARY TABLE product_pairs_v8 AS SELECT tenant_id, product, other, customers FROM product_pairs;
DROP TABLE product_pairs;
CREATE TABLE product_pairs (
  tenant_id BIGINT NOT NULL,
  product   TEXT NOT NULL,
  other     TEXT NOT NULL,
  customers BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, product, other)
) /*pg: --*/ WITHOUT ROWID
;
INSERT INTO product_pairs (tenant_id, product, other, customers)
  SELECT tenant_id, product, other, customers FROM product_pairs_v8 ORDER BY tenant_id, product, other;
DROP TABLE product_pairs_v8;
