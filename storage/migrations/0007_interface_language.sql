-- The language the bot speaks to each learner (apart from the language of meanings):
-- `interface_language` is what they picked in /settings (NULL: not picked), and
-- `client_language` the last language their chat client said it uses (Telegram
-- language_code, Discord locale), which decides while they have not picked one.
ALTER TABLE users ADD COLUMN interface_language TEXT;
ALTER TABLE users ADD COLUMN client_language TEXT;
