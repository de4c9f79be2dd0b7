-- Spell vectors for matching by meaning: computed once per spell change (in one process,
-- under an advisory lock) and read by every process when it compiles the spellbook, so a
-- start-up never re-embeds the whole book. Keyed by model, so a new model re-embeds;
-- `digest` is of the text the vector came from, so an edited spell is re-embedded.
-- A bytea of little-endian float16 works on any PostgreSQL (pgvector is not required):
-- the search runs in each process, beside the compiled patterns.
-- depends: 0008.llm-drafts

CREATE TABLE spell_embeddings (
    spell_id     bigint NOT NULL REFERENCES spells (id) ON DELETE CASCADE,
    model        text NOT NULL,
    digest       text NOT NULL,
    dimensions   integer NOT NULL CHECK (dimensions > 0),
    vector       bytea NOT NULL CHECK (octet_length(vector) = 2 * dimensions),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spell_id, model)
);
