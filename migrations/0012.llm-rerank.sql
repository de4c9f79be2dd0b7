-- The LLM's pick among an uncertain error's candidate spells, asked once per error and
-- candidate set across every worker: the row is the claim while a worker asks, then the
-- verdict every later failure with the same error and candidates reuses.
-- depends: 0011.console-sessions

CREATE TYPE llm_rerank_state AS ENUM ('asking', 'decided', 'failed');

CREATE TABLE llm_reranks (
    fingerprint     text NOT NULL,
    candidates      text NOT NULL,       -- the candidate spell ids, sorted, comma-separated
    state           llm_rerank_state NOT NULL,
    claim           uuid NOT NULL DEFAULT gen_random_uuid(),  -- who holds an asking claim
    claimed_at      timestamptz NOT NULL DEFAULT now(),
    choice          bigint,              -- decided: the spell picked; NULL: none of them
    valid           boolean,             -- decided: false when the answer named no candidate
    reason          text,                -- the model's reason, or why there is no verdict
    retry_after     timestamptz,         -- failed: not asked again before this (NULL: at once)
    provider        text,
    model           text,
    prompt_version  text,
    requests        integer NOT NULL DEFAULT 0,
    tokens_in       integer NOT NULL DEFAULT 0,
    tokens_out      integer NOT NULL DEFAULT 0,
    cost_usd        double precision NOT NULL DEFAULT 0,
    repository_id   bigint,              -- where it was first asked for
    installation_id bigint,
    delivery_id     text,                -- not a reference: the verdict outlives deliveries
    uses            integer NOT NULL DEFAULT 0,  -- later failures that reused the verdict
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fingerprint, candidates)
);
