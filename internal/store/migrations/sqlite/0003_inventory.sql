-- 0003_inventory: the VM inventory and the sync history (SQLite).
--
-- data is the provider's VM as JSON (providers.VM); a VM is updated only when
-- it changed, and last_seen is written with those changes (the engine keeps
-- the exact time in memory). gone_at is set when a complete sync missed the
-- VM; the engine deletes it after a grace period.

CREATE TABLE vms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cloud_id    INTEGER NOT NULL REFERENCES cloud_accounts (id) ON DELETE CASCADE,
    provider_id TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    gone_at     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (cloud_id, provider_id)
);

CREATE TABLE sync_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    cloud_id   INTEGER NOT NULL REFERENCES cloud_accounts (id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL,
    vms        INTEGER NOT NULL DEFAULT 0,
    error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_cloud ON sync_runs (cloud_id, id);
