-- 0003_inventory: the VM inventory and the sync history (PostgreSQL).
--
-- data is the provider's VM as JSON (providers.VM); a VM is updated only when
-- it changed, and last_seen is written with those changes (the engine keeps
-- the exact time in memory). gone_at is set when a complete sync missed the
-- VM; the engine deletes it after a grace period.

CREATE TABLE vms (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cloud_id    BIGINT NOT NULL REFERENCES cloud_accounts (id) ON DELETE CASCADE,
    provider_id TEXT   NOT NULL,
    data        TEXT   NOT NULL,
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    gone_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (cloud_id, provider_id)
);

CREATE TABLE sync_runs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cloud_id   BIGINT NOT NULL REFERENCES cloud_accounts (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT NOT NULL,
    vms        BIGINT NOT NULL DEFAULT 0,
    error      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_cloud ON sync_runs (cloud_id, id);
