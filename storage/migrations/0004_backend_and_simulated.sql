-- The cache key names the LLM backend (server + model). Before this, decks built by the
-- bundled simulator were cached under the real model's name and later served to real runs,
-- and nothing records which server built a row, so the old cache is dropped: it is only a
-- cache, a deck is rebuilt on the next request.
DROP TABLE deck_cache;
CREATE TABLE deck_cache (
    video_id         TEXT NOT NULL,
    languages        TEXT NOT NULL,
    learner_language TEXT NOT NULL,
    level            TEXT NOT NULL,
    prompt_version   TEXT NOT NULL,
    model            TEXT NOT NULL,
    backend          TEXT NOT NULL,
    deck             TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (video_id, languages, learner_language, level, prompt_version, model, backend)
);

-- Decks whose meanings are the simulator's placeholders say so on every page.
ALTER TABLE decks ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
-- Decks saved before this carry the old simulator's marks ("dig (뜻)", "dig (意味)", ...).
UPDATE decks SET simulated = 1 WHERE id IN (
    SELECT deck_id FROM cards
    WHERE payload LIKE '% (뜻)"%' OR payload LIKE '% (意味)"%' OR payload LIKE '% (意思)"%'
       OR payload LIKE '% (significado)"%' OR payload LIKE '% (sens)"%'
       OR payload LIKE '% (Bedeutung)"%' OR payload LIKE '% (значение)"%'
       OR payload LIKE '% (nghĩa)"%' OR payload LIKE '% (meaning)"%'
);
