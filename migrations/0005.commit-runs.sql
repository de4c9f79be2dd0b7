-- One Grimoire check run per commit (issue 10). GitHub shows only the latest run of a
-- name in a check suite (one suite per App per commit), so runs posted per failed job hid
-- each other. Each commit's run is rebuilt from what is stored here at every update:
-- every failed job (or pull request diff) advised on, its errors and the spells offered.
-- The per-job tables of 0004 keep the runs posted before this change, which stay as they are.
-- depends: 0004.advice

CREATE TYPE advice_source_kind AS ENUM ('job', 'diff');
CREATE TYPE annotation_state AS ENUM ('sending', 'posted');

CREATE TABLE commit_runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id    bigint NOT NULL,
    repository       text NOT NULL,
    head_sha         text NOT NULL,
    external_id      text NOT NULL,
    check_run_id     bigint,           -- ours, once GitHub answered the POST
    check_run_url    text,
    create_attempted boolean NOT NULL DEFAULT false,  -- a POST went out: look it up first
    title            text,
    summary          text,             -- as last sent
    voted_spell_id   bigint,           -- the spell the buttons rate
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, head_sha)
);
CREATE INDEX commit_runs_check_run ON commit_runs (check_run_id);

-- A failed job or check run (kind 'job'), or a pull request's added lines (kind 'diff'),
-- as last advised on; `key` names it within the commit.
CREATE TABLE advised_sources (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commit_run_id    bigint NOT NULL REFERENCES commit_runs (id) ON DELETE CASCADE,
    key              text NOT NULL,
    kind             advice_source_kind NOT NULL,
    name             text NOT NULL,
    html_url         text,             -- the job's page, for the summary's link
    source_url       text,             -- API URL of the failed check run or pull request
    job_url          text,             -- API URL of the Actions job, when it was one
    log_truncated    boolean NOT NULL DEFAULT false,
    errors_found     integer NOT NULL DEFAULT 0,
    advised_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (commit_run_id, key)
);

-- Each error of a source that a spell was offered for, in the source's order.
CREATE TABLE advised_errors (
    source_id        bigint NOT NULL REFERENCES advised_sources (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    message          text NOT NULL,
    error_type       text,
    file             text,
    line             integer,
    "column"         integer,
    fingerprint      text NOT NULL,
    details          text NOT NULL,    -- the error's own lines (annotation raw_details)
    log_line         integer,
    PRIMARY KEY (source_id, position)
);

-- The spells offered for an error, best first. A deleted spell leaves the summary.
CREATE TABLE advised_spells (
    source_id        bigint NOT NULL,
    position         integer NOT NULL,
    rank             integer NOT NULL,
    spell_id         bigint NOT NULL REFERENCES spells (id) ON DELETE CASCADE,
    score            double precision NOT NULL,
    PRIMARY KEY (source_id, position, rank),
    FOREIGN KEY (source_id, position) REFERENCES advised_errors ON DELETE CASCADE
);
CREATE INDEX advised_spells_spell ON advised_spells (spell_id);

-- The places a commit's run holds an annotation for (one per place, never replaced).
-- 'sending': the request carrying it went out and its answer is not known yet.
CREATE TABLE commit_run_annotations (
    commit_run_id    bigint NOT NULL REFERENCES commit_runs (id) ON DELETE CASCADE,
    path             text NOT NULL,
    start_line       integer NOT NULL,
    spell_id         bigint NOT NULL,
    title            text NOT NULL,
    state            annotation_state NOT NULL DEFAULT 'sending',
    posted_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (commit_run_id, path, start_line)
);
