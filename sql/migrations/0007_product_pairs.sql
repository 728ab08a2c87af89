-- 0007 product pairs: the co-purchase counts behind the next-best products
-- (docs/analytics.md §11), kept in the same transaction as customer_products,
-- so that a customer's recommendations read O(products it owns) rows instead
-- of every other customer's products. Written in the SQL subset SQLite and
-- PostgreSQL both accept. "Owns" = a customer_products row with purchases > 0.

-- Customers who own each product, and the greatest category among their rows.
CREATE TABLE product_buyers (
  tenant_id BIGINT NOT NULL,
  product   TEXT NOT NULL,
  customers BIGINT NOT NULL DEFAULT 0,
  category  TEXT,
  PRIMARY KEY (tenant_id, product)
);

-- Customers who own both product and other (both orders are stored).
CREATE TABLE product_pairs (
  tenant_id BIGINT NOT NULL,
  product   TEXT NOT NULL,
  other     TEXT NOT NULL,
  customers BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, product, other)
);

INSERT INTO product_buyers (tenant_id, product, customers, category)
SELECT tenant_id, product, count(*), max(category) FROM customer_products WHERE purchases > 0
GROUP BY tenant_id, product;

INSERT INTO product_pairs (tenant_id, product, other, customers)
SELECT a.tenant_id, a.product, b.product, count(*) FROM customer_products a
JOIN customer_products b ON b.tenant_id = a.tenant_id AND b.customer_id = a.customer_id AND b.product <> a.product
WHERE a.purchases > 0 AND b.purchases > 0
GROUP BY a.tenant_id, a.product, b.product;
