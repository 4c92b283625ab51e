-- Running vocabot for real learners: what each learner spends, admins' quota overrides,
-- and when a learner last talked to the bot.

-- LLM spending by UTC day and learner: builds started (cache hits never count) and the
-- tokens their builds used. user_id 0 holds what learners who used /forget had spent that
-- day (their own rows are folded into it), so the day's totals and the global token budget
-- stay right without keeping anything about them; there is no user 0, hence no foreign key.
CREATE TABLE usage (
    day               TEXT NOT NULL,  -- YYYY-MM-DD, UTC
    user_id           INTEGER NOT NULL,
    builds            INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id)
);
CREATE INDEX usage_user ON usage (user_id, day);

-- An admin's override of one learner's daily build quota (NULL: the default from the
-- settings), and whether they may build at all. No row: the defaults.
CREATE TABLE user_quotas (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    daily_builds INTEGER,
    blocked      INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- When the learner last talked to the bot (written at most once a day per learner): daily
-- active users, and who an admin's broadcast reaches. NULL: not since this migration.
ALTER TABLE users ADD COLUMN last_seen_at TEXT;
CREATE INDEX users_last_seen ON users (last_seen_at);
