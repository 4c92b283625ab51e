-- Durable builds: finished chunk answers are kept so a restarted build asks only for the
-- rest; a chat request delivered twice makes one job; a job's end is told exactly once.
CREATE TABLE chunk_results (
    cache_key   TEXT NOT NULL,  -- every field of the deck's CacheKey, as canonical JSON
    fingerprint TEXT NOT NULL,  -- a digest of what the model was asked for this chunk
    result      TEXT NOT NULL,  -- the validated answer and what it cost, JSON
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (cache_key, fingerprint)
);
CREATE INDEX chunk_results_age ON chunk_results (created_at);

-- The chat message a job was asked for in (platform:chat:message): one job per request.
ALTER TABLE jobs ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX jobs_source ON jobs (user_id, source_key) WHERE source_key IS NOT NULL;

-- 0 while the job's chat has not been told how it ended (told again after a restart).
-- Rows from before this migration count as told.
ALTER TABLE jobs ADD COLUMN told INTEGER NOT NULL DEFAULT 1;
