-- Learners, videos, the shared result cache, decks, cards and known words.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    learner_language TEXT NOT NULL DEFAULT 'ko',
    level            TEXT NOT NULL DEFAULT 'B1',
    preferences      TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE videos (
    id                  TEXT PRIMARY KEY,
    title               TEXT,
    transcript_language TEXT,
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE deck_cache (
    video_id         TEXT NOT NULL,
    languages        TEXT NOT NULL,
    learner_language TEXT NOT NULL,
    level            TEXT NOT NULL,
    prompt_version   TEXT NOT NULL,
    model            TEXT NOT NULL,
    deck             TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (video_id, languages, learner_language, level, prompt_version, model)
);

CREATE TABLE decks (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_key        TEXT NOT NULL,
    video_id         TEXT,
    title            TEXT,
    learner_language TEXT NOT NULL,
    level            TEXT NOT NULL,
    missing          TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (user_id, video_key)
);

CREATE TABLE cards (
    id       INTEGER PRIMARY KEY,
    deck_id  INTEGER NOT NULL REFERENCES decks (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('word', 'phrase')),
    key      TEXT NOT NULL,
    position INTEGER NOT NULL,
    payload  TEXT NOT NULL,
    UNIQUE (deck_id, kind, key)
);
CREATE INDEX cards_user ON cards (user_id);

CREATE TABLE known_words (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    word       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, word)
);
