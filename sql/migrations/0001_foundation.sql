-- 0001 foundation: tenants, teams, users, sessions, API keys, audit log, field history.
-- Written in the SQL subset SQLite and PostgreSQL both accept. Times are UTC
-- ISO 8601 text ("2026-11-24T12:00:00.000Z"); ids are application-generated
-- 53-bit integers; every business table leads its keys with tenant_id (the
-- distribution column on Citus).

CREATE TABLE tenants (
  id          BIGINT NOT NULL PRIMARY KEY,
  slug        TEXT NOT NULL,
  name        TEXT NOT NULL,
  time_zone   TEXT NOT NULL DEFAULT 'Asia/Shanghai',
  currency    TEXT NOT NULL DEFAULT 'CNY',
  locale      TEXT NOT NULL DEFAULT 'zh-CN',
  settings    TEXT NOT NULL DEFAULT '{}',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  disabled_at TEXT,
  version     BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);

CREATE TABLE teams (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT,
  manager_id  BIGINT,
  parent_id   BIGINT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  created_by  BIGINT,
  updated_by  BIGINT,
  deleted_at  TEXT,
  version     BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX teams_name ON teams (tenant_id, name) WHERE deleted_at IS NULL;

CREATE TABLE users (
  tenant_id     BIGINT NOT NULL REFERENCES tenants (id),
  id            BIGINT NOT NULL,
  username      TEXT NOT NULL,
  display_name  TEXT NOT NULL,
  email         TEXT,
  phone         TEXT,
  role          TEXT NOT NULL,
  team_id       BIGINT,
  locale        TEXT,
  password_hash TEXT NOT NULL,
  disabled_at   TEXT,
  last_login_at TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  created_by    BIGINT,
  updated_by    BIGINT,
  deleted_at    TEXT,
  version       BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE UNIQUE INDEX users_username ON users (tenant_id, username);
CREATE INDEX users_login ON users (username);
CREATE INDEX users_team ON users (tenant_id, team_id);

-- Login sessions. The token a client holds is "<tenant_id>.<secret>"; only a
-- hash of it is stored, and the lookup is by (tenant_id, token_hash).
CREATE TABLE sessions (
  tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
  id          BIGINT NOT NULL,
  user_id     BIGINT NOT NULL,
  token_hash  TEXT NOT NULL,
  csrf_token  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  revoked_at  TEXT,
  ip          TEXT,
  user_agent  TEXT,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX sessions_token ON sessions (tenant_id, token_hash);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- API keys for integrations: "gxk_<tenant_id>_<secret>", stored hashed.
CREATE TABLE api_keys (
  tenant_id    BIGINT NOT NULL REFERENCES tenants (id),
  id           BIGINT NOT NULL,
  user_id      BIGINT NOT NULL,
  name         TEXT NOT NULL,
  key_prefix   TEXT NOT NULL,
  key_hash     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  created_by   BIGINT,
  expires_at   TEXT,
  last_used_at TEXT,
  revoked_at   TEXT,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (tenant_id, key_hash);

-- Every write: who, when, what, before and after (JSON text).
CREATE TABLE audit_log (
  tenant_id  BIGINT NOT NULL,
  id         BIGINT NOT NULL,
  at         TEXT NOT NULL,
  actor_id   BIGINT,
  action     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  entity_id  BIGINT,
  before     TEXT,
  after      TEXT,
  ip         TEXT,
  request_id TEXT,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity, entity_id, id);

-- One row per changed field per write, for the record's history.
CREATE TABLE field_history (
  tenant_id  BIGINT NOT NULL,
  id         BIGINT NOT NULL,
  entity     TEXT NOT NULL,
  entity_id  BIGINT NOT NULL,
  field      TEXT NOT NULL,
  old_value  TEXT,
  new_value  TEXT,
  changed_by BIGINT,
  changed_at TEXT NOT NULL,
  audit_id   BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX field_history_entity ON field_history (tenant_id, entity, entity_id, id);
