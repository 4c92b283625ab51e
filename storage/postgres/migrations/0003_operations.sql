-- Running vocabot for real learners (SQLite's 0008): what each learner spends, admins'
-- quota overrides, and when a learner last talked to the bot.

-- LLM spending by UTC day and learner: builds started (cache hits never count) and the
-- tokens their builds used. user_id 0 holds what learners who used /forget had spent that
-- day, so the day's totals and the token budget stay right; there is no user 0, hence no
-- foreign key.
CREATE TABLE usage (
    day               DATE NOT NULL,  -- UTC
    user_id           BIGINT NOT NULL,
    builds            BIGINT NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id)
);
CREATE INDEX usage_user ON usage (user_id, day);

-- An admin's override of one learner's daily build quota (NULL: the default from the
-- settings), and whether they may build at all. No row: the defaults.
CREATE TABLE user_quotas (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    daily_builds INTEGER,
    blocked      BOOLEAN NOT NULL DEFAULT false,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- When the learner last talked to the bot (written at most once a day per learner).
ALTER TABLE users ADD COLUMN last_seen_at TIMESTAMPTZ;
CREATE INDEX users_last_seen ON users (last_seen_at);
