-- 0004 custom fields and option lists (SPEC §1: local practices configured
-- without code). Definitions per tenant and entity; values in one portable
-- table (no JSON functions, which differ between SQLite and PostgreSQL),
-- indexed for filters; option lists extend built-in choices such as the
-- customer types.

CREATE TABLE custom_fields (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  entity      TEXT NOT NULL,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL,
  label_zh_cn TEXT NOT NULL,
  label_zh_tw TEXT,
  label_en    TEXT,
  options     TEXT,
  required    INTEGER NOT NULL DEFAULT 0,
  searchable  INTEGER NOT NULL DEFAULT 0,
  position    BIGINT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  created_by  BIGINT,
  updated_by  BIGINT,
  deleted_at  TEXT,
  version     BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX custom_fields_name ON custom_fields (tenant_id, entity, name) WHERE deleted_at IS NULL;

CREATE TABLE custom_values (
  tenant_id  BIGINT NOT NULL,
  entity     TEXT NOT NULL,
  record_id  BIGINT NOT NULL,
  field      TEXT NOT NULL,
  value_text TEXT NOT NULL,
  value_num  DOUBLE PRECISION,
  PRIMARY KEY (tenant_id, entity, record_id, field, value_text)
);
CREATE INDEX custom_values_text ON custom_values (tenant_id, entity, field, value_text);
CREATE INDEX custom_values_num ON custom_values (tenant_id, entity, field, value_num);

CREATE TABLE option_values (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  list        TEXT NOT NULL,
  value       TEXT NOT NULL,
  label_zh_cn TEXT NOT NULL,
  label_zh_tw TEXT,
  label_en    TEXT,
  position    BIGINT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  created_by  BIGINT,
  updated_by  BIGINT,
  deleted_at  TEXT,
  version     BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX option_values_value ON option_values (tenant_id, list, value) WHERE deleted_at IS NULL;
