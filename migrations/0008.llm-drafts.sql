-- Spells drafted by an LLM for errors no spell matches: drafted once per error across all
-- workers, within daily budgets, with where each draft came from and what every call did.
-- depends: 0007.identity

-- Reviewers reject drafts (the review branch adds the same value; either order works).
ALTER TYPE spell_status ADD VALUE IF NOT EXISTS 'rejected';

CREATE TYPE llm_draft_state AS ENUM ('drafting', 'drafted', 'failed');

-- One row per error fingerprint a model was asked about. Claiming the row (an insert, or
-- taking over a stale or cooled-down one) is what lets exactly one worker ask; the others
-- wait for it and reuse its draft.
CREATE TABLE llm_drafts (
    fingerprint  text PRIMARY KEY,
    state        llm_draft_state NOT NULL,
    claim        uuid NOT NULL DEFAULT gen_random_uuid(),  -- who holds a drafting claim
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    spell_id     bigint REFERENCES spells (id) ON DELETE SET NULL,
    retry_after  timestamptz,   -- failed: the model is not asked again before this
    last_reason  text,
    reuses       integer NOT NULL DEFAULT 0,   -- later failures that were shown this draft
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_drafts_spell ON llm_drafts (spell_id);

-- Where an AI draft came from. Kept apart from `spells` so a person's edits never touch it.
CREATE TABLE spell_provenance (
    spell_id        bigint PRIMARY KEY REFERENCES spells (id) ON DELETE CASCADE,
    provider        text NOT NULL,
    model           text NOT NULL,
    prompt_version  text NOT NULL,
    tokens_in       integer NOT NULL,
    tokens_out      integer NOT NULL,
    cost_usd        double precision NOT NULL,
    requests        integer NOT NULL,
    fingerprint     text NOT NULL,
    repository_id   bigint,
    repository      text,
    installation_id bigint,
    delivery_id     text,            -- not a reference: provenance outlives pruned deliveries
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spell_provenance_model ON spell_provenance (provider, model);

CREATE TYPE llm_outcome AS ENUM (
    'drafted', 'reused', 'previously_rejected', 'approved', 'over_budget', 'invalid',
    'refused', 'rate_limited', 'provider_error', 'timeout', 'cooling_down', 'in_progress',
    'internal_error', 'previewed'
);

-- What drafting did for each error of a delivery (or of a `draft` command: no delivery),
-- shown with the delivery; also the record the spend is reconciled against.
CREATE TABLE llm_calls (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      text REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
    repository_id    bigint,
    repository       text,
    installation_id  bigint,
    fingerprint      text NOT NULL,
    error_message    text NOT NULL,   -- scrubbed, cut
    error_file       text,
    error_line       integer,
    outcome          llm_outcome NOT NULL,
    reason           text,
    provider         text,
    model            text,
    prompt_version   text,
    requests         integer NOT NULL DEFAULT 0,   -- HTTP requests sent, SDK retries included
    tokens_in        integer NOT NULL DEFAULT 0,
    tokens_out       integer NOT NULL DEFAULT 0,
    cost_usd         double precision NOT NULL DEFAULT 0,
    spell_id         bigint REFERENCES spells (id) ON DELETE SET NULL,
    duration_ms      double precision NOT NULL,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_delivery ON llm_calls (delivery_id, id);
CREATE INDEX llm_calls_at ON llm_calls (at);

-- Spend per UTC day, globally (installation_id 0: GitHub ids start at 1) and per
-- installation. Reserved before a request and settled after it with a conditional upsert,
-- so concurrent workers can never pass a cap together.
CREATE TABLE llm_budget (
    day              date NOT NULL,
    installation_id  bigint NOT NULL,
    drafts           integer NOT NULL DEFAULT 0,
    cost_usd         double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (day, installation_id)
);
