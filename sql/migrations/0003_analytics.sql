-- 0003 analytics (SPEC §8): transactions fed by bulk import (later by our
-- own orders), per-customer statistics kept in the same transaction as each
-- write, monthly and per-product summaries, stored CLV fits, scoring state
-- and per-tenant analytics settings. See docs/analytics.md.

-- A purchase (amount > 0) or a return/credit (amount < 0) of a customer.
-- Money in integer minor units of `currency`.
CREATE TABLE transactions (
  tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
  id           BIGINT NOT NULL,
  customer_id  BIGINT NOT NULL,
  occurred_at  TEXT NOT NULL,
  amount       BIGINT NOT NULL,
  cost         BIGINT,
  currency     TEXT NOT NULL,
  channel      TEXT,
  product      TEXT,
  category     TEXT,
  external_ref TEXT,
  quantity     BIGINT,
  notes        TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  created_by   BIGINT,
  updated_by   BIGINT,
  deleted_at   TEXT,
  version      BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
-- the idempotency key: a reference once used stays used (deleted rows too)
CREATE UNIQUE INDEX transactions_ref ON transactions (tenant_id, external_ref);
CREATE INDEX transactions_customer ON transactions (tenant_id, customer_id, occurred_at);
CREATE INDEX transactions_time ON transactions (tenant_id, occurred_at);

-- One row per customer with purchases, activities or a relationship team.
-- Days are local day numbers (days since 1970-01-01 in the tenant's time
-- zone); months are local 'YYYY-MM'.
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
);
CREATE INDEX customer_stats_segment ON customer_stats (tenant_id, segment);
CREATE INDEX customer_stats_tier ON customer_stats (tenant_id, tier);
CREATE INDEX customer_stats_clv ON customer_stats (tenant_id, clv);
CREATE INDEX customer_stats_decline ON customer_stats (tenant_id, decline);
CREATE INDEX customer_stats_revenue ON customer_stats (tenant_id, currency, revenue);

-- Revenue and purchases of a customer per local month: retention and cohorts
-- read O(customer-months), not O(transactions).
CREATE TABLE customer_months (
  tenant_id    BIGINT NOT NULL,
  customer_id  BIGINT NOT NULL,
  month        TEXT NOT NULL,
  revenue      BIGINT NOT NULL DEFAULT 0,
  purchases    BIGINT NOT NULL DEFAULT 0,
  transactions BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, customer_id, month)
);
CREATE INDEX customer_months_month ON customer_months (tenant_id, month);

-- What each customer bought, per product: co-purchase recommendations.
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
);
CREATE INDEX customer_products_product ON customer_products (tenant_id, product, customer_id);

-- Stored fits of the BG/NBD and Gamma-Gamma models (one per refit and
-- currency); the newest with status 'ok' scores the customers.
CREATE TABLE clv_fits (
  tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
  id             BIGINT NOT NULL,
  currency       TEXT NOT NULL,
  fitted_at      TEXT NOT NULL,
  cutoff         TEXT NOT NULL,
  cutoff_day     BIGINT NOT NULL,
  time_unit      TEXT NOT NULL,
  n_customers    BIGINT NOT NULL,
  n_repeaters    BIGINT NOT NULL,
  status         TEXT NOT NULL,
  error          TEXT,
  r              DOUBLE PRECISION,
  alpha          DOUBLE PRECISION,
  a              DOUBLE PRECISION,
  b              DOUBLE PRECISION,
  bgnbd_loglik   DOUBLE PRECISION,
  gg_p           DOUBLE PRECISION,
  gg_q           DOUBLE PRECISION,
  gg_v           DOUBLE PRECISION,
  gg_loglik      DOUBLE PRECISION,
  gg_n           BIGINT,
  created_by     BIGINT,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX clv_fits_latest ON clv_fits (tenant_id, currency, id);

-- RFM quintile thresholds of the last scoring pass, per currency: a write
-- scores its customer against them at once.
CREATE TABLE analytics_state (
  tenant_id  BIGINT NOT NULL,
  currency   TEXT NOT NULL,
  r_breaks   TEXT NOT NULL,
  f_breaks   TEXT NOT NULL,
  m_breaks   TEXT NOT NULL,
  n_scored   BIGINT NOT NULL,
  scored_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, currency)
);

-- Thresholds and periods per tenant (JSON; unset keys take the defaults
-- documented in docs/analytics.md).
CREATE TABLE analytics_settings (
  tenant_id  BIGINT NOT NULL PRIMARY KEY REFERENCES tenants (id),
  settings   TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by BIGINT
);
