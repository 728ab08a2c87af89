-- 0005 io: data import batches (each one undoable as a whole), the records a
-- batch created or updated with the values it replaced, its row errors for
-- the downloadable report, and saved column mappings.
-- Written in the SQL subset SQLite and PostgreSQL both accept.

-- One row per import (CLI or API), dry runs included. status: running,
-- done, failed, dry_run, undone (a 'running' row whose process is gone is
-- shown as interrupted: its transaction never committed).
CREATE TABLE import_batches (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  entity      TEXT NOT NULL,
  status      TEXT NOT NULL,
  mode        TEXT NOT NULL,
  dry_run     INTEGER NOT NULL DEFAULT 0,
  filename    TEXT,
  format      TEXT,
  options     TEXT,
  summary     TEXT,
  rows_read   BIGINT NOT NULL DEFAULT 0,
  created     BIGINT NOT NULL DEFAULT 0,
  updated     BIGINT NOT NULL DEFAULT 0,
  unchanged   BIGINT NOT NULL DEFAULT 0,
  failed      BIGINT NOT NULL DEFAULT 0,
  error       TEXT,
  created_at  TEXT NOT NULL,
  created_by  BIGINT,
  finished_at TEXT,
  undone_at   TEXT,
  undone_by   BIGINT,
  PRIMARY KEY (tenant_id, id)
);

-- What a batch wrote: created records (undo soft-deletes them) and updated
-- ones with the fields it changed, before and after (undo restores the
-- fields still holding the imported value). seq is the order of first touch.
CREATE TABLE import_batch_records (
  tenant_id BIGINT NOT NULL,
  batch_id  BIGINT NOT NULL,
  entity    TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  seq       BIGINT NOT NULL,
  action    TEXT NOT NULL,
  before    TEXT,
  after     TEXT,
  PRIMARY KEY (tenant_id, batch_id, entity, record_id)
);
CREATE INDEX import_batch_records_seq ON import_batch_records (tenant_id, batch_id, seq);

-- Rows a batch could not import: where, why (JSON list of
-- {field, code, message}) and the cells as read (JSON list of strings).
CREATE TABLE import_errors (
  tenant_id BIGINT NOT NULL,
  batch_id  BIGINT NOT NULL,
  seq       BIGINT NOT NULL,
  line      BIGINT,
  record    BIGINT,
  errors    TEXT NOT NULL,
  raw       TEXT,
  PRIMARY KEY (tenant_id, batch_id, seq)
);

-- Saved column mappings (header or column number -> field), reusable by
-- name for files that come every month from the same system.
CREATE TABLE import_mappings (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  name        TEXT NOT NULL,
  entity      TEXT NOT NULL,
  rules       TEXT NOT NULL,
  description TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  created_by  BIGINT,
  updated_by  BIGINT,
  deleted_at  TEXT,
  version     BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX import_mappings_name ON import_mappings (tenant_id, name) WHERE deleted_at IS NULL;
