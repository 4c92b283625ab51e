-- The study page's sign-in: single-use sign-in links (/web) and browser sessions. Only a
-- hash of each token is stored, like API keys, so a copy of the database signs no one in.
CREATE TABLE web_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('link', 'session')),
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX web_tokens_expiry ON web_tokens (expires_at);
