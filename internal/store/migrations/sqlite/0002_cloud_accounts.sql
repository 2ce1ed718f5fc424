-- 0002_cloud_accounts: connected cloud accounts (SQLite).
--
-- config is the account's provider configuration as JSON without its secret
-- fields; secrets is those fields as one JSON object sealed with AES-256-GCM
-- (internal/secrets, associated data "cloud-account:<id>"), '' when none;
-- secret_names lists those fields (a JSON array), so lists need no key.

CREATE TABLE cloud_accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    config     TEXT    NOT NULL DEFAULT '{}',
    secrets    TEXT    NOT NULL DEFAULT '',
    secret_names TEXT  NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL DEFAULT ''
);
