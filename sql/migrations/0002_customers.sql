-- 0002 customers: the customer file (SPEC §1), contacts, the relationship
-- team, interactions (activities), and the search-term index.
-- A /*pg: ...*/ comment is SQL that only the PostgreSQL backend uses (it
-- uncomments it): byte-order collation for prefix ranges over terms.

CREATE TABLE customers (
  tenant_id      BIGINT NOT NULL REFERENCES tenants (id),
  id             BIGINT NOT NULL,
  code           TEXT NOT NULL,
  kind           TEXT NOT NULL DEFAULT 'organisation',
  name           TEXT NOT NULL,
  name_sort      TEXT /*pg: COLLATE "C"*/,
  type           TEXT NOT NULL DEFAULT 'end_customer',
  status         TEXT NOT NULL DEFAULT 'lead',
  source         TEXT,
  industry       TEXT,
  tags           TEXT,
  -- contact background
  phone          TEXT,
  mobile         TEXT,
  fax            TEXT,
  email          TEXT,
  website        TEXT,
  address        TEXT,
  city           TEXT,
  province       TEXT,
  postcode       TEXT,
  country        TEXT,
  delivery_address TEXT,
  invoice_address  TEXT,
  invoice_title    TEXT,
  -- transaction terms
  currency       TEXT,
  bank_name      TEXT,
  bank_account   TEXT,
  discount_terms TEXT,
  payment_terms  TEXT,
  tax_id         TEXT,
  tax_rule       TEXT,
  credit_limit   BIGINT,
  sales_rep_code TEXT,
  commission_code TEXT,
  -- psychographic profile
  interests      TEXT,
  hobbies        TEXT,
  motives        TEXT,
  perceptions    TEXT,
  attitudes      TEXT,
  opinions       TEXT,
  -- statistical / analytical data
  evaluation_of_us       TEXT,
  contract_fulfilment    TEXT,
  competitor_dealings    TEXT,
  demand_characteristics TEXT,
  potential              TEXT,
  notes          TEXT,
  -- customer pool (公海) and data quality
  in_pool        INTEGER NOT NULL DEFAULT 1,
  pool_entered_at TEXT,
  last_follow_up_at TEXT,
  merged_into    BIGINT,
  -- keys for duplicate detection (derived, not editable)
  name_key       TEXT,
  phone_key      TEXT,
  email_key      TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  created_by     BIGINT,
  updated_by     BIGINT,
  deleted_at     TEXT,
  version        BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX customers_code ON customers (tenant_id, code);
CREATE INDEX customers_name_sort ON customers (tenant_id, name_sort, id);
CREATE INDEX customers_pool ON customers (tenant_id, in_pool, last_follow_up_at);
CREATE INDEX customers_phone_key ON customers (tenant_id, phone_key);
CREATE INDEX customers_email_key ON customers (tenant_id, email_key);
CREATE INDEX customers_name_key ON customers (tenant_id, name_key);

CREATE TABLE contacts (
  tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
  id            BIGINT NOT NULL,
  customer_id   BIGINT NOT NULL,
  name          TEXT NOT NULL,
  title         TEXT,
  department    TEXT,
  phone         TEXT,
  mobile        TEXT,
  email         TEXT,
  wechat        TEXT,
  birthday      TEXT,
  is_primary    INTEGER NOT NULL DEFAULT 0,
  preferences   TEXT,
  consent_email INTEGER NOT NULL DEFAULT 0,
  consent_sms   INTEGER NOT NULL DEFAULT 0,
  consent_phone INTEGER NOT NULL DEFAULT 0,
  notes         TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  created_by    BIGINT,
  updated_by    BIGINT,
  deleted_at    TEXT,
  version       BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX contacts_customer ON contacts (tenant_id, customer_id);

-- Every staff member who holds a relationship with a customer (SPEC §1).
CREATE TABLE relationships (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  user_id     BIGINT NOT NULL,
  role        TEXT NOT NULL DEFAULT 'sales',
  since       TEXT,
  notes       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  created_by  BIGINT,
  updated_by  BIGINT,
  deleted_at  TEXT,
  version     BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX relationships_member ON relationships (tenant_id, customer_id, user_id) WHERE deleted_at IS NULL;
CREATE INDEX relationships_user ON relationships (tenant_id, user_id);

-- Interactions through every channel (SPEC §1, seed 002).
CREATE TABLE activities (
  tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
  id           BIGINT NOT NULL,
  customer_id  BIGINT NOT NULL,
  contact_id   BIGINT,
  user_id      BIGINT,
  channel      TEXT NOT NULL,
  direction    TEXT NOT NULL DEFAULT 'outbound',
  subject      TEXT NOT NULL,
  notes        TEXT,
  outcome      TEXT,
  duration_min BIGINT,
  cost         BIGINT,
  occurred_at  TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  created_by   BIGINT,
  updated_by   BIGINT,
  deleted_at   TEXT,
  version      BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX activities_customer ON activities (tenant_id, customer_id, occurred_at);

-- Search terms (text/searchkey.c): exact and prefix lookups by B-tree range,
-- the same SQL on SQLite and PostgreSQL; answers 1- and 2-character CJK
-- queries, pinyin and initials.
CREATE TABLE search_terms (
  tenant_id BIGINT NOT NULL,
  entity    TEXT NOT NULL,
  term      TEXT /*pg: COLLATE "C"*/ NOT NULL,
  record_id BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, entity, term, record_id)
);
CREATE INDEX search_terms_record ON search_terms (tenant_id, entity, record_id);
