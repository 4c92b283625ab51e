-- Subtitle files learners sent (CLI, Telegram, Discord), as text, keyed by a hash of their
-- content: a job names its file as "file:<hash>" and reads it back when it runs or resumes.
CREATE TABLE uploads (
    key        TEXT PRIMARY KEY,
    filename   TEXT NOT NULL,
    text       TEXT NOT NULL,
    video_id   TEXT,
    language   TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
