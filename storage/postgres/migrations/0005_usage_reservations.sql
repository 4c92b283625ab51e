-- Tokens that builds running now (in any process) have reserved from the daily budget:
-- what each plans to send and ask back, taken in one step with the budget check before
-- its first LLM call and given back, for what it really spent, when it ends. The budget
-- counts spent + reserved, so simultaneous builds cannot all see the same tokens left.
ALTER TABLE usage ADD COLUMN reserved_tokens BIGINT NOT NULL DEFAULT 0;
