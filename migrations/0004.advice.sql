-- What Grimoire posted on pull requests, and what people said about it.
-- depends: 0003.github-app

-- One Grimoire check run per failed source run (or per pull request head, for diff spells).
CREATE TABLE advice_runs (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id        bigint NOT NULL,
    repository           text NOT NULL,
    head_sha             text NOT NULL,
    external_id          text NOT NULL,
    source_name          text NOT NULL,
    source_url           text,            -- API URL of the failed check run (none for diffs)
    source_job_url       text,            -- API URL of the Actions job, when it was one
    workflow_run_url     text,            -- groups matrix siblings of one workflow run
    check_run_id         bigint,          -- ours, once GitHub created it
    check_run_url        text,
    title                text,
    summary              text,            -- as rendered, before the vote tally is appended
    voted_spell_id       bigint,          -- the spell the buttons rate
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, external_id)
);
CREATE INDEX advice_runs_check_run ON advice_runs (check_run_id);
CREATE INDEX advice_runs_head ON advice_runs (repository_id, head_sha);

-- Every annotation posted, keyed by where it points and what it says, so a re-run only
-- appends what is new and matrix siblings with the same error share one annotation.
CREATE TABLE advice_annotations (
    repository_id   bigint NOT NULL,
    head_sha        text NOT NULL,
    path            text NOT NULL,
    start_line      integer NOT NULL,
    spell_id        bigint NOT NULL,
    advice_run_id   bigint NOT NULL REFERENCES advice_runs (id) ON DELETE CASCADE,
    jobs            text[] NOT NULL DEFAULT '{}',
    posted_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, head_sha, path, start_line, spell_id)
);
CREATE INDEX advice_annotations_run ON advice_annotations (advice_run_id);

-- Which spells each run offered: how often a spell matched, counted once per run.
CREATE TABLE advice_run_spells (
    advice_run_id  bigint NOT NULL REFERENCES advice_runs (id) ON DELETE CASCADE,
    spell_id       bigint NOT NULL REFERENCES spells (id) ON DELETE CASCADE,
    score          double precision NOT NULL,
    matched_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (advice_run_id, spell_id)
);
CREATE INDEX advice_run_spells_spell ON advice_run_spells (spell_id);

-- "Helpful" / "Not relevant" from the buttons on a Grimoire check run; one vote per
-- person per spell per repository, the latest one counts.
CREATE TABLE spell_votes (
    spell_id       bigint NOT NULL REFERENCES spells (id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL,
    voter_id       bigint NOT NULL,
    voter_login    text NOT NULL,
    vote           smallint NOT NULL CHECK (vote IN (-1, 1)),
    check_run_id   bigint,
    voted_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (spell_id, repository_id, voter_id)
);
CREATE INDEX spell_votes_repository ON spell_votes (repository_id);
