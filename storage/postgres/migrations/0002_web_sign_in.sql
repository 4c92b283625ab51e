-- The study page's sign-in: single-use sign-in links (/web) and browser sessions. Only a
-- hash of each token is stored, like API keys, so a copy of the database signs no one in.
CREATE TABLE web_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('link', 'session')),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX web_tokens_expiry ON web_tokens (expires_at);
CREATE INDEX web_tokens_user ON web_tokens (user_id);
