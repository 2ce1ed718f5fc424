-- 0001_init: the console's initial schema (PostgreSQL).
--
-- Migrations are append-only: never edit a released file, add the next
-- numbered one instead, in both dialects. The runner creates
-- schema_migrations(version, applied_at) itself before applying this file and
-- records each applied version there, all under a transaction-scoped
-- advisory lock so that replicas starting together migrate once.
--
-- Times are BIGINT unix milliseconds (UTC), 0 meaning "unset"; booleans are
-- BOOLEAN; tags are a JSON array in TEXT (kept as text so that both dialects
-- read and write it alike).

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    source_ip  TEXT   NOT NULL DEFAULT '',
    user_agent TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    prefix       TEXT   NOT NULL DEFAULT '',
    hash         TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, name)
);

-- No foreign key on user_id: the trail outlives the accounts it mentions.
CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time      BIGINT NOT NULL,
    user_id   BIGINT NOT NULL DEFAULT 0,
    username  TEXT   NOT NULL DEFAULT '',
    role      TEXT   NOT NULL DEFAULT '',
    action    TEXT   NOT NULL,
    target    TEXT   NOT NULL DEFAULT '',
    outcome   TEXT   NOT NULL DEFAULT '',
    source_ip TEXT   NOT NULL DEFAULT '',
    detail    TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_username ON audit_log (username);
CREATE INDEX audit_log_action ON audit_log (action);

CREATE TABLE minted_keys (
    headscale_key_id BIGINT  PRIMARY KEY, -- uint64 stored as its int64 bit pattern
    headscale_user   TEXT    NOT NULL DEFAULT '',
    tags             TEXT    NOT NULL DEFAULT '[]',
    reusable         BOOLEAN NOT NULL DEFAULT FALSE,
    ephemeral        BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at       BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    created_by       TEXT    NOT NULL DEFAULT '',
    purpose          TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
