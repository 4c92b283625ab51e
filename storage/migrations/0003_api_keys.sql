-- Per-user API keys for the HTTP jobs API: only a hash of each key is stored.
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX api_keys_user ON api_keys (user_id);
