-- 0004_install_links: one-time install links (SQLite).
--
-- A link serves one install script that holds a pre-auth key. Only the
-- SHA-256 of the link's token is stored; the key is sealed (internal/secrets,
-- associated data "install-link:<token hash>"). A link works once.

CREATE TABLE install_links (
    token_hash   TEXT    PRIMARY KEY,
    sealed_key   TEXT    NOT NULL,
    login_server TEXT    NOT NULL,
    hostname     TEXT    NOT NULL DEFAULT '',
    vm_key       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT    NOT NULL DEFAULT ''
);
