-- The 'rejected' spell status stays: PostgreSQL cannot drop an enum value, and the review
-- branch relies on it too.
DROP TABLE IF EXISTS llm_budget;
DROP TABLE IF EXISTS llm_calls;
DROP TYPE IF EXISTS llm_outcome;
DROP TABLE IF EXISTS spell_provenance;
DROP TABLE IF EXISTS llm_drafts;
DROP TYPE IF EXISTS llm_draft_state;
