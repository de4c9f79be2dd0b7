-- Cached verdicts are only a saving: dropping them makes the model be asked again.
DROP TABLE IF EXISTS llm_reranks;
DROP TYPE IF EXISTS llm_rerank_state;
