-- Spaced repetition state and log per user card, quiz sessions, and durable jobs.
CREATE TABLE reviews (
    card_id    INTEGER PRIMARY KEY REFERENCES cards (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    due        TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX reviews_due ON reviews (user_id, due);

CREATE TABLE review_log (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    card_id     INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
    rating      INTEGER NOT NULL,
    question    TEXT NOT NULL DEFAULT '',
    correct     INTEGER,
    reviewed_at TEXT NOT NULL
);
CREATE INDEX review_log_user ON review_log (user_id, reviewed_at);

CREATE TABLE sessions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, name)
);

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id         TEXT NOT NULL,
    status           TEXT NOT NULL,
    stage            TEXT NOT NULL,
    done             INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    learner_language TEXT NOT NULL,
    level            TEXT NOT NULL,
    error_code       TEXT,
    error_message    TEXT,
    deck_id          INTEGER REFERENCES decks (id) ON DELETE SET NULL,
    notify           TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX jobs_user ON jobs (user_id, created_at);
CREATE INDEX jobs_status ON jobs (status);
