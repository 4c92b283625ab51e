-- Intentionally empty: this number belongs to another branch of issue 25 (merged
-- separately). Delete this file when that branch's migration of the same number lands.
SELECT 1;
