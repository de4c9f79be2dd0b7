-- Every error Grimoire read from a failure, matched or not: what the curator console's
-- "most frequent failures with no spell" and spell health are counted from. One row per
-- error of each handled job or check run (a retried delivery replaces its rows rather than
-- adding them); pruned past RETENTION_DAYS like the delivery log.
-- depends: 0009.spell-embeddings

CREATE TABLE failure_errors (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id    bigint NOT NULL,
    repository       text NOT NULL,        -- owner/name when it was seen
    head_sha         text NOT NULL,
    source_key       text NOT NULL,        -- the job or check run within the commit
    source_name      text NOT NULL,        -- e.g. "build (ubuntu-latest, 3.12)"
    delivery_id      text,                 -- the delivery that read it (none for a re-check)
    position         integer NOT NULL,     -- order of the error within its source
    fingerprint      text NOT NULL,        -- the message with paths, numbers and names masked
    message          text NOT NULL,
    error_type       text,
    file             text,
    line             integer,
    ecosystem        text,
    sample           text NOT NULL,        -- the error's own lines, secrets scrubbed, <= 4 KiB
    spell_id         bigint REFERENCES spells (id) ON DELETE SET NULL,  -- best approved spell
    score            double precision,
    matched          boolean NOT NULL,     -- an approved spell was offered for it
    seen_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, head_sha, source_key, position)
);
CREATE INDEX failure_errors_unmatched ON failure_errors (seen_at DESC, fingerprint)
    WHERE NOT matched;
CREATE INDEX failure_errors_fingerprint ON failure_errors (fingerprint, seen_at DESC);
CREATE INDEX failure_errors_spell ON failure_errors (spell_id, seen_at DESC)
    WHERE spell_id IS NOT NULL;
CREATE INDEX failure_errors_seen ON failure_errors (seen_at);
